/* multiline START: joins continuation lines (stack traces) into one record.
 *
 * A record being built lives in one of three places: a view into the
 * current batch (while its lines are contiguous in a span batch, which is
 * the common case: joining with "\n" is then the span itself), a builder
 * (lines that are not contiguous), or, when a batch ends with the record
 * still open, a buffer of the stage's own ("held"). Two held buffers
 * alternate, so a held record that has just been emitted stays valid until
 * the next call while the next one is being held. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../core/fref.h"
#include "../core/grow.h"
#include "../core/pool.h"
#include "../core/sb.h"
#include "../match/matcher.h"
#include "../registry.h"

enum { G_NONE, G_VIEW, G_SB, G_HELD };

typedef struct hold {
	char *p;
	size_t len, cap;
	gp_origin o;
	char *nm;
	size_t nmcap;
} hold;

typedef struct ml {
	gp_matcher *m;
	bool cont; /* -c: matching lines continue the previous record */
	int mode;
	/* the open record */
	const char *vp; /* G_VIEW */
	size_t glen;
	uint64_t gline, gid;
	const gp_origin *gorig; /* G_VIEW, G_SB */
	gp_sb sb;               /* G_SB */
	hold h[2];              /* G_HELD: h[cur] */
	int cur;
	uint64_t reported_id;
	bool reported;
	gp_pool pool;
	gp_recvec out;
	gp_ctx *ctx;
	gp_batch in; /* the batch being joined, to place undecided lines */
} ml;

/* A line PCRE2 could not decide: reported (the run fails), and it begins a
 * record of its own rather than being joined to an unrelated one. */
static void ml_undecided(void *arg, const char *p, size_t len, const char *why)
{
	ml *m = arg;
	gp_report_at(m->ctx, "multiline", &m->in, p, why);
	(void)len;
}

static void ml_free(void *arg)
{
	ml *m = arg;
	gp_matcher_free(m->m);
	gp_sb_free(&m->sb);
	for (int i = 0; i < 2; i++) {
		free(m->h[i].p);
		free(m->h[i].nm);
	}
}

static int hold_room(hold *h, size_t n)
{
	return n <= h->cap ? 0 : gp_grow(&h->p, &h->cap, n, 1);
}

static int hold_origin(hold *h, const gp_origin *o)
{
	if (!o)
		return 0;
	size_t nl = strlen(o->name) + 1, ml_ = o->member ? strlen(o->member) + 1 : 0;
	if (gp_grow(&h->nm, &h->nmcap, nl + ml_, 1) != 0)
		return -1;
	memcpy(h->nm, o->name, nl);
	h->o.name = h->nm;
	h->o.member = NULL;
	if (ml_) {
		memcpy(h->nm + nl, o->member, ml_);
		h->o.member = h->nm + nl;
	}
	h->o.id = o->id;
	return 0;
}

static const char *group_text(ml *m)
{
	switch (m->mode) {
	case G_VIEW: return m->vp;
	case G_SB: return m->sb.p;
	default: return m->h[m->cur].p;
	}
}

/* Moves the open record into h[cur] (it must outlive the batch). */
static int hold_group(ml *m)
{
	if (m->mode != G_VIEW && m->mode != G_SB)
		return 0;
	hold *h = &m->h[m->cur];
	if (hold_room(h, m->glen ? m->glen : 1) != 0 || hold_origin(h, m->gorig) != 0)
		return -1;
	if (m->glen)
		memcpy(h->p, group_text(m), m->glen);
	h->len = m->glen;
	m->sb.len = 0;
	m->mode = G_HELD;
	return 0;
}

static int finish(ml *m, char delim)
{
	if (m->mode == G_NONE)
		return 0;
	if (m->out.n == m->out.cap && gp_recvec_reserve(&m->out, m->out.n + 1) != 0)
		return -1;
	gp_rec *o = &m->out.v[m->out.n++];
	*o = (gp_rec){ .len = m->glen, .line = m->gline };
	switch (m->mode) {
	case G_VIEW:
		o->p = m->vp;
		o->origin = m->gorig;
		break;
	case G_SB:
		o->origin = m->gorig;
		size_t built;
		if (!(o->p = gp_sb_finish_rec(&m->sb, &m->pool, delim, &built)))
			return -1;
		break;
	case G_HELD:
		o->p = m->h[m->cur].p;
		o->origin = m->gorig ? &m->h[m->cur].o : NULL;
		m->cur ^= 1;
		break;
	}
	m->mode = G_NONE;
	return 0;
}

static void start(ml *m, const gp_rec *r)
{
	m->mode = G_VIEW;
	m->vp = r->p;
	m->glen = r->len;
	m->gline = r->line;
	m->gorig = r->origin;
	m->gid = r->origin ? r->origin->id : 0;
}

static int append(ml *m, const gp_rec *r, bool contig)
{
	if (m->mode == G_VIEW && contig && r->p == m->vp + m->glen + 1) {
		m->glen += 1 + r->len;
		return 0;
	}
	if (m->mode == G_VIEW) {
		m->sb.len = 0;
		gp_sb_put(&m->sb, m->vp, m->glen);
		m->mode = G_SB;
	}
	if (m->mode == G_SB) {
		gp_sb_putc(&m->sb, '\n');
		gp_sb_put(&m->sb, r->p, r->len);
		m->glen = m->sb.len;
		return m->sb.oom ? -1 : 0;
	}
	hold *h = &m->h[m->cur];
	if (hold_room(h, h->len + 1 + r->len) != 0)
		return -1;
	h->p[h->len++] = '\n';
	if (r->len)
		memcpy(h->p + h->len, r->p, r->len);
	h->len += r->len;
	m->glen = h->len;
	return 0;
}

/* One line (or, from ml_span, a block of continuation lines): begins a
 * record or joins the open one. */
static int ml_line(ml *m, gp_ctx *ctx, const gp_rec *rec, bool contig, int begins)
{
	uint64_t id = rec->origin ? rec->origin->id : 0;
	if (m->mode == G_NONE || id != m->gid)
		begins = 1;
	else if (begins < 0)
		begins = gp_matcher_line_matches(m->m, rec->p, rec->len) != m->cont;
	if (!begins && m->glen + 1 + rec->len > ctx->max_record) {
		begins = 1;
		if (!m->reported || m->reported_id != id) {
			m->reported = true;
			m->reported_id = id;
			gp_report(ctx,
				  "multiline: %s:%llu: record reached --max-record (%zu bytes); continued as a new record",
				  rec->origin ? rec->origin->name : "(standard input)",
				  (unsigned long long)rec->line, ctx->max_record);
		}
	}
	if (begins) {
		if (finish(m, ctx->delim) != 0)
			return -1;
		start(m, rec);
		return 0;
	}
	return append(m, rec, contig);
}

/* Lines s[from..to) (complete, '\n'-terminated) one at a time; the first
 * begins a record when first_begins. */
static int ml_lines(ml *m, gp_ctx *ctx, const char *s, size_t from, size_t to, uint64_t line,
		    const gp_origin *o, int first_begins)
{
	int begins = first_begins;
	while (from < to) {
		const char *q = memchr(s + from, '\n', to - from);
		size_t e = (size_t)(q - s);
		gp_rec rec = { .p = s + from, .len = e - from, .line = line, .origin = o };
		if (ml_line(m, ctx, &rec, true, begins) != 0)
			return -1;
		begins = 0;
		if (line)
			line++;
		from = e + 1;
	}
	return 0;
}

/* START over a span: the matcher searches the whole span for the next START
 * line, and the lines before it join the open record in one step. */
static int ml_span(ml *m, gp_ctx *ctx, const gp_batch *in)
{
	const char *s = in->span;
	const size_t len = in->span_len;
	const gp_origin *o = in->span_origin;
	uint64_t line = in->span_line;
	size_t pos = 0;
	while (pos < len) {
		size_t ls, le;
		bool found = gp_matcher_find_line(m->m, s, len, pos, '\n', &ls, &le);
		if (!found)
			ls = le = len;
		if (ls > pos) {
			/* Continuation lines s[pos..ls): one block, unless the record
			 * is new, or would outgrow --max-record, or the input changed. */
			size_t blen = ls - pos - 1;
			uint64_t id = o ? o->id : 0;
			if (m->mode != G_NONE && id == m->gid && m->glen + 1 + blen <= ctx->max_record) {
				gp_rec rec = { .p = s + pos, .len = blen, .line = line, .origin = o };
				if (append(m, &rec, true) != 0)
					return -1;
			} else if (ml_lines(m, ctx, s, pos, ls, line, o, 0) != 0)
				return -1;
			if (line)
				line += gp_count_byte(s + pos, ls - pos, '\n');
		}
		if (!found)
			break;
		gp_rec rec = { .p = s + ls, .len = le - ls, .line = line, .origin = o };
		if (ml_line(m, ctx, &rec, true, 1) != 0)
			return -1;
		if (line)
			line++;
		pos = le + 1;
	}
	return 0;
}

static gp_status ml_next(gp_stage *st, gp_batch *out)
{
	ml *m = st->state;
	gp_ctx *ctx = st->ctx;
	gp_pool_reset(&m->pool);
	m->out.n = 0;
	for (;;) {
		gp_batch in;
		gp_status r = gp_pull(st, &in);
		if (r == GP_ERR)
			return r;
		if (r == GP_EOF) {
			if (m->mode == G_NONE || gp_signal)
				return GP_EOF;
			if (finish(m, ctx->delim) != 0)
				return gp_fail(ctx, NULL, "out of memory");
			break;
		}
		bool contig = in.span && !in.has_recs && ctx->delim == '\n';
		m->in = in;
		if (contig && !m->cont) {
			if (ml_span(m, ctx, &in) != 0)
				return gp_fail(ctx, NULL, "out of memory");
		} else {
			if (gp_batch_records(&in, ctx->delim) == (size_t)-1)
				return gp_fail(ctx, NULL, "out of memory");
			m->in = in;
			for (size_t i = 0; i < in.n; i++)
				if (ml_line(m, ctx, &in.recs[i], contig, -1) != 0)
					return gp_fail(ctx, NULL, "out of memory");
		}
		if (hold_group(m) != 0)
			return gp_fail(ctx, NULL, "out of memory");
		if (m->out.n)
			break;
	}
	gp_batch_of(out, m->out.v, m->out.n);
	return GP_OK;
}

static const gp_stage_ops ml_ops = { ml_next };

static gp_status ml_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	ml *m = gp_scope_alloc(st->scope, sizeof *m);
	if (!m || gp_scope_defer(st->scope, ml_free, m) != 0 || gp_pool_own(st->scope, &m->pool) != 0 ||
	    gp_recvec_own(st->scope, &m->out) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, args) != 0)
		return GP_ERR;
	unsigned flags = 0;
	gp_arg pat = { 0 };
	bool have = false;
	int c;
	while ((c = gp_getopt_next(&go)) > 0) {
		switch (c) {
		case 'c':
			m->cont = true;
			pat = go.optarg;
			have = true;
			break;
		case 'i': flags |= GP_M_ICASE; break;
		}
	}
	if (c < 0)
		return GP_ERR;
	size_t first = 0;
	if (!have) {
		if (go.noperands == 0)
			return gp_fail(ctx, &st->span,
				       "multiline: missing START (or -c CONTINUE), a regex");
		pat = go.operands[0];
		first = 1;
	}
	if (go.noperands > first)
		return gp_fail(ctx, &go.operands[first].span, "multiline: unexpected argument '%s'%s",
			       go.operands[first].s, have ? " (-c CONTINUE and START exclude each other)" : "");
	gp_pattern pv = { pat.s, pat.len };
	gp_match_error err;
	m->m = gp_matcher_new(&pv, 1, flags, &err);
	if (!m->m) {
		if (err.pattern == 0 && strcmp(err.msg, "out of memory") != 0) {
			gp_span sp = gp_arg_subspan(&pat, err.offset, err.offset + 1);
			return gp_fail(ctx, &sp, "multiline: invalid regex '%s': %s", pat.s, err.msg);
		}
		return gp_fail(ctx, NULL, "multiline: %s", err.msg);
	}
	m->ctx = ctx;
	gp_matcher_on_undecided(m->m, ml_undecided, m, !m->cont);
	ctx->need_lineno = true;
	size_t need = pat.len * 4 + 16;
	char *ex = gp_arena_alloc(ctx->arena, need);
	if (ex) {
		size_t k = (size_t)snprintf(ex, need, "%s%s'", m->cont ? "-c " : "",
					    flags & GP_M_ICASE ? "-i " : "");
		k += gp_escape(ex + k, need - k, pat.s, pat.len);
		snprintf(ex + k, need - k, "'");
		st->explain = ex;
	}
	st->state = m;
	st->ops = &ml_ops;
	return GP_OK;
}

static const gp_optdef ml_opts[] = {
	{ 'c', "CONTINUE", "lines matching CONTINUE join the record before them" },
	{ 'i', NULL, "ignore ASCII case" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_multiline = {
	.name = "multiline",
	.family = GP_FAM_FLATTEN,
	.synopsis = "multiline [-i] START | multiline [-i] -c CONTINUE",
	.summary = "join continuation lines (stack traces) into one record",
	.help = "Joins lines into records, with a newline between the lines, so that a log "
		"event spanning several lines (a stack trace) can be matched, counted and printed "
		"as one record. With START, a PCRE2 regex, every line that matches START begins a "
		"new record and every other line is added to the record before it; lines before "
		"the first START line of an input form a record together. With -c CONTINUE, a line "
		"that matches CONTINUE is added to the record before it and every other line "
		"begins a new record.\n\n"
		"A record has the origin and line number of its first line (-n and -H show them) "
		"and never spans two inputs. A record that would grow past --max-record is emitted "
		"as it stands and the line that would have overflowed it begins a new record; this "
		"is reported once per input and makes the exit status 2.\n\n"
		"Recipes: when every event starts with a date, multiline \"^\\d{4}-\\d\\d-\\d\\d\" "
		"works for any language. Java stack traces (the exception line, at lines, Caused by: "
		"and ... N more join the log line before them): multiline -c "
		"\"^([\\w.$]+(Exception|Error)\\b|\\s+at |\\s+\\.\\.\\. \\d+ more|Caused by:)\". "
		"Python tracebacks (indented lines, Traceback, the chaining sentences, blank lines "
		"and the final exception line join the log line before them): multiline -c "
		"\"^(\\s|Traceback |During handling |The above exception |[\\w.]+(Error|Exception"
		"|Warning|Exit|Interrupt)\\b|$)\".",
	.examples = "multiline \"^\\d{4}-\" | grep -F NullPointerException\twhole stack traces that mention an NPE\n"
		    "multiline -c \"^(\\s+at |\\s+\\.\\.\\. \\d+ more|Caused by:)\"\tjoin the lines of Java stack traces\n"
		    "multiline \"^\\S\" | count\tcount events, not lines",
	.opts = ml_opts,
	.open = ml_open,
};
