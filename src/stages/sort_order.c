/* How sort compares records, and the in-memory sort of a run (see
 * sort_order.h). */
#include "sort_order.h"

#include <string.h>

static inline int bytecmp(const char *a, size_t alen, const char *b, size_t blen)
{
	int d = memcmp(a, b, alen < blen ? alen : blen);
	if (d)
		return d;
	return (alen > blen) - (alen < blen);
}

static inline uint64_t load_be(const char *p, size_t len)
{
	unsigned char b[8] = { 0 };
	memcpy(b, p, len < 8 ? len : 8);
	uint64_t v;
	memcpy(&v, b, 8);
	return __builtin_bswap64(v);
}

uint64_t gp_sort_prefix(const gp_sort_order *o, const gp_packed *k)
{
	switch (o->mode) {
	case GP_SORT_BYTES:
		return load_be(gp_packed_text(k), k->len);
	case GP_SORT_KEYS:
		return load_be(gp_packed_key(k), k->xlen);
	default:
		return 0;
	}
}

/* ---- GNU -n, C locale ----
 * The byte after a text's end reads as NUL, as GNU sort ends the key with
 * one. Blanks are space, tab and newline (a record of sort -z may hold
 * one); '.' is the decimal point; GNU's thousands separator in the C locale
 * is CHAR_MAX + 1, which a signed char platform makes byte 0x80: skipped
 * inside the digits, as GNU skips it (1<0x80>2 is 12). */
#define TSEP 0x80

typedef struct cur {
	const unsigned char *p, *end;
} cur;

static inline int at(const cur *c)
{
	return c->p < c->end ? *c->p : 0;
}
static inline int adv(cur *c)
{
	c->p++;
	return at(c);
}
static inline bool digit(int c)
{
	return (unsigned)c - '0' <= 9;
}

static int fraccmp(cur a, cur b)
{
	int ta = at(&a), tb = at(&b);
	if (ta == '.' && tb == '.') {
		do {
			ta = adv(&a);
			tb = adv(&b);
		} while (ta == tb && digit(ta));
		if (digit(ta) && digit(tb))
			return ta - tb;
		if (digit(ta))
			goto a_trailing;
		if (digit(tb))
			goto b_trailing;
		return 0;
	}
	if (ta == '.') {
		ta = adv(&a);
	a_trailing:
		while (ta == '0')
			ta = adv(&a);
		return digit(ta);
	}
	if (tb == '.') {
		tb = adv(&b);
	b_trailing:
		while (tb == '0')
			tb = adv(&b);
		return -digit(tb);
	}
	return 0;
}

/* Integer parts of the same sign compared, then fractions; neg swaps. */
static int intcmp(cur a, cur b, int ta, int tb, bool neg)
{
	while (ta == tb && digit(ta)) {
		do
			ta = adv(&a);
		while (ta == TSEP);
		do
			tb = adv(&b);
		while (tb == TSEP);
	}
	if ((ta == '.' && !digit(tb)) || (tb == '.' && !digit(ta)))
		return neg ? fraccmp(b, a) : fraccmp(a, b);
	int tmp = neg ? tb - ta : ta - tb;
	size_t la = 0, lb = 0;
	for (; digit(ta); la++)
		do
			ta = adv(&a);
		while (ta == TSEP);
	for (; digit(tb); lb++)
		do
			tb = adv(&b);
		while (tb == TSEP);
	if (la != lb)
		return (la < lb) != neg ? -1 : 1;
	if (!la)
		return 0;
	return tmp;
}

static inline bool blank(int c)
{
	return c == ' ' || c == '\t' || c == '\n';
}

/* A number's sign against no sign: -1 when the negative one is non-zero. */
static int neg_vs_pos(cur *n, cur *p)
{
	int tn = at(n), tp = at(p);
	if (tn == '.')
		do
			tn = adv(n);
		while (tn == '0');
	if (digit(tn))
		return -1;
	while (tp == '0' || tp == TSEP)
		tp = adv(p);
	if (tp == '.')
		do
			tp = adv(p);
		while (tp == '0');
	return -digit(tp);
}

int gp_sort_numcmp(const char *as, size_t alen, const char *bs, size_t blen)
{
	cur a = { (const unsigned char *)as, (const unsigned char *)as + alen };
	cur b = { (const unsigned char *)bs, (const unsigned char *)bs + blen };
	int ta = at(&a), tb = at(&b);
	while (blank(ta))
		ta = adv(&a);
	while (blank(tb))
		tb = adv(&b);
	if (ta == '-') {
		do
			ta = adv(&a);
		while (ta == '0' || ta == TSEP);
		if (tb != '-')
			return neg_vs_pos(&a, &b);
		do
			tb = adv(&b);
		while (tb == '0' || tb == TSEP);
		return intcmp(a, b, ta, tb, true);
	}
	if (tb == '-') {
		do
			tb = adv(&b);
		while (tb == '0' || tb == TSEP);
		return -neg_vs_pos(&b, &a);
	}
	while (ta == '0' || ta == TSEP)
		ta = adv(&a);
	while (tb == '0' || tb == TSEP)
		tb = adv(&b);
	return intcmp(a, b, ta, tb, false);
}

/* ---- comparing records ---- */

static inline int keycmp(const gp_sort_order *o, const gp_packed *a, const gp_packed *b)
{
	switch (o->mode) {
	case GP_SORT_BYTES:
		return bytecmp(gp_packed_text(a), a->len, gp_packed_text(b), b->len);
	case GP_SORT_NUM:
		return gp_sort_numcmp(gp_packed_text(a), a->len, gp_packed_text(b), b->len);
	default:
		return bytecmp(gp_packed_key(a), a->xlen, gp_packed_key(b), b->xlen);
	}
}

int gp_sort_cmp(const gp_sort_order *o, const gp_packed *a, const gp_packed *b)
{
	int d = keycmp(o, a, b);
	if (!d && o->mode == GP_SORT_NUM && !o->stable)
		d = bytecmp(gp_packed_text(a), a->len, gp_packed_text(b), b->len);
	d = (d > 0) - (d < 0);
	return o->reverse ? -d : d;
}

bool gp_sort_same(const gp_sort_order *o, const gp_packed *a, const gp_packed *b)
{
	return keycmp(o, a, b) == 0;
}

/* Entries: the prefix decides when it differs (it is the first 8 bytes,
 * zero-padded, of what memcmp compares), else the records. */
static inline int entcmp(const gp_sort_order *o, const gp_sort_ent *a, const gp_sort_ent *b)
{
	if (a->pfx != b->pfx)
		return (a->pfx < b->pfx) != o->reverse ? -1 : 1;
	return gp_sort_cmp(o, a->k, b->k);
}

static void insertion(const gp_sort_order *o, gp_sort_ent *v, size_t n)
{
	for (size_t i = 1; i < n; i++) {
		gp_sort_ent x = v[i];
		size_t j = i;
		while (j > 0 && entcmp(o, &x, &v[j - 1]) < 0) {
			v[j] = v[j - 1];
			j--;
		}
		v[j] = x;
	}
}

/* Stable merge sort of v[0..n) with tmp; the result is in v. */
static void msort(const gp_sort_order *o, gp_sort_ent *v, gp_sort_ent *tmp, size_t n)
{
	if (n <= 16) {
		insertion(o, v, n);
		return;
	}
	size_t h = n / 2;
	msort(o, v, tmp, h);
	msort(o, v + h, tmp + h, n - h);
	if (entcmp(o, &v[h - 1], &v[h]) <= 0)
		return; /* already in order: sorted or nearly sorted input */
	memcpy(tmp, v, h * sizeof *v);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n) {
		if (entcmp(o, &v[j], &tmp[i]) < 0)
			v[k++] = v[j++];
		else
			v[k++] = tmp[i++];
	}
	while (i < h)
		v[k++] = tmp[i++];
}

/* ---- whole records by bytes: 8 bytes at a time ----
 * Log lines share long prefixes (every timestamp starts "2024-06-"), so a
 * prefix of the first 8 bytes decides little. Records are sorted by an
 * 8-byte chunk (integers only, no pointer followed), then each run of
 * equal chunks by the next chunk, and so on (an MSD radix sort with
 * 8-byte digits). Records that end within a chunk come first in their run,
 * shorter first (the zero padding made them equal to a longer one that
 * they are a prefix of). Equal records are identical bytes, so neither
 * stability nor -r (the array reversed at the end) needs more. Past
 * DEEP bytes the runs are few and long-shared: memcmp sorts them. */
#define DEEP 256

static void msort_pfx(gp_sort_ent *v, gp_sort_ent *tmp, size_t n)
{
	if (n <= 16) {
		for (size_t i = 1; i < n; i++) {
			gp_sort_ent x = v[i];
			size_t j = i;
			for (; j > 0 && x.pfx < v[j - 1].pfx; j--)
				v[j] = v[j - 1];
			v[j] = x;
		}
		return;
	}
	size_t h = n / 2;
	msort_pfx(v, tmp, h);
	msort_pfx(v + h, tmp + h, n - h);
	if (v[h - 1].pfx <= v[h].pfx)
		return;
	memcpy(tmp, v, h * sizeof *v);
	size_t i = 0, j = h, k = 0;
	while (i < h && j < n)
		v[k++] = v[j].pfx < tmp[i].pfx ? v[j++] : tmp[i++];
	while (i < h)
		v[k++] = tmp[i++];
}

static void by_chunks(const gp_sort_order *o, gp_sort_ent *v, gp_sort_ent *tmp, size_t n, size_t depth);

/* v[0..n) are equal in their first depth + 8 bytes (zero-padded). */
static void refine(const gp_sort_order *o, gp_sort_ent *v, gp_sort_ent *tmp, size_t n, size_t depth)
{
	size_t next = depth + 8, e = 0, m;
	if (next >= DEEP) {
		gp_sort_order up = *o;
		up.reverse = false;
		msort(&up, v, tmp, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (v[i].k->len <= next) {
			tmp[e] = v[i];
			tmp[e++].pfx = v[i].k->len;
		}
	m = e;
	for (size_t i = 0; i < n; i++)
		if (v[i].k->len > next) {
			tmp[m] = v[i];
			tmp[m++].pfx = load_be(gp_packed_text(v[i].k) + next, v[i].k->len - next);
		}
	memcpy(v, tmp, n * sizeof *v);
	msort_pfx(v, tmp, e);
	if (n - e > 1)
		by_chunks(o, v + e, tmp, n - e, next);
}

/* v[0..n) are equal in their first depth bytes; pfx is the chunk at depth. */
static void by_chunks(const gp_sort_order *o, gp_sort_ent *v, gp_sort_ent *tmp, size_t n, size_t depth)
{
	msort_pfx(v, tmp, n);
	for (size_t i = 0; i < n;) {
		size_t j = i + 1;
		while (j < n && v[j].pfx == v[i].pfx)
			j++;
		if (j - i > 1)
			refine(o, v + i, tmp, j - i, depth);
		i = j;
	}
}

void gp_sort_ents(const gp_sort_order *o, gp_sort_ent *v, gp_sort_ent *tmp, size_t n)
{
	if (n < 2)
		return;
	if (o->mode != GP_SORT_BYTES) {
		msort(o, v, tmp, n);
		return;
	}
	for (size_t i = 0; i < n; i++)
		v[i].pfx = load_be(gp_packed_text(v[i].k), v[i].k->len);
	by_chunks(o, v, tmp, n, 0);
	if (o->reverse)
		for (size_t i = 0, j = n - 1; i < j; i++, j--) {
			gp_sort_ent t = v[i];
			v[i] = v[j];
			v[j] = t;
		}
}
