/* libFuzzer target: the JSON indexer of the json stage and the JSON writers.
 *
 * The input is one record. When the indexer accepts it, every field is
 * written back with gp_sb_json_value (both number modes), the whole record
 * with gp_render, and each output must be valid JSON by the indexer's own
 * validator; a path lookup into every nested value must not crash, and the
 * core's gp_json_skip must agree with the indexer on where nested values
 * end. Any disagreement aborts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../src/fields/jsonl.h"
#include "../src/core/jsonval.h"
#include "../src/core/render.h"
#include "../src/core/sb.h"

static gp_jsonp jp, check;

static void must_be_json(const gp_sb *b, const char *what)
{
	if (b->oom)
		return;
	if (!gp_json_valid(&check, b->p ? b->p : "", b->len)) {
		fprintf(stderr, "fuzz_json: %s wrote invalid JSON (%s): %.*s\n", what, check.err,
			(int)b->len, b->p);
		abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	gp_scope scope;
	gp_scope_init(&scope);
	gp_pool pool = { 0 };
	gp_sb sb = { 0 };
	if (gp_pool_own(&scope, &pool) != 0)
		return 0;
	const char *text = (const char *)data;
	gp_json_res r = gp_json_fields(&jp, &pool, text, size);
	bool valid = gp_json_valid(&check, text, size);
	/* The indexer and the validator agree, blank records aside. */
	if (r != GP_JSON_NOMEM && (r == GP_JSON_OK) != valid && r != GP_JSON_BLANK)
		abort();
	if (r == GP_JSON_OK) {
		for (uint32_t i = 0; i < jp.nf; i++) {
			const gp_field *f = &jp.f[i];
			gp_value v = { f->kind, f->v, f->vlen };
			for (int tn = 0; tn < 2; tn++) {
				sb.len = 0;
				gp_sb_json_value(&sb, &v, tn);
				must_be_json(&sb, "gp_sb_json_value");
			}
			if (f->kind == GP_K_OBJ || f->kind == GP_K_ARR) {
				if (gp_json_skip(f->v, f->v + f->vlen) != f->v + f->vlen)
					abort();
				gp_value out;
				gp_json_member(&v, "a", 1, &out);
				gp_json_index(&v, 0, &out);
				gp_json_index(&v, -1, &out);
			}
			sb.len = 0;
			gp_sb_text(&sb, &v);
		}
		sb.len = 0;
		gp_render(&sb, jp.f, jp.nf, &gp_layout_json);
		must_be_json(&sb, "gp_render");
	}
	/* Any bytes at all, as a string. */
	sb.len = 0;
	gp_value s = { GP_K_STR, text, size };
	gp_sb_json_value(&sb, &s, true);
	must_be_json(&sb, "gp_sb_json_value (bytes)");
	gp_sb_free(&sb);
	gp_scope_unwind(&scope);
	return 0;
}
