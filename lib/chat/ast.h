/*
 * The syntax tree of a chat template: statements and expressions of the Jinja subset that
 * Hub chat templates use. Built by parse.c, walked by render.c.
 */
#ifndef HFGIT_CHAT_AST_H
#define HFGIT_CHAT_AST_H

#include <stdbool.h>
#include <stddef.h>

#include "chat/value.h"

typedef enum {
	/* statements */
	N_TEXT,     /* str */
	N_OUTPUT,   /* a: expression */
	N_IF,       /* a: condition, body, orelse */
	N_FOR,      /* targets (names), a: iterable, b: filter condition, body, orelse */
	N_SET,      /* targets, a: value (NULL: body is a block set), str: namespace attribute */
	N_MACRO,    /* str: name, params (N_NAME, a: default), body */
	N_BREAK,
	N_CONTINUE,
	/* expressions */
	N_LITERAL,  /* value */
	N_NAME,     /* str */
	N_LIST,     /* items */
	N_TUPLE,    /* items */
	N_DICT,     /* items: keys and values alternating */
	N_ATTR,     /* a: object, str: attribute */
	N_ITEM,     /* a: object, b: index */
	N_SLICE,    /* a: object, items: start, stop, step (each may be NULL) */
	N_CALL,     /* a: callee, items: positional, kwargs */
	N_FILTER,   /* a: operand, str: filter, items, kwargs */
	N_TEST,     /* a: operand, str: test, items; negate */
	N_UNARY,    /* op: '-', '+', '!' (not); a */
	N_BINARY,   /* op; a, b */
	N_AND,
	N_OR,
	N_COND,     /* a: value, b: condition, c: else (may be NULL) */
} node_kind;

/* Binary operators beyond single characters. */
enum {
	OP_FLOORDIV = 256,
	OP_POW,
	OP_EQ,
	OP_NE,
	OP_LE,
	OP_GE,
	OP_IN,
	OP_NOTIN,
};

typedef struct node node;

typedef struct {
	node **v;
	size_t len, cap;
} node_list;

/* A keyword argument: name=value. */
typedef struct {
	char *name;
	node *value;
} kwarg;

typedef struct {
	kwarg *v;
	size_t len, cap;
} kwarg_list;

struct node {
	node_kind kind;
	int line;
	int op;
	int negate;
	char *str;
	size_t str_len;
	jv *value;
	node *a, *b, *c;
	node_list items;
	kwarg_list kwargs;
	node_list targets;
	node_list body, orelse;
	node_list params;
};

void hfgit_chat__node_list_dispose(node_list *l);

/* The filters and tests the subset has (builtins.c): others fail at compile time. */
bool hfgit_chat__known_filter(const char *name);
bool hfgit_chat__known_test(const char *name);

/* Parse a template; NULL with an error ("chat template line N: ...") on failure. */
node_list *hfgit_chat__parse(const char *src, size_t len, int *max_depth_out);

#endif
