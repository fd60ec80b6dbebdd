/* Revision resolution through the refs a session advertises, and through history. */
#ifndef HFGIT_REFS_RESOLVE_H
#define HFGIT_REFS_RESOLVE_H

#include <git2.h>
#include <stdbool.h>

#include "hfgit.h"
#include "refs/remote.h"

struct hfgit_resolved {
	char commit[GIT_OID_HEXSZ + 1];
	git_oid commit_oid;
	hfgit_rev_kind kind;
	char *ref;          /* full ref name for branches, tags and other refs */
	git_oid ref_target; /* what `ref` points at: the tag object of an annotated tag */
	char *via_ref;      /* an advertised ref whose peeled tip is the commit, if any */
	bool in_store;      /* resolving already fetched the commit into the store */
	long long cached_at; /* offline: when the refs it came from were advertised */
	char *unreachable;  /* why the hub could not be reached, when the cache answered instead */
};

/* Resolve the revision of `id` with the refs `s` advertised; history searches fetch into the
 * store. */
int hfgit_resolve__in_session(hfgit_resolved **out, hfgit_session *s, git_repository *store,
                              const hfgit_model_id *id);

/*
 * Resolve `id` with as little network as possible: none for a full hash the store already
 * holds, none in offline mode (the store's remembered refs), else one ls-remote. `*session`
 * is the session used (NULL when none was needed); the caller frees it.
 */
int hfgit_resolve__with_store(hfgit_resolved **out, hfgit_session **session, hfgit_ctx *ctx,
                              git_repository *store, const hfgit_model_id *id,
                              hfgit_progress_cb progress, void *payload);

#endif
