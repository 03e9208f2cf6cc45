/* Deterministic natural log, exp and square root for the sketches, written here so that a
 * sketch's bin of a value is the same on every machine and libc (merged
 * states from many machines must agree bin by bin) and gpipe needs no libm.
 * Accurate to a few ulps; pure functions, no state. */
#ifndef GP_AGG_DETMATH_H
#define GP_AGG_DETMATH_H

/* ln x for finite x > 0. */
double gp_ln(double x);
/* e^x; overflows to inf and underflows to 0 as exp does. */
double gp_exp(double x);
/* The square root of finite x >= 0 (Newton's iteration, then the nearer of
 * the last candidates). */
double gp_sqrt(double x);

/* Veltkamp's split: x = *hi + *lo, each with at most 26 significant bits,
 * so the product of two halves is exact (C11 mode: no contraction into fma).
 * For |x| below 2^996. */
static inline void gp_split(double x, double *hi, double *lo)
{
	double c = 134217729.0 * x;
	*hi = c - (c - x);
	*lo = x - *hi;
}

#endif
