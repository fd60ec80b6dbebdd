#include "checkout/tree_files.h"

#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "checkout/lfs_refs.h"
#include "core/strbuf.h"
#include "checkout/attributes.h"
#include "checkout/manifest.h"
#include "core/git_error.h"

typedef struct {
	hfgit_attrs *attrs;
	git_odb *odb;
	hfgit_manifest *manifest;  /* NULL: every pointer blob is read */
	hfgit_tree_file_cb cb;
	void *payload;
	hfgit_strbuf path;  /* the entry's path, in one buffer for the whole walk */
	int rc;          /* the callback's non-zero answer, or our own error */
} walker;

/* git-lfs's rule, with the attributes of the commit itself (a store has no working tree). */
static bool has_lfs_filter(hfgit_attrs *attrs, const char *path)
{
	const char *value;
	return hfgit_attrs__get(attrs, path, "filter", &value) == HFGIT_ATTR_VALUE &&
	       !strcmp(value, "lfs");
}

/* Whether the blob is a pointer git-lfs can smudge (no extensions): from the manifest when
 * it describes this entry, else by reading the blob. */
static bool is_smudgeable_pointer(walker *w, const hfgit_tree_file *file, hfgit_lfs_pointer *pointer)
{
	bool is_pointer;

	if (w->manifest &&
	    hfgit_manifest__next(w->manifest, file->path, file->blob, file->mode, &is_pointer, pointer))
		return is_pointer;
	is_pointer = file->mode != GIT_FILEMODE_LINK &&
	             hfgit_lfs__read_pointer(pointer, w->odb, file->blob) && !pointer->ext[0];
	hfgit_error__clear();
	if (w->manifest)
		hfgit_manifest__note_pointer(w->manifest, is_pointer ? pointer : NULL);
	return is_pointer;
}

/* A blob of the tree, its path in w->path. */
static int visit(walker *w, const git_tree_entry *entry)
{
	hfgit_lfs_pointer pointer;
	hfgit_tree_file file;

	file.path = hfgit_strbuf__cstr(&w->path);
	file.blob = git_tree_entry_id(entry);
	file.mode = git_tree_entry_filemode(entry);
	file.lfs = NULL;
	if (is_smudgeable_pointer(w, &file, &pointer) && has_lfs_filter(w->attrs, file.path))
		file.lfs = &pointer;
	return w->rc = w->cb(&file, w->payload);
}

/*
 * The blobs of `tree` in the order of a pre-order git_tree_walk, each path made once in
 * w->path (which holds the tree's own, "" or ending in '/'): the walk would make it once
 * more per file and call back for every entry.
 */
static int walk(walker *w, git_repository *repo, const git_tree *tree)
{
	size_t i, count = git_tree_entrycount(tree);

	for (i = 0; i < count; i++) {
		const git_tree_entry *entry = git_tree_entry_byindex(tree, i);
		git_object_t type = git_tree_entry_type(entry);
		size_t len = w->path.len;
		git_tree *sub = NULL;
		int rc;

		if (type != GIT_OBJECT_BLOB && type != GIT_OBJECT_TREE)
			continue; /* a submodule's commit: no file here */
		if (hfgit_strbuf__puts(&w->path, git_tree_entry_name(entry)) < 0 ||
		    (type == GIT_OBJECT_TREE && hfgit_strbuf__put(&w->path, "/", 1) < 0))
			return w->rc = HFGIT_ERROR;
		if (type == GIT_OBJECT_BLOB)
			rc = visit(w, entry);
		else if (git_tree_lookup(&sub, repo, git_tree_entry_id(entry)) < 0)
			rc = w->rc = hfgit_error__set(HFGIT_ERROR, "cannot read the tree '%s': %s",
			                              hfgit_strbuf__cstr(&w->path), hfgit_git__message());
		else
			rc = walk(w, repo, sub);
		git_tree_free(sub);
		w->path.len = len;
		w->path.ptr[len] = '\0';
		if (rc)
			return rc;
	}
	return 0;
}

int hfgit_tree_files__foreach(git_repository *repo, const git_oid *commit, hfgit_tree_file_cb cb,
                              void *payload)
{
	return hfgit_tree_files__foreach_cached(repo, commit, NULL, cb, payload);
}

int hfgit_tree_files__foreach_cached(git_repository *repo, const git_oid *commit,
                                     const char *manifest, hfgit_tree_file_cb cb, void *payload)
{
	walker w = { NULL, NULL, NULL, cb, payload, HFGIT_STRBUF_INIT, 0 };
	git_commit *c = NULL;
	git_tree *tree = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	int rc = 0;

	git_oid_tostr(hex, sizeof(hex), commit);
	if (git_repository_odb(&w.odb, repo) < 0 || git_commit_lookup(&c, repo, commit) < 0 ||
	    git_commit_tree(&tree, c) < 0)
		rc = hfgit_error__set(HFGIT_ERROR, "cannot read the tree of commit %s in '%s': %s "
		                      "(run `hfgit verify`)", hex, git_repository_path(repo), hfgit_git__message());
	else if ((rc = hfgit_attrs__from_tree(&w.attrs, repo, tree)) < 0)
		; /* the message says which file */
	else if (manifest && (rc = hfgit_manifest__open(&w.manifest, manifest, git_tree_id(tree))) < 0)
		;
	else if (walk(&w, repo, tree) != 0)
		rc = w.rc; /* the callback's answer, or the error */
	else if (w.manifest)
		hfgit_manifest__finish(w.manifest); /* only after a whole walk: never a partial one */
	git_tree_free(tree);
	git_commit_free(c);
	git_odb_free(w.odb);
	hfgit_attrs__free(w.attrs);
	hfgit_manifest__free(w.manifest);
	hfgit_strbuf__dispose(&w.path);
	return rc;
}
