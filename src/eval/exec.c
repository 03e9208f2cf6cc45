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

static void arith(gp_eval *ev, int op, val *a, val *b, val *out)
{
	if (a->t == V_MISSING || b->t == V_MISSING) {
		out->t = V_MISSING;
		return;
	}
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
		if (!numeric(ev, a, true)) {
			out->t = V_MISSING;
			return;
		}
		*out = *a;
		out->field = false;
		return;
	case F_INT:
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
	case F_EXISTS:
	case F_CONCAT:
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
		if (n->fn == F_CONCAT)
			return concat(ev, n, r, out);
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
	}
	return false;
}
