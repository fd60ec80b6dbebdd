/*
 * Test driver: reads JSON lines {"template": ..., "context": {...}} (or {"config": ...,
 * "messages": [...], "add_generation_prompt": b, "name": ...} for the tokenizer_config.json
 * path) on standard input and writes one JSON line per case: {"out": ...} or {"error": ...}.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"

static void answer(const char *out, const char *error)
{
	json_object *o = json_object_new_object();

	if (out)
		json_object_object_add(o, "out", json_object_new_string(out));
	else
		json_object_object_add(o, "error", json_object_new_string(error));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static int run(json_object *c)
{
	json_object *tmpl, *ctx, *cfg, *msgs, *agp, *name;
	hfgit_chat_template *t = NULL;
	char *out = NULL;
	int rc;

	if (json_object_object_get_ex(c, "config", &cfg)) {
		hfgit_chat_options opts = HFGIT_CHAT_OPTIONS_INIT;
		json_object_object_get_ex(c, "messages", &msgs);
		if (json_object_object_get_ex(c, "add_generation_prompt", &agp))
			opts.add_generation_prompt = json_object_get_boolean(agp);
		json_object_object_get_ex(c, "name", &name);
		rc = hfgit_chat_template_from_config(&t, json_object_to_json_string(cfg),
		                                     name ? json_object_get_string(name) : NULL, NULL);
		if (rc == 0)
			rc = hfgit_chat_apply(&out, t, json_object_to_json_string(msgs), &opts);
	} else {
		if (!json_object_object_get_ex(c, "template", &tmpl)) {
			fprintf(stderr, "chat_render: a case without a template\n");
			return -1;
		}
		json_object_object_get_ex(c, "context", &ctx);
		rc = hfgit_chat_template_compile(&t, json_object_get_string(tmpl),
		                                 (size_t)json_object_get_string_len(tmpl));
		if (rc == 0)
			rc = hfgit_chat_template_render(&out, t, ctx);
	}
	answer(rc == 0 ? out : NULL, hfgit_error_last());
	free(out);
	hfgit_chat_template_free(t);
	return 0;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int rc = 0;

	while (rc == 0 && (n = getline(&line, &cap, stdin)) > 0) {
		json_object *c = json_tokener_parse(line);
		if (!c) {
			fprintf(stderr, "chat_render: a line that is not JSON\n");
			rc = 1;
			break;
		}
		if (run(c) < 0)
			rc = 1;
		json_object_put(c);
		fflush(stdout);
	}
	free(line);
	return rc;
}
