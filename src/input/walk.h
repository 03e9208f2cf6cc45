/* The walk over the inputs named on the command line: each operand in
 * order, and each directory among them searched recursively, lazily, its
 * entries in byte order of their names (alphasort), at any depth.
 *
 * gp_walk_next hands out one path at a time: an operand as given, or an
 * entry of a directory being walked, to be opened relative to that
 * directory's descriptor (so a tree deeper than PATH_MAX is walked, as
 * grep -r walks it). Inside a tree only regular files and directories are
 * handed out (symbolic links, FIFOs and devices are skipped); whoever opens
 * the path says whether it is a directory, with gp_walk_push_dir, and its
 * entries come next. One walk hands out every path once, so parallel runs
 * can take their paths from it.
 *
 * Memory: the walk's state lives in the caller's struct; the directory
 * stack (one descriptor and one sorted entry list per level of the tree)
 * and the path buffer are heap memory released by the scope given to
 * gp_walk_init. Problems with a directory ("cannot read directory") are
 * reported with gp_report and the walk goes on.
 */
#ifndef GP_WALK_H
#define GP_WALK_H

#include <stdbool.h>
#include <stddef.h>

#include "../core/stage.h"

typedef struct gp_walk_dir gp_walk_dir;

typedef struct gp_walk {
	gp_ctx *ctx;
	const char *const *paths; /* the operands (borrowed: live for the run) */
	size_t npaths, next_path;
	gp_walk_dir *dirs; /* the directories being walked, innermost last */
	size_t ndirs, dirs_cap;
	char *path; /* the entry handed out last, whole, for messages and -H */
	size_t path_cap;
} gp_walk;

/* One path to open: openat(at, name), shown as path. */
typedef struct gp_walk_entry {
	int at;		  /* AT_FDCWD for an operand, else its directory's descriptor */
	const char *name; /* relative to at */
	const char *path; /* as shown; valid until the next gp_walk_next or push */
	bool top;	  /* an operand (links followed, "-" is standard input) */
} gp_walk_entry;

typedef enum gp_walk_result {
	GP_WALK_NOMEM = -1,
	GP_WALK_END = 0,   /* no more paths */
	GP_WALK_ENTRY = 1, /* *e is set */
} gp_walk_result;

/* A walk over paths[0..npaths), in scope. 0, or -1 when out of memory. */
int gp_walk_init(gp_walk *w, gp_scope *scope, gp_ctx *ctx, const char *const *paths,
		 size_t npaths);

gp_walk_result gp_walk_next(gp_walk *w, gp_walk_entry *e);

/* The path handed out last is a directory, open as fd (borrowed: a
 * duplicate is kept): its entries are handed out next. 0 when pushed or
 * reported (unreadable, or out of descriptors), -1 when out of memory. */
int gp_walk_push_dir(gp_walk *w, int fd, const char *path);

#endif
