#include "model/config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"

/* transformers' PretrainedConfig gives a config without id2label two labels. */
#define DEFAULT_NUM_LABELS 2
/* A label count above this is not a classifier any config describes; it bounds allocation. */
#define MAX_LABELS 10000000
/* HFGIT_READ_SIZE: a dimension, small enough that products of a few never overflow int64. */
#define MAX_SIZE 2147483647LL

struct hfgit_config {
	char *path;
	json_object *root;
	char *reader;

	/* Borrowed from root. */
	const char *model_type;
	const char **architectures;
	size_t narchitectures;
	const char *torch_dtype;
	const char **auto_map_keys;

	char **labels; /* num_labels of them, id2label's or LABEL_<i> */
	size_t num_labels;
	json_object *label2id; /* borrowed; NULL when absent */
	char **auto_map_values;
	size_t nauto_map;

	hfgit_hparam *hparams; /* name, key and s owned */
	size_t nhparams, hparams_cap;
};

/* ---------------------------------------------------------------------------------------- */
/* Messages                                                                                  */

/* What a JSON value is, for "must be an integer, found string \"32\"". Text from the file is
 * cut and stripped of control characters so that a message stays one readable line. */
static const char *describe(char *buf, size_t size, json_object *v)
{
	const char *text;
	size_t i, n;

	switch (json_object_get_type(v)) {
	case json_type_null: return "null";
	case json_type_boolean: return json_object_get_boolean(v) ? "true" : "false";
	case json_type_array: return "a list";
	case json_type_object: return "an object";
	case json_type_int:
	case json_type_double:
		text = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		snprintf(buf, size, "number %.40s", text);
		return buf;
	case json_type_string:
		text = json_object_get_string(v);
		n = strlen(text);
		snprintf(buf, size, "string \"%.40s%s\"", text, n > 40 ? "..." : "");
		for (i = 0; buf[i]; i++)
			if ((unsigned char)buf[i] < 0x20)
				buf[i] = '?';
		return buf;
	}
	return "a value";
}

int hfgit_config_invalid(const hfgit_config *cfg, const char *key, const char *fmt, ...)
{
	char problem[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	return hfgit_error__set(HFGIT_EINVALID, "%s: field '%s' %s", cfg->path, key, problem);
}

static int wrong_type(const hfgit_config *cfg, const char *key, const char *wanted, json_object *v)
{
	char buf[80];

	return hfgit_config_invalid(cfg, key, "must be %s, found %s", wanted,
	                            describe(buf, sizeof(buf), v));
}

/* ---------------------------------------------------------------------------------------- */
/* Parsing                                                                                   */

/* Line and column of byte `offset`, both from 1, as editors count them. */
static void position_of(const char *text, size_t offset, size_t *line, size_t *column)
{
	size_t i;

	*line = 1;
	*column = 1;
	for (i = 0; i < offset; i++) {
		if (text[i] == '\n') {
			(*line)++;
			*column = 1;
		} else {
			(*column)++;
		}
	}
}

static int parse_json(hfgit_config *cfg, const char *text, size_t len)
{
	json_tokener *tok;
	enum json_tokener_error error;
	size_t end, line, column;

	if (len > HFGIT_CONFIG_MAX_BYTES)
		return hfgit_error__set(HFGIT_EINVALID, "%s: %zu bytes, more than the %u a config.json "
		                        "may have", cfg->path, len, HFGIT_CONFIG_MAX_BYTES);
	if (!(tok = json_tokener_new()))
		return hfgit_error__oom();
	/* Strict, as Python's json module that wrote it (which, like json-c, takes NaN). */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS |
	                       JSON_TOKENER_VALIDATE_UTF8);
	cfg->root = json_tokener_parse_ex(tok, text, (int)len);
	error = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (error == json_tokener_continue || (!cfg->root && error == json_tokener_success)) {
		json_object_put(cfg->root);
		cfg->root = NULL;
		return hfgit_error__set(HFGIT_EINVALID, "%s: not valid JSON: the text ends before its "
		                        "object is complete; the file is truncated: download it again",
		                        cfg->path);
	}
	if (error != json_tokener_success) {
		position_of(text, end < len ? end : len, &line, &column);
		return hfgit_error__set(HFGIT_EINVALID, "%s: not valid JSON: %s at line %zu, column %zu",
		                        cfg->path, json_tokener_error_desc(error), line, column);
	}
	for (; end < len; end++) {
		if (!strchr(" \t\r\n", text[end])) {
			position_of(text, end, &line, &column);
			return hfgit_error__set(HFGIT_EINVALID, "%s: not valid JSON: text after the object "
			                        "at line %zu, column %zu", cfg->path, line, column);
		}
	}
	if (!json_object_is_type(cfg->root, json_type_object))
		return hfgit_error__set(HFGIT_EINVALID, "%s: not a JSON object; config.json holds an "
		                        "object such as {\"model_type\": \"bert\", ...}", cfg->path);
	return 0;
}

/* The value of `key`, or NULL when absent or null (transformers treats None as unset). */
static json_object *field(const hfgit_config *cfg, const char *key)
{
	json_object *v = NULL;

	if (!json_object_object_get_ex(cfg->root, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static int read_optional_string(const hfgit_config *cfg, const char *key, const char **out)
{
	json_object *v = field(cfg, key);

	*out = NULL;
	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_string))
		return wrong_type(cfg, key, "a string", v);
	*out = json_object_get_string(v);
	return 0;
}

static int read_architectures(hfgit_config *cfg)
{
	json_object *v = field(cfg, "architectures");
	size_t n, i;

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_array))
		return wrong_type(cfg, "architectures", "a list of class names", v);
	n = json_object_array_length(v);
	if (n && !(cfg->architectures = calloc(n, sizeof(*cfg->architectures))))
		return hfgit_error__oom();
	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(v, i);
		char key[40];

		if (!json_object_is_type(item, json_type_string)) {
			snprintf(key, sizeof(key), "architectures[%zu]", i);
			return wrong_type(cfg, key, "a class name (a string)", item);
		}
		cfg->architectures[cfg->narchitectures++] = json_object_get_string(item);
	}
	return 0;
}

/* A label id as json.dumps writes an int key: decimal digits, no leading zero, so that two
 * keys ("0", "00") never name one id. */
static bool parse_label_id(const char *s, size_t *out)
{
	size_t v = 0;

	if (!*s || (s[0] == '0' && s[1]))
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || v > (SIZE_MAX - 9) / 10)
			return false;
		v = v * 10 + (size_t)(*s - '0');
	}
	*out = v;
	return true;
}

static int default_labels(hfgit_config *cfg, size_t n)
{
	size_t i;

	if (!(cfg->labels = calloc(n, sizeof(*cfg->labels))))
		return hfgit_error__oom();
	cfg->num_labels = n;
	for (i = 0; i < n; i++)
		if (!(cfg->labels[i] = hfgit__aprintf("LABEL_%zu", i)))
			return HFGIT_ERROR;
	return 0;
}

static int read_id2label(hfgit_config *cfg, json_object *v)
{
	size_t n = (size_t)json_object_object_length(v), id;
	char buf[80];

	if (n == 0)
		return hfgit_config_invalid(cfg, "id2label", "is empty; a model has at least one label");
	if (n > MAX_LABELS)
		return hfgit_config_invalid(cfg, "id2label", "has %zu labels, more than %d", n,
		                            MAX_LABELS);
	if (!(cfg->labels = calloc(n, sizeof(*cfg->labels))))
		return hfgit_error__oom();
	cfg->num_labels = n;
	json_object_object_foreach(v, key, value) {
		if (!parse_label_id(key, &id) || id >= n)
			return hfgit_config_invalid(cfg, "id2label", "has the key \"%.40s\"; its keys must "
			                            "be the label ids 0 to %zu", key, n - 1);
		if (!json_object_is_type(value, json_type_string))
			return hfgit_config_invalid(cfg, "id2label", "maps \"%s\" to %s; labels are strings",
			                            key, describe(buf, sizeof(buf), value));
		/* json-c keeps the last of duplicate keys, and keys are canonical: each id once. */
		if (cfg->labels[id])
			return hfgit_config_invalid(cfg, "id2label", "names the label id %zu twice", id);
		if (!(cfg->labels[id] = hfgit__strdup(json_object_get_string(value))))
			return HFGIT_ERROR;
	}
	return 0;
}

static int read_labels(hfgit_config *cfg)
{
	json_object *id2label = field(cfg, "id2label"), *num = field(cfg, "num_labels");
	int64_t n = 0;
	char buf[80];
	int rc;

	if (num) {
		if (!json_object_is_type(num, json_type_int) || (n = json_object_get_int64(num)) < 1 ||
		    n > MAX_LABELS)
			return hfgit_config_invalid(cfg, "num_labels", "must be a label count from 1 to %d, "
			                            "found %s", MAX_LABELS, describe(buf, sizeof(buf), num));
	}
	if (id2label) {
		if (!json_object_is_type(id2label, json_type_object))
			return wrong_type(cfg, "id2label", "an object of label ids to labels", id2label);
		if ((rc = read_id2label(cfg, id2label)) < 0)
			return rc;
		if (num && (size_t)n != cfg->num_labels)
			return hfgit_config_invalid(cfg, "num_labels", "is %" PRId64 " but id2label has %zu "
			                            "labels; remove one or make them agree", n,
			                            cfg->num_labels);
	} else if ((rc = default_labels(cfg, num ? (size_t)n : DEFAULT_NUM_LABELS)) < 0) {
		return rc;
	}
	if ((cfg->label2id = field(cfg, "label2id"))) {
		if (!json_object_is_type(cfg->label2id, json_type_object))
			return wrong_type(cfg, "label2id", "an object of labels to label ids", cfg->label2id);
		json_object_object_foreach(cfg->label2id, label, value) {
			if (!json_object_is_type(value, json_type_int))
				return hfgit_config_invalid(cfg, "label2id", "maps \"%.40s\" to %s; label ids "
				                            "are integers", label,
				                            describe(buf, sizeof(buf), value));
		}
	}
	return 0;
}

/* One auto_map value: "module.Class", or a [slow, fast] pair as AutoTokenizer's, with nulls. */
static int auto_map_value(const hfgit_config *cfg, const char *key, json_object *v, char **out)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	size_t i, n;
	char what[80];

	if (json_object_is_type(v, json_type_string))
		return (*out = hfgit__strdup(json_object_get_string(v))) ? 0 : HFGIT_ERROR;
	if (!json_object_is_type(v, json_type_array))
		return hfgit_config_invalid(cfg, "auto_map", "maps \"%.40s\" to %s; values are "
		                            "\"module.Class\" strings", key,
		                            describe(what, sizeof(what), v));
	n = json_object_array_length(v);
	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(v, i);

		if (!item || json_object_is_type(item, json_type_null))
			continue;
		if (!json_object_is_type(item, json_type_string)) {
			hfgit_strbuf__dispose(&buf);
			return hfgit_config_invalid(cfg, "auto_map", "lists %s for \"%.40s\"; values are "
			                            "\"module.Class\" strings", describe(what, sizeof(what),
			                            item), key);
		}
		if ((buf.len && hfgit_strbuf__puts(&buf, ", ") < 0) ||
		    hfgit_strbuf__puts(&buf, json_object_get_string(item)) < 0) {
			hfgit_strbuf__dispose(&buf);
			return HFGIT_ERROR;
		}
	}
	*out = hfgit_strbuf__detach(&buf);
	return *out ? 0 : hfgit_error__oom();
}

static int read_auto_map(hfgit_config *cfg)
{
	json_object *v = field(cfg, "auto_map");
	size_t n;
	int rc;

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_object))
		return wrong_type(cfg, "auto_map", "an object of Auto classes to code", v);
	if (!(n = (size_t)json_object_object_length(v)))
		return 0;
	if (!(cfg->auto_map_keys = calloc(n, sizeof(*cfg->auto_map_keys))) ||
	    !(cfg->auto_map_values = calloc(n, sizeof(*cfg->auto_map_values))))
		return hfgit_error__oom();
	json_object_object_foreach(v, key, value) {
		if ((rc = auto_map_value(cfg, key, value, &cfg->auto_map_values[cfg->nauto_map])) < 0)
			return rc;
		cfg->auto_map_keys[cfg->nauto_map++] = key;
	}
	return 0;
}

int hfgit_config__parse(hfgit_config **out, const char *text, size_t len, const char *path)
{
	hfgit_config *cfg;
	int rc;

	*out = NULL;
	if (!(cfg = calloc(1, sizeof(*cfg))) || !(cfg->path = hfgit__strdup(path ? path : "config.json"))) {
		free(cfg);
		return hfgit_error__oom();
	}
	if ((rc = parse_json(cfg, text, len)) < 0 ||
	    (rc = read_optional_string(cfg, "model_type", &cfg->model_type)) < 0 ||
	    (rc = read_architectures(cfg)) < 0 ||
	    (rc = read_optional_string(cfg, "torch_dtype", &cfg->torch_dtype)) < 0 ||
	    (rc = read_labels(cfg)) < 0 || (rc = read_auto_map(cfg)) < 0) {
		hfgit_config__free(cfg);
		return rc;
	}
	*out = cfg;
	return 0;
}

int hfgit_config__load(hfgit_config **out, const char *path)
{
	struct stat st;
	size_t len;
	char *text;
	int rc;

	*out = NULL;
	if (stat(path, &st) < 0)
		return hfgit_error__set_errno(errno == ENOENT ? HFGIT_ENOTFOUND : HFGIT_EIO,
		                              "cannot read '%s'", path);
	if (!S_ISREG(st.st_mode))
		return hfgit_error__set(HFGIT_EINVALID, "%s: not a regular file", path);
	if ((unsigned long long)st.st_size > HFGIT_CONFIG_MAX_BYTES)
		return hfgit_error__set(HFGIT_EINVALID, "%s: %lld bytes, more than the %u a config.json "
		                        "may have", path, (long long)st.st_size, HFGIT_CONFIG_MAX_BYTES);
	if ((rc = hfgit_fs__read_file(&text, &len, path)) < 0)
		return rc;
	rc = hfgit_config__parse(out, text, len, path);
	free(text);
	return rc;
}

void hfgit_config__free(hfgit_config *cfg)
{
	size_t i;

	if (!cfg)
		return;
	for (i = 0; i < cfg->num_labels; i++)
		free(cfg->labels[i]);
	for (i = 0; i < cfg->nauto_map; i++)
		free(cfg->auto_map_values[i]);
	for (i = 0; i < cfg->nhparams; i++) {
		free((char *)cfg->hparams[i].name);
		free((char *)cfg->hparams[i].key);
		free((char *)cfg->hparams[i].s);
	}
	free(cfg->labels);
	free(cfg->auto_map_keys);
	free(cfg->auto_map_values);
	free(cfg->architectures);
	free(cfg->hparams);
	free(cfg->reader);
	free(cfg->path);
	json_object_put(cfg->root);
	free(cfg);
}

int hfgit_config__set_reader(hfgit_config *cfg, const char *who)
{
	char *copy = hfgit__strdup(who);

	if (!copy)
		return HFGIT_ERROR;
	free(cfg->reader);
	cfg->reader = copy;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Accessors                                                                                 */

const char *hfgit_config_path(const hfgit_config *cfg)
{
	return cfg->path;
}

const char *hfgit_config_model_type(const hfgit_config *cfg)
{
	return cfg->model_type;
}

size_t hfgit_config_architecture_count(const hfgit_config *cfg)
{
	return cfg->narchitectures;
}

const char *hfgit_config_architecture(const hfgit_config *cfg, size_t i)
{
	return i < cfg->narchitectures ? cfg->architectures[i] : NULL;
}

const char *hfgit_config_torch_dtype(const hfgit_config *cfg)
{
	return cfg->torch_dtype;
}

size_t hfgit_config_num_labels(const hfgit_config *cfg)
{
	return cfg->num_labels;
}

const char *hfgit_config_label(const hfgit_config *cfg, size_t id)
{
	return id < cfg->num_labels ? cfg->labels[id] : NULL;
}

int hfgit_config_label_id(long long *out, const hfgit_config *cfg, const char *label)
{
	json_object *v;
	size_t i;

	if (cfg->label2id) {
		if (json_object_object_get_ex(cfg->label2id, label, &v)) {
			*out = (long long)json_object_get_int64(v);
			return 0;
		}
	} else {
		for (i = 0; i < cfg->num_labels; i++) {
			if (!strcmp(cfg->labels[i], label)) {
				*out = (long long)i;
				return 0;
			}
		}
	}
	return hfgit_error__set(HFGIT_ENOTFOUND, "%s: no label '%s'", cfg->path, label);
}

size_t hfgit_config_auto_map_count(const hfgit_config *cfg)
{
	return cfg->nauto_map;
}

const char *hfgit_config_auto_map_key(const hfgit_config *cfg, size_t i)
{
	return i < cfg->nauto_map ? cfg->auto_map_keys[i] : NULL;
}

const char *hfgit_config_auto_map_value(const hfgit_config *cfg, size_t i)
{
	return i < cfg->nauto_map ? cfg->auto_map_values[i] : NULL;
}

size_t hfgit_config_hparam_count(const hfgit_config *cfg)
{
	return cfg->nhparams;
}

const hfgit_hparam *hfgit_config_hparam_at(const hfgit_config *cfg, size_t i)
{
	return i < cfg->nhparams ? &cfg->hparams[i] : NULL;
}

struct json_object *hfgit_config__json(const hfgit_config *cfg)
{
	return cfg ? cfg->root : NULL;
}

static const hfgit_hparam *find_hparam(const hfgit_config *cfg, const char *name)
{
	size_t i;

	for (i = 0; i < cfg->nhparams; i++)
		if (!strcmp(cfg->hparams[i].name, name))
			return &cfg->hparams[i];
	return NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* Typed values: recorded hyperparameters first, then config.json's fields                   */

typedef struct {
	hfgit_value_type type;
	long long i;
	double f;
	const char *s;
} value;

static const char *const type_names[] = {
	[HFGIT_VALUE_INT] = "an integer", [HFGIT_VALUE_FLOAT] = "a number",
	[HFGIT_VALUE_BOOL] = "true or false", [HFGIT_VALUE_STRING] = "a string",
};

/* Convert JSON `v` to `type`: an integer is a valid float, nothing else converts. */
static bool from_json(value *out, hfgit_value_type type, json_object *v)
{
	memset(out, 0, sizeof(*out));
	out->type = type;
	switch (type) {
	case HFGIT_VALUE_INT:
		if (!json_object_is_type(v, json_type_int))
			return false;
		out->i = (long long)json_object_get_int64(v);
		/* json-c saturates numbers beyond int64: refuse them rather than read a wrong one. */
		return out->i != INT64_MAX && out->i != INT64_MIN;
	case HFGIT_VALUE_FLOAT:
		if (!json_object_is_type(v, json_type_int) && !json_object_is_type(v, json_type_double))
			return false;
		out->f = json_object_get_double(v);
		return true;
	case HFGIT_VALUE_BOOL:
		if (!json_object_is_type(v, json_type_boolean))
			return false;
		out->i = json_object_get_boolean(v);
		return true;
	case HFGIT_VALUE_STRING:
		if (!json_object_is_type(v, json_type_string))
			return false;
		out->s = json_object_get_string(v);
		return true;
	}
	return false;
}

static int get_value(value *out, const hfgit_config *cfg, const char *name, hfgit_value_type type)
{
	const hfgit_hparam *h = find_hparam(cfg, name);
	json_object *v;

	if (h) {
		if (h->type == type || (type == HFGIT_VALUE_FLOAT && h->type == HFGIT_VALUE_INT)) {
			out->type = type;
			out->i = h->i;
			out->f = h->type == HFGIT_VALUE_INT ? (double)h->i : h->f;
			out->s = h->s;
			return 0;
		}
		return hfgit_error__set(HFGIT_EINVALID, "%s: hyperparameter '%s' is not %s", cfg->path,
		                        name, type_names[type]);
	}
	if (!(v = field(cfg, name)))
		return hfgit_error__set(HFGIT_ENOTFOUND, "%s: no field '%s'", cfg->path, name);
	if (!from_json(out, type, v))
		return wrong_type(cfg, name, type_names[type], v);
	return 0;
}

int hfgit_config_get_int(long long *out, const hfgit_config *cfg, const char *name)
{
	value v;
	int rc = get_value(&v, cfg, name, HFGIT_VALUE_INT);

	if (rc == 0)
		*out = v.i;
	return rc;
}

int hfgit_config_get_float(double *out, const hfgit_config *cfg, const char *name)
{
	value v;
	int rc = get_value(&v, cfg, name, HFGIT_VALUE_FLOAT);

	if (rc == 0)
		*out = v.f;
	return rc;
}

int hfgit_config_get_bool(int *out, const hfgit_config *cfg, const char *name)
{
	value v;
	int rc = get_value(&v, cfg, name, HFGIT_VALUE_BOOL);

	if (rc == 0)
		*out = (int)v.i;
	return rc;
}

int hfgit_config_get_string(const char **out, const hfgit_config *cfg, const char *name)
{
	value v;
	int rc = get_value(&v, cfg, name, HFGIT_VALUE_STRING);

	if (rc == 0)
		*out = v.s;
	return rc;
}

/* Record (or replace: an architecture may read a name twice) a hyperparameter. */
static int record(hfgit_config *cfg, const char *name, const char *key, const value *v)
{
	hfgit_hparam h = { NULL, NULL, v->type, v->i, v->f, NULL };
	hfgit_hparam *slot = (hfgit_hparam *)find_hparam(cfg, name);

	if (!(h.name = hfgit__strdup(name)) || (key && !(h.key = hfgit__strdup(key))) ||
	    (v->s && !(h.s = hfgit__strdup(v->s)))) {
		free((char *)h.name);
		free((char *)h.key);
		return HFGIT_ERROR;
	}
	if (!slot) {
		if (cfg->nhparams == cfg->hparams_cap) {
			size_t cap = cfg->hparams_cap ? cfg->hparams_cap * 2 : 16;
			hfgit_hparam *grown = realloc(cfg->hparams, cap * sizeof(*grown));

			if (!grown) {
				free((char *)h.name);
				free((char *)h.key);
				free((char *)h.s);
				return hfgit_error__oom();
			}
			cfg->hparams = grown;
			cfg->hparams_cap = cap;
		}
		slot = &cfg->hparams[cfg->nhparams++];
	} else {
		free((char *)slot->name);
		free((char *)slot->key);
		free((char *)slot->s);
	}
	*slot = h;
	return 0;
}

int hfgit_config__record(hfgit_config *cfg, const char *name, const char *key,
                         hfgit_value_type type, long long i, double f, const char *s)
{
	value v = { type, i, f, s };

	return record(cfg, name, key, &v);
}

static int read_value(value *out, hfgit_config *cfg, const char *name, const char *key,
                      const value *fallback, unsigned int flags)
{
	json_object *v;

	if (!name || !*name)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_config_read_*: no name given");
	if (!key)
		key = name;
	if (!(v = field(cfg, key))) {
		if (flags & HFGIT_READ_REQUIRED)
			return hfgit_config_invalid(cfg, key, "is missing%s%s%s", cfg->reader ? "; " : "",
			                            cfg->reader ? cfg->reader : "",
			                            cfg->reader ? " needs it" : "");
		*out = *fallback;
		return record(cfg, name, NULL, out);
	}
	if (!from_json(out, fallback->type, v))
		return wrong_type(cfg, key, type_names[fallback->type], v);
	if ((flags & HFGIT_READ_SIZE) && out->type == HFGIT_VALUE_INT &&
	    (out->i < 1 || out->i > MAX_SIZE))
		return hfgit_config_invalid(cfg, key, "is %lld; a size must be from 1 to %lld", out->i,
		                            MAX_SIZE);
	return record(cfg, name, key, out);
}

int hfgit_config_read_int(long long *out, hfgit_config *cfg, const char *name, const char *key,
                          long long fallback, unsigned int flags)
{
	value def = { HFGIT_VALUE_INT, fallback, 0, NULL }, v;
	int rc = read_value(&v, cfg, name, key, &def, flags);

	if (rc == 0)
		*out = v.i;
	return rc;
}

int hfgit_config_read_float(double *out, hfgit_config *cfg, const char *name, const char *key,
                            double fallback, unsigned int flags)
{
	value def = { HFGIT_VALUE_FLOAT, 0, fallback, NULL }, v;
	int rc = read_value(&v, cfg, name, key, &def, flags);

	if (rc == 0)
		*out = v.f;
	return rc;
}

int hfgit_config_read_bool(int *out, hfgit_config *cfg, const char *name, const char *key,
                           int fallback, unsigned int flags)
{
	value def = { HFGIT_VALUE_BOOL, fallback != 0, 0, NULL }, v;
	int rc = read_value(&v, cfg, name, key, &def, flags);

	if (rc == 0)
		*out = (int)v.i;
	return rc;
}

int hfgit_config_read_string(const char **out, hfgit_config *cfg, const char *name,
                             const char *key, const char *fallback, unsigned int flags)
{
	value def = { HFGIT_VALUE_STRING, 0, 0, fallback }, v;
	int rc = read_value(&v, cfg, name, key, &def, flags);

	/* The recorded copy lives as long as the config; the JSON string would too, but a
	 * fallback may not. */
	if (rc == 0)
		*out = find_hparam(cfg, name)->s;
	return rc;
}
