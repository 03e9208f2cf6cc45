/* --explain (DESIGN §8): the chain that would run, printed on stdout before
 * anything is read: the implicit input stages with the inputs and the formats
 * their first bytes show, each stage with its resolved arguments, and the
 * output.
 *
 * Rules: reads only the first bytes of each input (to name its layers) and
 * no records; prints on stdout, and main checks stdout for a write error. */
#ifndef GP_EXPLAIN_H
#define GP_EXPLAIN_H

#include "options.h"
#include "plan.h"

void gp_print_explain(const gp_plan *plan, const gp_options *o, const char *const *files,
		      size_t nfiles);

#endif
