/*
 * Running the architectures: each one (bert.c, distilbert.c, gpt2.c, vit.c) has a runner
 * descriptor with a prepare function, which checks the config fields that change the math
 * and resolves the parameters to F32 arrays once per model, and a forward function over a
 * workspace. forward.c holds what they share: parameter lookup with dtype conversion, input
 * checks, and the outputs object.
 */
#ifndef HFGIT_FORWARD_FORWARD_H
#define HFGIT_FORWARD_FORWARD_H

#include <stdbool.h>
#include <stdio.h>

#include "hfgit.h"
#include "core/error.h"
#include "tensor/arena.h"
#include "tensor/gemm.h"
#include "tensor/attention.h"
#include "tensor/ops.h"

typedef struct hfgit_runner hfgit_runner;

typedef struct {
	const char *model_type;
	/* Fill r->state (freed with free_state). */
	int (*prepare)(hfgit_runner *r);
	int (*forward)(hfgit_runner *r, const hfgit_forward_inputs *in, hfgit_outputs *out,
	               hfgit_arena *ws);
	void (*free_state)(void *state);
} hfgit_runner_arch;

extern const hfgit_runner_arch hfgit_run__bert;
extern const hfgit_runner_arch hfgit_run__distilbert;
extern const hfgit_runner_arch hfgit_run__gpt2;
extern const hfgit_runner_arch hfgit_run__vit;
extern const hfgit_runner_arch hfgit_run__llama;
extern const hfgit_runner_arch hfgit_run__mistral;
extern const hfgit_runner_arch hfgit_run__qwen2;

struct hfgit_runner {
	const hfgit_runner_arch *arch;
	hfgit_model *model;
	const hfgit_config *cfg;
	hfgit_auto_class head;
	char prefix[64];     /* of the base model's parameters: "bert." in a head class */
	float **copies;      /* F32 conversions of F16/BF16/F64 parameters, owned */
	size_t ncopies;
	size_t copied_bytes; /* of F32 conversions */
	/* The layers whose weights are packed for the kernels on the runner's second use
	 * (forward.c), and the bytes packed so far. */
	struct hfgit_packable {
		hfgit_linear *l;
		const hfgit_param *p;
	} *packable;
	size_t npackable;
	bool packed;
	size_t packed_bytes;
	const hfgit_param *table; /* hfgit_runner__table's, when mapped */
	void *state;
};

/* The runner of a model, prepared on first use and its layers packed on the second
 * (thread-safe). */
int hfgit_runner__get(hfgit_runner **out, hfgit_model *model);
void hfgit_runner__free(hfgit_runner *r);

/* Parameter `name` as F32 with `numel` elements (converted once if stored otherwise); with
 * `base`, the name is inside the base model (r->prefix). HFGIT_EINVALID when the parameter
 * is missing or was not loaded (a broken load report). */
int hfgit_runner__tensor(const float **out, hfgit_runner *r, bool base, size_t numel,
                        const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* An embedding table read a few rows a pass (F32, as hfgit_runner__tensor): when it is mapped
 * from the file, hfgit_runner__table_read gives its pages back after each gather. */
int hfgit_runner__table(const float **out, hfgit_runner *r, bool base, size_t numel,
                       const char *name);
/* After the rows of r's table were read for a pass: a pass needs a few hundred rows of BERT's
 * 94 MB of word embeddings, but a page-cache folio maps 2 MB around each (BERT-base with 8
 * sequences: 62 MB), which the rest of the pass would hold beside its activations. */
void hfgit_runner__table_read(hfgit_runner *r);

/* Whether the parameter exists and was read from the checkpoint (not new, not broken). */
bool hfgit_runner__has(hfgit_runner *r, bool base, const char *name);
/* An nn.Linear (or, with in_out, a Conv1D) of the base model or the head. */
int hfgit_runner__linear(hfgit_linear *out, hfgit_runner *r, bool base, size_t in, size_t outn,
                        bool bias, bool in_out, const char *name);
typedef struct {
	const float *gamma, *beta;
} hfgit_norm;
int hfgit_runner__norm(hfgit_norm *out, hfgit_runner *r, bool base, size_t dim, const char *name);

/* Config reads for prepare (the architecture's read_config recorded them). */
int hfgit_runner__int(long long *out, hfgit_runner *r, const char *name);
int hfgit_runner__activation(hfgit_activation *out, hfgit_runner *r, const char *name,
                            const char *key);
/* Refuse a config whose boolean `key` is true: hfgit does not implement it. */
int hfgit_runner__refuse_flag(hfgit_runner *r, const char *key, const char *what);

/* Checks of text inputs: shapes present, ids in [0, vocab), seq_len <= max_positions (0: no
 * limit), mask values 0/1, token types in [0, types) (0: none allowed). */
int hfgit_check__text(const hfgit_forward_inputs *in, long long vocab, long long max_positions,
                     long long types);

/* Add an output (shape copied, data owned by the outputs, uninitialised). NULL on OOM. */
float *hfgit_outputs__add(hfgit_outputs *o, const char *name, size_t ndim,
                         const long long *shape);
/* hidden_states.<i> [batch, seq, hidden], copied from `h`, when the inputs ask for them. */
int hfgit_outputs__hidden(hfgit_outputs *o, const hfgit_forward_inputs *in, size_t i,
                         const float *h, size_t batch, size_t seq, size_t hidden);

#endif
