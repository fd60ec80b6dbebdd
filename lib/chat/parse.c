/*
 * Chat template parser: recursive descent over the lexer's tokens, with Jinja's precedence
 * (lowest first): x if c else y, or, and, not, comparisons and in, + -, ~, * / // %, **,
 * unary - +, then postfix .attr [index] (call) |filter and `is` tests.
 */
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "chat/ast.h"
#include "chat/lex.h"
#include "core/error.h"

/* Deeper nesting than any template needs; keeps the C stack safe from hostile input. */
#define MAX_DEPTH 200

typedef struct {
	token_list toks;
	size_t pos;
	int depth;
	int max_depth;
	int loops; /* for loops around the statement being parsed (0 again inside a macro) */
} parser;

static void node_free(node *n);
static int perr(parser *p, int line, const char *fmt, ...) HFGIT_PRINTF(3, 4);
static int perr(parser *p, int line, const char *fmt, ...)
{
	char msg[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	return hfgit_error__set(HFGIT_EINVALID, "chat template line %d: %s", line, msg);
}

static token *peek(parser *p)
{
	return &p->toks.v[p->pos];
}

static token *peek2(parser *p)
{
	return p->pos + 1 < p->toks.len ? &p->toks.v[p->pos + 1] : &p->toks.v[p->pos];
}

static token *next(parser *p)
{
	token *t = &p->toks.v[p->pos];
	if (t->kind != T_EOF)
		p->pos++;
	return t;
}

static bool is_op(const token *t, int op)
{
	return t->kind == T_OP && t->op == op;
}

static bool is_name(const token *t, const char *name)
{
	return t->kind == T_NAME && !strcmp(t->text, name);
}

static const char *describe(const token *t, char *buf, size_t size)
{
	switch (t->kind) {
	case T_EOF: return "the end of the template";
	case T_TEXT: return "text";
	case T_VAR_BEGIN: return "'{{'";
	case T_VAR_END: return "'}}'";
	case T_BLOCK_BEGIN: return "'{%'";
	case T_BLOCK_END: return "'%}'";
	case T_NAME: snprintf(buf, size, "'%s'", t->text); return buf;
	case T_STRING: return "a string";
	case T_INT: case T_FLOAT: return "a number";
	case T_OP:
		if (t->op < 256)
			snprintf(buf, size, "'%c'", t->op);
		else
			snprintf(buf, size, "'%s'", (const char *[]){ "//", "**", "==", "!=", "<=", ">=" }
			         [t->op - OP_FLOORDIV]);
		return buf;
	}
	return "?";
}

static int expect_op(parser *p, int op, const char *what)
{
	token *t = peek(p);
	char buf[64];

	if (is_op(t, op)) {
		next(p);
		return 0;
	}
	return perr(p, t->line, "expected %s, found %s", what, describe(t, buf, sizeof(buf)));
}

static node *new_node(node_kind kind, int line)
{
	node *n = calloc(1, sizeof(*n));

	if (!n) {
		hfgit_error__oom();
		return NULL;
	}
	n->kind = kind;
	n->line = line;
	return n;
}

static int list_push(node_list *l, node *n)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		node **v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return hfgit_error__oom();
		l->v = v;
		l->cap = cap;
	}
	l->v[l->len++] = n;
	return 0;
}

static int kwarg_push(kwarg_list *l, char *name, node *value)
{
	if (l->len == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 4;
		kwarg *v = realloc(l->v, cap * sizeof(*v));
		if (!v)
			return hfgit_error__oom();
		l->v = v;
		l->cap = cap;
	}
	l->v[l->len].name = name;
	l->v[l->len++].value = value;
	return 0;
}

void hfgit_chat__node_list_dispose(node_list *l)
{
	size_t i;

	for (i = 0; i < l->len; i++)
		node_free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

static void node_free(node *n)
{
	size_t i;

	if (!n)
		return;
	free(n->str);
	hfgit_jv__release_immortal(n->value);
	node_free(n->a);
	node_free(n->b);
	node_free(n->c);
	hfgit_chat__node_list_dispose(&n->items);
	for (i = 0; i < n->kwargs.len; i++) {
		free(n->kwargs.v[i].name);
		node_free(n->kwargs.v[i].value);
	}
	free(n->kwargs.v);
	hfgit_chat__node_list_dispose(&n->targets);
	hfgit_chat__node_list_dispose(&n->body);
	hfgit_chat__node_list_dispose(&n->orelse);
	hfgit_chat__node_list_dispose(&n->params);
	free(n);
}

static char *take_text(token *t)
{
	char *s = t->text;
	t->text = NULL;
	return s;
}

static node *parse_expr(parser *p);
static node *parse_or(parser *p);
static node *parse_unary(parser *p, bool with_filters);

/* Balanced enter/leave around every recursive step. */
static bool enter(parser *p)
{
	if (++p->depth > MAX_DEPTH) {
		perr(p, peek(p)->line, "the template nests deeper than %d levels", MAX_DEPTH);
		return false;
	}
	if (p->depth > p->max_depth)
		p->max_depth = p->depth;
	return true;
}

/* (args) after a callee, filter or test: positional then name=value. */
static int parse_args(parser *p, node *n)
{
	next(p); /* ( */
	while (!is_op(peek(p), ')')) {
		node *value;
		if (peek(p)->kind == T_NAME && is_op(peek2(p), '=')) {
			char *name = take_text(next(p));
			next(p);
			if (!(value = parse_expr(p)) || kwarg_push(&n->kwargs, name, value) < 0) {
				free(name);
				node_free(value);
				return HFGIT_EINVALID;
			}
		} else {
			if (n->kwargs.len)
				return perr(p, peek(p)->line, "a positional argument after a keyword argument");
			if (!(value = parse_expr(p)) || list_push(&n->items, value) < 0) {
				node_free(value);
				return HFGIT_EINVALID;
			}
		}
		if (!is_op(peek(p), ','))
			break;
		next(p);
	}
	return expect_op(p, ')', "')' after the arguments");
}

static node *parse_string(parser *p)
{
	hfgit_strbuf s = HFGIT_STRBUF_INIT;
	int line = peek(p)->line;
	node *n;

	/* Adjacent literals concatenate, as in Python. */
	while (peek(p)->kind == T_STRING) {
		token *t = next(p);
		if (hfgit_strbuf__put(&s, t->text, t->len) < 0) {
			hfgit_strbuf__dispose(&s);
			return NULL;
		}
	}
	if (!(n = new_node(N_LITERAL, line)) ||
	    !(n->value = hfgit_jv__make_immortal(hfgit_jv__string_take(&s)))) {
		hfgit_strbuf__dispose(&s);
		node_free(n);
		return NULL;
	}
	return n;
}

static node *parse_number(parser *p)
{
	token *t = next(p);
	node *n;

	if (!(n = new_node(N_LITERAL, t->line)) ||
	    !(n->value = hfgit_jv__make_immortal(t->kind == T_INT ? hfgit_jv__int(t->i)
	                                                          : hfgit_jv__float(t->f)))) {
		node_free(n);
		return NULL;
	}
	return n;
}

/* A name, or one of the constants Jinja spells both ways (true/True, none/None). */
static node *parse_name(parser *p)
{
	static const char *const consts[] = { "true", "True", "false", "False", "none", "None" };
	token *t = next(p);
	node *n;
	size_t k;

	for (k = 0; k < 6; k++) {
		if (!strcmp(t->text, consts[k])) {
			if ((n = new_node(N_LITERAL, t->line)))
				n->value = k < 2 ? hfgit_jv__bool(true) : k < 4 ? hfgit_jv__bool(false)
				                                                : hfgit_jv__none();
			return n;
		}
	}
	if ((n = new_node(N_NAME, t->line)))
		n->str = take_text(t);
	return n;
}

/* After '(': a parenthesised expression, or a tuple when a comma follows the first item. */
static node *parse_paren(parser *p)
{
	token *t = next(p);
	node *n, *item;

	if (is_op(peek(p), ')')) {
		next(p);
		return new_node(N_TUPLE, t->line);
	}
	if (!(item = parse_expr(p)))
		return NULL;
	if (is_op(peek(p), ',')) {
		if (!(n = new_node(N_TUPLE, t->line)) || list_push(&n->items, item) < 0) {
			node_free(item);
			node_free(n);
			return NULL;
		}
		while (is_op(peek(p), ',')) {
			next(p);
			if (is_op(peek(p), ')'))
				break;
			if (!(item = parse_expr(p)) || list_push(&n->items, item) < 0) {
				node_free(item);
				node_free(n);
				return NULL;
			}
		}
		item = n;
	}
	if (expect_op(p, ')', "')'") < 0) {
		node_free(item);
		return NULL;
	}
	return item;
}

/* After '[' or '{': a list, or a dict whose items alternate keys and values. */
static node *parse_collection(parser *p)
{
	token *t = next(p);
	bool dict = is_op(t, '{');
	int close = dict ? '}' : ']';
	node *n, *item = NULL;

	if (!(n = new_node(dict ? N_DICT : N_LIST, t->line)))
		return NULL;
	while (!is_op(peek(p), close)) {
		if (!(item = parse_expr(p)) || list_push(&n->items, item) < 0)
			goto fail;
		if (dict) {
			if (expect_op(p, ':', "':' after a dict key") < 0)
				goto fail_quiet;
			if (!(item = parse_expr(p)) || list_push(&n->items, item) < 0)
				goto fail;
		}
		if (!is_op(peek(p), ','))
			break;
		next(p);
	}
	if (expect_op(p, close, dict ? "'}' closing the dict" : "']' closing the list") < 0)
		goto fail_quiet;
	return n;
fail:
	node_free(item);
fail_quiet:
	node_free(n);
	return NULL;
}

static node *parse_primary(parser *p)
{
	token *t = peek(p);
	char buf[64];

	if (t->kind == T_STRING)
		return parse_string(p);
	if (t->kind == T_INT || t->kind == T_FLOAT)
		return parse_number(p);
	if (t->kind == T_NAME)
		return parse_name(p);
	if (is_op(t, '('))
		return parse_paren(p);
	if (is_op(t, '[') || is_op(t, '{'))
		return parse_collection(p);
	perr(p, t->line, "expected an expression, found %s", describe(t, buf, sizeof(buf)));
	return NULL;
}

/* A test's single argument without parentheses: `is divisibleby 3`, `is equalto 'x'`. */
static bool starts_test_arg(const token *t)
{
	static const char *const stop[] = { "and", "or", "else", "if", "not", "in", "is" };
	size_t k;

	if (t->kind == T_STRING || t->kind == T_INT || t->kind == T_FLOAT || is_op(t, '[') ||
	    is_op(t, '{'))
		return true;
	if (t->kind != T_NAME)
		return false;
	for (k = 0; k < sizeof(stop) / sizeof(*stop); k++)
		if (!strcmp(t->text, stop[k]))
			return false;
	return true;
}

/* After '[': an index, or a slice start:stop:step with any part left out; then ']'.
 * The node's object (`a`) is the caller's to set. */
static node *parse_subscript(parser *p, int line)
{
	node *parts[3] = { NULL, NULL, NULL }, *m = NULL;
	int k = 0, colons = 0;

	next(p);
	for (;;) {
		if (!is_op(peek(p), ':') && !is_op(peek(p), ']') && !(parts[k] = parse_expr(p)))
			goto fail;
		if (colons == 2 || !is_op(peek(p), ':'))
			break;
		next(p);
		colons++;
		k++;
	}
	if (!colons && !parts[0]) {
		perr(p, line, "empty subscript '[]'");
		goto fail;
	}
	if (expect_op(p, ']', "']'") < 0 || !(m = new_node(colons ? N_SLICE : N_ITEM, line)))
		goto fail;
	if (!colons) {
		m->b = parts[0];
		return m;
	}
	for (k = 0; k < 3; k++) {
		if (list_push(&m->items, parts[k]) < 0)
			goto fail;
		parts[k] = NULL;
	}
	return m;
fail:
	for (k = 0; k < 3; k++)
		node_free(parts[k]);
	node_free(m);
	return NULL;
}

/*
 * The postfix parts below take the node they apply to and return the new node above it; on
 * failure they free both and return NULL.
 */

/* After '.': an attribute, or an item when a number follows (`messages.0`). */
static node *postfix_dot(parser *p, node *n)
{
	token *t;
	node *m;
	char buf[64];

	next(p);
	t = peek(p);
	if (t->kind != T_NAME && t->kind != T_INT) {
		perr(p, t->line, "expected an attribute name after '.', found %s",
		     describe(t, buf, sizeof(buf)));
		goto fail;
	}
	next(p);
	if (t->kind == T_INT) {
		node *idx;
		if (!(m = new_node(N_ITEM, t->line)) || !(idx = new_node(N_LITERAL, t->line))) {
			node_free(m);
			goto fail;
		}
		m->b = idx;
		if (!(idx->value = hfgit_jv__make_immortal(hfgit_jv__int(t->i)))) {
			node_free(m);
			goto fail;
		}
	} else {
		if (!(m = new_node(N_ATTR, t->line)))
			goto fail;
		m->str = take_text(t);
	}
	m->a = n;
	return m;
fail:
	node_free(n);
	return NULL;
}

/* After '|': a filter by name, with its arguments when a call follows directly. */
static node *postfix_filter(parser *p, node *n)
{
	token *t;
	node *m;
	char buf[64];

	next(p);
	t = peek(p);
	if (t->kind != T_NAME) {
		perr(p, t->line, "expected a filter name after '|', found %s",
		     describe(t, buf, sizeof(buf)));
		node_free(n);
		return NULL;
	}
	next(p);
	if (!(m = new_node(N_FILTER, t->line))) {
		node_free(n);
		return NULL;
	}
	m->str = take_text(t);
	m->a = n;
	if (!hfgit_chat__known_filter(m->str)) {
		perr(p, t->line, "unknown filter '%s'", m->str);
		goto fail;
	}
	/* Dotted filter names do not exist in the subset; a call follows directly. */
	if (is_op(peek(p), '(') && parse_args(p, m) < 0)
		goto fail;
	return m;
fail:
	node_free(m);
	return NULL;
}

/* After 'is': [not] a test by name, with arguments in parentheses or one bare argument. */
static node *postfix_test(parser *p, node *n)
{
	token *t = next(p);
	node *m;
	char buf[64];

	if (!(m = new_node(N_TEST, t->line))) {
		node_free(n);
		return NULL;
	}
	m->a = n;
	if (is_name(peek(p), "not")) {
		next(p);
		m->negate = 1;
	}
	t = peek(p);
	if (t->kind != T_NAME) {
		perr(p, t->line, "expected a test name after 'is', found %s",
		     describe(t, buf, sizeof(buf)));
		goto fail;
	}
	next(p);
	/* `is none`, `is true`: the names of literals are tests here. */
	m->str = take_text(t);
	if (!hfgit_chat__known_test(m->str)) {
		perr(p, t->line, "unknown test '%s'", m->str);
		goto fail;
	}
	if (is_op(peek(p), '(')) {
		if (parse_args(p, m) < 0)
			goto fail;
	} else if (starts_test_arg(peek(p))) {
		node *arg = parse_unary(p, false);
		if (!arg || list_push(&m->items, arg) < 0) {
			node_free(arg);
			goto fail;
		}
	}
	return m;
fail:
	node_free(m);
	return NULL;
}

/* Subscripts, calls, and (where the grammar allows them) filters and tests after a primary. */
static node *parse_postfix(parser *p, node *n, bool with_filters)
{
	for (;;) {
		token *t = peek(p);
		node *m;

		if (is_op(t, '.')) {
			n = postfix_dot(p, n);
		} else if (is_op(t, '[') || is_op(t, '(')) {
			m = is_op(t, '[') ? parse_subscript(p, t->line) : new_node(N_CALL, t->line);
			if (!m) {
				node_free(n);
				return NULL;
			}
			m->a = n;
			n = m;
			if (m->kind == N_CALL && parse_args(p, m) < 0) {
				node_free(n);
				return NULL;
			}
		} else if (with_filters && is_op(t, '|')) {
			n = postfix_filter(p, n);
		} else if (with_filters && is_name(t, "is")) {
			n = postfix_test(p, n);
		} else {
			return n;
		}
		if (!n)
			return NULL;
	}
}

static node *parse_unary(parser *p, bool with_filters)
{
	token *t = peek(p);
	node *n, *operand;

	if (!enter(p))
		return NULL;
	if (is_op(t, '-') || is_op(t, '+')) {
		next(p);
		if (!(operand = parse_unary(p, false)))
			n = NULL;
		else if (!(n = new_node(N_UNARY, t->line)))
			node_free(operand);
		else {
			n->op = t->op;
			n->a = operand;
		}
		if (n && with_filters)
			n = parse_postfix(p, n, true);
	} else {
		n = parse_primary(p);
		if (n)
			n = parse_postfix(p, n, with_filters);
	}
	p->depth--;
	return n;
}

static node *binary(int kind, int op, int line, node *a, node *b)
{
	node *n;

	if (!a || !b || !(n = new_node(kind, line))) {
		node_free(a);
		node_free(b);
		return NULL;
	}
	n->op = op;
	n->a = a;
	n->b = b;
	return n;
}

static node *parse_pow(parser *p)
{
	node *n = parse_unary(p, true);

	while (n && is_op(peek(p), OP_POW)) {
		int line = next(p)->line;
		n = binary(N_BINARY, OP_POW, line, n, parse_unary(p, true));
	}
	return n;
}

static node *parse_math2(parser *p)
{
	node *n = parse_pow(p);

	while (n && (is_op(peek(p), '*') || is_op(peek(p), '/') || is_op(peek(p), OP_FLOORDIV) ||
	             is_op(peek(p), '%'))) {
		token *t = next(p);
		n = binary(N_BINARY, t->op, t->line, n, parse_pow(p));
	}
	return n;
}

static node *parse_concat(parser *p)
{
	node *n = parse_math2(p);

	while (n && is_op(peek(p), '~')) {
		int line = next(p)->line;
		n = binary(N_BINARY, '~', line, n, parse_math2(p));
	}
	return n;
}

static node *parse_math1(parser *p)
{
	node *n = parse_concat(p);

	while (n && (is_op(peek(p), '+') || is_op(peek(p), '-'))) {
		token *t = next(p);
		n = binary(N_BINARY, t->op, t->line, n, parse_concat(p));
	}
	return n;
}

/* Comparisons; a chain (a < b < c) is refused by name rather than read differently. */
static node *parse_compare(parser *p)
{
	node *n = parse_math1(p);
	bool compared = false;

	while (n) {
		token *t = peek(p);
		int op;

		if (is_op(t, OP_EQ) || is_op(t, OP_NE) || is_op(t, '<') || is_op(t, '>') ||
		    is_op(t, OP_LE) || is_op(t, OP_GE)) {
			op = t->op;
			next(p);
		} else if (is_name(t, "in")) {
			op = OP_IN;
			next(p);
		} else if (is_name(t, "not") && is_name(peek2(p), "in")) {
			op = OP_NOTIN;
			next(p);
			next(p);
		} else {
			break;
		}
		if (compared) {
			node_free(n);
			perr(p, t->line, "chained comparisons (a < b < c) are not supported; write "
			     "a < b and b < c");
			return NULL;
		}
		n = binary(N_BINARY, op, t->line, n, parse_math1(p));
		compared = true;
	}
	return n;
}

static node *parse_not(parser *p)
{
	token *t = peek(p);

	if (is_name(t, "not")) {
		node *operand, *n;
		next(p);
		if (!enter(p))
			return NULL;
		operand = parse_not(p);
		p->depth--;
		if (!operand)
			return NULL;
		if (!(n = new_node(N_UNARY, t->line))) {
			node_free(operand);
			return NULL;
		}
		n->op = '!';
		n->a = operand;
		return n;
	}
	return parse_compare(p);
}

static node *parse_and(parser *p)
{
	node *n = parse_not(p);

	while (n && is_name(peek(p), "and")) {
		int line = next(p)->line;
		n = binary(N_AND, 0, line, n, parse_not(p));
	}
	return n;
}

static node *parse_or(parser *p)
{
	node *n = parse_and(p);

	while (n && is_name(peek(p), "or")) {
		int line = next(p)->line;
		n = binary(N_OR, 0, line, n, parse_and(p));
	}
	return n;
}

static node *parse_expr(parser *p)
{
	node *n;

	if (!enter(p))
		return NULL;
	n = parse_or(p);
	while (n && is_name(peek(p), "if")) {
		int line = next(p)->line;
		node *cond, *alt = NULL, *c;
		if (!(cond = parse_or(p))) {
			node_free(n);
			n = NULL;
			break;
		}
		if (is_name(peek(p), "else")) {
			next(p);
			if (!(alt = parse_expr(p))) {
				node_free(cond);
				node_free(n);
				n = NULL;
				break;
			}
		}
		if (!(c = new_node(N_COND, line))) {
			node_free(cond);
			node_free(alt);
			node_free(n);
			n = NULL;
			break;
		}
		c->a = n;
		c->b = cond;
		c->c = alt;
		n = c;
	}
	p->depth--;
	return n;
}

/* ---------------------------------------------------------------------------------------- */
/* Statements                                                                                */

static int expect_block_end(parser *p, const char *stmt)
{
	token *t = peek(p);
	char buf[64];

	if (t->kind == T_BLOCK_END) {
		next(p);
		return 0;
	}
	return perr(p, t->line, "expected '%%}' to end '{%% %s %%}', found %s", stmt,
	            describe(t, buf, sizeof(buf)));
}

static int parse_body(parser *p, node_list *body, const char *const *ends, const char *opener,
                      int open_line, const char **found);

/* Assignment targets: a name, or names separated by commas (for a, b in ...). */
static int parse_targets(parser *p, node *n, bool allow_attr)
{
	for (;;) {
		token *t = peek(p);
		node *target;
		char buf[64];

		if (t->kind != T_NAME)
			return perr(p, t->line, "expected a variable name, found %s",
			            describe(t, buf, sizeof(buf)));
		next(p);
		if (!(target = new_node(N_NAME, t->line)) || list_push(&n->targets, target) < 0) {
			node_free(target);
			return HFGIT_ERROR;
		}
		target->str = take_text(t);
		if (allow_attr && n->targets.len == 1 && is_op(peek(p), '.')) {
			next(p);
			t = peek(p);
			if (t->kind != T_NAME)
				return perr(p, t->line, "expected an attribute name after '.', found %s",
				            describe(t, buf, sizeof(buf)));
			next(p);
			n->str = take_text(t);
			return 0;
		}
		if (!is_op(peek(p), ','))
			return 0;
		next(p);
	}
}

static node *parse_if(parser *p, int line)
{
	static const char *const ends[] = { "elif", "else", "endif", NULL };
	node *n = new_node(N_IF, line);
	const char *found;

	if (!n || !(n->a = parse_expr(p)) || expect_block_end(p, "if") < 0 ||
	    parse_body(p, &n->body, ends, "if", line, &found) < 0)
		goto fail;
	if (!strcmp(found, "elif")) {
		node *elif = parse_if(p, p->toks.v[p->pos - 1].line);
		if (!elif || list_push(&n->orelse, elif) < 0) {
			node_free(elif);
			goto fail;
		}
		return n; /* the inner if consumed the endif */
	}
	if (!strcmp(found, "else")) {
		static const char *const endif[] = { "endif", NULL };
		if (expect_block_end(p, "else") < 0 ||
		    parse_body(p, &n->orelse, endif, "if", line, &found) < 0)
			goto fail;
	}
	if (expect_block_end(p, "endif") < 0)
		goto fail;
	return n;
fail:
	node_free(n);
	return NULL;
}

static node *parse_for(parser *p, int line)
{
	static const char *const ends[] = { "else", "endfor", NULL };
	node *n = new_node(N_FOR, line);
	const char *found;
	char buf[64];

	if (!n || parse_targets(p, n, false) < 0)
		goto fail;
	if (!is_name(peek(p), "in")) {
		perr(p, peek(p)->line, "expected 'in' in '{%% for %%}', found %s",
		     describe(peek(p), buf, sizeof(buf)));
		goto fail;
	}
	next(p);
	/* The iterable stops before a filtering `if` (for x in xs if x.ok). */
	if (!(n->a = parse_or(p)))
		goto fail;
	if (is_name(peek(p), "if")) {
		next(p);
		if (!(n->b = parse_or(p)))
			goto fail;
	}
	if (is_name(peek(p), "recursive")) {
		perr(p, peek(p)->line, "recursive loops ('{%% for ... recursive %%}') are not supported");
		goto fail;
	}
	if (expect_block_end(p, "for") < 0 || parse_body(p, &n->body, ends, "for", line, &found) < 0)
		goto fail;
	if (!strcmp(found, "else")) {
		static const char *const endfor[] = { "endfor", NULL };
		if (expect_block_end(p, "else") < 0 ||
		    parse_body(p, &n->orelse, endfor, "for", line, &found) < 0)
			goto fail;
	}
	if (expect_block_end(p, "endfor") < 0)
		goto fail;
	return n;
fail:
	node_free(n);
	return NULL;
}

static node *parse_set(parser *p, int line)
{
	node *n = new_node(N_SET, line);
	const char *found;

	if (!n || parse_targets(p, n, true) < 0)
		goto fail;
	if (is_op(peek(p), '=')) {
		next(p);
		if (!(n->a = parse_expr(p)))
			goto fail;
		if (is_op(peek(p), ',')) {
			/* set a, b = 1, 2: a tuple on the right. */
			node *tuple = new_node(N_TUPLE, line);
			if (!tuple || list_push(&tuple->items, n->a) < 0) {
				node_free(tuple);
				goto fail;
			}
			n->a = tuple;
			while (is_op(peek(p), ',')) {
				node *item;
				next(p);
				if (!(item = parse_expr(p)) || list_push(&tuple->items, item) < 0) {
					node_free(item);
					goto fail;
				}
			}
		}
		if (expect_block_end(p, "set") < 0)
			goto fail;
		return n;
	}
	if (n->targets.len != 1 || n->str) {
		perr(p, line, "a block '{%% set %%}' assigns one plain variable");
		goto fail;
	}
	{
		static const char *const ends[] = { "endset", NULL };
		if (expect_block_end(p, "set") < 0 || parse_body(p, &n->body, ends, "set", line, &found) < 0 ||
		    expect_block_end(p, "endset") < 0)
			goto fail;
	}
	return n;
fail:
	node_free(n);
	return NULL;
}

static node *parse_macro(parser *p, int line)
{
	static const char *const ends[] = { "endmacro", NULL };
	node *n = new_node(N_MACRO, line);
	const char *found;
	token *t = peek(p);
	char buf[64];

	if (!n)
		return NULL;
	if (t->kind != T_NAME) {
		perr(p, t->line, "expected the macro's name, found %s", describe(t, buf, sizeof(buf)));
		goto fail;
	}
	next(p);
	n->str = take_text(t);
	if (expect_op(p, '(', "'(' after the macro's name") < 0)
		goto fail;
	while (!is_op(peek(p), ')')) {
		node *param;
		t = peek(p);
		if (t->kind != T_NAME) {
			perr(p, t->line, "expected a parameter name, found %s", describe(t, buf, sizeof(buf)));
			goto fail;
		}
		next(p);
		if (!(param = new_node(N_NAME, t->line)) || list_push(&n->params, param) < 0) {
			node_free(param);
			goto fail;
		}
		param->str = take_text(t);
		if (is_op(peek(p), '=')) {
			next(p);
			if (!(param->a = parse_expr(p)))
				goto fail;
		}
		if (!is_op(peek(p), ','))
			break;
		next(p);
	}
	if (expect_op(p, ')', "')' after the macro's parameters") < 0 ||
	    expect_block_end(p, "macro") < 0 ||
	    parse_body(p, &n->body, ends, "macro", line, &found) < 0 ||
	    expect_block_end(p, "endmacro") < 0)
		goto fail;
	return n;
fail:
	node_free(n);
	return NULL;
}

/* Jinja statements outside the subset: named, so that the error says what is missing. */
static const char *const unsupported[] = {
	"call", "filter", "include", "import", "from", "extends", "block", "with", "autoescape",
	"do", "trans", "pluralize",
};

static node *parse_statement(parser *p, int line)
{
	token *t = peek(p);
	char buf[64];
	size_t k;
	node *n;

	if (t->kind != T_NAME) {
		perr(p, t->line, "expected a statement name after '{%%', found %s",
		     describe(t, buf, sizeof(buf)));
		return NULL;
	}
	next(p);
	if (!strcmp(t->text, "if"))
		return parse_if(p, line);
	if (!strcmp(t->text, "for"))
		return parse_for(p, line);
	if (!strcmp(t->text, "set"))
		return parse_set(p, line);
	if (!strcmp(t->text, "macro"))
		return parse_macro(p, line);
	if (!strcmp(t->text, "break") || !strcmp(t->text, "continue")) {
		if (!p->loops) {
			perr(p, line, "'{%% %s %%}' outside a for loop", t->text);
			return NULL;
		}
		if (!(n = new_node(t->text[0] == 'b' ? N_BREAK : N_CONTINUE, line)))
			return NULL;
		if (expect_block_end(p, t->text) < 0) {
			node_free(n);
			return NULL;
		}
		return n;
	}
	for (k = 0; k < sizeof(unsupported) / sizeof(*unsupported); k++)
		if (!strcmp(t->text, unsupported[k])) {
			perr(p, line, "the statement '{%% %s %%}' is not supported in chat templates "
			     "(supported: if, for, set, macro, raw, break, continue, generation)", t->text);
			return NULL;
		}
	perr(p, line, "unknown statement '{%% %s %%}'", t->text);
	return NULL;
}

/* The tag that closes a block: the last of `ends` ("endfor" after "else"). */
static const char *closing_tag(const char *const *ends)
{
	size_t last = 0;

	while (ends[last + 1])
		last++;
	return ends[last];
}

/* {{ expr }} */
static node *parse_output(parser *p, int line)
{
	node *n;
	char buf[64];

	next(p);
	if (!(n = new_node(N_OUTPUT, line)) || !(n->a = parse_expr(p)))
		goto fail;
	if (peek(p)->kind != T_VAR_END) {
		perr(p, peek(p)->line, "expected '}}', found %s", describe(peek(p), buf, sizeof(buf)));
		goto fail;
	}
	next(p);
	return n;
fail:
	node_free(n);
	return NULL;
}

/* An end, elif or else tag that does not close the block being parsed (or no block at all). */
static int misplaced_tag(parser *p, const token *name, const char *const *ends, const char *opener,
                         int open_line)
{
	if (ends)
		return perr(p, name->line, "'{%% %s %%}' where '{%% %s %%}' (line %d) expects "
		            "'{%% %s %%}'", name->text, opener, open_line, closing_tag(ends));
	return perr(p, name->line, "'{%% %s %%}' without an opening statement", name->text);
}

static int parse_body_at(parser *p, node_list *body, const char *const *ends, const char *opener,
                         int open_line, const char **found)
{
	if (!enter(p))
		return HFGIT_EINVALID;
	for (;;) {
		token *t = peek(p);
		node *n = NULL;

		if (t->kind == T_EOF) {
			p->depth--;
			if (!ends)
				return 0;
			return perr(p, open_line, "'{%% %s %%}' is never closed: missing '{%% %s %%}'",
			            opener, closing_tag(ends));
		}
		if (t->kind == T_TEXT) {
			next(p);
			if (!(n = new_node(N_TEXT, t->line)))
				goto fail;
			n->str_len = t->len;
			n->str = take_text(t);
		} else if (t->kind == T_VAR_BEGIN) {
			if (!(n = parse_output(p, t->line)))
				goto fail;
		} else if (t->kind == T_BLOCK_BEGIN) {
			token *name = peek2(p);
			size_t k;
			if (name->kind == T_NAME) {
				/* {% generation %} marks assistant text for transformers' masks: it renders
				 * its body unchanged. */
				if (!strcmp(name->text, "generation") || !strcmp(name->text, "endgeneration")) {
					next(p);
					next(p);
					if (expect_block_end(p, name->text) < 0)
						goto fail;
					continue;
				}
				for (k = 0; ends && ends[k]; k++)
					if (!strcmp(name->text, ends[k])) {
						next(p);
						next(p);
						*found = ends[k];
						p->depth--;
						return 0;
					}
				if (!strncmp(name->text, "end", 3) || !strcmp(name->text, "elif") ||
				    !strcmp(name->text, "else")) {
					misplaced_tag(p, name, ends, opener, open_line);
					goto fail;
				}
			}
			next(p);
			if (!(n = parse_statement(p, t->line)))
				goto fail;
		} else {
			char buf[64];
			perr(p, t->line, "unexpected %s", describe(t, buf, sizeof(buf)));
			goto fail;
		}
		if (list_push(body, n) < 0)
			goto fail;
		continue;
	fail:
		node_free(n);
		p->depth--;
		return HFGIT_EINVALID;
	}
}

static int parse_body(parser *p, node_list *body, const char *const *ends, const char *opener,
                      int open_line, const char **found)
{
	int saved = p->loops, rc;

	if (!strcmp(opener, "for"))
		p->loops++;
	else if (!strcmp(opener, "macro"))
		p->loops = 0;
	rc = parse_body_at(p, body, ends, opener, open_line, found);
	p->loops = saved;
	return rc;
}

node_list *hfgit_chat__parse(const char *src, size_t len, int *max_depth_out)
{
	parser p;
	node_list *body;
	const char *found = NULL;

	memset(&p, 0, sizeof(p));
	if (hfgit_chat__lex(&p.toks, src, len) < 0)
		return NULL;
	if (!(body = calloc(1, sizeof(*body)))) {
		hfgit_error__oom();
		hfgit_chat__tokens_dispose(&p.toks);
		return NULL;
	}
	if (parse_body_at(&p, body, NULL, NULL, 0, &found) < 0) {
		hfgit_chat__node_list_dispose(body);
		free(body);
		body = NULL;
	}
	hfgit_chat__tokens_dispose(&p.toks);
	if (max_depth_out)
		*max_depth_out = p.max_depth;
	return body;
}
