/*
 * The decoder step of the Llama family (llama.c), for the forward pass and for generation
 * (generate.c): T new tokens of each sequence against the cached keys and values of the past
 * ones. The cache is the one GPT-2 uses, its rows holding num_key_value_heads * head_dim.
 */
#ifndef HFGIT_FORWARD_LLAMA_H
#define HFGIT_FORWARD_LLAMA_H

#include "forward/gpt2.h"

int hfgit_llama__cache_init(hfgit_kv_cache *c, hfgit_runner *r, size_t batch, size_t cap,
                           hfgit_arena *a);

/* As hfgit_gpt2__step: ids, positions and mask [batch, t]; `hidden` gets the final norm's
 * output [batch * t, hidden_size]. */
int hfgit_llama__step(hfgit_runner *r, hfgit_kv_cache *c, const int64_t *ids,
                     const int64_t *positions, const int64_t *mask, size_t t, float *hidden,
                     hfgit_arena *a, const hfgit_forward_inputs *in, hfgit_outputs *out);

int hfgit_llama__logits(hfgit_runner *r, float *logits, const float *hidden, size_t ld,
                       size_t rows);

/* vocab_size, the longest sequence the runner takes (0: no limit), hidden_size. */
void hfgit_llama__dims(hfgit_runner *r, long long *vocab, long long *positions, long long *hidden);

#endif
