#include "pipeline.h"

#include <stdlib.h>
#include <string.h>

typedef struct lexer {
	gp_ctx *ctx;
	const char *src;
	size_t len, pos;
	bool comments;
	char *buf;     /* scratch for the word being decoded, len + 1 bytes */
	uint32_t *map; /* its source offsets, len + 1 entries */
	size_t unclosed; /* no '}' closes a ${ from before here: scanned once */
} lexer;

enum tok { T_END, T_WORD, T_SEP, T_ERR };

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\v' || c == '\f';
}

/* Skips blanks and comments; returns true if a newline was crossed. */
static bool skip_blanks(lexer *lx)
{
	bool nl = false;
	while (lx->pos < lx->len) {
		char c = lx->src[lx->pos];
		if (is_space(c)) {
			lx->pos++;
		} else if (c == '\n') {
			nl = true;
			lx->pos++;
		} else if (c == '#' && lx->comments) {
			while (lx->pos < lx->len && lx->src[lx->pos] != '\n')
				lx->pos++;
		} else {
			break;
		}
	}
	return nl;
}

/* Decodes the word at lx->pos into the lexer's scratch (as long as the
 * source: a decoded word is never longer), then keeps only its own bytes in
 * the arena, so parsing stays linear in the expression's size. An unquoted
 * word is its source bytes and keeps no map (gp_arg.direct). */
static gp_status lex_word(lexer *lx, gp_arg *w)
{
	size_t start = lx->pos;
	char *buf = lx->buf;
	uint32_t *map = lx->map;
	size_t n = 0;
	bool quoted = false;
	const char *s = lx->src;
	while (lx->pos < lx->len) {
		char c = s[lx->pos];
		if (is_space(c) || c == '\n' || c == '|')
			break;
		if (c == '\'' || c == '"') {
			size_t open = lx->pos++;
			quoted = true;
			for (;;) {
				if (lx->pos >= lx->len) {
					gp_span sp = { (uint32_t)open, (uint32_t)open + 1 };
					gp_fail(lx->ctx, &sp, "unterminated %s quote",
						c == '\'' ? "single" : "double");
					return GP_ERR;
				}
				char d = s[lx->pos];
				if (d == c) {
					lx->pos++;
					break;
				}
				if (c == '"' && d == '\\' && lx->pos + 1 < lx->len) {
					char e = s[lx->pos + 1];
					char out = 0;
					switch (e) {
					case '"': out = '"'; break;
					case '\\': out = '\\'; break;
					case 'n': out = '\n'; break;
					case 't': out = '\t'; break;
					case 'r': out = '\r'; break;
					default: break;
					}
					if (out) {
						map[n] = (uint32_t)lx->pos;
						buf[n++] = out;
						lx->pos += 2;
						continue;
					}
				}
				map[n] = (uint32_t)lx->pos;
				buf[n++] = d;
				lx->pos++;
			}
			continue;
		}
		if (c == '$' && lx->pos + 1 < lx->len && s[lx->pos + 1] == '{' && lx->pos >= lx->unclosed) {
			/* A field reference's ${any text} is one piece of the word,
			 * blanks and '|' included, kept as written (\} and \\ are
			 * its escapes, read by gp_fref_parse). Unclosed: as usual,
			 * and no later ${ before the same line end is looked at. */
			size_t e = lx->pos + 2;
			while (e < lx->len && s[e] != '}' && s[e] != '\n')
				e += s[e] == '\\' && e + 1 < lx->len && (s[e + 1] == '}' || s[e + 1] == '\\') ? 2 : 1;
			lx->unclosed = e < lx->len && s[e] == '}' ? 0 : e;
			if (e < lx->len && s[e] == '}') {
				while (lx->pos <= e) {
					map[n] = (uint32_t)lx->pos;
					buf[n++] = s[lx->pos++];
				}
				continue;
			}
		}
		if (c == '\\' && lx->pos + 1 < lx->len) {
			map[n] = (uint32_t)lx->pos;
			buf[n++] = c;
			lx->pos++;
			c = s[lx->pos];
		}
		map[n] = (uint32_t)lx->pos;
		buf[n++] = c;
		lx->pos++;
	}
	map[n] = (uint32_t)lx->pos;
	w->s = gp_arena_strndup(lx->ctx->arena, buf, n);
	w->map = NULL;
	if (w->s && quoted) {
		uint32_t *m = gp_arena_alloc(lx->ctx->arena, (n + 1) * sizeof *m);
		if (m)
			memcpy(m, map, (n + 1) * sizeof *m);
		w->map = m;
	}
	if (!w->s || (quoted && !w->map)) {
		gp_fail(lx->ctx, NULL, "out of memory");
		return GP_ERR;
	}
	w->len = n;
	w->direct = !quoted;
	w->quoted = quoted;
	w->span.start = (uint32_t)start;
	w->span.end = (uint32_t)lx->pos;
	return GP_OK;
}

/* A stage while parsing: indexes into the words, which may still move. */
typedef struct stage_at {
	size_t first, n; /* its name is words[first], then n - 1 arguments */
} stage_at;

static gp_status parse(lexer *lx, gp_pipeline_expr *out)
{
	gp_ctx *ctx = lx->ctx;
	const char *src = lx->src;
	gp_arg *words = NULL;
	stage_at *at = NULL;
	size_t nwords = 0, wcap = 0, nstages = 0, scap = 0;
	size_t stage_first = 0;
	bool pending_pipe = false; /* a '|' seen since the last stage */
	gp_span pipe_span = { 0, 0 };

	skip_blanks(lx);
	for (;;) {
		bool nl = skip_blanks(lx);
		bool at_end = lx->pos >= lx->len;
		bool at_pipe = !at_end && src[lx->pos] == '|';
		bool boundary = at_end || at_pipe || nl;
		if (boundary && nwords > stage_first) {
			if (nstages == GP_MAX_STAGES) {
				gp_fail(ctx, &words[stage_first].span,
					"more than %d stages in the expression", GP_MAX_STAGES);
				return GP_ERR;
			}
			if (!(at = gp_arena_grow(ctx->arena, at, nstages, &scap, sizeof *at)))
				return gp_fail(ctx, NULL, "out of memory");
			at[nstages++] = (stage_at){ stage_first, nwords - stage_first };
			stage_first = nwords;
			pending_pipe = false;
		}
		if (at_end)
			break;
		if (at_pipe) {
			gp_span sp = { (uint32_t)lx->pos, (uint32_t)lx->pos + 1 };
			if (pending_pipe || nstages == 0) {
				bool oror = lx->pos > 0 && src[lx->pos - 1] == '|';
				gp_fail(ctx, &sp, nstages == 0 ? "expression starts with '|'"
						  : oror ? "empty stage between '|' ('||' is not an operator: "
							   "where takes 'or')"
							 : "empty stage between '|'");
				return GP_ERR;
			}
			pending_pipe = true;
			pipe_span = sp;
			lx->pos++;
			continue;
		}
		if (!(words = gp_arena_grow(ctx->arena, words, nwords, &wcap, sizeof *words)))
			return gp_fail(ctx, NULL, "out of memory");
		if (lex_word(lx, &words[nwords]) != GP_OK)
			return GP_ERR;
		nwords++;
	}
	if (pending_pipe) {
		gp_fail(ctx, &pipe_span, "expression ends with '|'");
		return GP_ERR;
	}
	if (nstages == 0) {
		gp_fail(ctx, NULL, "empty expression");
		return GP_ERR;
	}
	gp_stage_expr *stages = gp_arena_alloc(ctx->arena, nstages * sizeof *stages);
	if (!stages)
		return gp_fail(ctx, NULL, "out of memory");
	for (size_t i = 0; i < nstages; i++) {
		gp_stage_expr *st = &stages[i];
		const gp_arg *w = &words[at[i].first];
		st->name = w[0];
		st->args.v = (gp_arg *)&w[1];
		st->args.n = at[i].n - 1;
		st->span.start = w[0].span.start;
		st->span.end = w[at[i].n - 1].span.end;
	}
	out->v = stages;
	out->n = nstages;
	return GP_OK;
}

gp_status gp_parse_pipeline(gp_ctx *ctx, const char *src, size_t len, bool comments,
		      gp_pipeline_expr *out)
{
	if (len >= UINT32_MAX) /* spans are 32-bit offsets */
		return gp_fail(ctx, NULL, "expression too long");
	lexer lx = { ctx, src, len, 0, comments, malloc(len + 1), malloc((len + 1) * sizeof *lx.map), 0 };
	gp_status r = lx.buf && lx.map ? parse(&lx, out) : gp_fail(ctx, NULL, "out of memory");
	free(lx.buf);
	free(lx.map);
	return r;
}
