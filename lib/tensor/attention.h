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
 * `scratch` holds hfgit_attention__scratch() floats: one query's scores; many queries run on
 * per-thread buffers (scratch.h).
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
	/* q, k and v head-major instead (hfgit_linear__apply_heads; F32, many queries, no
	 * grouped-query attention): the batch * q_len query rows of head h are a dense block at
	 * q + h * batch * q_len * head_dim, the keys and values likewise with kv_len; ld, q_ld,
	 * q_batch and kv_batch are then not used. */
	bool head_major;
} hfgit_attention_shape;

size_t hfgit_attention__scratch(const hfgit_attention_shape *s);
int hfgit__attention(float *ctx, const float *q, const float *k, const float *v,
                    const hfgit_attention_shape *s, float *scratch);

/* The same with BF16 products: q rounded to BF16, k and v BF16 (rows of ld elements, as
 * above), the probabilities rounded to BF16 before their product with v, sums in F32: what
 * torch computes with BF16 inputs upcast, up to the order of the sums. Needs the CPU's BF16
 * products (hfgit_matmul__bf16()); head_dim at most HFGIT_ATTENTION_MAX_HEAD_DIM. Many
 * queries run on hfgit's workers, a single one (a decode step) on the calling thread; the
 * buffers are the threads' own (scratch.h). */
#define HFGIT_ATTENTION_MAX_HEAD_DIM 512
int hfgit__attention_bf16(float *ctx, const float *q, const uint16_t *k, const uint16_t *v,
                         const hfgit_attention_shape *s);

#endif
