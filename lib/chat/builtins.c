/*
 * Built-ins of the chat template subset: Jinja's filters and tests, Python's string and dict
 * methods, and the globals transformers adds (raise_exception, strftime_now) next to Jinja's
 * (namespace, range, dict). Case mapping is ASCII-only (roles and tags, which is what Hub
 * templates change the case of); whitespace is Python's str.isspace set.
 */
#define _GNU_SOURCE /* memmem */
#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "chat/render.h"
#include "core/error.h"

/* ---------------------------------------------------------------------------------------- */
/* Strings                                                                                   */

unsigned long hfgit_chat__utf8_next(const char *s, size_t len, size_t *i)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned long cp = u[*i];
	size_t n = cp >= 0xF0 ? 3 : cp >= 0xE0 ? 2 : cp >= 0xC0 ? 1 : 0, k;

	if (n && *i + n >= len) { /* truncated: the lead byte alone */
		(*i)++;
		return cp;
	}
	for (k = 1; k <= n; k++)
		if ((u[*i + k] & 0xC0) != 0x80) {
			(*i)++;
			return cp;
		}
	if (n)
		cp &= 0x3F >> n;
	for (k = 1; k <= n; k++)
		cp = (cp << 6) | (u[*i + k] & 0x3F);
	*i += n + 1;
	return cp;
}

static bool is_space(unsigned long cp)
{
	return (cp >= 0x09 && cp <= 0x0D) || (cp >= 0x1C && cp <= 0x20) || cp == 0x85 ||
	       cp == 0xA0 || cp == 0x1680 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x2028 ||
	       cp == 0x2029 || cp == 0x202F || cp == 0x205F || cp == 0x3000;
}

/* Length of the whitespace code point at s[i], 0 when it is none. */
static size_t space_at(const char *s, size_t len, size_t i)
{
	size_t j = i;
	return is_space(hfgit_chat__utf8_next(s, len, &j)) ? j - i : 0;
}

/* Whether the code point at s[i] is one of `chars` (NULL: whitespace); its length. */
static size_t strip_char_at(const char *s, size_t len, size_t i, const jv *chars)
{
	size_t j = i;

	if (!chars)
		return space_at(s, len, i);
	hfgit_chat__utf8_next(s, len, &j);
	return memmem(chars->u.str.ptr, chars->u.str.len, s + i, j - i) ? j - i : 0;
}

/* The start of the code point that ends at `end`. */
static size_t prev_start(const char *s, size_t end)
{
	size_t k = end - 1;
	while (k > 0 && ((unsigned char)s[k] & 0xC0) == 0x80 && end - k < 4)
		k--;
	return k;
}

static jv *strip(const jv *v, const jv *chars, bool left, bool right)
{
	const char *s = v->u.str.ptr;
	size_t b = 0, e = v->u.str.len, n;

	while (left && b < e && (n = strip_char_at(s, e, b, chars)))
		b += n;
	while (right && e > b) {
		size_t k = prev_start(s, e);
		if (k < b || strip_char_at(s, e, k, chars) != e - k)
			break;
		e = k;
	}
	return hfgit_jv__string(s + b, e - b);
}

enum { CASE_UPPER, CASE_LOWER, CASE_TITLE, CASE_CAPITALIZE };

static jv *change_case(const jv *v, int mode)
{
	jv *out = hfgit_jv__string(v->u.str.ptr, v->u.str.len);
	bool word = false;

	if (!out)
		return NULL;
	for (size_t i = 0; i < out->u.str.len; i++) {
		char *c = &out->u.str.ptr[i];
		bool alpha = isalpha((unsigned char)*c) != 0;
		switch (mode) {
		case CASE_UPPER: *c = (char)toupper((unsigned char)*c); break;
		case CASE_LOWER: *c = (char)tolower((unsigned char)*c); break;
		case CASE_CAPITALIZE:
			*c = (char)(i == 0 ? toupper((unsigned char)*c) : tolower((unsigned char)*c));
			break;
		default:
			/* Python's title(): a letter after a letter is lowered, the others raised. */
			*c = (char)(word ? tolower((unsigned char)*c) : toupper((unsigned char)*c));
			word = alpha || ((unsigned char)*c >= 0x80 && word);
		}
	}
	return out;
}

static jv *replace(jv_render *r, const jv *v, const jv *old, const jv *new_, long long count)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	const char *s = v->u.str.ptr, *end = s + v->u.str.len;
	long long done = 0;

	if (old->u.str.len == 0) {
		/* Python inserts `new` around every character. */
		size_t i = 0;
		while (count < 0 || done < count) {
			if (hfgit_strbuf__put(&b, new_->u.str.ptr, new_->u.str.len) < 0)
				goto fail;
			done++;
			if (i >= v->u.str.len)
				break;
			size_t start = i;
			hfgit_chat__utf8_next(s, v->u.str.len, &i);
			if (hfgit_strbuf__put(&b, s + start, i - start) < 0)
				goto fail;
			if (b.len > CHAT_MAX_OUTPUT)
				break;
		}
		if (hfgit_strbuf__put(&b, s + i, v->u.str.len - i) < 0)
			goto fail;
		return hfgit_jv__string_take(&b);
	}
	while (s < end && (count < 0 || done < count)) {
		const char *hit = memmem(s, (size_t)(end - s), old->u.str.ptr, old->u.str.len);
		if (!hit)
			break;
		if (hfgit_strbuf__put(&b, s, (size_t)(hit - s)) < 0 ||
		    hfgit_strbuf__put(&b, new_->u.str.ptr, new_->u.str.len) < 0)
			goto fail;
		if (b.len > CHAT_MAX_OUTPUT) {
			hfgit_chat__render_error(r, "replace: the result exceeds %u MiB", CHAT_MAX_OUTPUT >> 20);
			hfgit_strbuf__dispose(&b);
			return NULL;
		}
		s = hit + old->u.str.len;
		done++;
	}
	if (hfgit_strbuf__put(&b, s, (size_t)(end - s)) < 0)
		goto fail;
	return hfgit_jv__string_take(&b);
fail:
	hfgit_strbuf__dispose(&b);
	return NULL;
}

static int push_string(jv *list, const char *s, size_t len)
{
	jv *item = hfgit_jv__string(s, len);
	int rc = item ? hfgit_jv__list_push(list, item) : -1;
	hfgit_jv__unref(item);
	return rc;
}

static jv *split(const jv *v, const jv *sep, long long maxsplit)
{
	const char *s = v->u.str.ptr;
	size_t len = v->u.str.len, i = 0, n;
	jv *out = hfgit_jv__list();
	long long done = 0;

	if (!out)
		return NULL;
	if (sep) {
		const char *p = s, *end = s + len, *hit;
		while ((maxsplit < 0 || done < maxsplit) &&
		       (hit = memmem(p, (size_t)(end - p), sep->u.str.ptr, sep->u.str.len))) {
			if (push_string(out, p, (size_t)(hit - p)) < 0)
				goto fail;
			p = hit + sep->u.str.len;
			done++;
		}
		if (push_string(out, p, (size_t)(end - p)) < 0)
			goto fail;
		return out;
	}
	/* No separator: runs of whitespace split, and the ends are stripped. */
	for (;;) {
		size_t start;
		while (i < len && (n = space_at(s, len, i)))
			i += n;
		if (i >= len)
			break;
		start = i;
		if (maxsplit >= 0 && done >= maxsplit) {
			size_t e = len;
			while (e > start) {
				size_t k = prev_start(s, e);
				if (space_at(s, len, k) != e - k)
					break;
				e = k;
			}
			if (push_string(out, s + start, e - start) < 0)
				goto fail;
			break;
		}
		while (i < len && !space_at(s, len, i))
			hfgit_chat__utf8_next(s, len, &i);
		if (push_string(out, s + start, i - start) < 0)
			goto fail;
		done++;
	}
	return out;
fail:
	hfgit_jv__unref(out);
	return NULL;
}

static bool affix(const jv *v, const jv *a, bool prefix)
{
	if (a->u.str.len > v->u.str.len)
		return false;
	return !memcmp(v->u.str.ptr + (prefix ? 0 : v->u.str.len - a->u.str.len), a->u.str.ptr,
	               a->u.str.len);
}

/* ---------------------------------------------------------------------------------------- */
/* Argument helpers                                                                          */

static int want_string(jv_render *r, const jv_call *c, const jv *v, const char *what)
{
	if (v->type == JV_STRING)
		return 0;
	if (v->type == JV_UNDEFINED)
		return hfgit_chat__render_error(r, "%s: %s", c->name, v->hint ? v->hint : "undefined value");
	return hfgit_chat__render_error(r, "%s: %s must be a string, not %s", c->name, what,
	                                hfgit_jv__type_name(v));
}

static int want_int(jv_render *r, const jv_call *c, const jv *v, const char *what,
                    long long *out)
{
	if (v->type == JV_INT || v->type == JV_BOOL) {
		*out = v->type == JV_INT ? v->u.i : v->u.b;
		return 0;
	}
	return hfgit_chat__render_error(r, "%s: %s must be an integer, not %s", c->name, what,
	                                hfgit_jv__type_name(v));
}

static jv *to_string(jv_render *r, const jv *v)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;

	if (v->type == JV_STRING)
		return hfgit_jv__ref((jv *)v);
	if (hfgit_chat__render_to_string(&b, r, v) < 0) {
		hfgit_strbuf__dispose(&b);
		return NULL;
	}
	return hfgit_jv__string_take(&b);
}

static jv *dict_items(const jv *d, int what) /* 0 items, 1 keys, 2 values */
{
	jv *out = hfgit_jv__list(), *k = NULL, *pair = NULL;

	for (size_t i = 0; out && i < d->u.dict.len; i++) {
		if (!(k = hfgit_jv__string(d->u.dict.keys[i], strlen(d->u.dict.keys[i]))))
			goto fail;
		if (what == 0) {
			if (!(pair = hfgit_jv__list()) || hfgit_jv__list_push(pair, k) < 0 ||
			    hfgit_jv__list_push(pair, d->u.dict.vals[i]) < 0 || hfgit_jv__list_push(out, pair) < 0)
				goto fail;
			hfgit_jv__unref(pair);
			pair = NULL;
		} else if (hfgit_jv__list_push(out, what == 1 ? k : d->u.dict.vals[i]) < 0) {
			goto fail;
		}
		hfgit_jv__unref(k);
		k = NULL;
	}
	return out;
fail:
	hfgit_jv__unref(k);
	hfgit_jv__unref(pair);
	hfgit_jv__unref(out);
	return NULL;
}

/* A list of what a filter walks (list items, dict keys, string characters); NULL with an
 * error for other values. */
static jv *sequence(jv_render *r, const jv_call *c, jv *v)
{
	jv *out;
	size_t i = 0;

	/* Whoever asks for the items walks them: that is work to count. */
	if (hfgit_chat__render_charge(r, v->type == JV_LIST     ? v->u.list.len
	                                 : v->type == JV_STRING ? v->u.str.len
	                                 : v->type == JV_DICT   ? v->u.dict.len
	                                                        : 0) < 0)
		return NULL;

	switch (v->type) {
	case JV_LIST:
		return hfgit_jv__ref(v);
	case JV_UNDEFINED:
		return hfgit_jv__list();
	case JV_DICT:
		return dict_items(v, 1);
	case JV_STRING:
		if (!(out = hfgit_jv__list()))
			return NULL;
		while (i < v->u.str.len) {
			size_t start = i;
			hfgit_chat__utf8_next(v->u.str.ptr, v->u.str.len, &i);
			if (push_string(out, v->u.str.ptr + start, i - start) < 0) {
				hfgit_jv__unref(out);
				return NULL;
			}
		}
		return out;
	default:
		hfgit_chat__render_error(r, "%s: a %s value is not iterable", c->name, hfgit_jv__type_name(v));
		return NULL;
	}
}

/* The attribute `path` ("a.b" reaches into nested dicts) of `item`; a new reference. */
static jv *attribute(jv_render *r, jv *item, const jv *path)
{
	const char *p = path->u.str.ptr;
	jv *cur = hfgit_jv__ref(item), *next;
	char part[256];

	while (cur) {
		const char *dot = strchr(p, '.');
		size_t n = dot ? (size_t)(dot - p) : strlen(p);
		if (n >= sizeof(part)) {
			hfgit_jv__unref(cur);
			hfgit_chat__render_error(r, "attribute name too long");
			return NULL;
		}
		memcpy(part, p, n);
		part[n] = '\0';
		if (cur->type == JV_UNDEFINED) {
			/* Missing somewhere along the path: undefined, as Jinja's environment.getattr. */
			return cur;
		}
		if (cur->type == JV_LIST && n && strspn(part, "0123456789") == n) {
			long long idx = atoll(part);
			next = (size_t)idx < cur->u.list.len ? hfgit_jv__ref(cur->u.list.items[idx])
			                                     : hfgit_jv__undefined("no element %lld", idx);
		} else {
			next = hfgit_chat__render_getattr(r, cur, part);
		}
		hfgit_jv__unref(cur);
		cur = next;
		if (!dot)
			break;
		p = dot + 1;
	}
	return cur;
}

/* ---------------------------------------------------------------------------------------- */
/* Tests                                                                                     */

int hfgit_chat__builtin_test(bool *out, jv_render *r, jv *v, const jv_call *c)
{
	const char *t = c->name;
	jv *arg = hfgit_chat__call_arg(c, 0, NULL);
	long long n;

	*out = false;
	if (!strcmp(t, "defined")) *out = v->type != JV_UNDEFINED;
	else if (!strcmp(t, "undefined")) *out = v->type == JV_UNDEFINED;
	else if (!strcmp(t, "none")) *out = v->type == JV_NONE;
	else if (!strcmp(t, "boolean")) *out = v->type == JV_BOOL;
	else if (!strcmp(t, "true")) *out = v->type == JV_BOOL && v->u.b;
	else if (!strcmp(t, "false")) *out = v->type == JV_BOOL && !v->u.b;
	else if (!strcmp(t, "integer")) *out = v->type == JV_INT;
	else if (!strcmp(t, "float")) *out = v->type == JV_FLOAT;
	else if (!strcmp(t, "number")) *out = v->type == JV_INT || v->type == JV_FLOAT;
	else if (!strcmp(t, "string")) *out = v->type == JV_STRING;
	else if (!strcmp(t, "mapping")) *out = v->type == JV_DICT || v->type == JV_NAMESPACE;
	else if (!strcmp(t, "iterable"))
		*out = v->type == JV_LIST || v->type == JV_DICT || v->type == JV_STRING;
	else if (!strcmp(t, "sequence"))
		*out = v->type == JV_LIST || v->type == JV_DICT || v->type == JV_STRING;
	else if (!strcmp(t, "callable")) *out = v->type == JV_FUNC;
	else if (!strcmp(t, "lower") || !strcmp(t, "upper")) {
		bool cased = false, ok = v->type == JV_STRING;
		for (size_t i = 0; ok && i < v->u.str.len; i++) {
			unsigned char ch = (unsigned char)v->u.str.ptr[i];
			if (isalpha(ch)) {
				cased = true;
				ok = t[0] == 'l' ? !isupper(ch) : !islower(ch);
			}
		}
		*out = ok && cased;
	} else if (!strcmp(t, "odd") || !strcmp(t, "even")) {
		if (want_int(r, c, v, "the value", &n) < 0)
			return HFGIT_EINVALID;
		*out = (n % 2 != 0) == (t[0] == 'o');
	} else if (!strcmp(t, "divisibleby")) {
		long long d;
		if (!arg)
			return hfgit_chat__render_error(r, "divisibleby needs a number");
		if (want_int(r, c, v, "the value", &n) < 0 || want_int(r, c, arg, "the divisor", &d) < 0)
			return HFGIT_EINVALID;
		if (d == 0)
			return hfgit_chat__render_error(r, "divisibleby 0");
		*out = d == -1 || n % d == 0;
	} else if (!strcmp(t, "eq") || !strcmp(t, "equalto") || !strcmp(t, "==") ||
	           !strcmp(t, "ne") || !strcmp(t, "!=") || !strcmp(t, "sameas")) {
		if (!arg)
			return hfgit_chat__render_error(r, "the test '%s' needs a value to compare with", t);
		*out = hfgit_jv__equal(v, arg) == (t[0] != 'n' && t[0] != '!');
		if (!strcmp(t, "sameas"))
			*out = v->type == arg->type && (v == arg || (v->type != JV_LIST &&
			                                v->type != JV_DICT && hfgit_jv__equal(v, arg)));
	} else if (!strcmp(t, "in")) {
		if (!arg)
			return hfgit_chat__render_error(r, "the test 'in' needs a sequence");
		if (arg->type == JV_STRING && v->type == JV_STRING)
			*out = !v->u.str.len || memmem(arg->u.str.ptr, arg->u.str.len, v->u.str.ptr,
			                               v->u.str.len);
		else if (arg->type == JV_LIST)
			for (size_t i = 0; i < arg->u.list.len && !*out; i++)
				*out = hfgit_jv__equal(v, arg->u.list.items[i]);
		else if (arg->type == JV_DICT)
			*out = v->type == JV_STRING && hfgit_jv__dict_get(arg, v->u.str.ptr);
	} else {
		return hfgit_chat__render_error(r, "unknown test '%s'", t);
	}
	return 0;
}

/* select/reject/selectattr/rejectattr: the test named by argument `first` (its arguments
 * follow) on each item, or on its attribute. */
static int select_items(jv **out, jv_render *r, jv *v, const jv_call *c, bool attr, bool keep)
{
	size_t first = attr ? 1 : 0;
	jv *items, *list, *path = attr ? hfgit_chat__call_arg(c, 0, NULL) : NULL;
	jv *test = hfgit_chat__call_arg(c, first, NULL);
	jv_call tc = { NULL, 0, NULL, NULL, 0, NULL };
	int rc = 0;

	if (attr && (!path || path->type != JV_STRING))
		return hfgit_chat__render_error(r, "%s needs an attribute name", c->name);
	if (test && test->type != JV_STRING)
		return hfgit_chat__render_error(r, "%s: the test must be named by a string", c->name);
	if (test) {
		tc.name = test->u.str.ptr;
		tc.args = c->args + first + 1;
		tc.nargs = c->nargs - first - 1;
	}
	if (!(items = sequence(r, c, v)))
		return HFGIT_EINVALID;
	if (!(list = hfgit_jv__list())) {
		hfgit_jv__unref(items);
		return HFGIT_ERROR;
	}
	for (size_t i = 0; i < items->u.list.len && rc == 0; i++) {
		jv *item = items->u.list.items[i];
		jv *subject = attr ? attribute(r, item, path) : hfgit_jv__ref(item);
		bool yes;
		if (!subject) {
			rc = HFGIT_EINVALID;
			break;
		}
		if (test)
			rc = hfgit_chat__builtin_test(&yes, r, subject, &tc);
		else
			yes = hfgit_jv__truthy(subject);
		hfgit_jv__unref(subject);
		if (rc == 0 && yes == keep)
			rc = hfgit_jv__list_push(list, item);
	}
	hfgit_jv__unref(items);
	if (rc < 0) {
		hfgit_jv__unref(list);
		return rc;
	}
	*out = list;
	return 0;
}

static int map_items(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	jv *path = hfgit_chat__call_arg(c, 99, "attribute");
	jv *dflt = hfgit_chat__call_arg(c, 99, "default");
	jv *filter = path ? NULL : hfgit_chat__call_arg(c, 0, NULL), *items, *list;
	jv_call fc = { NULL, 0, NULL, NULL, 0, NULL };
	int rc = 0;

	if (path && path->type != JV_STRING)
		return hfgit_chat__render_error(r, "map: attribute= must be a string");
	if (!path && (!filter || filter->type != JV_STRING))
		return hfgit_chat__render_error(r, "map needs attribute='name' or a filter name");
	if (filter) {
		fc.name = filter->u.str.ptr;
		fc.args = c->args + 1;
		fc.nargs = c->nargs - 1;
		fc.kwnames = c->kwnames;
		fc.kwvals = c->kwvals;
		fc.nkw = c->nkw;
	}
	if (!(items = sequence(r, c, v)))
		return HFGIT_EINVALID;
	if (!(list = hfgit_jv__list())) {
		hfgit_jv__unref(items);
		return HFGIT_ERROR;
	}
	for (size_t i = 0; i < items->u.list.len && rc == 0; i++) {
		jv *res = NULL;
		if (path) {
			res = attribute(r, items->u.list.items[i], path);
			if (res && res->type == JV_UNDEFINED && dflt) {
				hfgit_jv__unref(res);
				res = hfgit_jv__ref(dflt);
			}
		} else {
			hfgit_chat__builtin_filter(&res, r, items->u.list.items[i], &fc);
		}
		if (!res)
			rc = HFGIT_EINVALID;
		else
			rc = hfgit_jv__list_push(list, res);
		hfgit_jv__unref(res);
	}
	hfgit_jv__unref(items);
	if (rc < 0) {
		hfgit_jv__unref(list);
		return rc;
	}
	*out = list;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Filters                                                                                   */

static int filter_tojson(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	static const char *const names[] = { "indent", "ensure_ascii", "separators", "sort_keys", NULL };
	jv *indent = hfgit_chat__call_arg(c, 0, "indent");
	jv *sort = hfgit_chat__call_arg(c, 99, "sort_keys");
	jv *ascii = hfgit_chat__call_arg(c, 99, "ensure_ascii");
	jv *seps = hfgit_chat__call_arg(c, 99, "separators");
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	long long n = -1;

	if (hfgit_chat__call_check(r, c, 1, names) < 0)
		return HFGIT_EINVALID;
	if (indent && indent->type != JV_NONE && want_int(r, c, indent, "indent", &n) < 0)
		return HFGIT_EINVALID;
	if (n > 64)
		return hfgit_chat__render_error(r, "tojson: indent %lld is too large", n);
	if (ascii && hfgit_jv__truthy(ascii))
		return hfgit_chat__render_error(r, "tojson: ensure_ascii=true is not supported");
	if (seps && seps->type != JV_NONE)
		return hfgit_chat__render_error(r, "tojson: separators= is not supported");
	if (v->type == JV_UNDEFINED)
		return hfgit_chat__render_error(r, "tojson: %s", v->hint ? v->hint : "the value is undefined");
	if (hfgit_jv__tojson(&b, v, (int)n, sort && hfgit_jv__truthy(sort)) < 0) {
		hfgit_strbuf__dispose(&b);
		return hfgit_chat__render_error(r, "%s", hfgit_error_last());
	}
	return (*out = hfgit_jv__string_take(&b)) ? 0 : HFGIT_ERROR;
}

static jv *first_last(const jv *v, bool last)
{
	size_t n;

	if (v->type == JV_LIST) {
		n = v->u.list.len;
		return n ? hfgit_jv__ref(v->u.list.items[last ? n - 1 : 0])
		         : hfgit_jv__undefined("the list is empty");
	}
	if (v->type == JV_STRING) {
		size_t len = v->u.str.len, a, b;
		if (!len)
			return hfgit_jv__undefined("the string is empty");
		a = last ? prev_start(v->u.str.ptr, len) : 0;
		b = a;
		hfgit_chat__utf8_next(v->u.str.ptr, len, &b);
		return hfgit_jv__string(v->u.str.ptr + a, b - a);
	}
	return NULL;
}

static int filter_int(jv **out, jv_render *r, jv *v, jv *dflt)
{
	char *end;
	double d;

	switch (v->type) {
	case JV_INT:
		*out = hfgit_jv__ref(v);
		return 0;
	case JV_BOOL:
		*out = hfgit_jv__int(v->u.b);
		return *out ? 0 : HFGIT_ERROR;
	case JV_FLOAT:
		if (isfinite(v->u.f) && fabs(v->u.f) < 9.2e18) {
			*out = hfgit_jv__int((long long)v->u.f);
			return *out ? 0 : HFGIT_ERROR;
		}
		break;
	case JV_STRING:
		errno = 0;
		long long i = strtoll(v->u.str.ptr, &end, 10);
		if (end != v->u.str.ptr && !*end && !errno) {
			*out = hfgit_jv__int(i);
			return *out ? 0 : HFGIT_ERROR;
		}
		d = strtod(v->u.str.ptr, &end);
		if (end != v->u.str.ptr && !*end && isfinite(d) && fabs(d) < 9.2e18) {
			*out = hfgit_jv__int((long long)d);
			return *out ? 0 : HFGIT_ERROR;
		}
		break;
	default:
		break;
	}
	*out = dflt ? hfgit_jv__ref(dflt) : hfgit_jv__int(0);
	return *out ? 0 : HFGIT_ERROR;
}

static int filter_join(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	jv *sep = hfgit_chat__call_arg(c, 0, "d"), *path = hfgit_chat__call_arg(c, 1, "attribute"), *items;
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	int rc = 0;

	if (sep && want_string(r, c, sep, "the separator") < 0)
		return HFGIT_EINVALID;
	if (path && want_string(r, c, path, "attribute=") < 0)
		return HFGIT_EINVALID;
	if (!(items = sequence(r, c, v)))
		return HFGIT_EINVALID;
	for (size_t i = 0; i < items->u.list.len && rc == 0; i++) {
		jv *item = path ? attribute(r, items->u.list.items[i], path)
		                : hfgit_jv__ref(items->u.list.items[i]);
		if (!item)
			rc = HFGIT_EINVALID;
		else if (i && sep)
			rc = hfgit_strbuf__put(&b, sep->u.str.ptr, sep->u.str.len);
		if (rc == 0)
			rc = hfgit_chat__render_to_string(&b, r, item);
		hfgit_jv__unref(item);
	}
	hfgit_jv__unref(items);
	if (rc < 0) {
		hfgit_strbuf__dispose(&b);
		return rc;
	}
	return (*out = hfgit_jv__string_take(&b)) ? 0 : HFGIT_ERROR;
}

static int item_cmp(const jv *a, const jv *b)
{
	if ((a->type == JV_INT || a->type == JV_FLOAT || a->type == JV_BOOL) &&
	    (b->type == JV_INT || b->type == JV_FLOAT || b->type == JV_BOOL)) {
		double x = a->type == JV_FLOAT ? a->u.f : a->type == JV_INT ? (double)a->u.i : a->u.b;
		double y = b->type == JV_FLOAT ? b->u.f : b->type == JV_INT ? (double)b->u.i : b->u.b;
		return x < y ? -1 : x > y;
	}
	if (a->type == JV_STRING && b->type == JV_STRING) {
		int c = strcmp(a->u.str.ptr, b->u.str.ptr);
		return c < 0 ? -1 : c > 0;
	}
	return a->type < b->type ? -1 : a->type > b->type;
}

static int filter_sort(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	static const char *const names[] = { "reverse", "case_sensitive", "attribute", NULL };
	jv *rev = hfgit_chat__call_arg(c, 0, "reverse"), *path = hfgit_chat__call_arg(c, 2, "attribute");
	jv *items, *list, **keys;
	size_t n, i, j;

	if (hfgit_chat__call_check(r, c, 3, names) < 0)
		return HFGIT_EINVALID;
	if (path && want_string(r, c, path, "attribute=") < 0)
		return HFGIT_EINVALID;
	if (!(items = sequence(r, c, v)))
		return HFGIT_EINVALID;
	n = items->u.list.len;
	list = hfgit_jv__list();
	keys = calloc(n + 1, sizeof(*keys));
	for (i = 0; list && keys && i < n; i++) {
		if (hfgit_jv__list_push(list, items->u.list.items[i]) < 0)
			break;
		keys[i] = path ? attribute(r, items->u.list.items[i], path)
		               : hfgit_jv__ref(items->u.list.items[i]);
		if (!keys[i])
			break;
	}
	if (!list || !keys || i < n) {
		for (j = 0; keys && j < n; j++)
			hfgit_jv__unref(keys[j]);
		free(keys);
		hfgit_jv__unref(list);
		hfgit_jv__unref(items);
		return HFGIT_EINVALID;
	}
	/* Insertion sort: stable, as Python's sorted, and the lists are short. */
	for (i = 1; i < n; i++) {
		for (j = i; j > 0; j--) {
			int cmp = item_cmp(keys[j - 1], keys[j]);
			if (rev && hfgit_jv__truthy(rev) ? cmp >= 0 : cmp <= 0)
				break;
			jv *t = keys[j]; keys[j] = keys[j - 1]; keys[j - 1] = t;
			t = list->u.list.items[j];
			list->u.list.items[j] = list->u.list.items[j - 1];
			list->u.list.items[j - 1] = t;
		}
	}
	for (j = 0; j < n; j++)
		hfgit_jv__unref(keys[j]);
	free(keys);
	hfgit_jv__unref(items);
	*out = list;
	return 0;
}

static int filter_replace(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	jv *old = hfgit_chat__call_arg(c, 0, "old"), *new_ = hfgit_chat__call_arg(c, 1, "new");
	jv *count = hfgit_chat__call_arg(c, 2, "count");
	jv *s;
	long long n = -1;

	if (!old || !new_)
		return hfgit_chat__render_error(r, "%s needs the old and the new text", c->name);
	if (want_string(r, c, old, "the old text") < 0 || want_string(r, c, new_, "the new text") < 0 ||
	    (count && count->type != JV_NONE && want_int(r, c, count, "count", &n) < 0))
		return HFGIT_EINVALID;
	if (!(s = to_string(r, v)))
		return HFGIT_EINVALID;
	*out = replace(r, s, old, new_, n);
	hfgit_jv__unref(s);
	return *out ? 0 : HFGIT_EINVALID;
}

static const char *const filters[] = {
	"tojson", "default", "d", "length", "count", "join", "selectattr", "rejectattr", "select",
	"reject", "map", "first", "last", "list", "items", "reverse", "sort", "string", "safe", "int",
	"float", "abs", "replace", "trim", "upper", "lower", "title", "capitalize", "indent",
	"unique", "dictsort", NULL,
};

static const char *const tests[] = {
	"defined", "undefined", "none", "boolean", "true", "false", "integer", "float", "number",
	"string", "mapping", "iterable", "sequence", "callable", "lower", "upper", "odd", "even",
	"divisibleby", "eq", "equalto", "==", "ne", "!=", "sameas", "in", NULL,
};

static bool listed(const char *const *names, const char *name)
{
	for (; *names; names++)
		if (!strcmp(*names, name))
			return true;
	return false;
}

bool hfgit_chat__known_filter(const char *name)
{
	return listed(filters, name);
}

bool hfgit_chat__known_test(const char *name)
{
	return listed(tests, name);
}

/* Jinja's indent(width=4, first=False, blank=False): lines after the first get the prefix
 * (a number of spaces, or the string given); blank lines only with blank=True. */
static int filter_indent(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	static const char *const names[] = { "width", "first", "blank", NULL };
	jv *width = hfgit_chat__call_arg(c, 0, "width"), *first = hfgit_chat__call_arg(c, 1, "first"),
	   *blank = hfgit_chat__call_arg(c, 2, "blank"), *s;
	hfgit_strbuf prefix = HFGIT_STRBUF_INIT, b = HFGIT_STRBUF_INIT;
	long long n = 4;
	size_t i = 0, len;
	bool line_start = first && hfgit_jv__truthy(first);
	int rc = 0;

	if (hfgit_chat__call_check(r, c, 3, names) < 0)
		return HFGIT_EINVALID;
	if (width && width->type == JV_STRING)
		rc = hfgit_strbuf__put(&prefix, width->u.str.ptr, width->u.str.len);
	else if (width && want_int(r, c, width, "width", &n) < 0)
		return HFGIT_EINVALID;
	if (!width || width->type != JV_STRING) {
		if (n < 0 || n > 256)
			return hfgit_chat__render_error(r, "indent: width %lld is out of range", n);
		for (long long k = 0; k < n && rc == 0; k++)
			rc = hfgit_strbuf__put(&prefix, " ", 1);
	}
	if (rc < 0 || !(s = to_string(r, v))) {
		hfgit_strbuf__dispose(&prefix);
		return HFGIT_EINVALID;
	}
	len = s->u.str.len;
	for (i = 0; i < len && rc == 0; i++) {
		char ch = s->u.str.ptr[i];
		if (line_start && (ch != '\n' || (blank && hfgit_jv__truthy(blank))))
			rc = hfgit_strbuf__put(&b, prefix.ptr ? prefix.ptr : "", prefix.len);
		if (rc == 0)
			rc = hfgit_strbuf__put(&b, &ch, 1);
		line_start = ch == '\n';
		if (b.len > CHAT_MAX_OUTPUT)
			rc = hfgit_chat__render_error(r, "indent: the result exceeds %u MiB", CHAT_MAX_OUTPUT >> 20);
	}
	hfgit_jv__unref(s);
	hfgit_strbuf__dispose(&prefix);
	if (rc < 0) {
		hfgit_strbuf__dispose(&b);
		return rc;
	}
	return (*out = hfgit_jv__string_take(&b)) ? 0 : HFGIT_ERROR;
}

/* Jinja compares strings without case for unique and dictsort unless case_sensitive. */
static bool same_fold(const jv *a, const jv *b, bool case_sensitive)
{
	if (case_sensitive || a->type != JV_STRING || b->type != JV_STRING)
		return hfgit_jv__equal(a, b);
	return a->u.str.len == b->u.str.len && !strncasecmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len);
}

static int filter_unique(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	static const char *const names[] = { "case_sensitive", "attribute", NULL };
	jv *cs = hfgit_chat__call_arg(c, 0, "case_sensitive");
	jv *path = hfgit_chat__call_arg(c, 1, "attribute"), *items, *list, *keys;
	int rc = 0;

	if (hfgit_chat__call_check(r, c, 2, names) < 0 ||
	    (path && want_string(r, c, path, "attribute=") < 0))
		return HFGIT_EINVALID;
	if (!(items = sequence(r, c, v)))
		return HFGIT_EINVALID;
	list = hfgit_jv__list();
	keys = hfgit_jv__list();
	for (size_t i = 0; list && keys && i < items->u.list.len && rc == 0; i++) {
		jv *key = path ? attribute(r, items->u.list.items[i], path)
		               : hfgit_jv__ref(items->u.list.items[i]);
		bool seen = false;
		if (!key) {
			rc = HFGIT_EINVALID;
			break;
		}
		for (size_t k = 0; k < keys->u.list.len && !seen; k++)
			seen = same_fold(keys->u.list.items[k], key, cs && hfgit_jv__truthy(cs));
		if (!seen && (hfgit_jv__list_push(keys, key) < 0 ||
		              hfgit_jv__list_push(list, items->u.list.items[i]) < 0))
			rc = HFGIT_ERROR;
		hfgit_jv__unref(key);
	}
	hfgit_jv__unref(items);
	hfgit_jv__unref(keys);
	if (!list || rc < 0) {
		hfgit_jv__unref(list);
		return rc < 0 ? rc : HFGIT_ERROR;
	}
	*out = list;
	return 0;
}

static int filter_dictsort(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	static const char *const names[] = { "case_sensitive", "by", "reverse", NULL };
	jv *cs = hfgit_chat__call_arg(c, 0, "case_sensitive"), *by = hfgit_chat__call_arg(c, 1, "by"),
	   *rev = hfgit_chat__call_arg(c, 2, "reverse"), *pairs;
	bool by_value = false, sensitive = cs && hfgit_jv__truthy(cs);
	bool reverse = rev && hfgit_jv__truthy(rev);
	size_t n;

	if (hfgit_chat__call_check(r, c, 3, names) < 0)
		return HFGIT_EINVALID;
	if (by) {
		if (want_string(r, c, by, "by=") < 0)
			return HFGIT_EINVALID;
		if (strcmp(by->u.str.ptr, "key") && strcmp(by->u.str.ptr, "value"))
			return hfgit_chat__render_error(r, "dictsort: by= must be 'key' or 'value'");
		by_value = by->u.str.ptr[0] == 'v';
	}
	if (v->type != JV_DICT && v->type != JV_NAMESPACE)
		return hfgit_chat__render_error(r, "dictsort: a %s value is not a mapping",
		                                hfgit_jv__type_name(v));
	if (!(pairs = dict_items(v, 0)))
		return HFGIT_ERROR;
	n = pairs->u.list.len;
	/* Insertion sort, stable as Python's sorted. */
	for (size_t i = 1; i < n; i++) {
		for (size_t j = i; j > 0; j--) {
			jv *a = pairs->u.list.items[j - 1]->u.list.items[by_value],
			   *b = pairs->u.list.items[j]->u.list.items[by_value];
			int cmp;
			if (!sensitive && a->type == JV_STRING && b->type == JV_STRING) {
				cmp = strcasecmp(a->u.str.ptr, b->u.str.ptr);
				cmp = cmp < 0 ? -1 : cmp > 0;
			} else {
				cmp = item_cmp(a, b);
			}
			if (reverse ? cmp >= 0 : cmp <= 0)
				break;
			jv *t = pairs->u.list.items[j];
			pairs->u.list.items[j] = pairs->u.list.items[j - 1];
			pairs->u.list.items[j - 1] = t;
		}
	}
	*out = pairs;
	return 0;
}

static int filter_default(jv **out, jv *v, const jv_call *c)
{
	jv *dflt = hfgit_chat__call_arg(c, 0, "default_value");
	jv *boolean = hfgit_chat__call_arg(c, 1, "boolean");
	bool use = v->type == JV_UNDEFINED ||
	           (boolean && hfgit_jv__truthy(boolean) && !hfgit_jv__truthy(v));

	*out = use ? (dflt ? hfgit_jv__ref(dflt) : hfgit_jv__string("", 0)) : hfgit_jv__ref(v);
	return *out ? 0 : HFGIT_ERROR;
}

static int filter_length(jv **out, jv_render *r, jv *v, const char *f)
{
	size_t n;

	switch (v->type) {
	case JV_STRING: n = hfgit_jv__utf8_length(v->u.str.ptr, v->u.str.len); break;
	case JV_LIST: n = v->u.list.len; break;
	case JV_DICT: case JV_NAMESPACE: n = v->u.dict.len; break;
	case JV_UNDEFINED: n = 0; break;
	default: return hfgit_chat__render_error(r, "%s: a %s value has no length", f,
	                                         hfgit_jv__type_name(v));
	}
	return (*out = hfgit_jv__int((long long)n)) ? 0 : HFGIT_ERROR;
}

static int filter_first_last(jv **out, jv_render *r, jv *v, const char *f)
{
	if (v->type == JV_UNDEFINED)
		return (*out = hfgit_jv__undefined("%s of an undefined value", f)) ? 0 : HFGIT_ERROR;
	if (!(*out = first_last(v, f[0] == 'l')))
		return hfgit_chat__render_error(r, "%s: a %s value has no items", f, hfgit_jv__type_name(v));
	return 0;
}

static int filter_items(jv **out, jv_render *r, jv *v)
{
	if (v->type == JV_UNDEFINED)
		return (*out = hfgit_jv__list()) ? 0 : HFGIT_ERROR;
	if (v->type != JV_DICT && v->type != JV_NAMESPACE)
		return hfgit_chat__render_error(r, "items: a %s value is not a mapping", hfgit_jv__type_name(v));
	return (*out = dict_items(v, 0)) ? 0 : HFGIT_ERROR;
}

static int filter_reverse(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	jv *items = sequence(r, c, v), *list;

	if (!items)
		return HFGIT_EINVALID;
	if (v->type == JV_STRING) {
		hfgit_strbuf b = HFGIT_STRBUF_INIT;
		for (size_t i = items->u.list.len; i > 0; i--)
			if (hfgit_strbuf__put(&b, items->u.list.items[i - 1]->u.str.ptr,
			                      items->u.list.items[i - 1]->u.str.len) < 0)
				break;
		hfgit_jv__unref(items);
		return (*out = hfgit_jv__string_take(&b)) ? 0 : HFGIT_ERROR;
	}
	list = hfgit_jv__list();
	for (size_t i = items->u.list.len; list && i > 0; i--)
		if (hfgit_jv__list_push(list, items->u.list.items[i - 1]) < 0) {
			hfgit_jv__unref(list);
			list = NULL;
		}
	hfgit_jv__unref(items);
	return (*out = list) ? 0 : HFGIT_ERROR;
}

static int filter_float(jv **out, jv *v)
{
	if (v->type == JV_FLOAT || v->type == JV_INT || v->type == JV_BOOL) {
		*out = hfgit_jv__float(v->type == JV_FLOAT ? v->u.f
		                       : v->type == JV_INT ? (double)v->u.i
		                                           : v->u.b);
	} else if (v->type == JV_STRING) {
		char *end;
		double d = strtod(v->u.str.ptr, &end);
		*out = end != v->u.str.ptr && !*end ? hfgit_jv__float(d) : hfgit_jv__float(0);
	} else {
		*out = hfgit_jv__float(0);
	}
	return *out ? 0 : HFGIT_ERROR;
}

static int filter_abs(jv **out, jv_render *r, jv *v)
{
	if (v->type == JV_INT && v->u.i != LLONG_MIN)
		*out = hfgit_jv__int(v->u.i < 0 ? -v->u.i : v->u.i);
	else if (v->type == JV_FLOAT)
		*out = hfgit_jv__float(fabs(v->u.f));
	else
		return hfgit_chat__render_error(r, "abs: a %s value is not a number", hfgit_jv__type_name(v));
	return *out ? 0 : HFGIT_ERROR;
}

/* trim, upper, lower, title, capitalize: the filters that rewrite a value's text. */
static int filter_text(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	const char *f = c->name;
	jv *s, *chars = hfgit_chat__call_arg(c, 0, NULL);

	if (!(s = to_string(r, v)))
		return HFGIT_EINVALID;
	if (f[0] == 't' && f[1] == 'r') {
		if (chars && want_string(r, c, chars, "the characters") < 0) {
			hfgit_jv__unref(s);
			return HFGIT_EINVALID;
		}
		*out = strip(s, chars, true, true);
	} else {
		*out = change_case(s, f[0] == 'u' ? CASE_UPPER : f[0] == 'l' ? CASE_LOWER
		                       : f[0] == 't' ? CASE_TITLE : CASE_CAPITALIZE);
	}
	hfgit_jv__unref(s);
	return *out ? 0 : HFGIT_ERROR;
}

int hfgit_chat__builtin_filter(jv **out, jv_render *r, jv *v, const jv_call *c)
{
	const char *f = c->name;

	*out = NULL;
	if (!strcmp(f, "tojson"))
		return filter_tojson(out, r, v, c);
	if (!strcmp(f, "default") || !strcmp(f, "d"))
		return filter_default(out, v, c);
	if (!strcmp(f, "length") || !strcmp(f, "count"))
		return filter_length(out, r, v, f);
	if (!strcmp(f, "join"))
		return filter_join(out, r, v, c);
	if (!strcmp(f, "selectattr") || !strcmp(f, "rejectattr"))
		return select_items(out, r, v, c, true, f[0] == 's');
	if (!strcmp(f, "select") || !strcmp(f, "reject"))
		return select_items(out, r, v, c, false, f[0] == 's');
	if (!strcmp(f, "map"))
		return map_items(out, r, v, c);
	if (!strcmp(f, "first") || !strcmp(f, "last"))
		return filter_first_last(out, r, v, f);
	if (!strcmp(f, "list"))
		return (*out = sequence(r, c, v)) ? 0 : HFGIT_EINVALID;
	if (!strcmp(f, "items"))
		return filter_items(out, r, v);
	if (!strcmp(f, "reverse"))
		return filter_reverse(out, r, v, c);
	if (!strcmp(f, "sort"))
		return filter_sort(out, r, v, c);
	if (!strcmp(f, "string"))
		return (*out = to_string(r, v)) ? 0 : HFGIT_EINVALID;
	if (!strcmp(f, "safe"))
		return (*out = hfgit_jv__ref(v)) ? 0 : HFGIT_ERROR;
	if (!strcmp(f, "int"))
		return filter_int(out, r, v, hfgit_chat__call_arg(c, 0, "default"));
	if (!strcmp(f, "float"))
		return filter_float(out, v);
	if (!strcmp(f, "abs"))
		return filter_abs(out, r, v);
	if (!strcmp(f, "replace"))
		return filter_replace(out, r, v, c);
	if (!strcmp(f, "indent"))
		return filter_indent(out, r, v, c);
	if (!strcmp(f, "unique"))
		return filter_unique(out, r, v, c);
	if (!strcmp(f, "dictsort"))
		return filter_dictsort(out, r, v, c);
	if (!strcmp(f, "trim") || !strcmp(f, "upper") || !strcmp(f, "lower") ||
	    !strcmp(f, "title") || !strcmp(f, "capitalize"))
		return filter_text(out, r, v, c);
	return hfgit_chat__render_error(r, "unknown filter '%s'", f);
}

/* ---------------------------------------------------------------------------------------- */
/* Methods                                                                                   */

/* str.startswith / str.endswith, with one string or a list of them. */
static int method_affix(jv **out, jv_render *r, jv *self, const jv_call *c)
{
	jv *a0 = hfgit_chat__call_arg(c, 0, NULL);
	bool yes = false, start = c->name[0] == 's';

	if (!a0)
		return hfgit_chat__render_error(r, "%s needs a string", c->name);
	if (a0->type == JV_LIST) {
		for (size_t i = 0; i < a0->u.list.len && !yes; i++) {
			if (want_string(r, c, a0->u.list.items[i], "each prefix") < 0)
				return HFGIT_EINVALID;
			yes = affix(self, a0->u.list.items[i], start);
		}
	} else {
		if (want_string(r, c, a0, "the argument") < 0)
			return HFGIT_EINVALID;
		yes = affix(self, a0, start);
	}
	return (*out = hfgit_jv__bool(yes)) ? 0 : HFGIT_ERROR;
}

static int string_method(jv **out, jv_render *r, jv *self, const jv_call *c)
{
	const char *m = c->name;
	jv *a0 = hfgit_chat__call_arg(c, 0, NULL), *a1 = hfgit_chat__call_arg(c, 1, NULL);
	long long n = -1;

	if (!strcmp(m, "strip") || !strcmp(m, "lstrip") || !strcmp(m, "rstrip")) {
		if (a0 && a0->type != JV_NONE && want_string(r, c, a0, "the characters") < 0)
			return HFGIT_EINVALID;
		*out = strip(self, a0 && a0->type != JV_NONE ? a0 : NULL, m[0] != 'r', m[0] != 'l');
	} else if (!strcmp(m, "split")) {
		jv *sep = hfgit_chat__call_arg(c, 0, "sep"), *max = hfgit_chat__call_arg(c, 1, "maxsplit");
		if (sep && sep->type == JV_NONE)
			sep = NULL;
		if ((sep && want_string(r, c, sep, "the separator") < 0) ||
		    (max && want_int(r, c, max, "maxsplit", &n) < 0))
			return HFGIT_EINVALID;
		if (sep && !sep->u.str.len)
			return hfgit_chat__render_error(r, "split: empty separator");
		*out = split(self, sep, n);
	} else if (!strcmp(m, "startswith") || !strcmp(m, "endswith")) {
		return method_affix(out, r, self, c);
	} else if (!strcmp(m, "upper") || !strcmp(m, "lower") || !strcmp(m, "title") ||
	           !strcmp(m, "capitalize")) {
		*out = change_case(self, m[0] == 'u' ? CASE_UPPER : m[0] == 'l' ? CASE_LOWER
		                         : m[0] == 't' ? CASE_TITLE : CASE_CAPITALIZE);
	} else if (!strcmp(m, "replace")) {
		jv *count = hfgit_chat__call_arg(c, 2, "count");
		if (!a0 || !a1)
			return hfgit_chat__render_error(r, "replace needs the old and the new text");
		if (want_string(r, c, a0, "the old text") < 0 || want_string(r, c, a1, "the new text") < 0 ||
		    (count && want_int(r, c, count, "count", &n) < 0))
			return HFGIT_EINVALID;
		*out = replace(r, self, a0, a1, n);
		return *out ? 0 : HFGIT_EINVALID;
	} else if (!strcmp(m, "find") || !strcmp(m, "count")) {
		const char *hit, *p = self->u.str.ptr, *end = p + self->u.str.len;
		if (!a0 || want_string(r, c, a0, "the text") < 0)
			return a0 ? HFGIT_EINVALID : hfgit_chat__render_error(r, "%s needs a string", m);
		if (m[0] == 'f') {
			hit = memmem(p, self->u.str.len, a0->u.str.ptr, a0->u.str.len);
			*out = hfgit_jv__int(hit ? (long long)hfgit_jv__utf8_length(p, (size_t)(hit - p)) : -1);
		} else {
			long long k = 0;
			if (!a0->u.str.len)
				k = (long long)hfgit_jv__utf8_length(p, self->u.str.len) + 1;
			else
				while ((hit = memmem(p, (size_t)(end - p), a0->u.str.ptr, a0->u.str.len))) {
					k++;
					p = hit + a0->u.str.len;
				}
			*out = hfgit_jv__int(k);
		}
	} else if (!strcmp(m, "join")) {
		jv_call jc = *c;
		jv *args[1] = { self };
		if (!a0)
			return hfgit_chat__render_error(r, "join needs a list");
		jc.args = args;
		jc.nargs = 1;
		jc.nkw = 0;
		return filter_join(out, r, a0, &jc);
	} else {
		return 1;
	}
	return *out ? 0 : HFGIT_ERROR;
}

int hfgit_chat__builtin_method(jv **out, jv_render *r, jv *self, const jv_call *c)
{
	const char *m = c->name;

	*out = NULL;
	if (self->type == JV_STRING)
		return string_method(out, r, self, c);
	if (self->type == JV_LOOP && !strcmp(m, "cycle")) {
		if (!c->nargs)
			return hfgit_chat__render_error(r, "loop.cycle() needs at least one value");
		*out = hfgit_jv__ref(c->args[self->u.loop.index % c->nargs]);
		return 0;
	}
	if (self->type == JV_DICT || self->type == JV_NAMESPACE) {
		if (!strcmp(m, "items") || !strcmp(m, "keys") || !strcmp(m, "values")) {
			if (c->nargs || c->nkw)
				return hfgit_chat__render_error(r, "%s() takes no arguments", m);
			*out = dict_items(self, m[0] == 'i' ? 0 : m[0] == 'k' ? 1 : 2);
			return *out ? 0 : HFGIT_ERROR;
		}
		if (!strcmp(m, "get")) {
			jv *key = hfgit_chat__call_arg(c, 0, "key"), *dflt = hfgit_chat__call_arg(c, 1, "default"), *v;
			if (!key)
				return hfgit_chat__render_error(r, "get needs a key");
			v = key->type == JV_STRING ? hfgit_jv__dict_get(self, key->u.str.ptr) : NULL;
			*out = hfgit_jv__ref(v ? v : dflt ? dflt : hfgit_jv__none());
			return 0;
		}
	}
	return 1;
}

/* ---------------------------------------------------------------------------------------- */
/* Globals                                                                                   */

static int g_raise_exception(jv **out, jv_render *r, const jv_call *c)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	jv *msg = hfgit_chat__call_arg(c, 0, "message");

	if (msg && hfgit_chat__render_to_string(&b, r, msg) < 0) {
		hfgit_strbuf__dispose(&b);
		return HFGIT_EINVALID;
	}
	hfgit_error__set(HFGIT_EINVALID, "chat template error (line %d): %s", r->line,
	                 b.len ? b.ptr : "raise_exception() without a message");
	hfgit_strbuf__dispose(&b);
	return HFGIT_EINVALID;
}

static int g_strftime_now(jv **out, jv_render *r, const jv_call *c)
{
	jv *fmt = hfgit_chat__call_arg(c, 0, NULL);
	char buf[512];
	time_t now = time(NULL);
	struct tm tm;
	size_t n;

	if (!fmt || want_string(r, c, fmt, "the format") < 0)
		return fmt ? HFGIT_EINVALID : hfgit_chat__render_error(r, "strftime_now needs a format");
	localtime_r(&now, &tm);
	n = strftime(buf, sizeof(buf), fmt->u.str.ptr, &tm);
	if (!n && fmt->u.str.len)
		return hfgit_chat__render_error(r, "strftime_now: the format gives nothing or too much");
	return (*out = hfgit_jv__string(buf, n)) ? 0 : HFGIT_ERROR;
}

static int g_namespace(jv **out, jv_render *r, const jv_call *c)
{
	jv *ns;

	if (c->nargs > 1 || (c->nargs == 1 && c->args[0]->type != JV_DICT))
		return hfgit_chat__render_error(r, "namespace() takes keyword arguments (or one dict)");
	if (!(ns = hfgit_jv__dict()))
		return HFGIT_ERROR;
	ns->type = JV_NAMESPACE;
	for (size_t i = 0; c->nargs && i < c->args[0]->u.dict.len; i++)
		if (hfgit_jv__dict_set(ns, c->args[0]->u.dict.keys[i], c->args[0]->u.dict.vals[i]) < 0)
			goto fail;
	for (size_t i = 0; i < c->nkw; i++)
		if (hfgit_jv__dict_set(ns, c->kwnames[i].name, c->kwvals[i]) < 0)
			goto fail;
	*out = ns;
	return 0;
fail:
	hfgit_jv__unref(ns);
	return HFGIT_ERROR;
}

static int g_dict(jv **out, jv_render *r, const jv_call *c)
{
	int rc = g_namespace(out, r, c);

	if (rc == 0)
		(*out)->type = JV_DICT;
	return rc;
}

static int g_range(jv **out, jv_render *r, const jv_call *c)
{
	long long a = 0, b, s = 1, i;
	jv *list, *item;

	if (c->nargs < 1 || c->nargs > 3 || c->nkw)
		return hfgit_chat__render_error(r, "range takes 1 to 3 integers");
	for (size_t k = 0; k < c->nargs; k++)
		if (want_int(r, c, c->args[k], "each argument", k == 0 && c->nargs == 1 ? &b
		                                                : k == 0 ? &a : k == 1 ? &b : &s) < 0)
			return HFGIT_EINVALID;
	if (s == 0)
		return hfgit_chat__render_error(r, "range() step must not be zero");
	if (((double)b - (double)a) / (double)s > 1e6)
		return hfgit_chat__render_error(r, "range() of more than a million numbers");
	if (hfgit_chat__render_charge(r, (size_t)fmax(0, ((double)b - (double)a) / (double)s)) < 0)
		return HFGIT_EINVALID;
	if (!(list = hfgit_jv__list()))
		return HFGIT_ERROR;
	for (i = a; s > 0 ? i < b : i > b;) {
		if (!(item = hfgit_jv__int(i)) || hfgit_jv__list_push(list, item) < 0) {
			hfgit_jv__unref(item);
			hfgit_jv__unref(list);
			return HFGIT_ERROR;
		}
		hfgit_jv__unref(item);
		if (__builtin_add_overflow(i, s, &i))
			break;
	}
	*out = list;
	return 0;
}

int hfgit_chat__builtin_globals(scope *s)
{
	static const struct {
		const char *name;
		jv_builtin fn;
	} globals[] = {
		{ "raise_exception", g_raise_exception },
		{ "strftime_now", g_strftime_now },
		{ "namespace", g_namespace },
		{ "dict", g_dict },
		{ "range", g_range },
	};

	for (size_t i = 0; i < sizeof(globals) / sizeof(*globals); i++) {
		jv *f = hfgit_jv__func(globals[i].name, globals[i].fn, NULL);
		int rc = f ? hfgit_chat__scope_set(s, globals[i].name, f) : HFGIT_ERROR;
		hfgit_jv__unref(f);
		if (rc < 0)
			return rc;
	}
	return 0;
}
