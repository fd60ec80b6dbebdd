/*
 * The element-wise and row-wise pieces of a transformer, F32, in place where they can be:
 * LayerNorm, the activations transformers names in its configs and residual adds, over
 * row-major [tokens, hidden] activations (attention is attention.h). Parallel over rows
 * (OpenMP, hfgit__threads()).
 */
#ifndef HFGIT_TENSOR_OPS_H
#define HFGIT_TENSOR_OPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* transformers' ACT2FN names (activations.py). */
typedef enum {
	HFGIT_ACT_GELU,        /* "gelu": exact, with erf */
	HFGIT_ACT_GELU_NEW,    /* "gelu_new", "gelu_pytorch_tanh": the tanh approximation */
	HFGIT_ACT_GELU_FAST,   /* "gelu_fast" */
	HFGIT_ACT_QUICK_GELU,  /* "quick_gelu": x sigmoid(1.702 x) */
	HFGIT_ACT_RELU,
	HFGIT_ACT_SILU,        /* "silu", "swish" */
	HFGIT_ACT_TANH,
} hfgit_activation;

/* false for a name hfgit does not implement (the caller names the config field). */
bool hfgit_activation__parse(hfgit_activation *out, const char *name);
/* The names hfgit_activation__parse knows, for the message. */
const char *hfgit_activation__names(void);

void hfgit__activate(float *x, size_t n, hfgit_activation act);
/* y[r][0..n) += bias (when not NULL), then *act (when not NULL), for rows r of stride ldy,
 * on this thread: the end of a product, on a block still in the cache. */
void hfgit__bias_activate_rows(float *y, size_t ldy, size_t rows, size_t n, const float *bias,
                               const hfgit_activation *act);

/* x[r] = LayerNorm(x[r] (+ residual[r])) over rows of `dim`; `residual` may be NULL.
 * Biased variance, eps inside the square root, as torch.nn.LayerNorm. y may be x. */
void hfgit_norm__rows(float *y, const float *x, const float *residual, size_t rows, size_t dim,
                      const float *gamma, const float *beta, float eps);

/* gate = silu(gate) * up, n elements: the SwiGLU MLP's product before its down projection. */
void hfgit__swiglu(float *gate, const float *up, size_t n);
/* The same on rows of n values, each result row then rounded to BF16 into out (rows of ldo):
 * the input of a BF16 product. */
void hfgit__swiglu_bf16(uint16_t *out, size_t ldo, float *gate, const float *up, size_t rows,
                       size_t n);

/* x += y, n elements. */
void hfgit__add(float *x, const float *y, size_t n);

/* x = tanh(x), n elements. */
void hfgit__tanh(float *x, size_t n);

/* Half-precision bits to F32, exactly. */
void hfgit_f16__to_f32(float *out, const uint16_t *in, size_t n);
void hfgit_bf16__to_f32(float *out, const uint16_t *in, size_t n);

#endif
