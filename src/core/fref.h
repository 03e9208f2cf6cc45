/* Field references and the record's own text: how a stage names a value of
 * a record ($3, $NF, $0, _file, _line, req.headers.host, tags[-1],
 * ${start time}) and finds it.
 *
 * Rules:
 *  - A reference is compiled once, at open, by gp_fref_parse; its name and
 *    path segments live in the parse arena for the whole run. Lookups
 *    (gp_fref_get, gp_field_find) allocate nothing: the gp_value they give is
 *    a view into the record, its fields or the caller's numbuf, valid as long
 *    as the record view is (until the next next() on the stage that made it).
 *  - A record without fields still has $1 .. $NF: the runs of non-blank bytes
 *    of its text, found on demand by awk's rule (gp_awk_*), never stored.
 *  - A path is looked up whole first, as a field name, then as a path into
 *    the field's JSON (jsonval.h). */
#ifndef GP_FREF_H
#define GP_FREF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* A field reference, compiled once at open. */
typedef enum gp_refkind {
	GP_REF_NAME,   /* a name, possibly a path: req.headers.host, tags[0] */
	GP_REF_POS,    /* $N, N >= 1 */
	GP_REF_NF,     /* $NF */
	GP_REF_WHOLE,  /* $0 */
	GP_REF_FILE,   /* _file */
	GP_REF_MEMBER, /* _member */
	GP_REF_LINE,   /* _line */
} gp_refkind;

typedef struct gp_pathseg {
	const char *key; /* NULL for an index */
	uint32_t klen;
	int64_t index;   /* [N]; negative counts from the end: [-1] is the last */
} gp_pathseg;

typedef struct gp_fref {
	uint8_t kind;     /* gp_refkind */
	bool braced;      /* a segment was written ${...} */
	uint32_t pos;     /* GP_REF_POS */
	const char *name; /* GP_REF_NAME: the reference as written; the key itself for a lone ${key} */
	uint32_t nlen;
	gp_pathseg *seg;  /* the path's segments */
	uint32_t nseg;
} gp_fref;

/* Compiles a reference, the one syntax of every stage: "$3", "$NF", "$0",
 * "_file", "_member", "_line", or a path of segments separated by '.' and
 * '[N]' ("req.headers.host", "tags[0]", "a.b[-1].c"), where a segment is a
 * bare name or ${any text} taken literally (blanks and dots included; \}
 * stands for '}' and \\ for '\' inside): "${start time}" is a top-level key
 * with a blank, "nested.${user.name}" the key "user.name" inside "nested".
 * Arena allocation. Returns 0, or -1 with a message in err (at least 128
 * bytes) and *bad set to the offending byte offset. */
int gp_fref_parse(gp_arena *a, const char *s, size_t len, gp_fref *out, char *err, size_t errcap,
		  size_t *bad);

/* s[0..len) starts with "${": the length up to and including its closing
 * '}' (\} and \\ skipped as escapes), or 0 when there is none. Lexers use it
 * to find where a reference, or a format placeholder holding one, ends. */
size_t gp_fref_brace_end(const char *s, size_t len);

/* Looks a reference up in a record. numbuf (24 bytes) holds the digits of
 * _line. Returns false (out->kind = GP_K_MISSING) when there is no such
 * field. A path is looked up whole first, as written ("a.b" as a field name,
 * or the field select or explode named "a.${b c}"), then as a path into
 * JSON objects and arrays. */
bool gp_fref_get(const gp_fref *ref, const gp_rec *r, gp_value *out, char numbuf[24]);

/* The field named name[0..len) of r (exact name, no paths), or NULL. */
const gp_field *gp_field_find(const gp_rec *r, const char *name, size_t len);

/* What a parser reads of a record: its text without a trailing CR, which
 * belongs to a CRLF line end (the record's text itself stays as it is, byte
 * for byte, for output), and, with bom, without a UTF-8 byte order mark at
 * the start of an input (line 1), as jq and Python's utf-8-sig do. */
const char *gp_rec_body(const gp_rec *r, bool bom, size_t *len);

/* The next field of p[0..len) by awk's rule, from *pos: a run of bytes
 * other than space, tab and newline (a CR before the line end stays in the
 * last field, as in awk; the parsers drop it with gp_rec_body). false when there is none; *pos then
 * moves past it. */
bool gp_awk_next(const char *p, size_t len, size_t *pos, const char **fp, size_t *flen);

/* $N by awk's rule over the record text: the n-th run of bytes other than
 * space, tab and newline (n >= 1). n = 0 asks for the last one ($NF). */
bool gp_awk_field(const char *p, size_t len, uint32_t n, const char **fp, size_t *flen);

#endif
