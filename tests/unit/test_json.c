/* Unit tests of the JSON indexer (src/fields/jsonl.c): field kinds and
 * views, decoded names, the 16-byte string scan at every alignment, the depth
 * bound, and error positions. TAP output. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields/jsonl.h"
#include "tap.h"

static gp_jsonp jp;
static gp_pool pool;

static bool field_is(uint32_t i, const char *name, int kind, const char *v)
{
	if (i >= jp.nf)
		return false;
	const gp_field *f = &jp.f[i];
	return f->nlen == strlen(name) && memcmp(f->name, name, f->nlen) == 0 && f->kind == kind &&
	       f->vlen == strlen(v) && memcmp(f->v, v, f->vlen) == 0;
}

static void test_fields(void)
{
	const char *t = " {\"s\":\"a\\\"b\", \"n\" : -1.5e3 ,\"t\":true,\"f\":false,\"z\":null,"
			"\"o\":{ \"x\" : [1] },\"a\":[ ],\"k\\u00e9\\n\":0} ";
	gp_json_res r = gp_json_fields(&jp, &pool, t, strlen(t));
	ok(r == GP_JSON_OK && jp.nf == 8, "an object gives one field per member (%d, %u)", r, jp.nf);
	ok(field_is(0, "s", GP_K_JSTR, "a\\\"b"), "string body, escapes kept");
	ok(field_is(1, "n", GP_K_NUM, "-1.5e3"), "number text");
	ok(field_is(2, "t", GP_K_TRUE, "true") && field_is(3, "f", GP_K_FALSE, "false") &&
		   field_is(4, "z", GP_K_NULL, "null"),
	   "literals");
	ok(field_is(5, "o", GP_K_OBJ, "{ \"x\" : [1] }"), "nested object raw");
	ok(field_is(6, "a", GP_K_ARR, "[ ]"), "empty array raw");
	ok(field_is(7, "k\xc3\xa9\n", GP_K_NUM, "0"), "a name with escapes is decoded");
	ok(jp.f[0].name >= t && jp.f[0].name < t + strlen(t), "a plain name points into the text");

	r = gp_json_fields(&jp, &pool, "\"x\"", 3);
	ok(r == GP_JSON_OK && field_is(0, "value", GP_K_JSTR, "x"), "a scalar is one field named value");
	ok(gp_json_fields(&jp, &pool, " \t\r", 3) == GP_JSON_BLANK, "blanks are not a record");
	ok(gp_json_fields(&jp, &pool, "", 0) == GP_JSON_BLANK, "empty is not a record");
}

/* Strings of every length around the 16-byte blocks, with the stop byte at
 * every position. */
static void test_string_scan(void)
{
	char buf[128];
	int bad = 0;
	for (int len = 0; len < 40 && !bad; len++) {
		for (int pos = -1; pos < len && !bad; pos++) {
			int k = snprintf(buf, sizeof buf, "{\"k\":\"");
			for (int i = 0; i < len; i++)
				buf[k + i] = (char)('a' + i % 26);
			if (pos >= 0)
				buf[k + pos] = '\x1f';
			k += len;
			k += snprintf(buf + k, sizeof buf - (size_t)k, "\"}");
			gp_json_res r = gp_json_fields(&jp, &pool, buf, (size_t)k);
			if (pos < 0)
				bad = r != GP_JSON_OK || jp.f[0].vlen != (size_t)len;
			else {
				char want[64];
				snprintf(want, sizeof want, "invalid character '\\x1f' in string at byte %d",
					 7 + pos);
				bad = r != GP_JSON_BAD || strcmp(jp.err, want) != 0;
			}
			if (bad)
				printf("# len %d pos %d: %d %s\n", len, pos, r, jp.err);
		}
	}
	ok(!bad, "the string scan stops at the right byte at every alignment");
}

static void test_depth(void)
{
	size_t n = GP_JSON_MAX_DEPTH;
	char *t = malloc(2 * n + 2);
	memset(t, '[', n);
	memset(t + n, ']', n);
	ok(gp_json_valid(&jp, t, 2 * n), "%zu levels are valid", n);
	memset(t, '[', n + 1);
	memset(t + n + 1, ']', n + 1);
	ok(!gp_json_valid(&jp, t, 2 * n + 2) &&
		   strcmp(jp.err, "nesting deeper than 10000 at byte 10001") == 0,
	   "one more is not (%s)", jp.err);
	free(t);
}

static void test_errors(void)
{
	static const struct {
		const char *in, *err;
	} cases[] = {
		{ "{\"a\":1", "unexpected end of input at byte 7" },
		{ "{} x", "invalid character 'x' at byte 4" },
		{ "[1,]", "invalid character ']' at byte 4" },
		{ "{\"a\":\"\\x\"}", "invalid character 'x' after '\\' at byte 8" },
		{ "\"\\u00\"", "invalid character '\"' in \\u escape at byte 6" },
		{ "\xff", "invalid character '\\xff' at byte 1" },
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		gp_json_res r = gp_json_fields(&jp, &pool, cases[i].in, strlen(cases[i].in));
		ok(r == GP_JSON_BAD && strcmp(jp.err, cases[i].err) == 0, "%s: %s", cases[i].err, jp.err);
	}
}

int main(void)
{
	gp_scope scope;
	gp_scope_init(&scope);
	gp_pool_own(&scope, &pool);
	test_fields();
	test_string_scan();
	test_depth();
	test_errors();
	gp_jsonp_free(&jp);
	gp_scope_unwind(&scope);
	return tap_done();
}
