/*
 * The architectures hfgit builds in. Each file (arch_<model_type>.c) knows its config fields,
 * with transformers' defaults for those that do not change a shape, and declares its
 * parameters in the order of transformers' state_dict().
 */
#ifndef HFGIT_MODEL_ARCHITECTURES_H
#define HFGIT_MODEL_ARCHITECTURES_H

#include "hfgit.h"

extern const hfgit_architecture hfgit_arch__bert;
extern const hfgit_architecture hfgit_arch__distilbert;
extern const hfgit_architecture hfgit_arch__gpt2;
extern const hfgit_architecture hfgit_arch__vit;
extern const hfgit_architecture hfgit_arch__llama;
extern const hfgit_architecture hfgit_arch__mistral;
extern const hfgit_architecture hfgit_arch__qwen2;

/* The hyperparameters most architectures share, read back by their build functions. */
typedef struct {
	long long vocab_size, hidden_size, num_layers, num_heads, intermediate_size,
		max_positions;
} hfgit_arch_dims;

/* Read back what read_config recorded (it cannot fail after a successful read_config). */
int hfgit_arch__dims_get(hfgit_arch_dims *out, const hfgit_config *cfg);

/* The check every multi-head attention needs: the hidden size splits evenly over the heads. */
int hfgit_arch__check_heads(hfgit_config *cfg, const char *heads_key, long long heads,
                            const char *hidden_key, long long hidden);

#endif
