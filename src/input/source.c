#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../registry.h"
#include "stream.h"

#define STDIN_NAME "(standard input)"

/* One directory being walked: its descriptor (entries are opened relative
 * to it, so a tree deeper than PATH_MAX is walked as grep -r walks it), the
 * length of its path in source.path, its sorted entries and the next one. */
typedef struct dirframe {
	int fd;
	size_t plen;
	struct dirent **ents;
	int n, next;
} dirframe;

/* The bottom layer of an input: a file descriptor. */
typedef struct fdstream {
	gp_stream s;
	gp_ctx *ctx;
	int fd;
	bool regular;
} fdstream;

/* One level of the input stack: a file, or a member of the archive one level
 * down. A level reads records from `top`, or, if it is an archive, hands out
 * members as the levels above it. Everything a level acquires (fd, decoders,
 * struct archive) lives in its scope. */
typedef struct level {
	gp_scope scope_store; /* owned here, unwound by pop_level: not a child of
			       * the stage scope, so a tar of a million members
			       * leaves nothing behind per member */
	gp_scope *scope;
	gp_stream *top;
	gp_archive *arc;
	gp_origin origin;
	char *display; /* "file" or "file:member:member", for messages */
} level;

#define MAX_DEPTH 6 /* levels: a file and nested members/encodings */

typedef struct source {
	const char *const *paths;
	size_t npaths, next_path;
	bool raw;

	dirframe *dirs;
	size_t ndirs, dirs_cap;
	char *path; /* the entry being opened, shown whole in messages and -H */
	size_t path_cap;

	level lv[MAX_DEPTH];
	int nlv;
	bool reading; /* lv[nlv-1].top is being read */
	uint64_t next_id; /* for gp_origin.id */
	fdstream *bottom;

	/* Line buffer: bytes [pos, have) are not yet emitted and hold no delim. */
	char *buf;
	size_t cap, pos, have;
	uint64_t line; /* line number of the record starting at buf[pos] */
	uint64_t off;  /* byte offset of buf[pos] in the level's stream (grep -b) */
	bool eof;

	/* Skipping a record longer than --max-record; those of the input being
	 * read are counted and summarised once, when it ends. */
	bool skipping;
	uint64_t skip_bytes, skip_line;
	uint64_t over_n, over_line, over_bytes; /* count, and the first one's */
	gp_ctx *ctx;

	gp_recvec lazy;
} source;

static void pop_dir(source *s)
{
	dirframe *d = &s->dirs[--s->ndirs];
	for (int k = 0; k < d->n; k++)
		free(d->ents[k]);
	free(d->ents);
	close(d->fd);
}

static void free_dirs(void *arg)
{
	source *s = arg;
	while (s->ndirs > 0)
		pop_dir(s);
	free(s->dirs);
	s->dirs = NULL;
	free(s->path);
	s->path = NULL;
}

/* s->path becomes its first `keep` bytes, a '/' unless keep is 0 or they end
 * in one, and name. */
static int path_at(source *s, size_t keep, const char *name)
{
	size_t nl = strlen(name);
	if (keep + nl + 2 > s->path_cap) {
		size_t cap = (keep + nl + 2) * 2;
		char *p = realloc(s->path, cap);
		if (!p)
			return -1;
		s->path = p;
		s->path_cap = cap;
	}
	if (keep > 0 && s->path[keep - 1] != '/')
		s->path[keep++] = '/';
	memcpy(s->path + keep, name, nl + 1);
	return 0;
}

static void free_ptr(void *arg)
{
	free(*(char **)arg);
	*(char **)arg = NULL;
}

static int skip_dots(const struct dirent *e)
{
	return !(e->d_name[0] == '.' && (e->d_name[1] == '\0' ||
					 (e->d_name[1] == '.' && e->d_name[2] == '\0')));
}

/* Pushes the directory open as fd (borrowed: a duplicate is kept), whose
 * path is `path`. 0 when pushed or reported, -1 when out of memory. */
static int push_dir(gp_stage *st, int fd, const char *path)
{
	source *s = st->state;
	if (s->ndirs == s->dirs_cap) {
		size_t cap = s->dirs_cap ? s->dirs_cap * 2 : 8;
		dirframe *d = realloc(s->dirs, cap * sizeof *d);
		if (!d)
			return -1;
		s->dirs = d;
		s->dirs_cap = cap;
	}
	if (path != s->path && path_at(s, 0, path) != 0)
		return -1;
	/* One descriptor per level of the tree: past RLIMIT_NOFILE (a tree
	 * thousands deep) the subtree is reported, not walked. */
	struct dirent **ents;
	int n = -1, dfd = fcntl(fd, F_DUPFD_CLOEXEC, 0);
	if (dfd >= 0)
		n = scandirat(dfd, ".", &ents, skip_dots, alphasort);
	if (n < 0) {
		gp_report(st->ctx, "cannot read directory '%s': %s", s->path, strerror(errno));
		if (dfd >= 0)
			close(dfd);
		return 0;
	}
	dirframe *d = &s->dirs[s->ndirs++];
	d->fd = dfd;
	d->plen = strlen(s->path);
	d->ents = ents;
	d->n = n;
	d->next = 0;
	return 0;
}

/* ---- the fd layer ---- */

static ssize_t fd_read(gp_stream *gs, char *dst, size_t n)
{
	fdstream *f = gs->impl;
	for (;;) {
		if (!f->regular && f->ctx->flush_hint) {
			/* About to wait for input (tail -f): deliver what is through. */
			struct pollfd p = { .fd = f->fd, .events = POLLIN };
			if (poll(&p, 1, 0) == 0)
				f->ctx->flush_hint(f->ctx);
		}
		ssize_t r = read(f->fd, dst, n);
		if (r >= 0) {
			gs->pos += (uint64_t)r;
			if (f->ctx->progress)
				__atomic_fetch_add(&f->ctx->bytes_in, (uint64_t)r, __ATOMIC_RELAXED);
			return r;
		}
		if (errno == EINTR && !gp_signal)
			continue;
		if (gp_signal)
			return 0;
		snprintf(gs->err, sizeof gs->err, "read error: %s", strerror(errno));
		return -1;
	}
}

int gp_stream_file_fd(const gp_stream *s)
{
	for (; s; s = s->below) {
		if (!s->kind || strcmp(s->kind, "file") != 0)
			return -1;
		if (!s->below && s->read == fd_read)
			return ((const fdstream *)s->impl)->regular ? ((const fdstream *)s->impl)->fd : -1;
	}
	return -1;
}

/* ---- peeking: the first bytes of a stream, for detection ---- */

typedef struct peek {
	gp_stream s;
	unsigned char first[GP_DETECT_BYTES];
	unsigned char *buf; /* first, or GP_DETECT_MORE bytes when those call for it */
	size_t n, off;
	int pending; /* 0, or -1: the error below came after the peeked bytes */
	bool eof;    /* below has ended within the peeked bytes */
} peek;

static ssize_t peek_read(gp_stream *gs, char *dst, size_t cap)
{
	peek *p = gs->impl;
	if (p->off < p->n) {
		size_t k = p->n - p->off;
		if (k > cap)
			k = cap;
		memcpy(dst, p->buf + p->off, k);
		p->off += k;
		return (ssize_t)k;
	}
	if (p->pending) {
		memcpy(gs->err, gs->below->err, sizeof gs->err);
		return -1;
	}
	if (p->eof)
		return 0;
	ssize_t r = gs->below->read(gs->below, dst, cap);
	gs->pos = gs->below->pos;
	if (r < 0)
		memcpy(gs->err, gs->below->err, sizeof gs->err);
	return r;
}

/* Reads below into p->buf up to `want` bytes, or to its end or error.
 * With `patient` false, on a pipe it stops at what is ready. */
static void peek_fill(peek *p, size_t want, const fdstream *bottom, bool patient)
{
	gp_stream *below = p->s.below;
	while (p->n < want && !p->pending && !p->eof) {
		ssize_t r = below->read(below, (char *)p->buf + p->n, want - p->n);
		if (r < 0)
			p->pending = -1;
		if (r == 0)
			p->eof = true;
		if (r <= 0)
			break;
		p->n += (size_t)r;
		/* On a pipe, any layer's next read may wait for the writer: detect
		 * from what has come so far rather than hold records back. */
		if (!patient && bottom && !bottom->regular) {
			struct pollfd pf = { .fd = bottom->fd, .events = POLLIN };
			if (poll(&pf, 1, 0) == 0)
				break;
		}
	}
}

/* Reads the first bytes of `below` and returns a stream that gives them back
 * first. On a pipe it stops at what is ready, so `tail -f` is not held up;
 * only a start that may be an ISO 9660 image (binary: zeros or a boot
 * sector) is read on to its magic, 32 KiB in, wherever it is. */
static peek *peek_open(gp_scope *scope, gp_stream *below, const fdstream *bottom)
{
	peek *p = gp_scope_alloc(scope, sizeof *p);
	if (!p)
		return NULL;
	p->s.read = peek_read;
	p->s.impl = p;
	p->s.below = below;
	p->s.kind = below->kind;
	p->buf = p->first;
	peek_fill(p, sizeof p->first, bottom, false);
	size_t want = gp_detect_wants(p->buf, p->n);
	if (want > p->n && !p->pending && !p->eof) {
		unsigned char *more = gp_scope_alloc(scope, want);
		if (!more)
			return NULL;
		memcpy(more, p->first, p->n);
		p->buf = more;
		peek_fill(p, want, bottom, true);
	}
	p->s.pos = below->pos;
	return p;
}

/* ---- levels ---- */

static void report_level(gp_stage *st, const level *l, const char *msg)
{
	if (msg[0])
		gp_report(st->ctx, "%s: %s", l->display, msg);
	else
		gp_report(st->ctx, "%s: read error", l->display);
}

/* Faults of the streams under archives (a gzip checksum under a tar), each
 * once, outermost first, under the archive's own name. */
static void report_below(gp_stage *st)
{
	source *s = st->state;
	for (int i = 0; i < s->nlv; i++) {
		const char *m = s->lv[i].arc ? gp_archive_below_fault(s->lv[i].arc) : NULL;
		if (m)
			report_level(st, &s->lv[i], m);
	}
}

/* The summary of the records of the level being read that were longer
 * than --max-record. */
static void report_over(source *s, const level *l)
{
	if (s->over_n == 0)
		return;
	gp_report(s->ctx, "%s: %llu %s longer than --max-record %zu bytes skipped (%s line %llu, %llu bytes)",
		  l->display, (unsigned long long)s->over_n, s->over_n == 1 ? "record" : "records",
		  s->ctx->max_record, s->over_n == 1 ? "at" : "first at", (unsigned long long)s->over_line,
		  (unsigned long long)s->over_bytes);
	s->over_n = 0;
}

static void pop_level(source *s)
{
	level *l = &s->lv[--s->nlv];
	if (s->reading)
		report_over(s, l);
	gp_scope_unwind(l->scope);
	free(l->display);
	l->display = NULL;
	l->top = NULL;
	l->arc = NULL;
	if (s->nlv == 0)
		s->bottom = NULL;
	s->reading = false;
}

static level *push_level(gp_stage *st, const char *name, const char *member)
{
	source *s = st->state;
	level *l = &s->lv[s->nlv];
	memset(l, 0, sizeof *l);
	gp_scope_init(&l->scope_store);
	l->scope = &l->scope_store;
	s->nlv++; /* from here on, pop_level releases it */
	/* One allocation: "name:member", then "name" and "member" for the origin. */
	size_t nl = strlen(name), ml = member ? strlen(member) : 0;
	char *b = malloc(2 * (nl + ml) + 4);
	if (!b)
		return NULL;
	l->display = b;
	memcpy(b, name, nl);
	if (member) {
		b[nl] = ':';
		memcpy(b + nl + 1, member, ml);
	}
	char *n = b + nl + (member ? ml + 1 : 0);
	*n++ = '\0';
	memcpy(n, name, nl + 1);
	l->origin.name = n;
	l->origin.id = ++s->next_id;
	if (member) {
		char *m = n + nl + 1;
		memcpy(m, member, ml + 1);
		l->origin.member = m;
	}
	return l;
}

/* The decoder layer for a compression format. */
static gp_stream *open_decoder(gp_scope *scope, gp_stream *in, gp_format f, char *err,
			       size_t errlen)
{
	if (f == GP_FMT_GZIP || f == GP_FMT_ZLIB)
		return gp_gzip_open(scope, in, f == GP_FMT_ZLIB, err, errlen);
	return gp_filter_open(scope, in, f, err, errlen);
}

#define MAX_LAYERS 4 /* compression layers in one level */

/* What the first bytes of a stream call for: its decoders, stacked, and
 * what is under them. */
typedef struct layering {
	gp_stream *top;		   /* the records, or the archive's bytes */
	gp_format dec[MAX_LAYERS]; /* decoders, outermost first */
	int ndec;
	gp_format what;	/* GP_FMT_PLAIN or an archive format */
	bool too_many;	/* one more compression layer: not decoded */
} layering;

/* The one place that decides an input's layers: the run and --explain both
 * call it. Returns 1, 0 when a decoder cannot be set up (message in err),
 * -1 when out of memory. */
static int stack_layers(gp_scope *scope, gp_stream *in, const fdstream *bottom, layering *ly,
			char *err, size_t errlen)
{
	memset(ly, 0, sizeof *ly);
	for (;;) {
		peek *p = peek_open(scope, in, bottom);
		if (!p)
			return -1;
		ly->top = &p->s;
		gp_format f = gp_detect(p->buf, p->n);
		if (f == GP_FMT_PLAIN || gp_format_is_archive(f)) {
			ly->what = f;
			return 1;
		}
		if (ly->ndec == MAX_LAYERS) {
			ly->too_many = true;
			return 1;
		}
		gp_stream *d = open_decoder(scope, &p->s, f, err, errlen);
		if (!d)
			return 0;
		ly->dec[ly->ndec++] = f;
		in = d;
	}
}

/* Detects the encodings and format of the level's stream and stacks the
 * decoders. Returns 1 when the level has records to read, 2 when it is an
 * archive, 0 when it failed or is skipped (reported), -1 when out of memory. */
static int open_layers(gp_stage *st, level *l, gp_stream *in)
{
	source *s = st->state;
	if (s->raw) {
		l->top = in;
		return 1;
	}
	char err[256];
	layering ly;
	int r = stack_layers(l->scope, in, s->bottom, &ly, err, sizeof err);
	if (r <= 0) {
		if (r == 0)
			report_level(st, l, err);
		return r;
	}
	if (ly.too_many) {
		/* Decoded bytes would be read as text: a zip bomb's way in, and
		 * never a log. */
		gp_report(st->ctx, "%s: more than %d compression layers, skipped", l->display,
			  MAX_LAYERS);
		return 0;
	}
	if (ly.what == GP_FMT_PLAIN) {
		l->top = ly.top;
		return 1;
	}
	if (s->nlv >= MAX_DEPTH) {
		gp_report(st->ctx, "%s: archives nested more than %d deep, skipped", l->display,
			  MAX_DEPTH - 1);
		return 0;
	}
	l->arc = gp_archive_open(l->scope, ly.top, ly.what, err, sizeof err);
	if (!l->arc) {
		report_level(st, l, err);
		return 0;
	}
	return 2;
}

/* Opens `name` in directory `at` (AT_FDCWD for an operand), shown as path,
 * as a new bottom level. Returns 1 when it has records, 2 when it is an
 * archive, 0 when skipped (reported, or a directory pushed), -1 when out of
 * memory. */
static int open_path(gp_stage *st, int at, const char *name, const char *path, bool top)
{
	source *s = st->state;
	bool is_stdin = top && strcmp(path, "-") == 0;
	if (top && !is_stdin) {
		/* Opening a FIFO blocks until a writer comes: deliver what is
		 * already through the chain first. */
		struct stat pre;
		if (stat(path, &pre) == 0 && !S_ISREG(pre.st_mode) && st->ctx->flush_hint)
			st->ctx->flush_hint(st->ctx);
	}
	level *l = push_level(st, is_stdin ? STDIN_NAME : path, NULL);
	if (!l)
		return -1;
	int fd = STDIN_FILENO;
	if (!is_stdin) {
		/* Inside a tree a link is never followed, even one that
		 * replaced the entry since it was listed. */
		fd = openat(at, name, O_RDONLY | O_CLOEXEC | O_NOCTTY | (top ? 0 : O_NOFOLLOW));
		if (fd < 0) {
			if (!gp_signal)
				gp_report(st->ctx, "cannot open '%s': %s", path, strerror(errno));
			pop_level(s);
			return 0;
		}
		if (gp_scope_fd(l->scope, fd) < 0)
			return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		gp_report(st->ctx, "cannot stat '%s': %s", l->display, strerror(errno));
		pop_level(s);
		return 0;
	}
	if (S_ISDIR(sb.st_mode)) {
		/* push_dir copies path: do it before the level's scope frees it. */
		int r = is_stdin ? 0 : push_dir(st, fd, path);
		if (is_stdin)
			gp_report(st->ctx, "%s: Is a directory", STDIN_NAME);
		pop_level(s);
		return r;
	}
	if (!top && !S_ISREG(sb.st_mode)) {
		pop_level(s);
		return 0;
	}
	fdstream *f = gp_scope_alloc(l->scope, sizeof *f);
	if (!f)
		return -1;
	f->s.read = fd_read;
	f->s.impl = f;
	f->ctx = st->ctx;
	f->fd = fd;
	f->regular = S_ISREG(sb.st_mode);
	/* Decoders may read a "file" from a thread of their own; a pipe must
	 * be read on the main thread, which flushes output when it pauses. */
	f->s.kind = f->regular ? "file" : "pipe";
	if (f->regular)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	s->bottom = f;
	int r = open_layers(st, l, &f->s);
	if (r == 0)
		pop_level(s);
	return r;
}

/* The next level to read records from: the next member of the innermost
 * archive, or the next input. Returns 1 when one is ready, 0 when there are
 * no more inputs, -1 when out of memory. */
static int next_input(gp_stage *st)
{
	source *s = st->state;
	char err[256];
	for (;;) {
		if (gp_signal)
			return 0;
		if (s->nlv > 0) {
			level *l = &s->lv[s->nlv - 1];
			if (!l->arc) {
				pop_level(s);
				continue;
			}
			const char *name;
			gp_stream *member;
			int r = gp_archive_next(l->arc, &name, &member, err, sizeof err);
			report_below(st);
			if (r == GP_ARC_SKIPPED) {
				report_level(st, l, err);
				continue;
			}
			if (r != GP_ARC_MEMBER) {
				/* An empty message: the member already said what broke. */
				if (r == GP_ARC_ERROR && err[0])
					report_level(st, l, err);
				pop_level(s);
				continue;
			}
			/* The member's origin: the file, and the member path inside. */
			const char *outer = l->origin.member;
			size_t ol = outer ? strlen(outer) : 0, nl = strlen(name);
			char *mem = malloc(ol + nl + 2);
			if (!mem)
				return -1;
			if (outer) {
				memcpy(mem, outer, ol);
				mem[ol] = ':';
				memcpy(mem + ol + 1, name, nl + 1);
			} else {
				memcpy(mem, name, nl + 1);
			}
			level *m = push_level(st, l->origin.name, mem);
			free(mem);
			if (!m)
				return -1;
			int o = open_layers(st, m, member);
			if (o < 0)
				return -1;
			if (o == 0)
				pop_level(s);
			if (o == 1)
				return 1;
			continue;
		}
		int r;
		if (s->ndirs > 0) {
			dirframe *d = &s->dirs[s->ndirs - 1];
			if (d->next >= d->n) {
				pop_dir(s);
				continue;
			}
			/* Only regular files and directories: links are not followed
			 * while recursing (as grep -r), and opening a FIFO or device
			 * found in a tree could block or never end. */
			struct dirent *e = d->ents[d->next++];
			if (e->d_type != DT_REG && e->d_type != DT_DIR && e->d_type != DT_UNKNOWN)
				continue;
			struct stat lsb;
			if (e->d_type == DT_UNKNOWN &&
			    (fstatat(d->fd, e->d_name, &lsb, AT_SYMLINK_NOFOLLOW) != 0 ||
			     !(S_ISREG(lsb.st_mode) || S_ISDIR(lsb.st_mode))))
				continue;
			if (path_at(s, d->plen, e->d_name) != 0)
				return -1;
			r = open_path(st, d->fd, e->d_name, s->path, false);
		} else if (s->next_path < s->npaths) {
			const char *p = s->paths[s->next_path++];
			r = open_path(st, AT_FDCWD, p, p, true);
		} else {
			return 0;
		}
		if (r == 1 || r < 0)
			return r;
	}
}

static void finish_skip(gp_stage *st)
{
	source *s = st->state;
	if (s->over_n++ == 0) {
		s->over_line = s->skip_line;
		s->over_bytes = s->skip_bytes;
	}
	s->skipping = false;
	s->line = s->skip_line + 1;
	s->off += s->skip_bytes + 1;
}

static gp_status emit(gp_stage *st, gp_batch *out, size_t end)
{
	source *s = st->state;
	out->span = s->buf;
	out->span_len = end;
	out->span_line = s->line;
	out->span_off = s->off;
	out->span_origin = &s->lv[s->nlv - 1].origin;
	out->lazy = &s->lazy;
	out->writable = true;
	out->span_nrec = gp_count_byte(s->buf, end, st->ctx->delim);
	s->line += out->span_nrec;
	s->off += end;
	s->pos = end;
	return GP_OK;
}

static gp_status source_next(gp_stage *st, gp_batch *out)
{
	source *s = st->state;
	const char delim = st->ctx->delim;
	if (st->ctx->progress)
		st->ctx->progress(st->ctx);
	for (;;) {
		if (gp_signal)
			return GP_EOF;
		/* Carry the partial record to the front. */
		if (s->pos > 0) {
			memmove(s->buf, s->buf + s->pos, s->have - s->pos);
			s->have -= s->pos;
			s->pos = 0;
		}
		if (!s->reading || s->eof) {
			if (s->reading) {
				/* This level's records are done; its archive parent (if
				 * any) hands out the next member. */
				pop_level(s);
			}
			int r = next_input(st);
			if (r < 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (r == 0)
				return GP_EOF;
			s->reading = true;
			s->eof = false;
			s->pos = s->have = 0;
			s->line = 1;
			s->off = 0;
			s->skipping = false;
		}
		if (s->have + 1 >= s->cap) {
			/* No delimiter in a full buffer: grow, or skip the record. */
			size_t limit = st->ctx->max_record + 2;
			if (s->cap >= limit) {
				s->skipping = true;
				s->skip_bytes = s->have;
				s->skip_line = s->line;
				s->have = 0;
			} else {
				size_t ncap = s->cap * 2 > limit ? limit : s->cap * 2;
				char *nb = realloc(s->buf, ncap + 1);
				if (!nb)
					return gp_fail(st->ctx, NULL, "out of memory");
				s->buf = nb;
				s->cap = ncap;
			}
		}
		size_t room = s->cap - 1 - s->have;
		if (room > GP_READ_BLOCK * 4)
			room = GP_READ_BLOCK * 4;
		gp_stream *in = s->lv[s->nlv - 1].top;
		ssize_t r = in->read(in, s->buf + s->have, room);
		if (r < 0) {
			/* Bad data: what came before is delivered, the incomplete
			 * record at the fault is not, and the next input goes on. */
			level *l = &s->lv[s->nlv - 1];
			report_below(st);
			report_level(st, l, in->err);
			s->eof = true;
			if (s->skipping)
				finish_skip(st);
			s->have = 0;
			continue;
		}
		if (r == 0) {
			s->eof = true;
			if (gp_signal)
				return GP_EOF;
			if (s->skipping) {
				finish_skip(st);
				continue;
			}
			if (s->have == 0)
				continue;
			s->buf[s->have++] = delim; /* the last line lacks its delimiter */
			return emit(st, out, s->have);
		}
		size_t old = s->have;
		s->have += (size_t)r;
		if (s->skipping) {
			char *q = memchr(s->buf + old, delim, s->have - old);
			if (!q) {
				s->skip_bytes += s->have - old;
				s->have = 0;
				continue;
			}
			size_t k = (size_t)(q - s->buf) + 1;
			s->skip_bytes += k - 1 - old;
			finish_skip(st);
			memmove(s->buf, s->buf + k, s->have - k);
			s->have -= k;
			old = 0;
		}
		char *q = memrchr(s->buf + old, delim, s->have - old);
		if (q)
			return emit(st, out, (size_t)(q - s->buf) + 1);
	}
}

static const gp_stage_ops source_ops = { source_next };

extern const gp_stage_def gp_stage_read;

void gp_source_skip(gp_stage *st, uint64_t origin_id)
{
	if (st->closed || st->def != &gp_stage_read)
		return;
	source *s = st->state;
	if (!s->reading || s->eof || s->nlv == 0 || s->lv[s->nlv - 1].origin.id != origin_id)
		return;
	/* The batch handed out last, buf[0 .. pos), stays valid until the next
	 * call; the rest of the level is dropped there. */
	s->eof = true;
	s->skipping = false;
	s->have = s->pos;
}

static void close_levels(void *arg)
{
	source *s = arg;
	while (s->nlv > 0)
		pop_level(s);
}

gp_status gp_source_open(gp_stage *st, const char *const *paths, size_t npaths)
{
	static const char *const stdin_only[] = { "-" };
	source *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s)
		return gp_fail(st->ctx, NULL, "out of memory");
	if (npaths == 0) {
		paths = stdin_only;
		npaths = 1;
	}
	s->paths = paths;
	s->npaths = npaths;
	s->raw = st->ctx->raw;
	s->ctx = st->ctx;
	/* The buffer starts at one block and grows for long records; a full
	 * buffer without a delimiter is exactly a record over --max-record, so
	 * a small limit also means a small buffer. */
	s->cap = GP_READ_BLOCK;
	if (st->ctx->max_record + 2 < s->cap)
		s->cap = st->ctx->max_record + 2;
	s->buf = malloc(s->cap + 1);
	if (!s->buf || gp_scope_defer(st->scope, free_ptr, &s->buf) != 0 ||
	    gp_scope_defer(st->scope, free_dirs, s) != 0 ||
	    gp_recvec_own(st->scope, &s->lazy) != 0 ||
	    gp_scope_defer(st->scope, close_levels, s) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = s;
	st->ops = &source_ops;
	return GP_OK;
}

int gp_source_describe(const char *path, bool raw, char *out, size_t cap)
{
	/* --explain: the layers of a regular file, from its first bytes. */
	struct stat sb;
	size_t k = (size_t)snprintf(out, cap, "read");
	if (strcmp(path, "-") != 0 && stat(path, &sb) != 0) {
		snprintf(out + k, cap - k, " → (cannot open: %s)", strerror(errno));
		return 0;
	}
	if (strcmp(path, "-") == 0 || !S_ISREG(sb.st_mode) || raw) {
		snprintf(out + k, cap - k, raw ? " → lines (--raw)" : " → (detected when read) → lines");
		return 0;
	}
	gp_scope scope;
	gp_scope_init(&scope);
	int fd = gp_scope_fd(&scope, open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY));
	if (fd < 0) {
		snprintf(out + k, cap - k, " → (cannot open: %s)", strerror(errno));
		gp_scope_unwind(&scope);
		return 0;
	}
	fdstream f = { .s = { .read = fd_read, .kind = "file" }, .fd = fd, .regular = true };
	f.s.impl = &f;
	static gp_ctx quiet;
	f.ctx = &quiet;
	char err[256];
	layering ly;
	int r = stack_layers(&scope, &f.s, NULL, &ly, err, sizeof err);
	for (int i = 0; i < ly.ndec && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, " → %s", gp_format_name(ly.dec[i]));
	if (k >= cap)
		k = cap - 1; /* cut: the last snprintf wrote what fits */
	if (r < 0)
		snprintf(out + k, cap - k, " → (out of memory)");
	else if (r == 0)
		snprintf(out + k, cap - k, " → (%s)", err);
	else if (ly.too_many)
		snprintf(out + k, cap - k, " → (more than %d compression layers, skipped)", MAX_LAYERS);
	else if (gp_format_is_archive(ly.what))
		snprintf(out + k, cap - k, " → %s → (each member detected in turn) → lines",
			 gp_format_name(ly.what));
	else
		snprintf(out + k, cap - k, " → lines");
	gp_scope_unwind(&scope);
	return 0;
}

/* Registry entries: read and lines are put in front of every chain by gpipe;
 * they appear in help and --explain, and cannot be typed in an expression. */

const gp_stage_def gp_stage_read = {
	.name = "read",
	.family = GP_FAM_INPUT,
	.implicit = true,
	.synopsis = "read FILE...",
	.summary = "read each input in large blocks (implicit)",
	.help = "Reads the inputs named on the command line in order, in blocks of 256 KiB "
		"(no per-line I/O). `-` or no input at all means standard input; pipes, FIFOs "
		"and terminals work, and records already through the chain are written as soon "
		"as the input pauses (`tail -f app.log | gpipe 'grep ERROR'`). A directory is "
		"searched recursively, its entries in byte order of their names, at any depth "
		"(entries are opened relative to their directory, as grep -r does; one "
		"descriptor per level); symbolic links and special files inside it are skipped. An input that cannot be opened or "
		"read is reported, the others are still processed, and the exit status is 2.",
	.open = NULL,
};

const gp_stage_def gp_stage_decompress = {
	.name = "decompress",
	.family = GP_FAM_INPUT,
	.implicit = true,
	.synopsis = "decompress",
	.summary = "decode gzip, zlib, bzip2, xz, lzma, zstd and lz4, detected by magic bytes (implicit)",
	.help = "Looks at the first bytes of every input and archive member, never at its name, "
		"and decodes gzip and zlib (ISA-L's igzip when built with it, zlib otherwise; "
		"concatenated members are one stream, as zcat reads them) and bzip2, xz, lzma, "
		"zstd and lz4 (liblzma, libbz2, libzstd and liblz4, in the process; streams and "
		"frames one after another are one stream, skippable frames are skipped, and "
		"zero bytes after zstd or lz4 data are trailing garbage, as zstd -dc and "
		"lz4 -dc say). Standard input is detected the same way. Layers stack: "
		"a gzip of a tar is decoded, then read as a tar; an input with more than 4 "
		"layers is reported and skipped (exit status 2), not read as bytes.\n\n"
		"Corrupt or truncated data: every complete record decoded before the fault is "
		"delivered, a message names the input (and member) and the compressed byte "
		"offset, the other inputs go on, and the exit status is 2. --raw turns "
		"detection off.",
	.open = NULL,
};

const gp_stage_def gp_stage_archive = {
	.name = "archive",
	.family = GP_FAM_INPUT,
	.implicit = true,
	.synopsis = "archive",
	.summary = "read each member of tar, zip, 7z, cpio, ar and ISO 9660 archives in turn (implicit)",
	.help = "Each regular member of an archive becomes an input of its own, in archive "
		"order, with the origin archive:member (-H prints `logs.tar.gz:app/a.log:`, -n "
		"the member's own line numbers). Directories, links and devices inside are "
		"skipped. A member that is itself compressed or an archive is opened in turn, "
		"up to 5 archives deep (origin `outer.tar:inner.zip:a.log`); a deeper one is "
		"reported and skipped. ISO 9660 is detected on standard input, inside "
		"compression and as a member too (its magic is 32 KiB in). Member names with "
		"control characters are printed escaped. An encrypted or unsupported member is "
		"reported and skipped; a damaged archive is reported after the members before "
		"the damage are delivered in full.",
	.open = NULL,
};

const gp_stage_def gp_stage_lines = {
	.name = "lines",
	.family = GP_FAM_INPUT,
	.implicit = true,
	.synopsis = "lines",
	.summary = "split the byte stream into records on newline, or NUL with -z (implicit)",
	.help = "Splits each input into records on \\n (on NUL with -z); the delimiter is not "
		"part of the record and a last line without one is a record too. Bytes are "
		"bytes: NUL, CR and invalid UTF-8 pass through unchanged. A record longer than "
		"the buffer grows it, up to --max-record (default 64 MiB); longer records are "
		"skipped and summarised once per input (how many, the first one's line number "
		"and size), and the exit status is 2.",
	.open = NULL,
};
