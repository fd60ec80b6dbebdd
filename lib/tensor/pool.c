#include "tensor/pool.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include "tensor/threads.h"
#include "tensor/onednn.h"

/*
 * How long a thread spins before it sleeps: a worker waiting for the next run, the caller
 * for the workers still inside its run. Waking a sleeping thread took about 50 us on this
 * virtual machine, and a decode step's products come a few microseconds apart. Workers that
 * spun 20,000 loads (about 10 us) slept before 9 in 10 of GPT-2's runs, and the caller, which
 * did not spin, at one run in two of ViT's: spinning up to 200 us took GPT-2's decode from
 * 44.0 to 47.4 tokens/s and ViT-base from 129 to 125 ms, for 2-3% more CPU time.
 */
#define SPIN_NS 200000

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield");
#endif
}

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* Spins while (*word == value) == equal, for at most SPIN_NS. */
static void spin_while(const size_t *word, size_t value, bool equal)
{
	uint64_t end = 0;
	unsigned i;

	for (i = 0; (__atomic_load_n(word, __ATOMIC_ACQUIRE) == value) == equal; i++) {
		cpu_relax();
		if (i % 256 == 0) {
			const uint64_t t = now_ns();

			if (!end)
				end = t + SPIN_NS;
			else if (t >= end)
				return;
		}
	}
}

/* One run, on the caller's stack. Workers join it while it is published; the caller
 * unpublishes it once every chunk is handed out and waits only for the workers inside it,
 * not for those still asleep or not yet scheduled (on shared cores that may take a while). */
typedef struct {
	hfgit_pool_fn fn;
	void *ctx;
	size_t n, chunk, width;
	atomic_size_t next;   /* the next chunk's start */
	atomic_size_t joined; /* worker ids handed out; the caller is 0 */
	size_t inside;        /* workers in the run (changed under pool.lock) */
} job;

static struct {
	pthread_mutex_t lock;
	pthread_cond_t wake, left;
	pthread_mutex_t busy;      /* held by the caller whose run is published */
	size_t started;            /* workers running */
	size_t generation;         /* bumped when a run is published */
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
	size_t seen = 0;

	(void)arg;
	/* oneDNN called from here runs on this thread alone. */
	hfgit_omp__set_threads(1);
	for (;;) {
		size_t id;
		job *j;

		spin_while(&pool.generation, seen, true);
		pthread_mutex_lock(&pool.lock);
		while (pool.generation == seen)
			pthread_cond_wait(&pool.wake, &pool.lock);
		seen = pool.generation;
		j = pool.current;
		id = j ? atomic_fetch_add(&j->joined, 1) : 0;
		if (j && id < j->width)
			__atomic_add_fetch(&j->inside, 1, __ATOMIC_RELAXED);
		else
			j = NULL;
		pthread_mutex_unlock(&pool.lock);
		if (!j)
			continue;
		take_chunks(j, id);
		pthread_mutex_lock(&pool.lock);
		/* The last access to j, which lives on the caller's stack: the caller may return
		 * as soon as it sees 0, without the lock. */
		if (__atomic_sub_fetch(&j->inside, 1, __ATOMIC_RELEASE) == 0)
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
	pthread_mutex_unlock(&pool.lock);
	spin_while(&j.inside, 0, false);
	pthread_mutex_lock(&pool.lock);
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
