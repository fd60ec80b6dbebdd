/*
 * The checkouts a cache has made: <cache>/checkouts.log, one absolute path per line, appended
 * by every successful clone. `hfgit gc` keeps the LFS objects of these checkouts' HEAD commits
 * even after the cache's refs moved on, so that git-lfs in an older checkout (lfs.storage
 * points at the store) still finds its objects.
 *
 * The log is only ever appended to, except by gc's compaction, which replaces it by rename.
 * Both take an exclusive flock on it; a writer that waited for the lock checks that the file
 * it holds is still the one at the path, and starts again when the compaction replaced it.
 */
#ifndef HFGIT_CHECKOUT_REGISTRY_H
#define HFGIT_CHECKOUT_REGISTRY_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "hfgit.h"

/* Record the checkout at `dir` (made with this context's cache). */
int hfgit_checkouts__register(const hfgit_ctx *ctx, const char *dir);

/* The registered paths, each once, in the order first registered; free with
 * hfgit_checkouts__free. A missing log is an empty list. */
int hfgit_checkouts__read(char ***out, size_t *count, const char *cache_dir);
void hfgit_checkouts__free(char **paths, size_t count);

/* Rewrite the log keeping each path once, and only those `keep` accepts. */
typedef bool (*hfgit_checkout_keep_cb)(const char *path, void *payload);
int hfgit_checkouts__compact(const char *cache_dir, hfgit_checkout_keep_cb keep, void *payload);

/*
 * Open `path` when it is still a checkout made from the LFS store at `store_root`: a
 * non-bare, shallow git repository whose lfs.storage is that store. 1 when it is not (moved,
 * deleted, replaced by something else), 0 when opened, < 0 on error.
 */
int hfgit_checkout__open(git_repository **out, const char *path, const char *store_root);

#endif
