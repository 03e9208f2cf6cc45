/* The line matcher: PCRE2 (JIT) fronted by literal prefilters; see matcher.h.
 *
 * Four strategies, chosen once in gp_matcher_new:
 *  - LITERAL:   one pure literal without -w/-x. SIMD rare-pair search over the
 *               whole buffer; a hit that does not cross an eol is the proof.
 *  - PREFILTER: a regex (or literal with -w/-x) with a required literal. Search
 *               the buffer for the literal, verify only the hit's line with
 *               PCRE2. With several required literals the one with the fewest
 *               hits per byte on the actual data is picked after a short
 *               sampling phase (the static byte table cannot know that
 *               " latency_ms=" is on every line and "status=5" on few).
 *  - SPAN:      no usable literal, eol '\n', pattern "span-safe": PCRE2 JIT in
 *               multiline mode over a window of many lines. A match that
 *               crosses an eol is re-checked on its own line. The window
 *               shrinks when matches cross lines (so [^x]+ stays linear).
 *  - LINES:     the fallback: PCRE2 on each line in turn (patterns that are
 *               not span-safe, eol other than '\n', or pattern sets too large
 *               for one PCRE2 regex, which are then split in several).
 *
 * GPIPE_NO_JIT=1 in the environment (and running under valgrind) selects
 * PCRE2's interpreter instead of its JIT.
 *
 * A line on which PCRE2 stops at a resource limit is tried again with larger
 * limits (rx.c); a line still undecided is neither a match nor a non-match:
 * it goes to the caller's gp_matcher_on_undecided callback and is left out
 * whichever way the caller selects (see matcher.h).
 *
 * Matches (-o, --color) with several patterns follow GNU grep: the leftmost
 * start, then the longest of the patterns' matches there. The combined
 * alternation would give the first-listed one, so each pattern is compiled
 * on its own for that, on first use (the Aho-Corasick trie answers for
 * plain word sets).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE /* memrchr */
#endif
#include "matcher.h"

#include "literal.h"
#include "multi.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "rx.h" /* gp_jit_wanted */
#include "../core/sb.h"

enum mode { M_LITERAL, M_PREFILTER, M_SPAN, M_LINES, M_MULTI };

/* Sets of at least this many plain literals go to the Aho-Corasick scanner
 * (multi.c); fewer stay one PCRE2 alternation, which starts fast on them. */
#define MULTI_MIN 4

#define MAX_CAND 4
#define SAMPLE_HITS 64
#define SAMPLE_BYTES ((uint64_t)4 << 20)
#define WIN_MIN 512
#define WIN_INIT (64 * 1024)
#define WIN_MAX (1024 * 1024)

struct cand {
	gp_lit lit;
	uint64_t hits, bytes;
};

struct gp_matcher {
	unsigned flags;
	size_t npats;
	enum mode mode;
	/* The combined pattern, matched against one line. Several pieces only
	 * when the patterns together exceed PCRE2's compiled-size limit
	 * (thousands of -f words): then a line matches if any piece does. */
	pcre2_code **code;
	bool *code_jit;
	size_t ncode;
	pcre2_code *span_code; /* code[0] with PCRE2_MULTILINE, for SPAN */
	bool span_jit;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *jstack;
	struct gp_multi *multi; /* M_MULTI */
	/* Matches with several patterns: each pattern alone (made on first
	 * use from the copies in pats). */
	gp_pattern *pats;
	pcre2_code **pcode;
	bool *pcode_jit;
	bool pcode_tried;
	gp_rx_retry retry;
	/* Undecided lines: the caller's callback, and the last one seen, so
	 * that asking again about the same bytes neither retries nor reports
	 * twice (the -v fast path asks twice). */
	gp_matcher_undecided_fn on_undecided;
	void *undecided_arg;
	bool undecided_matches;
	struct {
		const char *p;
		size_t len, start;
		uint64_t hash;
		int kind, rc;
		bool valid;
	} last;
	struct cand cand[MAX_CAND];
	int ncand, cur;
	bool settled;
	size_t window;
	char desc[192];
};

/* ---- pattern analysis ---- */

/* Has p[0..n) no regex syntax at all (so it means itself)? */
static bool is_plain_literal(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (strchr("\\^$.[]|()?*+{}", p[i]) || p[i] == '\0')
			return false;
	return true;
}

static bool is_alnum(unsigned char c)
{
	return (unsigned char)((c | 0x20) - 'a') < 26u || (unsigned char)(c - '0') < 10u;
}

/* Can the pattern be searched over many lines at once (multiline mode) with
 * the same per-line results, apart from matches that contain an eol (which
 * are re-checked)? Not with constructs that look outside the match or at
 * subject edges: lookaround, \A \z \Z \G, \K, verbs/newline settings,
 * callouts, option settings that may turn multiline off. Nor with anything
 * atomic (possessive quantifiers, (?>...), \R and \X, which take \r\n as one
 * unit): once it has swallowed an eol in the span it never gives it back,
 * so a match that exists within the line alone can be missed. Nor with
 * backreferences or recursion: PCRE2 10.42's minimum-length start
 * optimization misjudges e.g. (._|b\1?)XA, so the result would depend on
 * what surrounds the line. Conservative. */
static bool span_safe(const char *pat, size_t n)
{
	const unsigned char *p = (const unsigned char *)pat;
	bool after_quant = false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = p[i];
		if (c == '+' && after_quant)
			return false; /* possessive */
		after_quant = c == '*' || c == '+' || c == '?' || c == '}';
		if (c == '\\') {
			if (i + 1 >= n)
				return false;
			unsigned char e = p[i + 1];
			if (e == 'Q') {
				i += 2;
				while (i < n && !(p[i] == '\\' && i + 1 < n && p[i + 1] == 'E'))
					i++;
				i++; /* at the 'E' (or past the end) */
				continue;
			}
			switch (e) {
			case 'A': case 'z': case 'Z': case 'G': case 'K': case 'R': case 'X':
			case 'g': case 'k':
				return false;
			case 'c': /* \cX: X is taken literally, even '\\' or '(' */
				i += 2;
				continue;
			}
			if ((unsigned char)(e - '1') < 9u)
				return false; /* \1..\9 (and octal escapes: conservative) */
			i++;
			continue;
		}
		if (c != '(' || i + 1 >= n)
			continue;
		if (p[i + 1] == '?' && i + 2 < n && p[i + 2] == '#') {
			/* a comment: inert up to the first ')', backslashes included */
			const unsigned char *e = memchr(p + i, ')', n - i);
			if (!e)
				return false;
			i = (size_t)(e - p);
			continue;
		}
		if (p[i + 1] == '*')
			return false;
		if (p[i + 1] != '?' || i + 2 >= n)
			continue;
		unsigned char e = p[i + 2];
		if (e == '=' || e == '!' || e == 'C' || e == '>' || e == 'R' || e == '&' ||
		    e == '+' || (unsigned char)(e - '0') < 10u)
			return false;
		if (e == 'P' && i + 3 < n && (p[i + 3] == '=' || p[i + 3] == '>'))
			return false;
		if (e == '<' && i + 3 < n && (p[i + 3] == '=' || p[i + 3] == '!'))
			return false;
		for (size_t j = i + 2; j < n; j++) {
			unsigned char o = p[j];
			if (o == 'm' || o == '^' || o == 'x')
				return false; /* multiline off; extended: "a* +" */
			if (!((unsigned char)((o | 0x20) - 'a') < 26u || o == '-'))
				break;
		}
	}
	return true;
}

/* Append pattern i, made safe to wrap in a group, to b. */
static void sb_str(gp_sb *b, const char *s)
{
	gp_sb_put(b, s, strlen(s));
}

static void add_body(gp_sb *b, const gp_pattern *pt, bool fixed)
{
	const unsigned char *p = (const unsigned char *)pt->p;
	size_t n = pt->len;
	if (fixed) {
		if (!memmem(p, n, "\\E", 2)) {
			sb_str(b, "\\Q");
			gp_sb_put(b, p, n);
			sb_str(b, "\\E");
			return;
		}
		for (size_t i = 0; i < n; i++) {
			if (is_alnum(p[i])) {
				gp_sb_put(b, p + i, 1);
			} else {
				char x[8];
				snprintf(x, sizeof x, "\\x%02X", p[i]);
				sb_str(b, x);
			}
		}
		return;
	}
	gp_sb_put(b, p, n);
	/* An unterminated \Q would swallow our ')'; a lone \E is ignored. */
	sb_str(b, "\\E");
	/* A (?x) '#' comment running to the end would too: end it with a
	 * newline, made insignificant by (?x) (scoped to our group). */
	if (memchr(p, '#', n))
		sb_str(b, "(?x)\n");
}

struct built {
	gp_sb s;
	size_t *start; /* offset of each pattern's body in s */
};

static bool build(struct built *bt, const gp_pattern *pats, size_t npats, unsigned flags,
		  bool branch_reset)
{
	gp_sb *b = &bt->s;
	bool fixed = flags & GP_M_FIXED;
	b->len = 0;
	if (flags & GP_M_LINE)
		sb_str(b, "^");
	else if (flags & GP_M_WORD)
		sb_str(b, "(?<![A-Za-z0-9_])");
	bool wrap = npats > 1 || (flags & (GP_M_LINE | GP_M_WORD));
	if (npats > 1)
		sb_str(b, branch_reset ? "(?|" : "(?:");
	for (size_t i = 0; i < npats; i++) {
		if (i)
			sb_str(b, "|");
		if (wrap)
			sb_str(b, "(?:");
		bt->start[i] = b->len;
		if (!wrap && !fixed)
			gp_sb_put(b, pats[i].p, pats[i].len); /* as is: (*VERB)s keep working */
		else
			add_body(b, &pats[i], fixed);
		if (wrap)
			sb_str(b, ")");
	}
	if (npats > 1)
		sb_str(b, ")");
	if (flags & GP_M_LINE)
		sb_str(b, "$");
	else if (flags & GP_M_WORD)
		sb_str(b, "(?![A-Za-z0-9_])");
	/* NUL-terminated, so p is a C string and never NULL, even for an empty
	 * pattern (PCRE2 may refuse a NULL one even of length 0). */
	gp_sb_putc(b, '\0');
	if (b->oom)
		return false;
	b->len--;
	return true;
}

static void set_err(gp_match_error *err, size_t pat, size_t off, const char *msg)
{
	if (!err)
		return;
	err->pattern = pat;
	err->offset = off;
	snprintf(err->msg, sizeof err->msg, "%s", msg);
}

static void set_pcre_err(gp_match_error *err, size_t pat, size_t off, int code)
{
	if (!err)
		return;
	err->pattern = pat;
	err->offset = off;
	if (pcre2_get_error_message(code, (PCRE2_UCHAR *)err->msg, sizeof err->msg) < 0 &&
	    err->msg[0] == '\0')
		snprintf(err->msg, sizeof err->msg, "pcre2 error %d", code);
}

static void desc_lit(char *out, size_t cap, const gp_lit *l, const unsigned char *orig)
{
	size_t k = 0;
	out[0] = '\0';
	for (size_t i = 0; i < l->n && k + 8 < cap; i++) {
		unsigned char c = orig ? orig[i] : l->needle[i];
		if (c >= 0x20 && c < 0x7f && c != '\'' && c != '\\')
			out[k++] = (char)c;
		else
			k += (size_t)snprintf(out + k, cap - k, "\\x%02x", c);
		if (i == 40 && l->n > 44) {
			k += (size_t)snprintf(out + k, cap - k, "...");
			break;
		}
	}
	out[k] = '\0';
}

static void update_desc(gp_matcher *m)
{
	const char *eng = m->ncode && m->code_jit[0] ? "pcre2-jit" : "pcre2";
	char lit[96];
	switch (m->mode) {
	case M_LITERAL:
	case M_PREFILTER: {
		const gp_lit *l = &m->cand[m->cur].lit;
		desc_lit(lit, sizeof lit, l, NULL);
		if (m->mode == M_LITERAL)
			snprintf(m->desc, sizeof m->desc, "literal%s '%s' (%s)",
				 l->icase ? " -i" : "", lit, l->impl);
		else
			snprintf(m->desc, sizeof m->desc, "%s, prefilter%s '%s' (%s%s)", eng,
				 l->icase ? " -i" : "", lit, l->impl,
				 m->ncand > 1 ? (m->settled ? ", best of sampled literals"
							    : ", sampling literals")
					      : "");
		break;
	}
	case M_SPAN:
		snprintf(m->desc, sizeof m->desc, "%s multiline span%s", m->span_jit ? "pcre2-jit" : "pcre2",
			 m->npats > 1 ? " (several patterns)" : "");
		break;
	case M_MULTI:
		snprintf(m->desc, sizeof m->desc, "aho-corasick%s, %zu words, %zu states%s",
			 m->flags & GP_M_ICASE ? " -i" : "", m->npats, gp_multi_states(m->multi),
			 m->flags & (GP_M_WORD | GP_M_LINE) ? ", lines checked by " : "");
		if (m->flags & (GP_M_WORD | GP_M_LINE))
			snprintf(m->desc + strlen(m->desc), sizeof m->desc - strlen(m->desc), "%s", eng);
		break;
	case M_LINES:
		if (m->ncode > 1)
			snprintf(m->desc, sizeof m->desc, "%s per line (%zu patterns in %zu regexes)",
				 eng, m->npats, m->ncode);
		else
			snprintf(m->desc, sizeof m->desc, "%s per line%s", eng,
				 m->npats > 1 ? " (several patterns)" : "");
		break;
	}
}

/* ---- construction ---- */

static pcre2_code *compile(const char *s, size_t n, uint32_t opts, int *ec, size_t *eo,
			   pcre2_compile_context *cc)
{
	PCRE2_SIZE off = 0;
	pcre2_code *c = pcre2_compile((PCRE2_SPTR)s, n, opts, ec, &off, cc);
	*eo = off;
	return c;
}

static bool jit(pcre2_code *c)
{
	return gp_jit_wanted() && pcre2_jit_compile(c, PCRE2_JIT_COMPLETE) == 0;
}

static int cmp_score(const void *a, const void *b)
{
	const size_t *x = a, *y = b; /* {score, len, index}: by score, then longer first */
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	return x[1] > y[1] ? -1 : x[1] < y[1];
}

/* Required literals of the single pattern -> m->cand. Returns false on OOM;
 * sets *whole when the pattern is one plain literal. */
static bool choose_literals(gp_matcher *m, const gp_pattern *pt, bool *whole)
{
	bool icase = m->flags & GP_M_ICASE;
	*whole = false;
	if (m->flags & GP_M_FIXED) {
		*whole = true;
		if (!gp_lit_init(&m->cand[0].lit, pt->p, pt->len, icase))
			return false;
		m->ncand = 1;
		return true;
	}
	size_t n = pt->len;
	unsigned char *dec = malloc(n + 1);
	gp_lit_run *runs = malloc((n + 1) * sizeof *runs);
	size_t(*order)[3] = malloc((n + 1) * sizeof *order);
	bool ok = dec && runs && order;
	size_t nr = ok ? gp_lit_extract(pt->p, n, dec, runs, whole) : 0;
	if (ok && *whole) {
		ok = gp_lit_init(&m->cand[0].lit, dec, nr ? runs[0].len : 0, icase);
		m->ncand = ok;
	} else if (ok) {
		size_t k = 0;
		for (size_t i = 0; i < nr; i++) {
			const unsigned char *s = dec + runs[i].off;
			size_t len = runs[i].len;
			if (len == 1 && gp_lit_byte_rank(s[0], icase) >= 200)
				continue; /* a frequent single byte: PCRE2 does as well */
			order[k][0] = gp_lit_score(s, len, icase);
			order[k][1] = len;
			order[k][2] = i;
			k++;
		}
		qsort(order, k, sizeof *order, cmp_score);
		for (size_t i = 0; i < k && m->ncand < MAX_CAND; i++) {
			const gp_lit_run *r = &runs[order[i][2]];
			bool dup = false;
			for (int j = 0; j < m->ncand; j++)
				dup |= m->cand[j].lit.n == r->len &&
				       memcmp(m->cand[j].lit.needle, dec + r->off, r->len) == 0;
			if (dup)
				continue;
			if (!gp_lit_init(&m->cand[m->ncand].lit, dec + r->off, r->len, icase)) {
				ok = false;
				break;
			}
			m->ncand++;
		}
	}
	free(dec);
	free(runs);
	free(order);
	return ok;
}

/* Compile pats[0..n) as one combined line pattern into m->code[m->ncode++],
 * splitting the set in halves while PCRE2 finds it too large. On failure
 * returns false with *err filled (pattern indices relative to pats + base). */
static bool compile_set(gp_matcher *m, const gp_pattern *pats, size_t n, size_t base,
			uint32_t opts, pcre2_compile_context *cc, gp_match_error *err)
{
	struct built bt = {0};
	bool ok = false;
	int ec = 0;
	size_t eo = 0;
	pcre2_code *c = NULL;
	bt.start = calloc(n, sizeof *bt.start);
	if (!bt.start)
		goto oom;
	/* branch reset keeps each pattern's group numbers; plain alternation
	 * if that fails (e.g. different names for the same group number) */
	for (int attempt = 0; attempt < (n > 1 ? 2 : 1) && !c; attempt++) {
		if (!build(&bt, pats, n, m->flags, attempt == 0))
			goto oom;
		c = compile(bt.s.p, bt.s.len, opts | (n > 1 ? PCRE2_DUPNAMES : 0), &ec, &eo, cc);
		if (!c && (ec == PCRE2_ERROR_NOMEMORY || ec == PCRE2_ERROR_PATTERN_TOO_LARGE))
			break;
	}
	if (!c && ec == PCRE2_ERROR_PATTERN_TOO_LARGE && n > 1) {
		gp_sb_free(&bt.s);
		free(bt.start);
		return compile_set(m, pats, n / 2, base, opts, cc, err) &&
		       compile_set(m, pats + n / 2, n - n / 2, base + n / 2, opts, cc, err);
	}
	if (!c) {
		if (ec == PCRE2_ERROR_NOMEMORY)
			goto oom;
		size_t pi = 0;
		while (pi + 1 < n && bt.start[pi + 1] <= eo)
			pi++;
		size_t off = eo > bt.start[pi] ? eo - bt.start[pi] : 0;
		set_pcre_err(err, base + pi, off > pats[pi].len ? pats[pi].len : off, ec);
		goto out;
	}
	pcre2_code **nc = realloc(m->code, (m->ncode + 1) * sizeof *nc);
	if (nc)
		m->code = nc;
	bool *nj = nc ? realloc(m->code_jit, (m->ncode + 1) * sizeof *nj) : NULL;
	if (nj)
		m->code_jit = nj;
	if (!nc || !nj) {
		pcre2_code_free(c);
		goto oom;
	}
	m->code[m->ncode] = c;
	m->code_jit[m->ncode] = jit(c);
	m->ncode++;
	ok = true;
	goto out;
oom:
	set_err(err, 0, 0, "out of memory");
out:
	gp_sb_free(&bt.s);
	free(bt.start);
	return ok;
}

gp_matcher *gp_matcher_new(const gp_pattern *pats_in, size_t npats, unsigned flags,
			   gp_match_error *err)
{
	if (err)
		memset(err, 0, sizeof *err);
	if (npats == 0 || !pats_in) {
		set_err(err, 0, 0, "no pattern");
		return NULL;
	}
	bool fixed = flags & GP_M_FIXED, icase = flags & GP_M_ICASE;
	uint32_t base = PCRE2_NEVER_UTF | (icase ? PCRE2_CASELESS : 0);
	int ec;
	size_t eo;
	gp_matcher *m = NULL;
	pcre2_compile_context *cc = NULL;
	gp_pattern *pats = malloc(npats * sizeof *pats); /* {NULL, 0} -> "" */
	if (!pats)
		goto oom;
	for (size_t i = 0; i < npats; i++) {
		pats[i] = pats_in[i];
		if (!pats[i].p)
			pats[i].p = "", pats[i].len = 0;
	}

	/* 1. each pattern alone, so errors name the pattern and PCRE2's offset */
	for (size_t i = 0; i < npats && !fixed; i++) {
		pcre2_code *c = compile(pats[i].p, pats[i].len, base, &ec, &eo, NULL);
		if (!c) {
			if (ec == PCRE2_ERROR_NOMEMORY)
				goto oom;
			set_pcre_err(err, i, eo, ec);
			goto fail;
		}
		pcre2_code_free(c);
	}

	m = calloc(1, sizeof *m);
	cc = pcre2_compile_context_create(NULL);
	if (!m || !cc)
		goto oom;
	m->flags = flags;
	m->npats = npats;
	if (npats > 1) {
		size_t total = 0;
		for (size_t i = 0; i < npats; i++)
			total += pats[i].len;
		m->pats = malloc(npats * sizeof *m->pats + total + 1);
		if (!m->pats)
			goto oom;
		char *blob = (char *)(m->pats + npats);
		for (size_t i = 0; i < npats; i++) {
			memcpy(blob, pats[i].p, pats[i].len);
			m->pats[i] = (gp_pattern){ blob, pats[i].len };
			blob += pats[i].len;
		}
	}
	m->window = WIN_INIT;
	m->md = pcre2_match_data_create(1, NULL);
	m->mctx = pcre2_match_context_create(NULL);
	if (!m->md || !m->mctx)
		goto oom;
	pcre2_set_newline(cc, PCRE2_NEWLINE_LF);

	/* 2. one plain literal: no PCRE2 at all */
	if (npats == 1) {
		bool whole;
		if (!choose_literals(m, &pats[0], &whole))
			goto oom;
		if (whole && !(flags & (GP_M_WORD | GP_M_LINE))) {
			m->mode = M_LITERAL;
			goto done;
		}
	}

	/* 3. the combined pattern for single lines */
	uint32_t opts = base | PCRE2_DOLLAR_ENDONLY;
	if (!compile_set(m, pats, npats, 0, opts, cc, err))
		goto fail;

	/* 4. strategy */
	bool plain = npats >= MULTI_MIN;
	for (size_t i = 0; i < npats && plain && !fixed; i++)
		plain = is_plain_literal(pats[i].p, pats[i].len);
	if (plain && (m->multi = gp_multi_new(pats, npats, icase)) != NULL) {
		for (int j = 0; j < m->ncand; j++)
			gp_lit_free(&m->cand[j].lit);
		m->ncand = 0;
		m->mode = M_MULTI;
	} else if (m->ncand > 0 && m->cand[0].lit.n > 0) {
		m->mode = M_PREFILTER;
	} else {
		for (int j = 0; j < m->ncand; j++)
			gp_lit_free(&m->cand[j].lit);
		m->ncand = 0;
		bool safe = m->ncode == 1;
		for (size_t i = 0; i < npats && safe && !fixed; i++)
			safe = span_safe(pats[i].p, pats[i].len);
		m->mode = M_LINES;
		if (safe) {
			struct built bt = {0};
			size_t st[1];
			bt.start = npats == 1 ? st : calloc(npats, sizeof *bt.start);
			if (!bt.start || !build(&bt, pats, npats, flags, true)) {
				gp_sb_free(&bt.s);
				if (bt.start != st)
					free(bt.start);
				goto oom;
			}
			uint32_t sopts = base | PCRE2_MULTILINE | (npats > 1 ? PCRE2_DUPNAMES : 0);
			m->span_code = compile(bt.s.p, bt.s.len, sopts, &ec, &eo, cc);
			gp_sb_free(&bt.s);
			if (bt.start != st)
				free(bt.start);
			if (!m->span_code && ec == PCRE2_ERROR_NOMEMORY)
				goto oom;
			if (m->span_code) {
				m->span_jit = jit(m->span_code);
				m->mode = M_SPAN;
			}
		}
	}
	bool anyjit = m->span_jit;
	for (size_t i = 0; i < m->ncode; i++)
		anyjit |= m->code_jit[i];
	if (anyjit) {
		m->jstack = pcre2_jit_stack_create(32 * 1024, 8 * 1024 * 1024, NULL);
		if (!m->jstack)
			goto oom;
		pcre2_jit_stack_assign(m->mctx, NULL, m->jstack);
	}
done:
	m->settled = m->ncand <= 1;
	update_desc(m);
	free(pats);
	pcre2_compile_context_free(cc);
	return m;
oom:
	set_err(err, 0, 0, "out of memory");
fail:
	free(pats);
	pcre2_compile_context_free(cc);
	gp_matcher_free(m);
	return NULL;
}

void gp_matcher_free(gp_matcher *m)
{
	if (!m)
		return;
	for (int j = 0; j < m->ncand; j++)
		gp_lit_free(&m->cand[j].lit);
	for (size_t i = 0; i < m->ncode; i++)
		pcre2_code_free(m->code[i]);
	free(m->code);
	free(m->code_jit);
	pcre2_code_free(m->span_code);
	pcre2_match_data_free(m->md);
	pcre2_match_context_free(m->mctx);
	pcre2_jit_stack_free(m->jstack);
	gp_multi_free(m->multi);
	for (size_t i = 0; m->pcode && i < m->npats; i++)
		pcre2_code_free(m->pcode[i]);
	free(m->pcode);
	free(m->pcode_jit);
	free(m->pats);
	gp_rx_retry_free(&m->retry);
	free(m);
}

const char *gp_matcher_describe(const gp_matcher *m)
{
	return m ? m->desc : "(none)";
}

bool gp_matcher_is_literal(const gp_matcher *m)
{
	return m && m->mode == M_LITERAL;
}

/* ---- matching ---- */

static inline int run(gp_matcher *m, const pcre2_code *code, bool usejit, const char *s,
		      size_t len, size_t start)
{
	if (usejit)
		return pcre2_jit_match(code, (PCRE2_SPTR)s, len, start, 0, m->md, m->mctx);
	return pcre2_match(code, (PCRE2_SPTR)s, len, start, 0, m->md, m->mctx);
}

void gp_matcher_on_undecided(gp_matcher *m, gp_matcher_undecided_fn fn, void *arg, bool as_match)
{
	m->on_undecided = fn;
	m->undecided_arg = arg;
	m->undecided_matches = as_match;
}

enum { K_LINE, K_NEXT }; /* what was asked about an undecided subject */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a */
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 0x100000001b3ull;
	return h;
}

/* Was this very question (same bytes at the same address) undecided last? */
static bool asked_before(gp_matcher *m, int kind, const char *s, size_t len, size_t start,
			 uint64_t *hash)
{
	*hash = hash_bytes(s, len);
	return m->last.valid && m->last.kind == kind && m->last.p == s && m->last.len == len &&
	       m->last.start == start && m->last.hash == *hash;
}

/* The slow path of a PCRE2 error rc: a resource limit is tried again with
 * larger ones, unless this subject was undecided just before. */
static int retry(gp_matcher *m, int kind, const pcre2_code *code, bool usejit, const char *s,
		 size_t len, size_t start, int rc)
{
	uint64_t h;
	if (asked_before(m, kind, s, len, start, &h))
		return m->last.rc;
	if (gp_rx_limit(rc))
		rc = gp_rx_retry_match(&m->retry, code, usejit, s, len, start, 0, m->md);
	return rc;
}

/* PCRE2 could not decide s (error rc): tell the caller once. */
static void undecided(gp_matcher *m, int kind, const char *s, size_t len, size_t start, int rc)
{
	uint64_t h;
	if (asked_before(m, kind, s, len, start, &h))
		return;
	m->last.p = s, m->last.len = len, m->last.start = start, m->last.hash = h;
	m->last.kind = kind, m->last.rc = rc, m->last.valid = true;
	if (m->on_undecided) {
		char why[256];
		gp_rx_why(rc, "this line", why, sizeof why);
		m->on_undecided(m->undecided_arg, s, len, why);
	}
}

static bool per_pattern(gp_matcher *m);

/* The combined regex stopped on a line (error err): with several patterns,
 * each alone may still decide it (one matches); else it is undecided. */
static bool line_undecided(gp_matcher *m, const char *s, size_t len, int err)
{
	if (m->npats > 1 && per_pattern(m)) {
		int e2 = 0;
		for (size_t i = 0; i < m->npats; i++) {
			int rc = run(m, m->pcode[i], m->pcode_jit[i], s, len, 0);
			if (rc < PCRE2_ERROR_NOMATCH)
				rc = retry(m, K_LINE, m->pcode[i], m->pcode_jit[i], s, len, 0, rc);
			if (rc >= 0)
				return true;
			if (rc < PCRE2_ERROR_NOMATCH)
				e2 = rc;
		}
		if (e2 == 0)
			return false; /* the pieces said no match after all */
		err = e2;
	}
	undecided(m, K_LINE, s, len, 0, err);
	return m->undecided_matches;
}

static inline bool line_ok(gp_matcher *m, const char *s, size_t len)
{
	int err = 0;
	for (size_t i = 0; i < m->ncode; i++) {
		int rc = run(m, m->code[i], m->code_jit[i], s, len, 0);
		if (__builtin_expect(rc < PCRE2_ERROR_NOMATCH, 0)) {
			rc = retry(m, K_LINE, m->code[i], m->code_jit[i], s, len, 0, rc);
			if (rc < PCRE2_ERROR_NOMATCH) {
				err = rc; /* another piece may still match */
				continue;
			}
		}
		/* rc 0 means "matched, ovector too small": still a match */
		if (rc >= 0)
			return true;
	}
	if (__builtin_expect(err != 0, 0))
		return line_undecided(m, s, len, err);
	return false;
}

bool gp_matcher_line_matches(gp_matcher *m, const char *line, size_t len)
{
	if (!line)
		line = "", len = 0;
	if (m->mode == M_LITERAL)
		return gp_lit_find(&m->cand[0].lit, line, len) != GP_LIT_NONE;
	if (m->mode == M_MULTI) {
		if (gp_multi_find(m->multi, line, len, 0, -1) == (size_t)-1)
			return false;
		return !(m->flags & (GP_M_WORD | GP_M_LINE)) || line_ok(m, line, len);
	}
	return line_ok(m, line, len);
}

/* Each pattern compiled alone (as a one-pattern matcher would), for the
 * longest of their matches. False (and the combined code is used, which
 * prefers the first-listed pattern) only when out of memory. */
static bool per_pattern(gp_matcher *m)
{
	if (m->pcode_tried)
		return m->pcode != NULL;
	m->pcode_tried = true;
	uint32_t opts = PCRE2_NEVER_UTF | PCRE2_DOLLAR_ENDONLY |
			(m->flags & GP_M_ICASE ? PCRE2_CASELESS : 0);
	pcre2_compile_context *cc = pcre2_compile_context_create(NULL);
	pcre2_code **pc = calloc(m->npats, sizeof *pc);
	bool *pj = calloc(m->npats, sizeof *pj);
	struct built bt = { 0 };
	size_t st[1];
	bt.start = st;
	bool ok = cc && pc && pj;
	if (cc)
		pcre2_set_newline(cc, PCRE2_NEWLINE_LF);
	for (size_t i = 0; i < m->npats && ok; i++) {
		int ec;
		size_t eo;
		ok = build(&bt, &m->pats[i], 1, m->flags, true) &&
		     (pc[i] = compile(bt.s.p, bt.s.len, opts, &ec, &eo, cc)) != NULL;
		if (ok)
			pj[i] = jit(pc[i]);
	}
	gp_sb_free(&bt.s);
	pcre2_compile_context_free(cc);
	if (!ok) {
		for (size_t i = 0; pc && i < m->npats; i++)
			pcre2_code_free(pc[i]);
		free(pc);
		free(pj);
		return false;
	}
	m->pcode = pc;
	m->pcode_jit = pj;
	return true;
}

bool gp_matcher_next_match(gp_matcher *m, const char *line, size_t len, size_t start,
			   size_t *ms, size_t *me)
{
	if (!line)
		line = "", len = 0;
	if (start > len)
		return false;
	if (m->mode == M_LITERAL) {
		const gp_lit *l = &m->cand[0].lit;
		size_t h = gp_lit_find(l, line + start, len - start);
		if (h == GP_LIT_NONE)
			return false;
		*ms = start + h, *me = start + h + l->n;
		return true;
	}
	if (m->mode == M_MULTI && !(m->flags & (GP_M_WORD | GP_M_LINE)))
		return gp_multi_longest(m->multi, line, len, start, ms, me);
	pcre2_code **code = m->code;
	bool *cjit = m->code_jit;
	size_t n = m->ncode;
	if (m->npats > 1 && per_pattern(m))
		code = m->pcode, cjit = m->pcode_jit, n = m->npats;
	bool found = false;
	int err = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = run(m, code[i], cjit[i], line, len, start);
		if (__builtin_expect(rc < PCRE2_ERROR_NOMATCH, 0)) {
			rc = retry(m, K_NEXT, code[i], cjit[i], line, len, start, rc);
			if (rc < PCRE2_ERROR_NOMATCH) {
				err = rc;
				continue;
			}
		}
		if (rc < 0)
			continue;
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
		size_t s = ov[0], e = ov[1] < ov[0] ? ov[0] : ov[1]; /* \K in a lookahead */
		/* leftmost; at the same start the longest (GNU grep) */
		if (!found || s < *ms || (s == *ms && e > *me)) {
			*ms = s, *me = e;
			found = true;
		}
	}
	if (__builtin_expect(err != 0, 0)) {
		/* the undecided pattern might have matched earlier or longer */
		undecided(m, K_NEXT, line, len, start, err);
		return false;
	}
	return found;
}

/* End of the line holding offset at (its eol's offset, or len). */
static inline size_t line_end(const char *buf, size_t len, size_t at, char eol)
{
	const char *e = at < len ? memchr(buf + at, eol, len - at) : NULL;
	return e ? (size_t)(e - buf) : len;
}

/* Start of the line holding offset at, given that lo is a line start <= at. */
static inline size_t line_start(const char *buf, size_t lo, size_t at, char eol)
{
	const char *s = at > lo ? memrchr(buf + lo, eol, at - lo) : NULL;
	return s ? (size_t)(s - buf) + 1 : lo;
}

static bool scan_lines(gp_matcher *m, const char *buf, size_t end, size_t cur, char eol,
		       size_t *ls, size_t *le)
{
	while (cur < end) {
		size_t e = line_end(buf, end, cur, eol);
		if (line_ok(m, buf + cur, e - cur)) {
			*ls = cur, *le = e;
			return true;
		}
		cur = e + 1;
	}
	return false;
}

/* After sampling each required literal, keep the one with the fewest hits
 * per byte scanned. */
static void explore(gp_matcher *m)
{
	struct cand *c = &m->cand[m->cur];
	if (c->hits < SAMPLE_HITS && c->bytes < SAMPLE_BYTES)
		return;
	if (m->cur + 1 < m->ncand) {
		m->cur++;
	} else {
		int best = 0;
		for (int j = 1; j < m->ncand; j++) {
			/* hits per byte; +1 keeps an unlucky empty sample finite */
			double a = (double)(m->cand[j].hits + 1) / (double)(m->cand[j].bytes + 1);
			double b = (double)(m->cand[best].hits + 1) / (double)(m->cand[best].bytes + 1);
			if (a < b)
				best = j;
		}
		m->cur = best;
		m->settled = true;
	}
	update_desc(m);
}

static bool find_lit(gp_matcher *m, const char *buf, size_t len, size_t cur, char eol,
		     size_t *ls, size_t *le)
{
	const bool proof = m->mode == M_LITERAL;
	while (cur < len) {
		struct cand *c = &m->cand[m->cur];
		size_t h = gp_lit_find(&c->lit, buf + cur, len - cur);
		if (h == GP_LIT_NONE) {
			c->bytes += len - cur;
			if (!m->settled)
				explore(m);
			return false;
		}
		size_t at = cur + h;
		c->hits++;
		c->bytes += h + 1;
		size_t e = line_end(buf, len, at, eol);
		if (at + c->lit.n <= e) { /* the hit lies within one line */
			size_t s = line_start(buf, cur, at, eol);
			if (proof || line_ok(m, buf + s, e - s)) {
				*ls = s, *le = e;
				if (!m->settled)
					explore(m);
				return true;
			}
		}
		/* no occurrence of the literal fits in this line: go to the next */
		cur = e + 1;
		if (!m->settled)
			explore(m);
	}
	return false;
}

static bool find_span(gp_matcher *m, const char *buf, size_t len, size_t cur, char eol,
		      size_t *ls, size_t *le)
{
	while (cur < len) {
		size_t wend = len;
		if (len - cur > m->window)
			wend = line_end(buf, len, cur + m->window, eol) + 1;
		if (wend > len)
			wend = len;
		int rc = run(m, m->span_code, m->span_jit, buf + cur, wend - cur, 0);
		if (rc == PCRE2_ERROR_NOMATCH) {
			cur = wend;
			if (m->window < WIN_MAX)
				m->window *= 2;
			continue;
		}
		if (rc < 0) { /* a resource limit over the span: go line by line */
			if (scan_lines(m, buf, wend, cur, eol, ls, le))
				return true;
			cur = wend;
			continue;
		}
		PCRE2_SIZE *ov = pcre2_get_ovector_pointer(m->md);
		size_t ms = cur + ov[0], me = cur + ov[1];
		if (ms == wend && buf[wend - 1] == eol) {
			/* an empty match after the window's last eol belongs to the
			 * next line, which the next window examines */
			cur = wend;
			continue;
		}
		size_t s = line_start(buf, cur, ms, eol), e = line_end(buf, len, ms, eol);
		if (me <= e) { /* within one line */
			*ls = s, *le = e;
			return true;
		}
		/* crossed an eol: this line decides alone; cross less next time */
		if (m->window > WIN_MIN)
			m->window /= 4;
		if (line_ok(m, buf + s, e - s)) {
			*ls = s, *le = e;
			return true;
		}
		cur = e + 1;
	}
	return false;
}

/* Plain literal sets: the automaton finds a line with a word; -w and -x
 * lines are then checked by the regex. */
static bool find_multi(gp_matcher *m, const char *buf, size_t len, size_t cur, char eol,
		       size_t *ls, size_t *le)
{
	while (cur < len) {
		size_t end = gp_multi_find(m->multi, buf, len, cur, (unsigned char)eol);
		if (end == (size_t)-1)
			return false;
		size_t s = line_start(buf, cur, end - 1, eol), e = line_end(buf, len, end - 1, eol);
		if (!(m->flags & (GP_M_WORD | GP_M_LINE)) || line_ok(m, buf + s, e - s)) {
			*ls = s, *le = e;
			return true;
		}
		cur = e + 1;
	}
	return false;
}

bool gp_matcher_find_line(gp_matcher *m, const char *buf, size_t len, size_t from, char eol,
			  size_t *ls, size_t *le)
{
	if (!buf || from >= len)
		return false;
	switch (m->mode) {
	case M_MULTI:
		return find_multi(m, buf, len, from, eol, ls, le);
	case M_LITERAL:
	case M_PREFILTER:
		return find_lit(m, buf, len, from, eol, ls, le);
	case M_SPAN:
		if (eol == '\n')
			return find_span(m, buf, len, from, eol, ls, le);
		/* fall through: multiline mode knows only '\n' as a line end */
	case M_LINES:
		break;
	}
	return scan_lines(m, buf, len, from, eol, ls, le);
}
