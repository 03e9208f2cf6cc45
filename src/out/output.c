#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "../match/matcher.h"
#include "structured.h"
#include "table.h"

#define OUT_BLOCK (256u * 1024u)

/* GNU grep's default GREP_COLORS. */
#define SGR_MATCH "\33[01;31m\33[K"
#define SGR_FILE "\33[35m\33[K"
#define SGR_LINE "\33[32m\33[K"
#define SGR_SEP "\33[36m\33[K"
#define SGR_END "\33[m\33[K"

static void free_buf(void *arg)
{
	free(*(char **)arg);
	*(char **)arg = NULL;
}

int gp_out_init(gp_out *o, gp_scope *scope, int fd)
{
	memset(o, 0, sizeof *o);
	o->fd = fd;
	o->cap = OUT_BLOCK;
	o->buf = malloc(o->cap);
	o->delim = '\n';
	o->scope = scope;
	o->tty = isatty(fd);
	if (!o->buf || gp_scope_defer(scope, free_buf, &o->buf) != 0)
		return -1;
	return 0;
}

/* Writes everything, unless a signal came (SIGINT, SIGTERM, SIGHUP): a write
 * blocked on a reader that stopped reading returns early (EINTR, or the part
 * written so far: the handlers have no SA_RESTART), and then the run unwinds
 * with what is left unwritten, as grep dies with its buffer. */
static int write_all(gp_out *o, const char *p, size_t n)
{
	while (n > 0) {
		if (gp_signal)
			return -1;
		ssize_t w = write(o->fd, p, n);
		if (w < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)
				o->broken_pipe = true;
			else
				o->error = errno;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Writes the buffer (only: gp_out_flush also prints a table's rows). */
static int flush_buf(gp_out *o)
{
	if (o->broken_pipe || o->error)
		return -1;
	if (o->len == 0)
		return 0;
	int r = write_all(o, o->buf, o->len);
	o->len = 0;
	return r;
}

int gp_out_flush(gp_out *o)
{
	if (o->tbl && gp_table_drain(o) != 0)
		return -1;
	return flush_buf(o);
}

static int put(gp_out *o, const char *p, size_t n)
{
	if (o->cap - o->len < n) {
		if (flush_buf(o) != 0)
			return -1;
		if (n >= o->cap)
			return write_all(o, p, n);
	}
	if (n) {
		memcpy(o->buf + o->len, p, n);
		o->len += n;
	}
	return 0;
}

static int put_c(gp_out *o, char c)
{
	if (o->len == o->cap && flush_buf(o) != 0)
		return -1;
	o->buf[o->len++] = c;
	return 0;
}

int gp_out_put(gp_out *o, const char *p, size_t n)
{
	return put(o, p, n);
}

#define PUTS(o, s) put((o), (s), sizeof(s) - 1)

/* ':' after a prefix of a selected record, '-' of a context line (grep -A). */
static int put_sep(gp_out *o, char c)
{
	if (o->color && (PUTS(o, SGR_SEP) != 0 || put_c(o, c) != 0 || PUTS(o, SGR_END) != 0))
		return -1;
	return o->color ? 0 : put_c(o, c);
}

static int put_num(gp_out *o, uint64_t v, char sep)
{
	char num[24];
	int k = snprintf(num, sizeof num, "%llu", (unsigned long long)v);
	if (o->color && PUTS(o, SGR_LINE) != 0)
		return -1;
	if (put(o, num, (size_t)k) != 0)
		return -1;
	if (o->color && PUTS(o, SGR_END) != 0)
		return -1;
	return put_sep(o, sep);
}

/* grep -A/-B/-C: "--" (--group-separator) between groups that are not
 * adjacent. */
static int put_group_sep(gp_out *o)
{
	if (o->color && PUTS(o, SGR_SEP) != 0)
		return -1;
	if (put(o, o->group_sep, strlen(o->group_sep)) != 0)
		return -1;
	if (o->color && PUTS(o, SGR_END) != 0)
		return -1;
	return put_c(o, o->delim);
}

/* Prefixes in GNU grep's order: file:line:byte-offset:text. */
static int put_prefix(gp_out *o, const gp_rec *r)
{
	const char sep = r->mark & GP_REC_CONTEXT ? '-' : ':';
	if (o->with_origin && r->origin) {
		if (o->color && PUTS(o, SGR_FILE) != 0)
			return -1;
		if (put(o, r->origin->name, strlen(r->origin->name)) != 0)
			return -1;
		if (r->origin->member) {
			if (put_c(o, ':') != 0 ||
			    put(o, r->origin->member, strlen(r->origin->member)) != 0)
				return -1;
		}
		if (o->color && PUTS(o, SGR_END) != 0)
			return -1;
		if (put_sep(o, sep) != 0)
			return -1;
	}
	if (o->with_line && r->line && put_num(o, r->line, sep) != 0)
		return -1;
	if ((r->mark & GP_REC_OFF) && put_num(o, r->off, sep) != 0)
		return -1;
	return 0;
}

static int put_colored(gp_out *o, const gp_rec *r)
{
	if (o->only_matching) {
		if (PUTS(o, SGR_MATCH) != 0 || put(o, r->p, r->len) != 0)
			return -1;
		return PUTS(o, SGR_END);
	}
	size_t at = 0, done = 0, ms, me;
	while (at <= r->len && gp_matcher_next_match(o->highlight, r->p, r->len, at, &ms, &me)) {
		if (me == ms) {
			at = ms + 1;
			continue;
		}
		if (put(o, r->p + done, ms - done) != 0 || PUTS(o, SGR_MATCH) != 0 ||
		    put(o, r->p + ms, me - ms) != 0 || PUTS(o, SGR_END) != 0)
			return -1;
		done = at = me;
	}
	return put(o, r->p + done, r->len - done);
}

/* The records of b as text. */
static int text_batch(gp_out *o, gp_batch *b)
{
	const bool plain = !o->with_origin && !o->with_line && !(o->color && o->highlight) &&
			   !o->rec_marks;
	if (plain && b->span && !b->has_recs) {
		if (b->span_len == 0)
			return 0;
		o->wrote = true;
		if (put(o, b->span, b->span_len) != 0)
			return -1;
	} else {
		if (gp_batch_records(b, o->delim) == (size_t)-1) {
			o->error = ENOMEM;
			return -1;
		}
		if (b->n)
			o->wrote = true;
		for (size_t i = 0; i < b->n; i++) {
			const gp_rec *r = &b->recs[i];
			if (plain) {
				/* Copy a run of records that lie one after the other. */
				size_t j = i;
				while (j + 1 < b->n && b->recs[j].p + b->recs[j].len + 1 == b->recs[j + 1].p &&
				       b->recs[j].p[b->recs[j].len] == o->delim)
					j++;
				const gp_rec *last = &b->recs[j];
				if (put(o, r->p, (size_t)(last->p + last->len - r->p)) != 0 ||
				    put_c(o, o->delim) != 0)
					return -1;
				i = j;
				continue;
			}
			if ((r->mark & GP_REC_BREAK) && o->group_sep && put_group_sep(o) != 0)
				return -1;
			if (put_prefix(o, r) != 0)
				return -1;
			/* Context lines are not highlighted. */
			if ((o->color && o->highlight && !(r->mark & GP_REC_CONTEXT) ? put_colored(o, r)
										  : put(o, r->p, r->len)) != 0)
				return -1;
			if (put_c(o, o->delim) != 0)
				return -1;
		}
	}
	return 0;
}

/* On a terminal: runs of table rows go to the table, runs of other records
 * print as text once the table before them is out. */
static int tty_batch(gp_out *o, gp_batch *b)
{
	for (size_t i = 0; i < b->n;) {
		size_t j = i;
		if (gp_table_rec(&b->recs[i])) {
			o->wrote = true;
			for (; j < b->n && gp_table_rec(&b->recs[j]); j++)
				if (gp_table_row(o, &b->recs[j]) != 0)
					return -1;
		} else {
			while (j < b->n && !gp_table_rec(&b->recs[j]))
				j++;
			gp_batch run;
			gp_batch_of(&run, b->recs + i, j - i);
			if (gp_table_end(o) != 0 || text_batch(o, &run) != 0)
				return -1;
		}
		i = j;
	}
	return 0;
}

int gp_out_batch(gp_out *o, gp_batch *b)
{
	if (o->format != GP_OUT_TEXT)
		return gp_out_structured(o, b);
	int r;
	if (o->tty && b->has_recs)
		r = tty_batch(o, b);
	else if (o->tbl && gp_table_end(o) != 0)
		r = -1;
	else
		r = text_batch(o, b);
	if (r == 0 && o->line_buffered)
		return flush_buf(o);
	return r;
}
