/* The stage interface: the C form of a generator.
 *
 * Rules every stage follows:
 *
 *  - A stage is built by its registry entry's open(); open validates the
 *    arguments and allocates everything the stage will ever need, registering
 *    each resource in st->scope. Bad arguments fail in open, before any input
 *    is read, with a diagnostic that points at the argument's span.
 *  - next() is the only hot-path function. It pulls from st->up as often as it
 *    needs and fills *out with the next batch. It returns GP_OK with a
 *    non-empty batch, GP_EOF when exhausted (and keeps returning GP_EOF), or
 *    GP_ERR after filling ctx->diag with a fatal diagnostic. Errors that spoil
 *    one input only are reported through gp_report() and do not stop the run.
 *  - A batch holds views that borrow the producer's buffers. They are valid
 *    until the next call of next() on the stage that produced them. A stage
 *    that must keep a record longer (tail, sort) copies it.
 *  - No stage allocates per record. Buffers are allocated in open and grown
 *    (amortised, bounded by --max-record) when a larger record arrives.
 *  - close is the unwinding of st->scope. It runs exactly once, on every exit
 *    path; gp_stage_close_upstream() runs it early for stages above a stage
 *    that needs no more input (head).
 *  - The core never prints and never exits.
 */
#ifndef GP_STAGE_H
#define GP_STAGE_H

#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "scope.h"

typedef enum gp_status {
	GP_OK = 0,
	GP_EOF = 1,
	GP_ERR = -1,
} gp_status;

/* Where a record came from. Owned by the input stage and valid as long as
 * the record views are; a stage that keeps records longer (tail) copies the
 * origin too. */
typedef struct gp_origin {
	const char *name;   /* display name: the path, or "(standard input)" */
	const char *member; /* archive member, or NULL */
	uint64_t id;        /* unique per input level in a run (0: none) */
	int64_t mtime;      /* the file's modification time (epoch s; a pipe or
			     * standard input: when it was opened): the year
			     * of timestamps written without one (syslog) */
} gp_origin;

struct gp_field;
struct gp_layout;
struct gp_dropped;

/* gp_rec.mark: how the text sink prints a record that grep selected with
 * context options (-A/-B/-C, -b); 0 for every other record. */
#define GP_REC_CONTEXT 1u /* a context line: '-' after the -H/-n/-b prefixes */
#define GP_REC_BREAK 2u   /* a new group of context: the group separator first */
#define GP_REC_OFF 4u     /* grep -b: print off before the text */

typedef struct gp_rec {
	const char *p;
	size_t len;              /* without the delimiter */
	uint64_t line;           /* 1-based line number in its input; 0 if unknown */
	uint64_t off;            /* byte offset in its input (decoded stream or member) */
	const gp_origin *origin; /* NULL for records made by aggregates */
	/* Fields, when a parsing stage gave the record some (core/fields.h):
	 * views owned by the stage that produced the record. */
	const struct gp_field *f;
	const struct gp_layout *lay; /* how to rebuild the text from f */
	uint32_t nf;
	uint8_t mark;                /* GP_REC_* */
} gp_rec;

typedef struct gp_recvec {
	gp_rec *v;
	size_t n, cap;
} gp_recvec;

/* A batch comes in one of two forms (or both):
 *  - span form: span[0 .. span_len) is a run of complete records, each
 *    followed by `delim`, in one buffer; span_line is the line number of its
 *    first record (0 if unknown), span_origin their origin. Filters search
 *    the whole span at once; sinks write it with one copy.
 *  - records form: recs[0 .. n) views.
 * gp_batch_records() turns a span into records on demand, into storage the
 * producer owns (lazy), so a chain that never looks at single records never
 * splits lines. */
typedef struct gp_batch {
	gp_rec *recs;
	size_t n;
	bool has_recs;

	const char *span;
	size_t span_len;
	uint64_t span_line;
	uint64_t span_off; /* byte offset of span[0] in its input */
	const gp_origin *span_origin;
	size_t span_nrec; /* records in the span when known (the source counts them), else 0 */

	gp_recvec *lazy; /* producer-owned storage for splitting the span */
	bool writable;   /* consumer may change bytes in place (not lengths) */
} gp_batch;

/* A position in the expression source, for carets. */
typedef struct gp_span {
	uint32_t start, end; /* byte offsets in the expression text */
} gp_span;

#define GP_DIAG_MSG 512

typedef struct gp_diag {
	char msg[GP_DIAG_MSG]; /* "unknown stage 'uper' (did you mean 'upper'?)" */
	bool has_span;
	gp_span span;
} gp_diag;

typedef struct gp_ctx gp_ctx;
typedef struct gp_stage gp_stage;
typedef struct gp_stage_def gp_stage_def;

typedef struct gp_stage_ops {
	gp_status (*next)(gp_stage *st, gp_batch *out);
} gp_stage_ops;

struct gp_stage {
	const gp_stage_ops *ops;
	const gp_stage_def *def;
	gp_stage *up;    /* upstream stage, NULL for the source */
	gp_scope *scope; /* child of the run's root scope */
	gp_ctx *ctx;
	void *state;
	char *explain;  /* resolved arguments for --explain (arena) */
	gp_span span;   /* the stage's name in the expression, for messages */
	bool closed;
	/* Set by open when this instance needs the whole input in order even
	 * though its stage is per record (grep -m, -A/-B/-C, -c, -l, -L). */
	bool serial;
	/* Set by open when this instance does next to nothing a record (a
	 * literal grep, upper): -j leaves a chain of only such stages on one
	 * thread unless -j is given. */
	bool light;
	/* Set by an aggregate's open when its groups are few whatever the
	 * input (no key, time buckets): -j runs it in every worker and merges
	 * their states. With keys like an IP each worker would hold nearly
	 * every group and the merge would read them all again (2.1 M groups:
	 * 3.6 s at -j 2 against 2.4 s at -j 1), so those run once. */
	bool few_groups;
	struct gp_stage_stats *stats; /* --stats: counters of this stage (stats.c) */
	/* --stats: what the stage says about its run at the end (an aggregate's
	 * groups and spills, sort's runs); NULL if nothing. Set by the stage
	 * (arena or its own storage, valid until the run ends). */
	const char *stats_note;
};

/* Shared state of one run. */
struct gp_ctx {
	gp_arena *arena;
	gp_scope *root;
	gp_diag diag;     /* the fatal diagnostic, when a stage returns GP_ERR */
	char delim;       /* record delimiter: '\n', or '\0' with -z */
	size_t max_record;
	/* --memory: bytes that aggregates and sort may hold together; each
	 * takes its share (gp_memory_share) at open; past it they spill. */
	size_t memory;
	unsigned memory_holders; /* stages of the chain that hold memory (plan.c) */
	/* --tz: the zone of timestamps written without one (else TZ). */
	bool tz_set;
	int32_t tz_off; /* seconds east of UTC */
	bool need_lineno; /* some consumer prints or uses line numbers */
	bool raw;         /* --raw: inputs are bytes, no decompression or archives */
	bool had_error;   /* a non-fatal error was reported: exit status 2 */
	/* Prints a non-fatal diagnostic; supplied by main. */
	void (*report)(gp_ctx *ctx, const char *msg);
	/* -j: a worker's chain hands each dropped-record summary here instead
	 * of printing it (the pieces of one input are summed), and lists its
	 * counters in pending (core/dropped.h). NULL: printed. */
	void (*summary)(gp_ctx *ctx, const struct gp_dropped *d);
	struct gp_dropped *pending;
	/* Flush buffered output: called before input blocks (tail -f). */
	void (*flush_hint)(gp_ctx *ctx);
	void *out; /* the output sink, for flush_hint */
	/* The matcher whose matches --color highlights (last grep stage). */
	struct gp_matcher *highlight;
	bool only_matching; /* records are matches themselves (grep -o) */
	bool rec_marks;        /* some grep sets gp_rec.mark: no plain fast path in the sink */
	const char *group_sep; /* grep -A/-B/-C: printed for GP_REC_BREAK; NULL: none */
	/* grep -c, -L and -v -o decide the exit status as GNU grep does (a line
	 * was selected) when that grep is the last stage: it sets status_stage
	 * to itself in open and selected when it selects a line. */
	gp_stage *status_stage;
	bool selected;
	const char *expr;   /* the expression text, for messages */
	bool strict;        /* --strict: unparsable records are an error */
	bool seed_set;      /* --seed given */
	uint64_t seed;      /* --seed, for sample */
	/* --progress: bytes read from the inputs' files and pipes (added by the
	 * reading thread, which may be a decoder's: use __atomic), and a
	 * callback the source calls between batches. NULL without --progress. */
	uint64_t bytes_in;
	void (*progress)(gp_ctx *ctx);
	/* --partial / --merge (issue 12, agg/partial.h): GP_AGG_* bits; the
	 * first aggregate prints, or reads, partial states. part is --part:
	 * the aggregate reads it every batch (its record numbers are part << 40
	 * | index in the part). spec_hash: of that aggregate and the stages
	 * before it (plan.c), written on and checked against every line. */
	unsigned agg_mode;
	uint64_t part;
	uint64_t spec_hash;
};

#define GP_AGG_PARTIAL 1u /* print the first aggregate's states, run nothing after it */
#define GP_AGG_MERGE 2u   /* read states instead of records, run nothing before it */

/* Set by signal handlers (SIGINT, SIGTERM); the pull loop notices and unwinds. */
extern volatile sig_atomic_t gp_signal;

/* Non-fatal: prints a diagnostic through ctx->report, of any length (a deep
 * path keeps its reason). With fails, the run is marked as failed (exit 2):
 * a problem with one input, the run goes on. Without, it is only a warning
 * and the exit status stays as it is. Call it as one of: */
void gp_say(gp_ctx *ctx, bool fails, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
#define gp_report(ctx, ...) gp_say((ctx), true, __VA_ARGS__)
#define gp_warn(ctx, ...) gp_say((ctx), false, __VA_ARGS__)

/* Fatal: fill ctx->diag (with a span when given) and return GP_ERR. */
gp_status gp_fail(gp_ctx *ctx, const gp_span *span, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* The bytes one stage that holds records or groups (an aggregate, sort)
 * may keep: --memory split evenly among such stages of the chain. */
static inline size_t gp_memory_share(const gp_ctx *ctx)
{
	return ctx->memory / (ctx->memory_holders ? ctx->memory_holders : 1);
}

/* Turn a span batch into records (no-op when it already has them).
 * Returns the record count, or (size_t)-1 when out of memory. */
size_t gp_batch_records(gp_batch *b, char delim);

/* A byte p of a record of batch b that a stage cannot process (a line the
 * regex engine could not decide, matcher.h): reported through gp_report as
 * "STAGE: INPUT[:MEMBER][:LINE]: why", the input and line found from the span
 * or the record p lies in; the run fails (exit 2). */
void gp_report_at(gp_ctx *ctx, const char *stage, const gp_batch *b, const char *p,
		  const char *why);

/* Count delimiter bytes in p[0..n): vectorised. */
size_t gp_count_byte(const char *p, size_t n, char c);

/* Pointer just past the k-th occurrence of c in p[0..n), or NULL if there are
 * fewer than k (k >= 1). Used by head/skip to cut spans without splitting. */
const char *gp_find_nth(const char *p, size_t n, char c, size_t k);

/* Unwind st->up and every stage above it (idempotent). */
void gp_stage_close_upstream(gp_stage *st);

/* An empty batch, ready for a producer to fill. */
static inline void gp_batch_reset(gp_batch *b)
{
	*b = (gp_batch){ 0 };
}

/* A batch of n record views at recs (owned by the producer until its next
 * next()), nothing else set. */
static inline void gp_batch_of(gp_batch *b, gp_rec *recs, size_t n)
{
	*b = (gp_batch){ .recs = recs, .n = n, .has_recs = true };
}

/* Pull from upstream, honouring signals. */
static inline gp_status gp_pull(gp_stage *st, gp_batch *b)
{
	gp_stage *up = st->up;
	if (gp_signal)
		return GP_EOF;
	if (up->closed)
		return GP_EOF;
	gp_batch_reset(b);
	return up->ops->next(up, b);
}

/* Grow a record vector to hold at least n records. -1 on OOM. */
int gp_recvec_reserve(gp_recvec *v, size_t n);
/* Register a recvec's storage in a scope. */
int gp_recvec_own(gp_scope *s, gp_recvec *v);

#endif
