/* Lockfiles: a set of model revisions pinned to exact bytes. */
#ifndef HFGIT_LOCK_H
#define HFGIT_LOCK_H

#include "hfgit/common.h"
#include "hfgit/context.h"
#include "hfgit/refs.h"
#include "hfgit/clone.h"
#include "hfgit/cache.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Lockfiles: a set of model revisions pinned to exact bytes                                  */

/*
 * A lockfile records, for each model spec, the commit its revision resolved to and every file
 * of that commit's tree (path, mode, git blob id; oid and size for LFS content), so that
 * hfgit_lock_sync can bring back exactly those bytes on any machine, years later, whatever the
 * tags and branches say by then. The text format ("# hfgit lockfile v1") is described in the
 * README and in lib/lock/format.c.
 */
typedef struct hfgit_lock hfgit_lock;

typedef struct {
	const char *path;         /* '/'-separated, relative to the top of the tree */
	unsigned int mode;        /* git's: 0100644, 0100755 (executable), 0120000 (symlink) */
	char blob[41];            /* the git blob id, 40 hex */
	int lfs;                  /* 1: Git LFS content (a checkout gets the object's bytes) */
	char lfs_oid[65];         /* the LFS object's sha256, 64 hex; "" for a git file */
	unsigned long long size;  /* the LFS object's size; 0 for a git file */
	size_t line;              /* its line in the lockfile; 0 when not read from one */
} hfgit_lock_file;

typedef struct {
	const char *spec;         /* as written: "bert-base-uncased@v2.0.1" */
	const char *id;           /* the repository after the hub's redirects:
	                           * "google-bert/bert-base-uncased" */
	const char *revision;     /* as asked; NULL: the default branch */
	hfgit_rev_kind kind;
	const char *ref;          /* the full ref name ("refs/tags/v2.0.1"); NULL for a hash */
	char commit[41];
	char tree[41];
	size_t file_count;
	size_t line;              /* where the entry starts in the lockfile; 0: not read */
	/* The directory name `hfgit sync --dir` gives the entry: the model's name, made unique
	 * within the lock ("bert-base-uncased", else "google-bert--bert-base-uncased", else with
	 * "@<revision>"). */
	const char *name;
} hfgit_lock_entry;

typedef struct {
	unsigned int version;
	hfgit_progress_cb progress; /* resolution and fetches of the specs' commits */
	void *payload;
} hfgit_lock_options;

#define HFGIT_LOCK_OPTIONS_VERSION 1
#define HFGIT_LOCK_OPTIONS_INIT { HFGIT_LOCK_OPTIONS_VERSION }

/*
 * Resolve each of `specs` ("ID[@REV]") through the hub (or, offline, the cache) and record
 * its commit and tree: the commit's git objects are fetched into the cache (no LFS content:
 * the pointers give oid and size). Entries are sorted by spec, files by path; a spec given
 * twice is one entry.
 */
HFGIT_EXTERN int hfgit_lock_create(hfgit_lock **out, hfgit_ctx *ctx, const char *const *specs,
                                   size_t count, const hfgit_lock_options *opts);

/*
 * Parse a lockfile strictly: an unknown version, a missing or malformed field, files out of
 * order, a path that leaves the tree are HFGIT_EINVALID errors that say "<name>:<line>: ...".
 * `name` (NULL: "lockfile") is only used in messages.
 */
HFGIT_EXTERN int hfgit_lock_parse(hfgit_lock **out, const char *text, size_t len,
                                  const char *name);
/* Read and parse the lockfile at `path`. */
HFGIT_EXTERN int hfgit_lock_read(hfgit_lock **out, const char *path);
/* The lockfile's text: what hfgit_lock_write writes. free() it. */
HFGIT_EXTERN int hfgit_lock_format(char **out, size_t *len, const hfgit_lock *lock);
/* Write the lockfile to `path` atomically (a temporary file renamed over it). */
HFGIT_EXTERN int hfgit_lock_write(const hfgit_lock *lock, const char *path);
HFGIT_EXTERN void hfgit_lock_free(hfgit_lock *lock);

HFGIT_EXTERN size_t hfgit_lock_count(const hfgit_lock *lock);
HFGIT_EXTERN const hfgit_lock_entry *hfgit_lock_entry_at(const hfgit_lock *lock, size_t i);
HFGIT_EXTERN const hfgit_lock_file *hfgit_lock_file_at(const hfgit_lock *lock, size_t i,
                                                       size_t j);

/*
 * The entry that `spec` ("ID[@REV]") names: ID is the entry's id or the id of its spec
 * (before redirects); REV, when given, is the revision the entry asked for or a prefix (4 hex
 * digits or more) of its commit. Without REV, the one entry of that id. HFGIT_ENOTFOUND when
 * the lock has none (not an error for callers that fall back to resolving), HFGIT_EAMBIGUOUS
 * when ID alone names several entries. This is what `--lock FILE` of the commands uses:
 *
 *     const hfgit_lock_entry *e;
 *     if (lock && hfgit_lock_lookup(&e, lock, spec) == 0)
 *         ... use e->id "@" e->commit instead of spec ...
 */
HFGIT_EXTERN int hfgit_lock_lookup(const hfgit_lock_entry **out, const hfgit_lock *lock,
                                   const char *spec);

/* How an entry compares with the hub now. */
typedef enum {
	HFGIT_LOCK_UNCHANGED = 0, /* the revision still names the locked commit */
	HFGIT_LOCK_MOVED,         /* the branch or tag now names another commit */
	HFGIT_LOCK_RENAMED,       /* the repository redirects to another id */
	HFGIT_LOCK_GONE,          /* the repository, the ref or the locked commit is gone */
} hfgit_lock_state;

/* "unchanged", "moved", "renamed", "gone". */
HFGIT_EXTERN const char *hfgit_lock_state_name(hfgit_lock_state state);

typedef struct {
	const hfgit_lock_entry *entry;
	hfgit_lock_state state;   /* the worst that applies: gone, renamed, moved, unchanged */
	const char *moved_to;     /* the commit the revision names now, when it moved; else NULL */
	const char *renamed_to;   /* the id the repository redirects to now; else NULL */
	int hub_has_commit;       /* 1: the hub still serves the locked commit; -1: not known */
	int cache_has_commit;     /* 1: the cache holds the locked commit */
	const char *dir;          /* hfgit_lock_sync: the checkout made or found; else NULL */
	int reused;               /* hfgit_lock_sync: `dir` was there already and verified */
	const char *message;      /* one line for people, NULL when unchanged */
} hfgit_lock_status;

typedef struct hfgit_lock_report hfgit_lock_report;

HFGIT_EXTERN size_t hfgit_lock_report_count(const hfgit_lock_report *r);
HFGIT_EXTERN const hfgit_lock_status *hfgit_lock_report_at(const hfgit_lock_report *r, size_t i);
/* Entries not HFGIT_LOCK_UNCHANGED. */
HFGIT_EXTERN size_t hfgit_lock_report_drifted(const hfgit_lock_report *r);
HFGIT_EXTERN void hfgit_lock_report_free(hfgit_lock_report *r);

/*
 * Compare every entry with the hub: is the repository where it was, does the revision still
 * name the locked commit, does the hub still have that commit. Needs the network
 * (HFGIT_EOFFLINE offline). Returns 0 when it could look, whatever it found.
 */
HFGIT_EXTERN int hfgit_lock_check(hfgit_lock_report **out, hfgit_ctx *ctx,
                                  const hfgit_lock *lock);

typedef struct {
	unsigned int version;
	/* NULL: each entry into the cache, as <cache>/checkouts/<id>/<commit> (the checkout
	 * hfgit_model_from_pretrained uses); else also a checkout at <dir>/<entry name>. */
	const char *dir;
	hfgit_progress_cb progress;
	void *payload;
	unsigned int jobs;        /* parallel LFS downloads; 0: 8 */
	hfgit_link_mode link;
	/* 1: SHA-256 of every LFS file. 0: a file whose XXH3-64 is the digest recorded when the
	 * object of its oid was downloaded and SHA-256-verified passes without SHA-256 (as
	 * hfgit_verify_options.deep = 0 does; any doubt goes to SHA-256). */
	int deep;
} hfgit_sync_options;

#define HFGIT_SYNC_OPTIONS_VERSION 1
#define HFGIT_SYNC_OPTIONS_INIT { HFGIT_SYNC_OPTIONS_VERSION }

/*
 * Bring every entry back at its locked commit, never at what its ref says now: the commit
 * into the cache (from the hub, or from the cache alone offline), a checkout made from it,
 * and every file of the checkout verified against the lock (git blob ids for git files,
 * size and SHA-256 for LFS content, see `deep`) before it gets its final name. Online, each
 * entry is compared with the hub as hfgit_lock_check does: a moved branch or tag is drift (in the
 * report) and the locked commit is used; a locked commit the hub no longer has is an
 * HFGIT_ENOTFOUND error that says whether the cache still holds it. A checkout that fails
 * leaves nothing at its final path. `out` (may be NULL) receives the report, also on failure
 * (with the entries done so far).
 */
HFGIT_EXTERN int hfgit_lock_sync(hfgit_lock_report **out, hfgit_ctx *ctx, const hfgit_lock *lock,
                                 const hfgit_sync_options *opts);

#ifdef __cplusplus
}
#endif

#endif
