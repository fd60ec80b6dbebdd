#include "tensor/pool.h"

#include <omp.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>

#include "tensor/threads.h"

#define MAX_HELPERS 63

/*
 * The job: fn, arg and n are published under `lock` with a new generation; chunks are
 * claimed from `ticket` = generation << 32 | next chunk, so that a helper that wakes up late,
 * after the job it was woken for has finished and another begun, can claim nothing of either.
 */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t busy = PTHREAD_MUTEX_INITIALIZER; /* one job at a time */
static uint32_t generation;
static hfgit_chunk_fn job_fn;
static void *job_arg;
static size_t job_n, job_helpers;
static _Atomic uint64_t ticket;
static atomic_size_t done;
static size_t helpers;

/* Claim and run chunks of generation `gen` until none is left. */
static void work(uint32_t gen, hfgit_chunk_fn fn, void *arg, size_t n)
{
	uint64_t t = atomic_load(&ticket);

	for (;;) {
		if ((uint32_t)(t >> 32) != gen || (t & 0xffffffffu) >= n)
			return;
		if (atomic_compare_exchange_weak(&ticket, &t, t + 1)) {
			fn(arg, (size_t)(t & 0xffffffffu));
			atomic_fetch_add(&done, 1);
			t = atomic_load(&ticket);
		}
	}
}

static void *helper(void *p)
{
	const size_t index = (size_t)(uintptr_t)p;
	uint32_t seen = 0;

	/* The work is serial on each worker: a library under it that parallelizes with OpenMP
	 * (oneDNN's GEMM) must not open a team of its own here. */
	omp_set_num_threads(1);
	pthread_mutex_lock(&lock);
	seen = generation;
	for (;;) {
		hfgit_chunk_fn fn;
		void *arg;
		size_t n;
		uint32_t gen;

		while (generation == seen)
			pthread_cond_wait(&wake, &lock);
		seen = gen = generation;
		fn = job_fn;
		arg = job_arg;
		n = job_n;
		if (index >= job_helpers)
			continue;
		pthread_mutex_unlock(&lock);
		work(gen, fn, arg, n);
		pthread_mutex_lock(&lock);
	}
	return NULL;
}

void hfgit_pool_run(size_t n, hfgit_chunk_fn fn, void *arg)
{
	size_t want = (size_t)hfgit_threads() - 1, c;
	uint32_t gen;
	int saved;

	if (want > MAX_HELPERS)
		want = MAX_HELPERS;
	if (n < 2 || want == 0 || n > 0xffffffffu || pthread_mutex_trylock(&busy) != 0) {
		for (c = 0; c < n; c++)
			fn(arg, c);
		return;
	}
	pthread_mutex_lock(&lock);
	while (helpers < want) {
		pthread_t t;
		pthread_attr_t attr;

		pthread_attr_init(&attr);
		pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
		if (pthread_create(&t, &attr, helper, (void *)(uintptr_t)helpers) != 0) {
			pthread_attr_destroy(&attr);
			break;
		}
		pthread_attr_destroy(&attr);
		helpers++;
	}
	gen = ++generation;
	job_fn = fn;
	job_arg = arg;
	job_n = n;
	job_helpers = want;
	atomic_store(&done, 0);
	atomic_store(&ticket, (uint64_t)gen << 32);
	pthread_cond_broadcast(&wake);
	pthread_mutex_unlock(&lock);
	saved = omp_get_max_threads();
	omp_set_num_threads(1);
	work(gen, fn, arg, n);
	omp_set_num_threads(saved);
	/* Every chunk is claimed; wait for those a helper is still running. */
	while (atomic_load(&done) < n)
		sched_yield();
	pthread_mutex_unlock(&busy);
}
