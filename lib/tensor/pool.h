/*
 * Helper threads for the short, many parallel loops of a decode step (a few hundred per
 * token), where an OpenMP region's fork and join cost more than the work whenever the cores
 * are shared: every region waits for every thread of its team to arrive, so one thread that
 * is not running at the time holds everybody up for a time slice.
 *
 * Here the calling thread and the helpers claim chunks from one counter; a helper that is
 * not running when the work is handed out takes no chunk and is not waited for (the caller
 * does its share), so a busy machine degrades to fewer threads instead of stalls.
 */
#ifndef HFGIT_TENSOR_POOL_H
#define HFGIT_TENSOR_POOL_H

#include <stddef.h>

typedef void (*hfgit_chunk_fn)(void *arg, size_t chunk);

/* fn(arg, c) for every c < n, on the calling thread and up to hfgit_threads() - 1 helpers;
 * returns when all are done. When another thread is using the helpers, the caller runs
 * everything itself. */
void hfgit_pool_run(size_t n, hfgit_chunk_fn fn, void *arg);

#endif
