/* Numbers as the expression language reads and prints them: decimal text
 * with an optional unit (durations in seconds, sizes in bytes).
 *
 * Rules:
 *  - Pure functions over the caller's bytes: nothing is allocated, nothing is
 *    kept, the input need not be NUL-terminated.
 *  - A number is an int64 when it is written as an integer that fits (and a
 *    unit of whole seconds or bytes keeps it one); otherwise a double, the
 *    value strtod would give. Both are returned, *d always set on success.
 *  - Called per record (where, set): no locale, no errno left behind. */
#ifndef GP_NUM_H
#define GP_NUM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Parses p[0..len) as a number with an optional unit: durations (ns us ms s
 * m h d, in seconds) and sizes (B K KB KiB M MB MiB G GB GiB T TB TiB, binary
 * multiples). Blanks around are allowed. False when it is no number. */
bool gp_num_parse(const char *p, size_t len, bool *isint, int64_t *i, double *d);

/* Writes a number the way the language prints it: an integer as digits,
 * otherwise the shortest %.15g..%.17g text that reads back exactly.
 * buf needs 32 bytes; returns the length. */
size_t gp_num_format(char *buf, bool isint, int64_t i, double d);

#endif
