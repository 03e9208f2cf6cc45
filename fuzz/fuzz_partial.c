/* libFuzzer target: the reader of partial aggregate states (issue 12).
 *
 * The first byte picks one of the expressions below; the rest is a file of
 * partial lines, merged by a real `gpipe --merge EXPR` run (the aggregate
 * stage's line reader and every accumulator's decoder, through the real
 * source stage from a memfd), its output written to /dev/null. The seeds in
 * fuzz/corpus/partial are partials gpipe wrote for these expressions, so
 * their spec hashes match and mutations reach the states. An odd first byte
 * also makes the run --strict, and one above 0x7f a combiner (--partial).
 *
 * Each line is also read by the format's pieces (agg/partial.h) on their
 * own, which must be canonical: a key text or base64 text that reads back
 * must be exactly what the writer writes for what it read, and the writers'
 * output must read back to the bytes written. Any disagreement aborts. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "../src/agg/partial.h"
#include "../src/core/jsonval.h"
#include "../src/fields/jsonl.h"
#include "../src/out/output.h"
#include "../src/plan.h"

static const char *const exprs[] = {
	"count, sum $2 by $1",
	"count",
	"json | count, count(v > 10) as big, sum v, avg v, min v, max v, median v, p90 v, distinct v, first v, last v, stddev v by k",
	"json | count, first v, last v by k2, bucket(t, 5m)",
	"top 3 $1",
	"histogram $2 4",
	"histogram $2 log",
};
#define NEXPR (sizeof exprs / sizeof *exprs)

static gp_jsonp jp;

static void quiet(gp_ctx *ctx, const char *msg)
{
	(void)ctx;
	(void)msg;
}

/* The pieces, on one line. */
static void pieces(const char *p, size_t n)
{
	gp_sb b = { 0 }, t = { 0 };
	char *d = malloc(n + 1);
	if (!d)
		return;
	/* anything as a key part: escaped, it reads back */
	gp_partial_key_put(&b, p, n);
	if (!b.oom && (gp_partial_key_get(b.p ? b.p : "", b.len, d) != (ssize_t)n || (n && memcmp(d, p, n))))
		abort();
	/* a text that reads as a key part is the writer's text for it */
	ssize_t k = gp_partial_key_get(p, n, d);
	if (k >= 0) {
		b.len = 0;
		gp_partial_key_put(&b, d, (size_t)k);
		if (!b.oom && (b.len != n || (n && memcmp(b.p, p, n))))
			abort();
	}
	/* the same for base64 */
	b.len = 0;
	gp_b64_put(&b, p, n);
	if (!b.oom && (gp_b64_get(b.p ? b.p : "", b.len, (unsigned char *)d) != (ssize_t)n || (n && memcmp(d, p, n))))
		abort();
	if ((k = gp_b64_get(p, n & ~(size_t)3, (unsigned char *)d)) >= 0) {
		b.len = 0;
		gp_b64_put(&b, d, (size_t)k);
		if (!b.oom && (b.len != (n & ~(size_t)3) || (b.len && memcmp(b.p, p, b.len))))
			abort();
	}
	gp_partial_line l;
	if (!gp_partial_split(p, n, &l) && gp_json_valid(&jp, l.json, l.jlen)) {
		gp_value obj, v;
		uint64_t u;
		gp_json_value(l.json, l.json + l.jlen, &obj);
		if (obj.kind == GP_K_OBJ) {
			if (gp_json_member(&obj, "_seq", 4, &v))
				(void)gp_partial_u64(&v, &u);
			(void)gp_partial_text_get(&obj, &t);
			if (gp_json_member(&obj, "sum_v", 5, &v))
				(void)gp_partial_b64_value(&v, &t);
		}
	}
	free(d);
	gp_sb_free(&b);
	gp_sb_free(&t);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *text = (const char *)data + 1;
	size_t len = size - 1;
	for (size_t at = 0; at < len;) {
		const char *nl = memchr(text + at, '\n', len - at);
		size_t e = nl ? (size_t)(nl - text) : len;
		pieces(text + at, e - at);
		at = e + 1;
	}

	const char *expr = exprs[data[0] % NEXPR];
	int fd = memfd_create("fuzz", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, text, len) < 0 || lseek(fd, 0, SEEK_SET) != 0) {
		close(fd);
		return 0;
	}
	char path[64];
	snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
	const char *files[] = { path };

	gp_scope root;
	gp_arena arena;
	gp_scope_init(&root);
	gp_arena_init(&arena);
	gp_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.arena = &arena;
	ctx.root = &root;
	ctx.delim = '\n';
	ctx.max_record = 1 << 16;
	ctx.memory = 1 << 16;
	ctx.report = quiet;
	ctx.expr = expr;
	ctx.strict = data[0] & 1;
	ctx.agg_mode = GP_AGG_MERGE | (data[0] & 0x80 ? GP_AGG_PARTIAL : 0);

	gp_plan plan;
	gp_out out; /* registered in root: must outlive the unwind below */
	int devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	if (devnull >= 0 && gp_plan_build(&ctx, expr, strlen(expr), false, files, 1, &plan) == 0 &&
	    gp_out_init(&out, &root, devnull) == 0) {
		out.delim = ctx.delim;
		gp_batch b;
		while (gp_plan_next(&plan, &b) == GP_OK)
			if (gp_out_batch(&out, &b) != 0)
				break;
		gp_out_flush(&out);
	}
	gp_scope_unwind(&root);
	gp_arena_free(&arena);
	if (devnull >= 0)
		close(devnull);
	close(fd);
	return 0;
}
