/* Partial aggregate states as text lines (`gpipe --partial` writes them,
 * `gpipe --merge` reads them; issue 12): the pieces of the line format that
 * do not depend on an aggregate stage, so the writer, the reader, the unit
 * test and the fuzzer share them.
 *
 * A line is KEY <TAB> VERSION ":" SPEC-HASH <TAB> STATE-JSON:
 *  - KEY: the group's key tuple, its parts separated by the byte 0x1f (the
 *    unit separator) and each part escaped so that no tab, newline,
 *    backslash or separator is left raw: \\ \t \n \r, and \xHH (two lower
 *    hex digits) for every other byte below 0x20 and for 0x7f. Everything
 *    else (UTF-8, invalid UTF-8, bytes >= 0x80) is written as it is. The
 *    escape is canonical: one key, one text, so Hadoop's sort by the text
 *    before the first tab groups a key's lines together.
 *  - VERSION: GP_PARTIAL_VERSION in decimal; SPEC-HASH: 16 lower hex digits,
 *    the hash gp_partial_spec gives of the aggregate and the stages before it.
 *  - STATE-JSON: one JSON object; the aggregate stage (stages/agg.c) writes
 *    and reads its members with the helpers below.
 *
 * Rules:
 *  - Nothing here allocates except through the caller's gp_sb (sb.h); the
 *    readers write into buffers the caller sizes as each function says and
 *    keep no pointer into their input.
 *  - Readers never read past the bytes they are given and reject anything
 *    the writers would not write (a lone backslash, an unknown escape, bad
 *    base64 or padding), so a reader's answer is exact or a failure. */
#ifndef GP_AGG_PARTIAL_H
#define GP_AGG_PARTIAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "../core/fields.h"
#include "../core/sb.h"
#include "../expr/pipeline.h"

/* The format version written on every line; removing a member, or changing
 * what one means, bumps it. */
#define GP_PARTIAL_VERSION 1
/* The byte between the parts of a key tuple. */
#define GP_PARTIAL_KEY_SEP '\x1f'

/* The hash of stages v[0 .. upto] of pe (the aggregate is v[upto]), written
 * canonically: every word's decoded text with its length, so spacing,
 * quoting style and comments do not matter, with GP_PARTIAL_VERSION and the
 * accumulators' encoding version (agg/acc.h). */
uint64_t gp_partial_spec(const gp_pipeline_expr *pe, size_t upto);

/* Appends one part of a key, escaped. */
void gp_partial_key_put(gp_sb *b, const char *p, size_t n);
/* Unescapes one part p[0..n) (no separator in it) into dst, which needs n
 * bytes: its length, or -1 when the text is not an escaped part. */
ssize_t gp_partial_key_get(const char *p, size_t n, char *dst);

/* Base64 (RFC 4648, padded): appends the text of p[0..n); decodes text
 * p[0..n) into dst (n / 4 * 3 bytes): the length, or -1 on bad text. */
void gp_b64_put(gp_sb *b, const void *p, size_t n);
ssize_t gp_b64_get(const char *p, size_t n, unsigned char *dst);

/* Is p[0..n) valid UTF-8 (no overlong forms, no surrogates, <= U+10FFFF)? */
bool gp_utf8_valid(const char *p, size_t n);

/* A line split into its three fields (views into the line). */
struct gp_jsonp;

typedef struct gp_partial_line {
	const char *key;
	size_t klen;
	uint64_t version;
	uint64_t spec;
	const char *json;
	size_t jlen;
} gp_partial_line;

/* Splits a line (without its newline). NULL, or why it is not a partial
 * line (a static string: "truncated line (no tab after the key)", ...). The
 * version and spec are read but not judged. */
const char *gp_partial_split(const char *p, size_t n, gp_partial_line *out);

/* For --merge: line r split (*out), its version and spec checked against
 * ctx->spec_hash, its state validated as a JSON object (*obj, with jp) and
 * its _seq read into *seq. GP_OK; GP_EOF when the line is bad: reported as
 * "FILE:LINE: why" (gp_partial_bad), the run goes on and exits 2; GP_ERR
 * under --strict, with ctx->diag filled. */
gp_status gp_partial_read(gp_ctx *ctx, struct gp_jsonp *jp, const gp_rec *r, gp_partial_line *out,
			  gp_value *obj, uint64_t *seq);
/* Reports a bad line r as gp_partial_read does: GP_EOF, or GP_ERR under
 * --strict. */
gp_status gp_partial_bad(gp_ctx *ctx, const gp_rec *r, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Text in a JSON object, exactly: `"text":"..."` when p[0..n) is valid
 * UTF-8, else `"b64":"..."` (name is the member's prefix: "" gives text and
 * b64). gp_partial_text_get reads either member of obj into b (reset
 * first): 1, 0 when obj has neither, -1 when one is malformed or memory ran
 * out. */
void gp_partial_text_put(gp_sb *b, const char *p, size_t n);
int gp_partial_text_get(const gp_value *obj, gp_sb *b);
/* A JSON string of base64 (v) decoded into b (reset first): 0, or -1. */
int gp_partial_b64_value(const gp_value *v, gp_sb *b);
/* A JSON number that is a whole number 0 .. 2^64-1, written without a sign,
 * fraction or exponent: true and *out. */
bool gp_partial_u64(const gp_value *v, uint64_t *out);

#endif
