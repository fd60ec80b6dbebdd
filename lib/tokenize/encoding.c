/* Encodings, and what happens to them after the model: post-processors (tokenizers'
 * processors/), truncation and padding (utils/truncation.rs, utils/padding.rs). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

hfgit_encoding *tk_encoding_new(void)
{
	hfgit_encoding *e = calloc(1, sizeof(*e));

	if (!e) {
		hfgit_error__oom();
		return NULL;
	}
	return e;
}

static int reserve(hfgit_encoding *e, size_t need)
{
	size_t cap = e->cap ? e->cap : 16;

	if (need <= e->cap)
		return 0;
	while (cap < need)
		cap *= 2;
#define GROW(f, k) do {                                          \
		void *q = realloc(e->f, cap * (k) * sizeof(*e->f));      \
		if (!q)                                                  \
			return hfgit_error__oom();                        \
		e->f = q;                                                \
	} while (0)
	GROW(ids, 1);
	GROW(type_ids, 1);
	GROW(attention, 1);
	GROW(special, 1);
	GROW(seq, 1);
	GROW(offsets, 2);
	GROW(tokens, 1);
#undef GROW
	e->cap = cap;
	return 0;
}

int tk_encoding_push(hfgit_encoding *e, int32_t id, uint32_t type_id, const char *token,
                     size_t s, size_t end, uint32_t special, int32_t seq)
{
	size_t i = e->n;

	if (reserve(e, e->n + 1) < 0)
		return HFGIT_ERROR;
	e->ids[i] = id;
	e->type_ids[i] = type_id;
	e->tokens[i] = token;
	e->offsets[2 * i] = s;
	e->offsets[2 * i + 1] = end;
	e->special[i] = special;
	e->attention[i] = 1;
	e->seq[i] = seq;
	e->n++;
	return 0;
}

const char *tk_encoding_own(hfgit_encoding *e, const char *s, size_t len)
{
	char *copy;

	if (e->nowned == e->cap_owned) {
		size_t cap = e->cap_owned ? e->cap_owned * 2 : 8;
		char **q = realloc(e->owned, cap * sizeof(*q));

		if (!q) {
			hfgit_error__oom();
			return NULL;
		}
		e->owned = q;
		e->cap_owned = cap;
	}
	if (!(copy = malloc(len + 1))) {
		hfgit_error__oom();
		return NULL;
	}
	memcpy(copy, s, len);
	copy[len] = '\0';
	e->owned[e->nowned++] = copy;
	return copy;
}

int tk_encoding_append(hfgit_encoding *e, hfgit_encoding *m)
{
	size_t i;

	if (reserve(e, e->n + m->n) < 0)
		return HFGIT_ERROR;
	if (m->nowned) {
		char **q = realloc(e->owned, (e->nowned + m->nowned) * sizeof(*q));

		if (!q)
			return hfgit_error__oom();
		memcpy(q + e->nowned, m->owned, m->nowned * sizeof(*q));
		e->owned = q;
		e->nowned += m->nowned;
		e->cap_owned = e->nowned;
		m->nowned = 0;
	}
	for (i = 0; i < m->n; i++) {
		size_t k = e->n + i;

		e->ids[k] = m->ids[i];
		e->type_ids[k] = m->type_ids[i];
		e->tokens[k] = m->tokens[i];
		e->offsets[2 * k] = m->offsets[2 * i];
		e->offsets[2 * k + 1] = m->offsets[2 * i + 1];
		e->special[k] = m->special[i];
		e->attention[k] = m->attention[i];
		e->seq[k] = m->seq[i];
	}
	e->n += m->n;
	return 0;
}

/* Keep `len` tokens, dropping from the end (or the start). */
static void keep(hfgit_encoding *e, size_t len, bool left)
{
	size_t drop, i;

	if (e->n <= len)
		return;
	drop = e->n - len;
	if (left) {
		for (i = 0; i < len; i++) {
			e->ids[i] = e->ids[i + drop];
			e->type_ids[i] = e->type_ids[i + drop];
			e->tokens[i] = e->tokens[i + drop];
			e->offsets[2 * i] = e->offsets[2 * (i + drop)];
			e->offsets[2 * i + 1] = e->offsets[2 * (i + drop) + 1];
			e->special[i] = e->special[i + drop];
			e->attention[i] = e->attention[i + drop];
			e->seq[i] = e->seq[i + drop];
		}
	}
	e->n = len;
}

int tk_truncate(hfgit_encoding *e, hfgit_encoding *pair, const tk_truncation *tr, size_t added)
{
	size_t max, n1 = e->n, n2 = pair ? pair->n : 0;

	if (!tr->enabled)
		return 0;
	if (tr->max_length < added)
		return hfgit_error__set(HFGIT_EINVALID, "truncation max_length %zu leaves no room for "
		                        "the %zu special tokens", tr->max_length, added);
	max = tr->max_length - added;
	if (n1 + n2 <= max)
		return 0;
	switch (tr->strategy) {
	case TK_LONGEST_FIRST:
		if (pair) {
			bool swap = n1 > n2;
			size_t a = swap ? n2 : n1, b;

			b = a > max ? a : (a > max - a ? a : max - a);
			if (a + b > max) {
				a = max / 2;
				b = a + max % 2;
			}
			keep(e, swap ? b : a, tr->left);
			keep(pair, swap ? a : b, tr->left);
		} else {
			keep(e, max, tr->left);
		}
		break;
	case TK_ONLY_FIRST:
	case TK_ONLY_SECOND: {
		hfgit_encoding *target = tr->strategy == TK_ONLY_FIRST ? e : pair;
		size_t remove = n1 + n2 - max;

		if (!target)
			return hfgit_error__set(HFGIT_EINVALID, "truncation only_second needs a pair");
		if (target->n <= remove)
			return hfgit_error__set(HFGIT_EINVALID, "the sequence to truncate is too short "
			                        "for max_length %zu", tr->max_length);
		keep(target, target->n - remove, tr->left);
		break;
	}
	}
	return 0;
}

int tk_pad(hfgit_encoding *e, size_t length, const tk_padding *p)
{
	size_t add, i;

	if (p->multiple && length % p->multiple)
		length += p->multiple - length % p->multiple;
	if (e->n >= length)
		return 0;
	add = length - e->n;
	if (reserve(e, length) < 0)
		return HFGIT_ERROR;
	if (p->left) {
		memmove(e->ids + add, e->ids, e->n * sizeof(*e->ids));
		memmove(e->type_ids + add, e->type_ids, e->n * sizeof(*e->type_ids));
		memmove(e->tokens + add, e->tokens, e->n * sizeof(*e->tokens));
		memmove(e->offsets + 2 * add, e->offsets, 2 * e->n * sizeof(*e->offsets));
		memmove(e->special + add, e->special, e->n * sizeof(*e->special));
		memmove(e->attention + add, e->attention, e->n * sizeof(*e->attention));
		memmove(e->seq + add, e->seq, e->n * sizeof(*e->seq));
	}
	for (i = 0; i < add; i++) {
		size_t k = p->left ? i : e->n + i;

		e->ids[k] = p->pad_id;
		e->type_ids[k] = p->pad_type_id;
		e->tokens[k] = p->pad_token;
		e->offsets[2 * k] = e->offsets[2 * k + 1] = 0;
		e->special[k] = 1;
		e->attention[k] = 0;
		e->seq[k] = -1;
	}
	e->n = length;
	return 0;
}

/* --- Post-processors ------------------------------------------------------------------------ */

size_t tk_post_added_tokens(const tk_post *pp, bool pair)
{
	size_t n = 0, i;

	if (!pp)
		return 0;
	switch (pp->type) {
	case TK_PP_TEMPLATE: {
		const tk_piece *p = pair ? pp->pair : pp->single;
		size_t np = pair ? pp->npair : pp->nsingle;

		for (i = 0; i < np; i++)
			if (p[i].special)
				n += pp->specials[p[i].special_index].n;
		return n;
	}
	case TK_PP_BERT: return pair ? 3 : 2;
	case TK_PP_ROBERTA: return pair ? 4 : 2;
	case TK_PP_BYTE_LEVEL: return 0;
	case TK_PP_SEQUENCE:
		for (i = 0; i < pp->nitems; i++)
			n += tk_post_added_tokens(pp->items[i], pair);
		return n;
	}
	return 0;
}

static bool is_space_token_char(uint32_t c)
{
	return c == 0x120 /* the byte-level character of ' ' */ || tk_is_whitespace(c);
}

/* ByteLevel's trim_offsets: offsets leave out the whitespace a token starts or ends with. */
static void trim_offsets(hfgit_encoding *e, bool add_prefix_space)
{
	size_t i;

	for (i = 0; i < e->n; i++) {
		const char *tok = e->tokens[i];
		uint32_t buf[256];
		size_t len = strlen(tok), bad, lead = 0, trail = 0;
		ptrdiff_t n;
		size_t *o = &e->offsets[2 * i];

		if (len > sizeof(buf) / sizeof(*buf) ||
		    (n = tk_utf8_decode(buf, tok, len, &bad)) <= 0)
			continue;
		while (lead < (size_t)n && is_space_token_char(buf[lead]))
			lead++;
		while (trail < (size_t)n && is_space_token_char(buf[n - 1 - trail]))
			trail++;
		if (lead) {
			bool first = i == 0 || o[0] == 0;

			if (first && add_prefix_space && lead == 1)
				lead = 0;
			o[0] = o[0] + lead < o[1] ? o[0] + lead : o[1];
		}
		if (trail && o[1] >= trail)
			o[1] = o[1] - trail > o[0] ? o[1] - trail : o[0];
	}
}

static int set_type(hfgit_encoding *e, uint32_t type_id)
{
	size_t i;

	for (i = 0; i < e->n; i++)
		e->type_ids[i] = type_id;
	return 0;
}

static int push_special(hfgit_encoding *out, int32_t id, const char *tok, uint32_t type_id)
{
	return tk_encoding_push(out, id, type_id, tok, 0, 0, 1, -1);
}

/* One post-processor: encodings[0..n) (1 or 2) become one, in *out. */
static int process(const tk_post *pp, hfgit_encoding **enc, size_t nenc, bool add_special,
                   hfgit_encoding *out)
{
	size_t i, j;
	int rc = 0;

	switch (pp->type) {
	case TK_PP_TEMPLATE: {
		const tk_piece *p = nenc == 2 ? pp->pair : pp->single;
		size_t np = nenc == 2 ? pp->npair : pp->nsingle;

		for (i = 0; rc == 0 && i < np; i++) {
			if (p[i].special) {
				const tk_special *sp = &pp->specials[p[i].special_index];

				for (j = 0; add_special && rc == 0 && j < sp->n; j++)
					rc = push_special(out, sp->ids[j], sp->tokens[j], p[i].type_id);
			} else if ((size_t)p[i].seq < nenc) {
				set_type(enc[p[i].seq], p[i].type_id);
				rc = tk_encoding_append(out, enc[p[i].seq]);
			}
		}
		return rc;
	}
	case TK_PP_BERT:
		if (!add_special) {
			for (i = 0; rc == 0 && i < nenc; i++)
				rc = tk_encoding_append(out, enc[i]);
			return rc;
		}
		rc = push_special(out, pp->cls_id, pp->cls, 0);
		if (rc == 0)
			rc = tk_encoding_append(out, enc[0]);
		if (rc == 0)
			rc = push_special(out, pp->sep_id, pp->sep, 0);
		if (rc == 0 && nenc == 2) {
			set_type(enc[1], 1);
			rc = tk_encoding_append(out, enc[1]);
			if (rc == 0)
				rc = push_special(out, pp->sep_id, pp->sep, 1);
		}
		return rc;
	case TK_PP_ROBERTA:
		for (i = 0; i < nenc; i++) {
			if (pp->trim_offsets)
				trim_offsets(enc[i], pp->add_prefix_space);
			set_type(enc[i], 0);
		}
		if (!add_special) {
			for (i = 0; rc == 0 && i < nenc; i++)
				rc = tk_encoding_append(out, enc[i]);
			return rc;
		}
		rc = push_special(out, pp->cls_id, pp->cls, 0);
		if (rc == 0)
			rc = tk_encoding_append(out, enc[0]);
		if (rc == 0)
			rc = push_special(out, pp->sep_id, pp->sep, 0);
		if (rc == 0 && nenc == 2) {
			rc = push_special(out, pp->sep_id, pp->sep, 0);
			if (rc == 0)
				rc = tk_encoding_append(out, enc[1]);
			if (rc == 0)
				rc = push_special(out, pp->sep_id, pp->sep, 0);
		}
		return rc;
	case TK_PP_BYTE_LEVEL:
		for (i = 0; rc == 0 && i < nenc; i++) {
			if (pp->trim_offsets)
				trim_offsets(enc[i], false);
			rc = tk_encoding_append(out, enc[i]);
		}
		return rc;
	case TK_PP_SEQUENCE:
		break;
	}
	return 0;
}

/*
 * The library's Sequence hands every processor the encodings the previous one made (still
 * separate); only the last merges them. Here each step merges: a Sequence of ByteLevel then
 * TemplateProcessing (the common case) comes out the same, as ByteLevel only trims offsets.
 */
static int run(const tk_post *pp, hfgit_encoding **enc, size_t nenc, bool add_special,
               hfgit_encoding **out)
{
	hfgit_encoding *res;
	int rc;

	if (pp->type == TK_PP_SEQUENCE) {
		size_t i;

		for (i = 0; i + 1 < pp->nitems; i++) {
			if (pp->items[i]->type == TK_PP_BYTE_LEVEL) {
				size_t k;

				for (k = 0; k < nenc; k++)
					if (pp->items[i]->trim_offsets)
						trim_offsets(enc[k], false);
				continue;
			}
			return hfgit_error__set(HFGIT_EINVALID, "post_processor Sequence: only ByteLevel may "
			                        "come before the last processor");
		}
		if (!pp->nitems)
			pp = NULL;
		else
			pp = pp->items[pp->nitems - 1];
		if (!pp || pp->type == TK_PP_SEQUENCE) {
			res = tk_encoding_new();
			for (i = 0; res && i < nenc; i++)
				tk_encoding_append(res, enc[i]);
			*out = res;
			return res ? 0 : HFGIT_ERROR;
		}
	}
	if (!(res = tk_encoding_new()))
		return HFGIT_ERROR;
	if ((rc = process(pp, enc, nenc, add_special, res)) < 0) {
		hfgit_encoding_free(res);
		return rc;
	}
	*out = res;
	return 0;
}

int tk_post_process(const hfgit_tokenizer *t, hfgit_encoding **enc, hfgit_encoding *pair,
                    bool add_special)
{
	hfgit_encoding *list[2] = { *enc, pair }, *out = NULL;
	size_t n = pair ? 2 : 1;
	int rc;

	/* The pair is consumed, whatever happens. */
	if ((rc = tk_truncate(*enc, pair, &t->truncation,
	                      add_special ? tk_post_added_tokens(t->post, pair != NULL) : 0)) < 0) {
		hfgit_encoding_free(pair);
		return rc;
	}
	if (!t->post) {
		if (pair) {
			rc = tk_encoding_append(*enc, pair);
			hfgit_encoding_free(pair);
		}
		return rc;
	}
	rc = run(t->post, list, n, add_special, &out);
	hfgit_encoding_free(pair);
	if (rc < 0)
		return rc;
	hfgit_encoding_free(*enc);
	*enc = out;
	return 0;
}

void tk_post_free(tk_post *pp)
{
	size_t i, j;

	if (!pp)
		return;
	for (i = 0; i < pp->nitems; i++)
		tk_post_free(pp->items[i]);
	free(pp->items);
	for (i = 0; i < pp->nspecials; i++) {
		for (j = 0; j < pp->specials[i].n; j++)
			free(pp->specials[i].tokens[j]);
		free(pp->specials[i].tokens);
		free(pp->specials[i].ids);
		free(pp->specials[i].name);
	}
	free(pp->specials);
	free(pp->single);
	free(pp->pair);
	free(pp->cls);
	free(pp->sep);
	free(pp);
}

/* --- Public accessors -------------------------------------------------------------------- */

size_t hfgit_encoding_length(const hfgit_encoding *e) { return e->n; }
const int32_t *hfgit_encoding_ids(const hfgit_encoding *e) { return e->ids; }
const uint32_t *hfgit_encoding_type_ids(const hfgit_encoding *e) { return e->type_ids; }
const uint32_t *hfgit_encoding_attention_mask(const hfgit_encoding *e) { return e->attention; }
const uint32_t *hfgit_encoding_special_tokens_mask(const hfgit_encoding *e) { return e->special; }
const size_t *hfgit_encoding_offsets(const hfgit_encoding *e) { return e->offsets; }

const char *hfgit_encoding_token(const hfgit_encoding *e, size_t i)
{
	return i < e->n ? e->tokens[i] : NULL;
}

void hfgit_encoding_free(hfgit_encoding *e)
{
	if (!e)
		return;
	free(e->ids);
	free(e->type_ids);
	free(e->attention);
	free(e->special);
	free(e->seq);
	free(e->offsets);
	free(e->tokens);
	while (e->nowned)
		free(e->owned[--e->nowned]);
	free(e->owned);
	free(e);
}
