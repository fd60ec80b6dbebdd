/*
 * The element-wise and row-wise pieces of a transformer, F32, in place where they can be:
 * LayerNorm, the activations transformers names in its configs, softmax, residual adds, and
 * multi-head attention over row-major [tokens, hidden] activations. Parallel over rows
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

/* x[r] = LayerNorm(x[r] (+ residual[r])) over rows of `dim`; `residual` may be NULL.
 * Biased variance, eps inside the square root, as torch.nn.LayerNorm. y may be x. */
void hfgit_norm__rows(float *y, const float *x, const float *residual, size_t rows, size_t dim,
                      const float *gamma, const float *beta, float eps);

/* gate = silu(gate) * up, n elements: the SwiGLU MLP's product before its down projection. */
void hfgit__swiglu(float *gate, const float *up, size_t n);

/* x += y, n elements. */
void hfgit__add(float *x, const float *y, size_t n);

/* x = tanh(x), n elements. */
void hfgit__tanh(float *x, size_t n);

/*
 * Multi-head scaled dot-product attention for a batch. For sequence b, queries are rows
 * q + b*q_batch (row stride q_ld, or ld when 0), keys and values rows k/v + b*kv_batch (row stride ld), head h
 * in columns [h*head_dim, (h+1)*head_dim). Scores are (q . k) * scale, then masked:
 * key j of sequence b is dropped when key_mask[b*kv_len + j] == 0 (key_mask may be NULL), and,
 * when causal, when j > i + kv_len - q_len for query i. The context goes to ctx (rows of
 * ctx_ld, q_len rows per sequence).
 * A query whose keys are all masked gets the mean of its values (as softmax over equal
 * scores gives in torch); such positions are padding, whose outputs mean nothing.
 * `scratch` holds hfgit_attention__scratch() floats.
 */
typedef struct {
	size_t batch, q_len, kv_len, heads, head_dim, ld, q_ld, ctx_ld;
	size_t q_batch, kv_batch; /* elements between sequences */
	float scale;
	bool causal;
	const int64_t *key_mask;
	/* Grouped-query attention: heads / kv_heads query heads share each key/value head
	 * (head h reads kv head h / (heads / kv_heads)); 0 means kv_heads = heads. */
	size_t kv_heads;
} hfgit_attention_shape;

size_t hfgit_attention__scratch(const hfgit_attention_shape *s);
int hfgit__attention(float *ctx, const float *q, const float *k, const float *v,
                    const hfgit_attention_shape *s, float *scratch);

/* Half-precision bits to F32, exactly. */
void hfgit_f16__to_f32(float *out, const uint16_t *in, size_t n);
void hfgit_bf16__to_f32(float *out, const uint16_t *in, size_t n);

#endif
