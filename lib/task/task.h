/*
 * The task layer (transformers' pipelines): inputs to the model's inputs, outputs to answers.
 *
 *   pipeline.c   the handle, the task a head implies, loading model + tokenizer together
 *   text_batch.c texts -> padded, truncated batches of ids and masks
 *   classify.c   logits -> scores (softmax / sigmoid) -> labels, best first
 *   features.c   last_hidden_state -> per-token embeddings and a pooled vector
 *   generate.c   prompts -> streamed text
 *   chat.c       a conversation -> the chat template's prompt -> generation
 *   results.c    the answers' storage
 */
#ifndef HFGIT_TASK_TASK_H
#define HFGIT_TASK_TASK_H

#include <stdbool.h>

#include "hfgit.h"

struct hfgit_pipeline {
	hfgit_task task;
	hfgit_model *model;
	hfgit_tokenizer *tok;
	bool owns;         /* model and tokenizer are the pipeline's own (from_pretrained) */
	size_t max_length; /* 0: no limit known */
	long long pad_id;  /* the id padded positions get (masked out anyway) */
	bool token_types;  /* the architecture takes token_type_ids (BERT) */
};

/* One answer and the memory it points into. */
typedef struct {
	hfgit_result pub;
	int32_t *ids;
	hfgit_label_score *labels;
	float *embeddings, *pooled;
	char *text;
	int64_t *generated;
	char *prompt;       /* chat: the rendered conversation */
} task_item;

struct hfgit_results {
	task_item *items;
	size_t n;
};

int hfgit_task__results_new(hfgit_results **out, size_t n);

/* A batch of encoded texts, padded to one length. */
typedef struct {
	size_t n, seq_len;
	int64_t *ids, *mask, *types; /* [n, seq_len]; types NULL when all zero */
	size_t *lens;                /* the real tokens of each row */
} task_batch;

/* How texts become a batch. */
typedef struct {
	size_t first;   /* the number of the first text, for messages */
	size_t reserve; /* positions kept free for the new tokens of generation */
	bool left;      /* pad on the left (generation) */
	bool special;   /* add the tokenizer's special tokens (not for a rendered chat prompt,
	                 * whose template wrote them: transformers' add_special_tokens=False) */
	bool whole;     /* refuse a text longer than the model takes instead of truncating it
	                 * (a chat prompt: its end is where the answer starts) */
} task_encode;

/*
 * Encode texts[0..n) into `batch`, truncating each to p->max_length (`how->reserve` fewer)
 * with a warning. Each item gets its input ids and the truncation it had.
 */
int hfgit_task__batch_encode(task_batch *batch, hfgit_pipeline *p, const char *const *texts,
                             const size_t *lens, size_t n, const task_encode *how,
                             const hfgit_run_options *o, task_item *items);
void hfgit_task__batch_dispose(task_batch *batch);

/* Calls o->on_warning about input `input` with a formatted message (when there is one). */
void hfgit_task__warn(const hfgit_run_options *o, size_t input, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* logits [n, nlabels] (one row per item) -> each item's labels, best first. */
int hfgit_task__classify(task_item *items, size_t n, const float *logits, size_t nlabels,
                         const hfgit_config *cfg, const hfgit_run_options *o, size_t default_top_k);

/* last_hidden_state [n, seq_len, dim] -> embeddings and pooled vectors. */
int hfgit_task__features(task_item *items, const task_batch *b, const float *hidden, size_t dim,
                         hfgit_pooling pooling);

/*
 * The text of a generation as it grows: the prompt and the new tokens decoded together, the
 * continuation cut after the prompt's own decoding. emit hands `cb` the bytes not handed out
 * yet, up to a character still incomplete (all of it when `final`); with `out`, the whole
 * continuation (free() it).
 */
typedef struct {
	hfgit_tokenizer *tok;
	int *ids;           /* prompt then new tokens */
	size_t prompt, len, cap;
	size_t prompt_text; /* bytes of the prompt's own decoding */
	size_t printed;     /* bytes of the continuation handed out */
} task_stream;

int hfgit_task__stream_init(task_stream *s, hfgit_tokenizer *tok, const int32_t *prompt, size_t n,
                            size_t expect);
int hfgit_task__stream_push(task_stream *s, int64_t token);
int hfgit_task__stream_emit(task_stream *s, bool final, hfgit_text_cb cb, size_t index,
                            void *payload, char **out, size_t *out_len);
void hfgit_task__stream_dispose(task_stream *s);

int hfgit_task__generate(task_item *items, hfgit_pipeline *p, const task_batch *b, size_t first,
                         const hfgit_run_options *o);

/* Checks the versions and values of run options: 0, or HFGIT_EINVALID saying what is wrong. */
int hfgit_task__check_run_options(const hfgit_run_options *o);
/* Run the text task of `p` on inputs[first .. first + n) into r->items, each text encoded
 * with special tokens, or (`special` false: a chat prompt) as it is and never truncated. */
int hfgit_task__run_text(hfgit_results *r, hfgit_pipeline *p, const char *const *inputs,
                         const size_t *lens, size_t first, size_t n, bool special,
                         const hfgit_run_options *o);

int hfgit_task__image_classify(task_item *items, hfgit_pipeline *p, const char *const *paths,
                               size_t n, const hfgit_run_options *o);

#endif
