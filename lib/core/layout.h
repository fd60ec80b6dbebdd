/*
 * Every name in hfgit's cache, in one place: the stages and the maintenance commands (gc,
 * verify, ls, rm) build their paths here, so that what one writes the other finds.
 *
 *     <cache>/repos/<endpoint key>/<repo>.git       one bare, shallow store per model id
 *     <cache>/repos/<...>.git/hfgit/last-used       its mtime: the last clone, resolve or export
 *     <cache>/repos/<...>.git/hfgit/lfs-manifests/<tree>   which blobs of a tree are LFS pointers
 *     <cache>/tmp/                                  work in progress, same file system
 *     <cache>/lfs/objects/<ab>/<cd>/<oid>           LFS objects, laid out as git-lfs lays them
 *     <cache>/lfs/incomplete/<oid>.<host>-<pid>.part   partial downloads, resumable
 *     <cache>/lfs/incomplete/import-<oid>-<pid>.tmp   an object being copied in (lfs/local.h)
 *     <cache>/lfs/incomplete/locks                  the per-object download locks (fcntl ranges)
 *     <cache>/lfs/damaged/                          objects verify moved aside
 *     <cache>/lfs/xxh3.log                          fast digests of verified objects
 *     <cache>/checkouts.log                         the checkout registry (gc keeps their objects)
 *     <cache>/checkouts/<repo>/<commit>             checkouts made for models and lockfiles
 *
 * The endpoint key keeps the stores of different hubs (a mirror, a local hub) apart. Paths are
 * built from plain strings: this file knows no context, no model id and no git. Each function
 * returns a new string (free() it), or NULL when out of memory.
 */
#ifndef HFGIT_CORE_LAYOUT_H
#define HFGIT_CORE_LAYOUT_H

#include <stdbool.h>

char *hfgit_layout__repos_dir(const char *cache_dir);
char *hfgit_layout__repo_dir(const char *cache_dir, const char *endpoint, const char *repo);
char *hfgit_layout__last_used(const char *repo_dir);
char *hfgit_layout__lfs_manifest(const char *repo_dir, const char *tree);
char *hfgit_layout__tmp_dir(const char *cache_dir);
char *hfgit_layout__checkouts_log(const char *cache_dir);
char *hfgit_layout__checkout_dir(const char *cache_dir, const char *repo, const char *commit);

char *hfgit_layout__lfs_root(const char *cache_dir);
char *hfgit_layout__lfs_objects_dir(const char *lfs_root);
char *hfgit_layout__lfs_object(const char *lfs_root, const char *oid);
/* The same object's path below <lfs_root>/objects ("ab/cd/<oid>"), into `out`, which holds
 * HFGIT_LAYOUT_LFS_OBJECT_REL bytes: no allocation, for work done once per file. */
#define HFGIT_LAYOUT_LFS_OBJECT_REL (2 + 1 + 2 + 1 + 64 + 1)
void hfgit_layout__lfs_object_rel(char *out, const char *oid);
char *hfgit_layout__lfs_incomplete_dir(const char *lfs_root);
char *hfgit_layout__lfs_locks(const char *lfs_root);
char *hfgit_layout__lfs_damaged_dir(const char *lfs_root);
char *hfgit_layout__lfs_digest_log(const char *lfs_root);

/* A temporary file of this process for an object copied in from elsewhere on the machine. */
char *hfgit_layout__lfs_import_tmp(const char *lfs_root, const char *oid);

/* This process's partial download of `oid` (in the incomplete directory). */
char *hfgit_layout__lfs_partial(const char *lfs_root, const char *oid);

/* Whether `name` (a file name in the incomplete directory) is a partial download, of which
 * object when `oid` is not NULL (65 bytes: 64 hex digits and a NUL). */
bool hfgit_layout__lfs_partial_name(const char *name, char *oid);

#endif
