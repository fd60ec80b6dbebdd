/*
 * How many threads the compute kernels use: by default the CPUs this process may run on
 * (sched_getaffinity, so that taskset and cgroup cpusets are honoured), else what
 * hfgit_compute_threads_set() asked for.
 */
#ifndef HFGIT_TENSOR_THREADS_H
#define HFGIT_TENSOR_THREADS_H

/* The thread count for the next kernel, at least 1. */
int hfgit__threads(void);

/*
 * Around a forward pass on the calling thread: hfgit parallelizes on its own workers
 * (pool.h), each calling oneDNN on one thread, so oneDNN's OpenMP must not fork teams of its
 * own. hfgit_threads__enter() sets the calling thread's OpenMP thread count to 1 and returns
 * the previous one, for hfgit_threads__leave().
 */
int hfgit_threads__enter(void);
void hfgit_threads__leave(int previous);

#endif
