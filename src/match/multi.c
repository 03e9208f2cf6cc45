/* Aho-Corasick over byte classes, as a dense DFA (see multi.h).
 *
 * Class 0 is the line end: every state goes back to the root on it, so no
 * match crosses a line (the caller's eol byte is mapped to it for the length
 * of one search). Class 1 is every byte no pattern contains. Transitions are
 * stored premultiplied by the number of classes, with the top bit set when
 * the target state ends a pattern, so the scan is one load, one add and one
 * test per byte. */
#include "multi.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#if defined(__x86_64__) || defined(__SSE2__)
#include <emmintrin.h>
#define HAVE_SSE2 1
#endif

#define ACCEPT 0x80000000u
#define MAX_TABLE (64u << 20) /* bytes of transitions */

#define MAX_FIRST 4

struct gp_multi {
	uint8_t cls[256];
	uint32_t ncls;
	uint32_t nstates;
	uint32_t *delta; /* nstates * ncls */
	/* The bytes that leave the root: while the automaton is at the root,
	 * the scan skips to the next of them (SSE2), when there are few. */
	uint8_t first[MAX_FIRST];
	int nfirst; /* 0: too many to skip with */
	/* The trie inside the automaton, for the longest word at a position:
	 * a transition is a trie edge when it goes one level deeper; term
	 * marks the states where a word ends (not merely a suffix of one). */
	uint32_t *depth;
	uint8_t *term;
	size_t maxlen;
};

static uint8_t fold(uint8_t c, bool icase)
{
	return icase && c >= 'A' && c <= 'Z' ? (uint8_t)(c | 0x20) : c;
}

gp_multi *gp_multi_new(const gp_pattern *pats, size_t n, bool icase)
{
	if (n == 0)
		return NULL;
	gp_multi *m = calloc(1, sizeof *m);
	if (!m)
		return NULL;
	/* Classes: 0 line end, 1 other, then one per byte the patterns use. */
	uint32_t ncls = 2;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (pats[i].len == 0)
			goto fail; /* an empty pattern matches every line */
		total += pats[i].len;
		for (size_t k = 0; k < pats[i].len; k++) {
			uint8_t c = fold((uint8_t)pats[i].p[k], icase);
			if (!m->cls[c]) {
				if (ncls > 255)
					goto fail; /* classes are bytes */
				m->cls[c] = (uint8_t)ncls++;
			}
		}
	}
	for (int c = 0; c < 256; c++)
		if (!m->cls[c])
			m->cls[c] = 1;
	for (int c = 'A'; icase && c <= 'Z'; c++)
		m->cls[c] = m->cls[c | 0x20];
	size_t maxstates = total + 1;
	if (maxstates > (MAX_TABLE / sizeof(uint32_t)) / ncls)
		goto fail;
	m->ncls = ncls;
	/* The trie: goto entries -1 until set. */
	int32_t *go = malloc(maxstates * ncls * sizeof *go);
	uint32_t *fail = calloc(maxstates, sizeof *fail);
	bool *out = calloc(maxstates, sizeof *out);
	uint32_t *queue = malloc(maxstates * sizeof *queue);
	m->depth = calloc(maxstates, sizeof *m->depth);
	m->term = calloc(maxstates, sizeof *m->term);
	if (!go || !fail || !out || !queue || !m->depth || !m->term) {
		free(go), free(fail), free(out), free(queue);
		goto fail;
	}
	memset(go, 0xff, maxstates * ncls * sizeof *go);
	uint32_t ns = 1;
	for (size_t i = 0; i < n; i++) {
		uint32_t s = 0;
		for (size_t k = 0; k < pats[i].len; k++) {
			uint32_t c = m->cls[(uint8_t)pats[i].p[k]];
			int32_t *t = &go[(size_t)s * ncls + c];
			if (*t < 0) {
				m->depth[ns] = m->depth[s] + 1;
				*t = (int32_t)ns++;
			}
			s = (uint32_t)*t;
		}
		out[s] = true;
		m->term[s] = 1;
		if (pats[i].len > m->maxlen)
			m->maxlen = pats[i].len;
	}
	/* Breadth first: failure links, then every missing transition. */
	size_t qh = 0, qt = 0;
	for (uint32_t c = 0; c < ncls; c++) {
		int32_t *t = &go[c];
		if (c == 0 || *t < 0) {
			*t = 0;
		} else {
			fail[*t] = 0;
			queue[qt++] = (uint32_t)*t;
		}
	}
	while (qh < qt) {
		uint32_t s = queue[qh++];
		out[s] |= out[fail[s]];
		for (uint32_t c = 0; c < ncls; c++) {
			int32_t *t = &go[(size_t)s * ncls + c];
			if (c == 0) {
				*t = 0;
			} else if (*t < 0) {
				*t = go[(size_t)fail[s] * ncls + c];
			} else {
				fail[*t] = (uint32_t)go[(size_t)fail[s] * ncls + c];
				queue[qt++] = (uint32_t)*t;
			}
		}
	}
	m->nstates = ns;
	m->nfirst = 0;
	for (int c = 0; c < 256; c++) {
		if (go[m->cls[c]] <= 0)
			continue;
		if (m->nfirst == MAX_FIRST) {
			m->nfirst = 0;
			break;
		}
		m->first[m->nfirst++] = (uint8_t)c;
	}
	m->delta = malloc((size_t)ns * ncls * sizeof *m->delta);
	if (m->delta) {
		for (size_t i = 0; i < (size_t)ns * ncls; i++) {
			uint32_t t = (uint32_t)go[i];
			m->delta[i] = t * ncls | (out[t] ? ACCEPT : 0);
		}
	}
	free(go), free(fail), free(out), free(queue);
	if (!m->delta)
		goto fail;
	return m;
fail:
	free(m->depth);
	free(m->term);
	free(m);
	return NULL;
}

void gp_multi_free(gp_multi *m)
{
	if (m) {
		free(m->delta);
		free(m->depth);
		free(m->term);
		free(m);
	}
}

size_t gp_multi_states(const gp_multi *m)
{
	return m ? m->nstates : 0;
}

/* The first i >= from with p[i] one of the first bytes, or len. */
static size_t skip(const gp_multi *m, const unsigned char *p, size_t len, size_t i)
{
	if (m->nfirst == 1) {
		const unsigned char *q = memchr(p + i, m->first[0], len - i);
		return q ? (size_t)(q - p) : len;
	}
#ifdef HAVE_SSE2
	__m128i n[MAX_FIRST];
	for (int k = 0; k < m->nfirst; k++)
		n[k] = _mm_set1_epi8((char)m->first[k]);
	for (; i + 16 <= len; i += 16) {
		__m128i v = _mm_loadu_si128((const __m128i *)(p + i));
		__m128i hit = _mm_cmpeq_epi8(v, n[0]);
		for (int k = 1; k < m->nfirst; k++)
			hit = _mm_or_si128(hit, _mm_cmpeq_epi8(v, n[k]));
		int mask = _mm_movemask_epi8(hit);
		if (mask)
			return i + (size_t)__builtin_ctz((unsigned)mask);
	}
#endif
	for (; i < len; i++)
		for (int k = 0; k < m->nfirst; k++)
			if (p[i] == m->first[k])
				return i;
	return len;
}

size_t gp_multi_find(gp_multi *m, const char *s, size_t len, size_t from, int eol)
{
	uint8_t saved = 0;
	if (eol >= 0) {
		saved = m->cls[(uint8_t)eol];
		m->cls[(uint8_t)eol] = 0;
	}
	const uint8_t *cls = m->cls;
	const uint32_t *delta = m->delta;
	const unsigned char *p = (const unsigned char *)s;
	size_t found = (size_t)-1;
	uint32_t st = 0;
	for (size_t i = from; i < len; i++) {
		if (st == 0 && m->nfirst) {
			i = skip(m, p, len, i);
			if (i == len)
				break;
		}
		uint32_t nx = delta[st + cls[p[i]]];
		if (nx & ACCEPT) {
			found = i + 1;
			break;
		}
		st = nx;
	}
	if (eol >= 0)
		m->cls[(uint8_t)eol] = saved;
	return found;
}

/* The longest word that s[at..len) begins with (0: none), walking the trie. */
static size_t longest_at(const gp_multi *m, const unsigned char *s, size_t len, size_t at)
{
	uint32_t st = 0;
	size_t best = 0;
	for (size_t k = 0; at + k < len; k++) {
		uint32_t nx = m->delta[st + m->cls[s[at + k]]] & ~ACCEPT;
		uint32_t id = nx / m->ncls;
		if (m->depth[id] != k + 1)
			break; /* a failure link: no word continues this way */
		if (m->term[id])
			best = k + 1;
		st = nx;
	}
	return best;
}

bool gp_multi_longest(gp_multi *m, const char *s, size_t len, size_t from, size_t *ms, size_t *me)
{
	/* The first match to end, at e, starts at or after the leftmost start;
	 * a match starting earlier ends at e or later, so it starts at most
	 * maxlen before e. Try each start in between. */
	size_t e = gp_multi_find(m, s, len, from, -1);
	if (e == (size_t)-1)
		return false;
	const unsigned char *p = (const unsigned char *)s;
	for (size_t at = e - from > m->maxlen ? e - m->maxlen : from; at < e; at++) {
		size_t n = longest_at(m, p, len, at);
		if (n) {
			*ms = at, *me = at + n;
			return true;
		}
	}
	return false; /* not reached: the match ending at e starts in range */
}
