/* The JSON Lines indexer behind the `json` stage (stages/json.c): a validating, non-recursive
 * scanner that turns one JSON text (a record) into gp_fields.
 *
 * An object gives one field per top-level member: the name is the decoded key
 * (a view into the text when the key has no escapes, else decoded into the
 * caller's pool), the value a view of the member's text with its kind: JSTR
 * bodies keep their escapes, nested objects and arrays stay raw (validated)
 * text for paths to look into later. Any other value (a scalar or an array)
 * gives one field named "value". Nesting is bounded by GP_JSON_MAX_DEPTH
 * (jq's limit) with an explicit bit stack, so no input recurses. */
#ifndef GP_JSONL_H
#define GP_JSONL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/fields.h"
#include "../core/pool.h"

#define GP_JSON_MAX_DEPTH 10000

typedef enum gp_json_res {
	GP_JSON_OK = 0, /* fields in jp->f[0 .. jp->nf) */
	GP_JSON_BLANK,  /* empty or only blanks: not a record */
	GP_JSON_BAD,    /* not JSON: why in jp->err ("invalid character 'x' at byte 3") */
	GP_JSON_NOMEM,
} gp_json_res;

typedef struct gp_jsonp {
	uint64_t stack[(GP_JSON_MAX_DEPTH + 63) / 64]; /* 1: object, 0: array */
	gp_field *f; /* scratch fields of the last record (malloc, grown) */
	uint32_t nf;
	size_t fcap;
	char err[96];
} gp_jsonp;

/* Indexes the JSON text p[0..len). Names with escapes are decoded into pool.
 * jp->f is overwritten by the next call. */
gp_json_res gp_json_fields(gp_jsonp *jp, gp_pool *pool, const char *p, size_t len);
/* Is p[0..len) exactly one valid JSON value (blanks around allowed)? When
 * not, err (if not NULL) says why. */
bool gp_json_valid(gp_jsonp *jp, const char *p, size_t len);
void gp_jsonp_free(gp_jsonp *jp);

/* The first byte of p[0..end) that is not JSON whitespace, or end. */
static inline const char *gp_json_skip_ws(const char *p, const char *end)
{
	while (p < end && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	return p;
}

#endif
