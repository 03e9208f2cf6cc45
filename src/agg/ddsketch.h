/* DDSketch: a relative-error quantile sketch (Masson, Rim, Lee, VLDB 2019).
 *
 * Rules:
 *  - A value x > 0 falls in bin i = ceil(ln x / ln gamma), gamma =
 *    (1 + alpha) / (1 - alpha), alpha = GP_DDS_ALPHA (1%); negative values in
 *    a mirrored store, exact zeros counted apart. A bin answers with
 *    2 gamma^i / (gamma + 1), within alpha of every value in it, so a rank's
 *    answer is within ±1% of the exact value of that rank (then clamped to
 *    the exact min and max, which the sketch keeps).
 *  - Counts are integers and bins are fixed by the value alone (ln is
 *    agg/detmath's, the same on every machine), so merging is adding bin by
 *    bin: any split of the input merges to the sketch of one pass.
 *  - Each store is a dense array of counts over the range of bins seen,
 *    owned by the sketch (gp_dds_free); about 70 bins per factor of 2 of
 *    range, at most ~72k bins for the whole double range. Functions that may
 *    allocate return 0, or -1 when memory runs out (the sketch unchanged).
 *  - gp_dds_encode writes the sketch canonically (agg/enc.h): n and the zero
 *    count as varints, min and max as doubles, then each store as its first
 *    nonzero bin (zigzag varint), the number of bins and their counts
 *    (varints), positive store first. gp_dds_decode reads that into an empty
 *    sketch: 0, or -1 with errno EINVAL (bytes that are no sketch) or
 *    ENOMEM. */
#ifndef GP_AGG_DDSKETCH_H
#define GP_AGG_DDSKETCH_H

#include <stddef.h>
#include <stdint.h>

#define GP_DDS_ALPHA 0.01

typedef struct gp_dds_store {
	uint64_t *c;
	int32_t lo; /* bin index of c[0] */
	size_t cap;
} gp_dds_store;

typedef struct gp_dds {
	gp_dds_store pos, neg;
	uint64_t zero, n;
	double min, max;
} gp_dds;

void gp_dds_init(gp_dds *s);
void gp_dds_free(gp_dds *s);
/* Adds count copies of a finite x. */
int gp_dds_add(gp_dds *s, double x, uint64_t count);
int gp_dds_merge(gp_dds *s, const gp_dds *o);
/* The value of 1-based rank r (1 <= r <= n): ascending order. */
double gp_dds_rank(const gp_dds *s, uint64_t r);
size_t gp_dds_mem(const gp_dds *s);

struct gp_enc;
struct gp_dec;
void gp_dds_encode(const gp_dds *s, struct gp_enc *e);
int gp_dds_decode(gp_dds *s, struct gp_dec *d);

#endif
