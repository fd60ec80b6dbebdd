#define _GNU_SOURCE
#include "tensor/threads.h"
#include "tensor/onednn.h"

#include <sched.h>
#include <stdatomic.h>
#include <unistd.h>

#include "hfgit.h"

static atomic_int requested; /* 0: the affinity mask decides */

static int affinity_count(void)
{
	cpu_set_t set;
	long n;

	if (sched_getaffinity(0, sizeof(set), &set) == 0 && CPU_COUNT(&set) > 0)
		return CPU_COUNT(&set);
	n = sysconf(_SC_NPROCESSORS_ONLN);
	return n > 0 ? (int)n : 1;
}

int hfgit__threads(void)
{
	int n = atomic_load(&requested);

	return n > 0 ? n : affinity_count();
}

int hfgit_threads__enter(void)
{
	int previous = hfgit_omp__max_threads();

	hfgit_omp__set_threads(1);
	return previous;
}

void hfgit_threads__leave(int previous)
{
	hfgit_omp__set_threads(previous);
}

int hfgit_compute_threads_set(int threads)
{
	atomic_store(&requested, threads > 0 ? threads : 0);
	return hfgit__threads();
}
