/*
 * The encoder layer BERT, DistilBERT and ViT share: self-attention with separate query, key
 * and value projections, an output projection, and a two-layer MLP, with the LayerNorms
 * after each residual (BERT, DistilBERT) or before each block (ViT).
 */
#ifndef HFGIT_FORWARD_ENCODER_H
#define HFGIT_FORWARD_ENCODER_H

#include "forward/forward.h"

typedef struct {
	hfgit_linear q, k, v, o, up, down;
	hfgit_norm norm1, norm2; /* post-LN: after attention, after the MLP; pre-LN: before them */
} hfgit_encoder_layer;

typedef struct {
	size_t batch, seq, hidden, heads, intermediate;
	float eps;
	hfgit_activation act;
	bool pre_norm;  /* ViT */
	bool prescale_q; /* DistilBERT divides q by sqrt(head_dim) before q.k (rounding differs) */
	const int64_t *mask; /* [batch, seq] or NULL */
} hfgit_encoder_shape;

typedef struct {
	float *q, *k, *v, *ctx, *tmp, *up, *scratch;
} hfgit_encoder_ws;

int hfgit_encoder__ws_alloc(hfgit_encoder_ws *ws, const hfgit_encoder_shape *s, hfgit_arena *a);

/* h [batch * seq, hidden] in place. */
int hfgit_encoder__layer_run(float *h, const hfgit_encoder_layer *l, const hfgit_encoder_shape *s,
                            hfgit_encoder_ws *ws);

/* Resolve the six linears (square attention ones with bias `qkv_bias`) and two norms, from
 * names relative to the layer "<prefix>" (e.g. "encoder.layer.3."). */
typedef struct {
	const char *q, *k, *v, *o, *up, *down, *norm1, *norm2;
} hfgit_encoder_names;

int hfgit_encoder__layer_get(hfgit_encoder_layer *l, hfgit_runner *r, const char *prefix,
                            const hfgit_encoder_names *names, size_t hidden, size_t intermediate,
                            bool qkv_bias);

#endif
