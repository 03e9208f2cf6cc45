/* libFuzzer target: gp_matcher_find_line / line_matches / next_match against a
 * naive per-line PCRE2 reference. Aborts on any disagreement.
 *
 *   clang -g -O1 -fsanitize=fuzzer,address,undefined -D_GNU_SOURCE \
 *       src/match/literal.c src/match/matcher.c fuzz/fuzz_matcher.c \
 *       $(pkg-config --cflags --libs libpcre2-8) -o fuzz_matcher
 *   ./fuzz_matcher -max_total_time=60 -timeout=10 CORPUS_DIR
 *
 * Input: byte 0 = flags (bits 0-3: GP_M_*, bits 4-5: patterns - 1 (max 3),
 * bit 6: eol NUL instead of '\n'); then the patterns, each ended by a 0x01
 * byte; the rest is the buffer (an eol is appended if it lacks one).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include "../src/match/matcher.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#define MAX_PATS 8 /* 4 and more plain words take the Aho-Corasick path */
#define MAX_PAT_LEN 64
#define MAX_BUF 4096

struct ref {
	pcre2_code *opt[MAX_PATS];   /* as PCRE2 normally runs: optimized, JIT */
	pcre2_code *truth[MAX_PATS]; /* no start optimization / auto-possess, no JIT */
	pcre2_match_data *md;
	pcre2_match_context *mc;
	size_t n;
};

static void ref_free(struct ref *r)
{
	for (size_t i = 0; i < r->n; i++)
		pcre2_code_free(r->opt[i]), pcre2_code_free(r->truth[i]);
	pcre2_match_data_free(r->md);
	pcre2_match_context_free(r->mc);
}

/* 1: ok, 0: a pattern is invalid alone, -1: reference cannot be built */
static int ref_init(struct ref *r, const gp_pattern *pats, size_t n, unsigned flags)
{
	memset(r, 0, sizeof *r);
	r->md = pcre2_match_data_create(1, NULL);
	r->mc = pcre2_match_context_create(NULL);
	pcre2_set_match_limit(r->mc, 200000);
	uint32_t base = PCRE2_NEVER_UTF | ((flags & GP_M_ICASE) ? PCRE2_CASELESS : 0);
	int ec;
	PCRE2_SIZE eo;
	for (size_t i = 0; i < n; i++) {
		if (!(flags & GP_M_FIXED)) {
			pcre2_code *c = pcre2_compile((PCRE2_SPTR)pats[i].p, pats[i].len, base, &ec, &eo, NULL);
			if (!c)
				return 0;
			pcre2_code_free(c);
		}
		char s[MAX_PAT_LEN * 4 + 64];
		size_t k = 0;
		const char *pre = (flags & GP_M_LINE) ? "^(?:" : (flags & GP_M_WORD) ? "(?<![A-Za-z0-9_])(?:" : "";
		const char *post = (flags & GP_M_LINE) ? ")$" : (flags & GP_M_WORD) ? ")(?![A-Za-z0-9_])" : "";
		bool wrap = *pre != '\0';
		k += (size_t)snprintf(s + k, sizeof s - k, "%s", pre);
		for (size_t j = 0; j < pats[i].len; j++) {
			if (flags & GP_M_FIXED)
				k += (size_t)snprintf(s + k, sizeof s - k, "\\x%02x", (unsigned char)pats[i].p[j]);
			else
				s[k++] = pats[i].p[j];
		}
		if (wrap && !(flags & GP_M_FIXED)) {
			k += (size_t)snprintf(s + k, sizeof s - k, "\\E");
			if (memchr(pats[i].p, '#', pats[i].len))
				k += (size_t)snprintf(s + k, sizeof s - k, "(?x)\n");
		}
		k += (size_t)snprintf(s + k, sizeof s - k, "%s", post);
		uint32_t o = base | PCRE2_DOLLAR_ENDONLY;
		r->opt[i] = pcre2_compile((PCRE2_SPTR)s, k, o, &ec, &eo, NULL);
		r->truth[i] = pcre2_compile((PCRE2_SPTR)s, k,
					    o | PCRE2_NO_START_OPTIMIZE | PCRE2_NO_AUTO_POSSESS |
						PCRE2_NO_DOTSTAR_ANCHOR,
					    &ec, &eo, NULL);
		r->n = i + 1;
		if (!r->opt[i] || !r->truth[i])
			return -1;
		pcre2_jit_compile(r->opt[i], PCRE2_JIT_COMPLETE);
	}
	return 1;
}

/* leftmost match over the patterns: 1 found, 0 none, -1 engine error */
static int ref_next(struct ref *r, bool truth, const char *s, size_t len, size_t start,
		    size_t *ms, size_t *me)
{
	int found = 0;
	for (size_t i = 0; i < r->n; i++) {
		int rc = pcre2_match(truth ? r->truth[i] : r->opt[i], (PCRE2_SPTR)s, len, start, 0,
				     r->md, r->mc);
		if (rc == PCRE2_ERROR_NOMATCH)
			continue;
		if (rc < 0)
			return -1;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(r->md);
		if (!found || ov[0] < *ms) {
			*ms = ov[0];
			*me = ov[1] < ov[0] ? ov[0] : ov[1];
			found = 1;
		}
	}
	return found;
}

static void fail(const char *what, size_t a, size_t b)
{
	fprintf(stderr, "fuzz_matcher: %s (%zu, %zu)\n", what, a, b);
	abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	unsigned hdr = data[0];
	unsigned flags = hdr & 15;
	size_t npats = 1 + ((hdr >> 4) & 3) + ((hdr & 128) ? 4 : 0);
	char eol = (hdr & 64) ? '\0' : '\n';
	if (npats > MAX_PATS)
		npats = MAX_PATS;
	size_t pos = 1;
	gp_pattern pats[MAX_PATS];
	for (size_t i = 0; i < npats; i++) {
		const uint8_t *e = pos < size ? memchr(data + pos, 1, size - pos) : NULL;
		size_t end = e ? (size_t)(e - data) : size;
		if (end - pos > MAX_PAT_LEN)
			return 0;
		pats[i].p = (const char *)data + pos;
		pats[i].len = end - pos;
		pos = e ? end + 1 : size;
	}
	size_t blen = size - pos;
	if (blen > MAX_BUF)
		return 0;
	/* exact-size copies: ASan catches any read outside them */
	char *pcopy[MAX_PATS];
	for (size_t i = 0; i < npats; i++) {
		pcopy[i] = malloc(pats[i].len ? pats[i].len : 1);
		memcpy(pcopy[i], pats[i].p, pats[i].len);
		pats[i].p = pcopy[i];
	}
	bool add = blen == 0 || data[size - 1] != (uint8_t)eol;
	size_t len = blen + add;
	char *buf = malloc(len);
	memcpy(buf, data + pos, blen);
	if (add)
		buf[len - 1] = eol;

	struct ref r;
	int rok = ref_init(&r, pats, npats, flags);
	gp_match_error err;
	gp_matcher *m = gp_matcher_new(pats, npats, flags, &err);
	if (m && rok == 0)
		fail("accepted a pattern that is invalid on its own", 0, 0);
	if (!m && rok == 1 && strstr(err.msg, "VERB") == NULL && npats == 1 && !(flags & (GP_M_WORD | GP_M_LINE)))
		fail("rejected a valid pattern", err.pattern, err.offset);
	if (!m || rok != 1)
		goto out;

	/* per-line truth: bit 0 optimized PCRE2, bit 1 unoptimized interpreter */
	size_t nl = 0;
	for (size_t i = 0; i < len; i++)
		nl += buf[i] == eol;
	size_t *ls_of = malloc(nl * sizeof *ls_of);
	unsigned char *want = malloc(nl);
	size_t s = 0, k = 0;
	for (size_t i = 0; i < len; i++) {
		if (buf[i] != eol)
			continue;
		size_t a, b;
		int x = ref_next(&r, false, buf + s, i - s, 0, &a, &b);
		int y = ref_next(&r, true, buf + s, i - s, 0, &a, &b);
		if (x < 0 || y < 0)
			goto out2; /* resource limits: no verdict */
		ls_of[k] = s;
		want[k++] = (unsigned char)((x == 1) | (y == 1) << 1);
		s = i + 1;
	}
	size_t from = 0, next = 0, ls, le;
	for (;;) {
		bool f = gp_matcher_find_line(m, buf, len, from, eol, &ls, &le);
		size_t got = nl;
		if (f) {
			for (size_t j = next; j < nl; j++)
				if (ls_of[j] == ls)
					got = j;
			if (got == nl || le >= len || buf[le] != eol || memchr(buf + ls, eol, le - ls))
				fail("find_line returned a bad line", ls, le);
			if (want[got] == 0)
				fail("find_line returned a line that does not match", got, ls);
		}
		for (size_t j = next; j < got; j++)
			if (want[j] == 3)
				fail("find_line skipped a matching line", j, ls_of[j]);
		if (!f)
			break;
		from = le + 1;
		next = got + 1;
	}
	/* \K reports a start after the attempt's start: then "leftmost over
	 * separate patterns" and "first alternative of the combined regex at the
	 * earliest attempt" (what the matcher and grep -P do) may differ */
	bool has_k = false;
	for (size_t i = 0; i < npats && !(flags & GP_M_FIXED); i++)
		has_k |= memmem(pats[i].p, pats[i].len, "\\K", 2) != NULL;
	for (size_t j = 0; j < nl; j++) {
		size_t a = ls_of[j];
		size_t e = (size_t)((const char *)memchr(buf + a, eol, len - a) - buf);
		bool lm = gp_matcher_line_matches(m, buf + a, e - a);
		if ((lm && want[j] == 0) || (!lm && want[j] == 3))
			fail("line_matches disagrees", j, a);
		size_t start = (e - a) ? (size_t)data[(j * 7) % size] % (e - a + 1) : 0;
		size_t ms = 0, me = 0, rs = 0, re = 0, ts = 0, te = 0;
		bool f = gp_matcher_next_match(m, buf + a, e - a, start, &ms, &me);
		int x = ref_next(&r, false, buf + a, e - a, start, &rs, &re);
		int y = ref_next(&r, true, buf + a, e - a, start, &ts, &te);
		if (x < 0 || y < 0)
			continue;
		bool same_x = f == (x == 1) && (!f || (ms == rs && me == re));
		bool same_y = f == (y == 1) && (!f || (ms == ts && me == te));
		if (!same_x && !same_y && !has_k)
			fail("next_match disagrees", ms, rs);
	}
out2:
	free(ls_of);
	free(want);
out:
	gp_matcher_free(m);
	ref_free(&r);
	free(buf);
	for (size_t i = 0; i < npats; i++)
		free(pcopy[i]);
	return 0;
}
