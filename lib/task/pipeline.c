/* The pipeline handle: the task a head implies, and a model loaded with its tokenizer. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "task/task.h"

static const char *const task_names[HFGIT_TASK_COUNT_] = {
	[HFGIT_TASK_AUTO] = "auto",
	[HFGIT_TASK_TEXT_CLASSIFICATION] = "text-classification",
	[HFGIT_TASK_FEATURE_EXTRACTION] = "feature-extraction",
	[HFGIT_TASK_TEXT_GENERATION] = "text-generation",
	[HFGIT_TASK_IMAGE_CLASSIFICATION] = "image-classification",
};

/* The Auto class each task loads, as transformers' SUPPORTED_TASKS name them. */
static const hfgit_auto_class task_auto[HFGIT_TASK_COUNT_] = {
	[HFGIT_TASK_AUTO] = HFGIT_AUTO_CONFIG,
	[HFGIT_TASK_TEXT_CLASSIFICATION] = HFGIT_AUTO_SEQ_CLS,
	[HFGIT_TASK_FEATURE_EXTRACTION] = HFGIT_AUTO_BASE,
	[HFGIT_TASK_TEXT_GENERATION] = HFGIT_AUTO_CAUSAL_LM,
	[HFGIT_TASK_IMAGE_CLASSIFICATION] = HFGIT_AUTO_IMAGE_CLS,
};

const char *hfgit_task_name(hfgit_task task)
{
	return (unsigned)task < HFGIT_TASK_COUNT_ ? task_names[task] : NULL;
}

int hfgit_task_from_name(hfgit_task *out, const char *name)
{
	int t;

	for (t = 0; name && t < HFGIT_TASK_COUNT_; t++) {
		if (!strcmp(name, task_names[t])) {
			*out = (hfgit_task)t;
			return 0;
		}
	}
	return hfgit_error__set(HFGIT_EINVALID, "unknown task '%s': hfgit runs text-classification, "
	                        "feature-extraction, text-generation and image-classification",
	                        name ? name : "");
}

/* The task of the class built: the head decides, as pipeline(model=...) does. */
static hfgit_task task_of_head(const hfgit_model *m)
{
	switch (hfgit_model_auto_class(m)) {
	case HFGIT_AUTO_SEQ_CLS: return HFGIT_TASK_TEXT_CLASSIFICATION;
	case HFGIT_AUTO_CAUSAL_LM: return HFGIT_TASK_TEXT_GENERATION;
	case HFGIT_AUTO_IMAGE_CLS: return HFGIT_TASK_IMAGE_CLASSIFICATION;
	default: return HFGIT_TASK_FEATURE_EXTRACTION;
	}
}

static bool is_image_model(const hfgit_model *m)
{
	const char *type = hfgit_model_model_type(m);

	return type && !strcmp(type, "vit");
}

static int check_task(const hfgit_model *m, const hfgit_tokenizer *tok, hfgit_task task)
{
	hfgit_auto_class want = task_auto[task];

	if (hfgit_model_auto_class(m) != want)
		return hfgit_error__set(HFGIT_EINVALID, "%s is not a model for %s (that needs %s); "
		                        "it does %s", hfgit_model_class(m), task_names[task],
		                        hfgit_auto_class_transformers_name(want),
		                        task_names[task_of_head(m)]);
	if (task == HFGIT_TASK_IMAGE_CLASSIFICATION) {
		if (!is_image_model(m))
			return hfgit_error__set(HFGIT_EINVALID, "%s does not take images",
			                        hfgit_model_class(m));
		return 0;
	}
	if (is_image_model(m))
		return hfgit_error__set(HFGIT_EINVALID, "%s takes images: hfgit runs it for "
		                        "image-classification only", hfgit_model_class(m));
	if (!tok)
		return hfgit_error__set(HFGIT_EINVALID, "%s needs a tokenizer for %s",
		                        hfgit_model_class(m), task_names[task]);
	return 0;
}

int hfgit_pipeline_new(hfgit_pipeline **out, hfgit_model *model, hfgit_tokenizer *tok,
                       hfgit_task task)
{
	const hfgit_config *cfg;
	hfgit_pipeline *p;
	long long v;
	int rc;

	*out = NULL;
	if (!model || (unsigned)task >= HFGIT_TASK_COUNT_)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_pipeline_new: no model, or a task out "
		                        "of range");
	if (task == HFGIT_TASK_AUTO)
		task = task_of_head(model);
	if (is_image_model(model))
		tok = NULL; /* a ViT repository's tokenizer is none of the image task's business */
	if ((rc = check_task(model, tok, task)) < 0)
		return rc;
	if (!(p = calloc(1, sizeof(*p))))
		return hfgit_error__oom();
	p->task = task;
	p->model = model;
	p->tok = tok;
	cfg = hfgit_model_config(model);
	/* transformers leaves a tokenizer without model_max_length unbounded; the position
	 * embeddings bound it anyway. */
	if (tok)
		p->max_length = hfgit_tokenizer_model_max_length(tok);
	if (hfgit_config_get_int(&v, cfg, "max_position_embeddings") == 0 && v > 0 &&
	    (!p->max_length || (size_t)v < p->max_length))
		p->max_length = (size_t)v;
	p->pad_id = hfgit_config_get_int(&v, cfg, "pad_token_id") == 0 && v >= 0 ? v : 0;
	p->token_types = !strcmp(hfgit_model_model_type(model), "bert");
	hfgit_error__clear();
	*out = p;
	return 0;
}

int hfgit_pipeline_from_pretrained(hfgit_pipeline **out, hfgit_ctx *ctx, const char *id_or_dir,
                                   const hfgit_pipeline_options *opts)
{
	hfgit_pipeline_options defaults = HFGIT_PIPELINE_OPTIONS_INIT;
	hfgit_model_options mopts = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_tokenizer *tok = NULL;
	hfgit_model *m = NULL;
	hfgit_task task;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (opts->version != HFGIT_PIPELINE_OPTIONS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_pipeline_options version %u; this "
		                        "libhfgit knows version %d", opts->version,
		                        HFGIT_PIPELINE_OPTIONS_VERSION);
	task = opts->task;
	if ((unsigned)task >= HFGIT_TASK_COUNT_)
		return hfgit_error__set(HFGIT_EINVALID, "task %d is out of range", (int)task);
	mopts.auto_class = task_auto[task];
	mopts.format = opts->format;
	mopts.clone = opts->clone;
	mopts.lock = opts->lock;
	if ((rc = hfgit_model_from_pretrained(&m, ctx, id_or_dir, &mopts)) < 0) {
		if (task != HFGIT_TASK_AUTO)
			return hfgit_error__set(rc, "%s: %s", task_names[task], hfgit_error_last());
		return rc;
	}
	/* The tokenizer of the very checkout the model came from: one resolve, one commit. */
	if (!is_image_model(m) && task != HFGIT_TASK_IMAGE_CLASSIFICATION) {
		if ((rc = hfgit_tokenizer_from_dir(&tok, hfgit_model_dir(m))) < 0) {
			rc = hfgit_error__set(rc, "%s has no tokenizer hfgit can read (%s): text tasks "
			                      "need tokenizer.json, or vocab.txt / vocab.json + merges.txt",
			                      id_or_dir, hfgit_error_last());
			goto fail;
		}
	}
	if ((rc = hfgit_pipeline_new(out, m, tok, task)) < 0)
		goto fail;
	(*out)->owns = true;
	return 0;
fail:
	hfgit_tokenizer_free(tok);
	hfgit_model_free(m);
	return rc;
}

void hfgit_pipeline_free(hfgit_pipeline *p)
{
	if (!p)
		return;
	if (p->owns) {
		hfgit_tokenizer_free(p->tok);
		hfgit_model_free(p->model);
	}
	free(p);
}

hfgit_task hfgit_pipeline_task(const hfgit_pipeline *p)
{
	return p->task;
}

hfgit_model *hfgit_pipeline_model(const hfgit_pipeline *p)
{
	return p->model;
}

hfgit_tokenizer *hfgit_pipeline_tokenizer(const hfgit_pipeline *p)
{
	return p->tok;
}

size_t hfgit_pipeline_max_length(const hfgit_pipeline *p)
{
	return p->max_length;
}

int hfgit_task__run_text(hfgit_results *r, hfgit_pipeline *p, const char *const *inputs,
                         const size_t *lens, size_t first, size_t n, bool special,
                         const hfgit_run_options *o)
{
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	const hfgit_output *out;
	hfgit_outputs *outs = NULL;
	task_batch b = { 0 };
	task_item *items = r->items + first;
	bool gen = p->task == HFGIT_TASK_TEXT_GENERATION;
	/* hfgit_model_generate wants a position for every new token (the last one too). */
	task_encode how = { first, gen ? o->generate.max_new_tokens : 0, gen, special, !special };
	int rc;

	if ((rc = hfgit_task__batch_encode(&b, p, inputs + first, lens ? lens + first : NULL, n,
	                                   &how, o, items)) < 0)
		return rc;
	if (gen) {
		rc = hfgit_task__generate(items, p, &b, first, o);
		goto out;
	}
	in.batch = b.n;
	in.seq_len = b.seq_len;
	in.input_ids = b.ids;
	in.attention_mask = b.mask;
	in.token_type_ids = b.types;
	if ((rc = hfgit_model_forward(&outs, p->model, &in)) < 0)
		goto out;
	if (p->task == HFGIT_TASK_TEXT_CLASSIFICATION) {
		if (!(out = hfgit_outputs_find(outs, "logits")) || out->ndim != 2) {
			rc = hfgit_error__set(HFGIT_ERROR, "%s gave no [batch, labels] logits",
			                      hfgit_model_class(p->model));
			goto out;
		}
		rc = hfgit_task__classify(items, n, out->data, (size_t)out->shape[1],
		                          hfgit_model_config(p->model), o, 1);
	} else {
		if (!(out = hfgit_outputs_find(outs, "last_hidden_state")) || out->ndim != 3) {
			rc = hfgit_error__set(HFGIT_ERROR, "%s gave no last_hidden_state",
			                      hfgit_model_class(p->model));
			goto out;
		}
		rc = hfgit_task__features(items, &b, out->data, (size_t)out->shape[2], o->pooling);
	}
out:
	hfgit_outputs_free(outs);
	hfgit_task__batch_dispose(&b);
	return rc;
}

int hfgit_task__check_run_options(const hfgit_run_options *opts)
{
	if (opts->version != HFGIT_RUN_OPTIONS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_run_options version %u; this libhfgit "
		                        "knows version %d", opts->version, HFGIT_RUN_OPTIONS_VERSION);
	if (opts->generate.version != HFGIT_GENERATE_OPTIONS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_run_options.generate version %u; this "
		                        "libhfgit knows version %d", opts->generate.version,
		                        HFGIT_GENERATE_OPTIONS_VERSION);
	if (opts->pooling != HFGIT_POOLING_CLS && opts->pooling != HFGIT_POOLING_MEAN)
		return hfgit_error__set(HFGIT_EINVALID, "pooling %d is neither cls nor mean",
		                        (int)opts->pooling);
	if ((unsigned)opts->function_to_apply > HFGIT_SCORES_NONE)
		return hfgit_error__set(HFGIT_EINVALID, "function_to_apply %d is out of range",
		                        (int)opts->function_to_apply);
	return 0;
}

int hfgit_pipeline_run(hfgit_results **out, hfgit_pipeline *p, const char *const *inputs,
                       const size_t *lens, size_t n, const hfgit_run_options *opts)
{
	hfgit_run_options defaults = HFGIT_RUN_OPTIONS_INIT;
	hfgit_results *r;
	size_t i, batch;
	int rc = 0;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if ((rc = hfgit_task__check_run_options(opts)) < 0)
		return rc;
	for (i = 0; i < n; i++)
		if (!inputs[i])
			return hfgit_error__set(HFGIT_EINVALID, "input %zu is NULL", i);
	if ((rc = hfgit_task__results_new(&r, n)) < 0)
		return rc;
	batch = opts->batch_size ? opts->batch_size : 8;
	for (i = 0; i < n && rc == 0; i += batch) {
		size_t k = n - i < batch ? n - i : batch;

		if (p->task == HFGIT_TASK_IMAGE_CLASSIFICATION)
			rc = hfgit_task__image_classify(r->items + i, p, inputs + i, k, opts);
		else
			rc = hfgit_task__run_text(r, p, inputs, lens, i, k, true, opts);
	}
	if (rc < 0) {
		hfgit_results_free(r);
		return rc;
	}
	*out = r;
	return 0;
}
