/* JSON values over valid text: finding, classifying and decoding.
 *
 * Rules:
 *  - Every function here reads text that a validating parser (fields/jsonl.c)
 *    has already accepted, or a value that came out of it: nothing is
 *    checked again, and invalid text gives an unspecified (but memory-safe,
 *    bounded by end) answer.
 *  - Nothing is allocated and nothing is copied: a gp_value found by
 *    gp_json_value, gp_json_member or gp_json_index is a view into the same
 *    text, valid as long as that text is. Only gp_json_unescape writes, into
 *    the caller's buffer.
 *  - The small scanners at the end are static inline because the string
 *    builder (sb.c) uses them in per-byte loops too. */
#ifndef GP_JSONVAL_H
#define GP_JSONVAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "fields.h"

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

/* Is p[0..n) a valid JSON number? */
bool gp_is_json_number(const char *p, size_t n);

/* JSON's four blanks. */
static inline bool gp_json_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* p points just after an opening quote; returns the closing quote (or end). */
static inline const char *gp_json_string_end(const char *p, const char *end)
{
	while (p < end) {
		const char *q = memchr(p, '"', (size_t)(end - p));
		if (!q)
			return end;
		/* Count the backslashes before it. */
		const char *b = q;
		while (b > p && b[-1] == '\\')
			b--;
		if (((q - b) & 1) == 0)
			return q;
		p = q + 1;
	}
	return end;
}

/* The four hex digits of a \u escape at p, or -1. */
static inline int gp_json_hex4(const char *p, const char *end)
{
	if (end - p < 4)
		return -1;
	int v = 0;
	for (int i = 0; i < 4; i++) {
		char c = p[i];
		int h = c >= '0' && c <= '9' ? c - '0'
			: c >= 'a' && c <= 'f' ? c - 'a' + 10
			: c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
		if (h < 0)
			return -1;
		v = v * 16 + h;
	}
	return v;
}

#endif
