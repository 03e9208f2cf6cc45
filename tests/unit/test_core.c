/* Unit tests of the core: cleanup scopes, the arena, growing arrays, byte
 * counting, span splitting, diagnostics, the expression parser and the stage
 * getopt. TAP output. */
#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/grow.h"
#include "core/stage.h"
#include "expr/pipeline.h"
#include "registry.h"
#include "tap.h"

/* scopes */

static char trace[64];
static size_t ntrace;

static void mark(void *arg)
{
	trace[ntrace++] = *(const char *)arg;
}

static void test_scopes(void)
{
	static const char a = 'a', b = 'b', c = 'c', d = 'd';
	gp_scope root;
	gp_scope_init(&root);
	ntrace = 0;
	gp_scope_defer(&root, mark, (void *)&a);
	gp_scope *child = gp_scope_child(&root);
	gp_scope_defer(child, mark, (void *)&b);
	gp_scope_defer(child, mark, (void *)&c);
	gp_scope_defer(&root, mark, (void *)&d);
	gp_scope_unwind(&root);
	trace[ntrace] = 0;
	ok(strcmp(trace, "dcba") == 0, "scope unwinds in reverse, child inside (got %s)", trace);

	gp_scope_init(&root);
	ntrace = 0;
	child = gp_scope_child(&root);
	gp_scope_defer(child, mark, (void *)&b);
	gp_scope_close(child);
	gp_scope_close(child);
	gp_scope_defer(&root, mark, (void *)&a);
	gp_scope_unwind(&root);
	gp_scope_unwind(&root);
	trace[ntrace] = 0;
	ok(strcmp(trace, "ba") == 0, "early close runs once; unwind is idempotent (got %s)", trace);

	/* Many entries: growth keeps order. */
	gp_scope_init(&root);
	ntrace = 0;
	static const char digits[] = "0123456789";
	for (int i = 0; i < 10; i++)
		gp_scope_defer(&root, mark, (void *)&digits[i]);
	void *p = gp_scope_alloc(&root, 100);
	ok(p != NULL, "scope alloc");
	gp_scope_unwind(&root);
	trace[ntrace] = 0;
	ok(strcmp(trace, "9876543210") == 0, "ten entries unwind in reverse (got %s)", trace);
}

static void test_arena(void)
{
	gp_arena a;
	gp_arena_init(&a);
	char *s = gp_arena_strndup(&a, "hello world", 5);
	ok(s && strcmp(s, "hello") == 0, "arena strndup");
	void *big = gp_arena_alloc(&a, 100000);
	ok(big != NULL && ((uintptr_t)big & 15) == 0, "arena large block, aligned");
	for (int i = 0; i < 5000; i++)
		gp_arena_alloc(&a, 7);
	ok(strcmp(s, "hello") == 0, "earlier allocations survive growth");
	size_t cap = 0, *v = NULL;
	int grew = 1;
	for (size_t i = 0; i < 1000; i++) {
		v = gp_arena_grow(&a, v, i, &cap, sizeof *v);
		grew &= v != NULL && cap > i;
		if (v)
			v[i] = i;
	}
	for (size_t i = 0; v && i < 1000; i++)
		grew &= v[i] == i;
	ok(grew && cap == 1024, "arena grow keeps the elements and doubles (cap %zu)", cap);
	gp_arena_free(&a);

	/* gp_read_whole: NUL-terminated, bounded. */
	FILE *f = tmpfile();
	size_t len = 0;
	for (int i = 0; i < 10000; i++)
		fputs("0123456789", f);
	rewind(f);
	char *all = gp_read_whole(f, 100000, &len);
	ok(all && len == 100000 && all[len] == '\0' && memcmp(all + 99990, "0123456789", 10) == 0,
	   "read_whole: 100000 bytes, exactly at the bound");
	free(all);
	rewind(f);
	errno = 0;
	all = gp_read_whole(f, 99999, &len);
	ok(!all && errno == EFBIG, "read_whole: one byte past the bound is EFBIG");
	fclose(f);
	f = tmpfile();
	all = gp_read_whole(f, 10, &len);
	ok(all && len == 0 && all[0] == '\0', "read_whole: an empty file");
	free(all);
	fclose(f);
}

static void test_bytes(void)
{
	size_t n = 100003;
	char *buf = malloc(n);
	size_t expect = 0;
	for (size_t i = 0; i < n; i++) {
		buf[i] = (i * 7919 % 13 == 0) ? '\n' : (char)('a' + i % 26);
		expect += buf[i] == '\n';
	}
	ok(gp_count_byte(buf, n, '\n') == expect, "count_byte over 100003 bytes");
	int all = 1;
	for (size_t off = 0; off < 40; off++)
		for (size_t len = 0; len < 300; len += 7) {
			size_t e = 0;
			for (size_t i = 0; i < len; i++)
				e += buf[off + i] == '\n';
			all &= gp_count_byte(buf + off, len, '\n') == e;
		}
	ok(all, "count_byte at every alignment and short length");
	memset(buf, 0, 5000);
	ok(gp_count_byte(buf, 5000, '\0') == 5000, "count_byte of NUL (255-block fold)");
	free(buf);

	const char *s = "a\nbb\n\nccc\n";
	ok(gp_find_nth(s, 10, '\n', 1) == s + 2, "find_nth 1");
	ok(gp_find_nth(s, 10, '\n', 3) == s + 6, "find_nth 3");
	ok(gp_find_nth(s, 10, '\n', 4) == s + 10, "find_nth last");
	ok(gp_find_nth(s, 10, '\n', 5) == NULL, "find_nth past the end");
}

static void test_split(void)
{
	const char *s = "one\n\nthree\n";
	gp_recvec v = { 0 };
	gp_origin o = { .name = "f" };
	gp_batch b = { .span = s, .span_len = strlen(s), .span_line = 7, .span_origin = &o, .lazy = &v };
	size_t n = gp_batch_records(&b, '\n');
	ok(n == 3, "split: three records");
	ok(b.recs[0].len == 3 && b.recs[1].len == 0 && b.recs[2].len == 5, "split: lengths");
	ok(b.recs[0].line == 7 && b.recs[2].line == 9, "split: line numbers");
	ok(b.recs[2].origin == &o, "split: origin");
	ok(gp_batch_records(&b, '\n') == 3, "split: idempotent");
	free(v.v);

	gp_recvec w = { 0 };
	ok(gp_recvec_reserve(&w, 0) == 0 && w.v == NULL && w.cap == 0, "recvec: reserving 0 allocates nothing");
	ok(gp_recvec_reserve(&w, 1) == 0 && w.cap == 1024, "recvec: 1024 records at first (%zu)", w.cap);
	ok(gp_recvec_reserve(&w, 1025) == 0 && w.cap == 2048, "recvec: then doubles (%zu)", w.cap);
	free(w.v);
}

/* gp_grow */

static void test_grow(void)
{
	int *v = NULL;
	size_t cap = 0;
	ok(gp_grow(&v, &cap, 3, sizeof *v) == 0 && v && cap == 8, "grow: from nothing to 8 (%zu)", cap);
	for (int i = 0; i < 8; i++)
		v[i] = i;
	int *was = v;
	ok(gp_grow(&v, &cap, 8, sizeof *v) == 0 && v == was && cap == 8, "grow: no-op when it fits");
	ok(gp_grow(&v, &cap, 9, sizeof *v) == 0 && cap == 16, "grow: doubles (%zu)", cap);
	ok(gp_grow(&v, &cap, 100, sizeof *v) == 0 && cap == 100, "grow: to need when that is more (%zu)", cap);
	bool kept = true;
	for (int i = 0; i < 8; i++)
		kept &= v[i] == i;
	ok(kept, "grow: the elements stay");
	was = v;
	ok(gp_grow(&v, &cap, SIZE_MAX / 2 + 1, sizeof *v) == -1 && v == was && cap == 100,
	   "grow: need * size overflowing is -1, array and cap unchanged");
	free(v);
	char *c = NULL;
	size_t ccap = 0;
	ok(gp_grow(&c, &ccap, 1000, 1) == 0 && ccap == 1000, "grow: bytes, straight to need");
	free(c);
}

/* diagnostics */

static char said[2][2100];
static int nsaid;

static void say(gp_ctx *ctx, const char *msg)
{
	(void)ctx;
	if (nsaid < 2)
		snprintf(said[nsaid++], sizeof said[0], "%s", msg);
}

static void test_say(void)
{
	gp_ctx ctx = { .report = say };
	gp_warn(&ctx, "json: %d records of %s are not JSON", 3, "a.jsonl");
	ok(nsaid == 1 && strcmp(said[0], "json: 3 records of a.jsonl are not JSON") == 0 && !ctx.had_error,
	   "warn: printed, exit status unchanged");
	char path[1500];
	memset(path, 'p', sizeof path - 1);
	path[sizeof path - 1] = '\0';
	gp_report(&ctx, "cannot open '%s': %s", path, "No such file or directory");
	size_t n = strlen(said[1]);
	ok(nsaid == 2 && ctx.had_error && n == sizeof path - 1 + 41 &&
		   strcmp(said[1] + n - 27, ": No such file or directory") == 0,
	   "report: marks the run failed; a long message keeps its reason (%zu)", n);
	ctx.report = NULL;
	gp_say(&ctx, false, "nowhere to print");
	ok(ctx.had_error, "say without a printer: nothing printed, the failure stays");
}

/* parser */

typedef struct parsed {
	gp_ctx ctx;
	gp_arena arena;
	gp_pipeline_expr pe;
	int rc;
} parsed;

static void parse(parsed *p, const char *src, bool comments)
{
	memset(p, 0, sizeof *p);
	gp_arena_init(&p->arena);
	p->ctx.arena = &p->arena;
	p->rc = gp_parse_pipeline(&p->ctx, src, strlen(src), comments, &p->pe);
}

static void test_parser(void)
{
	parsed p;
	parse(&p, "grep -i 'a | b' | upper", false);
	ok(p.rc == 0 && p.pe.n == 2, "two stages");
	ok(p.rc == 0 && strcmp(p.pe.v[0].args.v[1].s, "a | b") == 0 && p.pe.v[0].args.v[1].quoted,
	   "single quotes keep | as text");
	ok(p.rc == 0 && p.pe.v[0].args.v[1].span.start == 8 && p.pe.v[0].args.v[1].span.end == 15,
	   "word span covers its quotes");
	gp_arena_free(&p.arena);

	parse(&p, "grep \"x\\\"y\\\\z\\d\\n\"", false);
	ok(p.rc == 0 && strcmp(p.pe.v[0].args.v[0].s, "x\"y\\z\\d\n") == 0,
	   "double quotes decode \\\" \\\\ \\n and keep \\d");
	ok(p.rc == 0 && p.pe.v[0].args.v[0].map[1] == 7 && p.pe.v[0].args.v[0].map[2] == 9,
	   "source map: an escape maps to its backslash");
	gp_arena_free(&p.arena);

	parse(&p, "grep a\\|b\\ c", false);
	ok(p.rc == 0 && p.pe.n == 1 && strcmp(p.pe.v[0].args.v[0].s, "a\\|b\\ c") == 0,
	   "unquoted backslash protects | and space, and stays");
	gp_arena_free(&p.arena);

	parse(&p, "ab'c d'\"e\"f", false);
	ok(p.rc == 0 && strcmp(p.pe.v[0].name.s, "abc def") == 0, "adjacent quoted parts join");
	gp_arena_free(&p.arena);

	parse(&p, "# comment\ngrep x   # trailing\n|\n\n  upper\nhead 2\n", true);
	ok(p.rc == 0 && p.pe.n == 3, "file mode: comments, newlines and | separate stages (n=%zu)",
	   p.pe.n);
	gp_arena_free(&p.arena);

	parse(&p, "grep #x", false);
	ok(p.rc == 0 && strcmp(p.pe.v[0].args.v[0].s, "#x") == 0, "inline: # is text");
	gp_arena_free(&p.arena);

	static const struct {
		const char *src;
		const char *msg;
		unsigned start, end;
	} errs[] = {
		{ "grep a | | upper", "empty stage between '|'", 9, 10 },
		{ "| grep a", "expression starts with '|'", 0, 1 },
		{ "grep a |", "expression ends with '|'", 7, 8 },
		{ "grep 'abc", "unterminated single quote", 5, 6 },
		{ "grep \"abc", "unterminated double quote", 5, 6 },
	};
	for (size_t i = 0; i < sizeof errs / sizeof errs[0]; i++) {
		parse(&p, errs[i].src, false);
		ok(p.rc == -1 && strcmp(p.ctx.diag.msg, errs[i].msg) == 0 && p.ctx.diag.has_span &&
			   p.ctx.diag.span.start == errs[i].start && p.ctx.diag.span.end == errs[i].end,
		   "error '%s' -> '%s' at %u..%u (got '%s' at %u..%u)", errs[i].src, errs[i].msg,
		   errs[i].start, errs[i].end, p.ctx.diag.msg, p.ctx.diag.span.start,
		   p.ctx.diag.span.end);
		gp_arena_free(&p.arena);
	}
	/* Many words: the word array grows while stages point into it. */
	size_t big = 30000;
	char *src = malloc(big * 12 + 16);
	size_t k = 0;
	for (size_t i = 0; i < big; i++) {
		if (i % 50)
			k += (size_t)sprintf(src + k, " 'w%zu'", i);
		else
			k += (size_t)sprintf(src + k, "%sgrep%zu", i ? " | " : "", i);
	}
	parse(&p, src, false);
	const gp_stage_expr *last = p.rc == 0 ? &p.pe.v[p.pe.n - 1] : NULL;
	ok(last && p.pe.n == big / 50 && last->args.n == 49 &&
		   strcmp(last->args.v[48].s, "w29999") == 0 && last->args.v[48].span.end == k &&
		   strcmp(p.pe.v[0].args.v[0].s, "w1") == 0 && strcmp(last->name.s, "grep29950") == 0,
	   "30000 words in 600 stages: names, arguments and spans");
	gp_arena_free(&p.arena);
	free(src);

	parse(&p, "grep abc\\d 'x'", false);
	const gp_arg *w = &p.pe.v[0].args.v[0];
	gp_span sp = gp_arg_subspan(w, 1, 3);
	gp_span end = gp_arg_subspan(w, w->len, w->len);
	ok(p.rc == 0 && w->direct && !w->map && sp.start == 6 && sp.end == 8 && end.start == 10,
	   "an unquoted word keeps no map; its sub-spans are source offsets (%u..%u)", sp.start,
	   sp.end);
	ok(p.rc == 0 && !p.pe.v[0].args.v[1].direct && p.pe.v[0].args.v[1].map[0] == 12,
	   "a quoted word keeps its map");
	gp_arena_free(&p.arena);

	char *many = malloc(GP_MAX_STAGES * 4 + 8);
	k = 0;
	for (size_t i = 0; i <= GP_MAX_STAGES; i++)
		k += (size_t)sprintf(many + k, "%su", i ? "|" : "");
	parse(&p, many, false);
	ok(p.rc == -1 && strcmp(p.ctx.diag.msg, "more than 1000 stages in the expression") == 0 &&
		   p.ctx.diag.span.start == k - 1,
	   "stage %d is refused, pointed at", GP_MAX_STAGES + 1);
	gp_arena_free(&p.arena);
	many[k - 2] = '\0';
	parse(&p, many, false);
	ok(p.rc == 0 && p.pe.n == GP_MAX_STAGES, "%d stages are fine", GP_MAX_STAGES);
	gp_arena_free(&p.arena);
	free(many);

	parse(&p, "   \n  ", false);
	ok(p.rc == -1 && strcmp(p.ctx.diag.msg, "empty expression") == 0, "blank expression");
	gp_arena_free(&p.arena);
}

static void test_getopt(void)
{
	parsed p;
	parse(&p, "grep -iv -eX -- -y 'z' -o", false);
	const gp_stage_def *g = gp_registry_find("grep", 4);
	gp_getopt go;
	gp_getopt_init(&go, &p.ctx, g->name, g->opts, &p.pe.v[0].args);
	char got[16] = { 0 };
	int c, k = 0;
	const char *eval = NULL;
	while ((c = gp_getopt_next(&go)) > 0) {
		got[k++] = (char)c;
		if (c == 'e')
			eval = go.optarg.s;
	}
	ok(c == 0 && strcmp(got, "ive") == 0, "bundled options and -- (got %s)", got);
	ok(eval && strcmp(eval, "X") == 0, "attached option value");
	ok(go.noperands == 3 && strcmp(go.operands[0].s, "-y") == 0 &&
		   strcmp(go.operands[2].s, "-o") == 0,
	   "after --, everything is an operand");
	gp_arena_free(&p.arena);

	parse(&p, "grep -iq x", false);
	gp_getopt_init(&go, &p.ctx, g->name, g->opts, &p.pe.v[0].args);
	while ((c = gp_getopt_next(&go)) > 0)
		;
	ok(c == -1 && strcmp(p.ctx.diag.msg, "grep: unknown option '-q'") == 0 &&
		   p.ctx.diag.span.start == 7 && p.ctx.diag.span.end == 8,
	   "unknown bundled option points at its letter");
	gp_arena_free(&p.arena);

	uint64_t v;
	ok(gp_parse_size("64M", &v) == 0 && v == 64u << 20, "size 64M");
	ok(gp_parse_size("1KiB", &v) == 0 && v == 1024, "size 1KiB");
	ok(gp_parse_size("12", &v) == 0 && v == 12, "size 12");
	ok(gp_parse_size("x", &v) != 0 && gp_parse_size("1Q", &v) != 0, "bad sizes");
	ok(gp_parse_count("-1", &v) != 0 && gp_parse_count("", &v) != 0 &&
		   gp_parse_count("99999999999999999999999", &v) != 0,
	   "bad counts");
}

static void test_registry(void)
{
	ok(gp_registry_find("grep", 4) != NULL, "find grep");
	ok(gp_registry_find("read", 4) == NULL, "implicit stages cannot be typed");
	const char *s = gp_registry_suggest("uper", 4);
	ok(s && strcmp(s, "upper") == 0, "suggest upper for uper");
	s = gp_registry_suggest("haed", 4);
	ok(s && strcmp(s, "head") == 0, "suggest head for haed (transposition)");
	ok(gp_registry_suggest("zzzzzz", 6) == NULL, "no suggestion for nonsense");
	/* aggregate heads: pNN, calls and a glued comma name the aggregate stage */
	const gp_stage_def *pct = gp_registry_find("percentile", 10);
	ok(pct && pct->takes_name, "percentile takes its name word");
	ok(gp_registry_find("p99", 3) == pct && gp_registry_find("p99.9", 5) == pct &&
		   gp_registry_find("p50(x", 5) == pct,
	   "p99, p99.9 and p50(x are percentile");
	ok(gp_registry_find("percentile(x,", 13) == pct, "percentile(x, is percentile");
	const gp_stage_def *cnt = gp_registry_find("count", 5);
	ok(gp_registry_find("count(status", 12) == cnt && gp_registry_find("count,", 6) == cnt,
	   "count(status and count, are count");
	ok(gp_registry_find("p", 1) == NULL && gp_registry_find("pa", 2) == NULL &&
		   gp_registry_find("p9x", 3) == NULL && gp_registry_find("grep(x", 6) == NULL &&
		   gp_registry_find("p9.", 3) == NULL,
	   "no aggregate head: p, pa, p9x, p9., grep(x");
	int all = 1;
	for (size_t i = 0; i < gp_registry_len; i++) {
		const gp_stage_def *d = gp_registry[i];
		all &= d->name && d->synopsis && d->summary && d->help;
		all &= d->implicit || d->open != NULL;
	}
	ok(all, "every registry entry has name, synopsis, summary, help and a constructor");
}

int main(void)
{
	test_scopes();
	test_arena();
	test_grow();
	test_bytes();
	test_split();
	test_say();
	test_parser();
	test_getopt();
	test_registry();
	return tap_done();
}
