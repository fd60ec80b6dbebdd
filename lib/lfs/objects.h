/*
 * The LFS object store, laid out like git-lfs's so that real `git lfs` understands it:
 *
 *     <root>/objects/<oid[0:2]>/<oid[2:4]>/<oid>   verified content, read-only
 *     <root>/incomplete/<oid>.<host>-<pid>.part    a download in progress (resumable)
 *
 * An object appears at its final path only by rename(2), after its SHA-256 matched and its
 * bytes were synced: a reader never sees a partial or unverified object.
 */
#ifndef HFGIT_LFS_OBJECTS_H
#define HFGIT_LFS_OBJECTS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/types.h>

#include "hfgit.h"

typedef struct hfgit_lfs_objects hfgit_lfs_objects;

/* Open (creating directories as needed) the store at `root`. */
int hfgit_lfs__objects_open(hfgit_lfs_objects **out, const char *root);
void hfgit_lfs__objects_free(hfgit_lfs_objects *store);
const char *hfgit_lfs__objects_root(const hfgit_lfs_objects *store);

/* The final path of `oid` (validated: 64 lowercase hex); free() it. NULL for a bad oid. */
char *hfgit_lfs__object_path(const hfgit_lfs_objects *store, const char *oid);

/*
 * The download lock of `oid`: a one-byte OFD lock (F_OFD_SETLK) in <root>/incomplete/locks
 * (open as `lock_fd`), held by the process fetching the object; no file per object to create.
 * Whoever wants to know that nobody is fetching it (gc, before removing a partial download)
 * takes the same byte. OFD locks vanish with their process, so a killed one blocks nobody.
 * Returns 0 when taken, 1 when another process holds it, -1 when locks do not work here.
 */
int hfgit_lfs__object_trylock(int lock_fd, const char *oid);
void hfgit_lfs__object_unlock(int lock_fd, const char *oid);

/* Whether the store holds `oid` as a regular file of exactly `size` bytes. */
bool hfgit_lfs__object_present(const hfgit_lfs_objects *store, const char *oid, uint64_t size);
/* The same, with the object's stat data in `*st` (a hard link to it shares that inode). */
bool hfgit_lfs__object_stat(const hfgit_lfs_objects *store, const char *oid, uint64_t size,
                            struct stat *st);

/*
 * <root>/objects, open (O_PATH) for *at() calls: with hfgit_layout__lfs_object_rel, the
 * object's name relative to it. -1 when the store could not open it (objects are then only
 * reached through hfgit_lfs__object_path).
 */
int hfgit_lfs__objects_fd(const hfgit_lfs_objects *store);

/*
 * Make the verified partial file `tmp_path` (open as `fd`, which this closes) the object `oid`:
 * fsync (unless the caller made it durable already, e.g. with syncfs), mark read-only, rename
 * into place. On failure the partial file is removed.
 */
int hfgit_lfs__object_commit(const hfgit_lfs_objects *store, const char *oid, int fd,
                             const char *tmp_path, bool synced);

#endif
