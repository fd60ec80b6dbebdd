#include "tensor/scratch.h"

#include <pthread.h>
#include <stdlib.h>

#define ALIGN 64

typedef struct {
	void *buf[HFGIT_SCRATCH_SLOTS];
	size_t cap[HFGIT_SCRATCH_SLOTS];
} slots;

static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static int key_rc = -1;

static void release(void *arg)
{
	slots *s = arg;
	int i;

	for (i = 0; i < HFGIT_SCRATCH_SLOTS; i++)
		free(s->buf[i]);
	free(s);
}

static void make_key(void)
{
	key_rc = pthread_key_create(&key, release);
}

void *hfgit_scratch__get(hfgit_scratch_slot slot, size_t bytes)
{
	slots *s;
	void *grown;

	pthread_once(&once, make_key);
	if (key_rc)
		return NULL;
	if (!(s = pthread_getspecific(key))) {
		if (!(s = calloc(1, sizeof(*s))))
			return NULL;
		if (pthread_setspecific(key, s)) {
			free(s);
			return NULL;
		}
	}
	if (s->cap[slot] < bytes || !s->buf[slot]) {
		/* Aligned to a cache line: AMX and AVX-512 loads of a buffer that is not run at
		 * half speed or worse (oneDNN's BF16 matmul on packed weights: 2x). The contents
		 * need not survive, so no realloc. */
		const size_t size = (bytes + ALIGN - 1) / ALIGN * ALIGN;

		if (!(grown = aligned_alloc(ALIGN, size ? size : ALIGN)))
			return NULL;
		free(s->buf[slot]);
		s->buf[slot] = grown;
		s->cap[slot] = size;
	}
	return s->buf[slot];
}
