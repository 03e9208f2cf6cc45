/* where EXPR: keep the records for which EXPR is true (the language is
 * src/eval/). */
#include "expr_stage.h"
#include "../core/dropped.h"
#include "../core/pool.h"

typedef struct where {
	gp_enode *e;
	gp_eval ev;
	gp_pool scratch;
	gp_recvec out;
	gp_dropped fails; /* records with values that could not be computed */
	gp_dropped undecided; /* records with a =~ or !~ that could not be decided */
	gp_ctx *ctx;
} where;

static void flush_where(void *arg)
{
	where *w = arg;
	gp_dropped_flush(w->ctx, &w->fails);
	gp_dropped_flush(w->ctx, &w->undecided);
}

static gp_status where_next(gp_stage *st, gp_batch *out)
{
	where *w = st->state;
	gp_batch in;
	for (;;) {
		gp_status r = gp_pull(st, &in);
		if (r != GP_OK)
			return r;
		if (gp_batch_records(&in, st->ctx->delim) == (size_t)-1 ||
		    gp_recvec_reserve(&w->out, in.n) != 0)
			return gp_fail(st->ctx, NULL, "out of memory");
		size_t k = 0;
		for (size_t i = 0; i < in.n; i++) {
			gp_pool_reset(&w->scratch);
			uint64_t before = w->ev.fails, ubefore = w->ev.undecided;
			if (gp_expr_true(&w->ev, w->e, &in.recs[i]) && w->ev.undecided == ubefore)
				w->out.v[k++] = in.recs[i];
			count_fail(st->ctx, &w->ev, &w->fails, before, &in.recs[i]);
			count_undecided(st->ctx, &w->ev, &w->undecided, ubefore, &in.recs[i]);
		}
		if (k == 0)
			continue;
		if (k == in.n) {
			*out = in; /* all kept: the batch as it came, span included */
			return GP_OK;
		}
		gp_batch_reset(out);
		out->recs = w->out.v;
		out->n = k;
		out->has_recs = true;
		out->writable = in.writable;
		return GP_OK;
	}
}

static const gp_stage_ops where_ops = { where_next };

static gp_status where_open(gp_stage *st, const gp_args *args)
{
	gp_ctx *ctx = st->ctx;
	where *w = gp_scope_alloc(st->scope, sizeof *w);
	if (!w || gp_recvec_own(st->scope, &w->out) != 0 || gp_pool_own(st->scope, &w->scratch) != 0 ||
	    gp_scope_defer(st->scope, flush_where, w) != 0)
		return gp_fail(ctx, NULL, "out of memory");
	w->ctx = ctx;
	fails_init(&w->fails, &w->undecided, "where");
	ctx->need_lineno = true; /* for the summary's line */
	w->e = gp_expr_compile(st, args);
	if (!w->e)
		return GP_ERR;
	w->ev.scratch = &w->scratch;
	explain_src(st, args);
	st->state = w;
	st->ops = &where_ops;
	return GP_OK;
}

const gp_stage_def gp_stage_where = {
	.name = "where",
	.per_record = true,
	.family = GP_FAM_FILTER,
	.synopsis = "where EXPR",
	.summary = "keep records for which an expression is true",
	.help =
		"Keeps the records for which EXPR is true; they pass unchanged. EXPR compares fields "
		"(status, req.headers.host, tags[0], $3, $NF, $0, _file, _member, _line; a name or a "
		"path segment with blanks or dots is written ${any text}, with \\} for a brace: "
		"${start time}, nested.${user.name}) "
		"with literals: numbers (250, -1.5, 2e3), durations in seconds (5ns 10us 250ms 1.5s "
		"2m 1h 1d), sizes in bytes with binary multiples as --max-record (100B 512K 10KB "
		"10MB 1GiB 2G 1T: 1 KB = 1024), \"double quoted\" strings (escapes \\\" \\\\ \\n \\t "
		"\\r; any other backslash stays, so \"\\d+\" reaches the regex as \\d+), 'single "
		"quoted' raw strings, true, false and null.\n\n"
		"Operators, loosest first: or; and; not; == != < <= > >= =~ !~ contains startswith "
		"endswith, and E between A and B (A <= E <= B, for numbers, texts and times; A and B "
		"bind as + does, so x between 1 and 5 and y == 2 is (x between 1 and 5) and y == 2); "
		"+ -; * / %; unary -. && and ! are accepted for and and not; || cannot be "
		"written, since | separates stages: use or. Functions: exists(f) (present, even when "
		"null; exists(EXPR): EXPR has a value, as in exists(time(ts))), len(x) (bytes of a "
		"string, elements of an array or object), lower(x), "
		"upper(x), num(x), str(x), int(x) (towards zero), concat(x, ...) (the texts of one "
		"or more values joined: concat(6, 5) is \"65\", null as null; missing when one is "
		"missing, as angle-grinder's), substr(s, start[, len]) (by characters, from 0; a "
		"negative start counts from the end), abs(x), round(x) (half away from zero), "
		"floor(x), ceil(x), if(COND, A, B) (A when COND is true as where takes it, else B), "
		"and time(F), bucket(T, WIDTH), now() below.\n\n"
		"Time: time(F) reads a timestamp from text: RFC 3339 / ISO 8601 (T or a blank, "
		"fractions, Z or +hh:mm, or no zone), a date alone, syslog (Jun  1 09:00:03: the year "
		"of the file's modification time, the year before for a month after it; a pipe's is "
		"now's), CLF (01/Jun/2024:09:00:03 +0000, brackets optional), epoch seconds, ms, us or "
		"ns by digit count (10, 13, 16, 19). The format is found once per input and then read "
		"at fixed positions. time(F, \"%d/%b/%Y:%H:%M:%S %z\") takes an explicit format: %Y "
		"%m %d %H %M %S, %e (a day, maybe space-padded), %j (day of the year), %b (Jan), %z, "
		"%s (epoch seconds), %f (a fraction's digits), %%; a blank matches any blanks. Text "
		"without a zone is in the --tz zone, else in TZ's. bucket(T, 5m) is the start of T's "
		"window of that width (T a time, or a field read by time()); windows count from the "
		"epoch in the zone times print in, so with --tz 1d windows start at its midnight. "
		"now() is the time the run started (the same in every record). A time minus a time "
		"is a number of seconds (a fraction for parts of a second), so it compares with "
		"durations: time(end) - time(start) > 2s; a time plus or minus seconds (5m, 90, "
		"0.25) is a time. Times compare with times, and a quoted literal compared with a "
		"time is read as one, once (where time(ts) >= \"2024-06-01T09:00\"). A time prints as "
		"RFC 3339 in UTC (2024-06-01T09:00:03.250Z), or at the --tz offset; num(t) is its "
		"epoch seconds. Text that is no timestamp makes time() missing and is counted as "
		"failed arithmetic is (below).\n\n"
		"Comparisons are numeric when both sides are numbers, or field text that is a "
		"number as a whole, optionally with a unit (took=250ms compares with > 0.2s, "
		"bytes=12MB with > 10MB; units are case-sensitive: 5m is minutes, 5M mebibytes); "
		"integers compare exactly, whatever their length (100000000000000000000 is more than "
		"99999999999999999999, although both are the same double), and exactly against "
		"fractions too. Otherwise the texts compare byte by byte. A quoted literal (not compared with a time) "
		"is always text. Booleans compare with booleans (and with the text true or false); "
		"== null holds for a JSON null only. Comparisons do not chain (a < b < c is an "
		"error). A missing field makes every comparison false, != and !~ included, so "
		"not (a == 1) keeps records without a. =~ and !~ take a quoted PCRE2 regex, compiled "
		"once; they, contains, startswith and endswith test the text of the left side "
		"(numbers as written, true/false) and are false on null or missing values.\n\n"
		"Where awk differs: a missing $N is not 0 or \"\", text such as 10MB or 5m in a "
		"field is a number, and arithmetic on text that is not a number gives no value "
		"instead of 0.\n\n"
		"Arithmetic is on 64-bit integers, in floating point once a side is fractional or an "
		"integer result overflows int64 (9223372036854775807 + 1 is 9.223372036854776e+18); text that is a number counts as one. + adds when both sides "
		"are numbers, even text ones (str(6) + str(5) is 11: join them with concat), and joins "
		"the texts when a side is not a number (\"n=\" + 5 is n=5). Division or % by zero, a result "
		"beyond the largest double (1e308 * 10), or - * / % on a value that is not a number, gives a missing value, so a comparison with it is "
		"false; the records where that happened are counted and summarised once per input "
		"on stderr (gpipe: where: 3 records of app.log had values that could not be computed "
		"(first at line 7: 'n/a' is not a number)), an error with --strict. Results print as integers when whole "
		"integers, otherwise in the shortest form that reads back exactly (0.1 + 0.2 is "
		"0.30000000000000004). A bare value (where ok, where exists(a)) is true unless it is "
		"false, null, missing, 0 or \"\".",
	.examples = "where status >= 500\tserver errors (after json)\n"
		    "where $7 > 1000\tawk's $7 > 1000, with no parse stage\n"
		    "where _line > 100 and len(msg) > 80\tline numbers, functions\n"
		    "where took > 250ms and path =~ \"^/api\"\tslow API calls\n"
		    "where exists(user.id) and not (level == \"debug\")\tnested path, missing-safe\n"
		    "where bytes > 10MB or msg contains \"timeout\"\tsizes and string tests\n"
		    "where time(ts) >= now() - 1h\tthe last hour (a cron job's errors)\n"
		    "where time(ts) between \"2024-06-01T09:00\" and \"2024-06-01T10:00\"\ta window\n"
		    "where time(end) - time(start) > 2s\tslow spans: times subtract to seconds\n"
		    "where time(ts, \"%d/%b/%Y:%H:%M:%S %z\") < \"2024-06-01\"\tan explicit format",
	.open = where_open,
};
