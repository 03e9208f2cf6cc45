/* Unit tests of out/table: the text sink's aligned tables on a terminal
 * (gp_out.tty set by hand, the output in a memory file): alignment, the
 * header, escaping, widths in display columns, bars, records of other
 * layouts interleaved, a change of names, the bound on buffered rows, and
 * the -H/-n columns.
 * TAP output. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/fields.h"
#include "core/scope.h"
#include "out/output.h"
#include "out/table.h"
#include "tap.h"

static gp_scope sc;
static gp_out o;

static void begin(bool color)
{
	gp_scope_init(&sc);
	int fd = memfd_create("table", 0);
	if (fd < 0 || gp_out_init(&o, &sc, fd) != 0) {
		perror("memfd_create");
		exit(1);
	}
	o.tty = true;
	o.color = color;
}

/* Everything written so far (flushed first); the caller frees it. */
static char *written(void)
{
	gp_out_flush(&o);
	off_t n = lseek(o.fd, 0, SEEK_END);
	char *s = calloc(1, (size_t)n + 1);
	if (!s || pread(o.fd, s, (size_t)n, 0) != n)
		exit(1);
	return s;
}

static void end(void)
{
	close(o.fd);
	gp_scope_unwind(&sc);
}

/* A record of layout lay with fields names[i] = vals[i] (all GP_K_STR). */
static void row(const gp_layout *lay, int n, const char *const *names, const char *const *vals)
{
	gp_field f[8];
	for (int i = 0; i < n; i++)
		f[i] = (gp_field){ .name = names[i], .nlen = (uint32_t)strlen(names[i]), .v = vals[i],
				   .vlen = strlen(vals[i]), .kind = GP_K_STR };
	gp_rec r = { .p = "tsv", .len = 3, .f = f, .nf = (uint32_t)n, .lay = lay };
	gp_batch b;
	gp_batch_of(&b, &r, 1);
	gp_out_batch(&o, &b);
}

/* The same with an origin and a line number (a keyed result of a future
 * stage, or a table record passed through). */
static void row_from(const char *file, uint64_t line, const char *path, const char *count)
{
	static gp_origin org;
	org = (gp_origin){ .name = file, .id = 1 };
	gp_field f[2] = {
		{ .name = "path", .nlen = 4, .v = path, .vlen = strlen(path), .kind = GP_K_STR },
		{ .name = "count", .nlen = 5, .v = count, .vlen = strlen(count), .kind = GP_K_NUM },
	};
	gp_rec r = { .p = "tsv", .len = 3, .f = f, .nf = 2, .lay = &gp_layout_table, .origin = &org,
		     .line = line };
	gp_batch b;
	gp_batch_of(&b, &r, 1);
	gp_out_batch(&o, &b);
}

static void text(const char *s)
{
	gp_rec r = { .p = s, .len = strlen(s) };
	gp_batch b;
	gp_batch_of(&b, &r, 1);
	gp_out_batch(&o, &b);
}

static const char *const kv[] = { "path", "count" };

static bool same(const char *got, const char *want, const char *what)
{
	bool eq = strcmp(got, want) == 0;
	if (!eq)
		printf("# %s\n# got:\n%s# want:\n%s", what, got, want);
	return ok(eq, "%s", what);
}

static void test_align(void)
{
	begin(false);
	row(&gp_layout_table, 2, kv, (const char *const[]){ "/", "12" });
	row(&gp_layout_table, 2, kv, (const char *const[]){ "/api/users", "3" });
	row(&gp_layout_table, 2, kv, (const char *const[]){ "", "1000" });
	char *s = written();
	same(s,
	     "path        count\n"
	     "/              12\n"
	     "/api/users      3\n"
	     "             1000\n",
	     "a header of names; text left-aligned, numbers right-aligned, two spaces between");
	free(s);
	end();

	begin(true);
	row(&gp_layout_table, 2, kv, (const char *const[]){ "a", "x" });
	s = written();
	same(s, "\33[1mpath  count\33[0m\na     x\n", "the header is bold with colour; a column with text is left-aligned");
	free(s);
	end();
}

static void test_escapes(void)
{
	begin(false);
	static const char *const n1[] = { "key", "n" };
	row(&gp_layout_table, 2, n1, (const char *const[]){ "a\tb\x1b[2J", "1" });
	row(&gp_layout_table, 2, n1, (const char *const[]){ "\xff\xc3(", "2" });
	row(&gp_layout_table, 2, n1, (const char *const[]){ "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac", "3" });
	row(&gp_layout_table, 2, n1, (const char *const[]){ "\xe2\x80\xae" "evil\xc2\x85", "4" });
	char *s = written();
	same(s,
	     "key                 n\n"
	     "a\\tb\\x1b[2J         1\n"
	     "\\xff\\xc3(           2\n"
	     "caf\xc3\xa9 \xe6\x97\xa5\xe6\x9c\xac           3\n"
	     "\\u202eevil\\xc2\\x85  4\n",
	     "control bytes, invalid UTF-8, C1 and bidi controls escaped; widths in display columns");
	free(s);
	end();
}

static void test_interleave(void)
{
	begin(false);
	row(&gp_layout_table, 2, kv, (const char *const[]){ "/a", "1" });
	text("a plain line");
	row(&gp_layout_table, 2, kv, (const char *const[]){ "/b", "22" });
	static const char *const other[] = { "from", "to", "count" };
	row(&gp_layout_table, 3, other, (const char *const[]){ "1", "2", "3" });
	char *s = written();
	same(s,
	     "path  count\n"
	     "/a        1\n"
	     "a plain line\n"
	     "path  count\n"
	     "/b       22\n"
	     "\n"
	     "from  to  count\n"
	     "   1   2      3\n",
	     "a record of another layout ends the table; new names start a new one after an empty line");
	free(s);
	end();

	begin(false);
	row(&gp_layout_tsv, 2, kv, (const char *const[]){ "/a", "1" });
	s = written();
	same(s, "tsv\n", "a record of TSV layout (not a table) prints as its text");
	free(s);
	end();
}

static void test_bars(void)
{
	begin(false);
	row(&gp_layout_table_bars, 2, kv, (const char *const[]){ "a", "100" });
	row(&gp_layout_table_bars, 2, kv, (const char *const[]){ "b", "50" });
	row(&gp_layout_table_bars, 2, kv, (const char *const[]){ "c", "1" });
	row(&gp_layout_table_bars, 2, kv, (const char *const[]){ "d", "0" });
	char *s = written();
	/* 80 columns (no terminal to ask), 13 used, one spare: 50 at most. */
	char want[1024], full[50 * 3 + 1] = "", half[25 * 3 + 1] = "";
	for (int i = 0; i < 50; i++)
		strcat(full, "\u2588");
	for (int i = 0; i < 25; i++)
		strcat(half, "\u2588");
	snprintf(want, sizeof want,
		 "path  count\n"
		 "a       100  %s\n"
		 "b        50  %s\n"
		 "c         1  \u258C\n"
		 "d         0\n",
		 full, half);
	same(s, want, "bars of the count column, the largest count the longest, eighths, none for 0");
	free(s);
	end();
}

static void test_bound(void)
{
	begin(false);
	static const char *const n1[] = { "k", "n" };
	for (int i = 0; i < GP_TABLE_ROWS - 1; i++)
		row(&gp_layout_table, 2, n1, (const char *const[]){ "ab", "1" });
	ok(o.len == 0 && lseek(o.fd, 0, SEEK_END) == 0, "%d rows are buffered, nothing printed",
	   GP_TABLE_ROWS - 1);
	row(&gp_layout_table, 2, n1, (const char *const[]){ "ab", "1" });
	ok(o.len > 0, "the %d-th row prints the table", GP_TABLE_ROWS);
	row(&gp_layout_table, 2, n1, (const char *const[]){ "abcdef", "22" });
	row(&gp_layout_table, 2, n1, (const char *const[]){ "ab", "1" });
	char *s = written();
	const char *tail = s + strlen(s);
	for (int k = 0; k < 3 && tail > s; k++)
		for (tail--; tail > s && tail[-1] != '\n';)
			tail--;
	ok(strncmp(s, "k   n\nab  1\n", 12) == 0, "the buffered rows print with the widths seen");
	same(tail, "ab  1\nabcdef  22\nab       1\n",
	     "later rows print at once, widening a column when they must (widths only grow)");
	free(s);
	end();

	begin(false);
	row(&gp_layout_table, 2, kv, (const char *const[]){ "/x", "1" });
	gp_out_flush(&o);
	row(&gp_layout_table, 2, kv, (const char *const[]){ "/y", "2" });
	s = written();
	same(s, "path  count\n/x        1\n/y        2\n",
	     "gp_out_flush prints the pending rows and keeps the table open");
	free(s);
	end();
}

static void test_prefixes(void)
{
	begin(false);
	o.with_origin = o.with_line = true;
	row_from("a.log", 7, "/x", "1");
	row_from("long-name.log", 12, "/y", "10");
	char *s = written();
	same(s,
	     "_file          _line  path  count\n"
	     "a.log              7  /x        1\n"
	     "long-name.log     12  /y       10\n",
	     "-H and -n: the origin and line number are columns of their own, as with -o tsv");
	free(s);
	end();
}

int main(void)
{
	test_align();
	test_escapes();
	test_interleave();
	test_bars();
	test_bound();
	test_prefixes();
	return tap_done();
}
