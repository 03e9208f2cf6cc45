/* Literal substring search (SIMD "rare pair" prefilter + verify) and the
 * extraction of required literals from a PCRE2 pattern. Used by matcher.c.
 */
#ifndef GP_LITERAL_H
#define GP_LITERAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Rank of a byte in typical log/ASCII text: 255 = most frequent, 0 = rarest. */
extern const uint8_t gp_byte_rank[256];

#define GP_LIT_NONE ((size_t)-1)

typedef struct gp_lit gp_lit;
typedef size_t (*gp_lit_find_fn)(const gp_lit *l, const unsigned char *h, size_t len);

struct gp_lit {
	unsigned char *needle; /* owned copy; ASCII-lowercased when icase */
	size_t n;
	bool icase;	       /* ASCII case-insensitive */
	size_t i1, i2;	       /* offsets of the two rare bytes */
	unsigned char b1, b2;  /* their values (| m1/m2) */
	unsigned char m1, m2;  /* OR masks: 0x20 for letters with icase, else 0 */
	gp_lit_find_fn find;
	const char *impl;      /* "avx2", "sse2", "scalar", "memchr", "empty" */
};

/* Prepare a search for needle[0..n). Returns false when out of memory. */
bool gp_lit_init(gp_lit *l, const void *needle, size_t n, bool icase);
void gp_lit_free(gp_lit *l);

/* Force an implementation ("avx2", "sse2", "scalar"); false if unavailable.
 * For tests. */
bool gp_lit_set_impl(gp_lit *l, const char *impl);

/* Offset of the first occurrence of the needle in h[0..len), or GP_LIT_NONE.
 * Never reads outside h[0..len). */
static inline size_t gp_lit_find(const gp_lit *l, const void *h, size_t len)
{
	return l->find(l, (const unsigned char *)h, len);
}

/* Static rarity score of a literal: lower is rarer (sum of the ranks of its
 * two rarest bytes, at distinct offsets). */
unsigned gp_lit_score(const void *s, size_t n, bool icase);

/* Rank of byte c, as max over both ASCII cases when icase. */
unsigned gp_lit_byte_rank(unsigned char c, bool icase);

typedef struct gp_lit_run {
	size_t off, len; /* into the decoded byte buffer */
} gp_lit_run;

/* Conservative extraction of literals that every match of the PCRE2 pattern
 * pat[0..n) must contain (top-level concatenation only). Decoded literal bytes
 * go to dec (capacity >= n), runs to runs (capacity >= n + 1). Returns the
 * number of runs; 0 when none or when the parser gave up. *whole is set when
 * the entire pattern is one plain literal, then equal to dec[0..runs[0].len)
 * (or empty when 0 runs are returned). The pattern must compile. */
size_t gp_lit_extract(const char *pat, size_t n, unsigned char *dec, gp_lit_run *runs,
		      bool *whole);

#endif
