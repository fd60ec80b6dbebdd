#include "model/rope.h"

#include <json-c/json.h>
#include <math.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"
#include "model/config.h"

static const char *const type_names[] = {
	[HFGIT_ROPE_DEFAULT] = "default",
	[HFGIT_ROPE_LINEAR] = "linear",
	[HFGIT_ROPE_DYNAMIC] = "dynamic",
	[HFGIT_ROPE_LLAMA3] = "llama3",
};

const char *hfgit_rope__type_name(hfgit_rope_type t)
{
	return type_names[t];
}

/* A number of rope_scaling; `need` makes absence an error. */
static int scaling_number(double *out, const hfgit_config *cfg, json_object *scaling,
                          const char *key, bool need, double fallback)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(scaling, key, &v) || json_object_is_type(v, json_type_null)) {
		if (need)
			return hfgit_config_invalid(cfg, "rope_scaling", "has no '%s', which its "
			                            "rope_type needs", key);
		*out = fallback;
		return 0;
	}
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return hfgit_config_invalid(cfg, "rope_scaling", "has '%s' that is not a number", key);
	*out = json_object_get_double(v);
	return 0;
}

int hfgit_rope__read(hfgit_rope *out, const hfgit_config *cfg, size_t dim)
{
	json_object *root = hfgit_config__json(cfg), *scaling = NULL, *type = NULL;
	double partial = 1.0, orig;
	const char *name;
	int rc;

	memset(out, 0, sizeof(*out));
	out->dim = dim;
	out->factor = 1.0;
	if ((rc = hfgit_config_get_float(&out->theta, cfg, "rope_theta")) < 0 ||
	    (rc = hfgit_config_get_int(&out->max_positions, cfg, "max_position_embeddings")) < 0)
		return rc;
	if (!(out->theta > 0.0))
		return hfgit_config_invalid(cfg, "rope_theta", "is %g; the rotary base must be "
		                            "positive", out->theta);
	if (dim < 2 || dim % 2 || dim > HFGIT_ROPE_MAX_DIM)
		return hfgit_config_invalid(cfg, "head_dim", "is %zu; rotary embeddings need an even "
		                            "head dimension from 2 to %d", dim, HFGIT_ROPE_MAX_DIM);
	if (hfgit_config_get_float(&partial, cfg, "partial_rotary_factor") < 0)
		hfgit_error__clear();
	if (partial != 1.0)
		/* Llama's apply_rotary_pos_emb rotates the whole head: a partial factor makes
		 * transformers fail on the shapes, so there is nothing to reproduce. */
		return hfgit_config_invalid(cfg, "partial_rotary_factor", "is %g; this architecture "
		                            "rotates whole heads (1.0)", partial);
	if (!root || !json_object_object_get_ex(root, "rope_scaling", &scaling) ||
	    json_object_is_type(scaling, json_type_null))
		return 0;
	if (!json_object_is_type(scaling, json_type_object))
		return hfgit_config_invalid(cfg, "rope_scaling", "is not an object");
	/* "rope_type", or the legacy "type", as modeling_rope_utils reads them. */
	if (!json_object_object_get_ex(scaling, "rope_type", &type))
		json_object_object_get_ex(scaling, "type", &type);
	if (!type || !json_object_is_type(type, json_type_string))
		return hfgit_config_invalid(cfg, "rope_scaling", "has no rope_type string");
	name = json_object_get_string(type);
	if (!strcmp(name, "default"))
		return 0;
	if (!strcmp(name, "linear"))
		out->type = HFGIT_ROPE_LINEAR;
	else if (!strcmp(name, "dynamic"))
		out->type = HFGIT_ROPE_DYNAMIC;
	else if (!strcmp(name, "llama3"))
		out->type = HFGIT_ROPE_LLAMA3;
	else
		return hfgit_config_invalid(cfg, "rope_scaling", "has rope_type \"%.40s\", which hfgit "
		                            "does not implement (it knows default, linear, dynamic and "
		                            "llama3)", name);
	if ((rc = scaling_number(&out->factor, cfg, scaling, "factor", true, 1.0)) < 0)
		return rc;
	if (!(out->factor >= 1.0))
		return hfgit_config_invalid(cfg, "rope_scaling", "has factor %g; it must be at least "
		                            "1", out->factor);
	if (out->type != HFGIT_ROPE_LLAMA3)
		return 0;
	if ((rc = scaling_number(&out->low_freq_factor, cfg, scaling, "low_freq_factor", true,
	                         0)) < 0 ||
	    (rc = scaling_number(&out->high_freq_factor, cfg, scaling, "high_freq_factor", true,
	                         0)) < 0 ||
	    (rc = scaling_number(&orig, cfg, scaling, "original_max_position_embeddings", true,
	                         0)) < 0)
		return rc;
	out->original_max_positions = (long long)orig;
	if (!(out->high_freq_factor > out->low_freq_factor) || !(out->low_freq_factor > 0) ||
	    out->original_max_positions < 1)
		return hfgit_config_invalid(cfg, "rope_scaling", "has llama3 factors low %g, high %g, "
		                            "original_max_position_embeddings %lld: they need "
		                            "0 < low < high and a positive length",
		                            out->low_freq_factor, out->high_freq_factor,
		                            out->original_max_positions);
	return 0;
}

/* One value of rope_scaling (`key` NULL: the field of the same name) as a hyperparameter. */
static int record(hfgit_config *cfg, const char *name, const char *key, hfgit_value_type type,
                  long long i, double f, const char *s)
{
	return hfgit_config__record(cfg, name, key ? key : name, type, i, f, s);
}

int hfgit_rope__record(const hfgit_rope *r, hfgit_config *cfg)
{
	int rc;

	if (r->type == HFGIT_ROPE_DEFAULT)
		return 0;
	if ((rc = record(cfg, "rope_scaling.rope_type", NULL, HFGIT_VALUE_STRING, 0, 0,
	                 type_names[r->type])) < 0 ||
	    (rc = record(cfg, "rope_scaling.factor", NULL, HFGIT_VALUE_FLOAT, 0, r->factor,
	                 NULL)) < 0)
		return rc;
	if (r->type == HFGIT_ROPE_DYNAMIC)
		/* Dynamic NTK grows the base past the length the model was trained for, which
		 * transformers takes from max_position_embeddings. */
		return record(cfg, "rope_scaling.original_max_position_embeddings",
		              "max_position_embeddings", HFGIT_VALUE_INT, r->max_positions, 0, NULL);
	if (r->type != HFGIT_ROPE_LLAMA3)
		return 0;
	if ((rc = record(cfg, "rope_scaling.low_freq_factor", NULL, HFGIT_VALUE_FLOAT, 0,
	                 r->low_freq_factor, NULL)) < 0 ||
	    (rc = record(cfg, "rope_scaling.high_freq_factor", NULL, HFGIT_VALUE_FLOAT, 0,
	                 r->high_freq_factor, NULL)) < 0)
		return rc;
	return record(cfg, "rope_scaling.original_max_position_embeddings", NULL, HFGIT_VALUE_INT,
	              r->original_max_positions, 0, NULL);
}

/* 1 / base^(2i / dim) in F32, as `1.0 / (base ** (arange(0, dim, 2).float() / dim))`. */
static void plain(float *inv, size_t dim, float base)
{
	size_t i;

	for (i = 0; i < dim / 2; i++)
		inv[i] = 1.0f / powf(base, (float)(2 * i) / (float)dim);
}

void hfgit_rope__inv_freq(float *inv, const hfgit_rope *r, long long seq_len)
{
	const size_t half = r->dim / 2;
	size_t i;

	switch (r->type) {
	case HFGIT_ROPE_DEFAULT:
		plain(inv, r->dim, (float)r->theta);
		break;
	case HFGIT_ROPE_LINEAR:
		plain(inv, r->dim, (float)r->theta);
		for (i = 0; i < half; i++)
			inv[i] /= (float)r->factor;
		break;
	case HFGIT_ROPE_DYNAMIC: {
		/* _compute_dynamic_ntk_parameters: a larger base once the sequence outgrows
		 * max_position_embeddings. */
		double base = r->theta, d = (double)r->dim;

		if (seq_len > r->max_positions)
			base *= pow(r->factor * (double)seq_len / (double)r->max_positions -
			            (r->factor - 1.0), d / (d - 2.0));
		plain(inv, r->dim, (float)base);
		break;
	}
	case HFGIT_ROPE_LLAMA3: {
		/* _compute_llama3_parameters: long wavelengths divided by factor, short ones kept,
		 * a smooth blend between. */
		const float old = (float)r->original_max_positions, factor = (float)r->factor,
			    lo = (float)r->low_freq_factor, hi = (float)r->high_freq_factor;
		const double low_wavelen = (double)old / r->low_freq_factor,
			     high_wavelen = (double)old / r->high_freq_factor;

		plain(inv, r->dim, (float)r->theta);
		for (i = 0; i < half; i++) {
			float wavelen = (float)(2.0 * M_PI) / inv[i], f = inv[i], smooth;

			if ((double)wavelen > low_wavelen)
				f = inv[i] / factor;
			if (!((double)wavelen < high_wavelen) && !((double)wavelen > low_wavelen)) {
				smooth = (old / wavelen - lo) / (hi - lo);
				f = (1.0f - smooth) * f / factor + smooth * f;
			}
			inv[i] = f;
		}
		break;
	}
	}
}
