/* Unit tests of core/num (numbers with units: parsing, and formatting that
 * reads back exactly) and core/strdist (the distance behind "did you mean").
 * TAP output. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/num.h"
#include "core/strdist.h"
#include "tap.h"

static void test_numbers(void)
{
	static const struct {
		const char *s;
		bool isint;
		int64_t i;
		double d;
	} cases[] = {
		{ "42", true, 42, 42 },     { "-7", true, -7, -7 },      { " 5\t", true, 5, 5 },
		{ "1.5", false, 0, 1.5 },   { ".5", false, 0, 0.5 },     { "5.", false, 0, 5 },
		{ "1e3", false, 0, 1000 },  { "250ms", false, 0, 0.25 }, { "2m", true, 120, 120 },
		{ "1.5h", false, 0, 5400 }, { "10KB", true, 10240, 10240 }, { "1GiB", true, 1073741824, 1073741824 },
		{ "9223372036854775807", true, INT64_MAX, 9223372036854775807.0 },
		{ "-9223372036854775808", true, INT64_MIN, -9223372036854775808.0 },
		{ "9223372036854775808", false, 0, 9223372036854775808.0 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		bool isint = false;
		int64_t i = 0;
		double d = 0;
		bool r = gp_num_parse(cases[k].s, strlen(cases[k].s), &isint, &i, &d);
		ok(r && isint == cases[k].isint && (!isint || i == cases[k].i) && d == cases[k].d,
		   "parse '%s'", cases[k].s);
	}
	static const char *const bad[] = { "", "-", ".", "1.2.3", "12abc", "1e", "0x10", "5 5", "e5", "10kb", "inf" };
	for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
		bool isint;
		int64_t i;
		double d;
		ok(!gp_num_parse(bad[k], strlen(bad[k]), &isint, &i, &d), "not a number: '%s'", bad[k]);
	}
	/* Decimals take a fast path: it must agree with strtod. */
	srand(5);
	int agree = 0, total = 20000;
	char buf[32];
	for (int k = 0; k < total; k++) {
		int n = snprintf(buf, sizeof buf, "%s%d.%0*d", rand() % 2 ? "-" : "", rand() % 100000,
				 1 + rand() % 9, rand() % 1000000000);
		bool isint;
		int64_t i;
		double d;
		agree += gp_num_parse(buf, (size_t)n, &isint, &i, &d) && !isint && d == strtod(buf, NULL);
	}
	ok(agree == total, "decimal fast path agrees with strtod (%d of %d)", agree, total);
	gp_num_format(buf, false, 0, 0.1 + 0.2);
	ok(strcmp(buf, "0.30000000000000004") == 0, "format 0.1+0.2 (%s)", buf);
	gp_num_format(buf, false, 0, 1e100);
	ok(strcmp(buf, "1e+100") == 0, "format 1e100 (%s)", buf);
	gp_num_format(buf, true, INT64_MIN, 0);
	ok(strcmp(buf, "-9223372036854775808") == 0, "format INT64_MIN");
}

static void test_strdist(void)
{
	static const struct {
		const char *a, *b;
		size_t d;
	} cases[] = {
		{ "", "", 0 },        { "upper", "upper", 0 }, { "uper", "upper", 1 }, { "gerp", "grep", 1 },
		{ "hed", "head", 1 }, { "lenn", "len", 1 },    { "ell", "len", 2 },    { "ab", "ba", 1 },
		{ "ca", "abc", 3 },   { "foo", "len", 3 },     { "Upper", "upper", 1 }, { "", "abc", 3 },
	};
	for (size_t k = 0; k < sizeof cases / sizeof cases[0]; k++) {
		size_t d = gp_strdist(cases[k].a, strlen(cases[k].a), cases[k].b, strlen(cases[k].b));
		ok(d == cases[k].d, "distance '%s' '%s' = %zu (%zu)", cases[k].a, cases[k].b, cases[k].d, d);
	}
	char lng[GP_STRDIST_MAX + 1];
	memset(lng, 'a', sizeof lng);
	ok(gp_strdist(lng, GP_STRDIST_MAX, "a", 1) == GP_STRDIST_MAX, "too long a name is not compared");
}

int main(void)
{
	test_numbers();
	test_strdist();
	return tap_done();
}
