/*
 * Unit tests for chat templates (lib/chat): what the comparison with @huggingface/jinja
 * cannot show, where Jinja's documented behaviour (and Python's) is the expectation: raw
 * blocks, whitespace control, Python's arithmetic and float repr, code point slicing, and the
 * errors, each naming the construct and the line.
 */
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hfgit.h"

static const char *ctx_json =
	"{\"messages\": [{\"role\": \"user\", \"content\": \"Hi\"}], \"x\": {\"y\": 1}, \"n\": null}";

static void expect(const char *tmpl, const char *want)
{
	hfgit_chat_template *t = NULL;
	char *out = NULL;
	int rc = hfgit_chat_template_compile(&t, tmpl, strlen(tmpl));

	if (rc == 0)
		rc = hfgit_chat_template_render_json(&out, t, ctx_json);
	CHECK_MSG(rc == 0, "'%s' failed: %s", tmpl, hfgit_error_last());
	if (rc == 0)
		CHECK_MSG(!strcmp(out, want), "'%s' gave \"%s\", expected \"%s\"", tmpl, out, want);
	free(out);
	hfgit_chat_template_free(t);
}

/* Compiling or rendering fails, and the message contains each of the NULL-ended pieces. */
static void expect_error(const char *tmpl, ...)
{
	hfgit_chat_template *t = NULL;
	char *out = NULL;
	int rc = hfgit_chat_template_compile(&t, tmpl, strlen(tmpl));
	va_list ap;
	const char *piece;

	if (rc == 0)
		rc = hfgit_chat_template_render_json(&out, t, ctx_json);
	CHECK_MSG(rc == HFGIT_EINVALID, "'%s' gave %d (\"%s\"), expected an error", tmpl, rc,
	          out ? out : "");
	va_start(ap, tmpl);
	while ((piece = va_arg(ap, const char *)))
		CHECK_MSG(strstr(hfgit_error_last(), piece), "'%s': the error \"%s\" lacks \"%s\"", tmpl,
		          hfgit_error_last(), piece);
	va_end(ap);
	CHECK(out == NULL);
	hfgit_chat_template_free(t);
}

static void test_syntax(void)
{
	expect("{% raw %}{{ x }} {% if %}{% endraw %}", "{{ x }} {% if %}");
	expect("a  {%- if true %} b {% endif -%}  c", "a b c");
	expect("x\n    {% if true %}\n    y\n    {% endif %}\nz", "x\n    y\nz");
	expect("  {%+ if true %}a{% endif %}", "  a");
	expect("{% if true +%}\na{% endif %}", "\na");
	expect("a {# comment #}\nb\n", "a b");
	expect("{{- ' a ' -}}", " a ");
	expect("{% generation %}g{% endgeneration %}", "g");
	expect("{% set s %}hi {{ 1 }}{% endset %}[{{ s }}]", "[hi 1]");
	expect("{% set a, b = 1, 2 %}{{ a }}{{ b }}", "12");
	expect("{% macro m(a, b='z') %}<{{ a }}{{ b }}>{% endmacro %}{{ m(1) }}{{ m(2, b=3) }}",
	       "<1z><23>");
	expect("{{ 'a' 'b' }}", "ab");
	expect("{{ '\\u00e9\\x41\\n' }}", "\xc3\xa9" "A\n");
}

static void test_loops(void)
{
	expect("{% for c in 'abc' %}{{ loop.revindex0 }}{{ loop.previtem }}{% endfor %}", "21a0b");
	expect("{% for i in range(5) %}{% if i == 1 %}{% continue %}{% endif %}{% if i == 3 %}"
	       "{% break %}{% endif %}{{ i }}{% endfor %}", "02");
	expect("{% for i in range(6) if i is even %}{{ loop.index }}/{{ loop.length }} {% endfor %}",
	       "1/3 2/3 3/3 ");
	expect("{% for i in [] %}x{% else %}empty{% endfor %}", "empty");
	expect("{% for i in 'abc' %}{{ loop.cycle('o', 'e') }}{% endfor %}", "oeo");
	expect("{% for i in 'ab' %}{% set l = loop %}{% for j in 'xy' %}{{ l.index }}{{ loop.index }}"
	       "{% endfor %}{% endfor %}", "11122122");
	expect("{% for i in 'ab' %}{% set loop = 7 %}{{ loop }}{% endfor %}", "77");
	expect("{% for k, v in {'a': 1, 'b': 2}.items() %}{{ k }}{{ v }}{% endfor %}", "a1b2");
	expect("{% set ns = namespace(n=0) %}{% for i in range(3) %}{% set ns.n = ns.n + i %}"
	       "{% endfor %}{{ ns.n }}", "3");
	expect("{% set v = 1 %}{% for i in [1] %}{% set v = 2 %}{% endfor %}{{ v }}", "1");
}

static void test_values(void)
{
	expect("{{ -7 % 3 }} {{ 10 // -3 }} {{ 7 / 2 }} {{ 2 ** 62 }}", "2 -4 3.5 4611686018427387904");
	expect("{{ 1e-5 }} {{ 0.1 + 0.2 }} {{ 1e16 }} {{ 123456789.0 }} {{ 2.50 }}",
	       "1e-05 0.30000000000000004 1e+16 123456789.0 2.5");
	expect("{{ 'a' < 'b' }} {{ 1 == 1.0 }} {{ [1, 2] == [1, 2] }}", "true true true");
	/* Python's equality, where @huggingface/jinja's differs: '' is not False, 0 is. */
	expect("{{ '' != false }} {{ 0 == false }} {{ none == false }}", "true true false");
	expect("{{ 'h\xc3\xa9llo'[1:3] }}|{{ '\xc3\xa9\xf0\x9f\xa4\x97x'[1] }}|{{ 'abc'[::-1] }}",
	       "\xc3\xa9l|\xf0\x9f\xa4\x97|cba");
	expect("{{ '\xc3\xa9\xf0\x9f\xa4\x97'|length }}", "2");
	expect("{{ {'b': 1, 'a': [2]}|tojson(sort_keys=true) }}", "{\"a\": [2], \"b\": 1}");
	expect("{{ '\\n\\u3000x\\n'.lstrip('\\n') }}|{{ '\\nx \\n\\n'.strip('\\n') }}|{{ 'xxaxx'.rstrip('x') }}",
	       "\xe3\x80\x80x\n|x |xxa");
	expect("{{ '\\u3000 x\\u00a0'|trim }}|{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}",
	       "x|[\"a\", \"b\", \"\", \"c\"]|[\"a\", \"b\"]");
	expect("{{ 'hello wORLD'|title }} {{ 'aBC'|capitalize }} {{ 'they\\'re'.title() }}",
	       "Hello World Abc They'Re");
	expect("{{ x.z }}|{{ x.z is defined }}|{{ n }}|{{ u }}|{{ u|default('d') }}|{{ x.get('y') }}",
	       "|false|||d|1");
	expect("{{ 'x' if false }}|{{ n is none }}|{{ 3 is divisibleby 3 }}|{{ 'ab' is lower }}",
	       "|true|true|true");
	expect("{{ messages|map(attribute='role')|join(', ') }}|{{ [3, 1, 2]|sort|list }}",
	       "user|[1, 2, 3]");
	expect("{{ '[' ~ ([]|join(',')) ~ ']' }}{{ ([]|join)|length }}{{ ''|upper ~ 'x' }}", "[]0x");
	expect("{{ 'a-b-c'.replace('-', '+', 1) }}|{{ 'abab'|replace('b', '') }}", "a+b-c|aa");
	expect("{{ 'a\n\nb\nc'|indent }}|{{ 'a\nb'|indent(2, true) }}|{{ 'a\n\nb'|indent('> ', blank=true) }}",
	       "a\n\n    b\n    c|  a\n  b|a\n> \n> b");
	expect("{{ ['a', 'A', 'b', 'a']|unique|list }}|{{ ['a', 'A']|unique(case_sensitive=true)|list }}",
	       "[\"a\", \"b\"]|[\"a\", \"A\"]");
	expect("{{ {'b': 1, 'A': 2, 'c': 0}|dictsort }}|{{ {'b': 1, 'a': 2}|dictsort(by='value', reverse=true) }}",
	       "[[\"A\", 2], [\"b\", 1], [\"c\", 0]]|[[\"a\", 2], [\"b\", 1]]");
}

static void test_errors(void)
{
	expect_error("{% if x %}a", "line 1", "never closed", "endif", NULL);
	expect_error("a\n{% for m in messages %}\nb", "line 2", "endfor", NULL);
	expect_error("{{ x|frobnicate }}", "unknown filter 'frobnicate'", NULL);
	expect_error("\n\n{{ x is frob }}", "line 3", "unknown test 'frob'", NULL);
	expect_error("{% frob %}", "unknown statement", "frob", NULL);
	expect_error("{% call m() %}x{% endcall %}", "'{% call %}' is not supported", NULL);
	expect_error("{% include 'x' %}", "include", "not supported", NULL);
	expect_error("{% endfor %}", "without an opening", NULL);
	expect_error("{% if true %}{% endfor %}", "endfor", "endif", NULL);
	expect_error("{% break %}", "outside a for loop", NULL);
	expect_error("{{ 1 + }}", "expected an expression", NULL);
	expect_error("{{ 'open }}", "unterminated string", NULL);
	expect_error("{# open", "comment", "never closed", NULL);
	expect_error("{{ x", "never closed", NULL);
	expect_error("{{ 1 < 2 < 3 }}", "chained comparisons", NULL);
	expect_error("{{ a $ b }}", "unexpected character '$'", NULL);
	expect_error("{{ raise_exception('Roles must alternate') }}", "Roles must alternate", NULL);
	expect_error("x\n{% if messages[0].role == 'user' %}{{ raise_exception('no users') }}{% endif %}",
	             "chat template error (line 2): no users", NULL);
	expect_error("{{ u.x }}", "'u' is undefined", NULL);
	expect_error("{{ messages[5].content }}", "'list object' has no element 5", NULL);
	expect_error("{{ 1 / 0 }}", "division by zero", NULL);
	expect_error("{{ 'a' + 1 }}", "unsupported operand", NULL);
	expect_error("{% set x = 1 %}{% set x.y = 2 %}", "not a namespace", NULL);
	expect_error("{% macro f() %}{{ f() }}{% endmacro %}{{ f() }}", "nest deeper", NULL);
	expect_error("{{ nope() }}", "'nope' is undefined", NULL);
	expect_error("{% for t in n %}{% endfor %}", "'NoneType' object is not iterable", NULL);
	expect_error("{{ 'abc'.zap() }}", "unknown method 'zap'", NULL);
	expect_error("{{ x|tojson(indent='a') }}", "indent must be an integer", NULL);
	expect_error("{{ ((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
	             "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
	             "((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((((("
	             "1 }}", "nests deeper", NULL);
}

static void test_config(void)
{
	const char *cfg =
		"{\"bos_token\": {\"content\": \"<s>\", \"lstrip\": false}, \"eos_token\": \"</s>\","
		" \"chat_template\": [{\"name\": \"default\", \"template\": \"{{ bos_token }}{% for m in "
		"messages %}[{{ m.content }}]{% endfor %}{% if add_generation_prompt %}>{% endif %}{{ "
		"eos_token }}{{ tools|length }}\"}, {\"name\": \"tool_use\", \"template\": \"T\"}]}";
	hfgit_chat_options opts = HFGIT_CHAT_OPTIONS_INIT;
	hfgit_chat_template *t = NULL;
	char *out = NULL;

	CHECK(hfgit_chat_template_from_config(&t, cfg, NULL, "x/tokenizer_config.json") == 0);
	opts.add_generation_prompt = 1;
	opts.extra_context_json = "{\"tools\": [1, 2]}";
	CHECK(t && hfgit_chat_apply(&out, t, "[{\"role\": \"user\", \"content\": \"a\"}]", &opts) == 0);
	CHECK_STR(out, "<s>[a]></s>2");
	free(out);
	out = NULL;
	opts.version = 99;
	CHECK(hfgit_chat_apply(&out, t, "[]", &opts) == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "HFGIT_CHAT_OPTIONS_INIT") != NULL);
	opts.version = HFGIT_CHAT_OPTIONS_VERSION;
	CHECK(hfgit_chat_apply(&out, t, "{\"role\": \"user\"}", &opts) == HFGIT_EINVALID);
	CHECK(hfgit_chat_apply(&out, t, "[", &opts) == HFGIT_EINVALID);
	hfgit_chat_template_free(t);
	t = NULL;

	CHECK(hfgit_chat_template_from_config(&t, cfg, "tool_use", NULL) == 0);
	CHECK(t && hfgit_chat_apply(&out, t, "[]", NULL) == 0);
	CHECK_STR(out, "T");
	free(out);
	hfgit_chat_template_free(t);
	t = NULL;

	CHECK(hfgit_chat_template_from_config(&t, cfg, "rag", "x/tokenizer_config.json") ==
	      HFGIT_ENOTFOUND);
	CHECK(strstr(hfgit_error_last(), "default, tool_use") != NULL);
	CHECK(hfgit_chat_template_from_config(&t, "{\"bos_token\": \"<s>\"}", NULL, NULL) ==
	      HFGIT_ENOTFOUND);
	CHECK(strstr(hfgit_error_last(), "no chat_template") != NULL);
	CHECK(hfgit_chat_template_from_config(&t, "{\"chat_template\": \"{% if %}\"}", NULL,
	                                      "c.json") == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "c.json: chat template line 1") != NULL);
	CHECK(hfgit_chat_template_from_config(&t, "{\"chat_template\": 5}", NULL, NULL) ==
	      HFGIT_EINVALID);
	CHECK(t == NULL);
}

/* One compiled template rendered from several threads at once gives each the same text. */
static const char *shared_source =
	"{% set ns = namespace(n=0) %}{% for m in messages * 20 %}{% set ns.n = ns.n + 1 %}"
	"{{ loop.index }}:{{ m.role|upper ~ ' ' ~ 'lit' }}{{ [1, 'x']|tojson }}{% endfor %}{{ ns.n }}";

static void *render_many(void *arg)
{
	const hfgit_chat_template *t = arg;
	char *first = NULL, *out;
	long bad = 0;

	for (int i = 0; i < 200; i++) {
		if (hfgit_chat_template_render_json(&out, t, ctx_json) < 0)
			return (void *)1;
		if (!first)
			first = out;
		else {
			bad += strcmp(first, out) != 0;
			free(out);
		}
	}
	free(first);
	return (void *)bad;
}

static void test_threads(void)
{
	hfgit_chat_template *t = NULL;
	pthread_t th[4];
	void *res;
	int k;

	CHECK(hfgit_chat_template_compile(&t, shared_source, strlen(shared_source)) == 0);
	for (k = 0; t && k < 4; k++)
		CHECK(pthread_create(&th[k], NULL, render_many, t) == 0);
	for (k = 0; t && k < 4; k++) {
		CHECK(pthread_join(th[k], &res) == 0);
		CHECK_MSG(res == NULL, "thread %d: %ld renders failed or differed", k, (long)res);
	}
	hfgit_chat_template_free(t);
}

int main(void)
{
	test_syntax();
	test_loops();
	test_values();
	test_errors();
	test_config();
	test_threads();
	return check_finish();
}
