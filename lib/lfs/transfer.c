/*
 * The download engine (see transfer.h for what it promises).
 *
 * Objects are shared out among worker threads, each running its own curl multi handle over
 * its own objects with its share of the connections: no locks on the hot path, and hashing of
 * different objects runs on different cores. Verified objects go to a committer thread that
 * fsyncs and renames them into the store, so slow syncs never stall the network loop.
 *
 * Inside a worker, every object has a list of byte spans still to fetch. Its "head" is the
 * span that starts where the hash stopped (`written`): data arriving there is hashed and
 * written at once. An object started when connections outnumber the objects left is "split":
 * idle connections fetch chunks ahead of the head, and what they receive is held in memory
 * until the head reaches it, so every byte is still hashed in order and written exactly once.
 * The window bounds that memory.
 */
#define _GNU_SOURCE
#include "lfs/transfer.h"
#include "hub/http.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "lfs/pointer.h"
#include "lfs/digests.h"

#define DEFAULT_JOBS 8
#define DEFAULT_CHUNK (4u << 20)
#define DEFAULT_WINDOW (32u << 20)
#define DEFAULT_ATTEMPTS 8
#define DEFAULT_MAX_BACKOFF 10.0
#define MAX_MISMATCHES 3
#define MAX_RETRY_AFTER 60.0
#define WRITEBACK_STEP (8u << 20)

typedef struct span {
	uint64_t start, end;
} span;

/* Bytes received ahead of the hash, waiting for the head to reach them. */
typedef struct block {
	struct block *next;
	uint64_t offset;
	size_t len;
	char data[];
} block;

struct worker;

typedef struct {
	hfgit_lfs_job *job;
	int fd;
	char *part_path;
	EVP_MD_CTX *sha;
	XXH3_state_t *xxh3; /* the fast digest `hfgit verify` checks later */
	uint64_t written;  /* hashed and written, in order: the length of the partial file */
	uint64_t flushed;  /* writeback to disk has been started up to here */
	uint64_t frontier; /* the furthest byte dispatched so far */
	span *todo;        /* not yet dispatched, sorted and disjoint */
	size_t ntodo, captodo;
	block *pending;
	unsigned in_flight;
	unsigned failures; /* consecutive failed attempts without progress */
	unsigned mismatches;
	unsigned renewals;
	unsigned generation; /* bumped on reset: transfers of an older generation are stale */
	double not_before; /* backoff: no request before this time */
	bool started, split, finished, no_range;
	bool locked;       /* this process holds the object's lock */
} lfs_object;

typedef struct {
	struct worker *w;
	lfs_object *obj;
	CURL *easy;
	struct curl_slist *headers;
	uint64_t start, end, pos;
	unsigned generation;
	long status;
	bool checked;       /* the response status and range were checked */
	bool fatal;         /* do not retry: the object failed */
	bool restart;       /* the server ignored Range: fetch the whole object again */
	double retry_after;
	uint64_t content_range_start;
	uint64_t content_range_total; /* 0 when the server wrote '*' */
	bool have_content_range;
	char content_encoding[32]; /* a Content-Encoding other than identity, or "" */
	char error[256];
	char curl_error[CURL_ERROR_SIZE];
} xfer;

typedef struct engine engine;

typedef struct worker {
	engine *e;
	lfs_object **objs;
	size_t nobjs;
	size_t unfinished;
	/*
	 * What the scheduler looks at, so that picking the next range costs what is in flight
	 * rather than every object of the clone: objs before `next` were all taken once; the
	 * started, unfinished ones are in `active` (in start order); the ones another process
	 * was fetching wait in `deferred`, a queue in the order they were put back, which is
	 * also the order their not_before times come.
	 */
	size_t next;
	size_t unstarted;
	lfs_object **active;
	size_t nactive;
	lfs_object **deferred; /* a ring of nobjs + 1 slots */
	size_t defer_head, defer_tail;
	xfer *slots;
	unsigned nslots;
	uint64_t window;
	CURLM *multi;
	pthread_t thread;
} worker;

typedef struct commit_item {
	struct commit_item *next;
	hfgit_lfs_job *job;
	int fd;
	char *part_path;
	uint64_t xxh3;
} commit_item;

struct engine {
	hfgit_http_config default_http; /* when the caller gives none */
	hfgit_lfs_objects *store;
	hfgit_lfs_transfer_options opts;
	atomic_uint_fast64_t bytes_done;
	atomic_uint_fast64_t bytes_fetched;
	atomic_size_t objects_done;
	const char *_Atomic current; /* for the progress display: the object bytes came for last */
	atomic_int cancel;
	/* committer */
	pthread_mutex_t lock;
	pthread_cond_t cond;
	commit_item *queue, **queue_tail;
	bool closing;
	pthread_t committer;
	pthread_mutex_t renew_lock;
	/* workers say when they end, so the reporting thread wakes at once */
	pthread_mutex_t done_lock;
	pthread_cond_t done_cond;
	unsigned workers_done;
	int lock_fd;  /* incomplete/locks: one byte per object, see lock_object */
	/* The oids that had a partial file when the download began, sorted: only those are
	 * looked for in incomplete/, so starting an object does not read the directory. */
	char (*partials)[HFGIT_LFS_OID_HEXSZ + 1];
	size_t npartials;
};

/*
 * One lock per object, as a one-byte OFD lock in the shared file incomplete/locks (no file per
 * object to create): the process holding it downloads, the others wait and then find the
 * object in the store. OFD locks vanish with the process, so a killed one never blocks anyone.
 * Where locks do not work (some network file systems grant them to everyone), correctness does
 * not depend on them: each process writes its own partial file, and only verified bytes are
 * renamed into the store. So without a lock file, or where locks fail, go on.
 */
static bool lock_object(int lock_fd, const char *oid)
{
	return lock_fd < 0 || hfgit_lfs__object_trylock(lock_fd, oid) != 1;
}

static void unlock_object(int lock_fd, const char *oid)
{
	if (lock_fd >= 0)
		hfgit_lfs__object_unlock(lock_fd, oid);
}

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void job_fail(hfgit_lfs_job *job, int code, const char *fmt, ...) HFGIT_PRINTF(3, 4);

static void job_fail(hfgit_lfs_job *job, int code, const char *fmt, ...)
{
	hfgit_strbuf msg = HFGIT_STRBUF_INIT;
	va_list ap;

	if (job->error)
		return;
	va_start(ap, fmt);
	hfgit_strbuf__vprintf(&msg, fmt, ap);
	va_end(ap);
	job->error = code;
	job->message = hfgit_strbuf__detach(&msg);
}

/* ---------------------------------------------------------------------------------------- */
/* The committer thread: fsync + rename, off the network loop                               */

/* Commit one batch of verified objects: one syncfs for many small ones costs far less than a
 * journal commit per file, and every object is still durable before it gets its name. */
static void commit_batch(engine *e, commit_item *batch)
{
	bool synced;

	hfgit__trace("lfs: committing%s", batch->next ? " a batch (syncfs)" : " one object (fsync)");
	synced = batch->next != NULL && syncfs(batch->fd) == 0;
	hfgit_strbuf digests = HFGIT_STRBUF_INIT;

	while (batch) {
		commit_item *item = batch;
		batch = item->next;
		if (hfgit_lfs__object_commit(e->store, item->job->oid, item->fd, item->part_path,
		                             synced) < 0) {
			job_fail(item->job, HFGIT_EIO, "%s", hfgit_error_last());
		} else {
			char line[100];
			size_t n = hfgit_lfs__digest_line(line, item->job->oid, item->job->size, item->xxh3);
			hfgit_strbuf__put(&digests, line, n);
			atomic_fetch_add(&e->objects_done, 1);
		}
		/* The object is in the store (or failed): waiting processes may go on. */
		unlock_object(e->lock_fd, item->job->oid);
		free(item->part_path);
		free(item);
	}
	/* A lost digest only makes `hfgit verify` fall back to SHA-256 for that object. */
	if (digests.len &&
	    hfgit_lfs__digests_append(hfgit_lfs__objects_root(e->store), digests.ptr, digests.len) < 0)
		hfgit_error__clear();
	hfgit_strbuf__dispose(&digests);
}

static void *committer_main(void *arg)
{
	engine *e = arg;

	pthread_mutex_lock(&e->lock);
	for (;;) {
		commit_item *batch;
		while (!e->queue && !e->closing)
			pthread_cond_wait(&e->cond, &e->lock);
		if (!e->queue)
			break;
		batch = e->queue;
		e->queue = NULL;
		e->queue_tail = &e->queue;
		pthread_mutex_unlock(&e->lock);
		commit_batch(e, batch);
		pthread_mutex_lock(&e->lock);
	}
	pthread_mutex_unlock(&e->lock);
	return NULL;
}

static void commit_later(engine *e, lfs_object *o)
{
	commit_item *item = calloc(1, sizeof(*item));

	if (!item) {
		close(o->fd);
		job_fail(o->job, HFGIT_ERROR, "out of memory");
	} else {
		item->job = o->job;
		item->fd = o->fd;
		item->xxh3 = XXH3_64bits_digest(o->xxh3);
		o->locked = false; /* the committer unlocks once the object has its name */
		item->part_path = o->part_path;
		o->part_path = NULL;
		pthread_mutex_lock(&e->lock);
		*e->queue_tail = item;
		e->queue_tail = &item->next;
		pthread_cond_signal(&e->cond);
		pthread_mutex_unlock(&e->lock);
	}
	o->fd = -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Object state                                                                              */

static int todo_insert(lfs_object *o, uint64_t start, uint64_t end)
{
	size_t i;

	if (start >= end)
		return 0;
	if (o->ntodo == o->captodo) {
		size_t cap = o->captodo ? o->captodo * 2 : 4;
		span *grown = realloc(o->todo, cap * sizeof(*grown));
		if (!grown)
			return -1;
		o->todo = grown;
		o->captodo = cap;
	}
	for (i = 0; i < o->ntodo && o->todo[i].start < start; i++)
		;
	memmove(&o->todo[i + 1], &o->todo[i], (o->ntodo - i) * sizeof(*o->todo));
	o->todo[i].start = start;
	o->todo[i].end = end;
	o->ntodo++;
	return 0;
}

static void todo_take_front(lfs_object *o, uint64_t upto)
{
	if (upto >= o->todo[0].end) {
		o->ntodo--;
		memmove(&o->todo[0], &o->todo[1], o->ntodo * sizeof(*o->todo));
	} else {
		o->todo[0].start = upto;
	}
}

static void drop_pending(lfs_object *o)
{
	while (o->pending) {
		block *b = o->pending;
		o->pending = b->next;
		free(b);
	}
}

static int write_all(int fd, const char *data, size_t len, uint64_t offset)
{
	while (len > 0) {
		ssize_t n = pwrite(fd, data, len, (off_t)offset);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		data += n;
		len -= (size_t)n;
		offset += (uint64_t)n;
	}
	return 0;
}

/* Hash and write bytes at the head; false when the disk refused them. */
static bool consume(engine *e, lfs_object *o, const char *data, size_t len)
{
	if (write_all(o->fd, data, len, o->written) < 0) {
		if (errno == ENOSPC || errno == EDQUOT)
			job_fail(o->job, HFGIT_EIO, "%s: the disk holding the cache is full (%s): free "
			         "space, or choose another cache with --cache-dir or HFGIT_HOME, then run "
			         "again to resume", o->job->name, o->part_path);
		else
			job_fail(o->job, HFGIT_EIO, "%s: cannot write '%s': %s", o->job->name,
			         o->part_path, strerror(errno));
		return false;
	}
	EVP_DigestUpdate(o->sha, data, len);
	XXH3_64bits_update(o->xxh3, data, len);
	o->written += len;
	atomic_fetch_add(&e->bytes_done, len);
	/* Start writeback as the bytes arrive, so the fsync before the object's rename has little
	 * left to wait for: the disk works while the network does. */
	if (o->written - o->flushed >= WRITEBACK_STEP) {
		sync_file_range(o->fd, (off_t)o->flushed, (off_t)(o->written - o->flushed),
		                SYNC_FILE_RANGE_WRITE);
		o->flushed = o->written;
	}
	return true;
}

/* Blocks that the head has reached are hashed and written, in order. */
static bool drain_pending(engine *e, lfs_object *o)
{
	while (o->pending && o->pending->offset <= o->written) {
		block *b = o->pending;
		uint64_t skip = o->written - b->offset;
		bool ok = true;

		if (skip < b->len)
			ok = consume(e, o, b->data + skip, b->len - (size_t)skip);
		o->pending = b->next;
		free(b);
		if (!ok)
			return false;
	}
	return true;
}

static bool hold_ahead(lfs_object *o, const char *data, size_t len, uint64_t offset)
{
	block *b = malloc(sizeof(*b) + len), **at;

	if (!b)
		return false;
	b->offset = offset;
	b->len = len;
	memcpy(b->data, data, len);
	for (at = &o->pending; *at && (*at)->offset < offset; at = &(*at)->next)
		;
	b->next = *at;
	*at = b;
	return true;
}

/* Start over from byte 0: after a hash mismatch, or when the server ignores Range. */
static void reset_object(lfs_object *o)
{
	drop_pending(o);
	if (o->fd >= 0 && ftruncate(o->fd, 0) < 0)
		job_fail(o->job, HFGIT_EIO, "cannot truncate '%s': %s", o->part_path, strerror(errno));
	EVP_DigestInit_ex(o->sha, EVP_sha256(), NULL);
	XXH3_64bits_reset(o->xxh3);
	o->written = 0;
	o->flushed = 0;
	o->frontier = 0;
	o->ntodo = 0;
	o->generation++;
	todo_insert(o, 0, o->job->size);
}

static void object_close(engine *e, lfs_object *o)
{
	if (o->locked)
		unlock_object(e->lock_fd, o->job->oid);
	o->locked = false;
	drop_pending(o);
	if (o->fd >= 0)
		close(o->fd); /* the partial file stays for the next run to resume */
	o->fd = -1;
	o->finished = true;
	o->ntodo = 0;
}

static void object_fail(worker *w, lfs_object *o, int code, const char *fmt, const char *detail)
{
	job_fail(o->job, code, fmt, o->job->name, detail);
	if (!o->finished) {
		object_close(w->e, o);
		w->unfinished--;
	}
}

/* The hash is complete: keep the object if it matches its oid, else fetch it again. */
static void finish_object(worker *w, lfs_object *o)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	char hex[65];
	unsigned int len = 0, i;

	EVP_DigestFinal_ex(o->sha, digest, &len);
	for (i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	if (strcmp(hex, o->job->oid) == 0) {
		commit_later(w->e, o);
		o->finished = true;
		w->unfinished--;
		return;
	}
	hfgit__trace("lfs: %s: sha256 mismatch (got %s), fetching again", o->job->name, hex);
	atomic_fetch_sub(&w->e->bytes_done, o->written);
	if (++o->mismatches >= MAX_MISMATCHES) {
		char detail[200];
		snprintf(detail, sizeof(detail), "the bytes served hash to %.16s..., not to the oid "
		         "%.16s... (%u attempts)", hex, o->job->oid, o->mismatches);
		if (o->fd >= 0 && ftruncate(o->fd, 0) < 0) {
			/* the failure below says enough */
		}
		object_fail(w, o, HFGIT_ENETWORK, "%s: corrupted download: %s", detail);
		return;
	}
	reset_object(o);
}

/* Open or resume the partial file; an already complete one is verified right away. */
/*
 * This process's partial file for the object: "<oid>.<host>-<pid>.part". A partial left by
 * an earlier run (killed, or failed) is adopted by renaming it to our name, the largest first,
 * so its bytes are not fetched again; rename makes the adoption atomic between processes.
 */
static int compare_oid_strings(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* Which objects have partial files, once per download (see engine.partials). A partial a
 * process starts later is not adopted: its bytes are only fetched again. */
static void find_partials(engine *e)
{
	char *dir = hfgit_layout__lfs_incomplete_dir(hfgit_lfs__objects_root(e->store));
	size_t cap = 0;
	struct dirent *d;
	DIR *dh;

	if (!dir || !(dh = opendir(dir))) {
		free(dir);
		return;
	}
	while ((d = readdir(dh)) != NULL) {
		if (!hfgit_layout__lfs_partial_name(d->d_name, NULL))
			continue;
		if (e->npartials == cap) {
			size_t grown_cap = cap ? cap * 2 : 16;
			void *grown = realloc(e->partials, grown_cap * sizeof(*e->partials));
			if (!grown)
				break; /* then some partials are fetched again */
			e->partials = grown;
			cap = grown_cap;
		}
		memcpy(e->partials[e->npartials], d->d_name, HFGIT_LFS_OID_HEXSZ);
		e->partials[e->npartials++][HFGIT_LFS_OID_HEXSZ] = '\0';
	}
	closedir(dh);
	free(dir);
	if (e->npartials)
		qsort(e->partials, e->npartials, sizeof(*e->partials), compare_oid_strings);
}

static char *adopt_partial(const engine *en, const char *oid)
{
	const hfgit_lfs_objects *store = en->store;
	char *dir = hfgit_layout__lfs_incomplete_dir(hfgit_lfs__objects_root(store));
	char *mine = NULL, *best = NULL;
	off_t best_size = -1;
	struct dirent *e;
	DIR *d;

	if (!dir || !(mine = hfgit_layout__lfs_partial(hfgit_lfs__objects_root(store), oid)))
		goto out;
	if (en->npartials &&
	    bsearch(oid, en->partials, en->npartials, sizeof(*en->partials), compare_oid_strings) &&
	    (d = opendir(dir)) != NULL) {
		while ((e = readdir(d)) != NULL) {
			struct stat st;
			char *path;
			char of[HFGIT_LFS_OID_HEXSZ + 1];
			if (!hfgit_layout__lfs_partial_name(e->d_name, of) || strcmp(of, oid) ||
			    !(path = hfgit__aprintf("%s/%s", dir, e->d_name)))
				continue;
			if (stat(path, &st) == 0 && st.st_size > best_size) {
				free(best);
				best = path;
				best_size = st.st_size;
			} else {
				free(path);
			}
		}
		closedir(d);
	}
	if (best && strcmp(best, mine) && rename(best, mine) < 0)
		hfgit__trace("lfs: could not adopt '%s': %s", best, strerror(errno));
out:
	free(best);
	free(dir);
	return mine;
}

/* Open or resume the partial file; an already complete one is verified right away. Returns
 * 1 when another process is fetching the object (try again later), 0 when started. */
static int start_object(worker *w, lfs_object *o)
{
	engine *e = w->e;
	hfgit_lfs_job *job = o->job;
	struct stat st;
	char buf[1 << 16];
	uint64_t have = 0;

	if (!lock_object(e->lock_fd, job->oid)) {
		o->not_before = now_s() + 0.2;
		return 1;
	}
	o->started = true;
	o->locked = true;
	/* Someone else may have fetched it since we looked. */
	if (hfgit_lfs__object_present(e->store, job->oid, job->size)) {
		unlock_object(e->lock_fd, job->oid);
		o->locked = false;
		o->finished = true;
		w->unfinished--;
		atomic_fetch_add(&e->bytes_done, job->size);
		atomic_fetch_add(&e->objects_done, 1);
		return 0;
	}
	if (!(o->sha = EVP_MD_CTX_new()) || !EVP_DigestInit_ex(o->sha, EVP_sha256(), NULL) ||
	    !(o->xxh3 = XXH3_createState()) || XXH3_64bits_reset(o->xxh3) != XXH_OK) {
		object_fail(w, o, HFGIT_ERROR, "%s: %s", "cannot set up SHA-256");
		return -1;
	}
	if (!hfgit_lfs__oid_valid(job->oid, strlen(job->oid)) ||
	    !(o->part_path = adopt_partial(e, job->oid))) {
		object_fail(w, o, HFGIT_EINVALID, "%s: %s", "invalid object id");
		return -1;
	}
	o->fd = open(o->part_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (o->fd < 0 || fstat(o->fd, &st) < 0) {
		object_fail(w, o, HFGIT_EIO, "%s: cannot create the partial download: %s", strerror(errno));
		return -1;
	}
	if ((uint64_t)st.st_size > job->size && ftruncate(o->fd, 0) < 0) {
		object_fail(w, o, HFGIT_EIO, "%s: %s", strerror(errno));
		return -1;
	}
	/* Resume: the partial file holds bytes already hashed in a previous run; hash them again. */
	if ((uint64_t)st.st_size <= job->size && st.st_size > 0) {
		while (have < (uint64_t)st.st_size) {
			ssize_t n = pread(o->fd, buf, sizeof(buf), (off_t)have);
			if (n <= 0)
				break;
			EVP_DigestUpdate(o->sha, buf, (size_t)n);
			XXH3_64bits_update(o->xxh3, buf, (size_t)n);
			have += (uint64_t)n;
		}
		hfgit__trace("lfs: %s: resuming at byte %llu", job->name, (unsigned long long)have);
	}
	o->written = o->frontier = o->flushed = have;
	atomic_fetch_add(&e->bytes_done, have);
	if (todo_insert(o, have, job->size) < 0) {
		object_fail(w, o, HFGIT_ERROR, "%s: %s", "out of memory");
		return -1;
	}
	if (have == job->size)
		finish_object(w, o);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* HTTP                                                                                      */

static size_t on_header(char *line, size_t size, size_t n, void *userdata)
{
	xfer *x = userdata;
	size_t len = size * n;
	unsigned long long a, b, total;

	/* A new response (after a redirect): forget the previous one's headers. */
	if (len >= 5 && !strncmp(line, "HTTP/", 5)) {
		x->retry_after = -1;
		x->have_content_range = false;
		x->content_encoding[0] = '\0';
	} else if (len > 12 && !strncasecmp(line, "Retry-After:", 12)) {
		char value[64];
		size_t vlen = len - 12 < sizeof(value) - 1 ? len - 12 : sizeof(value) - 1;
		memcpy(value, line + 12, vlen);
		value[vlen] = '\0';
		x->retry_after = hfgit_http__retry_after(value);
	} else if (len > 17 && !strncasecmp(line, "Content-Encoding:", 17)) {
		/* hfgit sends no Accept-Encoding: a coded body is not the object's bytes. */
		size_t vlen = len - 17;
		const char *v = line + 17;
		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
			vlen--;
		if (vlen && !(vlen == 8 && !strncasecmp(v, "identity", 8)))
			snprintf(x->content_encoding, sizeof(x->content_encoding), "%.*s",
			         (int)(vlen < sizeof(x->content_encoding) ? vlen :
			                                                    sizeof(x->content_encoding) - 1), v);
	} else if (len > 14 && !strncasecmp(line, "Content-Range:", 14) &&
	           sscanf(line + 14, " bytes %llu-%llu", &a, &b) == 2) {
		x->have_content_range = true;
		x->content_range_start = a;
		x->content_range_total = sscanf(line + 14, " bytes %*u-%*u/%llu", &total) == 1 ? total : 0;
	}
	return len;
}

/* The first bytes of a body: is this the response we asked for? false aborts the transfer. */
static bool size_disagrees(xfer *x, uint64_t served)
{
	x->fatal = true;
	snprintf(x->error, sizeof(x->error), "the pointer says %llu bytes but the server has %llu: "
	         "the pointer and the object disagree", (unsigned long long)x->obj->job->size,
	         (unsigned long long)served);
	return false;
}

static bool check_response(xfer *x)
{
	lfs_object *o = x->obj;
	curl_off_t length = -1;

	x->checked = true;
	curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	curl_easy_getinfo(x->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
	if ((x->status == 200 || x->status == 206) && x->content_encoding[0]) {
		x->fatal = true;
		snprintf(x->error, sizeof(x->error), "the server sent the object with Content-Encoding: "
		         "%s, which hfgit did not ask for (a proxy or server that compresses downloads); "
		         "the bytes as sent are not the object", x->content_encoding);
		return false;
	}
	if (x->status == 206) {
		if (!x->have_content_range || x->content_range_start != x->start) {
			/* Not the range asked for (a broken cache in between, say): a plain GET of the
			 * whole object still works, as git-lfs would fetch it. */
			hfgit__trace("lfs: %s: asked for bytes %llu-, got a 206 for another range; "
			             "fetching the whole object", o->job->name, (unsigned long long)x->start);
			x->restart = true;
			o->no_range = true;
			return false;
		}
		if (x->content_range_total && x->content_range_total != o->job->size)
			return size_disagrees(x, x->content_range_total);
		return true;
	}
	if (x->status == 200) {
		if (length >= 0 && (uint64_t)length != o->job->size)
			return size_disagrees(x, (uint64_t)length);
		if (x->start == 0 && x->end == o->job->size)
			return true;
		/* The whole object instead of the range: the server ignores Range. */
		x->restart = true;
		o->no_range = true;
		return false;
	}
	return false; /* an error status: finish_xfer decides */
}

static size_t on_data(char *data, size_t size, size_t n, void *userdata)
{
	xfer *x = userdata;
	lfs_object *o = x->obj;
	engine *e = x->w->e;
	size_t len = size * n;

	if (!x->checked && !check_response(x))
		return 0;
	if (o->finished || x->generation != o->generation || atomic_load(&e->cancel))
		return 0;
	if (len > x->end - x->pos) {
		x->fatal = true;
		snprintf(x->error, sizeof(x->error), "the server sent more than the %llu bytes the "
		         "pointer says", (unsigned long long)o->job->size);
		return 0;
	}
	atomic_fetch_add(&e->bytes_fetched, len);
	atomic_store_explicit(&e->current, o->job->name, memory_order_relaxed);
	o->job->fetched += len;
	if (x->pos == o->written) {
		if (!consume(e, o, data, len) || !drain_pending(e, o)) {
			x->fatal = true; /* the disk refused: retrying now would fail the same way */
			return 0;
		}
	} else if (!hold_ahead(o, data, len, x->pos)) {
		snprintf(x->error, sizeof(x->error), "out of memory");
		x->fatal = true;
		return 0;
	}
	x->pos += len;
	return len;
}

/* ---------------------------------------------------------------------------------------- */
/* Scheduling                                                                                */

static bool head_waiting(const lfs_object *o, double now)
{
	return o->started && !o->finished && o->ntodo > 0 && o->todo[0].start == o->written &&
	       o->not_before <= now;
}

/* Bytes a worker may hold ahead of the heads of its split objects, at most. */
static uint64_t ahead_bytes(const worker *w)
{
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < w->nactive; i++) {
		const lfs_object *o = w->active[i];
		if (o->split && o->started && !o->finished)
			sum += o->frontier - o->written;
	}
	return sum;
}

static unsigned free_slots(const worker *w)
{
	unsigned i, n = 0;
	for (i = 0; i < w->nslots; i++)
		n += w->slots[i].obj == NULL;
	return n;
}

/* Finished objects leave the active list (the order of the others is kept). */
static void prune_active(worker *w)
{
	size_t i, kept = 0;

	for (i = 0; i < w->nactive; i++)
		if (!w->active[i]->finished)
			w->active[kept++] = w->active[i];
	w->nactive = kept;
}

/* The next object to start: one put back whose wait is over, else the next new one. */
static lfs_object *next_unstarted(worker *w, double now)
{
	size_t ring = w->nobjs + 1;

	while (w->defer_head != w->defer_tail) {
		lfs_object *o = w->deferred[w->defer_head];
		if (!o->started && !o->finished && o->not_before > now)
			break;
		w->defer_head = (w->defer_head + 1) % ring;
		if (!o->started && !o->finished)
			return o;
	}
	while (w->next < w->nobjs) {
		lfs_object *o = w->objs[w->next++];
		if (!o->started && !o->finished)
			return o;
	}
	return NULL;
}

/* Pick the next range for an idle connection: heads first (they keep the hash moving), then
 * new objects, then chunks ahead of the head of split objects, within the window. */
static lfs_object *choose_range(worker *w, uint64_t *start, uint64_t *end)
{
	engine *e = w->e;
	uint64_t chunk = e->opts.chunk;
	double now = now_s();
	size_t i;
	lfs_object *o;

	prune_active(w);
	for (i = 0; i < w->nactive; i++) {
		o = w->active[i];
		if (head_waiting(o, now))
			goto head;
	}
	while ((o = next_unstarted(w, now)) != NULL) {
		/* Split only when connections would otherwise sit idle. */
		o->split = !o->no_range && o->job->size > chunk && w->unstarted < free_slots(w);
		if (start_object(w, o) == 1) {
			/* another process fetches it: look again later */
			w->deferred[w->defer_tail] = o;
			w->defer_tail = (w->defer_tail + 1) % (w->nobjs + 1);
			continue;
		}
		w->unstarted--;
		if (!o->finished) {
			w->active[w->nactive++] = o;
			goto head;
		}
		/* already in the store, or failed: on to the next */
	}
	for (i = 0; i < w->nactive; i++) {
		o = w->active[i];
		if (!o->split || o->finished || !o->ntodo || o->no_range || o->not_before > now)
			continue;
		if (ahead_bytes(w) + chunk > w->window)
			break;
		*start = o->todo[0].start;
		*end = o->todo[0].end < *start + chunk ? o->todo[0].end : *start + chunk;
		todo_take_front(o, *end);
		return o;
	}
	return NULL;
head:
	*start = o->todo[0].start;
	*end = o->todo[0].end;
	if (o->split && !o->no_range && *end - *start > chunk)
		*end = *start + chunk;
	todo_take_front(o, *end);
	return o;
}

/* Appends a header line; false when out of memory (the list is left as it was). */
static bool header_append(struct curl_slist **list, const char *line)
{
	struct curl_slist *grown = curl_slist_append(*list, line);

	if (!grown)
		return false;
	*list = grown;
	return true;
}

static int set_up_easy(xfer *x)
{
	lfs_object *o = x->obj;
	char range[64];
	struct curl_slist *h;

	if (!x->easy && !(x->easy = curl_easy_init()))
		return -1;
	curl_easy_reset(x->easy);
	curl_slist_free_all(x->headers);
	x->headers = NULL;
	/* The action's `header` is optional: an empty list is the common case, not a failure. */
	for (h = o->job->headers; h; h = h->next)
		if (!header_append(&x->headers, h->data))
			return -1;
	/* A plain GET for the whole object; Range only for a part of it. */
	if (x->start != 0 || x->end != o->job->size) {
		snprintf(range, sizeof(range), "Range: bytes=%llu-%llu", (unsigned long long)x->start,
		         (unsigned long long)x->end - 1);
		if (!header_append(&x->headers, range))
			return -1;
	}
	curl_easy_setopt(x->easy, CURLOPT_URL, o->job->href);
	curl_easy_setopt(x->easy, CURLOPT_HTTPHEADER, x->headers);
	hfgit_http__setup(x->easy, x->w->e->opts.http, o->job->href, HFGIT_HTTP_DOWNLOAD);
	curl_easy_setopt(x->easy, CURLOPT_BUFFERSIZE, 256L * 1024);
	curl_easy_setopt(x->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(x->easy, CURLOPT_WRITEDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(x->easy, CURLOPT_HEADERDATA, x);
	curl_easy_setopt(x->easy, CURLOPT_ERRORBUFFER, x->curl_error);
	curl_easy_setopt(x->easy, CURLOPT_PRIVATE, x);
	return 0;
}

static bool dispatch(worker *w, xfer *x)
{
	uint64_t start, end;
	lfs_object *o = choose_range(w, &start, &end);

	if (!o)
		return false;
	x->w = w;
	x->obj = o;
	x->start = x->pos = start;
	x->end = end;
	x->generation = o->generation;
	x->status = 0;
	x->checked = x->fatal = x->restart = x->have_content_range = false;
	x->retry_after = -1;
	x->error[0] = x->curl_error[0] = '\0';
	if (end > o->frontier)
		o->frontier = end;
	if (set_up_easy(x) < 0 || curl_multi_add_handle(w->multi, x->easy) != CURLM_OK) {
		x->obj = NULL;
		todo_insert(o, start, end);
		object_fail(w, o, HFGIT_ERROR, "%s: %s", "cannot set up an HTTP transfer");
		return true;
	}
	o->in_flight++;
	return true;
}

/* Why a transfer failed, in words, for the final message. */
static void describe_failure(char *out, size_t size, const xfer *x, const lfs_object *o,
                             CURLcode rc)
{
	if (x->error[0])
		snprintf(out, size, "%s", x->error);
	else if (x->status >= 400)
		snprintf(out, size, "HTTP %ld from %s", x->status, o->job->href);
	else if (rc != CURLE_OK)
		hfgit_http__describe(out, size, x->w->e->opts.http, HFGIT_HTTP_DOWNLOAD, o->job->href, rc,
		                     x->curl_error);
	else
		snprintf(out, size, "the server sent %llu of the %llu bytes the pointer says",
		         (unsigned long long)(x->pos), (unsigned long long)o->job->size);
}

static bool renew(worker *w, lfs_object *o)
{
	engine *e = w->e;
	int rc;

	if (!e->opts.renew || o->renewals >= 2)
		return false;
	o->renewals++;
	pthread_mutex_lock(&e->renew_lock);
	rc = e->opts.renew(o->job, e->opts.renew_payload);
	pthread_mutex_unlock(&e->renew_lock);
	return rc == 0;
}

static void finish_xfer(worker *w, xfer *x, CURLcode rc)
{
	lfs_object *o = x->obj;
	bool stale = x->generation != o->generation;
	bool progressed = x->pos > x->start;
	char why[512];

	curl_multi_remove_handle(w->multi, x->easy);
	x->obj = NULL;
	o->in_flight--;
	if (!x->checked)
		curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &x->status);
	if (o->finished || stale)
		goto check_done;

	if (rc == CURLE_OK && x->pos == x->end && (x->status == 200 || x->status == 206)) {
		o->failures = 0;
		goto check_done;
	}
	describe_failure(why, sizeof(why), x, o, rc);
	if (x->fatal) {
		object_fail(w, o, HFGIT_ENETWORK, "%s: %s", why);
		return;
	}
	if (x->status == 404 || x->status == 410) {
		object_fail(w, o, HFGIT_ENOTFOUND, "%s: the object is missing on the server (%s)", why);
		return;
	}
	if ((x->status == 401 || x->status == 403) && !renew(w, o)) {
		object_fail(w, o, HFGIT_EAUTH, "%s: download refused (%s)", why);
		return;
	}
	if (x->restart) {
		reset_object(o);
	} else {
		todo_insert(o, x->pos, x->end);
	}
	o->failures = progressed ? 1 : o->failures + 1;
	if (o->failures >= w->e->opts.max_attempts) {
		object_fail(w, o, HFGIT_ENETWORK, "%s: gave up after repeated failures: %s", why);
		return;
	}
	o->not_before = now_s() + hfgit_http__backoff(o->failures, w->e->opts.max_backoff,
	                                              x->retry_after, MAX_RETRY_AFTER);
	hfgit__trace("lfs: %s: retrying bytes %llu-%llu in %.2f s: %s", o->job->name,
	             (unsigned long long)x->pos, (unsigned long long)x->end,
	             o->not_before - now_s(), why);
check_done:
	if (!o->finished && o->in_flight == 0 && o->written == o->job->size && o->ntodo == 0)
		finish_object(w, o);
}

static void fail_unfinished(worker *w, int code, const char *why)
{
	size_t i;
	for (i = 0; i < w->nobjs; i++)
		if (!w->objs[i]->finished)
			object_fail(w, w->objs[i], code, "%s: %s", why);
}

static void *worker_main(void *arg)
{
	worker *w = arg;
	engine *e = w->e;
	unsigned i;

	while (w->unfinished > 0) {
		int running = 0, queued, finished;
		double wait_until = 0;
		CURLMsg *msg;

		if (atomic_load(&e->cancel)) {
			for (i = 0; i < w->nslots; i++) {
				if (w->slots[i].obj) {
					curl_multi_remove_handle(w->multi, w->slots[i].easy);
					w->slots[i].obj->in_flight--;
					w->slots[i].obj = NULL;
				}
			}
			fail_unfinished(w, HFGIT_EINTERRUPTED, "interrupted");
			break;
		}
		for (i = 0; i < w->nslots; i++)
			if (!w->slots[i].obj && !dispatch(w, &w->slots[i]))
				break;
		curl_multi_perform(w->multi, &running);
		finished = 0;
		while ((msg = curl_multi_info_read(w->multi, &queued)) != NULL) {
			xfer *x = NULL;
			if (msg->msg != CURLMSG_DONE)
				continue;
			curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&x);
			finish_xfer(w, x, msg->data.result);
			finished++;
		}
		/* A connection just came free: give it work now rather than after the next poll
		 * (with small objects, waiting would leave connections idle most of the time). */
		if (finished)
			continue;
		if (running == 0 && free_slots(w) == w->nslots) {
			/* Nothing in flight: everything left waits for a backoff to end. */
			size_t k;
			for (k = 0; k < w->nobjs; k++) {
				lfs_object *o = w->objs[k];
				if (!o->finished && (wait_until == 0 || o->not_before < wait_until))
					wait_until = o->not_before;
			}
			if (wait_until > now_s()) {
				double d = wait_until - now_s();
				struct timespec ts = { 0, 0 };
				if (d > 0.1)
					d = 0.1;
				ts.tv_nsec = (long)(d * 1e9);
				nanosleep(&ts, NULL);
			}
			continue;
		}
		curl_multi_poll(w->multi, NULL, 0, 100, NULL);
	}
	/* Transfers of objects that already failed may still be running: stop them. */
	for (i = 0; i < w->nslots; i++) {
		if (w->slots[i].obj) {
			curl_multi_remove_handle(w->multi, w->slots[i].easy);
			w->slots[i].obj = NULL;
		}
	}
	pthread_mutex_lock(&e->done_lock);
	e->workers_done++;
	pthread_cond_signal(&e->done_cond);
	pthread_mutex_unlock(&e->done_lock);
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Setup                                                                                     */

static unsigned cpu_count(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (unsigned)n : 1;
}

static int compare_size_desc(const void *a, const void *b)
{
	const lfs_object *x = *(lfs_object *const *)a, *y = *(lfs_object *const *)b;
	return x->job->size < y->job->size ? 1 : x->job->size > y->job->size ? -1 : 0;
}

/* Largest objects first, each to the worker with the fewest bytes so far: balanced hashing. */
static void share_out(worker *workers, unsigned nworkers, lfs_object **objs, size_t n)
{
	uint64_t *load = calloc(nworkers, sizeof(*load));
	lfs_object **sorted = malloc(n * sizeof(*sorted));
	size_t i;
	unsigned k;

	if (!load || !sorted) {
		/* Round-robin needs no memory. */
		for (i = 0; i < n; i++) {
			worker *w = &workers[i % nworkers];
			w->objs[w->nobjs++] = objs[i];
		}
		free(load);
		free(sorted);
		return;
	}
	memcpy(sorted, objs, n * sizeof(*sorted));
	qsort(sorted, n, sizeof(*sorted), compare_size_desc);
	for (i = 0; i < n; i++) {
		unsigned best = 0;
		for (k = 1; k < nworkers; k++)
			if (load[k] < load[best])
				best = k;
		workers[best].objs[workers[best].nobjs++] = sorted[i];
		load[best] += sorted[i]->job->size + 1;
	}
	free(load);
	free(sorted);
}

static void report(engine *e, uint64_t total, size_t count, int *cancelled)
{
	hfgit_lfs_progress p;

	if (!e->opts.progress)
		return;
	p.bytes_done = atomic_load(&e->bytes_done);
	p.bytes_total = total;
	p.bytes_fetched = atomic_load(&e->bytes_fetched);
	p.objects_done = atomic_load(&e->objects_done);
	p.objects_total = count;
	p.current = atomic_load(&e->current);
	if (!*cancelled && e->opts.progress(&p, e->opts.progress_payload)) {
		*cancelled = 1;
		atomic_store(&e->cancel, 1);
	}
}

static int summarize(hfgit_lfs_job *jobs, size_t count)
{
	hfgit_strbuf msg = HFGIT_STRBUF_INIT;
	size_t i, failed = 0;
	int code = 0;

	for (i = 0; i < count; i++) {
		if (!jobs[i].error)
			continue;
		if (!failed++)
			code = jobs[i].error;
		if (failed <= 5)
			hfgit_strbuf__printf(&msg, "%s%s", failed > 1 ? "; " : "", jobs[i].message);
	}
	if (!failed)
		return 0;
	if (failed > 5)
		hfgit_strbuf__printf(&msg, "; and %zu more", failed - 5);
	hfgit_error__set(code, "%zu of %zu LFS object%s failed: %s (objects that arrived are kept: "
	                 "run again to resume)", failed, count, count == 1 ? "" : "s",
	                 hfgit_strbuf__cstr(&msg));
	hfgit_strbuf__dispose(&msg);
	return code;
}

/* The options with their defaults filled in. */
static int engine_options(engine *e, const hfgit_lfs_transfer_options *opts)
{
	int rc;

	if (opts)
		e->opts = *opts;
	if (!e->opts.http) {
		if ((rc = hfgit_http__config_init(&e->default_http, 0)) < 0)
			return rc;
		e->opts.http = &e->default_http;
	}
	if (!e->opts.jobs)
		e->opts.jobs = DEFAULT_JOBS;
	/* HFGIT_LFS_CHUNK (bytes): the size of a split range, a tuning knob (and how the tests
	 * make small objects split). */
	if (!e->opts.chunk && getenv("HFGIT_LFS_CHUNK"))
		e->opts.chunk = strtoull(getenv("HFGIT_LFS_CHUNK"), NULL, 10);
	if (e->opts.chunk < 4096)
		e->opts.chunk = DEFAULT_CHUNK;
	if (!e->opts.window)
		e->opts.window = DEFAULT_WINDOW;
	if (!e->opts.max_attempts)
		e->opts.max_attempts = DEFAULT_ATTEMPTS;
	if (e->opts.max_backoff <= 0)
		e->opts.max_backoff = DEFAULT_MAX_BACKOFF;
	return 0;
}

/* One thread per core, at most one per connection and one per object. */
static unsigned worker_count(const engine *e, size_t count)
{
	unsigned n = e->opts.threads ? e->opts.threads : cpu_count();

	if (n > e->opts.jobs)
		n = e->opts.jobs;
	if (n > count)
		n = (unsigned)count;
	return n;
}

/* Each worker's share of the connections and of the read-ahead window, and its buffers. */
static int workers_init(worker *workers, unsigned n, engine *e, size_t count)
{
	unsigned conns = e->opts.jobs, k;

	for (k = 0; k < n; k++) {
		worker *w = &workers[k];
		w->e = e;
		w->nslots = conns / n + (k < conns % n);
		w->window = e->opts.window / n;
		if (w->window < e->opts.chunk)
			w->window = e->opts.chunk;
		w->slots = calloc(w->nslots, sizeof(*w->slots));
		w->objs = calloc(count, sizeof(*w->objs));
		w->active = calloc(count, sizeof(*w->active));
		w->deferred = calloc(count + 1, sizeof(*w->deferred));
		w->multi = curl_multi_init();
		if (!w->slots || !w->objs || !w->active || !w->deferred || !w->multi)
			return hfgit_error__oom();
		/* Keep-alive: as many cached connections as this worker runs at once. */
		curl_multi_setopt(w->multi, CURLMOPT_MAXCONNECTS, (long)w->nslots);
	}
	return 0;
}

static void workers_dispose(worker *workers, unsigned n)
{
	unsigned k, s;

	for (k = 0; workers && k < n; k++) {
		worker *w = &workers[k];
		for (s = 0; w->slots && s < w->nslots; s++) {
			curl_easy_cleanup(w->slots[s].easy);
			curl_slist_free_all(w->slots[s].headers);
		}
		if (w->multi)
			curl_multi_cleanup(w->multi);
		free(w->slots);
		free(w->objs);
		free(w->active);
		free(w->deferred);
	}
}

static void objects_dispose(lfs_object *objects, size_t count)
{
	size_t i;

	for (i = 0; objects && i < count; i++) {
		lfs_object *o = &objects[i];
		drop_pending(o);
		if (o->fd >= 0)
			close(o->fd);
		EVP_MD_CTX_free(o->sha);
		XXH3_freeState(o->xxh3);
		free(o->part_path);
		free(o->todo);
	}
	free(objects);
}

static void engine_sync_init(engine *e)
{
	char *locks = hfgit_layout__lfs_locks(hfgit_lfs__objects_root(e->store));

	e->lock_fd = locks ? open(locks, O_RDWR | O_CREAT | O_CLOEXEC, 0644) : -1;
	free(locks);
	pthread_mutex_init(&e->lock, NULL);
	pthread_mutex_init(&e->renew_lock, NULL);
	pthread_mutex_init(&e->done_lock, NULL);
	pthread_cond_init(&e->cond, NULL);
	pthread_cond_init(&e->done_cond, NULL);
	e->queue_tail = &e->queue;
}

static void engine_sync_dispose(engine *e)
{
	if (e->lock_fd >= 0)
		close(e->lock_fd);
	pthread_mutex_destroy(&e->lock);
	pthread_mutex_destroy(&e->renew_lock);
	pthread_mutex_destroy(&e->done_lock);
	pthread_cond_destroy(&e->cond);
	pthread_cond_destroy(&e->done_cond);
}

/* This thread reports progress (the caller's callback runs here) until the workers end. */
static void wait_reporting(engine *e, unsigned nworkers, uint64_t total, size_t count,
                           int *cancelled)
{
	pthread_mutex_lock(&e->done_lock);
	while (e->workers_done < nworkers) {
		struct timespec until;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 100 * 1000 * 1000;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&e->done_cond, &e->done_lock, &until);
		pthread_mutex_unlock(&e->done_lock);
		report(e, total, count, cancelled);
		pthread_mutex_lock(&e->done_lock);
	}
	pthread_mutex_unlock(&e->done_lock);
}

/*
 * The committer, then the workers, each on its own thread. Without a committer nothing could
 * reach the store: that is an error before any byte moves. A worker that gets no thread runs
 * on this one once the others are under way (progress pauses meanwhile, nothing is lost).
 */
static int run_threads(engine *e, worker *workers, unsigned n, uint64_t total, size_t count,
                       int *cancelled)
{
	bool *started = calloc(n, sizeof(*started));
	unsigned k;
	int err;

	if (!started)
		return hfgit_error__oom();
	if ((err = pthread_create(&e->committer, NULL, committer_main, e)) != 0) {
		free(started);
		errno = err;
		return hfgit_error__set_errno(HFGIT_ERROR, "cannot start the download threads");
	}
	for (k = 0; k < n; k++)
		started[k] = pthread_create(&workers[k].thread, NULL, worker_main, &workers[k]) == 0;
	for (k = 0; k < n; k++) {
		if (!started[k])
			worker_main(&workers[k]);
	}
	wait_reporting(e, n, total, count, cancelled);
	for (k = 0; k < n; k++) {
		if (started[k])
			pthread_join(workers[k].thread, NULL);
	}
	pthread_mutex_lock(&e->lock);
	e->closing = true;
	pthread_cond_signal(&e->cond);
	pthread_mutex_unlock(&e->lock);
	pthread_join(e->committer, NULL);
	free(started);
	return 0;
}

int hfgit_lfs__download(hfgit_lfs_objects *store, hfgit_lfs_job *jobs, size_t count,
                        const hfgit_lfs_transfer_options *opts)
{
	engine e;
	worker *workers = NULL;
	lfs_object *objects = NULL, **ptrs = NULL;
	unsigned nworkers = 0, k;
	uint64_t total = 0;
	int cancelled = 0, rc;
	size_t i;

	if (count == 0)
		return 0;
	memset(&e, 0, sizeof(e));
	e.lock_fd = -1;
	e.store = store;
	if ((rc = engine_options(&e, opts)) < 0)
		return rc;
	nworkers = worker_count(&e, count);
	objects = calloc(count, sizeof(*objects));
	ptrs = calloc(count, sizeof(*ptrs));
	workers = calloc(nworkers, sizeof(*workers));
	if (!objects || !ptrs || !workers) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (i = 0; i < count; i++) {
		objects[i].job = &jobs[i];
		objects[i].fd = -1;
		ptrs[i] = &objects[i];
		total += jobs[i].size;
	}
	find_partials(&e);
	engine_sync_init(&e);
	if ((rc = workers_init(workers, nworkers, &e, count)) < 0)
		goto out_engine;
	share_out(workers, nworkers, ptrs, count);
	for (k = 0; k < nworkers; k++)
		workers[k].unfinished = workers[k].unstarted = workers[k].nobjs;
	hfgit__trace("lfs: %zu objects, %llu bytes, %u connections, %u threads", count,
	             (unsigned long long)total, e.opts.jobs, nworkers);
	if ((rc = run_threads(&e, workers, nworkers, total, count, &cancelled)) < 0)
		goto out_engine;
	report(&e, total, count, &cancelled);
	hfgit__trace("lfs: done, %llu bytes fetched", (unsigned long long)atomic_load(&e.bytes_fetched));
	rc = summarize(jobs, count);
	if (cancelled && rc == 0)
		rc = hfgit_error__set(HFGIT_EINTERRUPTED, "interrupted");
out_engine:
	workers_dispose(workers, nworkers);
	engine_sync_dispose(&e);
out:
	objects_dispose(objects, count);
	free(e.partials);
	free(ptrs);
	free(workers);
	hfgit_http__config_dispose(&e.default_http);
	return rc;
}

void hfgit_lfs__job_dispose(hfgit_lfs_job *job)
{
	free(job->href);
	curl_slist_free_all(job->headers);
	free(job->message);
	job->href = NULL;
	job->headers = NULL;
	job->message = NULL;
}
