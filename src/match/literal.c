/* Literal search and required-literal extraction; see literal.h. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memmem */
#endif
#include "literal.h"

#include <stdlib.h>
#include <string.h>

/* -DGP_LIT_NO_SIMD builds the portable scalar search (as on non-x86). */
#if (defined(__x86_64__) || defined(__i386__)) && !defined(GP_LIT_NO_SIMD)
#if defined(__SSE2__)
#define GP_LIT_X86 1
#include <immintrin.h>
#endif
#endif

/* Byte ranks (255 = most frequent) measured on a mix of system logs, C
 * headers, changelogs and manual pages; only the order matters. */
const uint8_t gp_byte_rank[256] = {
	  0,   1,   2,   3,   4,   5,   6,   7,   8, 194, 245,   9, 143, 189,  10,  11, /* 0x00 */
	 12,  13,  14,  15,  16,  17,  18,  19,  20,  21,  22,  23,  24,  25,  26,  27, /* 0x10 */
	255, 160, 192, 186, 167, 166, 164, 172, 218, 213, 209, 200, 214, 241, 243, 220, /* 0x20 */
	231, 234, 235, 215, 227, 212, 224, 191, 198, 201, 228, 187, 183, 208, 184, 157, /* 0x30 */
	178, 211, 197, 206, 199, 223, 190, 193, 188, 217, 168, 179, 204, 196, 205, 207, /* 0x40 */
	210, 163, 225, 226, 221, 195, 180, 177, 181, 176, 162, 174, 229, 173, 154, 236, /* 0x50 */
	161, 252, 230, 242, 244, 254, 239, 233, 232, 251, 185, 216, 246, 238, 250, 248, /* 0x60 */
	237, 175, 247, 249, 253, 240, 222, 202, 203, 219, 182, 170, 165, 169, 171,  28, /* 0x70 */
	148, 134, 125,  95, 104, 116, 151,  96, 105, 132,  77,  78,  29,  30,  79,  80, /* 0x80 */
	119, 133, 150, 120,  31,  81,  32,  82, 131, 144,  99, 110, 130, 127,  83,  84, /* 0x90 */
	155, 152,  33,  85, 147, 112, 115, 121, 135, 145, 117, 114,  86, 142,  87, 111, /* 0xa0 */
	123, 138, 100, 140, 113, 122, 158,  34, 141, 106, 139, 137, 128, 136, 107,  88, /* 0xb0 */
	 35,  36, 156, 159, 126, 149,  37,  38,  89,  39,  40,  41,  42,  43, 103,  90, /* 0xc0 */
	146, 129,  44,  45,  46,  47,  48,  49, 118, 108,  50,  51,  52,  53,  54,  55, /* 0xd0 */
	 56, 109, 153, 101, 124,  91,  92, 102,  93,  97,  57,  58,  59,  98,  60,  61, /* 0xe0 */
	 62,  63,  64,  65,  66,  67,  68,  69,  94,  70,  71,  72,  73,  74,  75,  76, /* 0xf0 */
};

static inline unsigned char lower(unsigned char c)
{
	return (unsigned char)(c - 'A') < 26u ? (unsigned char)(c + 32) : c;
}

static inline bool is_alpha(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26u;
}

unsigned gp_lit_byte_rank(unsigned char c, bool icase)
{
	if (icase && is_alpha(c)) {
		unsigned a = gp_byte_rank[c | 0x20], b = gp_byte_rank[c & ~0x20];
		return a > b ? a : b;
	}
	return gp_byte_rank[c];
}

/* The two rarest offsets of s[0..n) (n >= 1): i1 the rarest, i2 the rarest
 * among the offsets holding a different byte (or another offset). */
static void rare_pair(const unsigned char *s, size_t n, bool icase, size_t *i1, size_t *i2)
{
	size_t a = 0;
	for (size_t j = 1; j < n; j++)
		if (gp_lit_byte_rank(s[j], icase) < gp_lit_byte_rank(s[a], icase))
			a = j;
	size_t b = (size_t)-1;
	unsigned char ca = icase ? lower(s[a]) : s[a];
	for (size_t j = 0; j < n; j++) {
		unsigned char cj = icase ? lower(s[j]) : s[j];
		if (cj == ca)
			continue;
		if (b == (size_t)-1 || gp_lit_byte_rank(s[j], icase) < gp_lit_byte_rank(s[b], icase))
			b = j;
	}
	if (b == (size_t)-1)
		b = a == n - 1 ? 0 : n - 1;
	*i1 = a;
	*i2 = b;
}

unsigned gp_lit_score(const void *sv, size_t n, bool icase)
{
	const unsigned char *s = sv;
	if (n == 0)
		return 1024;
	if (n == 1)
		return gp_lit_byte_rank(s[0], icase) + 256;
	size_t i1, i2;
	rare_pair(s, n, icase, &i1, &i2);
	return gp_lit_byte_rank(s[i1], icase) + gp_lit_byte_rank(s[i2], icase);
}

/* ---- verification and scalar search ---- */

static inline bool verify(const gp_lit *l, const unsigned char *s, bool icase)
{
	if (!icase)
		return memcmp(s, l->needle, l->n) == 0;
	const unsigned char *nd = l->needle;
	for (size_t i = 0; i < l->n; i++)
		if (lower(s[i]) != nd[i])
			return false;
	return true;
}

/* Candidates p..(len - n), checked one by one. */
static inline size_t scalar_from(const gp_lit *l, const unsigned char *h, size_t len, size_t p,
				 bool icase)
{
	if (len < l->n)
		return GP_LIT_NONE;
	const size_t last = len - l->n, i1 = l->i1, i2 = l->i2;
	const unsigned char b1 = l->b1, b2 = l->b2, m1 = l->m1, m2 = l->m2;
	for (; p <= last; p++)
		if ((h[p + i1] | m1) == b1 && (h[p + i2] | m2) == b2 && verify(l, h + p, icase))
			return p;
	return GP_LIT_NONE;
}

/* glibc memmem (two-way for long needles): linear worst case, used when
 * the rare pair turns out not to be rare at all. */
static size_t memmem_from(const gp_lit *l, const unsigned char *h, size_t len, size_t p)
{
	if (p > len)
		return GP_LIT_NONE;
	const unsigned char *r = memmem(h + p, len - p, l->needle, l->n);
	return r ? (size_t)(r - h) : GP_LIT_NONE;
}

static size_t find_empty(const gp_lit *l, const unsigned char *h, size_t len)
{
	(void)l, (void)h, (void)len;
	return 0;
}

static size_t find_memchr(const gp_lit *l, const unsigned char *h, size_t len)
{
	const unsigned char *r = len ? memchr(h, l->needle[0], len) : NULL;
	return r ? (size_t)(r - h) : GP_LIT_NONE;
}

static size_t find_scalar_cs(const gp_lit *l, const unsigned char *h, size_t len)
{
	if (len < l->n)
		return GP_LIT_NONE;
	const size_t last = len - l->n, i1 = l->i1;
	size_t p = 0, fails = 0;
	while (p <= last) {
		const unsigned char *r = memchr(h + p + i1, l->b1, last - p + 1);
		if (!r)
			return GP_LIT_NONE;
		p = (size_t)(r - h) - i1;
		if (h[p + l->i2] == l->b2) {
			if (verify(l, h + p, false))
				return p;
			if (l->n >= 32 && ++fails > 256 + (p >> 4))
				return memmem_from(l, h, len, p + 1);
		}
		p++;
	}
	return GP_LIT_NONE;
}

static size_t find_scalar_ic(const gp_lit *l, const unsigned char *h, size_t len)
{
	return scalar_from(l, h, len, 0, true);
}

#ifdef GP_LIT_X86
/* Too many failed verifications with a long needle: switch to memmem. */
#define GIVE_UP(fails, q) (!icase && l->n >= 32 && ++(fails) > 256 + ((q) >> 4))

static inline __attribute__((always_inline)) size_t
find_sse2_impl(const gp_lit *l, const unsigned char *h, size_t len, const bool icase)
{
	const size_t n = l->n, i1 = l->i1, i2 = l->i2;
	if (len < n)
		return GP_LIT_NONE;
	const size_t last = len - n; /* last candidate start */
	const __m128i v1 = _mm_set1_epi8((char)l->b1), v2 = _mm_set1_epi8((char)l->b2);
	const __m128i k1 = _mm_set1_epi8((char)l->m1), k2 = _mm_set1_epi8((char)l->m2);
	size_t p = 0, fails = 0;
	/* starts p..p+31 are candidates; loads end at p+31+i <= last+n-1 < len */
	while (last >= 31 && p <= last - 31) {
		__m128i a0 = _mm_loadu_si128((const __m128i *)(h + p + i1));
		__m128i a1 = _mm_loadu_si128((const __m128i *)(h + p + i1 + 16));
		__m128i c0 = _mm_loadu_si128((const __m128i *)(h + p + i2));
		__m128i c1 = _mm_loadu_si128((const __m128i *)(h + p + i2 + 16));
		if (icase) {
			a0 = _mm_or_si128(a0, k1), a1 = _mm_or_si128(a1, k1);
			c0 = _mm_or_si128(c0, k2), c1 = _mm_or_si128(c1, k2);
		}
		__m128i e0 = _mm_and_si128(_mm_cmpeq_epi8(a0, v1), _mm_cmpeq_epi8(c0, v2));
		__m128i e1 = _mm_and_si128(_mm_cmpeq_epi8(a1, v1), _mm_cmpeq_epi8(c1, v2));
		unsigned mask = (unsigned)_mm_movemask_epi8(e0) | (unsigned)_mm_movemask_epi8(e1) << 16;
		while (mask) {
			size_t q = p + (size_t)__builtin_ctz(mask);
			if (verify(l, h + q, icase))
				return q;
			if (GIVE_UP(fails, q))
				return memmem_from(l, h, len, q + 1);
			mask &= mask - 1;
		}
		p += 32;
	}
	return scalar_from(l, h, len, p, icase);
}

static size_t find_sse2_cs(const gp_lit *l, const unsigned char *h, size_t len)
{
	return find_sse2_impl(l, h, len, false);
}

static size_t find_sse2_ic(const gp_lit *l, const unsigned char *h, size_t len)
{
	return find_sse2_impl(l, h, len, true);
}

#define AVX2 __attribute__((target("avx2")))

static inline __attribute__((always_inline)) AVX2 size_t
find_avx2_impl(const gp_lit *l, const unsigned char *h, size_t len, const bool icase)
{
	const size_t n = l->n, i1 = l->i1, i2 = l->i2;
	if (len < n)
		return GP_LIT_NONE;
	const size_t last = len - n;
	const __m256i v1 = _mm256_set1_epi8((char)l->b1), v2 = _mm256_set1_epi8((char)l->b2);
	const __m256i k1 = _mm256_set1_epi8((char)l->m1), k2 = _mm256_set1_epi8((char)l->m2);
	size_t p = 0, fails = 0;
	/* starts p..p+63 are candidates; loads end at p+63+i <= last+n-1 < len */
	while (last >= 63 && p <= last - 63) {
		__m256i a0 = _mm256_loadu_si256((const __m256i *)(h + p + i1));
		__m256i a1 = _mm256_loadu_si256((const __m256i *)(h + p + i1 + 32));
		__m256i c0 = _mm256_loadu_si256((const __m256i *)(h + p + i2));
		__m256i c1 = _mm256_loadu_si256((const __m256i *)(h + p + i2 + 32));
		if (icase) {
			a0 = _mm256_or_si256(a0, k1), a1 = _mm256_or_si256(a1, k1);
			c0 = _mm256_or_si256(c0, k2), c1 = _mm256_or_si256(c1, k2);
		}
		__m256i e0 = _mm256_and_si256(_mm256_cmpeq_epi8(a0, v1), _mm256_cmpeq_epi8(c0, v2));
		__m256i e1 = _mm256_and_si256(_mm256_cmpeq_epi8(a1, v1), _mm256_cmpeq_epi8(c1, v2));
		__m256i any = _mm256_or_si256(e0, e1);
		if (!_mm256_testz_si256(any, any)) {
			uint64_t mask = (uint64_t)(uint32_t)_mm256_movemask_epi8(e0) |
					(uint64_t)(uint32_t)_mm256_movemask_epi8(e1) << 32;
			while (mask) {
				size_t q = p + (size_t)__builtin_ctzll(mask);
				if (verify(l, h + q, icase))
					return q;
				if (GIVE_UP(fails, q))
					return memmem_from(l, h, len, q + 1);
				mask &= mask - 1;
			}
		}
		p += 64;
	}
	if (last >= 31 && p <= last - 31) {
		__m256i a0 = _mm256_loadu_si256((const __m256i *)(h + p + i1));
		__m256i c0 = _mm256_loadu_si256((const __m256i *)(h + p + i2));
		if (icase)
			a0 = _mm256_or_si256(a0, k1), c0 = _mm256_or_si256(c0, k2);
		__m256i e0 = _mm256_and_si256(_mm256_cmpeq_epi8(a0, v1), _mm256_cmpeq_epi8(c0, v2));
		uint32_t mask = (uint32_t)_mm256_movemask_epi8(e0);
		while (mask) {
			size_t q = p + (size_t)__builtin_ctz(mask);
			if (verify(l, h + q, icase))
				return q;
			mask &= mask - 1;
		}
		p += 32;
	}
	return scalar_from(l, h, len, p, icase);
}

static AVX2 size_t find_avx2_cs(const gp_lit *l, const unsigned char *h, size_t len)
{
	return find_avx2_impl(l, h, len, false);
}

static AVX2 size_t find_avx2_ic(const gp_lit *l, const unsigned char *h, size_t len)
{
	return find_avx2_impl(l, h, len, true);
}

/* libgcc fills in the CPU model from a constructor; no caching here, so no
 * shared mutable state between threads. */
static bool have_avx2(void)
{
	return __builtin_cpu_supports("avx2");
}
#endif

bool gp_lit_init(gp_lit *l, const void *needle, size_t n, bool icase)
{
	memset(l, 0, sizeof *l);
	l->needle = malloc(n ? n : 1);
	if (!l->needle)
		return false;
	if (n)
		memcpy(l->needle, needle, n);
	l->n = n;
	if (icase)
		for (size_t i = 0; i < n; i++)
			l->needle[i] = lower(l->needle[i]);
	/* case folding only matters when the needle has a letter */
	bool letters = false;
	for (size_t i = 0; i < n && icase; i++)
		letters |= is_alpha(l->needle[i]);
	l->icase = icase && letters;
	if (n == 0) {
		l->find = find_empty, l->impl = "empty";
		return true;
	}
	rare_pair(l->needle, n, l->icase, &l->i1, &l->i2);
	l->m1 = l->icase && is_alpha(l->needle[l->i1]) ? 0x20 : 0;
	l->m2 = l->icase && is_alpha(l->needle[l->i2]) ? 0x20 : 0;
	l->b1 = l->needle[l->i1] | l->m1;
	l->b2 = l->needle[l->i2] | l->m2;
	if (n == 1 && !l->icase) {
		l->find = find_memchr, l->impl = "memchr";
		return true;
	}
#ifdef GP_LIT_X86
	if (have_avx2()) {
		l->find = l->icase ? find_avx2_ic : find_avx2_cs, l->impl = "avx2";
		return true;
	}
	l->find = l->icase ? find_sse2_ic : find_sse2_cs, l->impl = "sse2";
#else
	l->find = l->icase ? find_scalar_ic : find_scalar_cs, l->impl = "scalar";
#endif
	return true;
}

void gp_lit_free(gp_lit *l)
{
	if (l) {
		free(l->needle);
		l->needle = NULL;
	}
}

bool gp_lit_set_impl(gp_lit *l, const char *impl)
{
	if (l->n == 0 || (l->n == 1 && !l->icase))
		return strcmp(impl, l->impl) == 0;
	if (strcmp(impl, "scalar") == 0) {
		l->find = l->icase ? find_scalar_ic : find_scalar_cs, l->impl = "scalar";
		return true;
	}
#ifdef GP_LIT_X86
	if (strcmp(impl, "sse2") == 0) {
		l->find = l->icase ? find_sse2_ic : find_sse2_cs, l->impl = "sse2";
		return true;
	}
	if (strcmp(impl, "avx2") == 0 && have_avx2()) {
		l->find = l->icase ? find_avx2_ic : find_avx2_cs, l->impl = "avx2";
		return true;
	}
#endif
	return false;
}

/* ---- required literal extraction ----
 *
 * A deliberately small parser of PCRE2 syntax: it walks the top-level
 * concatenation, treating groups and classes as opaque atoms, and gives up
 * (returns 0) on anything whose effect on adjacency it does not fully
 * understand: top-level alternation, option settings, comments, verbs,
 * multi-character escapes, \Q\E oddities and '{' that is not a plain
 * quantifier. Giving up only costs speed, never correctness. */

static bool is_alnum(unsigned char c)
{
	return is_alpha(c) || (unsigned char)(c - '0') < 10u;
}

/* (?<letters, ^ or ->) or (?...:  containing an 'x': extended mode, whose
 * '#' comments would hide structure from this parser. */
static bool has_extended_option(const unsigned char *p, size_t n)
{
	for (size_t i = 0; i + 2 < n; i++) {
		if (p[i] != '(' || p[i + 1] != '?')
			continue;
		bool x = false;
		size_t j = i + 2;
		while (j < n && (is_alpha(p[j]) || p[j] == '^' || p[j] == '-'))
			x |= p[j++] == 'x';
		if (x && j < n && (p[j] == ')' || p[j] == ':'))
			return true;
	}
	return false;
}

/* p[i] == '\\' && p[i+1] == 'Q': index after the matching \E (or n). */
static size_t skip_quoted(const unsigned char *p, size_t n, size_t i)
{
	for (i += 2; i < n; i++)
		if (p[i] == '\\' && i + 1 < n && p[i + 1] == 'E')
			return i + 2;
	return n;
}

/* p[i] == '\\': index after the escape. \cX takes any X (\c] is ctrl-],
 * \c\ is ctrl-backslash); longer escapes (\x{..}, \p{..}, \k<..>) only hold
 * names and digits, harmless to walk over. */
static size_t skip_escape(const unsigned char *p, size_t n, size_t i)
{
	if (i + 1 < n && p[i + 1] == 'Q')
		return skip_quoted(p, n, i);
	if (i + 1 < n && p[i + 1] == 'c')
		return i + 3;
	return i + 2;
}

/* p[i] == '[': index after the class, 0 if not understood. */
static size_t skip_class(const unsigned char *p, size_t n, size_t i)
{
	if (n - i >= 7 && (memcmp(p + i, "[[:<:]]", 7) == 0 || memcmp(p + i, "[[:>:]]", 7) == 0))
		return i + 7;
	/* as PCRE2: leading \E and \Q\E are skipped, around one '^', before a
	 * ']' is taken as a literal first member */
	size_t j = i + 1;
	bool neg = false;
	for (;;) {
		if (n - j >= 2 && p[j] == '\\' && p[j + 1] == 'E')
			j += 2;
		else if (n - j >= 4 && memcmp(p + j, "\\Q\\E", 4) == 0)
			j += 4;
		else if (!neg && j < n && p[j] == '^')
			neg = true, j++;
		else
			break;
	}
	if (j < n && p[j] == ']')
		j++;
	while (j < n) {
		unsigned char c = p[j];
		if (c == '\\') {
			j = skip_escape(p, n, j);
			continue;
		}
		if (c == '[' && j + 1 < n && (p[j + 1] == ':' || p[j + 1] == '.' || p[j + 1] == '=')) {
			unsigned char term = p[j + 1];
			size_t k = j + 2;
			if (k < n && p[k] == '^')
				k++;
			while (k < n && is_alpha(p[k]))
				k++;
			if (k + 1 < n && p[k] == term && p[k + 1] == ']') {
				j = k + 2;
				continue;
			}
			/* not POSIX syntax: '[' is an ordinary member */
			j++;
			continue;
		}
		if (c == ']')
			return j + 1;
		j++;
	}
	return 0;
}

/* p[i] == '(': index after the group, 0 if not understood. */
static size_t skip_group(const unsigned char *p, size_t n, size_t i)
{
	if (i + 1 < n && p[i + 1] == '*')
		return 0; /* verbs, (*pla: ...) etc. */
	if (i + 2 < n && p[i + 1] == '?') {
		if (p[i + 2] == '#')
			return 0; /* a comment: a quantifier after it binds to what precedes */
		size_t j = i + 2;
		while (j < n && (is_alpha(p[j]) || p[j] == '^' || p[j] == '-'))
			j++;
		if (j > i + 2 && j < n && p[j] == ')')
			return 0; /* option setting for the rest of the pattern */
	}
	size_t depth = 0, j = i;
	while (j < n) {
		unsigned char c = p[j];
		if (c == '\\') {
			j = skip_escape(p, n, j);
			continue;
		}
		if (c == '[') {
			j = skip_class(p, n, j);
			if (!j)
				return 0;
			continue;
		}
		if (c == '(') {
			if (j + 2 < n && p[j + 1] == '?' && p[j + 2] == '#') {
				const unsigned char *e = memchr(p + j, ')', n - j);
				if (!e)
					return 0;
				j = (size_t)(e - p) + 1;
				continue;
			}
			depth++;
		} else if (c == ')') {
			if (depth == 0)
				return 0;
			if (--depth == 0)
				return j + 1;
		}
		j++;
	}
	return 0;
}

/* Quantifier at p[*i]: -1 none, 0 min 0, 1 min >= 1, -2 not understood. */
static int parse_quant(const unsigned char *p, size_t n, size_t *i)
{
	size_t j = *i;
	int q;
	if (j >= n)
		return -1;
	if (p[j] == '?' || p[j] == '*') {
		q = 0, j++;
	} else if (p[j] == '+') {
		q = 1, j++;
	} else if (p[j] == '{') {
		size_t k = j + 1, min = 0;
		if (k >= n || (unsigned char)(p[k] - '0') >= 10u)
			return -2;
		while (k < n && (unsigned char)(p[k] - '0') < 10u) {
			if (min < 100000)
				min = min * 10 + (size_t)(p[k] - '0');
			k++;
		}
		if (k < n && p[k] == ',') {
			k++;
			while (k < n && (unsigned char)(p[k] - '0') < 10u)
				k++;
		}
		if (k >= n || p[k] != '}')
			return -2;
		q = min > 0, j = k + 1;
	} else {
		return -1;
	}
	if (j < n && (p[j] == '+' || p[j] == '?'))
		j++; /* possessive / lazy */
	*i = j;
	return q;
}

size_t gp_lit_extract(const char *pat, size_t n, unsigned char *dec, gp_lit_run *runs,
		      bool *whole)
{
	const unsigned char *p = (const unsigned char *)pat;
	size_t i = 0, d = 0, nruns = 0, rstart = 0;
	bool pure = true;
	*whole = false;
	if (has_extended_option(p, n))
		return 0;
	if (n >= 3 && memmem(p, n, "(?C", 3))
		return 0; /* callout strings may hold any text, parentheses included */
#define END_RUN()                                                                                  \
	do {                                                                                       \
		if (d > rstart) {                                                                  \
			runs[nruns].off = rstart;                                                  \
			runs[nruns].len = d - rstart;                                              \
			nruns++;                                                                   \
		}                                                                                  \
		rstart = d;                                                                        \
	} while (0)
	while (i < n) {
		unsigned char c = p[i];
		int lit = -1; /* literal byte of this atom, -1 for an opaque atom */
		switch (c) {
		case '|':
		case ')':
		case '?':
		case '*':
		case '+':
		case '{':
			return 0;
		case '(': {
			size_t j = skip_group(p, n, i);
			if (!j)
				return 0;
			i = j;
			break;
		}
		case '[': {
			size_t j = skip_class(p, n, i);
			if (!j)
				return 0;
			i = j;
			break;
		}
		case '.':
		case '^':
		case '$':
			i++;
			break;
		case '\\': {
			if (i + 1 >= n)
				return 0;
			unsigned char e = p[i + 1];
			if (e == 'Q') {
				size_t j = i + 2, k = j;
				while (k < n && !(p[k] == '\\' && k + 1 < n && p[k + 1] == 'E'))
					k++;
				if (k == j)
					return 0; /* \Q\E: a following quantifier binds across it */
				for (size_t t = j; t + 1 < k; t++)
					dec[d++] = p[t];
				lit = p[k - 1];
				i = k < n ? k + 2 : n;
				break;
			}
			i += 2;
			if (!is_alnum(e)) {
				lit = e;
				break;
			}
			switch (e) {
			case 't': lit = '\t'; break;
			case 'n': lit = '\n'; break;
			case 'r': lit = '\r'; break;
			case 'f': lit = '\f'; break;
			case 'e': lit = 0x1b; break;
			case 'a': lit = 0x07; break;
			case 'd': case 'D': case 'w': case 'W': case 's': case 'S':
			case 'h': case 'H': case 'v': case 'V': case 'R': case 'b':
			case 'B': case 'A': case 'z': case 'Z': case 'G': case 'K':
			case 'X': case 'C':
				break; /* single-character opaque escapes */
			default:
				return 0; /* \x.. \o{} \p{} \g \k \c \N \E digits ...: give up */
			}
			break;
		}
		default:
			lit = c;
			i++;
		}
		int q = parse_quant(p, n, &i);
		if (q == -2)
			return 0;
		if (lit < 0) {
			pure = false;
			END_RUN();
		} else if (q < 0) {
			dec[d++] = (unsigned char)lit;
		} else if (q == 0) {
			pure = false;
			END_RUN();
		} else {
			dec[d++] = (unsigned char)lit;
			pure = false;
			END_RUN();
		}
	}
	END_RUN();
#undef END_RUN
	*whole = pure && nruns <= 1;
	return nruns;
}
