/* The table of global options and their parsing (see options.h). */
#include "options.h"

#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "core/args.h"
#include "out/output.h"

#define DEFAULT_MAX_RECORD (64u * 1024u * 1024u)
#define DEFAULT_MEMORY ((size_t)256 << 20)

/* Keys of the long-only options, past every short letter. */
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
	OPT_DUMP_OPTIONS,
	OPT_STRICT,
	OPT_SEED,
	OPT_STATS,
	OPT_PROGRESS,
	OPT_MEMORY,
	OPT_TZ,
	OPT_PARTIAL,
	OPT_MERGE,
	OPT_PART,
};

#define NONE GP_ARG_NONE, NULL
#define REQ(name) GP_ARG_REQUIRED, name
#define OPT(name) GP_ARG_OPTIONAL, name

const gp_global_opt gp_global_opts[] = {
	{ "file", 'f', REQ("FILE"), "read the expression from FILE ('#' comments, one stage a line)", NULL, 0 },
	{ "with-filename", 'H', NONE, "prefix each record with its origin (file, or archive:member)", NULL, 0 },
	{ "no-filename", OPT_NO_FILENAME, NONE, "do not prefix the origin (the default)", NULL, 0 },
	{ "line-number", 'n', NONE, "prefix each record with its line number in its input", NULL, 0 },
	{ "null-data", 'z', NONE, "records end with NUL, not newline (input and output)", NULL, 0 },
	{ "color", OPT_COLOR, OPT("WHEN"), "highlight matches: auto (default), always or never; NO_COLOR turns auto off", "auto always never", 0 },
	{ "colour", OPT_COLOR, OPT("WHEN"), "same as --color", "auto always never", 0 },
	{ "line-buffered", OPT_LINE_BUFFERED, NONE, "write output after every batch of records", NULL, 0 },
	{ "max-record", OPT_MAX_RECORD, REQ("SIZE"), "longest record kept, with K, M or G suffix (default 64M); longer ones are reported and skipped", NULL, 0 },
	{ "output", 'o', REQ("FORMAT"), "write records as text (default: the record as it stands), json (JSON Lines of the fields), tsv or csv (a header, then one row a record)", "text json tsv csv", 0 },
	{ "strict", OPT_STRICT, NONE, "records a parsing stage cannot parse (not JSON, no match) are an error: exit status 2", NULL, 0 },
	{ "memory", OPT_MEMORY, REQ("SIZE"), "memory that aggregates and sort may hold, with K, M or G suffix (default 256M); past it they spill to temporary files in $TMPDIR and stay exact", NULL, 0 },
	{ "tz", OPT_TZ, REQ("ZONE"), "time zone of timestamps written without one: UTC, Z or an offset like +02:00 (default: the TZ environment variable)", NULL, 0 },
	{ "jobs", 'j', REQ("N"), "threads to run on (default: the number of cores; 1: one thread): inputs are read in order and cut into pieces, the per-record stages at the head of the chain (and an aggregate after them, its states merged) run on the pieces side by side, and the output is the same, byte for byte, as with -j 1", NULL, 0 },
	{ "seed", OPT_SEED, REQ("N"), "seed for sample, for repeatable runs (default: from the clock)", NULL, 0 },
	{ "progress", OPT_PROGRESS, OPT("SECONDS"), "show bytes read, of how many, the rate and the time left on stderr: redrawn on a terminal from the first second on, else a line every 5 s (or every SECONDS)", NULL, 0 },
	{ "stats", OPT_STATS, NONE, "print on stderr, at the end, the records and bytes each stage handed on, the time spent in each, and the peak memory", NULL, 0 },
	{ "partial", OPT_PARTIAL, NONE, "run the chain up to its first aggregate and print the aggregate's state, one group a line, for --merge (see PARTIAL STATES)", NULL, 0 },
	{ "merge", OPT_MERGE, NONE, "read partial states (the operands, or standard input) instead of records, combine them and run the chain from its first aggregate on; with --partial, print the combined states", NULL, 0 },
	{ "part", OPT_PART, REQ("N"), "the part of the input this --partial run reads (default 0): parts numbered in input order give merged groups and first/last in input order", NULL, 0 },
	{ "raw", OPT_RAW, NONE, "read every input as plain bytes: no decompression, no archive members", NULL, 0 },
	{ "explain", OPT_EXPLAIN, NONE, "print the chain that would run, with resolved arguments and the formats detected from each file's first bytes, and read no records", NULL, 0 },
	{ "list-stages", OPT_LIST, NONE, "print the stage names, one per line", NULL, 0 },
	{ "help", 'h', NONE, "print this help; 'gpipe help STAGE' explains one stage", NULL, 0 },
	{ "version", 'V', NONE, "print the version", NULL, 0 },
	/* For `make docs` and the tests. A new hidden name must not be the
	 * start of a documented one (`--list` abbreviates --list-stages). */
	{ "dump-man", OPT_DUMP_MAN, NONE, "print the man page", NULL, GP_OPT_HIDDEN },
	{ "dump-completion", OPT_DUMP_COMPLETION, REQ("SHELL"), "print the completion script for SHELL", "bash zsh fish", GP_OPT_HIDDEN },
	{ "dump-options", OPT_DUMP_OPTIONS, NONE, "print the documented options, one a line", NULL, GP_OPT_HIDDEN },
	{ NULL, 0, GP_ARG_NONE, NULL, NULL, NULL, 0 },
};

#define N_OPTS (sizeof gp_global_opts / sizeof gp_global_opts[0]) /* terminator included */

void gp_opt_arg_label(const gp_global_opt *o, char *buf, size_t cap)
{
	switch (o->has_arg) {
	case GP_ARG_REQUIRED: snprintf(buf, cap, " %s", o->arg); break;
	case GP_ARG_OPTIONAL: snprintf(buf, cap, "[=%s]", o->arg); break;
	default: snprintf(buf, cap, "%s", ""); break;
	}
}

void gp_print_option_list(FILE *f)
{
	for (const gp_global_opt *o = gp_global_opts; o->lng; o++) {
		if (o->flags & GP_OPT_HIDDEN)
			continue;
		char label[64];
		gp_opt_arg_label(o, label, sizeof label);
		fprintf(f, "%s %c %s\n", o->lng, gp_opt_short(o) ? gp_opt_short(o) : '-',
			*label ? label + (*label == ' ') : "-");
	}
}

/* getopt_long's view of the table: the long options and the short-option
 * string (':' first: a missing argument is told apart from a bad option). */
static const struct option *long_options(const char **shorts)
{
	static struct option longs[N_OPTS];
	static char letters[1 + 3 * N_OPTS];
	size_t n = 0, k = 0;
	letters[k++] = ':';
	for (const gp_global_opt *o = gp_global_opts; o->lng; o++, n++) {
		static const int has[] = { [GP_ARG_NONE] = no_argument,
					   [GP_ARG_REQUIRED] = required_argument,
					   [GP_ARG_OPTIONAL] = optional_argument };
		longs[n] = (struct option){ o->lng, has[o->has_arg], NULL, o->key };
		if (gp_opt_short(o)) {
			letters[k++] = gp_opt_short(o);
			for (int i = 0; i < (int)o->has_arg; i++)
				letters[k++] = ':';
		}
	}
	longs[n] = (struct option){ NULL, 0, NULL, 0 };
	letters[k] = '\0';
	*shorts = letters;
	return longs;
}

static bool parse_color(const char *v, int *color)
{
	if (!v || strcmp(v, "always") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "force") == 0)
		*color = v ? 1 : -1;
	else if (strcmp(v, "never") == 0 || strcmp(v, "no") == 0 || strcmp(v, "none") == 0)
		*color = 0;
	else if (strcmp(v, "auto") == 0 || strcmp(v, "tty") == 0 || strcmp(v, "if-tty") == 0)
		*color = -1;
	else
		return false;
	return true;
}

static bool parse_format(const char *v, int *format)
{
	if (strcmp(v, "text") == 0)
		*format = GP_OUT_TEXT;
	else if (strcmp(v, "json") == 0 || strcmp(v, "jsonl") == 0)
		*format = GP_OUT_JSON;
	else if (strcmp(v, "tsv") == 0)
		*format = GP_OUT_TSV;
	else if (strcmp(v, "csv") == 0)
		*format = GP_OUT_CSV;
	else
		return false;
	return true;
}

/* One option with its argument (optarg); GP_ACT_RUN to go on. */
/* --tz: UTC, Z, or a fixed offset ±hh, ±hhmm, ±hh:mm (named zones come
 * from TZ itself, so `TZ=Europe/Paris gpipe ...` covers them). */
static bool parse_tz(const char *v, int32_t *off)
{
	if (strcmp(v, "UTC") == 0 || strcmp(v, "utc") == 0 || strcmp(v, "Z") == 0 ||
	    strcmp(v, "z") == 0 || strcmp(v, "GMT") == 0) {
		*off = 0;
		return true;
	}
	if (v[0] != '+' && v[0] != '-')
		return false;
	int d[4], n = 0;
	for (const char *p = v + 1; *p; p++) {
		if (*p == ':' && n == 2 && p[1])
			continue;
		if (*p < '0' || *p > '9' || n == 4)
			return false;
		d[n++] = *p - '0';
	}
	if (n != 2 && n != 4)
		return false;
	int h = d[0] * 10 + d[1], m = n == 4 ? d[2] * 10 + d[3] : 0;
	if (h > 23 || m > 59)
		return false;
	*off = (v[0] == '-' ? -1 : 1) * (h * 3600 + m * 60);
	return true;
}

static gp_action apply(gp_options *o, int key, char *arg)
{
	switch (key) {
	case 'f': o->expr_file = arg; break;
	case 'H': o->with_origin = true; break;
	case OPT_NO_FILENAME: o->with_origin = false; break;
	case 'n': o->with_line = true; break;
	case 'z': o->null_data = true; break;
	case OPT_COLOR:
		if (!parse_color(arg, &o->color)) {
			fprintf(stderr, "gpipe: invalid --color value '%s' (want auto, always or never)\n", arg);
			return GP_ACT_FAIL;
		}
		break;
	case OPT_LINE_BUFFERED: o->line_buffered = true; break;
	case OPT_MAX_RECORD: {
		uint64_t v;
		if (gp_parse_size(arg, &v) != 0 || v == 0 || v > ((uint64_t)1 << 40)) {
			fprintf(stderr, "gpipe: invalid --max-record '%s' (want a size like 512K, 64M or 1G)\n", arg);
			return GP_ACT_FAIL;
		}
		o->max_record = (size_t)v;
		break;
	}
	case OPT_MEMORY: {
		uint64_t v;
		if (gp_parse_size(arg, &v) != 0 || v < 64 * 1024 || v > ((uint64_t)1 << 44)) {
			fprintf(stderr, "gpipe: invalid --memory '%s' (want a size from 64K up, like 16M or 2G)\n", arg);
			return GP_ACT_FAIL;
		}
		o->memory = (size_t)v;
		break;
	}
	case OPT_TZ:
		if (!parse_tz(arg, &o->tz_off)) {
			fprintf(stderr, "gpipe: invalid --tz '%s' (want UTC, Z or an offset like +02:00, -0530)\n", arg);
			return GP_ACT_FAIL;
		}
		o->tz_set = true;
		break;
	case OPT_EXPLAIN: o->explain = true; break;
	case OPT_RAW: o->raw = true; break;
	case OPT_STRICT: o->strict = true; break;
	case OPT_STATS: o->stats = true; break;
	case OPT_PARTIAL: o->partial = true; break;
	case OPT_MERGE: o->merge = true; break;
	case OPT_PART:
		if (gp_parse_count(arg, &o->part) != 0 || o->part >= ((uint64_t)1 << 24)) {
			fprintf(stderr, "gpipe: invalid --part '%s' (want a whole number from 0 to 16777215)\n", arg);
			return GP_ACT_FAIL;
		}
		break;
	case OPT_PROGRESS: {
		o->progress = true;
		char *end = NULL;
		if (arg && (!(o->progress_every = strtod(arg, &end)) || *end ||
			    !(o->progress_every >= 0.01 && o->progress_every <= 86400))) {
			fprintf(stderr, "gpipe: invalid --progress interval '%s' (want seconds, 0.01 to 86400)\n",
				arg);
			return GP_ACT_FAIL;
		}
		break;
	}
	case 'j': {
		uint64_t v;
		if (gp_parse_count(arg, &v) != 0 || v < 1 || v > 1024) {
			fprintf(stderr, "gpipe: invalid --jobs '%s' (want a number from 1 to 1024)\n", arg);
			return GP_ACT_FAIL;
		}
		o->jobs = (unsigned)v;
		break;
	}
	case OPT_SEED:
		if (gp_parse_count(arg, &o->seed) != 0) {
			fprintf(stderr, "gpipe: invalid --seed '%s' (want a non-negative integer)\n", arg);
			return GP_ACT_FAIL;
		}
		o->seed_set = true;
		break;
	case 'o':
		if (!parse_format(arg, &o->format)) {
			fprintf(stderr, "gpipe: unknown output format '%s' (want text, json, tsv or csv)\n", arg);
			return GP_ACT_FAIL;
		}
		break;
	case OPT_LIST: return GP_ACT_LIST_STAGES;
	case 'h': return GP_ACT_HELP;
	case 'V': return GP_ACT_VERSION;
	case OPT_DUMP_MAN: return GP_ACT_MAN;
	case OPT_DUMP_COMPLETION: o->shell = arg; return GP_ACT_COMPLETION;
	case OPT_DUMP_OPTIONS: return GP_ACT_LIST_OPTIONS;
	}
	return GP_ACT_RUN;
}

gp_action gp_options_parse(int argc, char **argv, gp_options *o)
{
	*o = (gp_options){ .color = -1, .max_record = DEFAULT_MAX_RECORD, .memory = DEFAULT_MEMORY };
	const char *shorts;
	const struct option *longs = long_options(&shorts);
	opterr = 0; /* our own messages, starting with "gpipe:" */
	optind = 0; /* a fresh scan (glibc), so a test may parse twice */
	int c;
	while ((c = getopt_long(argc, argv, shorts, longs, NULL)) != -1) {
		if (c == ':') {
			fprintf(stderr, "gpipe: option '%s' requires an argument\n", argv[optind - 1]);
			return GP_ACT_USAGE;
		}
		if (c == '?') {
			if (optopt)
				fprintf(stderr, "gpipe: invalid option -- '%c'\n", optopt);
			else
				fprintf(stderr, "gpipe: unrecognized option '%s'\n", argv[optind - 1]);
			return GP_ACT_USAGE;
		}
		gp_action a = apply(o, c, optarg);
		if (a != GP_ACT_RUN)
			return a;
	}
	return GP_ACT_RUN;
}
