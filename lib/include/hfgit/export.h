/* Export into the huggingface_hub cache. */
#ifndef HFGIT_EXPORT_H
#define HFGIT_EXPORT_H

#include "hfgit/common.h"
#include "hfgit/model_id.h"
#include "hfgit/context.h"
#include "hfgit/refs.h"
#include "hfgit/clone.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Export into the huggingface_hub cache                                                      */

/*
 * The huggingface_hub cache directory: `override`, else $HF_HUB_CACHE (or the older
 * $HUGGINGFACE_HUB_CACHE), else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub, as huggingface_hub decides it; absolute, '~' expanded. free() it.
 */
HFGIT_EXTERN int hfgit_hf_cache_dir(char **out, const char *override);

typedef struct {
	size_t files;            /* files in the snapshot */
	size_t lfs_files;        /* of which LFS content */
	size_t blobs_linked;     /* LFS blobs made hard links to objects of hfgit's LFS store */
	size_t blobs_copied;     /* LFS blobs copied: the hub cache is on another file system */
	size_t blobs_written;    /* other blobs written from the git objects */
	size_t blobs_kept;       /* blobs already in place, left as they were */
	size_t links_made;       /* snapshot symlinks created or corrected */
	int ref_written;         /* refs/<revision> created or changed */
	unsigned long long lfs_bytes_fetched; /* LFS bytes downloaded first: not in the cache yet */
} hfgit_export_stats;

typedef struct {
	unsigned int version;
	/* The huggingface_hub cache; NULL: see hfgit_hf_cache_dir. */
	const char *hf_cache_dir;
	/* Export this revision of `id` (what hfgit_clone or hfgit_resolve gave for the same id)
	 * instead of resolving it again: after a clone, no network at all. */
	const hfgit_resolved *resolved;
	/* Which LFS files the snapshot gets, with hfgit_clone_options' rules; LFS files left out
	 * are absent from the snapshot (as with huggingface_hub's ignore_patterns), never pointers. */
	const char *const *lfs_include;
	size_t lfs_include_count;
	const char *const *lfs_exclude;
	size_t lfs_exclude_count;
	int no_lfs;
	unsigned int jobs;       /* parallel downloads of missing LFS objects; 0: 8 */
	hfgit_progress_cb progress;
	void *payload;
	hfgit_export_stats *stats; /* filled when not NULL */
} hfgit_export_options;

#define HFGIT_EXPORT_OPTIONS_VERSION 1
#define HFGIT_EXPORT_OPTIONS_INIT { HFGIT_EXPORT_OPTIONS_VERSION }

typedef struct hfgit_hf_export hfgit_hf_export;

/*
 * Publish the revision of `id` into the huggingface_hub cache, so that huggingface_hub,
 * transformers and llama.cpp find it offline without downloading it again:
 *
 *     <hub cache>/models--<namespace>--<name>/     (datasets--..., spaces--...)
 *         blobs/<sha256>          an LFS file: a hard link to the verified object in hfgit's
 *                                 LFS store (a copy when on another file system)
 *         blobs/<git blob id>     any other file, written from the git object
 *         snapshots/<commit>/<path> -> ../../blobs/<name>   relative symlinks
 *         refs/<revision>         the commit hash (no newline), for a branch, tag, refs/pr/N or
 *                                 abbreviated hash as given; for the default branch, its name
 *                                 ("main"); none for a full hash
 *
 * Every file appears by rename(2), blobs and symlinks before the ref, so a reader never sees a
 * partial file or a ref to an incomplete snapshot; running it again changes nothing. What the
 * cache holds is used as is (offline too); a commit or LFS object it lacks is fetched as
 * hfgit_clone would, or is an HFGIT_EOFFLINE error offline. `out` (may be NULL) receives where
 * it went.
 */
HFGIT_EXTERN int hfgit_export_hf_cache(hfgit_hf_export **out, hfgit_ctx *ctx,
                                       const hfgit_model_id *id, const hfgit_export_options *opts);
HFGIT_EXTERN const char *hfgit_hf_export_commit(const hfgit_hf_export *e);   /* 40 hex */
/* The ref written as refs/<this> ("main", "v1.0", "refs/pr/1"), or NULL when none. */
HFGIT_EXTERN const char *hfgit_hf_export_ref(const hfgit_hf_export *e);
/* <hub cache>/models--<namespace>--<name> */
HFGIT_EXTERN const char *hfgit_hf_export_repo_dir(const hfgit_hf_export *e);
/* <repo dir>/snapshots/<commit>: what from_pretrained(..., local_files_only=True) reads. */
HFGIT_EXTERN const char *hfgit_hf_export_snapshot_dir(const hfgit_hf_export *e);
/* As hfgit_resolved_cached_at: offline, when the refs a branch or tag came from were
 * advertised; 0 when resolved online or by hash. */
HFGIT_EXTERN long long hfgit_hf_export_cached_at(const hfgit_hf_export *e);
HFGIT_EXTERN void hfgit_hf_export_free(hfgit_hf_export *e);

#ifdef __cplusplus
}
#endif

#endif
