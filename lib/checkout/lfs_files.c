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
#include <git2/sys/repository.h>

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
	char oid[HFGIT_LFS_OID_HEXSZ + 1]; /* the pointer's (it has no extensions) */
	uint64_t size;
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
	struct stat *found;       /* per file: its object's stat data when it was in the store */
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
	memcpy(file->oid, f->lfs->oid, sizeof(file->oid));
	file->size = f->lfs->size;
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
 * directory mostly come together: its parents are made and it is opened once, and each file
 * is then linked by its name in it, from its short name below the store's objects directory
 * (a whole absolute path per file cost a path walk per component, twice, on each link).
 */
typedef struct {
	hfgit_link_mode mode;
	bool reflink_works;
	bool new_tree;           /* nothing is at any of the paths yet */
	const hfgit_lfs_objects *store;
	int objects_fd;          /* the store's objects directory, or -1 (whole paths) */
	int workdir_fd;
	int dir_fd;              /* the directory `dir` names, open; workdir_fd for the top */
	hfgit_strbuf dir;        /* relative to the working tree */
	struct timespec past[2]; /* see materialize */
} placing;

static int placing_open(placing *pl, git_repository *repo, const hfgit_lfs_objects *store,
                        hfgit_link_mode mode, bool new_tree)
{
	const char *workdir = git_repository_workdir(repo);

	memset(pl, 0, sizeof(*pl));
	pl->mode = mode;
	pl->reflink_works = true;
	pl->new_tree = new_tree;
	pl->store = store;
	pl->objects_fd = hfgit_lfs__objects_fd(store);
	if ((pl->workdir_fd = open(workdir, O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0)
		return hfgit_error__set_errno(HFGIT_EIO, "cannot open the working tree '%s'", workdir);
	pl->dir_fd = pl->workdir_fd;
	/* A file newer than this gets it as its mtime (see materialize). */
	clock_gettime(CLOCK_REALTIME, &pl->past[0]);
	pl->past[0].tv_sec -= 2;
	pl->past[1] = pl->past[0];
	return 0;
}

static void placing_close(placing *pl)
{
	if (pl->dir_fd >= 0 && pl->dir_fd != pl->workdir_fd)
		close(pl->dir_fd);
	if (pl->workdir_fd >= 0)
		close(pl->workdir_fd);
	hfgit_strbuf__dispose(&pl->dir);
}

/* The directory of `path` made (with its parents) and open as pl->dir_fd; `*name` is the
 * file's name in it. */
static int enter_dir(placing *pl, const char *path, const char **name)
{
	const char *slash = strrchr(path, '/');
	size_t len = slash ? (size_t)(slash - path) : 0;
	int rc, fd;

	*name = slash ? slash + 1 : path;
	if (pl->dir.len == len && !memcmp(pl->dir.ptr ? pl->dir.ptr : "", path, len))
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
	if ((fd = openat(pl->workdir_fd, hfgit_strbuf__cstr(&pl->dir), O_PATH | O_DIRECTORY | O_CLOEXEC)) < 0) {
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

/* The index entry of `f`, placed, with the stat data `st` of its file. */
static void fill_entry(git_index_entry *entry, const lfs_file *f, const struct stat *st)
{
	memset(entry, 0, sizeof(*entry));
	entry->path = f->path;
	entry->mode = f->mode;
	git_oid_cpy(&entry->id, &f->blob);
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

/* The file's content from the store into pl->dir_fd's `name` (its old file removed first
 * when the tree is not new), and its stat data into `*st`. `found`: the object's stat data
 * from before (st_ino 0: unknown), which a hard link shares. */
static int place_file(placing *pl, const lfs_file *f, const char *name, const struct stat *found,
                      struct stat *st)
{
	mode_t file_mode = f->mode == GIT_FILEMODE_BLOB_EXECUTABLE ? 0755 : 0644;
	char rel[HFGIT_LAYOUT_LFS_OBJECT_REL], *whole = NULL;
	const char *object = rel;
	bool linked = false;
	int rc;

	if (!hfgit_lfs__oid_valid(f->oid, strlen(f->oid)))
		return hfgit_error__set(HFGIT_EINVALID, "invalid LFS object id '%.80s'", f->oid);
	if (pl->objects_fd >= 0)
		hfgit_layout__lfs_object_rel(rel, f->oid);
	else if (!(object = whole = hfgit_lfs__object_path(pl->store, f->oid)))
		return HFGIT_ERROR;
	if (!pl->new_tree)
		unlinkat(pl->dir_fd, name, 0); /* the file of the revision before */
	rc = hfgit_worktree__place_at(pl->objects_fd >= 0 ? pl->objects_fd : AT_FDCWD, object,
	                              pl->dir_fd, name, pl->mode, file_mode, &pl->reflink_works, st,
	                              &linked);
	if (rc < 0)
		rc = hfgit_error__set(rc, "cannot put the content of '%s' in place from the store %s: %s",
		                      f->path, hfgit_lfs__objects_root(pl->store), hfgit_error_last());
	else if (linked && found && found->st_ino)
		*st = *found;
	else if (linked && fstatat(pl->dir_fd, name, st, AT_SYMLINK_NOFOLLOW) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot stat '%s'", f->path);
	free(whole);
	return rc;
}

/*
 * Put the content of an LFS file in the working tree and make its index entry under the
 * pointer's blob id (what git-lfs's clean filter gives for that content), with the file's stat
 * data. A file newer than `past` gets that mtime, a little before the index is written:
 * entries as new as the index are "racy", and git would re-hash them, which needs git-lfs's
 * filter. (A warm clone links objects made long ago: nothing to change, and nothing to stat:
 * a hard link's stat data are the object's, known from the look for it in the store. Only the
 * ctime differs, which the checkout tells git not to trust: see configure.)
 */
static int materialize(placing *pl, git_index_entry *entry, const lfs_file *f,
                       const struct stat *found)
{
	const char *name;
	struct stat st;
	int rc;

	if ((rc = enter_dir(pl, f->path, &name)) < 0 || (rc = place_file(pl, f, name, found, &st)) < 0)
		return rc;
	if (st.st_mtime > pl->past[1].tv_sec) {
		/* best effort: the inode may be another user's object in a shared store */
		utimensat(pl->dir_fd, name, pl->past, AT_SYMLINK_NOFOLLOW);
		if (fstatat(pl->dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) < 0)
			return hfgit_error__set_errno(HFGIT_EIO, "cannot stat '%s'", f->path);
	}
	if (!S_ISREG(st.st_mode))
		return hfgit_error__set(HFGIT_EIO, "cannot put the content of '%s' in place", f->path);
	fill_entry(entry, f, &st);
	return 0;
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
	free(plan->found);
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
	if (!(entries = calloc(plan->c.count, sizeof(*entries))) ||
	    !(plan->found = calloc(plan->c.count, sizeof(*plan->found)))) {
		free(entries);
		return hfgit_error__oom();
	}
	for (i = 0; i < plan->c.count; i++) {
		entries[i].name = plan->c.files[i].path;
		memcpy(entries[i].oid, plan->c.files[i].oid, sizeof(entries[i].oid));
		entries[i].size = plan->c.files[i].size;
	}
	memset(&ls, 0, sizeof(ls));
	lopts.stats = &ls;
	lopts.found = plan->found;
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
	if (plan->c.count && (rc = fetch_content(plan, ctx, remote_url, ref, opts, stats)) == 0)
		hfgit__trace("lfs: every object in the store");
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
	git_index_entry *entries = NULL;
	git_index *index = NULL;
	placing pl;
	size_t i;
	int rc;

	if (plan->c.count == 0)
		return 0;
	if (git_repository_index(&index, repo) < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot open the index: %s", hfgit_git__message());
	if (!(entries = calloc(plan->c.count, sizeof(*entries)))) {
		git_index_free(index);
		return hfgit_error__oom();
	}
	rc = placing_open(&pl, repo, plan->store, mode, new_tree);
	for (i = 0; i < plan->c.count && rc == 0; i++)
		rc = materialize(&pl, &entries[i], &plan->c.files[i], plan->found ? &plan->found[i] : NULL);
	placing_close(&pl);
	if (rc == 0)
		rc = hfgit_index_file__write(index, entries, plan->c.count);
	/* The repository's index object no longer matches the file: whoever asks next reads it. */
	git_repository_set_index(repo, NULL);
	hfgit__trace("lfs: working tree has the content of %zu files", plan->c.count);
	git_index_free(index);
	free(entries);
	return rc;
}
