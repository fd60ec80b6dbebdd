/* Rendering a parsed chat template: the evaluator (render.c) and the built-ins (builtins.c). */
#ifndef HFGIT_CHAT_RENDER_H
#define HFGIT_CHAT_RENDER_H

#include "chat/ast.h"
#include "chat/value.h"

/* Bounds that keep hostile templates from exhausting the machine; far above real ones. */
#define CHAT_MAX_OUTPUT (64u << 20)      /* bytes of rendered text, and of one string value */
#define CHAT_MAX_STEPS 2000000ull        /* loop iterations, outputs and items walked */
#define CHAT_MAX_CALL_DEPTH 64           /* macros calling macros */

typedef struct scope scope;
struct scope {
	scope *parent;
	char **names;
	jv **vals;
	size_t len, cap;
};

typedef struct jv_render {
	scope *top;              /* the template's own variables (macros see these) */
	int line;                /* of the node being evaluated, for messages */
	int call_depth;
	unsigned long long steps;
} jv_render;

typedef struct jv_call {
	jv **args;
	size_t nargs;
	const kwarg *kwnames; /* names only */
	jv **kwvals;
	size_t nkw;
	const char *name;     /* the filter, test, method or function called */
} jv_call;

/* Count `n` steps of work (items a filter walks, numbers range makes) against
 * CHAT_MAX_STEPS; an error past it. */
int hfgit_chat__render_charge(jv_render *r, size_t n);

/* "chat template line N: ..." with HFGIT_EINVALID; returns it. */
int hfgit_chat__render_error(jv_render *r, const char *fmt, ...) HFGIT_PRINTF(2, 3);

/* Argument `pos` by position, or by `name`; NULL when not given. Borrowed. */
jv *hfgit_chat__call_arg(const jv_call *c, size_t pos, const char *name);
/* Refuses arguments beyond `npos` positional ones and the `names` (NULL-terminated). */
int hfgit_chat__call_check(jv_render *r, const jv_call *c, size_t npos, const char *const *names);

/* builtins.c */
int hfgit_chat__builtin_filter(jv **out, jv_render *r, jv *value, const jv_call *c);
int hfgit_chat__builtin_test(bool *out, jv_render *r, jv *value, const jv_call *c);
/* A method of a string, dict or list: 1 when there is none of that name. */
int hfgit_chat__builtin_method(jv **out, jv_render *r, jv *self, const jv_call *c);
/* raise_exception, strftime_now, namespace, range, dict. */
int hfgit_chat__builtin_globals(scope *s);
int hfgit_chat__scope_set(scope *s, const char *name, jv *v);
void hfgit_chat__scope_dispose(scope *s);

/* render.c, for the built-ins: map/select and friends call filters and tests by name. */
jv *hfgit_chat__render_getattr(jv_render *r, jv *obj, const char *name);
int hfgit_chat__render_to_string(hfgit_strbuf *out, jv_render *r, const jv *v);

/* Decode one code point of UTF-8 at s[*i] (a bad byte reads as itself), advancing *i. */
unsigned long hfgit_chat__utf8_next(const char *s, size_t len, size_t *i);

#endif
