/*
 * LFS objects into the store: the step between "these pointers" and "these bytes are here,
 * verified". Knows no git and no clone: a checkout, a single-file download, the export into
 * the huggingface_hub cache and a lockfile sync all hand it the pointers they need.
 *
 * Duplicates are fetched once; objects the store holds are reused; objects elsewhere on the
 * machine (the huggingface_hub cache, references) are verified and linked in; the rest come
 * through the batch API and the transfer engine, in groups whose batch requests run ahead of
 * the downloads.
 */
#ifndef HFGIT_LFS_FETCH_H
#define HFGIT_LFS_FETCH_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/stat.h>

#include "hfgit.h"
#include "hub/http.h"
#include "lfs/objects.h"
#include "lfs/pointer.h"

/* An object wanted, by a pointer without extensions: its oid and size alone (a whole
 * hfgit_lfs_pointer has room for extension text: a kilobyte per file of a large clone). */
typedef struct {
	const char *name;          /* a path with this content, in progress and messages */
	char oid[HFGIT_LFS_OID_HEXSZ + 1];
	uint64_t size;
} hfgit_lfs_entry;

typedef struct {
	size_t objects;            /* distinct objects among the entries */
	size_t objects_fetched;    /* downloaded */
	size_t objects_local;      /* taken from elsewhere on the machine */
	unsigned long long bytes;  /* of the distinct objects */
	unsigned long long bytes_reused;  /* already in the store */
	unsigned long long bytes_fetched; /* that crossed the network */
	unsigned long long bytes_local;
} hfgit_lfs_stats;

typedef struct {
	const char *remote_url;     /* the git remote: the batch API is below it */
	const char *ref;            /* the ref sent with batch requests, or NULL */
	const char *authorization;  /* a whole "Authorization: ..." header, or NULL */
	const hfgit_http_config *http;
	bool offline;               /* then a missing object is an HFGIT_EOFFLINE error */
	unsigned int jobs;          /* parallel downloads; 0: the engine's default */
	/* Where else objects may be (see hfgit_clone_options): the huggingface_hub cache
	 * (NULL: the default one; `no_hf_cache` turns it off) and references. */
	const char *hf_cache_dir;
	bool no_hf_cache;
	const char *const *references;
	size_t reference_count;
	hfgit_progress_cb progress; /* HFGIT_STAGE_LFS progress, and cancellation */
	void *payload;
	hfgit_lfs_stats *stats;     /* added to when not NULL */
	/* When not NULL, one per entry: the stat data of the entry's object when the store held
	 * it before this fetch (found while looking, at no extra cost), st_ino 0 otherwise. A
	 * checkout that hard-links the object needs no stat of its own for the index. */
	struct stat *found;
} hfgit_lfs_options;

/* Make every entry's object present in `store`. */
int hfgit_lfs__fetch(hfgit_lfs_objects *store, const hfgit_lfs_entry *entries, size_t count,
                     const hfgit_lfs_options *opts);

#endif
