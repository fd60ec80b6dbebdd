/*
 * Chat: a conversation rendered with the checkout's chat template, then continued. This is
 * transformers' TextGenerationPipeline given a list of messages: apply_chat_template with
 * add_generation_prompt=True, the prompt tokenized with add_special_tokens=False (the template
 * wrote the BOS and turn markers already; the tokenizer's post-processor would add a second
 * BOS), generate, and the reply cut after the prompt's own decoding.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "task/task.h"

static int load_template(hfgit_chat_template **t, const hfgit_pipeline *p, const char *name)
{
	int rc = hfgit_chat_template_from_dir(t, hfgit_model_dir(p->model), name);

	/* A named template that is missing gets the template's own message, which lists the
	 * names there are; no template at all needs saying what to do instead. */
	if (rc == HFGIT_ENOTFOUND && !name)
		return hfgit_error__set(rc, "%s; without a chat template, give the conversation as "
		                        "plain text to continue, or use the model's chat variant "
		                        "(-Instruct, -Chat)", hfgit_error_last());
	return rc;
}

int hfgit_pipeline_chat(hfgit_results **out, hfgit_pipeline *p, const char *messages_json,
                        const hfgit_pipeline_chat_options *chat, const hfgit_run_options *opts)
{
	hfgit_pipeline_chat_options chat_defaults = HFGIT_PIPELINE_CHAT_OPTIONS_INIT;
	hfgit_run_options defaults = HFGIT_RUN_OPTIONS_INIT;
	hfgit_chat_options co = HFGIT_CHAT_OPTIONS_INIT;
	hfgit_chat_template *t = NULL;
	hfgit_results *r = NULL;
	char *prompt = NULL;
	int rc;

	*out = NULL;
	if ((rc = HFGIT_OPTIONS__CHECK(chat, HFGIT_PIPELINE_CHAT_OPTIONS)) < 0)
		return rc;
	if (!chat)
		chat = &chat_defaults;
	if (!opts)
		opts = &defaults;
	if ((rc = hfgit_task__check_run_options(opts)) < 0)
		return rc;
	if (!p || !messages_json)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_pipeline_chat: no pipeline or no "
		                        "messages");
	if (p->task != HFGIT_TASK_TEXT_GENERATION)
		return hfgit_error__set(HFGIT_EINVALID, "a chat needs a text-generation model; %s "
		                        "does %s", hfgit_model_class(p->model),
		                        hfgit_task_name(p->task));
	if ((rc = load_template(&t, p, chat->template_name)) < 0)
		return rc;
	co.add_generation_prompt = 1;
	co.extra_context_json = chat->extra_context_json;
	if ((rc = hfgit_chat_apply(&prompt, t, messages_json, &co)) < 0 ||
	    (rc = hfgit_task__results_new(&r, 1)) < 0)
		goto out;
	if ((rc = hfgit_task__run_text(r, p, (const char *const *)&prompt, NULL, 0, 1, false,
	                               opts)) < 0)
		goto out;
	r->items[0].prompt = prompt;
	r->items[0].pub.prompt = prompt;
	r->items[0].pub.prompt_len = strlen(prompt);
	prompt = NULL;
	*out = r;
	r = NULL;
out:
	hfgit_results_free(r);
	free(prompt);
	hfgit_chat_template_free(t);
	return rc;
}
