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
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "core/stage.h"
#include "expr/parse.h"
#include "input/source.h"
#include "plan.h"
#include "out/output.h"
#include "registry.h"
#include "stats.h"

#ifndef GP_VERSION
#define GP_VERSION "0.0.0"
#endif

#define DEFAULT_MAX_RECORD (64u * 1024u * 1024u)

enum { EXIT_MATCH = 0, EXIT_NONE = 1, EXIT_TROUBLE = 2 };

typedef struct options {
	const char *expr_file;
	bool with_origin, with_line, null_data, line_buffered, explain, raw;
	int color; /* -1 auto, 0 never, 1 always */
	size_t max_record;
	bool strict, seed_set, stats, progress;
	double progress_every; /* --progress=SECONDS, 0 for the default */
	uint64_t seed;
	int format; /* gp_out_format */
} options;

static const char *expr_origin; /* -f FILE, for messages */

/* --progress: a status line on stderr, redrawn 4 times a second on a
 * terminal, else printed every 5 seconds, from the first second on;
 * --progress=SECONDS sets the interval (and the first line's time). */
static struct {
	uint64_t total; /* bytes of the inputs, 0 when unknown (stdin, a directory) */
	uint64_t start, last, every, delay;
	bool tty, shown;
} prog;

static void progress_clear(void)
{
	if (prog.tty && prog.shown) {
		fputs("\r\33[K", stderr);
		prog.shown = false;
	}
}

static void human(char *buf, size_t cap, double b)
{
	if (b >= 1024.0 * 1024 * 1024)
		snprintf(buf, cap, "%.2f GiB", b / (1024.0 * 1024 * 1024));
	else if (b >= 1024.0 * 1024)
		snprintf(buf, cap, "%.1f MiB", b / (1024.0 * 1024));
	else if (b >= 1024.0)
		snprintf(buf, cap, "%.0f KiB", b / 1024.0);
	else
		snprintf(buf, cap, "%.0f B", b);
}

static void progress_tick(gp_ctx *ctx)
{
	uint64_t now = gp_stats_now();
	if (now - prog.start < prog.delay || now - prog.last < prog.every)
		return;
	prog.last = now;
	uint64_t got = __atomic_load_n(&ctx->bytes_in, __ATOMIC_RELAXED);
	double secs = (double)(now - prog.start) / 1e9, rate = (double)got / secs;
	char done[32], all[32], line[160];
	human(done, sizeof done, (double)got);
	if (prog.total && got <= prog.total) {
		human(all, sizeof all, (double)prog.total);
		double left = rate > 0 ? (double)(prog.total - got) / rate : 0;
		snprintf(line, sizeof line, "gpipe: %s of %s (%d%%), %.0f MB/s, %.0f s left", done, all,
			 (int)(100.0 * (double)got / (double)prog.total), rate / 1e6, left);
	} else {
		snprintf(line, sizeof line, "gpipe: %s read, %.0f MB/s", done, rate / 1e6);
	}
	if (prog.tty) {
		fprintf(stderr, "\r\33[K%s", line);
		prog.shown = true;
	} else {
		fprintf(stderr, "%s\n", line);
	}
	fflush(stderr);
}

static void report(gp_ctx *ctx, const char *msg)
{
	(void)ctx;
	progress_clear();
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

static void print_explain(gp_stage *const *chain, size_t n, const options *o,
			  const char *const *files, size_t nfiles)
{
	printf("%-8s", "read");
	if (nfiles == 0)
		printf(" (standard input)");
	for (size_t i = 0; i < nfiles; i++)
		printf(" %s", strcmp(files[i], "-") == 0 ? "(standard input)" : files[i]);
	printf("  [blocks of %u KiB]\n", GP_READ_BLOCK / 1024);
	for (size_t i = 0; i < nfiles; i++) {
		char layers[512];
		if (strcmp(files[i], "-") == 0)
			continue;
		gp_source_describe(files[i], o->raw, layers, sizeof layers);
		printf("%-8s %s: %s\n", "input", files[i], layers);
	}
	char size[32];
	size_t m = o->max_record;
	if (m % (1u << 30) == 0)
		snprintf(size, sizeof size, "%zu GiB", m >> 30);
	else if (m % (1u << 20) == 0)
		snprintf(size, sizeof size, "%zu MiB", m >> 20);
	else if (m % 1024 == 0)
		snprintf(size, sizeof size, "%zu KiB", m >> 10);
	else
		snprintf(size, sizeof size, "%zu bytes", m);
	printf("%-8s delimiter %s, max record %s\n", "lines", o->null_data ? "NUL" : "'\\n'", size);
	for (size_t i = 1; i < n; i++) {
		const gp_stage *st = chain[i];
		if (st->explain)
			printf("%-8s %s\n", st->def->name, st->explain);
		else
			printf("%s\n", st->def->name);
	}
	static const char *const formats[] = {
		[GP_OUT_TEXT] = "text",
		[GP_OUT_JSON] = "json (JSON Lines of the fields)",
		[GP_OUT_TSV] = "tsv (a header, then a row a record)",
		[GP_OUT_CSV] = "csv (a header, then a row a record)",
	};
	bool text = o->format == GP_OUT_TEXT;
	printf("%-8s %s%s%s\n", "output", formats[o->format],
	       o->with_origin ? text ? ", origin prefix" : ", _file and _member fields" : "",
	       o->with_line ? text ? ", line numbers" : ", a _line field" : "");
}

enum {
	OPT_NO_FILENAME = 256,
	OPT_COLOR,
	OPT_LINE_BUFFERED,
	OPT_MAX_RECORD,
	OPT_EXPLAIN,
	OPT_RAW,
	OPT_LIST,
	OPT_DUMP_MAN,
	OPT_DUMP_COMPLETION,
	OPT_STRICT,
	OPT_SEED,
	OPT_STATS,
	OPT_PROGRESS,
};

static const struct option long_opts[] = {
	{ "file", required_argument, NULL, 'f' },
	{ "with-filename", no_argument, NULL, 'H' },
	{ "no-filename", no_argument, NULL, OPT_NO_FILENAME },
	{ "line-number", no_argument, NULL, 'n' },
	{ "null-data", no_argument, NULL, 'z' },
	{ "color", optional_argument, NULL, OPT_COLOR },
	{ "colour", optional_argument, NULL, OPT_COLOR },
	{ "line-buffered", no_argument, NULL, OPT_LINE_BUFFERED },
	{ "max-record", required_argument, NULL, OPT_MAX_RECORD },
	{ "explain", no_argument, NULL, OPT_EXPLAIN },
	{ "raw", no_argument, NULL, OPT_RAW },
	{ "output", required_argument, NULL, 'o' },
	{ "strict", no_argument, NULL, OPT_STRICT },
	{ "seed", required_argument, NULL, OPT_SEED },
	{ "stats", no_argument, NULL, OPT_STATS },
	{ "progress", optional_argument, NULL, OPT_PROGRESS },
	{ "list-stages", no_argument, NULL, OPT_LIST },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "dump-man", no_argument, NULL, OPT_DUMP_MAN },
	{ "dump-completion", required_argument, NULL, OPT_DUMP_COMPLETION },
	{ NULL, 0, NULL, 0 },
};

static void free_arena(void *a)
{
	gp_arena_free(a);
}

/* Builds and runs the chain. Returns the exit status. */
static int run(const options *o, const char *src, size_t srclen, bool comments,
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
	ctx.need_lineno = o->with_line;
	ctx.raw = o->raw;
	ctx.report = report;
	ctx.expr = src;
	ctx.strict = o->strict;
	ctx.seed_set = o->seed_set;
	ctx.seed = o->seed;
	if (o->progress) {
		/* The total is known when every input is a regular file. */
		prog.total = 0;
		bool known = nfiles > 0;
		for (size_t i = 0; i < nfiles && known; i++) {
			struct stat sb;
			known = strcmp(files[i], "-") != 0 && stat(files[i], &sb) == 0 && S_ISREG(sb.st_mode);
			if (known)
				prog.total += (uint64_t)sb.st_size;
		}
		if (!known)
			prog.total = 0;
		prog.tty = isatty(STDERR_FILENO);
		prog.every = o->progress_every > 0 ? (uint64_t)(o->progress_every * 1e9)
			     : prog.tty		  ? 250000000u
						  : 5000000000u;
		prog.delay = o->progress_every > 0 ? prog.every : 1000000000u;
		prog.start = gp_stats_now();
		prog.last = 0;
		ctx.progress = progress_tick;
	}

	int status = EXIT_TROUBLE;
	gp_plan plan;
	if (gp_plan_build(&ctx, src, srclen, comments, files, nfiles, &plan) != 0) {
		print_diag(&ctx.diag, src, srclen);
		goto out;
	}

	if (o->explain) {
		print_explain(plan.chain, plan.n, o, files, nfiles);
		status = finish_stdout();
		goto out;
	}

	gp_out out;
	if (gp_out_init(&out, &root, STDOUT_FILENO) != 0) {
		fprintf(stderr, "gpipe: out of memory\n");
		goto out;
	}
	out.delim = ctx.delim;
	out.with_origin = o->with_origin;
	out.with_line = o->with_line;
	out.line_buffered = o->line_buffered || isatty(STDOUT_FILENO);
	out.color = o->color == 1 || (o->color < 0 && isatty(STDOUT_FILENO) &&
				      !(getenv("NO_COLOR") && *getenv("NO_COLOR")) &&
				      !(getenv("TERM") && strcmp(getenv("TERM"), "dumb") == 0));
	out.highlight = ctx.highlight;
	out.only_matching = ctx.only_matching;
	out.rec_marks = ctx.rec_marks;
	out.group_sep = ctx.group_sep;
	out.format = o->format;
	ctx.out = &out;
	ctx.flush_hint = flush_hint;

	gp_stats *stats = o->stats ? gp_stats_attach(&ctx, plan.chain, plan.n) : NULL;
	bool fatal = false;
	for (;;) {
		if (gp_signal)
			break;
		gp_batch b;
		gp_status r = gp_plan_next(&plan, &b);
		if (r == GP_EOF)
			break;
		if (r == GP_ERR) {
			print_diag(&ctx.diag, NULL, 0);
			fatal = true;
			break;
		}
		uint64_t t0 = stats ? gp_stats_now() : 0;
		int w = gp_out_batch(&out, &b);
		if (stats)
			gp_stats_output(stats, &b, gp_stats_now() - t0);
		if (w != 0)
			break;
	}
	gp_out_flush(&out);
	progress_clear();
	if (stats)
		gp_stats_print(stats, stderr);
	if (out.error && !gp_signal) {
		fprintf(stderr, "gpipe: write error: %s\n", strerror(out.error));
		fatal = true;
	}
	/* grep -c, -L, -v -o as the last stage: GNU grep's status (a line was
	 * selected), whatever was printed. */
	const bool grep_status = ctx.status_stage && ctx.status_stage == plan.chain[plan.n - 1];
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

int main(int argc, char **argv)
{
	options o = { .color = -1, .max_record = DEFAULT_MAX_RECORD };
	open_std_fds();
	install_signals();

	if (argc >= 2 && strcmp(argv[1], "help") == 0) {
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

	int c;
	opterr = 0; /* our own messages, starting with "gpipe:" */
	while ((c = getopt_long(argc, argv, ":f:o:HnzhV", long_opts, NULL)) != -1) {
		switch (c) {
		case 'f': o.expr_file = optarg; break;
		case 'H': o.with_origin = true; break;
		case OPT_NO_FILENAME: o.with_origin = false; break;
		case 'n': o.with_line = true; break;
		case 'z': o.null_data = true; break;
		case OPT_COLOR:
			if (!optarg || strcmp(optarg, "always") == 0 || strcmp(optarg, "yes") == 0 ||
			    strcmp(optarg, "force") == 0)
				o.color = optarg ? 1 : -1;
			else if (strcmp(optarg, "never") == 0 || strcmp(optarg, "no") == 0 ||
				 strcmp(optarg, "none") == 0)
				o.color = 0;
			else if (strcmp(optarg, "auto") == 0 || strcmp(optarg, "tty") == 0 ||
				 strcmp(optarg, "if-tty") == 0)
				o.color = -1;
			else {
				fprintf(stderr, "gpipe: invalid --color value '%s' (want auto, always or never)\n",
					optarg);
				return EXIT_TROUBLE;
			}
			break;
		case OPT_LINE_BUFFERED: o.line_buffered = true; break;
		case OPT_MAX_RECORD: {
			uint64_t v;
			if (gp_parse_size(optarg, &v) != 0 || v == 0 || v > ((uint64_t)1 << 40)) {
				fprintf(stderr, "gpipe: invalid --max-record '%s' (want a size like 512K, 64M or 1G)\n",
					optarg);
				return EXIT_TROUBLE;
			}
			o.max_record = (size_t)v;
			break;
		}
		case OPT_EXPLAIN: o.explain = true; break;
		case OPT_RAW: o.raw = true; break;
		case OPT_STRICT: o.strict = true; break;
		case OPT_STATS: o.stats = true; break;
		case OPT_PROGRESS: {
			o.progress = true;
			char *end = NULL;
			if (optarg && (!(o.progress_every = strtod(optarg, &end)) || *end ||
				       !(o.progress_every >= 0.01 && o.progress_every <= 86400))) {
				fprintf(stderr,
					"gpipe: invalid --progress interval '%s' (want seconds, 0.01 to 86400)\n",
					optarg);
				return EXIT_TROUBLE;
			}
			break;
		}
		case OPT_SEED:
			if (gp_parse_count(optarg, &o.seed) != 0) {
				fprintf(stderr, "gpipe: invalid --seed '%s' (want a non-negative integer)\n",
					optarg);
				return EXIT_TROUBLE;
			}
			o.seed_set = true;
			break;
		case 'o':
			if (strcmp(optarg, "text") == 0)
				o.format = GP_OUT_TEXT;
			else if (strcmp(optarg, "json") == 0 || strcmp(optarg, "jsonl") == 0)
				o.format = GP_OUT_JSON;
			else if (strcmp(optarg, "tsv") == 0)
				o.format = GP_OUT_TSV;
			else if (strcmp(optarg, "csv") == 0)
				o.format = GP_OUT_CSV;
			else {
				fprintf(stderr,
					"gpipe: unknown output format '%s' (want text, json, tsv or csv)\n",
					optarg);
				return EXIT_TROUBLE;
			}
			break;
		case OPT_LIST: gp_print_stage_list(stdout); return finish_stdout();
		case 'h': gp_print_help(stdout); return finish_stdout();
		case 'V': printf("gpipe %s\n", GP_VERSION); return finish_stdout();
		case OPT_DUMP_MAN: gp_print_man(stdout); return finish_stdout();
		case OPT_DUMP_COMPLETION:
			if (gp_print_completion(stdout, optarg) != 0) {
				fprintf(stderr, "gpipe: unknown shell '%s' (want bash, zsh or fish)\n", optarg);
				return EXIT_TROUBLE;
			}
			return finish_stdout();
		case ':':
			fprintf(stderr, "gpipe: option '%s' requires an argument\n", argv[optind - 1]);
			gp_print_usage(stderr);
			fputs("Try 'gpipe --help' for more information.\n", stderr);
			return EXIT_TROUBLE;
		default:
			if (optopt)
				fprintf(stderr, "gpipe: invalid option -- '%c'\n", optopt);
			else
				fprintf(stderr, "gpipe: unrecognized option '%s'\n", argv[optind - 1]);
			gp_print_usage(stderr);
			fputs("Try 'gpipe --help' for more information.\n", stderr);
			return EXIT_TROUBLE;
		}
	}

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
		if (optind >= argc) {
			gp_print_usage(stderr);
			fputs("Try 'gpipe --help' for more information.\n", stderr);
			return EXIT_TROUBLE;
		}
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
