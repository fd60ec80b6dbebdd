/*
 * Models (tokenizers' models/): WordPiece, BPE and Unigram turn one piece into tokens.
 * They work on the piece's UTF-8 bytes, as the library does; token offsets are mapped back to
 * code points of the piece and through its alignments to the original text.
 */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

/* --- Shared -------------------------------------------------------------------------------- */

static int grow(void **p, size_t *cap, size_t need, size_t size)
{
	size_t n = *cap ? *cap : 64;
	void *q;

	if (need <= *cap)
		return 0;
	while (n < need)
		n *= 2;
	if (!(q = realloc(*p, n * size)))
		return hfgit_error__oom();
	*p = q;
	*cap = n;
	return 0;
}

/* The piece in UTF-8 at w->u8 (its length returned through *len), and for each byte the index
 * of its code point; u8_cp[len] = the piece's length in code points. */
static int piece_utf8(tk_work *w, const tk_split *sp, size_t *len)
{
	size_t i, k = 0;

	if (w->u8_cap < sp->n * 4 + 8) {
		size_t cap = sp->n * 4 + 64;
		char *u8 = realloc(w->u8, cap);
		uint32_t *map;

		if (!u8)
			return hfgit_error__oom();
		w->u8 = u8;
		if (!(map = realloc(w->u8_cp, (cap + 1) * sizeof(*map))))
			return hfgit_error__oom();
		w->u8_cp = map;
		w->u8_cap = cap;
	}
	for (i = 0; i < sp->n; i++) {
		uint32_t c = w->c[sp->off + i];

		if (c < 0x80) {
			w->u8[k] = (char)c;
			w->u8_cp[k++] = (uint32_t)i;
		} else {
			size_t n = tk_utf8_put(w->u8 + k, c), j;

			for (j = 0; j < n; j++)
				w->u8_cp[k + j] = (uint32_t)i;
			k += n;
		}
	}
	w->u8_cp[k] = (uint32_t)sp->n;
	w->u8[k] = '\0';
	w->u8_len = k;
	*len = k;
	return 0;
}

/* A token over bytes [bs, be) of the piece. */
static int emit(tk_work *w, const tk_split *sp, int32_t id, const char *value, size_t bs,
                size_t be)
{
	size_t a, b;
	tk_token *t;

	if (grow((void **)&w->toks, &w->cap_toks, w->ntoks + 1, sizeof(*w->toks)) < 0)
		return HFGIT_ERROR;
	t = &w->toks[w->ntoks++];
	t->id = id;
	t->value = value;
	if (be > w->u8_len)
		be = w->u8_len;
	if (bs > be)
		bs = be;
	if (be <= bs) {
		t->s = t->e = sp->n ? w->al[sp->off].s : 0;
		return 0;
	}
	a = w->u8_cp[bs];
	b = w->u8_cp[be - 1];
	t->s = w->al[sp->off + a].s;
	t->e = w->al[sp->off + b].e;
	return 0;
}

const char *tk_model_id_to_token(const tk_model *m, int32_t id)
{
	return tk_vocab_string(&m->vocab, id);
}

/* --- WordPiece ------------------------------------------------------------------------------- */

static size_t max_token_bytes(const tk_vocab *v)
{
	size_t i, max = 0;

	for (i = 0; i < v->size; i++)
		if (v->strings[i] && v->lens[i] > max)
			max = v->lens[i];
	return max;
}

static int wordpiece(tk_model *m, tk_work *w, const tk_split *sp)
{
	size_t len, start = 0, first = w->ntoks, plen = strlen(m->prefix);
	char buf[512];
	int rc;

	if ((rc = piece_utf8(w, sp, &len)) < 0)
		return rc;
	if (sp->n > m->max_input_chars_per_word)
		goto unk;
	while (start < len) {
		size_t end = len, lim = m->max_piece_bytes + (start ? 0 : plen);
		int32_t id = -1;

		/* No token is longer than the longest in the vocabulary. */
		if (end - start > lim) {
			end = start + lim;
			while (end > start && (w->u8[end] & 0xC0) == 0x80)
				end--;
		}
		while (start < end) {
			if (start == 0) {
				id = tk_vocab_get(&m->vocab, w->u8, end);
			} else if (plen + end - start <= sizeof(buf)) {
				memcpy(buf, m->prefix, plen);
				memcpy(buf + plen, w->u8 + start, end - start);
				id = tk_vocab_get(&m->vocab, buf, plen + end - start);
			}
			if (id >= 0)
				break;
			do
				end--;
			while (end > start && (w->u8[end] & 0xC0) == 0x80);
		}
		if (id < 0) {
			w->ntoks = first;
			goto unk;
		}
		if ((rc = emit(w, sp, id, m->vocab.strings[id], start, end)) < 0)
			return rc;
		start = end;
	}
	return 0;
unk:
	if (m->unk_id < 0)
		return hfgit_error__set(HFGIT_EINVALID, "WordPiece: the unk_token '%s' is not in the "
		                        "vocabulary", m->unk_token ? m->unk_token : "");
	return emit(w, sp, m->unk_id, m->vocab.strings[m->unk_id], 0, len);
}

/* --- BPE ------------------------------------------------------------------------------------ */

typedef struct {
	int32_t id;
	uint32_t start, len;   /* bytes */
	int32_t prev, next;
} symbol;

typedef struct {
	uint32_t rank, pos;
	int32_t id;
} merge;

static bool merge_less(const merge *a, const merge *b)
{
	return a->rank != b->rank ? a->rank < b->rank : a->pos < b->pos;
}

static void heap_push(merge *h, size_t *n, merge m)
{
	size_t i = (*n)++;

	while (i > 0) {
		size_t p = (i - 1) / 2;

		if (!merge_less(&m, &h[p]))
			break;
		h[i] = h[p];
		i = p;
	}
	h[i] = m;
}

static merge heap_pop(merge *h, size_t *n)
{
	merge top = h[0], last = h[--*n];
	size_t i = 0;

	for (;;) {
		size_t l = 2 * i + 1, r = l + 1, s = i;
		const merge *best = &last;

		if (l < *n && merge_less(&h[l], best))
			s = l, best = &h[l];
		if (r < *n && merge_less(&h[r], best))
			s = r;
		if (s == i)
			break;
		h[i] = h[s];
		i = s;
	}
	if (*n)
		h[i] = last;
	return top;
}

/* A cache of words already merged, as the library keeps one: direct-mapped, keyed by the
 * word's bytes. */
#define CACHE_SLOTS 16384
#define CACHE_MAX_WORD 256

typedef struct {
	uint64_t hash;
	char *key;           /* key bytes then tokens: (id, start, len) triples of uint32 */
	uint32_t key_len, ntoks;
} cache_entry;

struct tk_bpe_cache {
	cache_entry slots[CACHE_SLOTS];
};

static void cache_free(tk_bpe_cache *c)
{
	size_t i;

	if (!c)
		return;
	for (i = 0; i < CACHE_SLOTS; i++)
		free(c->slots[i].key);
	free(c);
}

static int bpe_add_symbol(symbol **sym, size_t *nsym, size_t *cap, int32_t id,
                          size_t start, size_t len)
{
	symbol *s;

	if (grow((void **)sym, cap, *nsym + 1, sizeof(**sym)) < 0)
		return HFGIT_ERROR;
	s = &(*sym)[*nsym];
	s->id = id;
	s->start = (uint32_t)start;
	s->len = (uint32_t)len;
	s->prev = (int32_t)*nsym - 1;
	s->next = (int32_t)*nsym + 1;
	(*nsym)++;
	return 0;
}

/* The word's first symbols (word.rs's merge_word before merge_all): each code point as a
 * token (with the prefix when not first, the suffix when last), else its bytes as <0xNN>
 * tokens with byte_fallback, else unk (consecutive ones fused with fuse_unk). */
static int bpe_symbols(tk_model *m, const tk_work *w, size_t len, symbol **out, size_t *nout)
{
	size_t plen = m->prefix ? strlen(m->prefix) : 0, slen = m->suffix ? strlen(m->suffix) : 0;
	size_t nsym = 0, scap = 0, i = 0, unk_start = 0, unk_len = 0;
	char stack[64], *buf = stack;
	symbol *s = NULL;
	int32_t unk = -1;
	int rc = 0;

	if (plen + 4 + slen > sizeof(stack) && !(buf = malloc(plen + 4 + slen)))
		return hfgit_error__oom();
	while (rc == 0 && i < len) {
		size_t n = 1, k = 0, j;
		int32_t id;

		while (i + n < len && (w->u8[i + n] & 0xC0) == 0x80)
			n++;
		if (i && plen) {
			memcpy(buf, m->prefix, plen);
			k = plen;
		}
		memcpy(buf + k, w->u8 + i, n);
		k += n;
		if (i + n == len && slen) {
			memcpy(buf + k, m->suffix, slen);
			k += slen;
		}
		if ((id = tk_vocab_get(&m->vocab, buf, k)) >= 0) {
			if (unk >= 0 && (rc = bpe_add_symbol(&s, &nsym, &scap, unk, unk_start, unk_len)) < 0)
				break;
			unk = -1;
			rc = bpe_add_symbol(&s, &nsym, &scap, id, i, n);
			i += n;
			continue;
		}
		for (j = 0; m->byte_fallback && j < k && m->byte_ids[(unsigned char)buf[j]] >= 0; j++)
			;
		if (m->byte_fallback && j == k) {
			/* One symbol of length 1 per byte (the prefix's bytes too, as the library
			 * counts them). */
			for (j = 0; rc == 0 && j < k; j++)
				rc = bpe_add_symbol(&s, &nsym, &scap, m->byte_ids[(unsigned char)buf[j]], i + j, 1);
		} else if (m->unk_id >= 0) {
			if (unk >= 0 && m->fuse_unk) {
				unk_len += n;
			} else {
				if (unk >= 0)
					rc = bpe_add_symbol(&s, &nsym, &scap, unk, unk_start, unk_len);
				unk = m->unk_id;
				unk_start = i;
				unk_len = n;
			}
		}
		i += n;
	}
	if (rc == 0 && unk >= 0)
		rc = bpe_add_symbol(&s, &nsym, &scap, unk, unk_start, unk_len);
	if (buf != stack)
		free(buf);
	if (rc < 0) {
		free(s);
		return rc;
	}
	if (nsym)
		s[nsym - 1].next = -1;
	*out = s;
	*nout = nsym;
	return 0;
}

/* merge_all: the lowest-ranked adjacent pair merges first, the leftmost among equals; a
 * queued pair that no longer exists (a neighbour merged) is skipped. Merged-away symbols are
 * left with length 0. */
static int bpe_merge(const tk_model *m, symbol *s, size_t nsym)
{
	size_t nheap = 0, hcap = 0, i;
	merge *heap = NULL;

	if (nsym < 2)
		return 0;
	if (grow((void **)&heap, &hcap, nsym * 2 + 8, sizeof(*heap)) < 0)
		return HFGIT_ERROR;
	for (i = 0; i + 1 < nsym; i++) {
		uint32_t rank;
		int32_t id;

		if (tk_pair_map_get(&m->merges, s[i].id, s[i + 1].id, &rank, &id))
			heap_push(heap, &nheap, (merge){ rank, (uint32_t)i, id });
	}
	while (nheap) {
		merge top = heap_pop(heap, &nheap);
		symbol *cur = &s[top.pos], *right;
		uint32_t rank;
		int32_t id;

		if (cur->len == 0 || cur->next < 0)
			continue;
		right = &s[cur->next];
		if (!tk_pair_map_get(&m->merges, cur->id, right->id, &rank, &id) || id != top.id)
			continue;
		cur->id = top.id;
		cur->len += right->len;
		cur->next = right->next;
		right->len = 0;
		if (cur->next >= 0)
			s[cur->next].prev = (int32_t)top.pos;
		if (grow((void **)&heap, &hcap, nheap + 2, sizeof(*heap)) < 0) {
			free(heap);
			return HFGIT_ERROR;
		}
		if (cur->prev >= 0 && tk_pair_map_get(&m->merges, s[cur->prev].id, cur->id, &rank, &id))
			heap_push(heap, &nheap, (merge){ rank, (uint32_t)cur->prev, id });
		if (cur->next >= 0 && tk_pair_map_get(&m->merges, cur->id, s[cur->next].id, &rank, &id))
			heap_push(heap, &nheap, (merge){ rank, top.pos, id });
	}
	free(heap);
	return 0;
}

static int bpe_word(tk_model *m, tk_work *w, size_t len, symbol **out, size_t *nout)
{
	int rc = bpe_symbols(m, w, len, out, nout);

	if (rc == 0 && (rc = bpe_merge(m, *out, *nout)) < 0) {
		free(*out);
		*out = NULL;
	}
	return rc;
}

static int bpe(tk_model *m, tk_work *w, const tk_split *sp)
{
	size_t len, nsym = 0, i;
	symbol *s = NULL;
	uint64_t h = 0;
	cache_entry *ce = NULL;
	int rc;

	if ((rc = piece_utf8(w, sp, &len)) < 0)
		return rc;
	if (!len)
		return 0;
	if (m->ignore_merges) {
		int32_t id = tk_vocab_get(&m->vocab, w->u8, len);

		if (id >= 0)
			return emit(w, sp, id, m->vocab.strings[id], 0, len);
	}
	if (m->cache && len < CACHE_MAX_WORD) {
		h = tk_hash(w->u8, len);
		ce = &m->cache->slots[h & (CACHE_SLOTS - 1)];
		if (ce->key && ce->hash == h && ce->key_len == len && !memcmp(ce->key, w->u8, len)) {
			const uint32_t *t = (const uint32_t *)(ce->key + ((len + 3) & ~(size_t)3));

			for (i = 0; rc == 0 && i < ce->ntoks; i++)
				rc = emit(w, sp, (int32_t)t[3 * i], m->vocab.strings[t[3 * i]], t[3 * i + 1],
				          t[3 * i + 1] + t[3 * i + 2]);
			return rc;
		}
	}
	if ((rc = bpe_word(m, w, len, &s, &nsym)) < 0)
		return rc;
	{
		size_t n = 0;

		for (i = 0; i < nsym; i++)
			n += s[i].len != 0;
		if (ce) {
			size_t koff = (len + 3) & ~(size_t)3;
			char *blob = malloc(koff + n * 3 * sizeof(uint32_t) + 4);

			if (blob) {
				uint32_t *t = (uint32_t *)(blob + koff);
				size_t k = 0;

				memcpy(blob, w->u8, len);
				for (i = 0; i < nsym; i++) {
					if (!s[i].len)
						continue;
					t[k++] = (uint32_t)s[i].id;
					t[k++] = s[i].start;
					t[k++] = s[i].len;
				}
				free(ce->key);
				ce->key = blob;
				ce->hash = h;
				ce->key_len = (uint32_t)len;
				ce->ntoks = (uint32_t)n;
			}
		}
	}
	for (i = 0; rc == 0 && i < nsym; i++) {
		if (!s[i].len)
			continue;
		rc = emit(w, sp, s[i].id, m->vocab.strings[s[i].id], s[i].start, s[i].start + s[i].len);
	}
	free(s);
	return rc;
}

/* --- Unigram -------------------------------------------------------------------------------- */

#define UNK_PENALTY 10.0

typedef struct {
	double score;
	int32_t id;
	int32_t from;        /* -1: not reached */
} node;

static int unigram(tk_model *m, tk_work *w, const tk_split *sp)
{
	size_t len, pos, first;
	node *best;
	double unk_score = m->min_score - UNK_PENALTY;
	int rc;

	if ((rc = piece_utf8(w, sp, &len)) < 0)
		return rc;
	if (!len)
		return 0;
	if (grow(&w->scratch, &w->scratch_cap, (len + 1) * sizeof(node), 1) < 0)
		return HFGIT_ERROR;
	best = w->scratch;
	for (pos = 0; pos <= len; pos++)
		best[pos] = (node){ 0.0, -1, -1 };
	for (pos = 0; pos < len; pos++) {
		size_t mb = 1, k;
		bool single = false;
		double here = best[pos].score;

		if (pos && best[pos].from < 0)
			continue; /* every position is reached: unk covers each code point */
		while (pos + mb < len && (w->u8[pos + mb] & 0xC0) == 0x80)
			mb++;
		for (k = mb; k <= m->max_piece_bytes && pos + k <= len; k++) {
			int32_t id;

			if (pos + k < len && (w->u8[pos + k] & 0xC0) == 0x80)
				continue;
			if ((id = tk_vocab_get(&m->vocab, w->u8 + pos, k)) < 0)
				continue;
			if (best[pos + k].from < 0 || here + m->scores[id] > best[pos + k].score) {
				best[pos + k].score = here + m->scores[id];
				best[pos + k].from = (int32_t)pos;
				best[pos + k].id = id;
			}
			if (k == mb)
				single = true;
		}
		if (!single) {
			if (m->unk_id < 0)
				return hfgit_error__set(HFGIT_EINVALID, "Unigram: no token covers '%.*s' and "
				                        "the model has no unk_id", (int)mb, w->u8 + pos);
			if (best[pos + mb].from < 0 || here + unk_score > best[pos + mb].score) {
				best[pos + mb].score = here + unk_score;
				best[pos + mb].from = (int32_t)pos;
				best[pos + mb].id = m->unk_id;
			}
		}
	}
	/* Walk back; consecutive unknowns fuse into one token. Emitted in reverse, then
	 * reversed in place. */
	first = w->ntoks;
	{
		size_t end = len;

		while (end > 0 && rc == 0) {
			size_t start = (size_t)best[end].from;
			int32_t id = best[end].id;

			if (id == m->unk_id) {
				while (start > 0 && best[start].id == m->unk_id)
					start = (size_t)best[start].from;
				/* The fused text may itself be a token (the library looks it up). */
				id = tk_vocab_get(&m->vocab, w->u8 + start, end - start);
				if (id < 0 && m->byte_fallback) {
					size_t j, b;

					for (j = start; j < end && m->byte_ids[(unsigned char)w->u8[j]] >= 0; j++)
						;
					if (j == end) {
						for (b = end; rc == 0 && b > start; b--) {
							int32_t bid = m->byte_ids[(unsigned char)w->u8[b - 1]];

							rc = emit(w, sp, bid, m->vocab.strings[bid], start, end);
						}
						end = start;
						continue;
					}
				}
				if (id < 0)
					id = m->unk_id;
			}
			rc = emit(w, sp, id, m->vocab.strings[id], start, end);
			end = start;
		}
	}
	if (rc == 0) {
		size_t a = first, b = w->ntoks;

		while (b > a + 1) {
			tk_token t = w->toks[a];

			w->toks[a++] = w->toks[--b];
			w->toks[b] = t;
		}
	}
	return rc;
}

/* --- Dispatch ------------------------------------------------------------------------------- */

int tk_model_init(tk_model *m)
{
	unsigned b;
	size_t i;

	if (m->unk_token) {
		m->unk_id = tk_vocab_get(&m->vocab, m->unk_token, strlen(m->unk_token));
		if (m->unk_id < 0 && m->type == TK_M_WORDPIECE)
			return hfgit_error__set(HFGIT_EINVALID, "WordPiece: unk_token '%s' is not in the "
			                        "vocabulary", m->unk_token);
	}
	for (b = 0; b < 256; b++) {
		char name[8];

		snprintf(name, sizeof(name), "<0x%02X>", b);
		m->byte_ids[b] = tk_vocab_get(&m->vocab, name, strlen(name));
	}
	m->max_piece_bytes = max_token_bytes(&m->vocab);
	if (m->type == TK_M_WORDPIECE && !m->prefix && !(m->prefix = strdup("##")))
		return hfgit_error__oom();
	if (m->type == TK_M_BPE && !(m->cache = calloc(1, sizeof(*m->cache))))
		return hfgit_error__oom();
	if (m->type == TK_M_UNIGRAM) {
		m->min_score = INFINITY;
		for (i = 0; i < m->vocab.size; i++)
			if (m->scores[i] < m->min_score)
				m->min_score = m->scores[i];
	}
	return 0;
}

int tk_model_tokenize(tk_model *m, tk_work *w, const tk_split *sp)
{
	switch (m->type) {
	case TK_M_WORDPIECE: return wordpiece(m, w, sp);
	case TK_M_BPE: return bpe(m, w, sp);
	case TK_M_UNIGRAM: return unigram(m, w, sp);
	}
	return 0;
}

void tk_model_dispose(tk_model *m)
{
	tk_vocab_dispose(&m->vocab);
	tk_pair_map_dispose(&m->merges);
	cache_free(m->cache);
	free(m->unk_token);
	free(m->prefix);
	free(m->suffix);
	free(m->scores);
	memset(m, 0, sizeof(*m));
}
