#define _GNU_SOURCE
#include "lfs_checkout.h"

#include <errno.h>
#include <fcntl.h>
#include <fnmatch.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/strbuf.h"
#include "common/trace.h"
#include "context.h"
#include "lfs/batch.h"
#include "lfs/objects.h"
#include "lfs/pointer.h"
#include "lfs/transfer.h"

typedef struct {
	char *path;              /* relative to the working tree */
	hfgit_lfs_pointer pointer;
	size_t job;              /* index into the jobs array, or SIZE_MAX when already stored */
} lfs_file;

typedef struct {
	git_repository *repo;
	const hfgit_clone_options *opts;
	lfs_file *files;
	size_t count, cap;
	int error;
} collector;

static const char *git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

char *hfgit_lfs_store_root(const hfgit_ctx *ctx)
{
	return hfgit_aprintf("%s/lfs", ctx->cache_dir);
}

/* ---------------------------------------------------------------------------------------- */
/* Which files                                                                               */

static bool glob_matches(const char *pattern, const char *path)
{
	const char *base = strrchr(path, '/');

	if (fnmatch(pattern, path, 0) == 0)
		return true;
	/* "*.bin" means every .bin, in any folder, as in .gitattributes and git lfs --include. */
	return !strchr(pattern, '/') && base && fnmatch(pattern, base + 1, 0) == 0;
}

static bool any_glob(const char *const *patterns, size_t n, const char *path)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (glob_matches(patterns[i], path))
			return true;
	return false;
}

static bool wanted(const hfgit_clone_options *opts, const char *path)
{
	if (opts->lfs_include_count && !any_glob(opts->lfs_include, opts->lfs_include_count, path))
		return false;
	return !any_glob(opts->lfs_exclude, opts->lfs_exclude_count, path);
}

/* git-lfs's rule: a blob is LFS content when the attributes say filter=lfs and it parses. */
static bool has_lfs_filter(git_repository *repo, const char *path)
{
	const char *value = NULL;

	if (git_attr_get(&value, repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, path, "filter") < 0)
		return false;
	return value && git_attr_value(value) == GIT_ATTR_VALUE_STRING && !strcmp(value, "lfs");
}

static int collect_blob(const char *root, const git_tree_entry *entry, void *payload)
{
	collector *c = payload;
	git_odb *odb = NULL;
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size = 0;
	hfgit_lfs_pointer pointer;
	char *path;
	int rc = 0;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK)
		return 0;
	if (git_repository_odb(&odb, c->repo) < 0)
		return -1;
	/* Only small blobs can be pointers: read the header before the content. */
	if (git_odb_read_header(&size, &type, odb, git_tree_entry_id(entry)) < 0 ||
	    !hfgit_lfs_pointer_maybe(NULL, size))
		goto out;
	if (git_odb_read(&obj, odb, git_tree_entry_id(entry)) < 0 ||
	    !hfgit_lfs_pointer_maybe(git_odb_object_data(obj), git_odb_object_size(obj)) ||
	    hfgit_lfs_pointer_parse(&pointer, git_odb_object_data(obj), git_odb_object_size(obj)) < 0)
		goto out;
	/* With extensions, the stored object is what the extension programs made, not the file:
	 * git-lfs itself needs them configured. Leave such pointers alone. */
	if (pointer.ext[0] != '\0')
		goto out;
	if (!(path = hfgit_aprintf("%s%s", root, git_tree_entry_name(entry)))) {
		rc = c->error = HFGIT_ERROR;
		goto out;
	}
	if (!has_lfs_filter(c->repo, path) || !wanted(c->opts, path)) {
		free(path);
		goto out;
	}
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		lfs_file *grown = realloc(c->files, cap * sizeof(*grown));
		if (!grown) {
			free(path);
			rc = c->error = hfgit_error_oom();
			goto out;
		}
		c->files = grown;
		c->cap = cap;
	}
	c->files[c->count].path = path;
	c->files[c->count].pointer = pointer;
	c->files[c->count].job = SIZE_MAX;
	c->count++;
out:
	hfgit_error_clear();
	git_odb_object_free(obj);
	git_odb_free(odb);
	return rc < 0 ? -1 : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Downloads                                                                                 */

typedef struct {
	const hfgit_lfs_batch_target *target;
	const hfgit_clone_options *opts;
} lfs_callbacks;

/* An expired or refused href: ask the batch API again for this one object. */
static int renew_href(hfgit_lfs_job *job, void *payload)
{
	const lfs_callbacks *cb = payload;
	hfgit_lfs_job fresh;
	int rc;

	memset(&fresh, 0, sizeof(fresh));
	memcpy(fresh.oid, job->oid, sizeof(fresh.oid));
	fresh.size = job->size;
	fresh.name = job->name;
	if ((rc = hfgit_lfs_batch(cb->target, &fresh, 1)) == 0 && !fresh.error) {
		free(job->href);
		curl_slist_free_all(job->headers);
		job->href = fresh.href;
		job->headers = fresh.headers;
		job->expires_at = fresh.expires_at;
		fresh.href = NULL;
		fresh.headers = NULL;
		hfgit_trace("lfs: %s: renewed the download action", job->name);
	}
	rc = rc < 0 ? rc : fresh.error ? -1 : 0;
	hfgit_lfs_job_dispose(&fresh);
	return rc;
}

static int on_lfs_progress(const hfgit_lfs_progress *p, void *payload)
{
	const lfs_callbacks *cb = payload;
	hfgit_progress pr = { HFGIT_STAGE_LFS, p->objects_done, p->objects_total, p->bytes_done,
		                  p->bytes_total };

	return cb->opts->progress ? cb->opts->progress(&pr, cb->opts->payload) : 0;
}

/* One job per distinct missing object; files that share an object share its job. */
static int plan_downloads(hfgit_lfs_job **out, size_t *count, collector *c,
                          hfgit_lfs_objects *store, hfgit_clone_stats *stats)
{
	hfgit_lfs_job *jobs = calloc(c->count ? c->count : 1, sizeof(*jobs));
	size_t i, k, n = 0;

	if (!jobs)
		return hfgit_error_oom();
	for (i = 0; i < c->count; i++) {
		lfs_file *f = &c->files[i];
		bool seen = false;
		for (k = 0; k < i && !seen; k++)
			seen = !strcmp(c->files[k].pointer.oid, f->pointer.oid);
		if (seen) {
			for (k = 0; k < i; k++)
				if (!strcmp(c->files[k].pointer.oid, f->pointer.oid))
					f->job = c->files[k].job;
			continue;
		}
		stats->lfs_objects++;
		stats->lfs_bytes += f->pointer.size;
		if (hfgit_lfs_object_present(store, f->pointer.oid, f->pointer.size)) {
			stats->lfs_bytes_reused += f->pointer.size;
			continue;
		}
		memcpy(jobs[n].oid, f->pointer.oid, sizeof(jobs[n].oid));
		jobs[n].size = f->pointer.size;
		jobs[n].name = f->path;
		f->job = n++;
	}
	*out = jobs;
	*count = n;
	return 0;
}

static int download(hfgit_lfs_job *jobs, size_t n, hfgit_lfs_objects *store, const char *remote_url,
                    const char *ref, const hfgit_clone_options *opts, hfgit_clone_stats *stats)
{
	hfgit_lfs_transfer_options topts = HFGIT_LFS_TRANSFER_OPTIONS_INIT;
	hfgit_lfs_batch_target target = { NULL, ref, NULL, 0 };
	lfs_callbacks cb = { &target, opts };
	size_t i, ready = 0;
	int rc;

	if (!(target.url = hfgit_lfs_batch_url(remote_url)))
		return HFGIT_ERROR;
	if ((rc = hfgit_lfs_batch(&target, jobs, n)) < 0)
		goto out;
	/* Objects the server cannot give are reported with the rest, after the others arrived. */
	for (i = 0; i < n; i++) {
		if (!jobs[i].error) {
			if (i != ready) {
				hfgit_lfs_job tmp = jobs[ready];
				jobs[ready] = jobs[i];
				jobs[i] = tmp;
			}
			ready++;
		}
	}
	topts.jobs = opts->jobs;
	topts.progress = on_lfs_progress;
	topts.progress_payload = &cb;
	topts.renew = renew_href;
	topts.renew_payload = &cb;
	rc = hfgit_lfs_download(store, jobs, ready, &topts);
	for (i = 0; i < n; i++) {
		stats->lfs_bytes_fetched += jobs[i].fetched;
		stats->lfs_objects_fetched += !jobs[i].error;
	}
	if (ready < n) {
		hfgit_strbuf msg = HFGIT_STRBUF_INIT;
		for (i = ready; i < n && i < ready + 5; i++)
			hfgit_strbuf_printf(&msg, "%s%s", i > ready ? "; " : "", jobs[i].message);
		if (n - ready > 5)
			hfgit_strbuf_printf(&msg, "; and %zu more", n - ready - 5);
		rc = hfgit_error_set(jobs[ready].error, "%s%s%s", hfgit_strbuf_cstr(&msg),
		                     rc < 0 ? "; " : "", rc < 0 ? hfgit_error_last() : "");
		hfgit_strbuf_dispose(&msg);
	}
out:
	free((char *)target.url);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The working tree                                                                          */

static int reflink(const char *from, const char *to, mode_t mode)
{
	int in = open(from, O_RDONLY | O_CLOEXEC), out, rc = -1;

	if (in < 0)
		return -1;
	if ((out = open(to, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)) >= 0) {
		rc = ioctl(out, FICLONE, in);
		close(out);
		if (rc < 0)
			unlink(to);
	}
	close(in);
	return rc;
}

/* Put the object at `tmp` by the chosen policy; the caller renames it over the pointer. */
static int place(const char *object, const char *tmp, hfgit_link_mode mode, mode_t file_mode)
{
	unlink(tmp);
	if ((mode == HFGIT_LINK_AUTO || mode == HFGIT_LINK_REFLINK) && reflink(object, tmp, file_mode) == 0)
		return 0;
	if (mode == HFGIT_LINK_REFLINK)
		return hfgit_error_set_errno(HFGIT_EIO, "cannot reflink '%s' (the file system may not "
		                             "support it: use --link auto or copy)", object);
	if ((mode == HFGIT_LINK_AUTO || mode == HFGIT_LINK_HARDLINK) && link(object, tmp) == 0)
		return 0;
	if (mode == HFGIT_LINK_HARDLINK && errno != EXDEV)
		return hfgit_error_set_errno(HFGIT_EIO, "cannot hard-link '%s'", object);
	return hfgit_fs_copy(object, tmp, file_mode, false);
}

/*
 * Replace the pointer file with the content and record the new file's stat data in the index
 * (the index keeps the pointer's blob id, as git-lfs's clean filter would produce it). The
 * file's mtime is set a little in the past so that the index written afterwards is newer:
 * entries as new as the index are "racy", and git would re-hash them, which needs git-lfs.
 */
static int materialize(git_repository *repo, git_index *index, const lfs_file *f,
                       const char *object, hfgit_link_mode mode)
{
	const git_index_entry *old = git_index_get_bypath(index, f->path, 0);
	char *dst = hfgit_aprintf("%s%s", git_repository_workdir(repo), f->path);
	char *tmp = dst ? hfgit_aprintf("%s.hfgit-tmp", dst) : NULL;
	mode_t file_mode = old && old->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
	struct timespec past[2];
	git_index_entry entry;
	struct stat st;
	int rc = 0;

	if (!tmp || !old) {
		rc = old ? HFGIT_ERROR : hfgit_error_set(HFGIT_ERROR, "'%s' is not in the index", f->path);
		goto out;
	}
	if ((rc = place(object, tmp, mode, file_mode)) < 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &past[0]);
	past[0].tv_sec -= 2;
	past[1] = past[0];
	if (lstat(tmp, &st) == 0 && st.st_mtime > past[1].tv_sec)
		utimensat(AT_FDCWD, tmp, past, 0);
	if (rename(tmp, dst) < 0 || lstat(dst, &st) < 0) {
		rc = hfgit_error_set_errno(HFGIT_EIO, "cannot put the content of '%s' in place", f->path);
		unlink(tmp);
		goto out;
	}
	entry = *old;
	entry.ctime.seconds = (int32_t)st.st_ctim.tv_sec;
	entry.ctime.nanoseconds = (uint32_t)st.st_ctim.tv_nsec;
	entry.mtime.seconds = (int32_t)st.st_mtim.tv_sec;
	entry.mtime.nanoseconds = (uint32_t)st.st_mtim.tv_nsec;
	entry.dev = (uint32_t)st.st_dev;
	entry.ino = (uint32_t)st.st_ino;
	entry.uid = st.st_uid;
	entry.gid = st.st_gid;
	entry.file_size = (uint32_t)st.st_size; /* git keeps the size modulo 2^32 */
	if (git_index_add(index, &entry) < 0)
		rc = hfgit_error_set(HFGIT_ERROR, "cannot update the index for '%s': %s", f->path,
		                     git_message());
out:
	free(tmp);
	free(dst);
	return rc;
}

static bool git_lfs_installed(void)
{
	const char *path = getenv("PATH");
	char *copy, *dir, *save = NULL;
	bool found = false;

	if (!path || !(copy = strdup(path)))
		return false;
	for (dir = strtok_r(copy, ":", &save); dir && !found; dir = strtok_r(NULL, ":", &save)) {
		char *candidate = hfgit_aprintf("%s/git-lfs", *dir ? dir : ".");
		found = candidate && access(candidate, X_OK) == 0;
		free(candidate);
	}
	free(copy);
	return found;
}

/*
 * lfs.storage points git-lfs at the shared store, so `git lfs fsck`, `ls-files` and `pull`
 * work in the checkout without a second copy; the filter lines are what `git lfs install
 * --local` writes, set only where git-lfs exists (with filter.lfs.required and no git-lfs,
 * git would fail on every checkout).
 */
static int configure(git_repository *repo, const char *store_root)
{
	git_config *cfg = NULL;
	int rc = 0;

	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_set_string(cfg, "lfs.storage", store_root) < 0 ||
	    (git_lfs_installed() &&
	     (git_config_set_string(cfg, "filter.lfs.clean", "git-lfs clean -- %f") < 0 ||
	      git_config_set_string(cfg, "filter.lfs.smudge", "git-lfs smudge -- %f") < 0 ||
	      git_config_set_string(cfg, "filter.lfs.process", "git-lfs filter-process") < 0 ||
	      git_config_set_bool(cfg, "filter.lfs.required", 1) < 0)))
		rc = hfgit_error_set(HFGIT_ERROR, "cannot configure git-lfs in the checkout: %s",
		                     git_message());
	git_config_free(cfg);
	return rc;
}

int hfgit_lfs_checkout(git_repository *repo, const git_oid *commit, hfgit_ctx *ctx,
                       const char *remote_url, const char *ref, const hfgit_clone_options *opts)
{
	hfgit_clone_stats local_stats, *stats = opts->stats ? opts->stats : &local_stats;
	collector c = { repo, opts, NULL, 0, 0, 0 };
	hfgit_lfs_objects *store = NULL;
	hfgit_lfs_job *jobs = NULL;
	git_commit *head = NULL;
	git_tree *tree = NULL;
	git_index *index = NULL;
	char *store_root = hfgit_lfs_store_root(ctx);
	size_t njobs = 0, i;
	int rc;

	memset(&local_stats, 0, sizeof(local_stats));
	if (!store_root)
		return HFGIT_ERROR;
	if ((rc = hfgit_lfs_objects_open(&store, store_root)) < 0 ||
	    (rc = configure(repo, store_root)) < 0 || opts->no_lfs)
		goto out;
	if (git_commit_lookup(&head, repo, commit) < 0 || git_commit_tree(&tree, head) < 0 ||
	    git_tree_walk(tree, GIT_TREEWALK_PRE, collect_blob, &c) < 0) {
		rc = c.error ? c.error : hfgit_error_set(HFGIT_ERROR, "cannot list the LFS files: %s",
		                                         git_message());
		goto out;
	}
	hfgit_trace("lfs: %zu LFS files in the commit", c.count);
	if (c.count == 0)
		goto out;
	if ((rc = plan_downloads(&jobs, &njobs, &c, store, stats)) < 0)
		goto out;
	if (njobs && ctx->offline) {
		rc = hfgit_error_set(HFGIT_EOFFLINE, "%zu LFS object%s of this revision %s not in the "
		                     "cache (%s%s) and offline mode is on: clone once with the network, "
		                     "or leave them out with --exclude or --no-lfs", njobs,
		                     njobs == 1 ? "" : "s", njobs == 1 ? "is" : "are", jobs[0].name,
		                     njobs > 1 ? ", ..." : "");
		goto out;
	}
	if (njobs && (rc = download(jobs, njobs, store, remote_url, ref, opts, stats)) < 0)
		goto out;
	if (git_repository_index(&index, repo) < 0) {
		rc = hfgit_error_set(HFGIT_ERROR, "cannot open the index: %s", git_message());
		goto out;
	}
	for (i = 0; i < c.count && rc == 0; i++) {
		char *object = hfgit_lfs_object_path(store, c.files[i].pointer.oid);
		rc = object ? materialize(repo, index, &c.files[i], object, opts->link) : HFGIT_EINVALID;
		free(object);
	}
	stats->lfs_files = c.count;
	if (rc == 0 && git_index_write(index) < 0)
		rc = hfgit_error_set(HFGIT_ERROR, "cannot write the index: %s", git_message());
	hfgit_trace("lfs: working tree has the content of %zu files", c.count);
out:
	for (i = 0; i < njobs; i++)
		hfgit_lfs_job_dispose(&jobs[i]);
	free(jobs);
	for (i = 0; i < c.count; i++)
		free(c.files[i].path);
	free(c.files);
	git_index_free(index);
	git_tree_free(tree);
	git_commit_free(head);
	hfgit_lfs_objects_free(store);
	free(store_root);
	return rc;
}
