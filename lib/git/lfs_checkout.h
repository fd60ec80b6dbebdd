/*
 * Git LFS in a checkout: the blobs of the commit that are LFS pointers (and that the repo's
 * attributes mark filter=lfs, as git-lfs decides) get their content from the shared object
 * store, downloaded first where missing; the index is refreshed so that `git status` is clean,
 * and the repository is configured so that real git-lfs finds the objects (lfs.storage).
 */
#ifndef HFGIT_GIT_LFS_CHECKOUT_H
#define HFGIT_GIT_LFS_CHECKOUT_H

#include <git2.h>

#include "hfgit.h"

int hfgit_lfs_checkout(git_repository *repo, const git_oid *commit, hfgit_ctx *ctx,
                       const char *remote_url, const char *ref, const hfgit_clone_options *opts);

/* The shared LFS store of the context: <cache>/lfs. free() it. */
char *hfgit_lfs_store_root(const hfgit_ctx *ctx);

#endif
