/* Evaluation of the expression language (see eval.h): a walk of the tree
 * per record, with values as views (tree.h). Nothing is allocated but
 * scratch text in the caller's pool; the recursion is bounded by the depth
 * of the tree (GP_EXPR_MAX_DEPTH). */
#include "eval.h"

#include <math.h> /* isfinite: a macro, no libm */
#include <stdio.h>
#include <string.h>

#include "../core/num.h"
#include "bigint.h"
#include "tree.h"
#include "../core/fref.h"
#include "../core/jsonval.h"
#include "../core/pool.h"


static void *scratch(gp_eval *ev, size_t n)
{
	return gp_pool_alloc(ev->scratch, n ? n : 1);
}

static void load(gp_eval *ev, const gp_fref *ref, const gp_rec *r, val *out)
{
	gp_value v;
	bool ok;
	if ((ref->kind == GP_REF_POS || ref->kind == GP_REF_NF) && (ev->awk_text || !r->f)) {
		v.kind = GP_K_STR;
		ok = gp_awk_field(r->p, r->len, ref->kind == GP_REF_NF ? 0 : ref->pos, &v.p, &v.len);
	} else {
		ok = gp_fref_get(ref, r, &v, ev->numbuf);
	}
	memset(out, 0, sizeof *out);
	if (!ok)
		return;
	switch ((gp_kind)v.kind) {
	case GP_K_STR:
		*out = (val){ .t = V_STR, .field = true, .p = v.p, .len = v.len };
		return;
	case GP_K_JSTR:
		*out = (val){ .t = V_STR, .field = true, .esc = memchr(v.p, '\\', v.len) != NULL, .p = v.p,
			      .len = v.len };
		return;
	case GP_K_NUM:
		out->t = V_NUM;
		out->p = v.p;
		out->len = v.len;
		if (!gp_num_parse(v.p, v.len, &out->isint, &out->i, &out->d))
			*out = (val){ .t = V_STR, .p = v.p, .len = v.len };
		return;
	case GP_K_TRUE:
	case GP_K_FALSE:
		*out = (val){ .t = V_BOOL, .b = v.kind == GP_K_TRUE };
		return;
	case GP_K_NULL:
		out->t = V_NULL;
		return;
	case GP_K_OBJ:
	case GP_K_ARR:
		*out = (val){ .t = V_RAW, .jk = v.kind, .p = v.p, .len = v.len };
		return;
	case GP_K_MISSING:
		return;
	}
}

/* Decodes a JSON string body in place of the view (scratch). */
static void decode(gp_eval *ev, val *v)
{
	if (v->t == V_STR && v->esc) {
		char *d = scratch(ev, v->len);
		if (!d) {
			v->len = 0;
		} else {
			v->len = gp_json_unescape(v->p, v->len, d);
			v->p = d;
		}
		v->esc = false;
	}
}

/* The value as text; false for missing and null. */
static bool text(gp_eval *ev, val *v, const char **p, size_t *n)
{
	switch (v->t) {
	case V_STR:
		decode(ev, v);
		/* fall through */
	case V_RAW:
		*p = v->p;
		*n = v->len;
		return true;
	case V_NUM:
		if (!v->p) {
			char *b = scratch(ev, 32);
			if (!b)
				return false;
			v->len = gp_num_format(b, v->isint, v->i, v->d);
			v->p = b;
		}
		*p = v->p;
		*n = v->len;
		return true;
	case V_BOOL:
		*p = v->b ? "true" : "false";
		*n = v->b ? 4 : 5;
		return true;
	case V_TIME: {
		char *b = scratch(ev, GP_TIME_TEXT);
		if (!b || !(*n = gp_time_format(b, (gp_time){ v->i, v->ns }, v->off)))
			return false; /* a year past 9999 */
		*p = b;
		return true;
	}
	default:
		return false;
	}
}

/* Numeric view: numbers, and strings whose text is a number (any string
 * when loose, else only field text). */
static bool numeric(gp_eval *ev, val *v, bool loose)
{
	if (v->t == V_NUM)
		return true;
	if (v->t != V_STR || !(loose || v->field))
		return false;
	decode(ev, v);
	bool isint;
	int64_t i;
	double d;
	if (!gp_num_parse(v->p, v->len, &isint, &i, &d))
		return false;
	*v = (val){ .t = V_NUM, .isint = isint, .i = i, .d = d }; /* text: formatted when asked */
	return true;
}

static bool truthy(const val *v)
{
	switch (v->t) {
	case V_BOOL: return v->b;
	case V_NUM: return v->isint ? v->i != 0 : v->d != 0;
	case V_STR:
	case V_RAW: return v->len != 0;
	case V_TIME: return true;
	default: return false;
	}
}

static void ev_node(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *out);

static int bytecmp(const char *a, size_t an, const char *b, size_t bn)
{
	int c = memcmp(a, b, an < bn ? an : bn);
	if (c)
		return c;
	return an < bn ? -1 : an > bn;
}

/* The integer a number is, exactly, if it is one: an int64, or digits as
 * written (a field's text, a literal beyond int64). num is orig made
 * numeric; buf (32 bytes) holds the digits of an int64. */
static bool exact_int(const val *orig, const val *num, char *buf, gp_bigint *out)
{
	if (num->isint)
		return gp_bigint_parse(buf, (size_t)snprintf(buf, 32, "%lld", (long long)num->i), out);
	if ((orig->t == V_STR && !orig->esc) || (orig->t == V_NUM && orig->p))
		return gp_bigint_parse(orig->p, orig->len, out);
	return false;
}

/* Two numbers (orig a and b, na and nb their numeric views): integers
 * exactly whatever their length, doubles as doubles; 2 when unordered. */
static int num_cmp(const val *a, const val *na, const val *b, const val *nb)
{
	if (na->isint && nb->isint)
		return na->i < nb->i ? -1 : na->i > nb->i;
	char ba[32], bb[32];
	gp_bigint x, y;
	bool xi = exact_int(a, na, ba, &x), yi = exact_int(b, nb, bb, &y);
	if (xi && yi)
		return gp_bigint_cmp(&x, &y);
	if (xi)
		return gp_bigint_dbl_cmp(&x, nb->d);
	if (yi) {
		int c = gp_bigint_dbl_cmp(&y, na->d);
		return c == 2 ? 2 : -c;
	}
	return na->d < nb->d ? -1 : na->d > nb->d ? 1 : na->d == nb->d ? 0 : 2;
}

/* -1/0/1, or 2 when the values are not comparable (type mismatch), or 3
 * when one is missing. */
static int compare(gp_eval *ev, val *a, val *b)
{
	if (a->t == V_MISSING || b->t == V_MISSING)
		return 3;
	if (a->t == V_NULL || b->t == V_NULL)
		return a->t == b->t ? 0 : 2;
	if (a->t == V_TIME || b->t == V_TIME) {
		if (a->t != b->t)
			return 2; /* text literals were read as times at compile time */
		if (a->i != b->i)
			return a->i < b->i ? -1 : 1;
		return a->ns < b->ns ? -1 : a->ns > b->ns;
	}
	if (a->t == V_BOOL && b->t == V_BOOL)
		return a->b == b->b ? 0 : a->b ? 1 : -1;
	if ((a->t == V_BOOL && b->t == V_NUM) || (a->t == V_NUM && b->t == V_BOOL))
		return 2;
	/* Both numbers (or numeric field text)? Try cheaply first. */
	if ((a->t == V_NUM || a->field) && (b->t == V_NUM || b->field)) {
		decode(ev, a);
		decode(ev, b);
		val sa = *a, sb = *b;
		if (numeric(ev, &sa, false) && numeric(ev, &sb, false))
			return num_cmp(a, &sa, b, &sb);
	}
	const char *ap, *bp;
	size_t an, bn;
	if (!text(ev, a, &ap, &an) || !text(ev, b, &bp, &bn))
		return 2;
	int c = bytecmp(ap, an, bp, bn);
	return c < 0 ? -1 : c > 0;
}

static void set_bool(val *out, bool b)
{
	*out = (val){ .t = V_BOOL, .b = b };
}

static void set_num_i(val *out, int64_t i)
{
	*out = (val){ .t = V_NUM, .isint = true, .i = i, .d = (double)i };
}

static void set_num_d(val *out, double d)
{
	if (!isfinite(d)) {
		*out = (val){ .t = V_MISSING };
		return;
	}
	*out = (val){ .t = V_NUM, .d = d };
}

/* x - y * int(x / y), without libm (exact while the quotient fits 2^53). */
static double fmod_(double x, double y)
{
	double q = x / y;
	if (!(q > -9.2e18 && q < 9.2e18))
		return 0;
	return x - (double)(int64_t)q * y;
}

/* Counts arithmetic that failed on a present value (bad), or for a reason
 * (division by zero, overflow); the result is missing. */
static void arith_fail(gp_eval *ev, val *bad, const char *reason, val *out)
{
	ev->fails++;
	const char *p;
	size_t n;
	if (!bad)
		snprintf(ev->why, sizeof ev->why, "%s", reason);
	else if (bad->t == V_NULL)
		snprintf(ev->why, sizeof ev->why, "null is not a number");
	else if (text(ev, bad, &p, &n)) {
		char e[64];
		gp_escape(e, sizeof e, p, n > 12 ? 12 : n);
		snprintf(ev->why, sizeof ev->why, "'%s%s' is not a number", e, n > 12 ? "..." : "");
	} else
		snprintf(ev->why, sizeof ev->why, "a value that is not a number");
	out->t = V_MISSING;
}

#define NS_PER_S 1000000000

/* A time t plus sign * x seconds (a number), to the nanosecond. */
static bool time_plus(const val *t, const val *x, int sign, val *out)
{
	__int128 ns = (__int128)t->i * NS_PER_S + t->ns;
	if (x->isint) {
		ns += sign * (__int128)x->i * NS_PER_S;
	} else {
		double d = x->d * 1e9;
		if (!(d > -1e37 && d < 1e37))
			return false;
		ns += sign * (__int128)(d < 0 ? d - 0.5 : d + 0.5);
	}
	__int128 sec = ns / NS_PER_S, rem = ns % NS_PER_S;
	if (rem < 0)
		rem += NS_PER_S, sec--;
	if (sec < INT64_MIN / 2 || sec > INT64_MAX / 2)
		return false;
	*out = (val){ .t = V_TIME, .i = (int64_t)sec, .ns = (int32_t)rem, .off = t->off };
	return true;
}

/* Arithmetic with a time on a side: time - time is a number of seconds
 * (a fraction when the nanoseconds differ), time + number, number + time
 * and time - number are times. False when op is + with text on the other
 * side: the texts are joined, as for any text. */
static bool time_arith(gp_eval *ev, int op, val *a, val *b, val *out)
{
	if (a->t == V_TIME && b->t == V_TIME && op == N_SUB) {
		__int128 d = ((__int128)a->i - b->i) * NS_PER_S + (a->ns - b->ns);
		if (d % NS_PER_S == 0 && d / NS_PER_S >= INT64_MIN && d / NS_PER_S <= INT64_MAX)
			set_num_i(out, (int64_t)(d / NS_PER_S));
		else
			set_num_d(out, (double)d / 1e9);
		return true;
	}
	val *t = a->t == V_TIME ? a : b, *x = t == a ? b : a;
	if (x->t != V_TIME && (op == N_ADD || (op == N_SUB && t == a)) && numeric(ev, x, true)) {
		if (!time_plus(t, x, op == N_SUB ? -1 : 1, out))
			arith_fail(ev, NULL, "overflow", out);
		return true;
	}
	if (op == N_ADD && x->t != V_TIME)
		return false;
	arith_fail(ev, NULL, "a time takes only time - time, time + seconds and time - seconds", out);
	return true;
}

static void arith(gp_eval *ev, int op, val *a, val *b, val *out)
{
	if (a->t == V_MISSING || b->t == V_MISSING) {
		out->t = V_MISSING;
		return;
	}
	if ((a->t == V_TIME || b->t == V_TIME) && time_arith(ev, op, a, b, out))
		return;
	bool na = numeric(ev, a, true), nb = numeric(ev, b, true);
	if (!na || !nb) {
		const char *ap, *bp;
		size_t an, bn;
		if (op != N_ADD || !text(ev, a, &ap, &an) || !text(ev, b, &bp, &bn))
			return arith_fail(ev, na ? b : a, NULL, out);
		char *d = scratch(ev, an + bn);
		if (!d) {
			out->t = V_MISSING;
			return;
		}
		memcpy(d, ap, an);
		memcpy(d + an, bp, bn);
		*out = (val){ .t = V_STR, .p = d, .len = an + bn };
		return;
	}
	if (a->isint && b->isint) {
		int64_t x = a->i, y = b->i, z;
		switch (op) {
		case N_ADD:
			if (!__builtin_add_overflow(x, y, &z))
				return set_num_i(out, z);
			break;
		case N_SUB:
			if (!__builtin_sub_overflow(x, y, &z))
				return set_num_i(out, z);
			break;
		case N_MUL:
			if (!__builtin_mul_overflow(x, y, &z))
				return set_num_i(out, z);
			break;
		case N_DIV:
			if (y == 0)
				return arith_fail(ev, NULL, "division by zero", out);
			if (!(x == INT64_MIN && y == -1) && x % y == 0)
				return set_num_i(out, x / y);
			break;
		case N_MOD:
			if (y == 0)
				return arith_fail(ev, NULL, "division by zero", out);
			if (y == -1)
				return set_num_i(out, 0);
			return set_num_i(out, x % y);
		}
	}
	double x = a->d, y = b->d, z = 0;
	switch (op) {
	case N_ADD: z = x + y; break;
	case N_SUB: z = x - y; break;
	case N_MUL: z = x * y; break;
	case N_DIV:
		if (y == 0)
			return arith_fail(ev, NULL, "division by zero", out);
		z = x / y;
		break;
	case N_MOD:
		if (y == 0)
			return arith_fail(ev, NULL, "division by zero", out);
		z = fmod_(x, y);
		break;
	}
	/* Beyond the largest double (1e308 * 10): no value, and said so, as
	 * for a division by zero; never inf, which is not a JSON number. */
	if (!isfinite(z))
		return arith_fail(ev, NULL, "overflow", out);
	set_num_d(out, z);
}

/* Elements of a JSON array or members of an object. */
static int64_t json_count(const char *p, size_t len)
{
	const char *e = p + len;
	p++; /* [ or { */
	while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
		p++;
	if (p >= e || *p == ']' || *p == '}')
		return 0;
	int64_t n = 0;
	for (;;) {
		p = gp_json_skip(p, e); /* value, or key */
		while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
			p++;
		if (p < e && *p == ':') {
			p = gp_json_skip(p + 1, e);
			while (p < e && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r'))
				p++;
		}
		n++;
		if (p >= e || *p != ',')
			return n;
		p++;
	}
}

/* abs, round (half away from zero), floor and ceil of a number; integers
 * when the result fits int64. No libm: a double past 2^53 is whole. */
static void math1(gp_eval *ev, int fn, val *a, val *out)
{
	if (!numeric(ev, a, true))
		return arith_fail(ev, a, NULL, out);
	if (a->isint) {
		if (fn != F_ABS || a->i >= 0)
			return set_num_i(out, a->i);
		return a->i == INT64_MIN ? set_num_d(out, -(double)a->i) : set_num_i(out, -a->i);
	}
	double d = a->d;
	if (fn == F_ABS)
		return set_num_d(out, d < 0 ? -d : d);
	if (!(d > -9.2e18 && d < 9.2e18))
		return set_num_d(out, d);
	int64_t t = (int64_t)d; /* toward zero */
	double f = d - (double)t;
	if (fn == F_ROUND)
		t += f >= 0.5 ? 1 : f <= -0.5 ? -1 : 0;
	else if (fn == F_FLOOR)
		t -= f < 0;
	else
		t += f > 0;
	set_num_i(out, t);
}

/* time(F [, format]): the text of a read as a time by the call site's
 * parser, locked per input; no timestamp is missing, and counted. */
static void read_time(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *a, val *out)
{
	const char *p;
	size_t len;
	gp_time t;
	if (a->t == V_TIME || a->t == V_MISSING) {
		*out = *a;
		return;
	}
	gp_timesite *ts = n->ts;
	uint64_t id = r && r->origin ? r->origin->id : 0;
	if (!ts->ready || id != ts->origin) {
		ts->o.ref = r && r->origin ? r->origin->mtime : ts->now;
		gp_timeparser_init(&ts->p, &ts->o);
		ts->origin = id;
		ts->ready = true;
	}
	if (a->t != V_NULL && text(ev, a, &p, &len) && gp_time_parse(&ts->p, p, len, &t)) {
		*out = (val){ .t = V_TIME, .i = t.sec, .ns = t.nsec, .off = ts->off };
		return;
	}
	ev->fails++;
	if (a->t == V_NULL) {
		snprintf(ev->why, sizeof ev->why, "null is not a timestamp");
	} else {
		char e[100];
		gp_escape(e, sizeof e, p, len > 24 ? 24 : len);
		snprintf(ev->why, sizeof ev->why, "not a timestamp: '%.70s%s'", e, len > 24 ? "..." : "");
	}
	out->t = V_MISSING;
}

/* The integer of a number argument (toward zero), or false (counted). */
static bool int_arg(gp_eval *ev, val *v, int64_t *out)
{
	val m = { .t = V_MISSING };
	if (!numeric(ev, v, true)) {
		arith_fail(ev, v, NULL, &m);
		return false;
	}
	*out = v->isint ? v->i : v->d >= 9.2e18 ? INT64_MAX : v->d <= -9.2e18 ? INT64_MIN : (int64_t)v->d;
	return true;
}

/* substr(s, start [, len]) by characters (UTF-8 sequences; a byte that is
 * no character counts as one): start from 0, negative from the end. */
static void substr(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *out)
{
	val s, a, b;
	const char *p;
	size_t len;
	int64_t start, count = INT64_MAX;
	out->t = V_MISSING;
	ev_node(ev, n->args[0], r, &s);
	ev_node(ev, n->args[1], r, &a);
	if (n->nargs > 2)
		ev_node(ev, n->args[2], r, &b);
	if (s.t == V_MISSING || a.t == V_MISSING || (n->nargs > 2 && b.t == V_MISSING) || !text(ev, &s, &p, &len) ||
	    !int_arg(ev, &a, &start) || (n->nargs > 2 && !int_arg(ev, &b, &count)))
		return;
	int64_t nch = 0;
	for (size_t i = 0; i < len; i++)
		nch += ((unsigned char)p[i] & 0xC0) != 0x80 || i == 0;
	if (start < 0)
		start = start < -nch ? 0 : nch + start;
	if (count < 0 || start > nch)
		count = 0;
	size_t i = 0, from;
	for (int64_t c = 0; c < start; c++)
		while (++i < len && ((unsigned char)p[i] & 0xC0) == 0x80)
			;
	from = i;
	for (int64_t c = 0; c < count && i < len; c++)
		while (++i < len && ((unsigned char)p[i] & 0xC0) == 0x80)
			;
	*out = (val){ .t = V_STR, .p = p + from, .len = i - from };
}

static void call(gp_eval *ev, const gp_enode *n, val *a, val *out)
{
	const char *p;
	size_t len;
	if (a->t == V_MISSING) {
		out->t = V_MISSING;
		return;
	}
	switch ((enum fn)n->fn) {
	case F_LEN:
		if (a->t == V_RAW)
			return set_num_i(out, json_count(a->p, a->len));
		if (!text(ev, a, &p, &len)) {
			out->t = V_MISSING;
			return;
		}
		return set_num_i(out, (int64_t)len);
	case F_LOWER:
	case F_UPPER: {
		if (!text(ev, a, &p, &len)) {
			*out = *a;
			return;
		}
		char *d = scratch(ev, len);
		if (!d) {
			out->t = V_MISSING;
			return;
		}
		char lo = n->fn == F_UPPER ? 'a' : 'A';
		for (size_t i = 0; i < len; i++) {
			unsigned char c = (unsigned char)p[i];
			d[i] = (char)((unsigned char)(c - (unsigned char)lo) < 26 ? c ^ 0x20 : c);
		}
		*out = (val){ .t = V_STR, .p = d, .len = len };
		return;
	}
	case F_NUM:
		if (a->t == V_TIME) { /* seconds since the epoch */
			if (a->ns)
				return set_num_d(out, (double)a->i + a->ns / 1e9);
			return set_num_i(out, a->i);
		}
		if (!numeric(ev, a, true)) {
			out->t = V_MISSING;
			return;
		}
		*out = *a;
		out->field = false;
		return;
	case F_INT:
		if (a->t == V_TIME)
			return set_num_i(out, a->i);
		if (!numeric(ev, a, true)) {
			out->t = V_MISSING;
			return;
		}
		if (a->isint)
			return set_num_i(out, a->i);
		if (a->d >= -9.2e18 && a->d <= 9.2e18)
			return set_num_i(out, (int64_t)a->d);
		return set_num_d(out, a->d); /* beyond 2^63: already whole */
	case F_STR:
		if (!text(ev, a, &p, &len)) {
			if (a->t == V_NULL) {
				*out = (val){ .t = V_STR, .p = "null", .len = 4 };
				return;
			}
			out->t = V_MISSING;
			return;
		}
		*out = (val){ .t = V_STR, .p = p, .len = len };
		return;
	case F_ABS:
	case F_ROUND:
	case F_FLOOR:
	case F_CEIL:
		return math1(ev, n->fn, a, out);
	default:
		break;
	}
	out->t = V_MISSING;
}

/* concat(a, b, ...): the texts of the arguments joined (null as "null");
 * missing when an argument is, as angle-grinder fails on a missing key. */
static void concat(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *out)
{
	struct part {
		const char *p;
		size_t len;
	} *pt = scratch(ev, n->nargs * sizeof *pt);
	size_t total = 0;
	out->t = V_MISSING;
	if (!pt)
		return;
	for (uint32_t i = 0; i < n->nargs; i++) {
		val a;
		ev_node(ev, n->args[i], r, &a);
		if (a.t == V_NULL)
			pt[i] = (struct part){ "null", 4 };
		else if (!text(ev, &a, &pt[i].p, &pt[i].len))
			return;
		total += pt[i].len;
	}
	char *d = scratch(ev, total);
	if (!d)
		return;
	size_t k = 0;
	for (uint32_t i = 0; i < n->nargs; i++) {
		if (pt[i].len)
			memcpy(d + k, pt[i].p, pt[i].len);
		k += pt[i].len;
	}
	*out = (val){ .t = V_STR, .p = d, .len = total };
}

static bool str_op(gp_eval *ev, int op, val *a, val *b)
{
	const char *ap, *bp;
	size_t an, bn;
	if (!text(ev, a, &ap, &an) || !text(ev, b, &bp, &bn))
		return false;
	if (bn > an)
		return false;
	switch (op) {
	case N_STARTS: return memcmp(ap, bp, bn) == 0;
	case N_ENDS: return memcmp(ap + an - bn, bp, bn) == 0;
	default: return bn == 0 || memmem(ap, an, bp, bn) != NULL;
	}
}

static void ev_node(gp_eval *ev, const gp_enode *n, const gp_rec *r, val *out)
{
	val a, b;
	switch ((enum op)n->op) {
	case N_LIT:
		*out = n->lit;
		return;
	case N_REF:
		load(ev, &n->ref, r, out);
		return;
	case N_EXISTS: {
		gp_value v;
		return set_bool(out, n->ref.kind == GP_REF_POS || n->ref.kind == GP_REF_NF
					     ? (load(ev, &n->ref, r, &a), a.t != V_MISSING)
					     : gp_fref_get(&n->ref, r, &v, ev->numbuf));
	}
	case N_CALL:
		switch (n->fn) {
		case F_CONCAT:
			return concat(ev, n, r, out);
		case F_SUBSTR:
			return substr(ev, n, r, out);
		case F_IF:
			ev_node(ev, n->args[0], r, &a);
			return ev_node(ev, truthy(&a) ? n->args[1] : n->args[2], r, out);
		case F_EXISTS: /* of an expression: it has a value */
			ev_node(ev, n->a, r, &a);
			return set_bool(out, a.t != V_MISSING);
		case F_TIME:
			ev_node(ev, n->a, r, &a);
			return read_time(ev, n, r, &a, out);
		case F_BUCKET: {
			gp_time t;
			/* windows start at whole multiples in the zone the
			 * time prints in (--tz): 1d buckets start at midnight */
			ev_node(ev, n->a, r, &a);
			if (a.t != V_TIME || !gp_time_bucket((gp_time){ a.i + a.off, a.ns }, n->width, &t)) {
				out->t = V_MISSING;
				return;
			}
			*out = (val){ .t = V_TIME, .i = t.sec - a.off, .ns = t.nsec, .off = a.off };
			return;
		}
		}
		ev_node(ev, n->a, r, &a);
		return call(ev, n, &a, out);
	case N_NOT:
		ev_node(ev, n->a, r, &a);
		return set_bool(out, !truthy(&a));
	case N_NEG:
		ev_node(ev, n->a, r, &a);
		if (!numeric(ev, &a, true)) {
			out->t = V_MISSING;
			return;
		}
		if (a.isint && a.i != INT64_MIN)
			return set_num_i(out, -a.i);
		return set_num_d(out, -a.d);
	case N_AND:
		ev_node(ev, n->a, r, &a);
		if (!truthy(&a))
			return set_bool(out, false);
		ev_node(ev, n->b, r, &b);
		return set_bool(out, truthy(&b));
	case N_OR:
		ev_node(ev, n->a, r, &a);
		if (truthy(&a))
			return set_bool(out, true);
		ev_node(ev, n->b, r, &b);
		return set_bool(out, truthy(&b));
	case N_EQ: case N_NE: case N_LT: case N_LE: case N_GT: case N_GE: {
		ev_node(ev, n->a, r, &a);
		ev_node(ev, n->b, r, &b);
		int c = compare(ev, &a, &b);
		bool t;
		switch (n->op) {
		case N_EQ: t = c == 0; break;
		case N_NE: t = c != 0 && c != 3; break;
		case N_LT: t = c == -1; break;
		case N_LE: t = c == -1 || c == 0; break;
		case N_GT: t = c == 1; break;
		default: t = c == 1 || c == 0; break;
		}
		return set_bool(out, t);
	}
	case N_MATCH:
	case N_NMATCH: {
		ev_node(ev, n->a, r, &a);
		const char *p;
		size_t len;
		if (!text(ev, &a, &p, &len))
			return set_bool(out, false);
		int rc = gp_rx_match(&n->rx, p, len, 0, 0);
		if (rc < PCRE2_ERROR_NOMATCH) {
			ev->undecided++;
			gp_rx_why(rc, NULL, ev->undecided_why, sizeof ev->undecided_why);
			out->t = V_MISSING;
			return;
		}
		return set_bool(out, (rc >= 0) == (n->op == N_MATCH));
	}
	case N_BETWEEN: {
		val c;
		ev_node(ev, n->a, r, &a);
		ev_node(ev, n->b, r, &b);
		int lo = compare(ev, &a, &b);
		if (lo != 0 && lo != 1)
			return set_bool(out, false);
		ev_node(ev, n->c, r, &c);
		int hi = compare(ev, &a, &c);
		return set_bool(out, hi == -1 || hi == 0);
	}
	case N_CONTAINS: case N_STARTS: case N_ENDS:
		ev_node(ev, n->a, r, &a);
		ev_node(ev, n->b, r, &b);
		return set_bool(out, str_op(ev, n->op, &a, &b));
	case N_ADD: case N_SUB: case N_MUL: case N_DIV: case N_MOD:
		ev_node(ev, n->a, r, &a);
		ev_node(ev, n->b, r, &b);
		return arith(ev, n->op, &a, &b, out);
	}
	out->t = V_MISSING;
}

bool gp_expr_true(gp_eval *ev, const gp_enode *e, const gp_rec *r)
{
	val v;
	ev_node(ev, e, r, &v);
	return truthy(&v);
}

bool gp_expr_field(gp_eval *ev, const gp_enode *e, const gp_rec *r, gp_field *out)
{
	val v;
	ev_node(ev, e, r, &v);
	switch (v.t) {
	case V_MISSING:
		return false;
	case V_NULL:
		out->kind = GP_K_NULL, out->v = "null", out->vlen = 4;
		return true;
	case V_BOOL:
		out->kind = v.b ? GP_K_TRUE : GP_K_FALSE;
		out->v = v.b ? "true" : "false";
		out->vlen = v.b ? 4 : 5;
		return true;
	case V_NUM: {
		char *b = scratch(ev, 32);
		if (!b)
			return false;
		if (v.p && v.len < 32 && gp_is_json_number(v.p, v.len)) {
			memcpy(b, v.p, v.len);
			out->vlen = v.len;
		} else {
			out->vlen = gp_num_format(b, v.isint, v.i, v.d);
		}
		out->kind = GP_K_NUM;
		out->v = b;
		return true;
	}
	case V_STR:
		out->kind = v.esc ? GP_K_JSTR : GP_K_STR;
		out->v = v.p;
		out->vlen = v.len;
		return true;
	case V_RAW:
		out->kind = v.jk;
		out->v = v.p;
		out->vlen = v.len;
		return true;
	case V_TIME:
		out->kind = GP_K_STR;
		return text(ev, &v, &out->v, &out->vlen);
	}
	return false;
}

bool gp_expr_time(gp_eval *ev, const gp_enode *e, const gp_rec *r, gp_time *out)
{
	val v;
	ev_node(ev, e, r, &v);
	if (v.t != V_TIME)
		return false;
	*out = (gp_time){ v.i, v.ns };
	return true;
}
