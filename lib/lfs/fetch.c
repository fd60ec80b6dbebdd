/* LFS objects into the store (see fetch.h). */
#define _GNU_SOURCE
#include "lfs/fetch.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "lfs/batch.h"
#include "lfs/local.h"
#include "lfs/transfer.h"

typedef struct {
	const hfgit_lfs_batch_target *target;
	const hfgit_lfs_options *opts;
	/* the groups downloaded before the current one, and the whole download */
	size_t objects_before, objects_total;
	uint64_t bytes_before, bytes_total;
} lfs_callbacks;

/* An expired or refused href: ask the batch API again for this one object. */
static int renew_href(hfgit_lfs_job *job, void *payload)
{
	const lfs_callbacks *cb = payload;
	hfgit_lfs_job fresh;
	int rc;

	memset(&fresh, 0, sizeof(fresh));
	memcpy(fresh.oid, job->oid, sizeof(fresh.oid));
	fresh.size = job->size;
	fresh.name = job->name;
	if ((rc = hfgit_lfs__batch(cb->target, &fresh, 1)) == 0 && !fresh.error) {
		free(job->href);
		curl_slist_free_all(job->headers);
		job->href = fresh.href;
		job->headers = fresh.headers;
		job->expires_at = fresh.expires_at;
		fresh.href = NULL;
		fresh.headers = NULL;
		hfgit__trace("lfs: %s: renewed the download action", job->name);
	}
	rc = rc < 0 ? rc : fresh.error ? -1 : 0;
	hfgit_lfs__job_dispose(&fresh);
	return rc;
}

static int on_lfs_progress(const hfgit_lfs_progress *p, void *payload)
{
	const lfs_callbacks *cb = payload;
	hfgit_progress pr = { HFGIT_STAGE_LFS, cb->objects_before + p->objects_done,
		                  cb->objects_total, cb->bytes_before + p->bytes_done, cb->bytes_total,
		                  p->current };

	return cb->opts->progress ? cb->opts->progress(&pr, cb->opts->payload) : 0;
}

/* One job per distinct missing object; `found` (may be NULL) as in hfgit_lfs_options. */
static int plan_downloads(hfgit_lfs_job **out, size_t *count, const hfgit_lfs_entry *entries,
                          size_t n, hfgit_lfs_objects *store, hfgit_lfs_stats *stats,
                          struct stat *found)
{
	struct stat st;
	hfgit_lfs_job *jobs = calloc(n ? n : 1, sizeof(*jobs));
	size_t *first = NULL, i, njobs = 0;
	int rc;

	if (!jobs)
		return hfgit_error__oom();
	if ((rc = hfgit_lfs__first_of_each(&first, entries, n, sizeof(*entries),
	                                   offsetof(hfgit_lfs_entry, oid))) < 0) {
		free(jobs);
		return rc;
	}
	for (i = 0; i < n; i++) {
		const hfgit_lfs_entry *e = &entries[i];
		if (first[i] != i) {
			if (found)
				found[i] = found[first[i]]; /* the first comes before its duplicates */
			continue;
		}
		stats->objects++;
		stats->bytes += e->size;
		if (hfgit_lfs__object_stat(store, e->oid, e->size, &st)) {
			stats->bytes_reused += e->size;
			if (found)
				found[i] = st;
			continue;
		}
		if (found)
			memset(&found[i], 0, sizeof(found[i]));
		memcpy(jobs[njobs].oid, e->oid, sizeof(jobs[njobs].oid));
		jobs[njobs].size = e->size;
		jobs[njobs].name = e->name;
		njobs++;
	}
	free(first);
	*out = jobs;
	*count = njobs;
	return 0;
}

/*
 * The batch requests of one group of jobs, on a thread of their own: the next group's
 * requests run while the current group downloads. With many small files the requests (100
 * objects each) would otherwise all come before the first byte, one round trip after another.
 */
typedef struct {
	const hfgit_lfs_batch_target *target;
	hfgit_lfs_job *jobs;
	size_t count;
	int rc;
	char message[1024];     /* errors are per thread: the message is carried back */
	pthread_t thread;
	bool running;
} batch_group;

static void *batch_main(void *arg)
{
	batch_group *g = arg;

	if ((g->rc = hfgit_lfs__batch(g->target, g->jobs, g->count)) < 0)
		snprintf(g->message, sizeof(g->message), "%s", hfgit_error_last());
	return NULL;
}

static void batch_start(batch_group *g, const hfgit_lfs_batch_target *target,
                        hfgit_lfs_job *jobs, size_t count)
{
	g->target = target;
	g->jobs = jobs;
	g->count = count;
	g->rc = 0;
	g->message[0] = '\0';
	g->running = count > 0 && pthread_create(&g->thread, NULL, batch_main, g) == 0;
	if (count > 0 && !g->running)
		batch_main(g); /* no thread to be had: ask now */
}

static int batch_finish(batch_group *g)
{
	if (g->running)
		pthread_join(g->thread, NULL);
	g->running = false;
	return g->rc < 0 ? hfgit_error__set(g->rc, "%s", g->message) : 0;
}

/* Jobs the server gave an action for first; returns how many. */
static size_t ready_first(hfgit_lfs_job *jobs, size_t n)
{
	size_t i, ready = 0;

	for (i = 0; i < n; i++) {
		if (!jobs[i].error) {
			if (i != ready) {
				hfgit_lfs_job tmp = jobs[ready];
				jobs[ready] = jobs[i];
				jobs[i] = tmp;
			}
			ready++;
		}
	}
	return ready;
}

/*
 * Groups grow from one batch request, so that bytes flow at once, to MAX_GROUP objects. A
 * group ends with its slowest object and the drain of its commits, and the next waits for
 * that: measured on the local hub, 2,000 small objects in three groups took 10-20% longer
 * than in one. Below GROUPS_FROM objects (every model repository) all go in one group.
 */
#define MAX_GROUP (256 * HFGIT_LFS_BATCH_MAX)
#define GROUPS_FROM (50 * HFGIT_LFS_BATCH_MAX)

static int download(hfgit_lfs_job *jobs, size_t n, hfgit_lfs_objects *store,
                    const hfgit_lfs_options *opts, hfgit_lfs_stats *stats)
{
	hfgit_lfs_transfer_options topts = HFGIT_LFS_TRANSFER_OPTIONS_INIT;
	hfgit_lfs_batch_target target = { NULL, opts->ref, opts->authorization, 0, opts->http };
	lfs_callbacks cb = { &target, opts, 0, n, 0, 0 };
	hfgit_strbuf msg = HFGIT_STRBUF_INIT, failed = HFGIT_STRBUF_INIT;
	batch_group ahead = { 0 };
	size_t i, start = 0, end, size = n > GROUPS_FROM ? HFGIT_LFS_BATCH_MAX : n, unavailable = 0;
	int rc, first_error = 0, code = 0;

	/* HFGIT_LFS_GROUP (objects): the first group's size, a tuning knob (and how the tests
	 * send a few objects in several groups). */
	if (getenv("HFGIT_LFS_GROUP") && strtoul(getenv("HFGIT_LFS_GROUP"), NULL, 10) > 0)
		size = strtoul(getenv("HFGIT_LFS_GROUP"), NULL, 10);
	if (!(target.url = hfgit_lfs__batch_url(opts->remote_url)))
		return HFGIT_ERROR;
	for (i = 0; i < n; i++)
		cb.bytes_total += jobs[i].size;
	topts.jobs = opts->jobs;
	topts.progress = on_lfs_progress;
	topts.progress_payload = &cb;
	topts.renew = renew_href;
	topts.renew_payload = &cb;
	topts.http = target.http;
	end = n < size ? n : size;
	if ((rc = hfgit_lfs__batch(&target, jobs, end)) < 0)
		goto out;
	while (start < n) {
		size_t next = size * 4 < MAX_GROUP ? size * 4 : MAX_GROUP;
		size_t next_end = n - end < next ? n : end + next;
		size_t ready = ready_first(jobs + start, end - start);
		int group_rc;

		batch_start(&ahead, &target, jobs + end, next_end - end);
		/* Objects the server cannot give are reported with the rest, after the others arrived. */
		group_rc = hfgit_lfs__download(store, jobs + start, ready, &topts);
		if (group_rc < 0 && !first_error) {
			first_error = group_rc;
			hfgit_strbuf__puts(&failed, hfgit_error_last());
		}
		for (i = start; i < end; i++) {
			stats->bytes_fetched += jobs[i].fetched;
			stats->objects_fetched += i < start + ready && !jobs[i].error;
			cb.bytes_before += jobs[i].size;
		}
		cb.objects_before += end - start;
		if ((rc = batch_finish(&ahead)) < 0 || group_rc == HFGIT_EINTERRUPTED) {
			rc = rc < 0 ? rc : group_rc;
			goto out;
		}
		start = end;
		end = next_end;
		size = next;
	}
	/* The objects the server could not give (they are the ones without an action). */
	for (i = 0; i < n; i++) {
		if (!jobs[i].error || jobs[i].href)
			continue;
		if (!unavailable++)
			code = jobs[i].error;
		if (unavailable <= 5)
			hfgit_strbuf__printf(&msg, "%s%s", msg.len ? "; " : "", jobs[i].message);
	}
	if (unavailable > 5)
		hfgit_strbuf__printf(&msg, "; and %zu more", unavailable - 5);
	if (unavailable || first_error)
		rc = hfgit_error__set(unavailable ? code : first_error, "%s%s%s", hfgit_strbuf__cstr(&msg),
		                      unavailable && first_error ? "; " : "", hfgit_strbuf__cstr(&failed));
out:
	if (ahead.running)
		batch_finish(&ahead);
	hfgit_strbuf__dispose(&msg);
	hfgit_strbuf__dispose(&failed);
	free((char *)target.url);
	return rc;
}

/*
 * Before any download: the missing objects that are already elsewhere on the machine (the
 * huggingface_hub cache, references) are verified and linked into the store, and leave the
 * list of jobs. Works offline too.
 */
static int take_local_objects(hfgit_lfs_objects *store, hfgit_lfs_job *jobs, size_t *njobs,
                              const hfgit_lfs_options *opts, hfgit_lfs_stats *stats)
{
	hfgit_lfs_local *local = NULL;
	const char **oids = NULL;
	uint64_t *sizes = NULL;
	unsigned char *taken = NULL;
	size_t i, kept = 0, n = *njobs;
	int rc;

	if ((rc = hfgit_lfs__local_for_clone(&local, opts->hf_cache_dir, opts->no_hf_cache,
	                                     opts->references, opts->reference_count)) < 0)
		return rc;
	if (!n || !hfgit_lfs__local_count(local))
		goto out;
	if (!(oids = calloc(n, sizeof(*oids))) || !(sizes = calloc(n, sizeof(*sizes))) ||
	    !(taken = calloc(n, 1))) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (i = 0; i < n; i++) {
		oids[i] = jobs[i].oid;
		sizes[i] = jobs[i].size;
	}
	if ((rc = hfgit_lfs__local_import_many(local, store, oids, sizes, n, 0, taken)) < 0)
		goto out;
	for (i = 0; i < n; i++) {
		if (taken[i]) {
			stats->objects_local++;
			stats->bytes_local += jobs[i].size;
			hfgit_lfs__job_dispose(&jobs[i]);
			continue;
		}
		if (kept != i) {
			jobs[kept] = jobs[i];
			memset(&jobs[i], 0, sizeof(jobs[i]));
		}
		kept++;
	}
	*njobs = kept;
out:
	free(oids);
	free(sizes);
	free(taken);
	hfgit_lfs__local_free(local);
	return rc;
}

int hfgit_lfs__fetch(hfgit_lfs_objects *store, const hfgit_lfs_entry *entries, size_t count,
                     const hfgit_lfs_options *opts)
{
	hfgit_lfs_stats local_stats, *stats = opts->stats ? opts->stats : &local_stats;
	hfgit_lfs_job *jobs = NULL;
	size_t njobs = 0, i;
	int rc;

	memset(&local_stats, 0, sizeof(local_stats));
	if ((rc = plan_downloads(&jobs, &njobs, entries, count, store, stats, opts->found)) < 0)
		return rc;
	/* with references, always: a wrong one is an error even when nothing is missing */
	if (njobs || opts->reference_count)
		rc = take_local_objects(store, jobs, &njobs, opts, stats);
	if (rc == 0 && njobs && opts->offline)
		rc = hfgit_error__set(HFGIT_EOFFLINE, "%zu LFS object%s of this revision %s not in the "
		                      "cache (%s%s) and offline mode is on: clone once with the network, "
		                      "or leave them out with --exclude or --no-lfs", njobs,
		                      njobs == 1 ? "" : "s", njobs == 1 ? "is" : "are", jobs[0].name,
		                      njobs > 1 ? ", ..." : "");
	else if (rc == 0 && njobs)
		rc = download(jobs, njobs, store, opts, stats);
	for (i = 0; i < njobs; i++)
		hfgit_lfs__job_dispose(&jobs[i]);
	free(jobs);
	return rc;
}
