/* gpipe: options → plan → run → exit status.
 *
 * main owns the root cleanup scope and the parse arena, prints every
 * diagnostic (the core only fills them), and picks the exit status:
 * 0 a record was written, 1 none was, 2 an error happened. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "core/stage.h"
#include "explain.h"
#include "expr/pipeline.h"
#include "options.h"
#include "out/output.h"
#include "plan.h"
#include "progress.h"
#include "registry.h"
#include "run/parallel.h"
#include "stats.h"

#ifndef GP_VERSION
#define GP_VERSION "0.0.0"
#endif

enum { EXIT_MATCH = 0, EXIT_NONE = 1, EXIT_TROUBLE = 2 };

static const char *expr_origin; /* -f FILE, for messages */

static void report(gp_ctx *ctx, const char *msg)
{
	(void)ctx;
	gp_progress_clear();
	fprintf(stderr, "gpipe: %s\n", msg);
}

#define DIAG_WIDTH 160 /* bytes of the expression line shown with a caret */

/* Prints a diagnostic with the expression line and a caret underline. */
static void print_diag(const gp_diag *d, const char *src, size_t len)
{
	if (!d->has_span || !src) {
		fprintf(stderr, "gpipe: %s%s%s\n", expr_origin ? expr_origin : "",
			expr_origin ? ": " : "", d->msg);
		return;
	}
	size_t start = d->span.start > len ? len : d->span.start;
	size_t end = d->span.end > len ? len : d->span.end;
	size_t ls = start, le = start;
	while (ls > 0 && src[ls - 1] != '\n')
		ls--;
	while (le < len && src[le] != '\n')
		le++;
	if (end > le)
		end = le;
	if (expr_origin) {
		size_t line = 1;
		for (size_t i = 0; i < ls; i++)
			line += src[i] == '\n';
		fprintf(stderr, "gpipe: %s:%zu: %s\n", expr_origin, line, d->msg);
	} else {
		fprintf(stderr, "gpipe: %s\n", d->msg);
	}
	/* A long line (a generated expression) is shown around the span only. */
	const char *pre = "", *post = "";
	if (le - ls > DIAG_WIDTH) {
		size_t from = start > ls + DIAG_WIDTH / 2 ? start - DIAG_WIDTH / 2 : ls;
		size_t to = (end > start ? end : start + 1) + DIAG_WIDTH / 2;
		if (from > ls)
			ls = from, pre = "...";
		if (to < le)
			le = to, post = "...";
		if (end > le)
			end = le;
	}
	fprintf(stderr, "  %s%.*s%s\n  %s", pre, (int)(le - ls), src + ls, post, *pre ? "   " : "");
	for (size_t i = ls; i < start; i++)
		fputc(src[i] == '\t' ? '\t' : ' ', stderr);
	size_t n = end > start ? end - start : 1;
	for (size_t i = 0; i < n; i++)
		fputc('^', stderr);
	fputc('\n', stderr);
}

static void on_signal(int sig)
{
	gp_signal = sig;
}

static void install_signals(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read() or write() returns EINTR, and the pull
	 * loop sees the flag and unwinds. A signal ignored when gpipe started
	 * stays ignored, as in grep and zcat: `nohup gpipe ... &` survives the
	 * hang-up and a background job of a non-interactive shell Ctrl-C. */
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
		struct sigaction old;
		if (sigaction(sigs[i], NULL, &old) == 0 && old.sa_handler == SIG_IGN)
			continue;
		sigaction(sigs[i], &sa, NULL);
	}
	/* A closed stdout shows up as EPIPE from write(), handled quietly (and
	 * so it is when SIGPIPE was ignored already). */
	signal(SIGPIPE, SIG_IGN);
}

static void flush_hint(gp_ctx *ctx)
{
	gp_out_flush(ctx->out);
}

#define EXPR_FILE_MAX (64u << 20) /* bytes of a -f FILE; parsing is linear */

static char *read_expr_file(const char *path, size_t *len)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "rb");
	if (!f) {
		fprintf(stderr, "gpipe: cannot open '%s': %s\n", path, strerror(errno));
		return NULL;
	}
	char *buf = gp_read_whole(f, EXPR_FILE_MAX, len);
	if (!buf && errno == EFBIG)
		fprintf(stderr, "gpipe: %s: expression file larger than 64 MiB\n", path);
	else if (!buf)
		fprintf(stderr, "gpipe: cannot read '%s': %s\n", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	return buf;
}

static int finish_stdout(void)
{
	if (fflush(stdout) != 0 || ferror(stdout)) {
		if (errno == EPIPE)
			return EXIT_MATCH;
		fprintf(stderr, "gpipe: write error: %s\n", strerror(errno));
		return EXIT_TROUBLE;
	}
	return EXIT_MATCH;
}

static void free_arena(void *a)
{
	gp_arena_free(a);
}

/* The output on stdout, as the options and the plan's stages ask. */
static int open_output(gp_out *out, gp_ctx *ctx, const gp_options *o)
{
	if (gp_out_init(out, ctx->root, STDOUT_FILENO) != 0) {
		fprintf(stderr, "gpipe: out of memory\n");
		return -1;
	}
	out->delim = ctx->delim;
	out->with_origin = o->with_origin;
	out->with_line = o->with_line;
	out->line_buffered = o->line_buffered || isatty(STDOUT_FILENO);
	out->color = o->color == 1 || (o->color < 0 && isatty(STDOUT_FILENO) &&
				       !(getenv("NO_COLOR") && *getenv("NO_COLOR")) &&
				       !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0));
	out->highlight = ctx->highlight;
	out->only_matching = ctx->only_matching;
	out->rec_marks = ctx->rec_marks;
	out->group_sep = ctx->group_sep;
	out->format = o->format;
	if (ctx->agg_mode & GP_AGG_PARTIAL) { /* partial lines are the format */
		out->format = GP_OUT_TEXT;
		out->with_origin = out->with_line = false;
	}
	ctx->out = out;
	ctx->flush_hint = flush_hint;
	return 0;
}

/* The pull loop: batches from the end of the chain to the output, until the
 * input ends, the output fails, a signal comes or a stage fails (printed;
 * returns true). */
static bool pump(gp_plan *plan, gp_out *out, gp_ctx *ctx, gp_stats *stats)
{
	for (;;) {
		if (gp_signal)
			return false;
		gp_batch b;
		gp_status r = gp_plan_next(plan, &b);
		if (r == GP_EOF)
			return false;
		if (r == GP_ERR) {
			print_diag(&ctx->diag, NULL, 0);
			return true;
		}
		uint64_t t0 = stats ? gp_stats_now() : 0;
		int w = gp_out_batch(out, &b);
		if (stats)
			gp_stats_output(stats, &b, gp_stats_now() - t0);
		if (w != 0)
			return false;
	}
}

/* --explain's last line: how -j shares the chain out. */
static void explain_jobs(const gp_plan *plan, const gp_options *o, const char *const *files,
			 size_t nfiles)
{
	unsigned jobs = o->jobs ? o->jobs : gp_par_cores();
	const char *why = o->stats || o->progress ? "--stats and --progress run on one thread"
			  : gp_par_why_not(plan, jobs, o->jobs != 0, files, nfiles);
	if (why) {
		printf("%-8s 1 thread (%s)\n", "jobs", why);
		return;
	}
	size_t k = gp_plan_per_record(plan);
	printf("%-8s %u threads on 1 MiB pieces:", "jobs", jobs);
	for (size_t i = 1; i <= k; i++)
		printf(" %s", plan->chain[i]->def->name);
	if (gp_par_merges(plan))
		printf("%s%s (states merged)", k ? ", " : " ", plan->chain[k + 1]->def->name);
	printf("; the rest in input order\n");
}

/* -j: the workers run the per-record head of the chain; when an aggregate
 * follows it, they run the aggregate too, on their pieces, as --partial
 * does, and the main thread merges their states as --merge does (a plan of
 * its own: the aggregate in merge mode and what follows). Each side holds
 * half of --memory. */
static gp_status start_jobs(gp_ctx *ctx, const gp_options *o, gp_plan *plan, unsigned jobs,
			    const char *src, size_t srclen, bool comments, const char *const *files,
			    size_t nfiles)
{
	size_t k = gp_plan_per_record(plan);
	gp_par_opts po = { .jobs = jobs, .wstages = k, .main_skip = k };
	if (gp_par_merges(plan)) {
		ctx->agg_mode = GP_AGG_MERGE;
		ctx->memory = o->memory / 2;
		ctx->memory_holders = 0;
		if (gp_plan_build(ctx, src, srclen, comments, files, nfiles, plan) != GP_OK)
			return GP_ERR;
		po.wstages = k + 1;
		po.wmode = GP_AGG_PARTIAL;
		po.wmemory = o->memory / 2 / jobs;
		po.main_skip = 0;
	}
	return gp_par_start(ctx, plan, &po, src, srclen, comments, files, nfiles);
}

/* Builds and runs the chain. Returns the exit status. The root scope is
 * unwound on every path out. */
static int run(const gp_options *o, const char *src, size_t srclen, bool comments,
	       const char *const *files, size_t nfiles)
{
	gp_scope root;
	gp_arena arena;
	gp_scope_init(&root);
	gp_arena_init(&arena);
	gp_scope_defer(&root, free_arena, &arena);

	gp_ctx ctx;
	memset(&ctx, 0, sizeof ctx);
	ctx.arena = &arena;
	ctx.root = &root;
	ctx.delim = o->null_data ? '\0' : '\n';
	ctx.max_record = o->max_record;
	ctx.memory = o->memory;
	ctx.tz_set = o->tz_set;
	ctx.tz_off = o->tz_off;
	ctx.need_lineno = o->with_line;
	ctx.raw = o->raw;
	ctx.report = report;
	ctx.expr = src;
	ctx.strict = o->strict;
	ctx.seed_set = o->seed_set;
	ctx.seed = o->seed;
	ctx.agg_mode = (o->partial ? GP_AGG_PARTIAL : 0) | (o->merge ? GP_AGG_MERGE : 0);
	ctx.part = o->part;
	if (o->progress)
		gp_progress_start(&ctx, o->progress_every, files, nfiles);

	int status = EXIT_TROUBLE;
	gp_plan plan;
	if (gp_plan_build(&ctx, src, srclen, comments, files, nfiles, &plan) != 0) {
		print_diag(&ctx.diag, src, srclen);
		goto out;
	}

	if (o->explain) {
		gp_print_explain(&plan, o, files, nfiles);
		explain_jobs(&plan, o, files, nfiles);
		status = finish_stdout();
		goto out;
	}

	/* grep -c, -L, -v -o as the last stage: GNU grep's status (a line was
	 * selected), whatever was printed. */
	const bool grep_status = ctx.status_stage && ctx.status_stage == plan.chain[plan.n - 1];
	unsigned jobs = o->jobs ? o->jobs : gp_par_cores();
	if (!o->stats && !o->progress && gp_par_wanted(&plan, jobs, o->jobs != 0, files, nfiles) &&
	    start_jobs(&ctx, o, &plan, jobs, src, srclen, comments, files, nfiles) != GP_OK) {
		print_diag(&ctx.diag, src, srclen);
		goto out;
	}

	gp_out out;
	if (open_output(&out, &ctx, o) != 0)
		goto out;

	gp_stats *stats = o->stats ? gp_stats_attach(&ctx, plan.chain, plan.n) : NULL;
	bool fatal = pump(&plan, &out, &ctx, stats);
	gp_out_flush(&out);
	gp_progress_clear();
	if (stats)
		gp_stats_print(stats, stderr);
	if (out.error && !gp_signal) {
		fprintf(stderr, "gpipe: write error: %s\n", strerror(out.error));
		fatal = true;
	}
	/* Unwind the stages before judging: closing a parser prints its summary
	 * of unparsable records, an error under --strict. */
	gp_scope_unwind(&root);
	if (fatal || ctx.had_error)
		status = EXIT_TROUBLE;
	else
		status = out.wrote ? EXIT_MATCH : EXIT_NONE;
	if (status != EXIT_TROUBLE && grep_status)
		status = ctx.selected ? EXIT_MATCH : EXIT_NONE;
out:
	gp_scope_unwind(&root);
	return status;
}

/* A closed standard descriptor would be taken by the first file gpipe opens
 * (a zip spool, an input), and its results or messages written there. As
 * coreutils do, /dev/null takes its place, opened for the other direction, so
 * using it fails with EBADF: output to a closed stdout is a write error (exit
 * 2), a closed stdin reads as an error, a closed stderr stays mute. */
static void open_std_fds(void)
{
	for (int fd = 0; fd <= 2; fd++) {
		if (fcntl(fd, F_GETFD) != -1 || errno != EBADF)
			continue;
		int nul = open("/dev/null", fd == 0 ? O_WRONLY : O_RDONLY);
		if (nul >= 0 && nul != fd) {
			dup2(nul, fd);
			close(nul);
		}
	}
}

static int usage_error(void)
{
	gp_print_usage(stderr);
	fputs("Try 'gpipe --help' for more information.\n", stderr);
	return EXIT_TROUBLE;
}

/* gpipe help [STAGE...] */
static int help_command(int argc, char **argv)
{
	if (argc == 2) {
		gp_print_help(stdout);
		return finish_stdout();
	}
	int st = EXIT_MATCH;
	bool printed = false;
	for (int i = 2; i < argc; i++) {
		if (printed)
			fputc('\n', stdout);
		printed = false;
		if (gp_print_stage_help(stdout, argv[i]) != 0) {
			const char *hint = gp_registry_suggest(argv[i], strlen(argv[i]));
			fprintf(stderr, "gpipe: unknown stage '%s'", argv[i]);
			if (hint)
				fprintf(stderr, " (did you mean '%s'?)", hint);
			fputc('\n', stderr);
			st = EXIT_TROUBLE;
		} else {
			printed = true;
		}
	}
	int w = finish_stdout();
	return st ? st : w;
}

/* Carries out an option that prints and ends the run; the exit status. */
static int inform(gp_action a, const gp_options *o)
{
	switch (a) {
	case GP_ACT_HELP: gp_print_help(stdout); break;
	case GP_ACT_VERSION: printf("gpipe %s\n", GP_VERSION); break;
	case GP_ACT_LIST_STAGES: gp_print_stage_list(stdout); break;
	case GP_ACT_LIST_OPTIONS: gp_print_option_list(stdout); break;
	case GP_ACT_MAN: gp_print_man(stdout); break;
	case GP_ACT_COMPLETION:
		if (gp_print_completion(stdout, o->shell) != 0) {
			fprintf(stderr, "gpipe: unknown shell '%s' (want bash, zsh or fish)\n", o->shell);
			return EXIT_TROUBLE;
		}
		break;
	case GP_ACT_USAGE: return usage_error();
	default: return EXIT_TROUBLE; /* GP_ACT_FAIL: the message is out */
	}
	return finish_stdout();
}

int main(int argc, char **argv)
{
	open_std_fds();
	install_signals();
	if (argc >= 2 && strcmp(argv[1], "help") == 0)
		return help_command(argc, argv);

	gp_options o;
	gp_action a = gp_options_parse(argc, argv, &o);
	if (a != GP_ACT_RUN)
		return inform(a, &o);

	/* The expression: -f FILE, else the first operand. */
	char *owned = NULL;
	const char *src;
	size_t srclen;
	if (o.expr_file) {
		owned = read_expr_file(o.expr_file, &srclen);
		if (!owned)
			return EXIT_TROUBLE;
		src = owned;
		expr_origin = o.expr_file;
	} else {
		if (optind >= argc)
			return usage_error();
		src = argv[optind++];
		srclen = strlen(src);
	}
	int status = run(&o, src, srclen, o.expr_file != NULL,
			 (const char *const *)argv + optind, (size_t)(argc - optind));
	free(owned);

	if (gp_signal) {
		/* Die of the signal, so the shell sees what happened. */
		int sig = gp_signal;
		signal(sig, SIG_DFL);
		raise(sig);
	}
	return status;
}
