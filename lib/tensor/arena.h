/*
 * The workspace of one forward pass: a few large blocks carved into aligned buffers, released
 * together. Architectures allocate their activations once per call, before the layer loop,
 * so a pass does not call malloc per operation.
 */
#ifndef HFGIT_TENSOR_ARENA_H
#define HFGIT_TENSOR_ARENA_H

#include <stddef.h>

typedef struct hfgit_arena_block hfgit_arena_block;

typedef struct {
	hfgit_arena_block *blocks;
	size_t bytes; /* handed out so far, for the curious */
} hfgit_arena;

#define HFGIT_ARENA_INIT { NULL, 0 }

/* `n` floats, 64-byte aligned, uninitialised; NULL (error set) when out of memory or when
 * n * sizeof(float) overflows. */
float *hfgit_arena__floats(hfgit_arena *a, size_t n);
/* The same, zero-filled. */
float *hfgit_arena__zeros(hfgit_arena *a, size_t n);

void hfgit_arena__release(hfgit_arena *a);

#endif
