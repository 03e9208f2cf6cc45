/* The texts made from the stage registry and the table of global options
 * (options.h): --help, `gpipe help STAGE`, --list-stages, the man page and
 * the bash, zsh and fish completions.
 *
 * Rules: each function writes to the FILE it is given and allocates nothing;
 * the caller checks the stream for a write error and picks the exit status.
 * Nothing here has an option or a stage name of its own, except the bash
 * completion's two cases for --max-record (see cli.c). */
#ifndef GP_CLI_H
#define GP_CLI_H

#include <stdio.h>

void gp_print_usage(FILE *f);
void gp_print_help(FILE *f);
int gp_print_stage_help(FILE *f, const char *name); /* -1 if unknown */
void gp_print_stage_list(FILE *f);
void gp_print_man(FILE *f);
int gp_print_completion(FILE *f, const char *shell); /* -1 if unknown shell */

#endif
