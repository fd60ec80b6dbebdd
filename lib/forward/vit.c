/*
 * ViTModel and ViTForImageClassification (transformers' modeling_vit): the image cut into
 * patch_size squares, each projected by the Conv2d (a matrix product over the patch flattened
 * in channel, row, column order), a class token in front, learned position embeddings, pre-LN
 * layers, a final LayerNorm; the pooler (tanh) when the checkpoint has one, or the classifier
 * on the layer-normed class token.
 */
#include <stdlib.h>
#include <string.h>

#include "forward/encoder.h"

typedef struct {
	long long hidden, layers, heads, intermediate, image, patch, channels;
	float eps;
	hfgit_activation act;
	const float *cls_token, *position;
	hfgit_linear projection; /* [hidden, channels * patch * patch] */
	hfgit_encoder_layer *layer;
	hfgit_norm norm;
	bool pooler, classifier;
	hfgit_linear pool, cls;
} vit;

static void free_state(void *state)
{
	vit *v = state;

	if (v)
		free(v->layer);
	free(v);
}

static int prepare(hfgit_runner *r)
{
	static const hfgit_encoder_names names = {
		"attention.attention.query", "attention.attention.key", "attention.attention.value",
		"attention.output.dense", "intermediate.dense", "output.dense",
		"layernorm_before", "layernorm_after",
	};
	long long i, side;
	int qkv_bias, rc;
	double eps;
	vit *v;

	if (!(v = calloc(1, sizeof(*v))))
		return hfgit_error__oom();
	r->state = v;
	if ((rc = hfgit_runner__int(&v->hidden, r, "hidden_size")) < 0 ||
	    (rc = hfgit_runner__int(&v->layers, r, "num_hidden_layers")) < 0 ||
	    (rc = hfgit_runner__int(&v->heads, r, "num_attention_heads")) < 0 ||
	    (rc = hfgit_runner__int(&v->intermediate, r, "intermediate_size")) < 0 ||
	    (rc = hfgit_runner__int(&v->image, r, "image_size")) < 0 ||
	    (rc = hfgit_runner__int(&v->patch, r, "patch_size")) < 0 ||
	    (rc = hfgit_runner__int(&v->channels, r, "num_channels")) < 0 ||
	    (rc = hfgit_config_get_bool(&qkv_bias, r->cfg, "qkv_bias")) < 0 ||
	    (rc = hfgit_config_get_float(&eps, r->cfg, "layer_norm_eps")) < 0 ||
	    (rc = hfgit_runner__activation(&v->act, r, "hidden_act", "hidden_act")) < 0)
		return rc;
	v->eps = (float)eps;
	side = v->image / v->patch;
	if ((rc = hfgit_runner__tensor(&v->cls_token, r, true, (size_t)v->hidden,
	                              "embeddings.cls_token")) < 0 ||
	    (rc = hfgit_runner__tensor(&v->position, r, true,
	                              (size_t)((side * side + 1) * v->hidden),
	                              "embeddings.position_embeddings")) < 0 ||
	    (rc = hfgit_runner__linear(&v->projection, r, true,
	                              (size_t)(v->channels * v->patch * v->patch), (size_t)v->hidden,
	                              true, false, "embeddings.patch_embeddings.projection")) < 0 ||
	    (rc = hfgit_runner__norm(&v->norm, r, true, (size_t)v->hidden, "layernorm")) < 0)
		return rc;
	if (!(v->layer = calloc((size_t)v->layers, sizeof(*v->layer))))
		return hfgit_error__oom();
	for (i = 0; i < v->layers; i++) {
		char prefix[48];

		snprintf(prefix, sizeof(prefix), "encoder.layer.%lld.", i);
		if ((rc = hfgit_encoder__layer_get(&v->layer[i], r, prefix, &names, (size_t)v->hidden,
		                                  (size_t)v->intermediate, qkv_bias)) < 0)
			return rc;
	}
	if (r->head == HFGIT_AUTO_IMAGE_CLS) {
		if (!hfgit_runner__has(r, false, "classifier.weight"))
			return hfgit_error__set(HFGIT_EINVALID, "%s: the checkpoint has no classifier "
			                       "(it is not a ViTForImageClassification); run it as the "
			                       "base model (--auto base)", hfgit_model_dir(r->model));
		v->classifier = true;
		return hfgit_runner__linear(&v->cls, r, false, (size_t)v->hidden,
		                           hfgit_config_num_labels(r->cfg), true, false, "classifier");
	}
	v->pooler = hfgit_runner__has(r, true, "pooler.dense.weight");
	if (v->pooler)
		return hfgit_runner__linear(&v->pool, r, true, (size_t)v->hidden, (size_t)v->hidden,
		                           true, false, "pooler.dense");
	return 0;
}

static int check_image(const vit *v, const hfgit_forward_inputs *in)
{
	if (!in->pixel_values)
		return hfgit_error__set(HFGIT_EINVALID, "ViT takes pixel_values [batch, %lld, %lld, "
		                       "%lld]", v->channels, v->image, v->image);
	if (in->input_ids)
		return hfgit_error__set(HFGIT_EINVALID, "ViT takes pixel_values, not input_ids");
	if (in->channels != (size_t)v->channels)
		return hfgit_error__set(HFGIT_EINVALID, "pixel_values have %zu channels; the model "
		                       "takes num_channels = %lld", in->channels, v->channels);
	if (in->height != (size_t)v->image || in->width != (size_t)v->image)
		return hfgit_error__set(HFGIT_EINVALID, "the image is %zux%zu; the model takes "
		                       "image_size %lldx%lld (resize it first: interpolating the "
		                       "position embeddings is not implemented)", in->height,
		                       in->width, v->image, v->image);
	return 0;
}

static int forward(hfgit_runner *r, const hfgit_forward_inputs *in, hfgit_outputs *out,
                   hfgit_arena *a)
{
	const vit *v = r->state;
	const size_t B = in->batch, H = (size_t)v->hidden, P = (size_t)v->patch,
		     C = (size_t)v->channels, side = (size_t)(v->image / v->patch),
		     np = side * side, S = np + 1, rows = B * S, pdim = C * P * P;
	hfgit_encoder_shape shape = {
		.batch = B, .seq = S, .hidden = H, .heads = (size_t)v->heads,
		.intermediate = (size_t)v->intermediate, .eps = v->eps, .act = v->act,
		.pre_norm = true,
	};
	hfgit_encoder_ws ws;
	float *h, *patches, *o;
	size_t b, p, c, y, i;
	long long l;
	int rc;

	if ((rc = check_image(v, in)) < 0)
		return rc;
	if (!(h = hfgit_arena__floats(a, rows * H)) ||
	    !(patches = hfgit_arena__floats(a, B * np * pdim)) ||
	    hfgit_encoder__ws_alloc(&ws, &shape, a) < 0)
		return HFGIT_ERROR;
	/* Conv2d(kernel = stride = patch) as a matrix product: one row per patch, in the row-major
	 * grid order of flatten(2).transpose(1, 2). */
	for (b = 0; b < B; b++)
		for (p = 0; p < np; p++)
			for (c = 0; c < C; c++)
				for (y = 0; y < P; y++)
					memcpy(patches + ((b * np + p) * pdim) + (c * P + y) * P,
					       in->pixel_values +
					               ((b * C + c) * (size_t)v->image + (p / side) * P + y) *
					                       (size_t)v->image +
					               (p % side) * P,
					       P * sizeof(float));
	for (b = 0; b < B; b++) {
		memcpy(h + b * S * H, v->cls_token, H * sizeof(float));
		if ((rc = hfgit_linear__apply(&v->projection, h + (b * S + 1) * H, H,
		                             patches + b * np * pdim, pdim, np)) < 0)
			return rc;
		for (i = 0; i < S * H; i++)
			h[b * S * H + i] += v->position[i];
	}
	if ((rc = hfgit_outputs__hidden(out, in, 0, h, B, S, H)) < 0)
		return rc;
	for (l = 0; l < v->layers; l++) {
		if ((rc = hfgit_encoder__layer_run(h, &v->layer[l], &shape, &ws)) < 0 ||
		    (rc = hfgit_outputs__hidden(out, in, (size_t)l + 1, h, B, S, H)) < 0)
			return rc;
	}
	hfgit_norm__rows(h, h, NULL, rows, H, v->norm.gamma, v->norm.beta, v->eps);
	if (v->classifier) {
		if (!(o = hfgit_outputs__add(out, "logits", 2,
		                            (const long long[]){ (long long)B, (long long)v->cls.out })))
			return HFGIT_ERROR;
		return hfgit_linear__apply(&v->cls, o, v->cls.out, h, S * H, B);
	}
	if (!(o = hfgit_outputs__add(out, "last_hidden_state", 3,
	                            (const long long[]){ (long long)B, (long long)S, (long long)H })))
		return HFGIT_ERROR;
	memcpy(o, h, rows * H * sizeof(float));
	if (v->pooler) {
		if (!(o = hfgit_outputs__add(out, "pooler_output", 2,
		                            (const long long[]){ (long long)B, (long long)H })))
			return HFGIT_ERROR;
		if ((rc = hfgit_linear__apply(&v->pool, o, H, h, S * H, B)) < 0)
			return rc;
		hfgit__tanh(o, B * H);
	}
	return 0;
}

const hfgit_runner_arch hfgit_run__vit = {
	.model_type = "vit",
	.prepare = prepare,
	.forward = forward,
	.free_state = free_state,
};
