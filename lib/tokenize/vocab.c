/* Vocabulary and merge tables. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/error.h"
#include "tokenize/vocab.h"

uint64_t hfgit_tk__hash(const void *s, size_t len)
{
	return XXH3_64bits(s, len);
}

struct tk_vocab_block {
	tk_vocab_block *next;
	char data[];
};

#define BLOCK_BYTES (256 * 1024)

/* A copy of `s` (NUL-terminated) in the vocabulary's blocks. */
static char *vocab_store(tk_vocab *v, const char *s, size_t len)
{
	char *copy;

	if (v->block_left < len + 1) {
		size_t size = len + 1 > BLOCK_BYTES ? len + 1 : BLOCK_BYTES;
		tk_vocab_block *b = malloc(sizeof(*b) + size);

		if (!b)
			return NULL;
		b->next = v->blocks;
		v->blocks = b;
		v->block_free = b->data;
		v->block_left = size;
	}
	copy = v->block_free;
	memcpy(copy, s, len);
	copy[len] = '\0';
	v->block_free += len + 1;
	v->block_left -= len + 1;
	return copy;
}

static int vocab_rehash(tk_vocab *v, size_t nslots)
{
	tk_vocab_slot *slots = calloc(nslots, sizeof(*slots));
	size_t i;

	if (!slots)
		return hfgit_error__oom();
	for (i = 0; v->slots && i <= v->mask; i++) {
		size_t j;

		if (!v->slots[i].id)
			continue;
		for (j = v->slots[i].hash & (nslots - 1); slots[j].id; j = (j + 1) & (nslots - 1))
			;
		slots[j] = v->slots[i];
	}
	free(v->slots);
	v->slots = slots;
	v->mask = nslots - 1;
	return 0;
}

/* Room in `strings` and `lens` for ids below n. */
static int vocab_ids(tk_vocab *v, size_t n)
{
	size_t cap = v->cap ? v->cap : 16;
	char **strings;
	uint32_t *lens;

	if (n <= v->cap)
		return 0;
	while (cap < n)
		cap *= 2;
	if (!(strings = realloc(v->strings, cap * sizeof(*strings))))
		return hfgit_error__oom();
	v->strings = strings;
	if (!(lens = realloc(v->lens, cap * sizeof(*lens))))
		return hfgit_error__oom();
	v->lens = lens;
	v->cap = cap;
	return 0;
}

int hfgit_tk__vocab_reserve(tk_vocab *v, size_t n)
{
	size_t nslots = 1024;

	/* At most half full, as hfgit_tk__vocab_add keeps it. */
	while (nslots < 2 * n + 2)
		nslots *= 2;
	if (nslots > (v->slots ? v->mask + 1 : 0) && vocab_rehash(v, nslots) < 0)
		return HFGIT_ERROR;
	return vocab_ids(v, n);
}

int32_t hfgit_tk__vocab_get(const tk_vocab *v, const char *s, size_t len)
{
	uint64_t h;
	size_t i;

	if (!v->slots)
		return -1;
	h = hfgit_tk__hash(s, len);
	for (i = h & v->mask; v->slots[i].id; i = (i + 1) & v->mask) {
		const tk_vocab_slot *sl = &v->slots[i];

		if (sl->hash == h && sl->len == len && !memcmp(v->strings[sl->id - 1], s, len))
			return (int32_t)(sl->id - 1);
	}
	return -1;
}

int hfgit_tk__vocab_add(tk_vocab *v, const char *s, size_t len, int32_t id)
{
	uint64_t h = hfgit_tk__hash(s, len);
	size_t i;
	char *copy;

	if (id < 0 || id > INT32_MAX - 1)
		return hfgit_error__set(HFGIT_EINVALID, "token id %d out of range", (int)id);
	if (len > UINT32_MAX)
		return hfgit_error__set(HFGIT_EINVALID, "a token of %zu bytes is too long", len);
	if ((v->count + 1) * 2 > (v->slots ? v->mask + 1 : 0) &&
	    vocab_rehash(v, v->slots ? (v->mask + 1) * 2 : 1024) < 0)
		return HFGIT_ERROR;
	/* One probe: it finds the string if present, else the free slot it goes into. */
	for (i = h & v->mask; v->slots[i].id; i = (i + 1) & v->mask) {
		const tk_vocab_slot *sl = &v->slots[i];

		if (sl->hash == h && sl->len == len && !memcmp(v->strings[sl->id - 1], s, len))
			return 0;
	}
	if ((size_t)id < v->size && v->strings[id])
		return hfgit_error__set(HFGIT_EINVALID, "two tokens have the id %d ('%s' and '%.*s')",
		                       (int)id, v->strings[id], (int)len, s);
	if ((size_t)id >= v->size) {
		size_t n = (size_t)id + 1;

		if (vocab_ids(v, n) < 0)
			return HFGIT_ERROR;
		memset(v->strings + v->size, 0, (n - v->size) * sizeof(*v->strings));
		memset(v->lens + v->size, 0, (n - v->size) * sizeof(*v->lens));
		v->size = n;
	}
	if (!(copy = vocab_store(v, s, len)))
		return hfgit_error__oom();
	v->strings[id] = copy;
	v->lens[id] = (uint32_t)len;
	v->slots[i] = (tk_vocab_slot){ h, (uint32_t)id + 1, (uint32_t)len };
	v->count++;
	return 0;
}

void hfgit_tk__vocab_dispose(tk_vocab *v)
{
	while (v->blocks) {
		tk_vocab_block *next = v->blocks->next;

		free(v->blocks);
		v->blocks = next;
	}
	free(v->strings);
	free(v->lens);
	free(v->slots);
	memset(v, 0, sizeof(*v));
}

static int pairs_rehash(tk_pair_map *m, size_t nslots)
{
	uint64_t *keys = calloc(nslots, sizeof(*keys));
	uint32_t *ranks = malloc(nslots * sizeof(*ranks)), *ids = malloc(nslots * sizeof(*ids));
	size_t i;

	if (!keys || !ranks || !ids) {
		free(keys);
		free(ranks);
		free(ids);
		return hfgit_error__oom();
	}
	for (i = 0; m->keys && i <= m->mask; i++) {
		size_t j;

		if (!m->keys[i])
			continue;
		j = (size_t)((m->keys[i] * 0x9E3779B97F4A7C15ull) >> 20) & (nslots - 1);
		for (; keys[j]; j = (j + 1) & (nslots - 1))
			;
		keys[j] = m->keys[i];
		ranks[j] = m->ranks[i];
		ids[j] = m->ids[i];
	}
	free(m->keys);
	free(m->ranks);
	free(m->ids);
	m->keys = keys;
	m->ranks = ranks;
	m->ids = ids;
	m->mask = nslots - 1;
	return 0;
}

int hfgit_tk__pair_map_reserve(tk_pair_map *m, size_t n)
{
	size_t nslots = 1024;

	while (nslots < 2 * n + 2)
		nslots *= 2;
	if (nslots > (m->keys ? m->mask + 1 : 0))
		return pairs_rehash(m, nslots);
	return 0;
}

int hfgit_tk__pair_map_put(tk_pair_map *m, int32_t left, int32_t right, uint32_t rank, int32_t id)
{
	uint64_t key = (((uint64_t)(uint32_t)left << 32) | (uint32_t)right) + 1;
	size_t i;

	if ((m->count + 1) * 2 > (m->keys ? m->mask + 1 : 0) &&
	    pairs_rehash(m, m->keys ? (m->mask + 1) * 2 : 1024) < 0)
		return HFGIT_ERROR;
	i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & m->mask;
	for (; m->keys[i]; i = (i + 1) & m->mask) {
		if (m->keys[i] == key)
			break;
	}
	if (!m->keys[i])
		m->count++;
	/* A pair listed twice takes its last rank, as the library's map does. */
	m->keys[i] = key;
	m->ranks[i] = rank;
	m->ids[i] = (uint32_t)id;
	return 0;
}

void hfgit_tk__pair_map_dispose(tk_pair_map *m)
{
	free(m->keys);
	free(m->ranks);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}
