/*
 * The store: one bare, shallow git repository per model id in the cache, holding every object
 * and ref fetched so far. Fetches land in a temporary repository first and are absorbed here
 * (packs moved in, shallow roots merged, refs copied) under a lock, so that concurrent
 * processes and libgit2's shallow-fetch bugs cannot damage it.
 */
#ifndef HFGIT_REFS_STORE_H
#define HFGIT_REFS_STORE_H

#include <git2.h>
#include <stdbool.h>

#include "hfgit.h"

/* The path of the store of `id` on the context's endpoint (not created). */
int hfgit_store__path(char **out, const hfgit_ctx *ctx, const hfgit_model_id *id);

/*
 * Mark the store (its git directory, as git_repository_path gives it) as used now, for
 * hfgit ls: a file's mtime rather than a log, so that marking costs one open and no lock. Best
 * effort: a cache that cannot record it (read-only, full) must still serve clones, so this
 * neither fails nor leaves an error message behind.
 */
void hfgit_store__mark_used(const char *store_path);


/* Open the store of `id`, creating it when missing. */
int hfgit_store__open(git_repository **out, hfgit_ctx *ctx, const hfgit_model_id *id);

/*
 * Move what `fetched` holds (packs, shallow roots, refs) into `store`. When `depth1_commit` is
 * given, `fetched` holds a depth-1 fetch of exactly that commit: its packs are recorded so that
 * clones can link them instead of packing the objects again.
 */
int hfgit_store__absorb(git_repository *store, git_repository *fetched, const git_oid *depth1_commit);

/*
 * Hard-link (or copy, across file systems) the recorded depth-1 packs of `commit` into `dst`.
 * Packs never change once written, so sharing their inode is safe. HFGIT_ENOTFOUND when no
 * such packs are recorded.
 */
int hfgit_store__link_packs(git_repository *store, const git_oid *commit, git_repository *dst);

bool hfgit_store__has(git_repository *store, const git_oid *oid);

/*
 * After a failed operation: a store without a single ref, object or remembered advertisement
 * (the repository or the hub was never reached) is removed, with the folders above it in the
 * cache that it leaves empty, so that `hfgit ls` and `hfgit gc` do not show a model that never
 * arrived. A store another process holds locked, or that holds anything, stays.
 */
void hfgit_store__forget_if_empty(hfgit_ctx *ctx, git_repository *store);

/* Read a repository's shallow roots ($GIT_DIR/shallow); a missing file is an empty list. */
int hfgit_store__shallow_read(git_oidarray *out, git_repository *repo);

#endif
