#include "forward/generation_config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "model/config.h"
#include "model/model.h"

/* generation_config.json of the model's directory: NULL (no error) when there is none. */
static int load(json_object **out, const hfgit_model *m, char *path, size_t size)
{
	snprintf(path, size, "%s/generation_config.json", m->dir);
	*out = NULL;
	if (access(path, F_OK) != 0)
		return 0;
	if (!(*out = json_object_from_file(path)) || !json_object_is_type(*out, json_type_object)) {
		json_object_put(*out);
		*out = NULL;
		return hfgit_error__set(HFGIT_EINVALID, "%s: not a JSON object (%s); fix or remove "
		                        "the file", path, json_util_get_last_err());
	}
	return 0;
}

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

/* An int or a list of ints. */
static int eos_from(long long *ids, size_t *n, json_object *v, const char *path)
{
	size_t i, len;

	if (json_object_is_type(v, json_type_int)) {
		ids[0] = json_object_get_int64(v);
		*n = 1;
		return 0;
	}
	if (!json_object_is_type(v, json_type_array))
		goto bad;
	len = json_object_array_length(v);
	if (len > HFGIT_MAX_EOS)
		return hfgit_error__set(HFGIT_EINVALID, "%s: eos_token_id lists %zu ids, more than "
		                        "the %d hfgit takes", path, len, HFGIT_MAX_EOS);
	for (i = 0; i < len; i++) {
		json_object *item = json_object_array_get_idx(v, i);

		if (!json_object_is_type(item, json_type_int))
			goto bad;
		ids[i] = json_object_get_int64(item);
	}
	*n = len;
	return 0;
bad:
	return hfgit_error__set(HFGIT_EINVALID, "%s: eos_token_id must be an integer or a list of "
	                        "integers", path);
}

int hfgit_generation__eos(long long *ids, size_t *n, const hfgit_model *m)
{
	json_object *gen, *v;
	char path[4096];
	int rc;

	*n = 0;
	if ((rc = load(&gen, m, path, sizeof(path))) < 0)
		return rc;
	if ((v = field(gen, "eos_token_id"))) {
		rc = eos_from(ids, n, v, path);
		json_object_put(gen);
		return rc;
	}
	json_object_put(gen);
	if ((v = field(hfgit_config__json(m->cfg), "eos_token_id")))
		return eos_from(ids, n, v, "config.json");
	return 0;
}

static int number(float *out, json_object *gen, const char *key, const char *path)
{
	json_object *v = field(gen, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
		return hfgit_error__set(HFGIT_EINVALID, "%s: %s must be a number", path, key);
	*out = (float)json_object_get_double(v);
	return 0;
}

int hfgit_generate_options_from_model(hfgit_generate_options *opts, const hfgit_model *m)
{
	json_object *gen, *v;
	char path[4096];
	float top_k = 50.0f; /* GenerationConfig's default */
	int rc;

	if (!opts || !m)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_generate_options_from_model: NULL "
		                        "argument");
	if (opts->version != HFGIT_GENERATE_OPTIONS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_generate_options version %u is not %d: "
		                        "initialize with HFGIT_GENERATE_OPTIONS_INIT", opts->version,
		                        HFGIT_GENERATE_OPTIONS_VERSION);
	if ((rc = load(&gen, m, path, sizeof(path))) < 0)
		return rc;
	opts->top_k = 50;
	if (!gen)
		return 0;
	if ((v = field(gen, "do_sample"))) {
		if (!json_object_is_type(v, json_type_boolean))
			rc = hfgit_error__set(HFGIT_EINVALID, "%s: do_sample must be true or false", path);
		else
			opts->do_sample = json_object_get_boolean(v);
	}
	if (rc == 0)
		rc = number(&opts->temperature, gen, "temperature", path);
	if (rc == 0)
		rc = number(&opts->top_p, gen, "top_p", path);
	if (rc == 0)
		rc = number(&opts->repetition_penalty, gen, "repetition_penalty", path);
	if (rc == 0 && (rc = number(&top_k, gen, "top_k", path)) == 0) {
		if (top_k < 0 || top_k != (float)(size_t)top_k)
			rc = hfgit_error__set(HFGIT_EINVALID, "%s: top_k must be a count", path);
		else
			opts->top_k = (size_t)top_k;
	}
	if (rc == 0 && (v = field(gen, "max_new_tokens"))) {
		if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 1)
			rc = hfgit_error__set(HFGIT_EINVALID, "%s: max_new_tokens must be a positive "
			                      "integer", path);
		else
			opts->max_new_tokens = (size_t)json_object_get_int64(v);
	}
	json_object_put(gen);
	return rc;
}
