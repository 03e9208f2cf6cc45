/* The line matcher behind `grep`: PCRE2 with JIT, fronted by literal
 * prefilters, searching a whole buffer of lines at once.
 *
 * Semantics are those of `LC_ALL=C grep -E/-P`: bytes are bytes (no UTF mode,
 * invalid UTF-8 is fine), a match never spans a line delimiter, -i folds ASCII
 * case only, -w requires non-word bytes (or line edges) on both sides of the
 * match, -x requires the match to be the whole line, several patterns match a
 * line if any of them does.
 *
 * Ownership: the matcher owns its compiled code and match data; one matcher is
 * used by one thread. gp_matcher_free(NULL) is a no-op.
 */
#ifndef GP_MATCHER_H
#define GP_MATCHER_H

#include <stdbool.h>
#include <stddef.h>

enum {
	GP_M_ICASE = 1 << 0, /* -i */
	GP_M_WORD = 1 << 1,  /* -w */
	GP_M_LINE = 1 << 2,  /* -x */
	GP_M_FIXED = 1 << 3, /* -F: patterns are literal strings */
};

typedef struct gp_pattern {
	const char *p;
	size_t len;
} gp_pattern;

typedef struct gp_match_error {
	size_t pattern; /* index of the offending pattern */
	size_t offset;  /* byte offset in that pattern (PCRE2's erroroffset) */
	char msg[256];  /* PCRE2's own message, e.g. "missing closing parenthesis" */
} gp_match_error;

typedef struct gp_matcher gp_matcher;

/* Compile npats >= 1 patterns. Returns NULL and fills *err on a bad pattern
 * (or out of memory: pattern 0, offset 0, msg "out of memory"). */
gp_matcher *gp_matcher_new(const gp_pattern *pats, size_t npats, unsigned flags,
			   gp_match_error *err);
void gp_matcher_free(gp_matcher *m);

/* buf[0..len) is a run of complete lines, each terminated by `eol` (the last
 * byte of buf is eol when len > 0). Starting at offset `from` (always the start
 * of a line), find the first line that contains a match. On success sets
 * *ls to the line's start offset and *le to its end (offset of its eol byte)
 * and returns true; returns false if no line in [from, len) matches.
 * This is the hot path: it searches the whole buffer for the pattern (or its
 * rarest required literal) and only then looks for the line around a hit. */
bool gp_matcher_find_line(gp_matcher *m, const char *buf, size_t len, size_t from,
			  char eol, size_t *ls, size_t *le);

/* Does the single line line[0..len) (no eol inside) match? */
bool gp_matcher_line_matches(gp_matcher *m, const char *line, size_t len);

/* Within the single line line[0..len), find the leftmost match that starts at
 * or after `start`: the earliest start; with several patterns, the longest
 * of the patterns' matches that start there (GNU grep's rule: -e foo -e
 * foobar on "foobar" gives foobar); within one pattern, the match PCRE2
 * gives (leftmost-first: "a|ab" on "ab" gives a). Sets *ms,*me and returns
 * true; false if none. Empty matches are reported too; callers that print
 * matches (-o, --color) skip them and retry at start+1, as grep. */
bool gp_matcher_next_match(gp_matcher *m, const char *line, size_t len, size_t start,
			   size_t *ms, size_t *me);

/* A line PCRE2 cannot decide: it stopped at a resource limit (backtracking,
 * depth, heap, JIT stack), even when tried again with ten times the limits
 * and a larger JIT stack, or failed otherwise. Such a line is neither a
 * match nor a non-match. The matcher calls fn(arg, line, len, why) once for
 * it (why: "pattern too complex for this line (PCRE2 backtracking limit)";
 * line points into the caller's buffer) and then answers as_match for it:
 * a caller keeping the lines that do not match (-v) passes true, so that
 * the line is left out either way. next_match stops at such a line (false).
 * Without a callback the line does not match, silently: set one. */
typedef void (*gp_matcher_undecided_fn)(void *arg, const char *line, size_t len, const char *why);
void gp_matcher_on_undecided(gp_matcher *m, gp_matcher_undecided_fn fn, void *arg, bool as_match);

/* A short description for --explain, e.g. "literal memmem", "pcre2-jit,
 * prefilter 'status=5'". Static or matcher-owned string. */
const char *gp_matcher_describe(const gp_matcher *m);

/* The matcher is a literal search alone (no regex engine): it runs at the
 * speed memory is read, so -j gains nothing from spreading it. */
bool gp_matcher_is_literal(const gp_matcher *m);

#endif
