#define _GNU_SOURCE
#include "checkout/registry.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "hub/context.h"

static char *log_path(const char *cache_dir)
{
	return hfgit_layout__checkouts_log(cache_dir);
}

/* The log, open and locked, and still the file at `path` once the lock is ours. */
static int open_locked(int *out, const char *path)
{
	for (;;) {
		struct stat held, current;
		int fd = open(path, O_RDWR | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
		if (fd < 0)
			return hfgit_error__set_errno(HFGIT_EIO, "cannot open '%s'", path);
		while (flock(fd, LOCK_EX) < 0) {
			if (errno != EINTR) {
				close(fd);
				return hfgit_error__set_errno(HFGIT_EIO, "cannot lock '%s'", path);
			}
		}
		if (fstat(fd, &held) == 0 && stat(path, &current) == 0 &&
		    held.st_dev == current.st_dev && held.st_ino == current.st_ino) {
			*out = fd;
			return 0;
		}
		close(fd); /* compacted meanwhile: the new file is the one to write to */
	}
}

int hfgit_checkouts__register(const hfgit_ctx *ctx, const char *dir)
{
	char *path = log_path(ctx->cache_dir), *abs = realpath(dir, NULL), *line = NULL;
	int fd = -1, rc = 0;

	if (!path || !abs) {
		rc = path ? hfgit_error__set_errno(HFGIT_EIO, "cannot resolve '%s'", dir) : HFGIT_ERROR;
		goto out;
	}
	if (strchr(abs, '\n')) /* a line per path: such a name cannot be recorded */
		goto out;
	if (!(line = hfgit__aprintf("%s\n", abs))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = open_locked(&fd, path)) < 0)
		goto out;
	if (write(fd, line, strlen(line)) != (ssize_t)strlen(line))
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot record the checkout in '%s'", path);
out:
	if (fd >= 0)
		close(fd);
	free(line);
	free(abs);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Reading                                                                                   */

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The distinct absolute paths of `text`, sorted; a torn last line (a crash mid-write) is
 * dropped. Sorting finds the repeats: the log grows by a line per clone. */
static int parse_lines(char ***out, size_t *count, char *text, size_t len)
{
	char **paths = NULL, *line = text, *end;
	size_t n = 0, cap = 0, i, kept = 0;

	while (line < text + len && (end = memchr(line, '\n', (size_t)(text + len - line)))) {
		*end = '\0';
		if (line[0] == '/') {
			if (n == cap) {
				char **grown = realloc(paths, (cap = cap ? cap * 2 : 16) * sizeof(*paths));
				if (!grown) {
					hfgit_checkouts__free(paths, n);
					return hfgit_error__oom();
				}
				paths = grown;
			}
			if (!(paths[n] = hfgit__strdup(line))) {
				hfgit_checkouts__free(paths, n);
				return hfgit_error__oom();
			}
			n++;
		}
		line = end + 1;
	}
	if (n)
		qsort(paths, n, sizeof(*paths), compare_paths);
	for (i = 0; i < n; i++) {
		if (kept && !strcmp(paths[kept - 1], paths[i]))
			free(paths[i]);
		else
			paths[kept++] = paths[i];
	}
	*out = paths;
	*count = kept;
	return 0;
}

static int read_fd(char **out, size_t *len, int fd, const char *path)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	char chunk[8192];
	ssize_t n;
	off_t at = 0;

	while ((n = pread(fd, chunk, sizeof(chunk), at)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 || hfgit_strbuf__put(&buf, chunk, (size_t)n) < 0) {
			hfgit_strbuf__dispose(&buf);
			return n < 0 ? hfgit_error__set_errno(HFGIT_EIO, "cannot read '%s'", path) : HFGIT_ERROR;
		}
		at += n;
	}
	*len = buf.len;
	*out = buf.len ? hfgit_strbuf__detach(&buf) : hfgit__strdup("");
	return *out ? 0 : HFGIT_ERROR;
}

int hfgit_checkouts__read(char ***out, size_t *count, const char *cache_dir)
{
	char *path = log_path(cache_dir), *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	*count = 0;
	if (!path)
		return HFGIT_ERROR;
	if (hfgit_fs__read_file(&text, &len, path) < 0) {
		bool missing = !hfgit_fs__exists(path);
		free(path);
		if (missing)
			hfgit_error__clear();
		return missing ? 0 : HFGIT_EIO;
	}
	rc = parse_lines(out, count, text, len);
	free(text);
	free(path);
	return rc;
}

void hfgit_checkouts__free(char **paths, size_t count)
{
	size_t i;

	for (i = 0; i < count; i++)
		free(paths[i]);
	free(paths);
}

/* ---------------------------------------------------------------------------------------- */
/* Compaction                                                                                */

static int write_kept(const char *path, char **paths, size_t n, hfgit_checkout_keep_cb keep,
                      void *payload)
{
	hfgit_strbuf text = HFGIT_STRBUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; i < n && rc == 0; i++)
		if (keep(paths[i], payload))
			rc = hfgit_strbuf__printf(&text, "%s\n", paths[i]);
	/* Atomic: a crash leaves the old log or the new one, never half of one. */
	if (rc == 0)
		rc = hfgit_fs__write_atomic(path, text.ptr ? text.ptr : "", text.len);
	hfgit_strbuf__dispose(&text);
	return rc;
}

int hfgit_checkouts__compact(const char *cache_dir, hfgit_checkout_keep_cb keep, void *payload)
{
	char *path = log_path(cache_dir), *text = NULL, **paths = NULL;
	size_t len = 0, n = 0;
	int fd = -1, rc;

	if (!path)
		return HFGIT_ERROR;
	if (!hfgit_fs__exists(path)) {
		free(path);
		return 0;
	}
	/* Held across read and rename: no clone can append a line that the rewrite would lose. */
	if ((rc = open_locked(&fd, path)) == 0 && (rc = read_fd(&text, &len, fd, path)) == 0 &&
	    (rc = parse_lines(&paths, &n, text, len)) == 0)
		rc = write_kept(path, paths, n, keep, payload);
	if (fd >= 0)
		close(fd);
	hfgit_checkouts__free(paths, n);
	free(text);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Checkouts                                                                                 */

/* Both name the same directory (either may be a symlink or have a different spelling). */
static bool same_dir(const char *a, const char *b)
{
	struct stat sa, sb;
	return stat(a, &sa) == 0 && stat(b, &sb) == 0 && sa.st_dev == sb.st_dev &&
	       sa.st_ino == sb.st_ino;
}

int hfgit_checkout__open(git_repository **out, const char *path, const char *store_root)
{
	git_repository *repo = NULL;
	git_config *cfg = NULL;
	git_buf storage = GIT_BUF_INIT;
	int rc = 1;

	*out = NULL;
	if (git_repository_open_ext(&repo, path, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0)
		return 1;
	if (!git_repository_is_bare(repo) && git_repository_is_shallow(repo) == 1 &&
	    git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&storage, cfg, "lfs.storage") == 0 &&
	    same_dir(storage.ptr, store_root)) {
		*out = repo;
		repo = NULL;
		rc = 0;
	}
	git_buf_dispose(&storage);
	git_config_free(cfg);
	git_repository_free(repo);
	return rc;
}
