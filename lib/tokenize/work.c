/*
 * The work pool: code points with their alignments, the pieces (splits) that point into it,
 * and NormalizedString::transform_range's rule for where each new code point points.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

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

int tk_work_reserve(tk_work *w, size_t extra)
{
	size_t cap = w->cap;

	if (w->len + extra <= w->cap)
		return 0;
	if (grow((void **)&w->c, &cap, w->len + extra, sizeof(*w->c)) < 0)
		return HFGIT_ERROR;
	cap = w->cap;
	if (grow((void **)&w->al, &cap, w->len + extra, sizeof(*w->al)) < 0)
		return HFGIT_ERROR;
	w->cap = cap;
	return 0;
}

int tk_work_push_split(tk_work *w, size_t off, size_t n, int32_t added)
{
	if (grow((void **)&w->next, &w->cap_next, w->nnext + 1, sizeof(*w->next)) < 0)
		return HFGIT_ERROR;
	w->next[w->nnext].off = off;
	w->next[w->nnext].n = n;
	w->next[w->nnext].added = added;
	w->nnext++;
	return 0;
}

void tk_work_dispose(tk_work *w)
{
	free(w->c);
	free(w->al);
	free(w->splits);
	free(w->next);
	free(w->toks);
	free(w->u8);
	free(w->u8_cp);
	free(w->scratch);
	if (w->md)
		pcre2_match_data_free_32(w->md);
	memset(w, 0, sizeof(*w));
}

int tk_changes_push(tk_changes *t, uint32_t c, int change)
{
	size_t cap = t->cap;

	if (t->n == t->cap) {
		if (grow((void **)&t->c, &cap, t->n + 1, sizeof(*t->c)) < 0)
			return HFGIT_ERROR;
		cap = t->cap;
		if (grow((void **)&t->change, &cap, t->n + 1, sizeof(*t->change)) < 0)
			return HFGIT_ERROR;
		t->cap = cap;
	}
	t->c[t->n] = c;
	t->change[t->n] = change;
	t->n++;
	return 0;
}

/*
 * A replaced or kept code point (change <= 0) keeps the alignment of the code point it
 * replaces; an inserted one (change > 0) takes that of the code point before it (the very
 * first of the pool: an empty span at its start). change < 0 also drops that many following
 * code points. `initial_offset` code points at the start are dropped first.
 */
int tk_apply_changes(tk_work *w, size_t *off, size_t *n, const tk_changes *t,
                     size_t initial_offset)
{
	size_t base, pos = *off + initial_offset, end = *off + *n, i;

	if (tk_work_reserve(w, t->n) < 0)
		return HFGIT_ERROR;
	base = w->len;
	for (i = 0; i < t->n; i++) {
		tk_span al;

		if (t->change[i] > 0) {
			/* A piece's alignments are relative to where it starts in the original:
			 * an insertion at its very start gets the empty span there. */
			if (pos > *off)
				al = w->al[pos - 1];
			else
				al = *n ? (tk_span){ w->al[*off].s, w->al[*off].s } : (tk_span){ 0, 0 };
		} else {
			al = pos < end ? w->al[pos] : (end > *off ? w->al[end - 1] : (tk_span){ 0, 0 });
			if (pos < end)
				pos++;
			if (t->change[i] < 0) {
				pos += (size_t)-t->change[i];
				if (pos > end)
					pos = end;
			}
		}
		w->c[base + i] = t->c[i];
		w->al[base + i] = al;
	}
	w->len += t->n;
	*off = base;
	*n = t->n;
	return 0;
}
