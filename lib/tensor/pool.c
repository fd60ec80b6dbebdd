#include "tensor/pool.h"

#include <omp.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "tensor/threads.h"

/* Spins before a worker sleeps: a decode step's products come a few microseconds apart. */
#define SPIN 20000

/* One run, on the caller's stack. Workers join it while it is published; the caller
 * unpublishes it once every chunk is handed out and waits only for the workers inside it,
 * not for those still asleep or not yet scheduled (on shared cores that may take a while). */
typedef struct {
	hfgit_pool_fn fn;
	void *ctx;
	size_t n, chunk, width;
	atomic_size_t next;   /* the next chunk's start */
	atomic_size_t joined; /* worker ids handed out; the caller is 0 */
	size_t inside;        /* workers in the run (under pool.lock) */
} job;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake, left;
	pthread_mutex_t busy;      /* held by the caller whose run is published */
	size_t started;            /* workers running */
	unsigned long generation;  /* bumped when a run is published */
	job *current;              /* the published run, or NULL */
} pool = {
	.lock = PTHREAD_MUTEX_INITIALIZER,
	.wake = PTHREAD_COND_INITIALIZER,
	.left = PTHREAD_COND_INITIALIZER,
	.busy = PTHREAD_MUTEX_INITIALIZER,
};

size_t hfgit_pool__width(void)
{
	size_t n = (size_t)hfgit__threads();

	return n < HFGIT_POOL_MAX ? n : HFGIT_POOL_MAX;
}

static void take_chunks(job *j, size_t worker)
{
	size_t begin;

	while ((begin = atomic_fetch_add(&j->next, j->chunk)) < j->n)
		j->fn(j->ctx, worker, begin, begin + j->chunk < j->n ? begin + j->chunk : j->n);
}

static void *worker_main(void *arg)
{
	unsigned long seen = 0;

	(void)arg;
	/* oneDNN called from here runs on this thread alone. */
	omp_set_num_threads(1);
	for (;;) {
		size_t id;
		job *j;
		int spin;

		for (spin = 0; spin < SPIN; spin++)
			if (__atomic_load_n(&pool.generation, __ATOMIC_ACQUIRE) != seen)
				break;
		pthread_mutex_lock(&pool.lock);
		while (pool.generation == seen)
			pthread_cond_wait(&pool.wake, &pool.lock);
		seen = pool.generation;
		j = pool.current;
		id = j ? atomic_fetch_add(&j->joined, 1) : 0;
		if (j && id < j->width)
			j->inside++;
		else
			j = NULL;
		pthread_mutex_unlock(&pool.lock);
		if (!j)
			continue;
		take_chunks(j, id);
		pthread_mutex_lock(&pool.lock);
		if (--j->inside == 0)
			pthread_cond_signal(&pool.left);
		pthread_mutex_unlock(&pool.lock);
	}
	return NULL;
}

/* Workers up to width - 1, with pool.lock held; how many there are. */
static size_t ensure_workers(size_t width)
{
	while (pool.started + 1 < width) {
		pthread_attr_t attr;
		pthread_t t;
		int rc;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		rc = pthread_create(&t, &attr, worker_main, NULL);
		pthread_attr_destroy(&attr);
		if (rc)
			break;
		pool.started++;
	}
	return pool.started;
}

void hfgit_pool__run(size_t n, size_t chunk, hfgit_pool_fn fn, void *ctx)
{
	size_t width = hfgit_pool__width(), begin;
	job j = { .fn = fn, .ctx = ctx, .n = n, .chunk = chunk ? chunk : 1 };

	if (width < 2 || n <= j.chunk || pthread_mutex_trylock(&pool.busy)) {
		for (begin = 0; begin < n; begin += j.chunk)
			fn(ctx, 0, begin, begin + j.chunk < n ? begin + j.chunk : n);
		return;
	}
	atomic_init(&j.next, 0);
	atomic_init(&j.joined, 1);
	pthread_mutex_lock(&pool.lock);
	j.width = ensure_workers(width) + 1;
	if (j.width > width)
		j.width = width;
	pool.current = &j;
	__atomic_add_fetch(&pool.generation, 1, __ATOMIC_RELEASE);
	pthread_cond_broadcast(&pool.wake);
	pthread_mutex_unlock(&pool.lock);

	take_chunks(&j, 0);

	/* Every chunk is handed out: close the run to latecomers, wait for those inside. */
	pthread_mutex_lock(&pool.lock);
	pool.current = NULL;
	while (j.inside)
		pthread_cond_wait(&pool.left, &pool.lock);
	pthread_mutex_unlock(&pool.lock);
	pthread_mutex_unlock(&pool.busy);
}

typedef struct {
	hfgit_chunk_fn fn;
	void *arg;
} each_job;

static void each_run(void *ctx, size_t worker, size_t begin, size_t end)
{
	each_job *j = ctx;
	size_t c;

	(void)worker;
	for (c = begin; c < end; c++)
		j->fn(j->arg, c);
}

void hfgit_pool__each(size_t n, hfgit_chunk_fn fn, void *arg)
{
	each_job j = { fn, arg };

	hfgit_pool__run(n, 1, each_run, &j);
}
