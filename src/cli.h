/* Command-line options and the texts made from the registry: --help,
 * `gpipe help STAGE`, --list-stages, the man page and shell completions. */
#ifndef GP_CLI_H
#define GP_CLI_H

#include <stdio.h>

typedef struct gp_cli_opt {
	const char *lng;   /* "with-filename" */
	char shrt;         /* 'H', or 0 */
	const char *arg;   /* "FILE", or NULL; "[=WHEN]" for optional */
	const char *help;  /* one line */
	const char *values;/* space-separated choices for completion, or NULL */
} gp_cli_opt;

extern const gp_cli_opt gp_cli_opts[];

void gp_print_usage(FILE *f);
void gp_print_help(FILE *f);
int gp_print_stage_help(FILE *f, const char *name); /* -1 if unknown */
void gp_print_stage_list(FILE *f);
void gp_print_man(FILE *f);
int gp_print_completion(FILE *f, const char *shell); /* -1 if unknown shell */

#endif
