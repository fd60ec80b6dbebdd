/*
 * hfgit_export_hf_cache: a revision published into the huggingface_hub cache, laid out as
 * huggingface_hub's file_download.py writes it and as its try_to_load_from_cache and
 * scan_cache_dir read it (see the public header for the layout).
 *
 * The blob names are the ones huggingface_hub would use: the Hub's X-Linked-Etag, which is the
 * LFS oid (sha256), for LFS files, and its ETag, the git blob id, for the others. A file is LFS
 * content exactly when a checkout gives it LFS content (tree_files.h), so a snapshot and a
 * clone of the same revision hold the same bytes.
 *
 * Temporary files live in one directory per process under blobs/ (".hfgit-<host>-<pid>-XXXXXX"):
 * huggingface_hub's cache scan walks snapshots/ and refs/ but never blobs/, where it keeps its
 * own ".incomplete" downloads, so even a temporary file left by a killed process never makes
 * the cache look corrupt to it; the next export removes such leftovers.
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/library.h"
#include "refs/store.h"
#include "checkout/tree_files.h"
#include "core/error.h"
#include "core/options.h"
#include "lfs/select.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "refs/remote.h"
#include "refs/resolve.h"
#include "refs/store.h"
#include "fetch/fetch.h"
#include "lfs/fetch.h"
#include "lfs/objects.h"

struct hfgit_hf_export {
	char commit[GIT_OID_HEXSZ + 1];
	char *ref;
	char *repo_dir;
	char *snapshot_dir;
	long long cached_at;
};

/* ---------------------------------------------------------------------------------------- */
/* Where                                                                                     */

/* huggingface_hub's repo_folder_name: "<type>s" and the id's parts joined by "--". */
static char *repo_folder(const char *hub_dir, const hfgit_model_id *id)
{
	static const char *const types[] = { "models", "datasets", "spaces" };
	const char *ns = hfgit_model_id_namespace(id);
	hfgit_repo_type type = hfgit_model_id_type(id);

	return ns ? hfgit__aprintf("%s/%s--%s--%s", hub_dir, types[type], ns, hfgit_model_id_name(id)) :
	            hfgit__aprintf("%s/%s--%s", hub_dir, types[type], hfgit_model_id_name(id));
}

static bool is_full_hash(const char *s)
{
	size_t i;

	for (i = 0; i < GIT_OID_HEXSZ; i++)
		if (!isxdigit((unsigned char)s[i]))
			return false;
	return s[i] == '\0';
}

/*
 * The name huggingface_hub records the revision under: the revision as the user gave it
 * (branch, tag, refs/pr/N, abbreviated hash), nothing for a full hash (it names itself).
 * Without a revision huggingface_hub asks for "main" and records refs/main; here the default
 * branch is known by its name, which on the Hub is "main".
 */
static const char *ref_name(const hfgit_model_id *id, const hfgit_resolved *r)
{
	const char *rev = hfgit_model_id_revision(id);
	const char *ref = hfgit_resolved_ref(r);

	if (rev)
		return is_full_hash(rev) ? NULL : rev;
	if (hfgit_resolved_kind(r) == HFGIT_REV_BRANCH && ref && !strncmp(ref, "refs/heads/", 11))
		return ref + 11;
	return NULL;
}

/* A path that stays below the directory it is joined to: no "", ".", ".." component. A git
 * tree from a hostile server may hold such names; libgit2 does not refuse them when reading. */
static bool safe_relative_path(const char *path)
{
	const char *p = path;

	if (*p == '\0' || *p == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return false;
		p += n;
		if (*p == '/' && *++p == '\0')
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Which files                                                                               */

typedef struct {
	char *path;
	git_oid blob;
	bool lfs;
	char oid[HFGIT_LFS_OID_HEXSZ + 1];
	uint64_t size;
} export_file;

typedef struct {
	const hfgit_export_options *opts;
	hfgit_lfs_objects *lfs;
	export_file *files;
	size_t count, cap;
	size_t missing; /* LFS objects of the snapshot that the store lacks */
} file_list;

static bool lfs_wanted(const hfgit_export_options *opts, const char *path)
{
	if (opts->no_lfs)
		return false;
	return hfgit_lfs__path_selected(path, opts->lfs_include, opts->lfs_include_count,
	                                opts->lfs_exclude, opts->lfs_exclude_count);
}

static int collect(const hfgit_tree_file *f, void *payload)
{
	file_list *l = payload;
	export_file *e;

	if (f->lfs && !lfs_wanted(l->opts, f->path))
		return 0;
	if (!safe_relative_path(f->path))
		return hfgit_error__set(HFGIT_EINVALID, "the commit has a file named '%s', which cannot "
		                        "be a path in the huggingface_hub cache", f->path);
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		export_file *grown = realloc(l->files, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		l->files = grown;
		l->cap = cap;
	}
	e = &l->files[l->count];
	memset(e, 0, sizeof(*e));
	if (!(e->path = hfgit__strdup(f->path)))
		return HFGIT_ERROR;
	git_oid_cpy(&e->blob, f->blob);
	if (f->lfs) {
		e->lfs = true;
		memcpy(e->oid, f->lfs->oid, sizeof(e->oid));
		e->size = f->lfs->size;
		if (!hfgit_lfs__object_present(l->lfs, f->lfs->oid, f->lfs->size))
			l->missing++;
	}
	l->count++;
	return 0;
}

static void file_list_clear(file_list *l)
{
	size_t i;

	for (i = 0; i < l->count; i++)
		free(l->files[i].path);
	free(l->files);
	l->files = NULL;
	l->count = l->cap = l->missing = 0;
}

static int list_files(file_list *l, git_repository *store, const git_oid *commit)
{
	file_list_clear(l);
	return hfgit_tree_files__foreach(store, commit, collect, l);
}

/* ---------------------------------------------------------------------------------------- */
/* Fetching what the cache lacks                                                             */

/*
 * Download the LFS objects of the snapshot that the store lacks (lfs/fetch.h): the batch API,
 * verification, objects already in the hub cache taken instead, and the error when offline.
 */
static int fetch_lfs(hfgit_ctx *ctx, const hfgit_model_id *id, const file_list *l,
                     const hfgit_resolved *r, const hfgit_session *s,
                     const hfgit_export_options *opts)
{
	hfgit_lfs_options lopts = { NULL, r->ref ? r->ref : r->via_ref, ctx->authorization };
	hfgit_lfs_stats stats;
	hfgit_lfs_entry *entries = calloc(l->count ? l->count : 1, sizeof(*entries));
	char *url = NULL;
	size_t i, n = 0;
	int rc;

	if (!entries)
		return hfgit_error__oom();
	for (i = 0; i < l->count; i++) {
		if (!l->files[i].lfs)
			continue;
		entries[n].name = l->files[i].path;
		memcpy(entries[n].oid, l->files[i].oid, sizeof(entries[n].oid));
		entries[n++].size = l->files[i].size;
	}
	if (s)
		url = hfgit__strdup(s->url);
	else if ((rc = hfgit_remote_url(&url, ctx, id)) < 0)
		goto out;
	if (!url) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = hfgit_ctx__http(&lopts.http, ctx)) < 0)
		goto out;
	memset(&stats, 0, sizeof(stats));
	lopts.remote_url = url;
	lopts.offline = ctx->offline;
	lopts.jobs = opts->jobs;
	/* the cache exported into may hold the blobs already (what transformers downloaded):
	 * they are verified and taken, not downloaded again */
	lopts.hf_cache_dir = opts->hf_cache_dir;
	lopts.progress = opts->progress;
	lopts.payload = opts->payload;
	lopts.stats = &stats;
	if ((rc = hfgit_lfs__fetch(l->lfs, entries, n, &lopts)) == 0 && opts->stats)
		opts->stats->lfs_bytes_fetched += stats.bytes_fetched;
out:
	free(entries);
	free(url);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Writing the layout                                                                        */

typedef struct {
	char *blobs, *snapshot, *refs;
	char *tmp_prefix;         /* ".hfgit-<host>-": this machine's temporary directories */
	char *tmp;                /* this process's directory for files before their rename */
	unsigned long seq;
	hfgit_lfs_objects *lfs;
	git_odb *odb;
	hfgit_export_stats *stats;
} writer;

/* A fresh temporary name. The directory is made on first use, so that an export with
 * nothing to change writes nothing at all, not even blobs/'s mtime. */
static char *next_tmp(writer *w)
{
	if (!w->tmp) {
		if (!(w->tmp = hfgit__aprintf("%s/%s%ld-XXXXXX", w->blobs, w->tmp_prefix, (long)getpid())))
			return NULL;
		if (!mkdtemp(w->tmp)) {
			hfgit_error__set_errno(HFGIT_EIO, "cannot create a directory in '%s'", w->blobs);
			free(w->tmp);
			w->tmp = NULL;
			return NULL;
		}
	}
	return hfgit__aprintf("%s/%lu", w->tmp, w->seq++);
}

/* The code of the error a helper that returns NULL has set. */
static int failed(void)
{
	return hfgit_error_last_code() ? hfgit_error_last_code() : HFGIT_ERROR;
}

/* rename(2) does nothing when both names are links to one file: the temporary name is
 * removed afterwards in any case. */
static int publish(const char *tmp, const char *dst)
{
	int rc = 0;

	if (rename(tmp, dst) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot rename '%s' to '%s'", tmp, dst);
	unlink(tmp);
	return rc;
}

/*
 * Temporary directories of exports on this machine whose process is gone (kill -9, power
 * loss). Another machine's (a hub cache on NFS) are left alone: its pids mean nothing here.
 */
static void remove_stale_tmp(const char *blobs, const char *prefix)
{
	size_t plen = strlen(prefix);
	struct dirent *e;
	DIR *d = opendir(blobs);

	if (!d)
		return;
	while ((e = readdir(d)) != NULL) {
		char *end, *path;
		long pid;
		if (strncmp(e->d_name, prefix, plen))
			continue;
		pid = strtol(e->d_name + plen, &end, 10);
		if (end == e->d_name + plen || *end != '-' || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if ((path = hfgit__aprintf("%s/%s", blobs, e->d_name)) != NULL) {
			hfgit__trace("removing '%s', left by process %ld", path, pid);
			hfgit_fs__remove_tree(path);
			free(path);
		}
	}
	closedir(d);
	hfgit_error__clear();
}

static int writer_open(writer *w, const char *repo_dir, const char *commit)
{
	char host[64] = "host";
	int rc;

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	if (strchr(host, '/'))
		strcpy(host, "host");
	if (!(w->tmp_prefix = hfgit__aprintf(".hfgit-%s-", host)) ||
	    !(w->blobs = hfgit__aprintf("%s/blobs", repo_dir)) ||
	    !(w->snapshot = hfgit__aprintf("%s/snapshots/%s", repo_dir, commit)) ||
	    !(w->refs = hfgit__aprintf("%s/refs", repo_dir)))
		return HFGIT_ERROR;
	if ((rc = hfgit_fs__mkdir_p(w->blobs)) < 0 || (rc = hfgit_fs__mkdir_p(w->snapshot)) < 0)
		return hfgit_error__set(rc, "%s: make the huggingface_hub cache writable or choose "
		                        "another with --cache-dir-hf or HF_HUB_CACHE", hfgit_error_last());
	remove_stale_tmp(w->blobs, w->tmp_prefix);
	return 0;
}

static void writer_close(writer *w)
{
	if (w->tmp)
		hfgit_fs__remove_tree(w->tmp);
	free(w->tmp);
	free(w->tmp_prefix);
	free(w->blobs);
	free(w->snapshot);
	free(w->refs);
}

/*
 * Hard-link the object to a new temporary name, or copy it where no link can be made. 1 when
 * no link can be made and `copy` is false.
 */
static int link_or_copy(writer *w, const char *object, const char *tmp, bool copy)
{
	const hfgit_fs_place_ways ways = { false, true, copy, 0444, true };
	const char *made;
	int rc;

	if ((rc = hfgit_fs__place(&made, object, tmp, &ways)) != 0)
		return rc;
	if (!strcmp(made, "hard-linked"))
		w->stats->blobs_linked++;
	else
		w->stats->blobs_copied++;
	return 0;
}

/*
 * blobs/<oid> as a hard link to the store's object: no second copy on disk, and read-only, as
 * the object is. A blob already there stays when it is that object, or when it has the
 * object's size and no link can be made (a copy made earlier across file systems); a
 * different file (e.g. huggingface_hub's own download) is replaced by the link.
 */
static int put_lfs_blob(writer *w, const export_file *f)
{
	char *object = hfgit_lfs__object_path(w->lfs, f->oid), *dst = NULL, *tmp = NULL;
	struct stat ost, st;
	bool exists;
	int rc = 0;

	if (!object)
		return HFGIT_EINVALID;
	if (!(dst = hfgit__aprintf("%s/%s", w->blobs, f->oid))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if (stat(object, &ost) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "LFS object %s of '%s' is gone from the cache",
		                            f->oid, f->path);
		goto out;
	}
	exists = lstat(dst, &st) == 0 && S_ISREG(st.st_mode);
	if (exists && st.st_dev == ost.st_dev && st.st_ino == ost.st_ino) {
		w->stats->blobs_kept++;
		goto out;
	}
	if (!(tmp = next_tmp(w))) {
		rc = failed();
		goto out;
	}
	rc = link_or_copy(w, object, tmp, !(exists && st.st_size == ost.st_size));
	if (rc > 0) {
		w->stats->blobs_kept++;
		rc = 0;
	} else if (rc == 0) {
		rc = publish(tmp, dst);
	}
out:
	free(object);
	free(dst);
	free(tmp);
	return rc;
}

/*
 * A new file at `path` (a fresh name in the temporary directory) with `data`, synced. Created
 * 0666 less the umask, as huggingface_hub creates its blobs and refs: a cache shared by a
 * group stays readable to it (mkstemp's 0600 would not).
 */
static int write_new_file(const char *path, const void *data, size_t len)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666), rc = 0;
	const char *p = data;

	if (fd < 0)
		return hfgit_error__set_errno(HFGIT_EIO, "cannot create '%s'", path);
	while (len > 0 && rc == 0) {
		ssize_t n = write(fd, p, len);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot write '%s'", path);
		else {
			p += n;
			len -= (size_t)n;
		}
	}
	if (rc == 0 && fsync(fd) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot sync '%s'", path);
	if (close(fd) < 0 && rc == 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot close '%s'", path);
	return rc;
}

static bool same_content(const char *path, const void *data, size_t len)
{
	struct stat st;
	char *text = NULL;
	size_t n = 0;
	bool same;

	if (lstat(path, &st) < 0 || !S_ISREG(st.st_mode) || (size_t)st.st_size != len)
		return false;
	same = hfgit_fs__read_file(&text, &n, path) == 0 && n == len && !memcmp(text, data, len);
	free(text);
	hfgit_error__clear();
	return same;
}

/* blobs/<git blob id>, written from the git object (fsynced, then renamed into place). */
static int put_git_blob(writer *w, const export_file *f, const char *hex)
{
	git_odb_object *obj = NULL;
	char *dst = NULL, *tmp = NULL;
	int rc = 0;

	if (git_odb_read(&obj, w->odb, &f->blob) < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot read '%s' (blob %s) from the cache: %s "
		                        "(run `hfgit verify`)", f->path, hex, hfgit_git__message());
	if (!(dst = hfgit__aprintf("%s/%s", w->blobs, hex))) {
		rc = HFGIT_ERROR;
	} else if (same_content(dst, git_odb_object_data(obj), git_odb_object_size(obj))) {
		w->stats->blobs_kept++;
	} else if (!(tmp = next_tmp(w))) {
		rc = failed();
	} else if ((rc = write_new_file(tmp, git_odb_object_data(obj),
	                                git_odb_object_size(obj))) == 0 &&
	           (rc = publish(tmp, dst)) == 0) {
		w->stats->blobs_written++;
	}
	git_odb_object_free(obj);
	free(dst);
	free(tmp);
	return rc;
}

/* huggingface_hub's relative link: up from snapshots/<commit>/<dirs of path>, into blobs/. */
static char *link_target(const char *path, const char *blob)
{
	hfgit_strbuf t = HFGIT_STRBUF_INIT;
	const char *p;
	int rc = hfgit_strbuf__puts(&t, "../../");

	for (p = strchr(path, '/'); p && rc == 0; p = strchr(p + 1, '/'))
		rc = hfgit_strbuf__puts(&t, "../");
	if (rc == 0)
		rc = hfgit_strbuf__printf(&t, "blobs/%s", blob);
	if (rc < 0) {
		hfgit_strbuf__dispose(&t);
		return NULL;
	}
	return hfgit_strbuf__detach(&t);
}

static int put_link(writer *w, const export_file *f, const char *blob)
{
	char *target = link_target(f->path, blob), *dst = NULL, *tmp = NULL;
	char current[PATH_MAX];
	ssize_t n;
	int rc = 0;

	if (!target || !(dst = hfgit__aprintf("%s/%s", w->snapshot, f->path))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	n = readlink(dst, current, sizeof(current));
	if (n >= 0 && (size_t)n == strlen(target) && !memcmp(current, target, (size_t)n))
		goto out;
	if ((rc = hfgit_fs__mkdir_parent(dst)) < 0)
		goto out;
	if (!(tmp = next_tmp(w))) {
		rc = failed();
		goto out;
	}
	if (symlink(target, tmp) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot create a symbolic link in '%s'", w->tmp);
		goto out;
	}
	if ((rc = publish(tmp, dst)) == 0)
		w->stats->links_made++;
out:
	free(target);
	free(dst);
	free(tmp);
	return rc;
}

/* refs/<name>: the commit hash without a newline, which huggingface_hub reads verbatim. */
static int put_ref(writer *w, const char *name, const char *commit)
{
	char *dst = hfgit__aprintf("%s/%s", w->refs, name), *tmp = NULL;
	int rc = 0;

	if (!dst)
		return HFGIT_ERROR;
	if (!same_content(dst, commit, GIT_OID_HEXSZ)) {
		if (!(tmp = next_tmp(w)))
			rc = failed();
		else if ((rc = hfgit_fs__mkdir_parent(dst)) == 0 &&
		         (rc = write_new_file(tmp, commit, GIT_OID_HEXSZ)) == 0 &&
		         (rc = publish(tmp, dst)) == 0)
			w->stats->ref_written = 1;
	}
	free(dst);
	free(tmp);
	return rc;
}

static int report(const hfgit_export_options *opts, size_t done, size_t total)
{
	hfgit_progress p = { HFGIT_STAGE_CHECKOUT, done, total, 0, 0 };

	if (opts->progress && opts->progress(&p, opts->payload))
		return hfgit_error__set(HFGIT_EINTERRUPTED, "export interrupted");
	return 0;
}

/* Blobs and links first, the ref last: whoever finds the ref finds the whole snapshot. */
static int write_layout(writer *w, const file_list *l, const char *ref, const char *commit,
                        const hfgit_export_options *opts)
{
	char hex[GIT_OID_HEXSZ + 1];
	size_t i;
	int rc = 0;

	for (i = 0; i < l->count && rc == 0; i++) {
		const export_file *f = &l->files[i];
		const char *blob = f->oid;
		if (!f->lfs) {
			git_oid_tostr(hex, sizeof(hex), &f->blob);
			blob = hex;
		}
		if ((rc = f->lfs ? put_lfs_blob(w, f) : put_git_blob(w, f, blob)) == 0 &&
		    (rc = put_link(w, f, blob)) == 0)
			rc = report(opts, i + 1, l->count);
		w->stats->files += rc == 0;
		w->stats->lfs_files += rc == 0 && f->lfs;
	}
	if (rc == 0 && ref)
		rc = put_ref(w, ref, commit);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The export                                                                                */

/* A revision given by the caller is used when its commit is in the store; otherwise (or
 * when none was given) the revision is resolved as clone resolves it. */
static int resolve(const hfgit_resolved **use, hfgit_resolved **owned, hfgit_session **s,
                   hfgit_ctx *ctx, git_repository *store, const hfgit_model_id *id,
                   const hfgit_export_options *opts)
{
	int rc;

	if (opts->resolved && hfgit_store__has(store, &opts->resolved->commit_oid)) {
		*use = opts->resolved;
		return 0;
	}
	if ((rc = hfgit_resolve__with_store(owned, s, ctx, store, id, opts->progress,
	                                    opts->payload)) < 0)
		return rc;
	*use = *owned;
	return hfgit_fetch__into_store(*s, store, *owned);
}

static int export_new(hfgit_hf_export **out, const char *hub_dir, const hfgit_model_id *id)
{
	hfgit_hf_export *e = calloc(1, sizeof(*e));

	if (!e)
		return hfgit_error__oom();
	if (!(e->repo_dir = repo_folder(hub_dir, id))) {
		free(e);
		return HFGIT_ERROR;
	}
	*out = e;
	return 0;
}

static int export_set_revision(hfgit_hf_export *e, const hfgit_model_id *id,
                               const hfgit_resolved *r)
{
	const char *ref = ref_name(id, r);

	memcpy(e->commit, hfgit_resolved_commit(r), sizeof(e->commit));
	e->cached_at = hfgit_resolved_cached_at(r);
	if (!(e->snapshot_dir = hfgit__aprintf("%s/snapshots/%s", e->repo_dir, e->commit)))
		return HFGIT_ERROR;
	if (ref && !safe_relative_path(ref))
		return hfgit_error__set(HFGIT_EINVALID, "revision '%s' cannot be a file name in the "
		                        "huggingface_hub cache", ref);
	if (ref && !(e->ref = hfgit__strdup(ref)))
		return HFGIT_ERROR;
	return 0;
}

/* Made first, so that a hub cache that cannot be written is said before any network use. */
static int make_hub_dir(const char *hub_dir)
{
	int rc = hfgit_fs__mkdir_p(hub_dir);

	if (rc < 0)
		return hfgit_error__set(rc, "%s: make the huggingface_hub cache writable or choose "
		                        "another with --cache-dir-hf or HF_HUB_CACHE", hfgit_error_last());
	return 0;
}

static int open_lfs_store(hfgit_lfs_objects **out, const hfgit_ctx *ctx)
{
	char *root = hfgit_ctx__lfs_root(ctx);
	int rc;

	if (!root)
		return HFGIT_ERROR;
	rc = hfgit_lfs__objects_open(out, root);
	free(root);
	return rc;
}

int hfgit_export_hf_cache(hfgit_hf_export **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                          const hfgit_export_options *opts)
{
	hfgit_export_options defaults = HFGIT_EXPORT_OPTIONS_INIT;
	hfgit_export_stats local_stats;
	const hfgit_resolved *r = NULL;
	hfgit_resolved *owned = NULL;
	hfgit_session *s = NULL;
	git_repository *store = NULL;
	hfgit_hf_export *e = NULL;
	file_list files;
	writer w;
	char *hub_dir = NULL;
	int rc;

	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_EXPORT_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	if (out)
		*out = NULL;
	if (!opts)
		opts = &defaults;
	memset(&local_stats, 0, sizeof(local_stats));
	memset(&files, 0, sizeof(files));
	memset(&w, 0, sizeof(w));
	w.stats = opts->stats ? opts->stats : &local_stats;
	memset(w.stats, 0, sizeof(*w.stats));
	files.opts = opts;
	if ((rc = hfgit_hf_cache_dir(&hub_dir, opts->hf_cache_dir)) < 0 ||
	    (rc = make_hub_dir(hub_dir)) < 0 ||
	    (rc = export_new(&e, hub_dir, id)) < 0 ||
	    (rc = hfgit_store__open(&store, ctx, id)) < 0 ||
	    (rc = resolve(&r, &owned, &s, ctx, store, id, opts)) < 0 ||
	    (rc = export_set_revision(e, id, r)) < 0 ||
	    (rc = open_lfs_store(&w.lfs, ctx)) < 0)
		goto out;
	files.lfs = w.lfs;
	hfgit__trace("export %s@%s to '%s'", hfgit_model_id_repo(id), e->commit, e->repo_dir);
	if ((rc = list_files(&files, store, &r->commit_oid)) < 0)
		goto out;
	if (files.missing) {
		hfgit__trace("export: %zu LFS objects to fetch first", files.missing);
		if ((rc = fetch_lfs(ctx, id, &files, r, s, opts)) < 0)
			goto out;
		files.missing = 0;
	}
	if (git_repository_odb(&w.odb, store) < 0) {
		rc = hfgit_git__fail("cannot read the objects", git_repository_path(store));
		goto out;
	}
	if ((rc = writer_open(&w, e->repo_dir, e->commit)) < 0 ||
	    (rc = write_layout(&w, &files, e->ref, e->commit, opts)) < 0)
		goto out;
	hfgit_store__mark_used(git_repository_path(store));
	hfgit__trace("export: %zu files, %zu blobs linked, %zu copied, %zu written, %zu kept",
	             w.stats->files, w.stats->blobs_linked, w.stats->blobs_copied,
	             w.stats->blobs_written, w.stats->blobs_kept);
	if (out) {
		*out = e;
		e = NULL;
	}
out:
	writer_close(&w);
	git_odb_free(w.odb);
	hfgit_lfs__objects_free(w.lfs);
	file_list_clear(&files);
	hfgit_hf_export_free(e);
	hfgit_resolved_free(owned);
	hfgit_session__free(s);
	if (rc < 0)
		hfgit_store__forget_if_empty(ctx, store);
	git_repository_free(store);
	free(hub_dir);
	return rc;
}

const char *hfgit_hf_export_commit(const hfgit_hf_export *e)
{
	return e->commit;
}

const char *hfgit_hf_export_ref(const hfgit_hf_export *e)
{
	return e->ref;
}

const char *hfgit_hf_export_repo_dir(const hfgit_hf_export *e)
{
	return e->repo_dir;
}

const char *hfgit_hf_export_snapshot_dir(const hfgit_hf_export *e)
{
	return e->snapshot_dir;
}

long long hfgit_hf_export_cached_at(const hfgit_hf_export *e)
{
	return e->cached_at;
}

void hfgit_hf_export_free(hfgit_hf_export *e)
{
	if (!e)
		return;
	free(e->ref);
	free(e->repo_dir);
	free(e->snapshot_dir);
	free(e);
}
