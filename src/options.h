/* Global options: the one table of them, and what they set for a run.
 *
 * Rules:
 *  - gp_global_opts is the only list of global options. getopt_long (its
 *    `struct option` array and short-option string), --help, the man page,
 *    the shell completions and the hidden --dump-options are all made from
 *    it, as the stage registry is for stages, so they cannot drift apart.
 *    Its order is the order of --help and of the man page.
 *  - The table and its strings are static and read-only. A gp_options holds
 *    pointers into argv (-f FILE, --dump-completion SHELL), valid as long as
 *    main's argv.
 *  - gp_options_parse prints its own error messages (each starting with
 *    "gpipe:") and nothing else: informational options (--help, --version,
 *    ...) come back as an action for main to carry out, and a usage error as
 *    GP_ACT_USAGE so main prints the usage after the message.
 *  - gp_options is read-only once parsed: the run's state lives in gp_ctx.
 */
#ifndef GP_OPTIONS_H
#define GP_OPTIONS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

typedef enum gp_arg_kind {
	GP_ARG_NONE,     /* --raw */
	GP_ARG_REQUIRED, /* --file FILE, --file=FILE, -f FILE */
	GP_ARG_OPTIONAL, /* --color, --color=WHEN (only with '=') */
} gp_arg_kind;

enum {
	GP_OPT_HIDDEN = 1, /* left out of --help, the man page and the completions */
};

typedef struct gp_global_opt {
	const char *lng;    /* "with-filename" */
	int key;            /* what getopt_long returns: the short letter ('H') when
			     * below 256, else a long-only key; aliases share it */
	gp_arg_kind has_arg;
	const char *arg;    /* the argument's name, "FILE", "WHEN"; NULL for none */
	const char *help;   /* one line, wrapped by --help */
	const char *values; /* choices for completion, space-separated, or NULL */
	unsigned flags;     /* GP_OPT_* */
} gp_global_opt;

/* Ends with an entry whose lng is NULL. */
extern const gp_global_opt gp_global_opts[];

/* The short letter of o, or 0 for a long-only option. */
static inline char gp_opt_short(const gp_global_opt *o)
{
	return o->key > 0 && o->key < 256 ? (char)o->key : 0;
}

/* The argument as --help shows it after the name: " FILE", "[=WHEN]", or "". */
void gp_opt_arg_label(const gp_global_opt *o, char *buf, size_t cap);

/* --dump-options: each shown option on a line, "LONG SHORT ARG" with '-' for
 * a missing short letter or argument, ARG as after the name in --help
 * ("FILE", "[=WHEN]"). For the tests that check the documentation. */
void gp_print_option_list(FILE *f);

typedef struct gp_options {
	const char *expr_file; /* -f FILE */
	bool with_origin, with_line, null_data, line_buffered, explain, raw;
	int color;             /* -1 auto, 0 never, 1 always */
	size_t max_record;
	size_t memory;         /* --memory: what aggregates and sort may hold */
	int32_t tz_off;        /* --tz: seconds east of UTC, when tz_set */
	bool tz_set;
	bool strict, seed_set, stats, progress;
	bool partial, merge;   /* --partial, --merge (issue 12) */
	uint64_t part;         /* --part N */
	double progress_every; /* --progress=SECONDS, 0 for the default */
	uint64_t seed;
	unsigned jobs;         /* -j N; 0: not given (the number of cores) */
	int format;            /* gp_out_format */
	const char *shell;     /* --dump-completion SHELL */
} gp_options;

/* What main does after the options. */
typedef enum gp_action {
	GP_ACT_RUN,          /* run the expression at argv[optind] (or -f FILE) */
	GP_ACT_HELP,         /* -h, --help */
	GP_ACT_VERSION,      /* -V, --version */
	GP_ACT_LIST_STAGES,  /* --list-stages */
	GP_ACT_MAN,          /* --dump-man */
	GP_ACT_COMPLETION,   /* --dump-completion SHELL (o->shell) */
	GP_ACT_LIST_OPTIONS, /* --dump-options */
	GP_ACT_USAGE,        /* a bad option: message printed, usage to follow */
	GP_ACT_FAIL,         /* a bad option value: message printed, exit 2 */
} gp_action;

/* Parses the global options of argv into *o (set to the defaults first),
 * leaving optind at the first operand. An informational option ends the
 * parse at once, as does the first error. */
gp_action gp_options_parse(int argc, char **argv, gp_options *o);

#endif
