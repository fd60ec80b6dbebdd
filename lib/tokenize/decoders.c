/* Decoders (tokenizers' decoders/): token strings back to text. Each decoder maps the list of
 * strings to a new list (decode_chain); the result is their concatenation. */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

/* Token strings with their lengths: byte-level and byte-fallback decoding can make any byte,
 * NUL included. */
typedef struct {
	char *p;
	size_t len;
} str;

typedef struct {
	str *s;
	size_t n, cap;
} list;

static void list_free(list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->s[i].p);
	free(l->s);
	memset(l, 0, sizeof(*l));
}

static int list_push(list *l, const char *p, size_t len)
{
	char *copy;

	if (l->n == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 16;
		str *q = realloc(l->s, cap * sizeof(*q));

		if (!q)
			return hfgit_error__oom();
		l->s = q;
		l->cap = cap;
	}
	if (!(copy = malloc(len + 1)))
		return hfgit_error__oom();
	memcpy(copy, p, len);
	copy[len] = '\0';
	l->s[l->n].p = copy;
	l->s[l->n].len = len;
	l->n++;
	return 0;
}

/* Entry i becomes the content of `b`. */
static int list_set(list *l, size_t i, hfgit_strbuf *b)
{
	size_t len = b->len;
	char *p = hfgit_strbuf__detach(b);

	if (!p && !(p = calloc(1, 1)))
		return hfgit_error__oom();
	free(l->s[i].p);
	l->s[i].p = p;
	l->s[i].len = len;
	return 0;
}

/* Replace every `from` by `to` in s[0..len), appended to `b`. */
static int replace_all(hfgit_strbuf *b, const char *s, size_t len, const char *from,
                       const char *to)
{
	size_t fl = strlen(from);
	const char *end = s + len, *p;
	int rc = 0;

	if (!fl)
		return hfgit_strbuf__put(b, s, len);
	while (rc == 0 && (p = memmem(s, (size_t)(end - s), from, fl))) {
		rc = hfgit_strbuf__put(b, s, (size_t)(p - s));
		if (rc == 0)
			rc = hfgit_strbuf__puts(b, to);
		s = p + fl;
	}
	return rc ? rc : hfgit_strbuf__put(b, s, (size_t)(end - s));
}

static int replace_entry(list *l, size_t i, const char *from, const char *to)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	int rc;

	if (!*from || !memmem(l->s[i].p, l->s[i].len, from, strlen(from)))
		return 0;
	rc = replace_all(&b, l->s[i].p, l->s[i].len, from, to);
	if (rc == 0)
		rc = list_set(l, i, &b);
	hfgit_strbuf__dispose(&b);
	return rc;
}

static int cleanup(list *l, size_t i)
{
	static const char *const pairs[][2] = {
		{ " .", "." }, { " ?", "?" }, { " !", "!" }, { " ,", "," }, { " ' ", "'" },
		{ " n't", "n't" }, { " 'm", "'m" }, { " do not", " don't" }, { " 's", "'s" },
		{ " 've", "'ve" }, { " 're", "'re" },
	};
	size_t k;
	int rc = 0;

	for (k = 0; rc == 0 && k < sizeof(pairs) / sizeof(*pairs); k++)
		rc = replace_entry(l, i, pairs[k][0], pairs[k][1]);
	return rc;
}

/* The byte a byte-level character stands for; -1 for any other character. */
static int char_byte(uint32_t c)
{
	static int inverse[324];
	static int ready;
	unsigned b;

	if (!ready) {
		for (b = 0; b < 324; b++)
			inverse[b] = -1;
		for (b = 0; b < 256; b++)
			inverse[tk_byte_char(b)] = (int)b;
		ready = 1;
	}
	return c < 324 ? inverse[c] : -1;
}

/* Bytes to text as String::from_utf8_lossy: each maximal prefix of a valid sequence that
 * cannot be completed becomes one U+FFFD. */
static int lossy(hfgit_strbuf *out, const unsigned char *p, size_t n)
{
	size_t i = 0;
	int rc = 0;

	while (rc == 0 && i < n) {
		unsigned char c = p[i];
		size_t need, j;
		unsigned lo = 0x80, hi = 0xBF;

		if (c < 0x80) {
			rc = hfgit_strbuf__put(out, (const char *)p + i++, 1);
			continue;
		}
		if (c >= 0xC2 && c <= 0xDF)
			need = 2;
		else if (c >= 0xE0 && c <= 0xEF)
			need = 3;
		else if (c >= 0xF0 && c <= 0xF4)
			need = 4;
		else
			need = 0;
		if (c == 0xE0)
			lo = 0xA0;
		else if (c == 0xED)
			hi = 0x9F;
		else if (c == 0xF0)
			lo = 0x90;
		else if (c == 0xF4)
			hi = 0x8F;
		for (j = 1; need && j < need && i + j < n; j++) {
			unsigned char d = p[i + j];

			if (j == 1 ? (d < lo || d > hi) : (d < 0x80 || d > 0xBF))
				break;
		}
		if (need && j == need) {
			rc = hfgit_strbuf__put(out, (const char *)p + i, need);
			i += need;
		} else {
			rc = hfgit_strbuf__puts(out, "\xEF\xBF\xBD");
			i += need ? j : 1;
		}
	}
	return rc;
}

static bool valid_utf8(const char *p, size_t n)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	bool ok = lossy(&b, (const unsigned char *)p, n) == 0 && b.len == n &&
	          (!n || !memcmp(b.ptr, p, n));

	hfgit_strbuf__dispose(&b);
	return ok;
}

/* Each token's characters back to bytes (a token with another character keeps its own
 * bytes), all joined, then read as UTF-8. */
static int byte_level(list *l)
{
	hfgit_strbuf bytes = HFGIT_STRBUF_INIT, text = HFGIT_STRBUF_INIT;
	list out = { 0 };
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < l->n; i++) {
		const char *t = l->s[i].p;
		size_t len = l->s[i].len, bad, k, start = bytes.len;
		uint32_t *cps = malloc((len + 1) * sizeof(*cps));
		ptrdiff_t n = cps ? tk_utf8_decode(cps, t, len, &bad) : -1;
		bool all = n >= 0;

		for (k = 0; all && k < (size_t)n && rc == 0; k++) {
			int b = char_byte(cps[k]);
			char c = (char)b;

			if (b < 0)
				all = false;
			else
				rc = hfgit_strbuf__put(&bytes, &c, 1);
		}
		if (rc == 0 && !all) {
			bytes.len = start;
			rc = hfgit_strbuf__put(&bytes, t, len);
		}
		free(cps);
	}
	if (rc == 0)
		rc = lossy(&text, (const unsigned char *)bytes.ptr, bytes.len);
	if (rc == 0)
		rc = list_push(&out, text.ptr ? text.ptr : "", text.len);
	hfgit_strbuf__dispose(&bytes);
	hfgit_strbuf__dispose(&text);
	if (rc < 0) {
		list_free(&out);
		return rc;
	}
	list_free(l);
	*l = out;
	return 0;
}

/* Runs of <0xNN> tokens become the text of their bytes, or one U+FFFD per byte when those
 * are not UTF-8. */
static int byte_fallback(list *l)
{
	hfgit_strbuf pending = HFGIT_STRBUF_INIT;
	list out = { 0 };
	size_t i, npending = 0;
	int rc = 0;

	for (i = 0; rc == 0 && i <= l->n; i++) {
		const char *t = i < l->n ? l->s[i].p : NULL;
		unsigned v;
		char c;

		if (t && l->s[i].len == 6 && !strncmp(t, "<0x", 3) && t[5] == '>' &&
		    isxdigit((unsigned char)t[3]) && isxdigit((unsigned char)t[4]) &&
		    sscanf(t + 3, "%2x", &v) == 1) {
			c = (char)v;
			rc = hfgit_strbuf__put(&pending, &c, 1);
			npending++;
			continue;
		}
		if (npending) {
			if (valid_utf8(pending.ptr, pending.len)) {
				rc = list_push(&out, pending.ptr, pending.len);
			} else {
				size_t k;

				for (k = 0; rc == 0 && k < npending; k++)
					rc = list_push(&out, "\xEF\xBF\xBD", 3);
			}
			hfgit_strbuf__clear(&pending);
			npending = 0;
		}
		if (rc == 0 && t)
			rc = list_push(&out, t, l->s[i].len);
	}
	hfgit_strbuf__dispose(&pending);
	if (rc < 0) {
		list_free(&out);
		return rc;
	}
	list_free(l);
	*l = out;
	return 0;
}

static int apply(const tk_decoder *d, list *l)
{
	size_t i;
	int rc = 0;

	switch (d->type) {
	case TK_D_WORDPIECE: {
		size_t pl = strlen(d->prefix);

		for (i = 0; rc == 0 && i < l->n; i++) {
			if (i) {
				hfgit_strbuf b = HFGIT_STRBUF_INIT;

				if (l->s[i].len >= pl && !memcmp(l->s[i].p, d->prefix, pl))
					rc = hfgit_strbuf__put(&b, l->s[i].p + pl, l->s[i].len - pl);
				else if ((rc = hfgit_strbuf__puts(&b, " ")) == 0)
					rc = hfgit_strbuf__put(&b, l->s[i].p, l->s[i].len);
				if (rc == 0)
					rc = list_set(l, i, &b);
				hfgit_strbuf__dispose(&b);
			}
			if (rc == 0 && d->cleanup)
				rc = cleanup(l, i);
		}
		return rc;
	}
	case TK_D_BYTE_LEVEL:
		return byte_level(l);
	case TK_D_METASPACE: {
		char rep[5];

		rep[tk_utf8_put(rep, d->replacement)] = '\0';
		for (i = 0; rc == 0 && i < l->n; i++)
			rc = replace_entry(l, i, rep,
			                   i == 0 && d->prepend_scheme != TK_PREPEND_NEVER ? "" : " ");
		return rc;
	}
	case TK_D_BPE:
		for (i = 0; rc == 0 && i < l->n; i++)
			rc = replace_entry(l, i, d->suffix, i + 1 == l->n ? "" : " ");
		return rc;
	case TK_D_REPLACE:
		for (i = 0; rc == 0 && i < l->n; i++)
			rc = replace_entry(l, i, d->pattern, d->content);
		return rc;
	case TK_D_BYTE_FALLBACK:
		return byte_fallback(l);
	case TK_D_FUSE: {
		hfgit_strbuf b = HFGIT_STRBUF_INIT;
		list out = { 0 };

		for (i = 0; rc == 0 && i < l->n; i++)
			rc = hfgit_strbuf__put(&b, l->s[i].p, l->s[i].len);
		if (rc == 0)
			rc = list_push(&out, b.ptr ? b.ptr : "", b.len);
		hfgit_strbuf__dispose(&b);
		if (rc < 0) {
			list_free(&out);
			return rc;
		}
		list_free(l);
		*l = out;
		return 0;
	}
	case TK_D_STRIP:
		/* Up to `start` leading and `stop` trailing copies of one character. */
		for (i = 0; rc == 0 && i < l->n; i++) {
			char u[4];
			size_t cl = tk_utf8_put(u, d->strip_content), a = 0, z = l->s[i].len, k;
			hfgit_strbuf b = HFGIT_STRBUF_INIT;

			for (k = 0; k < d->strip_start && z - a >= cl && !memcmp(l->s[i].p + a, u, cl); k++)
				a += cl;
			for (k = 0; k < d->strip_stop && z - a >= cl && !memcmp(l->s[i].p + z - cl, u, cl); k++)
				z -= cl;
			rc = hfgit_strbuf__put(&b, l->s[i].p + a, z - a);
			if (rc == 0)
				rc = list_set(l, i, &b);
			hfgit_strbuf__dispose(&b);
		}
		return rc;
	case TK_D_SEQUENCE:
		for (i = 0; rc == 0 && i < d->nitems; i++)
			rc = apply(d->items[i], l);
		return rc;
	}
	return 0;
}

int tk_decode(const tk_decoder *d, char **out, size_t *out_len, const char **tokens, size_t n)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	list l = { 0 };
	size_t i;
	int rc = 0;

	*out = NULL;
	for (i = 0; rc == 0 && i < n; i++)
		rc = list_push(&l, tokens[i], strlen(tokens[i]));
	if (rc == 0 && d)
		rc = apply(d, &l);
	/* Without a decoder the library joins the tokens with spaces. */
	for (i = 0; rc == 0 && i < l.n; i++) {
		if (!d && i)
			rc = hfgit_strbuf__puts(&b, " ");
		if (rc == 0)
			rc = hfgit_strbuf__put(&b, l.s[i].p, l.s[i].len);
	}
	list_free(&l);
	if (rc == 0) {
		*out_len = b.len;
		if (!(*out = hfgit_strbuf__detach(&b)) && !(*out = calloc(1, 1)))
			rc = hfgit_error__oom();
	}
	hfgit_strbuf__dispose(&b);
	return rc;
}

void tk_decoder_free(tk_decoder *d)
{
	size_t i;

	if (!d)
		return;
	for (i = 0; i < d->nitems; i++)
		tk_decoder_free(d->items[i]);
	free(d->items);
	free(d->prefix);
	free(d->suffix);
	free(d->pattern);
	free(d->content);
	free(d);
}
