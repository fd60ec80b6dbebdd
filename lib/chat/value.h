/*
 * The values a chat template computes with: Jinja's (Python's) types as the Hub's templates
 * see them. Reference counted and immutable once built, except a namespace() object, whose
 * attributes `{% set ns.x = ... %}` changes.
 */
#ifndef HFGIT_CHAT_VALUE_H
#define HFGIT_CHAT_VALUE_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stddef.h>

#include "core/strbuf.h"

typedef enum {
	JV_UNDEFINED,
	JV_NONE,
	JV_BOOL,
	JV_INT,
	JV_FLOAT,
	JV_STRING,
	JV_LIST,  /* also tuples: the templates cannot tell them apart */
	JV_DICT,  /* insertion-ordered, string keys */
	JV_NAMESPACE,
	JV_FUNC,  /* a built-in global or a macro */
	JV_LOOP,  /* a for loop's `loop`: its attributes are computed from the position */
} jv_type;

typedef struct jv jv;
struct jv_render;
struct jv_call;

typedef int (*jv_builtin)(jv **out, struct jv_render *r, const struct jv_call *call);

struct jv {
	int refs; /* < 0: static, never freed */
	jv_type type;
	union {
		int b;
		long long i;
		double f;
		struct {
			char *ptr;
			size_t len;
		} str;
		struct {
			jv **items;
			size_t len, cap;
		} list;
		struct {
			char **keys;
			jv **vals;
			size_t len, cap;
		} dict;        /* JV_DICT and JV_NAMESPACE */
		struct {
			const char *name;
			jv_builtin fn;
			const void *macro; /* a macro's node */
		} func;
		struct {
			jv *items; /* the list the loop walks (a reference) */
			size_t index;
		} loop;
	} u;
	char *hint; /* JV_UNDEFINED: why ("'dict object' has no attribute 'x'"), owned */
};

jv *hfgit_jv__ref(jv *v);
void hfgit_jv__unref(jv *v);
/* A template's literals are shared by every render, which may run on several threads: they
 * are made immortal (no reference counting) and released with the template. */
jv *hfgit_jv__make_immortal(jv *v);
void hfgit_jv__release_immortal(jv *v);

/* Constructors; NULL only when out of memory (the error is set). */
jv *hfgit_jv__undefined(const char *hint_fmt, ...) HFGIT_PRINTF(1, 2);
jv *hfgit_jv__none(void);
jv *hfgit_jv__bool(bool b);
jv *hfgit_jv__int(long long i);
jv *hfgit_jv__float(double f);
jv *hfgit_jv__string(const char *s, size_t len);
jv *hfgit_jv__string_take(hfgit_strbuf *buf); /* the buffer is emptied */
jv *hfgit_jv__list(void);
jv *hfgit_jv__dict(void);
jv *hfgit_jv__func(const char *name, jv_builtin fn, const void *macro);
jv *hfgit_jv__loop(jv *items, size_t index);

/* Append / set take a reference of their own; -1 when out of memory. */
int hfgit_jv__list_push(jv *list, jv *item);
int hfgit_jv__dict_set(jv *dict, const char *key, jv *val);
/* The value under `key` (borrowed), or NULL. */
jv *hfgit_jv__dict_get(const jv *dict, const char *key);

jv *hfgit_jv__from_json(json_object *o);

bool hfgit_jv__truthy(const jv *v);
bool hfgit_jv__equal(const jv *a, const jv *b);
const char *hfgit_jv__type_name(const jv *v);

/* What {{ v }} prints, as @huggingface/jinja prints it (lists and dicts as JSON). */
int hfgit_jv__print(hfgit_strbuf *out, const jv *v);
/* Python's json.dumps(v, ensure_ascii=False, indent=indent) (indent < 0: none), which is what
 * transformers' tojson filter calls. -1 with the error set for a value JSON cannot hold. */
int hfgit_jv__tojson(hfgit_strbuf *out, const jv *v, int indent, bool sort_keys);

/* Code points of UTF-8 text: the bytes that are not continuation bytes (and the first). */
size_t hfgit_jv__utf8_length(const char *s, size_t len);
/* Byte offset of code point `index` (0 <= index <= length). */
size_t hfgit_jv__utf8_offset(const char *s, size_t len, size_t index);

#endif
