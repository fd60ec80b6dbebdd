/* Vocabulary and merge tables. */
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/error.h"
#include "tokenize/vocab.h"

uint64_t tk_hash(const void *s, size_t len)
{
	return XXH3_64bits(s, len);
}

static int vocab_rehash(tk_vocab *v, size_t nslots)
{
	uint32_t *slots = calloc(nslots, sizeof(*slots));
	uint64_t *hashes = calloc(nslots, sizeof(*hashes));
	size_t i;

	if (!slots || !hashes) {
		free(slots);
		free(hashes);
		return hfgit_error__oom();
	}
	for (i = 0; v->slots && i <= v->mask; i++) {
		size_t j;

		if (!v->slots[i])
			continue;
		for (j = v->hashes[i] & (nslots - 1); slots[j]; j = (j + 1) & (nslots - 1))
			;
		slots[j] = v->slots[i];
		hashes[j] = v->hashes[i];
	}
	free(v->slots);
	free(v->hashes);
	v->slots = slots;
	v->hashes = hashes;
	v->mask = nslots - 1;
	return 0;
}

int32_t tk_vocab_get(const tk_vocab *v, const char *s, size_t len)
{
	uint64_t h;
	size_t i;

	if (!v->slots)
		return -1;
	h = tk_hash(s, len);
	for (i = h & v->mask; v->slots[i]; i = (i + 1) & v->mask) {
		uint32_t id = v->slots[i] - 1;

		if (v->hashes[i] == h && v->lens[id] == len && !memcmp(v->strings[id], s, len))
			return (int32_t)id;
	}
	return -1;
}

int tk_vocab_add(tk_vocab *v, const char *s, size_t len, int32_t id)
{
	uint64_t h = tk_hash(s, len);
	size_t i;
	char *copy;

	if (id < 0 || id > INT32_MAX - 1)
		return hfgit_error__set(HFGIT_EINVALID, "token id %d out of range", (int)id);
	if (tk_vocab_get(v, s, len) >= 0)
		return 0;
	if ((size_t)id < v->size && v->strings[id])
		return hfgit_error__set(HFGIT_EINVALID, "two tokens have the id %d ('%s' and '%.*s')",
		                        (int)id, v->strings[id], (int)len, s);
	if ((v->count + 1) * 2 > (v->slots ? v->mask + 1 : 0)) {
		size_t n = v->slots ? (v->mask + 1) * 2 : 1024;

		if (vocab_rehash(v, n) < 0)
			return HFGIT_ERROR;
	}
	if ((size_t)id >= v->size) {
		size_t n = (size_t)id + 1, cap = v->cap ? v->cap : 16;

		if (n > v->cap) {
			char **strings;
			uint32_t *lens;

			while (cap < n)
				cap *= 2;
			if (!(strings = realloc(v->strings, cap * sizeof(*strings))))
				return hfgit_error__oom();
			v->strings = strings;
			if (!(lens = realloc(v->lens, cap * sizeof(*lens))))
				return hfgit_error__oom();
			v->lens = lens;
			v->cap = cap;
		}
		memset(v->strings + v->size, 0, (n - v->size) * sizeof(*v->strings));
		memset(v->lens + v->size, 0, (n - v->size) * sizeof(*v->lens));
		v->size = n;
	}
	if (!(copy = malloc(len + 1)))
		return hfgit_error__oom();
	memcpy(copy, s, len);
	copy[len] = '\0';
	v->strings[id] = copy;
	v->lens[id] = (uint32_t)len;
	for (i = h & v->mask; v->slots[i]; i = (i + 1) & v->mask)
		;
	v->slots[i] = (uint32_t)id + 1;
	v->hashes[i] = h;
	v->count++;
	return 0;
}

void tk_vocab_dispose(tk_vocab *v)
{
	size_t i;

	for (i = 0; i < v->size; i++)
		free(v->strings[i]);
	free(v->strings);
	free(v->lens);
	free(v->slots);
	free(v->hashes);
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

int tk_pair_map_put(tk_pair_map *m, int32_t left, int32_t right, uint32_t rank, int32_t id)
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

void tk_pair_map_dispose(tk_pair_map *m)
{
	free(m->keys);
	free(m->ranks);
	free(m->ids);
	memset(m, 0, sizeof(*m));
}
