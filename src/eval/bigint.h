/* Exact integers of any length, for comparisons of the expression language.
 *
 * Rules: an integer written in digits compares exactly, as text (sign, then
 * the number of digits without leading zeros, then the digits), so
 * 100000000000000000000 != 99999999999999999999 although both are the same
 * double; and against a double exactly too. A gp_bigint is a view into the
 * caller's text, valid as long as that text; nothing is allocated. */
#ifndef GP_EVAL_BIGINT_H
#define GP_EVAL_BIGINT_H

#include <stdbool.h>
#include <stddef.h>

typedef struct gp_bigint {
	bool neg;
	const char *d; /* digits, leading zeros skipped */
	size_t n;      /* 0 for zero */
} gp_bigint;

/* p[0..len) as an integer: blanks around, an optional sign, digits. */
bool gp_bigint_parse(const char *p, size_t len, gp_bigint *out);

/* -1, 0 or 1. */
int gp_bigint_cmp(const gp_bigint *a, const gp_bigint *b);

/* a against d without rounding either: -1, 0 or 1, and 2 when d is NaN. */
int gp_bigint_dbl_cmp(const gp_bigint *a, double d);

#endif
