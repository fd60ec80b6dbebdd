/*
 * The lexer of chat templates: text and tags, with Jinja's whitespace control ("{%-", "-%}",
 * "{{-", "-}}") and the settings transformers compiles chat templates with (trim_blocks and
 * lstrip_blocks), and {% raw %} sections, resolved here so that the parser sees only tokens.
 */
#ifndef HFGIT_CHAT_LEX_H
#define HFGIT_CHAT_LEX_H

#include <stddef.h>

typedef enum {
	T_EOF,
	T_TEXT,
	T_VAR_BEGIN,   /* {{ */
	T_VAR_END,     /* }} */
	T_BLOCK_BEGIN, /* {% */
	T_BLOCK_END,   /* %} */
	T_NAME,
	T_STRING,
	T_INT,
	T_FLOAT,
	T_OP,          /* op holds the operator: a character, or OP_* of ast.h */
} tok_kind;

typedef struct {
	tok_kind kind;
	int line;
	int op;
	char *text; /* T_TEXT, T_NAME, T_STRING (unescaped); owned */
	size_t len;
	long long i;
	double f;
} token;

typedef struct {
	token *v;
	size_t len, cap;
} token_list;

/* Tokens of the whole template, ending with T_EOF; -1 with the error set. */
int hfgit_chat__lex(token_list *out, const char *src, size_t len);
void hfgit_chat__tokens_dispose(token_list *l);

#endif
