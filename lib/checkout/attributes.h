/*
 * git's attribute rules (gitattributes(5)) over the attribute files of one commit, read once.
 *
 * A clone decides for every file of the commit whether git-lfs would smudge it before any
 * working tree exists, so the .gitattributes files come from the commit's tree. libgit2 can
 * look attributes up in a commit, but it reads the trees again for every path, which made
 * that step grow with the square of the number of files; here the files are parsed once
 * and each path costs its depth and the patterns that could match it.
 *
 * The sources, from the highest precedence down, as git has them: $GIT_DIR/info/attributes,
 * the .gitattributes of the path's own directory, of each parent up to the top, the global
 * file (core.attributesFile, else $XDG_CONFIG_HOME/git/attributes), and the built-in macro
 * `binary`. The system file is left out, as it always was for hfgit. Within a file a later
 * line wins. `[attr]` macros count only in the top-level .gitattributes, info/attributes and
 * the global file. Names match case-sensitively (core.ignoreCase is not consulted), and a
 * .gitattributes that is a symbolic link is not followed, as in git.
 */
#ifndef HFGIT_CHECKOUT_ATTRIBUTES_H
#define HFGIT_CHECKOUT_ATTRIBUTES_H

#include <git2.h>
#include <stddef.h>

typedef struct hfgit_attrs hfgit_attrs;

typedef enum {
	HFGIT_ATTR_UNSPECIFIED = 0, /* nothing says, or `!name` */
	HFGIT_ATTR_SET,             /* `name` */
	HFGIT_ATTR_UNSET,           /* `-name` */
	HFGIT_ATTR_VALUE            /* `name=value` */
} hfgit_attr_state;

typedef enum {
	HFGIT_ATTRS_TREE,   /* a .gitattributes of the tree, at `dir` */
	HFGIT_ATTRS_INFO,   /* $GIT_DIR/info/attributes */
	HFGIT_ATTRS_GLOBAL  /* core.attributesFile */
} hfgit_attrs_origin;

int hfgit_attrs__new(hfgit_attrs **out);

/*
 * Add the text of one attribute file. For HFGIT_ATTRS_TREE, `dir` is the directory that
 * holds it: "" at the top, else "a/b/" with the trailing slash; it is ignored otherwise.
 * Lines git ignores (bad names, negative patterns, macros where they are not allowed,
 * lines of 2048 bytes or more) are ignored here too.
 */
int hfgit_attrs__add(hfgit_attrs *attrs, hfgit_attrs_origin origin, const char *dir,
                     const char *text, size_t len);

/*
 * The state of attribute `name` for the file at `path` ('/'-separated, relative to the top);
 * for HFGIT_ATTR_VALUE, *value points at the value until the set is freed. Not thread-safe:
 * a lookup uses scratch space of the set.
 */
hfgit_attr_state hfgit_attrs__get(hfgit_attrs *attrs, const char *path, const char *name,
                                  const char **value);

/* The set for `tree` of `repo`: its .gitattributes files, info/attributes and the global
 * file. */
int hfgit_attrs__from_tree(hfgit_attrs **out, git_repository *repo, git_tree *tree);

void hfgit_attrs__free(hfgit_attrs *attrs);

#endif
