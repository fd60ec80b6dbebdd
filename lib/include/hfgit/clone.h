/* Clone: a depth-1 checkout of exactly one revision, with its LFS content. */
#ifndef HFGIT_CLONE_H
#define HFGIT_CLONE_H

#include "hfgit/common.h"
#include "hfgit/model_id.h"
#include "hfgit/context.h"
#include "hfgit/refs.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Clone                                                                                     */

typedef enum {
	HFGIT_STAGE_RESOLVE,
	HFGIT_STAGE_FETCH,    /* git objects */
	HFGIT_STAGE_CHECKOUT, /* files written */
	HFGIT_STAGE_LFS,      /* LFS objects downloaded */
	HFGIT_STAGE_VERIFY,   /* files re-hashed by hfgit_verify_* */
} hfgit_stage;

typedef struct {
	hfgit_stage stage;
	size_t done;               /* objects or files done */
	size_t total;              /* 0 when not known yet */
	unsigned long long bytes;  /* bytes done (LFS: verified bytes, resumed ones included) */
	unsigned long long bytes_total; /* 0 when not known */
	/* The file being worked on (LFS: one that bytes are arriving for; several download at
	 * once), relative to the repository; NULL when none. Valid during the callback. */
	const char *path;
} hfgit_progress;

/* Return non-zero to cancel the operation (it then fails with HFGIT_EINTERRUPTED). */
typedef int (*hfgit_progress_cb)(const hfgit_progress *progress, void *payload);

/*
 * How the working tree gets the content of LFS files from the shared object store:
 * AUTO reflinks where the file system can (one copy on disk, independent files), else makes a
 * read-only hard link (one copy on disk; an editor that replaces the file is safe, but writing
 * into it in place, which only root can, would change the cached object: `hfgit verify` finds
 * that), else copies.
 */
typedef enum {
	HFGIT_LINK_AUTO = 0,
	HFGIT_LINK_REFLINK,
	HFGIT_LINK_HARDLINK,
	HFGIT_LINK_COPY,
} hfgit_link_mode;

typedef struct {
	size_t lfs_files;               /* LFS files given their content */
	size_t lfs_objects;             /* distinct objects among them */
	size_t lfs_objects_fetched;     /* objects that had to be downloaded */
	unsigned long long lfs_bytes;   /* size of the distinct objects */
	unsigned long long lfs_bytes_fetched; /* bytes that crossed the network */
	unsigned long long lfs_bytes_reused;  /* bytes already in the store */
	double seconds;                 /* the whole clone, wall time */
	/* Objects found elsewhere on the machine (the huggingface_hub cache, references),
	 * verified and linked into the store instead of downloaded; their bytes. */
	size_t lfs_objects_local;
	unsigned long long lfs_bytes_local;
} hfgit_clone_stats;

typedef struct {
	unsigned int version;
	hfgit_progress_cb progress;
	void *payload;
	/* Which LFS files get content: glob patterns (fnmatch, '*' crosses '/'; a pattern without
	 * '/' also matches the base name), like huggingface_hub's allow/ignore_patterns. */
	const char *const *lfs_include;
	size_t lfs_include_count;
	const char *const *lfs_exclude;
	size_t lfs_exclude_count;
	int no_lfs;             /* keep pointer files; hfgit_clone also when GIT_LFS_SKIP_SMUDGE
	                         * is true (1, true, yes, on), as for git-lfs */
	unsigned int jobs;      /* parallel downloads; 0: 8 */
	hfgit_link_mode link;
	hfgit_clone_stats *stats; /* filled when not NULL */
	/*
	 * LFS objects already on the machine are taken instead of downloaded, after their SHA-256
	 * matched: the blobs of the huggingface_hub cache `hf_cache_dir` (NULL: the one
	 * hfgit_hf_cache_dir finds; `no_hf_cache_reuse` turns this off), and those of
	 * `references`, as `git clone --reference` takes them: git-lfs checkouts, bare
	 * repositories, LFS stores, huggingface_hub caches.
	 */
	const char *hf_cache_dir;
	int no_hf_cache_reuse;
	const char *const *references;
	size_t reference_count;
} hfgit_clone_options;

#define HFGIT_CLONE_OPTIONS_VERSION 1
#define HFGIT_CLONE_OPTIONS_INIT { HFGIT_CLONE_OPTIONS_VERSION }

/*
 * Clone exactly the revision of `id` into `dir` (a new or empty directory) as a shallow git
 * repository of depth 1 whose origin is the Hub URL. A branch becomes the checked-out tracking
 * branch, a tag stays a tag (detached HEAD at it), a hash gives a detached HEAD. Nothing is left
 * behind at `dir` when the clone fails or is interrupted. `out` (may be NULL) receives what was
 * resolved.
 */
HFGIT_EXTERN int hfgit_clone(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                             const char *dir, const hfgit_clone_options *opts);

/*
 * Bring the checkout at `dir` (an hfgit clone of a branch) to the branch's current tip: a
 * depth-1 fetch, only the LFS objects that changed downloaded, working tree and index updated,
 * the branch and origin/<branch> moved. A checkout with local changes to tracked files is
 * refused (HFGIT_EEXISTS); one on a tag, a hash or a pull request is HFGIT_EINVALID. `out`
 * (may be NULL) receives what the branch resolved to; when that is HEAD already, nothing
 * changes. The options' LFS fields (include, exclude, no_lfs, jobs, link) apply as for clone.
 */
HFGIT_EXTERN int hfgit_update(hfgit_resolved **out, hfgit_ctx *ctx, const char *dir,
                              const hfgit_clone_options *opts);

#ifdef __cplusplus
}
#endif

#endif
