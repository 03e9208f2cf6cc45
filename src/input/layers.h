/* Layer stacking: what an input's (or a member's) first bytes call for.
 *
 * The one place that decides an input's layers: the run (source.c's
 * open_layers), --explain (gp_source_describe) and the decode fuzzer
 * (fuzz/fuzz_decode.c) all call gp_layers_stack, so they cannot disagree
 * on what a file is. It peeks at the stream, detects its format by magic
 * bytes, stacks a decoder for each compression layer (detecting again
 * after each, at most GP_MAX_LAYERS), and opens the archive reader if the
 * bytes under them are an archive (at most GP_MAX_DEPTH levels of archives
 * and members).
 *
 * Memory: every layer, the peeked bytes and the archive reader are built in
 * the scope given and live until it unwinds; the stream below is borrowed
 * and must outlive that scope's use. Nothing is read beyond the peeked
 * bytes of each layer (an archive is opened by its first gp_archive_next).
 */
#ifndef GP_LAYERS_H
#define GP_LAYERS_H

#include "stream.h"

#define GP_MAX_LAYERS 4 /* compression layers in one level */
#define GP_MAX_DEPTH 6	/* levels: a file and nested members/encodings */

typedef enum gp_stack_result {
	GP_STACK_NOMEM = -1,   /* out of memory */
	GP_STACK_FAILED = 0,   /* a decoder or the archive reader could not be set up: err */
	GP_STACK_RECORDS = 1,  /* ly->top gives the records */
	GP_STACK_ARCHIVE = 2,  /* ly->arc hands out the members (ly->what says which format) */
	GP_STACK_TOO_MANY = 3, /* one more compression layer than GP_MAX_LAYERS: skip it */
	GP_STACK_TOO_DEEP = 4, /* an archive at GP_MAX_DEPTH: skip it */
} gp_stack_result;

typedef struct gp_layers {
	gp_stream *top;		      /* the records, or the archive's bytes */
	gp_format dec[GP_MAX_LAYERS]; /* decoders, outermost first */
	int ndec;
	gp_format what;	/* GP_FMT_PLAIN or an archive format */
	gp_archive *arc; /* GP_STACK_ARCHIVE: the archive's reader */
} gp_layers;

/* Stacks the layers of `in`, the stream of a level `depth` levels deep (1
 * for an input, 2 for a member of it, ...). `bottom` is the input's fd
 * layer when it may be a pipe (peeking then stops at what is ready), or
 * NULL. ly is filled as far as the stacking went, whatever the result. */
gp_stack_result gp_layers_stack(gp_scope *scope, gp_stream *in, const gp_fdstream *bottom,
				int depth, gp_layers *ly, char *err, size_t errlen);

/* Why a level with result r is skipped, for a message: "more than 4
 * compression layers, skipped", "archives nested more than 5 deep,
 * skipped"; NULL for the other results. */
const char *gp_layers_skipped(gp_stack_result r);

#endif
