/* tmpdir.h - a private $TMPDIR for the unit tests that make temporary files
 * (test_tmpfile, test_groups), so they can prove nothing is left behind.
 *
 *   if (!tmpdir_enter(dir, sizeof dir)) return 2;   mkdtemp under $TMPDIR, then $TMPDIR = it
 *   ok(tmpdir_entries(dir) == 0, ...)               names in it, . and .. aside (-1: unreadable)
 *   rmdir(dir);                                      at the end, empty if the test passed
 *
 * Static functions, one copy per test program, like tap.h. */
#ifndef GP_TEST_TMPDIR_H
#define GP_TEST_TMPDIR_H

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tmpdir_entries(const char *dir) __attribute__((unused));
static int tmpdir_entries(const char *dir)
{
	DIR *d = opendir(dir);
	if (!d)
		return -1;
	int n = 0;
	struct dirent *e;
	while ((e = readdir(d)))
		if (strcmp(e->d_name, ".") != 0 && strcmp(e->d_name, "..") != 0)
			n++;
	closedir(d);
	return n;
}

static bool tmpdir_enter(char *dir, size_t size)
{
	const char *base = getenv("TMPDIR");
	snprintf(dir, size, "%s/gpipe-unit-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return false;
	}
	setenv("TMPDIR", dir, 1);
	return true;
}

#endif
