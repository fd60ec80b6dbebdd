/* Tasks: text or an image in, an answer out, as transformers' pipeline() gives it. */
#ifndef HFGIT_TASK_H
#define HFGIT_TASK_H

#include "hfgit/common.h"
#include "hfgit/context.h"
#include "hfgit/clone.h"
#include "hfgit/lock.h"
#include "hfgit/model.h"
#include "hfgit/forward.h"
#include "hfgit/tokenizer.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Tasks: text or an image in, an answer out, as transformers' pipeline() gives it           */

/*
 * A pipeline is a model, its tokenizer (text tasks) and a task. The task is the one the head
 * config.json names (transformers' choice): *ForSequenceClassification -> text-classification,
 * the base model -> feature-extraction, *LMHeadModel -> text-generation,
 * *ForImageClassification -> image-classification; asking for another task loads the class
 * that task needs.
 *
 *     hfgit_pipeline *p;
 *     hfgit_results *res;
 *     const char *text = "a good film";
 *
 *     if (hfgit_pipeline_from_pretrained(&p, ctx, "distilbert-base-uncased-finetuned-sst-2-english",
 *                                        NULL) < 0 ||
 *         hfgit_pipeline_run(&res, p, &text, NULL, 1, NULL) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 *     ... hfgit_results_at(res, 0)->labels[0].label, .score ...
 *
 * A pipeline runs on one thread at a time (its tokenizer keeps scratch space). Results stay
 * valid after further runs, until hfgit_results_free, while the model lives (labels are its
 * config's strings).
 */
typedef struct hfgit_pipeline hfgit_pipeline;
typedef struct hfgit_results hfgit_results;

typedef enum {
	HFGIT_TASK_AUTO = 0,             /* the task of the head config.json names */
	HFGIT_TASK_TEXT_CLASSIFICATION,  /* labels and scores (AutoModelForSequenceClassification) */
	HFGIT_TASK_FEATURE_EXTRACTION,   /* per-token and pooled embeddings (AutoModel) */
	HFGIT_TASK_TEXT_GENERATION,      /* a continuation of the text (AutoModelForCausalLM) */
	HFGIT_TASK_IMAGE_CLASSIFICATION, /* labels and scores of an image file */
	HFGIT_TASK_COUNT_
} hfgit_task;

/* "text-classification", ... (transformers' names); "auto"; NULL when out of range. */
HFGIT_EXTERN const char *hfgit_task_name(hfgit_task task);
/* The task called `name`; HFGIT_EINVALID, listing the tasks, for another name. */
HFGIT_EXTERN int hfgit_task_from_name(hfgit_task *out, const char *name);

typedef struct {
	unsigned int version;
	hfgit_task task;              /* HFGIT_TASK_AUTO: the head's */
	hfgit_weights_format format;
	/* For an id: how to clone it; NULL: the defaults. */
	const hfgit_clone_options *clone;
	/* A lockfile: an id it has an entry for loads at the locked commit (as for
	 * hfgit_model_options.lock); NULL: none. */
	const hfgit_lock *lock;
} hfgit_pipeline_options;

#define HFGIT_PIPELINE_OPTIONS_VERSION 1
#define HFGIT_PIPELINE_OPTIONS_INIT { HFGIT_PIPELINE_OPTIONS_VERSION }

/*
 * Load the model (for the task's Auto class) and, for a text task, the tokenizer of the same
 * checkout from `id_or_dir` (as hfgit_model_from_pretrained: a directory, or an id cloned
 * once, its tokenizer read from that very commit). A task the architecture has no class for
 * is HFGIT_EINVALID, naming the classes it has. `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_pipeline_from_pretrained(hfgit_pipeline **out, hfgit_ctx *ctx,
                                                const char *id_or_dir,
                                                const hfgit_pipeline_options *opts);
/*
 * A pipeline over a model and tokenizer the caller keeps (both must outlive it; `tok` may be
 * NULL for image-classification). HFGIT_EINVALID when the model's class does not do `task`.
 */
HFGIT_EXTERN int hfgit_pipeline_new(hfgit_pipeline **out, hfgit_model *model,
                                    hfgit_tokenizer *tok, hfgit_task task);
HFGIT_EXTERN void hfgit_pipeline_free(hfgit_pipeline *p);

HFGIT_EXTERN hfgit_task hfgit_pipeline_task(const hfgit_pipeline *p);
HFGIT_EXTERN hfgit_model *hfgit_pipeline_model(const hfgit_pipeline *p);
/* NULL for an image task. */
HFGIT_EXTERN hfgit_tokenizer *hfgit_pipeline_tokenizer(const hfgit_pipeline *p);
/* The longest input in tokens: the tokenizer's model_max_length, bounded by the model's
 * max_position_embeddings (either alone when the other gives none). */
HFGIT_EXTERN size_t hfgit_pipeline_max_length(const hfgit_pipeline *p);

typedef enum {
	HFGIT_POOLING_CLS = 0, /* the first token's hidden state ([CLS]) */
	HFGIT_POOLING_MEAN,    /* the mean over the real tokens (attention_mask 1) */
} hfgit_pooling;

/* transformers' function_to_apply. */
typedef enum {
	HFGIT_SCORES_AUTO = 0, /* sigmoid for problem_type multi_label_classification or one
	                        * label, else softmax (single_label_classification or more than
	                        * one label), else config.json's function_to_apply, else none */
	HFGIT_SCORES_SOFTMAX,
	HFGIT_SCORES_SIGMOID,
	HFGIT_SCORES_NONE,     /* the logits themselves */
} hfgit_score_function;

#define HFGIT_TOP_K_ALL ((size_t)-1)

/* Text generation: called with each new piece of text of input `input` as it is made (whole
 * UTF-8 characters only: bytes of a character split across tokens wait for the rest);
 * non-zero stops the run (HFGIT_EINTERRUPTED). */
typedef int (*hfgit_text_cb)(size_t input, const char *text, size_t len, void *payload);
/* A warning about input `input` (truncated to fit the model), one sentence. */
typedef void (*hfgit_warning_cb)(size_t input, const char *message, void *payload);

typedef struct {
	unsigned int version;
	size_t batch_size;            /* inputs per forward pass, padded together; 0: 8 */
	/* Classification: the k best labels; 0: 1 for text, 5 for images (the pipelines'
	 * defaults); HFGIT_TOP_K_ALL: every label. Best first. */
	size_t top_k;
	hfgit_score_function function_to_apply;
	hfgit_pooling pooling;        /* feature-extraction */
	/* Text generation: max_new_tokens, do_sample, temperature, top_k, top_p, seed and
	 * eos_token_id as hfgit_model_generate takes them (on_token is the pipeline's own). */
	hfgit_generate_options generate;
	hfgit_text_cb on_text;
	hfgit_warning_cb on_warning;
	void *payload;                /* of both callbacks */
} hfgit_run_options;

#define HFGIT_RUN_OPTIONS_VERSION 1
#define HFGIT_RUN_OPTIONS_INIT { HFGIT_RUN_OPTIONS_VERSION, 0, 0, HFGIT_SCORES_AUTO, \
	HFGIT_POOLING_CLS, HFGIT_GENERATE_OPTIONS_INIT }

typedef struct {
	const char *label; /* id2label's */
	long long id;
	float score;
} hfgit_label_score;

/* The answer for one input. Valid until hfgit_results_free. */
typedef struct {
	const int32_t *input_ids;     /* the tokens the model saw (text tasks) */
	size_t input_tokens;
	size_t truncated_from;        /* the tokens before truncation; 0 when not truncated */
	/* text- and image-classification */
	const hfgit_label_score *labels;
	size_t nlabels;
	/* feature-extraction: embeddings [input_tokens, dim] (last_hidden_state without the
	 * padding), pooled [dim] */
	const float *embeddings;
	const float *pooled;
	size_t dim;
	/* text-generation: the continuation (without the prompt, as decoded from the prompt and
	 * the new tokens, special tokens skipped) and the new tokens (eos included) */
	const char *text;
	size_t text_len;
	const int64_t *generated_ids;
	size_t ngenerated;
	/* hfgit_pipeline_chat: the conversation as the chat template rendered it (NULL else) */
	const char *prompt;
	size_t prompt_len;
} hfgit_result;

/*
 * Run the pipeline on `n` inputs: texts of lens[i] bytes (`lens` NULL: NUL-terminated), or
 * for image-classification the paths of PNG or JPEG files. Texts are encoded with special
 * tokens, truncated to hfgit_pipeline_max_length (a warning), and run batch_size at a time,
 * padded (on the left for generation). `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_pipeline_run(hfgit_results **out, hfgit_pipeline *p,
                                    const char *const *inputs, const size_t *lens, size_t n,
                                    const hfgit_run_options *opts);

/* Chat: a conversation continued by a text-generation pipeline, as transformers' pipeline
 * does when given a list of messages. */
typedef struct {
	unsigned int version;
	/* A named chat template (tokenizer_config.json's list, additional_chat_templates/NAME.jinja);
	 * NULL: the default. */
	const char *template_name;
	/* More template variables as a JSON object ({"tools": [...], "documents": [...]}); NULL:
	 * none. */
	const char *extra_context_json;
} hfgit_pipeline_chat_options;

#define HFGIT_PIPELINE_CHAT_OPTIONS_VERSION 1
#define HFGIT_PIPELINE_CHAT_OPTIONS_INIT { HFGIT_PIPELINE_CHAT_OPTIONS_VERSION }

/*
 * Answer the conversation `messages_json` (a JSON list of {"role", "content", ...}): render
 * it with the chat template of the model's checkout and add_generation_prompt, encode the
 * prompt as it is (the template wrote the special tokens: add_special_tokens=False), and
 * generate as hfgit_pipeline_run does, streaming through opts->on_text, until an eos id
 * (generation_config.json's, else config.json's) or max_new_tokens. One result: the
 * assistant's reply as `text`, the rendered `prompt`, the ids. HFGIT_EINVALID for a pipeline
 * that is not text-generation, and for a prompt that leaves no room for max_new_tokens within
 * hfgit_pipeline_max_length (it is never truncated: its end is where the reply starts);
 * HFGIT_ENOTFOUND when the checkout has no chat template.
 * `chat` and `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_pipeline_chat(hfgit_results **out, hfgit_pipeline *p,
                                     const char *messages_json,
                                     const hfgit_pipeline_chat_options *chat,
                                     const hfgit_run_options *opts);

HFGIT_EXTERN size_t hfgit_results_count(const hfgit_results *r);
HFGIT_EXTERN const hfgit_result *hfgit_results_at(const hfgit_results *r, size_t i);
HFGIT_EXTERN void hfgit_results_free(hfgit_results *r);

#ifdef __cplusplus
}
#endif

#endif
