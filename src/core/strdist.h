/* The distance between two short names, for "did you mean" suggestions
 * (stage names, function names of the expression language).
 *
 * Rules: optimal string alignment (Levenshtein plus the swap of two adjacent
 * characters as one edit, each substring edited once): "uper" is 1 from
 * "upper", "gerp" 1 from "grep". Names of GP_STRDIST_MAX bytes or more are
 * not compared (the result is GP_STRDIST_MAX); the work is on the stack, so
 * nothing is allocated. Bytes are compared as they are (case matters). */
#ifndef GP_STRDIST_H
#define GP_STRDIST_H

#include <stddef.h>

#define GP_STRDIST_MAX 32

size_t gp_strdist(const char *a, size_t la, const char *b, size_t lb);

#endif
