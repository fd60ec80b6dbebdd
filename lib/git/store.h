/*
 * The store: one bare, shallow git repository per model id in the cache, holding every object
 * and ref fetched so far. Fetches land in a temporary repository first and are absorbed here
 * (packs moved in, shallow roots merged, refs copied) under a lock, so that concurrent
 * processes and libgit2's shallow-fetch bugs cannot damage it.
 */
#ifndef HFGIT_GIT_STORE_H
#define HFGIT_GIT_STORE_H

#include <git2.h>
#include <stdbool.h>

#include "hfgit.h"

/* Open the store of `id`, creating it when missing. */
int hfgit_store_open(git_repository **out, hfgit_ctx *ctx, const hfgit_model_id *id);

/*
 * Move what `fetched` holds (packs, shallow roots, refs) into `store`. When `depth1_commit` is
 * given, `fetched` holds a depth-1 fetch of exactly that commit: its packs are recorded so that
 * clones can link them instead of packing the objects again.
 */
int hfgit_store_absorb(git_repository *store, git_repository *fetched, const git_oid *depth1_commit);

/*
 * Hard-link (or copy, across file systems) the recorded depth-1 packs of `commit` into `dst`.
 * Packs never change once written, so sharing their inode is safe. HFGIT_ENOTFOUND when no
 * such packs are recorded.
 */
int hfgit_store_link_packs(git_repository *store, const git_oid *commit, git_repository *dst);

bool hfgit_store_has(git_repository *store, const git_oid *oid);

/* Read a repository's shallow roots ($GIT_DIR/shallow); a missing file is an empty list. */
int hfgit_shallow_read(git_oidarray *out, git_repository *repo);

#endif
