/*
 * LlamaModel / LlamaForCausalLM and their Mistral and Qwen2 siblings (transformers'
 * modeling_llama, modeling_mistral, modeling_qwen2): token embeddings, pre-norm decoder
 * layers of RMSNorm, grouped-query attention with rotary positions and SwiGLU MLP, a final
 * RMSNorm and the LM head. Weights stay as the checkpoint stores them (F32, BF16 or F16,
 * mapped from the file) and are read by hfgit_hlinear; activations and the KV cache are F32.
 */
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "forward/decoder.h"
#include "model/model.h"
#include "model/rope.h"
#include "tensor/hlinear.h"
#include "tensor/matmul.h"
#include "tensor/onednn.h"
#include "tensor/pool.h"
#include "tensor/scratch.h"

typedef struct {
	const float *in_norm, *post_norm;
	hfgit_hlinear q, k, v, o, gate, up, down;
} layer;

typedef struct {
	long long vocab, hidden, inter, layers, heads, kv_heads, head_dim, window;
	float eps;
	hfgit_rope rope;
	hfgit_hlinear embed; /* [vocab, hidden] */
	layer *layer;
	const float *norm;
	bool lm;
	hfgit_hlinear head;
	/* The projections multiply in BF16 (hlinear.h): so do attention's products, and the
	 * KV cache holds BF16. */
	bool bf16;
} llama;

static void free_state(void *state)
{
	llama *g = state;

	if (g)
		free(g->layer);
	free(g);
}

/* A weight of the checkpoint in its own dtype (F32, BF16, F16 are used where they are
 * mapped; F64 is converted once to F32). */
static int weight(hfgit_hlinear *out, hfgit_runner *r, bool base, size_t in, size_t outn,
                  bool bias, const char *name)
{
	char full[256];
	const hfgit_param *p;
	int rc;

	snprintf(full, sizeof(full), "%s%s.weight", base ? r->prefix : "", name);
	p = hfgit_model_param_find(r->model, full);
	out->in = in;
	out->out = outn;
	out->bias = NULL;
	if (p && p->data && p->numel == in * outn &&
	    (!strcmp(p->dtype, "BF16") || !strcmp(p->dtype, "F16"))) {
		out->weight = p->data;
		out->dtype = !strcmp(p->dtype, "BF16") ? HFGIT_WEIGHT_BF16 : HFGIT_WEIGHT_F16;
	} else {
		const float *w;

		if ((rc = hfgit_runner__tensor(&w, r, base, in * outn, "%s.weight", name)) < 0)
			return rc;
		out->weight = w;
		out->dtype = HFGIT_WEIGHT_F32;
	}
	if (bias && (rc = hfgit_runner__tensor(&out->bias, r, base, outn, "%s.bias", name)) < 0)
		return rc;
	return 0;
}

static int flag(int *out, hfgit_runner *r, const char *key)
{
	if (hfgit_config_get_bool(out, r->cfg, key) < 0) {
		hfgit_error__clear();
		*out = 0;
	}
	return 0;
}

static int prepare(hfgit_runner *r)
{
	const char *type = r->model->model_type, *act;
	int attn_bias = 0, mlp_bias = 0, qkv_bias, sliding = 0, rc;
	double eps;
	long long i;
	llama *g;

	if (!(g = calloc(1, sizeof(*g))))
		return hfgit_error__oom();
	r->state = g;
	if (r->head != HFGIT_AUTO_CAUSAL_LM && r->head != HFGIT_AUTO_BASE)
		return hfgit_error__set(HFGIT_EINVALID, "%s has no forward pass in hfgit yet; run it "
		                       "as the base model (--auto base) or the causal LM",
		                       r->model->class_name);
	if ((rc = hfgit_runner__int(&g->vocab, r, "vocab_size")) < 0 ||
	    (rc = hfgit_runner__int(&g->hidden, r, "hidden_size")) < 0 ||
	    (rc = hfgit_runner__int(&g->inter, r, "intermediate_size")) < 0 ||
	    (rc = hfgit_runner__int(&g->layers, r, "num_hidden_layers")) < 0 ||
	    (rc = hfgit_runner__int(&g->heads, r, "num_attention_heads")) < 0 ||
	    (rc = hfgit_runner__int(&g->kv_heads, r, "num_key_value_heads")) < 0 ||
	    (rc = hfgit_runner__int(&g->head_dim, r, "head_dim")) < 0 ||
	    (rc = hfgit_config_get_float(&eps, r->cfg, "rms_norm_eps")) < 0 ||
	    (rc = hfgit_config_get_string(&act, r->cfg, "hidden_act")) < 0 ||
	    (rc = hfgit_rope__read(&g->rope, r->cfg, (size_t)g->head_dim)) < 0)
		return rc;
	if (strcmp(act, "silu") && strcmp(act, "swish"))
		return hfgit_config_invalid(r->cfg, "hidden_act", "is \"%.40s\"; hfgit runs this "
		                            "architecture's MLP with silu", act);
	g->eps = (float)eps;
	flag(&attn_bias, r, "attention_bias");
	flag(&mlp_bias, r, "mlp_bias");
	qkv_bias = attn_bias;
	if (!strcmp(type, "mistral")) {
		attn_bias = mlp_bias = qkv_bias = 0;
		sliding = 1;
	} else if (!strcmp(type, "qwen2")) {
		attn_bias = mlp_bias = 0;
		qkv_bias = 1;
		flag(&sliding, r, "use_sliding_window");
	}
	if (sliding && hfgit_runner__int(&g->window, r, "sliding_window") < 0) {
		hfgit_error__clear();
		g->window = 0;
	}
	if ((rc = weight(&g->embed, r, true, (size_t)g->hidden, (size_t)g->vocab, false,
	                 "embed_tokens")) < 0 ||
	    (rc = hfgit_runner__tensor(&g->norm, r, true, (size_t)g->hidden, "norm.weight")) < 0)
		return rc;
	if (!(g->layer = calloc((size_t)g->layers, sizeof(*g->layer))))
		return hfgit_error__oom();
	for (i = 0; i < g->layers; i++) {
		const size_t H = (size_t)g->hidden, I = (size_t)g->inter,
			     Q = (size_t)(g->heads * g->head_dim), KV = (size_t)(g->kv_heads * g->head_dim);
		layer *l = &g->layer[i];
		char name[64];

#define W(field, in, out, bias, what)                                                        \
	(snprintf(name, sizeof(name), "layers.%lld.%s", i, what),                             \
	 weight(&l->field, r, true, in, out, bias, name))
		if ((rc = hfgit_runner__tensor(&l->in_norm, r, true, H,
		                              "layers.%lld.input_layernorm.weight", i)) < 0 ||
		    (rc = hfgit_runner__tensor(&l->post_norm, r, true, H,
		                              "layers.%lld.post_attention_layernorm.weight", i)) < 0 ||
		    (rc = W(q, H, Q, qkv_bias, "self_attn.q_proj")) < 0 ||
		    (rc = W(k, H, KV, qkv_bias, "self_attn.k_proj")) < 0 ||
		    (rc = W(v, H, KV, qkv_bias, "self_attn.v_proj")) < 0 ||
		    (rc = W(o, Q, H, attn_bias, "self_attn.o_proj")) < 0 ||
		    (rc = W(gate, H, I, mlp_bias, "mlp.gate_proj")) < 0 ||
		    (rc = W(up, H, I, mlp_bias, "mlp.up_proj")) < 0 ||
		    (rc = W(down, I, H, mlp_bias, "mlp.down_proj")) < 0)
			return rc;
#undef W
	}
	g->bf16 = g->layers > 0 && hfgit_hlinear__bf16_products(&g->layer[0].q);
	if (r->head == HFGIT_AUTO_CAUSAL_LM) {
		g->lm = true;
		/* Tied, lm_head.weight is embed_tokens' data (the binder made it so). */
		if ((rc = weight(&g->head, r, false, (size_t)g->hidden, (size_t)g->vocab, false,
		                 "lm_head")) < 0)
			return rc;
	}
	return 0;
}

static void dims(hfgit_runner *r, long long *vocab, long long *positions, long long *hidden)
{
	const llama *g = r->state;

	*vocab = g->vocab;
	/* Rotary positions have no table to run out of: transformers computes any length
	 * (dynamic scaling is made for it); only a sliding window bounds what hfgit runs. */
	*positions = g->window;
	*hidden = g->hidden;
}

/* The cache's rows hold num_key_value_heads * head_dim. */
static int cache_init(hfgit_kv_cache *c, hfgit_runner *r, size_t batch, size_t cap,
                      hfgit_arena *a)
{
	const llama *g = r->state;

	return hfgit_decoder__cache_alloc(c, (size_t)g->layers, batch, cap,
	                                  (size_t)(g->kv_heads * g->head_dim), g->bf16, a);
}

static int logits(hfgit_runner *r, float *out, const float *hidden, size_t ld, size_t rows)
{
	const llama *g = r->state;

	return hfgit_hlinear__apply(&g->head, out, g->head.out, hidden, ld, rows);
}

/* LlamaRMSNorm: x / sqrt(mean(x^2) + eps) in F32, then times the weight; rows on the pool.
 * With `residual`, x += residual first (the residual connection before the norm). */
typedef struct {
	float *y, *x;
	const float *residual, *w;
	size_t dim;
	float eps;
} norm_job;

static void norm_rows(void *arg, size_t worker, size_t begin, size_t end)
{
	const norm_job *j = arg;
	const size_t dim = j->dim;
	size_t r, i;

	(void)worker;
	for (r = begin; r < end; r++) {
		float *xr = j->x + r * dim, *yr = j->y + r * dim, ss = 0.0f, inv;

		if (j->residual) {
			const float *res = j->residual + r * dim;

#pragma omp simd
			for (i = 0; i < dim; i++)
				xr[i] += res[i];
		}
#pragma omp simd reduction(+ : ss)
		for (i = 0; i < dim; i++)
			ss += xr[i] * xr[i];
		inv = 1.0f / sqrtf(ss / (float)dim + j->eps);
#pragma omp simd
		for (i = 0; i < dim; i++)
			yr[i] = j->w[i] * (xr[i] * inv);
	}
}

static void rms_norm_add(float *y, float *x, const float *residual, size_t rows, size_t dim,
                         const float *w, float eps)
{
	norm_job j = { y, x, residual, w, dim, eps };

	hfgit_pool__run(rows, 16, norm_rows, &j);
}

static void rms_norm(float *y, float *x, size_t rows, size_t dim, const float *w, float eps)
{
	rms_norm_add(y, x, NULL, rows, dim, w, eps);
}

/* apply_rotary_pos_emb on `heads` heads of each row: x * cos + rotate_half(x) * sin, with
 * cos/sin [rows][dim / 2] (the two halves of torch's cat((freqs, freqs)) are equal). */
static void rotate(float *x, size_t ld, size_t rows, size_t heads, size_t dim, const float *cos,
                   const float *sin)
{
	const size_t half = dim / 2;
	size_t r, h, i;

	for (r = 0; r < rows; r++) {
		const float *c = cos + r * half, *s = sin + r * half;

		for (h = 0; h < heads; h++) {
			float *a = x + r * ld + h * dim, *b = a + half;

			for (i = 0; i < half; i++) {
				float x1 = a[i], x2 = b[i];

				a[i] = x1 * c[i] - x2 * s[i];
				b[i] = x2 * c[i] + x1 * s[i];
			}
		}
	}
}

/* Attention head by head on the pool (tensor/pool.h): one task per sequence and head, over
 * the cache's F32 keys and values (k, v) or its BF16 ones (kb, vb). */
typedef struct {
	const hfgit_attention_shape *as;
	float *ctx;
	const float *q, *k, *v;
	const uint16_t *kb, *vb;
	atomic_int failed;
} heads_job;

static void head_task(void *arg, size_t task)
{
	heads_job *j = arg;
	const hfgit_attention_shape *as = j->as;
	const size_t b = task / as->heads, h = task % as->heads,
		     kvh = h / (as->heads / as->kv_heads), d = as->head_dim;
	hfgit_attention_shape one = *as;
	float *scores, *ctx;
	const float *q;
	size_t need, at;

	one.batch = 1;
	one.heads = one.kv_heads = 1;
	one.key_mask = as->key_mask + b * as->kv_len;
	/* One head of one sequence is a run of one task, which hfgit_pool__run does on the
	 * calling thread: the scores of one head, not hfgit_attention__scratch()'s room for every
	 * worker. */
	need = one.q_len * one.kv_len;
	if (!(scores = hfgit_scratch__get(HFGIT_SCRATCH_SCORES, need * sizeof(float)))) {
		atomic_store(&j->failed, 1);
		return;
	}
	ctx = j->ctx + b * as->q_len * as->ctx_ld + h * d;
	q = j->q + b * as->q_batch + h * d;
	at = b * as->kv_batch + kvh * d;
	if ((j->kb ? hfgit__attention_bf16(ctx, q, j->kb + at, j->vb + at, &one)
	           : hfgit__attention(ctx, q, j->k + at, j->v + at, &one, scores)) < 0)
		atomic_store(&j->failed, 1);
}

static int attention(float *ctx, const float *q, const hfgit_kv_cache *c, size_t l,
                     const hfgit_attention_shape *as)
{
	const size_t at = l * c->batch * c->cap * c->width;
	heads_job j = { as, ctx, q, NULL, NULL, NULL, NULL, 0 };

	if (c->kb && as->q_len > 1) {
		/* Many queries: the heads that share a key/value head go together (attention.h). */
		return hfgit__attention_bf16(ctx, q, c->kb + at, c->vb + at, as);
	} else if (c->kb) {
		j.kb = c->kb + at;
		j.vb = c->vb + at;
	} else {
		j.k = c->k + at;
		j.v = c->v + at;
	}

	hfgit_pool__each(as->batch * as->heads, head_task, &j);
	return atomic_load(&j.failed) ? hfgit_error__set(HFGIT_ERROR, "attention failed (out of "
	                                                "memory?)") : 0;
}

/* A step's activations, [rows][width] each; cos and sin [rows][head_dim / 2]. */
typedef struct {
	float *x, *q, *k, *v, *ctx, *tmp, *gate, *up, *cos, *sin;
} acts;

static int acts_alloc(acts *s, const llama *g, size_t rows, hfgit_arena *a)
{
	const size_t H = (size_t)g->hidden, I = (size_t)g->inter, d = (size_t)g->head_dim,
		     Q = (size_t)g->heads * d, KV = (size_t)g->kv_heads * d;

	s->x = hfgit_arena__floats(a, rows * H);
	s->q = hfgit_arena__floats(a, rows * Q);
	s->k = hfgit_arena__floats(a, rows * KV);
	s->v = hfgit_arena__floats(a, rows * KV);
	s->ctx = hfgit_arena__floats(a, rows * Q);
	s->tmp = hfgit_arena__floats(a, rows * H);
	/* The MLP's intermediate activations, unless it keeps its own (hlinear.h). */
	s->gate = s->up = NULL;
	if (g->layers > 0 && !hfgit_hlinear__mlp_own_buffers(&g->layer[0].gate, rows) &&
	    (!(s->gate = hfgit_arena__floats(a, rows * I)) ||
	     !(s->up = hfgit_arena__floats(a, rows * I))))
		return HFGIT_ERROR;
	s->cos = hfgit_arena__floats(a, rows * (d / 2));
	s->sin = hfgit_arena__floats(a, rows * (d / 2));
	return s->x && s->q && s->k && s->v && s->ctx && s->tmp && s->cos && s->sin ? 0
	                                                                       : HFGIT_ERROR;
}

/* The token embeddings into h, and the rotary angles of each row: inv_freq * position in
 * F32, as torch's matmul of the two; `longest` is the rotary sequence length (dynamic
 * scaling). */
static void embed(const llama *g, acts *s, float *h, const int64_t *ids,
                  const int64_t *positions, size_t rows, int64_t longest)
{
	const size_t H = (size_t)g->hidden, half = (size_t)g->head_dim / 2;
	float inv[HFGIT_ROPE_MAX_DIM / 2];
	size_t row, i;

	hfgit_rope__inv_freq(inv, &g->rope, longest);
	for (row = 0; row < rows; row++) {
		for (i = 0; i < half; i++) {
			float angle = inv[i] * (float)positions[row];

			s->cos[row * half + i] = cosf(angle);
			s->sin[row * half + i] = sinf(angle);
		}
		hfgit_hlinear__rows(h + row * H, &g->embed, (size_t)ids[row], 1);
	}
}

/* Decoder layer l on h [rows = batch * t][hidden], its keys and values into the cache. */
static int layer_step(const llama *g, long long l, hfgit_kv_cache *c, acts *s, float *h,
                      size_t t, const hfgit_attention_shape *as)
{
	const layer *ly = &g->layer[l];
	const size_t B = c->batch, H = (size_t)g->hidden, rows = B * t,
		     d = (size_t)g->head_dim, Q = (size_t)g->heads * d, KV = c->width;
	const size_t cached = (size_t)l * B * c->cap * KV;
	size_t b, j;
	int rc;

	rms_norm(s->x, h, rows, H, ly->in_norm, g->eps);
	if ((rc = hfgit_hlinear__apply_many((const hfgit_hlinear *[]){ &ly->q, &ly->k, &ly->v }, 3,
	                                    (float *const[]){ s->q, s->k, s->v },
	                                    (const size_t[]){ Q, KV, KV }, s->x, H, rows)) < 0)
		return rc;
	rotate(s->q, Q, rows, (size_t)g->heads, d, s->cos, s->sin);
	rotate(s->k, KV, rows, (size_t)g->kv_heads, d, s->cos, s->sin);
	for (b = 0; b < B; b++) {
		for (j = 0; j < t; j++) {
			const size_t at = cached + (b * c->cap + c->len + j) * KV;
			const float *k = s->k + (b * t + j) * KV, *v = s->v + (b * t + j) * KV;

			if (c->kb) {
				hfgit_matmul__round_bf16(c->kb + at, k, KV);
				hfgit_matmul__round_bf16(c->vb + at, v, KV);
			} else {
				memcpy(c->k + at, k, KV * sizeof(float));
				memcpy(c->v + at, v, KV * sizeof(float));
			}
		}
	}
	if ((rc = attention(s->ctx, s->q, c, (size_t)l, as)) < 0 ||
	    (rc = hfgit_hlinear__apply(&ly->o, s->tmp, H, s->ctx, Q, rows)) < 0)
		return rc;
	rms_norm_add(s->x, h, s->tmp, rows, H, ly->post_norm, g->eps);
	if ((rc = hfgit_hlinear__swiglu_mlp(&ly->gate, &ly->up, &ly->down, s->tmp, H, s->x, H,
	                                    rows, s->gate, s->up)) < 0)
		return rc;
	hfgit__add(h, s->tmp, rows * H);
	return 0;
}

/* The step for t tokens at once; `longest` is the rotary sequence length (dynamic scaling). */
static int step_tokens(hfgit_runner *r, hfgit_kv_cache *c, const int64_t *ids,
                       const int64_t *positions, const int64_t *mask, size_t t, float *h,
                       hfgit_arena *a, const hfgit_forward_inputs *in, hfgit_outputs *out,
                       int64_t longest)
{
	const llama *g = r->state;
	const size_t B = c->batch, H = (size_t)g->hidden, rows = B * t, kv = c->len + t,
		     d = (size_t)g->head_dim, Q = (size_t)g->heads * d, KV = c->width;
	hfgit_attention_shape as = {
		.batch = B, .q_len = t, .kv_len = kv, .heads = (size_t)g->heads, .head_dim = d,
		.ld = KV, .q_ld = Q, .ctx_ld = Q, .q_batch = t * Q, .kv_batch = c->cap * KV,
		.causal = true, .kv_heads = (size_t)g->kv_heads, .scale = 1.0f / sqrtf((float)d),
	};
	acts s;
	long long l;
	int rc;

	if (kv > c->cap)
		return hfgit_error__set(HFGIT_ERROR, "KV cache full");
	if (g->window && kv > (size_t)g->window)
		return hfgit_error__set(HFGIT_EINVALID, "%zu tokens are more than the sliding window "
		                       "(sliding_window %lld) of the model, which hfgit does not "
		                       "implement: give at most %lld tokens", kv, g->window,
		                       g->window);
	if (acts_alloc(&s, g, rows, a) < 0 || !(as.key_mask = hfgit_decoder__keys(c, mask, t, a)))
		return HFGIT_ERROR;
	embed(g, &s, h, ids, positions, rows, longest);
	for (l = 0; l < g->layers; l++) {
		if (in && (rc = hfgit_outputs__hidden(out, in, (size_t)l, h, B, t, H)) < 0)
			return rc;
		if ((rc = layer_step(g, l, c, &s, h, t, &as)) < 0)
			return rc;
	}
	rms_norm(h, h, rows, H, g->norm, g->eps);
	if (in && (rc = hfgit_outputs__hidden(out, in, (size_t)g->layers, h, B, t, H)) < 0)
		return rc;
	c->len += t;
	return 0;
}

/*
 * A long prompt goes through in chunks of PREFILL_CHUNK tokens, each against the cache of
 * those before (causal attention makes it the same computation): the activations of a chunk
 * are what the workspace holds, not those of the whole prompt. Not when hidden states are
 * output (they are the whole sequence's).
 */
#define PREFILL_CHUNK 512

static int step(hfgit_runner *r, hfgit_kv_cache *c, const int64_t *ids,
                const int64_t *positions, const int64_t *mask, size_t t, float *h,
                hfgit_arena *a, const hfgit_forward_inputs *in, hfgit_outputs *out)
{
	const size_t B = c->batch, H = (size_t)((const llama *)r->state)->hidden;
	int64_t longest = 0;
	size_t row, j0, b, j;
	int rc = 0, saved;

	/* Dynamic scaling takes the longest position of the step (max(position_ids) + 1). */
	for (row = 0; row < B * t; row++)
		if (positions[row] + 1 > longest)
			longest = positions[row] + 1;
	/* The parallel work goes through the pool; the element-wise loops (OpenMP pragmas in
	 * ops.c and here) run on this thread, whose OpenMP team would otherwise spin against
	 * the pool and other processes between regions. */
	saved = hfgit_omp__max_threads();
	hfgit_omp__set_threads(1);
	if (t <= PREFILL_CHUNK || (in && in->output_hidden_states)) {
		rc = step_tokens(r, c, ids, positions, mask, t, h, a, in, out, longest);
		hfgit_omp__set_threads(saved);
		return rc;
	}
	for (j0 = 0; rc == 0 && j0 < t; j0 += PREFILL_CHUNK) {
		const size_t tc = t - j0 < PREFILL_CHUNK ? t - j0 : PREFILL_CHUNK;
		hfgit_arena ws = HFGIT_ARENA_INIT;
		int64_t *ci = (int64_t *)(void *)hfgit_arena__floats(&ws, 2 * B * tc),
			*cp = (int64_t *)(void *)hfgit_arena__floats(&ws, 2 * B * tc),
			*cm = (int64_t *)(void *)hfgit_arena__floats(&ws, 2 * B * tc);
		float *ch = hfgit_arena__floats(&ws, B * tc * H);

		rc = ci && cp && cm && ch ? 0 : HFGIT_ERROR;
		for (b = 0; rc == 0 && b < B; b++) {
			for (j = 0; j < tc; j++) {
				ci[b * tc + j] = ids[b * t + j0 + j];
				cp[b * tc + j] = positions[b * t + j0 + j];
				cm[b * tc + j] = mask ? mask[b * t + j0 + j] : 1;
			}
		}
		if (rc == 0)
			rc = step_tokens(r, c, ci, cp, cm, tc, ch, &ws, NULL, NULL, longest);
		for (b = 0; rc == 0 && b < B; b++)
			memcpy(h + (b * t + j0) * H, ch + b * tc * H, tc * H * sizeof(float));
		hfgit_arena__release(&ws);
	}
	hfgit_omp__set_threads(saved);
	return rc;
}

const hfgit_decoder hfgit_llama__decoder = { cache_init, step, logits, dims };

static int forward(hfgit_runner *r, const hfgit_forward_inputs *in, hfgit_outputs *out,
                   hfgit_arena *a)
{
	const llama *g = r->state;
	int rc;

	if (in->token_type_ids)
		return hfgit_error__set(HFGIT_EINVALID, "%s takes no token_type_ids",
		                       r->model->class_name);
	/* A sliding window is checked by the step, with its own name. */
	if ((rc = hfgit_check__text(in, g->vocab, 0, 0)) < 0)
		return rc;
	return hfgit_decoder__forward(&hfgit_llama__decoder, r, in, out, a, g->lm);
}

/* One runner for the three model types: the differences are read in prepare. */
const hfgit_runner_arch hfgit_run__llama = { "llama", prepare, forward, free_state };
const hfgit_runner_arch hfgit_run__mistral = { "mistral", prepare, forward, free_state };
const hfgit_runner_arch hfgit_run__qwen2 = { "qwen2", prepare, forward, free_state };
