/* Unit tests of core/tmpfile: a nameless file in $TMPDIR, owned by a scope,
 * written, rewound and read back (sort's spills, archive copies). TAP output. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/scope.h"
#include "core/tmpfile.h"
#include "tap.h"
#include "tmpdir.h"

static void test_roundtrip(const char *dir)
{
	gp_scope sc;
	gp_scope_init(&sc);
	gp_tmpfile t;
	ok(gp_tmpfile_open(&t, &sc, "gpipe-test") == 0 && t.fd >= 0, "opens in $TMPDIR");
	ok(t.dir && strcmp(t.dir, dir) == 0, "names its directory (%s)", t.dir ? t.dir : "(null)");
	ok(tmpdir_entries(dir) == 0, "leaves no name in the directory");

	/* Two writes larger than a pipe buffer, then read back in small reads. */
	static char a[100000], b[70001], back[sizeof a + sizeof b + 16];
	for (size_t i = 0; i < sizeof a; i++)
		a[i] = (char)('a' + i % 26);
	memset(b, 'Z', sizeof b);
	ok(gp_tmpfile_write(&t, a, sizeof a) == 0 && gp_tmpfile_write(&t, b, sizeof b) == 0,
	   "writes all its bytes");
	ok(gp_tmpfile_rewind(&t) == 0, "rewinds");
	size_t n = 0;
	ssize_t r;
	while ((r = gp_tmpfile_read(&t, back + n, 4096 < sizeof back - n ? 4096 : sizeof back - n)) > 0)
		n += (size_t)r;
	ok(r == 0 && n == sizeof a + sizeof b && memcmp(back, a, sizeof a) == 0 &&
		   memcmp(back + sizeof a, b, sizeof b) == 0,
	   "reads back what was written, then the end (%zu bytes)", n);
	char c;
	ok(pread(t.fd, &c, 1, 3) == 1 && c == 'd', "pread reads at any offset");

	/* Written again after reading: appended at the end, read from a rewind. */
	ok(gp_tmpfile_write(&t, "tail", 4) == 0 && gp_tmpfile_rewind(&t) == 0 &&
		   gp_tmpfile_read(&t, back, 4) == 4 && memcmp(back, "abcd", 4) == 0,
	   "rewind after more writes starts at byte 0 again");

	int fd = t.fd;
	gp_scope_unwind(&sc);
	errno = 0;
	ok(fcntl(fd, F_GETFD) == -1 && errno == EBADF, "the scope closes it");
	ok(tmpdir_entries(dir) == 0, "nothing left in the directory");
}

static void test_bad_dir(const char *dir)
{
	char missing[4200];
	snprintf(missing, sizeof missing, "%s/absent", dir);
	setenv("TMPDIR", missing, 1);
	gp_scope sc;
	gp_scope_init(&sc);
	gp_tmpfile t;
	int r = gp_tmpfile_open(&t, &sc, "gpipe-test"), e = errno;
	ok(r == -1 && e == ENOENT && t.fd == -1, "a missing $TMPDIR is an error with errno (%s)",
	   strerror(e));
	ok(t.dir && strcmp(t.dir, missing) == 0, "and names the directory for the message");
	gp_scope_unwind(&sc);

	setenv("TMPDIR", "", 1);
	ok(gp_tmpfile_open(&t, &sc, "gpipe-test") == 0 && strcmp(t.dir, "/tmp") == 0,
	   "an empty $TMPDIR means /tmp");
	gp_scope_unwind(&sc);
	setenv("TMPDIR", dir, 1);
}

int main(void)
{
	char dir[4096];
	if (!tmpdir_enter(dir, sizeof dir))
		return 2;
	test_roundtrip(dir);
	test_bad_dir(dir);
	rmdir(dir);
	return tap_done();
}
