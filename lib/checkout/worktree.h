/* Files into working trees: a tree with libgit2's checkout, LFS content by the link policy. */
#ifndef HFGIT_CHECKOUT_WORKTREE_H
#define HFGIT_CHECKOUT_WORKTREE_H

#include <git2.h>
#include <stdbool.h>
#include <sys/stat.h>

#include "hfgit.h"

/* Check out `tree` (NULL: HEAD), forcing; only `paths` when not NULL. */
int hfgit_worktree__check_out(git_repository *repo, git_tree *tree, const git_strarray *paths,
                              const hfgit_clone_options *opts);

/*
 * A new file `dst` with the content of the store's `object` by the policy `mode` (see
 * hfgit_link_mode), with permissions `file_mode` where it is not a hard link.
 * `*reflink_works` starts true and is cleared when `auto` finds no reflinks.
 */
int hfgit_worktree__place(const char *object, const char *dst, hfgit_link_mode mode,
                          unsigned int file_mode, bool *reflink_works);

/*
 * The same with `object` and `dst` relative to the directories `object_dir` and `dst_dir`
 * (hfgit_fs__place_at). `st` (may be NULL) gets the new file's stat data when it is a reflink
 * or a copy; `*linked` (may be NULL) says whether it is a hard link to `object` instead, whose
 * stat data it shares.
 */
int hfgit_worktree__place_at(int object_dir, const char *object, int dst_dir, const char *dst,
                             hfgit_link_mode mode, unsigned int file_mode, bool *reflink_works,
                             struct stat *st, bool *linked);

#endif
