/*
 * Multi-head scaled dot-product attention over row-major [tokens, hidden] activations: F32,
 * or with BF16 products (the keys and values stored as BF16) for models whose linear layers
 * multiply in BF16 (hlinear.h).
 */
#ifndef HFGIT_TENSOR_ATTENTION_H
#define HFGIT_TENSOR_ATTENTION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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

#endif
