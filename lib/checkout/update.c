/*
 * hfgit_update: a checkout of a branch brought to the branch's current tip, as `git pull
 * --depth 1` would, with only the LFS objects that changed downloaded (the others are in the
 * store already). A checkout with local changes is refused, as git refuses a pull that would
 * overwrite them.
 */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/library.h"
#include "core/error.h"
#include "core/options.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "checkout/lfs_files.h"
#include "refs/remote.h"
#include "refs/resolve.h"
#include "refs/store.h"
#include "fetch/fetch.h"
#include "checkout/worktree.h"

/* The branch HEAD is on ("refs/heads/main"), or an error: update follows branches only. */
static int current_branch(char **out, git_repository *repo, const char *dir)
{
	git_reference *head = NULL;
	int rc = 0;

	if (git_reference_lookup(&head, repo, "HEAD") < 0 ||
	    git_reference_type(head) != GIT_REFERENCE_SYMBOLIC ||
	    strncmp(git_reference_symbolic_target(head), "refs/heads/", 11))
		rc = hfgit_error__set(HFGIT_EINVALID, "'%s' is not on a branch (a tag, a hash or a pull "
		                      "request is fixed): clone the revision you want instead", dir);
	else if (!(*out = hfgit__strdup(git_reference_symbolic_target(head))))
		rc = HFGIT_ERROR;
	git_reference_free(head);
	return rc;
}

/* The model id of the checkout, from origin's URL below the context's endpoint. */
static int model_of_checkout(hfgit_model_id **out, git_repository *repo, const hfgit_ctx *ctx,
                             const char *branch, const char *dir)
{
	size_t elen = strlen(ctx->endpoint);
	git_remote *origin = NULL;
	const char *url;
	char *spec = NULL;
	int rc;

	if (git_remote_lookup(&origin, repo, "origin") < 0)
		return hfgit_error__set(HFGIT_EINVALID, "'%s' has no remote 'origin': is it an hfgit "
		                        "clone?", dir);
	url = git_remote_url(origin);
	if (strncmp(url, ctx->endpoint, elen) || url[elen] != '/')
		rc = hfgit_error__set(HFGIT_EINVALID, "origin of '%s' is %s, not on the endpoint %s: set "
		                      "HF_ENDPOINT or --endpoint", dir, url, ctx->endpoint);
	else if (!(spec = hfgit__aprintf("%s@%s", url + elen + 1, branch + 11)))
		rc = HFGIT_ERROR;
	else
		rc = hfgit_model_id_parse(out, spec);
	free(spec);
	git_remote_free(origin);
	return rc;
}

/* Refuse to overwrite work: staged or unstaged changes to tracked files (untracked files are
 * left alone, as git pull does unless the update would overwrite them). */
static int check_clean(git_repository *repo, const char *dir)
{
	git_status_options opts = GIT_STATUS_OPTIONS_INIT;
	git_status_list *list = NULL;
	size_t i, n, dirty = 0;
	const char *first = NULL;
	int rc = 0;

	opts.flags = GIT_STATUS_OPT_EXCLUDE_SUBMODULES;
	if (git_status_list_new(&list, repo, &opts) < 0)
		return hfgit_git__fail("cannot read the status", dir);
	n = git_status_list_entrycount(list);
	for (i = 0; i < n; i++) {
		const git_status_entry *e = git_status_byindex(list, i);
		if (e->status == GIT_STATUS_CURRENT || e->status == GIT_STATUS_WT_NEW ||
		    e->status == GIT_STATUS_IGNORED)
			continue;
		if (!dirty++)
			first = e->index_to_workdir ? e->index_to_workdir->new_file.path :
			        e->head_to_index ? e->head_to_index->new_file.path : "?";
	}
	if (dirty)
		rc = hfgit_error__set(HFGIT_EEXISTS, "'%s' has local changes (%s%s): commit or stash "
		                      "them, or clone again", dir, first, dirty > 1 ? ", ..." : "");
	git_status_list_free(list);
	return rc;
}

static int add_shallow_root(git_repository *repo, const hfgit_resolved *r)
{
	char *path = hfgit__aprintf("%sshallow", git_repository_path(repo)), *old = NULL;
	hfgit_strbuf text = HFGIT_STRBUF_INIT;
	size_t len = 0;
	int rc;

	if (!path)
		return HFGIT_ERROR;
	if (hfgit_fs__read_file(&old, &len, path) == 0)
		hfgit_strbuf__put(&text, old, len);
	hfgit_error__clear();
	rc = hfgit_strbuf__printf(&text, "%s\n", r->commit);
	if (rc == 0)
		rc = hfgit_fs__write_atomic(path, text.ptr, text.len);
	hfgit_strbuf__dispose(&text);
	free(old);
	free(path);
	return rc;
}

/* The paths libgit2 must touch: the new commit's non-LFS files and whatever the old tree had
 * that the new one lacks (to delete it). */
static int checkout_paths(git_strarray *out, git_diff **diff, git_repository *repo,
                          git_tree *old_tree, git_tree *new_tree, const git_strarray *others)
{
	size_t i, n, count = others->count;
	char **paths;

	/* The deleted paths point into the diff: the caller frees it after the checkout. */
	if (git_diff_tree_to_tree(diff, repo, old_tree, new_tree, NULL) < 0)
		return hfgit_git__fail("cannot compare the trees", git_repository_workdir(repo));
	n = git_diff_num_deltas(*diff);
	if (!(paths = calloc(count + n + 1, sizeof(*paths))))
		return hfgit_error__oom();
	memcpy(paths, others->strings, count * sizeof(*paths));
	for (i = 0; i < n; i++) {
		const git_diff_delta *d = git_diff_get_delta(*diff, i);
		if (d->status == GIT_DELTA_DELETED)
			paths[count++] = (char *)d->old_file.path;
	}
	out->strings = paths;
	out->count = count;
	return 0;
}

static int move_branch(git_repository *repo, const char *branch, const hfgit_resolved *r,
                       const char *url)
{
	char *tracking = hfgit__aprintf("refs/remotes/origin/%s", branch + 11);
	char *log = hfgit__aprintf("hfgit update: from %s", url);
	int rc;

	if (!tracking || !log)
		rc = HFGIT_ERROR;
	else if ((rc = hfgit_fetch__create_ref(repo, tracking, &r->commit_oid, log)) == 0)
		rc = hfgit_fetch__create_ref(repo, branch, &r->commit_oid, log);
	free(tracking);
	free(log);
	return rc;
}

int hfgit_update(hfgit_resolved **out, hfgit_ctx *ctx, const char *dir,
                 const hfgit_clone_options *opts)
{
	hfgit_clone_options defaults = HFGIT_CLONE_OPTIONS_INIT;
	git_repository *repo = NULL, *store = NULL;
	git_commit *old_commit = NULL, *new_commit = NULL;
	git_tree *old_tree = NULL, *new_tree = NULL;
	git_strarray paths = { NULL, 0 };
	git_diff *diff = NULL;
	hfgit_lfs_plan *plan = NULL;
	hfgit_model_id *id = NULL;
	hfgit_session *s = NULL;
	hfgit_resolved *r = NULL;
	char *branch = NULL, *url = NULL;
	git_oid head;
	int rc;

	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_CLONE_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	if (out)
		*out = NULL;
	if (!opts)
		opts = &defaults;
	if (git_repository_open(&repo, dir) < 0)
		return hfgit_error__set(HFGIT_EINVALID, "'%s' is not a git repository: %s", dir,
		                        hfgit_git__message());
	if ((rc = current_branch(&branch, repo, dir)) < 0 ||
	    (rc = model_of_checkout(&id, repo, ctx, branch, dir)) < 0 ||
	    (rc = check_clean(repo, dir)) < 0 || (rc = hfgit_store__open(&store, ctx, id)) < 0 ||
	    (rc = hfgit_resolve__with_store(&r, &s, ctx, store, id, opts->progress, opts->payload)) < 0)
		goto out;
	if (git_reference_name_to_id(&head, repo, "HEAD") < 0) {
		rc = hfgit_git__fail("cannot read HEAD", dir);
		goto out;
	}
	if (git_oid_equal(&head, &r->commit_oid)) {
		hfgit__trace("update: %s is up to date at %s", dir, r->commit);
		goto done;
	}
	if ((rc = hfgit_fetch__into_store(s, store, r)) < 0 ||
	    (rc = hfgit_fetch__copy_objects(repo, store, r)) < 0 || (rc = add_shallow_root(repo, r)) < 0 ||
	    (rc = hfgit_remote_url(&url, ctx, id)) < 0)
		goto out;
	if (git_commit_lookup(&old_commit, repo, &head) < 0 ||
	    git_commit_lookup(&new_commit, repo, &r->commit_oid) < 0 ||
	    git_commit_tree(&old_tree, old_commit) < 0 || git_commit_tree(&new_tree, new_commit) < 0) {
		rc = hfgit_git__fail("cannot read the commits", dir);
		goto out;
	}
	if ((rc = hfgit_lfs__plan_new(&plan, repo, store, &r->commit_oid, ctx, url, r->ref, opts,
	                              false)) < 0 ||
	    (rc = checkout_paths(&paths, &diff, repo, old_tree, new_tree,
	                         hfgit_lfs__plan_other_paths(plan))) < 0)
		goto out;
	if (paths.count > 0 && (rc = hfgit_worktree__check_out(repo, new_tree, &paths, opts)) < 0)
		goto out;
	if ((rc = hfgit_lfs__plan_apply(plan, repo, opts->link)) < 0 ||
	    (rc = move_branch(repo, branch, r, url)) < 0)
		goto out;
	hfgit__trace("update: %s moved to %s", dir, r->commit);
done:
	if (out) {
		*out = r;
		r = NULL;
	}
out:
	free(paths.strings);
	git_diff_free(diff);
	hfgit_lfs__plan_free(plan);
	git_tree_free(old_tree);
	git_tree_free(new_tree);
	git_commit_free(old_commit);
	git_commit_free(new_commit);
	hfgit_resolved_free(r);
	hfgit_session__free(s);
	hfgit_model_id_free(id);
	git_repository_free(store);
	git_repository_free(repo);
	free(branch);
	free(url);
	return rc;
}
