/* --explain: the chain that would run (see explain.h). */
#include "explain.h"

#include <stdio.h>
#include <string.h>

#include "input/source.h"
#include "out/output.h"
#include "registry.h"

/* "64 MiB": the largest unit that divides the size. */
static void size_text(char *buf, size_t cap, size_t m)
{
	if (m % (1u << 30) == 0)
		snprintf(buf, cap, "%zu GiB", m >> 30);
	else if (m % (1u << 20) == 0)
		snprintf(buf, cap, "%zu MiB", m >> 20);
	else if (m % 1024 == 0)
		snprintf(buf, cap, "%zu KiB", m >> 10);
	else
		snprintf(buf, cap, "%zu bytes", m);
}

void gp_print_explain(const gp_plan *plan, const gp_options *o, const char *const *files,
		      size_t nfiles)
{
	printf("%-8s", "read");
	if (nfiles == 0)
		printf(" (standard input)");
	for (size_t i = 0; i < nfiles; i++)
		printf(" %s", strcmp(files[i], "-") == 0 ? "(standard input)" : files[i]);
	printf("  [blocks of %u KiB]\n", GP_READ_BLOCK / 1024);
	for (size_t i = 0; i < nfiles; i++) {
		char layers[512];
		if (strcmp(files[i], "-") == 0)
			continue;
		gp_source_describe(files[i], o->raw, layers, sizeof layers);
		printf("%-8s %s: %s\n", "input", files[i], layers);
	}
	char size[32];
	size_text(size, sizeof size, o->max_record);
	printf("%-8s delimiter %s, max record %s\n", "lines", o->null_data ? "NUL" : "'\\n'", size);
	for (size_t i = 1; i < plan->n; i++) {
		const gp_stage *st = plan->chain[i];
		if (st->explain)
			printf("%-8s %s\n", st->def->name, st->explain);
		else
			printf("%s\n", st->def->name);
	}
	static const char *const formats[] = {
		[GP_OUT_TEXT] = "text",
		[GP_OUT_JSON] = "json (JSON Lines of the fields)",
		[GP_OUT_TSV] = "tsv (a header, then a row a record)",
		[GP_OUT_CSV] = "csv (a header, then a row a record)",
	};
	bool text = o->format == GP_OUT_TEXT;
	printf("%-8s %s%s%s\n", "output", formats[o->format],
	       o->with_origin ? text ? ", origin prefix" : ", _file and _member fields" : "",
	       o->with_line ? text ? ", line numbers" : ", a _line field" : "");
}
