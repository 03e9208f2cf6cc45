/* Many fixed strings at once: an Aho-Corasick automaton compiled to a dense
 * DFA over byte classes (bytes that no pattern uses share one class), so the
 * scan is one table lookup per byte whatever the number of patterns. grep
 * uses it for sets of plain literals (-F, or -e/-f words without regex
 * syntax), where one PCRE2 alternation of a thousand words crawls. */
#ifndef GP_MULTI_H
#define GP_MULTI_H

#include <stdbool.h>
#include <stddef.h>

#include "matcher.h"

typedef struct gp_multi gp_multi;

/* NULL when a pattern is empty, the automaton would exceed its memory bound
 * (64 MiB), or out of memory: the caller keeps its regex path. icase folds
 * ASCII letters. */
gp_multi *gp_multi_new(const gp_pattern *pats, size_t n, bool icase);
void gp_multi_free(gp_multi *m);

/* The end offset of the first match in s[from .. len), or (size_t)-1.
 * A match never contains the byte eol (-1: no such byte). */
size_t gp_multi_find(gp_multi *m, const char *s, size_t len, size_t from, int eol);

/* GNU grep's choice among the words in s[from..len) (which holds no line
 * end): the match that starts first, and of those starting there the
 * longest. Sets [*ms, *me); false if no word occurs. */
bool gp_multi_longest(gp_multi *m, const char *s, size_t len, size_t from, size_t *ms, size_t *me);

/* States of the automaton, for --explain. */
size_t gp_multi_states(const gp_multi *m);

#endif
