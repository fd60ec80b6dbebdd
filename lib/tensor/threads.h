/*
 * How many threads the compute kernels use: by default the CPUs this process may run on
 * (sched_getaffinity, so that taskset and cgroup cpusets are honoured), else what
 * hfgit_compute_threads_set() asked for.
 */
#ifndef HFGIT_TENSOR_THREADS_H
#define HFGIT_TENSOR_THREADS_H

/* The thread count for the next kernel, at least 1. */
int hfgit_threads(void);

/* Make the calling thread's OpenMP parallel regions (ours and oneDNN's) use hfgit_threads(). */
void hfgit_threads_apply(void);

#endif
