/* Writing a tree into a working tree with libgit2's checkout. */
#ifndef HFGIT_CHECKOUT_WORKTREE_H
#define HFGIT_CHECKOUT_WORKTREE_H

#include <git2.h>

#include "hfgit.h"

/* Check out `tree` (NULL: HEAD), forcing; only `paths` when not NULL. */
int hfgit_check_out(git_repository *repo, git_tree *tree, const git_strarray *paths,
                    const hfgit_clone_options *opts);

#endif
