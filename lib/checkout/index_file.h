/*
 * The index file written in git's own format (gitformat-index(5), versions 2 and 3) in one
 * pass. A clone adds one entry per LFS file; git_index_add costs each one an object lookup
 * (it reads the blob's header to check its type) and a sorted insert, which was a fifth of a
 * warm clone of many small files. Here the entries are sorted once and written with the
 * entries libgit2's checkout left, under git's lock protocol (index.lock, then rename).
 */
#ifndef HFGIT_CHECKOUT_INDEX_FILE_H
#define HFGIT_CHECKOUT_INDEX_FILE_H

#include <git2.h>
#include <stddef.h>

/*
 * Write `index`'s file with `entries` (stage 0, paths unique; sorted here in place) added,
 * each replacing every entry of `index` at its path. The index's extensions (a cache tree)
 * are left out: git makes them again when it needs them. `index` itself is not reloaded
 * (parsing back what was just written cost a tenth of a warm clone of many files): drop it
 * from its repository (git_repository_set_index(repo, NULL)) or git_index_read it before
 * any further use.
 */
int hfgit_index_file__write(git_index *index, git_index_entry *entries, size_t count);

#endif
