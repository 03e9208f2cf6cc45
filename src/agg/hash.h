/* A fast 64-bit hash of a byte string, for the group table (agg/groups.h) and
 * anything else that buckets keys (distinct, HyperLogLog, spill partitions).
 *
 * Rules:
 *  - gp_hash64(p, n, seed) reads exactly n bytes at p (any bytes: NUL, tabs,
 *    invalid UTF-8; n may be 0 and p then may be NULL) and nothing else.
 *  - The value depends only on the bytes, n and the seed: bytes are read
 *    little-endian whatever the machine, so a hash is the same everywhere
 *    (spills and partials may rely on it; it is not a cryptographic hash and
 *    says nothing about an adversary who knows the seed).
 *  - Built the wyhash way: 64x64->128 multiplications folded ("mum"), 48 bytes
 *    a round in three independent lanes for long keys, two overlapping reads
 *    for keys of 4..16 bytes, so short keys cost a few instructions. Written
 *    here by hand; no dependency. Header-only so that the hot loop inlines it.
 */
#ifndef GP_AGG_HASH_H
#define GP_AGG_HASH_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define GP_HASH_K0 0xa0761d6478bd642full
#define GP_HASH_K1 0xe7037ed1a0b428dbull
#define GP_HASH_K2 0x8ebc6af09c88c6e3ull
#define GP_HASH_K3 0x589965cc75374cc3ull

/* The 128-bit product of a and b, its halves xor-ed together. */
static inline uint64_t gp_hash_mum(uint64_t a, uint64_t b)
{
	__extension__ typedef unsigned __int128 u128;
	u128 r = (u128)a * b;
	return (uint64_t)r ^ (uint64_t)(r >> 64);
}

static inline uint64_t gp_hash_r8(const unsigned char *p)
{
	uint64_t v;
	memcpy(&v, p, 8);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap64(v);
#endif
	return v;
}

static inline uint64_t gp_hash_r4(const unsigned char *p)
{
	uint32_t v;
	memcpy(&v, p, 4);
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	v = __builtin_bswap32(v);
#endif
	return v;
}

static inline uint64_t gp_hash64(const void *key, size_t n, uint64_t seed)
{
	const unsigned char *p = key;
	uint64_t a, b;
	seed ^= gp_hash_mum(seed ^ GP_HASH_K0, GP_HASH_K1);
	if (n <= 16) {
		if (n >= 4) {
			size_t off = (n >> 3) << 2; /* 0 for 4..7 bytes, 4 for 8..16 */
			a = gp_hash_r4(p) << 32 | gp_hash_r4(p + off);
			b = gp_hash_r4(p + n - 4) << 32 | gp_hash_r4(p + n - 4 - off);
		} else if (n > 0) {
			a = (uint64_t)p[0] << 16 | (uint64_t)p[n >> 1] << 8 | p[n - 1];
			b = 0;
		} else {
			a = b = 0;
		}
	} else {
		size_t i = n;
		if (i > 48) {
			uint64_t s1 = seed, s2 = seed;
			do {
				seed = gp_hash_mum(gp_hash_r8(p) ^ GP_HASH_K1, gp_hash_r8(p + 8) ^ seed);
				s1 = gp_hash_mum(gp_hash_r8(p + 16) ^ GP_HASH_K2, gp_hash_r8(p + 24) ^ s1);
				s2 = gp_hash_mum(gp_hash_r8(p + 32) ^ GP_HASH_K3, gp_hash_r8(p + 40) ^ s2);
				p += 48;
				i -= 48;
			} while (i > 48);
			seed ^= s1 ^ s2;
		}
		while (i > 16) {
			seed = gp_hash_mum(gp_hash_r8(p) ^ GP_HASH_K1, gp_hash_r8(p + 8) ^ seed);
			p += 16;
			i -= 16;
		}
		/* The last 16 bytes, overlapping what was read when i < 16. */
		a = gp_hash_r8(p + i - 16);
		b = gp_hash_r8(p + i - 8);
	}
	a ^= GP_HASH_K1;
	b ^= seed;
	__extension__ typedef unsigned __int128 u128;
	u128 r = (u128)a * b;
	a = (uint64_t)r;
	b = (uint64_t)(r >> 64);
	return gp_hash_mum(a ^ GP_HASH_K0 ^ n, b ^ GP_HASH_K1);
}

#endif
