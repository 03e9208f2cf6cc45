#include "cli.h"

#include <string.h>

#include "options.h"
#include "registry.h"

#ifndef GP_VERSION
#define GP_VERSION "0.0.0"
#endif

static const char *const fam_title[] = {
	[GP_FAM_INPUT] = "Input (put in front of every chain by gpipe)",
	[GP_FAM_FILTER] = "Filters",
	[GP_FAM_PARSE] = "Parsers (records gain fields)",
	[GP_FAM_TRANSFORM] = "Transforms",
	[GP_FAM_FLATTEN] = "Flatten",
	[GP_FAM_AGGREGATE] = "Aggregates",
	[GP_FAM_ORDER] = "Order",
	[GP_FAM_OUTPUT] = "Output",
};

void gp_print_usage(FILE *f)
{
	fputs("usage: gpipe [OPTIONS] EXPRESSION [FILE...]\n"
	      "       gpipe [OPTIONS] -f EXPRFILE [FILE...]\n"
	      "       gpipe help [STAGE]\n",
	      f);
}

static void opt_label(char *buf, size_t n, const gp_global_opt *o)
{
	char arg[32];
	gp_opt_arg_label(o, arg, sizeof arg);
	if (gp_opt_short(o))
		snprintf(buf, n, "-%c, --%s%s", gp_opt_short(o), o->lng, arg);
	else
		snprintf(buf, n, "    --%s%s", o->lng, arg);
}

/* The documented options: gp_global_opts without the hidden ones. */
static const gp_global_opt *next_shown(const gp_global_opt *o)
{
	while (o->lng && (o->flags & GP_OPT_HIDDEN))
		o++;
	return o->lng ? o : NULL;
}

#define FOR_SHOWN(o) for (const gp_global_opt *o = next_shown(gp_global_opts); o; o = next_shown(o + 1))

/* An option whose argument names a file (completed as one). */
static bool takes_file(const gp_global_opt *o)
{
	return o->arg && strcmp(o->arg, "FILE") == 0;
}

/* "  LABEL   text", the text wrapped at 79 columns in a column of its own;
 * a label too wide for its column gets a line to itself. */
static void help_row(FILE *f, const char *label, const char *text)
{
	enum { COL = 29, WIDTH = 79 };
	int col = fprintf(f, "  %s", label);
	if (col > COL - 1) {
		fputc('\n', f);
		col = 0;
	}
	const char *p = text;
	bool first = true;
	while (*p) {
		while (*p == ' ')
			p++;
		const char *w = p;
		while (*p && *p != ' ')
			p++;
		int wl = (int)(p - w);
		if (wl == 0)
			break;
		if (!first && col + 1 + wl > WIDTH) {
			fputc('\n', f);
			col = 0;
		}
		if (col < COL) {
			col += fprintf(f, "%*s", COL - col, "");
		} else if (!first || col > COL) {
			fputc(' ', f);
			col++;
		}
		fwrite(w, 1, (size_t)wl, f);
		col += wl;
		first = false;
	}
	fputc('\n', f);
}

void gp_print_help(FILE *f)
{
	gp_print_usage(f);
	fputs("\nStream plain text through a chain of stages, like a shell pipeline in one\n"
	      "process: gpipe 'grep -i timeout | upper | head 20' app.log\n\n"
	      "Options:\n",
	      f);
	FOR_SHOWN(o) {
		char label[64];
		opt_label(label, sizeof label, o);
		help_row(f, label, o->help);
	}
	for (int fam = GP_FAM_INPUT; fam <= GP_FAM_OUTPUT; fam++) {
		bool any = false;
		for (size_t i = 0; i < gp_registry_len; i++) {
			const gp_stage_def *d = gp_registry[i];
			if ((int)d->family != fam)
				continue;
			if (!any)
				fprintf(f, "\n%s:\n", fam_title[fam]);
			any = true;
			help_row(f, d->synopsis, d->summary);
		}
	}
	fputs("\nExit status: 0 if a record was written, 1 if none, 2 on any error.\n"
	      "See 'gpipe help STAGE' and man gpipe.\n",
	      f);
}

/* Prints a paragraph text wrapped at 76 columns with an indent. */
static void wrap(FILE *f, const char *text, int indent)
{
	const char *p = text;
	while (*p) {
		const char *para_end = strstr(p, "\n\n");
		if (!para_end)
			para_end = p + strlen(p);
		int col = 0;
		while (p < para_end) {
			while (p < para_end && (*p == ' ' || *p == '\n'))
				p++;
			const char *w = p;
			while (p < para_end && *p != ' ' && *p != '\n')
				p++;
			int wl = (int)(p - w);
			if (wl == 0)
				break;
			if (col > 0 && col + 1 + wl > 76 - indent) {
				fputc('\n', f);
				col = 0;
			}
			if (col == 0)
				fprintf(f, "%*s", indent, "");
			else
				fputc(' ', f), col++;
			fwrite(w, 1, (size_t)wl, f);
			col += wl;
		}
		fputc('\n', f);
		if (*para_end) {
			fputc('\n', f);
			p = para_end + 2;
		} else {
			p = para_end;
		}
	}
}

static void print_examples(FILE *f, const char *ex, int indent)
{
	while (ex && *ex) {
		const char *nl = strchr(ex, '\n');
		size_t len = nl ? (size_t)(nl - ex) : strlen(ex);
		const char *tab = memchr(ex, '\t', len);
		size_t el = tab ? (size_t)(tab - ex) : len;
		fprintf(f, "%*sgpipe '%.*s'", indent, "", (int)el, ex);
		if (tab)
			fprintf(f, "\n%*s%.*s", indent + 4, "", (int)(len - el - 1), tab + 1);
		fputc('\n', f);
		ex = nl ? nl + 1 : ex + len;
	}
}

int gp_print_stage_help(FILE *f, const char *name)
{
	const gp_stage_def *d = NULL;
	for (size_t i = 0; i < gp_registry_len; i++)
		if (strcmp(gp_registry[i]->name, name) == 0)
			d = gp_registry[i];
	if (!d)
		d = gp_registry_find(name, strlen(name));
	if (!d)
		return -1;
	fprintf(f, "%s (%s%s): %s\n\n", d->synopsis, gp_family_name(d->family),
		d->implicit ? ", implicit" : "", d->summary);
	wrap(f, d->help, 2);
	if (d->opts && d->opts[0].letter) {
		fputs("\nOptions:\n", f);
		for (const gp_optdef *o = d->opts; o->letter; o++) {
			char label[32];
			snprintf(label, sizeof label, "-%c%s%s", o->letter, o->arg ? " " : "",
				 o->arg ? o->arg : "");
			fprintf(f, "  %-12s %s\n", label, o->help);
		}
	}
	if (d->examples) {
		fputs("\nExamples:\n", f);
		print_examples(f, d->examples, 2);
	}
	return 0;
}

void gp_print_stage_list(FILE *f)
{
	for (size_t i = 0; i < gp_registry_len; i++)
		if (!gp_registry[i]->implicit)
			fprintf(f, "%s\n", gp_registry[i]->name);
}

/* man page */

static void roff(FILE *f, const char *s, size_t n)
{
	bool bol = true;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (bol && (c == '.' || c == '\''))
			fputs("\\&", f);
		bol = false;
		switch (c) {
		case '\\': fputs("\\e", f); break;
		case '-': fputs("\\-", f); break;
		case '\n': fputc('\n', f); bol = true; break;
		default: fputc(c, f); break;
		}
	}
}

static void roffs(FILE *f, const char *s)
{
	roff(f, s, strlen(s));
}

static void roff_paras(FILE *f, const char *text)
{
	const char *p = text;
	while (*p) {
		const char *end = strstr(p, "\n\n");
		size_t n = end ? (size_t)(end - p) : strlen(p);
		/* Paragraph lines are joined: roff fills them. */
		for (size_t i = 0; i < n; i++) {
			if (p[i] == '\n')
				fputc(' ', f);
			else
				roff(f, p + i, 1);
		}
		fputc('\n', f);
		if (!end)
			break;
		fputs(".IP\n", f);
		p = end + 2;
	}
}

/* The man page's section on --partial and --merge: the partial line
 * format is a stable interface (agg/partial.h writes and reads it). */
static const char man_partial[] =
	".SH PARTIAL STATES\n"
	"\\fB\\-\\-partial\\fR runs the chain up to and including its first aggregate stage\n"
	"(count, sum, avg, min, max, median, pNN, percentile, distinct, first, last,\n"
	"stddev, top, histogram; a bare count too) and prints that aggregate's \\fIstate\\fR, one\n"
	"group a line, instead of its result; the stages after it do not run, and\n"
	"\\fB\\-o\\fR, \\fB\\-H\\fR and \\fB\\-n\\fR do not apply (top prints every group's count: the\n"
	"merge picks the N). \\fB\\-\\-merge\\fR reads such lines\n"
	"(the operands or standard input, compressed or not, as any input) instead\n"
	"of records, combines the states of each group and runs the aggregate's\n"
	"output and every stage after it; the stages before the aggregate do not\n"
	"run. \\fB\\-\\-merge \\-\\-partial\\fR is a combiner: it prints the combined states.\n"
	"Both take the same expression (the whole chain, as one run would). The\n"
	"stages before the aggregate run on each part alone: a head, tail or uniq\n"
	"there sees only its part.\n"
	".PP\n"
	"The output of a merge equals one run over all the input byte for byte,\n"
	"whatever the split, the order of the lines (Hadoop's reducer gets them\n"
	"sorted by key) or the shape of the merge tree, when each part's\n"
	"\\fB\\-\\-part\\fR \\fIN\\fR follows the input order (GNU parallel's {#}, a task's\n"
	"partition, a Dask partition index) and every run has the same \\fB\\-\\-memory\\fR\n"
	"and \\fB\\-\\-tz\\fR. A record's number is \\fIN\\fR << 40 plus its index in the part;\n"
	"groups come out in the order of their first record, first and last keep\n"
	"the record with the smallest and largest number. Sums are exact; a\n"
	"percentile keeps exact values up to the budget of one run and then its\n"
	"DDSketch, and distinct its HyperLogLog past 4096 values, both merged bin by\n"
	"bin and register by register, so the merged state is one run's state and\n"
	"the bound (within 1%, 0.81% standard error) is the one run's bound.\n"
	"\\fB\\-\\-merge\\fR holds its groups within \\fB\\-\\-memory\\fR as one run does, spilling\n"
	"to temporary files past it.\n"
	".PP\n"
	"A line is \\fIKEY\\fR TAB \\fIVERSION\\fB:\\fISPEC\\fR TAB \\fISTATE\\fR:\n"
	".TP\n\\fIKEY\\fR\n"
	"the group's key, first, so that Hadoop Streaming takes it as the key. The\n"
	"keys of a tuple (by a, b) are separated by the byte 0x1f; in each,\n"
	"\\fB\\e\\e\\fR, \\fB\\et\\fR, \\fB\\en\\fR, \\fB\\er\\fR and \\fB\\ex\\fIHH\\fR (every other byte below\n"
	"0x20, and 0x7f) stand for the bytes themselves, and every other byte\n"
	"(UTF-8 or not) is written as it is. A time key (bucket, time) is RFC 3339\n"
	"in UTC as gpipe prints times (2024-06-01T09:05:00Z), so the lines sort by\n"
	"time; outside the years 0000 to 9999 it is @, the seconds since the\n"
	"epoch, a dot and nine digits of nanoseconds. Without \\fBby\\fR the key is\n"
	"empty.\n"
	".TP\n\\fIVERSION\\fB:\\fISPEC\\fR\n"
	"the format version (1) and 16 hex digits hashing the aggregate and the\n"
	"stages before it, word by word (spacing, quoting and comments do not\n"
	"count), with the version of the state encodings. A line of another\n"
	"version or expression is refused, never merged: \"gpipe: p2.part:17: the\n"
	"partial was made by a different expression (spec 3fa9... here 81c2...)\".\n"
	".TP\n\\fISTATE\\fR\n"
	"a JSON object: \\fB_seq\\fR, the number of the group's first record, then one\n"
	"member per aggregate named as its output field (count, p99_latency, an\n"
	"\\fBas\\fR name; two aggregates may not share a name). count and count(EXPR)\n"
	"are numbers; first and last are {\"seq\": N, \"text\": T}, or null without a\n"
	"value; min and max are {\"num\": N}, the number (exact; B when infinite;\n"
	"none without a number), plus \"text\" when the group had text;\n"
	"sum, avg, stddev, the percentiles and distinct are strings B. A text that\n"
	"is not valid UTF-8 is \"b64\" instead of \"text\". B is the base64 of the\n"
	"accumulator's canonical encoding (little-endian words, LEB128 varints,\n"
	"doubles as their bits, the exact sum as its value, percentile values and\n"
	"distinct hashes sorted). Readers ignore members they do not know; adding\n"
	"members keeps the version, removing one or changing its meaning bumps it.\n"
	"histogram's state, under an empty key, is one member \\fBhistogram\\fR: with\n"
	"BUCKETS its values, {\"values\": B} with up to 512 doubles a line (as many\n"
	"lines as it takes), with log one line {\"min\": B, \"max\": B, \"neg\": N,\n"
	"\"zero\": N, \"decades\": B}, B then the base64 of a double's bits or of\n"
	"LEB128 pairs of a decade (from 10^-324) and its count.\n"
	".PP\n"
	"A bad line (cut short, not JSON, bad base64, another version or\n"
	"expression, a state that does not decode) is reported with its file and\n"
	"line (gpipe: FILE:LINE: why), the run exits with status 2 and the good\n"
	"lines are still merged; with \\fB\\-\\-strict\\fR the first bad line ends the run\n"
	"and nothing is printed. The README's\n"
	"\"Scaling out\" gives the GNU parallel, Hadoop Streaming, Spark and Dask\n"
	"recipes.\n";

void gp_print_man(FILE *f)
{
	fputs(".\\\" Generated by `gpipe --dump-man` from the stage registry; do not edit.\n", f);
	fprintf(f, ".TH GPIPE 1 \"\" \"gpipe %s\" \"User Commands\"\n", GP_VERSION);
	fputs(".SH NAME\n"
	      "gpipe \\- stream logs through a pipeline of grep, transform and count stages\n"
	      ".SH SYNOPSIS\n"
	      ".B gpipe\n[\\fIOPTIONS\\fR] \\fIEXPRESSION\\fR [\\fIFILE\\fR...]\n.br\n"
	      ".B gpipe\n[\\fIOPTIONS\\fR] \\fB\\-f\\fR \\fIEXPRFILE\\fR [\\fIFILE\\fR...]\n.br\n"
	      ".B gpipe help\n[\\fISTAGE\\fR]\n"
	      ".SH DESCRIPTION\n"
	      "\\fBgpipe\\fR reads its inputs (files, directories, standard input) and streams\n"
	      "their records through a chain of stages written as one expression, the way a\n"
	      "shell pipeline would, but in one process and in constant memory. Nothing is\n"
	      "read until the last stage asks for records; a stage such as \\fBhead\\fR that\n"
	      "needs no more closes everything before it at once.\n"
	      ".PP\n"
	      "Each input is read in large blocks and split into records on newlines (NUL\n"
	      "with \\fB\\-z\\fR). \\fB\\-\\fR, or no \\fIFILE\\fR at all, means standard input.\n"
	      ".SH EXPRESSION\n"
	      "An expression is a list of stages separated by \\fB|\\fR (or by newlines); a stage\n"
	      "is a name followed by words. A word may be unquoted, \\fB'single quoted'\\fR\n"
	      "(taken as it is) or \\fB\"double quoted\"\\fR, where \\fB\\e\"\\fR, \\fB\\e\\e\\fR,\n"
	      "\\fB\\en\\fR, \\fB\\et\\fR and \\fB\\er\\fR are decoded and any other backslash is kept,\n"
	      "so \\fB\"\\ed+\"\\fR reaches the regex engine as \\fB\\ed+\\fR. A \\fB|\\fR inside\n"
	      "quotes is text. Unquoted words starting with \\fB\\-\\fR are options of their stage.\n"
	      "With \\fB\\-f\\fR, \\fB#\\fR at the start of a word begins a comment.\n"
	      ".PP\n"
	      "Errors show the expression with the faulty part underlined, and nothing is read:\n"
	      ".PP\n.nf\n.RS\n"
	      "gpipe: unknown stage 'uper' (did you mean 'upper'?)\n"
	      "  grep ERROR | uper\n"
	      "               ^^^^\n"
	      ".RE\n.fi\n"
	      ".SH OPTIONS\n",
	      f);
	FOR_SHOWN(o) {
		fputs(".TP\n", f);
		if (gp_opt_short(o))
			fprintf(f, "\\fB\\-%c\\fR, ", gp_opt_short(o));
		fputs("\\fB\\-\\-", f);
		roffs(f, o->lng);
		fputs("\\fR", f);
		if (o->has_arg != GP_ARG_NONE) {
			char arg[64];
			gp_opt_arg_label(o, arg, sizeof arg);
			fputs(o->has_arg == GP_ARG_REQUIRED ? " \\fI" : "\\fI", f);
			roffs(f, arg + (o->has_arg == GP_ARG_REQUIRED));
			fputs("\\fR", f);
		}
		fputc('\n', f);
		roffs(f, o->help);
		fputc('\n', f);
	}
	fputs(".SH STAGES\n", f);
	for (int fam = GP_FAM_INPUT; fam <= GP_FAM_OUTPUT; fam++) {
		bool any = false;
		for (size_t i = 0; i < gp_registry_len; i++) {
			const gp_stage_def *d = gp_registry[i];
			if ((int)d->family != fam)
				continue;
			if (!any) {
				fputs(".SS ", f);
				roffs(f, fam_title[fam]);
				fputc('\n', f);
			}
			any = true;
			fputs(".TP\n\\fB", f);
			roffs(f, d->synopsis);
			fputs("\\fR\n", f);
			roff_paras(f, d->help);
			for (const gp_optdef *o = d->opts; o && o->letter; o++) {
				fprintf(f, ".RS\n.TP\n\\fB\\-%c\\fR", o->letter);
				if (o->arg) {
					fputs(" \\fI", f);
					roffs(f, o->arg);
					fputs("\\fR", f);
				}
				fputc('\n', f);
				roffs(f, o->help);
				fputs("\n.RE\n", f);
			}
			if (d->examples) {
				fputs(".IP\nExamples:\n.nf\n", f);
				const char *ex = d->examples;
				while (*ex) {
					const char *nl = strchr(ex, '\n');
					size_t len = nl ? (size_t)(nl - ex) : strlen(ex);
					const char *tab = memchr(ex, '\t', len);
					size_t el = tab ? (size_t)(tab - ex) : len;
					fputs("gpipe '", f);
					roff(f, ex, el);
					fputs("'\n", f);
					if (tab) {
						fputs("    ", f);
						roff(f, tab + 1, len - el - 1);
						fputc('\n', f);
					}
					ex = nl ? nl + 1 : ex + len;
				}
				fputs(".fi\n", f);
			}
		}
	}
	fputs(man_partial, f);
	fputs(".SH EXIT STATUS\n"
	      "0 if at least one record was written, 1 if none was, 2 if an error happened\n"
	      "(a bad expression, an input that could not be read, a record over\n"
	      "\\fB\\-\\-max\\-record\\fR, a write error), even if records were written. A closed\n"
	      "output pipe ends the run quietly. On SIGINT or SIGTERM gpipe releases\n"
	      "everything it holds and dies of the same signal.\n"
	      ".SH ENVIRONMENT\n"
	      ".TP\n\\fBNO_COLOR\\fR\n"
	      "When set and not empty, \\fB\\-\\-color=auto\\fR does not highlight.\n"
	      ".SH EXAMPLES\n.nf\n"
	      "gpipe 'grep ERROR | upper' app.log\n"
	      "gpipe 'grep \\-i timeout | head 20' /var/log/app/\n"
	      "gpipe \\-n 'grep \\-w \\-e panic \\-e fatal' *.log\n"
	      "tail \\-f app.log | gpipe 'grep \\-v DEBUG | trim'\n"
	      "gpipe 'grep \"status=5[0\\-9]{2}\" | count' access.log\n"
	      ".fi\n"
	      ".SH SEE ALSO\n"
	      "\\fBgrep\\fR(1), \\fBrg\\fR(1), \\fBjq\\fR(1), \\fBmlr\\fR(1), \\fBpcre2pattern\\fR(3)\n",
	      f);
}

/* completions */

static void stage_words(FILE *f)
{
	bool first = true;
	for (size_t i = 0; i < gp_registry_len; i++) {
		if (gp_registry[i]->implicit)
			continue;
		fprintf(f, "%s%s", first ? "" : " ", gp_registry[i]->name);
		first = false;
	}
}

/* "-f|--file", or "--max-record" */
static void bash_pattern(FILE *f, const gp_global_opt *o)
{
	if (gp_opt_short(o))
		fprintf(f, "-%c|", gp_opt_short(o));
	fprintf(f, "--%s", o->lng);
}

/* Starts a case pattern for o if it takes a separate value; false if not. */
static bool bash_value_case(FILE *f, const gp_global_opt *o, const char *indent)
{
	if (o->has_arg != GP_ARG_REQUIRED)
		return false;
	fputs(indent, f);
	bash_pattern(f, o);
	return true;
}

static void bash_equals_case_end(FILE *f, const char *values)
{
	fprintf(f, ") COMPREPLY=($(compgen -P \"${cur%%%%=*}=\" -W \"%s\" -- \"${cur#*=}\")); return ;;\n",
		values);
}

/* The values of an optional argument, completed after "--color=": one case
 * for each run of options with the same choices ("--color=*|--colour=*"). */
static void bash_optional_values(FILE *f)
{
	const gp_global_opt *run = NULL;
	FOR_SHOWN(o) {
		if (o->has_arg != GP_ARG_OPTIONAL || !o->values)
			continue;
		if (run && strcmp(run->values, o->values) == 0) {
			fprintf(f, "|--%s=*", o->lng);
			continue;
		}
		if (run)
			bash_equals_case_end(f, run->values);
		run = o;
		fprintf(f, "        --%s=*", o->lng);
	}
	if (run)
		bash_equals_case_end(f, run->values);
}

static void bash_completion(FILE *f)
{
	fputs("# bash completion for gpipe; generated by `gpipe --dump-completion bash`\n"
	      "_gpipe() {\n"
	      "    local cur prev stages opts\n"
	      "    cur=${COMP_WORDS[COMP_CWORD]}\n"
	      "    prev=${COMP_WORDS[COMP_CWORD-1]}\n"
	      "    stages=\"",
	      f);
	stage_words(f);
	fputs("\"\n    opts=\"", f);
	bool first = true;
	FOR_SHOWN(o) {
		fprintf(f, "%s--%s", first ? "" : " ", o->lng);
		if (gp_opt_short(o))
			fprintf(f, " -%c", gp_opt_short(o));
		first = false;
	}
	fputs("\"\n"
	      "    case $prev in\n",
	      f);
	/* After an option that takes a separate value: a file, one of its
	 * choices, or free text (nothing to offer). An optional value is only
	 * ever attached (--color=WHEN), so it is completed under $cur below. */
	FOR_SHOWN(o) {
		if (!bash_value_case(f, o, "        "))
			continue;
		if (takes_file(o))
			fputs(") COMPREPLY=($(compgen -f -- \"$cur\")); return ;;\n", f);
		else if (o->values)
			fprintf(f, ") COMPREPLY=($(compgen -W \"%s\" -- \"$cur\")); return ;;\n", o->values);
		else
			fputs(") return ;;\n", f);
	}
	fputs("        help) COMPREPLY=($(compgen -W \"$stages\" -- \"$cur\")); return ;;\n", f);
	fputs("    esac\n"
	      "    case $cur in\n",
	      f);
	bash_optional_values(f);
	fputs("        -*) COMPREPLY=($(compgen -W \"$opts\" -- \"$cur\")); return ;;\n"
	      "    esac\n"
	      "    # The first operand is the expression: complete the stage after the last '|'.\n"
	      "    local i word have_expr=0\n"
	      "    for ((i = 1; i < COMP_CWORD; i++)); do\n"
	      "        word=${COMP_WORDS[i]}\n"
	      "        case $word in\n",
	      f);
	/* The value after an option is not the expression; -f FILE holds it
	 * (the one option that takes a FILE). */
	FOR_SHOWN(o)
		if (bash_value_case(f, o, "            "))
			fprintf(f, ") i=$((i + 1))%s ;;\n", takes_file(o) ? "; have_expr=1" : "");
	fputs("            -*) ;;\n"
	      "            *) have_expr=1 ;;\n"
	      "        esac\n"
	      "    done\n"
	      "    if ((have_expr == 0)); then\n"
	      "        local head=\"\" frag=$cur\n"
	      "        if [[ $cur == *'|'* ]]; then head=${cur%'|'*}'|'; frag=${cur##*'|'}; fi\n"
	      "        local lead=${frag%%[! \\'\\\"]*}\n"
	      "        frag=${frag#\"$lead\"}\n"
	      "        local s; COMPREPLY=()\n"
	      "        for s in $stages help; do\n"
	      "            [[ $s == \"$frag\"* ]] && COMPREPLY+=(\"$head$lead$s\")\n"
	      "        done\n"
	      "        compopt -o nospace 2>/dev/null\n"
	      "        return\n"
	      "    fi\n"
	      "    COMPREPLY=($(compgen -f -- \"$cur\"))\n"
	      "}\n"
	      "complete -o default -o filenames -F _gpipe gpipe\n",
	      f);
}

static void sq(FILE *f, const char *s)
{
	for (; *s; s++) {
		if (*s == '\'')
			fputs("'\\''", f);
		else
			fputc(*s, f);
	}
}

static void zsh_completion(FILE *f)
{
	fputs("#compdef gpipe\n"
	      "# zsh completion for gpipe; generated by `gpipe --dump-completion zsh`\n"
	      "_gpipe_stages() {\n"
	      "    local -a stages\n"
	      "    stages=(\n",
	      f);
	for (size_t i = 0; i < gp_registry_len; i++) {
		const gp_stage_def *d = gp_registry[i];
		if (d->implicit)
			continue;
		fprintf(f, "        '%s:", d->name);
		sq(f, d->summary);
		fputs("'\n", f);
	}
	fputs("    )\n"
	      "    local pre=${PREFIX%'|'*}\n"
	      "    if [[ $PREFIX == *'|'* ]]; then\n"
	      "        compset -P '*[|][[:space:]]#'\n"
	      "    else\n"
	      "        compset -P '[[:space:]\\'\\\"]#'\n"
	      "    fi\n"
	      "    _describe -t stages 'stage' stages -S ' '\n"
	      "}\n"
	      "_arguments -s -S \\\n",
	      f);
	FOR_SHOWN(o) {
		const char *action = "";
		char buf[128];
		if (o->values) {
			snprintf(buf, sizeof buf, ":when:(%s)", o->values);
			action = buf;
		} else if (takes_file(o)) {
			action = ":file:_files";
		} else if (o->has_arg != GP_ARG_NONE) {
			/* The argument as --help shows it: ":N: ", ":[=SECONDS]: ". */
			char arg[64];
			gp_opt_arg_label(o, arg, sizeof arg);
			snprintf(buf, sizeof buf, ":%s: ", arg + (o->has_arg == GP_ARG_REQUIRED));
			action = buf;
		}
		const char *eq = o->has_arg == GP_ARG_OPTIONAL ? "=-" : "";
		char c = gp_opt_short(o);
		if (c) {
			fprintf(f, "    '(-%c --%s)'{-%c,--%s%s}'[", c, o->lng, c, o->lng, eq);
		} else {
			fprintf(f, "    '--%s%s[", o->lng, eq);
		}
		sq(f, o->help);
		fprintf(f, "]%s' \\\n", action);
	}
	fputs("    '1:expression:_gpipe_stages' \\\n"
	      "    '*:file:_files'\n",
	      f);
}

static void fish_completion(FILE *f)
{
	fputs("# fish completion for gpipe; generated by `gpipe --dump-completion fish`\n"
	      "complete -c gpipe -f\n",
	      f);
	FOR_SHOWN(o) {
		fprintf(f, "complete -c gpipe -l %s", o->lng);
		if (gp_opt_short(o))
			fprintf(f, " -s %c", gp_opt_short(o));
		if (o->values)
			fprintf(f, " -x -a '%s'", o->values);
		else if (takes_file(o))
			fputs(" -r -F", f);
		else if (o->has_arg != GP_ARG_NONE)
			fputs(" -x", f);
		fputs(" -d '", f);
		sq(f, o->help);
		fputs("'\n", f);
	}
	for (size_t i = 0; i < gp_registry_len; i++) {
		const gp_stage_def *d = gp_registry[i];
		if (d->implicit)
			continue;
		fprintf(f, "complete -c gpipe -n '__fish_is_first_arg; or __fish_seen_subcommand_from help' -a '%s' -d '", d->name);
		sq(f, d->summary);
		fputs("'\n", f);
	}
	fputs("complete -c gpipe -n 'not __fish_is_first_arg' -F\n", f);
}

int gp_print_completion(FILE *f, const char *shell)
{
	if (strcmp(shell, "bash") == 0)
		bash_completion(f);
	else if (strcmp(shell, "zsh") == 0)
		zsh_completion(f);
	else if (strcmp(shell, "fish") == 0)
		fish_completion(f);
	else
		return -1;
	return 0;
}
