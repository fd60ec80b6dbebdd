/*
 * Patterns of Split, Replace: a literal string or a regex. tokenizers compiles regexes with
 * Oniguruma; PCRE2 (32-bit code units, UTF and UCP) runs the same Perl-style syntax,
 * including \p{..} classes and lookaround, directly over our code points.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

static uint32_t *utf32_of(const char *s, size_t *n)
{
	size_t len = strlen(s), bad;
	uint32_t *out = malloc((len + 1) * sizeof(*out));
	ptrdiff_t k;

	if (!out)
		return NULL;
	k = tk_utf8_decode(out, s, len, &bad);
	if (k < 0) {
		free(out);
		return NULL;
	}
	*n = (size_t)k;
	return out;
}

int tk_pattern_compile(tk_pattern *p, const char *regex, const char *literal, const char *what)
{
	memset(p, 0, sizeof(*p));
	if (literal) {
		if (!*literal) {
			p->empty = true;
			return 0;
		}
		if (!(p->literal = utf32_of(literal, &p->literal_len)))
			return hfgit_error__set(HFGIT_EINVALID, "%s: pattern is not valid UTF-8", what);
		return 0;
	}
	{
		size_t n;
		uint32_t *src = utf32_of(regex, &n);
		int err;
		PCRE2_SIZE at;

		if (!src)
			return hfgit_error__set(HFGIT_EINVALID, "%s: regex is not valid UTF-8", what);
		p->re = pcre2_compile_32(src, n, PCRE2_UTF | PCRE2_UCP | PCRE2_NO_UTF_CHECK, &err, &at,
		                         NULL);
		free(src);
		if (!p->re) {
			PCRE2_UCHAR32 msg[256];
			char text[256];
			size_t i;

			pcre2_get_error_message_32(err, msg, 256);
			for (i = 0; i + 1 < sizeof(text) && msg[i]; i++)
				text[i] = msg[i] < 0x80 ? (char)msg[i] : '?';
			text[i] = '\0';
			return hfgit_error__set(HFGIT_EINVALID, "%s: regex /%s/ does not compile at "
			                        "offset %zu: %s", what, regex, (size_t)at, text);
		}
		/* JIT where the platform has it; the interpreter gives the same matches. */
		pcre2_jit_compile_32(p->re, PCRE2_JIT_COMPLETE);
	}
	return 0;
}

void tk_pattern_dispose(tk_pattern *p)
{
	if (p->re)
		pcre2_code_free_32(p->re);
	free(p->literal);
	memset(p, 0, sizeof(*p));
}

static int push(size_t **m, size_t *nm, size_t *cap, size_t s, size_t e)
{
	if (*nm + 2 > *cap) {
		size_t n = *cap ? *cap * 2 : 64;
		size_t *q = realloc(*m, n * sizeof(*q));

		if (!q)
			return hfgit_error__oom();
		*m = q;
		*cap = n;
	}
	(*m)[(*nm)++] = s;
	(*m)[(*nm)++] = e;
	return 0;
}

int tk_pattern_find(const tk_pattern *p, tk_work *w, const uint32_t *s, size_t n,
                    size_t **m, size_t *nm, size_t *cap)
{
	size_t pos = 0;

	*nm = 0;
	if (p->empty)
		return 0;
	if (p->literal) {
		size_t k = p->literal_len, i = 0;

		while (i + k <= n) {
			if (s[i] == p->literal[0] && !memcmp(s + i, p->literal, k * sizeof(*s))) {
				if (push(m, nm, cap, i, i + k) < 0)
					return HFGIT_ERROR;
				i += k;
			} else {
				i++;
			}
		}
		return 0;
	}
	if (!w->md && !(w->md = pcre2_match_data_create_32(4, NULL)))
		return hfgit_error__oom();
	while (pos <= n) {
		int rc = pcre2_match_32(p->re, s, n, pos, PCRE2_NO_UTF_CHECK, w->md, NULL);
		PCRE2_SIZE *ov;

		if (rc == PCRE2_ERROR_NOMATCH)
			break;
		if (rc < 0)
			return hfgit_error__set(HFGIT_ERROR, "regex match failed (PCRE2 error %d)", rc);
		ov = pcre2_get_ovector_pointer_32(w->md);
		if (ov[1] == ov[0]) {
			/* An empty match splits nothing (as Oniguruma's iteration skips it): step on. */
			pos = ov[1] + 1;
			continue;
		}
		if (push(m, nm, cap, ov[0], ov[1]) < 0)
			return HFGIT_ERROR;
		pos = ov[1];
	}
	return 0;
}
