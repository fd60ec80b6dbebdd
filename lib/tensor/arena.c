#include "tensor/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "core/error.h"

/* Blocks are at least this large, so that a forward pass needs only a handful. */
#define BLOCK_MIN ((size_t)8 << 20)
#define ALIGN 64

/*
 * Blocks are mapped, not malloc'd. glibc raises its mmap threshold (up to 32 MB) to the size
 * of any mapped chunk freed, and blocks of that size then came from its heaps, which keep
 * what is freed: BERT-base's peak RSS with 8 sequences grew by 39 MB over its first four
 * passes. A mapping goes back to the system when the block does, and its header sits in it.
 */
struct hfgit_arena_block {
	hfgit_arena_block *next;
	size_t used, cap, mapped;
};

#define HEADER ((sizeof(hfgit_arena_block) + ALIGN - 1) & ~(size_t)(ALIGN - 1))

static hfgit_arena_block *block_new(size_t cap)
{
	const size_t mapped = HEADER + cap;
	hfgit_arena_block *b;
	void *at;

	if (cap > SIZE_MAX - HEADER)
		return NULL;
	at = mmap(NULL, mapped, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (at == MAP_FAILED)
		return NULL;
	b = at;
	b->next = NULL;
	b->used = 0;
	b->cap = cap;
	b->mapped = mapped;
	return b;
}

float *hfgit_arena__floats(hfgit_arena *a, size_t n)
{
	hfgit_arena_block *b = a->blocks;
	size_t bytes;

	if (n > (SIZE_MAX - ALIGN) / sizeof(float)) {
		hfgit_error__oom();
		return NULL;
	}
	bytes = (n * sizeof(float) + ALIGN - 1) & ~(size_t)(ALIGN - 1);
	if (!b || b->cap - b->used < bytes) {
		size_t cap = bytes > BLOCK_MIN ? bytes : BLOCK_MIN;

		if (!b && a->want > cap)
			cap = a->want;
		if (!(b = block_new(cap))) {
			hfgit_error__oom();
			return NULL;
		}
		a->want = 0;
		b->next = a->blocks;
		a->blocks = b;
	}
	b->used += bytes;
	a->bytes += bytes;
	return (float *)(void *)((unsigned char *)b + HEADER + b->used - bytes);
}

float *hfgit_arena__zeros(hfgit_arena *a, size_t n)
{
	float *p = hfgit_arena__floats(a, n);

	if (p)
		memset(p, 0, n * sizeof(float));
	return p;
}

void hfgit_arena__reset(hfgit_arena *a)
{
	size_t cap = 0;
	hfgit_arena_block *b;

	if (a->blocks && !a->blocks->next) {
		a->blocks->used = 0;
		a->bytes = 0;
		return;
	}
	for (b = a->blocks; b; b = b->next)
		cap += b->cap;
	hfgit_arena__release(a);
	a->want = cap;
}

void hfgit_arena__release(hfgit_arena *a)
{
	while (a->blocks) {
		hfgit_arena_block *next = a->blocks->next;

		munmap(a->blocks, a->blocks->mapped);
		a->blocks = next;
	}
	a->bytes = 0;
	a->want = 0;
}
