/* LFS content from the store into a working tree (see placement.h). */
#define _GNU_SOURCE
#include "checkout/placement.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "checkout/worktree.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/layout.h"
#include "core/strbuf.h"
#include "lfs/pointer.h"

struct hfgit_placement {
	hfgit_link_mode mode;
	bool reflink_works;
	bool new_tree;
	const hfgit_lfs_objects *store;
	int objects_fd;          /* the store's objects directory, or -1 (whole paths) */
	int workdir_fd;
	int dir_fd;              /* the directory `dir` names, open; workdir_fd for the top */
	hfgit_strbuf dir;        /* relative to the working tree */
	struct timespec past[2]; /* see hfgit_placement__file */
};

int hfgit_placement__open(hfgit_placement **out, git_repository *repo,
                          const hfgit_lfs_objects *store, hfgit_link_mode mode, bool new_tree)
{
	const char *workdir = git_repository_workdir(repo);
	hfgit_placement *pl;

	*out = NULL;
	if (!workdir)
		return hfgit_error__set(HFGIT_EINVALID, "'%s' has no working tree", git_repository_path(repo));
	if (!(pl = calloc(1, sizeof(*pl))))
		return hfgit_error__oom();
	pl->mode = mode;
	pl->reflink_works = true;
	pl->new_tree = new_tree;
	pl->store = store;
	pl->objects_fd = hfgit_lfs__objects_fd(store);
	if ((pl->workdir_fd = open(workdir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
		free(pl);
		return hfgit_error__set_errno(HFGIT_EIO, "cannot open the working tree '%s'", workdir);
	}
	pl->dir_fd = pl->workdir_fd;
	/* A file newer than this gets it as its mtime (see hfgit_placement__file). */
	clock_gettime(CLOCK_REALTIME, &pl->past[0]);
	pl->past[0].tv_sec -= 2;
	pl->past[1] = pl->past[0];
	*out = pl;
	return 0;
}

void hfgit_placement__close(hfgit_placement *pl)
{
	if (!pl)
		return;
	if (pl->dir_fd != pl->workdir_fd)
		close(pl->dir_fd);
	close(pl->workdir_fd);
	hfgit_strbuf__dispose(&pl->dir);
	free(pl);
}

/* The directory of `path` made (with its parents) and open as pl->dir_fd; `*name` is the
 * file's name in it. */
static int enter_dir(hfgit_placement *pl, const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	int rc, fd;

	*name = slash ? slash + 1 : path;
	if (pl->dir.len == len && !memcmp(hfgit_strbuf__cstr(&pl->dir), path, len))
		return 0;
	if (pl->dir_fd != pl->workdir_fd)
		close(pl->dir_fd);
	pl->dir_fd = pl->workdir_fd;
	hfgit_strbuf__clear(&pl->dir);
	if (!len)
		return 0;
	if ((rc = hfgit_strbuf__put(&pl->dir, path, len)) < 0 ||
	    (rc = hfgit_fs__mkdir_p_at(pl->workdir_fd, hfgit_strbuf__cstr(&pl->dir))) < 0)
		goto fail;
	fd = openat(pl->workdir_fd, hfgit_strbuf__cstr(&pl->dir), O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (fd < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot open the directory '%s'",
		                            hfgit_strbuf__cstr(&pl->dir));
		goto fail;
	}
	pl->dir_fd = fd;
	return 0;
fail:
	hfgit_strbuf__clear(&pl->dir);
	return rc;
}

/* The object's content at pl->dir_fd's `name`, its stat data into `*st`. */
static int place(hfgit_placement *pl, const char *path, const char *name, const char *oid,
                 git_filemode_t mode, const struct stat *found, struct stat *st)
{
	char rel[HFGIT_LAYOUT_LFS_OBJECT_REL], *whole = NULL;
	const char *object = rel;
	bool linked = false;
	int rc;

	if (!hfgit_lfs__oid_valid(oid, strlen(oid)))
		return hfgit_error__set(HFGIT_EINVALID, "invalid LFS object id '%.80s'", oid);
	if (pl->objects_fd >= 0)
		hfgit_layout__lfs_object_rel(rel, oid);
	else if (!(object = whole = hfgit_lfs__object_path(pl->store, oid)))
		return HFGIT_ERROR;
	if (!pl->new_tree)
		unlinkat(pl->dir_fd, name, 0); /* the file of the revision before */
	rc = hfgit_worktree__place_at(pl->objects_fd >= 0 ? pl->objects_fd : AT_FDCWD, object,
	                              pl->dir_fd, name, pl->mode,
	                              mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644,
	                              &pl->reflink_works, st, &linked);
	if (rc < 0)
		rc = hfgit_error__set(rc, "cannot put the content of '%s' in place from the store %s: %s",
		                      path, hfgit_lfs__objects_root(pl->store), hfgit_error_last());
	else if (linked && found && found->st_ino)
		*st = *found;
	else if (linked && fstatat(pl->dir_fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot stat '%s'", path);
	free(whole);
	return rc;
}

static void fill_entry(git_index_entry *entry, const char *path, git_filemode_t mode,
                       const git_oid *blob, const struct stat *st)
{
	memset(entry, 0, sizeof(*entry));
	entry->path = path;
	entry->mode = mode;
	git_oid_cpy(&entry->id, blob);
	entry->ctime.seconds = (int32_t)st->st_ctim.tv_sec;
	entry->ctime.nanoseconds = (uint32_t)st->st_ctim.tv_nsec;
	entry->mtime.seconds = (int32_t)st->st_mtim.tv_sec;
	entry->mtime.nanoseconds = (uint32_t)st->st_mtim.tv_nsec;
	entry->dev = (uint32_t)st->st_dev;
	entry->ino = (uint32_t)st->st_ino;
	entry->uid = st->st_uid;
	entry->gid = st->st_gid;
	entry->file_size = (uint32_t)st->st_size; /* git keeps the size modulo 2^32 */
}

/*
 * The index entry is made under the pointer's blob id (what git-lfs's clean filter gives for
 * that content). A file newer than `past` gets that mtime, a little before the index is
 * written: entries as new as the index are "racy", and git would re-hash them, which needs
 * git-lfs's filter. (A warm clone links objects made long ago: nothing to change, and nothing
 * to stat: a hard link's stat data are the object's, from the look for it in the store. Only
 * the ctime differs, which a checkout with hard links tells git not to trust.)
 */
int hfgit_placement__file(hfgit_placement *pl, git_index_entry *entry, const char *path,
                          const char *oid, uint64_t size, git_filemode_t mode,
                          const git_oid *blob, const struct stat *found)
{
	const char *name;
	struct stat st;
	int rc;

	if ((rc = enter_dir(pl, path, &name)) < 0 || (rc = place(pl, path, name, oid, mode, found, &st)) < 0)
		return rc;
	if (!S_ISREG(st.st_mode) || (uint64_t)st.st_size != size) {
		unlinkat(pl->dir_fd, name, 0);
		return hfgit_error__set(HFGIT_ENOTFOUND, "the store has no object %s of %llu bytes "
		                        "for '%s'", oid, (unsigned long long)size, path);
	}
	if (st.st_mtime > pl->past[1].tv_sec) {
		/* best effort: the inode may be another user's object in a shared store */
		utimensat(pl->dir_fd, name, pl->past, AT_SYMLINK_NOFOLLOW);
		if (fstatat(pl->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return hfgit_error__set_errno(HFGIT_EIO, "cannot stat '%s'", path);
	}
	fill_entry(entry, path, mode, blob, &st);
	return 0;
}
