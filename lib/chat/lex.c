/*
 * Chat template lexer. Whitespace rules, as Jinja applies them with trim_blocks=True and
 * lstrip_blocks=True (transformers' _compile_jinja_template):
 *   - "{%-", "{{-", "{#-" strip all whitespace before the tag; "-%}", "-}}", "-#}" all after;
 *   - lstrip_blocks: spaces and tabs between the start of a line and a "{%" or "{#" go
 *     ("{%+" keeps them);
 *   - trim_blocks: the first newline after "%}" or "#}" goes ("+%}" keeps it);
 *   - one newline at the very end of the template goes (keep_trailing_newline=False).
 */
#include "chat/lex.h"

#include <limits.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/ast.h"
#include "core/error.h"
#include "core/strbuf.h"

typedef struct {
	const char *src;
	size_t len, pos;
	int line;          /* of `pos` */
	size_t line_pos;   /* where `line` was counted up to */
	token_list *out;
} lexer;

static int line_at(lexer *lx, size_t pos)
{
	if (pos < lx->line_pos) {
		lx->line = 1;
		lx->line_pos = 0;
	}
	for (; lx->line_pos < pos; lx->line_pos++)
		if (lx->src[lx->line_pos] == '\n')
			lx->line++;
	return lx->line;
}

static int lex_error(lexer *lx, size_t pos, const char *what)
{
	return hfgit_error__set(HFGIT_EINVALID, "chat template line %d: %s", line_at(lx, pos), what);
}

static token *push(lexer *lx, tok_kind kind, size_t pos)
{
	token_list *l = lx->out;
	token *t;

	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 64;
		token *v = realloc(l->v, cap * sizeof(*v));
		if (!v) {
			hfgit_error__oom();
			return NULL;
		}
		l->v = v;
		l->cap = cap;
	}
	t = &l->v[l->len++];
	memset(t, 0, sizeof(*t));
	t->kind = kind;
	t->line = line_at(lx, pos);
	return t;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

enum { LEAD_KEEP, LEAD_ALL, LEAD_NEWLINE };

/* Text from `start` to `end` (the next tag, whose first characters are at `end`). */
static int emit_text(lexer *lx, size_t start, size_t end, int lead, bool block_tag)
{
	const char *s = lx->src;
	size_t b = start, e = end;
	token *t;

	/* lstrip_blocks decides on the line as written, before trim_blocks took its newline. */
	bool has_mod = end + 2 < lx->len;

	if (block_tag && !(has_mod && s[end + 2] == '+')) {
		size_t k = e;
		while (k > start && (s[k - 1] == ' ' || s[k - 1] == '\t'))
			k--;
		if ((k > start && s[k - 1] == '\n') || k == 0)
			e = k;
	}
	if (has_mod && s[end + 2] == '-')
		while (e > b && is_space(s[e - 1]))
			e--;
	if (lead == LEAD_ALL)
		while (b < e && is_space(s[b]))
			b++;
	else if (lead == LEAD_NEWLINE && b < e && s[b] == '\n')
		b++;
	else if (lead == LEAD_NEWLINE && b + 1 < e && s[b] == '\r' && s[b + 1] == '\n')
		b += 2;
	if (b >= e)
		return 0;
	if (!(t = push(lx, T_TEXT, b)) || !(t->text = malloc(e - b + 1)))
		return hfgit_error__oom();
	memcpy(t->text, s + b, e - b);
	t->text[e - b] = '\0';
	t->len = e - b;
	return 0;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int put_utf8(hfgit_strbuf *b, unsigned long cp)
{
	char u[4];
	size_t n;

	if (cp < 0x80) {
		u[0] = (char)cp;
		n = 1;
	} else if (cp < 0x800) {
		u[0] = (char)(0xC0 | (cp >> 6));
		u[1] = (char)(0x80 | (cp & 0x3F));
		n = 2;
	} else if (cp < 0x10000) {
		u[0] = (char)(0xE0 | (cp >> 12));
		u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[2] = (char)(0x80 | (cp & 0x3F));
		n = 3;
	} else {
		u[0] = (char)(0xF0 | (cp >> 18));
		u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
		u[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
		u[3] = (char)(0x80 | (cp & 0x3F));
		n = 4;
	}
	return hfgit_strbuf__put(b, u, n);
}

/* A string literal at lx->pos (the quote), with Python's escapes (\n, \t, \xNN, \uNNNN, ...;
 * an unknown escape stays as written). */
static int lex_string(lexer *lx)
{
	const char *s = lx->src;
	char quote = s[lx->pos];
	size_t start = lx->pos, i = lx->pos + 1;
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	token *t;
	int rc = 0;

	while (rc == 0) {
		char c;
		if (i >= lx->len) {
			hfgit_strbuf__dispose(&b);
			return lex_error(lx, start, "unterminated string literal");
		}
		c = s[i];
		if (c == quote)
			break;
		if (c != '\\' || i + 1 >= lx->len) {
			rc = hfgit_strbuf__put(&b, &c, 1);
			i++;
			continue;
		}
		c = s[i + 1];
		i += 2;
		switch (c) {
		case 'n': rc = hfgit_strbuf__put(&b, "\n", 1); break;
		case 't': rc = hfgit_strbuf__put(&b, "\t", 1); break;
		case 'r': rc = hfgit_strbuf__put(&b, "\r", 1); break;
		case 'b': rc = hfgit_strbuf__put(&b, "\b", 1); break;
		case 'f': rc = hfgit_strbuf__put(&b, "\f", 1); break;
		case 'v': rc = hfgit_strbuf__put(&b, "\v", 1); break;
		case '0': rc = hfgit_strbuf__put(&b, "", 1); break;
		case '\\': case '\'': case '"': rc = hfgit_strbuf__put(&b, &c, 1); break;
		case '\n': break; /* a line continuation */
		case 'x': case 'u': case 'U': {
			int digits = c == 'x' ? 2 : c == 'u' ? 4 : 8, k;
			unsigned long cp = 0;
			for (k = 0; k < digits; k++) {
				int h = i + (size_t)k < lx->len ? hexval(s[i + (size_t)k]) : -1;
				if (h < 0) {
					hfgit_strbuf__dispose(&b);
					return lex_error(lx, i, "truncated \\x, \\u or \\U escape in a string");
				}
				cp = cp * 16 + (unsigned long)h;
			}
			if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
				hfgit_strbuf__dispose(&b);
				return lex_error(lx, i, "escape in a string is not a Unicode scalar value");
			}
			i += (size_t)digits;
			rc = put_utf8(&b, cp);
			break;
		}
		default:
			rc = hfgit_strbuf__put(&b, s + i - 2, 2);
		}
	}
	if (rc < 0 || !(t = push(lx, T_STRING, start))) {
		hfgit_strbuf__dispose(&b);
		return HFGIT_ERROR;
	}
	t->len = b.len;
	if (!(t->text = b.ptr ? hfgit_strbuf__detach(&b) : strdup("")))
		return hfgit_error__oom();
	lx->pos = i + 1;
	return 0;
}

static int lex_number(lexer *lx)
{
	const char *s = lx->src;
	size_t start = lx->pos, i = lx->pos;
	bool is_float = false;
	char buf[64];
	token *t;

	while (i < lx->len && s[i] >= '0' && s[i] <= '9')
		i++;
	if (i + 1 < lx->len && s[i] == '.' && s[i + 1] >= '0' && s[i + 1] <= '9') {
		is_float = true;
		for (i++; i < lx->len && s[i] >= '0' && s[i] <= '9'; i++)
			;
	}
	if (i < lx->len && (s[i] == 'e' || s[i] == 'E')) {
		size_t k = i + 1;
		if (k < lx->len && (s[k] == '+' || s[k] == '-'))
			k++;
		if (k < lx->len && s[k] >= '0' && s[k] <= '9') {
			is_float = true;
			for (i = k; i < lx->len && s[i] >= '0' && s[i] <= '9'; i++)
				;
		}
	}
	if (i - start >= sizeof(buf))
		return lex_error(lx, start, "number literal too long");
	memcpy(buf, s + start, i - start);
	buf[i - start] = '\0';
	if (!(t = push(lx, is_float ? T_FLOAT : T_INT, start)))
		return HFGIT_ERROR;
	if (is_float) {
		t->f = strtod(buf, NULL);
	} else {
		char *end;
		t->i = strtoll(buf, &end, 10);
		if (t->i == LLONG_MAX && strcmp(buf, "9223372036854775807"))
			return lex_error(lx, start, "integer literal too large");
	}
	lx->pos = i;
	return 0;
}

static const struct {
	const char *text;
	int op;
} multi_ops[] = {
	{ "//", OP_FLOORDIV }, { "**", OP_POW }, { "==", OP_EQ }, { "!=", OP_NE },
	{ "<=", OP_LE }, { ">=", OP_GE },
};

/* The tokens of one tag's inside, up to its end marker ("}}" or "%}"); returns the end's
 * modifier ('-', '+' or 0). */
static int lex_tag(lexer *lx, bool block, size_t tag_start, int *modifier)
{
	const char *s = lx->src;
	int depth = 0;
	token *t;

	for (;;) {
		char c;
		while (lx->pos < lx->len && is_space(s[lx->pos]))
			lx->pos++;
		if (lx->pos >= lx->len)
			return lex_error(lx, tag_start, block ? "'{%' is never closed with '%}'"
			                                      : "'{{' is never closed with '}}'");
		c = s[lx->pos];
		if (block) {
			size_t k = lx->pos + (c == '-' || c == '+');
			if (k + 1 < lx->len && s[k] == '%' && s[k + 1] == '}') {
				*modifier = c == '-' || c == '+' ? c : 0;
				lx->pos = k + 2;
				return push(lx, T_BLOCK_END, k) ? 0 : HFGIT_ERROR;
			}
		} else if (depth == 0) {
			size_t k = lx->pos + (c == '-');
			if (k + 1 < lx->len && s[k] == '}' && s[k + 1] == '}') {
				*modifier = c == '-' ? '-' : 0;
				lx->pos = k + 2;
				return push(lx, T_VAR_END, k) ? 0 : HFGIT_ERROR;
			}
		}
		if (c == '\'' || c == '"') {
			if (lex_string(lx) < 0)
				return HFGIT_ERROR;
		} else if (c >= '0' && c <= '9') {
			if (lex_number(lx) < 0)
				return HFGIT_ERROR;
		} else if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
			size_t start = lx->pos;
			while (lx->pos < lx->len &&
			       ((s[lx->pos] >= 'a' && s[lx->pos] <= 'z') || (s[lx->pos] >= 'A' && s[lx->pos] <= 'Z') ||
			        (s[lx->pos] >= '0' && s[lx->pos] <= '9') || s[lx->pos] == '_'))
				lx->pos++;
			if (!(t = push(lx, T_NAME, start)) || !(t->text = malloc(lx->pos - start + 1)))
				return hfgit_error__oom();
			memcpy(t->text, s + start, lx->pos - start);
			t->text[lx->pos - start] = '\0';
			t->len = lx->pos - start;
		} else {
			size_t k;
			int op = 0;
			for (k = 0; k < sizeof(multi_ops) / sizeof(*multi_ops); k++) {
				if (lx->pos + 1 < lx->len && !strncmp(s + lx->pos, multi_ops[k].text, 2)) {
					op = multi_ops[k].op;
					break;
				}
			}
			if (!op && !strchr("+-*/%~<>=()[]{},.:|", c)) {
				char what[64];
				snprintf(what, sizeof(what), (unsigned char)c < 0x20 || (unsigned char)c >= 0x7f
				         ? "unexpected byte 0x%02x in a tag" : "unexpected character '%c' in a tag",
				         (unsigned char)c);
				return lex_error(lx, lx->pos, what);
			}
			if (!(t = push(lx, T_OP, lx->pos)))
				return HFGIT_ERROR;
			t->op = op ? op : c;
			lx->pos += op ? 2 : 1;
			/* Only a dict's braces can be mistaken for the end of {{ ... }}. */
			if (c == '{')
				depth++;
			else if (c == '}' && depth > 0)
				depth--;
		}
	}
}

/* After "{% raw %}": the text up to "{% endraw %}", which is consumed too. */
static int lex_raw(lexer *lx, size_t raw_start, int *lead)
{
	const char *s = lx->src;
	size_t i;

	for (i = lx->pos; i + 1 < lx->len; i++) {
		size_t k = i + 2;
		if (s[i] != '{' || s[i + 1] != '%')
			continue;
		if (k < lx->len && (s[k] == '-' || s[k] == '+'))
			k++;
		while (k < lx->len && is_space(s[k]))
			k++;
		if (lx->len - k < 6 || strncmp(s + k, "endraw", 6))
			continue;
		k += 6;
		while (k < lx->len && is_space(s[k]))
			k++;
		int mod = k < lx->len && s[k] == '-' ? '-' : k < lx->len && s[k] == '+' ? '+' : 0;
		if (mod)
			k++;
		if (k + 1 >= lx->len || s[k] != '%' || s[k + 1] != '}')
			continue;
		if (emit_text(lx, lx->pos, i, *lead, true) < 0)
			return HFGIT_ERROR;
		*lead = mod == '-' ? LEAD_ALL : mod == '+' ? LEAD_KEEP : LEAD_NEWLINE;
		lx->pos = k + 2;
		return 0;
	}
	return lex_error(lx, raw_start, "'{% raw %}' without '{% endraw %}'");
}

int hfgit_chat__lex(token_list *out, const char *src, size_t len)
{
	lexer lx = { src, len, 0, 1, 0, out };
	int lead = LEAD_KEEP;

	memset(out, 0, sizeof(*out));
	if (len && src[len - 1] == '\n')
		lx.len = --len;
	while (lx.pos < len) {
		size_t q = lx.pos, tag;
		int modifier = 0;

		while (q + 1 < len && !(src[q] == '{' && (src[q + 1] == '{' || src[q + 1] == '%' ||
		                                          src[q + 1] == '#')))
			q++;
		if (q + 1 >= len) {
			if (emit_text(&lx, lx.pos, len, lead, false) < 0)
				goto fail;
			break;
		}
		if (emit_text(&lx, lx.pos, q, lead, src[q + 1] != '{') < 0)
			goto fail;
		tag = q;
		lx.pos = q + 2;
		if (lx.pos < len && (src[lx.pos] == '-' || src[lx.pos] == '+'))
			lx.pos++;
		if (src[q + 1] == '#') {
			const char *end = NULL;
			size_t k;
			for (k = lx.pos; k + 1 < len; k++)
				if (src[k] == '#' && src[k + 1] == '}') {
					end = src + k;
					break;
				}
			if (!end) {
				lex_error(&lx, tag, "comment '{#' is never closed with '#}'");
				goto fail;
			}
			lead = k > lx.pos && src[k - 1] == '-' ? LEAD_ALL
			       : k > lx.pos && src[k - 1] == '+' ? LEAD_KEEP : LEAD_NEWLINE;
			lx.pos = k + 2;
			continue;
		}
		if (src[q + 1] == '{') {
			if (!push(&lx, T_VAR_BEGIN, tag) || lex_tag(&lx, false, tag, &modifier) < 0)
				goto fail;
			lead = modifier == '-' ? LEAD_ALL : LEAD_KEEP;
			continue;
		}
		size_t first = out->len;
		if (!push(&lx, T_BLOCK_BEGIN, tag) || lex_tag(&lx, true, tag, &modifier) < 0)
			goto fail;
		lead = modifier == '-' ? LEAD_ALL : modifier == '+' ? LEAD_KEEP : LEAD_NEWLINE;
		if (out->len == first + 3 && out->v[first + 1].kind == T_NAME &&
		    !strcmp(out->v[first + 1].text, "raw")) {
			free(out->v[first + 1].text);
			out->len = first;
			if (lex_raw(&lx, tag, &lead) < 0)
				goto fail;
		}
	}
	if (!push(&lx, T_EOF, len))
		goto fail;
	return 0;
fail:
	hfgit_chat__tokens_dispose(out);
	return hfgit_error_last_code() ? hfgit_error_last_code() : HFGIT_ERROR;
}

void hfgit_chat__tokens_dispose(token_list *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		free(l->v[i].text);
	free(l->v);
	memset(l, 0, sizeof(*l));
}
