/* One compiled PCRE2 pattern, as the field stages use it (where's =~,
 * parse -r, replace): compiled once at open with LF newlines, JIT-compiled
 * when wanted, with its match data and an 8 MiB-bounded JIT stack, all
 * released by the stage's scope. grep has its own engine (matcher.h).
 *
 * A match that stops on one of PCRE2's resource limits (backtracking, depth,
 * heap, JIT stack) is not a "no match": it is tried once more with ten times
 * the limits and a 256 MiB JIT stack (gp_rx_retry, shared with matcher.c);
 * if that fails too, the caller gets the error and must say so. */
#ifndef GP_RX_H
#define GP_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../core/scope.h"

/* The second attempt after a resource-limit error: its match context and
 * JIT stack are made on first use (most runs never need them) and kept.
 * A zeroed struct is ready; gp_rx_retry_free releases it. */
typedef struct gp_rx_retry {
	pcre2_match_context *mctx; /* 10x PCRE2's match and depth limits */
	pcre2_jit_stack *js;	   /* up to 256 MiB */
} gp_rx_retry;

/* Is rc one of PCRE2's resource-limit errors (worth a retry)? */
static inline bool gp_rx_limit(int rc)
{
	return rc == PCRE2_ERROR_MATCHLIMIT || rc == PCRE2_ERROR_DEPTHLIMIT ||
	       rc == PCRE2_ERROR_HEAPLIMIT || rc == PCRE2_ERROR_JIT_STACKLIMIT ||
	       rc == PCRE2_ERROR_NOMEMORY;
}

/* pcre2_match again with larger limits (JIT when jit, else the interpreter). */
int gp_rx_retry_match(gp_rx_retry *rt, const pcre2_code *code, bool jit, const char *s, size_t len,
		      size_t start, uint32_t opts, pcre2_match_data *md);
void gp_rx_retry_free(gp_rx_retry *rt);

/* Why a match could not be decided, for messages: "pattern too complex for
 * this line (PCRE2 backtracking limit)" with subject "this line", "pattern
 * too complex (PCRE2 heap limit)" with NULL; other errors "cannot match
 * this line: <PCRE2's message>". */
void gp_rx_why(int rc, const char *subject, char *buf, size_t cap);

typedef struct gp_rx {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *js;
	gp_rx_retry *retry;
	bool jit;
} gp_rx;

/* False with GPIPE_NO_JIT set (not "0") or under valgrind: PCRE2's JIT reads
 * aligned words past the subject, which memcheck reports. */
bool gp_jit_wanted(void);

/* Compiles pat[0..len) with opts. Returns 0, or -1 with PCRE2's message in
 * err and the offending offset in the pattern in *erroff (an offset equal to
 * len means the end; out of memory gives erroff 0 and "out of memory"). */
int gp_rx_compile(gp_rx *r, gp_scope *scope, const char *pat, size_t len, uint32_t opts, char *err,
		  size_t errcap, size_t *erroff);

/* pcre2_match's result for s[0..len) from start: >= 0 a match (in r->md),
 * PCRE2_ERROR_NOMATCH none, any other negative value undecided (a resource
 * limit even after the retry, or another PCRE2 error: see gp_rx_why). */
static inline int gp_rx_match(const gp_rx *r, const char *s, size_t len, size_t start,
			      uint32_t opts)
{
	PCRE2_SPTR subject = (PCRE2_SPTR)(len ? s : "");
	int rc;
	if (r->jit)
		rc = pcre2_jit_match(r->code, subject, len, start, opts, r->md, r->mctx);
	else
		rc = pcre2_match(r->code, subject, len, start, opts, r->md, r->mctx);
	if (__builtin_expect(rc < PCRE2_ERROR_NOMATCH, 0) && gp_rx_limit(rc))
		rc = gp_rx_retry_match(r->retry, r->code, r->jit, (const char *)subject, len, start,
				       opts, r->md);
	return rc;
}

#endif
