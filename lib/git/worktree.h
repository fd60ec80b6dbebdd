/*
 * Building blocks shared by clone and update: bringing a commit into the store, giving a
 * checkout the commit's objects (linked packs, else a pack made from the store), the shallow
 * file, refs, and libgit2's checkout.
 */
#ifndef HFGIT_GIT_WORKTREE_H
#define HFGIT_GIT_WORKTREE_H

#include <git2.h>

#include "hfgit.h"
#include "core/git_error.h"
#include "git/remote.h"
#include "git/resolve.h"


/* Bring the resolved commit (and an annotated tag's object) into the store unless it is
 * there; `s` may be NULL or offline, then a missing commit is an HFGIT_EOFFLINE error. */
int hfgit_fetch_into_store(hfgit_session *s, git_repository *store, const hfgit_resolved *r);

/* Give `dst` the commit's objects from the store. */
int hfgit_copy_objects(git_repository *dst, git_repository *store, const hfgit_resolved *r);

/* $GIT_DIR/shallow: the commit, whose parents the checkout does not have. */
int hfgit_write_shallow(git_repository *repo, const hfgit_resolved *r);

int hfgit_create_ref(git_repository *repo, const char *name, const git_oid *oid, const char *log);

/* Check out `tree` (NULL: HEAD), forcing; only `paths` when not NULL. */
int hfgit_check_out(git_repository *repo, git_tree *tree, const git_strarray *paths,
                    const hfgit_clone_options *opts);

#endif
