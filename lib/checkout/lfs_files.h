/*
 * Git LFS in a checkout: the blobs of the commit that are LFS pointers (and that the repo's
 * attributes mark filter=lfs, as git-lfs decides) get their content from the shared object
 * store, downloaded first where missing; the index is refreshed so that `git status` is clean,
 * and the repository is configured so that real git-lfs finds the objects (lfs.storage).
 */
#ifndef HFGIT_CHECKOUT_LFS_FILES_H
#define HFGIT_CHECKOUT_LFS_FILES_H

#include <git2.h>
#include <stdbool.h>

#include "hfgit.h"
#include "lfs/fetch.h"

/*
 * In two steps around libgit2's checkout, so that no pointer file is written only to be
 * replaced: first the plan finds the LFS files of `commit` that get content (attributes read
 * from the commit); libgit2 then checks out the other paths; then the plan puts the LFS
 * content in place, fetching what the store lacks, and adds it to the index.
 */
typedef struct hfgit_lfs_plan hfgit_lfs_plan;

/*
 * `store` (may be NULL) keeps the manifest of the commit's tree (manifest.h). `new_tree`: the
 * working tree is new (a clone), so no old file is in the way, and nothing is half-written
 * when a download fails (the clone is built aside): the fetch then waits for
 * hfgit_lfs__plan_apply, which places what the store has first. Otherwise (an update) every
 * object is fetched here, before the working tree is touched. `ctx`, `remote_url`, `ref` and
 * `opts` must outlive the plan.
 */
int hfgit_lfs__plan_new(hfgit_lfs_plan **out, git_repository *repo, git_repository *store,
                        const git_oid *commit, hfgit_ctx *ctx, const char *remote_url,
                        const char *ref, const hfgit_clone_options *opts, bool new_tree);
/* How many LFS files get content (0: check out everything as usual). */
size_t hfgit_lfs__plan_count(const hfgit_lfs_plan *plan);
/* Every path of the commit that is not an LFS file getting content. */
const git_strarray *hfgit_lfs__plan_other_paths(const hfgit_lfs_plan *plan);
/* After the checkout of the other paths: the LFS content in place, and in the index. */
int hfgit_lfs__plan_apply(hfgit_lfs_plan *plan, git_repository *repo, hfgit_link_mode mode);
void hfgit_lfs__plan_free(hfgit_lfs_plan *plan);

/* What lfs/fetch.h needs to fetch for a checkout (or a download) with clone options `opts`
 * (may be NULL) from `remote_url`, naming `ref` in batch requests. */
int hfgit_lfs__plan_options(hfgit_lfs_options *out, hfgit_ctx *ctx, const char *remote_url,
                            const char *ref, const hfgit_clone_options *opts);

#endif
