/*
 * ViT (transformers' modeling_vit): ViTModel and ViTForImageClassification.
 *
 * Pre-norm encoder layers (layernorm_before/after), a class token and learned position
 * embeddings for (image_size / patch_size)^2 patches plus that token, and a patch projection
 * that is a Conv2d [hidden, channels, patch, patch]. The Hub's ViT checkpoints are mostly
 * ViTForImageClassification: "vit." prefix, a classifier, and no pooler, which transformers
 * then initializes anew with a warning (so do we).
 */
#include "model/architectures.h"
#include "model/layers.h"

static int read_config(hfgit_config *cfg, void *payload)
{
	const unsigned int need = HFGIT_READ_REQUIRED | HFGIT_READ_SIZE;
	long long v, hidden, heads, image, patch;
	const char *s;
	double eps;
	int qkv_bias, rc;

	if ((rc = hfgit_config_read_int(&hidden, cfg, "hidden_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "num_hidden_layers", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&heads, cfg, "num_attention_heads", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "intermediate_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&image, cfg, "image_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&patch, cfg, "patch_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "num_channels", NULL, 3, HFGIT_READ_SIZE)) < 0 ||
	    (rc = hfgit_config_read_bool(&qkv_bias, cfg, "qkv_bias", NULL, 1, 0)) < 0 ||
	    (rc = hfgit_config_read_float(&eps, cfg, "layer_norm_eps", NULL, 1e-12, 0)) < 0 ||
	    (rc = hfgit_config_read_string(&s, cfg, "hidden_act", NULL, "gelu", 0)) < 0)
		return rc;
	if (patch > image)
		return hfgit_config_invalid(cfg, "patch_size", "is %lld, larger than image_size %lld: "
		                            "the image has no whole patch", patch, image);
	return hfgit_arch__check_heads(cfg, "num_attention_heads", heads, "hidden_size", hidden);
}

static int layer(hfgit_binder *b, const hfgit_arch_dims *d, bool qkv_bias)
{
	long long h = d->hidden_size, inter = d->intermediate_size;
	int rc;

	rc = hfgit_layer__linear(b, "attention.attention.query", h, h, qkv_bias, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "attention.attention.key", h, h, qkv_bias, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "attention.attention.value", h, h, qkv_bias, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "attention.output.dense", h, h, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "intermediate.dense", inter, h, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "output.dense", h, inter, true, 0);
	rc = rc ? rc : hfgit_layer__norm(b, "layernorm_before", h);
	rc = rc ? rc : hfgit_layer__norm(b, "layernorm_after", h);
	return rc;
}

static int embeddings(hfgit_binder *b, const hfgit_config *cfg, long long h)
{
	long long image, patch, channels, side;
	int rc;

	if ((rc = hfgit_config_get_int(&image, cfg, "image_size")) < 0 ||
	    (rc = hfgit_config_get_int(&patch, cfg, "patch_size")) < 0 ||
	    (rc = hfgit_config_get_int(&channels, cfg, "num_channels")) < 0 ||
	    (rc = hfgit_binder_push(b, "embeddings")) < 0)
		return rc;
	side = image / patch;
	rc = hfgit_binder_param(b, "cls_token", HFGIT_DIMS(1, 1, h), 0);
	rc = rc ? rc : hfgit_binder_param(b, "position_embeddings", HFGIT_DIMS(1, side * side + 1, h),
	                                  0);
	rc = rc ? rc : hfgit_binder_push(b, "patch_embeddings.projection");
	if (rc == 0) {
		rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(h, channels, patch, patch), 0);
		rc = rc ? rc : hfgit_binder_param(b, "bias", HFGIT_DIMS(h), 0);
		hfgit_binder_pop(b);
	}
	hfgit_binder_pop(b);
	return rc;
}

static int build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	hfgit_arch_dims d;
	long long i;
	int qkv_bias, rc;

	if ((rc = hfgit_arch__dims_get(&d, cfg)) < 0 ||
	    (rc = hfgit_config_get_bool(&qkv_bias, cfg, "qkv_bias")) < 0 ||
	    (rc = hfgit_binder_push_base(b)) < 0)
		return rc;
	rc = embeddings(b, cfg, d.hidden_size);
	for (i = 0; rc == 0 && i < d.num_layers; i++) {
		if ((rc = hfgit_binder_push(b, "encoder.layer.%lld", i)) < 0)
			break;
		rc = layer(b, &d, qkv_bias);
		hfgit_binder_pop(b);
	}
	rc = rc ? rc : hfgit_layer__norm(b, "layernorm", d.hidden_size);
	/* ViTForImageClassification builds ViTModel(add_pooling_layer=False): no pooler, a
	 * classifier on the layer-normed class token. */
	if (rc == 0 && hfgit_binder_head(b) != HFGIT_AUTO_IMAGE_CLS)
		rc = hfgit_layer__linear(b, "pooler.dense", d.hidden_size, d.hidden_size, true,
		                         HFGIT_BIND_OPTIONAL);
	hfgit_binder_pop(b);
	if (rc == 0 && hfgit_binder_head(b) == HFGIT_AUTO_IMAGE_CLS)
		rc = hfgit_layer__linear(b, "classifier", (long long)hfgit_config_num_labels(cfg),
		                         d.hidden_size, true, HFGIT_BIND_OPTIONAL);
	return rc;
}

static const char *const other_classes[] = {
	"ViTForMaskedImageModeling", NULL,
};

const hfgit_architecture hfgit_arch__vit = {
	.version = HFGIT_ARCHITECTURE_VERSION,
	.model_type = "vit",
	.base_prefix = "vit",
	.classes = {
		[HFGIT_AUTO_BASE] = "ViTModel",
		[HFGIT_AUTO_IMAGE_CLS] = "ViTForImageClassification",
	},
	.other_classes = other_classes,
	.read_config = read_config,
	.build = build,
};
