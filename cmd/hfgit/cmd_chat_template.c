/* hfgit chat-template DIR|ID[@REV] [MESSAGES.json|-]: the prompt a chat template makes. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_chat_template_usage[] =
	"usage: hfgit chat-template [--json] [--no-generation-prompt] [--template NAME]\n"
	"                           [--context JSON] DIR|ID[@REV] [MESSAGES.json|-]\n"
	"\n"
	"Render the chat template of tokenizer_config.json (as transformers'\n"
	"apply_chat_template(messages, tokenize=False) does) for a JSON list of messages\n"
	"([{\"role\": \"user\", \"content\": \"Hi\"}, ...]) read from MESSAGES.json or, with '-' or\n"
	"nothing, from standard input, and print the prompt. The file's special tokens\n"
	"(bos_token, eos_token, ...) are the template's variables. An ID is cloned into the\n"
	"cache first (reused when that commit was checked out before).\n"
	"\n"
	"  --no-generation-prompt  add_generation_prompt=False (default: True, the prompt\n"
	"                          ends where the assistant's answer begins)\n"
	"  --template NAME         one of several named templates (default: \"default\")\n"
	"  --context JSON          more variables, a JSON object: '{\"tools\": [...]}'\n"
	"  --json                  print {\"prompt\": ...} as JSON\n"
	"  -q, --quiet             no clone progress\n";

int cmd_chat_template(int argc, char **argv, const cli_globals *g)
{
	hfgit_chat_options opts = HFGIT_CHAT_OPTIONS_INIT;
	hfgit_clone_options clone_opts = HFGIT_CLONE_OPTIONS_INIT;
	const char *spec = NULL, *messages_path = NULL, *name = NULL, *value;
	bool json = false, quiet = false;
	cli_progress *progress = NULL;
	hfgit_chat_template *t = NULL;
	hfgit_ctx *ctx = NULL;
	char *messages = NULL, *prompt = NULL;
	int i, rc;

	opts.add_generation_prompt = 1;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_chat_template_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--no-generation-prompt")) {
			opts.add_generation_prompt = 0;
		} else if (cli_option_value(argc, argv, &i, "--template", &value)) {
			if (!value)
				return cli_usage_error("chat-template", "--template needs a name");
			name = value;
		} else if (cli_option_value(argc, argv, &i, "--context", &value)) {
			if (!value)
				return cli_usage_error("chat-template", "--context needs a JSON object");
			opts.extra_context_json = value;
		} else if (argv[i][0] == '-' && argv[i][1]) {
			return cli_usage_error("chat-template", "unknown option '%s'", argv[i]);
		} else if (!spec) {
			spec = argv[i];
		} else if (!messages_path) {
			messages_path = argv[i];
		} else {
			return cli_usage_error("chat-template", "unexpected argument '%s'", argv[i]);
		}
	}
	if (!spec)
		return cli_usage_error("chat-template", "which model? give a directory or an ID[@REV]");
	if ((rc = cli_read_text(&messages, messages_path, "messages")) != EXIT_OK)
		return rc;
	if ((rc = cli_context(&ctx, g)) != 0)
		goto out;
	progress = cli_progress_new(quiet || json);
	clone_opts.progress = cli_progress_cb;
	clone_opts.payload = progress;
	rc = hfgit_chat_template_from_pretrained(&t, ctx, spec, name, &clone_opts);
	cli_progress_done(progress);
	if (rc < 0 || hfgit_chat_apply(&prompt, t, messages, &opts) < 0) {
		rc = cli_fail();
		goto out;
	}
	if (json) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "prompt", json_object_new_string(prompt));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		fputs(prompt, stdout);
	}
	rc = fflush(stdout) == 0 ? EXIT_OK : EXIT_IO;
out:
	free(prompt);
	free(messages);
	hfgit_chat_template_free(t);
	hfgit_ctx_free(ctx);
	return rc;
}
