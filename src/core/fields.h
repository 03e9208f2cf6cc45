/* Fields: the model of a record's named values, as views.
 *
 * A parsing stage (fields, parse, json, logfmt, csv, tsv) gives each record
 * an array of gp_field (rec.f, rec.nf) and a layout (rec.lay). Names and
 * values are views into the record's bytes or into buffers the producing
 * stage owns (its per-batch pool, pool.h), valid exactly as long as the
 * record view is (until the next next() on that stage). Nothing is converted
 * until a consumer asks: a JSON string keeps its escapes (GP_K_JSTR) until it
 * is compared or printed, a nested object stays raw text until a path looks
 * into it, a number stays text until it is compared.
 *
 * Every record, with or without a parsing stage, also has:
 *   $0            the record text
 *   $1 .. $NF     the N-th field when the record has fields, otherwise the
 *                 N-th run of non-blank bytes (awk's splitting), found on demand
 *   _file _member _line   its origin
 *
 * This header holds only the types. Around them, one concept a file:
 *   fref.h     naming a value (references, paths, awk splitting) and finding it
 *   jsonval.h  looking into JSON text (members, elements, unescaping)
 *   pool.h     the per-batch storage of built fields and text
 *   sb.h       building text: JSON, CSV, TSV and logfmt writers
 *   render.h   rebuilding a record's text from its fields, in its layout
 *   rec.h      keeping a record past its batch (tail, uniq, sample)
 *   dropped.h  counting and summarising the records a stage skips */
#ifndef GP_FIELDS_H
#define GP_FIELDS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage.h"

typedef enum gp_kind {
	GP_K_STR = 0, /* bytes as they are */
	GP_K_JSTR,    /* the body of a JSON string, escapes not yet decoded */
	GP_K_NUM,     /* the text of a valid JSON number */
	GP_K_TRUE,
	GP_K_FALSE,
	GP_K_NULL,
	GP_K_OBJ,     /* raw text of a valid JSON object, braces included */
	GP_K_ARR,     /* raw text of a valid JSON array, brackets included */
	GP_K_MISSING, /* only in lookups: no such field */
} gp_kind;

typedef struct gp_field {
	const char *name; /* decoded bytes */
	const char *v;
	size_t vlen;
	uint32_t nlen;
	uint8_t kind; /* gp_kind */
} gp_field;

/* How a record's text is rebuilt from its fields (see gp_render). */
typedef enum gp_lay_kind {
	GP_LAY_LOGFMT = 0, /* key=value, quoted when needed (parse, parse -r) */
	GP_LAY_JSON,       /* a JSON object */
	GP_LAY_DELIM,      /* values joined by sep (fields) */
	GP_LAY_CSV,        /* values joined by sep with RFC 4180 quoting */
	GP_LAY_TSV,        /* values joined by tabs, \t \n \\ escaped */
} gp_lay_kind;

typedef struct gp_layout {
	uint8_t fmt; /* gp_lay_kind (GP_LAY_*) */
	char sep[8];
	uint8_t seplen;
	/* A table of results (aggregates): rendered as TSV, but on a terminal
	 * the text sink lines the columns up under a header of field names. */
	uint8_t table;
} gp_layout;

extern const gp_layout gp_layout_json, gp_layout_logfmt, gp_layout_tsv, gp_layout_table;

/* A value seen through a field reference. */
typedef struct gp_value {
	uint8_t kind; /* gp_kind */
	const char *p;
	size_t len;
} gp_value;

#endif
