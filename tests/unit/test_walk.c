/* Unit tests of input/walk: the operands in order, directories walked
 * lazily in byte order of names at any depth, links and special files
 * inside a tree skipped, an unreadable directory reported and the walk
 * going on. TAP output. */
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/stage.h"
#include "input/walk.h"
#include "tap.h"

static char reports[1024];

static void collect(gp_ctx *ctx, const char *msg)
{
	(void)ctx;
	strncat(reports, msg, sizeof reports - strlen(reports) - 2);
	strcat(reports, "\n");
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0)
		close(fd);
}

/* Walks paths as the source does: each entry is opened, a directory pushed.
 * Returns the entries handed out, one per line ("+" marks an operand). */
static void walk_all(gp_ctx *ctx, const char *const *paths, size_t n, char *out, size_t cap)
{
	gp_scope sc;
	gp_scope_init(&sc);
	gp_walk w;
	out[0] = '\0';
	if (gp_walk_init(&w, &sc, ctx, paths, n) != 0) {
		snprintf(out, cap, "init failed");
		return;
	}
	gp_walk_entry e;
	gp_walk_result r;
	while ((r = gp_walk_next(&w, &e)) == GP_WALK_ENTRY) {
		size_t k = strlen(out);
		snprintf(out + k, cap - k, "%s%s\n", e.top ? "+" : "", e.path);
		int fd = openat(e.at, e.name, O_RDONLY | O_CLOEXEC | (e.top ? 0 : O_NOFOLLOW));
		struct stat sb;
		if (fd >= 0 && fstat(fd, &sb) == 0 && S_ISDIR(sb.st_mode) &&
		    gp_walk_push_dir(&w, fd, e.path) != 0)
			snprintf(out, cap, "push failed");
		if (fd >= 0)
			close(fd);
	}
	if (r != GP_WALK_END)
		snprintf(out, cap, "walk failed");
	gp_scope_unwind(&sc);
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	char dir[4096];
	snprintf(dir, sizeof dir, "%s/gpipe-walk-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir) || chdir(dir) != 0) {
		perror("mkdtemp");
		return 2;
	}
	/* t/ holds files, a subdirectory, a link to it, a FIFO, and names that
	 * sort by bytes ("B" before "a"). */
	mkdir("t", 0755);
	mkdir("t/a", 0755);
	mkdir("t/a/deep", 0755);
	touch("t/a/deep/z.log");
	touch("t/a/x.log");
	touch("t/B.log");
	touch("t/c.log");
	touch("one.log");
	if (symlink("a", "t/link") != 0 || symlink("c.log", "t/flink") != 0)
		perror("symlink");
	if (mkfifo("t/fifo", 0644) != 0)
		perror("mkfifo");

	gp_ctx ctx = { .report = collect };
	const char *paths[] = { "one.log", "t", "t/", "absent" };
	char out[2048];
	walk_all(&ctx, paths, 4, out, sizeof out);
	const char *want = "+one.log\n+t\nt/B.log\nt/a\nt/a/deep\nt/a/deep/z.log\nt/a/x.log\nt/c.log\n"
			   "+t/\nt/B.log\nt/a\nt/a/deep\nt/a/deep/z.log\nt/a/x.log\nt/c.log\n+absent\n";
	ok(strcmp(out, want) == 0, "operands in order, trees in byte order, depth first, no links or FIFOs, "
				   "one '/' between a path and a name");
	if (strcmp(out, want) != 0)
		printf("# got:\n%s", out);
	ok(reports[0] == '\0', "nothing reported");

	/* An unreadable directory (when not root): reported, the walk goes on. */
	if (geteuid() != 0) {
		chmod("t/a", 0);
		walk_all(&ctx, paths + 1, 1, out, sizeof out);
		ok(strcmp(out, "+t\nt/B.log\nt/a\nt/c.log\n") == 0 &&
			   strstr(reports, "cannot read directory 't/a': Permission denied") && ctx.had_error,
		   "an unreadable directory is reported and skipped (%s)", reports);
		chmod("t/a", 0755);
	} else {
		skip("an unreadable directory is reported and skipped", "running as root");
	}

	/* What cannot be listed (here a file passed as a directory, which root
	 * cannot get past either): reported, nothing pushed. */
	{
		gp_scope sc;
		gp_scope_init(&sc);
		gp_walk w;
		gp_walk_entry e;
		reports[0] = '\0';
		int fd = open("one.log", O_RDONLY);
		bool pushed = gp_walk_init(&w, &sc, &ctx, paths, 1) == 0 &&
			      gp_walk_next(&w, &e) == GP_WALK_ENTRY &&
			      gp_walk_push_dir(&w, fd, e.path) == 0;
		ok(pushed && gp_walk_next(&w, &e) == GP_WALK_END &&
			   strcmp(reports, "cannot read directory 'one.log': Not a directory\n") == 0,
		   "a directory that cannot be read is reported, the walk goes on (%s)", reports);
		close(fd);
		gp_scope_unwind(&sc);
	}

	/* No operands: nothing (the source puts "-" there). */
	walk_all(&ctx, paths, 0, out, sizeof out);
	ok(out[0] == '\0', "no operands, no entries");

	char cmd[4200];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
	if (chdir("/") != 0 || system(cmd) != 0)
		printf("# could not remove %s\n", dir);
	return tap_done();
}
