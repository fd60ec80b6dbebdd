/*
 * GPT-2's decoder step, shared by the forward pass (gpt2.c) and generation (generate.c): run
 * T new tokens of each sequence against the keys and values of the past ones, which are kept
 * in a cache that grows by T.
 */
#ifndef HFGIT_FORWARD_GPT2_H
#define HFGIT_FORWARD_GPT2_H

#include "forward/forward.h"

typedef struct {
	size_t layers, batch, cap, hidden; /* room for cap tokens per sequence */
	size_t len;                        /* tokens cached so far */
	float *k, *v;                      /* [layers][batch][cap][hidden] */
	int64_t *mask;                     /* [batch][cap]: 0 for padding */
} hfgit_kv_cache;

int hfgit_kv__cache_init(hfgit_kv_cache *c, hfgit_runner *r, size_t batch, size_t cap,
                        hfgit_arena *a);

/*
 * ids, positions and mask are [batch, t]; mask may be NULL (all ones). `hidden` receives the
 * ln_f output [batch * t, hidden]. With `in` and `out`, hidden states are output as
 * transformers' output_hidden_states does.
 */
int hfgit_gpt2__step(hfgit_runner *r, hfgit_kv_cache *c, const int64_t *ids,
                    const int64_t *positions, const int64_t *mask, size_t t, float *hidden,
                    hfgit_arena *a, const hfgit_forward_inputs *in, hfgit_outputs *out);

/* The LM head (the word embeddings when tied) for `rows` rows of `hidden` (row stride ld). */
int hfgit_gpt2__logits(hfgit_runner *r, float *logits, const float *hidden, size_t ld,
                      size_t rows);

/* vocab_size, max positions, hidden size. */
void hfgit_gpt2__dims(hfgit_runner *r, long long *vocab, long long *positions, long long *hidden);

#endif
