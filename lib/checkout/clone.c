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

#include "core/library.h"
#include "checkout/registry.h"
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

/*
 * Record the revision as git clone --single-branch would: a branch becomes the checked-out
 * branch tracking origin, a tag stays a tag and any other ref keeps its name (both with a
 * detached HEAD), a hash is a detached HEAD.
 */
static int set_up_refs(git_repository *repo, const char *url, const hfgit_resolved *r)
{
	char *spec = NULL, *log = hfgit__aprintf("clone: from %s", url);
	git_transaction *tx = NULL;
	git_remote *origin = NULL;
	git_config *cfg = NULL;
	int rc = 0;

	if (!log)
		return HFGIT_ERROR;
	/* The configuration locked until the end: its settings written in one go, not each
	 * with a rewrite of the file. */
	if (git_repository_config(&cfg, repo) < 0 || git_config_lock(&tx, cfg) < 0)
		rc = hfgit_git__fail("cannot lock the configuration of", git_repository_path(repo));
	else if (r->kind == HFGIT_REV_BRANCH) {
		const char *branch = r->ref + 11;
		char *tracking = hfgit__aprintf("refs/remotes/origin/%s", branch);
		char *key_remote = hfgit__aprintf("branch.%s.remote", branch);
		char *key_merge = hfgit__aprintf("branch.%s.merge", branch);
		spec = hfgit__aprintf("+%s:refs/remotes/origin/%s", r->ref, branch);
		if (!tracking || !key_remote || !key_merge || !spec)
			rc = HFGIT_ERROR;
		else if ((rc = hfgit_fetch__create_ref(repo, tracking, &r->commit_oid, log)) == 0 &&
		         (rc = hfgit_fetch__create_ref(repo, r->ref, &r->commit_oid, log)) == 0) {
			if (git_repository_set_head(repo, r->ref) < 0 ||
			    git_config_set_string(cfg, key_remote, "origin") < 0 ||
			    git_config_set_string(cfg, key_merge, r->ref) < 0)
				rc = hfgit_git__fail("cannot set up branch", r->ref);
		}
		free(tracking);
		free(key_remote);
		free(key_merge);
	} else {
		if (r->ref) {
			spec = hfgit__aprintf("+%s:%s", r->ref, r->ref);
			if (!spec || (rc = hfgit_fetch__create_ref(repo, r->ref, &r->ref_target, log)) < 0)
				rc = rc < 0 ? rc : HFGIT_ERROR;
		} else if (!(spec = hfgit__strdup("+refs/heads/*:refs/remotes/origin/*"))) {
			rc = HFGIT_ERROR;
		}
		if (rc == 0 && git_repository_set_head_detached(repo, &r->commit_oid) < 0)
			rc = hfgit_git__fail("cannot set HEAD", r->commit);
	}
	if (rc == 0 && git_remote_create_with_fetchspec(&origin, repo, "origin", url, spec) < 0)
		rc = hfgit_git__fail("cannot add remote origin", url);
	if (rc == 0 && git_transaction_commit(tx) < 0)
		rc = hfgit_git__fail("cannot write the configuration of", git_repository_path(repo));
	git_transaction_free(tx);
	git_remote_free(origin);
	git_config_free(cfg);
	free(spec);
	free(log);
	return rc;
}

/*
 * mkdtemp, but with the mode git gives a new directory (0777 less the umask) rather than 0700:
 * this directory becomes the checkout. The umask is applied by mkdir itself, so no thread sees
 * a changed umask.
 */
static bool make_unique_dir(char *template)
{
	static const char letters[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
	size_t len = strlen(template), i;
	unsigned attempt;

	if (len < 6 || strcmp(template + len - 6, "XXXXXX")) {
		errno = EINVAL;
		return false;
	}
	for (attempt = 0; attempt < 100; attempt++) {
		unsigned char random[6];
		if (getentropy(random, sizeof(random)) < 0)
			return false;
		for (i = 0; i < 6; i++)
			template[len - 6 + i] = letters[random[i] % (sizeof(letters) - 1)];
		if (mkdir(template, 0777) == 0)
			return true;
		if (errno != EEXIST)
			return false;
	}
	return false;
}

/*
 * A hidden sibling of `dir`, on the same file system so the final rename is atomic, named
 * after this process: ".<name>.hfgit-<pid>-XXXXXX".
 */
static char *make_staging_dir(const char *dir)
{
	char *copy_dir = hfgit__strdup(dir), *copy_base = hfgit__strdup(dir), *staging = NULL;

	if (copy_dir && copy_base) {
		staging = hfgit__aprintf("%s/.%s.hfgit-%ld-XXXXXX", dirname(copy_dir),
		                         basename(copy_base), (long)getpid());
		if (staging && !make_unique_dir(staging)) {
			hfgit_error__set_errno(HFGIT_EIO, "cannot create a directory next to '%s'", dir);
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
	char *copy_dir = hfgit__strdup(dir), *copy_base = hfgit__strdup(dir), *prefix = NULL;
	const char *parent;
	struct dirent *e;
	DIR *d = NULL;

	if (!copy_dir || !copy_base)
		goto out;
	parent = dirname(copy_dir);
	if (!(prefix = hfgit__aprintf(".%s.hfgit-", basename(copy_base))) || !(d = opendir(parent)))
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
		if ((path = hfgit__aprintf("%s/%s", parent, e->d_name)) != NULL) {
			hfgit__trace("removing '%s', left by process %ld", path, pid);
			hfgit_fs__remove_tree(path);
			free(path);
		}
	}
out:
	if (d)
		closedir(d);
	free(prefix);
	free(copy_dir);
	free(copy_base);
	hfgit_error__clear();
}

static int build_checkout(const char *staging, hfgit_ctx *ctx, const char *url,
                          git_repository *store, const hfgit_resolved *r,
                          const hfgit_clone_options *opts)
{
	git_repository *repo = NULL;
	hfgit_lfs_plan *plan = NULL;
	int rc;

	if (git_repository_init(&repo, staging, 0) < 0)
		return hfgit_git__fail("cannot create a repository", staging);
	if ((rc = hfgit_fetch__copy_objects(repo, store, r)) < 0 || (rc = hfgit_fetch__write_shallow(repo, r)) < 0 ||
	    (rc = set_up_refs(repo, url, r)) < 0)
		goto out;
	hfgit__trace("objects in the new repository");
	if ((rc = hfgit_lfs__plan_new(&plan, repo, store, &r->commit_oid, ctx, url,
	                              r->ref ? r->ref : r->via_ref, opts, true)) < 0)
		goto out;
	if (hfgit_lfs__plan_count(plan) == 0)
		rc = hfgit_worktree__check_out(repo, NULL, NULL, opts);
	else if (hfgit_lfs__plan_other_paths(plan)->count > 0)
		rc = hfgit_worktree__check_out(repo, NULL, hfgit_lfs__plan_other_paths(plan), opts);
	hfgit__trace("checked out");
	if (rc == 0)
		rc = hfgit_lfs__plan_apply(plan, repo, opts->link);
out:
	hfgit_lfs__plan_free(plan);
	git_repository_free(repo);
	return rc;
}

static int check_destination(const char *dir)
{
	if (!hfgit_fs__is_absent_or_empty_dir(dir))
		return hfgit_error__set(HFGIT_EEXISTS, "destination '%s' already exists and is not an "
		                        "empty directory: choose another, or remove it first", dir);
	return 0;
}

/* The options a clone runs with: git-lfs's switch for "leave the pointer files"
 * (GIT_LFS_SKIP_SMUDGE) means the same for a clone here. */
static const hfgit_clone_options *effective_options(const hfgit_clone_options *opts,
                                                    const hfgit_clone_options *defaults,
                                                    hfgit_clone_options *skip_smudge)
{
	if (!opts)
		opts = defaults;
	if (!opts->no_lfs && hfgit_env_flag("GIT_LFS_SKIP_SMUDGE") == 1) {
		*skip_smudge = *opts;
		skip_smudge->no_lfs = 1;
		hfgit__trace("clone: GIT_LFS_SKIP_SMUDGE is set: LFS files keep their pointers");
		return skip_smudge;
	}
	return opts;
}

/* The finished clone from its staging directory to `dir`, registered for gc. */
static int move_into_place(char **staging, const char *dir, hfgit_ctx *ctx)
{
	int rc;

	/* Checked again: another process may have filled it meanwhile; rename(2) only replaces
	 * an empty directory. */
	if ((rc = check_destination(dir)) < 0)
		return rc;
	if (rename(*staging, dir) < 0)
		return hfgit_error__set_errno(HFGIT_EIO, "cannot move the clone into '%s'", dir);
	free(*staging);
	*staging = NULL;
	/* gc keeps what registered checkouts use; an unrecorded one only loses that. */
	if (hfgit_checkouts__register(ctx, dir) < 0) {
		hfgit__trace("clone: %s", hfgit_error_last());
		hfgit_error__clear();
	}
	return 0;
}

int hfgit_clone(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id, const char *dir,
                const hfgit_clone_options *opts)
{
	hfgit_clone_options defaults = HFGIT_CLONE_OPTIONS_INIT, skip_smudge;
	git_repository *store = NULL;
	hfgit_session *s = NULL;
	hfgit_resolved *r = NULL;
	char *staging = NULL, *url = NULL;
	struct timespec started, ended;
	int rc;

	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_CLONE_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	if (out)
		*out = NULL;
	opts = effective_options(opts, &defaults, &skip_smudge);
	if (opts->stats) {
		memset(opts->stats, 0, sizeof(*opts->stats));
		clock_gettime(CLOCK_MONOTONIC, &started);
	}
	if ((rc = check_destination(dir)) < 0)
		return rc;
	remove_stale_staging(dir);
	hfgit__trace("clone %s: start", hfgit_model_id_repo(id));
	if ((rc = hfgit_store__open(&store, ctx, id)) < 0 ||
	    (rc = hfgit_resolve__with_store(&r, &s, ctx, store, id, opts->progress, opts->payload)) < 0)
		goto out;
	hfgit__trace("resolved %s", r->commit);
	if ((rc = hfgit_fetch__into_store(s, store, r)) < 0)
		goto out;
	hfgit__trace("commit in store");
	if (!(url = s ? hfgit__strdup(s->url) : NULL) && hfgit_remote_url(&url, ctx, id) < 0) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if (!(staging = make_staging_dir(dir))) {
		rc = hfgit_error_last_code() ? hfgit_error_last_code() : HFGIT_ERROR;
		goto out;
	}
	if ((rc = build_checkout(staging, ctx, url, store, r, opts)) < 0)
		goto out;
	if ((rc = move_into_place(&staging, dir, ctx)) < 0)
		goto out;
	hfgit_store__mark_used(git_repository_path(store));
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
		hfgit_fs__remove_tree(staging);
		free(staging);
	}
	if (rc < 0)
		hfgit_store__forget_if_empty(ctx, store);
	hfgit_resolved_free(r);
	hfgit_session__free(s);
	git_repository_free(store);
	free(url);
	return rc;
}
