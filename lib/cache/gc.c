/*
 * hfgit gc: remove from the LFS store what nothing needs any more.
 *
 * Needed is what a clone could still ask for: the LFS objects in the trees of every ref of
 * every cache repository (each cached revision, offline included), and those of the HEAD of
 * every checkout registered by a clone (lfs.storage sends git-lfs there). Everything else in
 * objects/ goes; so do partial downloads nobody has touched for a day and nobody holds the
 * download lock of, and objects `hfgit verify` moved aside as damaged.
 *
 * When in doubt, keep: a cache repository whose refs cannot be read stops gc, since what its
 * revisions need cannot be known.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/git_error.h"
#include "core/library.h"
#include "checkout/registry.h"
#include "checkout/lfs_refs.h"
#include "core/error.h"
#include "core/options.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "lfs/objects.h"

/* A partial download untouched this long is abandoned, not paused. */
#define PARTIAL_STALE_SECONDS (24 * 60 * 60)

struct hfgit_gc_report {
	hfgit_gc_item *items;
	size_t count, cap;
	unsigned long long bytes;
	size_t kept;
	unsigned long long kept_bytes;
	size_t repositories, checkouts;
};

typedef struct {
	const hfgit_gc_options *opts;
	hfgit_gc_report *report;
	const char *cache_dir;
	char *store_root;
	hfgit_oidset needed;
} collector;

/* ---------------------------------------------------------------------------------------- */
/* The report                                                                                */

static int add_item(hfgit_gc_report *r, hfgit_gc_kind kind, const char *path, const char *oid,
                    const struct stat *st)
{
	hfgit_gc_item *item;

	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 16;
		hfgit_gc_item *grown = realloc(r->items, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		r->items = grown;
		r->cap = cap;
	}
	item = &r->items[r->count];
	item->kind = kind;
	item->size = (unsigned long long)st->st_size;
	item->linked = st->st_nlink > 1;
	item->path = hfgit__strdup(path);
	item->oid = hfgit__aprintf("%.64s", oid);
	if (!item->path || !item->oid) {
		free((char *)item->path);
		free((char *)item->oid);
		return HFGIT_ERROR;
	}
	r->count++;
	r->bytes += item->size;
	return 0;
}

size_t hfgit_gc_report_count(const hfgit_gc_report *r)
{
	return r->count;
}

const hfgit_gc_item *hfgit_gc_report_item(const hfgit_gc_report *r, size_t i)
{
	return i < r->count ? &r->items[i] : NULL;
}

unsigned long long hfgit_gc_report_bytes(const hfgit_gc_report *r)
{
	return r->bytes;
}

size_t hfgit_gc_report_kept(const hfgit_gc_report *r)
{
	return r->kept;
}

unsigned long long hfgit_gc_report_kept_bytes(const hfgit_gc_report *r)
{
	return r->kept_bytes;
}

size_t hfgit_gc_report_repositories(const hfgit_gc_report *r)
{
	return r->repositories;
}

size_t hfgit_gc_report_checkouts(const hfgit_gc_report *r)
{
	return r->checkouts;
}

void hfgit_gc_report_free(hfgit_gc_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->count; i++) {
		free((char *)r->items[i].path);
		free((char *)r->items[i].oid);
	}
	free(r->items);
	free(r);
}

/* ---------------------------------------------------------------------------------------- */
/* What is needed                                                                            */

static int add_needed(const hfgit_lfs_pointer *p, const char *path, const char *ref,
                      void *payload)
{
	return hfgit_oidset__add(payload, p->oid);
}

/* A repository being created right now by a clone is still empty: it needs nothing yet. */
static bool empty_dir(const char *path)
{
	return hfgit_fs__is_absent_or_empty_dir(path);
}

static int collect_repo(const char *path, void *payload)
{
	collector *c = payload;
	git_repository *repo = NULL;
	int rc;

	if (git_repository_open_bare(&repo, path) < 0) {
		if (empty_dir(path))
			return 0;
		return hfgit_error__set(HFGIT_ERROR, "cannot open the cache repository '%s': %s; "
		                        "nothing was removed (move it away, or remove it to forget "
		                        "that model, and run gc again)", path, hfgit_git__message());
	}
	if ((rc = hfgit_lfs__refs_all(repo, add_needed, &c->needed)) == 0)
		c->report->repositories++;
	else
		rc = hfgit_error__set(rc, "%s; nothing was removed", hfgit_error_last());
	git_repository_free(repo);
	return rc;
}

/* A checkout's needs are its own business: one that cannot be read is skipped, not fatal. */
static void collect_checkout(collector *c, const char *path)
{
	git_repository *repo = NULL;
	git_object *head = NULL;

	if (hfgit_checkout__open(&repo, path, c->store_root) != 0) {
		hfgit_error__clear();
		return;
	}
	if (git_revparse_single(&head, repo, "HEAD") < 0 ||
	    hfgit_lfs__refs_commit(repo, git_object_id(head), "HEAD", add_needed, &c->needed) < 0)
		hfgit__trace("gc: skipping checkout '%s': %s", path,
		             *hfgit_error_last() ? hfgit_error_last() : hfgit_git__message());
	else
		c->report->checkouts++;
	hfgit_error__clear();
	git_object_free(head);
	git_repository_free(repo);
}

static int collect_needed(collector *c)
{
	char **paths = NULL;
	size_t n = 0, i;
	int rc;

	if ((rc = hfgit_cache__foreach_repo(c->cache_dir, collect_repo, c)) < 0 ||
	    (rc = hfgit_checkouts__read(&paths, &n, c->cache_dir)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		collect_checkout(c, paths[i]);
	hfgit_checkouts__free(paths, n);
	hfgit_oidset__seal(&c->needed);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* What goes                                                                                 */

static bool is_fanout(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	return s[0] && s[1] && !s[2] && memchr(hex, s[0], 16) && memchr(hex, s[1], 16);
}

static int remove_file(const char *path)
{
	if (unlink(path) < 0 && errno != ENOENT)
		return hfgit_error__set_errno(HFGIT_EIO, "cannot remove '%s'", path);
	return 0;
}

static int sweep_leaf(collector *c, const char *dir, const char *ab, const char *cd)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat st;
		char *path;
		if (!hfgit_lfs__oid_valid(e->d_name, strlen(e->d_name)) || memcmp(e->d_name, ab, 2) ||
		    memcmp(e->d_name + 2, cd, 2))
			continue; /* not the store's: leave it */
		if (!(path = hfgit__aprintf("%s/%s", dir, e->d_name))) {
			rc = HFGIT_ERROR;
			break;
		}
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode)) {
			if (hfgit_oidset__has(&c->needed, e->d_name)) {
				c->report->kept++;
				c->report->kept_bytes += (unsigned long long)st.st_size;
			} else if ((rc = add_item(c->report, HFGIT_GC_OBJECT, path, e->d_name, &st)) == 0 &&
			           !c->opts->dry_run) {
				rc = remove_file(path);
			}
		}
		free(path);
	}
	closedir(d);
	/* An emptied fan-out folder goes too; one still in use refuses, which is fine. */
	if (rc == 0 && !c->opts->dry_run)
		rmdir(dir);
	return rc;
}

static int sweep_objects(collector *c)
{
	char *objects = hfgit_layout__lfs_objects_dir(c->store_root);
	struct dirent *a, *b;
	DIR *da, *db;
	int rc = 0;

	if (!objects)
		return HFGIT_ERROR;
	if (!(da = opendir(objects))) {
		free(objects);
		return 0;
	}
	while (rc == 0 && (a = readdir(da)) != NULL) {
		char *sub;
		if (!is_fanout(a->d_name) || !(sub = hfgit__aprintf("%s/%s", objects, a->d_name)))
			continue;
		if ((db = opendir(sub)) != NULL) {
			while (rc == 0 && (b = readdir(db)) != NULL) {
				char *leaf;
				if (!is_fanout(b->d_name) || !(leaf = hfgit__aprintf("%s/%s", sub, b->d_name)))
					continue;
				rc = sweep_leaf(c, leaf, a->d_name, b->d_name);
				free(leaf);
			}
			closedir(db);
		}
		if (rc == 0 && !c->opts->dry_run)
			rmdir(sub);
		free(sub);
	}
	closedir(da);
	free(objects);
	return rc;
}

/* "<oid>.<host>-<pid>.part" (and the plain "<oid>.part" of other clients). */
/* Removed while holding the lock, so no download can adopt it in between. */
static int sweep_partial(collector *c, int lock_fd, const char *path, const char *oid,
                         const struct stat *st)
{
	int rc;

	if (hfgit_lfs__object_trylock(lock_fd, oid) != 0) {
		hfgit__trace("gc: keeping '%s': a download holds its lock", path);
		return 0;
	}
	if ((rc = add_item(c->report, HFGIT_GC_PARTIAL, path, oid, st)) == 0 && !c->opts->dry_run)
		rc = remove_file(path);
	hfgit_lfs__object_unlock(lock_fd, oid);
	return rc;
}

static int sweep_partials(collector *c)
{
	char *dir = hfgit_layout__lfs_incomplete_dir(c->store_root);
	char *locks = hfgit_layout__lfs_locks(c->store_root);
	time_t now = time(NULL);
	struct dirent *e;
	DIR *d = NULL;
	int lock_fd = -1, rc = 0;

	if (!dir || !locks) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if (!(d = opendir(dir)))
		goto out;
	/* Without the lock file no lock can be asked about: then nothing is removed. */
	if ((lock_fd = open(locks, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0) {
		hfgit__trace("gc: cannot open '%s': %s", locks, strerror(errno));
		goto out;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat st;
		char *path;
		if (!hfgit_layout__lfs_partial_name(e->d_name, NULL) || !(path = hfgit__aprintf("%s/%s", dir, e->d_name)))
			continue;
		if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
		    now - st.st_mtime >= PARTIAL_STALE_SECONDS)
			rc = sweep_partial(c, lock_fd, path, e->d_name, &st);
		free(path);
	}
out:
	if (lock_fd >= 0)
		close(lock_fd);
	if (d)
		closedir(d);
	free(locks);
	free(dir);
	return rc;
}

static int sweep_damaged(collector *c)
{
	char *dir = hfgit_layout__lfs_damaged_dir(c->store_root);
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (!dir)
		return HFGIT_ERROR;
	if ((d = opendir(dir)) != NULL) {
		while (rc == 0 && (e = readdir(d)) != NULL) {
			struct stat st;
			char *path;
			if (!hfgit_lfs__oid_valid(e->d_name, strlen(e->d_name)) ||
			    !(path = hfgit__aprintf("%s/%s", dir, e->d_name)))
				continue;
			if (lstat(path, &st) == 0 && S_ISREG(st.st_mode) &&
			    (rc = add_item(c->report, HFGIT_GC_DAMAGED, path, e->d_name, &st)) == 0 &&
			    !c->opts->dry_run)
				rc = remove_file(path);
			free(path);
		}
		closedir(d);
	}
	free(dir);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The registry of checkouts                                                                 */

static bool still_a_checkout(const char *path, void *payload)
{
	const collector *c = payload;
	git_repository *repo = NULL;
	bool yes = hfgit_checkout__open(&repo, path, c->store_root) == 0;

	git_repository_free(repo);
	hfgit_error__clear();
	return yes;
}

/* ---------------------------------------------------------------------------------------- */

int hfgit_gc(hfgit_gc_report **out, hfgit_ctx *ctx, const hfgit_gc_options *opts)
{
	hfgit_gc_options defaults = HFGIT_GC_OPTIONS_INIT;
	collector c;
	int rc;

	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_GC_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	*out = NULL;
	memset(&c, 0, sizeof(c));
	c.opts = opts ? opts : &defaults;
	c.cache_dir = ctx->cache_dir;
	if (!(c.report = calloc(1, sizeof(*c.report))) ||
	    !(c.store_root = hfgit_ctx__lfs_root(ctx))) {
		free(c.report);
		return hfgit_error__oom();
	}
	if ((rc = collect_needed(&c)) == 0 && (rc = sweep_objects(&c)) == 0 &&
	    (rc = sweep_partials(&c)) == 0 && (rc = sweep_damaged(&c)) == 0 && !c.opts->dry_run &&
	    hfgit_checkouts__compact(c.cache_dir, still_a_checkout, &c) < 0) {
		/* A longer log than needed costs nothing but a few reads. */
		hfgit__trace("gc: %s", hfgit_error_last());
		hfgit_error__clear();
	}
	hfgit_oidset__dispose(&c.needed);
	free(c.store_root);
	if (rc < 0)
		hfgit_gc_report_free(c.report);
	else
		*out = c.report;
	return rc;
}
