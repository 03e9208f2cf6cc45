/* The layouts that take no arguments (see fields.h). */
#include "fields.h"

const gp_layout gp_layout_json = { .fmt = GP_LAY_JSON };
const gp_layout gp_layout_logfmt = { .fmt = GP_LAY_LOGFMT, .sep = " ", .seplen = 1 };
const gp_layout gp_layout_tsv = { .fmt = GP_LAY_TSV, .sep = "\t", .seplen = 1 };
const gp_layout gp_layout_table = { .fmt = GP_LAY_TSV, .sep = "\t", .seplen = 1, .table = 1 };
