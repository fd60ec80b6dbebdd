/*
 * Added tokens (tokenizer/added_vocabulary.rs): split off before the model sees the text.
 * Tokens with normalized=false are found in the raw text, the others in the normalized text
 * (with their content normalized the same way); the leftmost match wins, the longest among
 * those that start there.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

const tk_added *tk_added_by_id(const hfgit_tokenizer *t, int32_t id)
{
	size_t i;

	for (i = 0; i < t->nadded; i++)
		if (t->added[i].id == id)
			return &t->added[i];
	return NULL;
}

int tk_added_prepare(hfgit_tokenizer *t)
{
	tk_work w = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < t->nadded; i++) {
		tk_added *a = &t->added[i];
		size_t len = strlen(a->content), bad, off, n, k;
		ptrdiff_t m;

		if (!(a->cps = malloc((len + 1) * sizeof(*a->cps)))) {
			rc = hfgit_error__oom();
			break;
		}
		if ((m = tk_utf8_decode(a->cps, a->content, len, &bad)) < 0) {
			rc = hfgit_error__set(HFGIT_EINVALID, "added token %d is not valid UTF-8", (int)a->id);
			break;
		}
		a->ncps = (size_t)m;
		if (a->normalized)
			t->any_norm_added = true;
		else
			t->any_raw_added = true;
		if (a->ncps)
			t->added_first[a->cps[0] & 255] = true;
		if (!a->normalized || !t->normalizer || !a->ncps)
			continue;
		w.len = 0;
		if ((rc = tk_work_reserve(&w, a->ncps)) < 0)
			break;
		for (k = 0; k < a->ncps; k++) {
			w.c[k] = a->cps[k];
			w.al[k] = (tk_span){ (uint32_t)k, (uint32_t)k + 1 };
		}
		w.len = a->ncps;
		off = 0;
		n = a->ncps;
		if ((rc = tk_normalize(t->normalizer, &w, &off, &n)) < 0)
			break;
		if (!(a->norm_cps = malloc((n + 1) * sizeof(*a->norm_cps)))) {
			rc = hfgit_error__oom();
			break;
		}
		memcpy(a->norm_cps, w.c + off, n * sizeof(*w.c));
		a->nnorm = n;
		if (n)
			t->added_first[a->norm_cps[0] & 255] = true;
	}
	tk_work_dispose(&w);
	return rc;
}

static bool is_word(uint32_t c)
{
	return tk_is_alphanumeric_word(c);
}

/* The longest token of the kind asked for that starts at s[i]. */
static const tk_added *match_at(const hfgit_tokenizer *t, bool normalized, const uint32_t *s,
                                size_t n, size_t i)
{
	const tk_added *best = NULL;
	size_t best_len = 0, k;

	for (k = 0; k < t->nadded; k++) {
		const tk_added *a = &t->added[k];
		const uint32_t *p = a->cps;
		size_t len = a->ncps;

		if (a->normalized != normalized)
			continue;
		if (normalized && a->norm_cps) {
			p = a->norm_cps;
			len = a->nnorm;
		}
		if (!len || len > n - i || len <= best_len || p[0] != s[i] ||
		    memcmp(p, s + i, len * sizeof(*s)))
			continue;
		best = a;
		best_len = len;
	}
	return best;
}

static size_t added_len(const tk_added *a, bool normalized)
{
	return normalized && a->norm_cps ? a->nnorm : a->ncps;
}

int tk_added_split(const hfgit_tokenizer *t, tk_work *w, bool normalized)
{
	size_t j;
	int rc = 0;

	if (!(normalized ? t->any_norm_added : t->any_raw_added))
		return 0;
	w->nnext = 0;
	for (j = 0; rc == 0 && j < w->nsplits; j++) {
		tk_split sp = w->splits[j];
		const uint32_t *s = w->c + sp.off;
		size_t i = 0, last = 0;

		if (sp.added >= 0) {
			rc = tk_work_push_split(w, sp.off, sp.n, sp.added);
			continue;
		}
		while (rc == 0 && i < sp.n) {
			const tk_added *a;
			size_t start = i, stop;

			/* Most code points start no added token: one table look-up says so. */
			if (!t->added_first[s[i] & 255]) {
				i++;
				continue;
			}
			if (!(a = match_at(t, normalized, s, sp.n, i))) {
				i++;
				continue;
			}
			stop = i + added_len(a, normalized);
			i = stop;
			if (a->single_word &&
			    ((start > 0 && is_word(s[start - 1])) || (stop < sp.n && is_word(s[stop]))))
				continue;
			if (a->lstrip) {
				while (start > last && tk_is_whitespace(s[start - 1]))
					start--;
			}
			if (a->rstrip) {
				while (stop < sp.n && tk_is_whitespace(s[stop]))
					stop++;
				i = stop;
			}
			if (last < start)
				rc = tk_work_push_split(w, sp.off + last, start - last, -1);
			if (rc == 0)
				rc = tk_work_push_split(w, sp.off + start, stop - start, a->id);
			last = stop;
		}
		if (rc == 0 && last < sp.n)
			rc = tk_work_push_split(w, sp.off + last, sp.n - last, -1);
	}
	if (rc == 0) {
		tk_split *tmp = w->splits;
		size_t cap = w->cap_splits;

		w->splits = w->next;
		w->nsplits = w->nnext;
		w->cap_splits = w->cap_next;
		w->next = tmp;
		w->cap_next = cap;
		w->nnext = 0;
	}
	return rc;
}
