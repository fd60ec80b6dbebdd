#define _GNU_SOURCE
#include "checkout/lfs_files.h"

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/layout.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "core/git_error.h"
#include "lfs/fetch.h"
#include "lfs/objects.h"
#include "lfs/pointer.h"
#include "lfs/select.h"
#include "checkout/index_file.h"
#include "checkout/tree_files.h"
#include "checkout/worktree.h"

typedef struct {
	char *path;              /* relative to the working tree */
	hfgit_lfs_pointer pointer;
	git_oid blob;            /* the pointer's blob, which the index records */
	git_filemode_t mode;
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
	return hfgit_lfs__path_selected(path, opts->lfs_include, opts->lfs_include_count,
	                                opts->lfs_exclude, opts->lfs_exclude_count);
}

static int add_other(collector *c, const char *path)
{
	if (c->nothers == c->capothers) {
		size_t cap = c->capothers ? c->capothers * 2 : 64;
		char **grown = realloc(c->others, cap * sizeof(*grown));
		if (!grown)
			return c->error = hfgit_error__oom();
		c->others = grown;
		c->capothers = cap;
	}
	if (!(c->others[c->nothers] = hfgit__strdup(path)))
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
			return c->error = hfgit_error__oom();
		c->files = grown;
		c->cap = cap;
	}
	file = &c->files[c->count];
	if (!(file->path = hfgit__strdup(f->path)))
		return c->error = HFGIT_ERROR;
	file->pointer = *f->lfs;
	git_oid_cpy(&file->blob, f->blob);
	file->mode = f->mode;
	c->count++;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Downloads                                                                                 */

/* ---------------------------------------------------------------------------------------- */
/* The working tree                                                                          */

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
	if (!(dir = hfgit__aprintf("%s%.*s", workdir, (int)len, path)))
		return HFGIT_ERROR;
	if ((rc = hfgit_fs__mkdir_p(dir)) == 0) {
		hfgit_strbuf__clear(&pl->made);
		rc = hfgit_strbuf__put(&pl->made, path, len);
	}
	free(dir);
	return rc;
}

/*
 * Put the content of an LFS file in the working tree and make its index entry under the
 * pointer's blob id (what git-lfs's clean filter gives for that content), with the file's stat
 * data. A file newer than `past` gets that mtime, a little before the index is written:
 * entries as new as the index are "racy", and git would re-hash them, which needs git-lfs's
 * filter. (A warm clone links objects made long ago: nothing to change.)
 */
static int materialize(git_repository *repo, git_index_entry *entry, const lfs_file *f,
                       const char *object, placing *pl, const struct timespec past[2])
{
	const char *workdir = git_repository_workdir(repo);
	char *dst = hfgit__aprintf("%s%s", workdir, f->path);
	mode_t file_mode = f->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
	struct stat st;
	int rc;

	if (!dst)
		return HFGIT_ERROR;
	if (!pl->new_tree)
		unlink(dst); /* the file of the revision before */
	if ((rc = make_parent_dirs(pl, workdir, f->path)) < 0 ||
	    (rc = hfgit_worktree__place(object, dst, pl->mode, file_mode, &pl->reflink_works)) < 0)
		goto out;
	if (lstat(dst, &st) == 0 && st.st_mtime > past[1].tv_sec) {
		utimensat(AT_FDCWD, dst, past, 0);
		lstat(dst, &st);
	}
	if (!S_ISREG(st.st_mode)) {
		rc = hfgit_error__set(HFGIT_EIO, "cannot put the content of '%s' in place", f->path);
		goto out;
	}
	memset(entry, 0, sizeof(*entry));
	entry->path = f->path;
	entry->mode = f->mode;
	git_oid_cpy(&entry->id, &f->blob);
	entry->ctime.seconds = (int32_t)st.st_ctim.tv_sec;
	entry->ctime.nanoseconds = (uint32_t)st.st_ctim.tv_nsec;
	entry->mtime.seconds = (int32_t)st.st_mtim.tv_sec;
	entry->mtime.nanoseconds = (uint32_t)st.st_mtim.tv_nsec;
	entry->dev = (uint32_t)st.st_dev;
	entry->ino = (uint32_t)st.st_ino;
	entry->uid = st.st_uid;
	entry->gid = st.st_gid;
	entry->file_size = (uint32_t)st.st_size; /* git keeps the size modulo 2^32 */
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
		char *candidate = hfgit__aprintf("%s/git-lfs", *dir ? dir : ".");
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
		rc = hfgit_error__set(HFGIT_ERROR, "cannot configure git-lfs in the checkout: %s",
		                      hfgit_git__message());
	git_config_free(cfg);
	return rc;
}

void hfgit_lfs__plan_free(hfgit_lfs_plan *plan)
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
	hfgit_lfs__objects_free(plan->store);
	free(plan->store_root);
	free(plan);
}

int hfgit_lfs__plan_options(hfgit_lfs_options *out, hfgit_ctx *ctx, const char *remote_url,
                            const char *ref, const hfgit_clone_options *opts)
{
	memset(out, 0, sizeof(*out));
	out->remote_url = remote_url;
	out->ref = ref;
	out->authorization = ctx->authorization;
	out->offline = ctx->offline;
	if (opts) {
		out->jobs = opts->jobs;
		out->hf_cache_dir = opts->hf_cache_dir;
		out->no_hf_cache = opts->no_hf_cache_reuse;
		out->references = opts->references;
		out->reference_count = opts->reference_count;
		out->progress = opts->progress;
		out->payload = opts->payload;
	}
	return hfgit_ctx__http(&out->http, ctx);
}

/* The objects of the LFS files into the store (lfs/fetch.h), counted in the clone's stats. */
static int fetch_content(hfgit_lfs_plan *plan, hfgit_ctx *ctx, const char *remote_url,
                         const char *ref, const hfgit_clone_options *opts, hfgit_clone_stats *stats)
{
	hfgit_lfs_options lopts;
	hfgit_lfs_stats ls;
	hfgit_lfs_entry *entries;
	size_t i;
	int rc;

	if ((rc = hfgit_lfs__plan_options(&lopts, ctx, remote_url, ref, opts)) < 0)
		return rc;
	if (!(entries = calloc(plan->c.count, sizeof(*entries))))
		return hfgit_error__oom();
	for (i = 0; i < plan->c.count; i++) {
		entries[i].name = plan->c.files[i].path;
		entries[i].pointer = plan->c.files[i].pointer;
	}
	memset(&ls, 0, sizeof(ls));
	lopts.stats = &ls;
	rc = hfgit_lfs__fetch(plan->store, entries, plan->c.count, &lopts);
	stats->lfs_objects += ls.objects;
	stats->lfs_objects_fetched += ls.objects_fetched;
	stats->lfs_objects_local += ls.objects_local;
	stats->lfs_bytes += ls.bytes;
	stats->lfs_bytes_reused += ls.bytes_reused;
	stats->lfs_bytes_fetched += ls.bytes_fetched;
	stats->lfs_bytes_local += ls.bytes_local;
	free(entries);
	return rc;
}

/* The store's manifest for the tree of `commit` (NULL, and no error, when there is no store
 * or the commit cannot be read: the walk then reports that). */
static char *manifest_path(git_repository *store, git_repository *repo, const git_oid *commit)
{
	git_commit *c = NULL;
	char tree[GIT_OID_HEXSZ + 1];
	char *path = NULL;

	if (store && git_commit_lookup(&c, repo, commit) == 0) {
		git_oid_tostr(tree, sizeof(tree), git_commit_tree_id(c));
		path = hfgit_layout__lfs_manifest(git_repository_path(store), tree);
		git_commit_free(c);
	}
	hfgit_error__clear();
	return path;
}

int hfgit_lfs__plan_new(hfgit_lfs_plan **out, git_repository *repo, git_repository *store,
                        const git_oid *commit, hfgit_ctx *ctx, const char *remote_url,
                        const char *ref, const hfgit_clone_options *opts)
{
	char *manifest = NULL;
	hfgit_clone_stats local_stats, *stats = opts->stats ? opts->stats : &local_stats;
	hfgit_lfs_plan *plan;
	int rc;

	*out = NULL;
	memset(&local_stats, 0, sizeof(local_stats));
	if (!(plan = calloc(1, sizeof(*plan))))
		return hfgit_error__oom();
	plan->c.repo = repo;
	plan->c.commit = commit;
	plan->c.opts = opts;
	if (!(plan->store_root = hfgit_ctx__lfs_root(ctx))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = hfgit_lfs__objects_open(&plan->store, plan->store_root)) < 0 ||
	    (rc = configure(repo, plan->store_root, opts->link)) < 0)
		goto out;
	manifest = manifest_path(store, repo, commit);
	if ((rc = hfgit_tree_files__foreach_cached(repo, commit, manifest, collect_file, &plan->c)) < 0)
		goto out;
	hfgit__trace("lfs: %zu LFS files get content, %zu other files", plan->c.count, plan->c.nothers);
	stats->lfs_files = plan->c.count;
	if (plan->c.count)
		rc = fetch_content(plan, ctx, remote_url, ref, opts, stats);
	plan->other_paths.strings = plan->c.others;
	plan->other_paths.count = plan->c.nothers;
out:
	free(manifest);
	if (rc < 0)
		hfgit_lfs__plan_free(plan);
	else
		*out = plan;
	return rc;
}

size_t hfgit_lfs__plan_count(const hfgit_lfs_plan *plan)
{
	return plan->c.count;
}

const git_strarray *hfgit_lfs__plan_other_paths(const hfgit_lfs_plan *plan)
{
	return &plan->other_paths;
}

int hfgit_lfs__plan_apply(hfgit_lfs_plan *plan, git_repository *repo, hfgit_link_mode mode,
                          bool new_tree)
{
	placing pl = { mode, true, new_tree, HFGIT_STRBUF_INIT };
	git_index_entry *entries = NULL;
	git_index *index = NULL;
	struct timespec past[2];
	size_t i;
	int rc = 0;

	if (plan->c.count == 0)
		return 0;
	if (git_repository_index(&index, repo) < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot open the index: %s", hfgit_git__message());
	if (!(entries = calloc(plan->c.count, sizeof(*entries)))) {
		git_index_free(index);
		return hfgit_error__oom();
	}
	clock_gettime(CLOCK_REALTIME, &past[0]);
	past[0].tv_sec -= 2;
	past[1] = past[0];
	for (i = 0; i < plan->c.count && rc == 0; i++) {
		char *object = hfgit_lfs__object_path(plan->store, plan->c.files[i].pointer.oid);
		rc = object ? materialize(repo, &entries[i], &plan->c.files[i], object, &pl, past)
		            : HFGIT_EINVALID;
		free(object);
	}
	if (rc == 0)
		rc = hfgit_index_file__write(index, entries, plan->c.count);
	hfgit__trace("lfs: working tree has the content of %zu files", plan->c.count);
	hfgit_strbuf__dispose(&pl.made);
	git_index_free(index);
	free(entries);
	return rc;
}
