/*
 * hfgit_lock_sync: every entry of a lock brought back at its locked commit.
 *
 * Per entry: the commit into the entry's cache repository (from the hub, which is also asked
 * what moved; offline from the cache alone), its tree checked against the lock, then a
 * checkout made by hfgit_clone of exactly that commit in a hidden staging directory next to
 * its final path, every file of it verified against the lock, and only then renamed into
 * place. Without --dir the checkout is <cache>/checkouts/<id>/<commit>, the one
 * hfgit_model_from_pretrained uses: compute nodes that share the cache then only read.
 *
 * Concurrent syncs of one lock share the cache through the locks the clone path already
 * takes (one download per LFS object, atomic store creation and absorption); two processes
 * making the same checkout both build it aside, the first rename wins and the other verifies
 * the winner's and uses it.
 */
#define _GNU_SOURCE
#include "lock/lock.h"

#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "refs/store.h"
#include "checkout/registry.h"
#include "core/error.h"
#include "core/options.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "core/library.h"
#include "lfs/digests.h"
#include "refs/store.h"

typedef struct {
	hfgit_ctx *ctx;
	const hfgit_lock *lock;
	const hfgit_sync_options *opts;
} syncer;

static int parse_at(hfgit_model_id **out, const char *id, const char *rev)
{
	char *spec = rev ? hfgit__aprintf("%s@%s", id, rev) : hfgit__strdup(id);
	int rc;

	if (!spec)
		return HFGIT_ERROR;
	rc = hfgit_model_id_parse(out, spec);
	free(spec);
	return rc;
}

/* Staging directories next to `target` left by syncs that died (kill -9, power loss); those
 * of running processes are left alone. */
static void remove_stale_staging(const char *target)
{
	char *copy_dir = hfgit__strdup(target), *copy_base = hfgit__strdup(target), *prefix = NULL;
	const char *parent;
	struct dirent *d;
	DIR *dir = NULL;

	if (!copy_dir || !copy_base)
		goto out;
	parent = dirname(copy_dir);
	if (!(prefix = hfgit__aprintf(".%s.hfgit-sync-", basename(copy_base))) ||
	    !(dir = opendir(parent)))
		goto out;
	while ((d = readdir(dir)) != NULL) {
		size_t plen = strlen(prefix);
		char *end, *path;
		long pid;
		if (strncmp(d->d_name, prefix, plen))
			continue;
		pid = strtol(d->d_name + plen, &end, 10);
		if (end == d->d_name + plen || *end != '-' || pid <= 0 ||
		    kill((pid_t)pid, 0) == 0 || errno != ESRCH)
			continue;
		if ((path = hfgit__aprintf("%s/%s", parent, d->d_name)) != NULL) {
			hfgit__trace("sync: removing '%s', left by process %ld", path, pid);
			hfgit_fs__remove_tree(path);
			free(path);
		}
	}
out:
	if (dir)
		closedir(dir);
	free(prefix);
	free(copy_dir);
	free(copy_base);
	hfgit_error__clear();
}

/* The hidden sibling a checkout is built in: ".<name>.hfgit-sync-<pid>-XXXXXX". */
static char *make_staging(const char *target)
{
	char *copy_dir = hfgit__strdup(target), *copy_base = hfgit__strdup(target), *staging = NULL;

	if (copy_dir && copy_base && hfgit_fs__mkdir_p(dirname(copy_dir)) == 0) {
		free(copy_dir);
		copy_dir = hfgit__strdup(target);
		staging = copy_dir ? hfgit__aprintf("%s/.%s.hfgit-sync-%ld-XXXXXX", dirname(copy_dir),
		                                    basename(copy_base), (long)getpid()) : NULL;
		if (staging && !mkdtemp(staging)) {
			hfgit_error__set_errno(HFGIT_EIO, "cannot create a directory next to '%s'", target);
			free(staging);
			staging = NULL;
		}
	}
	free(copy_dir);
	free(copy_base);
	return staging;
}

static mode_t current_umask(void)
{
	mode_t mask = umask(0);

	umask(mask);
	return mask;
}

static int clone_into(const syncer *y, const hfgit_lock_item *item, const char *dir)
{
	hfgit_clone_options copts = HFGIT_CLONE_OPTIONS_INIT;
	hfgit_model_id *exact = NULL;
	int rc;

	copts.progress = y->opts->progress;
	copts.payload = y->opts->payload;
	copts.jobs = y->opts->jobs;
	copts.link = y->opts->link;
	if ((rc = parse_at(&exact, item->pub.id, item->pub.commit)) == 0)
		rc = hfgit_clone(NULL, y->ctx, exact, dir, &copts);
	hfgit_model_id_free(exact);
	return rc;
}

/*
 * The checkout of `item` at `target`, verified. One already there is kept when it verifies;
 * a cache checkout that does not is rebuilt (it is the cache's own), a --dir one is refused.
 */
static int load_digests(hfgit_lfs_digests **out, const hfgit_ctx *ctx)
{
	char *root = hfgit_ctx__lfs_root(ctx);
	int rc;

	if (!root)
		return HFGIT_ERROR;
	rc = hfgit_lfs__digests_load(out, root);
	free(root);
	return rc;
}

static int materialize_with(const syncer *y, const hfgit_lock_item *item, const char *target,
                            bool in_cache, hfgit_lock_status *st,
                            const hfgit_lfs_digests *digests)
{
	const char *lockname = y->lock->name ? y->lock->name : "lockfile";
	char *staging = NULL, *checkout = NULL;
	int rc;

	remove_stale_staging(target);
	if (!hfgit_fs__is_absent_or_empty_dir(target)) {
		if ((rc = hfgit_lock__verify_checkout(target, NULL, item, lockname, digests)) == 0) {
			st->reused = 1;
			return hfgit_lock__status_set(&st->dir, target);
		}
		if (!in_cache)
			return hfgit_error__set(HFGIT_EEXISTS, "'%s' exists and is not the locked checkout "
			                        "(%s): remove it, or sync into another --dir", target,
			                        hfgit_error_last());
		hfgit__trace("sync: rebuilding %s: %s", target, hfgit_error_last());
		if ((staging = make_staging(target)) == NULL)
			return hfgit_error_last_code() ? hfgit_error_last_code() : HFGIT_ERROR;
		/* Aside first, so that no reader ever finds half of it. */
		rmdir(staging);
		if (rename(target, staging) < 0 && errno != ENOENT) {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot move the damaged '%s' aside", target);
			free(staging);
			return rc;
		}
		hfgit_fs__remove_tree(staging);
		free(staging);
	}
	/* The clone goes into a directory inside the staging one, so that its own staging
	 * sibling is inside too: whatever a killed sync leaves, one directory holds it. */
	if (!(staging = make_staging(target)))
		return hfgit_error_last_code() ? hfgit_error_last_code() : HFGIT_ERROR;
	if (!(checkout = hfgit__aprintf("%s/checkout", staging))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = clone_into(y, item, checkout)) < 0 ||
	    (rc = hfgit_lock__verify_checkout(checkout, target, item, lockname, digests)) < 0)
		goto out;
	/* The clone's directory came from mkdtemp: private. It gets a new directory's mode. */
	chmod(checkout, 0777 & ~current_umask());
	if (rename(checkout, target) < 0) {
		/* Another sync made it meanwhile: use theirs when it verifies. */
		if ((errno == ENOTEMPTY || errno == EEXIST) &&
		    hfgit_lock__verify_checkout(target, NULL, item, lockname, digests) == 0) {
			st->reused = 1;
			rc = hfgit_lock__status_set(&st->dir, target);
		} else {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot move the checkout into '%s'", target);
		}
		goto out;
	}
	/* gc keeps what registered checkouts use; the clone registered the staging path. */
	if (hfgit_checkouts__register(y->ctx, target) < 0)
		hfgit_error__clear();
	rc = hfgit_lock__status_set(&st->dir, target);
out:
	hfgit_fs__remove_tree(staging);
	free(staging);
	free(checkout);
	return rc;
}

/* With the digests of the store's objects for the fast check, unless deep. */
static int materialize(const syncer *y, const hfgit_lock_item *item, const char *target,
                       bool in_cache, hfgit_lock_status *st)
{
	hfgit_lfs_digests *digests = NULL;
	int rc;

	if (!y->opts->deep && (rc = load_digests(&digests, y->ctx)) < 0)
		return rc;
	rc = materialize_with(y, item, target, in_cache, st, digests);
	hfgit_lfs__digests_free(digests);
	return rc;
}

/* Why the locked commit cannot be had, in words. */
static int unavailable(const syncer *y, const hfgit_lock_item *item, const hfgit_lock_status *st)
{
	const hfgit_lock_entry *e = &item->pub;

	if (y->ctx->offline)
		return hfgit_error__set(HFGIT_EOFFLINE, "commit %s of %s is not in the cache and "
		                        "offline mode is on: sync once with the network", e->commit, e->id);
	if (st->cache_has_commit)
		return hfgit_error__set(HFGIT_ENOTFOUND, "%s; the cache still holds the commit: "
		                        "`hfgit sync --offline` brings it back from the cache",
		                        st->message ? st->message : "the hub no longer has it");
	return hfgit_error__set(HFGIT_ENOTFOUND, "%s, and the cache does not hold it either: this "
	                        "entry cannot be brought back from here",
	                        st->message ? st->message : "the hub no longer has the locked commit");
}

static int sync_one(const syncer *y, const hfgit_lock_item *item, hfgit_lock_status *st)
{
	const hfgit_lock_entry *e = &item->pub;
	const char *lockname = y->lock->name ? y->lock->name : "lockfile";
	git_repository *store = NULL;
	hfgit_model_id *id = NULL;
	char *target = NULL;
	git_oid commit;
	int rc;

	git_oid_fromstr(&commit, e->commit);
	if ((rc = parse_at(&id, e->id, NULL)) < 0 || (rc = hfgit_store__open(&store, y->ctx, id)) < 0)
		goto out;
	rc = y->ctx->offline ? hfgit_lock__drift_offline(st, y->ctx, item, store) :
	                       hfgit_lock__drift(st, y->ctx, item, store);
	if (rc < 0)
		goto out;
	st->cache_has_commit = hfgit_store__has(store, &commit);
	if (st->hub_has_commit == 0 || !st->cache_has_commit) {
		rc = unavailable(y, item, st);
		goto out;
	}
	if ((rc = hfgit_lock__verify_tree(store, item, lockname)) < 0)
		goto out;
	hfgit_store__mark_used(git_repository_path(store));
	target = y->opts->dir ? hfgit__aprintf("%s/%s", y->opts->dir, e->name) :
	                        hfgit_layout__checkout_dir(y->ctx->cache_dir, e->id, e->commit);
	if (!target) {
		rc = HFGIT_ERROR;
		goto out;
	}
	rc = materialize(y, item, target, !y->opts->dir, st);
out:
	if (rc < 0)
		rc = hfgit_error__set(rc, "%s (%s:%zu): %s", e->spec, lockname, e->line,
		                      hfgit_error_last());
	free(target);
	git_repository_free(store);
	hfgit_model_id_free(id);
	return rc;
}

int hfgit_lock_sync(hfgit_lock_report **out, hfgit_ctx *ctx, const hfgit_lock *lock,
                    const hfgit_sync_options *opts)
{
	hfgit_sync_options defaults = HFGIT_SYNC_OPTIONS_INIT;
	hfgit_lock_report *r = NULL;
	syncer y = { ctx, lock, opts };
	size_t i;
	int rc;

	if (out)
		*out = NULL;
	if (!opts)
		y.opts = opts = &defaults;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_SYNC_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if ((rc = hfgit_git__ready()) < 0 || (rc = hfgit_lock__report_new(&r)) < 0)
		return rc;
	if (opts->dir && (rc = hfgit_fs__mkdir_p(opts->dir)) < 0)
		goto out;
	for (i = 0; i < lock->count; i++) {
		hfgit_lock_status *st;
		if ((rc = hfgit_lock__report_add(&st, r, &lock->items[i].pub)) < 0 ||
		    (rc = sync_one(&y, &lock->items[i], st)) < 0)
			goto out;
	}
out:
	if (out)
		*out = r;
	else
		hfgit_lock_report_free(r);
	return rc;
}

/* Whether the cache has a repository for `id`, without creating one. */
static bool in_cache(const hfgit_ctx *ctx, const hfgit_model_id *id)
{
	char *path = NULL;
	bool exists = hfgit_store__path(&path, ctx, id) == 0 && hfgit_fs__exists(path);

	free(path);
	return exists;
}

int hfgit_lock_check(hfgit_lock_report **out, hfgit_ctx *ctx, const hfgit_lock *lock)
{
	hfgit_lock_report *r = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if (ctx->offline)
		return hfgit_error__set(HFGIT_EOFFLINE, "checking the lock against the hub needs the "
		                        "network, and offline mode is on");
	if ((rc = hfgit_git__ready()) < 0 || (rc = hfgit_lock__report_new(&r)) < 0)
		return rc;
	for (i = 0; i < lock->count; i++) {
		const hfgit_lock_item *item = &lock->items[i];
		git_repository *store = NULL;
		hfgit_model_id *id = NULL;
		hfgit_lock_status *st;
		if ((rc = hfgit_lock__report_add(&st, r, &item->pub)) < 0)
			break;
		/* The store only tells whether the cache holds the commit; it is not written to. */
		if (parse_at(&id, item->pub.id, NULL) == 0 &&
		    in_cache(ctx, id) &&
		    hfgit_store__open(&store, ctx, id) < 0)
			hfgit_error__clear();
		rc = hfgit_lock__drift(st, ctx, item, NULL);
		if (rc == 0 && store) {
			git_oid commit;
			git_oid_fromstr(&commit, item->pub.commit);
			st->cache_has_commit = hfgit_store__has(store, &commit);
		}
		git_repository_free(store);
		hfgit_model_id_free(id);
		if (rc < 0) {
			rc = hfgit_error__set(rc, "%s (%s:%zu): %s", item->pub.spec,
			                      lock->name ? lock->name : "lockfile", item->pub.line,
			                      hfgit_error_last());
			break;
		}
	}
	if (rc < 0) {
		hfgit_lock_report_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
