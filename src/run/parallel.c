/* -j N: the reader, the workers and the feed of the main thread (see
 * parallel.h for the shape and the rules). */
#include "parallel.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../core/dropped.h"
#include "../core/grow.h"
#include "../core/recpack.h"
#include "../input/source.h"
#include "../registry.h"

extern const gp_stage_def gp_stage_read;

/* ---- pieces and what came out of them ---- */

enum item_kind { IT_SPAN, IT_RECS, IT_PACK, IT_MSG, IT_SUM, IT_ERR };

typedef struct item {
	enum item_kind kind;
	gp_batch b;     /* IT_SPAN, IT_RECS: the batch the feed hands out */
	gp_packed **pk; /* IT_PACK: the records, in the piece's pack */
	size_t npk;
	char *text;     /* IT_MSG, IT_ERR: the message; IT_SPAN: a copy of the span */
	gp_rec *recs;   /* IT_RECS: a copy of the record views */
	gp_dropped *sum; /* IT_SUM */
} item;

enum { C_QUEUED, C_BUSY, C_DONE };

typedef struct chunk {
	struct chunk *next; /* in input order */
	int state;          /* C_*: under the run's lock until C_DONE */
	bool end;           /* the reader's last: messages, a fatal error, no data */
	bool tail;          /* a worker's output after its last piece: no data in */
	size_t bytes;       /* held against the budget */
	char *buf;          /* the source's buffer (cap + 1 bytes); the span lies in it */
	size_t cap;
	gp_batch in;        /* the span as the source handed it out */
	gp_origin origin;   /* a copy: the source frees its own when the input ends */
	char *names;        /* origin.name and .member */
	item *it;           /* the reader's messages first, then the worker's output */
	size_t nit, itcap;
	bool has_pack;
	gp_scope scope;     /* owns pack */
	gp_recpack pack;
	bool had_error, selected;
	uint64_t seq;       /* the piece's number in input order: its part (--partial) */
} chunk;

typedef struct worker worker;

typedef struct gp_par {
	pthread_mutex_t mu;
	pthread_cond_t work;  /* a piece to run, or the end */
	pthread_cond_t done;  /* a piece is done, or a worker finished */
	pthread_cond_t space; /* the budget has room again */
	chunk *head, *tail;   /* every piece not yet released, in order */
	chunk *todo;          /* the first piece no worker took */
	size_t inflight, budget;
	bool stop;            /* the main thread wants no more */
	bool reader_done;
	unsigned running;     /* workers not finished */
	bool has_fatal;       /* a worker could not build its chain */
	gp_diag fatal;

	gp_ctx tmpl; /* the options each thread's ctx starts from */
	const char *src;
	size_t srclen;
	bool comments;
	size_t nstages;
	const char *const *files;
	size_t nfiles;

	pthread_t reader;
	bool reader_started;
	worker *w;
	unsigned nw;

	size_t std_cap; /* the source's usual buffer: those are kept for reuse */
	char **pool;
	size_t npool, poolcap;
	uint64_t nseq; /* reader only: pieces made */

	item *pre; /* reader only: messages for its next piece */
	size_t npre, precap;
} gp_par;

/* A thread's context: gp_ctx first, so the hooks find the rest. */
typedef struct tctx {
	gp_ctx ctx;
	gp_par *par;
	worker *w;
	gp_scope root; /* the thread's stages */
	gp_arena arena;
} tctx;

struct worker {
	gp_par *par;
	pthread_t th;
	bool started;
	chunk *cur;   /* the piece being run */
	chunk *tail;  /* what comes out after the last piece (an aggregate's states) */
	size_t pos;   /* how much of its span was handed to the chain */
	uint64_t line; /* the line number at pos (0: unknown) */
	gp_recvec lazy;
};

static int push_item(item **v, size_t *n, size_t *cap, item it)
{
	if (gp_grow(v, cap, *n + 1, sizeof **v) != 0)
		return -1;
	(*v)[(*n)++] = it;
	return 0;
}

static void item_free(item *it)
{
	free(it->text);
	free(it->recs);
	free(it->pk);
	free(it->sum);
}

static void chunk_free_items(chunk *c)
{
	for (size_t i = 0; i < c->nit; i++)
		item_free(&c->it[i]);
	free(c->it);
	c->it = NULL;
	c->nit = c->itcap = 0;
	if (c->has_pack) {
		gp_scope_unwind(&c->scope);
		c->has_pack = false;
	}
}

/* ---- the lock ---- */

static void lock(gp_par *P)
{
	pthread_mutex_lock(&P->mu);
}

static void unlock(gp_par *P)
{
	pthread_mutex_unlock(&P->mu);
}

/* ---- buffers ---- */

static char *get_buffer(gp_par *P, size_t cap)
{
	char *b = NULL;
	lock(P);
	if (cap == P->std_cap && P->npool > 0)
		b = P->pool[--P->npool];
	unlock(P);
	return b ? b : malloc(cap + 1);
}

/* Called with the lock held. */
static void put_buffer(gp_par *P, char *b, size_t cap)
{
	if (cap == P->std_cap && P->npool < P->poolcap)
		P->pool[P->npool++] = b;
	else
		free(b);
}

/* ---- a thread's context ---- */

static void thread_ctx(tctx *t, gp_par *P, worker *w)
{
	gp_scope_init(&t->root);
	gp_arena_init(&t->arena);
	t->ctx = P->tmpl;
	t->ctx.arena = &t->arena;
	t->ctx.root = &t->root;
	memset(&t->ctx.diag, 0, sizeof t->ctx.diag);
	t->ctx.summary = NULL;
	t->ctx.pending = NULL;
	t->ctx.flush_hint = NULL;
	t->ctx.out = NULL;
	t->ctx.highlight = NULL;
	t->ctx.status_stage = NULL;
	t->ctx.selected = false;
	t->ctx.had_error = false;
	t->ctx.progress = NULL;
	t->ctx.bytes_in = 0;
	t->ctx.memory_holders = 0;
	t->par = P;
	t->w = w;
}

/* ---- the reader ---- */

static void reader_report(gp_ctx *ctx, const char *msg)
{
	gp_par *P = ((tctx *)ctx)->par;
	char *t = strdup(msg);
	if (!t || push_item(&P->pre, &P->npre, &P->precap, (item){ .kind = IT_MSG, .text = t }) != 0)
		free(t);
}

/* Appends a piece to the queue (its state set), under the lock. */
static void append(gp_par *P, chunk *c)
{
	if (P->tail)
		P->tail->next = c;
	else
		P->head = c;
	P->tail = c;
	if (!P->todo && !c->end && !c->tail)
		P->todo = c;
}

static chunk *new_chunk(gp_par *P, gp_ctx *ctx)
{
	chunk *c = calloc(1, sizeof *c);
	if (!c)
		return NULL;
	c->it = P->pre;
	c->nit = P->npre;
	c->itcap = P->precap;
	P->pre = NULL;
	P->npre = P->precap = 0;
	c->had_error = ctx->had_error;
	ctx->had_error = false;
	return c;
}

/* The piece of batch b, whose buffer the source gives up. */
static chunk *take_piece(gp_par *P, gp_ctx *ctx, gp_stage *st, const gp_batch *b)
{
	size_t cap = gp_source_buffer_cap(st);
	if (!P->std_cap) {
		/* Pieces of GP_PAR_PIECE bytes, fewer hand-overs than the
		 * source's own block; never past --max-record, which a full
		 * buffer stands for. */
		P->std_cap = cap;
		if (P->std_cap < GP_PAR_PIECE && P->tmpl.max_record + 2 >= GP_PAR_PIECE)
			P->std_cap = GP_PAR_PIECE;
	}
	size_t ncap = cap < P->std_cap ? P->std_cap : cap;
	const gp_origin *o = b->span_origin;
	size_t nl = o ? strlen(o->name) + 1 : 0, ml = o && o->member ? strlen(o->member) + 1 : 0;
	char *nb = get_buffer(P, ncap);
	char *names = o ? malloc(nl + ml) : NULL;
	chunk *c = nb && (!o || names) ? new_chunk(P, ctx) : NULL;
	if (!c) {
		free(nb);
		free(names);
		return NULL;
	}
	c->buf = gp_source_swap_buffer(st, nb, ncap);
	c->cap = cap; /* the size of the buffer given up */
	c->in = *b;
	c->in.lazy = NULL;
	c->in.writable = true;
	if (o) {
		memcpy(names, o->name, nl);
		if (ml)
			memcpy(names + nl, o->member, ml);
		c->names = names;
		c->origin = (gp_origin){ .name = names, .member = ml ? names + nl : NULL, .id = o->id,
					 .mtime = o->mtime };
		c->in.span_origin = &c->origin;
	}
	return c;
}

static void *reader_main(void *arg)
{
	gp_par *P = arg;
	tctx t;
	thread_ctx(&t, P, NULL);
	t.ctx.report = reader_report;
	const char *fail = NULL;
	gp_stage *st = gp_arena_alloc(&t.arena, sizeof *st);
	if (st && (st->scope = gp_scope_child(&t.root)) != NULL) {
		st->ctx = &t.ctx;
		st->def = &gp_stage_read;
		if (gp_source_open(st, P->files, P->nfiles) != GP_OK)
			fail = t.ctx.diag.msg;
	} else {
		fail = "out of memory";
	}
	while (!fail) {
		lock(P);
		while (P->inflight >= P->budget && !P->stop)
			pthread_cond_wait(&P->space, &P->mu);
		bool stop = P->stop;
		unlock(P);
		if (stop)
			break;
		gp_batch b;
		gp_batch_reset(&b);
		gp_status r = st->ops->next(st, &b);
		if (r == GP_EOF)
			break;
		if (r == GP_ERR) {
			fail = t.ctx.diag.msg;
			break;
		}
		chunk *c = take_piece(P, &t.ctx, st, &b);
		if (!c) {
			fail = "out of memory";
			break;
		}
		c->bytes = c->cap;
		c->seq = P->nseq++;
		lock(P);
		append(P, c);
		P->inflight += c->bytes;
		pthread_cond_signal(&P->work);
		unlock(P);
	}
	/* Closing the source may still say something (the last input's
	 * over-long records): it goes with the end. */
	char failmsg[GP_DIAG_MSG];
	if (fail)
		snprintf(failmsg, sizeof failmsg, "%s", fail);
	gp_scope_unwind(&t.root);
	gp_arena_free(&t.arena);
	chunk *end = new_chunk(P, &t.ctx);
	char *ft = fail ? strdup(failmsg) : NULL;
	if (end && ft && push_item(&end->it, &end->nit, &end->itcap, (item){ .kind = IT_ERR, .text = ft }) != 0)
		free(ft);
	lock(P);
	if (end) {
		end->end = true;
		end->state = C_DONE;
		append(P, end);
	} else if (!P->has_fatal) {
		P->has_fatal = true;
		snprintf(P->fatal.msg, sizeof P->fatal.msg, "out of memory");
	}
	P->reader_done = true;
	pthread_cond_broadcast(&P->work);
	pthread_cond_broadcast(&P->done);
	unlock(P);
	return NULL;
}

/* ---- the workers ---- */

/* Hands the worker's tail chunk to the main thread (in the queue after the
 * reader's end), waiting while the budget is spent. */
static void flush_tail(worker *w)
{
	chunk *c = w->tail;
	gp_par *P = w->par;
	if (!c)
		return;
	w->tail = NULL;
	lock(P);
	while (P->inflight >= P->budget && !P->stop)
		pthread_cond_wait(&P->space, &P->mu);
	P->inflight += c->bytes;
	append(P, c);
	if (P->head == c)
		pthread_cond_broadcast(&P->done);
	unlock(P);
}

/* Where a worker's output goes: its piece, or its tail after its last. */
static chunk *out_of(worker *w)
{
	if (w->cur)
		return w->cur;
	if (w->tail && w->tail->bytes >= GP_PAR_PIECE)
		flush_tail(w);
	if (!w->tail && (w->tail = calloc(1, sizeof *w->tail)) != NULL) {
		w->tail->tail = true;
		w->tail->state = C_DONE;
	}
	return w->tail;
}

static int add(worker *w, item it, size_t bytes)
{
	chunk *c = out_of(w);
	if (!c || push_item(&c->it, &c->nit, &c->itcap, it) != 0)
		return -1;
	if (c->tail)
		c->bytes += bytes + sizeof it;
	return 0;
}

static void add_text(worker *w, enum item_kind kind, const char *msg)
{
	char *t = strdup(msg);
	if (!t || add(w, (item){ .kind = kind, .text = t }, strlen(msg)) != 0)
		free(t);
}

static void worker_report(gp_ctx *ctx, const char *msg)
{
	add_text(((tctx *)ctx)->w, IT_MSG, msg);
}

static void worker_summary(gp_ctx *ctx, const gp_dropped *d)
{
	worker *w = ((tctx *)ctx)->w;
	/* The names may live in the worker's arena (an aggregate's "avg ms"),
	 * which goes before the main thread says them: copied along. */
	const char *src[3] = { d->stage, d->what, d->what1 };
	size_t len[3], all = 0;
	for (int i = 0; i < 3; i++)
		all += (len[i] = src[i] ? strlen(src[i]) + 1 : 0);
	gp_dropped *s = malloc(sizeof *s + all);
	if (!s)
		return;
	*s = *d;
	s->next = NULL;
	s->listed = false;
	char *p = (char *)(s + 1);
	const char **dst[3] = { &s->stage, &s->what, &s->what1 };
	for (int i = 0; i < 3; i++) {
		if (!src[i])
			continue;
		memcpy(p, src[i], len[i]);
		*dst[i] = p;
		p += len[i];
	}
	if (add(w, (item){ .kind = IT_SUM, .sum = s }, sizeof *s) != 0)
		free(s);
}

static bool in_piece(const chunk *c, const char *p, size_t n)
{
	return p >= c->buf && p + n <= c->buf + c->cap + 1;
}

/* Records that lie end to end in the piece, each followed by its
 * delimiter, on consecutive lines (what a filter passes on, as runs of
 * lines) are kept as spans into the piece: nothing copied, and the output
 * writes each run at once. 0, or 1 when some record is not like that (the
 * caller keeps the views), -1 when out of memory. */
static int keep_runs(worker *w, chunk *c, const gp_batch *b)
{
	const char delim = w->par->tmpl.delim;
	for (size_t i = 0; i < b->n; i++) {
		const gp_rec *r = &b->recs[i];
		if (r->mark || r->origin != &c->origin || !in_piece(c, r->p, r->len + 1) ||
		    r->p[r->len] != delim)
			return 1;
	}
	/* Short runs (a filter that passes every other line) stay views: an
	 * item a run would cost more than it saves. */
	size_t runs = 1;
	for (size_t i = 1; i < b->n; i++) {
		const gp_rec *p = &b->recs[i - 1], *r = &b->recs[i];
		runs += r->p != p->p + p->len + 1 || (r->line != p->line + 1 && (r->line || p->line));
	}
	if (runs * 8 > b->n && runs > 1)
		return 1;
	for (size_t i = 0, j; i < b->n; i = j) {
		const gp_rec *a = &b->recs[i];
		for (j = i + 1; j < b->n; j++) {
			const gp_rec *p = &b->recs[j - 1], *r = &b->recs[j];
			if (r->p != p->p + p->len + 1 || (r->line != p->line + 1 && (r->line || p->line)))
				break;
		}
		const gp_rec *z = &b->recs[j - 1];
		item it = { .kind = IT_SPAN };
		it.b.span = a->p;
		it.b.span_len = (size_t)(z->p + z->len + 1 - a->p);
		it.b.span_line = a->line;
		it.b.span_off = a->off;
		it.b.span_origin = &c->origin;
		it.b.span_nrec = j - i;
		it.b.writable = true;
		if (add(w, it, 0) != 0)
			return -1;
	}
	return 0;
}

/* Keeps a batch the chain made of the piece: views into the piece as they
 * are, everything else packed. 0, or -1 when out of memory. */
static int keep(worker *w, gp_batch *b)
{
	chunk *c = out_of(w);
	if (!c)
		return -1;
	if (b->span && !b->has_recs && (!b->span_origin || b->span_origin == &c->origin)) {
		item it = { .kind = IT_SPAN, .b = *b };
		if (!in_piece(c, b->span, b->span_len)) {
			if (!(it.text = malloc(b->span_len ? b->span_len : 1)))
				return -1;
			memcpy(it.text, b->span, b->span_len);
			it.b.span = it.text;
		}
		it.b.recs = NULL;
		it.b.n = 0;
		it.b.has_recs = false;
		it.b.lazy = NULL;
		it.b.writable = true;
		if (add(w, it, it.text ? b->span_len : 0) != 0) {
			free(it.text);
			return -1;
		}
		return 0;
	}
	if (gp_batch_records(b, w->par->tmpl.delim) == (size_t)-1)
		return -1;
	if (b->n == 0)
		return 0;
	bool plain = true;
	for (size_t i = 0; i < b->n && plain; i++) {
		const gp_rec *r = &b->recs[i];
		plain = !r->f && !r->lay && in_piece(c, r->p, r->len) &&
			(!r->origin || r->origin == &c->origin);
	}
	if (plain && keep_runs(w, c, b) == 0)
		return 0;
	if (plain) {
		gp_rec *v = malloc(b->n * sizeof *v);
		if (!v)
			return -1;
		memcpy(v, b->recs, b->n * sizeof *v);
		item it = { .kind = IT_RECS, .recs = v };
		gp_batch_of(&it.b, v, b->n);
		it.b.writable = true;
		if (add(w, it, b->n * sizeof *v) != 0) {
			free(v);
			return -1;
		}
		return 0;
	}
	if (!c->has_pack) {
		gp_scope_init(&c->scope);
		if (gp_recpack_own(&c->scope, &c->pack, 64u << 10, true) != 0) {
			gp_scope_unwind(&c->scope);
			return -1;
		}
		c->has_pack = true;
	}
	gp_packed **pk = malloc(b->n * sizeof *pk);
	if (!pk)
		return -1;
	size_t bytes = b->n * sizeof *pk;
	for (size_t i = 0; i < b->n; i++) {
		if (!(pk[i] = gp_recpack_add(&c->pack, &b->recs[i], 0))) {
			free(pk);
			return -1;
		}
		bytes += pk[i]->size;
	}
	if (add(w, (item){ .kind = IT_PACK, .pk = pk, .npk = b->n }, bytes) != 0) {
		free(pk);
		return -1;
	}
	return 0;
}

/* The piece is run: what the worker said about it goes with it. */
static void finish(worker *w, gp_ctx *ctx)
{
	chunk *c = w->cur;
	if (!c)
		return;
	gp_dropped_flush_all(ctx);
	c->had_error |= ctx->had_error;
	c->selected = ctx->selected;
	ctx->had_error = false;
	ctx->selected = false;
	w->cur = NULL;
	lock(w->par);
	c->state = C_DONE;
	/* The main thread waits for the head piece only: a wake-up is a
	 * cross-core interrupt, dear in a VM. */
	if (w->par->head == c)
		pthread_cond_broadcast(&w->par->done);
	unlock(w->par);
}

/* The next piece for a worker, or NULL at the end. */
static chunk *claim(gp_par *P)
{
	lock(P);
	while (!P->todo && !P->reader_done && !P->stop)
		pthread_cond_wait(&P->work, &P->mu);
	chunk *c = P->stop ? NULL : P->todo;
	if (c) {
		c->state = C_BUSY;
		P->todo = c->next && !c->next->end && !c->next->tail ? c->next : NULL;
		/* A piece appended later sets todo again (append). */
	}
	unlock(P);
	return c;
}

/* The first stage of a worker's chain: the pieces it takes, one batch each. */
static gp_status piece_next(gp_stage *st, gp_batch *out)
{
	worker *w = st->state;
	for (;;) {
		if (w->cur && w->pos < w->cur->in.span_len) {
			/* The piece in slices of the source's block, cut after a
			 * delimiter: a batch's record views stay as small as
			 * with -j 1 (a 1 MiB piece of 2-byte lines is 512 K views). */
			const gp_batch *in = &w->cur->in;
			const char *p = in->span + w->pos, *end = in->span + in->span_len;
			size_t n = (size_t)(end - p);
			if (n > GP_READ_BLOCK) {
				const char *q = memrchr(p, w->par->tmpl.delim, GP_READ_BLOCK);
				if (!q)
					q = memchr(p + GP_READ_BLOCK, w->par->tmpl.delim,
						   n - GP_READ_BLOCK);
				n = q ? (size_t)(q - p) + 1 : n;
			}
			*out = *in;
			out->span = p;
			out->span_len = n;
			out->span_off = in->span_off + w->pos;
			out->span_line = w->line;
			out->span_nrec = n == in->span_len ? in->span_nrec
							   : gp_count_byte(p, n, w->par->tmpl.delim);
			out->lazy = &w->lazy;
			w->pos += n;
			if (w->line)
				w->line += out->span_nrec;
			return GP_OK;
		}
		/* Asked for more: the chain has handed on all it made of the
		 * piece (a batch's views live until the next pull). */
		finish(w, st->ctx);
		chunk *c = claim(w->par);
		if (!c)
			return GP_EOF;
		w->cur = c;
		w->pos = 0;
		w->line = c->in.span_line;
		/* An aggregate under the worker counts its records in parts. */
		st->ctx->part = c->seq;
	}
}

static const gp_stage_ops piece_ops = { piece_next };
static const gp_stage_def piece_def = { .name = "read" };

static gp_status piece_open(gp_stage *st, void *arg)
{
	worker *w = arg;
	st->state = w;
	st->ops = &piece_ops;
	if (gp_recvec_own(st->scope, &w->lazy) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	return GP_OK;
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	gp_par *P = w->par;
	tctx t;
	thread_ctx(&t, P, w);
	t.ctx.report = worker_report;
	t.ctx.summary = worker_summary;
	gp_plan plan;
	if (gp_plan_build_part(&t.ctx, P->src, P->srclen, P->comments, &piece_def, piece_open, w,
			       P->nstages, &plan) != GP_OK) {
		lock(P);
		if (!P->has_fatal) {
			P->has_fatal = true;
			P->fatal = t.ctx.diag;
		}
		P->stop = true;
		pthread_cond_broadcast(&P->work);
		pthread_cond_broadcast(&P->space);
		pthread_cond_broadcast(&P->done);
		unlock(P);
	} else {
		for (;;) {
			gp_batch b;
			gp_status r = gp_plan_next(&plan, &b);
			if (r == GP_EOF)
				break;
			if (r == GP_ERR) {
				add_text(w, IT_ERR, t.ctx.diag.msg);
				break;
			}
			if (keep(w, &b) != 0) {
				add_text(w, IT_ERR, "out of memory");
				break;
			}
		}
	}
	/* A piece still open (an error above) goes with what was said of it;
	 * what closing the stages says comes after the last piece. */
	finish(w, &t.ctx);
	gp_scope_unwind(&t.root);
	gp_arena_free(&t.arena);
	if (t.ctx.had_error && out_of(w))
		w->tail->had_error = true;
	flush_tail(w);
	lock(P);
	P->running--;
	pthread_cond_broadcast(&P->done);
	unlock(P);
	return NULL;
}

/* ---- the feed: the main thread's first stage ---- */

typedef struct feed {
	gp_par *par;
	gp_ctx *ctx;
	chunk *cur;
	size_t i;
	bool eof;     /* everything handed out: EOF from now on */
	gp_rec *recs; /* views of packed records */
	size_t rcap;
	gp_field *fields;
	size_t fcap;
	gp_recvec lazy;   /* a span's records, split on demand */
	gp_dropped **sums; /* summaries of the input being read, added up (owned) */
	size_t nsum, scap;
	uint64_t last_id;
	bool have_id;
} feed;

/* Says the summaries of every input but `keep` (all of them when all). */
static void sums_say_but(feed *f, gp_ctx *ctx, bool all, uint64_t keep)
{
	size_t k = 0;
	for (size_t i = 0; i < f->nsum; i++) {
		if (all || f->sums[i]->origin_id != keep) {
			gp_dropped_say(ctx, f->sums[i]);
			free(f->sums[i]);
		} else {
			f->sums[k++] = f->sums[i];
		}
	}
	f->nsum = k;
}

static void sums_say(feed *f, gp_ctx *ctx)
{
	sums_say_but(f, ctx, true, 0);
}

/* One piece's summary (the item's, taken when it is new): added to the
 * same counter's of earlier pieces of the same input (their first line is
 * the earlier). */
static void sum_add(feed *f, item *it)
{
	const gp_dropped *d = it->sum;
	for (size_t i = 0; i < f->nsum; i++) {
		gp_dropped *s = f->sums[i];
		if (s->origin_id == d->origin_id && strcmp(s->stage, d->stage) == 0 &&
		    strcmp(s->what, d->what) == 0 && s->error == d->error) {
			s->count += d->count;
			return;
		}
	}
	if (gp_grow(&f->sums, &f->scap, f->nsum + 1, sizeof *f->sums) == 0) {
		f->sums[f->nsum++] = it->sum;
		it->sum = NULL;
	}
}

/* Data of origin o is next: the summaries of earlier inputs are said
 * first, as one run says them when the next input begins (a piece of o
 * that had no output may have brought one of o's already: it stays). */
static void data_from(feed *f, gp_ctx *ctx, const gp_origin *o)
{
	uint64_t id = o ? o->id : 0;
	if (f->have_id && id != f->last_id)
		sums_say_but(f, ctx, false, id);
	f->last_id = id;
	f->have_id = true;
}

static void release(gp_par *P, chunk *c)
{
	chunk_free_items(c);
	free(c->names);
	lock(P);
	P->head = c->next;
	if (!P->head)
		P->tail = NULL;
	P->inflight -= c->bytes;
	if (c->buf)
		put_buffer(P, c->buf, c->cap);
	/* Those waiting for room (the reader, a worker's tail) wait while the
	 * budget is spent; woken once a quarter of it is free, not per piece. */
	if (P->inflight <= P->budget - P->budget / 4)
		pthread_cond_broadcast(&P->space);
	unlock(P);
	free(c);
}

/* The next chunk in input order once it is run (0, in *out); 1 when
 * every chunk has been handed out and every thread is done; -1 on a signal
 * or when a worker could not start. */
static int wait_head(gp_par *P, chunk **out)
{
	int r;
	lock(P);
	for (;;) {
		chunk *c = P->head;
		if (c && c->state == C_DONE) {
			*out = c;
			r = 0;
			break;
		}
		if (!c && P->reader_done && P->running == 0) {
			r = 1;
			break;
		}
		if (P->has_fatal || gp_signal) {
			r = -1;
			break;
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += 100 * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&P->done, &P->mu, &ts);
	}
	unlock(P);
	return r;
}

static gp_status hand_out(feed *f, gp_ctx *ctx, item *it, gp_batch *out)
{
	switch (it->kind) {
	case IT_SPAN:
		data_from(f, ctx, it->b.span_origin);
		*out = it->b;
		out->lazy = &f->lazy;
		return GP_OK;
	case IT_RECS:
		data_from(f, ctx, it->b.recs[0].origin);
		*out = it->b;
		return GP_OK;
	case IT_PACK: {
		size_t nf = 0;
		for (size_t i = 0; i < it->npk; i++)
			nf += it->pk[i]->nf;
		if (gp_grow(&f->recs, &f->rcap, it->npk, sizeof *f->recs) != 0 ||
		    gp_grow(&f->fields, &f->fcap, nf ? nf : 1, sizeof *f->fields) != 0)
			return gp_fail(ctx, NULL, "out of memory");
		nf = 0;
		for (size_t i = 0; i < it->npk; i++) {
			gp_recpack_view(&f->cur->pack, it->pk[i], &f->recs[i], f->fields + nf);
			nf += it->pk[i]->nf;
		}
		data_from(f, ctx, f->recs[0].origin);
		gp_batch_of(out, f->recs, it->npk);
		out->writable = true;
		return GP_OK;
	}
	default:
		return GP_EOF;
	}
}

static gp_status feed_next(gp_stage *st, gp_batch *out)
{
	feed *f = st->state;
	gp_par *P = f->par;
	gp_ctx *ctx = st->ctx;
	if (f->eof)
		return GP_EOF;
	for (;;) {
		chunk *c = f->cur;
		if (c && f->i < c->nit) {
			item *it = &c->it[f->i++];
			switch (it->kind) {
			case IT_MSG:
				ctx->report(ctx, it->text);
				continue;
			case IT_SUM:
				sum_add(f, it);
				continue;
			case IT_ERR:
				sums_say(f, ctx);
				snprintf(ctx->diag.msg, sizeof ctx->diag.msg, "%s", it->text);
				ctx->diag.has_span = false;
				return GP_ERR;
			default:
				return hand_out(f, ctx, it, out);
			}
		}
		if (c) {
			ctx->had_error |= c->had_error;
			ctx->selected |= c->selected;
			f->cur = NULL;
			release(P, c);
		}
		int w = wait_head(P, &c);
		if (w > 0)
			break;
		if (w < 0) {
			if (P->has_fatal) {
				ctx->diag = P->fatal;
				ctx->diag.has_span = false;
				return GP_ERR;
			}
			return GP_EOF;
		}
		f->cur = c;
		f->i = 0;
	}
	sums_say(f, ctx);
	f->eof = true;
	return GP_EOF;
}

static const gp_stage_ops feed_ops = { feed_next };
static const gp_stage_def feed_def = { .name = "read" };

/* ---- start and stop ---- */

static void chunk_destroy(chunk *c)
{
	chunk_free_items(c);
	free(c->names);
	free(c->buf);
	free(c);
}

/* The feed's scope: every thread stopped and joined, everything freed. */
static void par_stop(void *arg)
{
	gp_par *P = arg;
	lock(P);
	P->stop = true;
	pthread_cond_broadcast(&P->work);
	pthread_cond_broadcast(&P->space);
	pthread_cond_broadcast(&P->done);
	unlock(P);
	if (P->reader_started)
		pthread_join(P->reader, NULL);
	for (unsigned i = 0; i < P->nw; i++)
		if (P->w[i].started)
			pthread_join(P->w[i].th, NULL);
	for (chunk *c = P->head, *n; c; c = n) {
		n = c->next;
		chunk_destroy(c);
	}
	for (size_t i = 0; i < P->npre; i++)
		item_free(&P->pre[i]);
	free(P->pre);
	for (size_t i = 0; i < P->npool; i++)
		free(P->pool[i]);
	free(P->pool);
	free(P->w);
	pthread_cond_destroy(&P->work);
	pthread_cond_destroy(&P->done);
	pthread_cond_destroy(&P->space);
	pthread_mutex_destroy(&P->mu);
}

/* The run ends before the input does (head, a closed pipe, a signal):
 * what was said about the piece being read is still said, as one run says
 * it when its stages close, and the summaries of the input read so far. */
static void feed_drain(void *arg)
{
	feed *f = arg;
	gp_ctx *ctx = f->ctx;
	chunk *c = f->cur;
	for (; c && f->i < c->nit; f->i++) {
		item *it = &c->it[f->i];
		if (it->kind == IT_MSG)
			ctx->report(ctx, it->text);
		else if (it->kind == IT_SUM)
			sum_add(f, it);
	}
	if (c)
		ctx->had_error |= c->had_error;
	f->cur = NULL;
	sums_say(f, ctx);
}

static void feed_free(void *arg)
{
	feed *f = arg;
	free(f->lazy.v);
	free(f->recs);
	free(f->fields);
	for (size_t i = 0; i < f->nsum; i++)
		free(f->sums[i]);
	free(f->sums);
}

unsigned gp_par_cores(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 1024 ? 1024 : (unsigned)n;
}

bool gp_par_merges(const gp_plan *plan)
{
	size_t k = gp_plan_per_record(plan);
	const gp_stage *a = k + 1 < plan->n ? plan->chain[k + 1] : NULL;
	return a && a->def->family == GP_FAM_AGGREGATE && a->few_groups && !a->ctx->agg_mode;
}

const char *gp_par_why_not(const gp_plan *plan, unsigned jobs, bool asked,
			   const char *const *files, size_t nfiles)
{
	if (jobs < 2)
		return "-j 1";
	if (nfiles == 0)
		return "standard input is read as it comes";
	size_t k = gp_plan_per_record(plan);
	bool agg = gp_par_merges(plan);
	if (k == 0 && !agg)
		return "no per-record stage or aggregate of few groups at the head of the chain";
	bool light = !agg;
	for (size_t i = 1; i <= k && light; i++)
		light = plan->chain[i]->light;
	if (light && !asked)
		return "light stages only: they run at the speed of reading; -j N spreads them";
	for (size_t i = 0; i < nfiles; i++) {
		struct stat sb;
		if (strcmp(files[i], "-") == 0)
			return "standard input is read as it comes";
		/* A missing file is the reader's to report, in its place. */
		if (stat(files[i], &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
			return "a pipe or device is read as it comes";
	}
	return NULL;
}

bool gp_par_wanted(const gp_plan *plan, unsigned jobs, bool asked, const char *const *files,
		   size_t nfiles)
{
	return !gp_par_why_not(plan, jobs, asked, files, nfiles);
}

static int start_threads(gp_par *P, unsigned jobs)
{
	/* Signals are the main thread's: the others are started with every
	 * signal blocked, and keep that mask. */
	sigset_t all, old;
	sigfillset(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	int rc = 0;
	if (pthread_create(&P->reader, NULL, reader_main, P) == 0)
		P->reader_started = true;
	else
		rc = -1;
	for (unsigned i = 0; i < jobs && rc == 0; i++) {
		P->w[i].par = P;
		lock(P);
		P->running++;
		unlock(P);
		if (pthread_create(&P->w[i].th, NULL, worker_main, &P->w[i]) == 0) {
			P->w[i].started = true;
		} else {
			lock(P);
			P->running--;
			unlock(P);
			rc = i == 0 ? -1 : 0; /* fewer workers still run */
			break;
		}
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return rc;
}

gp_status gp_par_start(gp_ctx *ctx, gp_plan *plan, const gp_par_opts *po, const char *src,
		       size_t len, bool comments, const char *const *files, size_t nfiles)
{
	const unsigned jobs = po->jobs;
	const size_t k = po->main_skip;
	gp_stage *st = gp_arena_alloc(ctx->arena, sizeof *st);
	gp_stage **chain = gp_arena_alloc(ctx->arena, (plan->n - k) * sizeof *chain);
	if (!st || !chain || !(st->scope = gp_scope_child(ctx->root)))
		return gp_fail(ctx, NULL, "out of memory");
	st->ctx = ctx;
	st->def = &feed_def;
	st->ops = &feed_ops;
	feed *f = gp_scope_alloc(st->scope, sizeof *f);
	gp_par *P = gp_scope_alloc(st->scope, sizeof *P);
	if (!f || !P || gp_scope_defer(st->scope, feed_free, f) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	if (pthread_mutex_init(&P->mu, NULL) != 0)
		return gp_fail(ctx, NULL, "cannot start threads: %s", strerror(errno));
	pthread_cond_init(&P->work, NULL);
	pthread_cond_init(&P->done, NULL);
	pthread_cond_init(&P->space, NULL);
	P->w = calloc(jobs, sizeof *P->w);
	P->nw = jobs;
	P->budget = GP_PAR_BUDGET;
	if (P->budget < 3 * (size_t)jobs * (GP_PAR_PIECE + 1))
		P->budget = 3 * (size_t)jobs * (GP_PAR_PIECE + 1);
	/* Every buffer of the budget is kept for reuse: a fresh one would be
	 * fresh pages, faulted in again. */
	P->poolcap = P->budget / GP_PAR_PIECE + 2;
	P->pool = calloc(P->poolcap, sizeof *P->pool);
	if (gp_scope_defer(st->scope, par_stop, P) != 0 || !P->w || !P->pool)
		return gp_fail(ctx, NULL, "out of memory");
	P->tmpl = *ctx;
	P->tmpl.agg_mode = po->wmode;
	if (po->wmemory)
		P->tmpl.memory = po->wmemory;
	P->src = src;
	P->srclen = len;
	P->comments = comments;
	P->nstages = po->wstages;
	P->files = files;
	P->nfiles = nfiles;
	f->par = P;
	f->ctx = ctx;
	/* Unwound first: said before the threads are stopped and the pieces freed. */
	if (gp_scope_defer(st->scope, feed_drain, f) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	st->state = f;
	if (start_threads(P, jobs) != 0)
		return gp_fail(ctx, NULL, "cannot start threads: %s", strerror(errno));
	/* The chain: the feed in place of the source and the first k stages. */
	chain[0] = st;
	for (size_t i = k + 1; i < plan->n; i++)
		chain[i - k] = plan->chain[i];
	if (plan->n > k + 1)
		chain[1]->up = st;
	plan->chain = chain;
	plan->n -= k;
	return GP_OK;
}
