/* Records kept past their batch (see rec.h). */
#include "rec.h"

#include <stdlib.h>
#include <string.h>

#include "grow.h"

int gp_keep(gp_kept *k, const gp_rec *r)
{
	const gp_origin *o = r->origin;
	size_t nl = o ? strlen(o->name) + 1 : 0;
	size_t ml = o && o->member ? strlen(o->member) + 1 : 0;
	size_t need = r->len + nl + ml;
	for (uint32_t i = 0; i < r->nf; i++)
		need += r->f[i].nlen + r->f[i].vlen;
	/* Not gp_grow: 128 bytes, then powers of two. A slot of a tail ring is
	 * reused for records of about the same length, and gp_grow's first
	 * size (need exactly) makes it grow again at each slightly longer one:
	 * tail 100000 took 6% more CPU that way. */
	if (need > k->cap || !k->buf) {
		size_t cap = k->cap ? k->cap : 128;
		while (cap < need)
			cap *= 2;
		char *b = realloc(k->buf, cap);
		if (!b)
			return -1;
		k->buf = b;
		k->cap = cap;
	}
	if (r->f && gp_grow(&k->f, &k->fcap, r->nf ? r->nf : 1, sizeof *k->f) != 0)
		return -1;
	char *w = k->buf;
	if (r->len)
		memcpy(w, r->p, r->len);
	k->rec = *r;
	k->rec.p = w;
	w += r->len;
	if (o) {
		if (!k->origin && !(k->origin = malloc(sizeof *k->origin)))
			return -1;
		memcpy(w, o->name, nl);
		k->origin->name = w;
		k->origin->member = NULL;
		k->origin->id = o->id;
		k->origin->mtime = o->mtime;
		w += nl;
		if (ml) {
			memcpy(w, o->member, ml);
			k->origin->member = w;
			w += ml;
		}
		k->rec.origin = k->origin;
	}
	if (r->f) {
		for (uint32_t i = 0; i < r->nf; i++) {
			gp_field f = r->f[i];
			if (f.nlen)
				memcpy(w, f.name, f.nlen);
			f.name = w;
			w += f.nlen;
			if (f.vlen)
				memcpy(w, f.v, f.vlen);
			f.v = w;
			w += f.vlen;
			k->f[i] = f;
		}
		k->rec.f = k->f;
	}
	return 0;
}

/* Not gp_grow: the array never grows past max (tail 10 keeps 10 slots, not
 * 16), and new slots must be zeroed for gp_keep. */
int gp_kept_room(gp_kept **v, size_t *cap, size_t i, size_t max)
{
	if (i < *cap)
		return 0;
	size_t nc = *cap ? *cap * 2 : 64;
	if (nc < i + 1)
		nc = i + 1;
	if (nc > max)
		nc = max;
	gp_kept *r = realloc(*v, nc * sizeof *r);
	if (!r)
		return -1;
	memset(r + *cap, 0, (nc - *cap) * sizeof *r);
	*v = r;
	*cap = nc;
	return 0;
}

void gp_kept_free(gp_kept *k)
{
	free(k->buf);
	free(k->f);
	free(k->origin);
	k->buf = NULL;
	k->f = NULL;
	k->origin = NULL;
	k->cap = 0;
	k->fcap = 0;
}
