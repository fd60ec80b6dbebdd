/*
 * GPT-2 (transformers' modeling_gpt2): GPT2Model, GPT2LMHeadModel and
 * GPT2ForSequenceClassification.
 *
 * Quirks of real checkpoints: OpenAI's Conv1D keeps weights as (in, out); the Hub's gpt2
 * files have no "transformer." prefix and no lm_head (it is the word embeddings, tied);
 * torch.save of GPT2LMHeadModel keeps both names of the shared storage; every block has the
 * causal mask attn.bias (and, before transformers 4.33, attn.masked_bias) as buffers.
 */
#include "model/architectures.h"
#include "model/layers.h"

static int read_config(hfgit_config *cfg, void *payload)
{
	const unsigned int need = HFGIT_READ_REQUIRED | HFGIT_READ_SIZE;
	long long v, embd, heads;
	const char *s;
	double eps;
	int tie, cross, rc;

	if ((rc = hfgit_config_read_int(&v, cfg, "vocab_size", NULL, 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&embd, cfg, "hidden_size", "n_embd", 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "num_hidden_layers", "n_layer", 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&heads, cfg, "num_attention_heads", "n_head", 0, need)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "max_position_embeddings", "n_positions", 0,
	                                need)) < 0 ||
	    /* n_inner: null means 4 * n_embd. */
	    (rc = hfgit_config_read_int(&v, cfg, "intermediate_size", "n_inner", 4 * embd,
	                                HFGIT_READ_SIZE)) < 0 ||
	    (rc = hfgit_config_read_float(&eps, cfg, "layer_norm_eps", "layer_norm_epsilon", 1e-5,
	                                  0)) < 0 ||
	    (rc = hfgit_config_read_string(&s, cfg, "hidden_act", "activation_function", "gelu_new",
	                                   0)) < 0 ||
	    (rc = hfgit_config_read_bool(&tie, cfg, "tie_word_embeddings", NULL, 1, 0)) < 0 ||
	    (rc = hfgit_config_read_bool(&cross, cfg, "add_cross_attention", NULL, 0, 0)) < 0)
		return rc;
	return hfgit_arch__check_heads(cfg, "n_head", heads, "n_embd", embd);
}

static int attention(hfgit_binder *b, const char *name, long long embd, bool cross)
{
	int rc;

	if ((rc = hfgit_binder_push(b, "%s", name)) < 0)
		return rc;
	if (cross) {
		/* Cross-attention projects the query alone, keys and values from the encoder. */
		rc = hfgit_layer__conv1d(b, "c_attn", embd, 2 * embd);
		rc = rc ? rc : hfgit_layer__conv1d(b, "q_attn", embd, embd);
	} else {
		rc = hfgit_layer__conv1d(b, "c_attn", embd, 3 * embd);
	}
	rc = rc ? rc : hfgit_layer__conv1d(b, "c_proj", embd, embd);
	rc = rc ? rc : hfgit_binder_buffer(b, "bias");
	rc = rc ? rc : hfgit_binder_buffer(b, "masked_bias");
	hfgit_binder_pop(b);
	return rc;
}

static int block(hfgit_binder *b, const hfgit_arch_dims *d, bool cross)
{
	long long embd = d->hidden_size, inner = d->intermediate_size;
	int rc;

	rc = hfgit_layer__norm(b, "ln_1", embd);
	rc = rc ? rc : attention(b, "attn", embd, false);
	rc = rc ? rc : hfgit_layer__norm(b, "ln_2", embd);
	if (cross) {
		rc = rc ? rc : attention(b, "crossattention", embd, true);
		rc = rc ? rc : hfgit_layer__norm(b, "ln_cross_attn", embd);
	}
	rc = rc ? rc : hfgit_layer__conv1d(b, "mlp.c_fc", embd, inner);
	rc = rc ? rc : hfgit_layer__conv1d(b, "mlp.c_proj", inner, embd);
	return rc;
}

static int gpt2_model(hfgit_binder *b, const hfgit_arch_dims *d, bool cross)
{
	long long i;
	int rc;

	rc = hfgit_layer__embedding(b, "wte", d->vocab_size, d->hidden_size);
	rc = rc ? rc : hfgit_layer__embedding(b, "wpe", d->max_positions, d->hidden_size);
	for (i = 0; rc == 0 && i < d->num_layers; i++) {
		if ((rc = hfgit_binder_push(b, "h.%lld", i)) < 0)
			return rc;
		rc = block(b, d, cross);
		hfgit_binder_pop(b);
	}
	return rc ? rc : hfgit_layer__norm(b, "ln_f", d->hidden_size);
}

static int build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	hfgit_arch_dims d;
	int tie, cross, rc;

	if ((rc = hfgit_arch__dims_get(&d, cfg)) < 0 ||
	    (rc = hfgit_config_get_bool(&tie, cfg, "tie_word_embeddings")) < 0 ||
	    (rc = hfgit_config_get_bool(&cross, cfg, "add_cross_attention")) < 0 ||
	    (rc = hfgit_binder_push_base(b)) < 0)
		return rc;
	rc = gpt2_model(b, &d, cross);
	hfgit_binder_pop(b);
	if (rc)
		return rc;
	switch (hfgit_binder_head(b)) {
	case HFGIT_AUTO_CAUSAL_LM:
		if (tie)
			return hfgit_binder_tie(b, "lm_head.weight", "transformer.wte.weight");
		return hfgit_layer__linear(b, "lm_head", d.vocab_size, d.hidden_size, false,
		                           HFGIT_BIND_OPTIONAL);
	case HFGIT_AUTO_SEQ_CLS:
		return hfgit_layer__linear(b, "score", (long long)hfgit_config_num_labels(cfg),
		                           d.hidden_size, false, HFGIT_BIND_OPTIONAL);
	default:
		return 0;
	}
}

static const char *const other_classes[] = {
	"GPT2DoubleHeadsModel", "GPT2ForTokenClassification", "GPT2ForQuestionAnswering", NULL,
};

const hfgit_architecture hfgit_arch__gpt2 = {
	.version = HFGIT_ARCHITECTURE_VERSION,
	.model_type = "gpt2",
	.base_prefix = "transformer",
	.classes = {
		[HFGIT_AUTO_BASE] = "GPT2Model",
		[HFGIT_AUTO_SEQ_CLS] = "GPT2ForSequenceClassification",
		[HFGIT_AUTO_CAUSAL_LM] = "GPT2LMHeadModel",
	},
	.other_classes = other_classes,
	.read_config = read_config,
	.build = build,
};
