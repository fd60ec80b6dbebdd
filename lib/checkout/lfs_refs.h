/*
 * Which LFS objects git trees refer to: the pointer blobs of a commit's tree, of every ref of
 * a cache repository, of a checkout's HEAD. `hfgit gc` keeps these objects.
 *
 * Every blob that parses as a pointer counts, whatever the attributes say: for gc that errs
 * on the side of keeping. (What a checkout puts in place, attributes included, is
 * tree_files.h's answer.)
 */
#ifndef HFGIT_CHECKOUT_LFS_REFS_H
#define HFGIT_CHECKOUT_LFS_REFS_H

#include <git2.h>
#include <stdbool.h>
#include <stddef.h>

#include "lfs/pointer.h"

/* Whether `blob` is an LFS pointer (read only when its size allows), parsed into `out`. */
bool hfgit_lfs__read_pointer(hfgit_lfs_pointer *out, git_odb *odb, const git_oid *blob);

/* Called once per pointer blob met; `path` is the file's path in the tree, `ref` the ref the
 * tree was reached from (NULL for a bare commit). Non-zero stops the walk and is returned. */
typedef int (*hfgit_lfs_ref_cb)(const hfgit_lfs_pointer *pointer, const char *path,
                                const char *ref, void *payload);

/* The pointers of the tree of `commit` (a commit, or a tag that peels to one). */
int hfgit_lfs__refs_commit(git_repository *repo, const git_oid *commit, const char *ref,
                           hfgit_lfs_ref_cb cb, void *payload);

/* Calls `cb` once per distinct commit that the refs of `repo` name (tags peeled), with the
 * first ref naming it. A ref whose object is missing is an error: what it needs cannot be
 * known. Non-zero from `cb` stops and is returned. */
typedef int (*hfgit_ref_commit_cb)(const git_oid *commit, const char *ref, void *payload);
int hfgit_refs__foreach_commit(git_repository *repo, hfgit_ref_commit_cb cb, void *payload);

/* The pointers of the trees of every ref of `repo`; a tree shared by several refs is walked
 * once (under the first ref that reaches it). A ref that cannot be read is an error: its
 * objects cannot be known. */
int hfgit_lfs__refs_all(git_repository *repo, hfgit_lfs_ref_cb cb, void *payload);

/* Calls `cb` with the path of every bare repository "*.git" below <cache>/repos. */
typedef int (*hfgit_cache_repo_cb)(const char *path, void *payload);
int hfgit_cache__foreach_repo(const char *cache_dir, hfgit_cache_repo_cb cb, void *payload);

/* A set of LFS oids: add any number, then seal once, then ask. */
typedef struct {
	char (*oids)[HFGIT_LFS_OID_HEXSZ + 1];
	size_t count, cap;
} hfgit_oidset;

#define HFGIT_OIDSET_INIT { NULL, 0, 0 }

int hfgit_oidset__add(hfgit_oidset *set, const char *oid);
/* Sorts and drops duplicates; needed before hfgit_oidset__has. */
void hfgit_oidset__seal(hfgit_oidset *set);
bool hfgit_oidset__has(const hfgit_oidset *set, const char *oid);
void hfgit_oidset__dispose(hfgit_oidset *set);

#endif
