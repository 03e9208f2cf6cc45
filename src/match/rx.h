/* One compiled PCRE2 pattern, as the field stages use it (where's =~,
 * parse -r, replace): compiled once at open with LF newlines, JIT-compiled
 * when wanted, with its match data and an 8 MiB-bounded JIT stack, all
 * released by the stage's scope. grep has its own engine (matcher.h). */
#ifndef GP_RX_H
#define GP_RX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include "../core/scope.h"

typedef struct gp_rx {
	pcre2_code *code;
	pcre2_match_data *md;
	pcre2_match_context *mctx;
	pcre2_jit_stack *js;
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

/* pcre2_match's result for s[0..len) from start. */
static inline int gp_rx_match(const gp_rx *r, const char *s, size_t len, size_t start,
			      uint32_t opts)
{
	PCRE2_SPTR subject = (PCRE2_SPTR)(len ? s : "");
	if (r->jit)
		return pcre2_jit_match(r->code, subject, len, start, opts, r->md, r->mctx);
	return pcre2_match(r->code, subject, len, start, opts, r->md, r->mctx);
}

#endif
