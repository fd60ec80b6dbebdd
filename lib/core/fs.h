/* File-system helpers with hfgit's error reporting. */
#ifndef HFGIT_CORE_FS_H
#define HFGIT_CORE_FS_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

/* mkdir -p with mode 0777 (less umask); succeeds when the directory exists. */
int hfgit_fs__mkdir_p(const char *path);

/* mkdir -p of `path` relative to the directory `dir` (AT_FDCWD: the current one). */
int hfgit_fs__mkdir_p_at(int dir, const char *path);

/* mkdir -p of the directory `path` is in (nothing for a name without a directory). */
int hfgit_fs__mkdir_parent(const char *path);

/* rm -rf: removes `path` and everything below it; a missing path is not an error. */
int hfgit_fs__remove_tree(const char *path);

/* True when `path` does not exist or is an empty directory. */
bool hfgit_fs__is_absent_or_empty_dir(const char *path);

bool hfgit_fs__exists(const char *path);

/* Write `len` bytes to `path` through a temporary file and a rename: readers see the old
 * content or the new, never a mix. Not synced: for metadata that git itself does not sync
 * (shallow lists, remembered refs); what must survive a crash (LFS objects) is synced
 * explicitly by its writer. */
int hfgit_fs__write_atomic(const char *path, const char *data, size_t len);

/* Read a whole (small) file into a NUL-terminated buffer; free() it. */
int hfgit_fs__read_file(char **out, size_t *len, const char *path);

/* The ways hfgit_fs__place may make a file, tried in this order. */
typedef struct {
	bool reflink;        /* a reflink (FICLONE): shared blocks, an independent file */
	bool link;           /* a hard link: shares `from`'s inode, so its mode and owner too */
	bool copy;           /* a copy through a temporary file renamed into place */
	unsigned int mode;   /* the permissions of a reflink or a copy */
	bool durable;        /* fsync a copy before its rename (the cache; not a working tree) */
} hfgit_fs_place_ways;

/*
 * A new file `to` (which must not exist) with the content of `from`, in the first of `ways`
 * that works. A way the file system refuses (no reflinks, another device, no hard links) falls
 * through to the next; another failure (`from` missing, `to` existing) is an error. `*made`
 * (may be NULL) says which way it was: "reflinked", "hard-linked" or "copied". Returns 1, and
 * sets no error, when every way allowed was refused by the file system.
 */
int hfgit_fs__place(const char **made, const char *from, const char *to,
                    const hfgit_fs_place_ways *ways);

/*
 * hfgit_fs__place with `from` and `to` relative to the directories `from_dir` and `to_dir`
 * (AT_FDCWD: the current one), as in linkat(2): many files placed from one store into one
 * folder each walk a short name instead of two whole paths. `st` (may be NULL) gets the new
 * file's stat data when it was reflinked or copied; a hard link shares `from`'s inode, so the
 * caller may know its stat data already. Messages name `from` and `to` as given.
 */
int hfgit_fs__place_at(const char **made, int from_dir, const char *from, int to_dir,
                       const char *to, const hfgit_fs_place_ways *ways, struct stat *st);

/* Copy `from` to `to` (which must not exist: HFGIT_EEXISTS) through a temporary file renamed
 * into place, with permissions `mode`; `durable`: fsync before the rename (for the cache; a
 * working tree does without, as git's). A missing `from` is HFGIT_ENOTFOUND. */
int hfgit_fs__copy(const char *from, const char *to, unsigned int mode, bool durable);
/* The same relative to directories (see hfgit_fs__place_at); `st` (may be NULL) gets the
 * copy's stat data. */
int hfgit_fs__copy_at(int from_dir, const char *from, int to_dir, const char *to,
                      unsigned int mode, bool durable, struct stat *st);

/* The absolute form of `path` (which need not exist); free() it. */
char *hfgit_fs__absolute(const char *path);

#endif
