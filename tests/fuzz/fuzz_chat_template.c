/*
 * Fuzz target for chat templates: any bytes are compiled as a template and, when they
 * compile, rendered with a conversation (or, after a NUL byte, with the JSON context that
 * follows it). Any input must render, or fail with a message and a matching code; nothing may
 * crash, leak or run away (the renderer bounds steps, output and nesting).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"

static const char conversation[] =
	"{\"messages\": [{\"role\": \"system\", \"content\": \"Be brief.\"},"
	" {\"role\": \"user\", \"content\": \" Hi \\u00e9\\ud83e\\udd17\\n\"},"
	" {\"role\": \"assistant\", \"content\": \"\", \"tool_calls\": [{\"type\": \"function\","
	" \"function\": {\"name\": \"f\", \"arguments\": {\"a\": [1, 2.5, null, true]}}}]},"
	" {\"role\": \"tool\", \"content\": \"42\"}],"
	" \"add_generation_prompt\": true, \"bos_token\": \"<s>\", \"eos_token\": \"</s>\","
	" \"tools\": [{\"type\": \"function\", \"function\": {\"name\": \"f\"}}]}";

static void check_failure(int rc)
{
	if (rc >= 0 || hfgit_error_last()[0] == '\0' || hfgit_error_last_code() != rc)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data, *nul = memchr(text, '\0', size);
	size_t len = nul ? (size_t)(nul - text) : size;
	hfgit_chat_template *t = NULL;
	char *context = NULL, *out = NULL;
	int rc;

	if ((rc = hfgit_chat_template_compile(&t, text, len)) < 0) {
		check_failure(rc);
		if (t)
			abort();
		return 0;
	}
	if (nul) {
		size_t n = size - len - 1;
		if (!(context = malloc(n + 1)))
			abort();
		memcpy(context, nul + 1, n);
		context[n] = '\0';
	}
	rc = hfgit_chat_template_render_json(&out, t, context ? context : conversation);
	if (rc < 0) {
		check_failure(rc);
		if (out)
			abort();
	} else if (!out) {
		abort();
	}
	free(out);
	free(context);
	hfgit_chat_template_free(t);
	return 0;
}
