/* The implicit input stages, read → lines, for every input in turn.
 *
 * Inputs are the command-line operands in order; `-` (or none at all) is
 * standard input; a directory is walked recursively in byte order of names
 * (symbolic links and special files inside it are skipped, as `grep -r`
 * does). Each input is opened as a stack of levels: the file, then for an
 * archive each member in turn (and members of archives inside it), each
 * level with the decoders its first bytes call for, and its own cleanup
 * scope, unwound when it ends or fails. A failing input or member is
 * reported and the next one goes on. */
#ifndef GP_SOURCE_H
#define GP_SOURCE_H

#include "../core/stage.h"

/* Size of one read() and the initial line buffer. */
#define GP_READ_BLOCK (256u * 1024u)

/* With ctx->raw (--raw), no detection of compression or archives. */
gp_status gp_source_open(gp_stage *st, const char *const *paths, size_t npaths);

/* --explain: "read → gzip → tar → (each member detected in turn) → lines"
 * for a regular file, from its first bytes; nothing else is read. */
int gp_source_describe(const char *path, bool raw, char *out, size_t cap);

/* grep -m, -l, -L: the rest of the input or member with this origin id is not
 * needed; if the source st is still reading it, it goes on with the next
 * one without reading the rest. Records already handed out stay valid. */
void gp_source_skip(gp_stage *st, uint64_t origin_id);

/* -j's reader: takes the buffer of the batch just handed out (the caller
 * owns it from now on and frees it with free(); it was allocated with
 * gp_source_buffer_cap(st) + 1 bytes) and goes on in nb, of ncap + 1 bytes,
 * where the rest of the input read so far is moved. ncap must be at least
 * gp_source_buffer_cap(st); NULL (and nothing changed) when it is not. */
size_t gp_source_buffer_cap(const gp_stage *st);
char *gp_source_swap_buffer(gp_stage *st, char *nb, size_t ncap);

#endif
