/* Detection and layer stacking for the run, --explain and the fuzzer (see
 * layers.h). */
#include "layers.h"

#include <stdio.h>
#include <string.h>

/* The decoder layer for a compression format. */
static gp_stream *open_decoder(gp_scope *scope, gp_stream *in, gp_format f, char *err,
			       size_t errlen)
{
	if (f == GP_FMT_GZIP || f == GP_FMT_ZLIB)
		return gp_gzip_open(scope, in, f == GP_FMT_ZLIB, err, errlen);
	return gp_filter_open(scope, in, f, err, errlen);
}

gp_stack_result gp_layers_stack(gp_scope *scope, gp_stream *in, const gp_fdstream *bottom,
				int depth, gp_layers *ly, char *err, size_t errlen)
{
	memset(ly, 0, sizeof *ly);
	for (;;) {
		gp_peek *p = gp_peek_open(scope, in, bottom);
		if (!p)
			return GP_STACK_NOMEM;
		ly->top = &p->s;
		gp_format f = gp_detect(p->buf, p->n);
		if (f == GP_FMT_PLAIN)
			return GP_STACK_RECORDS;
		if (gp_format_is_archive(f)) {
			ly->what = f;
			if (depth >= GP_MAX_DEPTH)
				return GP_STACK_TOO_DEEP;
			ly->arc = gp_archive_open(scope, ly->top, f, err, errlen);
			return ly->arc ? GP_STACK_ARCHIVE : GP_STACK_FAILED;
		}
		/* Decoded bytes under too many layers would be read as text: a
		 * zip bomb's way in, and never a log. */
		if (ly->ndec == GP_MAX_LAYERS)
			return GP_STACK_TOO_MANY;
		gp_stream *d = open_decoder(scope, &p->s, f, err, errlen);
		if (!d)
			return GP_STACK_FAILED;
		ly->dec[ly->ndec++] = f;
		in = d;
	}
}

const char *gp_layers_skipped(gp_stack_result r)
{
	/* The numbers are GP_MAX_LAYERS and GP_MAX_DEPTH - 1 archives. */
	_Static_assert(GP_MAX_LAYERS == 4 && GP_MAX_DEPTH == 6, "say the limits below");
	switch (r) {
	case GP_STACK_TOO_MANY:
		return "more than 4 compression layers, skipped";
	case GP_STACK_TOO_DEEP:
		return "archives nested more than 5 deep, skipped";
	default:
		return NULL;
	}
}
