/* Exact integers of any length (see bigint.h). */
#include "bigint.h"

#include <math.h> /* isfinite: a macro, no libm */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

bool gp_bigint_parse(const char *p, size_t len, gp_bigint *out)
{
	const char *e = p + len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	bool neg = false;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	if (p == e)
		return false;
	for (const char *q = p; q < e; q++)
		if (*q < '0' || *q > '9')
			return false;
	while (p < e && *p == '0')
		p++;
	*out = (gp_bigint){ .neg = neg && p < e, .d = p, .n = (size_t)(e - p) }; /* -0 is 0 */
	return true;
}

int gp_bigint_cmp(const gp_bigint *a, const gp_bigint *b)
{
	if (a->neg != b->neg)
		return a->neg ? -1 : 1;
	int c = a->n != b->n ? (a->n < b->n ? -1 : 1) : a->n ? memcmp(a->d, b->d, a->n) : 0;
	c = c < 0 ? -1 : c > 0;
	return a->neg ? -c : c;
}

static bool bigint_i64(const gp_bigint *a, int64_t *out)
{
	if (a->n > 19)
		return false;
	uint64_t v = 0;
	for (size_t k = 0; k < a->n; k++)
		v = v * 10 + (uint64_t)(a->d[k] - '0'); /* < 10^19 < 2^64 */
	if (v > (uint64_t)INT64_MAX + a->neg)
		return false;
	*out = !a->neg ? (int64_t)v : v == (uint64_t)INT64_MAX + 1 ? INT64_MIN : -(int64_t)v;
	return true;
}

/* An int64 against a double without rounding the integer: -1/0/1, 2 for NaN. */
static int i64_dbl_cmp(int64_t i, double d)
{
	if (d != d)
		return 2;
	if (d >= 9223372036854775808.0)
		return -1;
	if (d < -9223372036854775808.0)
		return 1;
	int64_t t = (int64_t)d; /* towards zero; exact, |d| < 2^63 */
	if (i != t)
		return i < t ? -1 : 1;
	double f = d - (double)t; /* the fraction, exact */
	return f > 0 ? -1 : f < 0;
}

/* A double of 2^63 or more is a whole number, written out in full (glibc
 * prints every digit); below that, an integer too long for int64 is the
 * larger in magnitude. */
int gp_bigint_dbl_cmp(const gp_bigint *a, double d)
{
	if (d != d)
		return 2;
	if (!isfinite(d))
		return d > 0 ? -1 : 1;
	int64_t i;
	if (d >= 9223372036854775808.0 || d < -9223372036854775808.0) {
		char buf[320];
		gp_bigint b;
		int k = snprintf(buf, sizeof buf, "%.0f", d);
		if (k <= 0 || (size_t)k >= sizeof buf || !gp_bigint_parse(buf, (size_t)k, &b))
			return 2;
		return gp_bigint_cmp(a, &b);
	}
	if (bigint_i64(a, &i))
		return i64_dbl_cmp(i, d);
	return a->neg ? -1 : 1;
}
