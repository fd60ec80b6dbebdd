/*
 * config.json as a typed config. Parsing checks what every model needs (model_type,
 * architectures, torch_dtype, id2label/label2id, auto_map); the hyperparameters are read by
 * the chosen architecture through hfgit_config_read_* (hfgit.h), which check each field's
 * type, name the field and the file in errors, and record the values as the model's key
 * hyperparameters.
 */
#ifndef HFGIT_MODEL_CONFIG_H
#define HFGIT_MODEL_CONFIG_H

#include <stddef.h>

#include "hfgit.h"

/* A config.json larger than this is refused unread (real ones with 21k ImageNet labels are
 * about 1 MB). */
#define HFGIT_CONFIG_MAX_BYTES (64u << 20)

/* Parse `len` bytes of config.json; `path` names it in messages. */
int hfgit_config__parse(hfgit_config **out, const char *text, size_t len, const char *path);
/* Read and parse the file at `path`. */
int hfgit_config__load(hfgit_config **out, const char *path);
void hfgit_config__free(hfgit_config *cfg);

/* Who reads the hyperparameters, for "field 'n_embd' is missing; gpt2 needs it" (copied). */
int hfgit_config__set_reader(hfgit_config *cfg, const char *who);

/* The parsed config.json (json-c, borrowed), for the nested fields an architecture reads
 * itself (rope_scaling). */
struct json_object *hfgit_config__json(const hfgit_config *cfg);
/* Record a value an architecture read itself (a nested field) or derived as hyperparameter
 * `name` (`key`: the field it came from; NULL: derived), as hfgit_config_read_* record theirs. */
int hfgit_config__record(hfgit_config *cfg, const char *name, const char *key,
                         hfgit_value_type type, long long i, double f, const char *s);

#endif
