#include "parse.h"

#include <string.h>

typedef struct lexer {
	gp_ctx *ctx;
	const char *src;
	size_t len, pos;
	bool comments;
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

static int lex_word(lexer *lx, gp_arg *w)
{
	size_t start = lx->pos;
	/* The decoded word is never longer than its source. */
	size_t cap = lx->len - start;
	char *buf = gp_arena_alloc(lx->ctx->arena, cap + 1);
	uint32_t *map = gp_arena_alloc(lx->ctx->arena, (cap + 1) * sizeof *map);
	if (!buf || !map) {
		gp_fail(lx->ctx, NULL, "out of memory");
		return -1;
	}
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
					return -1;
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
	buf[n] = '\0';
	map[n] = (uint32_t)lx->pos;
	w->s = buf;
	w->len = n;
	w->map = map;
	w->quoted = quoted;
	w->span.start = (uint32_t)start;
	w->span.end = (uint32_t)lx->pos;
	return 0;
}

int gp_parse_pipeline(gp_ctx *ctx, const char *src, size_t len, bool comments,
		      gp_pipeline_expr *out)
{
	lexer lx = { ctx, src, len, 0, comments, 0 };
	/* Upper bounds: every byte could be a word or a separator. */
	size_t max_words = len / 2 + 2;
	gp_arg *words = gp_arena_alloc(ctx->arena, max_words * sizeof *words);
	gp_stage_expr *stages = gp_arena_alloc(ctx->arena, max_words * sizeof *stages);
	if (!words || !stages)
		return gp_fail(ctx, NULL, "out of memory"), -1;

	size_t nstages = 0, nwords = 0;
	size_t stage_first = 0;
	bool pending_pipe = false; /* a '|' seen since the last stage */
	gp_span pipe_span = { 0, 0 };

	skip_blanks(&lx);
	for (;;) {
		bool nl = skip_blanks(&lx);
		bool at_end = lx.pos >= lx.len;
		bool at_pipe = !at_end && src[lx.pos] == '|';
		bool boundary = at_end || at_pipe || nl;
		if (boundary && nwords > stage_first) {
			gp_stage_expr *st = &stages[nstages++];
			st->name = words[stage_first];
			st->args.v = &words[stage_first + 1];
			st->args.n = nwords - stage_first - 1;
			st->span.start = st->name.span.start;
			st->span.end = words[nwords - 1].span.end;
			stage_first = nwords;
			pending_pipe = false;
		}
		if (at_end)
			break;
		if (at_pipe) {
			gp_span sp = { (uint32_t)lx.pos, (uint32_t)lx.pos + 1 };
			if (pending_pipe || nstages == 0) {
				bool oror = lx.pos > 0 && src[lx.pos - 1] == '|';
				gp_fail(ctx, &sp, nstages == 0 ? "expression starts with '|'"
						  : oror ? "empty stage between '|' ('||' is not an operator: "
							   "where takes 'or')"
							 : "empty stage between '|'");
				return -1;
			}
			pending_pipe = true;
			pipe_span = sp;
			lx.pos++;
			continue;
		}
		if (lex_word(&lx, &words[nwords]) != 0)
			return -1;
		nwords++;
	}
	if (pending_pipe) {
		gp_fail(ctx, &pipe_span, "expression ends with '|'");
		return -1;
	}
	if (nstages == 0) {
		gp_fail(ctx, NULL, "empty expression");
		return -1;
	}
	out->v = stages;
	out->n = nstages;
	return 0;
}
