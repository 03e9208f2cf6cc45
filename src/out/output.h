/* The text sink: writes records, one per line, in large blocks.
 *
 * Span batches without prefixes are copied as one block; consecutive records
 * that are adjacent in their buffer are copied as one run. -H and -n add the
 * origin and line number, --color highlights matches the way GNU grep does
 * (same escape sequences). grep's context lines (GP_REC_CONTEXT) take '-'
 * after their prefixes instead of ':', a new group of context
 * (GP_REC_BREAK) is preceded by the group separator "--", and grep -b adds
 * the byte offset after the line number (GP_REC_OFF), in GNU grep's order.
 * On a terminal, records of table layout (results of aggregates) line up
 * under a header (table.h); elsewhere they print as their TSV text. A
 * closed pipe (EPIPE) ends the run quietly; any other write error is
 * reported. */
#ifndef GP_OUTPUT_H
#define GP_OUTPUT_H

#include "../core/stage.h"

typedef enum gp_out_format {
	GP_OUT_TEXT = 0, /* the record text */
	GP_OUT_JSON,     /* JSON Lines of the fields */
	GP_OUT_TSV,
	GP_OUT_CSV,
} gp_out_format;

typedef struct gp_out {
	int fd;
	char *buf;
	size_t len, cap;
	char delim;
	bool with_origin, with_line, color, line_buffered;
	bool tty;         /* fd is a terminal: tables line up (table.h) */
	bool wrote;       /* at least one record reached the output */
	bool broken_pipe; /* the reader went away: stop quietly */
	int error;        /* errno of a failed write, 0 if none */
	struct gp_matcher *highlight;
	bool only_matching;
	bool rec_marks;        /* records may carry GP_REC_* marks (grep -A/-B/-C, -b) */
	const char *group_sep; /* printed before a GP_REC_BREAK record; NULL: none */
	int format; /* gp_out_format */
	gp_scope *scope;            /* owns what the structured writer allocates */
	struct gp_structured *st;   /* state of -o json/tsv/csv, made on first use */
	struct gp_table *tbl;       /* the aligned table on a terminal, made on first use */
} gp_out;

int gp_out_init(gp_out *o, gp_scope *scope, int fd);
/* 0 on success, -1 when output failed (broken_pipe or error set). */
int gp_out_batch(gp_out *o, gp_batch *b);
/* Writes what is buffered, a table's pending rows included (table.h). */
int gp_out_flush(gp_out *o);
/* Appends bytes to the output buffer (for the structured writer). */
int gp_out_put(gp_out *o, const char *p, size_t n);

#endif
