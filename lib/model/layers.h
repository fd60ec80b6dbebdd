/*
 * The parameter groups of torch.nn layers as transformers names them, declared through the
 * binder: every architecture is built from these.
 */
#ifndef HFGIT_MODEL_LAYERS_H
#define HFGIT_MODEL_LAYERS_H

#include <stdbool.h>

#include "hfgit.h"

/* nn.Linear: <name>.weight [out, in] and <name>.bias [out] when `bias`. */
int hfgit_layer__linear(hfgit_binder *b, const char *name, long long out, long long in, bool bias,
                        unsigned int flags);

/* nn.LayerNorm: <name>.weight and <name>.bias [dim] (legacy checkpoints: gamma and beta). */
int hfgit_layer__norm(hfgit_binder *b, const char *name, long long dim);

/* RMSNorm (Llama's, T5's): <name>.weight [dim], no bias. */
int hfgit_layer__norm_weight(hfgit_binder *b, const char *name, long long dim);

/* nn.Embedding: <name>.weight [count, dim]. */
int hfgit_layer__embedding(hfgit_binder *b, const char *name, long long count, long long dim);

/* transformers' Conv1D (GPT-2): <name>.weight [in, out], <name>.bias [out]; y = x W + b. */
int hfgit_layer__conv1d(hfgit_binder *b, const char *name, long long in, long long out);

#endif
