/* agg/partial: the pieces of the partial line format (issue 12): key
 * escapes and base64 round trips over every byte and random strings, the
 * readers' refusals, UTF-8 validity, line splitting, the JSON member
 * readers, and the spec hash (the words count, not their spacing). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "../../src/agg/partial.h"
#include "../../src/core/arena.h"
#include "../../src/core/jsonval.h"
#include "../../src/fields/jsonl.h"

static uint64_t rng = 88172645463325252ull;
static uint64_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* key escape then unescape gives the bytes back; the escaped text holds no
 * raw tab, newline, separator or control byte. */
static bool key_round(const char *p, size_t n)
{
	gp_sb b = { 0 };
	gp_partial_key_put(&b, p, n);
	bool clean = true;
	for (size_t i = 0; i < b.len; i++) {
		unsigned char c = (unsigned char)b.p[i];
		if (c < 0x20 || c == 0x7f)
			clean = false;
	}
	char *d = malloc(b.len + 1);
	ssize_t k = gp_partial_key_get(b.p ? b.p : "", b.len, d);
	bool same = clean && k == (ssize_t)n && (n == 0 || memcmp(d, p, n) == 0);
	free(d);
	gp_sb_free(&b);
	return same;
}

static bool b64_round(const unsigned char *p, size_t n)
{
	gp_sb b = { 0 };
	gp_b64_put(&b, p, n);
	unsigned char *d = malloc(b.len / 4 * 3 + 1);
	ssize_t k = gp_b64_get(b.p ? b.p : "", b.len, d);
	bool same = b.len == (n + 2) / 3 * 4 && k == (ssize_t)n && (n == 0 || memcmp(d, p, n) == 0);
	free(d);
	gp_sb_free(&b);
	return same;
}

static void test_keys(void)
{
	char all[256];
	for (int i = 0; i < 256; i++)
		all[i] = (char)i;
	ok(key_round(all, 256), "key: every byte round-trips");
	ok(key_round("", 0), "key: the empty key");
	gp_sb b = { 0 };
	gp_partial_key_put(&b, "a\\b\tc\n\x1f\x01\x7f\xff", 10);
	ok(b.len == 22 && memcmp(b.p, "a\\\\b\\tc\\n\\x1f\\x01\\x7f\xff", 22) == 0, "key: escapes as documented: %.*s",
	   (int)b.len, b.p);
	gp_sb_free(&b);
	bool good = true;
	for (int r = 0; r < 2000 && good; r++) {
		char s[64];
		size_t n = next() % sizeof s;
		for (size_t i = 0; i < n; i++)
			s[i] = next() % 6 == 0 ? "\\\t\n\x1f\r\x00"[next() % 6] : (char)next();
		good = key_round(s, n);
	}
	ok(good, "key: 2000 random keys round-trip");
	char d[16];
	static const char *const bad[] = { "a\\", "\\q", "\\x4", "\\x41", "\\x0a", "\\xZZ", "a\tb", "\x1f", "\\X01" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(gp_partial_key_get(bad[i], strlen(bad[i]), d) < 0, "key: '%s' is refused (not what the writer writes)",
		   bad[i]);
}

static void test_b64(void)
{
	unsigned char s[300];
	bool good = true;
	for (size_t n = 0; n < sizeof s && good; n++) {
		for (size_t i = 0; i < n; i++)
			s[i] = (unsigned char)next();
		good = b64_round(s, n);
	}
	ok(good, "base64: lengths 0..299 round-trip");
	unsigned char d[16];
	ok(gp_b64_get("TWFu", 4, d) == 3 && memcmp(d, "Man", 3) == 0, "base64: Man");
	ok(gp_b64_get("TWE=", 4, d) == 2 && gp_b64_get("TQ==", 4, d) == 1, "base64: padding");
	static const char *const bad[] = { "TWF", "TW=u", "T===", "TWF!", "TR==", "TWF=", "TQ==TQ==", "====" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(gp_b64_get(bad[i], strlen(bad[i]), d) < 0, "base64: '%s' is refused", bad[i]);
}

static void test_utf8(void)
{
	ok(gp_utf8_valid("h\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 12), "utf8: 2, 3 and 4-byte forms");
	ok(!gp_utf8_valid("\xc0\xaf", 2), "utf8: overlong refused");
	ok(!gp_utf8_valid("\xed\xa0\x80", 3), "utf8: surrogate refused");
	ok(!gp_utf8_valid("\xf4\x90\x80\x80", 4), "utf8: past U+10FFFF refused");
	ok(!gp_utf8_valid("\xe2\x82", 2), "utf8: cut short refused");
	ok(!gp_utf8_valid("\xff", 1), "utf8: 0xff refused");
}

static void test_split(void)
{
	gp_partial_line l;
	const char *line = "k\\tx\t1:00000000deadbeef\t{\"_seq\":1}";
	ok(!gp_partial_split(line, strlen(line), &l) && l.klen == 4 && l.version == 1 && l.spec == 0xdeadbeef &&
		   l.jlen == 10 && memcmp(l.json, "{\"_seq\":1}", 10) == 0,
	   "split: key, version, spec, state");
	static const char *const bad[] = { "", "abc", "k\t1:00000000deadbeef", "k\t1:00000000deadbeef\t",
					   "k\t:00000000deadbeef\t{}", "k\t1-00000000deadbeef\t{}", "k\t1:dead\t{}",
					   "k\t1:00000000deadbeeg\t{}" };
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(gp_partial_split(bad[i], strlen(bad[i]), &l) != NULL, "split: '%s' refused: %s", bad[i],
		   gp_partial_split(bad[i], strlen(bad[i]), &l));
}

static void test_members(void)
{
	gp_jsonp jp = { 0 };
	gp_sb b = { 0 };
	gp_sb_put(&b, "{", 1);
	gp_partial_text_put(&b, "a\"\\\n\x01z\xc3\xa9", 8);
	static const char rest[] = ",\"n\":18446744073709551615,\"m\":18446744073709551616}";
	gp_sb_put(&b, rest, sizeof rest - 1);
	ok(gp_json_valid(&jp, b.p, b.len), "text_put writes JSON: %.*s", (int)b.len, b.p);
	gp_value obj, v;
	gp_json_value(b.p, b.p + b.len, &obj);
	gp_sb t = { 0 };
	ok(gp_partial_text_get(&obj, &t) == 1 && t.len == 8 && memcmp(t.p, "a\"\\\n\x01z\xc3\xa9", 8) == 0,
	   "text: UTF-8 with escapes comes back");
	uint64_t u;
	ok(gp_json_member(&obj, "n", 1, &v) && gp_partial_u64(&v, &u) && u == UINT64_MAX, "u64: 2^64 - 1");
	ok(gp_json_member(&obj, "m", 1, &v) && !gp_partial_u64(&v, &u), "u64: 2^64 refused");
	v = (gp_value){ GP_K_NUM, "01", 2 };
	ok(!gp_partial_u64(&v, &u), "u64: a leading zero refused");
	v = (gp_value){ GP_K_NUM, "1.0", 3 };
	ok(!gp_partial_u64(&v, &u), "u64: a fraction refused");
	b.len = 0;
	gp_sb_put(&b, "{", 1);
	gp_partial_text_put(&b, "\xff\x00x", 3);
	gp_sb_put(&b, "}", 1);
	ok(b.len > 7 && memcmp(b.p, "{\"b64\":", 7) == 0, "text: invalid UTF-8 as b64");
	gp_json_value(b.p, b.p + b.len, &obj);
	ok(gp_partial_text_get(&obj, &t) == 1 && t.len == 3 && memcmp(t.p, "\xff\x00x", 3) == 0,
	   "text: b64 comes back");
	gp_json_value("{\"x\":1}", "{\"x\":1}" + 7, &obj);
	ok(gp_partial_text_get(&obj, &t) == 0, "text: neither member");
	gp_sb_free(&t);
	gp_sb_free(&b);
	gp_jsonp_free(&jp);
}

static uint64_t spec_of(const char *src, size_t upto)
{
	gp_ctx ctx;
	gp_arena arena;
	memset(&ctx, 0, sizeof ctx);
	gp_arena_init(&arena);
	ctx.arena = &arena;
	gp_pipeline_expr pe;
	uint64_t h = 0;
	if (gp_parse_pipeline(&ctx, src, strlen(src), true, &pe) == GP_OK)
		h = gp_partial_spec(&pe, upto);
	gp_arena_free(&arena);
	return h;
}

static void test_spec(void)
{
	uint64_t a = spec_of("json | count by path", 1);
	ok(a && a == spec_of("json  |\n count   by 'path' # c", 1), "spec: spacing, quotes, comments do not count");
	ok(a == spec_of("json | count by path | head 3", 1), "spec: the stages after the aggregate do not count");
	ok(a != spec_of("json | count by host", 1), "spec: another key, another spec");
	ok(a != spec_of("logfmt | count by path", 1), "spec: another stage before, another spec");
	ok(spec_of("grep 'a b' | count", 1) != spec_of("grep a b | count", 1), "spec: words are told apart");
}

int main(void)
{
	test_keys();
	test_b64();
	test_utf8();
	test_split();
	test_members();
	test_spec();
	return tap_done();
}
