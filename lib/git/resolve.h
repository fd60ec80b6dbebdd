/* Revision resolution through the refs a session advertises, and through history. */
#ifndef HFGIT_GIT_RESOLVE_H
#define HFGIT_GIT_RESOLVE_H

#include <git2.h>
#include <stdbool.h>

#include "hfgit.h"
#include "remote.h"

struct hfgit_resolved {
	char commit[GIT_OID_HEXSZ + 1];
	git_oid commit_oid;
	hfgit_rev_kind kind;
	char *ref;          /* full ref name for branches, tags and other refs */
	git_oid ref_target; /* what `ref` points at: the tag object of an annotated tag */
	char *via_ref;      /* an advertised ref whose peeled tip is the commit, if any */
	bool in_store;      /* resolving already fetched the commit into the store */
};

/* Resolve the revision of `id` with the refs `s` advertised; history searches fetch into the
 * store. */
int hfgit_resolve_in_session(hfgit_resolved **out, hfgit_session *s, git_repository *store,
                             const hfgit_model_id *id);

#endif
