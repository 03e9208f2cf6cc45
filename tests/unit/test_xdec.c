/* agg/xdec: exact sums of decimal text, against values worked out by hand
 * and against a shuffled order of the same values. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../src/agg/acc.h"
#include "../../src/agg/xdec.h"

static const char *text_of(const gp_xdec *s)
{
	static char buf[GP_XDEC_TEXT];
	gp_xdec_text(s, buf);
	return buf;
}

static gp_xdec sum_of(const char *const *v, size_t n)
{
	gp_xdec s;
	gp_xdec_init(&s);
	for (size_t i = 0; i < n; i++)
		gp_xdec_add_text(&s, v[i], strlen(v[i]));
	return s;
}

int main(void)
{
	const char *a[] = { "0.1", "0.2" };
	gp_xdec s = sum_of(a, 2);
	ok(s.valid && strcmp(text_of(&s), "0.3") == 0 && gp_xdec_result(&s) == 0.3, "0.1 + 0.2 is 0.3 (%s)",
	   text_of(&s));

	const char *big[] = { "12345678901234567", "98765432109876543", "-1" };
	s = sum_of(big, 3);
	ok(strcmp(text_of(&s), "111111111011111109") == 0, "17-digit integers keep every digit (%s)", text_of(&s));

	const char *ex[] = { "1e3", "2.5E-4", "-0.00025", "1.50", "-0", "+2", "0.000000000000000001" };
	s = sum_of(ex, 7);
	ok(s.valid && strcmp(text_of(&s), "1003.500000000000000001") == 0, "exponents, signs, trailing zeros (%s)",
	   text_of(&s));

	const char *bad[][1] = { { "250ms" }, { "1.2.3" }, { "" }, { "-" }, { "1e" }, { "nan" }, { "inf" },
				 { "0.0000000000000000001" }, { "1e40" }, { " 1" }, { "0x10" } };
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		s = sum_of(bad[i], 1);
		ok(!s.valid, "'%s' is no short decimal: the sum is invalid", bad[i][0]);
	}
	const char *ok38[] = { "99999999999999999999999999999999999999.999999999999999999" };
	s = sum_of(ok38, 1);
	ok(s.valid && strcmp(text_of(&s), ok38[0]) == 0, "38 digits before the point, 18 after");

	/* order and split: the same sum and the same bits */
	enum { N = 2000 };
	static char vals[N][32];
	const char *p[N];
	srand(7);
	for (int i = 0; i < N; i++) {
		snprintf(vals[i], sizeof vals[i], "%s%d.%0*d", rand() % 3 ? "" : "-", rand() % 100000,
			 1 + rand() % 5, rand() % 10000);
		p[i] = vals[i];
	}
	gp_xdec fwd = sum_of(p, N);
	for (int i = N - 1; i > 0; i--) {
		int j = rand() % (i + 1);
		const char *t = p[i];
		p[i] = p[j];
		p[j] = t;
	}
	gp_xdec h1 = sum_of(p, N / 3), h2 = sum_of(p + N / 3, N - N / 3);
	gp_xdec_merge(&h2, &h1);
	ok(memcmp(fwd.w, h2.w, sizeof fwd.w) == 0 && h2.valid, "a shuffled, split and merged sum is the same");
	gp_xdec inv;
	gp_xdec_init(&inv);
	gp_xdec_invalidate(&inv);
	gp_xdec_merge(&h2, &inv);
	ok(!h2.valid, "merging an invalid sum invalidates");

	/* division: 1/3, -2/3, and a mean that strtod must round the right way */
	const char *one[] = { "1" };
	s = sum_of(one, 1);
	ok(gp_xdec_div(&s, 3) == 1.0 / 3, "1/3 rounds once");
	const char *m2[] = { "-2" };
	s = sum_of(m2, 1);
	ok(gp_xdec_div(&s, 3) == -2.0 / 3, "-2/3 rounds once");
	const char *t[] = { "0.1", "0.2", "0.3" };
	s = sum_of(t, 3);
	ok(gp_xdec_div(&s, 3) == 0.2, "the mean of 0.1, 0.2, 0.3 is 0.2 (binary sums give 0.20000000000000004)");

	/* through the accumulators: sum and avg answer from the decimal sum */
	const gp_acc_ops *sum = gp_acc_find("sum", 3), *avg = gp_acc_find("avg", 3);
	char st[256], st2[256];
	sum->init(st, NULL);
	avg->init(st2, NULL);
	for (int i = 0; i < 10; i++) {
		gp_acc_add_num(sum, st, 0.1, "0.1", 3, (uint64_t)i);
		gp_acc_add_num(avg, st2, 0.1, "0.1", 3, (uint64_t)i);
	}
	double d, e;
	ok(sum->result(st, &d) && d == 1.0 && avg->result(st2, &e) && e == 0.1, "ten 0.1s sum to 1 and average 0.1");
	sum->add(st, 0.5, 10); /* a value without its text: the binary sum answers */
	ok(sum->result(st, &d) && d == 1.5, "a value added without text falls back to the binary exact sum");
	sum->free(st);
	avg->free(st2);
	return tap_done();
}
