/*
 * LFS content from the store into a working tree, one file after another, with the index
 * entry of each. A clone of many small files is made of little else, so each file costs as
 * few system calls as can be: its directory is made and opened once (files come in tree
 * order), the file is linked by its name in it from its short name below the store's objects
 * directory (a whole absolute path per file cost a path walk per component, twice, on each
 * link), and a hard link's stat data are its object's, when the caller has them already.
 */
#ifndef HFGIT_CHECKOUT_PLACEMENT_H
#define HFGIT_CHECKOUT_PLACEMENT_H

#include <git2.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>

#include "hfgit.h"
#include "lfs/objects.h"

typedef struct hfgit_placement hfgit_placement;

/* Placing into `repo`'s working tree from `store` by the link policy `mode`. `new_tree`: the
 * working tree is new (a clone), so no old file is in the way. */
int hfgit_placement__open(hfgit_placement **out, git_repository *repo,
                          const hfgit_lfs_objects *store, hfgit_link_mode mode, bool new_tree);
void hfgit_placement__close(hfgit_placement *pl);

/*
 * The content of the store's object `oid` (`size` bytes) at `path` (relative to the working
 * tree; it must stay valid as long as `entry`), and `*entry` filled in for the index: `path`,
 * git's `mode`, the pointer's `blob`, the file's stat data. `found` (may be NULL, or st_ino 0):
 * the object's stat data, known from a look in the store, which a hard link shares.
 * HFGIT_ENOTFOUND (nothing left at `path`) when the store has no such object of that size.
 */
int hfgit_placement__file(hfgit_placement *pl, git_index_entry *entry, const char *path,
                          const char *oid, uint64_t size, git_filemode_t mode,
                          const git_oid *blob, const struct stat *found);

#endif
