/*
 * Rotary position embeddings as transformers' modeling_rope_utils configures them: the base
 * (rope_theta), the rotary dimension (head_dim), and rope_scaling's types "default",
 * "linear", "dynamic" and "llama3". Other types (yarn, longrope, ...) are refused by name:
 * they change the frequencies and the attention scaling in ways hfgit does not compute.
 */
#ifndef HFGIT_MODEL_ROPE_H
#define HFGIT_MODEL_ROPE_H

#include <stddef.h>

#include "hfgit.h"

typedef enum {
	HFGIT_ROPE_DEFAULT,
	HFGIT_ROPE_LINEAR,
	HFGIT_ROPE_DYNAMIC,
	HFGIT_ROPE_LLAMA3,
} hfgit_rope_type;

#define HFGIT_ROPE_MAX_DIM 1024

typedef struct {
	hfgit_rope_type type;
	double theta;
	size_t dim;             /* rotary dimension: head_dim */
	long long max_positions; /* max_position_embeddings (dynamic's threshold) */
	double factor;
	double low_freq_factor, high_freq_factor; /* llama3 */
	long long original_max_positions;          /* llama3 */
} hfgit_rope;

/* Read and check rope_theta, rope_scaling and partial_rotary_factor of `cfg` for a rotary
 * dimension `dim`; errors name the field. */
int hfgit_rope__read(hfgit_rope *out, const hfgit_config *cfg, size_t dim);

/* The inverse frequencies [dim / 2] (F32, as torch computes them) for a forward whose
 * largest position is seq_len - 1 (only "dynamic" depends on it). */
void hfgit_rope__inv_freq(float *inv_freq, const hfgit_rope *r, long long seq_len);

const char *hfgit_rope__type_name(hfgit_rope_type t);

/* Record the scaling of `r` as `cfg`'s hyperparameters (rope_scaling.rope_type, .factor, and
 * the fields its type uses), for hfgit inspect; nothing for the default type. */
int hfgit_rope__record(const hfgit_rope *r, hfgit_config *cfg);

#endif
