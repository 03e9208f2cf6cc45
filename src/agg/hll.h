/* HyperLogLog distinct counting (Flajolet et al. 2007, 64-bit hashes as in
 * Heule et al. 2013), and the 64-bit hash the distinct counters feed on.
 *
 * Rules:
 *  - p = GP_HLL_P (14): 16384 one-byte registers, 0.81% standard error
 *    (1.04 / sqrt(2^p)); the small-range correction (linear counting while
 *    the estimate is below 2.5 m and a register is still zero) applies. With
 *    64-bit hashes no large-range correction is needed.
 *  - A gp_hll is plain data (no pointers): the caller owns it, a memset to
 *    zero is an empty one; merge is a register-wise max, so any split of the
 *    input merges to the registers of one pass.
 *  - Text is hashed with agg/hash.h's gp_hash64 and GP_HLL_SEED, numbers'
 *    bits with gp_hash_u64: fixed functions (no seed from the process), so
 *    states made on different machines merge. */
#ifndef GP_AGG_HLL_H
#define GP_AGG_HLL_H

#include <stddef.h>
#include <stdint.h>

#define GP_HLL_P 14
#define GP_HLL_M (1u << GP_HLL_P)

typedef struct gp_hll {
	uint8_t reg[GP_HLL_M];
} gp_hll;

void gp_hll_add(gp_hll *h, uint64_t hash);
void gp_hll_merge(gp_hll *h, const gp_hll *o);
double gp_hll_estimate(const gp_hll *h);

#include "hash.h"

/* The seed of text hashed for distinct and HyperLogLog (fixed forever:
 * partial states of issue 12 carry these hashes). */
#define GP_HLL_SEED 0x6c62272e07bb0142ull
static inline uint64_t gp_hash_text(const void *p, size_t n)
{
	return gp_hash64(p, n, GP_HLL_SEED);
}
/* A bijective mix of one 64-bit word (murmur3's fmix64). */
uint64_t gp_hash_u64(uint64_t x);

#endif
