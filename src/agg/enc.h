/* The byte encoding of aggregate states (acc.h's encode/decode, the group
 * table's spill records): little-endian words and LEB128 varints, written
 * and read the same way on every machine.
 *
 * Rules:
 *  - A gp_enc writes into a buffer the caller owns (p, cap) and counts every
 *    byte it would write in n, writing only those that fit: after encoding,
 *    n is the size of the whole encoding, and the bytes are complete when
 *    n <= cap (snprintf's contract; p may be NULL with cap 0 to measure).
 *  - A gp_dec reads a byte string of n bytes and never past it: a read past
 *    the end, a varint longer than 10 bytes or over 64 bits sets bad and
 *    returns 0, so a decoder checks bad once at the end (and before any
 *    allocation sized by what it read: gp_dec_left says how much is there).
 *  - Doubles travel as their IEEE 754 bits (NaN payloads and -0 kept), so a
 *    decoded value is the encoded one bit for bit.
 *  - Header-only: the encoders are a few shifts, inlined per state. */
#ifndef GP_AGG_ENC_H
#define GP_AGG_ENC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

typedef struct gp_enc {
	unsigned char *p;
	size_t cap, n;
} gp_enc;

typedef struct gp_dec {
	const unsigned char *p;
	size_t n, pos;
	bool bad;
} gp_dec;

static inline void gp_enc_byte(gp_enc *e, unsigned b)
{
	if (e->n < e->cap)
		e->p[e->n] = (unsigned char)b;
	e->n++;
}

static inline void gp_enc_u32(gp_enc *e, uint32_t v)
{
	for (int k = 0; k < 4; k++)
		gp_enc_byte(e, (v >> (8 * k)) & 0xff);
}

static inline void gp_enc_u64(gp_enc *e, uint64_t v)
{
	if (e->n + 8 <= e->cap) {
		for (int k = 0; k < 8; k++)
			e->p[e->n + k] = (unsigned char)(v >> (8 * k));
		e->n += 8;
		return;
	}
	for (int k = 0; k < 8; k++)
		gp_enc_byte(e, (v >> (8 * k)) & 0xff);
}

static inline void gp_enc_f64(gp_enc *e, double v)
{
	uint64_t b;
	memcpy(&b, &v, sizeof b);
	gp_enc_u64(e, b);
}

static inline void gp_enc_var(gp_enc *e, uint64_t v)
{
	do {
		unsigned b = v & 0x7f;
		v >>= 7;
		gp_enc_byte(e, b | (v ? 0x80 : 0));
	} while (v);
}

/* Signed as zigzag: small magnitudes of either sign stay short. */
static inline void gp_enc_svar(gp_enc *e, int64_t v)
{
	gp_enc_var(e, ((uint64_t)v << 1) ^ (uint64_t)(v >> 63));
}

static inline void gp_dec_init(gp_dec *d, const void *p, size_t n)
{
	d->p = p;
	d->n = n;
	d->pos = 0;
	d->bad = false;
}

static inline size_t gp_dec_left(const gp_dec *d)
{
	return d->n - d->pos;
}

static inline unsigned gp_dec_byte(gp_dec *d)
{
	if (d->pos >= d->n) {
		d->bad = true;
		return 0;
	}
	return d->p[d->pos++];
}

/* k (<= 8) bytes, little-endian. */
static inline uint64_t gp_dec_le(gp_dec *d, unsigned k)
{
	if (gp_dec_left(d) < k) {
		d->bad = true;
		d->pos = d->n;
		return 0;
	}
	uint64_t v = 0;
	for (unsigned j = 0; j < k; j++)
		v |= (uint64_t)d->p[d->pos + j] << (8 * j);
	d->pos += k;
	return v;
}

static inline uint32_t gp_dec_u32(gp_dec *d)
{
	return (uint32_t)gp_dec_le(d, 4);
}

static inline uint64_t gp_dec_u64(gp_dec *d)
{
	return gp_dec_le(d, 8);
}

static inline double gp_dec_f64(gp_dec *d)
{
	uint64_t b = gp_dec_u64(d);
	double v;
	memcpy(&v, &b, sizeof v);
	return v;
}

static inline uint64_t gp_dec_var(gp_dec *d)
{
	uint64_t v = 0;
	for (unsigned shift = 0; shift < 64; shift += 7) {
		unsigned b = gp_dec_byte(d);
		if (d->bad)
			return 0;
		if (shift == 63 && b > 1)
			break; /* more than 64 bits */
		v |= (uint64_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			return v;
	}
	d->bad = true;
	return 0;
}

static inline int64_t gp_dec_svar(gp_dec *d)
{
	uint64_t u = gp_dec_var(d);
	return (int64_t)(u >> 1) ^ -(int64_t)(u & 1);
}

#endif
