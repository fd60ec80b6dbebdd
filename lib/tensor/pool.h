/*
 * hfgit's own worker threads, on which every kernel of a forward pass is parallelized (oneDNN
 * then runs on one thread inside each chunk). OpenMP, oneDNN's threading, spin-waits at every
 * join: on cores shared with other processes a forward pass of a few hundred joins then
 * waits a time slice at many of them and runs several times slower than on one thread. These
 * workers sleep on a condition variable after a short spin instead, as
 * OMP_WAIT_POLICY=PASSIVE would make OpenMP do, and take chunks as they come free.
 */
#ifndef HFGIT_TENSOR_POOL_H
#define HFGIT_TENSOR_POOL_H

#include <stddef.h>

/* fn(ctx, worker, begin, end) for chunks [begin, end) of [0, n); worker < hfgit_pool__width(). */
typedef void (*hfgit_pool_fn)(void *ctx, size_t worker, size_t begin, size_t end);

/* The number of workers a run may use (the calling thread is worker 0): hfgit__threads(),
 * at most HFGIT_POOL_MAX. */
#define HFGIT_POOL_MAX 64
size_t hfgit_pool__width(void);

/* Run fn over [0, n) in chunks of `chunk`, handed out as workers come free, and return when
 * every chunk is done. When the workers are busy with another caller's run, or cannot be
 * started, the calling thread does it all (as worker 0). */
void hfgit_pool__run(size_t n, size_t chunk, hfgit_pool_fn fn, void *ctx);

/* fn(arg, c) for every c < n, one task each: hfgit_pool__run for loops whose tasks are
 * already coarse (an attention head, a tile of weight rows). */
typedef void (*hfgit_chunk_fn)(void *arg, size_t chunk);
void hfgit_pool__each(size_t n, hfgit_chunk_fn fn, void *arg);

#endif
