/*
 * Lockfiles: the in-memory form shared by the format (format.c), the making of one from specs
 * (create.c), the comparison with the hub (drift.c), the checks of trees and checkouts against
 * it (verify.c) and sync (sync.c). This stage sits above checkout: it uses refs, fetch, clone
 * and the LFS store; nothing below it includes this header.
 */
#ifndef HFGIT_LOCK_LOCK_H
#define HFGIT_LOCK_LOCK_H

#include <stdbool.h>
#include <stddef.h>

#include "hfgit.h"
#include "core/strbuf.h"

typedef struct {
	hfgit_lock_entry pub;   /* its strings are owned here */
	hfgit_lock_file *files; /* sorted by path (byte order), paths owned */
	size_t cap;
} hfgit_lock_item;

struct hfgit_lock {
	char *name;             /* the file it was read from, for messages ("hfgit.lock") */
	hfgit_lock_item *items;
	size_t count, cap;
};

struct hfgit_lock_report {
	hfgit_lock_status *statuses;
	size_t count, cap;
};

/* A new, empty lock. */
int hfgit_lock__new(hfgit_lock **out);

/* Append an entry with copies of the strings (revision and ref may be NULL); its files are
 * added with hfgit_lock__item_add_file. */
int hfgit_lock__add(hfgit_lock_item **out, hfgit_lock *lock, const char *spec, const char *id,
                    const char *revision, hfgit_rev_kind kind, const char *ref,
                    const char *commit, const char *tree);
int hfgit_lock__item_add_file(hfgit_lock_item *item, const hfgit_lock_file *file);

/* Sort entries by spec and each entry's files by path; give every entry its unique name. */
int hfgit_lock__seal(hfgit_lock *lock);

/* "rev kind" names of the format: "branch", "tag", "ref", "commit". */
const char *hfgit_lock__kind_name(hfgit_rev_kind kind);

/* git's quoting of a path (quote_c_style), also for leading or trailing blanks; appended. */
int hfgit_lock__quote_path(hfgit_strbuf *out, const char *path);

/* The file of `item` at `path`, or NULL. */
const hfgit_lock_file *hfgit_lock__item_find(const hfgit_lock_item *item, const char *path);

/* A status for `entry` appended to `r`; strings are copied later with the setters. */
int hfgit_lock__report_add(hfgit_lock_status **out, hfgit_lock_report *r,
                           const hfgit_lock_entry *entry);
int hfgit_lock__report_new(hfgit_lock_report **out);
/* Replace a string field of a status with a copy of `value` (may be NULL). */
int hfgit_lock__status_set(const char **field, const char *value);

/*
 * Compare `item` with the hub (ctx online). With `store` (the entry's cache repository,
 * already open) a locked commit that the store lacks and the hub still has is fetched into it
 * on the way. The status says what was found.
 */
struct git_repository;
int hfgit_lock__drift(hfgit_lock_status *st, hfgit_ctx *ctx, const hfgit_lock_item *item,
                      struct git_repository *store);

/* The same from what the cache remembers of the hub's refs; never the network. */
int hfgit_lock__drift_offline(hfgit_lock_status *st, hfgit_ctx *ctx, const hfgit_lock_item *item,
                              struct git_repository *store);

/*
 * The repository's id on the hub now: the id the redirects of a renamed repository end at
 * (the id itself when none). HFGIT_ENOTFOUND when the hub has no such repository.
 */
int hfgit_lock__hub_id(char **out, hfgit_ctx *ctx, const char *id);

/* The tree of the locked commit in `store` against the lock: every path, mode, blob, and LFS
 * pointer equal, nothing more, nothing less. `lockname` is for messages. */
int hfgit_lock__verify_tree(struct git_repository *store, const hfgit_lock_item *item,
                            const char *lockname);

/* Every file of the checkout at `dir` against the lock: blob ids of git files, size and
 * SHA-256 of LFS content (the XXH3 digest of `digests` where it has one), modes; a file the
 * lock does not name is an error too. Messages name the directory `shown` (NULL: `dir`):
 * where a staging directory is going. */
struct hfgit_lfs_digests;
int hfgit_lock__verify_checkout(const char *dir, const char *shown, const hfgit_lock_item *item,
                                const char *lockname, const struct hfgit_lfs_digests *digests);

#endif
