/*
 * The evaluator: statements write into the output, expressions compute values, with the
 * semantics of Jinja as transformers runs it (ImmutableSandboxedEnvironment, the default
 * Undefined) and, where the two differ in what Hub templates touch, of @huggingface/jinja
 * (how true, none, lists and dicts print).
 */
#define _GNU_SOURCE /* memmem */
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/render.h"
#include "core/error.h"

enum { FLOW_NEXT = 0, FLOW_BREAK = 1, FLOW_CONTINUE = 2 };

int hfgit_chat__render_error(jv_render *r, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hfgit_error__set(HFGIT_EINVALID, "chat template line %d: %s", r->line, msg);
}

/* ---------------------------------------------------------------------------------------- */
/* Scopes                                                                                    */

int hfgit_chat__scope_set(scope *s, const char *name, jv *v)
{
	size_t i;

	for (i = 0; i < s->len; i++) {
		if (!strcmp(s->names[i], name)) {
			hfgit_jv__ref(v);
			hfgit_jv__unref(s->vals[i]);
			s->vals[i] = v;
			return 0;
		}
	}
	if (s->len == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 8;
		char **names = realloc(s->names, cap * sizeof(*names));
		jv **vals;
		if (!names)
			return hfgit_error__oom();
		s->names = names;
		if (!(vals = realloc(s->vals, cap * sizeof(*vals))))
			return hfgit_error__oom();
		s->vals = vals;
		s->cap = cap;
	}
	if (!(s->names[s->len] = strdup(name)))
		return hfgit_error__oom();
	s->vals[s->len++] = hfgit_jv__ref(v);
	return 0;
}

void hfgit_chat__scope_dispose(scope *s)
{
	size_t i;

	for (i = 0; i < s->len; i++) {
		free(s->names[i]);
		hfgit_jv__unref(s->vals[i]);
	}
	free(s->names);
	free(s->vals);
	memset(s, 0, sizeof(*s));
}

static int render_macro(jv **out, jv_render *r, const node *macro, const jv_call *c);

static jv *scope_get(const scope *s, const char *name)
{
	size_t i;

	for (; s; s = s->parent)
		for (i = 0; i < s->len; i++)
			if (!strcmp(s->names[i], name))
				return s->vals[i];
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Values                                                                                    */

static const char *python_type(const jv *v)
{
	switch (v->type) {
	case JV_NONE: return "NoneType";
	case JV_BOOL: return "bool";
	case JV_INT: return "int";
	case JV_FLOAT: return "float";
	case JV_STRING: return "str";
	case JV_LIST: return "list";
	case JV_DICT: return "dict";
	case JV_NAMESPACE: return "Namespace";
	case JV_FUNC: return "function";
	case JV_LOOP: return "LoopContext";
	default: return "Undefined";
	}
}

/* An Undefined used where a value is needed: Jinja's UndefinedError. */
static int undefined_error(jv_render *r, const jv *v)
{
	return hfgit_chat__render_error(r, "%s", v->hint ? v->hint : "a variable is undefined");
}

int hfgit_chat__render_to_string(hfgit_strbuf *out, jv_render *r, const jv *v)
{
	size_t before = out->len;

	if (hfgit_jv__print(out, v) < 0)
		return hfgit_chat__render_error(r, "%s", hfgit_error_last());
	/* Copying text is work too: a step per 256 bytes keeps loops over huge strings bounded. */
	if (hfgit_chat__render_charge(r, (out->len - before) / 256) < 0)
		return HFGIT_EINVALID;
	if (out->len > CHAT_MAX_OUTPUT)
		return hfgit_chat__render_error(r, "the rendered text exceeds %u MiB", CHAT_MAX_OUTPUT >> 20);
	return 0;
}

/* loop.index and friends, from the loop's position. */
static jv *loop_attr(const jv *loop, const char *name)
{
	const jv *items = loop->u.loop.items;
	size_t i = loop->u.loop.index, n = items->u.list.len;

	if (!strcmp(name, "index"))
		return hfgit_jv__int((long long)i + 1);
	if (!strcmp(name, "index0"))
		return hfgit_jv__int((long long)i);
	if (!strcmp(name, "revindex"))
		return hfgit_jv__int((long long)(n - i));
	if (!strcmp(name, "revindex0"))
		return hfgit_jv__int((long long)(n - i - 1));
	if (!strcmp(name, "first"))
		return hfgit_jv__bool(i == 0);
	if (!strcmp(name, "last"))
		return hfgit_jv__bool(i + 1 == n);
	if (!strcmp(name, "length"))
		return hfgit_jv__int((long long)n);
	if (!strcmp(name, "previtem"))
		return i ? hfgit_jv__ref(items->u.list.items[i - 1])
		         : hfgit_jv__undefined("there is no previous item");
	if (!strcmp(name, "nextitem"))
		return i + 1 < n ? hfgit_jv__ref(items->u.list.items[i + 1])
		                 : hfgit_jv__undefined("there is no next item");
	if (!strcmp(name, "depth"))
		return hfgit_jv__int(1);
	if (!strcmp(name, "depth0"))
		return hfgit_jv__int(0);
	return hfgit_jv__undefined("'LoopContext object' has no attribute '%s'", name);
}

jv *hfgit_chat__render_getattr(jv_render *r, jv *obj, const char *name)
{
	jv *v;

	switch (obj->type) {
	case JV_LOOP:
		return loop_attr(obj, name);
	case JV_UNDEFINED:
		undefined_error(r, obj);
		return NULL;
	case JV_DICT:
	case JV_NAMESPACE:
		if ((v = hfgit_jv__dict_get(obj, name)))
			return hfgit_jv__ref(v);
		break;
	default:
		break;
	}
	return hfgit_jv__undefined("'%s object' has no attribute '%s'", python_type(obj), name);
}

static bool as_index(const jv *v, long long *out)
{
	if (v->type == JV_INT)
		*out = v->u.i;
	else if (v->type == JV_BOOL)
		*out = v->u.b;
	else
		return false;
	return true;
}

static jv *getitem(jv_render *r, jv *obj, jv *key)
{
	long long i;
	size_t len;
	jv *v;

	switch (obj->type) {
	case JV_UNDEFINED:
		undefined_error(r, obj);
		return NULL;
	case JV_DICT:
	case JV_NAMESPACE:
		if (key->type == JV_STRING) {
			if ((v = hfgit_jv__dict_get(obj, key->u.str.ptr)))
				return hfgit_jv__ref(v);
			return hfgit_jv__undefined("'dict object' has no attribute '%s'", key->u.str.ptr);
		}
		break;
	case JV_LIST:
	case JV_STRING:
		if (!as_index(key, &i))
			break;
		len = obj->type == JV_LIST ? obj->u.list.len
		                           : hfgit_jv__utf8_length(obj->u.str.ptr, obj->u.str.len);
		if (i < 0)
			i += (long long)len;
		if (i < 0 || (size_t)i >= len)
			return hfgit_jv__undefined("'%s object' has no element %lld", python_type(obj),
			                           as_index(key, &i) ? i : 0);
		if (obj->type == JV_LIST)
			return hfgit_jv__ref(obj->u.list.items[i]);
		{
			size_t a = hfgit_jv__utf8_offset(obj->u.str.ptr, obj->u.str.len, (size_t)i);
			size_t b = hfgit_jv__utf8_offset(obj->u.str.ptr, obj->u.str.len, (size_t)i + 1);
			return hfgit_jv__string(obj->u.str.ptr + a, b - a);
		}
	default:
		break;
	}
	if (key->type == JV_STRING)
		return hfgit_jv__undefined("'%s object' has no attribute '%s'", python_type(obj), key->u.str.ptr);
	return hfgit_jv__undefined("'%s object' has no element of that key", python_type(obj));
}

/* Python's slice.indices for a sequence of `len`. */
static int slice_bounds(jv_render *r, jv *const parts[3], size_t len, long long *start,
                        long long *stop, long long *step)
{
	long long n = (long long)len, v;

	*step = 1;
	if (parts[2] && parts[2]->type != JV_NONE) {
		if (!as_index(parts[2], step))
			return hfgit_chat__render_error(r, "slice step must be an integer");
		if (*step == 0)
			return hfgit_chat__render_error(r, "slice step cannot be zero");
	}
	*start = *step > 0 ? 0 : n - 1;
	*stop = *step > 0 ? n : -1;
	for (int k = 0; k < 2; k++) {
		long long *dst = k ? stop : start;
		if (!parts[k] || parts[k]->type == JV_NONE)
			continue;
		if (!as_index(parts[k], &v))
			return hfgit_chat__render_error(r, "slice indices must be integers");
		if (v < 0) {
			v += n;
			if (v < 0)
				v = *step > 0 ? 0 : -1;
		} else if (v >= n) {
			v = *step > 0 ? n : n - 1;
		}
		*dst = v;
	}
	return 0;
}

static jv *slice(jv_render *r, jv *obj, jv *const parts[3])
{
	long long start, stop, step, i;
	jv *out;

	if (obj->type == JV_UNDEFINED) {
		undefined_error(r, obj);
		return NULL;
	}
	if (obj->type == JV_LIST) {
		if (slice_bounds(r, parts, obj->u.list.len, &start, &stop, &step) < 0 ||
		    !(out = hfgit_jv__list()))
			return NULL;
		for (i = start; step > 0 ? i < stop : i > stop; i += step)
			if (hfgit_jv__list_push(out, obj->u.list.items[i]) < 0) {
				hfgit_jv__unref(out);
				return NULL;
			}
		return out;
	}
	if (obj->type == JV_STRING) {
		const char *s = obj->u.str.ptr;
		size_t len = obj->u.str.len, n = hfgit_jv__utf8_length(s, len), *offs;
		hfgit_strbuf b = HFGIT_STRBUF_INIT;

		if (slice_bounds(r, parts, n, &start, &stop, &step) < 0)
			return NULL;
		if (!(offs = malloc((n + 1) * sizeof(*offs)))) {
			hfgit_error__oom();
			return NULL;
		}
		/* Code point boundaries, so that slices count characters as Python does. */
		for (size_t at = 0, k = 0; at < len; at++)
			if (((unsigned char)s[at] & 0xC0) != 0x80 || at == 0)
				offs[k++] = at;
		offs[n] = len;
		for (i = start; step > 0 ? i < stop : i > stop; i += step)
			if (hfgit_strbuf__put(&b, s + offs[i], offs[i + 1] - offs[i]) < 0) {
				free(offs);
				hfgit_strbuf__dispose(&b);
				return NULL;
			}
		free(offs);
		return hfgit_jv__string_take(&b);
	}
	hfgit_chat__render_error(r, "a %s object cannot be sliced", python_type(obj));
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Operators                                                                                 */

static bool numeric(const jv *v)
{
	return v->type == JV_INT || v->type == JV_FLOAT || v->type == JV_BOOL;
}

static double num(const jv *v)
{
	return v->type == JV_FLOAT ? v->u.f : v->type == JV_INT ? (double)v->u.i : v->u.b;
}

static long long inum(const jv *v)
{
	return v->type == JV_INT ? v->u.i : v->u.b;
}

static const char *op_name(int op)
{
	static char single[2];

	switch (op) {
	case OP_FLOORDIV: return "//";
	case OP_POW: return "**";
	case OP_EQ: return "==";
	case OP_NE: return "!=";
	case OP_LE: return "<=";
	case OP_GE: return ">=";
	default:
		single[0] = (char)op;
		return single;
	}
}

static jv *concat(jv_render *r, jv *a, jv *b)
{
	hfgit_strbuf s = HFGIT_STRBUF_INIT;

	if (hfgit_chat__render_to_string(&s, r, a) < 0 || hfgit_chat__render_to_string(&s, r, b) < 0) {
		hfgit_strbuf__dispose(&s);
		return NULL;
	}
	return hfgit_jv__string_take(&s);
}

static jv *repeat(jv_render *r, jv *seq, long long n)
{
	jv *out;
	long long k;

	if (n < 0)
		n = 0;
	if (seq->type == JV_STRING) {
		hfgit_strbuf s = HFGIT_STRBUF_INIT;
		if (seq->u.str.len && (unsigned long long)n > CHAT_MAX_OUTPUT / seq->u.str.len) {
			hfgit_chat__render_error(r, "a string repeated %lld times exceeds %u MiB", n,
			                         CHAT_MAX_OUTPUT >> 20);
			return NULL;
		}
		if (hfgit_chat__render_charge(r, seq->u.str.len * (size_t)n / 256) < 0)
			return NULL;
		for (k = 0; k < n && seq->u.str.len; k++)
			if (hfgit_strbuf__put(&s, seq->u.str.ptr, seq->u.str.len) < 0) {
				hfgit_strbuf__dispose(&s);
				return NULL;
			}
		return hfgit_jv__string_take(&s);
	}
	if (seq->u.list.len && (unsigned long long)n > CHAT_MAX_OUTPUT / 8 / seq->u.list.len) {
		hfgit_chat__render_error(r, "a list repeated %lld times is too long", n);
		return NULL;
	}
	if (hfgit_chat__render_charge(r, seq->u.list.len * (size_t)n) < 0)
		return NULL;
	if (!(out = hfgit_jv__list()))
		return NULL;
	for (k = 0; k < n; k++)
		for (size_t i = 0; i < seq->u.list.len; i++)
			if (hfgit_jv__list_push(out, seq->u.list.items[i]) < 0) {
				hfgit_jv__unref(out);
				return NULL;
			}
	return out;
}

static int compare(jv_render *r, int op, jv *a, jv *b, bool *out)
{
	int c;

	if (numeric(a) && numeric(b)) {
		double x = num(a), y = num(b);
		if (a->type != JV_FLOAT && b->type != JV_FLOAT) {
			long long p = inum(a), q = inum(b);
			c = p < q ? -1 : p > q;
		} else {
			c = x < y ? -1 : x > y;
			if (isnan(x) || isnan(y)) {
				*out = false;
				return 0;
			}
		}
	} else if (a->type == JV_STRING && b->type == JV_STRING) {
		size_t n = a->u.str.len < b->u.str.len ? a->u.str.len : b->u.str.len;
		c = memcmp(a->u.str.ptr, b->u.str.ptr, n);
		if (!c)
			c = a->u.str.len < b->u.str.len ? -1 : a->u.str.len > b->u.str.len;
	} else {
		if (a->type == JV_UNDEFINED)
			return undefined_error(r, a);
		if (b->type == JV_UNDEFINED)
			return undefined_error(r, b);
		return hfgit_chat__render_error(r, "'%s' not supported between %s and %s", op_name(op),
		                                python_type(a), python_type(b));
	}
	*out = op == '<' ? c < 0 : op == '>' ? c > 0 : op == OP_LE ? c <= 0 : c >= 0;
	return 0;
}

static int contains(jv_render *r, jv *needle, jv *hay, bool *out)
{
	size_t i;

	*out = false;
	switch (hay->type) {
	case JV_STRING:
		if (needle->type != JV_STRING)
			return hfgit_chat__render_error(r, "'in <string>' requires a string on the left, not %s",
			                                python_type(needle));
		*out = needle->u.str.len == 0 ||
		       (needle->u.str.len <= hay->u.str.len &&
		        memmem(hay->u.str.ptr, hay->u.str.len, needle->u.str.ptr, needle->u.str.len));
		return 0;
	case JV_LIST:
		for (i = 0; i < hay->u.list.len && !*out; i++)
			*out = hfgit_jv__equal(needle, hay->u.list.items[i]);
		return 0;
	case JV_DICT:
	case JV_NAMESPACE:
		*out = needle->type == JV_STRING && hfgit_jv__dict_get(hay, needle->u.str.ptr);
		return 0;
	case JV_UNDEFINED:
		return 0;
	default:
		return hfgit_chat__render_error(r, "argument of type '%s' is not iterable", python_type(hay));
	}
}

static jv *int_overflow(jv_render *r, int op)
{
	hfgit_chat__render_error(r, "integer overflow in %s", op_name(op));
	return NULL;
}

/* Python's integer arithmetic, where C's would overflow or round differently. */
static jv *int_arith(jv_render *r, int op, long long x, long long y)
{
	long long res;

	switch (op) {
	case '+':
		return __builtin_add_overflow(x, y, &res) ? int_overflow(r, op) : hfgit_jv__int(res);
	case '-':
		return __builtin_sub_overflow(x, y, &res) ? int_overflow(r, op) : hfgit_jv__int(res);
	case '*':
		return __builtin_mul_overflow(x, y, &res) ? int_overflow(r, op) : hfgit_jv__int(res);
	case OP_FLOORDIV:
	case '%':
		if (y == 0) {
			hfgit_chat__render_error(r, "integer division or modulo by zero");
			return NULL;
		}
		if (x == LLONG_MIN && y == -1)
			return int_overflow(r, op);
		res = op == '%' ? x % y : x / y;
		/* Python rounds toward negative infinity. */
		if (op == '%' && res && ((res < 0) != (y < 0)))
			res += y;
		else if (op == OP_FLOORDIV && (x % y) && ((x < 0) != (y < 0)))
			res--;
		return hfgit_jv__int(res);
	default: /* OP_POW */
		if (y < 0)
			return hfgit_jv__float(pow((double)x, (double)y));
		res = 1;
		for (long long k = 0; k < y; k++) {
			if (__builtin_mul_overflow(res, x, &res))
				return int_overflow(r, op);
			if (res == 0 || res == 1)
				break;
		}
		if (res == 1 && x == -1 && (y & 1))
			res = -1;
		return hfgit_jv__int(res);
	}
}

static jv *float_arith(jv_render *r, int op, double p, double q)
{
	switch (op) {
	case '+': return hfgit_jv__float(p + q);
	case '-': return hfgit_jv__float(p - q);
	case '*': return hfgit_jv__float(p * q);
	case '/':
		if (q == 0) {
			hfgit_chat__render_error(r, "division by zero");
			return NULL;
		}
		return hfgit_jv__float(p / q);
	case OP_FLOORDIV:
	case '%':
		if (q == 0) {
			hfgit_chat__render_error(r, "float division or modulo by zero");
			return NULL;
		}
		return hfgit_jv__float(op == '%' ? p - floor(p / q) * q : floor(p / q));
	default:
		return hfgit_jv__float(pow(p, q));
	}
}

static jv *arith(jv_render *r, int op, jv *a, jv *b)
{
	if (op == '~')
		return concat(r, a, b);
	if (a->type == JV_UNDEFINED || b->type == JV_UNDEFINED) {
		undefined_error(r, a->type == JV_UNDEFINED ? a : b);
		return NULL;
	}
	if (op == '+' && a->type == JV_STRING && b->type == JV_STRING)
		return concat(r, a, b);
	if (op == '+' && a->type == JV_LIST && b->type == JV_LIST) {
		jv *out = repeat(r, a, 1);
		for (size_t i = 0; out && i < b->u.list.len; i++)
			if (hfgit_jv__list_push(out, b->u.list.items[i]) < 0) {
				hfgit_jv__unref(out);
				return NULL;
			}
		return out;
	}
	if (op == '*' && (a->type == JV_STRING || a->type == JV_LIST) && b->type != JV_FLOAT &&
	    numeric(b))
		return repeat(r, a, inum(b));
	if (op == '*' && (b->type == JV_STRING || b->type == JV_LIST) && a->type != JV_FLOAT &&
	    numeric(a))
		return repeat(r, b, inum(a));
	if (!numeric(a) || !numeric(b)) {
		if (op == '%' && a->type == JV_STRING)
			hfgit_chat__render_error(r, "printf-style formatting ('...' %% value) is not "
			                         "supported; use ~ or the format of the values directly");
		else
			hfgit_chat__render_error(r, "unsupported operand types for %s: '%s' and '%s'",
			                         op_name(op), python_type(a), python_type(b));
		return NULL;
	}
	if (a->type != JV_FLOAT && b->type != JV_FLOAT && op != '/')
		return int_arith(r, op, inum(a), inum(b));
	return float_arith(r, op, num(a), num(b));
}

/* ---------------------------------------------------------------------------------------- */
/* Expressions                                                                               */

static jv *eval(jv_render *r, scope *s, const node *n);

typedef struct {
	jv **args;
	jv **kwvals;
	size_t nargs, nkw;
} evaluated_args;

static void args_dispose(evaluated_args *e)
{
	for (size_t i = 0; i < e->nargs; i++)
		hfgit_jv__unref(e->args[i]);
	for (size_t i = 0; i < e->nkw; i++)
		hfgit_jv__unref(e->kwvals[i]);
	free(e->args);
	free(e->kwvals);
}

static int eval_args(jv_render *r, scope *s, const node *n, evaluated_args *e, jv_call *c,
                     jv *first)
{
	size_t extra = first ? 1 : 0;

	memset(e, 0, sizeof(*e));
	if (!(e->args = calloc(n->items.len + extra + 1, sizeof(jv *))) ||
	    !(e->kwvals = calloc(n->kwargs.len + 1, sizeof(jv *))))
		return hfgit_error__oom();
	if (first)
		e->args[e->nargs++] = hfgit_jv__ref(first);
	for (size_t i = 0; i < n->items.len; i++) {
		if (!(e->args[e->nargs] = eval(r, s, n->items.v[i])))
			return HFGIT_EINVALID;
		e->nargs++;
	}
	for (size_t i = 0; i < n->kwargs.len; i++) {
		if (!(e->kwvals[e->nkw] = eval(r, s, n->kwargs.v[i].value)))
			return HFGIT_EINVALID;
		e->nkw++;
	}
	c->args = e->args;
	c->nargs = e->nargs;
	c->kwnames = n->kwargs.v;
	c->kwvals = e->kwvals;
	c->nkw = e->nkw;
	c->name = n->str;
	return 0;
}

jv *hfgit_chat__call_arg(const jv_call *c, size_t pos, const char *name)
{
	if (pos < c->nargs)
		return c->args[pos];
	for (size_t i = 0; name && i < c->nkw; i++)
		if (!strcmp(c->kwnames[i].name, name))
			return c->kwvals[i];
	return NULL;
}

int hfgit_chat__call_check(jv_render *r, const jv_call *c, size_t npos, const char *const *names)
{
	if (c->nargs > npos)
		return hfgit_chat__render_error(r, "%s takes at most %zu positional argument%s (%zu given)",
		                                c->name, npos, npos == 1 ? "" : "s", c->nargs);
	for (size_t i = 0; i < c->nkw; i++) {
		size_t k;
		for (k = 0; names && names[k]; k++)
			if (!strcmp(names[k], c->kwnames[i].name))
				break;
		if (!names || !names[k])
			return hfgit_chat__render_error(r, "%s got an unexpected keyword argument '%s'", c->name,
			                                c->kwnames[i].name);
	}
	return 0;
}

static jv *call_value(jv_render *r, jv *callee, const jv_call *c, const char *what)
{
	jv *out = NULL;

	if (callee->type == JV_UNDEFINED) {
		hfgit_chat__render_error(r, "'%s' is undefined (it cannot be called)", what);
		return NULL;
	}
	if (callee->type != JV_FUNC) {
		hfgit_chat__render_error(r, "'%s' is a %s, not a function", what, python_type(callee));
		return NULL;
	}
	if (callee->u.func.macro) {
		if (render_macro(&out, r, callee->u.func.macro, c) < 0)
			return NULL;
		return out;
	}
	if (callee->u.func.fn(&out, r, c) < 0)
		return NULL;
	return out;
}

static jv *eval_call(jv_render *r, scope *s, const node *n)
{
	const node *callee = n->a;
	evaluated_args e;
	jv_call c;
	jv *obj = NULL, *fn = NULL, *out = NULL;
	int rc;

	if (eval_args(r, s, n, &e, &c, NULL) < 0)
		goto out;
	if (callee->kind == N_ATTR) {
		if (!(obj = eval(r, s, callee->a)))
			goto out;
		r->line = n->line;
		if (obj->type == JV_UNDEFINED) {
			undefined_error(r, obj);
			goto out;
		}
		c.name = callee->str;
		if ((rc = hfgit_chat__builtin_method(&out, r, obj, &c)) <= 0)
			goto out;
		if (!(fn = hfgit_chat__render_getattr(r, obj, callee->str)))
			goto out;
		if (fn->type != JV_FUNC) {
			hfgit_chat__render_error(r, "unknown method '%s' of a %s value", callee->str, python_type(obj));
			goto out;
		}
		out = call_value(r, fn, &c, callee->str);
		goto out;
	}
	if (!(fn = eval(r, s, callee)))
		goto out;
	r->line = n->line;
	c.name = callee->kind == N_NAME ? callee->str : "the value";
	out = call_value(r, fn, &c, c.name);
out:
	hfgit_jv__unref(obj);
	hfgit_jv__unref(fn);
	args_dispose(&e);
	return out;
}

static jv *eval_filter(jv_render *r, scope *s, const node *n)
{
	evaluated_args e;
	jv_call c;
	jv *value, *out = NULL;

	if (!(value = eval(r, s, n->a)))
		return NULL;
	if (eval_args(r, s, n, &e, &c, NULL) == 0) {
		r->line = n->line;
		hfgit_chat__builtin_filter(&out, r, value, &c);
	}
	args_dispose(&e);
	hfgit_jv__unref(value);
	return out;
}

static jv *eval_test(jv_render *r, scope *s, const node *n)
{
	evaluated_args e;
	jv_call c;
	jv *value;
	bool ok = false;
	int rc = -1;

	if (!(value = eval(r, s, n->a)))
		return NULL;
	if (eval_args(r, s, n, &e, &c, NULL) == 0) {
		r->line = n->line;
		rc = hfgit_chat__builtin_test(&ok, r, value, &c);
	}
	args_dispose(&e);
	hfgit_jv__unref(value);
	return rc < 0 ? NULL : hfgit_jv__bool(ok != n->negate);
}

static jv *eval_binary(jv_render *r, scope *s, const node *n)
{
	jv *a, *b, *out = NULL;
	bool res = false;

	if (!(a = eval(r, s, n->a)))
		return NULL;
	if (!(b = eval(r, s, n->b))) {
		hfgit_jv__unref(a);
		return NULL;
	}
	r->line = n->line;
	switch (n->op) {
	case OP_EQ:
	case OP_NE:
		out = hfgit_jv__bool(hfgit_jv__equal(a, b) == (n->op == OP_EQ));
		break;
	case '<':
	case '>':
	case OP_LE:
	case OP_GE:
		if (compare(r, n->op, a, b, &res) == 0)
			out = hfgit_jv__bool(res);
		break;
	case OP_IN:
	case OP_NOTIN:
		if (contains(r, a, b, &res) == 0)
			out = hfgit_jv__bool(res == (n->op == OP_IN));
		break;
	default:
		out = arith(r, n->op, a, b);
	}
	hfgit_jv__unref(a);
	hfgit_jv__unref(b);
	return out;
}

static jv *eval_collection(jv_render *r, scope *s, const node *n)
{
	jv *out = n->kind == N_DICT ? hfgit_jv__dict() : hfgit_jv__list(), *k, *v;

	for (size_t i = 0; out && i < n->items.len; i += n->kind == N_DICT ? 2 : 1) {
		if (!(k = eval(r, s, n->items.v[i]))) {
			hfgit_jv__unref(out);
			return NULL;
		}
		if (n->kind != N_DICT) {
			if (hfgit_jv__list_push(out, k) < 0) {
				hfgit_jv__unref(k);
				hfgit_jv__unref(out);
				return NULL;
			}
			hfgit_jv__unref(k);
			continue;
		}
		if (k->type != JV_STRING) {
			r->line = n->line;
			hfgit_chat__render_error(r, "dict keys must be strings here, not %s", python_type(k));
			hfgit_jv__unref(k);
			hfgit_jv__unref(out);
			return NULL;
		}
		if (!(v = eval(r, s, n->items.v[i + 1])) || hfgit_jv__dict_set(out, k->u.str.ptr, v) < 0) {
			hfgit_jv__unref(v);
			hfgit_jv__unref(k);
			hfgit_jv__unref(out);
			return NULL;
		}
		hfgit_jv__unref(v);
		hfgit_jv__unref(k);
	}
	return out;
}

/* a[b] and a[start:stop:step] */
static jv *eval_subscript(jv_render *r, scope *s, const node *n)
{
	jv *a, *b, *out = NULL;
	jv *parts[3] = { NULL, NULL, NULL };
	int k;

	if (!(a = eval(r, s, n->a)))
		return NULL;
	if (n->kind == N_ITEM) {
		if (!(b = eval(r, s, n->b))) {
			hfgit_jv__unref(a);
			return NULL;
		}
		r->line = n->line;
		out = getitem(r, a, b);
		hfgit_jv__unref(a);
		hfgit_jv__unref(b);
		return out;
	}
	for (k = 0; k < 3; k++)
		if (n->items.v[k] && !(parts[k] = eval(r, s, n->items.v[k])))
			break;
	r->line = n->line;
	if (k == 3)
		out = slice(r, a, parts);
	for (k = 0; k < 3; k++)
		hfgit_jv__unref(parts[k]);
	hfgit_jv__unref(a);
	return out;
}

static jv *eval_unary(jv_render *r, scope *s, const node *n)
{
	jv *a, *out = NULL;

	if (!(a = eval(r, s, n->a)))
		return NULL;
	r->line = n->line;
	if (n->op == '!')
		out = hfgit_jv__bool(!hfgit_jv__truthy(a));
	else if (a->type == JV_UNDEFINED)
		undefined_error(r, a);
	else if (!numeric(a))
		hfgit_chat__render_error(r, "bad operand type for unary %c: '%s'", n->op, python_type(a));
	else if (n->op == '+')
		out = a->type == JV_BOOL ? hfgit_jv__int(a->u.b) : hfgit_jv__ref(a);
	else if (a->type == JV_FLOAT)
		out = hfgit_jv__float(-a->u.f);
	else if (inum(a) == LLONG_MIN)
		hfgit_chat__render_error(r, "integer overflow in unary -");
	else
		out = hfgit_jv__int(-inum(a));
	hfgit_jv__unref(a);
	return out;
}

static jv *eval(jv_render *r, scope *s, const node *n)
{
	jv *a, *b, *out = NULL;

	r->line = n->line;
	switch (n->kind) {
	case N_LITERAL:
		return hfgit_jv__ref(n->value);
	case N_NAME:
		if ((a = scope_get(s, n->str)))
			return hfgit_jv__ref(a);
		return hfgit_jv__undefined("'%s' is undefined", n->str);
	case N_LIST:
	case N_TUPLE:
	case N_DICT:
		return eval_collection(r, s, n);
	case N_ATTR:
		if (!(a = eval(r, s, n->a)))
			return NULL;
		r->line = n->line;
		out = hfgit_chat__render_getattr(r, a, n->str);
		hfgit_jv__unref(a);
		return out;
	case N_ITEM:
	case N_SLICE:
		return eval_subscript(r, s, n);
	case N_CALL:
		return eval_call(r, s, n);
	case N_FILTER:
		return eval_filter(r, s, n);
	case N_TEST:
		return eval_test(r, s, n);
	case N_UNARY:
		return eval_unary(r, s, n);
	case N_BINARY:
		return eval_binary(r, s, n);
	case N_AND:
	case N_OR:
		if (!(a = eval(r, s, n->a)))
			return NULL;
		if (hfgit_jv__truthy(a) == (n->kind == N_OR))
			return a;
		hfgit_jv__unref(a);
		return eval(r, s, n->b);
	case N_COND:
		if (!(a = eval(r, s, n->b)))
			return NULL;
		b = hfgit_jv__truthy(a) ? (jv *)n->a : NULL;
		hfgit_jv__unref(a);
		if (b)
			return eval(r, s, n->a);
		if (n->c)
			return eval(r, s, n->c);
		return hfgit_jv__undefined("the conditional expression on line %d had no else", n->line);
	default:
		hfgit_chat__render_error(r, "a statement where an expression was expected");
		return NULL;
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Statements                                                                                */

static int exec_body(jv_render *r, scope *s, const node_list *body, hfgit_strbuf *out);

int hfgit_chat__render_charge(jv_render *r, size_t n)
{
	r->steps += n;
	if (r->steps > CHAT_MAX_STEPS)
		return hfgit_chat__render_error(r, "the template runs more than %llu steps; is a loop unbounded?",
		                                CHAT_MAX_STEPS);
	return 0;
}

static int step(jv_render *r)
{
	return hfgit_chat__render_charge(r, 1);
}

/* The values a for loop walks: a list's items, a dict's keys, a string's characters. */
static jv *iterable(jv_render *r, jv *v)
{
	jv *out, *item;
	size_t i = 0;

	if (v->type == JV_STRING || v->type == JV_DICT || v->type == JV_NAMESPACE)
		if (hfgit_chat__render_charge(r, v->type == JV_STRING ? v->u.str.len : v->u.dict.len) < 0)
			return NULL;
	switch (v->type) {
	case JV_LIST:
		return hfgit_jv__ref(v);
	case JV_UNDEFINED:
		return hfgit_jv__list();
	case JV_DICT:
	case JV_NAMESPACE:
		if (!(out = hfgit_jv__list()))
			return NULL;
		for (i = 0; i < v->u.dict.len; i++) {
			if (!(item = hfgit_jv__string(v->u.dict.keys[i], strlen(v->u.dict.keys[i]))) ||
			    hfgit_jv__list_push(out, item) < 0) {
				hfgit_jv__unref(item);
				hfgit_jv__unref(out);
				return NULL;
			}
			hfgit_jv__unref(item);
		}
		return out;
	case JV_STRING:
		if (!(out = hfgit_jv__list()))
			return NULL;
		while (i < v->u.str.len) {
			size_t start = i;
			hfgit_chat__utf8_next(v->u.str.ptr, v->u.str.len, &i);
			if (!(item = hfgit_jv__string(v->u.str.ptr + start, i - start)) ||
			    hfgit_jv__list_push(out, item) < 0) {
				hfgit_jv__unref(item);
				hfgit_jv__unref(out);
				return NULL;
			}
			hfgit_jv__unref(item);
		}
		return out;
	default:
		hfgit_chat__render_error(r, "'%s' object is not iterable", python_type(v));
		return NULL;
	}
}

static int assign(jv_render *r, scope *s, const node_list *targets, jv *v)
{
	if (targets->len == 1)
		return hfgit_chat__scope_set(s, targets->v[0]->str, v);
	if (v->type != JV_LIST || v->u.list.len != targets->len)
		return hfgit_chat__render_error(r, "cannot unpack a %s into %zu variables", python_type(v),
		                                targets->len);
	for (size_t i = 0; i < targets->len; i++)
		if (hfgit_chat__scope_set(s, targets->v[i]->str, v->u.list.items[i]) < 0)
			return HFGIT_ERROR;
	return 0;
}

/* One `loop` value per loop, moved on in place unless the template kept a reference to it. */
static int set_loop(scope *s, jv **loop, size_t i, jv *items)
{
	if (*loop && (*loop)->refs <= 2 && scope_get(s, "loop") == *loop) {
		(*loop)->u.loop.index = i;
		return 0;
	}
	hfgit_jv__unref(*loop);
	if (!(*loop = hfgit_jv__loop(items, i)))
		return HFGIT_ERROR;
	return hfgit_chat__scope_set(s, "loop", *loop);
}

static int exec_for(jv_render *r, scope *s, const node *n, hfgit_strbuf *out)
{
	scope inner = { s };
	jv *src, *items = NULL, *kept = NULL, *loop = NULL;
	int rc = HFGIT_EINVALID;
	size_t i;

	if (!(src = eval(r, s, n->a)))
		return HFGIT_EINVALID;
	r->line = n->line;
	items = iterable(r, src);
	hfgit_jv__unref(src);
	if (!items)
		return HFGIT_EINVALID;
	/* A loop filter (for x in xs if cond) selects before loop.index and friends count. */
	if (n->b) {
		if (!(kept = hfgit_jv__list()))
			goto out;
		for (i = 0; i < items->u.list.len; i++) {
			jv *cond;
			bool yes;
			if (step(r) < 0 || assign(r, &inner, &n->targets, items->u.list.items[i]) < 0 ||
			    !(cond = eval(r, &inner, n->b)))
				goto out;
			yes = hfgit_jv__truthy(cond);
			hfgit_jv__unref(cond);
			if (yes && hfgit_jv__list_push(kept, items->u.list.items[i]) < 0)
				goto out;
		}
		hfgit_jv__unref(items);
		items = kept;
		kept = NULL;
	}
	rc = 0;
	for (i = 0; i < items->u.list.len && rc >= 0; i++) {
		r->line = n->line;
		if ((rc = step(r)) < 0 || (rc = assign(r, &inner, &n->targets, items->u.list.items[i])) < 0 ||
		    (rc = set_loop(&inner, &loop, i, items)) < 0)
			break;
		rc = exec_body(r, &inner, &n->body, out);
		if (rc == FLOW_BREAK) {
			rc = 0;
			break;
		}
		if (rc == FLOW_CONTINUE)
			rc = 0;
	}
	if (rc == 0 && items->u.list.len == 0 && n->orelse.len)
		rc = exec_body(r, s, &n->orelse, out);
out:
	hfgit_jv__unref(loop);
	hfgit_jv__unref(items);
	hfgit_jv__unref(kept);
	hfgit_chat__scope_dispose(&inner);
	return rc < 0 ? rc : 0;
}

static int exec_set(jv_render *r, scope *s, const node *n, hfgit_strbuf *out)
{
	jv *v = NULL, *ns;
	int rc;

	if (n->a) {
		v = eval(r, s, n->a);
	} else {
		hfgit_strbuf text = HFGIT_STRBUF_INIT;
		if ((rc = exec_body(r, s, &n->body, &text)) < 0) {
			hfgit_strbuf__dispose(&text);
			return rc;
		}
		v = hfgit_jv__string_take(&text);
	}
	if (!v)
		return HFGIT_EINVALID;
	r->line = n->line;
	if (n->str) {
		ns = scope_get(s, n->targets.v[0]->str);
		if (!ns || ns->type != JV_NAMESPACE)
			rc = hfgit_chat__render_error(r, "cannot assign attribute '%s' of '%s': it is not a namespace() "
			                              "object", n->str, n->targets.v[0]->str);
		else
			rc = hfgit_jv__dict_set(ns, n->str, v);
	} else {
		rc = assign(r, s, &n->targets, v);
	}
	hfgit_jv__unref(v);
	return rc;
}

static int exec_body(jv_render *r, scope *s, const node_list *body, hfgit_strbuf *out)
{
	for (size_t i = 0; i < body->len; i++) {
		const node *n = body->v[i];
		jv *v;
		int rc = 0;

		r->line = n->line;
		switch (n->kind) {
		case N_TEXT:
			if ((rc = step(r)) == 0)
				rc = hfgit_strbuf__put(out, n->str, n->str_len);
			if (rc == 0 && out->len > CHAT_MAX_OUTPUT)
				rc = hfgit_chat__render_error(r, "the rendered text exceeds %u MiB", CHAT_MAX_OUTPUT >> 20);
			break;
		case N_OUTPUT:
			if ((rc = step(r)) < 0)
				break;
			if (!(v = eval(r, s, n->a)))
				return HFGIT_EINVALID;
			rc = hfgit_chat__render_to_string(out, r, v);
			hfgit_jv__unref(v);
			break;
		case N_IF:
			if (!(v = eval(r, s, n->a)))
				return HFGIT_EINVALID;
			rc = exec_body(r, s, hfgit_jv__truthy(v) ? &n->body : &n->orelse, out);
			hfgit_jv__unref(v);
			if (rc != 0)
				return rc;
			break;
		case N_FOR:
			rc = exec_for(r, s, n, out);
			break;
		case N_SET:
			rc = exec_set(r, s, n, out);
			break;
		case N_MACRO:
			if (!(v = hfgit_jv__func(n->str, NULL, n)))
				return HFGIT_ERROR;
			rc = hfgit_chat__scope_set(s, n->str, v);
			hfgit_jv__unref(v);
			break;
		case N_BREAK:
			return FLOW_BREAK;
		case N_CONTINUE:
			return FLOW_CONTINUE;
		default:
			rc = hfgit_chat__render_error(r, "an expression where a statement was expected");
		}
		if (rc < 0)
			return rc;
	}
	return 0;
}

static int render_macro(jv **out, jv_render *r, const node *macro, const jv_call *c)
{
	scope inner = { r->top };
	hfgit_strbuf text = HFGIT_STRBUF_INIT;
	int rc = 0, line = r->line;
	size_t i;

	*out = NULL;
	if (c->nargs > macro->params.len)
		return hfgit_chat__render_error(r, "macro '%s' takes %zu arguments (%zu given)", macro->str,
		                                macro->params.len, c->nargs);
	if (r->call_depth >= CHAT_MAX_CALL_DEPTH)
		return hfgit_chat__render_error(r, "macro calls nest deeper than %d", CHAT_MAX_CALL_DEPTH);
	for (i = 0; i < c->nkw; i++) {
		size_t k;
		for (k = 0; k < macro->params.len; k++)
			if (!strcmp(macro->params.v[k]->str, c->kwnames[i].name))
				break;
		if (k == macro->params.len)
			return hfgit_chat__render_error(r, "macro '%s' has no parameter '%s'", macro->str,
			                                c->kwnames[i].name);
	}
	r->call_depth++;
	for (i = 0; i < macro->params.len && rc == 0; i++) {
		const node *param = macro->params.v[i];
		jv *v = hfgit_chat__call_arg(c, i, param->str), *dflt = NULL;
		if (!v) {
			if (param->a) {
				if (!(dflt = eval(r, &inner, param->a))) {
					rc = HFGIT_EINVALID;
					break;
				}
			} else if (!(dflt = hfgit_jv__undefined("parameter '%s' of macro '%s' was not given",
			                                  param->str, macro->str))) {
				rc = HFGIT_ERROR;
				break;
			}
			v = dflt;
		}
		rc = hfgit_chat__scope_set(&inner, param->str, v);
		hfgit_jv__unref(dflt);
	}
	if (rc == 0)
		rc = exec_body(r, &inner, &macro->body, &text);
	r->call_depth--;
	hfgit_chat__scope_dispose(&inner);
	r->line = line;
	if (rc < 0) {
		hfgit_strbuf__dispose(&text);
		return rc;
	}
	return (*out = hfgit_jv__string_take(&text)) ? 0 : HFGIT_ERROR;
}

int hfgit_chat__render_body(hfgit_strbuf *out, const node_list *body, scope *globals);
int hfgit_chat__render_body(hfgit_strbuf *out, const node_list *body, scope *globals)
{
	scope top = { globals };
	jv_render r = { &top, 1, 0, 0 };
	int rc = exec_body(&r, &top, body, out);

	hfgit_chat__scope_dispose(&top);
	return rc < 0 ? rc : 0;
}
