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

/* Move what `fetched` holds (packs, shallow roots, refs) into `store`. */
int hfgit_store_absorb(git_repository *store, git_repository *fetched);

bool hfgit_store_has(git_repository *store, const git_oid *oid);

/* Read a repository's shallow roots ($GIT_DIR/shallow); a missing file is an empty list. */
int hfgit_shallow_read(git_oidarray *out, git_repository *repo);

#endif
