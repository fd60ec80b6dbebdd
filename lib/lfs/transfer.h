/*
 * The download engine: LFS objects fetched over HTTP with libcurl into the object store.
 *
 * - Many objects at once (curl multi), spread over worker threads so that hashing and writing
 *   use every core; connections are kept alive and reused.
 * - When there are fewer objects than connections, large objects are split into byte ranges
 *   fetched over several connections at once, within a bounded window ahead of the hash.
 * - Every byte is hashed (SHA-256) as it arrives, in file order, and written once; a mismatch
 *   discards the object and fetches it again.
 * - A partial download resumes with Range, after a dropped connection or in a later process.
 * - 429 and 5xx responses and network errors are retried with exponential backoff, honouring
 *   Retry-After, a bounded number of times.
 */
#ifndef HFGIT_LFS_TRANSFER_H
#define HFGIT_LFS_TRANSFER_H

#include <curl/curl.h>
#include <stdint.h>
#include <time.h>

#include "hfgit.h"
#include "hub/http.h"
#include "lfs/objects.h"

typedef struct {
	/* in */
	char oid[65];
	uint64_t size;
	const char *name;             /* the file it is for, in messages */
	char *href;                   /* where the bytes are (the batch API's download action) */
	struct curl_slist *headers;   /* headers the action asks for */
	time_t expires_at;            /* 0: the action does not expire */
	/* out */
	int error;                    /* 0 or an HFGIT_E* code */
	char *message;                /* why it failed */
	uint64_t fetched;             /* bytes that crossed the network for it */
} hfgit_lfs_job;

typedef struct {
	uint64_t bytes_done;      /* verified bytes written to the store, resumed bytes included */
	uint64_t bytes_total;
	uint64_t bytes_fetched;   /* bytes received from the network so far */
	size_t objects_done;
	size_t objects_total;
	const char *current;      /* the name of the job bytes arrived for last, or NULL */
} hfgit_lfs_progress;

/* Return non-zero to cancel. Called from the thread that called hfgit_lfs__download. */
typedef int (*hfgit_lfs_progress_cb)(const hfgit_lfs_progress *p, void *payload);

/* Give `job` a fresh href (its action expired, or the server refused the old one). May be
 * called from worker threads; must be thread-safe. */
typedef int (*hfgit_lfs_renew_cb)(hfgit_lfs_job *job, void *payload);

typedef struct {
	unsigned jobs;          /* concurrent connections; 0: 8 */
	unsigned threads;       /* worker threads; 0: one per core, at most one per object */
	uint64_t chunk;         /* size of a split range; 0: 4 MiB */
	uint64_t window;        /* how far split ranges may run ahead of the hash; 0: 32 MiB */
	unsigned max_attempts;  /* failed attempts per object before giving up; 0: 8 */
	double max_backoff;     /* seconds; 0: 10 */
	hfgit_lfs_progress_cb progress;
	void *progress_payload;
	hfgit_lfs_renew_cb renew;
	void *renew_payload;
	const hfgit_http_config *http; /* proxy, trust store, timeouts; NULL: the environment's */
} hfgit_lfs_transfer_options;

#define HFGIT_LFS_TRANSFER_OPTIONS_INIT { 0 }

/*
 * Download every job into `store`. Returns 0 when all arrived; otherwise the code of the first
 * failure, with a message naming the failed files; every object that did arrive stays in the
 * store. Each job's error/message/fetched say what happened to it.
 */
int hfgit_lfs__download(hfgit_lfs_objects *store, hfgit_lfs_job *jobs, size_t count,
                        const hfgit_lfs_transfer_options *opts);

void hfgit_lfs__job_dispose(hfgit_lfs_job *job);

#endif
