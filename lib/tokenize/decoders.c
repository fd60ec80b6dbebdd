/* Decoders (tokenizers' decoders/): token strings back to text. Each decoder maps the list of
 * strings to a new list (decode_chain); the result is their concatenation. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

uint32_t tk_byte_char(unsigned b);

typedef struct {
	char **s;
	size_t n;
} list;

static void list_free(list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->s[i]);
	free(l->s);
	l->s = NULL;
	l->n = 0;
}

static int list_set(list *l, size_t i, hfgit_strbuf *b)
{
	free(l->s[i]);
	if (!(l->s[i] = hfgit_strbuf_detach(b)) && !(l->s[i] = strdup("")))
		return hfgit_error_oom();
	return 0;
}

/* Replace every `from` by `to` in `s`, appended to `b`. */
static int replace_all(hfgit_strbuf *b, const char *s, const char *from, const char *to)
{
	size_t fl = strlen(from);
	const char *p;
	int rc = 0;

	if (!fl)
		return hfgit_strbuf_puts(b, s);
	while (rc == 0 && (p = strstr(s, from))) {
		rc = hfgit_strbuf_put(b, s, (size_t)(p - s));
		if (rc == 0)
			rc = hfgit_strbuf_puts(b, to);
		s = p + fl;
	}
	return rc ? rc : hfgit_strbuf_puts(b, s);
}

static int cleanup(list *l, size_t i)
{
	static const char *const pairs[][2] = {
		{ " .", "." }, { " ?", "?" }, { " !", "!" }, { " ,", "," }, { " ' ", "'" },
		{ " n't", "n't" }, { " 'm", "'m" }, { " do not", " don't" }, { " 's", "'s" },
		{ " 've", "'ve" }, { " 're", "'re" },
	};
	size_t k;

	for (k = 0; k < sizeof(pairs) / sizeof(*pairs); k++) {
		hfgit_strbuf b = HFGIT_STRBUF_INIT;

		if (!strstr(l->s[i], pairs[k][0]))
			continue;
		if (replace_all(&b, l->s[i], pairs[k][0], pairs[k][1]) < 0 || list_set(l, i, &b) < 0) {
			hfgit_strbuf_dispose(&b);
			return HFGIT_ERROR;
		}
	}
	return 0;
}

/* The bytes a byte-level character stands for; -1 for any other character. */
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

/* Bytes to text, invalid sequences as U+FFFD (String::from_utf8_lossy). */
static int lossy(hfgit_strbuf *out, const unsigned char *p, size_t n)
{
	size_t i = 0;
	int rc = 0;

	while (rc == 0 && i < n) {
		uint32_t c;
		size_t bad, k = 1;

		if (p[i] < 0x80) {
			rc = hfgit_strbuf_put(out, (const char *)p + i, 1);
			i++;
			continue;
		}
		k = p[i] >= 0xF0 ? 4 : p[i] >= 0xE0 ? 3 : p[i] >= 0xC0 ? 2 : 1;
		if (i + k <= n && tk_utf8_decode(&c, (const char *)p + i, k, &bad) == 1) {
			rc = hfgit_strbuf_put(out, (const char *)p + i, k);
			i += k;
			continue;
		}
		/* The longest prefix of a valid sequence is replaced as one. */
		{
			size_t j = 1;

			while (j < k && i + j < n && (p[i + j] & 0xC0) == 0x80) {
				uint32_t tmp[4];
				size_t bad2;

				(void)tmp;
				(void)bad2;
				j++;
			}
			if (j > 1) {
				/* A truncated sequence: from_utf8_lossy replaces the maximal valid
				 * prefix by one U+FFFD. Check that the prefix is a valid start. */
				unsigned char b1 = p[i + 1];
				bool ok = true;

				if (p[i] == 0xE0 && b1 < 0xA0) ok = false;
				if (p[i] == 0xED && b1 > 0x9F) ok = false;
				if (p[i] == 0xF0 && b1 < 0x90) ok = false;
				if (p[i] == 0xF4 && b1 > 0x8F) ok = false;
				if (p[i] > 0xF4 || p[i] < 0xC2) ok = false;
				if (!ok)
					j = 1;
			}
			rc = hfgit_strbuf_puts(out, "\xEF\xBF\xBD");
			i += j;
		}
	}
	return rc;
}

static int byte_level(list *l)
{
	hfgit_strbuf bytes = HFGIT_STRBUF_INIT, text = HFGIT_STRBUF_INIT;
	size_t i;
	int rc = 0;

	for (i = 0; rc == 0 && i < l->n; i++) {
		const char *t = l->s[i];
		size_t len = strlen(t), bad, k, start = bytes.len;
		uint32_t *cps = malloc((len + 1) * sizeof(*cps));
		ptrdiff_t n = cps ? tk_utf8_decode(cps, t, len, &bad) : -1;
		bool all = n >= 0;

		for (k = 0; all && k < (size_t)n && rc == 0; k++) {
			int b = char_byte(cps[k]);
			char c = (char)b;

			if (b < 0)
				all = false;
			else
				rc = hfgit_strbuf_put(&bytes, &c, 1);
		}
		if (!all) {
			bytes.len = start;
			rc = hfgit_strbuf_put(&bytes, t, len);
		}
		free(cps);
	}
	if (rc == 0)
		rc = lossy(&text, (const unsigned char *)bytes.ptr, bytes.len);
	hfgit_strbuf_dispose(&bytes);
	if (rc == 0) {
		list_free(l);
		if (!(l->s = malloc(sizeof(*l->s)))) {
			hfgit_strbuf_dispose(&text);
			return hfgit_error_oom();
		}
		l->s[0] = NULL;
		l->n = 1;
		rc = list_set(l, 0, &text);
	}
	hfgit_strbuf_dispose(&text);
	return rc;
}

static int byte_fallback(list *l)
{
	list out = { calloc(l->n + 1, sizeof(char *)), 0 };
	hfgit_strbuf pending = HFGIT_STRBUF_INIT;
	size_t i, npending = 0;
	int rc = 0;

	if (!out.s)
		return hfgit_error_oom();
	for (i = 0; rc == 0 && i <= l->n; i++) {
		const char *t = i < l->n ? l->s[i] : NULL;
		unsigned v;
		char c;

		if (t && strlen(t) == 6 && !strncmp(t, "<0x", 3) && t[5] == '>' &&
		    sscanf(t + 3, "%2x", &v) == 1) {
			c = (char)v;
			rc = hfgit_strbuf_put(&pending, &c, 1);
			npending++;
			continue;
		}
		if (npending) {
			uint32_t *tmp = malloc(pending.len * sizeof(*tmp) + 4);
			size_t bad;
			bool valid = tmp && tk_utf8_decode(tmp, pending.ptr, pending.len, &bad) >= 0;

			free(tmp);
			if (valid) {
				out.s[out.n++] = hfgit_strbuf_detach(&pending);
			} else {
				size_t k;
				char **grown = realloc(out.s, (out.n + npending + l->n + 1) * sizeof(char *));

				if (!grown) {
					rc = hfgit_error_oom();
					break;
				}
				out.s = grown;
				for (k = 0; k < npending; k++)
					out.s[out.n++] = strdup("\xEF\xBF\xBD");
				hfgit_strbuf_clear(&pending);
			}
			npending = 0;
		}
		if (t)
			out.s[out.n++] = strdup(t);
	}
	hfgit_strbuf_dispose(&pending);
	list_free(l);
	*l = out;
	return rc;
}

static int apply(const tk_decoder *d, list *l)
{
	size_t i;
	int rc = 0;

	switch (d->type) {
	case TK_D_WORDPIECE:
		for (i = 0; rc == 0 && i < l->n; i++) {
			size_t pl = strlen(d->prefix);

			if (i) {
				hfgit_strbuf b = HFGIT_STRBUF_INIT;

				if (!strncmp(l->s[i], d->prefix, pl))
					rc = hfgit_strbuf_puts(&b, l->s[i] + pl);
				else
					rc = hfgit_strbuf_printf(&b, " %s", l->s[i]);
				if (rc == 0)
					rc = list_set(l, i, &b);
				hfgit_strbuf_dispose(&b);
			}
			if (rc == 0 && d->cleanup)
				rc = cleanup(l, i);
		}
		return rc;
	case TK_D_BYTE_LEVEL:
		return byte_level(l);
	case TK_D_METASPACE: {
		char rep[5];

		rep[tk_utf8_put(rep, d->replacement)] = '\0';
		for (i = 0; rc == 0 && i < l->n; i++) {
			hfgit_strbuf b = HFGIT_STRBUF_INIT;
			const char *to = i == 0 && d->prepend_scheme != TK_PREPEND_NEVER ? "" : " ";

			rc = replace_all(&b, l->s[i], rep, to);
			if (rc == 0)
				rc = list_set(l, i, &b);
			hfgit_strbuf_dispose(&b);
		}
		return rc;
	}
	case TK_D_BPE:
		for (i = 0; rc == 0 && i < l->n; i++) {
			hfgit_strbuf b = HFGIT_STRBUF_INIT;

			rc = replace_all(&b, l->s[i], d->suffix, i + 1 == l->n ? "" : " ");
			if (rc == 0)
				rc = list_set(l, i, &b);
			hfgit_strbuf_dispose(&b);
		}
		return rc;
	case TK_D_REPLACE:
		for (i = 0; rc == 0 && i < l->n; i++) {
			hfgit_strbuf b = HFGIT_STRBUF_INIT;

			rc = replace_all(&b, l->s[i], d->pattern, d->content);
			if (rc == 0)
				rc = list_set(l, i, &b);
			hfgit_strbuf_dispose(&b);
		}
		return rc;
	case TK_D_BYTE_FALLBACK:
		return byte_fallback(l);
	case TK_D_FUSE: {
		hfgit_strbuf b = HFGIT_STRBUF_INIT;

		for (i = 0; rc == 0 && i < l->n; i++)
			rc = hfgit_strbuf_puts(&b, l->s[i]);
		if (rc == 0) {
			list_free(l);
			if (!(l->s = calloc(1, sizeof(char *))))
				rc = hfgit_error_oom();
			else {
				l->n = 1;
				rc = list_set(l, 0, &b);
			}
		}
		hfgit_strbuf_dispose(&b);
		return rc;
	}
	case TK_D_STRIP:
		for (i = 0; rc == 0 && i < l->n; i++) {
			size_t len = strlen(l->s[i]), bad, a = 0, z;
			uint32_t *cps = malloc((len + 1) * sizeof(*cps));
			ptrdiff_t n = cps ? tk_utf8_decode(cps, l->s[i], len, &bad) : -1;
			hfgit_strbuf b = HFGIT_STRBUF_INIT;
			size_t k;

			if (n < 0) {
				free(cps);
				continue;
			}
			z = (size_t)n;
			while (a < d->strip_start && a < z && cps[a] == d->strip_content)
				a++;
			for (k = 0; k < d->strip_stop && z > a && cps[z - 1] == d->strip_content; k++)
				z--;
			for (k = a; rc == 0 && k < z; k++) {
				char u[4];

				rc = hfgit_strbuf_put(&b, u, tk_utf8_put(u, cps[k]));
			}
			free(cps);
			if (rc == 0)
				rc = list_set(l, i, &b);
			hfgit_strbuf_dispose(&b);
		}
		return rc;
	case TK_D_SEQUENCE:
		for (i = 0; rc == 0 && i < d->nitems; i++)
			rc = apply(d->items[i], l);
		return rc;
	}
	return 0;
}

int tk_decode(const tk_decoder *d, char **out, const char **tokens, size_t n)
{
	list l = { calloc(n + 1, sizeof(char *)), 0 };
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	size_t i;
	int rc = 0;

	if (!l.s)
		return hfgit_error_oom();
	for (i = 0; i < n; i++) {
		if (!(l.s[i] = strdup(tokens[i]))) {
			l.n = i;
			list_free(&l);
			return hfgit_error_oom();
		}
	}
	l.n = n;
	if (d)
		rc = apply(d, &l);
	for (i = 0; rc == 0 && i < l.n; i++)
		rc = (!d && i) ? hfgit_strbuf_printf(&b, " %s", l.s[i]) : hfgit_strbuf_puts(&b, l.s[i]);
	list_free(&l);
	if (rc == 0 && !(*out = hfgit_strbuf_detach(&b)) && !(*out = strdup("")))
		rc = hfgit_error_oom();
	hfgit_strbuf_dispose(&b);
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
