/* parse TEMPLATE | parse -r REGEX: records gain the fields a template or the
 * named groups of a PCRE2 regex capture (the patterns are fields/pattern.c);
 * records that do not match are dropped and summarised, or kept (--keep). */
#include <stdio.h>
#include <string.h>

#include "../fields/pattern.h"
#include "xform.h"
#include "../core/dropped.h"
#include "../core/fref.h"

typedef struct parse_st {
	gp_xform x;
	gp_scratch sc;
	bool keep, regex;
	gp_tpl t;
	gp_named r;
} parse_st;

/* Scans options by hand for the long ones (--keep) and hands the rest to
 * gp_getopt: returns a copy of args without the words matching `lng`, and
 * sets *seen when one was there. */
static gp_args strip_long(gp_ctx *ctx, const gp_args *args, const char *lng, bool *seen)
{
	gp_args r = { gp_arena_alloc(ctx->arena, (args->n + 1) * sizeof *args->v), 0 };
	if (!r.v)
		return *args;
	bool dashdash = false;
	for (size_t i = 0; i < args->n; i++) {
		const gp_arg *a = &args->v[i];
		if (!dashdash && !a->quoted && strcmp(a->s, "--") == 0)
			dashdash = true;
		if (!dashdash && !a->quoted && strcmp(a->s, lng) == 0) {
			*seen = true;
			continue;
		}
		r.v[r.n++] = *a;
	}
	return r;
}

static gp_status parse_next(gp_stage *st, gp_batch *out)
{
	parse_st *s = st->state;
	gp_batch in;
	for (;;) {
		gp_status rc = gp_xform_pull(st, &s->x, &in);
		if (rc != GP_OK) {
			if (rc == GP_EOF && s->regex)
				gp_named_flush(&s->r);
			return rc;
		}
		for (size_t i = 0; i < in.n; i++) {
			const gp_rec *r = &in.recs[i];
			size_t len;
			const char *p = gp_rec_body(r, false, &len);
			int nf = s->regex ? gp_named_match(&s->r, &s->sc, p, len)
					  : gp_tpl_match(&s->t, &s->sc, p, len);
			if (nf == -2)
				return gp_fail(st->ctx, NULL, "out of memory");
			if (nf == -3) /* and not parsed either */
				gp_dropped_add(st->ctx, &s->r.undecided, r, s->r.why);
			if (nf < 0) {
				if (!s->keep) {
					gp_dropped_add(st->ctx, &s->x.drop, r, NULL);
					continue;
				}
				nf = 0;
			}
			if (gp_xform_push(&s->x, r, r->p, r->len, s->sc.f, (uint32_t)nf, &gp_layout_logfmt) != 0)
				return gp_fail(st->ctx, NULL, "out of memory");
		}
		if (s->x.out.n)
			return gp_xform_emit(&s->x, out, s->x.out.n);
	}
}

static const gp_stage_ops parse_ops = { parse_next };

static gp_status parse_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	parse_st *s = gp_scope_alloc(st->scope, sizeof *s);
	if (!s || gp_xform_init(st, &s->x) != 0 || gp_scratch_own(st->scope, &s->sc, ctx->arena) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	s->x.drop.what = s->x.drop.what1 = "did not match";
	ctx->need_lineno = true;
	gp_args a = strip_long(ctx, args, "--keep", &s->keep);
	gp_getopt go;
	if (gp_getopt_init(&go, ctx, st->def->name, st->def->opts, &a) != 0)
		return GP_ERR;
	int c;
	gp_arg re = { 0 };
	while ((c = gp_getopt_next(&go)) > 0) {
		if (c == 'k')
			s->keep = true;
		else if (c == 'r') {
			re = go.optarg;
			s->regex = true;
		}
	}
	if (c < 0)
		return GP_ERR;
	if (s->regex) {
		if (go.noperands)
			return gp_fail(ctx, &go.operands[0].span,
				       "parse: unexpected argument '%s' (-r takes the regex)",
				       go.operands[0].s);
		if (gp_named_compile(st, &re, &s->r) != GP_OK)
			return GP_ERR;
		char post[64];
		snprintf(post, sizeof post, "  [%s, %u named group%s]", s->r.re.jit ? "pcre2-jit" : "pcre2",
			 s->r.ng, s->r.ng == 1 ? "" : "s");
		st->explain = gp_xform_explain_quoted(ctx, s->keep ? "--keep -r " : "-r ", re.s, re.len, post);
	} else {
		if (go.noperands == 0)
			return gp_fail(ctx, &st->span, "parse: missing TEMPLATE (or -r REGEX)");
		if (go.noperands > 1)
			return gp_fail(ctx, &go.operands[1].span,
				       "parse: unexpected argument '%s' (quote the template as one word)",
				       go.operands[1].s);
		if (gp_tpl_compile(st, &go.operands[0], &s->t) != GP_OK)
			return GP_ERR;
		char post[64];
		snprintf(post, sizeof post, "  [template, %u capture%s]", s->t.ncap,
			 s->t.ncap == 1 ? "" : "s");
		st->explain = gp_xform_explain_quoted(ctx, s->keep ? "--keep " : "", go.operands[0].s,
					     go.operands[0].len, post);
	}
	st->state = s;
	st->ops = &parse_ops;
	return GP_OK;
}

static const gp_optdef parse_opts[] = {
	{ 'r', "REGEX", "extract PCRE2 named groups (?<name>...) instead of a template" },
	{ 'k', NULL, "keep records that do not match, without fields (also --keep)" },
	{ 0, NULL, NULL },
};

const gp_stage_def gp_stage_parse = {
	.name = "parse",
	.per_record = true,
	.family = GP_FAM_PARSE,
	.synopsis = "parse [-k|--keep] TEMPLATE | parse [-k|--keep] -r REGEX",
	.summary = "extract fields with a template or PCRE2 named groups",
	.help = "Gives each record the fields a TEMPLATE captures. In the template {name} captures "
		"a field, {} or {_} skips text, {{ and }} are literal braces, and any other text "
		"must match literally, except that a run of spaces matches one or more spaces or "
		"tabs.\n\n"
		"Matching is a single left-to-right scan, no backtracking: a placeholder at the "
		"start of the template starts at the start of the record, a literal at the start "
		"is searched for (its first occurrence); each placeholder ends where the first "
		"following occurrence of the next literal starts; a placeholder at the end takes "
		"the rest of the record; text after a final literal is ignored. Two placeholders "
		"in a row have nothing between them to end the first and are an error.\n\n"
		"With -r REGEX, a PCRE2 regex (JIT compiled) is searched for in the record and its "
		"named groups (?<name>...) become the fields, in the order of the groups; a group "
		"that did not take part in the match is absent.\n\n"
		"Records that do not match are dropped and counted once per input on standard "
		"error (an error with --strict); with -k (--keep) they pass without fields. A "
		"stage that changes a field rebuilds the record as logfmt (name=value).",
	.examples = "parse \"{ts} {level} [{thread}] {method} {path} status={status}\"\tan application log\n"
		    "parse \"{ip} {} {} [{time}] \\\"{method} {path} {}\\\" {status} {bytes}\"\tan access log\n"
		    "parse -r \"user=(?<user>\\w+).*took (?<ms>\\d+)ms\"\tnamed groups\n"
		    "parse --keep \"{level}: {msg}\" | head 20\tnon-matching lines pass on, without fields",
	.opts = parse_opts,
	.open = parse_open,
};
