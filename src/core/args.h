/* Words of the expression language and a getopt for stage arguments.
 *
 * A word keeps its decoded text and, for every decoded byte, the offset of the
 * source byte it came from, so an error inside an argument (a regex offset)
 * can be underlined at the right column of the expression. */
#ifndef GP_ARGS_H
#define GP_ARGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "stage.h"

typedef struct gp_arg {
	const char *s;   /* decoded, NUL-terminated (arena) */
	size_t len;
	gp_span span;    /* the whole word in the source */
	const uint32_t *map; /* map[i] = source offset of s[i]; map[len] = span.end */
	bool direct;     /* no map: s is the source text at span.start (unquoted) */
	bool quoted;     /* any part was quoted: never an option */
} gp_arg;

typedef struct gp_args {
	gp_arg *v;
	size_t n;
} gp_args;

/* Source span of decoded bytes s[from..to) of an argument. */
gp_span gp_arg_subspan(const gp_arg *a, size_t from, size_t to);

/* One option of a stage, for parsing, help and completion. */
typedef struct gp_optdef {
	char letter;       /* -i */
	const char *arg;   /* argument name ("PATTERN") or NULL for a flag */
	const char *help;  /* one line */
} gp_optdef;

/* Iterates a stage's arguments: options (unquoted words starting with '-'),
 * possibly bundled (-iv) or with attached values (-ePAT), anywhere among the
 * operands, until `--`. Operands are collected in order. */
typedef struct gp_getopt {
	const gp_args *args;
	const char *name;        /* the stage, for messages */
	const gp_optdef *opts;   /* terminated by letter 0; NULL if none */
	gp_ctx *ctx;
	size_t i;       /* next word */
	size_t sub;     /* position inside a bundled option word, 0 if none */
	bool dashdash;
	gp_arg optarg;  /* value of the last option that takes one */
	gp_span optspan;/* span of the last option letter */
	gp_arg *operands; /* arena array, same capacity as args */
	size_t noperands;
} gp_getopt;

int gp_getopt_init(gp_getopt *g, gp_ctx *ctx, const char *name,
		   const gp_optdef *opts, const gp_args *args);
/* Returns the option letter, 0 at the end (operands then complete), or -1 on
 * error with ctx->diag filled. */
int gp_getopt_next(gp_getopt *g);

/* For stages whose options are flags only, or that take no options: runs
 * the whole getopt loop over args. Operands are then in g->operands; each
 * flag seen sets bit i of *flags (NULL: none expected) where i is its index
 * in opts. Returns 0, or -1 with ctx->diag filled. */
int gp_getopt_operands(gp_getopt *g, gp_ctx *ctx, const char *name, const gp_optdef *opts,
		       const gp_args *args, unsigned *flags);

/* Copies s[0..len) to dst with control bytes escaped (\n, \t, \r, \xHH),
 * NUL-terminated; needs cap >= 4 * len + 1 for the whole text. */
size_t gp_escape(char *dst, size_t cap, const char *s, size_t len);

/* For stages without arguments: fails on the first one, naming the stage. */
gp_status gp_no_args(gp_ctx *ctx, const char *name, const gp_args *args);

/* Parse a non-negative count ("10", "1k" not allowed). -1 on error. */
int gp_parse_count(const char *s, uint64_t *out);
/* Parse a size with optional K/M/G (binary) suffix. -1 on error. */
int gp_parse_size(const char *s, uint64_t *out);

#endif
