/* Normalizers (tokenizers' normalizers/): each rewrites a piece's code points in the pool. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

/* Keep the code points `keep` says yes to: alignments of the kept ones do not change. */
static int filter(tk_work *w, size_t *off, size_t *n, bool (*drop)(uint32_t))
{
	size_t i, k = *off;

	for (i = *off; i < *off + *n; i++) {
		if (drop(w->c[i]))
			continue;
		w->c[k] = w->c[i];
		w->al[k] = w->al[i];
		k++;
	}
	*n = k - *off;
	return 0;
}

static bool bert_drops(uint32_t c)
{
	if (c == '\t' || c == '\n' || c == '\r')
		return false;
	return c == 0 || c == 0xFFFD || tk_is_other(c);
}

static bool is_mn(uint32_t c)
{
	return tk_is_mark_nonspacing(c);
}

static bool is_mark(uint32_t c)
{
	return tk_is_mark(c);
}

static bool all_ascii(const uint32_t *c, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (c[i] >= 0x80)
			return false;
	return true;
}

/* A normalization form over a piece: outputs aligned by the changes utf8proc's forms imply
 * (a composite stands for the code points it absorbed, extra code points of a decomposition
 * are insertions). */
static int unicode_form(tk_work *w, size_t *off, size_t *n, tk_norm_form form)
{
	tk_changes t = { 0 };
	size_t cap = *n * 4 + 16;
	ptrdiff_t m;
	int rc;

	if (all_ascii(w->c + *off, *n))
		return 0;
	for (;;) {
		t.c = malloc(cap * sizeof(*t.c));
		t.change = malloc(cap * sizeof(*t.change));
		if (!t.c || !t.change) {
			free(t.c);
			free(t.change);
			return hfgit_error__oom();
		}
		m = tk_normalize_changes(t.c, t.change, cap, w->c + *off, *n, form);
		if (m != -1)
			break;
		free(t.c);
		free(t.change);
		cap *= 4;
	}
	if (m < 0)
		rc = hfgit_error__set(HFGIT_ERROR, "Unicode normalization failed");
	else {
		t.n = t.cap = (size_t)m;
		rc = tk_apply_changes(w, off, n, &t, 0);
	}
	free(t.c);
	free(t.change);
	return rc;
}

static int lowercase(tk_work *w, size_t *off, size_t *n)
{
	tk_changes t = { 0 };
	size_t i;
	int rc = 0;
	bool multi = false;

	for (i = *off; i < *off + *n; i++) {
		uint32_t lc[2];

		if (tk_lowercase(w->c[i], lc) > 1) {
			multi = true;
			break;
		}
		w->c[i] = lc[0];
	}
	if (!multi)
		return 0;
	/* A code point with a two-character lowercase (U+0130): insertions. */
	for (i = *off; rc == 0 && i < *off + *n; i++) {
		uint32_t lc[2];
		size_t k = tk_lowercase(w->c[i], lc);

		rc = tk_changes_push(&t, lc[0], 0);
		if (rc == 0 && k > 1)
			rc = tk_changes_push(&t, lc[1], 1);
	}
	if (rc == 0)
		rc = tk_apply_changes(w, off, n, &t, 0);
	free(t.c);
	free(t.change);
	return rc;
}

static int bert(const tk_normalizer *nz, tk_work *w, size_t *off, size_t *n)
{
	size_t i;
	int rc;

	if (nz->clean_text) {
		filter(w, off, n, bert_drops);
		for (i = *off; i < *off + *n; i++)
			if (tk_is_whitespace(w->c[i]))
				w->c[i] = ' ';
	}
	if (nz->handle_chinese_chars) {
		bool any = false;

		for (i = *off; i < *off + *n && !any; i++)
			any = tk_is_chinese(w->c[i]);
		if (any) {
			tk_changes t = { 0 };

			rc = 0;
			for (i = *off; rc == 0 && i < *off + *n; i++) {
				if (tk_is_chinese(w->c[i])) {
					rc = tk_changes_push(&t, ' ', 0);
					if (rc == 0)
						rc = tk_changes_push(&t, w->c[i], 1);
					if (rc == 0)
						rc = tk_changes_push(&t, ' ', 1);
				} else {
					rc = tk_changes_push(&t, w->c[i], 0);
				}
			}
			if (rc == 0)
				rc = tk_apply_changes(w, off, n, &t, 0);
			free(t.c);
			free(t.change);
			if (rc < 0)
				return rc;
		}
	}
	if (nz->strip_accents) {
		if ((rc = unicode_form(w, off, n, TK_NFD)) < 0)
			return rc;
		filter(w, off, n, is_mn);
	}
	if (nz->lowercase)
		return lowercase(w, off, n);
	return 0;
}

/* Each match becomes `content`; every code point of it points where the match's last code
 * point did (the library inserts them after removing the match). */
static int replace(const tk_normalizer *nz, tk_work *w, size_t *off, size_t *n)
{
	size_t *m = NULL, nm = 0, cap = 0, j, last = 0, base, k;
	int rc;

	if ((rc = tk_pattern_find(&nz->pattern, w, w->c + *off, *n, &m, &nm, &cap)) < 0 || !nm) {
		free(m);
		return rc;
	}
	if (tk_work_reserve(w, *n + nm / 2 * nz->content_len) < 0) {
		free(m);
		return HFGIT_ERROR;
	}
	base = k = w->len;
	for (j = 0; j < nm; j += 2) {
		size_t s = m[j], e = m[j + 1], i;
		tk_span al = w->al[*off + e - 1];

		for (i = last; i < s; i++, k++) {
			w->c[k] = w->c[*off + i];
			w->al[k] = w->al[*off + i];
		}
		for (i = 0; i < nz->content_len; i++, k++) {
			w->c[k] = nz->content[i];
			w->al[k] = al;
		}
		last = e;
	}
	for (j = last; j < *n; j++, k++) {
		w->c[k] = w->c[*off + j];
		w->al[k] = w->al[*off + j];
	}
	w->len = k;
	*off = base;
	*n = k - base;
	free(m);
	return 0;
}

/* Prepend: the new code points all point at the first one (a non-empty piece only). */
static int prepend(const tk_normalizer *nz, tk_work *w, size_t *off, size_t *n)
{
	size_t base, i;
	tk_span al;

	if (!*n)
		return 0;
	if (tk_work_reserve(w, *n + nz->content_len) < 0)
		return HFGIT_ERROR;
	base = w->len;
	al = w->al[*off];
	for (i = 0; i < nz->content_len; i++) {
		w->c[base + i] = nz->content[i];
		w->al[base + i] = al;
	}
	memcpy(w->c + base + i, w->c + *off, *n * sizeof(*w->c));
	memcpy(w->al + base + i, w->al + *off, *n * sizeof(*w->al));
	w->len = base + i + *n;
	*off = base;
	*n += nz->content_len;
	return 0;
}

static void strip(const tk_normalizer *nz, tk_work *w, size_t *off, size_t *n)
{
	if (nz->strip_left)
		while (*n && tk_is_whitespace(w->c[*off])) {
			(*off)++;
			(*n)--;
		}
	if (nz->strip_right)
		while (*n && tk_is_whitespace(w->c[*off + *n - 1]))
			(*n)--;
}

int tk_normalize(const tk_normalizer *nz, tk_work *w, size_t *off, size_t *n)
{
	size_t i;
	int rc = 0;

	if (!nz)
		return 0;
	switch (nz->type) {
	case TK_N_BERT: return bert(nz, w, off, n);
	case TK_N_LOWERCASE: return lowercase(w, off, n);
	case TK_N_STRIP_ACCENTS: return filter(w, off, n, is_mark);
	case TK_N_NFC: return unicode_form(w, off, n, TK_NFC);
	case TK_N_NFD: return unicode_form(w, off, n, TK_NFD);
	case TK_N_NFKC: return unicode_form(w, off, n, TK_NFKC);
	case TK_N_NFKD: return unicode_form(w, off, n, TK_NFKD);
	case TK_N_REPLACE: return replace(nz, w, off, n);
	case TK_N_PREPEND: return prepend(nz, w, off, n);
	case TK_N_STRIP: strip(nz, w, off, n); return 0;
	case TK_N_SEQUENCE:
		for (i = 0; rc == 0 && i < nz->nitems; i++)
			rc = tk_normalize(nz->items[i], w, off, n);
		return rc;
	}
	return 0;
}

void tk_normalizer_free(tk_normalizer *nz)
{
	size_t i;

	if (!nz)
		return;
	for (i = 0; i < nz->nitems; i++)
		tk_normalizer_free(nz->items[i]);
	free(nz->items);
	tk_pattern_dispose(&nz->pattern);
	free(nz->content);
	free(nz);
}
