/* Exact sums of numbers as they are written: decimal text summed without
 * ever going through binary, so that 0.1 + 0.2 is 0.3 and a sum of
 * 17-digit integers keeps every digit (a double holds 15 to 17).
 *
 * Rules:
 *  - A gp_xdec is plain data (no pointers, 40 bytes): the caller owns it,
 *    gp_xdec_init makes it an empty, valid sum.
 *  - A value is added from its text: an optional '-', digits with at most
 *    one '.', an optional exponent (JSON's and awk's numbers). The sum is a
 *    256-bit two's-complement count of units of 10^-18, so a value with at
 *    most 18 digits after the point (after its exponent is applied) and at
 *    most 38 before it is exact; one that is not (more digits, a unit as in
 *    250ms, inf, nan) makes the sum invalid, and the caller answers from
 *    its binary exact sum instead (agg/exactsum.h). Valid means "every
 *    value was a short decimal": a property of the set of values, so it
 *    never depends on their order, and neither does the sum.
 *  - merge adds two sums (invalid if either is); 2^64 values of 10^38 do
 *    not overflow 256 bits.
 *  - gp_xdec_result is the exact sum rounded once to the nearest double
 *    (by strtod of its exact decimal text); gp_xdec_div the exact quotient
 *    by n, rounded once (its text carries a sticky digit past 40 significant
 *    ones, so strtod sees the true side of every halfway point).
 *  - gp_xdec_text writes the exact sum as decimal text (no trailing zeros
 *    after the point, no point for a whole number). */
#ifndef GP_AGG_XDEC_H
#define GP_AGG_XDEC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct gp_xdec {
	uint64_t w[4]; /* little-endian limbs, two's complement, units of 10^-18 */
	bool valid;
} gp_xdec;

#define GP_XDEC_SCALE 18
/* Room for gp_xdec_text: 78 digits, a sign, a point, a NUL. */
#define GP_XDEC_TEXT 84

void gp_xdec_init(gp_xdec *s);
/* Adds the number written p[0..n); a text that is no short decimal makes
 * the sum invalid. */
void gp_xdec_add_text(gp_xdec *s, const char *p, size_t n);
void gp_xdec_invalidate(gp_xdec *s);
void gp_xdec_merge(gp_xdec *s, const gp_xdec *o);
size_t gp_xdec_text(const gp_xdec *s, char *buf);
double gp_xdec_result(const gp_xdec *s);
double gp_xdec_div(const gp_xdec *s, uint64_t n);

#endif
