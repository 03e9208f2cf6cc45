#include "source.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../registry.h"

#define STDIN_NAME "(standard input)"

/* One directory being walked: its sorted entries and the next one to visit. */
typedef struct dirframe {
	char *path;
	struct dirent **ents;
	int n, next;
} dirframe;

typedef struct source {
	const char *const *paths;
	size_t npaths, next_path;

	dirframe *dirs;
	size_t ndirs, dirs_cap;

	/* The current input. */
	gp_scope *in_scope;
	int fd;
	bool regular;
	gp_origin *origin;
	bool open;

	/* Line buffer: bytes [pos, have) are not yet emitted and hold no delim. */
	char *buf;
	size_t cap, pos, have;
	uint64_t line; /* line number of the record starting at buf[pos] */
	bool eof;

	/* Skipping a record longer than --max-record. */
	bool skipping;
	uint64_t skip_bytes, skip_line;

	gp_arena names; /* origins live for the whole run (tail keeps them) */
	gp_recvec lazy;
} source;

static void free_dirs(void *arg)
{
	source *s = arg;
	for (size_t i = 0; i < s->ndirs; i++) {
		dirframe *d = &s->dirs[i];
		for (int k = 0; k < d->n; k++)
			free(d->ents[k]);
		free(d->ents);
		free(d->path);
	}
	free(s->dirs);
	s->dirs = NULL;
	s->ndirs = 0;
}

static void free_names(void *arg)
{
	gp_arena_free(arg);
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

static int push_dir(gp_stage *st, const char *path)
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
	struct dirent **ents;
	int n = scandir(path, &ents, skip_dots, alphasort);
	if (n < 0) {
		gp_report(st->ctx, "cannot read directory '%s': %s", path, strerror(errno));
		return 0;
	}
	dirframe *d = &s->dirs[s->ndirs];
	d->path = strdup(path);
	if (!d->path) {
		for (int k = 0; k < n; k++)
			free(ents[k]);
		free(ents);
		return -1;
	}
	d->ents = ents;
	d->n = n;
	d->next = 0;
	s->ndirs++;
	return 0;
}

static void pop_dir(source *s)
{
	dirframe *d = &s->dirs[--s->ndirs];
	for (int k = 0; k < d->n; k++)
		free(d->ents[k]);
	free(d->ents);
	free(d->path);
}

static void close_input(source *s)
{
	if (s->in_scope)
		gp_scope_close(s->in_scope);
	s->open = false;
	s->fd = -1;
}

/* Opens path as the current input. Returns 1 when opened, 0 when skipped
 * (reported, or a directory pushed), -1 when out of memory. */
static int open_path(gp_stage *st, const char *path, bool top)
{
	source *s = st->state;
	bool is_stdin = top && strcmp(path, "-") == 0;
	int fd;
	if (is_stdin) {
		fd = STDIN_FILENO;
	} else {
		if (top) {
			/* Opening a FIFO blocks until a writer comes: deliver what is
			 * already through the chain first. */
			struct stat pre;
			if (stat(path, &pre) == 0 && !S_ISREG(pre.st_mode) && st->ctx->flush_hint)
				st->ctx->flush_hint(st->ctx);
		}
		fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY);
		if (fd < 0) {
			if (!gp_signal)
				gp_report(st->ctx, "cannot open '%s': %s", path, strerror(errno));
			return 0;
		}
		if (gp_scope_fd(s->in_scope, fd) < 0)
			return -1;
	}
	struct stat sb;
	if (fstat(fd, &sb) != 0) {
		gp_report(st->ctx, "cannot stat '%s': %s", is_stdin ? STDIN_NAME : path,
			  strerror(errno));
		close_input(s);
		return 0;
	}
	if (S_ISDIR(sb.st_mode)) {
		/* push_dir copies path: do it before the input's scope frees it. */
		int r = is_stdin ? 0 : push_dir(st, path);
		if (is_stdin)
			gp_report(st->ctx, "%s: Is a directory", STDIN_NAME);
		close_input(s);
		return r;
	}
	if (!top && !S_ISREG(sb.st_mode)) {
		close_input(s);
		return 0;
	}
	s->fd = fd;
	s->regular = S_ISREG(sb.st_mode);
	if (s->regular)
		posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	gp_origin *o = gp_arena_alloc(&s->names, sizeof *o);
	char *name = gp_arena_strndup(&s->names, is_stdin ? STDIN_NAME : path,
				      strlen(is_stdin ? STDIN_NAME : path));
	if (!o || !name)
		return -1;
	o->name = name;
	o->member = NULL;
	s->origin = o;
	s->open = true;
	s->eof = false;
	s->pos = s->have = 0;
	s->line = 1;
	s->skipping = false;
	return 1;
}

/* Advances to the next input. Returns 1 when one is open, 0 when there are no
 * more, -1 when out of memory. */
static int next_input(gp_stage *st)
{
	source *s = st->state;
	for (;;) {
		if (s->in_scope)
			gp_scope_close(s->in_scope);
		else if (!(s->in_scope = gp_scope_child(st->scope)))
			return -1;
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
			size_t pl = strlen(d->path), nl = strlen(e->d_name);
			char *full = malloc(pl + nl + 2);
			if (!full || gp_scope_defer(s->in_scope, free, full) != 0)
				return -1;
			memcpy(full, d->path, pl);
			size_t k = pl;
			if (pl == 0 || full[pl - 1] != '/')
				full[k++] = '/';
			memcpy(full + k, e->d_name, nl + 1);
			struct stat lsb;
			if (e->d_type == DT_UNKNOWN &&
			    (lstat(full, &lsb) != 0 || !(S_ISREG(lsb.st_mode) || S_ISDIR(lsb.st_mode))))
				continue;
			r = open_path(st, full, false);
		} else if (s->next_path < s->npaths) {
			r = open_path(st, s->paths[s->next_path++], true);
		} else {
			return 0;
		}
		if (r != 0)
			return r;
	}
}

static void maybe_flush(gp_stage *st)
{
	source *s = st->state;
	if (s->regular || !st->ctx->flush_hint)
		return;
	struct pollfd p = { .fd = s->fd, .events = POLLIN };
	if (poll(&p, 1, 0) == 0)
		st->ctx->flush_hint(st->ctx);
}

/* read() that retries EINTR unless a signal asked us to stop. */
static ssize_t read_some(gp_stage *st, char *dst, size_t n)
{
	source *s = st->state;
	for (;;) {
		maybe_flush(st);
		ssize_t r = read(s->fd, dst, n);
		if (r >= 0 || errno != EINTR || gp_signal)
			return r;
	}
}

static void finish_skip(gp_stage *st)
{
	source *s = st->state;
	gp_report(st->ctx, "%s:%llu: record of %llu bytes exceeds --max-record (%zu bytes), skipped",
		  s->origin->name, (unsigned long long)s->skip_line,
		  (unsigned long long)s->skip_bytes, st->ctx->max_record);
	s->skipping = false;
	s->line = s->skip_line + 1;
}

static gp_status emit(gp_stage *st, gp_batch *out, size_t end)
{
	source *s = st->state;
	out->span = s->buf;
	out->span_len = end;
	out->span_line = s->line;
	out->span_origin = s->origin;
	out->lazy = &s->lazy;
	out->writable = true;
	out->span_nrec = gp_count_byte(s->buf, end, st->ctx->delim);
	s->line += out->span_nrec;
	s->pos = end;
	return GP_OK;
}

static gp_status source_next(gp_stage *st, gp_batch *out)
{
	source *s = st->state;
	const char delim = st->ctx->delim;
	for (;;) {
		if (gp_signal)
			return GP_EOF;
		if (!s->open) {
			int r = next_input(st);
			if (r < 0)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (r == 0)
				return GP_EOF;
		}
		/* Carry the partial record to the front. */
		if (s->pos > 0) {
			memmove(s->buf, s->buf + s->pos, s->have - s->pos);
			s->have -= s->pos;
			s->pos = 0;
		}
		if (s->eof) {
			close_input(s);
			continue;
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
		ssize_t r = read_some(st, s->buf + s->have, room);
		if (r < 0) {
			if (gp_signal)
				return GP_EOF;
			gp_report(st->ctx, "read error on '%s': %s", s->origin->name, strerror(errno));
			if (s->skipping)
				finish_skip(st);
			r = 0; /* deliver what we have, then go on with the next input */
		}
		if (r == 0) {
			s->eof = true;
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
	s->fd = -1;
	gp_arena_init(&s->names);
	/* The buffer starts at one block and grows for long records; a full
	 * buffer without a delimiter is exactly a record over --max-record, so
	 * a small limit also means a small buffer. */
	s->cap = GP_READ_BLOCK;
	if (st->ctx->max_record + 2 < s->cap)
		s->cap = st->ctx->max_record + 2;
	s->buf = malloc(s->cap + 1);
	if (!s->buf || gp_scope_defer(st->scope, free_ptr, &s->buf) != 0 ||
	    gp_scope_defer(st->scope, free_names, &s->names) != 0 ||
	    gp_scope_defer(st->scope, free_dirs, s) != 0 ||
	    gp_recvec_own(st->scope, &s->lazy) != 0)
		return gp_fail(st->ctx, NULL, "out of memory");
	st->state = s;
	st->ops = &source_ops;
	return GP_OK;
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
		"searched recursively, its entries in byte order of their names; symbolic links "
		"and special files inside it are skipped. An input that cannot be opened or "
		"read is reported, the others are still processed, and the exit status is 2.",
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
		"the buffer grows it, up to --max-record (default 64 MiB); a longer record is "
		"reported with its input, line number and size, skipped, and the exit status "
		"is 2.",
	.open = NULL,
};
