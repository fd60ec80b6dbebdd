/* hfgit run --chat: a conversation from the arguments, a messages file, or standard input. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "cli.h"

static json_object *message(const char *role, const char *content, size_t len)
{
	json_object *m = json_object_new_object();

	json_object_object_add(m, "role", json_object_new_string(role));
	json_object_object_add(m, "content", json_object_new_string_len(content, (int)len));
	return m;
}

/* The conversation of --messages FILE (a JSON list), after --system when given. */
static int read_messages(json_object **out, const cli_chat_args *c)
{
	json_object *list, *all;
	char *text;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = cli_read_text(&text, c->messages_path, "messages")) != EXIT_OK)
		return rc;
	list = json_tokener_parse(text);
	free(text);
	if (!list || !json_object_is_type(list, json_type_array)) {
		json_object_put(list);
		return cli_usage_error("run", "--messages: %s is not a JSON list of messages "
		                       "([{\"role\": \"user\", \"content\": \"Hi\"}, ...])",
		                       !c->messages_path || !strcmp(c->messages_path, "-")
		                       ? "standard input" : c->messages_path);
	}
	if (!c->system) {
		*out = list;
		return EXIT_OK;
	}
	all = json_object_new_array();
	json_object_array_add(all, message("system", c->system, strlen(c->system)));
	for (i = 0; i < json_object_array_length(list); i++)
		json_object_array_add(all, json_object_get(json_object_array_get_idx(list, i)));
	json_object_put(list);
	*out = all;
	return EXIT_OK;
}

/* One answer to `messages`, printed (streamed by ro->on_text, or added to `all`); the reply
 * is appended to `messages` as the assistant's turn. */
static int answer(hfgit_pipeline *p, json_object *messages, const cli_chat_args *c,
                  const hfgit_run_options *ro, json_object *all)
{
	hfgit_pipeline_chat_options co = HFGIT_PIPELINE_CHAT_OPTIONS_INIT;
	cli_run_state *st = ro->payload;
	const hfgit_result *r;
	hfgit_results *res;
	json_object *o, *a;
	size_t i;

	co.template_name = c->template_name;
	co.extra_context_json = c->context;
	if (hfgit_pipeline_chat(&res, p, json_object_to_json_string_ext(messages,
	                        JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE), &co,
	                        ro) < 0) {
		if (st->midline) /* end the reply cut short */
			putchar('\n');
		st->midline = false;
		fflush(stdout);
		return cli_fail();
	}
	r = hfgit_results_at(res, 0);
	json_object_array_add(messages, message("assistant", r->text, r->text_len));
	if (!all) {
		putchar('\n');
		st->midline = false;
	} else {
		o = json_object_new_object();
		a = json_object_new_array();
		for (i = 0; i < r->input_tokens; i++)
			json_object_array_add(a, json_object_new_int(r->input_ids[i]));
		json_object_object_add(o, "input_ids", a);
		if (r->truncated_from)
			json_object_object_add(o, "truncated_from",
			                       json_object_new_uint64(r->truncated_from));
		json_object_object_add(o, "prompt", json_object_new_string_len(r->prompt,
		                                                              (int)r->prompt_len));
		json_object_object_add(o, "generated_text", json_object_get(messages));
		a = json_object_new_array();
		for (i = 0; i < r->ngenerated; i++)
			json_object_array_add(a, json_object_new_int64(r->generated_ids[i]));
		json_object_object_add(o, "generated_ids", a);
		/* The conversation grows after this answer: print it as it was now. */
		json_object_array_add(all, json_tokener_parse(json_object_to_json_string_ext(o,
		                      JSON_C_TO_STRING_PLAIN)));
		json_object_put(o);
	}
	hfgit_results_free(res);
	fflush(stdout);
	return EXIT_OK;
}

/* Each non-empty line of standard input is the user's next turn; each reply joins the
 * conversation, so that a line can refer to what came before. */
static int session(hfgit_pipeline *p, json_object *messages, const cli_chat_args *c,
                   hfgit_run_options *ro, json_object *all, cli_run_state *st)
{
	char *line = NULL;
	size_t cap = 0, len;
	ssize_t got;
	int rc = EXIT_OK;

	while (rc == EXIT_OK && (got = getline(&line, &cap, stdin)) >= 0) {
		len = (size_t)got;
		while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		if (!len)
			continue;
		json_object_array_add(messages, message("user", line, len));
		rc = answer(p, messages, c, ro, all);
		st->first++;
	}
	if (rc == EXIT_OK && ferror(stdin)) {
		fprintf(stderr, "hfgit: reading standard input: %s\n", strerror(errno));
		rc = EXIT_IO;
	}
	free(line);
	return rc;
}

int cli_run_chat(hfgit_pipeline *p, const cli_chat_args *c, char **args, size_t nargs,
                 hfgit_run_options *ro, json_object *all)
{
	cli_run_state *st = ro->payload;
	json_object *messages = NULL;
	size_t i;
	int rc;

	if (c->messages_path) {
		if ((rc = read_messages(&messages, c)) != EXIT_OK)
			return rc;
		rc = answer(p, messages, c, ro, all);
		st->first = 1; /* answers given, for the timing line */
	} else {
		messages = json_object_new_array();
		if (c->system)
			json_object_array_add(messages, message("system", c->system,
			                                        strlen(c->system)));
		/* MESSAGE arguments alternate: user, assistant, user, ... */
		for (i = 0; i < nargs; i++)
			json_object_array_add(messages, message(i % 2 ? "assistant" : "user", args[i],
			                                        strlen(args[i])));
		if (nargs) {
			rc = answer(p, messages, c, ro, all);
			st->first = 1;
		} else {
			rc = session(p, messages, c, ro, all, st);
		}
	}
	json_object_put(messages);
	return rc;
}
