/* The implicit input stages, read → lines, for every input in turn.
 *
 * Inputs are the command-line operands in order; `-` (or none at all) is
 * standard input; a directory is walked recursively in byte order of names
 * (symbolic links and special files inside it are skipped, as `grep -r`
 * does). Each input has its own cleanup scope, unwound when it ends or fails.
 * A failing input is reported and the next one goes on. */
#ifndef GP_SOURCE_H
#define GP_SOURCE_H

#include "../core/stage.h"

/* Size of one read() and the initial line buffer. */
#define GP_READ_BLOCK (256u * 1024u)

gp_status gp_source_open(gp_stage *st, const char *const *paths, size_t npaths);

#endif
