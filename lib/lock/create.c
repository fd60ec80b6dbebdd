/*
 * hfgit_lock_create: each spec resolved as clone resolves it, its commit's git objects fetched
 * into the cache, and its tree written down file by file. No LFS content is needed: the
 * pointers in the tree give each object's oid and size, which is all the lock records.
 */
#define _GNU_SOURCE
#include "lock/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refs/store.h"
#include "checkout/tree_files.h"
#include "core/error.h"
#include "core/options.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "core/git_error.h"
#include "core/library.h"
#include "refs/remote.h"
#include "refs/resolve.h"
#include "refs/store.h"
#include "fetch/fetch.h"

static int add_tree_file(const hfgit_tree_file *tf, void *payload)
{
	hfgit_lock_item *item = payload;
	hfgit_lock_file f;

	memset(&f, 0, sizeof(f));
	f.path = tf->path;
	f.mode = (unsigned int)tf->mode;
	git_oid_tostr(f.blob, sizeof(f.blob), tf->blob);
	if (tf->lfs) {
		f.lfs = 1;
		memcpy(f.lfs_oid, tf->lfs->oid, sizeof(f.lfs_oid));
		f.size = tf->lfs->size;
	}
	return hfgit_lock__item_add_file(item, &f);
}

/* "<id>[@<rev>]" parsed, for the store and the resolution under the hub's current name. */
static int id_with_revision(hfgit_model_id **out, const char *id, const char *rev)
{
	char *spec = rev ? hfgit__aprintf("%s@%s", id, rev) : hfgit__strdup(id);
	int rc;

	if (!spec)
		return HFGIT_ERROR;
	rc = hfgit_model_id_parse(out, spec);
	free(spec);
	return rc;
}

static int lock_one(hfgit_lock *lock, hfgit_ctx *ctx, const char *spec,
                    const hfgit_lock_options *opts)
{
	hfgit_model_id *asked = NULL, *id = NULL;
	git_repository *store = NULL;
	hfgit_session *s = NULL;
	hfgit_resolved *r = NULL;
	hfgit_lock_item *item;
	git_commit *commit = NULL;
	char tree[GIT_OID_HEXSZ + 1], *canonical = NULL;
	const char *rev;
	int rc;

	if ((rc = hfgit_model_id_parse(&asked, spec)) < 0)
		return rc;
	rev = hfgit_model_id_revision(asked);
	/* Offline there is nobody to ask about renames: the id stays as given. */
	if (ctx->offline)
		canonical = hfgit__strdup(hfgit_model_id_repo(asked));
	else if ((rc = hfgit_lock__hub_id(&canonical, ctx, hfgit_model_id_repo(asked))) < 0)
		goto out;
	if (!canonical) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = id_with_revision(&id, canonical, rev)) < 0 ||
	    (rc = hfgit_store__open(&store, ctx, id)) < 0 ||
	    (rc = hfgit_resolve__with_store(&r, &s, ctx, store, id, opts->progress, opts->payload)) < 0 ||
	    (rc = hfgit_fetch__into_store(s, store, r)) < 0)
		goto out;
	if (git_commit_lookup(&commit, store, &r->commit_oid) < 0) {
		rc = hfgit_git__fail("cannot read the commit", git_repository_path(store));
		goto out;
	}
	git_oid_tostr(tree, sizeof(tree), git_commit_tree_id(commit));
	if ((rc = hfgit_lock__add(&item, lock, spec, canonical, rev, r->kind, r->ref, r->commit,
	                          tree)) < 0 ||
	    (rc = hfgit_tree_files__foreach(store, &r->commit_oid, add_tree_file, item)) < 0)
		goto out;
	hfgit_store__mark_used(git_repository_path(store));
	hfgit__trace("lock: %s is %s@%s, %zu files", spec, canonical, r->commit, item->pub.file_count);
out:
	git_commit_free(commit);
	hfgit_resolved_free(r);
	hfgit_session__free(s);
	git_repository_free(store);
	hfgit_model_id_free(id);
	hfgit_model_id_free(asked);
	free(canonical);
	return rc;
}

int hfgit_lock_create(hfgit_lock **out, hfgit_ctx *ctx, const char *const *specs, size_t count,
                      const hfgit_lock_options *opts)
{
	hfgit_lock_options defaults = HFGIT_LOCK_OPTIONS_INIT;
	hfgit_lock *lock = NULL;
	size_t i, j;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_LOCK_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (count == 0)
		return hfgit_error__set(HFGIT_EINVALID, "nothing to lock: give at least one ID[@REV]");
	if ((rc = hfgit_git__ready()) < 0 || (rc = hfgit_lock__new(&lock)) < 0)
		return rc;
	for (i = 0; i < count; i++) {
		bool seen = false;
		for (j = 0; j < i && !seen; j++)
			seen = !strcmp(specs[i], specs[j]);
		if (!seen && (rc = lock_one(lock, ctx, specs[i], opts)) < 0) {
			rc = hfgit_error__set(rc, "cannot lock '%s': %s", specs[i], hfgit_error_last());
			goto out;
		}
	}
	rc = hfgit_lock__seal(lock);
out:
	if (rc < 0)
		hfgit_lock_free(lock);
	else
		*out = lock;
	return rc;
}
