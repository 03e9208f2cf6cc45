/* Fields: named values of a record, as views.
 *
 * A parsing stage (fields, parse, json, logfmt, csv, tsv) gives each record
 * an array of gp_field. Names and values are views into the record's bytes or
 * into buffers the producing stage owns, valid exactly as long as the record
 * view is (until the next next() on that stage). Nothing is converted until a
 * consumer asks: a JSON string keeps its escapes (GP_K_JSTR) until it is
 * compared or printed, a nested object stays raw text until a path looks into
 * it, a number stays text until it is compared.
 *
 * Every record, with or without a parsing stage, also has:
 *   $0            the record text
 *   $1 .. $NF     the N-th field when the record has fields, otherwise the
 *                 N-th run of non-blank bytes (awk's splitting), found on demand
 *   _file _member _line   its origin
 *
 * A stage that changes fields (set, select, explode) rebuilds the record text
 * in the layout the fields came from (gp_render), the way awk rebuilds $0 when
 * a field is assigned: JSON records stay JSON, logfmt stays logfmt, delimited
 * records are joined with their delimiter. */
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
} gp_layout;

extern const gp_layout gp_layout_json, gp_layout_logfmt, gp_layout_tsv;

/* A value seen through a field reference. */
typedef struct gp_value {
	uint8_t kind; /* gp_kind */
	const char *p;
	size_t len;
} gp_value;

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

/* JSON helpers over text that is known to be valid JSON. */

/* Decodes a JSON string body (escapes, \u with surrogate pairs; a lone
 * surrogate becomes U+FFFD) into dst, which needs len bytes. Returns the
 * decoded length (always <= len). */
size_t gp_json_unescape(const char *s, size_t len, char *dst);
/* The end of the JSON value that starts at p (whitespace skipped first);
 * value text must be valid. Returns the pointer past the value. */
const char *gp_json_skip(const char *p, const char *end);
/* Classifies the valid JSON value at p..end (leading/trailing blanks
 * allowed) into a gp_value: strings give GP_K_JSTR bodies. */
void gp_json_value(const char *p, const char *end, gp_value *out);
/* Member `key` of an object / element `index` of an array, by value. */
bool gp_json_member(const gp_value *obj, const char *key, size_t klen, gp_value *out);
bool gp_json_index(const gp_value *arr, int64_t index, gp_value *out);

/* A bump allocator whose blocks survive gp_pool_reset and are reused: the
 * per-batch storage of stages that build fields or text. Pointers stay valid
 * until the next reset. */
typedef struct gp_pool_blk gp_pool_blk;
typedef struct gp_pool {
	gp_pool_blk *head, *cur;
	size_t used; /* in cur */
} gp_pool;

void *gp_pool_alloc(gp_pool *p, size_t n); /* 8-aligned; NULL on OOM */
void gp_pool_reset(gp_pool *p);
/* Frees the pool's blocks when the scope unwinds. */
int gp_pool_own(gp_scope *s, gp_pool *p);

/* A growable byte string built in a pool: appends may move it until
 * gp_sb_finish, which returns its stable address in the pool. */
typedef struct gp_sb {
	char *p;
	size_t len, cap;
	size_t max; /* 0, or the longest record text it may build (gp_sb_bound) */
	bool oom;
	bool over;  /* an append would have passed max: appends are refused */
} gp_sb;

void gp_sb_put(gp_sb *b, const void *s, size_t n);
void gp_sb_putc(gp_sb *b, char c);
/* Appends s as the body of a JSON string (no quotes): escapes ", \ and
 * control bytes; invalid UTF-8 bytes become \ufffd, so the result is always
 * valid JSON. */
void gp_sb_json_str(gp_sb *b, const char *s, size_t n);
/* Appends a value as JSON: strings quoted and escaped (JSTR decoded then
 * re-escaped, so invalid UTF-8 is replaced), numbers and literals as they
 * are, objects and arrays re-emitted compactly with every string sanitised.
 * text_numbers: a GP_K_STR that is a valid JSON number is written as a
 * number (values parsed from text keep their type this way). */
void gp_sb_json_value(gp_sb *b, const gp_value *v, bool text_numbers);
/* The value as text: strings decoded, other JSON kinds as their JSON text. */
void gp_sb_text(gp_sb *b, const gp_value *v);
/* Copies the built bytes into the pool; returns the stable copy (or NULL on
 * OOM) and empties the builder for reuse. */
const char *gp_sb_finish(gp_sb *b, gp_pool *pool);
/* The same for a record's text: *len is the text's length, and the
 * delimiter is stored after it (not part of the record), so the output,
 * which joins records that lie one after another into one write, never
 * looks at an unwritten byte. */
const char *gp_sb_finish_rec(gp_sb *b, gp_pool *pool, char delim, size_t *len);
void gp_sb_free(gp_sb *b);

/* A cell of a table row: CSV quotes it (RFC 4180) when it holds sep, a
 * quote, CR or LF; TSV escapes tab, newline, CR and backslash. */
void gp_sb_csv_cell(gp_sb *b, const char *p, size_t n, char sep);
void gp_sb_tsv_cell(gp_sb *b, const char *p, size_t n);

/* Writes the record's fields as text in layout lay into b (gp_render). */
void gp_render(gp_sb *b, const gp_field *f, uint32_t nf, const gp_layout *lay);

/* Is p[0..n) a valid JSON number? */
bool gp_is_json_number(const char *p, size_t n);

/* A record kept past the batch it came in (tail, sample, uniq): its text,
 * origin and fields are copied into storage of its own. rec points only
 * into heap blocks, never into the struct, so arrays of gp_kept may be
 * realloc'ed. */
typedef struct gp_kept {
	char *buf;
	size_t cap;
	gp_field *f;
	uint32_t fcap;
	gp_origin *origin;
	gp_rec rec; /* points into buf, f and origin */
} gp_kept;

int gp_keep(gp_kept *k, const gp_rec *r); /* -1 on OOM */
/* Room for slot i (< max) in an array of *cap kept records, grown by
 * doubling up to max, new slots zeroed: so keeping up to N records costs
 * memory only for those that arrive. -1 on OOM (*v and *cap unchanged). */
int gp_kept_room(gp_kept **v, size_t *cap, size_t i, size_t max);
void gp_kept_free(gp_kept *k);

/* Records a parser could not parse: counted per input and summarised once,
 * when the input changes and at the end:
 *   gpipe: json: 3 records of app.jsonl are not JSON (first at line 17)
 * A warning (exit status unchanged) unless --strict, then an error. */
typedef struct gp_dropped {
	const char *stage;  /* "json" */
	const char *what;   /* "are not JSON" (plural form; "is not JSON" when 1 is derived) */
	const char *what1;  /* singular */
	bool error;         /* always an error (exit 2), --strict or not */
	uint64_t origin_id; /* input being counted */
	uint64_t count, first_line;
	char first_detail[160]; /* why the first one failed: "unexpected end at byte 12" */
	char name[512];     /* the input's display name (copied) */
} gp_dropped;

/* Counts one bad record (detail may be NULL). Emits the summary of the
 * previous input first if r comes from another one. */
void gp_dropped_add(gp_ctx *ctx, gp_dropped *d, const gp_rec *r, const char *detail);
/* Emits the pending summary (call at EOF and on close). */
void gp_dropped_flush(gp_ctx *ctx, gp_dropped *d);

/* A record a stage builds (replace, select, format, set, explode) is bounded
 * by --max-record like one that is read. gp_sb_bound makes b refuse to grow
 * past it (so a runaway replacement stops at --max-record, not at 700 MB)
 * and sets up d, which summarises the records skipped once per input, as an
 * error. gp_sb_finish_built then finishes a record's text as
 * gp_sb_finish_rec does: 1 with *p and *len; 0 when the text came out too
 * long (counted in d for record r, builder emptied: skip the record); -1 when
 * out of memory. The stage flushes d at its end (gp_dropped_flush). */
void gp_sb_bound(gp_sb *b, gp_dropped *d, const gp_ctx *ctx, const char *stage);
int gp_sb_finish_built(gp_sb *b, gp_pool *pool, gp_ctx *ctx, gp_dropped *d, const gp_rec *r,
		       const char **p, size_t *len);

/* Prints a warning through ctx->report without changing the exit status. */
void gp_warn(gp_ctx *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
