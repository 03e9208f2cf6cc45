/* Records packed end to end in large blocks (see recpack.h). */
#include "recpack.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

struct gp_packblk {
	gp_packblk *next;
	size_t cap, used;
	_Alignas(8) char data[];
};

static void free_pack(void *arg)
{
	gp_recpack *p = arg;
	gp_packblk *lists[] = { p->head, p->free, p->old };
	for (size_t i = 0; i < 3; i++)
		for (gp_packblk *b = lists[i], *n; b; b = n) {
			n = b->next;
			free(b);
		}
	for (size_t i = 0; i < p->norigins; i++) {
		free((char *)p->origins[i].name);
		free((char *)p->origins[i].member);
	}
	free(p->origins);
	free(p->lays);
	memset(p, 0, sizeof *p);
}

int gp_recpack_own(gp_scope *s, gp_recpack *p, size_t block, bool positions)
{
	p->block = block < 4096 ? 4096 : block;
	p->positions = positions;
	return gp_scope_defer(s, free_pack, p);
}

/* Room for n bytes (a multiple of 8): in the current block, else in a
 * block from the free list that is large enough, else in a new one. */
static char *room(gp_recpack *p, size_t n)
{
	gp_packblk *b = p->cur;
	if (!b || b->cap - b->used < n) {
		gp_packblk **pp = &p->free;
		while (*pp && (*pp)->cap < n)
			pp = &(*pp)->next;
		if (*pp) {
			b = *pp;
			*pp = b->next;
		} else {
			size_t cap = n > p->block ? n : p->block;
			if (!(b = malloc(sizeof *b + cap)))
				return NULL;
			b->cap = cap;
			p->held += sizeof *b + cap;
		}
		b->used = 0;
		b->next = NULL;
		if (p->cur)
			p->cur->next = b;
		else
			p->head = b;
		p->cur = b;
	}
	char *w = b->data + b->used;
	b->used += n;
	p->used += n;
	return w;
}

/* Puts a list of blocks on the free list. */
static void release(gp_recpack *p, gp_packblk *b)
{
	while (b) {
		gp_packblk *n = b->next;
		b->next = p->free;
		p->free = b;
		b = n;
	}
}

static char *dup_name(const char *s)
{
	size_t n = strlen(s) + 1;
	char *d = malloc(n);
	if (d)
		memcpy(d, s, n);
	return d;
}

/* The index + 1 of origin o in the table, copied in when new. Source ids
 * only grow, so a larger id than any seen is new without a search. */
static uint32_t origin_index(gp_recpack *p, const gp_origin *o)
{
	if (!o)
		return 0;
	if (o == p->last_o && p->last_oi && p->origins[p->last_oi - 1].id == o->id)
		return p->last_oi;
	if (o->id == 0 || o->id <= p->maxid) {
		for (size_t i = p->norigins; i-- > 0;) {
			const gp_origin *c = &p->origins[i];
			if (c->id == o->id && strcmp(c->name, o->name) == 0 &&
			    (c->member == o->member || (c->member && o->member && strcmp(c->member, o->member) == 0))) {
				p->last_o = o;
				p->last_oi = (uint32_t)i + 1;
				return p->last_oi;
			}
		}
	}
	if (p->norigins >= UINT32_MAX - 1 || gp_grow(&p->origins, &p->ocap, p->norigins + 1, sizeof *p->origins) != 0)
		return UINT32_MAX;
	gp_origin c = { .id = o->id, .name = dup_name(o->name), .member = o->member ? dup_name(o->member) : NULL,
			.mtime = o->mtime };
	if (!c.name || (o->member && !c.member)) {
		free((char *)c.name);
		free((char *)c.member);
		return UINT32_MAX;
	}
	p->origins[p->norigins++] = c;
	p->held += sizeof c + strlen(c.name) + (c.member ? strlen(c.member) : 0) + 2;
	if (o->id > p->maxid)
		p->maxid = o->id;
	p->last_o = o;
	p->last_oi = (uint32_t)p->norigins;
	return p->last_oi;
}

static int layout_index(gp_recpack *p, const gp_layout *l)
{
	if (!l)
		return 0;
	for (size_t i = p->nlays; i-- > 0;)
		if (memcmp(&p->lays[i], l, sizeof *l) == 0)
			return (int)i + 1;
	if (p->nlays >= UINT16_MAX - 1 || gp_grow(&p->lays, &p->lcap, p->nlays + 1, sizeof *p->lays) != 0)
		return -1;
	p->lays[p->nlays++] = *l;
	p->held += sizeof *l;
	return (int)p->nlays;
}

/* Are q[0..n) bytes of the record's text? */
static bool inside(const char *q, size_t n, const gp_rec *r)
{
	return q >= r->p && q <= r->p + r->len && q + n <= r->p + r->len;
}

/* The offset from w of n bytes at q: in the copied text when they are
 * bytes of it, else copied to *bytes. */
static uint32_t place(const char *q, size_t n, const gp_rec *r, const char *w, const char *text, char **bytes)
{
	if (inside(q, n, r))
		return (uint32_t)(text + (q - r->p) - w);
	uint32_t off = (uint32_t)(*bytes - w);
	if (n)
		memcpy(*bytes, q, n);
	*bytes += n;
	return off;
}

gp_packed *gp_recpack_add(gp_recpack *p, const gp_rec *r, size_t xlen)
{
	bool pos = p->positions && (r->line || r->off);
	size_t hdr = sizeof(gp_packed) + (pos ? 16 : 0);
	size_t size = hdr + xlen + r->len + (size_t)r->nf * sizeof(gp_packfield);
	for (uint32_t i = 0; i < r->nf; i++) {
		const gp_field *f = &r->f[i];
		size += (inside(f->name, f->nlen, r) ? 0 : f->nlen) + (inside(f->v, f->vlen, r) ? 0 : f->vlen);
	}
	size = (size + 7) & ~(size_t)7;
	if (size > UINT32_MAX)
		return NULL;
	uint32_t oi = origin_index(p, r->origin);
	int li = layout_index(p, r->lay);
	if (oi == UINT32_MAX || li < 0)
		return NULL;
	char *w = room(p, size);
	if (!w)
		return NULL;
	gp_packed *k = (gp_packed *)w;
	*k = (gp_packed){ .size = (uint32_t)size, .len = (uint32_t)r->len, .xlen = (uint32_t)xlen,
			  .nf = r->nf, .origin = oi, .lay = (uint16_t)li, .mark = r->mark,
			  .flags = (uint8_t)((pos ? GP_PACK_POS : 0) | (r->f ? GP_PACK_FIELDS : 0)) };
	if (pos) {
		memcpy(w + sizeof *k, &r->line, 8);
		memcpy(w + sizeof *k + 8, &r->off, 8);
	}
	char *text = w + hdr + xlen;
	if (r->len)
		memcpy(text, r->p, r->len);
	gp_packfield *pf = (gp_packfield *)(text + r->len);
	char *bytes = (char *)(pf + r->nf);
	for (uint32_t i = 0; i < r->nf; i++) {
		const gp_field *f = &r->f[i];
		gp_packfield o = { .nlen = f->nlen, .vlen = (uint32_t)f->vlen, .kind = f->kind };
		o.noff = place(f->name, f->nlen, r, w, text, &bytes);
		o.voff = place(f->v, f->vlen, r, w, text, &bytes);
		memcpy(&pf[i], &o, sizeof o);
	}
	/* The padding is defined bytes: runs are written verbatim. */
	memset(bytes, 0, (size_t)(w + size - bytes));
	return k;
}

gp_packed *gp_recpack_copy(gp_recpack *p, const gp_packed *k)
{
	char *w = room(p, k->size);
	if (w)
		memcpy(w, k, k->size);
	return (gp_packed *)w;
}

void gp_recpack_clear(gp_recpack *p)
{
	release(p, p->head);
	p->head = p->cur = NULL;
	p->used = 0;
}

void gp_recpack_trim(gp_recpack *p)
{
	for (gp_packblk *b = p->free, *n; b; b = n) {
		n = b->next;
		p->held -= sizeof *b + b->cap;
		free(b);
	}
	p->free = NULL;
}

void gp_recpack_keep_begin(gp_recpack *p)
{
	release(p, p->old);
	p->old = p->head;
	p->head = p->cur = NULL;
	p->used = 0;
}

void gp_recpack_keep_end(gp_recpack *p)
{
	release(p, p->old);
	p->old = NULL;
}

void gp_recpack_view(const gp_recpack *p, const gp_packed *k, gp_rec *out, gp_field *f)
{
	const char *base = (const char *)k;
	*out = (gp_rec){ .p = gp_packed_text(k), .len = k->len, .nf = k->nf, .mark = k->mark };
	if (k->flags & GP_PACK_POS) {
		memcpy(&out->line, base + sizeof *k, 8);
		memcpy(&out->off, base + sizeof *k + 8, 8);
	}
	if (k->origin)
		out->origin = &p->origins[k->origin - 1];
	if (k->lay)
		out->lay = &p->lays[k->lay - 1];
	if (k->flags & GP_PACK_FIELDS) {
		const gp_packfield *pf = (const gp_packfield *)(gp_packed_text(k) + k->len);
		for (uint32_t i = 0; i < k->nf; i++) {
			gp_packfield o;
			memcpy(&o, &pf[i], sizeof o);
			f[i] = (gp_field){ .name = base + o.noff, .nlen = o.nlen, .v = base + o.voff,
					   .vlen = o.vlen, .kind = (uint8_t)o.kind };
		}
		out->f = f;
	}
}
