/* Unit tests of the table of global options (src/options.h): the table is
 * consistent, and gp_options_parse, built from it, sets what each option
 * says, keeps getopt's abbreviations, and returns the informational actions
 * and the errors. TAP output. */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "options.h"
#include "out/output.h"
#include "tap.h"

static char **last_argv; /* as getopt left it (permuted) */

static gp_action parse(gp_options *o, char **argv)
{
	int argc = 0;
	while (argv[argc])
		argc++;
	last_argv = argv;
	return gp_options_parse(argc, argv, o);
}

/* PARSE(&o, "-H", "x"): parses gpipe -H x. */
#define PARSE(o, ...) parse((o), (char *[]){ "gpipe", __VA_ARGS__, NULL })

static void test_table(void)
{
	size_t n = 0, shown = 0;
	bool names_unique = true, letters_unique = true, aliases_agree = true, args_named = true;
	bool helped = true;
	for (const gp_global_opt *o = gp_global_opts; o->lng; o++, n++) {
		shown += !(o->flags & GP_OPT_HIDDEN);
		args_named &= (o->has_arg == GP_ARG_NONE) == (o->arg == NULL);
		args_named &= !o->values || o->has_arg != GP_ARG_NONE;
		helped &= o->help && *o->help;
		for (const gp_global_opt *p = gp_global_opts; p < o; p++) {
			names_unique &= strcmp(p->lng, o->lng) != 0;
			if (p->key == o->key) {
				letters_unique &= !gp_opt_short(o);
				aliases_agree &= p->has_arg == o->has_arg;
			}
		}
	}
	ok(n >= 20 && shown >= 19, "the table has %zu options, %zu shown", n, shown);
	ok(names_unique, "long names are unique");
	ok(letters_unique, "short letters are unique");
	ok(aliases_agree, "options sharing a key (aliases) take the same argument");
	ok(args_named, "an option has an argument name exactly when it takes one");
	ok(helped, "every option has a help line");

	char buf[32];
	const gp_global_opt *file = NULL, *color = NULL, *raw = NULL;
	for (const gp_global_opt *o = gp_global_opts; o->lng; o++) {
		if (strcmp(o->lng, "file") == 0)
			file = o;
		if (strcmp(o->lng, "color") == 0)
			color = o;
		if (strcmp(o->lng, "raw") == 0)
			raw = o;
	}
	ok(file && color && raw, "file, color and raw are in the table");
	if (!file || !color || !raw)
		return;
	ok(gp_opt_short(file) == 'f' && gp_opt_short(color) == 0, "short letters: -f, none for --color");
	gp_opt_arg_label(file, buf, sizeof buf);
	ok(strcmp(buf, " FILE") == 0, "label of a required argument: '%s'", buf);
	gp_opt_arg_label(color, buf, sizeof buf);
	ok(strcmp(buf, "[=WHEN]") == 0, "label of an optional argument: '%s'", buf);
	gp_opt_arg_label(raw, buf, sizeof buf);
	ok(strcmp(buf, "") == 0, "label without argument: '%s'", buf);
}

static void test_parse(void)
{
	gp_options o;
	gp_action a = PARSE(&o, "upper");
	ok(a == GP_ACT_RUN && optind == 1, "an expression alone: run it, operand at argv[1]");
	ok(o.color == -1 && o.max_record == 64u << 20 && o.format == GP_OUT_TEXT && !o.with_origin &&
		   !o.progress && !o.seed_set && !o.expr_file,
	   "defaults: colour auto, max record 64 MiB, text output");

	a = PARSE(&o, "-Hnz", "-o", "csv", "--max-record=1M", "--color=never", "--seed", "7",
		  "--progress=2", "--strict", "--stats", "--raw", "--explain", "--line-buffered",
		  "-f", "x.gp", "a.log");
	ok(a == GP_ACT_RUN, "every option at once parses");
	ok(o.with_origin && o.with_line && o.null_data && o.format == GP_OUT_CSV &&
		   o.max_record == 1u << 20 && o.color == 0 && o.seed_set && o.seed == 7 &&
		   o.progress && o.progress_every == 2 && o.strict && o.stats && o.raw &&
		   o.explain && o.line_buffered && o.expr_file && strcmp(o.expr_file, "x.gp") == 0,
	   "each sets its field");
	ok(optind == 16 && strcmp(last_argv[optind], "a.log") == 0, "optind at the first file (%d)", optind);

	a = PARSE(&o, "-H", "--no-filename", "--colour", "-o", "jsonl", "x");
	ok(a == GP_ACT_RUN && !o.with_origin && o.color == -1 && o.format == GP_OUT_JSON,
	   "--no-filename undoes -H, --colour alone is auto, jsonl is json");

	a = PARSE(&o, "--col=always", "--line-n", "x");
	ok(a == GP_ACT_RUN && o.color == 1 && o.with_line,
	   "unique abbreviations; --col is both --color and --colour, one key");

	a = PARSE(&o, "upper", "-n", "a.log");
	ok(a == GP_ACT_RUN && o.with_line && optind == 2 && strcmp(last_argv[optind], "upper") == 0,
	   "options after the expression (permuted)");
}

static void test_actions(void)
{
	gp_options o;
	ok(PARSE(&o, "--help", "--bogus") == GP_ACT_HELP, "--help ends the parse");
	ok(PARSE(&o, "-h") == GP_ACT_HELP, "-h");
	ok(PARSE(&o, "-V") == GP_ACT_VERSION && PARSE(&o, "--ver") == GP_ACT_VERSION, "-V, --ver");
	ok(PARSE(&o, "--list") == GP_ACT_LIST_STAGES, "--list abbreviates --list-stages");
	ok(PARSE(&o, "--dump-man") == GP_ACT_MAN, "--dump-man");
	ok(PARSE(&o, "--dump-completion", "zsh") == GP_ACT_COMPLETION && strcmp(o.shell, "zsh") == 0,
	   "--dump-completion zsh");
	ok(PARSE(&o, "--dump-options") == GP_ACT_LIST_OPTIONS, "--dump-options");

	fflush(stderr);
	FILE *saved = stderr, *null = fopen("/dev/null", "w");
	if (null)
		stderr = null;
	ok(PARSE(&o, "--bogus") == GP_ACT_USAGE, "unknown option: usage");
	ok(PARSE(&o, "-x") == GP_ACT_USAGE, "unknown letter: usage");
	ok(PARSE(&o, "-o") == GP_ACT_USAGE, "missing argument: usage");
	ok(PARSE(&o, "--dump") == GP_ACT_USAGE, "ambiguous abbreviation: usage");
	ok(PARSE(&o, "--raw=1") == GP_ACT_USAGE, "argument to an option without one: usage");
	ok(PARSE(&o, "--seed=x", "x") == GP_ACT_FAIL, "bad --seed: fail");
	ok(PARSE(&o, "--color=blue", "x") == GP_ACT_FAIL, "bad --color: fail");
	ok(PARSE(&o, "--max-record=0", "x") == GP_ACT_FAIL, "bad --max-record: fail");
	ok(PARSE(&o, "--progress=0", "x") == GP_ACT_FAIL, "bad --progress: fail");
	ok(PARSE(&o, "-o", "xml", "x") == GP_ACT_FAIL, "bad -o: fail");
	if (null) {
		stderr = saved;
		fclose(null);
	}
}

int main(void)
{
	test_table();
	test_parse();
	test_actions();
	return tap_done();
}
