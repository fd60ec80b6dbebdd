/* Template values: construction, reference counting, printing, JSON in and out. */
#include "chat/value.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

static jv none_value = { -1, JV_NONE };
static jv true_value = { -1, JV_BOOL, { .b = 1 } };
static jv false_value = { -1, JV_BOOL, { .b = 0 } };
static jv undefined_value = { -1, JV_UNDEFINED };

jv *hfgit_jv__ref(jv *v)
{
	if (v && v->refs >= 0)
		v->refs++;
	return v;
}

void hfgit_jv__unref(jv *v)
{
	size_t i;

	if (!v || v->refs < 0 || --v->refs > 0)
		return;
	switch (v->type) {
	case JV_STRING:
		free(v->u.str.ptr);
		break;
	case JV_LIST:
		for (i = 0; i < v->u.list.len; i++)
			hfgit_jv__unref(v->u.list.items[i]);
		free(v->u.list.items);
		break;
	case JV_DICT:
	case JV_NAMESPACE:
		for (i = 0; i < v->u.dict.len; i++) {
			free(v->u.dict.keys[i]);
			hfgit_jv__unref(v->u.dict.vals[i]);
		}
		free(v->u.dict.keys);
		free(v->u.dict.vals);
		break;
	case JV_LOOP:
		hfgit_jv__unref(v->u.loop.items);
		break;
	default:
		break;
	}
	free(v->hint);
	free(v);
}

static bool is_singleton(const jv *v)
{
	return v == &none_value || v == &true_value || v == &false_value ||
	       v == &undefined_value;
}

jv *hfgit_jv__make_immortal(jv *v)
{
	if (v && !is_singleton(v))
		v->refs = -1;
	return v;
}

void hfgit_jv__release_immortal(jv *v)
{
	if (!v || is_singleton(v))
		return;
	v->refs = 1;
	hfgit_jv__unref(v);
}

static jv *alloc(jv_type type)
{
	jv *v = calloc(1, sizeof(*v));

	if (!v) {
		hfgit_error__oom();
		return NULL;
	}
	v->refs = 1;
	v->type = type;
	return v;
}

jv *hfgit_jv__undefined(const char *hint_fmt, ...)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	va_list ap;
	jv *v;

	if (!hint_fmt)
		return &undefined_value;
	va_start(ap, hint_fmt);
	if (hfgit_strbuf__vprintf(&buf, hint_fmt, ap) < 0) {
		va_end(ap);
		return NULL;
	}
	va_end(ap);
	if (!(v = alloc(JV_UNDEFINED))) {
		hfgit_strbuf__dispose(&buf);
		return NULL;
	}
	v->hint = hfgit_strbuf__detach(&buf);
	return v;
}

jv *hfgit_jv__none(void)
{
	return &none_value;
}

jv *hfgit_jv__bool(bool b)
{
	return b ? &true_value : &false_value;
}

jv *hfgit_jv__int(long long i)
{
	jv *v = alloc(JV_INT);

	if (v)
		v->u.i = i;
	return v;
}

jv *hfgit_jv__float(double f)
{
	jv *v = alloc(JV_FLOAT);

	if (v)
		v->u.f = f;
	return v;
}

jv *hfgit_jv__string(const char *s, size_t len)
{
	jv *v = alloc(JV_STRING);

	if (!v)
		return NULL;
	if (!(v->u.str.ptr = malloc(len + 1))) {
		free(v);
		hfgit_error__oom();
		return NULL;
	}
	if (len)
		memcpy(v->u.str.ptr, s, len);
	v->u.str.ptr[len] = '\0';
	v->u.str.len = len;
	return v;
}

jv *hfgit_jv__string_take(hfgit_strbuf *buf)
{
	jv *v = alloc(JV_STRING);
	size_t len = buf->len;

	if (!v) {
		hfgit_strbuf__dispose(buf);
		return NULL;
	}
	/* An empty buffer has no storage yet: give it its terminator. */
	if (!buf->ptr && hfgit_strbuf__put(buf, "", 0) < 0) {
		free(v);
		return NULL;
	}
	v->u.str.ptr = hfgit_strbuf__detach(buf);
	v->u.str.len = len;
	return v;
}

jv *hfgit_jv__list(void)
{
	return alloc(JV_LIST);
}

jv *hfgit_jv__dict(void)
{
	return alloc(JV_DICT);
}

jv *hfgit_jv__func(const char *name, jv_builtin fn, const void *macro)
{
	jv *v = alloc(JV_FUNC);

	if (v) {
		v->u.func.name = name;
		v->u.func.fn = fn;
		v->u.func.macro = macro;
	}
	return v;
}

jv *hfgit_jv__loop(jv *items, size_t index)
{
	jv *v = alloc(JV_LOOP);

	if (v) {
		v->u.loop.items = hfgit_jv__ref(items);
		v->u.loop.index = index;
	}
	return v;
}

static int grow(void **items, size_t *cap, size_t len, size_t size)
{
	size_t ncap;
	void *p;

	if (len < *cap)
		return 0;
	ncap = *cap ? *cap * 2 : 4;
	if (!(p = realloc(*items, ncap * size)))
		return hfgit_error__oom();
	*items = p;
	*cap = ncap;
	return 0;
}

int hfgit_jv__list_push(jv *list, jv *item)
{
	if (grow((void **)&list->u.list.items, &list->u.list.cap, list->u.list.len, sizeof(jv *)) < 0)
		return -1;
	list->u.list.items[list->u.list.len++] = hfgit_jv__ref(item);
	return 0;
}

int hfgit_jv__dict_set(jv *dict, const char *key, jv *val)
{
	size_t i, cap;
	char *k;

	for (i = 0; i < dict->u.dict.len; i++) {
		if (!strcmp(dict->u.dict.keys[i], key)) {
			hfgit_jv__ref(val);
			hfgit_jv__unref(dict->u.dict.vals[i]);
			dict->u.dict.vals[i] = val;
			return 0;
		}
	}
	if (!(k = strdup(key)))
		return hfgit_error__oom();
	cap = dict->u.dict.cap;
	if (grow((void **)&dict->u.dict.keys, &cap, dict->u.dict.len, sizeof(char *)) < 0 ||
	    grow((void **)&dict->u.dict.vals, &dict->u.dict.cap, dict->u.dict.len, sizeof(jv *)) < 0) {
		free(k);
		return -1;
	}
	dict->u.dict.keys[dict->u.dict.len] = k;
	dict->u.dict.vals[dict->u.dict.len++] = hfgit_jv__ref(val);
	return 0;
}

jv *hfgit_jv__dict_get(const jv *dict, const char *key)
{
	size_t i;

	for (i = 0; i < dict->u.dict.len; i++)
		if (!strcmp(dict->u.dict.keys[i], key))
			return dict->u.dict.vals[i];
	return NULL;
}

jv *hfgit_jv__from_json(json_object *o)
{
	jv *v = NULL, *item;
	size_t i, n;

	switch (json_object_get_type(o)) {
	case json_type_null:
		return hfgit_jv__none();
	case json_type_boolean:
		return hfgit_jv__bool(json_object_get_boolean(o));
	case json_type_int:
		return hfgit_jv__int((long long)json_object_get_int64(o));
	case json_type_double:
		return hfgit_jv__float(json_object_get_double(o));
	case json_type_string:
		return hfgit_jv__string(json_object_get_string(o), (size_t)json_object_get_string_len(o));
	case json_type_array:
		if (!(v = hfgit_jv__list()))
			return NULL;
		n = json_object_array_length(o);
		for (i = 0; i < n; i++) {
			if (!(item = hfgit_jv__from_json(json_object_array_get_idx(o, i))) ||
			    hfgit_jv__list_push(v, item) < 0) {
				hfgit_jv__unref(item);
				hfgit_jv__unref(v);
				return NULL;
			}
			hfgit_jv__unref(item);
		}
		return v;
	case json_type_object:
		if (!(v = hfgit_jv__dict()))
			return NULL;
		json_object_object_foreach(o, key, val) {
			if (!(item = hfgit_jv__from_json(val)) || hfgit_jv__dict_set(v, key, item) < 0) {
				hfgit_jv__unref(item);
				hfgit_jv__unref(v);
				return NULL;
			}
			hfgit_jv__unref(item);
		}
		return v;
	}
	return hfgit_jv__none();
}

bool hfgit_jv__truthy(const jv *v)
{
	switch (v->type) {
	case JV_UNDEFINED:
	case JV_NONE:
		return false;
	case JV_BOOL:
		return v->u.b;
	case JV_INT:
		return v->u.i != 0;
	case JV_FLOAT:
		return v->u.f != 0;
	case JV_STRING:
		return v->u.str.len != 0;
	case JV_LIST:
		return v->u.list.len != 0;
	case JV_DICT:
		return v->u.dict.len != 0;
	default:
		return true;
	}
}

static bool is_number(const jv *v)
{
	return v->type == JV_INT || v->type == JV_FLOAT || v->type == JV_BOOL;
}

static double as_double(const jv *v)
{
	return v->type == JV_FLOAT ? v->u.f : v->type == JV_INT ? (double)v->u.i : v->u.b;
}

bool hfgit_jv__equal(const jv *a, const jv *b)
{
	size_t i;

	if (is_number(a) && is_number(b)) {
		if (a->type == JV_FLOAT || b->type == JV_FLOAT)
			return as_double(a) == as_double(b);
		return (a->type == JV_INT ? a->u.i : a->u.b) == (b->type == JV_INT ? b->u.i : b->u.b);
	}
	if (a->type != b->type)
		return false;
	switch (a->type) {
	case JV_UNDEFINED:
	case JV_NONE:
		return true;
	case JV_STRING:
		return a->u.str.len == b->u.str.len && !memcmp(a->u.str.ptr, b->u.str.ptr, a->u.str.len);
	case JV_LIST:
		if (a->u.list.len != b->u.list.len)
			return false;
		for (i = 0; i < a->u.list.len; i++)
			if (!hfgit_jv__equal(a->u.list.items[i], b->u.list.items[i]))
				return false;
		return true;
	case JV_DICT:
		if (a->u.dict.len != b->u.dict.len)
			return false;
		for (i = 0; i < a->u.dict.len; i++) {
			jv *other = hfgit_jv__dict_get(b, a->u.dict.keys[i]);
			if (!other || !hfgit_jv__equal(a->u.dict.vals[i], other))
				return false;
		}
		return true;
	default:
		return a == b;
	}
}

const char *hfgit_jv__type_name(const jv *v)
{
	static const char *const names[] = { "undefined", "none", "bool", "int", "float", "string",
	                                     "list", "dict", "namespace", "function", "loop" };
	return names[v->type];
}

static void format_float(char *buf, size_t size, double f)
{
	char digits[40];
	int prec, exp;

	if (isnan(f)) {
		snprintf(buf, size, "NaN");
		return;
	}
	if (isinf(f)) {
		snprintf(buf, size, f < 0 ? "-Infinity" : "Infinity");
		return;
	}
	/* The shortest digits that read back as the same double, as Python's repr finds them. */
	for (prec = 0; prec < 17; prec++) {
		snprintf(digits, sizeof(digits), "%.*e", prec, f);
		if (strtod(digits, NULL) == f)
			break;
	}
	exp = atoi(strchr(digits, 'e') + 1);
	if (exp < -4 || exp >= 16) {
		/* 1e+16, 1.5e-05: mantissa without trailing zeros, exponent of two digits at least. */
		char *e = strchr(digits, 'e');
		*e = '\0';
		snprintf(buf, size, "%se%c%02d", digits, exp < 0 ? '-' : '+', exp < 0 ? -exp : exp);
	} else {
		int decimals = prec - exp;
		snprintf(buf, size, "%.*f", decimals > 0 ? decimals : 0, f);
		if (decimals <= 0)
			strncat(buf, ".0", size - strlen(buf) - 1);
	}
}

static int put_json_string(hfgit_strbuf *out, const char *s, size_t len)
{
	size_t i, start = 0;
	int rc = hfgit_strbuf__put(out, "\"", 1);

	for (i = 0; i < len && rc == 0; i++) {
		unsigned char c = (unsigned char)s[i];
		const char *esc = NULL;
		char u[8];

		switch (c) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		case '\b': esc = "\\b"; break;
		case '\f': esc = "\\f"; break;
		default:
			if (c < 0x20) {
				snprintf(u, sizeof(u), "\\u%04x", c);
				esc = u;
			}
		}
		if (!esc)
			continue;
		rc = hfgit_strbuf__put(out, s + start, i - start);
		if (rc == 0)
			rc = hfgit_strbuf__puts(out, esc);
		start = i + 1;
	}
	if (rc == 0)
		rc = hfgit_strbuf__put(out, s + start, len - start);
	return rc == 0 ? hfgit_strbuf__put(out, "\"", 1) : rc;
}

static int newline_indent(hfgit_strbuf *out, int indent, int level)
{
	if (hfgit_strbuf__put(out, "\n", 1) < 0)
		return -1;
	for (int k = 0; k < indent * level; k++)
		if (hfgit_strbuf__put(out, " ", 1) < 0)
			return -1;
	return 0;
}

static int key_cmp(const void *a, const void *b)
{
	return strcmp(**(char *const *const *)a, **(char *const *const *)b);
}

static int tojson_at(hfgit_strbuf *out, const jv *v, int indent, bool sort_keys, int level)
{
	const char *item_sep = indent < 0 ? ", " : ",";
	char num[64];
	size_t i, n;

	if (level > 512)
		return hfgit_error__set(HFGIT_EINVALID, "tojson: the value nests too deeply");
	switch (v->type) {
	case JV_NONE:
		return hfgit_strbuf__puts(out, "null");
	case JV_BOOL:
		return hfgit_strbuf__puts(out, v->u.b ? "true" : "false");
	case JV_INT:
		return hfgit_strbuf__printf(out, "%lld", v->u.i);
	case JV_FLOAT:
		format_float(num, sizeof(num), v->u.f);
		return hfgit_strbuf__puts(out, num);
	case JV_STRING:
		return put_json_string(out, v->u.str.ptr, v->u.str.len);
	case JV_LIST:
		n = v->u.list.len;
		if (!n)
			return hfgit_strbuf__puts(out, "[]");
		if (hfgit_strbuf__put(out, "[", 1) < 0)
			return -1;
		for (i = 0; i < n; i++) {
			if ((i && hfgit_strbuf__puts(out, item_sep) < 0) ||
			    (indent >= 0 && newline_indent(out, indent, level + 1) < 0) ||
			    tojson_at(out, v->u.list.items[i], indent, sort_keys, level + 1) < 0)
				return -1;
		}
		if (indent >= 0 && newline_indent(out, indent, level) < 0)
			return -1;
		return hfgit_strbuf__put(out, "]", 1);
	case JV_DICT:
	case JV_NAMESPACE: {
		char ***order;
		int rc = 0;

		n = v->u.dict.len;
		if (!n)
			return hfgit_strbuf__puts(out, "{}");
		if (!(order = malloc(n * sizeof(*order))))
			return hfgit_error__oom();
		for (i = 0; i < n; i++)
			order[i] = &v->u.dict.keys[i];
		if (sort_keys)
			qsort(order, n, sizeof(*order), key_cmp);
		rc = hfgit_strbuf__put(out, "{", 1);
		for (i = 0; i < n && rc == 0; i++) {
			size_t k = (size_t)(order[i] - v->u.dict.keys);
			if ((i && hfgit_strbuf__puts(out, item_sep) < 0) ||
			    (indent >= 0 && newline_indent(out, indent, level + 1) < 0) ||
			    put_json_string(out, *order[i], strlen(*order[i])) < 0 ||
			    hfgit_strbuf__puts(out, ": ") < 0 ||
			    tojson_at(out, v->u.dict.vals[k], indent, sort_keys, level + 1) < 0)
				rc = -1;
		}
		free(order);
		if (rc == 0 && indent >= 0)
			rc = newline_indent(out, indent, level);
		return rc == 0 ? hfgit_strbuf__put(out, "}", 1) : rc;
	}
	default:
		return hfgit_error__set(HFGIT_EINVALID, "tojson: %s %s is not JSON serializable",
		                        v->type == JV_UNDEFINED ? "an" : "a", hfgit_jv__type_name(v));
	}
}

int hfgit_jv__tojson(hfgit_strbuf *out, const jv *v, int indent, bool sort_keys)
{
	return tojson_at(out, v, indent, sort_keys, 0);
}

int hfgit_jv__print(hfgit_strbuf *out, const jv *v)
{
	char num[64];

	switch (v->type) {
	case JV_UNDEFINED:
	case JV_NONE:
		return 0;
	case JV_BOOL:
		return hfgit_strbuf__puts(out, v->u.b ? "true" : "false");
	case JV_INT:
		return hfgit_strbuf__printf(out, "%lld", v->u.i);
	case JV_FLOAT:
		format_float(num, sizeof(num), v->u.f);
		return hfgit_strbuf__puts(out, num);
	case JV_STRING:
		return hfgit_strbuf__put(out, v->u.str.ptr, v->u.str.len);
	case JV_FUNC:
		return hfgit_strbuf__printf(out, "<function %s>", v->u.func.name);
	case JV_LOOP:
		return hfgit_strbuf__puts(out, "<LoopContext>");
	default:
		return hfgit_jv__tojson(out, v, -1, false);
	}
}

size_t hfgit_jv__utf8_length(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		if (i == 0 || ((unsigned char)s[i] & 0xC0) != 0x80)
			n++;
	return n;
}

size_t hfgit_jv__utf8_offset(const char *s, size_t len, size_t index)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++) {
		if (i == 0 || ((unsigned char)s[i] & 0xC0) != 0x80) {
			if (n == index)
				return i;
			n++;
		}
	}
	return len;
}
