/* Exact sums of doubles: the result never depends on the order of the values.
 *
 * Rules:
 *  - A gp_xsum is a value the caller owns (in a group row, on the stack);
 *    gp_xsum_init makes it empty. Integral values below 2^53 are summed in an
 *    int64 fast path; the first fraction or int64 overflow moves the sum into
 *    a fixed-point superaccumulator over the whole double range (2^-1074
 *    to 2^1024 plus carry room: GP_XSUM_LIMBS 32-bit digits held in int64,
 *    carries propagated lazily). Only the window of digits the values have
 *    touched is allocated (about 6 digits, 48 bytes, for values of similar
 *    magnitude); it grows when a value falls outside it, so a sum allocates
 *    a bounded number of times in all, never per value. gp_xsum_free
 *    releases it.
 *  - add, merge and add_product are exact (add_product: for |a|,|b| below
 *    2^996 and products above 2^-1022; outside that the lost bits are below
 *    any result's rounding or the value is infinite). Infinities and NaN are
 *    tracked apart and give inf, -inf or NaN as IEEE addition would.
 *  - gp_xsum_result rounds the exact sum once (to nearest, ties to even);
 *    gp_xsum_div rounds sum/n once for n < 2^32 (twice above that).
 *  - Functions that may allocate return 0, or -1 when memory runs out (then
 *    the sum is unchanged).
 *  - gp_xsum_encode writes the exact value, canonically (equal sums give
 *    equal bytes, whatever their history): a tag byte (bits 0-2 the
 *    infinities and NaN seen, bit 3 the form), then form 0, the value as a
 *    zigzag varint (an integer below 2^63 in magnitude, or 0 once an
 *    infinity or NaN fixed the result), or form 1, a sign byte, the first
 *    digit's index and the digit count as varints and the magnitude's
 *    32-bit digits little-endian. gp_xsum_decode reads that into an empty
 *    sum: 0, or -1 with errno EINVAL (bytes that are no sum) or ENOMEM. */
#ifndef GP_AGG_EXACTSUM_H
#define GP_AGG_EXACTSUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define GP_XSUM_LIMBS 68

typedef struct gp_xsum {
	int64_t i;       /* the fast path, while big is NULL */
	int64_t *big;     /* digits lo .. lo+n-1 of GP_XSUM_LIMBS, little-endian */
	uint32_t pending; /* adds since the last carry propagation */
	uint8_t lo, n;    /* the window of digits held; digit 0 bit 0 = 2^-1074 */
	uint8_t special;  /* 1: +inf seen, 2: -inf seen, 4: NaN seen */
} gp_xsum;

void gp_xsum_init(gp_xsum *s);
void gp_xsum_free(gp_xsum *s);
int gp_xsum_add(gp_xsum *s, double v);
/* Adds the exact product a*b (Veltkamp split into four exact products). */
int gp_xsum_add_product(gp_xsum *s, double a, double b);
/* s += o; o is unchanged. */
int gp_xsum_merge(gp_xsum *s, const gp_xsum *o);
/* A deep copy into an initialised, empty d. */
int gp_xsum_copy(gp_xsum *d, const gp_xsum *s);
double gp_xsum_result(gp_xsum *s);
double gp_xsum_div(gp_xsum *s, uint64_t n);
/* Heap bytes the sum holds (0 on the fast path). */
size_t gp_xsum_mem(const gp_xsum *s);

struct gp_enc;
struct gp_dec;
void gp_xsum_encode(const gp_xsum *s, struct gp_enc *e);
int gp_xsum_decode(gp_xsum *s, struct gp_dec *d);

#endif
