/*
 * The task layer against the PyTorch reference (tests/data/task/reference.json, written by
 * tests/data/task/make.py): token ids, truncation, labels in order with their scores,
 * per-token and pooled embeddings, greedily generated tokens and text, for batches of
 * several sizes (padding on the right, on the left for generation); the streamed text in
 * whole characters; and bad input, which must fail with a message naming the problem.
 *
 * usage: test_task <tests/data>
 */
#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hfgit.h"
#include "reference.h"
#include "task/task.h"

static hfgit_model *load_model(const char *name, hfgit_auto_class auto_class)
{
	return ref_model(name, auto_class, HFGIT_WEIGHTS_ANY);
}

static hfgit_tokenizer *load_tokenizer(const char *name)
{
	hfgit_tokenizer *tok = NULL;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/task/%s", ref_data_dir, name);
	CHECK_MSG(hfgit_tokenizer_from_dir(&tok, dir) == 0, "%s: %s", dir, hfgit_error_last());
	return tok;
}

/* Whole UTF-8 characters only: no chunk may start or end inside one. */
static int utf8_whole(const char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = (unsigned char)s[i];
		size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
		size_t j;

		if (!n || i + n > len)
			return 0;
		for (j = 1; j < n; j++)
			if (((unsigned char)s[i + j] >> 6) != 2)
				return 0;
		i += n;
	}
	return 1;
}

typedef struct {
	char text[8][512];
	size_t len[8];
	int chunks, broken;
	size_t warnings;
} collected;

static int collect(size_t input, const char *text, size_t len, void *payload)
{
	collected *c = payload;

	if (input < 8 && c->len[input] + len < sizeof(c->text[0])) {
		memcpy(c->text[input] + c->len[input], text, len);
		c->len[input] += len;
	}
	c->chunks++;
	c->broken += !utf8_whole(text, len);
	return 0;
}

static void count_warning(size_t input, const char *message, void *payload)
{
	((collected *)payload)->warnings++;
	CHECK_MSG(strstr(message, "truncated to"), "warning: %s", message);
}

static void compare_floats(const char *what, const float *got, json_object *want, size_t n)
{
	double diff = 0;
	size_t i;

	CHECK_MSG(json_object_array_length(want) == n, "%s: %zu values, reference %zu", what, n,
	          json_object_array_length(want));
	for (i = 0; i < n && i < json_object_array_length(want); i++) {
		double d = fabs(got[i] - json_object_get_double(json_object_array_get_idx(want, i)));

		if (d > diff)
			diff = d;
	}
	CHECK_MSG(diff <= REF_TOLERANCE, "%s differs from torch by %g", what, diff);
}

static void compare_result(const char *name, size_t i, const hfgit_result *r, json_object *want,
                           hfgit_task task, const char *text, size_t streamed_len,
                           const char *streamed)
{
	json_object *ids = ref_get(want, "input_ids"), *v;
	size_t j;

	CHECK_MSG(r->input_tokens == json_object_array_length(ids), "%s[%zu]: %zu tokens, "
	          "reference %zu", name, i, r->input_tokens, json_object_array_length(ids));
	for (j = 0; j < r->input_tokens && j < json_object_array_length(ids); j++)
		CHECK_MSG(r->input_ids[j] == json_object_get_int(json_object_array_get_idx(ids, j)),
		          "%s[%zu]: token %zu is %d", name, i, j, r->input_ids[j]);
	if ((v = ref_get(want, "truncated_from")))
		CHECK_MSG(r->truncated_from == (size_t)json_object_get_int(v), "%s[%zu]: truncated "
		          "from %zu, reference %d", name, i, r->truncated_from, json_object_get_int(v));
	if (task == HFGIT_TASK_TEXT_CLASSIFICATION) {
		json_object *labels = ref_get(want, "labels");

		CHECK_MSG(r->nlabels == json_object_array_length(labels), "%s[%zu]: %zu labels",
		          name, i, r->nlabels);
		for (j = 0; j < r->nlabels && j < json_object_array_length(labels); j++) {
			json_object *l = json_object_array_get_idx(labels, j);

			CHECK_STR(r->labels[j].label, json_object_get_string(ref_get(l, "label")));
			CHECK(r->labels[j].id == json_object_get_int(ref_get(l, "id")));
			CHECK_MSG(fabs(r->labels[j].score - json_object_get_double(ref_get(l, "score"))) <=
			          REF_TOLERANCE, "%s[%zu]: score %g, torch %g", name, i,
			          (double)r->labels[j].score, json_object_get_double(ref_get(l, "score")));
		}
	} else if (task == HFGIT_TASK_FEATURE_EXTRACTION) {
		json_object *emb = ref_get(want, "embeddings");
		char what[128];

		snprintf(what, sizeof(what), "%s[%zu] pooled", name, i);
		compare_floats(what, r->pooled, ref_get(want, "pooled"), r->dim);
		for (j = 0; j < r->input_tokens && j < json_object_array_length(emb); j++) {
			snprintf(what, sizeof(what), "%s[%zu] token %zu", name, i, j);
			compare_floats(what, r->embeddings + j * r->dim,
			               json_object_array_get_idx(emb, j), r->dim);
		}
	} else {
		json_object *gen = ref_get(want, "generated_ids");
		const char *full = json_object_get_string(ref_get(want, "generated_text"));
		size_t plen = strlen(text);

		CHECK_MSG(r->ngenerated == json_object_array_length(gen), "%s[%zu]: %zu new tokens, "
		          "torch %zu", name, i, r->ngenerated, json_object_array_length(gen));
		for (j = 0; j < r->ngenerated && j < json_object_array_length(gen); j++)
			CHECK_MSG(r->generated_ids[j] ==
			          json_object_get_int64(json_object_array_get_idx(gen, j)),
			          "%s[%zu]: new token %zu is %lld", name, i, j,
			          (long long)r->generated_ids[j]);
		CHECK_MSG(strlen(full) == plen + r->text_len && !strncmp(full, text, plen) &&
		          !memcmp(full + plen, r->text, r->text_len), "%s[%zu]: text '%.*s', "
		          "reference '%s'", name, i, (int)r->text_len, r->text, full + plen);
		CHECK_MSG(streamed_len == r->text_len && !memcmp(streamed, r->text, r->text_len),
		          "%s[%zu]: streamed '%.*s', result '%.*s'", name, i, (int)streamed_len,
		          streamed, (int)r->text_len, r->text);
	}
}

static void run_case(json_object *c)
{
	const char *name = json_object_get_string(ref_get(c, "name"));
	const char *task_name = json_object_get_string(ref_get(c, "task"));
	json_object *texts = ref_get(c, "texts"), *results = ref_get(c, "results"), *v;
	const char *inputs[8];
	size_t n = json_object_array_length(texts), i, k;
	size_t sizes[3] = { 1, 4, n }; /* one at a time, a remainder, all at once */
	hfgit_task task;
	hfgit_auto_class auto_class;
	hfgit_tokenizer *tok;
	hfgit_pipeline *p = NULL;
	hfgit_model *m;

	CHECK(hfgit_task_from_name(&task, task_name) == 0);
	auto_class = task == HFGIT_TASK_TEXT_CLASSIFICATION ? HFGIT_AUTO_SEQ_CLS
	           : task == HFGIT_TASK_FEATURE_EXTRACTION ? HFGIT_AUTO_BASE : HFGIT_AUTO_CAUSAL_LM;
	m = load_model(json_object_get_string(ref_get(c, "model")), auto_class);
	tok = load_tokenizer(json_object_get_string(ref_get(c, "tokenizer")));
	if (!m || !tok)
		goto out;
	CHECK_MSG(hfgit_pipeline_new(&p, m, tok, task) == 0, "%s: %s", name, hfgit_error_last());
	if (!p)
		goto out;
	CHECK(hfgit_pipeline_task(p) == task);
	CHECK(hfgit_pipeline_max_length(p) == 20);
	for (i = 0; i < n && i < 8; i++)
		inputs[i] = json_object_get_string(json_object_array_get_idx(texts, i));
	for (k = 0; k < 3; k++) {
		hfgit_run_options o = HFGIT_RUN_OPTIONS_INIT;
		hfgit_results *res = NULL;
		collected got = { 0 };
		size_t truncated, bs = sizes[k];

		o.batch_size = bs;
		o.top_k = HFGIT_TOP_K_ALL;
		o.on_text = collect;
		o.on_warning = count_warning;
		o.payload = &got;
		if ((v = ref_get(c, "function")))
			o.function_to_apply = !strcmp(json_object_get_string(v), "sigmoid")
			                      ? HFGIT_SCORES_SIGMOID : HFGIT_SCORES_AUTO;
		if ((v = ref_get(c, "pooling")))
			o.pooling = !strcmp(json_object_get_string(v), "mean") ? HFGIT_POOLING_MEAN
			                                                     : HFGIT_POOLING_CLS;
		if ((v = ref_get(c, "max_new_tokens")))
			o.generate.max_new_tokens = (size_t)json_object_get_int(v);
		if (hfgit_pipeline_run(&res, p, inputs, NULL, n, &o) < 0) {
			CHECK_MSG(0, "%s (batch %zu): %s", name, bs, hfgit_error_last());
			continue;
		}
		CHECK(hfgit_results_count(res) == n);
		for (i = 0; i < n; i++)
			compare_result(name, i, hfgit_results_at(res, i),
			               json_object_array_get_idx(results, i), task, inputs[i], got.len[i],
			               got.text[i]);
		CHECK_MSG(!got.broken, "%s: %d streamed chunks split a character", name, got.broken);
		if (task == HFGIT_TASK_TEXT_GENERATION)
			CHECK_MSG(got.chunks > 0, "%s: nothing streamed", name);
		for (i = 0, truncated = 0; i < n; i++)
			truncated += hfgit_results_at(res, i)->truncated_from != 0;
		CHECK_MSG(got.warnings == truncated, "%s: %zu warnings for %zu truncated inputs",
		          name, got.warnings, truncated);
		hfgit_results_free(res);
	}
out:
	hfgit_pipeline_free(p);
	hfgit_tokenizer_free(tok);
	hfgit_model_free(m);
}

/* The default top_k: the best label alone, as the text-classification pipeline returns it. */
static void default_top_k(void)
{
	hfgit_model *m = load_model("models/bert-sst2", HFGIT_AUTO_CONFIG);
	hfgit_tokenizer *tok = load_tokenizer("tokenizers/bert");
	const char *text = "a good film";
	hfgit_run_options o = HFGIT_RUN_OPTIONS_INIT;
	hfgit_results *res = NULL, *all = NULL;
	hfgit_pipeline *p = NULL;

	if (!m || !tok)
		goto out;
	CHECK(hfgit_pipeline_new(&p, m, tok, HFGIT_TASK_AUTO) == 0);
	CHECK(p && hfgit_pipeline_task(p) == HFGIT_TASK_TEXT_CLASSIFICATION);
	CHECK(hfgit_pipeline_run(&res, p, &text, NULL, 1, NULL) == 0);
	o.top_k = HFGIT_TOP_K_ALL;
	CHECK(hfgit_pipeline_run(&all, p, &text, NULL, 1, &o) == 0);
	if (res && all) {
		const hfgit_result *r = hfgit_results_at(res, 0), *a = hfgit_results_at(all, 0);
		float sum = 0;
		size_t j;

		CHECK(r->nlabels == 1 && a->nlabels == 3);
		CHECK(r->labels[0].id == a->labels[0].id);
		for (j = 0; j < a->nlabels; j++)
			sum += a->labels[j].score;
		CHECK_MSG(fabsf(sum - 1.0f) < 1e-5f, "softmax scores sum to %g", (double)sum);
		CHECK(a->labels[0].score >= a->labels[1].score &&
		      a->labels[1].score >= a->labels[2].score);
	}
out:
	hfgit_results_free(res);
	hfgit_results_free(all);
	hfgit_pipeline_free(p);
	hfgit_tokenizer_free(tok);
	hfgit_model_free(m);
}

/* A character split across byte-level tokens waits for its last byte; a dangling one ends as
 * U+FFFD, as the lossy decoding (and transformers) gives it. */
static void stream_whole_characters(void)
{
	hfgit_tokenizer *tok = load_tokenizer("tokenizers/gpt2");
	const int32_t prompt[] = { 20, 8, 5 }; /* "the" */
	const int64_t tokens[] = { 0, 43, 44, 0, 45, 46, 47, 48, 43 }; /* " é 😀" + half of é */
	const char *expect[] = { " ", "", "\xc3\xa9", " ", "", "", "", "\xf0\x9f\x98\x80", "" };
	collected got = { 0 };
	task_stream s;
	char *text = NULL;
	size_t i, len = 0;

	if (!tok)
		return;
	CHECK(hfgit_task__stream_init(&s, tok, prompt, 3, 4) == 0);
	for (i = 0; i < sizeof(tokens) / sizeof(*tokens); i++) {
		size_t before = got.len[0];

		CHECK(hfgit_task__stream_push(&s, tokens[i]) == 0);
		CHECK(hfgit_task__stream_emit(&s, false, collect, 0, &got, NULL, NULL) == 0);
		CHECK_MSG(got.len[0] - before == strlen(expect[i]) &&
		          !memcmp(got.text[0] + before, expect[i], strlen(expect[i])),
		          "after token %zu: streamed '%.*s'", i, (int)(got.len[0] - before),
		          got.text[0] + before);
	}
	CHECK(hfgit_task__stream_emit(&s, true, collect, 0, &got, &text, &len) == 0);
	CHECK_MSG(len == 11 && text && !memcmp(text, " \xc3\xa9 \xf0\x9f\x98\x80\xef\xbf\xbd", 11),
	          "final text '%.*s'", (int)len, text ? text : "");
	CHECK(got.len[0] == len && text && !memcmp(got.text[0], text, len));
	CHECK(got.broken == 0);
	free(text);
	hfgit_task__stream_dispose(&s);
	hfgit_tokenizer_free(tok);
}

static void bad_inputs(void)
{
	hfgit_model *cls = load_model("models/distilbert-sst2", HFGIT_AUTO_CONFIG);
	hfgit_model *lm = load_model("models/gpt2", HFGIT_AUTO_CONFIG);
	hfgit_tokenizer *bert = load_tokenizer("tokenizers/bert");
	hfgit_tokenizer *gpt2 = load_tokenizer("tokenizers/gpt2");
	hfgit_pipeline_options po = HFGIT_PIPELINE_OPTIONS_INIT;
	hfgit_run_options o = HFGIT_RUN_OPTIONS_INIT;
	hfgit_pipeline *p = NULL;
	hfgit_results *res = NULL;
	const char *empty = "", *text = "hello";
	char dir[512];
	hfgit_task t;

	CHECK(hfgit_task_from_name(&t, "summarization") == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "summarization") &&
	      strstr(hfgit_error_last(), "text-classification"));
	CHECK_STR(hfgit_task_name(HFGIT_TASK_TEXT_GENERATION), "text-generation");
	CHECK(hfgit_task_name(HFGIT_TASK_COUNT_) == NULL);
	if (!cls || !lm || !bert || !gpt2)
		goto out;
	CHECK(hfgit_pipeline_new(&p, cls, bert, HFGIT_TASK_TEXT_GENERATION) == HFGIT_EINVALID);
	CHECK_MSG(strstr(hfgit_error_last(), "AutoModelForCausalLM") &&
	          strstr(hfgit_error_last(), "text-classification"), "%s", hfgit_error_last());
	CHECK(hfgit_pipeline_new(&p, cls, NULL, HFGIT_TASK_AUTO) == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "tokenizer"));
	CHECK(hfgit_pipeline_new(&p, cls, bert, HFGIT_TASK_IMAGE_CLASSIFICATION) == HFGIT_EINVALID);
	CHECK(!p);
	/* From a directory: a task the architecture has no class for names the ones it has. */
	snprintf(dir, sizeof(dir), "%s/models/distilbert-sst2", ref_data_dir);
	po.task = HFGIT_TASK_TEXT_GENERATION;
	CHECK(hfgit_pipeline_from_pretrained(&p, NULL, dir, &po) == HFGIT_EINVALID);
	CHECK_MSG(strstr(hfgit_error_last(), "text-generation") &&
	          strstr(hfgit_error_last(), "DistilBertForSequenceClassification"), "%s",
	          hfgit_error_last());
	/* The directory has weights but no tokenizer. */
	po.task = HFGIT_TASK_AUTO;
	CHECK(hfgit_pipeline_from_pretrained(&p, NULL, dir, &po) < 0);
	CHECK_MSG(strstr(hfgit_error_last(), "no tokenizer"), "%s", hfgit_error_last());
	po.version = 99;
	CHECK(hfgit_pipeline_from_pretrained(&p, NULL, dir, &po) == HFGIT_EINVALID);

	CHECK(hfgit_pipeline_new(&p, lm, gpt2, HFGIT_TASK_AUTO) == 0);
	if (!p)
		goto out;
	CHECK(hfgit_pipeline_task(p) == HFGIT_TASK_TEXT_GENERATION);
	o.generate.max_new_tokens = 5;
	CHECK(hfgit_pipeline_run(&res, p, &empty, NULL, 1, &o) == HFGIT_EINVALID);
	CHECK_MSG(strstr(hfgit_error_last(), "no tokens"), "%s", hfgit_error_last());
	o.generate.max_new_tokens = 20;
	CHECK(hfgit_pipeline_run(&res, p, &text, NULL, 1, &o) == HFGIT_EINVALID);
	CHECK_MSG(strstr(hfgit_error_last(), "20 new tokens"), "%s", hfgit_error_last());
	o = (hfgit_run_options)HFGIT_RUN_OPTIONS_INIT;
	o.version = 7;
	CHECK(hfgit_pipeline_run(&res, p, &text, NULL, 1, &o) == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "version"));
	o = (hfgit_run_options)HFGIT_RUN_OPTIONS_INIT;
	o.pooling = (hfgit_pooling)5;
	CHECK(hfgit_pipeline_run(&res, p, &text, NULL, 1, &o) == HFGIT_EINVALID);
	CHECK(res == NULL);
	hfgit_pipeline_free(p);
out:
	hfgit_tokenizer_free(bert);
	hfgit_tokenizer_free(gpt2);
	hfgit_model_free(cls);
	hfgit_model_free(lm);
}

/* Sampling: one seed, one answer; top_k 1 is greedy. (hfgit's generator is not torch's, so
 * sampled tokens are not compared with torch.) */
static void sampling(void)
{
	hfgit_model *lm = load_model("models/gpt2", HFGIT_AUTO_CONFIG);
	hfgit_tokenizer *tok = load_tokenizer("tokenizers/gpt2");
	hfgit_run_options o = HFGIT_RUN_OPTIONS_INIT;
	hfgit_results *greedy = NULL, *a = NULL, *b = NULL, *k1 = NULL;
	hfgit_pipeline *p = NULL;
	const char *text = "the dog";

	if (!lm || !tok || hfgit_pipeline_new(&p, lm, tok, HFGIT_TASK_AUTO) < 0)
		goto out;
	o.generate.max_new_tokens = 10;
	CHECK(hfgit_pipeline_run(&greedy, p, &text, NULL, 1, &o) == 0);
	o.generate.do_sample = 1;
	o.generate.temperature = 1.5f;
	o.generate.seed = 42;
	CHECK(hfgit_pipeline_run(&a, p, &text, NULL, 1, &o) == 0);
	CHECK(hfgit_pipeline_run(&b, p, &text, NULL, 1, &o) == 0);
	o.generate.top_k = 1;
	CHECK(hfgit_pipeline_run(&k1, p, &text, NULL, 1, &o) == 0);
	if (greedy && a && b && k1) {
		const hfgit_result *g = hfgit_results_at(greedy, 0), *x = hfgit_results_at(a, 0),
		                   *y = hfgit_results_at(b, 0), *z = hfgit_results_at(k1, 0);

		CHECK(x->ngenerated == y->ngenerated && x->text_len == y->text_len &&
		      !memcmp(x->generated_ids, y->generated_ids, x->ngenerated * sizeof(int64_t)));
		CHECK(g->ngenerated == z->ngenerated &&
		      !memcmp(g->generated_ids, z->generated_ids, g->ngenerated * sizeof(int64_t)));
	}
out:
	hfgit_results_free(greedy);
	hfgit_results_free(a);
	hfgit_results_free(b);
	hfgit_results_free(k1);
	hfgit_pipeline_free(p);
	hfgit_tokenizer_free(tok);
	hfgit_model_free(lm);
}

int main(int argc, char **argv)
{
	json_object *ref, *cases;
	size_t i;
	int rc;

	if ((rc = ref_open(&ref, argc, argv, "test_task", "task/reference.json")) != 0)
		return rc;
	cases = ref_get(ref, "cases");
	/* Images need the model's preprocessor_config.json beside it: integration.run. */
	for (i = 0; i < json_object_array_length(cases); i++)
		if (ref_get(json_object_array_get_idx(cases, i), "texts"))
			run_case(json_object_array_get_idx(cases, i));
	CHECK_MSG(json_object_array_length(cases) >= 10, "only %zu reference cases",
	          json_object_array_length(cases));
	default_top_k();
	stream_whole_characters();
	bad_inputs();
	sampling();
	json_object_put(ref);
	return check_finish();
}
