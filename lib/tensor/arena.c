#include "tensor/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

/* Blocks are at least this large, so that a forward pass needs only a handful. */
#define BLOCK_MIN ((size_t)8 << 20)
#define ALIGN 64

struct hfgit_arena_block {
	hfgit_arena_block *next;
	size_t used, cap;
	unsigned char *data;
};

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

		if (!(b = malloc(sizeof(*b)))) {
			hfgit_error__oom();
			return NULL;
		}
		if (!(b->data = aligned_alloc(ALIGN, cap))) {
			free(b);
			hfgit_error__oom();
			return NULL;
		}
		b->used = 0;
		b->cap = cap;
		b->next = a->blocks;
		a->blocks = b;
	}
	b->used += bytes;
	a->bytes += bytes;
	return (float *)(void *)(b->data + b->used - bytes);
}

float *hfgit_arena__zeros(hfgit_arena *a, size_t n)
{
	float *p = hfgit_arena__floats(a, n);

	if (p)
		memset(p, 0, n * sizeof(float));
	return p;
}

void hfgit_arena__release(hfgit_arena *a)
{
	while (a->blocks) {
		hfgit_arena_block *next = a->blocks->next;

		free(a->blocks->data);
		free(a->blocks);
		a->blocks = next;
	}
	a->bytes = 0;
}
