/*
 * DistilBERT (transformers' modeling_distilbert): DistilBertModel and
 * DistilBertForSequenceClassification.
 *
 * Its config spells the common hyperparameters its own way (dim, n_layers, n_heads,
 * hidden_dim); they are recorded under the common names. Sinusoidal position embeddings are
 * still a saved parameter. The Hub's distilbert-base-uncased is a DistilBertForMaskedLM
 * (vocab_transform, vocab_layer_norm, vocab_projector: unexpected for the base model).
 */
#include "model/architectures.h"
#include "model/layers.h"

static int read_config(hfgit_config *cfg, void *payload)
{
	const unsigned int need = HFGIT_READ_REQUIRED | HFGIT_READ_SIZE;
	long long v, dim, heads;
	const char *s;
	int sinusoidal, rc;

	if ((rc = hfgit_config_read_int(&v, cfg, "vocab_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&dim, cfg, "hidden_size", "dim", 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "num_hidden_layers", "n_layers", 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&heads, cfg, "num_attention_heads", "n_heads", 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "intermediate_size", "hidden_dim", 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "max_position_embeddings", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_string(&s, cfg, "hidden_act", "activation", "gelu", 0)) < 0 ||
	    (rc = hfgit_config_read_bool(&sinusoidal, cfg, "sinusoidal_pos_embds", NULL, 0, 0)) < 0)
		return rc;
	return hfgit_arch__check_heads(cfg, "n_heads", heads, "dim", dim);
}

static int block(hfgit_binder *b, const hfgit_arch_dims *d)
{
	long long dim = d->hidden_size, hidden = d->intermediate_size;
	int rc;

	rc = hfgit_layer__linear(b, "attention.q_lin", dim, dim, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "attention.k_lin", dim, dim, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "attention.v_lin", dim, dim, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "attention.out_lin", dim, dim, true, 0);
	rc = rc ? rc : hfgit_layer__norm(b, "sa_layer_norm", dim);
	rc = rc ? rc : hfgit_layer__linear(b, "ffn.lin1", hidden, dim, true, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "ffn.lin2", dim, hidden, true, 0);
	rc = rc ? rc : hfgit_layer__norm(b, "output_layer_norm", dim);
	return rc;
}

static int distilbert_model(hfgit_binder *b, const hfgit_arch_dims *d)
{
	long long i;
	int rc;

	if ((rc = hfgit_binder_push(b, "embeddings")) < 0)
		return rc;
	rc = hfgit_layer__embedding(b, "word_embeddings", d->vocab_size, d->hidden_size);
	rc = rc ? rc : hfgit_layer__embedding(b, "position_embeddings", d->max_positions,
	                                      d->hidden_size);
	rc = rc ? rc : hfgit_layer__norm(b, "LayerNorm", d->hidden_size);
	rc = rc ? rc : hfgit_binder_buffer(b, "position_ids");
	hfgit_binder_pop(b);
	for (i = 0; rc == 0 && i < d->num_layers; i++) {
		if ((rc = hfgit_binder_push(b, "transformer.layer.%lld", i)) < 0)
			return rc;
		rc = block(b, d);
		hfgit_binder_pop(b);
	}
	return rc;
}

static int build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	hfgit_arch_dims d;
	int rc;

	if ((rc = hfgit_arch__dims_get(&d, cfg)) < 0 || (rc = hfgit_binder_push_base(b)) < 0)
		return rc;
	rc = distilbert_model(b, &d);
	hfgit_binder_pop(b);
	if (rc == 0 && hfgit_binder_head(b) == HFGIT_AUTO_SEQ_CLS) {
		rc = hfgit_layer__linear(b, "pre_classifier", d.hidden_size, d.hidden_size, true,
		                         HFGIT_BIND_OPTIONAL);
		rc = rc ? rc : hfgit_layer__linear(b, "classifier",
		                                   (long long)hfgit_config_num_labels(cfg), d.hidden_size,
		                                   true, HFGIT_BIND_OPTIONAL);
	}
	return rc;
}

static const char *const other_classes[] = {
	"DistilBertForMaskedLM", "DistilBertForMultipleChoice", "DistilBertForTokenClassification",
	"DistilBertForQuestionAnswering", NULL,
};

const hfgit_architecture hfgit_arch__distilbert = {
	.version = HFGIT_ARCHITECTURE_VERSION,
	.model_type = "distilbert",
	.base_prefix = "distilbert",
	.classes = {
		[HFGIT_AUTO_BASE] = "DistilBertModel",
		[HFGIT_AUTO_SEQ_CLS] = "DistilBertForSequenceClassification",
	},
	.other_classes = other_classes,
	.read_config = read_config,
	.build = build,
};
