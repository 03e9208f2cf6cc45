/* Temporary files: spill space on disk that nobody else can see or leave
 * behind (an archive that must be read where it can seek, sort's runs).
 *
 * Rules:
 *  - gp_tmpfile_open() makes a file in $TMPDIR (or /tmp when it is unset or
 *    empty) that has no name: O_TMPFILE where the file system has it, else
 *    mkostemp() and an unlink() at once. Nothing is left in the directory,
 *    whatever way the run ends, signals included.
 *  - The descriptor is registered in the scope given to gp_tmpfile_open():
 *    unwinding that scope closes it, and the kernel frees the space. The
 *    gp_tmpfile struct itself belongs to the caller and must outlive its use
 *    (the scope never touches it).
 *  - One writer, then readers: write with gp_tmpfile_write() (all or an
 *    error), then gp_tmpfile_rewind() and read back with gp_tmpfile_read(),
 *    or pread() t->fd at any offset (it leaves the file offset alone).
 *  - Every function returns -1 with errno set on failure; errno 0 after a
 *    write means the file system took no bytes without saying why.
 */
#ifndef GP_TMPFILE_H
#define GP_TMPFILE_H

#include <stddef.h>
#include <sys/types.h>

#include "scope.h"

typedef struct gp_tmpfile {
	int fd;		 /* -1 until opened */
	const char *dir; /* where it is: $TMPDIR or "/tmp", for messages */
} gp_tmpfile;

/* Opens a nameless temporary file; `tag` names it while it has a name
 * ("gpipe-archive" gives $TMPDIR/gpipe-archive-XXXXXX, unlinked at once).
 * 0, or -1 with errno (t->dir is set either way, for the message). */
int gp_tmpfile_open(gp_tmpfile *t, gp_scope *scope, const char *tag);

/* Writes all n bytes at the file offset (EINTR retried). 0, or -1. */
int gp_tmpfile_write(gp_tmpfile *t, const void *p, size_t n);

/* Back to the first byte, for reading what was written. 0, or -1. */
int gp_tmpfile_rewind(gp_tmpfile *t);

/* Reads up to n bytes at the file offset (EINTR retried): > 0, 0 at the end,
 * -1 on an error. */
ssize_t gp_tmpfile_read(gp_tmpfile *t, void *p, size_t n);

#endif
