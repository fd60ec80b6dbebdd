/*
 * Revision resolution, in git's order: a ref name first (exact, refs/<rev>, refs/tags/<rev>,
 * refs/heads/<rev>), then a hex string as a commit hash: matched against the advertised tips,
 * fetched directly when it is a full hash, and otherwise looked up in history fetched deeper
 * and deeper until it appears or history ends.
 */
#define _GNU_SOURCE
#include "refs/resolve.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "refs/store.h"
#include "core/library.h"
#include "refs/store.h"

/* Depths of the successive history fetches; 0 is the whole history. */
static const int search_depths[] = { 32, 512, 0 };

#define MAX_CANDIDATES 8

typedef struct {
	git_oid oids[MAX_CANDIDATES];
	char *refs[MAX_CANDIDATES]; /* a ref that points at the commit, or NULL */
	size_t count;
	size_t overflow; /* candidates beyond MAX_CANDIDATES */
} candidates;

static void candidates_dispose(candidates *c)
{
	size_t i;
	for (i = 0; i < c->count; i++)
		free(c->refs[i]);
	c->count = 0;
}

static int candidates_add(candidates *c, const git_oid *oid, const char *ref)
{
	size_t i;

	for (i = 0; i < c->count; i++) {
		if (git_oid_equal(&c->oids[i], oid)) {
			/* Prefer a branch as the ref to fetch the commit through. */
			if (ref && (!c->refs[i] || !strncmp(ref, "refs/heads/", 11))) {
				free(c->refs[i]);
				if (!(c->refs[i] = hfgit__strdup(ref)))
					return HFGIT_ERROR;
			}
			return 0;
		}
	}
	if (c->count == MAX_CANDIDATES) {
		c->overflow++;
		return 0;
	}
	c->oids[c->count] = *oid;
	c->refs[c->count] = NULL;
	if (ref && !(c->refs[c->count] = hfgit__strdup(ref)))
		return HFGIT_ERROR;
	c->count++;
	return 0;
}

static bool is_hex(const char *s, size_t min, size_t max)
{
	size_t n = 0;
	for (; s[n]; n++)
		if (!isxdigit((unsigned char)s[n]))
			return false;
	return n >= min && n <= max;
}

static bool has_suffix(const char *s, const char *suffix)
{
	size_t n = strlen(s), m = strlen(suffix);
	return n >= m && !strcmp(s + n - m, suffix);
}

/* The commit an advertised ref stands for: the peeled entry ("X^{}") of an annotated tag. */
static const git_oid *peeled_oid(const hfgit_session *s, const git_remote_head *head)
{
	char peeled_name[1024];
	const git_remote_head *peeled;

	if (strncmp(head->name, "refs/tags/", 10) ||
	    (size_t)snprintf(peeled_name, sizeof(peeled_name), "%s^{}", head->name) >= sizeof(peeled_name))
		return &head->oid;
	peeled = hfgit_session__head(s, peeled_name);
	return peeled ? &peeled->oid : &head->oid;
}

static hfgit_rev_kind kind_of_ref(const char *name)
{
	if (!strncmp(name, "refs/heads/", 11))
		return HFGIT_REV_BRANCH;
	if (!strncmp(name, "refs/tags/", 10))
		return HFGIT_REV_TAG;
	return HFGIT_REV_REF;
}

static int resolved_new(hfgit_resolved **out, const git_oid *commit, hfgit_rev_kind kind,
                        const char *ref, const git_oid *ref_target, const char *via_ref)
{
	hfgit_resolved *r = calloc(1, sizeof(*r));

	if (!r)
		return hfgit_error__oom();
	r->commit_oid = *commit;
	git_oid_tostr(r->commit, sizeof(r->commit), commit);
	r->kind = kind;
	r->ref_target = ref_target ? *ref_target : *commit;
	if ((ref && !(r->ref = hfgit__strdup(ref))) || (via_ref && !(r->via_ref = hfgit__strdup(via_ref)))) {
		hfgit_resolved_free(r);
		return HFGIT_ERROR;
	}
	*out = r;
	return 0;
}

static int resolve_ref_head(hfgit_resolved **out, const hfgit_session *s,
                            const git_remote_head *head)
{
	return resolved_new(out, peeled_oid(s, head), kind_of_ref(head->name), head->name,
	                    &head->oid, head->name);
}

/* The advertised ref `rev` names, with git's disambiguation rules (tags before branches). */
static const git_remote_head *find_ref(const hfgit_session *s, const char *rev)
{
	static const char *const rules[] = { "%s", "refs/%s", "refs/tags/%s", "refs/heads/%s",
		                                 "refs/remotes/%s" };
	char name[1024];
	size_t i;

	for (i = 0; i < sizeof(rules) / sizeof(*rules); i++) {
		const git_remote_head *head;
		if ((size_t)snprintf(name, sizeof(name), rules[i], rev) >= sizeof(name))
			return NULL;
		if (i == 0 && strncmp(name, "refs/", 5) && strcmp(name, "HEAD"))
			continue;
		if ((head = hfgit_session__head(s, name)) != NULL)
			return head;
	}
	return NULL;
}

/* "; tags: v1.0, v2.0.1; branches: main" for messages about revisions that do not exist. */
static void describe_refs(hfgit_strbuf *out, const hfgit_session *s)
{
	static const struct { const char *prefix, *label; size_t shown_from; } groups[] = {
		{ "refs/tags/", "tags", 10 },
		{ "refs/heads/", "branches", 11 },
		{ "refs/pr/", "pull requests", 5 }, /* shown as "pr/1" */
	};
	const size_t limit = 12;
	size_t g, i;

	for (g = 0; g < sizeof(groups) / sizeof(*groups); g++) {
		size_t plen = strlen(groups[g].prefix), shown = 0, more = 0;
		for (i = 0; i < s->nheads; i++) {
			const char *name = s->heads[i]->name;
			if (strncmp(name, groups[g].prefix, plen) || has_suffix(name, "^{}"))
				continue;
			if (shown == limit) {
				more++;
				continue;
			}
			if (shown++ == 0)
				hfgit_strbuf__printf(out, "; %s: %s", groups[g].label, name + groups[g].shown_from);
			else
				hfgit_strbuf__printf(out, ", %s", name + groups[g].shown_from);
		}
		if (more)
			hfgit_strbuf__printf(out, " (and %zu more)", more);
	}
}

static int not_found(const hfgit_session *s, const char *rev, const char *why)
{
	hfgit_strbuf refs = HFGIT_STRBUF_INIT;
	int rc;

	describe_refs(&refs, s);
	rc = hfgit_error__set(HFGIT_ENOTFOUND, "revision '%s' not found in %s%s%s", rev, s->repo_name,
	                      why, refs.len ? hfgit_strbuf__cstr(&refs) : "; the repository has no refs");
	hfgit_strbuf__dispose(&refs);
	return rc;
}

static int ambiguous(const hfgit_session *s, const char *rev, const candidates *c)
{
	hfgit_strbuf list = HFGIT_STRBUF_INIT;
	size_t i;
	int rc;

	for (i = 0; i < c->count; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &c->oids[i]);
		hfgit_strbuf__printf(&list, "%s%s", i ? ", " : "", hex);
		if (c->refs[i])
			hfgit_strbuf__printf(&list, " (%s)", c->refs[i]);
	}
	if (c->overflow)
		hfgit_strbuf__printf(&list, " and %zu more", c->overflow);
	rc = hfgit_error__set(HFGIT_EAMBIGUOUS,
	                      "short hash '%s' is ambiguous in %s: it matches commits %s; "
	                      "give more digits", rev, s->repo_name, hfgit_strbuf__cstr(&list));
	hfgit_strbuf__dispose(&list);
	return rc;
}

static bool oid_has_prefix(const git_oid *oid, const char *lower_hex)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), oid);
	return !strncmp(hex, lower_hex, strlen(lower_hex));
}

static int match_tips(candidates *c, const hfgit_session *s, const char *prefix)
{
	size_t i;
	int rc;

	for (i = 0; i < s->nheads; i++) {
		const git_remote_head *head = s->heads[i];
		const git_oid *commit;
		if (has_suffix(head->name, "^{}"))
			continue;
		commit = peeled_oid(s, head);
		if (oid_has_prefix(commit, prefix) &&
		    (rc = candidates_add(c, commit, strcmp(head->name, "HEAD") ? head->name : NULL)) < 0)
			return rc;
	}
	return 0;
}

/* Every commit reachable from the refs of `repo` that starts with `prefix`. */
static int match_history(candidates *c, git_repository *repo, const char *prefix)
{
	git_revwalk *walk = NULL;
	git_strarray names = { NULL, 0 };
	git_oid oid;
	size_t i;
	int rc = 0, err;

	if (git_revwalk_new(&walk, repo) < 0 || git_reference_list(&names, repo) < 0) {
		rc = hfgit_error__set(HFGIT_ERROR, "cannot walk the fetched history: %s",
		                      git_error_last()->message);
		goto out;
	}
	for (i = 0; i < names.count; i++)
		git_revwalk_push_ref(walk, names.strings[i]); /* non-commits are skipped */
	while ((err = git_revwalk_next(&oid, walk)) == 0) {
		if (oid_has_prefix(&oid, prefix) && (rc = candidates_add(c, &oid, NULL)) < 0)
			goto out;
	}
	if (err != GIT_ITEROVER)
		rc = hfgit_error__set(HFGIT_ERROR, "cannot walk the fetched history: %s",
		                      git_error_last()->message);
out:
	git_strarray_dispose(&names);
	git_revwalk_free(walk);
	return rc;
}

/* "+refs/heads/main:refs/heads/main" for every advertised ref: history is searched from all. */
static int all_ref_specs(char ***out, size_t *count, const hfgit_session *s)
{
	char **specs = calloc(s->nheads ? s->nheads : 1, sizeof(*specs));
	size_t i, n = 0;

	if (!specs)
		return hfgit_error__oom();
	for (i = 0; i < s->nheads; i++) {
		const char *name = s->heads[i]->name;
		if (strncmp(name, "refs/", 5) || has_suffix(name, "^{}"))
			continue;
		if (!(specs[n++] = hfgit__aprintf("+%s:%s", name, name))) {
			while (n--)
				free(specs[n]);
			free(specs);
			return HFGIT_ERROR;
		}
	}
	*out = specs;
	*count = n;
	return 0;
}

static void free_specs(char **specs, size_t count)
{
	while (count--)
		free(specs[count]);
	free(specs);
}

/*
 * Fetch the history of every ref, deeper each round, into a fresh repository (libgit2 before
 * 1.9 mishandles deepening an existing shallow repository over HTTP), until a commit starting
 * with `prefix` appears or the whole history has been seen. What was fetched goes to the store.
 */
static int search_history(candidates *c, hfgit_session *s, git_repository *store,
                          const hfgit_model_id *id, const char *prefix)
{
	size_t round;
	int rc = 0;

	/* Offline, the history is what the store has. */
	if (s->offline)
		return match_history(c, store, prefix);
	for (round = 0; round < sizeof(search_depths) / sizeof(*search_depths); round++) {
		hfgit_session *deeper = NULL;
		git_oidarray roots = { NULL, 0 };
		char **specs = NULL;
		size_t nspecs = 0;
		bool complete;

		if ((rc = hfgit_session__open(&deeper, s->ctx, id, s->progress, s->payload)) < 0)
			return rc;
		if ((rc = all_ref_specs(&specs, &nspecs, deeper)) == 0 && nspecs > 0 &&
		    (rc = hfgit_session__fetch(deeper, (const char **)specs, nspecs,
		                               search_depths[round])) == 0 &&
		    (rc = match_history(c, deeper->repo, prefix)) == 0 &&
		    (rc = hfgit_store__shallow_read(&roots, deeper->repo)) == 0 && c->count > 0)
			rc = hfgit_store__absorb(store, deeper->repo, NULL);
		complete = roots.count == 0;
		free(roots.ids);
		free_specs(specs, nspecs);
		hfgit_session__free(deeper);
		if (rc < 0 || c->count > 0 || complete || nspecs == 0)
			return rc;
	}
	return 0;
}

/* Ask the server for a full hash no ref advertises (see transport.c); 0 when it arrived. */
static int fetch_by_hash(hfgit_session *s, git_repository *store, const char *hex)
{
	char *spec = hfgit__aprintf("+%s:refs/hfgit/commits/%s", hex, hex);
	git_object *obj = NULL;
	git_oid oid;
	int rc;

	if (!spec)
		return HFGIT_ERROR;
	git_oid_fromstr(&oid, hex);
	rc = hfgit_session__fetch(s, (const char **)&spec, 1, 1);
	free(spec);
	if (rc == HFGIT_EINTERRUPTED)
		return rc;
	if (rc < 0 || git_object_lookup(&obj, s->repo, &oid, GIT_OBJECT_ANY) < 0)
		return HFGIT_ENOTFOUND; /* the server refused or lacks it: search history */
	rc = git_object_type(obj) == GIT_OBJECT_COMMIT ?
	         hfgit_store__absorb(store, s->repo, &oid) :
	         hfgit_error__set(HFGIT_EINVALID, "'%s' in %s is a %s, not a commit", hex,
	                          s->repo_name, git_object_type2string(git_object_type(obj)));
	git_object_free(obj);
	return rc;
}

static int resolve_default_branch(hfgit_resolved **out, const hfgit_session *s)
{
	const git_remote_head *head = hfgit_session__head(s, "HEAD");

	if (!head)
		return hfgit_error__set(HFGIT_ENOTFOUND, "%s has no default branch (the repository "
		                        "is empty or hides HEAD): name a revision with ID@REV",
		                        s->repo_name);
	if (head->symref_target && hfgit_session__head(s, head->symref_target))
		return resolve_ref_head(out, s, hfgit_session__head(s, head->symref_target));
	return resolved_new(out, &head->oid, HFGIT_REV_COMMIT, NULL, NULL, NULL);
}

static int resolve_hash(hfgit_resolved **out, hfgit_session *s, git_repository *store,
                        const hfgit_model_id *id, const char *rev)
{
	char prefix[GIT_OID_HEXSZ + 1];
	candidates c = { 0 };
	size_t i, len = strlen(rev);
	int rc;

	for (i = 0; i <= len; i++)
		prefix[i] = (char)tolower((unsigned char)rev[i]);
	if ((rc = match_tips(&c, s, prefix)) < 0)
		goto out;
	if (c.count == 0 && len == GIT_OID_HEXSZ) {
		git_oid oid;
		git_oid_fromstr(&oid, prefix);
		if (hfgit_store__has(store, &oid) ||
		    (!s->offline && (rc = fetch_by_hash(s, store, prefix)) == 0)) {
			if ((rc = resolved_new(out, &oid, HFGIT_REV_COMMIT, NULL, NULL, NULL)) == 0)
				(*out)->in_store = true;
			goto out;
		}
		if (rc < 0 && rc != HFGIT_ENOTFOUND)
			goto out;
		if (s->offline) {
			rc = hfgit_error__set(HFGIT_EOFFLINE, "commit %s of %s is not in the cache and "
			                      "offline mode is on: fetch it once with the network",
			                      rev, s->repo_name);
			goto out;
		}
	}
	if (c.count == 0 && (rc = search_history(&c, s, store, id, prefix)) < 0)
		goto out;
	if (c.count == 0)
		rc = not_found(s, rev, ": no commit of any branch or tag starts with it");
	else if (c.count > 1 || c.overflow)
		rc = ambiguous(s, rev, &c);
	else if ((rc = resolved_new(out, &c.oids[0], HFGIT_REV_COMMIT, NULL, NULL, c.refs[0])) == 0)
		(*out)->in_store = c.refs[0] == NULL;
out:
	candidates_dispose(&c);
	return rc;
}

int hfgit_resolve__in_session(hfgit_resolved **out, hfgit_session *s, git_repository *store,
                              const hfgit_model_id *id)
{
	const char *rev = hfgit_model_id_revision(id);
	const git_remote_head *head;

	*out = NULL;
	if (!rev)
		return resolve_default_branch(out, s);
	if ((head = find_ref(s, rev)) != NULL)
		return strcmp(head->name, "HEAD") ? resolve_ref_head(out, s, head) :
		                                    resolve_default_branch(out, s);
	if (is_hex(rev, 4, GIT_OID_HEXSZ))
		return resolve_hash(out, s, store, id, rev);
	return not_found(s, rev, "");
}

static bool store_has_commit(git_repository *store, const git_oid *oid)
{
	git_commit *commit = NULL;
	bool has = git_commit_lookup(&commit, store, oid) == 0;
	git_commit_free(commit);
	return has;
}

/*
 * The hub cannot be reached: as huggingface_hub does on a connection error, answer from the
 * cache what cannot have changed (a tag or a commit the store holds), with the reason kept for
 * a warning. A branch may have moved since: that stays an error, which says what the cache has
 * and how to use it anyway. Any other case keeps the network error.
 */
static int resolve_unreachable(hfgit_resolved **out, hfgit_session **session, hfgit_ctx *ctx,
                               git_repository *store, const hfgit_model_id *id)
{
	char *why = hfgit__strdup(hfgit_error_last());
	hfgit_session *s = NULL;
	hfgit_resolved *r = NULL;
	int rc = HFGIT_ENETWORK;

	if (!why)
		return HFGIT_ERROR;
	if (hfgit_session__open_offline(&s, ctx, id, git_repository_path(store)) == 0 &&
	    hfgit_resolve__in_session(&r, s, store, id) == 0) {
		if ((r->kind == HFGIT_REV_TAG || r->kind == HFGIT_REV_COMMIT) &&
		    store_has_commit(store, &r->commit_oid)) {
			r->unreachable = why;
			r->in_store = true;
			*out = r;
			*session = s;
			hfgit__trace("hub unreachable; %s resolved from the cache", r->commit);
			return 0;
		}
		if (r->kind == HFGIT_REV_TAG || r->kind == HFGIT_REV_COMMIT)
			rc = hfgit_error__set(HFGIT_ENETWORK, "%s; the cache knows %s as commit %.12s but "
			                      "has not fetched it", why, hfgit_model_id_revision(id),
			                      r->commit);
		else {
			long long age = s->fetched_at ? (long long)time(NULL) - s->fetched_at : 0;
			if (age < 0)
				age = 0;
			rc = hfgit_error__set(HFGIT_ENETWORK, "%s; the cache has %s at %.12s, as the hub "
			                      "advertised it %lld %s ago, which may be stale: --offline or "
			                      "HF_HUB_OFFLINE=1 uses it", why, r->ref ? r->ref : "the default "
			                      "branch", r->commit, age < 7200 ? age / 60 : age / 3600,
			                      age < 7200 ? "minutes" : "hours");
		}
	} else {
		hfgit_error__set(HFGIT_ENETWORK, "%s", why);
	}
	hfgit_resolved_free(r);
	hfgit_session__free(s);
	free(why);
	return rc;
}

int hfgit_resolve__with_store(hfgit_resolved **out, hfgit_session **session, hfgit_ctx *ctx,
                              git_repository *store, const hfgit_model_id *id,
                              hfgit_progress_cb progress, void *payload)
{
	const char *rev = hfgit_model_id_revision(id);
	hfgit_session *s = NULL;
	git_oid oid;
	int rc;

	*out = NULL;
	*session = NULL;
	/* A full hash names one commit forever: when the store has it, ask nobody. */
	if (rev && is_hex(rev, GIT_OID_HEXSZ, GIT_OID_HEXSZ) && git_oid_fromstr(&oid, rev) == 0 &&
	    store_has_commit(store, &oid)) {
		if ((rc = resolved_new(out, &oid, HFGIT_REV_COMMIT, NULL, NULL, NULL)) == 0)
			(*out)->in_store = true;
		return rc;
	}
	if (ctx->offline)
		rc = hfgit_session__open_offline(&s, ctx, id, git_repository_path(store));
	else if ((rc = hfgit_session__open(&s, ctx, id, progress, payload)) == 0)
		rc = hfgit_session__remember(s, store);
	else if (rc == HFGIT_ENETWORK)
		return resolve_unreachable(out, session, ctx, store, id);
	if (rc == 0 && (rc = hfgit_resolve__in_session(out, s, store, id)) == 0 && s->offline &&
	    (*out)->kind != HFGIT_REV_COMMIT)
		(*out)->cached_at = s->fetched_at;
	if (rc < 0)
		hfgit_session__free(s);
	else
		*session = s;
	return rc;
}

/*
 * Offline, a branch or tag (or the default branch) resolves from the remembered refs alone:
 * no repository to open, no libgit2 to initialise, so a cached tag resolves in milliseconds.
 * Returns 1 when this does not apply (a hash, or not offline).
 */
static int resolve_offline_ref(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id)
{
	const char *rev = hfgit_model_id_revision(id);
	hfgit_session *s = NULL;
	char *store_dir = NULL;
	int rc;

	if (!ctx->offline || (rev && is_hex(rev, 4, GIT_OID_HEXSZ)))
		return 1;
	if ((rc = hfgit_store__path(&store_dir, ctx, id)) == 0 &&
	    (rc = hfgit_session__open_offline(&s, ctx, id, store_dir)) == 0 &&
	    (rc = hfgit_resolve__in_session(out, s, NULL, id)) == 0) {
		if ((*out)->kind != HFGIT_REV_COMMIT)
			(*out)->cached_at = s->fetched_at;
		hfgit_store__mark_used(store_dir);
	}
	hfgit_session__free(s);
	free(store_dir);
	return rc;
}

int hfgit_resolve(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id)
{
	git_repository *store = NULL;
	hfgit_session *s = NULL;
	int rc;

	*out = NULL;
	if ((rc = resolve_offline_ref(out, ctx, id)) <= 0)
		return rc;
	if ((rc = hfgit_git__ready()) < 0)
		return rc;
	if ((rc = hfgit_store__open(&store, ctx, id)) == 0)
		rc = hfgit_resolve__with_store(out, &s, ctx, store, id, NULL, NULL);
	if (rc == 0)
		hfgit_store__mark_used(git_repository_path(store));
	else
		hfgit_store__forget_if_empty(ctx, store);
	hfgit_session__free(s);
	git_repository_free(store);
	return rc;
}

const char *hfgit_resolved_unreachable(const hfgit_resolved *r)
{
	return r->unreachable;
}

long long hfgit_resolved_cached_at(const hfgit_resolved *r)
{
	return r->cached_at;
}

const char *hfgit_resolved_commit(const hfgit_resolved *r)
{
	return r->commit;
}

hfgit_rev_kind hfgit_resolved_kind(const hfgit_resolved *r)
{
	return r->kind;
}

const char *hfgit_resolved_ref(const hfgit_resolved *r)
{
	return r->ref;
}

void hfgit_resolved_free(hfgit_resolved *r)
{
	if (!r)
		return;
	free(r->ref);
	free(r->via_ref);
	free(r->unreachable);
	free(r);
}
