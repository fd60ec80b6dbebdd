#define _GNU_SOURCE
#include "threads.h"

#include <omp.h>
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

int hfgit_threads(void)
{
	int n = atomic_load(&requested);

	return n > 0 ? n : affinity_count();
}

void hfgit_threads_apply(void)
{
	omp_set_num_threads(hfgit_threads());
}

int hfgit_compute_threads_set(int threads)
{
	atomic_store(&requested, threads > 0 ? threads : 0);
	return hfgit_threads();
}
