/* Pre-tokenizers (tokenizers' pre_tokenizers/): pieces of text cut into smaller pieces. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

/* The GPT-2 rule (pre_tokenizers/byte_level.rs). */
static const char gpt2_regex[] =
	"'s|'t|'re|'ve|'m|'ll|'d| ?\\p{L}+| ?\\p{N}+| ?[^\\s\\p{L}\\p{N}]+|\\s+(?!\\S)|\\s+";

/* Events: (start, end, is_match) triples covering a piece, as Pattern::find_matches gives. */
typedef struct {
	size_t *v;
	size_t n, cap;
} events;

static int ev_push(events *e, size_t s, size_t end, bool match)
{
	if (e->n + 3 > e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 96;
		size_t *v = realloc(e->v, cap * sizeof(*v));

		if (!v)
			return hfgit_error__oom();
		e->v = v;
		e->cap = cap;
	}
	e->v[e->n++] = s;
	e->v[e->n++] = end;
	e->v[e->n++] = match;
	return 0;
}

/* SplitDelimiterBehavior applied to the events of piece `sp`: the pieces go to w->next. */
static int apply_behavior(tk_work *w, const tk_split *sp, events *e, tk_behavior b, bool invert)
{
	size_t i, k = 0;
	size_t *v = e->v;
	int rc = 0;

	if (invert)
		for (i = 0; i < e->n; i += 3)
			v[i + 2] = !v[i + 2];
	switch (b) {
	case TK_REMOVED:
		for (i = 0; i < e->n; i += 3)
			if (!v[i + 2])
				v[k++] = v[i], v[k++] = v[i + 1], v[k++] = 0;
		break;
	case TK_ISOLATED:
		k = e->n;
		break;
	case TK_CONTIGUOUS: {
		bool prev = false;

		for (i = 0; i < e->n; i += 3) {
			bool m = v[i + 2];

			if (m == prev && k)
				v[k - 2] = v[i + 1];
			else
				v[k++] = v[i], v[k++] = v[i + 1], v[k++] = 0;
			prev = m;
		}
		break;
	}
	case TK_MERGED_WITH_PREVIOUS: {
		bool prev = false;

		for (i = 0; i < e->n; i += 3) {
			bool m = v[i + 2];

			if (m && !prev && k)
				v[k - 2] = v[i + 1];
			else
				v[k++] = v[i], v[k++] = v[i + 1], v[k++] = 0;
			prev = m;
		}
		break;
	}
	case TK_MERGED_WITH_NEXT: {
		/* The same from the end: a match joins the piece after it. */
		bool prev = false;
		size_t j = e->n;

		k = e->n;
		for (i = e->n; i > 0; i -= 3) {
			size_t s = v[i - 3], end = v[i - 2];
			bool m = v[i - 1];

			if (m && !prev && j < e->n)
				v[j] = s;
			else {
				j -= 3;
				v[j] = s, v[j + 1] = end, v[j + 2] = 0;
			}
			prev = m;
		}
		for (i = j; rc == 0 && i < e->n; i += 3)
			if (v[i + 1] > v[i])
				rc = tk_work_push_split(w, sp->off + v[i], v[i + 1] - v[i], -1);
		return rc;
	}
	}
	for (i = 0; rc == 0 && i < k; i += 3)
		if (v[i + 1] > v[i])
			rc = tk_work_push_split(w, sp->off + v[i], v[i + 1] - v[i], -1);
	return rc;
}

/* Every code point `pred` says yes to is a match of its own. */
static int events_of(events *e, const tk_work *w, const tk_split *sp, bool (*pred)(uint32_t))
{
	size_t i, last = 0;
	int rc = 0;

	e->n = 0;
	for (i = 0; rc == 0 && i < sp->n; i++) {
		if (!pred(w->c[sp->off + i]))
			continue;
		if (last < i)
			rc = ev_push(e, last, i, false);
		if (rc == 0)
			rc = ev_push(e, i, i + 1, true);
		last = i + 1;
	}
	if (rc == 0 && last < sp->n)
		rc = ev_push(e, last, sp->n, false);
	return rc;
}

static int events_of_pattern(events *e, tk_work *w, const tk_split *sp, const tk_pattern *p)
{
	size_t *m = NULL, nm = 0, cap = 0, j, last = 0;
	int rc;

	e->n = 0;
	rc = tk_pattern_find(p, w, w->c + sp->off, sp->n, &m, &nm, &cap);
	for (j = 0; rc == 0 && j < nm; j += 2) {
		if (last < m[j])
			rc = ev_push(e, last, m[j], false);
		if (rc == 0)
			rc = ev_push(e, m[j], m[j + 1], true);
		last = m[j + 1];
	}
	if (rc == 0 && last < sp->n)
		rc = ev_push(e, last, sp->n, false);
	free(m);
	return rc;
}

static bool is_ws(uint32_t c)
{
	return tk_is_whitespace(c);
}

static bool is_punct(uint32_t c)
{
	return tk_is_punctuation(c);
}

static bool is_num(uint32_t c)
{
	return tk_is_numeric(c);
}

/* Whitespace: runs of \w and runs of [^\w\s], the rest dropped. */
static int whitespace(tk_work *w, const tk_split *sp)
{
	size_t i = 0;
	int rc = 0;

	while (rc == 0 && i < sp->n) {
		uint32_t c = w->c[sp->off + i];
		size_t j;
		int cls;

		if (tk_is_whitespace(c)) {
			i++;
			continue;
		}
		cls = tk_is_alphanumeric_word(c);
		for (j = i + 1; j < sp->n; j++) {
			uint32_t d = w->c[sp->off + j];

			if (tk_is_whitespace(d) || tk_is_alphanumeric_word(d) != cls)
				break;
		}
		rc = tk_work_push_split(w, sp->off + i, j - i, -1);
		i = j;
	}
	return rc;
}

/* Prepend `c` to a piece (NormalizedString::prepend): it points at the first code point. */
static int prepend_char(tk_work *w, tk_split *sp, uint32_t c)
{
	size_t base;

	if (tk_work_reserve(w, sp->n + 1) < 0)
		return HFGIT_ERROR;
	base = w->len;
	w->c[base] = c;
	w->al[base] = w->al[sp->off];
	memcpy(w->c + base + 1, w->c + sp->off, sp->n * sizeof(*w->c));
	memcpy(w->al + base + 1, w->al + sp->off, sp->n * sizeof(*w->al));
	w->len += sp->n + 1;
	sp->off = base;
	sp->n++;
	return 0;
}

/* GPT-2's bytes_to_unicode: printable bytes stand for themselves, the other 68 become
 * U+0100 + n in byte order. */
static uint32_t byte_char[256];

static void init_byte_chars(void)
{
	unsigned b, n = 0;

	if (byte_char['!'])
		return;
	for (b = 0; b < 256; b++) {
		bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;

		byte_char[b] = printable ? b : 256 + n++;
	}
}

uint32_t tk_byte_char(unsigned b)
{
	init_byte_chars();
	return byte_char[b & 255];
}

/* Every code point becomes the characters of its UTF-8 bytes, all pointing where it did. */
static int to_byte_chars(tk_work *w, tk_split *sp)
{
	size_t i, base, k;

	if (tk_work_reserve(w, sp->n * 4) < 0)
		return HFGIT_ERROR;
	base = k = w->len;
	for (i = 0; i < sp->n; i++) {
		uint32_t c = w->c[sp->off + i];
		tk_span al = w->al[sp->off + i];
		char u[4];
		size_t len = tk_utf8_put(u, c), j;

		for (j = 0; j < len; j++, k++) {
			w->c[k] = byte_char[(unsigned char)u[j]];
			w->al[k] = al;
		}
	}
	w->len = k;
	sp->off = base;
	sp->n = k - base;
	return 0;
}

static int byte_level(const tk_pretok *pt, tk_work *w, tk_split *sp, events *e)
{
	size_t first = w->nnext, i;
	int rc = 0;

	init_byte_chars();
	if (pt->add_prefix_space && sp->n && w->c[sp->off] != ' ' && (rc = prepend_char(w, sp, ' ')) < 0)
		return rc;
	if (pt->use_regex) {
		if ((rc = events_of_pattern(e, w, sp, &pt->pattern)) < 0 ||
		    (rc = apply_behavior(w, sp, e, TK_ISOLATED, false)) < 0)
			return rc;
	} else if (sp->n) {
		rc = tk_work_push_split(w, sp->off, sp->n, -1);
	}
	for (i = first; rc == 0 && i < w->nnext; i++)
		rc = to_byte_chars(w, &w->next[i]);
	return rc;
}

static int metaspace(const tk_pretok *pt, tk_work *w, tk_split *sp, events *e)
{
	size_t i;
	bool first_piece = sp->n && w->al[sp->off].s == 0;
	int rc = 0;

	for (i = 0; i < sp->n; i++)
		if (w->c[sp->off + i] == ' ')
			w->c[sp->off + i] = pt->replacement;
	if (sp->n && w->c[sp->off] != pt->replacement &&
	    (pt->prepend_scheme == TK_PREPEND_ALWAYS ||
	     (pt->prepend_scheme == TK_PREPEND_FIRST && first_piece)))
		rc = prepend_char(w, sp, pt->replacement);
	if (rc < 0)
		return rc;
	if (!pt->split)
		return sp->n ? tk_work_push_split(w, sp->off, sp->n, -1) : 0;
	e->n = 0;
	{
		size_t last = 0;

		for (i = 0; rc == 0 && i < sp->n; i++) {
			if (w->c[sp->off + i] != pt->replacement)
				continue;
			if (last < i)
				rc = ev_push(e, last, i, false);
			if (rc == 0)
				rc = ev_push(e, i, i + 1, true);
			last = i + 1;
		}
		if (rc == 0 && last < sp->n)
			rc = ev_push(e, last, sp->n, false);
	}
	return rc < 0 ? rc : apply_behavior(w, sp, e, TK_MERGED_WITH_NEXT, false);
}

static int one(const tk_pretok *pt, tk_work *w, tk_split *sp, events *e)
{
	int rc;

	switch (pt->type) {
	case TK_P_BERT:
		/* Whitespace removed, then each punctuation character isolated: one pass does
		 * both, as whitespace and punctuation never overlap. */
		{
			size_t i, last = 0;

			rc = 0;
			for (i = 0; rc == 0 && i < sp->n; i++) {
				uint32_t c = w->c[sp->off + i];
				bool ws = tk_is_whitespace(c);

				if (!ws && !tk_is_punctuation(c))
					continue;
				if (last < i)
					rc = tk_work_push_split(w, sp->off + last, i - last, -1);
				if (rc == 0 && !ws)
					rc = tk_work_push_split(w, sp->off + i, 1, -1);
				last = i + 1;
			}
			if (rc == 0 && last < sp->n)
				rc = tk_work_push_split(w, sp->off + last, sp->n - last, -1);
			return rc;
		}
	case TK_P_BYTE_LEVEL: return byte_level(pt, w, sp, e);
	case TK_P_WHITESPACE: return whitespace(w, sp);
	case TK_P_WHITESPACE_SPLIT:
		return (rc = events_of(e, w, sp, is_ws)) < 0 ? rc :
		       apply_behavior(w, sp, e, TK_REMOVED, false);
	case TK_P_PUNCTUATION:
		return (rc = events_of(e, w, sp, is_punct)) < 0 ? rc :
		       apply_behavior(w, sp, e, pt->behavior, false);
	case TK_P_DIGITS:
		return (rc = events_of(e, w, sp, is_num)) < 0 ? rc :
		       apply_behavior(w, sp, e, pt->individual_digits ? TK_ISOLATED : TK_CONTIGUOUS,
		                      false);
	case TK_P_METASPACE: return metaspace(pt, w, sp, e);
	case TK_P_SPLIT:
		return (rc = events_of_pattern(e, w, sp, &pt->pattern)) < 0 ? rc :
		       apply_behavior(w, sp, e, pt->behavior, pt->invert);
	case TK_P_SEQUENCE: break;
	}
	return 0;
}

static int pass(const tk_pretok *pt, tk_work *w, events *e)
{
	size_t i;
	int rc = 0;

	w->nnext = 0;
	for (i = 0; rc == 0 && i < w->nsplits; i++) {
		tk_split sp = w->splits[i];

		if (sp.added >= 0)
			rc = tk_work_push_split(w, sp.off, sp.n, sp.added);
		else
			rc = one(pt, w, &sp, e);
	}
	if (rc == 0) {
		tk_split *t = w->splits;
		size_t cap = w->cap_splits;

		w->splits = w->next;
		w->nsplits = w->nnext;
		w->cap_splits = w->cap_next;
		w->next = t;
		w->cap_next = cap;
		w->nnext = 0;
	}
	return rc;
}

static int run(const tk_pretok *pt, tk_work *w, events *e)
{
	size_t i;
	int rc = 0;

	if (pt->type != TK_P_SEQUENCE)
		return pass(pt, w, e);
	for (i = 0; rc == 0 && i < pt->nitems; i++)
		rc = run(pt->items[i], w, e);
	return rc;
}

int tk_pretokenize(const tk_pretok *pt, tk_work *w)
{
	events e = { 0 };
	int rc;

	if (!pt)
		return 0;
	rc = run(pt, w, &e);
	free(e.v);
	return rc;
}

int tk_pretok_gpt2_pattern(tk_pattern *p)
{
	return tk_pattern_compile(p, gpt2_regex, NULL, "ByteLevel pre-tokenizer");
}

void tk_pretok_free(tk_pretok *pt)
{
	size_t i;

	if (!pt)
		return;
	for (i = 0; i < pt->nitems; i++)
		tk_pretok_free(pt->items[i]);
	free(pt->items);
	tk_pattern_dispose(&pt->pattern);
	free(pt);
}
