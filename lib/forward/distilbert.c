/*
 * DistilBertModel and DistilBertForSequenceClassification (transformers' modeling_distilbert):
 * word + position embeddings, LayerNorm with eps fixed at 1e-12 (the config has no field for
 * it), post-LN layers whose attention divides q by sqrt(head_dim) before q.k, and a head of
 * pre_classifier, ReLU and classifier on the first token (no tanh pooler).
 */
#include <stdlib.h>
#include <string.h>

#include "forward/encoder.h"

#define DISTILBERT_EPS 1e-12f

typedef struct {
	long long vocab, hidden, layers, heads, intermediate, positions;
	hfgit_activation act;
	const float *word, *position;
	hfgit_norm norm;
	hfgit_encoder_layer *layer;
	bool classifier;
	hfgit_linear pre, cls;
} distilbert;

static void free_state(void *state)
{
	distilbert *d = state;

	if (d)
		free(d->layer);
	free(d);
}

static int prepare(hfgit_runner *r)
{
	static const hfgit_encoder_names names = {
		"attention.q_lin", "attention.k_lin", "attention.v_lin", "attention.out_lin",
		"ffn.lin1", "ffn.lin2", "sa_layer_norm", "output_layer_norm",
	};
	distilbert *d;
	long long i;
	int rc;

	if (!(d = calloc(1, sizeof(*d))))
		return hfgit_error__oom();
	r->state = d;
	if ((rc = hfgit_runner__int(&d->vocab, r, "vocab_size")) < 0 ||
	    (rc = hfgit_runner__int(&d->hidden, r, "hidden_size")) < 0 ||
	    (rc = hfgit_runner__int(&d->layers, r, "num_hidden_layers")) < 0 ||
	    (rc = hfgit_runner__int(&d->heads, r, "num_attention_heads")) < 0 ||
	    (rc = hfgit_runner__int(&d->intermediate, r, "intermediate_size")) < 0 ||
	    (rc = hfgit_runner__int(&d->positions, r, "max_position_embeddings")) < 0 ||
	    (rc = hfgit_runner__activation(&d->act, r, "hidden_act", "activation")) < 0)
		return rc;
	/* sinusoidal_pos_embds only initializes position_embeddings; the checkpoint's table
	 * (which the binder requires) is what transformers uses after loading. */
	if ((rc = hfgit_runner__table(&d->word, r, true, (size_t)(d->vocab * d->hidden),
	                             "embeddings.word_embeddings.weight")) < 0 ||
	    (rc = hfgit_runner__tensor(&d->position, r, true, (size_t)(d->positions * d->hidden),
	                              "embeddings.position_embeddings.weight")) < 0 ||
	    (rc = hfgit_runner__norm(&d->norm, r, true, (size_t)d->hidden, "embeddings.LayerNorm")) < 0)
		return rc;
	if (!(d->layer = calloc((size_t)d->layers, sizeof(*d->layer))))
		return hfgit_error__oom();
	for (i = 0; i < d->layers; i++) {
		char prefix[48];

		snprintf(prefix, sizeof(prefix), "transformer.layer.%lld.", i);
		if ((rc = hfgit_encoder__layer_get(&d->layer[i], r, prefix, &names, (size_t)d->hidden,
		                                  (size_t)d->intermediate, true)) < 0)
			return rc;
	}
	if (r->head == HFGIT_AUTO_SEQ_CLS) {
		if (!hfgit_runner__has(r, false, "classifier.weight"))
			return hfgit_error__set(HFGIT_EINVALID, "%s: the checkpoint has no classifier "
			                       "(it is not a DistilBertForSequenceClassification); run it "
			                       "as the base model (--auto base)",
			                       hfgit_model_dir(r->model));
		d->classifier = true;
		if ((rc = hfgit_runner__linear(&d->pre, r, false, (size_t)d->hidden, (size_t)d->hidden,
		                              true, false, "pre_classifier")) < 0 ||
		    (rc = hfgit_runner__linear(&d->cls, r, false, (size_t)d->hidden,
		                              hfgit_config_num_labels(r->cfg), true, false,
		                              "classifier")) < 0)
			return rc;
	}
	return 0;
}

static int forward(hfgit_runner *r, const hfgit_forward_inputs *in, hfgit_outputs *out,
                   hfgit_arena *a)
{
	const distilbert *d = r->state;
	const size_t B = in->batch, S = in->seq_len, H = (size_t)d->hidden, rows = B * S;
	hfgit_encoder_shape shape = {
		.batch = B, .seq = S, .hidden = H, .heads = (size_t)d->heads,
		.intermediate = (size_t)d->intermediate, .eps = DISTILBERT_EPS, .act = d->act,
		.prescale_q = true, .mask = in->attention_mask,
	};
	hfgit_encoder_ws ws;
	float *h, *pooled, *o;
	size_t row, i;
	long long l;
	int rc;

	if (in->token_type_ids)
		return hfgit_error__set(HFGIT_EINVALID, "DistilBERT takes no token_type_ids");
	if ((rc = hfgit_check__text(in, d->vocab, d->positions, 0)) < 0)
		return rc;
	if (!(h = hfgit_arena__floats(a, rows * H)) || hfgit_encoder__ws_alloc(&ws, &shape, a) < 0)
		return HFGIT_ERROR;
	hfgit_runner__table_gather(r, h, d->word, in->input_ids, rows, H);
	for (row = 0; row < rows; row++) {
		const float *p = d->position + (row % S) * H;

		for (i = 0; i < H; i++)
			h[row * H + i] += p[i];
	}
	hfgit_norm__rows(h, h, NULL, rows, H, d->norm.gamma, d->norm.beta, DISTILBERT_EPS);
	if ((rc = hfgit_outputs__hidden(out, in, 0, h, B, S, H)) < 0)
		return rc;
	for (l = 0; l < d->layers; l++) {
		if ((rc = hfgit_encoder__layer_run(h, &d->layer[l], &shape, &ws)) < 0 ||
		    (rc = hfgit_outputs__hidden(out, in, (size_t)l + 1, h, B, S, H)) < 0)
			return rc;
	}
	if (d->classifier) {
		if (!(pooled = hfgit_arena__floats(a, B * H)) ||
		    (rc = hfgit_linear__apply(&d->pre, pooled, H, h, S * H, B)) < 0)
			return HFGIT_ERROR;
		hfgit__activate(pooled, B * H, HFGIT_ACT_RELU);
		if (!(o = hfgit_outputs__add(out, "logits", 2,
		                            (const long long[]){ (long long)B, (long long)d->cls.out })))
			return HFGIT_ERROR;
		return hfgit_linear__apply(&d->cls, o, d->cls.out, pooled, H, B);
	}
	if (!(o = hfgit_outputs__add(out, "last_hidden_state", 3,
	                            (const long long[]){ (long long)B, (long long)S, (long long)H })))
		return HFGIT_ERROR;
	memcpy(o, h, rows * H * sizeof(float));
	return 0;
}

const hfgit_runner_arch hfgit_run__distilbert = {
	.model_type = "distilbert",
	.prepare = prepare,
	.forward = forward,
	.free_state = free_state,
};
