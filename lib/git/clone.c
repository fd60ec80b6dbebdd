/*
 * hfgit_clone: a depth-1 checkout of exactly one resolved commit.
 *
 * The commit is fetched into the model's store in the cache (once per machine), then its
 * objects are packed into a new repository built in a hidden sibling of the destination and
 * renamed into place when complete: an interrupted clone leaves no half-made directory.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <unistd.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/strbuf.h"
#include "common/trace.h"
#include "context.h"
#include "lfs_checkout.h"
#include "remote.h"
#include "resolve.h"
#include "store.h"

static const char *git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

static int git_fail(const char *what, const char *where)
{
	return hfgit_error_set(HFGIT_ERROR, "%s in '%s': %s", what, where, git_message());
}

/* Bring the commit (and an annotated tag's object) into the store unless it is there. */
static int fetch_into_store(hfgit_session *s, git_repository *store, const hfgit_resolved *r)
{
	const char *ref = r->ref ? r->ref : r->via_ref;
	char *spec;
	int rc;

	if (hfgit_store_has(store, &r->commit_oid) && hfgit_store_has(store, &r->ref_target))
		return 0;
	if (!s || s->offline)
		return hfgit_error_set(HFGIT_EOFFLINE, "%s resolves to commit %s, which is not in the "
		                       "cache, and offline mode is on: clone it once with the network",
		                       r->ref ? r->ref : r->commit, r->commit);
	if (!ref)
		return hfgit_error_set(HFGIT_ERROR, "commit %s of %s vanished from the cache while "
		                       "cloning: run the clone again", r->commit, s->repo_name);
	if (!(spec = hfgit_aprintf("+%s:%s", ref, ref)))
		return HFGIT_ERROR;
	if ((rc = hfgit_session_fetch(s, (const char **)&spec, 1, 1)) == 0)
		rc = hfgit_store_absorb(store, s->repo, &r->commit_oid);
	free(spec);
	if (rc == 0 && !hfgit_store_has(store, &r->commit_oid))
		rc = hfgit_error_set(HFGIT_ENOTFOUND, "the hub sent %s without commit %s: it moved "
		                     "while cloning; run the clone again", ref, r->commit);
	return rc;
}

/*
 * Give the new repository the commit's objects: link the packs its depth-1 fetch produced
 * (no copy, no recompression) when the store recorded them, else pack them out of the store.
 */
static int copy_objects(git_repository *dst, git_repository *store, const hfgit_resolved *r)
{
	git_packbuilder *pb = NULL;
	git_odb *odb = NULL;
	char *pack_dir;
	int rc;

	if ((rc = hfgit_store_link_packs(store, &r->commit_oid, dst)) == 0 &&
	    hfgit_store_has(store, &r->ref_target)) {
		if (git_repository_odb(&odb, dst) == 0 && git_odb_refresh(odb) == 0 &&
		    git_odb_exists(odb, &r->commit_oid) == 1 && git_odb_exists(odb, &r->ref_target) == 1) {
			git_odb_free(odb);
			return 0;
		}
		git_odb_free(odb);
	} else if (rc != HFGIT_ENOTFOUND) {
		return rc;
	}
	if (!(pack_dir = hfgit_aprintf("%sobjects/pack", git_repository_path(dst))))
		return HFGIT_ERROR;
	rc = 0;
	if (git_packbuilder_new(&pb, store) < 0 ||
	    git_packbuilder_insert_commit(pb, &r->commit_oid) < 0 ||
	    (!git_oid_equal(&r->ref_target, &r->commit_oid) &&
	     git_packbuilder_insert(pb, &r->ref_target, NULL) < 0) ||
	    git_packbuilder_write(pb, pack_dir, 0, NULL, NULL) < 0)
		rc = hfgit_error_set(HFGIT_ERROR, "cannot copy commit %s out of the cache: %s "
		                     "(run `hfgit verify`)", r->commit, git_message());
	git_packbuilder_free(pb);
	free(pack_dir);
	return rc;
}

static int write_shallow(git_repository *repo, const hfgit_resolved *r)
{
	char *path = hfgit_aprintf("%sshallow", git_repository_path(repo));
	char line[GIT_OID_HEXSZ + 2];
	int rc;

	if (!path)
		return HFGIT_ERROR;
	snprintf(line, sizeof(line), "%s\n", r->commit);
	rc = hfgit_fs_write_atomic(path, line, GIT_OID_HEXSZ + 1);
	free(path);
	return rc;
}

static int create_ref(git_repository *repo, const char *name, const git_oid *oid, const char *log)
{
	git_reference *ref = NULL;
	int rc = git_reference_create(&ref, repo, name, oid, 1, log);
	git_reference_free(ref);
	return rc < 0 ? git_fail("cannot create ref", name) : 0;
}

/*
 * Record the revision as git clone --single-branch would: a branch becomes the checked-out
 * branch tracking origin, a tag stays a tag and any other ref keeps its name (both with a
 * detached HEAD), a hash is a detached HEAD.
 */
static int set_up_refs(git_repository *repo, const char *url, const hfgit_resolved *r)
{
	char *spec = NULL, *log = hfgit_aprintf("clone: from %s", url);
	git_remote *origin = NULL;
	git_config *cfg = NULL;
	int rc = 0;

	if (!log)
		return HFGIT_ERROR;
	if (r->kind == HFGIT_REV_BRANCH) {
		const char *branch = r->ref + 11;
		char *tracking = hfgit_aprintf("refs/remotes/origin/%s", branch);
		char *key_remote = hfgit_aprintf("branch.%s.remote", branch);
		char *key_merge = hfgit_aprintf("branch.%s.merge", branch);
		spec = hfgit_aprintf("+%s:refs/remotes/origin/%s", r->ref, branch);
		if (!tracking || !key_remote || !key_merge || !spec)
			rc = HFGIT_ERROR;
		else if ((rc = create_ref(repo, tracking, &r->commit_oid, log)) == 0 &&
		         (rc = create_ref(repo, r->ref, &r->commit_oid, log)) == 0) {
			if (git_repository_set_head(repo, r->ref) < 0 || git_repository_config(&cfg, repo) < 0 ||
			    git_config_set_string(cfg, key_remote, "origin") < 0 ||
			    git_config_set_string(cfg, key_merge, r->ref) < 0)
				rc = git_fail("cannot set up branch", r->ref);
		}
		free(tracking);
		free(key_remote);
		free(key_merge);
	} else {
		if (r->ref) {
			spec = hfgit_aprintf("+%s:%s", r->ref, r->ref);
			if (!spec || (rc = create_ref(repo, r->ref, &r->ref_target, log)) < 0)
				rc = rc < 0 ? rc : HFGIT_ERROR;
		} else if (!(spec = hfgit_strdup("+refs/heads/*:refs/remotes/origin/*"))) {
			rc = HFGIT_ERROR;
		}
		if (rc == 0 && git_repository_set_head_detached(repo, &r->commit_oid) < 0)
			rc = git_fail("cannot set HEAD", r->commit);
	}
	if (rc == 0 && git_remote_create_with_fetchspec(&origin, repo, "origin", url, spec) < 0)
		rc = git_fail("cannot add remote origin", url);
	git_remote_free(origin);
	git_config_free(cfg);
	free(spec);
	free(log);
	return rc;
}

typedef struct {
	const hfgit_clone_options *opts;
	int cancelled;
} checkout_progress;

static void on_checkout_progress(const char *path, size_t done, size_t total, void *payload)
{
	checkout_progress *cp = payload;
	hfgit_progress p = { HFGIT_STAGE_CHECKOUT, done, total, 0 };

	if (cp->opts->progress && !cp->cancelled && cp->opts->progress(&p, cp->opts->payload))
		cp->cancelled = 1;
}

static int on_checkout_notify(git_checkout_notify_t why, const char *path,
                              const git_diff_file *baseline, const git_diff_file *target,
                              const git_diff_file *workdir, void *payload)
{
	checkout_progress *cp = payload;
	return cp->cancelled ? -1 : 0;
}

/* Check out HEAD; only `paths` when given (the LFS plan writes the other files itself). */
static int check_out(git_repository *repo, const git_strarray *paths,
                     const hfgit_clone_options *opts)
{
	/* Always start from INIT: in libgit2 1.8 a zero strategy (GIT_CHECKOUT_NONE) is a dry run. */
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
	checkout_progress cp = { opts, 0 };
	int rc;

	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	co.progress_cb = on_checkout_progress;
	co.progress_payload = &cp;
	co.notify_flags = GIT_CHECKOUT_NOTIFY_UPDATED;
	co.notify_cb = on_checkout_notify;
	co.notify_payload = &cp;
	if (paths) {
		co.paths = *paths;
		co.checkout_strategy |= GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
	}
	rc = git_checkout_head(repo, &co);
	if (cp.cancelled)
		return hfgit_error_set(HFGIT_EINTERRUPTED, "checkout interrupted");
	return rc < 0 ? git_fail("cannot check out", git_repository_workdir(repo)) : 0;
}

/*
 * A hidden sibling of `dir`, on the same file system so the final rename is atomic, named
 * after this process: ".<name>.hfgit-<pid>-XXXXXX".
 */
static char *make_staging_dir(const char *dir)
{
	char *copy_dir = hfgit_strdup(dir), *copy_base = hfgit_strdup(dir), *staging = NULL;

	if (copy_dir && copy_base) {
		staging = hfgit_aprintf("%s/.%s.hfgit-%ld-XXXXXX", dirname(copy_dir),
		                        basename(copy_base), (long)getpid());
		if (staging && !mkdtemp(staging)) {
			hfgit_error_set_errno(HFGIT_EIO, "cannot create a directory next to '%s'", dir);
			free(staging);
			staging = NULL;
		}
	}
	free(copy_dir);
	free(copy_base);
	return staging;
}

/* Staging directories of earlier clones into `dir` whose process died (kill -9, power loss)
 * are removed; those of running processes are left alone. */
static void remove_stale_staging(const char *dir)
{
	char *copy_dir = hfgit_strdup(dir), *copy_base = hfgit_strdup(dir), *prefix = NULL;
	const char *parent;
	struct dirent *e;
	DIR *d = NULL;

	if (!copy_dir || !copy_base)
		goto out;
	parent = dirname(copy_dir);
	if (!(prefix = hfgit_aprintf(".%s.hfgit-", basename(copy_base))) || !(d = opendir(parent)))
		goto out;
	while ((e = readdir(d)) != NULL) {
		size_t plen = strlen(prefix);
		char *end, *path;
		long pid;
		if (strncmp(e->d_name, prefix, plen))
			continue;
		pid = strtol(e->d_name + plen, &end, 10);
		if (end == e->d_name + plen || *end != '-' || pid <= 0 ||
		    (kill((pid_t)pid, 0) == 0 || errno != ESRCH))
			continue;
		if ((path = hfgit_aprintf("%s/%s", parent, e->d_name)) != NULL) {
			hfgit_trace("removing '%s', left by process %ld", path, pid);
			hfgit_fs_remove_tree(path);
			free(path);
		}
	}
out:
	if (d)
		closedir(d);
	free(prefix);
	free(copy_dir);
	free(copy_base);
	hfgit_error_clear();
}

static int build_checkout(const char *staging, hfgit_ctx *ctx, const char *url,
                          git_repository *store, const hfgit_resolved *r,
                          const hfgit_clone_options *opts)
{
	git_repository *repo = NULL;
	hfgit_lfs_plan *plan = NULL;
	int rc;

	if (git_repository_init(&repo, staging, 0) < 0)
		return git_fail("cannot create a repository", staging);
	if ((rc = copy_objects(repo, store, r)) < 0 || (rc = write_shallow(repo, r)) < 0 ||
	    (rc = set_up_refs(repo, url, r)) < 0)
		goto out;
	hfgit_trace("objects in the new repository");
	if ((rc = hfgit_lfs_plan_new(&plan, repo, &r->commit_oid, ctx, url,
	                             r->ref ? r->ref : r->via_ref, opts)) < 0)
		goto out;
	if (hfgit_lfs_plan_count(plan) == 0)
		rc = check_out(repo, NULL, opts);
	else if (hfgit_lfs_plan_other_paths(plan)->count > 0)
		rc = check_out(repo, hfgit_lfs_plan_other_paths(plan), opts);
	hfgit_trace("checked out");
	if (rc == 0)
		rc = hfgit_lfs_plan_apply(plan, repo, opts->link);
out:
	hfgit_lfs_plan_free(plan);
	git_repository_free(repo);
	return rc;
}

static int check_destination(const char *dir)
{
	if (!hfgit_fs_is_absent_or_empty_dir(dir))
		return hfgit_error_set(HFGIT_EEXISTS, "destination '%s' already exists and is not an "
		                       "empty directory: choose another, or remove it first", dir);
	return 0;
}

int hfgit_clone(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id, const char *dir,
                const hfgit_clone_options *opts)
{
	hfgit_clone_options defaults = HFGIT_CLONE_OPTIONS_INIT;
	git_repository *store = NULL;
	hfgit_session *s = NULL;
	hfgit_resolved *r = NULL;
	char *staging = NULL, *url = NULL;
	struct timespec started, ended;
	int rc;

	if (out)
		*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->stats) {
		memset(opts->stats, 0, sizeof(*opts->stats));
		clock_gettime(CLOCK_MONOTONIC, &started);
	}
	if ((rc = check_destination(dir)) < 0)
		return rc;
	remove_stale_staging(dir);
	hfgit_trace("clone %s: start", hfgit_model_id_repo(id));
	if ((rc = hfgit_store_open(&store, ctx, id)) < 0 ||
	    (rc = hfgit_resolve_with_store(&r, &s, ctx, store, id, opts->progress, opts->payload)) < 0)
		goto out;
	hfgit_trace("resolved %s", r->commit);
	if ((rc = fetch_into_store(s, store, r)) < 0)
		goto out;
	hfgit_trace("commit in store");
	if (!(url = s ? hfgit_strdup(s->url) : NULL) && hfgit_remote_url(&url, ctx, id) < 0) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if (!(staging = make_staging_dir(dir))) {
		rc = hfgit_error_last_code() ? hfgit_error_last_code() : HFGIT_ERROR;
		goto out;
	}
	if ((rc = build_checkout(staging, ctx, url, store, r, opts)) < 0)
		goto out;
	/* Checked again: another process may have filled it meanwhile; rename(2) only replaces
	 * an empty directory. */
	if ((rc = check_destination(dir)) < 0)
		goto out;
	if (rename(staging, dir) < 0) {
		rc = hfgit_error_set_errno(HFGIT_EIO, "cannot move the clone into '%s'", dir);
		goto out;
	}
	free(staging);
	staging = NULL;
	if (out) {
		*out = r;
		r = NULL;
	}
	if (opts->stats) {
		clock_gettime(CLOCK_MONOTONIC, &ended);
		opts->stats->seconds = (double)(ended.tv_sec - started.tv_sec) +
		                       (double)(ended.tv_nsec - started.tv_nsec) / 1e9;
	}
out:
	if (staging) {
		hfgit_fs_remove_tree(staging);
		free(staging);
	}
	hfgit_resolved_free(r);
	hfgit_session_free(s);
	git_repository_free(store);
	free(url);
	return rc;
}
