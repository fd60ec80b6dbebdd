/* Vocabularies: token string <-> id, and BPE's merge table, as open-addressing hash tables. */
#ifndef HFGIT_TOKENIZE_VOCAB_H
#define HFGIT_TOKENIZE_VOCAB_H

#include <stddef.h>
#include <stdint.h>

/* One slot of the string table: the hash and length of its token beside the id, so that a
 * probe reads one cache line and compares strings only on a real candidate. */
typedef struct {
	uint64_t hash;
	uint32_t id;         /* id + 1, 0 when empty */
	uint32_t len;
} tk_vocab_slot;

/* The token strings live in a few large blocks (a vocabulary is built once and freed at
 * once: one allocation per token cost more than the hashing). */
typedef struct tk_vocab_block tk_vocab_block;

typedef struct {
	char **strings;      /* by id; NULL for an id no token has */
	uint32_t *lens;
	size_t size;         /* ids 0 .. size-1 */
	size_t cap;          /* room in strings and lens */
	tk_vocab_slot *slots;
	size_t mask;         /* slots - 1 */
	size_t count;
	tk_vocab_block *blocks; /* the newest first */
	char *block_free;    /* where the newest block's free part starts */
	size_t block_left;   /* and its length */
} tk_vocab;

/* Room for `n` tokens with ids below `n`, so that a vocabulary of known size is laid out once
 * instead of grown by doubling. */
int hfgit_tk__vocab_reserve(tk_vocab *v, size_t n);
/* Add `s` (len bytes) with `id`; a string already present keeps its id (as a JSON object's
 * last duplicate key would not: tokenizer.json vocabularies have none). */
int hfgit_tk__vocab_add(tk_vocab *v, const char *s, size_t len, int32_t id);
int32_t hfgit_tk__vocab_get(const tk_vocab *v, const char *s, size_t len);
static inline const char *tk_vocab_string(const tk_vocab *v, int32_t id)
{
	return id >= 0 && (size_t)id < v->size ? v->strings[id] : NULL;
}
void hfgit_tk__vocab_dispose(tk_vocab *v);

typedef struct {
	uint64_t *keys;      /* (left << 32 | right) + 1, 0 when empty */
	uint32_t *ranks, *ids;
	size_t mask, count;
} tk_pair_map;

/* Room for `n` merges without growing. */
int hfgit_tk__pair_map_reserve(tk_pair_map *m, size_t n);
int hfgit_tk__pair_map_put(tk_pair_map *m, int32_t left, int32_t right, uint32_t rank, int32_t id);
/* 1 and *rank, *id when the pair merges; 0 when not. */
static inline int tk_pair_map_get(const tk_pair_map *m, int32_t left, int32_t right,
                                  uint32_t *rank, int32_t *id)
{
	uint64_t key = (((uint64_t)(uint32_t)left << 32) | (uint32_t)right) + 1;
	size_t i;

	if (!m->keys)
		return 0;
	i = (size_t)((key * 0x9E3779B97F4A7C15ull) >> 20) & m->mask;
	for (;; i = (i + 1) & m->mask) {
		if (m->keys[i] == key) {
			*rank = m->ranks[i];
			*id = (int32_t)m->ids[i];
			return 1;
		}
		if (!m->keys[i])
			return 0;
	}
}
void hfgit_tk__pair_map_dispose(tk_pair_map *m);

uint64_t hfgit_tk__hash(const void *s, size_t len);

#endif
