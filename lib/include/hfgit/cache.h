/* The cache: what it holds (ls), and keeping it healthy (verify, gc, rm). */
#ifndef HFGIT_CACHE_H
#define HFGIT_CACHE_H

#include "hfgit/common.h"
#include "hfgit/model_id.h"
#include "hfgit/context.h"
#include "hfgit/refs.h"
#include "hfgit/clone.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* What the cache holds (hfgit ls)                                                            */

typedef struct {
	const char *name;   /* "main", "v1.0", "refs/pr/1", or the commit for one fetched by hash */
	const char *ref;    /* the store's ref: "refs/heads/main" */
	hfgit_rev_kind kind;
	const char *commit; /* 40 hex; annotated tags peeled */
} hfgit_cached_revision;

typedef struct {
	const char *id;           /* "org/name", "datasets/org/name", "gpt2" */
	hfgit_repo_type type;
	const char *endpoint;     /* the cache's name for the hub: "huggingface.co", "127.0.0.1_8080" */
	const char *path;         /* the store: the bare repository in the cache */
	/* Bytes on disk (allocated blocks, as du counts them; a hard-linked file once): */
	unsigned long long repo_size;  /* the store repository */
	unsigned long long lfs_size;   /* the LFS objects its revisions refer to that the cache holds */
	unsigned long long size;       /* both */
	size_t lfs_objects;            /* how many such objects */
	long long last_used;      /* Unix time of the last clone, resolve or export; 0: never recorded */
	size_t revisions;
} hfgit_cached_model;

typedef struct hfgit_cached_models hfgit_cached_models;

/*
 * Every repository in the context's cache (all endpoints), sorted by endpoint then id, with the
 * revisions (refs) its store holds. Reads only, never the network. The LFS objects of a store
 * are those any blob of its refs' trees points at (as `hfgit gc` keeps them).
 */
HFGIT_EXTERN int hfgit_cache_list(hfgit_cached_models **out, hfgit_ctx *ctx);
HFGIT_EXTERN size_t hfgit_cached_models_count(const hfgit_cached_models *list);
HFGIT_EXTERN const hfgit_cached_model *hfgit_cached_models_get(const hfgit_cached_models *list,
                                                               size_t i);
/* The revisions of model i: branches, tags, other refs, then commits fetched by hash. */
HFGIT_EXTERN const hfgit_cached_revision *hfgit_cached_models_revision(
	const hfgit_cached_models *list, size_t i, size_t j);
/* Bytes on disk of everything listed, an LFS object shared by several models counted once. */
HFGIT_EXTERN unsigned long long hfgit_cached_models_total_size(const hfgit_cached_models *list);
HFGIT_EXTERN void hfgit_cached_models_free(hfgit_cached_models *list);

/*
 * Remove cached revisions of `id`: with a revision in `id`, the refs of the cache repository
 * that name it (a branch, tag or ref by name; a commit fetched by hash by its hash or a
 * prefix of it); without one, the whole cache repository. LFS objects that only those
 * revisions used are removed by the next hfgit_gc. `removed` (may be NULL) receives how many
 * revisions went. HFGIT_ENOTFOUND when the cache has no such model or revision.
 */
HFGIT_EXTERN int hfgit_cache_remove(size_t *removed, hfgit_ctx *ctx, const hfgit_model_id *id);

/* ---------------------------------------------------------------------------------------- */
/* Keeping the cache healthy: verify and gc                                                  */

typedef enum {
	HFGIT_DAMAGE_CONTENT = 1, /* the bytes do not hash (SHA-256) to the LFS object id */
	HFGIT_DAMAGE_SIZE,        /* not the size the LFS pointer gives */
	HFGIT_DAMAGE_MISSING,     /* a checkout's LFS file is gone */
	HFGIT_DAMAGE_UNREADABLE,  /* cannot be read (permissions, I/O error, not a regular file) */
} hfgit_damage;

typedef struct {
	hfgit_damage damage;
	int in_checkout;      /* 1: a file of a checkout's working tree; 0: an object of the store */
	const char *path;     /* the damaged file, absolute */
	const char *oid;      /* the LFS object id its content should hash to */
	/* For a store object, a file that uses it: the working-tree path (hfgit_verify_checkout)
	 * or "<path> (<ref>)" of a cached revision (hfgit_verify_model); NULL when not known. */
	const char *used_by;
	/* A damaged store object is moved aside, to <store>/damaged/<oid>, so that the next clone
	 * finds it missing and downloads it again instead of using it (hard links in checkouts
	 * keep their own copy of the damage: those are reported as checkout files). NULL for a
	 * checkout file, or when it could not be moved (`message` says why). */
	const char *moved_to;
	const char *message;  /* what is wrong and what to do, in one line */
} hfgit_verify_problem;

typedef struct hfgit_verify_report hfgit_verify_report;

typedef struct {
	unsigned int version;
	/* SHA-256 of every file against its object id, instead of the XXH3-64 digest recorded in
	 * <store>/xxh3.log when the object was downloaded (tens of times faster). Without a
	 * recorded digest, or when the XXH3 check fails, SHA-256 decides anyway: only content
	 * that does not hash to its oid is ever reported as damaged. */
	int deep;
	hfgit_progress_cb progress; /* stage HFGIT_STAGE_VERIFY: files and bytes checked */
	void *payload;
} hfgit_verify_options;

#define HFGIT_VERIFY_OPTIONS_VERSION 1
#define HFGIT_VERIFY_OPTIONS_INIT { HFGIT_VERIFY_OPTIONS_VERSION }

/*
 * Check every object of the context's LFS store (<cache>/lfs/objects). A verify returns 0 when
 * it could look, whatever it found: the report lists the damage. Objects found with no
 * recorded digest get one once SHA-256 confirmed them, so the next fast check covers them.
 */
HFGIT_EXTERN int hfgit_verify_store(hfgit_verify_report **out, hfgit_ctx *ctx,
                                    const hfgit_verify_options *opts);

/*
 * Check the store objects that the cached revisions of `id` use: the LFS files (as a checkout
 * sees them) in the trees of every ref of its cache repository, or with a revision in `id`
 * only that one (resolved from the cache, never the network). HFGIT_ENOTFOUND when the model
 * is not in the cache.
 */
HFGIT_EXTERN int hfgit_verify_model(hfgit_verify_report **out, hfgit_ctx *ctx,
                                    const hfgit_model_id *id, const hfgit_verify_options *opts);

/*
 * Check a checkout at `dir`: each LFS file in its index (the blob is a pointer, the attributes
 * say filter=lfs, and the working tree has content rather than the pointer text) against its
 * object id, and the store objects these files use (the store is the checkout's lfs.storage,
 * else .git/lfs as git-lfs keeps it). A file that shares its inode with the store object (a
 * hard link) is read once.
 */
HFGIT_EXTERN int hfgit_verify_checkout(hfgit_verify_report **out, hfgit_ctx *ctx,
                                       const char *dir, const hfgit_verify_options *opts);

HFGIT_EXTERN size_t hfgit_verify_report_problem_count(const hfgit_verify_report *r);
HFGIT_EXTERN const hfgit_verify_problem *hfgit_verify_report_problem(const hfgit_verify_report *r,
                                                                     size_t i);
/* Files checked (store objects and working-tree files) and their bytes. */
HFGIT_EXTERN size_t hfgit_verify_report_files(const hfgit_verify_report *r);
HFGIT_EXTERN unsigned long long hfgit_verify_report_bytes(const hfgit_verify_report *r);
/* Objects a revision or checkout refers to that the store does not hold (never downloaded,
 * left out with --include or --exclude, or removed by gc): not damage. */
HFGIT_EXTERN size_t hfgit_verify_report_absent(const hfgit_verify_report *r);
HFGIT_EXTERN void hfgit_verify_report_free(hfgit_verify_report *r);

typedef enum {
	HFGIT_GC_OBJECT,   /* an LFS object no cached revision and no registered checkout uses */
	HFGIT_GC_PARTIAL,  /* a partial download untouched for a day that no process is fetching */
	HFGIT_GC_DAMAGED,  /* a damaged object that a verify moved aside */
} hfgit_gc_kind;

typedef struct {
	hfgit_gc_kind kind;
	const char *path;   /* absolute */
	const char *oid;
	unsigned long long size;
	/* Other hard links to it remain (a checkout's file): removing it frees no space yet. */
	int linked;
} hfgit_gc_item;

typedef struct hfgit_gc_report hfgit_gc_report;

typedef struct {
	unsigned int version;
	int dry_run;        /* only report what would be removed */
} hfgit_gc_options;

#define HFGIT_GC_OPTIONS_VERSION 1
#define HFGIT_GC_OPTIONS_INIT { HFGIT_GC_OPTIONS_VERSION }

/*
 * Remove from the LFS store what nothing needs: objects that no ref of any cache repository
 * (<cache>/repos) and no registered checkout (each successful clone registers its directory;
 * directories that are gone or no longer such a checkout are forgotten here) refers to,
 * partial downloads older than a day that no process holds the lock of, and objects moved
 * aside by verify. Run it when no clone is running: a clone that starts to use an object gc
 * is removing fails and can simply be run again.
 */
HFGIT_EXTERN int hfgit_gc(hfgit_gc_report **out, hfgit_ctx *ctx, const hfgit_gc_options *opts);
/* What was removed (or would be), objects sorted by oid, then partial and damaged files. */
HFGIT_EXTERN size_t hfgit_gc_report_count(const hfgit_gc_report *r);
HFGIT_EXTERN const hfgit_gc_item *hfgit_gc_report_item(const hfgit_gc_report *r, size_t i);
HFGIT_EXTERN unsigned long long hfgit_gc_report_bytes(const hfgit_gc_report *r);
/* The objects kept and their bytes; the cache repositories and checkouts that needed them. */
HFGIT_EXTERN size_t hfgit_gc_report_kept(const hfgit_gc_report *r);
HFGIT_EXTERN unsigned long long hfgit_gc_report_kept_bytes(const hfgit_gc_report *r);
HFGIT_EXTERN size_t hfgit_gc_report_repositories(const hfgit_gc_report *r);
HFGIT_EXTERN size_t hfgit_gc_report_checkouts(const hfgit_gc_report *r);
HFGIT_EXTERN void hfgit_gc_report_free(hfgit_gc_report *r);

#ifdef __cplusplus
}
#endif

#endif
