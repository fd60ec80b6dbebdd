/*
 * The files of a revision without a checkout: hfgit_list_files (hfgit ls-files, and the dry
 * run of a clone) and hfgit_download (single files, like `hf download`). Both fetch the git
 * objects of exactly the commit into the store, as a clone does, and never more.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkout/tree_files.h"
#include "checkout/lfs_files.h"
#include "checkout/worktree.h"
#include "core/error.h"
#include "core/options.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "core/git_error.h"
#include "core/library.h"
#include "refs/remote.h"
#include "refs/resolve.h"
#include "refs/store.h"
#include "fetch/fetch.h"
#include "hub/hf_env.h"
#include "lfs/fetch.h"
#include "lfs/local.h"
#include "lfs/objects.h"
#include "lfs/select.h"

typedef struct {
	hfgit_repo_file pub;
	char oid[65];
	git_oid blob;
} entry;

struct hfgit_file_list {
	entry *files;
	size_t count, cap;
};

/* The revision's commit in the store, resolved and fetched as a clone would. */
typedef struct {
	git_repository *store;
	hfgit_session *session;
	hfgit_resolved *r;
} revision;

static int open_revision(revision *rev, hfgit_ctx *ctx, const hfgit_model_id *id,
                         const hfgit_clone_options *opts)
{
	int rc;

	memset(rev, 0, sizeof(*rev));
	if ((rc = hfgit_git__ready()) < 0)
		return rc;
	if ((rc = hfgit_store__open(&rev->store, ctx, id)) < 0)
		return rc;
	if ((rc = hfgit_resolve__with_store(&rev->r, &rev->session, ctx, rev->store, id,
	                                    opts ? opts->progress : NULL, opts ? opts->payload : NULL)) < 0 ||
	    (rc = hfgit_fetch__into_store(rev->session, rev->store, rev->r)) < 0)
		hfgit_store__forget_if_empty(ctx, rev->store);
	return rc;
}

static void close_revision(revision *rev, hfgit_resolved **out)
{
	if (out) {
		*out = rev->r;
		rev->r = NULL;
	}
	hfgit_resolved_free(rev->r);
	hfgit_session__free(rev->session);
	git_repository_free(rev->store);
}

/* ---------------------------------------------------------------------------------------- */
/* Listing                                                                                   */

typedef struct {
	hfgit_file_list *list;
	git_odb *odb;
	const hfgit_clone_options *opts;
	bool no_lfs;
	const hfgit_lfs_objects *lfs;
	const hfgit_lfs_local *local;
} lister;

static int add_file(const hfgit_tree_file *f, void *payload)
{
	lister *ls = payload;
	hfgit_file_list *l = ls->list;
	entry *e;

	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		entry *grown = realloc(l->files, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		l->files = grown;
		l->cap = cap;
	}
	e = &l->files[l->count];
	memset(e, 0, sizeof(*e));
	if (!(e->pub.path = hfgit__strdup(f->path)))
		return HFGIT_ERROR;
	l->count++;
	git_oid_cpy(&e->blob, f->blob);
	e->pub.executable = f->mode == GIT_FILEMODE_BLOB_EXECUTABLE;
	e->pub.symlink = f->mode == GIT_FILEMODE_LINK;
	e->pub.oid = e->oid;
	if (f->lfs) {
		const hfgit_clone_options *o = ls->opts;
		e->pub.lfs = 1;
		e->pub.size = f->lfs->size;
		memcpy(e->oid, f->lfs->oid, sizeof(e->oid));
		if (ls->no_lfs || (o && !hfgit_lfs__path_selected(f->path, o->lfs_include,
		                                                  o->lfs_include_count, o->lfs_exclude,
		                                                  o->lfs_exclude_count)))
			e->pub.source = HFGIT_FILE_SKIPPED;
		else if (hfgit_lfs__object_present(ls->lfs, e->oid, f->lfs->size))
			e->pub.source = HFGIT_FILE_STORED;
		else if (hfgit_lfs__local_has(ls->local, e->oid, f->lfs->size))
			e->pub.source = HFGIT_FILE_LOCAL;
		else
			e->pub.source = HFGIT_FILE_DOWNLOAD;
	} else {
		size_t size = 0;
		git_object_t type;
		git_oid_tostr(e->oid, sizeof(e->oid), f->blob);
		if (git_odb_read_header(&size, &type, ls->odb, f->blob) < 0)
			return hfgit_git__fail("cannot read a blob of", f->path);
		e->pub.size = size;
		e->pub.source = HFGIT_FILE_GIT;
	}
	return 0;
}

static int list_commit(hfgit_file_list **out, hfgit_ctx *ctx, git_repository *store,
                       const git_oid *commit, const hfgit_clone_options *opts)
{
	hfgit_file_list *list = calloc(1, sizeof(*list));
	hfgit_lfs_objects *lfs = NULL;
	hfgit_lfs_local *local = NULL;
	char *root = NULL;
	lister ls;
	int rc;

	memset(&ls, 0, sizeof(ls));
	if (!list)
		return hfgit_error__oom();
	ls.list = list;
	ls.opts = opts;
	ls.no_lfs = (opts && opts->no_lfs) || hfgit_env_flag("GIT_LFS_SKIP_SMUDGE") == 1;
	if (!(root = hfgit_ctx__lfs_root(ctx))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = hfgit_lfs__objects_open(&lfs, root)) < 0 ||
	    (rc = hfgit_lfs__local_for_clone(&local, opts ? opts->hf_cache_dir : NULL,
	                                     opts ? opts->no_hf_cache_reuse : 0,
	                                     opts ? opts->references : NULL,
	                                     opts ? opts->reference_count : 0)) < 0)
		goto out;
	if (git_repository_odb(&ls.odb, store) < 0) {
		rc = hfgit_git__fail("cannot read the objects of", git_repository_path(store));
		goto out;
	}
	ls.lfs = lfs;
	ls.local = local;
	rc = hfgit_tree_files__foreach(store, commit, add_file, &ls);
out:
	git_odb_free(ls.odb);
	hfgit_lfs__local_free(local);
	hfgit_lfs__objects_free(lfs);
	free(root);
	if (rc < 0)
		hfgit_file_list_free(list);
	else
		*out = list;
	return rc;
}

int hfgit_list_files(hfgit_file_list **out, hfgit_resolved **resolved, hfgit_ctx *ctx,
                     const hfgit_model_id *id, const hfgit_clone_options *opts)
{
	revision rev;
	int rc;

	*out = NULL;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_CLONE_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (resolved)
		*resolved = NULL;
	if ((rc = open_revision(&rev, ctx, id, opts)) == 0 &&
	    (rc = list_commit(out, ctx, rev.store, &rev.r->commit_oid, opts)) == 0)
		hfgit_store__mark_used(git_repository_path(rev.store));
	close_revision(&rev, rc == 0 ? resolved : NULL);
	return rc;
}

size_t hfgit_file_list_count(const hfgit_file_list *list)
{
	return list ? list->count : 0;
}

const hfgit_repo_file *hfgit_file_list_get(const hfgit_file_list *list, size_t i)
{
	return list && i < list->count ? &list->files[i].pub : NULL;
}

void hfgit_file_list_free(hfgit_file_list *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		free((char *)list->files[i].pub.path);
	free(list->files);
	free(list);
}

/* ---------------------------------------------------------------------------------------- */
/* Downloading single files                                                                  */

static const entry *find_entry(const hfgit_file_list *l, const char *path)
{
	size_t i;

	while (path[0] == '.' && path[1] == '/')
		path += 2;
	for (i = 0; i < l->count; i++)
		if (!strcmp(l->files[i].pub.path, path))
			return &l->files[i];
	return NULL;
}

/* The LFS objects of `entries` into the store (lfs/fetch.h): local sources, batch API,
 * verification, as for a clone with `opts`. */
static int fetch_objects(hfgit_ctx *ctx, const hfgit_model_id *id, revision *rev,
                         hfgit_lfs_objects *lfs, const hfgit_lfs_entry *entries, size_t n,
                         const hfgit_clone_options *opts)
{
	hfgit_lfs_options lopts;
	char *url = NULL;
	int rc;

	if (rev->session)
		url = hfgit__strdup(rev->session->url);
	else if ((rc = hfgit_remote_url(&url, ctx, id)) < 0)
		return rc;
	if (!url)
		return HFGIT_ERROR;
	if ((rc = hfgit_lfs__plan_options(&lopts, ctx, url, rev->r->ref ? rev->r->ref : rev->r->via_ref,
	                                  opts)) == 0)
		rc = hfgit_lfs__fetch(lfs, entries, n, &lopts);
	free(url);
	return rc;
}

/* One file at `dst`, by rename(2) from a temporary name beside it. */
static int write_file(const entry *e, const char *dst, git_repository *store,
                      const hfgit_lfs_objects *lfs, hfgit_link_mode mode)
{
	char *tmp = hfgit__aprintf("%s.hfgit-%ld.tmp", dst, (long)getpid()), *object = NULL;
	git_blob *blob = NULL;
	int rc = 0;

	if (!tmp)
		return HFGIT_ERROR;
	unlink(tmp);
	if (e->pub.lfs) {
		if (!(object = hfgit_lfs__object_path(lfs, e->oid))) {
			rc = HFGIT_ERROR;
			goto out;
		}
		bool reflink_works = true;
		rc = hfgit_worktree__place(object, tmp, mode, 0644, &reflink_works);
	} else if (git_blob_lookup(&blob, store, &e->blob) < 0) {
		rc = hfgit_git__fail("cannot read", e->pub.path);
	} else if (e->pub.symlink) {
		char *target = hfgit__aprintf("%.*s", (int)git_blob_rawsize(blob),
		                              (const char *)git_blob_rawcontent(blob));
		rc = !target ? HFGIT_ERROR : symlink(target, tmp) < 0 ?
		     hfgit_error__set_errno(HFGIT_EIO, "cannot create '%s'", tmp) : 0;
		free(target);
	} else {
		rc = hfgit_fs__write_atomic(tmp, git_blob_rawcontent(blob), (size_t)git_blob_rawsize(blob));
	}
	if (rc == 0 && !e->pub.lfs && !e->pub.symlink && chmod(tmp, e->pub.executable ? 0755 : 0644) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot set the mode of '%s'", tmp);
	if (rc == 0 && rename(tmp, dst) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot write '%s'", dst);
out:
	if (rc < 0)
		unlink(tmp);
	git_blob_free(blob);
	free(object);
	free(tmp);
	return rc;
}

int hfgit_download(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                   const char *dir, const char *const *paths, size_t count,
                   const hfgit_clone_options *opts)
{
	hfgit_file_list *list = NULL;
	hfgit_lfs_objects *lfs = NULL;
	hfgit_lfs_entry *wanted = NULL;
	char *root = NULL;
	size_t i, nwanted = 0;
	revision rev;
	int rc;

	if (out)
		*out = NULL;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_CLONE_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (count == 0)
		return hfgit_error__set(HFGIT_EINVALID, "which files? give their paths in the repository");
	if ((rc = open_revision(&rev, ctx, id, opts)) < 0)
		goto out;
	if ((rc = list_commit(&list, ctx, rev.store, &rev.r->commit_oid, NULL)) < 0)
		goto out;
	if (!(wanted = calloc(count, sizeof(*wanted)))) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (i = 0; i < count; i++) {
		const entry *e = find_entry(list, paths[i]);
		if (!e) {
			rc = hfgit_error__set(HFGIT_ENOTFOUND, "'%s' is not a file of %s at %s: "
			                      "`hfgit ls-files %s@%s` lists them", paths[i],
			                      hfgit_model_id_repo(id), rev.r->commit, hfgit_model_id_repo(id),
			                      rev.r->commit);
			goto out;
		}
		if (e->pub.lfs) {
			wanted[nwanted].name = e->pub.path;
			memcpy(wanted[nwanted].oid, e->oid, sizeof(wanted[nwanted].oid));
			wanted[nwanted++].size = e->pub.size;
		}
	}
	if (!(root = hfgit_ctx__lfs_root(ctx)) || (rc = hfgit_lfs__objects_open(&lfs, root)) < 0) {
		rc = rc < 0 ? rc : HFGIT_ERROR;
		goto out;
	}
	if (nwanted && (rc = fetch_objects(ctx, id, &rev, lfs, wanted, nwanted, opts)) < 0)
		goto out;
	for (i = 0; i < count && rc == 0; i++) {
		const entry *e = find_entry(list, paths[i]);
		char *dst = hfgit__aprintf("%s/%s", dir, e->pub.path);
		rc = !dst ? HFGIT_ERROR : hfgit_fs__mkdir_parent(dst);
		if (rc == 0)
			rc = write_file(e, dst, rev.store, lfs, opts ? opts->link : HFGIT_LINK_AUTO);
		free(dst);
	}
	if (rc == 0)
		hfgit_store__mark_used(git_repository_path(rev.store));
out:
	free(wanted);
	hfgit_lfs__objects_free(lfs);
	free(root);
	hfgit_file_list_free(list);
	close_revision(&rev, rc == 0 ? out : NULL);
	return rc;
}
