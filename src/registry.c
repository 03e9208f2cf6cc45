/* The one table of stages. Add a stage here and the parser, --help,
 * `gpipe help`, --list-stages, the man page and the completions know it. */
#include "registry.h"

#include <string.h>

#include "core/strdist.h"

/* The implicit input stages: input/source.c. */
extern const gp_stage_def gp_stage_read, gp_stage_decompress, gp_stage_archive, gp_stage_lines;
/* The user stages: gp_stage_NAME is in src/stages/NAME.c (fields in fields_stage.c, csv and tsv
 * in csv_tsv.c, upper and lower in upper_lower.c). */
extern const gp_stage_def gp_stage_grep, gp_stage_head, gp_stage_tail, gp_stage_skip;
extern const gp_stage_def gp_stage_where, gp_stage_uniq, gp_stage_sample;
extern const gp_stage_def gp_stage_upper, gp_stage_lower, gp_stage_trim;
extern const gp_stage_def gp_stage_set, gp_stage_select, gp_stage_format, gp_stage_number, gp_stage_replace;
extern const gp_stage_def gp_stage_json, gp_stage_logfmt, gp_stage_csv, gp_stage_tsv, gp_stage_fields,
	gp_stage_parse;
extern const gp_stage_def gp_stage_split, gp_stage_explode, gp_stage_multiline;
extern const gp_stage_def gp_stage_count;
/* The aggregate family (stages/agg.c; count is in count.c, its bare form counts spans). */
extern const gp_stage_def gp_stage_sum, gp_stage_avg, gp_stage_min, gp_stage_max, gp_stage_median,
	gp_stage_percentile, gp_stage_distinct, gp_stage_first, gp_stage_last,
	gp_stage_stddev, gp_stage_top;
extern const gp_stage_def gp_stage_sort;
extern const gp_stage_def gp_stage_histogram;

const gp_stage_def *const gp_registry[] = {
	/* input (implicit) */
	&gp_stage_read,
	&gp_stage_decompress,
	&gp_stage_archive,
	&gp_stage_lines,
	/* filter */
	&gp_stage_grep,
	&gp_stage_where,
	&gp_stage_head,
	&gp_stage_tail,
	&gp_stage_skip,
	&gp_stage_uniq,
	&gp_stage_sample,
	/* parse (records gain fields) */
	&gp_stage_json,
	&gp_stage_logfmt,
	&gp_stage_csv,
	&gp_stage_tsv,
	&gp_stage_fields,
	&gp_stage_parse,
	/* transform */
	&gp_stage_upper,
	&gp_stage_lower,
	&gp_stage_trim,
	&gp_stage_set,
	&gp_stage_select,
	&gp_stage_replace,
	&gp_stage_format,
	&gp_stage_number,
	/* flatten */
	&gp_stage_split,
	&gp_stage_explode,
	&gp_stage_multiline,
	/* aggregate */
	&gp_stage_count,
	&gp_stage_sum,
	&gp_stage_avg,
	&gp_stage_min,
	&gp_stage_max,
	&gp_stage_median,
	&gp_stage_percentile,
	&gp_stage_distinct,
	&gp_stage_first,
	&gp_stage_last,
	&gp_stage_stddev,
	&gp_stage_top,
	&gp_stage_histogram,
	/* order */
	&gp_stage_sort,
};

const size_t gp_registry_len = sizeof gp_registry / sizeof gp_registry[0];

static bool name_is(const char *s, const char *name, size_t len)
{
	return strlen(s) == len && memcmp(s, name, len) == 0;
}

/* pNN or pNN.N */
static bool is_pnn(const char *s, size_t len)
{
	if (len < 2 || s[0] != 'p')
		return false;
	size_t i = 1, dots = 0;
	for (; i < len; i++) {
		if (s[i] == '.' && i > 1 && i + 1 < len && !dots++)
			continue;
		if (s[i] < '0' || s[i] > '9')
			return false;
	}
	return true;
}

/* An aggregate's head: `count(x` and `count,` are count, `p99` and `p95(x` are percentile. */
static const gp_stage_def *agg_head(const char *name, size_t len)
{
	size_t n = 0;
	while (n < len && name[n] != '(' && name[n] != ',')
		n++;
	if (is_pnn(name, n))
		return &gp_stage_percentile;
	if (n == len)
		return NULL;
	for (size_t i = 0; i < gp_registry_len; i++)
		if (gp_registry[i]->takes_name && name_is(gp_registry[i]->name, name, n))
			return gp_registry[i];
	return NULL;
}

const gp_stage_def *gp_registry_find(const char *name, size_t len)
{
	for (size_t i = 0; i < gp_registry_len; i++) {
		const gp_stage_def *d = gp_registry[i];
		if (d->implicit)
			continue;
		if (name_is(d->name, name, len))
			return d;
		for (size_t k = 0; k < 3 && d->aliases[k]; k++)
			if (name_is(d->aliases[k], name, len))
				return d;
	}
	return agg_head(name, len);
}

const char *gp_registry_suggest(const char *name, size_t len)
{
	/* Stage names are lower case: compare case-insensitively (UPPER → upper). */
	char low[32];
	if (len >= sizeof low)
		return NULL;
	for (size_t i = 0; i < len; i++)
		low[i] = (char)(name[i] >= 'A' && name[i] <= 'Z' ? name[i] + 32 : name[i]);
	const char *best = NULL;
	size_t best_d = 3;
	for (size_t i = 0; i < gp_registry_len; i++) {
		const gp_stage_def *d = gp_registry[i];
		if (d->implicit)
			continue;
		size_t k = gp_strdist(low, len, d->name, strlen(d->name));
		if (k < best_d) {
			best_d = k;
			best = d->name;
		}
	}
	/* A one-letter name is too short for a two-edit guess to help. */
	if (best && best_d == 2 && len < 4)
		return NULL;
	return best;
}

const gp_stage_def *gp_registry_implicit(const char *name, size_t len)
{
	for (size_t i = 0; i < gp_registry_len; i++)
		if (gp_registry[i]->implicit && name_is(gp_registry[i]->name, name, len))
			return gp_registry[i];
	return NULL;
}

const char *gp_family_name(gp_family f)
{
	switch (f) {
	case GP_FAM_INPUT: return "input";
	case GP_FAM_FILTER: return "filter";
	case GP_FAM_PARSE: return "parse";
	case GP_FAM_TRANSFORM: return "transform";
	case GP_FAM_FLATTEN: return "flatten";
	case GP_FAM_AGGREGATE: return "aggregate";
	case GP_FAM_ORDER: return "order";
	case GP_FAM_OUTPUT: return "output";
	}
	return "?";
}
