/*
 * The Llama family of decoder-only LMs (transformers' modeling_llama, modeling_mistral,
 * modeling_qwen2): LlamaModel/LlamaForCausalLM, MistralModel/MistralForCausalLM and
 * Qwen2Model/Qwen2ForCausalLM. One layout: model.embed_tokens, model.layers.N.{input_layernorm,
 * self_attn.{q,k,v,o}_proj, post_attention_layernorm, mlp.{gate,up,down}_proj}, model.norm,
 * lm_head (tied to the embeddings when tie_word_embeddings). What differs is the biases
 * (Llama's attention_bias and mlp_bias, Qwen2's q/k/v biases, none in Mistral), the config
 * defaults, and the sliding window (Mistral; Qwen2 with use_sliding_window).
 */
#include <json-c/json.h>
#include <stdbool.h>

#include "model/architectures.h"
#include "model/layers.h"
#include "model/config.h"
#include "model/rope.h"

typedef struct {
	long long vocab, hidden, intermediate, layers, heads, kv_heads, max_positions, window;
	double rope_theta;
	int tie, qkv_bias; /* qkv_bias: Qwen2's q/k/v biases (no o_proj bias) */
} family;

static const family llama = { 32000, 4096, 11008, 32, 32, 0, 2048, 0, 10000.0, 0, 0 };
static const family mistral = { 32000, 4096, 14336, 32, 32, 8, 4096 * 32, 4096, 10000.0, 0, 0 };
static const family qwen2 = { 151936, 4096, 22016, 32, 32, 32, 32768, 4096, 10000.0, 0, 1 };

static int read_config(hfgit_config *cfg, void *payload)
{
	const family *f = payload;
	const unsigned int size = HFGIT_READ_SIZE;
	long long v, hidden, heads, kv, head_dim;
	double eps, theta;
	const char *act;
	int flag, rc;
	hfgit_rope rope;

	if ((rc = hfgit_config_read_int(&v, cfg, "vocab_size", NULL, f->vocab, size)) < 0 ||
	    (rc = hfgit_config_read_int(&hidden, cfg, "hidden_size", NULL, f->hidden, size)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "intermediate_size", NULL, f->intermediate,
	                                size)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "num_hidden_layers", NULL, f->layers, size)) < 0 ||
	    (rc = hfgit_config_read_int(&heads, cfg, "num_attention_heads", NULL, f->heads,
	                                size)) < 0 ||
	    /* LlamaConfig: None means one KV head per attention head (multi-head attention). */
	    (rc = hfgit_config_read_int(&kv, cfg, "num_key_value_heads", NULL,
	                                f->kv_heads ? f->kv_heads : heads, size)) < 0 ||
	    (rc = hfgit_config_read_int(&head_dim, cfg, "head_dim", NULL, hidden / heads, size)) < 0 ||
	    (rc = hfgit_config_read_int(&v, cfg, "max_position_embeddings", NULL, f->max_positions,
	                                size)) < 0 ||
	    (rc = hfgit_config_read_float(&eps, cfg, "rms_norm_eps", NULL, 1e-6, 0)) < 0 ||
	    (rc = hfgit_config_read_float(&theta, cfg, "rope_theta", NULL, f->rope_theta, 0)) < 0 ||
	    (rc = hfgit_config_read_string(&act, cfg, "hidden_act", NULL, "silu", 0)) < 0 ||
	    (rc = hfgit_config_read_bool(&flag, cfg, "tie_word_embeddings", NULL, f->tie, 0)) < 0 ||
	    (rc = hfgit_config_read_bool(&flag, cfg, "attention_bias", NULL, 0, 0)) < 0 ||
	    (rc = hfgit_config_read_bool(&flag, cfg, "mlp_bias", NULL, 0, 0)) < 0)
		return rc;
	if (f == &qwen2) {
		if ((rc = hfgit_config_read_bool(&flag, cfg, "use_sliding_window", NULL, 0, 0)) < 0 ||
		    (rc = hfgit_config_read_int(&v, cfg, "max_window_layers", NULL, 28, 0)) < 0)
			return rc;
	}
	/* The window of Mistral (and of Qwen2 with use_sliding_window): absent, the config
	 * class's default; null, none (recorded as 0). */
	if (f->window) {
		json_object *w = NULL;
		bool none = json_object_object_get_ex(hfgit_config__json(cfg), "sliding_window", &w) &&
		            json_object_is_type(w, json_type_null);

		if ((rc = hfgit_config_read_int(&v, cfg, "sliding_window", NULL, none ? 0 : f->window,
		                                0)) < 0)
			return rc;
		if (v < 0)
			return hfgit_config_invalid(cfg, "sliding_window", "is %lld; a window holds at "
			                            "least one token", v);
	}
	if (heads % kv)
		return hfgit_config_invalid(cfg, "num_attention_heads", "is %lld, not a multiple of "
		                            "num_key_value_heads %lld: each KV head serves an equal "
		                            "group of attention heads", heads, kv);
	/* rope_scaling's type and factors are checked now: a config hfgit cannot run fails at
	 * load, naming the field. */
	if ((rc = hfgit_rope__read(&rope, cfg, (size_t)head_dim)) < 0)
		return rc;
	return hfgit_rope__record(&rope, cfg);
}

static int layer(hfgit_binder *b, long long hidden, long long inter, long long heads,
                 long long kv, long long d, int attn_bias, int qkv_bias, int mlp_bias)
{
	int rc, qkv = attn_bias || qkv_bias;

	rc = hfgit_layer__norm_weight(b, "input_layernorm", hidden);
	rc = rc ? rc : hfgit_binder_push(b, "self_attn");
	if (rc)
		return rc;
	rc = hfgit_layer__linear(b, "q_proj", heads * d, hidden, qkv, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "k_proj", kv * d, hidden, qkv, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "v_proj", kv * d, hidden, qkv, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "o_proj", hidden, heads * d, attn_bias, 0);
	/* Checkpoints written before transformers 4.31 keep the rotary inv_freq buffer. */
	rc = rc ? rc : hfgit_binder_buffer(b, "rotary_emb.inv_freq");
	hfgit_binder_pop(b);
	rc = rc ? rc : hfgit_layer__norm_weight(b, "post_attention_layernorm", hidden);
	rc = rc ? rc : hfgit_layer__linear(b, "mlp.gate_proj", inter, hidden, mlp_bias, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "mlp.up_proj", inter, hidden, mlp_bias, 0);
	rc = rc ? rc : hfgit_layer__linear(b, "mlp.down_proj", hidden, inter, mlp_bias, 0);
	return rc;
}

static int build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	const family *f = payload;
	long long kv, d, i;
	int tie, attn_bias, mlp_bias, rc;
	hfgit_arch_dims dims;

	if ((rc = hfgit_arch__dims_get(&dims, cfg)) < 0 ||
	    (rc = hfgit_config_get_int(&kv, cfg, "num_key_value_heads")) < 0 ||
	    (rc = hfgit_config_get_int(&d, cfg, "head_dim")) < 0 ||
	    (rc = hfgit_config_get_bool(&tie, cfg, "tie_word_embeddings")) < 0 ||
	    (rc = hfgit_config_get_bool(&attn_bias, cfg, "attention_bias")) < 0 ||
	    (rc = hfgit_config_get_bool(&mlp_bias, cfg, "mlp_bias")) < 0)
		return rc;
	if (f == &mistral) /* MistralAttention and MistralMLP have no biases */
		attn_bias = mlp_bias = 0;
	if (f == &qwen2) /* Qwen2: q/k/v biases always, none on o_proj and the MLP */
		attn_bias = mlp_bias = 0;
	if ((rc = hfgit_binder_push_base(b)) < 0)
		return rc;
	rc = hfgit_layer__embedding(b, "embed_tokens", dims.vocab_size, dims.hidden_size);
	for (i = 0; rc == 0 && i < dims.num_layers; i++) {
		if ((rc = hfgit_binder_push(b, "layers.%lld", i)) < 0)
			break;
		rc = layer(b, dims.hidden_size, dims.intermediate_size, dims.num_heads, kv, d,
		           attn_bias, f->qkv_bias, mlp_bias);
		hfgit_binder_pop(b);
	}
	rc = rc ? rc : hfgit_layer__norm_weight(b, "norm", dims.hidden_size);
	rc = rc ? rc : hfgit_binder_buffer(b, "rotary_emb.inv_freq");
	hfgit_binder_pop(b);
	if (rc || hfgit_binder_head(b) != HFGIT_AUTO_CAUSAL_LM)
		return rc;
	if (tie)
		return hfgit_binder_tie(b, "lm_head.weight", "model.embed_tokens.weight");
	return hfgit_layer__linear(b, "lm_head", dims.vocab_size, dims.hidden_size, false, 0);
}

#define OTHER(p) p "ForSequenceClassification", p "ForTokenClassification", \
	p "ForQuestionAnswering"

static const char *const llama_other[] = { OTHER("Llama"), NULL };
static const char *const mistral_other[] = { OTHER("Mistral"), NULL };
static const char *const qwen2_other[] = { OTHER("Qwen2"), NULL };

#define FAMILY(type, prefix, other, fam)                                                     \
	{                                                                                     \
		.version = HFGIT_ARCHITECTURE_VERSION, .model_type = type, .base_prefix = "model", \
		.classes = {                                                                  \
			[HFGIT_AUTO_BASE] = prefix "Model",                                   \
			[HFGIT_AUTO_CAUSAL_LM] = prefix "ForCausalLM",                        \
		},                                                                            \
		.other_classes = other, .read_config = read_config, .build = build,           \
		.payload = (void *)&fam,                                                      \
	}

const hfgit_architecture hfgit_arch__llama = FAMILY("llama", "Llama", llama_other, llama);
const hfgit_architecture hfgit_arch__mistral = FAMILY("mistral", "Mistral", mistral_other, mistral);
const hfgit_architecture hfgit_arch__qwen2 = FAMILY("qwen2", "Qwen2", qwen2_other, qwen2);
