/*
 * GPT2Model and GPT2LMHeadModel (transformers' modeling_gpt2): word + position embeddings,
 * pre-LN blocks whose projections are Conv1D (weights [in, out], used as stored), causal
 * attention scaled by 1/sqrt(head_dim) (scale_attn_weights) and 1/(layer + 1)
 * (scale_attn_by_inverse_layer_idx), a final ln_f, and logits through the word embeddings
 * (tied lm_head).
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "forward/decoder.h"

typedef struct {
	hfgit_norm ln1, ln2;
	hfgit_linear attn, proj, fc, out;
} block;

typedef struct {
	long long vocab, hidden, layers, heads, inner, positions;
	float eps;
	hfgit_activation act;
	int scale, inverse_layer;
	const float *wte, *wpe;
	block *block;
	hfgit_norm ln_f;
	bool lm;
	hfgit_linear head; /* [vocab, hidden] */
} gpt2;

static void free_state(void *state)
{
	gpt2 *g = state;

	if (g)
		free(g->block);
	free(g);
}

static int read_bool(int *out, hfgit_runner *r, const char *key, int fallback)
{
	int rc = hfgit_config_get_bool(out, r->cfg, key);

	if (rc == HFGIT_ENOTFOUND) {
		*out = fallback;
		hfgit_error__clear();
		return 0;
	}
	return rc;
}

static int prepare(hfgit_runner *r)
{
	double eps;
	long long i;
	gpt2 *g;
	int rc;

	if (!(g = calloc(1, sizeof(*g))))
		return hfgit_error__oom();
	r->state = g;
	if (r->head == HFGIT_AUTO_SEQ_CLS)
		return hfgit_error__set(HFGIT_EINVALID, "GPT2ForSequenceClassification has no forward "
		                       "pass in hfgit yet; run it as GPT2Model (--auto base)");
	if ((rc = hfgit_runner__int(&g->vocab, r, "vocab_size")) < 0 ||
	    (rc = hfgit_runner__int(&g->hidden, r, "hidden_size")) < 0 ||
	    (rc = hfgit_runner__int(&g->layers, r, "num_hidden_layers")) < 0 ||
	    (rc = hfgit_runner__int(&g->heads, r, "num_attention_heads")) < 0 ||
	    (rc = hfgit_runner__int(&g->inner, r, "intermediate_size")) < 0 ||
	    (rc = hfgit_runner__int(&g->positions, r, "max_position_embeddings")) < 0 ||
	    (rc = hfgit_config_get_float(&eps, r->cfg, "layer_norm_eps")) < 0 ||
	    (rc = hfgit_runner__activation(&g->act, r, "hidden_act", "activation_function")) < 0 ||
	    (rc = read_bool(&g->scale, r, "scale_attn_weights", 1)) < 0 ||
	    (rc = read_bool(&g->inverse_layer, r, "scale_attn_by_inverse_layer_idx", 0)) < 0 ||
	    (rc = hfgit_runner__refuse_flag(r, "add_cross_attention", "cross-attention")) < 0)
		return rc;
	g->eps = (float)eps;
	if ((rc = hfgit_runner__tensor(&g->wte, r, true, (size_t)(g->vocab * g->hidden),
	                              "wte.weight")) < 0 ||
	    (rc = hfgit_runner__tensor(&g->wpe, r, true, (size_t)(g->positions * g->hidden),
	                              "wpe.weight")) < 0 ||
	    (rc = hfgit_runner__norm(&g->ln_f, r, true, (size_t)g->hidden, "ln_f")) < 0)
		return rc;
	if (!(g->block = calloc((size_t)g->layers, sizeof(*g->block))))
		return hfgit_error__oom();
	for (i = 0; i < g->layers; i++) {
		const size_t H = (size_t)g->hidden, I = (size_t)g->inner;
		block *bl = &g->block[i];
		char name[64];

#define CONV(field, in, out, what)                                                           \
	(snprintf(name, sizeof(name), "h.%lld.%s", i, what),                                  \
	 hfgit_runner__linear(&bl->field, r, true, in, out, true, true, name))
#define NORM(field, what)                                                                    \
	(snprintf(name, sizeof(name), "h.%lld.%s", i, what),                                  \
	 hfgit_runner__norm(&bl->field, r, true, H, name))
		if ((rc = NORM(ln1, "ln_1")) < 0 || (rc = CONV(attn, H, 3 * H, "attn.c_attn")) < 0 ||
		    (rc = CONV(proj, H, H, "attn.c_proj")) < 0 || (rc = NORM(ln2, "ln_2")) < 0 ||
		    (rc = CONV(fc, H, I, "mlp.c_fc")) < 0 || (rc = CONV(out, I, H, "mlp.c_proj")) < 0)
			return rc;
#undef CONV
#undef NORM
	}
	if (r->head == HFGIT_AUTO_CAUSAL_LM) {
		g->lm = true;
		/* Tied, lm_head.weight is wte's data (the binder made it so). */
		if ((rc = hfgit_runner__linear(&g->head, r, false, (size_t)g->hidden,
		                              (size_t)g->vocab, false, false, "lm_head")) < 0)
			return rc;
	}
	return 0;
}

static void dims(hfgit_runner *r, long long *vocab, long long *positions, long long *hidden)
{
	const gpt2 *g = r->state;

	*vocab = g->vocab;
	*positions = g->positions;
	*hidden = g->hidden;
}

static int cache_init(hfgit_kv_cache *c, hfgit_runner *r, size_t batch, size_t cap,
                      hfgit_arena *a)
{
	const gpt2 *g = r->state;

	return hfgit_decoder__cache_alloc(c, (size_t)g->layers, batch, cap, (size_t)g->hidden,
	                                  false, a);
}

static int logits(hfgit_runner *r, float *out, const float *hidden, size_t ld, size_t rows)
{
	const gpt2 *g = r->state;

	return hfgit_linear__apply(&g->head, out, g->head.out, hidden, ld, rows);
}

static int step(hfgit_runner *r, hfgit_kv_cache *c, const int64_t *ids,
                const int64_t *positions, const int64_t *mask, size_t t, float *h,
                hfgit_arena *a, const hfgit_forward_inputs *in, hfgit_outputs *out)
{
	const gpt2 *g = r->state;
	const size_t B = c->batch, H = (size_t)g->hidden, I = (size_t)g->inner,
		     rows = B * t, kv = c->len + t, d = H / (size_t)g->heads;
	hfgit_attention_shape as = {
		.batch = B, .q_len = t, .kv_len = kv, .heads = (size_t)g->heads, .head_dim = d,
		.ld = H, .q_ld = 3 * H, .ctx_ld = H, .q_batch = t * 3 * H, .kv_batch = c->cap * H,
		.causal = true,
	};
	float *x, *qkv, *ctx, *tmp, *up, *scratch;
	size_t row, b, j, i;
	long long l;
	int rc;

	if (kv > c->cap)
		return hfgit_error__set(HFGIT_ERROR, "KV cache full");
	x = hfgit_arena__floats(a, rows * H);
	qkv = hfgit_arena__floats(a, rows * 3 * H);
	ctx = hfgit_arena__floats(a, rows * H);
	tmp = hfgit_arena__floats(a, rows * H);
	up = hfgit_arena__floats(a, rows * I);
	scratch = hfgit_arena__floats(a, hfgit_attention__scratch(&as));
	as.key_mask = hfgit_decoder__keys(c, mask, t, a);
	if (!x || !qkv || !ctx || !tmp || !up || !scratch || !as.key_mask)
		return HFGIT_ERROR;
	for (row = 0; row < rows; row++) {
		const float *w = g->wte + (size_t)ids[row] * H, *p = g->wpe + (size_t)positions[row] * H;

		for (i = 0; i < H; i++)
			h[row * H + i] = w[i] + p[i];
	}
	for (l = 0; l < g->layers; l++) {
		const block *bl = &g->block[l];
		float *ck = c->k + (size_t)l * B * c->cap * H, *cv = c->v + (size_t)l * B * c->cap * H;
		float scale = g->scale ? 1.0f / sqrtf((float)d) : 1.0f;

		if (in && (rc = hfgit_outputs__hidden(out, in, (size_t)l, h, B, t, H)) < 0)
			return rc;
		if (g->inverse_layer)
			scale /= (float)(l + 1);
		as.scale = scale;
		hfgit_norm__rows(x, h, NULL, rows, H, bl->ln1.gamma, bl->ln1.beta, g->eps);
		if ((rc = hfgit_linear__apply(&bl->attn, qkv, 3 * H, x, H, rows)) < 0)
			return rc;
		for (b = 0; b < B; b++) {
			for (j = 0; j < t; j++) {
				const float *src = qkv + (b * t + j) * 3 * H;
				size_t at = (b * c->cap + c->len + j) * H;

				memcpy(ck + at, src + H, H * sizeof(float));
				memcpy(cv + at, src + 2 * H, H * sizeof(float));
			}
		}
		if ((rc = hfgit__attention(ctx, qkv, ck, cv, &as, scratch)) < 0 ||
		    (rc = hfgit_linear__apply(&bl->proj, tmp, H, ctx, H, rows)) < 0)
			return rc;
		hfgit__add(h, tmp, rows * H);
		hfgit_norm__rows(x, h, NULL, rows, H, bl->ln2.gamma, bl->ln2.beta, g->eps);
		if ((rc = hfgit_linear__apply_act(&bl->fc, up, I, x, H, rows, g->act)) < 0)
			return rc;
		if ((rc = hfgit_linear__apply(&bl->out, tmp, H, up, I, rows)) < 0)
			return rc;
		hfgit__add(h, tmp, rows * H);
	}
	hfgit_norm__rows(h, h, NULL, rows, H, g->ln_f.gamma, g->ln_f.beta, g->eps);
	if (in && (rc = hfgit_outputs__hidden(out, in, (size_t)g->layers, h, B, t, H)) < 0)
		return rc;
	c->len += t;
	return 0;
}

const hfgit_decoder hfgit_gpt2__decoder = { cache_init, step, logits, dims };

static int forward(hfgit_runner *r, const hfgit_forward_inputs *in, hfgit_outputs *out,
                   hfgit_arena *a)
{
	const gpt2 *g = r->state;
	int rc;

	/* GPT-2 would add wte[token_type_ids]: rarely used, not implemented. */
	if (in->token_type_ids)
		return hfgit_error__set(HFGIT_EINVALID, "token_type_ids for GPT-2 are not implemented "
		                       "by hfgit's forward pass");
	if ((rc = hfgit_check__text(in, g->vocab, g->positions, 0)) < 0)
		return rc;
	return hfgit_decoder__forward(&hfgit_gpt2__decoder, r, in, out, a, g->lm);
}

const hfgit_runner_arch hfgit_run__gpt2 = {
	.model_type = "gpt2",
	.prepare = prepare,
	.forward = forward,
	.free_state = free_state,
};
