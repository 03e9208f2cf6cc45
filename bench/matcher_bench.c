/* bench/matcher_bench.c - count matching lines of a file with gp_matcher.
 *
 *   matcher_bench [-i] [-w] [-x] [-F] [-r N] FILE PATTERN...
 *
 * Reads FILE with read(2) in 256 KiB chunks (partial last lines carried over,
 * like the real input stage), counts the lines gp_matcher_find_line reports
 * and prints count, best wall time of N runs (default 3), GB/s and the
 * matcher's --explain string.
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../src/match/matcher.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (256 * 1024)

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static size_t count_lines(gp_matcher *m, const char *path, size_t *total)
{
	int fd = open(path, O_RDONLY);
	if (fd < 0) {
		perror(path);
		exit(2);
	}
	size_t cap = CHUNK * 2, have = 0, count = 0;
	char *buf = malloc(cap);
	*total = 0;
	for (;;) {
		if (cap - have < CHUNK) {
			cap *= 2;
			buf = realloc(buf, cap);
		}
		ssize_t r = read(fd, buf + have, CHUNK);
		if (r < 0) {
			perror("read");
			exit(2);
		}
		*total += (size_t)r;
		have += (size_t)r;
		size_t upto;
		if (r == 0) {
			if (have == 0)
				break;
			if (buf[have - 1] != '\n')
				buf[have++] = '\n'; /* cap - have >= CHUNK here */
			upto = have;
		} else {
			char *nl = memrchr(buf, '\n', have);
			if (!nl)
				continue;
			upto = (size_t)(nl - buf) + 1;
		}
		size_t from = 0, ls, le;
		while (gp_matcher_find_line(m, buf, upto, from, '\n', &ls, &le)) {
			count++;
			from = le + 1;
		}
		memmove(buf, buf + upto, have - upto);
		have -= upto;
		if (r == 0)
			break;
	}
	free(buf);
	close(fd);
	return count;
}

int main(int argc, char **argv)
{
	unsigned flags = 0;
	int reps = 3, i = 1;
	for (; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-i"))
			flags |= GP_M_ICASE;
		else if (!strcmp(argv[i], "-w"))
			flags |= GP_M_WORD;
		else if (!strcmp(argv[i], "-x"))
			flags |= GP_M_LINE;
		else if (!strcmp(argv[i], "-F"))
			flags |= GP_M_FIXED;
		else if (!strcmp(argv[i], "-r") && i + 1 < argc)
			reps = atoi(argv[++i]);
		else
			break;
	}
	if (argc - i < 2) {
		fprintf(stderr, "usage: matcher_bench [-i] [-w] [-x] [-F] [-r N] FILE PATTERN...\n");
		return 2;
	}
	const char *path = argv[i++];
	size_t np = (size_t)(argc - i);
	gp_pattern *pats = calloc(np, sizeof *pats);
	for (size_t k = 0; k < np; k++)
		pats[k].p = argv[i + (int)k], pats[k].len = strlen(argv[i + (int)k]);
	gp_match_error err;
	gp_matcher *m = gp_matcher_new(pats, np, flags, &err);
	if (!m) {
		fprintf(stderr, "pattern %zu offset %zu: %s\n", err.pattern, err.offset, err.msg);
		return 2;
	}
	double best = 1e30;
	size_t count = 0, total = 0;
	for (int r = 0; r < reps; r++) {
		double t0 = now();
		count = count_lines(m, path, &total);
		double t = now() - t0;
		if (t < best)
			best = t;
	}
	printf("%zu lines  %.3f s  %.2f GB/s  [%s]\n", count, best, (double)total / best / 1e9,
	       gp_matcher_describe(m));
	gp_matcher_free(m);
	free(pats);
	return 0;
}
