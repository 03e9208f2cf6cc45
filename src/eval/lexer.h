/* The lexer of the expression language (where, set, and the expressions
 * other stages read with eval.h's reader). Internal to src/eval/.
 *
 * Rules:
 *  - It reads the stage's own slice [pos, end) of ctx->expr, the expression
 *    text as the user wrote it (not the pipeline parser's decoded words), so
 *    quoting is known exactly and every token keeps its source span for
 *    carets.
 *  - One token of lookahead, in L->t, replaced by each gp_lex(). A token's
 *    decoded string and its byte map (TK_STR) live in ctx->arena for the
 *    run; everything else in a token is a view into the source.
 *  - The first error fills ctx->diag ("STAGE: message" and a span) and sets
 *    L->failed; later errors are dropped, so the user sees the first. After
 *    a failure the current token is TK_END. */
#ifndef GP_EVAL_LEXER_H
#define GP_EVAL_LEXER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "../core/stage.h"

enum tk {
	TK_END, TK_NUM, TK_STR, TK_REF, TK_FUNC, TK_TRUE, TK_FALSE, TK_NULL,
	TK_AND, TK_OR, TK_NOT, TK_CONTAINS, TK_STARTS, TK_ENDS, TK_BETWEEN,
	/* the symbolic comparisons, TK_EQ to TK_NMATCH in this order */
	TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE, TK_MATCH, TK_NMATCH,
	TK_PLUS, TK_MINUS, TK_MUL, TK_DIV, TK_MOD, TK_LP, TK_RP, TK_COMMA, TK_ASSIGN,
	TK_COUNT
};

typedef struct tok {
	int k;           /* enum tk */
	gp_span sp;
	char *s;         /* TK_STR: decoded (arena) */
	size_t len;
	uint32_t *map;   /* TK_STR: source offset of each decoded byte */
	bool isint;      /* TK_NUM: the value (core/num.h) */
	int64_t i;
	double d;
} tok;

typedef struct gp_lexer {
	gp_ctx *ctx;
	const char *name; /* the stage's name, for messages */
	const char *src;  /* ctx->expr */
	uint32_t pos, end;
	tok t;            /* the current token */
	bool failed;
} gp_lexer;

/* A span of at least one byte, so a caret always shows. */
static inline gp_span gp_lex_span(uint32_t s, uint32_t e)
{
	return (gp_span){ s, e > s ? e : s + 1 };
}

/* Reads the next token into L->t. */
void gp_lex(gp_lexer *L);

/* The first error: "NAME: message" at sp in ctx->diag. */
void gp_lex_fail(gp_lexer *L, gp_span sp, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* The text of a token for messages (escaped, at most 40 source bytes), or
 * "end of expression". */
const char *gp_lex_text(const gp_lexer *L, const tok *t, char *buf, size_t cap);

#endif
