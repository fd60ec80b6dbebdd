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
#include "checkout/placement.h"
#include "checkout/worktree.h"

/*
 * The paths of a tree's files, copied into blocks that never move: one allocation per
 * block instead of one per file, freed together.
 */
#define PATH_BLOCK ((size_t)256 << 10)

typedef struct path_block {
	struct path_block *next;
	size_t used, size;
	char text[];
} path_block;

static const char *keep_path(path_block **blocks, const char *path)
{
	size_t len = strlen(path) + 1;
	path_block *b = *blocks;
	char *copy;

	if (!b || b->size - b->used < len) {
		size_t size = len > PATH_BLOCK ? len : PATH_BLOCK;
		if (!(b = malloc(offsetof(path_block, text) + size))) {
			hfgit_error__oom();
			return NULL;
		}
		b->next = *blocks;
		b->used = 0;
		b->size = size;
		*blocks = b;
	}
	copy = b->text + b->used;
	memcpy(copy, path, len);
	b->used += len;
	return copy;
}

static void free_paths(path_block *b)
{
	while (b) {
		path_block *next = b->next;
		free(b);
		b = next;
	}
}

typedef struct {
	const char *path;        /* relative to the working tree, in the collector's blocks */
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
	path_block *paths;        /* where `files` and `others` keep their paths */
	int error;
} collector;

struct hfgit_lfs_plan {
	collector c;
	hfgit_lfs_objects *store;
	char *store_root;
	git_strarray other_paths;
	/* A new tree fetches in hfgit_lfs__plan_apply, after placing what the store has; these
	 * say how. An update fetches everything first, before it touches the working tree. */
	bool deferred;
	hfgit_ctx *ctx;
	const char *remote_url, *ref;
	const hfgit_clone_options *opts;
	hfgit_clone_stats *stats, own_stats;
	/* per file: its object's stat data when the fetch found it in the store (st_ino 0: not
	 * looked at, or fetched) */
	struct stat *found;
	unsigned char *placed;    /* per file, in a deferred apply: its content is in place */
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
	if (!(c->others[c->nothers] = (char *)keep_path(&c->paths, path)))
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
	if (!(file->path = keep_path(&c->paths, f->path)))
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
	git_transaction *tx = NULL;
	git_config *cfg = NULL;
	int rc = 0;

	/* Locked, the settings are written in one go: each alone rewrites the file. */
	if (git_repository_config(&cfg, repo) < 0 || git_config_lock(&tx, cfg) < 0 ||
	    git_config_set_string(cfg, "lfs.storage", store_root) < 0 ||
	    (mode != HFGIT_LINK_COPY && mode != HFGIT_LINK_REFLINK &&
	     git_config_set_bool(cfg, "core.trustctime", 0) < 0) ||
	    (git_lfs_installed() &&
	     (git_config_set_string(cfg, "filter.lfs.clean", "git-lfs clean -- %f") < 0 ||
	      git_config_set_string(cfg, "filter.lfs.smudge", "git-lfs smudge -- %f") < 0 ||
	      git_config_set_string(cfg, "filter.lfs.process", "git-lfs filter-process") < 0 ||
	      git_config_set_bool(cfg, "filter.lfs.required", 1) < 0)) ||
	    git_transaction_commit(tx) < 0)
		rc = hfgit_error__set(HFGIT_ERROR, "cannot configure git-lfs in the checkout: %s",
		                      hfgit_git__message());
	git_transaction_free(tx);
	git_config_free(cfg);
	return rc;
}

void hfgit_lfs__plan_free(hfgit_lfs_plan *plan)
{
	if (!plan)
		return;
	free_paths(plan->c.paths);
	free(plan->c.files);
	free(plan->c.others);
	free(plan->found);
	free(plan->placed);
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

/* The objects of the LFS files not placed yet into the store (lfs/fetch.h), counted in the
 * clone's stats; plan->found gets what the fetch found in the store. */
static int fetch_content(hfgit_lfs_plan *plan)
{
	size_t i, n = 0, count = plan->c.count;
	hfgit_lfs_options lopts;
	hfgit_lfs_stats ls;
	hfgit_lfs_entry *entries;
	struct stat *found;
	int rc;

	if ((rc = hfgit_lfs__plan_options(&lopts, plan->ctx, plan->remote_url, plan->ref,
	                                  plan->opts)) < 0)
		return rc;
	if (!plan->found && !(plan->found = calloc(count ? count : 1, sizeof(*plan->found))))
		return hfgit_error__oom();
	if (!(entries = calloc(count ? count : 1, sizeof(*entries))) ||
	    !(found = calloc(count ? count : 1, sizeof(*found)))) {
		free(entries);
		return hfgit_error__oom();
	}
	for (i = 0; i < count; i++) {
		if (plan->placed && plan->placed[i])
			continue;
		entries[n].name = plan->c.files[i].path;
		memcpy(entries[n].oid, plan->c.files[i].oid, sizeof(entries[n].oid));
		entries[n++].size = plan->c.files[i].size;
	}
	memset(&ls, 0, sizeof(ls));
	lopts.stats = &ls;
	lopts.found = found;
	rc = hfgit_lfs__fetch(plan->store, entries, n, &lopts); /* even for none: it checks references */
	for (i = 0, n = 0; i < count; i++)
		if (!plan->placed || !plan->placed[i])
			plan->found[i] = found[n++];
	plan->stats->lfs_objects += ls.objects;
	plan->stats->lfs_objects_fetched += ls.objects_fetched;
	plan->stats->lfs_objects_local += ls.objects_local;
	plan->stats->lfs_bytes += ls.bytes;
	plan->stats->lfs_bytes_reused += ls.bytes_reused;
	plan->stats->lfs_bytes_fetched += ls.bytes_fetched;
	plan->stats->lfs_bytes_local += ls.bytes_local;
	free(entries);
	free(found);
	if (rc == 0)
		hfgit__trace("lfs: every object in the store");
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
                        const char *ref, const hfgit_clone_options *opts, bool new_tree)
{
	char *manifest = NULL;
	hfgit_lfs_plan *plan;
	int rc;

	*out = NULL;
	if (!(plan = calloc(1, sizeof(*plan))))
		return hfgit_error__oom();
	plan->deferred = new_tree;
	plan->ctx = ctx;
	plan->remote_url = remote_url;
	plan->ref = ref;
	plan->opts = opts;
	plan->stats = opts->stats ? opts->stats : &plan->own_stats;
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
	plan->stats->lfs_files = plan->c.count;
	if (plan->c.count && !plan->deferred && (rc = fetch_content(plan)) < 0)
		goto out;
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

/*
 * A deferred apply first places the files whose objects the store has, each looked for by
 * placing it (a look in the store beforehand walked each object's path twice, one pass after
 * the other), and counts them as the fetch would have. After PROBE files of which none was
 * there (a cold clone) it stops: the fetch's look costs less than a failed placement.
 */
#define PROBE 32

static int place_stored(hfgit_lfs_plan *plan, hfgit_placement *pl, git_index_entry *entries)
{
	size_t i, placed = 0, *first = NULL;
	int rc;

	if (!(plan->placed = calloc(plan->c.count, 1)))
		return hfgit_error__oom();
	for (i = 0; i < plan->c.count && (i < PROBE || placed); i++) {
		const lfs_file *f = &plan->c.files[i];
		rc = hfgit_placement__file(pl, &entries[i], f->path, f->oid, f->size, f->mode, &f->blob,
		                           NULL);
		if (rc == HFGIT_ENOTFOUND) {
			hfgit_error__clear();
			continue;
		}
		if (rc < 0)
			return rc;
		plan->placed[i] = 1;
		placed++;
	}
	if (!placed)
		return 0;
	if ((rc = hfgit_lfs__first_of_each(&first, plan->c.files, plan->c.count, sizeof(lfs_file),
	                                   offsetof(lfs_file, oid))) < 0)
		return rc;
	for (i = 0; i < plan->c.count; i++) {
		if (!plan->placed[i] || first[i] != i)
			continue;
		plan->stats->lfs_objects++;
		plan->stats->lfs_bytes += plan->c.files[i].size;
		plan->stats->lfs_bytes_reused += plan->c.files[i].size;
	}
	free(first);
	hfgit__trace("lfs: %zu files from the store", placed);
	return 0;
}

/* The files not placed yet, with what the fetch found. */
static int place_rest(hfgit_lfs_plan *plan, hfgit_placement *pl, git_index_entry *entries)
{
	size_t i;
	int rc = 0;

	for (i = 0; i < plan->c.count && rc == 0; i++) {
		const lfs_file *f = &plan->c.files[i];
		if (plan->placed && plan->placed[i])
			continue;
		rc = hfgit_placement__file(pl, &entries[i], f->path, f->oid, f->size, f->mode, &f->blob,
		                           plan->found ? &plan->found[i] : NULL);
	}
	return rc;
}

int hfgit_lfs__plan_apply(hfgit_lfs_plan *plan, git_repository *repo, hfgit_link_mode mode)
{
	git_index_entry *entries = NULL;
	hfgit_placement *pl = NULL;
	git_index *index = NULL;
	int rc;

	if (plan->c.count == 0)
		return 0;
	if (git_repository_index(&index, repo) < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot open the index: %s", hfgit_git__message());
	if (!(entries = calloc(plan->c.count, sizeof(*entries)))) {
		git_index_free(index);
		return hfgit_error__oom();
	}
	if ((rc = hfgit_placement__open(&pl, repo, plan->store, mode, plan->deferred)) == 0 &&
	    (!plan->deferred || ((rc = place_stored(plan, pl, entries)) == 0 &&
	                         (rc = fetch_content(plan)) == 0)))
		rc = place_rest(plan, pl, entries);
	hfgit_placement__close(pl);
	if (rc == 0)
		rc = hfgit_index_file__write(index, entries, plan->c.count);
	/* The repository's index object no longer matches the file: whoever asks next reads it. */
	git_repository_set_index(repo, NULL);
	hfgit__trace("lfs: working tree has the content of %zu files", plan->c.count);
	git_index_free(index);
	free(entries);
	return rc;
}
