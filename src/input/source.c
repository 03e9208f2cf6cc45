/* The source stage: read → decompress → archive → lines over every input
 * (see source.h). Here are the levels of an input (the file, the members of
 * archives in it), the origins of their records, and the line splitting;
 * the paths come from the walk (walk.c), each level's layers from
 * gp_layers_stack (layers.c), the bottom layer from fd.c. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "../registry.h"
#include "layers.h"
#include "stream.h"
#include "walk.h"

#define STDIN_NAME "(standard input)"

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

typedef struct source {
	bool raw;

	gp_walk walk; /* the paths to open, directories walked lazily */

	level lv[GP_MAX_DEPTH];
	int nlv;
	bool reading; /* lv[nlv-1].top is being read */
	uint64_t next_id; /* for gp_origin.id */
	gp_fdstream *bottom;

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

static void free_ptr(void *arg)
{
	free(*(char **)arg);
	*(char **)arg = NULL;
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

/* What opening a level came to. */
typedef enum open_result {
	OPEN_NOMEM = -1,
	OPEN_SKIPPED = 0, /* failed or skipped (reported), or a directory pushed on the walk */
	OPEN_RECORDS = 1, /* the level's top gives records */
	OPEN_ARCHIVE = 2, /* the level's archive hands out members */
} open_result;

/* Detects the encodings and format of the level's stream and stacks the
 * decoders (layers.c, as --explain does). */
static open_result open_layers(gp_stage *st, level *l, gp_stream *in)
{
	source *s = st->state;
	if (s->raw) {
		l->top = in;
		return OPEN_RECORDS;
	}
	char err[256];
	gp_layers ly;
	gp_stack_result r = gp_layers_stack(l->scope, in, s->bottom, s->nlv, &ly, err, sizeof err);
	switch (r) {
	case GP_STACK_NOMEM:
		return OPEN_NOMEM;
	case GP_STACK_FAILED:
		report_level(st, l, err);
		return OPEN_SKIPPED;
	case GP_STACK_TOO_MANY:
	case GP_STACK_TOO_DEEP:
		report_level(st, l, gp_layers_skipped(r));
		return OPEN_SKIPPED;
	case GP_STACK_ARCHIVE:
		l->arc = ly.arc;
		return OPEN_ARCHIVE;
	case GP_STACK_RECORDS:
		break;
	}
	l->top = ly.top;
	return OPEN_RECORDS;
}

/* Opens the walk's entry e as a new bottom level. A directory is pushed on
 * the walk (OPEN_SKIPPED). */
static open_result open_path(gp_stage *st, const gp_walk_entry *e)
{
	source *s = st->state;
	const char *path = e->path;
	bool top = e->top, is_stdin = top && strcmp(path, "-") == 0;
	if (top && !is_stdin) {
		/* Opening a FIFO blocks until a writer comes: deliver what is
		 * already through the chain first. */
		struct stat pre;
		if (stat(path, &pre) == 0 && !S_ISREG(pre.st_mode) && st->ctx->flush_hint)
			st->ctx->flush_hint(st->ctx);
	}
	level *l = push_level(st, is_stdin ? STDIN_NAME : path, NULL);
	if (!l)
		return OPEN_NOMEM;
	int fd = STDIN_FILENO;
	if (!is_stdin) {
		/* Inside a tree a link is never followed, even one that
		 * replaced the entry since it was listed. */
		fd = openat(e->at, e->name, O_RDONLY | O_CLOEXEC | O_NOCTTY | (top ? 0 : O_NOFOLLOW));
		if (fd < 0) {
			if (!gp_signal)
				gp_report(st->ctx, "cannot open '%s': %s", path, strerror(errno));
			pop_level(s);
			return OPEN_SKIPPED;
		}
		if (gp_scope_fd(l->scope, fd) < 0)
			return OPEN_NOMEM;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		gp_report(st->ctx, "cannot stat '%s': %s", l->display, strerror(errno));
		pop_level(s);
		return OPEN_SKIPPED;
	}
	/* The year of yearless timestamps (syslog): the file's mtime; a
	 * pipe's or a terminal's is when it was opened. */
	l->origin.mtime = S_ISREG(sb.st_mode) ? (int64_t)sb.st_mtime : (int64_t)time(NULL);
	if (S_ISDIR(sb.st_mode)) {
		/* The walk copies path: push before the level's scope frees it. */
		int r = is_stdin ? 0 : gp_walk_push_dir(&s->walk, fd, path);
		if (is_stdin)
			gp_report(st->ctx, "%s: Is a directory", STDIN_NAME);
		pop_level(s);
		return r < 0 ? OPEN_NOMEM : OPEN_SKIPPED;
	}
	if (!top && !S_ISREG(sb.st_mode)) {
		pop_level(s);
		return OPEN_SKIPPED;
	}
	gp_fdstream *f = gp_scope_alloc(l->scope, sizeof *f);
	if (!f)
		return OPEN_NOMEM;
	gp_fdstream_init(f, st->ctx, fd, S_ISREG(sb.st_mode));
	if (f->regular)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	s->bottom = f;
	open_result r = open_layers(st, l, &f->s);
	if (r == OPEN_SKIPPED)
		pop_level(s);
	return r;
}

/* Opens the next member of the archive of level l as a level above it. */
static open_result open_member(gp_stage *st, level *l, const char *name, gp_stream *member)
{
	source *s = st->state;
	/* The member's origin: the file, and the member path inside. */
	const char *outer = l->origin.member;
	size_t ol = outer ? strlen(outer) : 0, nl = strlen(name);
	char *mem = malloc(ol + nl + 2);
	if (!mem)
		return OPEN_NOMEM;
	if (outer) {
		memcpy(mem, outer, ol);
		mem[ol] = ':';
		memcpy(mem + ol + 1, name, nl + 1);
	} else {
		memcpy(mem, name, nl + 1);
	}
	int64_t mtime = l->origin.mtime; /* a member's lines: its archive's */
	level *m = push_level(st, l->origin.name, mem);
	free(mem);
	if (!m)
		return OPEN_NOMEM;
	m->origin.mtime = mtime;
	open_result o = open_layers(st, m, member);
	if (o == OPEN_SKIPPED)
		pop_level(s);
	return o;
}

typedef enum next_result {
	NEXT_NOMEM = -1,
	NEXT_END = 0,	/* no more inputs */
	NEXT_READY = 1, /* the top level gives records */
} next_result;

/* The next level to read records from: the next member of the innermost
 * archive, or the next input. */
static next_result next_input(gp_stage *st)
{
	source *s = st->state;
	char err[256];
	for (;;) {
		if (gp_signal)
			return NEXT_END;
		open_result o;
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
			o = open_member(st, l, name, member);
		} else {
			gp_walk_entry e;
			gp_walk_result w = gp_walk_next(&s->walk, &e);
			if (w == GP_WALK_NOMEM)
				return NEXT_NOMEM;
			if (w == GP_WALK_END)
				return NEXT_END;
			o = open_path(st, &e);
		}
		if (o == OPEN_NOMEM)
			return NEXT_NOMEM;
		if (o == OPEN_RECORDS)
			return NEXT_READY;
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
			next_result r = next_input(st);
			if (r == NEXT_NOMEM)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (r == NEXT_END)
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
				/* Doubling capped at the limit, not gp_grow: the
				 * buffer never holds more than --max-record. */
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

size_t gp_source_buffer_cap(const gp_stage *st)
{
	const source *s = st->state;
	return s->cap;
}

char *gp_source_swap_buffer(gp_stage *st, char *nb, size_t ncap)
{
	source *s = st->state;
	if (ncap < s->cap)
		return NULL;
	/* What follows the batch handed out, buf[pos .. have), goes first. */
	char *old = s->buf;
	memcpy(nb, s->buf + s->pos, s->have - s->pos);
	s->have -= s->pos;
	s->pos = 0;
	s->buf = nb;
	s->cap = ncap;
	return old;
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
	    gp_walk_init(&s->walk, st->scope, st->ctx, paths, npaths) != 0 ||
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
	static gp_ctx quiet;
	gp_fdstream f;
	gp_fdstream_init(&f, &quiet, fd, true);
	/* The same stacking as the run's, for an input (depth 1). */
	char err[256];
	gp_layers ly;
	gp_stack_result r = gp_layers_stack(&scope, &f.s, NULL, 1, &ly, err, sizeof err);
	for (int i = 0; i < ly.ndec && k < cap; i++)
		k += (size_t)snprintf(out + k, cap - k, " → %s", gp_format_name(ly.dec[i]));
	if (k >= cap)
		k = cap - 1; /* cut: the last snprintf wrote what fits */
	switch (r) {
	case GP_STACK_NOMEM:
		snprintf(out + k, cap - k, " → (out of memory)");
		break;
	case GP_STACK_FAILED:
		snprintf(out + k, cap - k, " → (%s)", err);
		break;
	case GP_STACK_TOO_MANY:
	case GP_STACK_TOO_DEEP:
		snprintf(out + k, cap - k, " → (%s)", gp_layers_skipped(r));
		break;
	case GP_STACK_ARCHIVE:
		snprintf(out + k, cap - k, " → %s → (each member detected in turn) → lines",
			 gp_format_name(ly.what));
		break;
	case GP_STACK_RECORDS:
		snprintf(out + k, cap - k, " → lines");
		break;
	}
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
