#include "groups.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../core/grow.h"
#include "../core/tmpfile.h"

/* A group as it sits in the arena and, byte for byte, in a spill file:
 * this header, the state (stride bytes), the key (padded to 8), so records
 * stay 8-aligned in both. */
typedef struct grec {
	uint64_t hash;
	uint64_t seq;
	uint64_t len;
} grec;

/* A group in a spill file when states are encoded (conf.encode): this
 * header, the key (padded to 8), the encoded state (elen bytes, padded). */
typedef struct erec {
	grec h;
	uint64_t elen;
} erec;

typedef struct gslot {
	uint64_t hash;
	grec *rec; /* NULL: empty */
} gslot;

typedef struct gblk {
	struct gblk *next;
	size_t size, used;
	uint64_t data[]; /* 8-aligned */
} gblk;

/* A buffered reader of one spill file, by pread from its own offset. */
typedef struct grd {
	int fd;
	off_t off;
	char *buf;
	size_t cap, pos, end;
	const grec *cur; /* the record read last, in buf */
	size_t cursize;	 /* its bytes */
} grd;

#define GROUPS_MIN_SLOTS 16
#define GROUPS_BLOCK (256u << 10)
#define GROUPS_WBUF (64u << 10)
#define GROUPS_RBUF (16u << 10)
/* Levels of partitions split again while combining (64^4 parts at most). */
#define GROUPS_DEPTH 4

struct gp_groups {
	gp_scope *scope;
	gp_groups_conf conf;
	size_t stride; /* state_size rounded up to 8 */
	gslot *slots;
	size_t cap, mask; /* slots */
	grec **order;	  /* groups in first-seen order */
	size_t n, ocap;
	gblk *blocks, *cur; /* standard blocks, reused after a spill */
	gblk *big;	    /* blocks of one large group, freed at a spill */
	size_t blksz, blk_bytes;
	size_t used;	    /* bytes of groups in the arena now */
	uint64_t seq;
	unsigned spills, nparts, pshift;
	bool merging; /* reading partitions back: no spill */
	bool enc;     /* states spill encoded (conf.encode) */
	bool pressure; /* the reported heap bytes broke the budget: spill at the next get */
	size_t hbytes; /* heap bytes the states hold, as reported */
	unsigned char *ebuf; /* one encoded group larger than the write buffer */
	size_t ecap;
	void *scratch; /* a decoded state: merged into the table, or handed out */
	bool live;     /* scratch holds a state to free */
	gp_tmpfile *parts;
	const char *dir;
	char *wbuf;
	size_t wn, io_bytes;
	grd *rd;	 /* finish: one reader per partition */
	grd crd[GROUPS_DEPTH];		/* combining: the reader of a partition at each level */
	gp_tmpfile *sub[GROUPS_DEPTH];	/* combining: the parts a partition at that level splits into */
	unsigned pbits;			/* log2 of nparts */
	unsigned *heap;	 /* finish: readers by their record's seq */
	unsigned nheap;
	int pending;	 /* reader whose record was handed out, or -1 */
	int phase;	 /* 0 adding, 1 iterating the table, 2 merging spills */
	size_t it;
};

static inline size_t round8(size_t n)
{
	return (n + 7) & ~(size_t)7;
}

/* Groups a table of cap slots holds before it doubles: a load of 3/4 keeps
 * most probes in the cache line of the first slot and the slots at 21 to 43
 * bytes a group. */
static inline size_t max_groups(size_t cap)
{
	return cap - cap / 4;
}

static inline size_t rec_size(const gp_groups *g, size_t len)
{
	return sizeof(grec) + g->stride + round8(len);
}

/* The key and the state bytes of a record in a spill file (n: state bytes). */
static inline const char *file_key(const gp_groups *g, const grec *r)
{
	return g->enc ? (const char *)((const erec *)r + 1) : (const char *)(r + 1) + g->stride;
}

static inline const void *file_state(const gp_groups *g, const grec *r, size_t *n)
{
	if (!g->enc) {
		*n = g->stride;
		return r + 1;
	}
	*n = (size_t)((const erec *)r)->elen;
	return (const char *)((const erec *)r + 1) + round8((size_t)r->len);
}


static inline void *rec_state(grec *r)
{
	return (char *)(r + 1);
}

static inline const char *rec_key(const gp_groups *g, const grec *r)
{
	return (const char *)(r + 1) + g->stride;
}

/* Frees the states the table holds (encoded states only). */
static void free_states(gp_groups *g)
{
	if (!g->enc)
		return;
	for (size_t k = 0; k < g->n; k++)
		g->conf.free(rec_state(g->order[k]), g->conf.arg);
	if (g->live)
		g->conf.free(g->scratch, g->conf.arg);
	g->live = false;
	g->hbytes = 0;
}

static void groups_free(void *arg)
{
	gp_groups *g = arg;
	if (g->order)
		free_states(g);
	free(g->scratch);
	free(g->ebuf);
	free(g->slots);
	free(g->order);
	for (gblk *b = g->blocks, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	for (gblk *b = g->big, *nx; b; b = nx) {
		nx = b->next;
		free(b);
	}
	free(g->wbuf);
	for (unsigned d = 0; d < GROUPS_DEPTH; d++)
		free(g->crd[d].buf);
	if (g->rd)
		for (unsigned i = 0; i < g->nparts; i++)
			free(g->rd[i].buf);
	free(g->rd);
	free(g->heap);
}

gp_groups *gp_groups_new(gp_scope *scope, const gp_groups_conf *conf)
{
	unsigned parts = conf->parts ? conf->parts : 64;
	bool enc = conf->encode || conf->decode || conf->free;
	if ((parts & (parts - 1)) || parts > 256 || parts < 2 || (conf->budget && !conf->merge) ||
	    conf->state_size > ((size_t)1 << 30) || (enc && !(conf->encode && conf->decode && conf->free))) {
		errno = EINVAL;
		return NULL;
	}
	gp_groups *g = gp_scope_alloc(scope, sizeof *g);
	if (!g)
		return NULL;
	g->scope = scope;
	g->conf = *conf;
	g->conf.parts = parts;
	g->nparts = parts;
	g->pshift = 64;
	for (unsigned p = parts; p > 1; p >>= 1)
		g->pshift--;
	g->pbits = 64 - g->pshift;
	g->stride = round8(conf->state_size);
	g->pending = -1;
	g->enc = enc;
	/* Blocks small enough that a small budget still holds a few. */
	g->blksz = GROUPS_BLOCK;
	while (conf->budget && g->blksz > 4096 && g->blksz > conf->budget / 8)
		g->blksz /= 2;
	if (gp_scope_defer(scope, groups_free, g) != 0) {
		errno = ENOMEM;
		return NULL;
	}
	g->slots = calloc(GROUPS_MIN_SLOTS, sizeof *g->slots);
	if (enc)
		g->scratch = calloc(1, g->stride ? g->stride : 1);
	if (!g->slots || gp_grow(&g->order, &g->ocap, max_groups(GROUPS_MIN_SLOTS), sizeof *g->order) != 0 ||
	    (enc && !g->scratch)) {
		errno = ENOMEM;
		return NULL;
	}
	g->cap = GROUPS_MIN_SLOTS;
	g->mask = g->cap - 1;
	return g;
}

size_t gp_groups_count(const gp_groups *g)
{
	return g->n;
}

size_t gp_groups_bytes(const gp_groups *g)
{
	return g->cap * sizeof *g->slots + g->ocap * sizeof *g->order + g->blk_bytes + g->io_bytes + g->hbytes;
}

void gp_groups_add_bytes(gp_groups *g, ptrdiff_t delta)
{
	g->hbytes = delta < 0 && (size_t)-delta > g->hbytes ? 0 : g->hbytes + (size_t)delta;
	if (g->conf.budget && !g->merging && gp_groups_bytes(g) > g->conf.budget)
		g->pressure = true;
}

unsigned gp_groups_spills(const gp_groups *g)
{
	return g->spills;
}

const char *gp_groups_dir(const gp_groups *g)
{
	return g->dir;
}

/* Would `extra` more bytes break the budget? Never while partitions are
 * read back, nor for the first group (so every key gets in). */
static bool over_budget(const gp_groups *g, size_t extra)
{
	if (!g->conf.budget || g->merging || g->n == 0)
		return false;
	/* The spill's write buffer is counted before it exists, so the first
	 * spill does not push the table past the budget. */
	size_t wbuf = g->wbuf ? 0 : GROUPS_WBUF;
	return gp_groups_bytes(g) + wbuf + extra > g->conf.budget;
}

/* Doubles the slots and rehashes from the stored hashes. */
static int grow(gp_groups *g)
{
	size_t cap = g->cap * 2;
	gslot *s = calloc(cap, sizeof *s);
	if (!s || gp_grow(&g->order, &g->ocap, max_groups(cap), sizeof *g->order) != 0) {
		free(s);
		errno = ENOMEM;
		return -1;
	}
	size_t mask = cap - 1;
	for (size_t k = 0; k < g->n; k++) {
		grec *r = g->order[k];
		size_t i = r->hash & mask;
		while (s[i].rec)
			i = (i + 1) & mask;
		s[i].hash = r->hash;
		s[i].rec = r;
	}
	free(g->slots);
	g->slots = s;
	g->cap = cap;
	g->mask = mask;
	return 0;
}

/* Bytes a new block for a record of size bytes would add (0: one is free). */
static size_t block_need(const gp_groups *g, size_t size)
{
	if (g->cur && g->cur->used + size <= g->cur->size)
		return 0;
	if (size > g->blksz / 4)
		return sizeof(gblk) + size;
	if (g->cur ? g->cur->next != NULL : g->blocks != NULL)
		return 0;
	return sizeof(gblk) + g->blksz;
}

static grec *arena_alloc(gp_groups *g, size_t size)
{
	g->used += size;
	gblk *b = g->cur;
	if (b && b->used + size <= b->size) {
		grec *r = (grec *)((char *)b->data + b->used);
		b->used += size;
		return r;
	}
	if (size > g->blksz / 4) { /* its own block, freed at the next spill */
		b = malloc(sizeof *b + size);
		if (!b)
			goto oom;
		b->size = b->used = size;
		b->next = g->big;
		g->big = b;
		g->blk_bytes += sizeof *b + size;
		return (grec *)b->data;
	}
	b = g->cur ? g->cur->next : g->blocks;
	if (!b) {
		b = malloc(sizeof *b + g->blksz);
		if (!b)
			goto oom;
		b->size = g->blksz;
		b->next = NULL;
		if (g->cur)
			g->cur->next = b;
		else
			g->blocks = b;
		g->blk_bytes += sizeof *b + g->blksz;
	}
	b->used = size;
	g->cur = b;
	return (grec *)b->data;
oom:
	errno = ENOMEM;
	return NULL;
}

/* Empties the table; keeps the slots and the standard blocks for reuse. */
static void clear(gp_groups *g)
{
	free_states(g);
	memset(g->slots, 0, g->cap * sizeof *g->slots);
	g->n = 0;
	for (gblk *b = g->big, *nx; b; b = nx) {
		nx = b->next;
		g->blk_bytes -= sizeof *b + b->size;
		free(b);
	}
	g->big = NULL;
	g->cur = NULL;
	g->used = 0;
}

/* Places rec (absent from the table) in its slot and the order. */
static void place(gp_groups *g, grec *r)
{
	size_t i = r->hash & g->mask;
	while (g->slots[i].rec)
		i = (i + 1) & g->mask;
	g->slots[i].hash = r->hash;
	g->slots[i].rec = r;
	g->order[g->n++] = r;
}

/* A new group: room first (grow, or spill past the budget), then the
 * record. Out of line: the hot path is the hit in gp_groups_get_h. */
static __attribute__((noinline)) grec *add_new(gp_groups *g, const void *key, size_t len, uint64_t hash)
{
	if ((uint64_t)len > ((uint64_t)1 << 40) || len > SIZE_MAX / 2) {
		errno = E2BIG;
		return NULL;
	}
	size_t size = rec_size(g, len);
	if (g->n + 1 > max_groups(g->cap)) {
		size_t extra = g->cap * 2 * sizeof *g->slots + g->ocap * sizeof *g->order;
		if (over_budget(g, extra)) {
			if (gp_groups_spill(g) != 0)
				return NULL;
		} else if (grow(g) != 0) {
			return NULL;
		}
	}
	size_t need = block_need(g, size);
	if (need && over_budget(g, need) && gp_groups_spill(g) != 0)
		return NULL;
	grec *r = arena_alloc(g, size);
	if (!r)
		return NULL;
	r->hash = hash;
	r->seq = g->conf.caller_seq ? UINT64_MAX : g->seq;
	r->len = len;
	memset(rec_state(r), 0, g->stride);
	if (len)
		memcpy((char *)rec_state(r) + g->stride, key, len);
	g->seq++;
	place(g, r);
	return r;
}

static inline grec *lookup(const gp_groups *g, const void *key, size_t len, uint64_t hash)
{
	size_t i = hash & g->mask;
	for (;;) {
		const gslot *s = &g->slots[i];
		if (!s->rec)
			return NULL;
		if (s->hash == hash && s->rec->len == len && memcmp(rec_key(g, s->rec), key, len) == 0)
			return s->rec;
		i = (i + 1) & g->mask;
	}
}

void gp_groups_lower_seq(void *state, uint64_t seq)
{
	grec *r = (grec *)state - 1;
	if (seq < r->seq)
		r->seq = seq;
}

void *gp_groups_get_h(gp_groups *g, const void *key, size_t len, uint64_t hash, bool *added)
{
	if (__builtin_expect(g->pressure, 0) && g->phase == 0) {
		g->pressure = false;
		/* one group alone past the budget: spilling it would only read it
		 * back at its next record (its state is as small as it gets) */
		if (g->n > 1 && gp_groups_spill(g) != 0)
			return NULL;
	}
	grec *r = lookup(g, key, len, hash);
	if (r) {
		*added = false;
		return rec_state(r);
	}
	if (g->phase != 0) {
		errno = EINVAL;
		return NULL;
	}
	r = add_new(g, key, len, hash);
	if (!r)
		return NULL;
	*added = true;
	return rec_state(r);
}

void gp_groups_prefetch(const gp_groups *g, uint64_t hash)
{
	__builtin_prefetch(&g->slots[hash & g->mask]);
}

void gp_groups_prefetch_group(const gp_groups *g, uint64_t hash)
{
	size_t i = hash & g->mask;
	for (const gslot *s; (s = &g->slots[i])->rec; i = (i + 1) & g->mask)
		if (s->hash == hash) {
			__builtin_prefetch(s->rec);
			return;
		}
}

void *gp_groups_find(gp_groups *g, const void *key, size_t len)
{
	grec *r = lookup(g, key, len, gp_groups_hash(key, len));
	return r ? rec_state(r) : NULL;
}

/* ---- spilling ---- */

static int write_all(gp_tmpfile *t, const void *p, size_t n);

static int wflush(gp_groups *g, gp_tmpfile *t)
{
	if (g->wn && write_all(t, g->wbuf, g->wn) != 0)
		return -1;
	g->wn = 0;
	return 0;
}

static int write_all(gp_tmpfile *t, const void *p, size_t n)
{
	if (gp_tmpfile_write(t, p, n) != 0) {
		if (errno == 0)
			errno = ENOSPC;
		return -1;
	}
	return 0;
}

/* Lays out an encoded record at p (room for head + its encoding, padded):
 * header, key, state. Returns the record's size, or 0 when the encoding
 * did not fit in cap bytes (its size then in *elen). */
static size_t erec_put(gp_groups *g, const grec *r, unsigned char *p, size_t cap, size_t *elen)
{
	size_t head = sizeof(erec) + round8((size_t)r->len);
	if (cap < head) {
		*elen = g->conf.encode(rec_state((grec *)r), NULL, 0, g->conf.arg);
		return 0;
	}
	size_t n = g->conf.encode(rec_state((grec *)r), p + head, cap - head, g->conf.arg);
	*elen = n;
	if (round8(n) > cap - head)
		return 0;
	erec e = { *r, n };
	memcpy(p, &e, sizeof e);
	memcpy(p + sizeof e, rec_key(g, r), (size_t)r->len);
	memset(p + sizeof e + r->len, 0, head - sizeof e - (size_t)r->len);
	memset(p + head + n, 0, round8(n) - n);
	return head + round8(n);
}

/* Appends an encoded group: into the write buffer, or on its own when
 * it is larger (built in ebuf). */
static int wrec_enc(gp_groups *g, gp_tmpfile *t, const grec *r)
{
	size_t elen, size = erec_put(g, r, (unsigned char *)g->wbuf + g->wn, GROUPS_WBUF - g->wn, &elen);
	if (size) {
		g->wn += size;
		return 0;
	}
	if (wflush(g, t) != 0)
		return -1;
	size = erec_put(g, r, (unsigned char *)g->wbuf, GROUPS_WBUF, &elen);
	if (size) {
		g->wn = size;
		return 0;
	}
	size_t need = sizeof(erec) + round8((size_t)r->len) + round8(elen), old = g->ecap;
	if (need > old) {
		if (gp_grow(&g->ebuf, &g->ecap, need, 1) != 0) {
			errno = ENOMEM;
			return -1;
		}
		g->io_bytes += g->ecap - old;
	}
	size = erec_put(g, r, g->ebuf, g->ecap, &elen);
	return write_all(t, g->ebuf, size);
}

/* Appends size bytes through the write buffer. */
static int wbytes(gp_groups *g, gp_tmpfile *t, const void *p, size_t size)
{
	if (g->wn + size > GROUPS_WBUF) {
		if (wflush(g, t) != 0)
			return -1;
		if (size > GROUPS_WBUF)
			return write_all(t, p, size);
	}
	memcpy(g->wbuf + g->wn, p, size);
	g->wn += size;
	return 0;
}

static int wrec(gp_groups *g, gp_tmpfile *t, const grec *r)
{
	if (g->enc)
		return wrec_enc(g, t, r);
	return wbytes(g, t, r, rec_size(g, r->len));
}

static int spill_setup(gp_groups *g)
{
	if (g->parts)
		return 0;
	g->wbuf = malloc(GROUPS_WBUF);
	g->parts = gp_scope_alloc(g->scope, g->nparts * sizeof *g->parts);
	if (!g->wbuf || !g->parts) {
		errno = ENOMEM;
		return -1;
	}
	g->io_bytes += GROUPS_WBUF;
	for (unsigned p = 0; p < g->nparts; p++)
		g->parts[p].fd = -1;
	return 0;
}

/* Writes recs[0..n) to file t, appending (opening it the first time). */
static int write_part(gp_groups *g, gp_tmpfile *t, grec **recs, size_t n)
{
	if (n == 0)
		return 0;
	if (t->fd < 0 && gp_tmpfile_open(t, g->scope, "gpipe-groups") != 0) {
		g->dir = t->dir;
		return -1;
	}
	g->dir = t->dir;
	for (size_t k = 0; k < n; k++)
		if (wrec(g, t, recs[k]) != 0)
			return -1;
	return wflush(g, t);
}

/* Writes every group to files[(hash >> shift) & (nparts - 1)] and empties
 * the table. */
static int spill_to(gp_groups *g, gp_tmpfile *files, unsigned shift)
{
	/* Counting sort by partition into the slot array (2n slots of 16
	 * bytes hold n pointers with room to spare), then one pass a part. */
	size_t start[257] = { 0 }, mask = g->nparts - 1;
	for (size_t k = 0; k < g->n; k++)
		start[((g->order[k]->hash >> shift) & mask) + 1]++;
	for (unsigned p = 0; p < g->nparts; p++)
		start[p + 1] += start[p];
	grec **by = (grec **)(void *)g->slots;
	size_t at[256];
	memcpy(at, start, sizeof at);
	for (size_t k = 0; k < g->n; k++) {
		grec *r = g->order[k];
		by[at[(r->hash >> shift) & mask]++] = r;
	}
	int rc = 0;
	for (unsigned p = 0; p < g->nparts && rc == 0; p++)
		rc = write_part(g, &files[p], by + start[p], start[p + 1] - start[p]);
	clear(g);
	return rc;
}

int gp_groups_spill(gp_groups *g)
{
	if (spill_setup(g) != 0)
		return -1;
	if (g->n == 0)
		return 0;
	int rc = spill_to(g, g->parts, g->pshift);
	g->pressure = false;
	g->spills++;
	return rc;
}

/* ---- reading partitions back ---- */

/* At least need bytes at r->buf + r->pos: 1, 0 at the end of the file with
 * nothing left, -1 with errno (EIO for a record cut short). */
static int rd_fill(gp_groups *g, grd *r, size_t need)
{
	if (r->end - r->pos >= need)
		return 1;
	if (r->pos) {
		memmove(r->buf, r->buf + r->pos, r->end - r->pos);
		r->end -= r->pos;
		r->pos = 0;
	}
	if (need > r->cap) {
		size_t old = r->cap;
		if (gp_grow(&r->buf, &r->cap, need, 1) != 0) {
			errno = ENOMEM;
			return -1;
		}
		g->io_bytes += r->cap - old;
	}
	while (r->end < need) {
		ssize_t k = pread(r->fd, r->buf + r->end, r->cap - r->end, r->off);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return -1;
		if (k == 0)
			break;
		r->end += (size_t)k;
		r->off += k;
	}
	if (r->end >= need)
		return 1;
	if (r->end == 0)
		return 0;
	errno = EIO;
	return -1;
}

/* The next record into r->cur: 1, 0 at the end, -1 with errno. */
static int rd_next(gp_groups *g, grd *r)
{
	int rc = rd_fill(g, r, g->enc ? sizeof(erec) : sizeof(grec));
	if (rc <= 0)
		return rc;
	erec h;
	memcpy(&h, r->buf + r->pos, g->enc ? sizeof h : sizeof h.h);
	if (h.h.len > ((uint64_t)1 << 40) || (g->enc && h.elen > ((uint64_t)1 << 40))) {
		errno = EIO;
		return -1;
	}
	size_t size = g->enc ? sizeof h + round8((size_t)h.h.len) + round8((size_t)h.elen) : rec_size(g, (size_t)h.h.len);
	rc = rd_fill(g, r, size);
	if (rc <= 0) {
		if (rc == 0)
			errno = EIO;
		return -1;
	}
	r->cur = (const grec *)(void *)(r->buf + r->pos);
	r->cursize = size;
	r->pos += size;
	return 1;
}

static int rd_open(gp_groups *g, grd *r, int fd)
{
	r->fd = fd;
	r->off = 0;
	r->pos = r->end = 0;
	if (!r->buf) {
		if (gp_grow(&r->buf, &r->cap, GROUPS_RBUF, 1) != 0) {
			errno = ENOMEM;
			return -1;
		}
		g->io_bytes += r->cap;
	}
	return 0;
}

/* x before y: by first-seen number; numbers the caller gave may tie (two
 * parts numbered alike), and then the hash and the length decide, so the
 * order never depends on the order the groups arrived in. */
static inline int seq_cmp(const grec *x, const grec *y)
{
	if (x->seq != y->seq)
		return x->seq < y->seq ? -1 : 1;
	if (x->hash != y->hash)
		return x->hash < y->hash ? -1 : 1;
	return (x->len > y->len) - (x->len < y->len);
}

static int by_seq(const void *a, const void *b)
{
	return seq_cmp(*(grec *const *)a, *(grec *const *)b);
}

/* Decodes a spilled state into the scratch block (freed by the next
 * release_scratch, or by the table's end). */
static int decode_scratch(gp_groups *g, const void *p, size_t n)
{
	memset(g->scratch, 0, g->stride);
	g->live = true;
	return g->conf.decode(g->scratch, p, n, g->conf.arg);
}

static void release_scratch(gp_groups *g)
{
	if (g->live)
		g->conf.free(g->scratch, g->conf.arg);
	g->live = false;
}

/* Merges an encoded state into the group have. */
static int merge_encoded(gp_groups *g, grec *have, const void *p, size_t n)
{
	size_t before = g->conf.mem ? g->conf.mem(rec_state(have), g->conf.arg) : 0;
	int rc = decode_scratch(g, p, n);
	if (rc == 0)
		rc = g->conf.merge(rec_state(have), g->scratch, g->conf.arg);
	release_scratch(g);
	if (g->conf.mem)
		g->hbytes += g->conf.mem(rec_state(have), g->conf.arg) - before;
	return rc;
}

static bool heap_less(const gp_groups *g, unsigned a, unsigned b)
{
	return seq_cmp(g->rd[a].cur, g->rd[b].cur) < 0;
}

static void heap_down(gp_groups *g, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		if (l < g->nheap && heap_less(g, g->heap[l], g->heap[m]))
			m = l;
		if (l + 1 < g->nheap && heap_less(g, g->heap[l + 1], g->heap[m]))
			m = l + 1;
		if (m == i)
			return;
		unsigned x = g->heap[i];
		g->heap[i] = g->heap[m];
		g->heap[m] = x;
		i = m;
	}
}

/* Opens a reader on each of files[] (combined: sorted by seq) and heaps
 * them by their first record's seq. */
static int heap_files(gp_groups *g, gp_tmpfile *files)
{
	g->nheap = 0;
	for (unsigned p = 0; p < g->nparts; p++) {
		if (files[p].fd < 0)
			continue;
		grd *r = &g->rd[p];
		int rc = rd_open(g, r, files[p].fd);
		if (rc == 0)
			rc = rd_next(g, r);
		if (rc < 0)
			return -1;
		if (rc == 1)
			g->heap[g->nheap++] = p;
	}
	for (unsigned i = g->nheap / 2; i-- > 0;)
		heap_down(g, i);
	return 0;
}

/* The reader at the top of the heap moves on. 0, or -1 with errno. */
static int heap_next(gp_groups *g)
{
	int rc = rd_next(g, &g->rd[g->heap[0]]);
	if (rc < 0)
		return -1;
	if (rc == 0)
		g->heap[0] = g->heap[--g->nheap];
	if (g->nheap)
		heap_down(g, 0);
	return 0;
}

static int empty_file(gp_tmpfile *t)
{
	return ftruncate(t->fd, 0) == 0 && gp_tmpfile_rewind(t) == 0 ? 0 : -1;
}

/* The files a partition at level depth splits into, emptied. */
static gp_tmpfile *sub_files(gp_groups *g, unsigned depth)
{
	gp_tmpfile *f = g->sub[depth];
	if (!f) {
		f = gp_scope_alloc(g->scope, g->nparts * sizeof *f);
		if (!f) {
			errno = ENOMEM;
			return NULL;
		}
		for (unsigned p = 0; p < g->nparts; p++)
			f[p].fd = -1;
		g->sub[depth] = f;
	}
	for (unsigned p = 0; p < g->nparts; p++)
		if (f[p].fd >= 0 && empty_file(&f[p]) != 0)
			return NULL;
	return f;
}

/* Adds a record read from a spill file to the table: merged into its
 * key's group (its first-seen number the smaller) or a new group. */
static int combine_rec(gp_groups *g, const grec *in)
{
	const char *key = file_key(g, in);
	size_t sn;
	const void *sp = file_state(g, in, &sn);
	grec *have = lookup(g, key, (size_t)in->len, in->hash);
	if (have) {
		if (in->seq < have->seq)
			have->seq = in->seq;
		return g->enc ? merge_encoded(g, have, sp, sn) : g->conf.merge(rec_state(have), sp, g->conf.arg);
	}
	if (g->n + 1 > max_groups(g->cap) && grow(g) != 0)
		return -1;
	size_t size = rec_size(g, (size_t)in->len);
	grec *c = arena_alloc(g, size);
	if (!c)
		return -1;
	if (!g->enc) {
		memcpy(c, in, size);
		place(g, c);
		return 0;
	}
	*c = *in;
	memset(rec_state(c), 0, g->stride);
	memcpy((char *)rec_state(c) + g->stride, key, (size_t)in->len);
	place(g, c); /* first, so that clear frees it whatever decode did */
	if (g->conf.decode(rec_state(c), sp, sn, g->conf.arg) != 0)
		return -1;
	if (g->conf.mem)
		g->hbytes += g->conf.mem(rec_state(c), g->conf.arg);
	return 0;
}

/* Reads partition t (at level depth) back, combining each key's records,
 * and rewrites it with one record per key in first-seen order. When the
 * groups read outgrow half the budget, the table is split again by the
 * next bits of the hash into sub-partitions, each combined in turn (a
 * database's recursive hash partitioning), and their records are merged
 * back into t by first-seen number. */
static int combine_file(gp_groups *g, gp_tmpfile *t, unsigned depth)
{
	grd *r = &g->crd[depth];
	clear(g);
	if (rd_open(g, r, t->fd) != 0)
		return -1;
	unsigned next = depth + 1, shift = 0;
	bool can_split = g->conf.budget && next < GROUPS_DEPTH && next * g->pbits <= g->pshift;
	if (can_split)
		shift = g->pshift - next * g->pbits;
	gp_tmpfile *sub = NULL;
	int rc;
	while ((rc = rd_next(g, r)) == 1) {
		if (combine_rec(g, r->cur) != 0)
			return -1;
		if (can_split && g->n > 1 && g->used + g->hbytes > g->conf.budget / 2) {
			if ((!sub && !(sub = sub_files(g, depth))) || spill_to(g, sub, shift) != 0)
				return -1;
		}
	}
	if (rc < 0)
		return -1;
	if (!sub) {
		qsort(g->order, g->n, sizeof *g->order, by_seq);
		if (empty_file(t) != 0)
			return -1;
		for (size_t k = 0; k < g->n; k++)
			if (wrec(g, t, g->order[k]) != 0)
				return -1;
		if (wflush(g, t) != 0)
			return -1;
		clear(g);
		return 0;
	}
	if (spill_to(g, sub, shift) != 0)
		return -1;
	for (unsigned p = 0; p < g->nparts; p++)
		if (sub[p].fd >= 0 && combine_file(g, &sub[p], next) != 0)
			return -1;
	if (empty_file(t) != 0 || heap_files(g, sub) != 0)
		return -1;
	while (g->nheap) {
		const grd *top = &g->rd[g->heap[0]];
		if (wbytes(g, t, top->cur, top->cursize) != 0 || heap_next(g) != 0)
			return -1;
	}
	return wflush(g, t);
}

int gp_groups_finish(gp_groups *g)
{
	if (g->phase != 0) {
		errno = EINVAL;
		return -1;
	}
	if (g->spills == 0) {
		if (g->conf.caller_seq && g->n)
			qsort(g->order, g->n, sizeof *g->order, by_seq);
		g->phase = 1;
		g->it = 0;
		return 0;
	}
	if (g->n && gp_groups_spill(g) != 0)
		return -1;
	g->merging = true;
	g->rd = calloc(g->nparts, sizeof *g->rd);
	g->heap = calloc(g->nparts, sizeof *g->heap);
	if (!g->rd || !g->heap) {
		errno = ENOMEM;
		return -1;
	}
	g->io_bytes += g->nparts * (sizeof *g->rd + sizeof *g->heap);
	/* One partition in memory at a time. */
	for (unsigned p = 0; p < g->nparts; p++)
		if (g->parts[p].fd >= 0 && combine_file(g, &g->parts[p], 0) != 0)
			return -1;
	if (heap_files(g, g->parts) != 0)
		return -1;
	g->phase = 2;
	g->it = 0;
	return 0;
}

static void fill(const gp_groups *g, const grec *r, gp_group *out)
{
	out->key = rec_key(g, r);
	out->len = (size_t)r->len;
	out->state = (void *)(r + 1);
	out->seq = r->seq;
}

/* A group read back from a partition: its state decoded into scratch when
 * states are encoded. */
static int fill_file(gp_groups *g, const grec *r, gp_group *out)
{
	out->key = file_key(g, r);
	out->len = (size_t)r->len;
	size_t n;
	const void *p = file_state(g, r, &n);
	if (!g->enc) {
		out->state = (void *)p;
		return 0;
	}
	out->state = g->scratch;
	return decode_scratch(g, p, n);
}

int gp_groups_next(gp_groups *g, gp_group *out)
{
	if (g->phase == 1) {
		if (g->it >= g->n)
			return 0;
		fill(g, g->order[g->it++], out);
		return 1;
	}
	if (g->phase != 2) {
		errno = EINVAL;
		return -1;
	}
	if (g->pending >= 0) { /* the reader handed out last moves on now */
		if (g->enc)
			release_scratch(g);
		g->pending = -1;
		if (heap_next(g) != 0)
			return -1;
	}
	if (g->nheap == 0)
		return 0;
	unsigned p = g->heap[0];
	g->pending = (int)p;
	if (fill_file(g, g->rd[p].cur, out) != 0)
		return -1;
	out->seq = g->it++; /* ranks, as the table gives when it never spilled */
	return 1;
}

/* ---- keys of several fields ---- */

int gp_gkey_part(gp_gkey *k, const void *part, size_t len)
{
	if (gp_grow(&k->p, &k->cap, k->n + len + 10, 1) != 0) {
		errno = ENOMEM;
		return -1;
	}
	size_t v = len;
	do {
		unsigned char b = v & 0x7f;
		v >>= 7;
		k->p[k->n++] = (char)(b | (v ? 0x80 : 0));
	} while (v);
	if (len)
		memcpy(k->p + k->n, part, len);
	k->n += len;
	return 0;
}

int gp_gkey_next(const char *key, size_t n, size_t *pos, const char **part, size_t *len)
{
	size_t i = *pos, v = 0;
	if (i >= n)
		return 0;
	for (unsigned shift = 0;; shift += 7) {
		if (i >= n || shift > 63)
			return -1;
		unsigned char b = (unsigned char)key[i++];
		v |= (size_t)(b & 0x7f) << shift;
		if (!(b & 0x80))
			break;
	}
	if (v > n - i)
		return -1;
	*part = key + i;
	*len = v;
	*pos = i + v;
	return 1;
}

void gp_gkey_free(gp_gkey *k)
{
	free(k->p);
	k->p = NULL;
	k->n = k->cap = 0;
}

static void gkey_cleanup(void *arg)
{
	gp_gkey_free(arg);
}

int gp_gkey_own(gp_scope *scope, gp_gkey *k)
{
	return gp_scope_defer(scope, gkey_cleanup, k);
}
