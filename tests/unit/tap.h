/* tap.h - the Test Anything Protocol for the C unit tests, shared by every
 * tests/unit/test_*.c (each is one program, so the state is static here).
 *
 *   ok(cond, "what %d", x)   one numbered "ok" / "not ok" line; returns cond
 *   skip("what", "why")      one "ok N - what # skip why" line
 *   return tap_done();       the plan line "1..N" last; exit status 1 on a failure
 *
 * Output is line-buffered or flushed per line, so a crash shows the last test. */
#ifndef GP_TEST_TAP_H
#define GP_TEST_TAP_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>

static int ntests, nfailed;

static bool ok(bool cond, const char *fmt, ...) __attribute__((format(printf, 2, 3), unused));
static bool ok(bool cond, const char *fmt, ...)
{
	va_list ap;
	ntests++;
	if (!cond)
		nfailed++;
	printf("%s %d - ", cond ? "ok" : "not ok", ntests);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	putchar('\n');
	fflush(stdout);
	return cond;
}

static void skip(const char *what, const char *why) __attribute__((unused));
static void skip(const char *what, const char *why)
{
	printf("ok %d - %s # skip %s\n", ++ntests, what, why);
	fflush(stdout);
}

static int tap_done(void)
{
	printf("1..%d\n", ntests);
	if (nfailed)
		printf("# %d of %d tests failed\n", nfailed, ntests);
	return nfailed ? 1 : 0;
}

#endif
