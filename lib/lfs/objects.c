#define _GNU_SOURCE
#include "lfs/objects.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lfs/pointer.h"

struct hfgit_lfs_objects {
	char *root;
	int objects_fd;   /* <root>/objects (O_PATH), or -1: paths are then built whole */
};

static void open_objects_dir(hfgit_lfs_objects *store);

int hfgit_lfs__objects_open(hfgit_lfs_objects **out, const char *root)
{
	hfgit_lfs_objects *store;
	char *incomplete;
	int rc;

	*out = NULL;
	if (!(store = calloc(1, sizeof(*store))))
		return hfgit_error__oom();
	store->objects_fd = -1;
	if (!(store->root = hfgit__strdup(root)) ||
	    !(incomplete = hfgit_layout__lfs_incomplete_dir(root))) {
		hfgit_lfs__objects_free(store);
		return HFGIT_ERROR;
	}
	rc = hfgit_fs__mkdir_p(incomplete);
	free(incomplete);
	if (rc < 0) {
		hfgit_lfs__objects_free(store);
		return hfgit_error__set(rc, "%s: make the cache writable or choose another with "
		                        "--cache-dir or HFGIT_HOME", hfgit_error_last());
	}
	open_objects_dir(store);
	*out = store;
	return 0;
}

/* The objects directory, made and opened once: a lookup per object then walks two short
 * names below it instead of the whole absolute path. Where it cannot be opened, every lookup
 * takes the whole path (and says what is wrong). */
static void open_objects_dir(hfgit_lfs_objects *store)
{
	char *dir = hfgit_layout__lfs_objects_dir(store->root);

	if (dir && hfgit_fs__mkdir_p(dir) == 0)
		store->objects_fd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	free(dir);
	hfgit_error__clear();
}

void hfgit_lfs__objects_free(hfgit_lfs_objects *store)
{
	if (!store)
		return;
	if (store->objects_fd >= 0)
		close(store->objects_fd);
	free(store->root);
	free(store);
}

int hfgit_lfs__objects_fd(const hfgit_lfs_objects *store)
{
	return store->objects_fd;
}

const char *hfgit_lfs__objects_root(const hfgit_lfs_objects *store)
{
	return store->root;
}

char *hfgit_lfs__object_path(const hfgit_lfs_objects *store, const char *oid)
{
	/* The oid becomes a path: never build one from anything but 64 lowercase hex digits. */
	if (!hfgit_lfs__oid_valid(oid, strlen(oid))) {
		hfgit_error__set(HFGIT_EINVALID, "invalid LFS object id '%.80s'", oid);
		return NULL;
	}
	return hfgit_layout__lfs_object(store->root, oid);
}

/* The oid's first 40 bits: distinct objects rarely share a byte, and sharing one only
 * makes one download wait for another. */
static int object_lock(int lock_fd, const char *oid, short type)
{
	char head[11];
	struct flock fl = { .l_type = type, .l_whence = SEEK_SET, .l_len = 1 };

	/* The first 40 bits of the oid: collisions only make two objects wait for each other. */
	memcpy(head, oid, 10);
	head[10] = '\0';
	fl.l_start = (off_t)strtoull(head, NULL, 16);
	if (fcntl(lock_fd, F_OFD_SETLK, &fl) == 0)
		return 0;
	return errno == EAGAIN || errno == EACCES ? 1 : -1;
}

int hfgit_lfs__object_trylock(int lock_fd, const char *oid)
{
	return object_lock(lock_fd, oid, F_WRLCK);
}

void hfgit_lfs__object_unlock(int lock_fd, const char *oid)
{
	object_lock(lock_fd, oid, F_UNLCK);
}

bool hfgit_lfs__object_stat(const hfgit_lfs_objects *store, const char *oid, uint64_t size,
                            struct stat *st)
{
	char rel[HFGIT_LAYOUT_LFS_OBJECT_REL], *path;
	bool present;

	if (!hfgit_lfs__oid_valid(oid, strlen(oid))) {
		hfgit_error__set(HFGIT_EINVALID, "invalid LFS object id '%.80s'", oid);
		return false;
	}
	if (store->objects_fd >= 0) {
		hfgit_layout__lfs_object_rel(rel, oid);
		present = fstatat(store->objects_fd, rel, st, 0) == 0;
	} else {
		if (!(path = hfgit_layout__lfs_object(store->root, oid)))
			return false;
		present = stat(path, st) == 0;
		free(path);
	}
	return present && S_ISREG(st->st_mode) && (uint64_t)st->st_size == size;
}

bool hfgit_lfs__object_present(const hfgit_lfs_objects *store, const char *oid, uint64_t size)
{
	struct stat st;
	return hfgit_lfs__object_stat(store, oid, size, &st);
}

int hfgit_lfs__object_commit(const hfgit_lfs_objects *store, const char *oid, int fd,
                             const char *tmp_path, bool synced)
{
	char *path = hfgit_lfs__object_path(store, oid), *dir = NULL;
	int rc = 0;

	if (!path) {
		rc = HFGIT_EINVALID;
		goto out;
	}
	if ((!synced && fsync(fd) < 0) || fchmod(fd, 0444) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot sync '%s'", tmp_path);
		goto out;
	}
	if (rename(tmp_path, path) == 0)
		goto out;
	/* The first object of its ab/cd folder: make the folder, then try again. */
	if (errno != ENOENT || !(dir = hfgit__strdup(path))) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot move '%s' into the object store", tmp_path);
		goto out;
	}
	*strrchr(dir, '/') = '\0';
	if ((rc = hfgit_fs__mkdir_p(dir)) == 0 && rename(tmp_path, path) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot move '%s' into the object store", tmp_path);
out:
	close(fd);
	if (rc < 0)
		unlink(tmp_path);
	free(dir);
	free(path);
	return rc;
}
