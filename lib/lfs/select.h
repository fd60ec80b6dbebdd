/* Which LFS files get content: the --include / --exclude rule shared by clone and export. */
#ifndef HFGIT_LFS_SELECT_H
#define HFGIT_LFS_SELECT_H

#include <stdbool.h>
#include <stddef.h>

/*
 * Whether `path` is selected: it matches one of `include` (or there are none) and none of
 * `exclude`. Patterns are fnmatch globs without FNM_PATHNAME, so '*' crosses '/', as in
 * huggingface_hub's allow/ignore_patterns; a pattern without '/' also matches the base name,
 * as in .gitattributes and `git lfs pull --include`.
 */
bool hfgit_lfs__path_selected(const char *path, const char *const *include, size_t ninclude,
                              const char *const *exclude, size_t nexclude);

#endif
