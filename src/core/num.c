/* Numbers with units (see num.h). */
#include "num.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct unit {
	const char *s;
	double mul; /* > 0: multiply; < 0: divide by -mul */
	bool exact; /* an integer times an integer stays an integer */
} unit;

static const unit units[] = {
	{ "ns", -1e9, false }, { "us", -1e6, false }, { "ms", -1e3, false },
	{ "s", 1, true },      { "m", 60, true },      { "h", 3600, true },
	{ "d", 86400, true },  { "B", 1, true },       { "K", 1024.0, true },
	{ "KB", 1024.0, true }, { "KiB", 1024.0, true }, { "M", 1048576.0, true },
	{ "MB", 1048576.0, true }, { "MiB", 1048576.0, true }, { "G", 1073741824.0, true },
	{ "GB", 1073741824.0, true }, { "GiB", 1073741824.0, true },
	{ "T", 1099511627776.0, true }, { "TB", 1099511627776.0, true },
	{ "TiB", 1099511627776.0, true },
};

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool gp_num_parse(const char *p, size_t len, bool *isint, int64_t *i, double *d)
{
	const char *e = p + len;
	while (p < e && (*p == ' ' || *p == '\t'))
		p++;
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--;
	const char *s = p;
	bool neg = false;
	if (p < e && (*p == '+' || *p == '-'))
		neg = *p++ == '-';
	uint64_t v = 0;
	int nd = 0;
	while (p < e && is_digit(*p)) {
		if (nd < 19)
			v = v * 10 + (uint64_t)(*p - '0');
		nd++;
		p++;
	}
	bool frac = false, expo = false;
	int nfd = 0;
	uint64_t m = v; /* all digits, for the exact fast path below */
	if (p < e && *p == '.') {
		frac = true;
		p++;
		while (p < e && is_digit(*p)) {
			if (nd + nfd < 19)
				m = m * 10 + (uint64_t)(*p - '0');
			p++, nfd++;
		}
	}
	if (nd + nfd == 0)
		return false;
	if (p < e && (*p == 'e' || *p == 'E')) {
		const char *q = p + 1;
		if (q < e && (*q == '+' || *q == '-'))
			q++;
		if (q < e && is_digit(*q)) {
			while (q < e && is_digit(*q))
				q++;
			p = q;
			expo = true;
		}
	}
	const char *numend = p;
	const unit *u = NULL;
	if (p < e) {
		size_t ul = (size_t)(e - p);
		for (size_t k = 0; k < sizeof units / sizeof units[0]; k++)
			if (strlen(units[k].s) == ul && memcmp(units[k].s, p, ul) == 0)
				u = &units[k];
		if (!u)
			return false;
	}
	bool in = !frac && !expo && nd <= 18;
	int64_t iv = 0;
	double dv;
	static const double p10[] = { 1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
				      1e11, 1e12, 1e13, 1e14, 1e15 };
	if (in) {
		iv = neg ? -(int64_t)v : (int64_t)v;
		dv = (double)iv;
	} else if (frac && !expo && nd + nfd <= 15) {
		/* Both exact doubles, and IEEE division rounds correctly: the
		 * same value strtod gives (Clinger's fast path). */
		dv = (double)m / p10[nfd];
		if (neg)
			dv = -dv;
	} else {
		char buf[352];
		size_t n = (size_t)(numend - s);
		if (n >= sizeof buf)
			return false;
		memcpy(buf, s, n);
		buf[n] = '\0';
		dv = strtod(buf, NULL);
		/* 19-digit integers that fit int64 stay exact. */
		if (!frac && !expo && nd == 19) {
			errno = 0;
			long long ll = strtoll(buf, NULL, 10);
			if (errno == 0) {
				in = true;
				iv = ll;
			}
		}
	}
	if (u) {
		if (in && u->exact) {
			int64_t mul = (int64_t)u->mul, r;
			if (!__builtin_mul_overflow(iv, mul, &r)) {
				*isint = true;
				*i = r;
				*d = (double)r;
				return true;
			}
		}
		dv = u->mul > 0 ? dv * u->mul : dv / -u->mul;
		in = false;
	}
	*isint = in;
	*i = iv;
	*d = in ? (double)iv : dv;
	return true;
}

size_t gp_num_format(char *buf, bool isint, int64_t i, double d)
{
	if (isint)
		return (size_t)snprintf(buf, 32, "%lld", (long long)i);
	int n = 0;
	for (int prec = 15; prec <= 17; prec++) {
		n = snprintf(buf, 32, "%.*g", prec, d);
		if (strtod(buf, NULL) == d)
			break;
	}
	return (size_t)n;
}
