#define _GNU_SOURCE
#include "core/fs.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/fs.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/strbuf.h"

int hfgit_fs__mkdir_p_at(int dir, const char *path)
{
	char *copy, *p;
	int rc = 0;

	if (!*path)
		return 0;
	if (!(copy = hfgit__strdup(path)))
		return HFGIT_ERROR;
	for (p = copy + 1; ; p++) {
		if (*p != '/' && *p != '\0')
			continue;
		char saved = *p;
		*p = '\0';
		if (mkdirat(dir, copy, 0777) < 0 && errno != EEXIST) {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot create directory '%s'", copy);
			break;
		}
		*p = saved;
		if (saved == '\0')
			break;
	}
	free(copy);
	return rc;
}

int hfgit_fs__mkdir_p(const char *path)
{
	return hfgit_fs__mkdir_p_at(AT_FDCWD, path);
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	int rc = (flag == FTW_DP) ? rmdir(path) : unlink(path);
	if (rc < 0 && errno != ENOENT)
		return hfgit_error__set_errno(HFGIT_EIO, "cannot remove '%s'", path);
	return 0;
}

int hfgit_fs__remove_tree(const char *path)
{
	struct stat st;

	if (lstat(path, &st) < 0)
		return errno == ENOENT ? 0 : hfgit_error__set_errno(HFGIT_EIO, "cannot stat '%s'", path);
	if (!S_ISDIR(st.st_mode)) {
		if (unlink(path) < 0 && errno != ENOENT)
			return hfgit_error__set_errno(HFGIT_EIO, "cannot remove '%s'", path);
		return 0;
	}
	/* FTW_PHYS: never follow a symlink out of the tree being removed. */
	return nftw(path, remove_entry, 32, FTW_DEPTH | FTW_PHYS) == 0 ? 0 : HFGIT_EIO;
}

bool hfgit_fs__exists(const char *path)
{
	struct stat st;
	return lstat(path, &st) == 0;
}

bool hfgit_fs__is_absent_or_empty_dir(const char *path)
{
	struct stat st;
	struct dirent *e;
	DIR *dir;
	bool empty = true;

	if (lstat(path, &st) < 0)
		return errno == ENOENT;
	if (!S_ISDIR(st.st_mode) || !(dir = opendir(path)))
		return false;
	while ((e = readdir(dir)) != NULL) {
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			empty = false;
			break;
		}
	}
	closedir(dir);
	return empty;
}

int hfgit_fs__write_atomic(const char *path, const char *data, size_t len)
{
	char *tmp = hfgit__aprintf("%s.tmp-XXXXXX", path);
	int fd, rc = 0;
	size_t off = 0;

	if (!tmp)
		return HFGIT_ERROR;
	if ((fd = mkstemp(tmp)) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot create a temporary file next to '%s'", path);
		goto out;
	}
	while (off < len) {
		ssize_t n = write(fd, data + off, len - off);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot write '%s'", tmp);
			break;
		}
		off += (size_t)n;
	}
	if (close(fd) < 0 && rc == 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot close '%s'", tmp);
	if (rc == 0 && rename(tmp, path) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot rename '%s' to '%s'", tmp, path);
	if (rc < 0)
		unlink(tmp);
out:
	free(tmp);
	return rc;
}

char *hfgit_fs__absolute(const char *path)
{
	char cwd[PATH_MAX];

	if (path[0] == '/')
		return hfgit__strdup(path);
	if (!getcwd(cwd, sizeof(cwd))) {
		hfgit_error__set_errno(HFGIT_EIO, "cannot read the current directory");
		return NULL;
	}
	return hfgit__aprintf("%s/%s", cwd, path);
}

int hfgit_fs__read_file(char **out, size_t *len, const char *path)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	char chunk[8192];
	int fd, rc = 0;
	ssize_t n;

	*out = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hfgit_error__set_errno(errno == ENOENT ? HFGIT_ENOTFOUND : HFGIT_EIO,
		                              "cannot open '%s'", path);
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot read '%s'", path);
			break;
		}
		if ((rc = hfgit_strbuf__put(&buf, chunk, (size_t)n)) < 0)
			break;
	}
	close(fd);
	if (rc < 0) {
		hfgit_strbuf__dispose(&buf);
		return rc;
	}
	*len = buf.len;
	*out = hfgit_strbuf__detach(&buf);
	return *out ? 0 : HFGIT_ERROR;
}

static int copy_fd(int in, int out, const char *from)
{
	char chunk[1 << 16];
	ssize_t n;

	for (;;) {
		ssize_t copied = copy_file_range(in, NULL, out, NULL, 1 << 30, 0);
		if (copied == 0)
			return 0;
		if (copied > 0)
			continue;
		if (errno == EINTR)
			continue;
		break; /* not supported here: fall back to read and write */
	}
	while ((n = read(in, chunk, sizeof(chunk))) != 0) {
		char *p = chunk;
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return hfgit_error__set_errno(HFGIT_EIO, "cannot read '%s'", from);
		while (n > 0) {
			ssize_t w = write(out, p, (size_t)n);
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0)
				return hfgit_error__set_errno(HFGIT_EIO, "cannot write a copy of '%s'", from);
			p += w;
			n -= w;
		}
	}
	return 0;
}

/* Errors that mean "not this way on this file system", not "this cannot be done". */
static bool refused_here(int err)
{
	return err == EXDEV || err == EPERM || err == EMLINK || err == ENOTSUP || err == EOPNOTSUPP ||
	       err == EINVAL || err == ENOTTY || err == EBADF;
}

/* A reflink of `from` at `to`; `st` (may be NULL) gets the new file's stat data. */
static int reflink_at(int from_dir, const char *from, int to_dir, const char *to,
                      unsigned int mode, struct stat *st)
{
	int in = openat(from_dir, from, O_RDONLY | O_CLOEXEC), out, rc, err;

	if (in < 0)
		return -1;
	if ((out = openat(to_dir, to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode)) < 0) {
		err = errno;
		close(in);
		errno = err;
		return -1;
	}
	rc = ioctl(out, FICLONE, in);
	if (rc == 0 && st && fstat(out, st) < 0)
		rc = -1;
	err = errno;
	close(out);
	close(in);
	if (rc < 0)
		unlinkat(to_dir, to, 0);
	errno = err;
	return rc;
}

/* The error of a way that failed for a reason other than the file system refusing it. */
static int place_error(int err)
{
	return err == ENOENT ? HFGIT_ENOTFOUND : err == EEXIST ? HFGIT_EEXISTS : HFGIT_EIO;
}

int hfgit_fs__place_at(const char **made, int from_dir, const char *from, int to_dir,
                       const char *to, const hfgit_fs_place_ways *ways, struct stat *st)
{
	const char *how = NULL;

	if (ways->reflink) {
		if (reflink_at(from_dir, from, to_dir, to, ways->mode, st) == 0)
			how = "reflinked";
		else if (!refused_here(errno))
			return hfgit_error__set_errno(place_error(errno), "cannot reflink '%s' to '%s'",
			                              from, to);
	}
	if (!how && ways->link) {
		if (linkat(from_dir, from, to_dir, to, 0) == 0)
			how = "hard-linked";
		else if (!refused_here(errno))
			return hfgit_error__set_errno(place_error(errno), "cannot link '%s' to '%s'", from,
			                              to);
	}
	if (!how && ways->copy) {
		int rc = hfgit_fs__copy_at(from_dir, from, to_dir, to, ways->mode, ways->durable, st);
		if (rc < 0)
			return rc;
		how = "copied";
	}
	if (made)
		*made = how;
	return how ? 0 : 1;
}

int hfgit_fs__place(const char **made, const char *from, const char *to,
                    const hfgit_fs_place_ways *ways)
{
	return hfgit_fs__place_at(made, AT_FDCWD, from, AT_FDCWD, to, ways, NULL);
}

/*
 * rename(2) that leaves an existing `to` alone (EEXIST): the copy must fail as a link would,
 * not replace a file someone else made. Where the file system has no RENAME_NOREPLACE, a look
 * first is the best there is.
 */
static int rename_no_replace(int dir, const char *tmp, const char *to)
{
	struct stat st;

	if (renameat2(dir, tmp, dir, to, RENAME_NOREPLACE) == 0)
		return 0;
	if (errno != EINVAL && errno != ENOSYS && errno != ENOTSUP)
		return -1;
	if (fstatat(dir, to, &st, AT_SYMLINK_NOFOLLOW) == 0) {
		errno = EEXIST;
		return -1;
	}
	return renameat(dir, tmp, dir, to);
}

/* A new file "<name>.tmp-XXXXXX" in `dir` (mkstemp's way, relative to a directory): its name
 * into `*tmp` (free() it), its descriptor returned, or -1 with errno set. */
static int create_temp_at(char **tmp, int dir, const char *name)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	unsigned char random[6];
	size_t len, i;
	int attempt, fd;

	if (!(*tmp = hfgit__aprintf("%s.tmp-XXXXXX", name))) {
		errno = ENOMEM;
		return -1;
	}
	len = strlen(*tmp);
	for (attempt = 0; attempt < 100; attempt++) {
		if (getentropy(random, sizeof(random)) < 0)
			break;
		for (i = 0; i < 6; i++)
			(*tmp)[len - 6 + i] = letters[random[i] % (sizeof(letters) - 1)];
		if ((fd = openat(dir, *tmp, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600)) >= 0)
			return fd;
		if (errno != EEXIST)
			break;
	}
	return -1;
}

int hfgit_fs__copy_at(int from_dir, const char *from, int to_dir, const char *to,
                      unsigned int mode, bool durable, struct stat *st)
{
	char *tmp = NULL;
	int in, out, rc;

	if ((in = openat(from_dir, from, O_RDONLY | O_CLOEXEC)) < 0)
		return hfgit_error__set_errno(errno == ENOENT ? HFGIT_ENOTFOUND : HFGIT_EIO,
		                              "cannot open '%s'", from);
	if ((out = create_temp_at(&tmp, to_dir, to)) < 0) {
		rc = tmp ? hfgit_error__set_errno(HFGIT_EIO, "cannot create '%s'", tmp) : HFGIT_ERROR;
	} else {
		rc = copy_fd(in, out, from);
		if (rc == 0 && fchmod(out, (mode_t)mode) < 0)
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot set the mode of '%s'", tmp);
		if (rc == 0 && durable && fsync(out) < 0)
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot sync '%s'", tmp);
		if (close(out) < 0 && rc == 0)
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot close '%s'", tmp);
		if (rc == 0 && rename_no_replace(to_dir, tmp, to) < 0)
			rc = hfgit_error__set_errno(errno == EEXIST ? HFGIT_EEXISTS : HFGIT_EIO,
			                            "cannot rename '%s' to '%s'", tmp, to);
		if (rc < 0)
			unlinkat(to_dir, tmp, 0);
		/* after the rename, which changes the inode's ctime */
		else if (st && fstatat(to_dir, to, st, AT_SYMLINK_NOFOLLOW) < 0)
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot stat '%s'", to);
	}
	close(in);
	free(tmp);
	return rc;
}

int hfgit_fs__copy(const char *from, const char *to, unsigned int mode, bool durable)
{
	return hfgit_fs__copy_at(AT_FDCWD, from, AT_FDCWD, to, mode, durable, NULL);
}

int hfgit_fs__mkdir_parent(const char *path)
{
	char *dir = hfgit__strdup(path), *slash;
	int rc = 0;

	if (!dir)
		return HFGIT_ERROR;
	if ((slash = strrchr(dir, '/')) != NULL && slash != dir) {
		*slash = '\0';
		rc = hfgit_fs__mkdir_p(dir);
	}
	free(dir);
	return rc;
}
