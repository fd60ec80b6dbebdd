/*
 * The causal language models (gpt2.c, llama.c) as generation (generate.c) drives them: a
 * step runs T new tokens of each sequence against the keys and values of the past ones, kept
 * in a cache that grows by T. What their steps share lives in decoder.c: the cache, the key
 * mask of a step, and the forward pass, which is one step over the whole sequence.
 */
#ifndef HFGIT_FORWARD_DECODER_H
#define HFGIT_FORWARD_DECODER_H

#include "forward/forward.h"

typedef struct {
	size_t layers, batch, cap, width; /* room for cap tokens per sequence, width floats each */
	size_t len;                       /* tokens cached so far */
	float *k, *v;                     /* [layers][batch][cap][width] */
	uint16_t *kb, *vb;                /* the same in BF16, instead of k and v (cache_alloc) */
	int64_t *mask;                    /* [batch][cap]: 0 for padding */
} hfgit_kv_cache;

typedef struct {
	/* A cache for `batch` sequences of up to `cap` tokens, in `a`. */
	int (*cache_init)(hfgit_kv_cache *c, hfgit_runner *r, size_t batch, size_t cap,
	                  hfgit_arena *a);
	/* ids, positions and mask [batch, t]; mask may be NULL (all ones). `hidden` receives
	 * the final norm's output [batch * t, hidden size]. With `in` and `out`, hidden states
	 * are output as transformers' output_hidden_states does. */
	int (*step)(hfgit_runner *r, hfgit_kv_cache *c, const int64_t *ids,
	            const int64_t *positions, const int64_t *mask, size_t t, float *hidden,
	            hfgit_arena *a, const hfgit_forward_inputs *in, hfgit_outputs *out);
	/* The LM head for `rows` rows of `hidden` (row stride ld). */
	int (*logits)(hfgit_runner *r, float *logits, const float *hidden, size_t ld, size_t rows);
	/* vocab_size, the longest sequence the model takes (0: no limit), hidden size. */
	void (*dims)(hfgit_runner *r, long long *vocab, long long *positions, long long *hidden);
} hfgit_decoder;

extern const hfgit_decoder hfgit_gpt2__decoder;
extern const hfgit_decoder hfgit_llama__decoder;

/* Room in `a` for `layers` layers of keys and values of `width` values per token: F32 in k
 * and v, or with `bf16` BF16 in kb and vb (for a model whose products round their inputs to
 * BF16 anyway: the cache holds what they read, in half the memory). */
int hfgit_decoder__cache_alloc(hfgit_kv_cache *c, size_t layers, size_t batch, size_t cap,
                               size_t width, bool bf16, hfgit_arena *a);

/* Records the mask of a step's t new tokens in the cache (NULL: all ones) and returns the key
 * mask of the step, [batch][len + t], in `a` (NULL when out of memory). */
int64_t *hfgit_decoder__keys(hfgit_kv_cache *c, const int64_t *mask, size_t t, hfgit_arena *a);

/* The forward pass of a decoder's model: one step over the sequences of `in` from an empty
 * cache, with positions 0..S-1 (GPT2Model's and LlamaModel's defaults, padded or not); then
 * "logits" when `lm`, else "last_hidden_state". The caller has checked `in`. */
int hfgit_decoder__forward(const hfgit_decoder *d, hfgit_runner *r,
                           const hfgit_forward_inputs *in, hfgit_outputs *out, hfgit_arena *a,
                           bool lm);

#endif
