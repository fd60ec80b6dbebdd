/* Remote refs (git ls-remote) and revision resolution through them. */
#ifndef HFGIT_REFS_H
#define HFGIT_REFS_H

#include "hfgit/common.h"
#include "hfgit/model_id.h"
#include "hfgit/context.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Remote refs (git ls-remote)                                                               */

typedef struct hfgit_ref_list hfgit_ref_list;

/* The refs the remote advertises, in its order; HEAD first when advertised. */
HFGIT_EXTERN int hfgit_ls_remote(hfgit_ref_list **out, hfgit_ctx *ctx, const hfgit_model_id *id);
HFGIT_EXTERN size_t hfgit_ref_list_count(const hfgit_ref_list *refs);
/* Name ("refs/tags/v1", "refs/tags/v1^{}" for a peeled tag, "HEAD") and 40-hex object id. */
HFGIT_EXTERN const char *hfgit_ref_list_name(const hfgit_ref_list *refs, size_t i);
HFGIT_EXTERN const char *hfgit_ref_list_oid(const hfgit_ref_list *refs, size_t i);
/* The symbolic target ("refs/heads/main" for HEAD), or NULL. */
HFGIT_EXTERN const char *hfgit_ref_list_symref(const hfgit_ref_list *refs, size_t i);
HFGIT_EXTERN void hfgit_ref_list_free(hfgit_ref_list *refs);

/* ---------------------------------------------------------------------------------------- */
/* Revision resolution                                                                       */

typedef enum {
	HFGIT_REV_BRANCH,   /* refs/heads/... (also the default branch when none was given) */
	HFGIT_REV_TAG,      /* refs/tags/..., annotated tags peeled */
	HFGIT_REV_REF,      /* any other ref, e.g. refs/pr/1 */
	HFGIT_REV_COMMIT,   /* a full or abbreviated commit hash */
} hfgit_rev_kind;

typedef struct hfgit_resolved hfgit_resolved;

/*
 * Resolve the revision of `id` (its default branch when it has none) to a commit, through the
 * remote's refs: a ref name wins over a hex prefix, as in git; an abbreviated hash is matched
 * against the advertised tips, then against history fetched as deep as needed; a full hash no
 * ref advertises is fetched directly where the server allows it, else found by deepening.
 */
HFGIT_EXTERN int hfgit_resolve(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id);
HFGIT_EXTERN const char *hfgit_resolved_commit(const hfgit_resolved *r); /* 40 hex */
HFGIT_EXTERN hfgit_rev_kind hfgit_resolved_kind(const hfgit_resolved *r);
/* The full ref name for branches, tags and other refs ("refs/tags/v2.0.1"), NULL for hashes. */
HFGIT_EXTERN const char *hfgit_resolved_ref(const hfgit_resolved *r);
/* Offline, a branch or tag resolves to what the hub advertised when last asked: the Unix time
 * of that, so a caller can say it may be stale. 0 when resolved online or by hash. */
HFGIT_EXTERN long long hfgit_resolved_cached_at(const hfgit_resolved *r);
/* When the hub could not be reached and the cache answered instead (a tag or a commit that the
 * cache holds cannot have changed), why the hub could not be reached; else NULL. A branch is
 * never answered this way: it may have moved (use offline mode to take the cached tip). */
HFGIT_EXTERN const char *hfgit_resolved_unreachable(const hfgit_resolved *r);
HFGIT_EXTERN void hfgit_resolved_free(hfgit_resolved *r);

#ifdef __cplusplus
}
#endif

#endif
