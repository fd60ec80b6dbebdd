/*
 * The Git LFS batch API (download): POST <remote>.git/info/lfs/objects/batch, transfer
 * "basic", at most 100 objects per request (fewer when the server answers 413). Fills each job's href, headers and expiry, or its
 * per-object error.
 */
#ifndef HFGIT_LFS_BATCH_H
#define HFGIT_LFS_BATCH_H

#include "lfs/transfer.h"

#define HFGIT_LFS_BATCH_MAX 100

typedef struct {
	const char *url;            /* the batch endpoint */
	const char *ref;            /* the ref the objects are for ("refs/heads/main"), or NULL */
	const char *authorization;  /* a whole "Authorization: ..." header, or NULL */
	unsigned max_attempts;      /* for 429 and 5xx; 0: 8 */
	const hfgit_http_config *http; /* proxy, trust store, timeouts; NULL: the environment's */
} hfgit_lfs_batch_target;

/* The batch endpoint of a git remote URL ("<url>.git/info/lfs/objects/batch"); free() it. */
char *hfgit_lfs__batch_url(const char *remote_url);

/*
 * Ask for download actions for every job (oid and size set). A request-level failure (auth,
 * endpoint missing, the hub down) fails the call; a per-object error (404, 410, 422) is set on
 * the job and the call succeeds.
 */
int hfgit_lfs__batch(const hfgit_lfs_batch_target *target, hfgit_lfs_job *jobs, size_t count);

#endif
