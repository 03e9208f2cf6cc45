/* Deterministic ln, exp and sqrt: range reduction to a short series (see detmath.h). */
#include "detmath.h"

#include <math.h>

#define LN2 0.69314718055994530942

double gp_ln(double x)
{
	int e;
	double m = frexp(x, &e); /* x = m * 2^e, m in [0.5, 1) */
	if (m < 0.70710678118654752440) {
		m *= 2;
		e--;
	}
	/* ln m = 2 atanh(s), s = (m-1)/(m+1), |s| < 0.172 */
	double s = (m - 1) / (m + 1), s2 = s * s, t = s, sum = 0;
	for (int k = 1; k < 40; k += 2) {
		sum += t / k;
		t *= s2;
	}
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
	double c = 134217729.0 * y, yh = c - (c - y), yl = y - yh;
	double r = ((yh * yh - m) + 2 * yh * yl) + yl * yl;
	y -= r / (2 * y);
	return ldexp(y, e / 2);
}
