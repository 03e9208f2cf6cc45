/* --progress: the status line on stderr (see progress.h). */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "stats.h"

static struct {
	uint64_t total; /* bytes of the inputs, 0 when unknown (stdin, a directory) */
	uint64_t start, last, every, delay;
	bool tty, shown;
} prog;

void gp_progress_clear(void)
{
	if (prog.tty && prog.shown) {
		fputs("\r\33[K", stderr);
		prog.shown = false;
	}
}

static void human(char *buf, size_t cap, double b)
{
	if (b >= 1024.0 * 1024 * 1024)
		snprintf(buf, cap, "%.2f GiB", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024.0 * 1024)
		snprintf(buf, cap, "%.1f MiB", b / (1024.0 * 1024));
	else if (b >= 1024.0)
		snprintf(buf, cap, "%.0f KiB", b / 1024.0);
	else
		snprintf(buf, cap, "%.0f B", b);
}

static void progress_tick(gp_ctx *ctx)
{
	uint64_t now = gp_stats_now();
	if (now - prog.start < prog.delay || now - prog.last < prog.every)
		return;
	prog.last = now;
	uint64_t got = __atomic_load_n(&ctx->bytes_in, __ATOMIC_RELAXED);
	double secs = (double)(now - prog.start) / 1e9, rate = (double)got / secs;
	char done[32], all[32], line[160];
	human(done, sizeof done, (double)got);
	if (prog.total && got <= prog.total) {
		human(all, sizeof all, (double)prog.total);
		double left = rate > 0 ? (double)(prog.total - got) / rate : 0;
		snprintf(line, sizeof line, "gpipe: %s of %s (%d%%), %.0f MB/s, %.0f s left", done, all,
			 (int)(100.0 * (double)got / (double)prog.total), rate / 1e6, left);
	} else {
		snprintf(line, sizeof line, "gpipe: %s read, %.0f MB/s", done, rate / 1e6);
	}
	if (prog.tty) {
		fprintf(stderr, "\r\33[K%s", line);
		prog.shown = true;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

void gp_progress_start(gp_ctx *ctx, double every, const char *const *files, size_t nfiles)
{
	prog.total = 0;
	bool known = nfiles > 0;
	for (size_t i = 0; i < nfiles && known; i++) {
		struct stat sb;
		known = strcmp(files[i], "-") != 0 && stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode);
		if (known)
			prog.total += (uint64_t)sb.st_size;
	}
	if (!known)
		prog.total = 0;
	prog.tty = isatty(STDERR_FILENO);
	prog.every = every > 0 ? (uint64_t)(every * 1e9) : prog.tty ? 250000000u : 5000000000u;
	prog.delay = every > 0 ? prog.every : 1000000000u;
	prog.start = gp_stats_now();
	prog.last = 0;
	ctx->progress = progress_tick;
}
