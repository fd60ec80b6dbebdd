#define _GNU_SOURCE
#include "checkout/lfs_refs.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/strbuf.h"
#include "core/git_error.h"

/* ---------------------------------------------------------------------------------------- */
/* Trees                                                                                     */

typedef struct {
	git_odb *odb;
	const char *ref;
	hfgit_lfs_ref_cb cb;
	void *payload;
	int rc; /* the callback's or an error's, to return after git_tree_walk */
} tree_walk;

/* Reads only blobs small enough to be pointers: the header says the size before the data. */
bool hfgit_lfs__read_pointer(hfgit_lfs_pointer *out, git_odb *odb, const git_oid *blob)
{
	git_odb_object *obj = NULL;
	git_object_t type;
	size_t size = 0;
	bool ok;

	if (git_odb_read_header(&size, &type, odb, blob) < 0 || type != GIT_OBJECT_BLOB ||
	    !hfgit_lfs__pointer_maybe(NULL, size) || git_odb_read(&obj, odb, blob) < 0)
		return false;
	ok = hfgit_lfs__pointer_parse(out, git_odb_object_data(obj), git_odb_object_size(obj)) == 0;
	git_odb_object_free(obj);
	hfgit_error__clear();
	return ok;
}

static int on_tree_entry(const char *root, const git_tree_entry *entry, void *payload)
{
	tree_walk *w = payload;
	hfgit_lfs_pointer pointer;
	char *path;

	if (git_tree_entry_type(entry) != GIT_OBJECT_BLOB ||
	    git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK ||
	    !hfgit_lfs__read_pointer(&pointer, w->odb, git_tree_entry_id(entry)))
		return 0;
	if (!(path = hfgit__aprintf("%s%s", root, git_tree_entry_name(entry)))) {
		w->rc = HFGIT_ERROR;
		return -1;
	}
	w->rc = w->cb(&pointer, path, w->ref, w->payload);
	free(path);
	return w->rc ? -1 : 0;
}

static int walk_tree(git_repository *repo, const git_oid *tree_id, const char *ref,
                     hfgit_lfs_ref_cb cb, void *payload)
{
	tree_walk w = { NULL, ref, cb, payload, 0 };
	git_tree *tree = NULL;
	int rc = 0;

	if (git_repository_odb(&w.odb, repo) < 0 || git_tree_lookup(&tree, repo, tree_id) < 0) {
		rc = hfgit_error__set(HFGIT_ERROR, "cannot read the tree of %s in '%s': %s",
		                      ref ? ref : "a commit", git_repository_path(repo), hfgit_git__message());
	} else if (git_tree_walk(tree, GIT_TREEWALK_PRE, on_tree_entry, &w) < 0) {
		rc = w.rc ? w.rc :
		     hfgit_error__set(HFGIT_ERROR, "cannot read the tree of %s in '%s': %s",
		                      ref ? ref : "a commit", git_repository_path(repo), hfgit_git__message());
	}
	git_tree_free(tree);
	git_odb_free(w.odb);
	return rc;
}

int hfgit_lfs__refs_commit(git_repository *repo, const git_oid *commit, const char *ref,
                           hfgit_lfs_ref_cb cb, void *payload)
{
	git_object *obj = NULL, *peeled = NULL;
	git_oid tree_id;
	int rc;

	if (git_object_lookup(&obj, repo, commit, GIT_OBJECT_ANY) < 0 ||
	    git_object_peel(&peeled, obj, GIT_OBJECT_COMMIT) < 0) {
		rc = hfgit_error__set(HFGIT_ERROR, "cannot read commit %s in '%s': %s",
		                      git_oid_tostr_s(commit), git_repository_path(repo), hfgit_git__message());
	} else {
		git_oid_cpy(&tree_id, git_commit_tree_id((git_commit *)peeled));
		rc = walk_tree(repo, &tree_id, ref, cb, payload);
	}
	git_object_free(peeled);
	git_object_free(obj);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Refs                                                                                      */

static bool oid_seen(const git_oid *seen, size_t n, const git_oid *oid)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (git_oid_equal(&seen[i], oid))
			return true;
	return false;
}

static int remember(git_oid **seen, size_t *n, const git_oid *oid)
{
	git_oid *grown = realloc(*seen, (*n + 1) * sizeof(**seen));

	if (!grown)
		return hfgit_error__oom();
	*seen = grown;
	git_oid_cpy(&grown[(*n)++], oid);
	return 0;
}

/* The commit a ref names; 1 when it names none at all (a tag of a blob), which needs nothing.
 * A missing object is an error: what it needs is unknown. */
static int ref_commit(git_oid *out, git_reference *ref)
{
	git_object *peeled = NULL;
	int err = git_reference_peel(&peeled, ref, GIT_OBJECT_COMMIT);

	if (err == GIT_EPEEL || err == GIT_EINVALIDSPEC)
		return 1;
	if (err < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot read %s in '%s': %s (the cache repository "
		                        "is damaged; remove it and clone again)", git_reference_name(ref),
		                        git_repository_path(git_reference_owner(ref)), hfgit_git__message());
	git_oid_cpy(out, git_object_id(peeled));
	git_object_free(peeled);
	return 0;
}

int hfgit_refs__foreach_commit(git_repository *repo, hfgit_ref_commit_cb cb, void *payload)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_oid *seen = NULL, commit;
	size_t nseen = 0;
	int rc = 0, err;

	if (git_reference_iterator_new(&it, repo) < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot list the refs of '%s': %s",
		                        git_repository_path(repo), hfgit_git__message());
	while (rc == 0 && (err = git_reference_next(&ref, it)) == 0) {
		/* A symbolic ref's target is listed itself. */
		if (git_reference_type(ref) == GIT_REFERENCE_SYMBOLIC ||
		    (rc = ref_commit(&commit, ref)) != 0 || oid_seen(seen, nseen, &commit))
			rc = rc > 0 ? 0 : rc;
		else if ((rc = remember(&seen, &nseen, &commit)) == 0)
			rc = cb(&commit, git_reference_name(ref), payload);
		git_reference_free(ref);
		ref = NULL;
	}
	if (rc == 0 && err != GIT_ITEROVER)
		rc = hfgit_error__set(HFGIT_ERROR, "cannot list the refs of '%s': %s",
		                      git_repository_path(repo), hfgit_git__message());
	git_reference_iterator_free(it);
	free(seen);
	return rc;
}

typedef struct {
	git_repository *repo;
	git_oid *trees;
	size_t ntrees;
	hfgit_lfs_ref_cb cb;
	void *payload;
} all_refs;

static int walk_commit_once(const git_oid *commit, const char *ref, void *payload)
{
	all_refs *a = payload;
	git_commit *c = NULL;
	git_oid tree;
	int rc;

	if (git_commit_lookup(&c, a->repo, commit) < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot read commit %s of %s in '%s': %s",
		                        git_oid_tostr_s(commit), ref, git_repository_path(a->repo),
		                        hfgit_git__message());
	git_oid_cpy(&tree, git_commit_tree_id(c));
	git_commit_free(c);
	if (oid_seen(a->trees, a->ntrees, &tree))
		return 0;
	if ((rc = remember(&a->trees, &a->ntrees, &tree)) < 0)
		return rc;
	return walk_tree(a->repo, &tree, ref, a->cb, a->payload);
}

int hfgit_lfs__refs_all(git_repository *repo, hfgit_lfs_ref_cb cb, void *payload)
{
	all_refs a = { repo, NULL, 0, cb, payload };
	int rc = hfgit_refs__foreach_commit(repo, walk_commit_once, &a);

	free(a.trees);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Cache repositories                                                                        */

static bool ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n > m && !strcmp(s + n - m, suffix);
}

/* <repos>/<endpoint key>/[datasets/|spaces/][namespace/]name.git: a few levels at most. */
#define REPO_DEPTH_MAX 6

static int foreach_repo_in(const char *dir, int depth, hfgit_cache_repo_cb cb, void *payload)
{
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (!(d = opendir(dir)))
		return errno == ENOENT ? 0 : hfgit_error__set_errno(HFGIT_EIO, "cannot list '%s'", dir);
	while (rc == 0 && (e = readdir(d)) != NULL) {
		struct stat st;
		char *path;
		if (e->d_name[0] == '.')
			continue; /* ".", "..", and work in progress */
		if (!(path = hfgit__aprintf("%s/%s", dir, e->d_name))) {
			rc = HFGIT_ERROR;
			break;
		}
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode)) {
			if (ends_with(e->d_name, ".git"))
				rc = cb(path, payload);
			else if (depth < REPO_DEPTH_MAX)
				rc = foreach_repo_in(path, depth + 1, cb, payload);
		}
		free(path);
	}
	closedir(d);
	return rc;
}

int hfgit_cache__foreach_repo(const char *cache_dir, hfgit_cache_repo_cb cb, void *payload)
{
	char *repos = hfgit_layout__repos_dir(cache_dir);
	int rc;

	if (!repos)
		return HFGIT_ERROR;
	repos[strlen(repos) - 1] = '\0'; /* its children are "<repos>/<name>" */
	rc = foreach_repo_in(repos, 0, cb, payload);
	free(repos);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Sets of oids                                                                              */

int hfgit_oidset__add(hfgit_oidset *set, const char *oid)
{
	if (set->count == set->cap) {
		size_t cap = set->cap ? set->cap * 2 : 64;
		void *grown = realloc(set->oids, cap * sizeof(*set->oids));
		if (!grown)
			return hfgit_error__oom();
		set->oids = grown;
		set->cap = cap;
	}
	memcpy(set->oids[set->count], oid, HFGIT_LFS_OID_HEXSZ);
	set->oids[set->count][HFGIT_LFS_OID_HEXSZ] = '\0';
	set->count++;
	return 0;
}

static int compare_oid(const void *a, const void *b)
{
	return memcmp(a, b, HFGIT_LFS_OID_HEXSZ);
}

void hfgit_oidset__seal(hfgit_oidset *set)
{
	size_t i, kept = 0;

	if (!set->count)
		return;
	qsort(set->oids, set->count, sizeof(*set->oids), compare_oid);
	for (i = 1; i < set->count; i++)
		if (compare_oid(set->oids[kept], set->oids[i]) && ++kept != i)
			memcpy(set->oids[kept], set->oids[i], sizeof(*set->oids));
	set->count = kept + 1;
}

bool hfgit_oidset__has(const hfgit_oidset *set, const char *oid)
{
	return set->count && strlen(oid) == HFGIT_LFS_OID_HEXSZ &&
	       bsearch(oid, set->oids, set->count, sizeof(*set->oids), compare_oid) != NULL;
}

void hfgit_oidset__dispose(hfgit_oidset *set)
{
	free(set->oids);
	set->oids = NULL;
	set->count = set->cap = 0;
}
