/*
 * The workspace of one forward pass: a few large blocks carved into aligned buffers, released
 * together. Architectures allocate their activations once per call, before the layer loop,
 * so a pass does not call malloc per operation; a runner keeps the workspace of its last pass
 * for the next (hfgit_arena__reset).
 */
#ifndef HFGIT_TENSOR_ARENA_H
#define HFGIT_TENSOR_ARENA_H

#include <stddef.h>

typedef struct hfgit_arena_block hfgit_arena_block;

typedef struct {
	hfgit_arena_block *blocks;
	size_t bytes; /* handed out since the arena was made or reset */
	size_t want;  /* after a reset, the size of the one block that replaces several */
} hfgit_arena;

#define HFGIT_ARENA_INIT { NULL, 0, 0 }

/* `n` floats, 64-byte aligned, uninitialised; NULL (error set) when out of memory or when
 * n * sizeof(float) overflows. */
float *hfgit_arena__floats(hfgit_arena *a, size_t n);
/* The same, zero-filled. */
float *hfgit_arena__zeros(hfgit_arena *a, size_t n);

/* Everything handed out is free again, and the memory kept: a workspace reused for pass after
 * pass of one shape touches no new page and calls no allocator. What a pass took in several
 * blocks, the next gets in one. */
void hfgit_arena__reset(hfgit_arena *a);

/* The memory goes back to the system (the arena is empty, and may be used again). */
void hfgit_arena__release(hfgit_arena *a);

#endif
