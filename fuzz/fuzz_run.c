/* libFuzzer target: a whole run. The first line of the input is the
 * expression, the rest is the data, read through the real source stage from a
 * memfd (so lines, long records over a small --max-record, NUL and invalid
 * UTF-8 all go through the hot path) and written to /dev/null. A first byte
 * 'J', 'T' or 'C' on the expression line (then skipped) selects -o json, tsv
 * or csv output. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../src/out/output.h"
#include "../src/plan.h"

static void quiet(gp_ctx *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *nl = memchr(data, '\n', size);
	if (!nl)
		return 0;
	size_t elen = (size_t)(nl - data);
	const uint8_t *expr = data;
	int format = GP_OUT_TEXT;
	if (elen > 0 && (data[0] == 'J' || data[0] == 'T' || data[0] == 'C')) {
		format = data[0] == 'J' ? GP_OUT_JSON : data[0] == 'T' ? GP_OUT_TSV : GP_OUT_CSV;
		expr++;
	}
	size_t xlen = (size_t)(nl - expr);
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, nl + 1, size - elen - 1) < 0 || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	const char *files[] = { path, path };

	gp_scope root;
	gp_arena arena;
	gp_scope_init(&root);
	gp_arena_init(&arena);
	gp_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.arena = &arena;
	ctx.root = &root;
	ctx.delim = (xlen > 0 && expr[0] == 'z') ? '\0' : '\n';
	ctx.max_record = 300;
	ctx.memory = 1 << 16; /* aggregates and sort spill early */
	ctx.need_lineno = true;
	ctx.report = quiet;
	ctx.expr = (const char *)expr; /* the text the spans point into */

	gp_plan plan;
	gp_out out; /* registered in root: must outlive the unwind below */
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0 &&
	    gp_plan_build(&ctx, (const char *)expr, xlen, false, files, 2, &plan) == 0) {
		if (gp_out_init(&out, &root, devnull) == 0) {
			out.delim = ctx.delim;
			out.with_origin = out.with_line = true;
			out.color = true;
			out.highlight = ctx.highlight;
			out.only_matching = ctx.only_matching;
			out.format = format;
			gp_batch b;
			while (gp_plan_next(&plan, &b) == GP_OK)
				if (gp_out_batch(&out, &b) != 0)
					break;
			gp_out_flush(&out);
		}
	}
	gp_scope_unwind(&root);
	gp_arena_free(&arena);
	if (devnull >= 0)
		close(devnull);
	close(fd);
	return 0;
}
