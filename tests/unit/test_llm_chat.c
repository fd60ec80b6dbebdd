/*
 * hfgit_pipeline_chat against transformers' way of answering a list of messages, as
 * tests/data/llm/make.py computes it (tests/data/llm/chat.json): the prompt jinja2 renders from
 * the checkout's chat template with add_generation_prompt, its ids without added special
 * tokens (Llama 3's tokenizer.json adds a BOS that its template writes already: one BOS, not
 * two), torch's greedy generation from those ids stopping at generation_config.json's eos ids,
 * and the reply; a conversation whose replies are fed back turn by turn; the streamed text;
 * and the refusals (a pipeline of another task, a checkout without a chat template, bad
 * messages, a template name that is not there, a prompt too long to answer: never cut).
 *
 * usage: test_llm_chat <tests/data>
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hfgit.h"
#include "reference.h"

static hfgit_pipeline *pipeline(const char *dir_name, hfgit_task task)
{
	hfgit_pipeline_options opts = HFGIT_PIPELINE_OPTIONS_INIT;
	hfgit_pipeline *p = NULL;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", ref_data_dir, dir_name);
	opts.task = task;
	CHECK_MSG(hfgit_pipeline_from_pretrained(&p, NULL, dir, &opts) == 0, "%s: %s", dir_name,
	          hfgit_error_last());
	return p;
}

typedef struct {
	char buf[4096];
	size_t len;
} streamed;

static int on_text(size_t input, const char *text, size_t len, void *payload)
{
	streamed *s = payload;

	CHECK(input == 0);
	if (s->len + len < sizeof(s->buf)) {
		memcpy(s->buf + s->len, text, len);
		s->len += len;
	}
	return 0;
}

/* ids[0..n) (int64_t when `wide`, else int32_t) equal the JSON list `want`. */
static bool same_ids(const void *ids, bool wide, size_t n, json_object *want)
{
	size_t i;

	if (n != json_object_array_length(want))
		return false;
	for (i = 0; i < n; i++) {
		long long v = wide ? ((const int64_t *)ids)[i] : ((const int32_t *)ids)[i];

		if (v != json_object_get_int64(json_object_array_get_idx(want, i)))
			return false;
	}
	return true;
}

/* One answer of the reference (`want`: prompt, input_ids, tokens, text) to `messages`. */
static void check_answer(hfgit_pipeline *p, const char *label, const char *messages,
                         json_object *want, size_t max_new, char **reply)
{
	hfgit_run_options ro = HFGIT_RUN_OPTIONS_INIT;
	hfgit_results *res = NULL;
	const hfgit_result *r;
	streamed s = { .len = 0 };
	const char *text = json_object_get_string(ref_get(want, "text"));

	ro.generate.max_new_tokens = max_new;
	ro.on_text = on_text;
	ro.payload = &s;
	CHECK_MSG(hfgit_pipeline_chat(&res, p, messages, NULL, &ro) == 0, "%s: %s", label,
	          hfgit_error_last());
	if (!res)
		return;
	r = hfgit_results_at(res, 0);
	CHECK(hfgit_results_count(res) == 1);
	CHECK_MSG(r->prompt && !strcmp(r->prompt, json_object_get_string(ref_get(want, "prompt"))) &&
	          r->prompt_len == strlen(r->prompt), "%s: the prompt is\n%s\nnot jinja2's\n%s",
	          label, r->prompt ? r->prompt : "(none)",
	          json_object_get_string(ref_get(want, "prompt")));
	CHECK_MSG(same_ids(r->input_ids, false, r->input_tokens, ref_get(want, "input_ids")),
	          "%s: the prompt's %zu ids differ from the reference's %zu", label,
	          r->input_tokens, json_object_array_length(ref_get(want, "input_ids")));
	CHECK_MSG(same_ids(r->generated_ids, true, r->ngenerated, ref_get(want, "tokens")),
	          "%s: %zu generated ids differ from torch's %zu", label, r->ngenerated,
	          json_object_array_length(ref_get(want, "tokens")));
	CHECK_MSG(r->text_len == strlen(text) && !memcmp(r->text, text, r->text_len),
	          "%s: reply '%.*s', want '%s'", label, (int)r->text_len, r->text, text);
	CHECK_MSG(s.len == r->text_len && !memcmp(s.buf, r->text, s.len),
	          "%s: streamed '%.*s', the reply is '%s'", label, (int)s.len, s.buf, r->text);
	if (reply)
		*reply = strndup(r->text, r->text_len);
	hfgit_results_free(res);
}

static void run_chat(json_object *c, size_t *stopped, bool *one_bos)
{
	const char *name = json_object_get_string(ref_get(c, "name"));
	size_t max_new = (size_t)json_object_get_int64(ref_get(c, "max_new_tokens")), i;
	hfgit_pipeline *p = pipeline(json_object_get_string(ref_get(c, "dir")), HFGIT_TASK_AUTO);
	json_object *turns = ref_get(c, "turns"), *history;

	if (!p)
		return;
	CHECK(hfgit_pipeline_task(p) == HFGIT_TASK_TEXT_GENERATION);
	if (!turns) {
		json_object *ids = ref_get(c, "input_ids");

		check_answer(p, name, json_object_to_json_string(ref_get(c, "messages")), c, max_new,
		             NULL);
		if (json_object_array_length(ref_get(c, "tokens")) < max_new)
			(*stopped)++;
		if (strstr(name, "llama"))
			*one_bos = json_object_get_int(json_object_array_get_idx(ids, 0)) == 1 &&
			           json_object_get_int(json_object_array_get_idx(ids, 1)) != 1;
		hfgit_pipeline_free(p);
		return;
	}
	/* The replies hfgit gives are what the next turn's prompt holds. */
	history = json_object_new_array();
	for (i = 0; i < json_object_array_length(turns); i++) {
		json_object *t = json_object_array_get_idx(turns, i), *m = json_object_new_object();
		char label[256], *reply = NULL;

		json_object_object_add(m, "role", json_object_new_string("user"));
		json_object_object_add(m, "content", json_object_get(ref_get(t, "user")));
		json_object_array_add(history, m);
		snprintf(label, sizeof(label), "%s, turn %zu", name, i + 1);
		check_answer(p, label, json_object_to_json_string(history), t, max_new, &reply);
		m = json_object_new_object();
		json_object_object_add(m, "role", json_object_new_string("assistant"));
		json_object_object_add(m, "content", json_object_new_string(reply ? reply : ""));
		json_object_array_add(history, m);
		free(reply);
	}
	json_object_put(history);
	hfgit_pipeline_free(p);
}

static void refusals(void)
{
	hfgit_pipeline_chat_options co = HFGIT_PIPELINE_CHAT_OPTIONS_INIT;
	hfgit_run_options ro = HFGIT_RUN_OPTIONS_INIT;
	const char *hi = "[{\"role\": \"user\", \"content\": \"hi\"}]";
	hfgit_results *res = (hfgit_results *)&res;
	hfgit_pipeline *p;
	hfgit_model *m = NULL;
	char dir[512];

	/* Another task of the same model: the base model, feature-extraction. */
	if ((p = pipeline("llm/models/qwen2-f32", HFGIT_TASK_FEATURE_EXTRACTION))) {
		CHECK(hfgit_pipeline_chat(&res, p, hi, NULL, NULL) == HFGIT_EINVALID);
		CHECK(res == NULL);
		CHECK_MSG(strstr(hfgit_error_last(), "a chat needs a text-generation model; "
		                 "Qwen2Model does feature-extraction"), "%s", hfgit_error_last());
		hfgit_pipeline_free(p);
	}
	if (!(p = pipeline("llm/models/qwen2-f32", HFGIT_TASK_AUTO)))
		return;
	CHECK(hfgit_pipeline_chat(&res, p, "{\"role\": \"user\"}", NULL, NULL) ==
	      HFGIT_EINVALID);
	CHECK_MSG(strstr(hfgit_error_last(), "JSON list"), "%s", hfgit_error_last());
	CHECK(hfgit_pipeline_chat(&res, p, "[{\"role\": ", NULL, NULL) == HFGIT_EINVALID);
	co.template_name = "tool_use";
	CHECK(hfgit_pipeline_chat(&res, p, hi, &co, NULL) == HFGIT_ENOTFOUND);
	CHECK_MSG(strstr(hfgit_error_last(), "tool_use"), "%s", hfgit_error_last());
	co.version = 99;
	CHECK(hfgit_pipeline_chat(&res, p, hi, &co, NULL) == HFGIT_EINVALID);
	CHECK(hfgit_pipeline_chat(&res, p, NULL, NULL, NULL) == HFGIT_EINVALID);
	/* A chat prompt is never truncated: its end is where the answer starts. */
	ro.generate.max_new_tokens = 250;
	CHECK(hfgit_pipeline_chat(&res, p, hi, NULL, &ro) == HFGIT_EINVALID);
	CHECK_MSG(strstr(hfgit_error_last(), "exceeds the model's 256 positions"), "%s",
	          hfgit_error_last());
	hfgit_pipeline_free(p);

	/* A checkout without a chat template (mistral-f16 has no tokenizer files: the model with
	 * a tokenizer of the caller's). */
	snprintf(dir, sizeof(dir), "%s/llm/models/mistral-f16", ref_data_dir);
	CHECK(hfgit_model_from_pretrained(&m, NULL, dir, NULL) == 0);
	if (m) {
		hfgit_tokenizer *tok = NULL;

		snprintf(dir, sizeof(dir), "%s/llm/models/qwen2-f32", ref_data_dir);
		CHECK(hfgit_tokenizer_from_dir(&tok, dir) == 0);
		if (tok && hfgit_pipeline_new(&p, m, tok, HFGIT_TASK_AUTO) == 0) {
			CHECK(hfgit_pipeline_chat(&res, p, hi, NULL, NULL) == HFGIT_ENOTFOUND);
			CHECK_MSG(strstr(hfgit_error_last(), "no tokenizer_config.json") &&
			          strstr(hfgit_error_last(), "chat variant"), "%s", hfgit_error_last());
			hfgit_pipeline_free(p);
		}
		hfgit_tokenizer_free(tok);
		hfgit_model_free(m);
	}
}

int main(int argc, char **argv)
{
	json_object *ref, *chats;
	size_t i, stopped = 0;
	bool one_bos = false;
	int rc;

	if ((rc = ref_open(&ref, argc, argv, "test_llm_chat", "llm/chat.json")) != 0)
		return rc;
	chats = ref_get(ref, "chats");
	for (i = 0; i < json_object_array_length(chats); i++)
		run_chat(json_object_array_get_idx(chats, i), &stopped, &one_bos);
	CHECK_MSG(json_object_array_length(chats) >= 4, "only %zu chats",
	          json_object_array_length(chats));
	/* Or the reference would not show what it is meant to. */
	CHECK_MSG(stopped > 0, "no reference chat stops at an eos id");
	CHECK_MSG(one_bos, "the Llama chat's prompt does not start with one BOS");
	refusals();
	json_object_put(ref);
	return check_finish();
}
