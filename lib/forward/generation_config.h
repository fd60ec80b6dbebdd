/*
 * generation_config.json, as transformers' GenerationConfig reads it for generate(): the
 * sampling defaults a model ships (do_sample, temperature, top_k, top_p,
 * repetition_penalty) and its end-of-sequence ids, an int or a list (Llama 3 stops on
 * several); config.json's eos_token_id when the file or the field is absent.
 */
#ifndef HFGIT_FORWARD_GENERATION_CONFIG_H
#define HFGIT_FORWARD_GENERATION_CONFIG_H

#include <stddef.h>

#include "hfgit.h"

#define HFGIT_MAX_EOS 16

/* The eos ids of `m` into ids[0 .. *n); *n = 0 when it has none. Errors name the file. */
int hfgit_generation__eos(long long *ids, size_t *n, const hfgit_model *m);

#endif
