#define _GNU_SOURCE
#include "checkout/lfs_files.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/fs.h>
#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "core/git_error.h"
#include "lfs/batch.h"
#include "lfs/local.h"
#include "lfs/objects.h"
#include "lfs/pointer.h"
#include "lfs/select.h"
#include "checkout/tree_files.h"
#include "lfs/transfer.h"

typedef struct {
	char *path;              /* relative to the working tree */
	hfgit_lfs_pointer pointer;
	git_oid blob;            /* the pointer's blob, which the index records */
	git_filemode_t mode;
	size_t job;              /* index into the jobs array, or SIZE_MAX when already stored */
} lfs_file;

typedef struct {
	git_repository *repo;
	const git_oid *commit;
	const hfgit_clone_options *opts;
	lfs_file *files;          /* the LFS files that get content */
	size_t count, cap;
	char **others;            /* every other path: what libgit2's checkout writes */
	size_t nothers, capothers;
	int error;
} collector;

struct hfgit_lfs_plan {
	collector c;
	hfgit_lfs_objects *store;
	char *store_root;
	git_strarray other_paths;
};

/* ---------------------------------------------------------------------------------------- */
/* Which files                                                                               */

static bool wanted(const hfgit_clone_options *opts, const char *path)
{
	return hfgit_lfs_path_selected(path, opts->lfs_include, opts->lfs_include_count,
	                               opts->lfs_exclude, opts->lfs_exclude_count);
}

static int add_other(collector *c, const char *path)
{
	if (c->nothers == c->capothers) {
		size_t cap = c->capothers ? c->capothers * 2 : 64;
		char **grown = realloc(c->others, cap * sizeof(*grown));
		if (!grown)
			return c->error = hfgit_error_oom();
		c->others = grown;
		c->capothers = cap;
	}
	if (!(c->others[c->nothers] = hfgit_strdup(path)))
		return c->error = HFGIT_ERROR;
	c->nothers++;
	return 0;
}

/* Every file of the commit: LFS content that is wanted becomes an lfs_file, the rest is
 * left to libgit2's checkout. The rule for "LFS content" is tree_files.c's, shared with the
 * export and `hfgit ls`. */
static int collect_file(const hfgit_tree_file *f, void *payload)
{
	collector *c = payload;
	lfs_file *file;

	if (!f->lfs || c->opts->no_lfs || !wanted(c->opts, f->path))
		return add_other(c, f->path);
	if (c->count == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 64;
		lfs_file *grown = realloc(c->files, cap * sizeof(*grown));
		if (!grown)
			return c->error = hfgit_error_oom();
		c->files = grown;
		c->cap = cap;
	}
	file = &c->files[c->count];
	if (!(file->path = hfgit_strdup(f->path)))
		return c->error = HFGIT_ERROR;
	file->pointer = *f->lfs;
	git_oid_cpy(&file->blob, f->blob);
	file->mode = f->mode;
	file->job = SIZE_MAX;
	c->count++;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Downloads                                                                                 */

typedef struct {
	const hfgit_lfs_batch_target *target;
	const hfgit_clone_options *opts;
	/* the groups downloaded before the current one, and the whole download */
	size_t objects_before, objects_total;
	uint64_t bytes_before, bytes_total;
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
	hfgit_progress pr = { HFGIT_STAGE_LFS, cb->objects_before + p->objects_done,
		                  cb->objects_total, cb->bytes_before + p->bytes_done, cb->bytes_total,
		                  p->current };

	return cb->opts->progress ? cb->opts->progress(&pr, cb->opts->payload) : 0;
}

/* One job per distinct missing object; files that share an object share its job. */
static int plan_downloads(hfgit_lfs_job **out, size_t *count, collector *c,
                          hfgit_lfs_objects *store, hfgit_clone_stats *stats)
{
	hfgit_lfs_job *jobs = calloc(c->count ? c->count : 1, sizeof(*jobs));
	size_t *first = NULL, i, n = 0;
	int rc;

	if (!jobs)
		return hfgit_error_oom();
	if ((rc = hfgit_lfs_first_of_each(&first, c->files, c->count, sizeof(*c->files),
	                                  offsetof(lfs_file, pointer))) < 0) {
		free(jobs);
		return rc;
	}
	for (i = 0; i < c->count; i++) {
		lfs_file *f = &c->files[i];
		if (first[i] != i) {
			f->job = c->files[first[i]].job;
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
	free(first);
	*out = jobs;
	*count = n;
	return 0;
}

/*
 * The batch requests of one group of jobs, on a thread of their own: the next group's
 * requests run while the current group downloads. With many small files the requests (100
 * objects each) would otherwise all come before the first byte, one round trip after another.
 */
typedef struct {
	const hfgit_lfs_batch_target *target;
	hfgit_lfs_job *jobs;
	size_t count;
	int rc;
	char message[1024];     /* errors are per thread: the message is carried back */
	pthread_t thread;
	bool running;
} batch_group;

static void *batch_main(void *arg)
{
	batch_group *g = arg;

	if ((g->rc = hfgit_lfs_batch(g->target, g->jobs, g->count)) < 0)
		snprintf(g->message, sizeof(g->message), "%s", hfgit_error_last());
	return NULL;
}

static void batch_start(batch_group *g, const hfgit_lfs_batch_target *target,
                        hfgit_lfs_job *jobs, size_t count)
{
	g->target = target;
	g->jobs = jobs;
	g->count = count;
	g->rc = 0;
	g->message[0] = '\0';
	g->running = count > 0 && pthread_create(&g->thread, NULL, batch_main, g) == 0;
	if (count > 0 && !g->running)
		batch_main(g); /* no thread to be had: ask now */
}

static int batch_finish(batch_group *g)
{
	if (g->running)
		pthread_join(g->thread, NULL);
	g->running = false;
	return g->rc < 0 ? hfgit_error_set(g->rc, "%s", g->message) : 0;
}

/* Jobs the server gave an action for first; returns how many. */
static size_t ready_first(hfgit_lfs_job *jobs, size_t n)
{
	size_t i, ready = 0;

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
	return ready;
}

/*
 * Groups grow from one batch request, so that bytes flow at once, to MAX_GROUP objects. A
 * group ends with its slowest object and the drain of its commits, and the next waits for
 * that: measured on the local hub, 2,000 small objects in three groups took 10-20% longer
 * than in one. Below GROUPS_FROM objects (every model repository) all go in one group.
 */
#define MAX_GROUP (256 * HFGIT_LFS_BATCH_MAX)
#define GROUPS_FROM (50 * HFGIT_LFS_BATCH_MAX)

static int download(hfgit_lfs_job *jobs, size_t n, hfgit_lfs_objects *store, const char *remote_url,
                    const char *ref, hfgit_ctx *ctx, const hfgit_clone_options *opts,
                    hfgit_clone_stats *stats)
{
	hfgit_lfs_transfer_options topts = HFGIT_LFS_TRANSFER_OPTIONS_INIT;
	hfgit_lfs_batch_target target = { NULL, ref, ctx->authorization, 0, NULL };
	lfs_callbacks cb = { &target, opts, 0, n, 0, 0 };
	hfgit_strbuf msg = HFGIT_STRBUF_INIT, failed = HFGIT_STRBUF_INIT;
	batch_group ahead = { 0 };
	size_t i, start = 0, end, size = n > GROUPS_FROM ? HFGIT_LFS_BATCH_MAX : n, unavailable = 0;
	int rc, first_error = 0, code = 0;

	/* HFGIT_LFS_GROUP (objects): the first group's size, a tuning knob (and how the tests
	 * send a few objects in several groups). */
	if (getenv("HFGIT_LFS_GROUP") && strtoul(getenv("HFGIT_LFS_GROUP"), NULL, 10) > 0)
		size = strtoul(getenv("HFGIT_LFS_GROUP"), NULL, 10);
	if ((rc = hfgit_ctx__http(&target.http, ctx)) < 0)
		return rc;
	if (!(target.url = hfgit_lfs_batch_url(remote_url)))
		return HFGIT_ERROR;
	for (i = 0; i < n; i++)
		cb.bytes_total += jobs[i].size;
	topts.jobs = opts->jobs;
	topts.progress = on_lfs_progress;
	topts.progress_payload = &cb;
	topts.renew = renew_href;
	topts.renew_payload = &cb;
	topts.http = target.http;
	end = n < size ? n : size;
	if ((rc = hfgit_lfs_batch(&target, jobs, end)) < 0)
		goto out;
	while (start < n) {
		size_t next = size * 4 < MAX_GROUP ? size * 4 : MAX_GROUP;
		size_t next_end = n - end < next ? n : end + next;
		size_t ready = ready_first(jobs + start, end - start);
		int group_rc;

		batch_start(&ahead, &target, jobs + end, next_end - end);
		/* Objects the server cannot give are reported with the rest, after the others arrived. */
		group_rc = hfgit_lfs_download(store, jobs + start, ready, &topts);
		if (group_rc < 0 && !first_error) {
			first_error = group_rc;
			hfgit_strbuf_puts(&failed, hfgit_error_last());
		}
		for (i = start; i < end; i++) {
			stats->lfs_bytes_fetched += jobs[i].fetched;
			stats->lfs_objects_fetched += i < start + ready && !jobs[i].error;
			cb.bytes_before += jobs[i].size;
		}
		cb.objects_before += end - start;
		if ((rc = batch_finish(&ahead)) < 0 || group_rc == HFGIT_EINTERRUPTED) {
			rc = rc < 0 ? rc : group_rc;
			goto out;
		}
		start = end;
		end = next_end;
		size = next;
	}
	/* The objects the server could not give (they are the ones without an action). */
	for (i = 0; i < n; i++) {
		if (!jobs[i].error || jobs[i].href)
			continue;
		if (!unavailable++)
			code = jobs[i].error;
		if (unavailable <= 5)
			hfgit_strbuf_printf(&msg, "%s%s", msg.len ? "; " : "", jobs[i].message);
	}
	if (unavailable > 5)
		hfgit_strbuf_printf(&msg, "; and %zu more", unavailable - 5);
	if (unavailable || first_error)
		rc = hfgit_error_set(unavailable ? code : first_error, "%s%s%s", hfgit_strbuf_cstr(&msg),
		                     unavailable && first_error ? "; " : "", hfgit_strbuf_cstr(&failed));
out:
	if (ahead.running)
		batch_finish(&ahead);
	hfgit_strbuf_dispose(&msg);
	hfgit_strbuf_dispose(&failed);
	free((char *)target.url);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The working tree                                                                          */

/* A new file `to` sharing `from`'s blocks (a reflink): one copy on disk, two independent files. */
static int reflink_new(const char *from, const char *to, mode_t mode)
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

/*
 * Give the working tree the object's content at `dst` by the chosen policy. Whether the file
 * system reflinks is learnt on the first file, so that `auto` costs no failed attempt (and no
 * file created only to be deleted) per file after that.
 */
static int place(const char *object, const char *dst, hfgit_link_mode mode, mode_t file_mode,
                 bool *reflink_works)
{
	if (mode == HFGIT_LINK_REFLINK || (mode == HFGIT_LINK_AUTO && *reflink_works)) {
		if (reflink_new(object, dst, file_mode) == 0)
			return 0;
		if (mode == HFGIT_LINK_REFLINK)
			return hfgit_error_set_errno(HFGIT_EIO, "cannot reflink '%s' (the file system may "
			                             "not support it: use --link auto or copy)", object);
		*reflink_works = false;
	}
	/* A hard link shares the store object's read-only 0444 inode: an executable file
	 * (mode 100755, checked out 0755 by git) gets its own copy instead. */
	if (mode != HFGIT_LINK_COPY && !(file_mode & 0111) && link(object, dst) == 0)
		return 0;
	if (mode == HFGIT_LINK_HARDLINK && !(file_mode & 0111) && errno != EXDEV)
		return hfgit_error_set_errno(HFGIT_EIO, "cannot hard-link '%s'", object);
	return hfgit_fs_copy(object, dst, file_mode, false) < 0 ? HFGIT_EIO : 0;
}

/*
 * How the files of one apply are placed. Files come in tree order, so the files of one
 * directory come together: its parents are made once, not once per file.
 */
typedef struct {
	hfgit_link_mode mode;
	bool reflink_works;
	bool new_tree;           /* nothing is at any of the paths yet */
	hfgit_strbuf made;       /* the directory made last, relative to the working tree */
} placing;

static int make_parent_dirs(placing *pl, const char *workdir, const char *path)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	char *dir;
	int rc;

	if (!slash || (pl->made.len == len && !memcmp(pl->made.ptr, path, len)))
		return 0;
	if (!(dir = hfgit_aprintf("%s%.*s", workdir, (int)len, path)))
		return HFGIT_ERROR;
	if ((rc = hfgit_fs_mkdir_p(dir)) == 0) {
		hfgit_strbuf_clear(&pl->made);
		rc = hfgit_strbuf_put(&pl->made, path, len);
	}
	free(dir);
	return rc;
}

/*
 * Put the content of an LFS file in the working tree and record it in the index under the
 * pointer's blob id (what git-lfs's clean filter gives for that content), with the file's stat
 * data. The file's mtime is set a little in the past so that the index written afterwards is
 * newer: entries as new as the index are "racy", and git would re-hash them, which needs
 * git-lfs's filter.
 */
static int materialize(git_repository *repo, git_index *index, const lfs_file *f,
                       const char *object, placing *pl)
{
	const char *workdir = git_repository_workdir(repo);
	char *dst = hfgit_aprintf("%s%s", workdir, f->path);
	mode_t file_mode = f->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
	struct timespec past[2];
	git_index_entry entry;
	struct stat st;
	int rc;

	if (!dst)
		return HFGIT_ERROR;
	if (!pl->new_tree)
		unlink(dst); /* the file of the revision before */
	if ((rc = make_parent_dirs(pl, workdir, f->path)) < 0 ||
	    (rc = place(object, dst, pl->mode, file_mode, &pl->reflink_works)) < 0)
		goto out;
	clock_gettime(CLOCK_REALTIME, &past[0]);
	past[0].tv_sec -= 2;
	past[1] = past[0];
	if (lstat(dst, &st) == 0 && st.st_mtime > past[1].tv_sec) {
		utimensat(AT_FDCWD, dst, past, 0);
		lstat(dst, &st);
	}
	if (!S_ISREG(st.st_mode)) {
		rc = hfgit_error_set(HFGIT_EIO, "cannot put the content of '%s' in place", f->path);
		goto out;
	}
	memset(&entry, 0, sizeof(entry));
	entry.path = f->path;
	entry.mode = f->mode;
	git_oid_cpy(&entry.id, &f->blob);
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
		                     hfgit_git_message());
out:
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
 * git would fail on every checkout). A working-tree file hard-linked to the store shares its
 * inode with every other checkout of that object, and each new link changes the inode's
 * ctime: core.trustctime=false keeps git (and libgit2) from taking that for a modification.
 */
static int configure(git_repository *repo, const char *store_root, hfgit_link_mode mode)
{
	git_config *cfg = NULL;
	int rc = 0;

	if (git_repository_config(&cfg, repo) < 0 ||
	    git_config_set_string(cfg, "lfs.storage", store_root) < 0 ||
	    (mode != HFGIT_LINK_COPY && mode != HFGIT_LINK_REFLINK &&
	     git_config_set_bool(cfg, "core.trustctime", 0) < 0) ||
	    (git_lfs_installed() &&
	     (git_config_set_string(cfg, "filter.lfs.clean", "git-lfs clean -- %f") < 0 ||
	      git_config_set_string(cfg, "filter.lfs.smudge", "git-lfs smudge -- %f") < 0 ||
	      git_config_set_string(cfg, "filter.lfs.process", "git-lfs filter-process") < 0 ||
	      git_config_set_bool(cfg, "filter.lfs.required", 1) < 0)))
		rc = hfgit_error_set(HFGIT_ERROR, "cannot configure git-lfs in the checkout: %s",
		                     hfgit_git_message());
	git_config_free(cfg);
	return rc;
}

void hfgit_lfs_plan_free(hfgit_lfs_plan *plan)
{
	size_t i;

	if (!plan)
		return;
	for (i = 0; i < plan->c.count; i++)
		free(plan->c.files[i].path);
	for (i = 0; i < plan->c.nothers; i++)
		free(plan->c.others[i]);
	free(plan->c.files);
	free(plan->c.others);
	hfgit_lfs_objects_free(plan->store);
	free(plan->store_root);
	free(plan);
}

/*
 * Before any download: the missing objects that are already elsewhere on the machine (the
 * huggingface_hub cache, references) are verified and linked into the store, and leave the
 * list of jobs. Works offline too.
 */
static int take_local_objects(hfgit_lfs_plan *plan, hfgit_lfs_job *jobs, size_t *njobs,
                              const hfgit_clone_options *opts, hfgit_clone_stats *stats)
{
	hfgit_lfs_local *local = NULL;
	const char **oids = NULL;
	uint64_t *sizes = NULL;
	unsigned char *taken = NULL;
	size_t i, kept = 0, n = *njobs;
	int rc;

	if ((rc = hfgit_lfs_local_for_clone(&local, opts->hf_cache_dir, opts->no_hf_cache_reuse,
	                                    opts->references, opts->reference_count)) < 0)
		return rc;
	if (!n || !hfgit_lfs_local_count(local))
		goto out;
	if (!(oids = calloc(n, sizeof(*oids))) || !(sizes = calloc(n, sizeof(*sizes))) ||
	    !(taken = calloc(n, 1))) {
		rc = hfgit_error_oom();
		goto out;
	}
	for (i = 0; i < n; i++) {
		oids[i] = jobs[i].oid;
		sizes[i] = jobs[i].size;
	}
	if ((rc = hfgit_lfs_local_import_many(local, plan->store, oids, sizes, n, 0, taken)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (taken[i]) {
			stats->lfs_objects_local++;
			stats->lfs_bytes_local += jobs[i].size;
			hfgit_lfs_job_dispose(&jobs[i]);
			continue;
		}
		if (kept != i) {
			jobs[kept] = jobs[i];
			memset(&jobs[i], 0, sizeof(jobs[i]));
		}
		kept++;
	}
	*njobs = kept;
out:
	free(oids);
	free(sizes);
	free(taken);
	hfgit_lfs_local_free(local);
	return rc;
}

static int fetch_missing(hfgit_lfs_plan *plan, hfgit_ctx *ctx, const char *remote_url,
                         const char *ref, const hfgit_clone_options *opts, hfgit_clone_stats *stats)
{
	hfgit_lfs_job *jobs = NULL;
	size_t njobs = 0, i;
	int rc;

	if ((rc = plan_downloads(&jobs, &njobs, &plan->c, plan->store, stats)) < 0)
		return rc;
	/* with references, always: a wrong one is an error even when nothing is missing */
	if (njobs || opts->reference_count)
		rc = take_local_objects(plan, jobs, &njobs, opts, stats);
	if (rc == 0 && njobs && ctx->offline)
		rc = hfgit_error_set(HFGIT_EOFFLINE, "%zu LFS object%s of this revision %s not in the "
		                     "cache (%s%s) and offline mode is on: clone once with the network, "
		                     "or leave them out with --exclude or --no-lfs", njobs,
		                     njobs == 1 ? "" : "s", njobs == 1 ? "is" : "are", jobs[0].name,
		                     njobs > 1 ? ", ..." : "");
	else if (rc == 0 && njobs)
		rc = download(jobs, njobs, plan->store, remote_url, ref, ctx, opts, stats);
	for (i = 0; i < njobs; i++)
		hfgit_lfs_job_dispose(&jobs[i]);
	free(jobs);
	return rc;
}

int hfgit_lfs_plan_new(hfgit_lfs_plan **out, git_repository *repo, const git_oid *commit,
                       hfgit_ctx *ctx, const char *remote_url, const char *ref,
                       const hfgit_clone_options *opts)
{
	hfgit_clone_stats local_stats, *stats = opts->stats ? opts->stats : &local_stats;
	hfgit_lfs_plan *plan;
	int rc;

	*out = NULL;
	memset(&local_stats, 0, sizeof(local_stats));
	if (!(plan = calloc(1, sizeof(*plan))))
		return hfgit_error_oom();
	plan->c.repo = repo;
	plan->c.commit = commit;
	plan->c.opts = opts;
	if (!(plan->store_root = hfgit_ctx_lfs_root(ctx))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = hfgit_lfs_objects_open(&plan->store, plan->store_root)) < 0 ||
	    (rc = configure(repo, plan->store_root, opts->link)) < 0)
		goto out;
	if ((rc = hfgit_tree_files(repo, commit, collect_file, &plan->c)) < 0)
		goto out;
	hfgit_trace("lfs: %zu LFS files get content, %zu other files", plan->c.count, plan->c.nothers);
	stats->lfs_files = plan->c.count;
	if (plan->c.count)
		rc = fetch_missing(plan, ctx, remote_url, ref, opts, stats);
	plan->other_paths.strings = plan->c.others;
	plan->other_paths.count = plan->c.nothers;
out:
	if (rc < 0)
		hfgit_lfs_plan_free(plan);
	else
		*out = plan;
	return rc;
}

size_t hfgit_lfs_plan_count(const hfgit_lfs_plan *plan)
{
	return plan->c.count;
}

const git_strarray *hfgit_lfs_plan_other_paths(const hfgit_lfs_plan *plan)
{
	return &plan->other_paths;
}

int hfgit_lfs_plan_apply(hfgit_lfs_plan *plan, git_repository *repo, hfgit_link_mode mode,
                         bool new_tree)
{
	placing pl = { mode, true, new_tree, HFGIT_STRBUF_INIT };
	git_index *index = NULL;
	size_t i;
	int rc = 0;

	if (plan->c.count == 0)
		return 0;
	if (git_repository_index(&index, repo) < 0)
		return hfgit_error_set(HFGIT_ERROR, "cannot open the index: %s", hfgit_git_message());
	for (i = 0; i < plan->c.count && rc == 0; i++) {
		char *object = hfgit_lfs_object_path(plan->store, plan->c.files[i].pointer.oid);
		rc = object ? materialize(repo, index, &plan->c.files[i], object, &pl) : HFGIT_EINVALID;
		free(object);
	}
	if (rc == 0 && git_index_write(index) < 0)
		rc = hfgit_error_set(HFGIT_ERROR, "cannot write the index: %s", hfgit_git_message());
	hfgit_trace("lfs: working tree has the content of %zu files", plan->c.count);
	hfgit_strbuf_dispose(&pl.made);
	git_index_free(index);
	return rc;
}
