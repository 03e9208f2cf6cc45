/* Deterministic ln, exp and sqrt: range reduction to a short series (see detmath.h). */
#include "detmath.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

#define LN2 0.69314718055994530942

double gp_ln(double x)
{
	int e;
	double m;
	uint64_t b;
	memcpy(&b, &x, sizeof b);
	if (b >> 52 && b >> 52 < 0x7ff) { /* normal: frexp by hand */
		e = (int)(b >> 52) - 1022;
		b = (b & ((UINT64_C(1) << 52) - 1)) | UINT64_C(1022) << 52;
		memcpy(&m, &b, sizeof m);
	} else {
		m = frexp(x, &e);
	}
	/* x = m * 2^e, m in [0.5, 1) */
	if (m < 0.70710678118654752440) {
		m *= 2;
		e--;
	}
	/* ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172 */
	double s = (m - 1) / (m + 1), z = s * s; /* 0.172^25 / 25 < 1e-20 */
	double p = 1.0 / 25;
	p = p * z + 1.0 / 23;
	p = p * z + 1.0 / 21;
	p = p * z + 1.0 / 19;
	p = p * z + 1.0 / 17;
	p = p * z + 1.0 / 15;
	p = p * z + 1.0 / 13;
	p = p * z + 1.0 / 11;
	p = p * z + 1.0 / 9;
	p = p * z + 1.0 / 7;
	p = p * z + 1.0 / 5;
	p = p * z + 1.0 / 3;
	p = p * z + 1;
	double sum = s * p;
	return e * LN2 + 2 * sum;
}

double gp_exp(double x)
{
	if (x != x)
		return x;
	if (x > 710)
		return HUGE_VAL;
	if (x < -746)
		return 0;
	double kf = x / LN2;
	int k = (int)(kf < 0 ? kf - 0.5 : kf + 0.5);
	double r = x - k * LN2, term = 1, sum = 1; /* |r| <= ln2/2 */
	for (int n = 1; n < 24; n++) {
		term *= r / n;
		sum += term;
	}
	return ldexp(sum, k);
}

double gp_sqrt(double x)
{
	if (!(x > 0) || x == HUGE_VAL)
		return x;
	int e;
	double m = frexp(x, &e); /* m in [0.5, 1) */
	if (e & 1) {
		m *= 2;
		e--;
	}
	double y = 0.41731 + 0.59016 * m; /* within 1% of sqrt(m) on [0.5, 2) */
	for (int k = 0; k < 5; k++)
		y = 0.5 * (y + m / y);
	/* one more step on the residual m - y^2, formed nearly exactly from
	 * Veltkamp halves of y, takes the last ulp */
	double yh, yl;
	gp_split(y, &yh, &yl);
	double r = ((yh * yh - m) + 2 * yh * yl) + yl * yl;
	y -= r / (2 * y);
	return ldexp(y, e / 2);
}
