/*
 * BERT (transformers' modeling_bert): BertModel and BertForSequenceClassification.
 *
 * Real checkpoints differ from what BertModel.state_dict() gives today: the pretraining heads
 * (cls.*) of BertForPreTraining, a "bert." prefix, LayerNorm.gamma/beta from the TensorFlow
 * conversion, and a position_ids buffer that transformers saved before 4.31. The binder takes
 * care of prefixes and legacy names; the buffers are declared here.
 */
#include <string.h>

#include "model/architectures.h"
#include "model/layers.h"

static int read_config(hfgit_config *cfg, void *payload)
{
	const unsigned int need = HFGIT_READ_REQUIRED | HFGIT_READ_SIZE;
	long long v, hidden, heads, positions;
	const char *s, *position_type;
	double eps;
	int cross, rc;

	if ((rc = hfgit_config_read_int(&v, cfg, "vocab_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&hidden, cfg, "hidden_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "num_hidden_layers", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&heads, cfg, "num_attention_heads", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "intermediate_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&positions, cfg, "max_position_embeddings", NULL, 0,
	                                need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "type_vocab_size", NULL, 2, HFGIT_READ_SIZE)) < 0 ||
	    (rc = hfgit_config_read_float(&eps, cfg, "layer_norm_eps", NULL, 1e-12, 0)) < 0 ||
	    (rc = hfgit_config_read_string(&s, cfg, "hidden_act", NULL, "gelu", 0)) < 0 ||
	    (rc = hfgit_config_read_string(&position_type, cfg, "position_embedding_type", NULL,
	                                   "absolute", 0)) < 0 ||
	    (rc = hfgit_config_read_bool(&cross, cfg, "add_cross_attention", NULL, 0, 0)) < 0)
		return rc;
	if (strcmp(position_type, "absolute") && strcmp(position_type, "relative_key") &&
	    strcmp(position_type, "relative_key_query"))
		return hfgit_config_invalid(cfg, "position_embedding_type", "is \"%.40s\"; BERT knows "
		                            "\"absolute\", \"relative_key\" and \"relative_key_query\"",
		                            position_type);
	return hfgit_arch__check_heads(cfg, "num_attention_heads", heads, "hidden_size", hidden);
}

/* BertAttention: self-attention (query, key, value, and distance embeddings for relative
 * positions), then its output projection and LayerNorm. */
static int attention(hfgit_binder *b, const char *name, const hfgit_arch_dims *d, bool relative)
{
	long long h = d->hidden_size;
	int rc;

	if ((rc = hfgit_binder_push(b, "%s", name)) < 0)
		return rc;
	rc = hfgit_layer__linear(b, "self.query", h, h, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "self.key", h, h, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "self.value", h, h, true, 0);
	if (relative)
		rc = rc ? rc : hfgit_layer__embedding(b, "self.distance_embedding",
		                                      2 * d->max_positions - 1, h / d->num_heads);
	rc = rc ? rc : hfgit_layer__linear(b, "output.dense", h, h, true, 0);
	rc = rc ? rc : hfgit_layer__norm(b, "output.LayerNorm", h);
	hfgit_binder_pop(b);
	return rc;
}

static int layer(hfgit_binder *b, const hfgit_arch_dims *d, bool relative, bool cross)
{
	long long h = d->hidden_size, inter = d->intermediate_size;
	int rc;

	rc = attention(b, "attention", d, relative);
	if (cross)
		rc = rc ? rc : attention(b, "crossattention", d, relative);
	rc = rc ? rc : hfgit_layer__linear(b, "intermediate.dense", inter, h, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "output.dense", h, inter, true, 0);
	rc = rc ? rc : hfgit_layer__norm(b, "output.LayerNorm", h);
	return rc;
}

static int bert_model(hfgit_binder *b, const hfgit_config *cfg, const hfgit_arch_dims *d)
{
	long long h = d->hidden_size, types, i;
	const char *position_type;
	bool relative;
	int cross, rc;

	if ((rc = hfgit_config_get_int(&types, cfg, "type_vocab_size")) < 0 ||
	    (rc = hfgit_config_get_string(&position_type, cfg, "position_embedding_type")) < 0 ||
	    (rc = hfgit_config_get_bool(&cross, cfg, "add_cross_attention")) < 0)
		return rc;
	relative = strcmp(position_type, "absolute") != 0;
	if ((rc = hfgit_binder_push(b, "embeddings")) < 0)
		return rc;
	rc = hfgit_layer__embedding(b, "word_embeddings", d->vocab_size, h);
	rc = rc ? rc : hfgit_layer__embedding(b, "position_embeddings", d->max_positions, h);
	rc = rc ? rc : hfgit_layer__embedding(b, "token_type_embeddings", types, h);
	rc = rc ? rc : hfgit_layer__norm(b, "LayerNorm", h);
	rc = rc ? rc : hfgit_binder_buffer(b, "position_ids");
	rc = rc ? rc : hfgit_binder_buffer(b, "token_type_ids");
	hfgit_binder_pop(b);
	for (i = 0; rc == 0 && i < d->num_layers; i++) {
		if ((rc = hfgit_binder_push(b, "encoder.layer.%lld", i)) < 0)
			return rc;
		rc = layer(b, d, relative, cross);
		hfgit_binder_pop(b);
	}
	/* Checkpoints of classes built without the pooler (BertForMaskedLM, ...) lack it:
	 * transformers initializes it anew and warns, and so do we. */
	return rc ? rc : hfgit_layer__linear(b, "pooler.dense", h, h, true, HFGIT_BIND_OPTIONAL);
}

static int build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	hfgit_arch_dims d;
	int rc;

	if ((rc = hfgit_arch__dims_get(&d, cfg)) < 0 || (rc = hfgit_binder_push_base(b)) < 0)
		return rc;
	rc = bert_model(b, cfg, &d);
	hfgit_binder_pop(b);
	if (rc == 0 && hfgit_binder_head(b) == HFGIT_AUTO_SEQ_CLS)
		rc = hfgit_layer__linear(b, "classifier", (long long)hfgit_config_num_labels(cfg),
		                         d.hidden_size, true, HFGIT_BIND_OPTIONAL);
	return rc;
}

static const char *const other_classes[] = {
	"BertForPreTraining", "BertForMaskedLM", "BertLMHeadModel", "BertForNextSentencePrediction",
	"BertForMultipleChoice", "BertForTokenClassification", "BertForQuestionAnswering", NULL,
};

const hfgit_architecture hfgit_arch__bert = {
	.version = HFGIT_ARCHITECTURE_VERSION,
	.model_type = "bert",
	.base_prefix = "bert",
	.classes = {
		[HFGIT_AUTO_BASE] = "BertModel",
		[HFGIT_AUTO_SEQ_CLS] = "BertForSequenceClassification",
	},
	.other_classes = other_classes,
	.read_config = read_config,
	.build = build,
};
