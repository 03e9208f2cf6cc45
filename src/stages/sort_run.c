/* The runs of sort: held, spilled, merged (see sort_run.h). */
#include "sort_run.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/grow.h"

#define FANIN 64 /* runs merged at once; more are merged in passes */

struct gp_sort_file {
	gp_scope *scope; /* closing it closes the file: the space is freed */
	gp_tmpfile t;
	uint64_t size;
};

/* A cursor over a run in the file: a buffer refilled with pread. k is its
 * current record, NULL at the end. */
struct gp_sort_rdr {
	const gp_packed *k;
	uint64_t pfx;
	size_t idx; /* the run's place in input order */
	int fd;
	uint64_t off, end;
	char *buf;
	size_t cap, pos, fill;
};

static void free_run(void *arg)
{
	gp_sort_run *r = arg;
	free(r->ents);
	free(r->tmp);
	free(r->runs);
	free(r->wbuf);
	for (size_t i = 0; i < r->nrdrs; i++)
		free(r->rdrs[i].buf);
	free(r->rdrs);
	free(r->heap);
	free(r->last);
	if (r->file)
		free(r->file);
}

static size_t clampz(size_t v, size_t lo, size_t hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

gp_status gp_sort_run_init(gp_sort_run *r, gp_stage *st, gp_sort_order o, bool unique)
{
	r->st = st;
	r->o = o;
	r->unique = unique;
	r->share = gp_memory_share(st->ctx);
	if (gp_scope_defer(st->scope, free_run, r) != 0 ||
	    gp_recpack_own(st->scope, &r->pack, clampz(r->share / 16, 4096, 1 << 20), st->ctx->need_lineno) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	return GP_OK;
}

static gp_status oom(gp_sort_run *r)
{
	return gp_fail(r->st->ctx, NULL, "out of memory");
}

static gp_status io_fail(gp_sort_run *r, const char *what)
{
	int e = errno ? errno : ENOSPC; /* a write that took nothing: the disk is full */
	const char *dir = r->file ? r->file->t.dir : "/tmp";
	return gp_fail(r->st->ctx, NULL, "sort: cannot %s a temporary run in %s: %s", what, dir, strerror(e));
}

static gp_status sort_held(gp_sort_run *r)
{
	if (r->tcap < r->n) {
		free(r->tmp);
		r->tcap = 0;
		if (!(r->tmp = malloc(r->n * sizeof *r->tmp)))
			return oom(r);
		r->tcap = r->n;
	}
	gp_sort_ents(&r->o, r->ents, r->tmp, r->n);
	return GP_OK;
}

/* ---- the file of runs and its writer ---- */

static gp_status file_open(gp_sort_run *r, gp_sort_file **out)
{
	gp_sort_file *f = calloc(1, sizeof *f);
	if (!f)
		return oom(r);
	if (!(f->scope = gp_scope_child(r->st->scope))) {
		free(f);
		return oom(r);
	}
	if (gp_tmpfile_open(&f->t, f->scope, "gpipe-sort") != 0) {
		int e = errno;
		gp_fail(r->st->ctx, NULL, "sort: cannot write a temporary run in %s: %s", f->t.dir, strerror(e));
		gp_scope_close(f->scope);
		free(f);
		return GP_ERR;
	}
	if (!r->wbuf) {
		r->wcap = clampz(r->share / 8, 64 << 10, 1 << 20);
		if (!(r->wbuf = malloc(r->wcap))) {
			gp_scope_close(f->scope);
			free(f);
			return oom(r);
		}
	}
	*out = f;
	return GP_OK;
}

static void file_close(gp_sort_file *f)
{
	gp_scope_close(f->scope);
	free(f);
}

static gp_status wflush(gp_sort_run *r, gp_sort_file *f)
{
	if (r->wlen && gp_tmpfile_write(&f->t, r->wbuf, r->wlen) != 0) {
		r->wlen = 0;
		gp_sort_file *keep = r->file;
		r->file = f;
		io_fail(r, "write");
		r->file = keep;
		return GP_ERR;
	}
	r->wlen = 0;
	return GP_OK;
}

static gp_status wput(gp_sort_run *r, gp_sort_file *f, const gp_packed *k)
{
	if (r->wlen + k->size > r->wcap && wflush(r, f) != GP_OK)
		return GP_ERR;
	if (k->size > r->wcap) {
		r->wlen = 0;
		if (gp_tmpfile_write(&f->t, k, k->size) != 0) {
			gp_sort_file *keep = r->file;
			r->file = f;
			io_fail(r, "write");
			r->file = keep;
			return GP_ERR;
		}
	} else {
		memcpy(r->wbuf + r->wlen, k, k->size);
		r->wlen += k->size;
	}
	f->size += k->size;
	return GP_OK;
}

static gp_status push_run(gp_sort_run *r, gp_sort_span **runs, size_t *n, size_t *cap, uint64_t off,
			  uint64_t end)
{
	if (gp_grow(runs, cap, *n + 1, sizeof **runs) != 0)
		return oom(r);
	(*runs)[(*n)++] = (gp_sort_span){ off, end };
	return GP_OK;
}

/* -u: keeps a copy of k as the last record put, for records that come
 * after a refill of k's buffer. */
static int keep_last(gp_sort_run *r, const gp_packed *k)
{
	if (k == (const gp_packed *)r->last)
		return 0;
	if (gp_grow(&r->last, &r->lastcap, k->size, 1) != 0)
		return -1;
	memcpy(r->last, k, k->size);
	r->prev = (const gp_packed *)r->last;
	return 0;
}

/* ---- holding records ---- */

/* Sorts what is held and keeps only the first `limit` (a top N). */
static gp_status cut(gp_sort_run *r)
{
	if (sort_held(r) != GP_OK)
		return GP_ERR;
	gp_recpack_keep_begin(&r->pack);
	size_t m = 0;
	const gp_packed *prev = NULL;
	for (size_t i = 0; i < r->n && m < r->limit; i++) {
		const gp_packed *k = r->ents[i].k;
		if (r->unique && prev && gp_sort_same(&r->o, prev, k))
			continue;
		gp_packed *c = gp_recpack_copy(&r->pack, k);
		if (!c)
			return oom(r);
		r->ents[m++] = (gp_sort_ent){ gp_sort_prefix(&r->o, c), c };
		prev = c;
	}
	gp_recpack_keep_end(&r->pack);
	r->n = m;
	return GP_OK;
}

static gp_status spill(gp_sort_run *r)
{
	if (sort_held(r) != GP_OK)
		return GP_ERR;
	if (!r->file && file_open(r, &r->file) != GP_OK)
		return GP_ERR;
	gp_sort_file *f = r->file;
	uint64_t start = f->size, written = 0;
	const gp_packed *prev = NULL;
	for (size_t i = 0; i < r->n; i++) {
		const gp_packed *k = r->ents[i].k;
		if (r->unique && prev && gp_sort_same(&r->o, prev, k))
			continue;
		if (r->limited && written >= r->limit)
			break;
		if (wput(r, f, k) != GP_OK)
			return GP_ERR;
		prev = k;
		written++;
	}
	if (wflush(r, f) != GP_OK || push_run(r, &r->runs, &r->nruns, &r->rcap, start, f->size) != GP_OK)
		return GP_ERR;
	gp_recpack_clear(&r->pack);
	r->n = 0;
	return GP_OK;
}

gp_status gp_sort_run_add(gp_sort_run *r, const gp_rec *rec, const char *key, size_t klen)
{
	if (r->limited && r->limit == 0)
		return GP_OK;
	gp_packed *k = gp_recpack_add(&r->pack, rec, klen);
	if (!k)
		return rec->len > UINT32_MAX / 2 ? gp_fail(r->st->ctx, NULL, "sort: a record of %zu bytes is too long", rec->len)
						 : oom(r);
	if (klen)
		memcpy(gp_packed_extra(k), key, klen);
	if (r->n == r->cap && gp_grow(&r->ents, &r->cap, r->n + 1, sizeof *r->ents) != 0)
		return oom(r);
	r->ents[r->n++] = (gp_sort_ent){ gp_sort_prefix(&r->o, k), k };
	if (r->limited && r->limit <= SIZE_MAX / 4 && r->n >= 2 * r->limit && r->n >= 1024)
		return cut(r);
	if (r->pack.used + (r->cap + r->n) * sizeof(gp_sort_ent) > r->share)
		return spill(r);
	return GP_OK;
}

/* ---- merging ---- */

/* 1 when k is ready (or NULL at the end), 0 when a refill is needed. */
static int rdr_peek(gp_sort_run *r, gp_sort_rdr *d)
{
	size_t avail = d->fill - d->pos;
	if (avail >= sizeof(gp_packed)) {
		const gp_packed *k = (const gp_packed *)(d->buf + d->pos);
		if (avail >= k->size) {
			d->k = k;
			d->pfx = gp_sort_prefix(&r->o, k);
			return 1;
		}
	}
	if (d->off >= d->end) {
		d->k = NULL;
		return 1;
	}
	return 0;
}

static gp_status rdr_fill(gp_sort_run *r, gp_sort_rdr *d)
{
	size_t avail = d->fill - d->pos;
	memmove(d->buf, d->buf + d->pos, avail);
	d->pos = 0;
	d->fill = avail;
	size_t need = sizeof(gp_packed);
	if (avail >= need)
		need = ((const gp_packed *)d->buf)->size;
	if (need > d->cap) {
		char *nb = realloc(d->buf, need);
		if (!nb)
			return oom(r);
		d->buf = nb;
		d->cap = need;
	}
	while (d->fill < need || (d->fill < d->cap && d->off < d->end)) {
		size_t want = d->cap - d->fill;
		if (want > d->end - d->off)
			want = (size_t)(d->end - d->off);
		if (want == 0)
			break;
		ssize_t got = pread(d->fd, d->buf + d->fill, want, (off_t)d->off);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0) {
			if (got == 0)
				errno = EIO;
			return io_fail(r, "read");
		}
		d->fill += (size_t)got;
		d->off += (uint64_t)got;
		if (d->fill >= need && d->fill >= d->cap / 2)
			break;
	}
	rdr_peek(r, d);
	return GP_OK;
}

static void rdr_advance(gp_sort_rdr *d)
{
	d->pos += d->k->size;
}

static inline bool rdr_less(const gp_sort_run *r, const gp_sort_rdr *a, const gp_sort_rdr *b)
{
	if (a->pfx != b->pfx)
		return (a->pfx < b->pfx) != r->o.reverse;
	int d = gp_sort_cmp(&r->o, a->k, b->k);
	return d ? d < 0 : a->idx < b->idx;
}

static void sift(gp_sort_run *r, size_t i)
{
	gp_sort_rdr **h = r->heap;
	size_t n = r->nheap;
	gp_sort_rdr *x = h[i];
	for (;;) {
		size_t c = 2 * i + 1;
		if (c >= n)
			break;
		if (c + 1 < n && rdr_less(r, h[c + 1], h[c]))
			c++;
		if (!rdr_less(r, h[c], x))
			break;
		h[i] = h[c];
		i = c;
	}
	h[i] = x;
}

/* The top reader moved on: put it in its place, or out at its end. */
static void settle(gp_sort_run *r)
{
	if (!r->heap[0]->k)
		r->heap[0] = r->heap[--r->nheap];
	if (r->nheap)
		sift(r, 0);
}

static void free_rdrs(gp_sort_run *r)
{
	for (size_t i = 0; i < r->nrdrs; i++)
		free(r->rdrs[i].buf);
	r->nrdrs = 0;
	r->nheap = 0;
}

/* Readers over runs[0..m) of f, their buffers sharing the memory. */
static gp_status open_rdrs(gp_sort_run *r, gp_sort_file *f, const gp_sort_span *runs, size_t m)
{
	free_rdrs(r);
	size_t n = m;
	free(r->rdrs);
	free(r->heap);
	r->rdrs = calloc(n, sizeof *r->rdrs);
	r->heap = malloc(n * sizeof *r->heap);
	if (!r->rdrs || !r->heap)
		return oom(r);
	size_t bufsz = clampz(r->share / (2 * (m ? m : 1)), 32 << 10, 1 << 20);
	for (size_t i = 0; i < n; i++) {
		gp_sort_rdr *d = &r->rdrs[i];
		d->idx = i;
		r->nrdrs = i + 1;
		d->fd = f->t.fd;
		d->off = runs[i].off;
		d->end = runs[i].end;
		if (!(d->buf = malloc(bufsz)))
			return oom(r);
		d->cap = bufsz;
		if (rdr_fill(r, d) != GP_OK)
			return GP_ERR;
		if (d->k)
			r->heap[r->nheap++] = d;
	}
	for (size_t i = r->nheap / 2; i-- > 0;)
		sift(r, i);
	return GP_OK;
}

/* Merges groups of FANIN runs into runs of a new file, in order. */
static gp_status pass(gp_sort_run *r)
{
	gp_sort_file *nf;
	if (file_open(r, &nf) != GP_OK)
		return GP_ERR;
	gp_sort_span *nruns = NULL;
	size_t nn = 0, ncap = 0;
	gp_status st = GP_OK;
	for (size_t g = 0; g < r->nruns && st == GP_OK; g += FANIN) {
		size_t m = r->nruns - g < FANIN ? r->nruns - g : FANIN;
		if ((st = open_rdrs(r, r->file, r->runs + g, m)) != GP_OK)
			break;
		uint64_t start = nf->size, written = 0;
		r->prev = NULL;
		while (r->nheap && !gp_signal) {
			gp_sort_rdr *d = r->heap[0];
			const gp_packed *k = d->k;
			if (!(r->unique && r->prev && gp_sort_same(&r->o, r->prev, k))) {
				if (r->limited && written >= r->limit)
					break;
						if ((st = wput(r, nf, k)) != GP_OK)
					break;
				written++;
				if (r->unique) {
					if (keep_last(r, k) != 0) {
						st = oom(r);
						break;
					}
				}
			}
			rdr_advance(d);
			if (!rdr_peek(r, d) && (st = rdr_fill(r, d)) != GP_OK)
				break;
			settle(r);
		}
		if (st == GP_OK && (st = wflush(r, nf)) == GP_OK)
			st = push_run(r, &nruns, &nn, &ncap, start, nf->size);
	}
	free_rdrs(r);
	r->prev = NULL;
	file_close(r->file);
	r->file = nf;
	free(r->runs);
	r->runs = nruns;
	r->nruns = nn;
	r->rcap = ncap;
	return st;
}

gp_status gp_sort_run_finish(gp_sort_run *r)
{
	if (!r->nruns)
		return sort_held(r);
	/* Runs on disk: the rest goes there too, so that the merge's buffers
	 * get the memory the records held. */
	if (r->n && spill(r) != GP_OK)
		return GP_ERR;
	gp_recpack_trim(&r->pack);
	free(r->ents);
	free(r->tmp);
	r->ents = r->tmp = NULL;
	r->cap = r->tcap = 0;
	while (r->nruns > FANIN && !gp_signal)
		if (pass(r) != GP_OK)
			return GP_ERR;
	r->merging = true;
	return open_rdrs(r, r->file, r->runs, r->nruns);
}

gp_status gp_sort_run_next(gp_sort_run *r, gp_sort_put put, void *arg)
{
	bool took = false;
	if (!r->merging) {
		while (r->emit < r->n) {
			const gp_packed *k = r->ents[r->emit].k;
			if (!(r->unique && r->prev && gp_sort_same(&r->o, r->prev, k))) {
				if (!put(arg, k))
					break;
				r->prev = k;
				took = true;
			}
			r->emit++;
		}
		return took ? GP_OK : GP_EOF;
	}
	if (gp_signal)
		return GP_EOF;
	if (r->pending) {
		gp_sort_rdr *d = r->pending;
		r->pending = NULL;
		if (rdr_fill(r, d) != GP_OK)
			return GP_ERR;
		settle(r);
	}
	while (r->nheap) {
		gp_sort_rdr *d = r->heap[0];
		const gp_packed *k = d->k;
		if (!(r->unique && r->prev && gp_sort_same(&r->o, r->prev, k))) {
			if (!put(arg, k))
				break;
			r->prev = k;
			took = true;
		}
		rdr_advance(d);
		if (!rdr_peek(r, d)) {
			if (took) {
				r->pending = d; /* the records put live in its buffer */
				break;
			}
			if (rdr_fill(r, d) != GP_OK)
				return GP_ERR;
		}
		settle(r);
	}
	if (r->unique && took && keep_last(r, r->prev) != 0)
		return oom(r);
	return took ? GP_OK : GP_EOF;
}
