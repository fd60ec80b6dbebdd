/*
 * An entry against the hub now: where the repository is (renames), what its revision names
 * (a moved branch or tag), and whether the hub still serves the locked commit at all (a
 * force-push can take it away). The last question costs nothing when the commit is still an
 * advertised tip; otherwise it is asked as a clone by hash asks it (fetched directly where
 * the server allows, else found by deepening history), into the entry's cache repository
 * when that lacks the commit (sync needs it there anyway), else into a throwaway one.
 */
#define _GNU_SOURCE
#include "lock/lock.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refs/store.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "hub/context.h"
#include "core/git_error.h"
#include "refs/remote.h"
#include "refs/resolve.h"
#include "refs/store.h"
#include "fetch/fetch.h"

/* The commit an advertised ref names: an annotated tag's peeled entry ("X^{}"). */
static const git_oid *peeled(const hfgit_session *s, const char *name)
{
	const git_remote_head *head = hfgit_session__head(s, name), *p;
	char peeled_name[1100];

	if (!head)
		return NULL;
	if ((size_t)snprintf(peeled_name, sizeof(peeled_name), "%s^{}", name) < sizeof(peeled_name) &&
	    (p = hfgit_session__head(s, peeled_name)) != NULL)
		return &p->oid;
	return &head->oid;
}

static bool is_tip(const hfgit_session *s, const git_oid *commit)
{
	size_t i;

	for (i = 0; i < s->nheads; i++)
		if (git_oid_equal(&s->heads[i]->oid, commit))
			return true;
	return false;
}

/* The ref the entry's revision names now: its own ref, or for the default branch the branch
 * HEAD points at today. */
static const char *current_ref(const hfgit_session *s, const hfgit_lock_entry *e)
{
	const git_remote_head *head;

	if (!e->revision && (head = hfgit_session__head(s, "HEAD")) && head->symref_target)
		return head->symref_target;
	return e->ref;
}

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

/* A bare repository in the cache's tmp/ for objects that are only looked at. */
static int temp_store(git_repository **out, char **dir, hfgit_ctx *ctx)
{
	char *tmp = NULL;
	int rc;

	*out = NULL;
	if ((rc = hfgit_cache__tmp_dir(&tmp, ctx)) < 0)
		return rc;
	*dir = hfgit__aprintf("%s/lock-probe-XXXXXX", tmp);
	free(tmp);
	if (!*dir)
		return HFGIT_ERROR;
	if (!mkdtemp(*dir)) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot create '%s'", *dir);
		free(*dir);
		*dir = NULL;
		return rc;
	}
	if (git_repository_init(out, *dir, 1) < 0)
		return hfgit_git__fail("cannot create a repository", *dir);
	return 0;
}

/* 1 when the hub serves `commit`, 0 when it does not. */
static int hub_has(hfgit_session *s, hfgit_ctx *ctx, const hfgit_lock_entry *e,
                   git_repository *store, const git_oid *commit)
{
	git_repository *probe = NULL;
	hfgit_model_id *id = NULL;
	hfgit_resolved *r = NULL;
	char *probe_dir = NULL;
	int rc;

	if (!store || hfgit_store__has(store, commit)) {
		if (is_tip(s, commit))
			return 1;
		if ((rc = temp_store(&probe, &probe_dir, ctx)) < 0)
			goto out;
		store = probe;
	}
	/* A tip resolves without a fetch: then it is fetched through its ref. */
	if ((rc = parse_at(&id, e->id, e->commit)) == 0 &&
	    (rc = hfgit_resolve__in_session(&r, s, store, id)) == 0 &&
	    (hfgit_store__has(store, commit) || (rc = hfgit_fetch__into_store(s, store, r)) == 0))
		rc = 1;
	else if (rc == HFGIT_ENOTFOUND) {
		hfgit_error__clear();
		rc = 0;
	}
out:
	hfgit_resolved_free(r);
	hfgit_model_id_free(id);
	git_repository_free(probe);
	if (probe_dir)
		hfgit_fs__remove_tree(probe_dir);
	free(probe_dir);
	return rc;
}

/* The moved/renamed/gone parts of a status, and its sentence. */
static int describe(hfgit_lock_status *st, const char *ref, bool ref_gone, const char *where)
{
	const hfgit_lock_entry *e = st->entry;
	hfgit_strbuf msg = HFGIT_STRBUF_INIT;
	int rc = 0;

	if (st->hub_has_commit == 0)
		st->state = HFGIT_LOCK_GONE;
	else if (ref_gone)
		st->state = HFGIT_LOCK_GONE;
	else if (st->renamed_to)
		st->state = HFGIT_LOCK_RENAMED;
	else if (st->moved_to)
		st->state = HFGIT_LOCK_MOVED;
	else
		st->state = HFGIT_LOCK_UNCHANGED;
	if (st->renamed_to)
		hfgit_strbuf__printf(&msg, "%s is now %s on the hub", e->id, st->renamed_to);
	if (ref_gone)
		hfgit_strbuf__printf(&msg, "%s%s no longer exists%s", msg.len ? "; " : "", ref, where);
	else if (st->moved_to)
		hfgit_strbuf__printf(&msg, "%s%s moved to %s%s (locked at %s)", msg.len ? "; " : "", ref,
		                     st->moved_to, where, e->commit);
	if (st->hub_has_commit == 0)
		hfgit_strbuf__printf(&msg, "%sthe locked commit %s is no longer on the hub",
		                     msg.len ? "; " : "", e->commit);
	if (msg.len)
		rc = hfgit_lock__status_set(&st->message, msg.ptr);
	hfgit_strbuf__dispose(&msg);
	return rc;
}

/* What the ref says in `s` against the lock: sets moved_to; *gone when the ref is gone. */
static int compare_ref(hfgit_lock_status *st, const hfgit_session *s, const char **ref,
                       bool *gone)
{
	const hfgit_lock_entry *e = st->entry;
	const git_oid *now;
	char hex[GIT_OID_HEXSZ + 1];

	*gone = false;
	*ref = NULL;
	if (e->kind == HFGIT_REV_COMMIT)
		return 0;
	*ref = current_ref(s, e);
	if (!(now = peeled(s, *ref))) {
		*gone = true;
		return 0;
	}
	git_oid_tostr(hex, sizeof(hex), now);
	return strcmp(hex, e->commit) ? hfgit_lock__status_set(&st->moved_to, hex) : 0;
}

int hfgit_lock__drift(hfgit_lock_status *st, hfgit_ctx *ctx, const hfgit_lock_item *item,
                      git_repository *store)
{
	const hfgit_lock_entry *e = &item->pub;
	hfgit_session *s = NULL;
	hfgit_model_id *id = NULL;
	const char *ref = NULL;
	char *now = NULL;
	git_oid commit;
	bool ref_gone = false;
	int rc;

	git_oid_fromstr(&commit, e->commit);
	if ((rc = hfgit_lock__hub_id(&now, ctx, e->id)) == HFGIT_ENOTFOUND) {
		hfgit_error__clear();
		st->state = HFGIT_LOCK_GONE;
		st->hub_has_commit = 0;
		st->cache_has_commit = store && hfgit_store__has(store, &commit);
		return hfgit_lock__status_set(&st->message, "the repository is gone from the hub");
	}
	if (rc < 0)
		return rc;
	if (strcmp(now, e->id) && (rc = hfgit_lock__status_set(&st->renamed_to, now)) < 0)
		goto out;
	if ((rc = parse_at(&id, now, NULL)) < 0 ||
	    (rc = hfgit_session__open(&s, ctx, id, NULL, NULL)) < 0 ||
	    (rc = compare_ref(st, s, &ref, &ref_gone)) < 0 ||
	    (rc = hub_has(s, ctx, e, store, &commit)) < 0)
		goto out;
	st->hub_has_commit = rc;
	st->cache_has_commit = store && hfgit_store__has(store, &commit);
	if (store)
		hfgit_session__remember(s, store);
	rc = describe(st, ref, ref_gone, "");
out:
	hfgit_session__free(s);
	hfgit_model_id_free(id);
	free(now);
	return rc;
}

int hfgit_lock__drift_offline(hfgit_lock_status *st, hfgit_ctx *ctx, const hfgit_lock_item *item,
                              git_repository *store)
{
	const hfgit_lock_entry *e = &item->pub;
	hfgit_session *s = NULL;
	hfgit_model_id *id = NULL;
	const char *ref = NULL;
	char where[100];
	git_oid commit;
	bool ref_gone = false;
	long long age;
	int rc;

	git_oid_fromstr(&commit, e->commit);
	st->cache_has_commit = hfgit_store__has(store, &commit);
	/* Without remembered refs there is nothing to compare with: not drift. */
	if ((rc = parse_at(&id, e->id, NULL)) < 0)
		return rc;
	if (hfgit_session__open_offline(&s, ctx, id, git_repository_path(store)) < 0) {
		hfgit_error__clear();
		hfgit_model_id_free(id);
		return 0;
	}
	age = (long long)time(NULL) - s->fetched_at;
	snprintf(where, sizeof(where), " by the refs the hub advertised %lld minutes ago",
	         (age < 0 ? 0 : age) / 60);
	if ((rc = compare_ref(st, s, &ref, &ref_gone)) == 0)
		rc = describe(st, ref, ref_gone, where);
	hfgit_session__free(s);
	hfgit_model_id_free(id);
	return rc;
}
