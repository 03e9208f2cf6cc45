/* HyperLogLog, p = 14, and the hashes behind it (see hll.h). */
#include "hll.h"

#include <string.h>

#include "detmath.h"

uint64_t gp_hash_u64(uint64_t x)
{
	/* murmur3's fmix64: every input bit reaches every output bit */
	x ^= x >> 33;
	x *= UINT64_C(0xff51afd7ed558ccd);
	x ^= x >> 33;
	x *= UINT64_C(0xc4ceb9fe1a85ec53);
	x ^= x >> 33;
	return x;
}

void gp_hll_add(gp_hll *h, uint64_t hash)
{
	uint32_t j = (uint32_t)(hash >> (64 - GP_HLL_P));
	uint64_t rest = hash << GP_HLL_P | (UINT64_C(1) << (GP_HLL_P - 1)); /* sentinel bounds rho */
	uint8_t rho = (uint8_t)(__builtin_clzll(rest) + 1);
	if (rho > h->reg[j])
		h->reg[j] = rho;
}

void gp_hll_merge(gp_hll *h, const gp_hll *o)
{
	for (uint32_t j = 0; j < GP_HLL_M; j++)
		if (o->reg[j] > h->reg[j])
			h->reg[j] = o->reg[j];
}

double gp_hll_estimate(const gp_hll *h)
{
	const double m = GP_HLL_M, alpha = 0.7213 / (1 + 1.079 / m);
	double sum = 0;
	uint32_t zeros = 0;
	for (uint32_t j = 0; j < GP_HLL_M; j++) {
		sum += 1.0 / (double)(UINT64_C(1) << h->reg[j]);
		zeros += !h->reg[j];
	}
	double e = alpha * m * m / sum;
	if (e <= 2.5 * m && zeros)
		e = m * gp_ln(m / zeros);
	return e;
}
