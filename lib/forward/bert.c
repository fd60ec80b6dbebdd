/*
 * BertModel and BertForSequenceClassification (transformers' modeling_bert): embeddings
 * (word + token type + absolute position, LayerNorm), post-LN encoder layers, the tanh
 * pooler on the first token, and a linear classifier on the pooled output.
 */
#include <stdlib.h>
#include <string.h>

#include "forward/encoder.h"

typedef struct {
	long long vocab, hidden, layers, heads, intermediate, positions, types;
	float eps;
	hfgit_activation act;
	const float *word, *position, *token_type;
	hfgit_norm norm;
	hfgit_encoder_layer *layer;
	bool pooler, classifier;
	hfgit_linear pool, cls;
} bert;

static void free_state(void *state)
{
	bert *b = state;

	if (b)
		free(b->layer);
	free(b);
}

static int prepare(hfgit_runner *r)
{
	static const hfgit_encoder_names names = {
		"attention.self.query", "attention.self.key", "attention.self.value",
		"attention.output.dense", "intermediate.dense", "output.dense",
		"attention.output.LayerNorm", "output.LayerNorm",
	};
	const char *position_type;
	double eps;
	long long i;
	bert *b;
	int rc;

	if (!(b = calloc(1, sizeof(*b))))
		return hfgit_error__oom();
	r->state = b;
	if ((rc = hfgit_runner__int(&b->vocab, r, "vocab_size")) < 0 ||
	    (rc = hfgit_runner__int(&b->hidden, r, "hidden_size")) < 0 ||
	    (rc = hfgit_runner__int(&b->layers, r, "num_hidden_layers")) < 0 ||
	    (rc = hfgit_runner__int(&b->heads, r, "num_attention_heads")) < 0 ||
	    (rc = hfgit_runner__int(&b->intermediate, r, "intermediate_size")) < 0 ||
	    (rc = hfgit_runner__int(&b->positions, r, "max_position_embeddings")) < 0 ||
	    (rc = hfgit_runner__int(&b->types, r, "type_vocab_size")) < 0 ||
	    (rc = hfgit_config_get_float(&eps, r->cfg, "layer_norm_eps")) < 0 ||
	    (rc = hfgit_config_get_string(&position_type, r->cfg, "position_embedding_type")) < 0 ||
	    (rc = hfgit_runner__activation(&b->act, r, "hidden_act", "hidden_act")) < 0)
		return rc;
	b->eps = (float)eps;
	if (strcmp(position_type, "absolute"))
		return hfgit_config_invalid(r->cfg, "position_embedding_type", "is \"%s\": relative "
		                            "position embeddings are not implemented by hfgit's forward "
		                            "pass, only \"absolute\"", position_type);
	if ((rc = hfgit_runner__refuse_flag(r, "is_decoder", "BERT as a decoder (causal mask)")) < 0 ||
	    (rc = hfgit_runner__refuse_flag(r, "add_cross_attention", "cross-attention")) < 0)
		return rc;
	if ((rc = hfgit_runner__table(&b->word, r, true, (size_t)(b->vocab * b->hidden),
	                             "embeddings.word_embeddings.weight")) < 0 ||
	    (rc = hfgit_runner__tensor(&b->position, r, true, (size_t)(b->positions * b->hidden),
	                              "embeddings.position_embeddings.weight")) < 0 ||
	    (rc = hfgit_runner__tensor(&b->token_type, r, true, (size_t)(b->types * b->hidden),
	                              "embeddings.token_type_embeddings.weight")) < 0 ||
	    (rc = hfgit_runner__norm(&b->norm, r, true, (size_t)b->hidden, "embeddings.LayerNorm")) < 0)
		return rc;
	if (!(b->layer = calloc((size_t)b->layers, sizeof(*b->layer))))
		return hfgit_error__oom();
	for (i = 0; i < b->layers; i++) {
		char prefix[48];

		snprintf(prefix, sizeof(prefix), "encoder.layer.%lld.", i);
		if ((rc = hfgit_encoder__layer_get(&b->layer[i], r, prefix, &names, (size_t)b->hidden,
		                                  (size_t)b->intermediate, true)) < 0)
			return rc;
	}
	/* A checkpoint without a pooler (from BertForMaskedLM, ...) gets none: transformers would
	 * initialize one at random, which means nothing. */
	b->pooler = hfgit_runner__has(r, true, "pooler.dense.weight");
	if (b->pooler && (rc = hfgit_runner__linear(&b->pool, r, true, (size_t)b->hidden,
	                                           (size_t)b->hidden, true, false,
	                                           "pooler.dense")) < 0)
		return rc;
	if (r->head == HFGIT_AUTO_SEQ_CLS) {
		size_t labels = hfgit_config_num_labels(r->cfg);

		if (!b->pooler)
			return hfgit_error__set(HFGIT_EINVALID, "%s: the checkpoint has no pooler, which "
			                       "BertForSequenceClassification classifies from",
			                       hfgit_model_dir(r->model));
		if (!hfgit_runner__has(r, false, "classifier.weight"))
			return hfgit_error__set(HFGIT_EINVALID, "%s: the checkpoint has no classifier "
			                       "(it is not a BertForSequenceClassification); run it as "
			                       "the base model (--auto base)", hfgit_model_dir(r->model));
		b->classifier = true;
		if ((rc = hfgit_runner__linear(&b->cls, r, false, (size_t)b->hidden, labels, true,
		                              false, "classifier")) < 0)
			return rc;
	}
	return 0;
}

static int forward(hfgit_runner *r, const hfgit_forward_inputs *in, hfgit_outputs *out,
                   hfgit_arena *a)
{
	const bert *b = r->state;
	const size_t B = in->batch, S = in->seq_len, H = (size_t)b->hidden, rows = B * S;
	hfgit_encoder_shape shape = {
		.batch = B, .seq = S, .hidden = H, .heads = (size_t)b->heads,
		.intermediate = (size_t)b->intermediate, .eps = b->eps, .act = b->act,
		.mask = in->attention_mask,
	};
	hfgit_encoder_ws ws;
	float *h, *pooled = NULL, *o;
	size_t row, i;
	long long l;
	int rc;

	if ((rc = hfgit_check__text(in, b->vocab, b->positions, b->types)) < 0)
		return rc;
	if (!(h = hfgit_arena__floats(a, rows * H)) || hfgit_encoder__ws_alloc(&ws, &shape, a) < 0)
		return HFGIT_ERROR;
	hfgit_runner__table_gather(r, h, b->word, in->input_ids, rows, H);
	for (row = 0; row < rows; row++) {
		const float *p = b->position + (row % S) * H,
			    *t = b->token_type +
		                 (in->token_type_ids ? (size_t)in->token_type_ids[row] : 0) * H;

		/* torch adds in this order: (word + token_type) + position */
		for (i = 0; i < H; i++)
			h[row * H + i] = (h[row * H + i] + t[i]) + p[i];
	}
	hfgit_norm__rows(h, h, NULL, rows, H, b->norm.gamma, b->norm.beta, b->eps);
	if ((rc = hfgit_outputs__hidden(out, in, 0, h, B, S, H)) < 0)
		return rc;
	for (l = 0; l < b->layers; l++) {
		if ((rc = hfgit_encoder__layer_run(h, &b->layer[l], &shape, &ws)) < 0 ||
		    (rc = hfgit_outputs__hidden(out, in, (size_t)l + 1, h, B, S, H)) < 0)
			return rc;
	}
	if (b->pooler) {
		if (!(pooled = hfgit_arena__floats(a, B * H)) ||
		    (rc = hfgit_linear__apply(&b->pool, pooled, H, h, S * H, B)) < 0)
			return HFGIT_ERROR;
		hfgit__tanh(pooled, B * H);
	}
	if (b->classifier) {
		if (!(o = hfgit_outputs__add(out, "logits", 2,
		                            (const long long[]){ (long long)B, (long long)b->cls.out })))
			return HFGIT_ERROR;
		return hfgit_linear__apply(&b->cls, o, b->cls.out, pooled, H, B);
	}
	if (!(o = hfgit_outputs__add(out, "last_hidden_state", 3,
	                            (const long long[]){ (long long)B, (long long)S, (long long)H })))
		return HFGIT_ERROR;
	memcpy(o, h, rows * H * sizeof(float));
	if (pooled) {
		if (!(o = hfgit_outputs__add(out, "pooler_output", 2,
		                            (const long long[]){ (long long)B, (long long)H })))
			return HFGIT_ERROR;
		memcpy(o, pooled, B * H * sizeof(float));
	}
	return 0;
}

const hfgit_runner_arch hfgit_run__bert = {
	.model_type = "bert",
	.prepare = prepare,
	.forward = forward,
	.free_state = free_state,
};
