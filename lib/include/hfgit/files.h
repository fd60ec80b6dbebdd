/*
 * The files of a revision without a checkout (ls-files, clone --dry-run) and single files
 * (download).
 */
#ifndef HFGIT_FILES_H
#define HFGIT_FILES_H

#include "hfgit/common.h"
#include "hfgit/model_id.h"
#include "hfgit/context.h"
#include "hfgit/refs.h"
#include "hfgit/clone.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* The files of a revision (hfgit ls-files, clone --dry-run) and single files (download)     */

typedef enum {
	HFGIT_FILE_GIT = 0,   /* an ordinary file: its content came with the git objects */
	HFGIT_FILE_STORED,    /* LFS content already in hfgit's store */
	HFGIT_FILE_LOCAL,     /* LFS content elsewhere on the machine (huggingface_hub cache, a
	                       * reference): taken after its SHA-256 matched, not downloaded */
	HFGIT_FILE_DOWNLOAD,  /* LFS content a clone would download */
	HFGIT_FILE_SKIPPED,   /* LFS content left out by the selection: the pointer is kept */
} hfgit_file_source;

typedef struct {
	const char *path;         /* relative to the repository, '/'-separated */
	unsigned long long size;  /* the content's size (an LFS file's object, not the pointer) */
	int lfs;                  /* Git LFS content */
	const char *oid;          /* LFS: the SHA-256 object id; else the git blob id */
	int executable;
	int symlink;
	hfgit_file_source source; /* where a clone with the given options gets the content */
} hfgit_repo_file;

typedef struct hfgit_file_list hfgit_file_list;

/*
 * Every file of the revision of `id`, in tree order, from a depth-1 fetch of the git objects
 * only (no LFS bytes move; nothing at all when the cache has the commit). `opts` (may be NULL)
 * is what a clone would be given: its selection, references and huggingface_hub cache decide
 * each file's `source`, so the list is also the dry run of that clone. `resolved` (may be
 * NULL) receives the revision.
 */
HFGIT_EXTERN int hfgit_list_files(hfgit_file_list **out, hfgit_resolved **resolved,
                                  hfgit_ctx *ctx, const hfgit_model_id *id,
                                  const hfgit_clone_options *opts);
HFGIT_EXTERN size_t hfgit_file_list_count(const hfgit_file_list *list);
HFGIT_EXTERN const hfgit_repo_file *hfgit_file_list_get(const hfgit_file_list *list, size_t i);
HFGIT_EXTERN void hfgit_file_list_free(hfgit_file_list *list);

/*
 * Only the files `paths` (repository paths) of the revision of `id`, into `dir` (created as
 * needed) under their repository paths, like huggingface_hub's `hf download --local-dir`:
 * LFS content through the store (verified, reused from the machine when there, downloaded
 * only when missing, shared with `opts->link`), other files from the git objects. Each file
 * appears by rename(2); an existing one is replaced. A path that is not a file of the
 * revision is an HFGIT_ENOTFOUND error before anything is written. `opts` may be NULL; its
 * selection is ignored (the paths are the selection).
 */
HFGIT_EXTERN int hfgit_download(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                                const char *dir, const char *const *paths, size_t count,
                                const hfgit_clone_options *opts);

#ifdef __cplusplus
}
#endif

#endif
