/*
 * hfgit_cache_list: the models of the cache with the revisions their stores hold, their size
 * on disk and when they were last used. Reads only: a listing must work on a read-only or
 * shared cache, and never changes what gc or verify will find.
 */
#define _GNU_SOURCE
#include "core/library.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkout/lfs_refs.h"
#include "core/error.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "lfs/objects.h"

/* ---------------------------------------------------------------------------------------- */
/* The list                                                                                  */

typedef struct {
	hfgit_cached_revision pub; /* points into this struct: set once the array stops moving */
	char *ref;
	size_t name_at;            /* where in `ref` the name starts */
	char commit[GIT_OID_HEXSZ + 1];
} revision;

typedef struct {
	hfgit_cached_model pub;
	char *id, *endpoint, *path;
	revision *revs;
	size_t nrevs;
	hfgit_oidset lfs;         /* the LFS objects its refs point at that the store holds */
} model;

struct hfgit_cached_models {
	model *models;
	size_t count, cap;
	unsigned long long total;
};

/* Bytes on disk as du counts them: allocated blocks, a file with several links once. */
typedef struct {
	dev_t dev;
	ino_t ino;
} inode_id;

typedef struct {
	inode_id *ids;
	size_t count, cap;
} inode_set;

static bool inode_seen(inode_set *set, const struct stat *st)
{
	size_t i;

	for (i = 0; i < set->count; i++)
		if (set->ids[i].dev == st->st_dev && set->ids[i].ino == st->st_ino)
			return true;
	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 32;
		inode_id *grown = realloc(set->ids, cap * sizeof(*grown));
		if (!grown)
			return false; /* counted twice rather than not at all */
		set->ids = grown;
		set->cap = cap;
	}
	set->ids[set->count].dev = st->st_dev;
	set->ids[set->count].ino = st->st_ino;
	set->count++;
	return false;
}

static unsigned long long disk_usage(const char *path, inode_set *seen)
{
	unsigned long long total;
	struct dirent *e;
	struct stat st;
	DIR *d;

	if (lstat(path, &st) < 0 || (!S_ISDIR(st.st_mode) && st.st_nlink > 1 && inode_seen(seen, &st)))
		return 0;
	total = (unsigned long long)st.st_blocks * 512;
	if (!S_ISDIR(st.st_mode) || !(d = opendir(path)))
		return total;
	while ((e = readdir(d)) != NULL) {
		char *child;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		if ((child = hfgit__aprintf("%s/%s", path, e->d_name)) != NULL)
			total += disk_usage(child, seen);
		free(child);
	}
	closedir(d);
	return total;
}

/* ---------------------------------------------------------------------------------------- */
/* Revisions                                                                                 */

/* Which refs are revisions, and the name a person knows each by. */
static const struct {
	const char *prefix;
	int kind;          /* an hfgit_rev_kind; -1: hfgit's own bookkeeping, not a revision */
	bool short_name;   /* named without the prefix: "main", "v1.0", the commit hash */
} ref_kinds[] = {
	{ "refs/heads/", HFGIT_REV_BRANCH, true },
	{ "refs/tags/", HFGIT_REV_TAG, true },
	{ "refs/hfgit/commits/", HFGIT_REV_COMMIT, true },
	{ "refs/hfgit/", -1, false },
	{ "refs/", HFGIT_REV_REF, false },
};

static int add_revision(model *m, git_reference *ref)
{
	const char *name = git_reference_name(ref);
	git_object *commit = NULL;
	revision *grown, *rev;
	size_t k, n = sizeof(ref_kinds) / sizeof(*ref_kinds);

	for (k = 0; k < n; k++)
		if (!strncmp(name, ref_kinds[k].prefix, strlen(ref_kinds[k].prefix)))
			break;
	if (k == n || ref_kinds[k].kind < 0)
		return 0;
	/* A ref whose commit the store lacks names nothing the cache can give. */
	if (git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT) < 0)
		return 0;
	if (!(grown = realloc(m->revs, (m->nrevs + 1) * sizeof(*grown)))) {
		git_object_free(commit);
		return hfgit_error__oom();
	}
	m->revs = grown;
	rev = &m->revs[m->nrevs];
	memset(rev, 0, sizeof(*rev));
	git_oid_tostr(rev->commit, sizeof(rev->commit), git_object_id(commit));
	git_object_free(commit);
	if (!(rev->ref = hfgit__strdup(name)))
		return HFGIT_ERROR;
	rev->pub.kind = (hfgit_rev_kind)ref_kinds[k].kind;
	rev->name_at = ref_kinds[k].short_name ? strlen(ref_kinds[k].prefix) : 0;
	m->nrevs++;
	return 0;
}

static int compare_revisions(const void *a, const void *b)
{
	const revision *x = a, *y = b;

	if (x->pub.kind != y->pub.kind)
		return (int)x->pub.kind - (int)y->pub.kind;
	return strcmp(x->ref, y->ref);
}

static int list_revisions(model *m, git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	size_t i;
	int rc = 0;

	if (git_reference_iterator_new(&it, repo) < 0)
		return 0; /* nothing to list: an empty store */
	while (rc == 0 && git_reference_next(&ref, it) == 0) {
		if (git_reference_type(ref) == GIT_REFERENCE_DIRECT)
			rc = add_revision(m, ref);
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	if (m->nrevs)
		qsort(m->revs, m->nrevs, sizeof(*m->revs), compare_revisions);
	for (i = 0; i < m->nrevs; i++) {
		revision *r = &m->revs[i];
		r->pub.name = r->ref + r->name_at;
		r->pub.ref = r->ref;
		r->pub.commit = r->commit;
	}
	m->pub.revisions = m->nrevs;
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* LFS objects                                                                               */

static int on_pointer(const hfgit_lfs_pointer *pointer, const char *path, const char *ref,
                      void *payload)
{
	return hfgit_oidset__add(payload, pointer->oid);
}

/* Blocks of the object `oid`, or -1 when the store does not hold it. */
static long long object_blocks(const hfgit_lfs_objects *store, const char *oid)
{
	char *path = store ? hfgit_lfs__object_path(store, oid) : NULL;
	struct stat st;
	long long bytes = -1;

	if (path && stat(path, &st) == 0 && S_ISREG(st.st_mode))
		bytes = (long long)st.st_blocks * 512;
	free(path);
	hfgit_error__clear();
	return bytes;
}

/* The objects the store's refs point at, kept only where the LFS store holds them. */
static int count_lfs(model *m, git_repository *repo, const hfgit_lfs_objects *store)
{
	size_t i, kept = 0;
	int rc = hfgit_lfs__refs_all(repo, on_pointer, &m->lfs);

	if (rc < 0) {
		/* A damaged store still gets listed; `hfgit verify` is where it is diagnosed. */
		hfgit__trace("ls: %s: %s", m->path, hfgit_error_last());
		hfgit_error__clear();
	}
	hfgit_oidset__seal(&m->lfs);
	for (i = 0; i < m->lfs.count; i++) {
		long long bytes = object_blocks(store, m->lfs.oids[i]);
		if (bytes < 0)
			continue;
		m->pub.lfs_size += (unsigned long long)bytes;
		if (kept != i)
			memcpy(m->lfs.oids[kept], m->lfs.oids[i], sizeof(*m->lfs.oids));
		kept++;
	}
	m->lfs.count = kept;
	m->pub.lfs_objects = kept;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Models                                                                                    */

typedef struct {
	hfgit_cached_models *list;
	const char *repos;       /* <cache>/repos/ */
	hfgit_lfs_objects *lfs;  /* NULL when the cache has no LFS store */
} scan;

static void model_dispose(model *m)
{
	size_t i;

	for (i = 0; i < m->nrevs; i++)
		free(m->revs[i].ref);
	free(m->revs);
	free(m->id);
	free(m->endpoint);
	free(m->path);
	hfgit_oidset__dispose(&m->lfs);
}

/* <repos>/<endpoint key>/<id>.git -> endpoint key and id. */
static int name_model(model *m, const char *repos, const char *path)
{
	const char *rel = path + strlen(repos), *slash = strchr(rel, '/');
	size_t len = strlen(rel);

	if (!slash || len < 5 || (size_t)(slash - rel) + 1 >= len - 4)
		return 1;
	if (!(m->endpoint = hfgit__strdup(rel)) || !(m->id = hfgit__strdup(slash + 1)) ||
	    !(m->path = hfgit__strdup(path)))
		return HFGIT_ERROR;
	m->endpoint[slash - rel] = '\0';
	m->id[strlen(m->id) - 4] = '\0'; /* ".git" */
	m->pub.id = m->id;
	m->pub.endpoint = m->endpoint;
	m->pub.path = m->path;
	m->pub.type = !strncmp(m->id, "datasets/", 9) ? HFGIT_REPO_DATASET :
	              !strncmp(m->id, "spaces/", 7) ? HFGIT_REPO_SPACE : HFGIT_REPO_MODEL;
	return 0;
}

static long long last_used(const char *path)
{
	char *mark = hfgit_layout__last_used(path);
	struct stat st;
	long long at = 0;

	if (mark && stat(mark, &st) == 0)
		at = (long long)st.st_mtime;
	free(mark);
	return at;
}

static int describe(model *m, const scan *sc, const char *path)
{
	git_repository *repo = NULL;
	inode_set seen = { NULL, 0, 0 };
	int rc;

	if ((rc = name_model(m, sc->repos, path)) != 0)
		return rc;
	if (git_repository_open_bare(&repo, path) < 0) {
		hfgit__trace("ls: skipping '%s': %s", path, git_error_last() ? git_error_last()->message : "");
		return 1;
	}
	if ((rc = list_revisions(m, repo)) == 0 && (rc = count_lfs(m, repo, sc->lfs)) == 0) {
		m->pub.repo_size = disk_usage(path, &seen);
		m->pub.size = m->pub.repo_size + m->pub.lfs_size;
		m->pub.last_used = last_used(path);
	}
	free(seen.ids);
	git_repository_free(repo);
	return rc;
}

static int on_repo(const char *path, void *payload)
{
	scan *sc = payload;
	hfgit_cached_models *list = sc->list;
	model m;
	int rc;

	memset(&m, 0, sizeof(m));
	if ((rc = describe(&m, sc, path)) != 0) {
		model_dispose(&m);
		return rc > 0 ? 0 : rc;
	}
	if (list->count == list->cap) {
		size_t cap = list->cap ? list->cap * 2 : 16;
		model *grown = realloc(list->models, cap * sizeof(*grown));
		if (!grown) {
			model_dispose(&m);
			return hfgit_error__oom();
		}
		list->models = grown;
		list->cap = cap;
	}
	list->models[list->count++] = m;
	return 0;
}

static int compare_models(const void *a, const void *b)
{
	const model *x = a, *y = b;
	int c = strcmp(x->endpoint, y->endpoint);

	return c ? c : strcmp(x->id, y->id);
}

/* Every store's size, plus each LFS object once however many stores point at it. */
static int total_size(hfgit_cached_models *list, const hfgit_lfs_objects *store)
{
	hfgit_oidset all = HFGIT_OIDSET_INIT;
	size_t i, j;
	int rc = 0;

	list->total = 0;
	for (i = 0; i < list->count && rc == 0; i++) {
		list->total += list->models[i].pub.repo_size;
		for (j = 0; j < list->models[i].lfs.count && rc == 0; j++)
			rc = hfgit_oidset__add(&all, list->models[i].lfs.oids[j]);
	}
	hfgit_oidset__seal(&all);
	for (i = 0; i < all.count && rc == 0; i++) {
		long long bytes = object_blocks(store, all.oids[i]);
		list->total += bytes > 0 ? (unsigned long long)bytes : 0;
	}
	hfgit_oidset__dispose(&all);
	return rc;
}

/* The LFS store, when the cache has one: listing must not create it. */
static int open_lfs(hfgit_lfs_objects **out, const hfgit_ctx *ctx)
{
	char *root = hfgit_ctx__lfs_root(ctx);
	int rc = 0;

	*out = NULL;
	if (!root)
		return HFGIT_ERROR;
	if (hfgit_fs__exists(root) && (rc = hfgit_lfs__objects_open(out, root)) < 0) {
		/* Read-only: the store can still be read. */
		hfgit_error__clear();
		rc = 0;
	}
	free(root);
	return rc;
}

int hfgit_cache_list(hfgit_cached_models **out, hfgit_ctx *ctx)
{
	hfgit_cached_models *list;
	scan sc;
	int rc;

	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	*out = NULL;
	if (!(list = calloc(1, sizeof(*list))))
		return hfgit_error__oom();
	memset(&sc, 0, sizeof(sc));
	sc.list = list;
	if (!(sc.repos = hfgit_layout__repos_dir(ctx->cache_dir)) || (rc = open_lfs(&sc.lfs, ctx)) < 0) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = hfgit_cache__foreach_repo(ctx->cache_dir, on_repo, &sc)) < 0)
		goto out;
	if (list->count)
		qsort(list->models, list->count, sizeof(*list->models), compare_models);
	rc = total_size(list, sc.lfs);
out:
	free((char *)sc.repos);
	hfgit_lfs__objects_free(sc.lfs);
	if (rc < 0)
		hfgit_cached_models_free(list);
	else
		*out = list;
	return rc;
}

size_t hfgit_cached_models_count(const hfgit_cached_models *list)
{
	return list->count;
}

const hfgit_cached_model *hfgit_cached_models_get(const hfgit_cached_models *list, size_t i)
{
	return i < list->count ? &list->models[i].pub : NULL;
}

const hfgit_cached_revision *hfgit_cached_models_revision(const hfgit_cached_models *list,
                                                          size_t i, size_t j)
{
	if (i >= list->count || j >= list->models[i].nrevs)
		return NULL;
	return &list->models[i].revs[j].pub;
}

unsigned long long hfgit_cached_models_total_size(const hfgit_cached_models *list)
{
	return list->total;
}

void hfgit_cached_models_free(hfgit_cached_models *list)
{
	size_t i;

	if (!list)
		return;
	for (i = 0; i < list->count; i++)
		model_dispose(&list->models[i]);
	free(list->models);
	free(list);
}
