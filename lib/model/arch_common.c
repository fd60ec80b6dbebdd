#include "model/architectures.h"

#include "core/error.h"

int hfgit_arch__dims_get(hfgit_arch_dims *out, const hfgit_config *cfg)
{
	int rc;

	out->vocab_size = out->max_positions = 0;
	if ((rc = hfgit_config_get_int(&out->hidden_size, cfg, "hidden_size")) < 0 ||
	    (rc = hfgit_config_get_int(&out->num_layers, cfg, "num_hidden_layers")) < 0 ||
	    (rc = hfgit_config_get_int(&out->num_heads, cfg, "num_attention_heads")) < 0 ||
	    (rc = hfgit_config_get_int(&out->intermediate_size, cfg, "intermediate_size")) < 0)
		return rc;
	/* ViT has neither a vocabulary nor position limits of its own. */
	if (hfgit_config_get_int(&out->vocab_size, cfg, "vocab_size") < 0)
		out->vocab_size = 0;
	if (hfgit_config_get_int(&out->max_positions, cfg, "max_position_embeddings") < 0)
		out->max_positions = 0;
	hfgit_error__clear();
	return 0;
}

int hfgit_arch__check_heads(hfgit_config *cfg, const char *heads_key, long long heads,
                            const char *hidden_key, long long hidden)
{
	if (hidden % heads)
		return hfgit_config_invalid(cfg, heads_key, "is %lld, which does not divide %s %lld: "
		                            "every attention head gets an equal share", heads,
		                            hidden_key, hidden);
	return 0;
}
