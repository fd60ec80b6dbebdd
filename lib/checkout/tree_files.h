/*
 * The files of a commit as a checkout sees them: every blob of its tree, and for each whether
 * it is Git LFS content (a pointer that git-lfs would smudge: it parses, has no extensions, and
 * the commit's attributes say filter=lfs). The export to the huggingface_hub cache and
 * `hfgit ls` both need exactly the checkout's answer, so that the three never disagree.
 */
#ifndef HFGIT_CHECKOUT_TREE_FILES_H
#define HFGIT_CHECKOUT_TREE_FILES_H

#include <git2.h>

#include "lfs/pointer.h"

typedef struct {
	const char *path;               /* relative to the top of the tree, '/'-separated */
	const git_oid *blob;
	git_filemode_t mode;            /* blob, executable blob or symbolic link */
	const hfgit_lfs_pointer *lfs;   /* the pointer when the file is LFS content, else NULL */
} hfgit_tree_file;

/* Return non-zero to stop the walk; that value is then returned. */
typedef int (*hfgit_tree_file_cb)(const hfgit_tree_file *file, void *payload);

/*
 * Call `cb` for every blob of `commit`'s tree in `repo` (a bare store will do), in tree order.
 * Submodule entries are skipped: a checkout leaves them empty too.
 */
int hfgit_tree_files__foreach(git_repository *repo, const git_oid *commit, hfgit_tree_file_cb cb,
                              void *payload);

/* The same answers, with the LFS manifest at `manifest` (manifest.h) instead of reading each
 * pointer blob where it describes the tree, and written anew where it does not. */
int hfgit_tree_files__foreach_cached(git_repository *repo, const git_oid *commit,
                                     const char *manifest, hfgit_tree_file_cb cb, void *payload);

#endif
