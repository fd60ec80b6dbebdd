/* Running a model: forward passes and generation. */
#ifndef HFGIT_FORWARD_H
#define HFGIT_FORWARD_H

#include "hfgit/common.h"
#include "hfgit/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Running a model: forward passes and generation -------------------------------------- */

/*
 * The inputs of one forward pass, as transformers' model(**inputs) takes them: a batch of
 * token sequences, all padded to seq_len (attention_mask marks the real tokens), or a batch
 * of images. The arrays are row-major and borrowed for the call.
 *
 *     hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
 *     int64_t ids[] = { 101, 7592, 102 };
 *     hfgit_outputs *out;
 *
 *     in.batch = 1, in.seq_len = 3, in.input_ids = ids;
 *     if (hfgit_model_forward(&out, model, &in) == 0) {
 *         const hfgit_output *h = hfgit_outputs_find(out, "last_hidden_state");
 *         ... h->data[(b * h->shape[1] + t) * h->shape[2] + i] ...
 *         hfgit_outputs_free(out);
 *     }
 */
typedef struct {
	unsigned int version;
	size_t batch;                  /* sequences or images, at least 1 */
	size_t seq_len;                /* tokens per sequence (text models) */
	const int64_t *input_ids;      /* [batch, seq_len] */
	const int64_t *attention_mask; /* [batch, seq_len] of 0 and 1; NULL: all ones */
	const int64_t *token_type_ids; /* [batch, seq_len]; NULL: zeros (BERT, GPT-2) */
	const float *pixel_values;     /* [batch, channels, height, width] (ViT), normalized */
	size_t channels, height, width;
	/* 1: also output "hidden_states.0" (the embeddings) to "hidden_states.<num_layers>", as
	 * transformers' output_hidden_states=True gives them */
	int output_hidden_states;
} hfgit_forward_inputs;

#define HFGIT_FORWARD_INPUTS_VERSION 1
#define HFGIT_FORWARD_INPUTS_INIT { HFGIT_FORWARD_INPUTS_VERSION }

#define HFGIT_OUTPUT_MAX_DIMS 4

/* One named F32 output: "last_hidden_state" [batch, seq, hidden], "pooler_output"
 * [batch, hidden], "logits" [batch, num_labels] or [batch, seq, vocab]. Row-major. Values at
 * padded positions (attention_mask 0) are unspecified, as in transformers. */
typedef struct {
	const char *name;
	size_t ndim;
	long long shape[HFGIT_OUTPUT_MAX_DIMS];
	size_t numel;
	const float *data;
} hfgit_output;

typedef struct hfgit_outputs hfgit_outputs;

/*
 * Run the model on `inputs`. The outputs are those of the class built
 * (hfgit_model_class): BertModel gives last_hidden_state and, when the checkpoint has a pooler,
 * pooler_output; the *ForSequenceClassification and *ForImageClassification classes give
 * logits; GPT2LMHeadModel and the Llama/Mistral/Qwen2 causal LMs give logits for every
 * position. Computation is F32 on the CPU; F16/BF16 weights are converted to F32 once, on the
 * first call (memory: 4 bytes per parameter beside the mapped file), F32 safetensors are used
 * in place, except that the second call packs the F32 nn.Linear matrices of BERT, DistilBERT
 * and ViT into the layout the matrix kernels read and gives their pages of the mapping back
 * (memory stays at the file's size; that call takes longer); the Llama family reads
 * its F16/BF16 matrices in place, widening them as it goes.
 *
 * Errors (HFGIT_EINVALID) name what is wrong: an id outside the vocabulary, a sequence longer
 * than max_position_embeddings, a mask value other than 0 and 1, an image size other than the
 * config's, and the config fields hfgit does not implement (an unknown activation,
 * position_embedding_type other than "absolute", is_decoder, add_cross_attention).
 *
 * Thread safety: a model may run forward passes from several threads at once (each call has
 * its own workspace); the model must outlive the calls. Each call uses hfgit_compute_threads.
 */
HFGIT_EXTERN int hfgit_model_forward(hfgit_outputs **out, hfgit_model *model,
                                     const hfgit_forward_inputs *inputs);
HFGIT_EXTERN size_t hfgit_outputs_count(const hfgit_outputs *outputs);
HFGIT_EXTERN const hfgit_output *hfgit_outputs_at(const hfgit_outputs *outputs, size_t i);
/* The output called `name`, or NULL. Valid until hfgit_outputs_free. */
HFGIT_EXTERN const hfgit_output *hfgit_outputs_find(const hfgit_outputs *outputs,
                                                    const char *name);
HFGIT_EXTERN void hfgit_outputs_free(hfgit_outputs *outputs);

/* Threads for forward passes (process-wide; 0: the CPUs the process may run on, as
 * sched_getaffinity reports them). Returns the count now in effect. The kernels run on hfgit's
 * own worker threads, which sleep after 200 us without work (OpenMP's keep spinning, which costs
 * much on cores shared with other busy processes); oneDNN runs on one thread inside each. A forward pass
 * sets the calling thread's OpenMP thread count to 1 for its duration and restores it. */
HFGIT_EXTERN int hfgit_compute_threads_set(int threads);

/* Called with each new token of sequence `sequence`; non-zero stops the generation (it then
 * fails with HFGIT_EINTERRUPTED, the tokens so far kept in the result). */
typedef int (*hfgit_token_cb)(size_t sequence, int64_t token, void *payload);

#define HFGIT_EOS_FROM_CONFIG (-1) /* config.json's eos_token_id (none when absent) */
#define HFGIT_EOS_NONE (-2)        /* never stop early */

typedef struct {
	unsigned int version;
	size_t max_new_tokens;  /* at most this many tokens per sequence (default 20) */
	int do_sample;          /* 0: greedy (argmax); 1: sample, after temperature/top_k/top_p */
	float temperature;      /* > 0; default 1 */
	size_t top_k;           /* keep the k most likely tokens; 0: all */
	float top_p;            /* keep the smallest set of tokens with this much probability; 1: all */
	unsigned long long seed; /* of hfgit's own generator (not torch's: samples differ from it) */
	long long eos_token_id; /* stop a sequence at this token; HFGIT_EOS_FROM_CONFIG, _NONE */
	int no_cache;           /* 1: recompute the whole sequence at every step, no KV cache
	                         * (same tokens, slower: for checking) */
	hfgit_token_cb on_token;
	void *payload;
	/* > 1 makes tokens already in the sequence (prompt included) less likely, as
	 * transformers' RepetitionPenaltyLogitsProcessor: their positive logits divided by it,
	 * negative ones multiplied; applied before sampling, greedy or not. 0 or 1: none. */
	float repetition_penalty;
} hfgit_generate_options;

#define HFGIT_GENERATE_OPTIONS_VERSION 1
#define HFGIT_GENERATE_OPTIONS_INIT { HFGIT_GENERATE_OPTIONS_VERSION, 20, 0, 1.0f, 0, 1.0f, 0, \
	HFGIT_EOS_FROM_CONFIG }

typedef struct hfgit_generation hfgit_generation;

/*
 * Fill `opts` (initialized with HFGIT_GENERATE_OPTIONS_INIT) with the defaults the model's
 * generation_config.json sets, as transformers' generate() takes them: do_sample,
 * temperature, top_k (50 when absent, GenerationConfig's default), top_p,
 * repetition_penalty, max_new_tokens. Fields the file lacks keep their values; no file is
 * not an error. The end-of-sequence ids (eos_token_id = HFGIT_EOS_FROM_CONFIG) are read from
 * the same file, an int or a list, at generation, else from config.json.
 */
HFGIT_EXTERN int hfgit_generate_options_from_model(hfgit_generate_options *opts,
                                                   const hfgit_model *model);

/*
 * Continue each sequence of `inputs` (input_ids and, for a batch of different lengths, an
 * attention_mask with the padding on the left, as transformers wants it for generation) with a
 * causal language model (GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM), keeping the keys and values of past tokens (KV cache). A sequence ends
 * at an eos id (included; with HFGIT_EOS_FROM_CONFIG any of generation_config.json's or
 * config.json's) or after max_new_tokens. Same thread
 * safety as hfgit_model_forward.
 */
HFGIT_EXTERN int hfgit_model_generate(hfgit_generation **out, hfgit_model *model,
                                      const hfgit_forward_inputs *inputs,
                                      const hfgit_generate_options *opts);
HFGIT_EXTERN size_t hfgit_generation_count(const hfgit_generation *g);
/* The new tokens of sequence i (the prompt not included) and their number. */
HFGIT_EXTERN const int64_t *hfgit_generation_tokens(const hfgit_generation *g, size_t i,
                                                    size_t *len);
HFGIT_EXTERN void hfgit_generation_free(hfgit_generation *g);

/*
 * Read a numpy .npy file of little-endian float32 in C order (numpy.save of a float32 array)
 * into *data (free() it), its shape into shape[0 .. *ndim). HFGIT_EINVALID, naming the
 * problem, for another dtype, Fortran order, more than max_dims dimensions or a size that
 * does not match the shape.
 */
HFGIT_EXTERN int hfgit_npy_read_f32(float **data, size_t *ndim, long long *shape,
                                    size_t max_dims, const char *path);

#ifdef __cplusplus
}
#endif

#endif
