/*
 * Running the architectures: each one (bert.c, distilbert.c, gpt2.c, vit.c) has a runner
 * descriptor with a prepare function, which checks the config fields that change the math
 * and resolves the parameters to F32 arrays once per model, and a forward function over a
 * workspace. forward.c holds what they share: parameter lookup with dtype conversion, input
 * checks, and the outputs object.
 */
#ifndef HFGIT_FORWARD_FORWARD_H
#define HFGIT_FORWARD_FORWARD_H

#include <pthread.h>
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
	/* The workspace of the last pass, for the next (hfgit_model_forward); a pass on
	 * another thread meanwhile makes its own. */
	pthread_mutex_t spare_lock;
	hfgit_arena spare;
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
/* An embedding table read a few rows a pass (F32, as hfgit_runner__tensor), whose rows
 * hfgit_runner__table_gather copies. */
int hfgit_runner__table(const float **out, hfgit_runner *r, bool base, size_t numel,
                       const char *name);
/* out[i] = row ids[i] of r's table (`width` floats each), for i < n. A pass needs a few
 * hundred rows of BERT's 94 MB of word embeddings, but the fault of each row through the
 * mapping mapped the page-cache folio around it: the 1,024 rows of 8 sequences of 128 held 92
 * MB of it until the pass gave them back, its peak RSS. A table mapped from its file is read
 * with pread instead (1 ms for those rows, against 4.7 through the mapping). */
void hfgit_runner__table_gather(hfgit_runner *r, float *out, const float *table,
                                const int64_t *ids, size_t n, size_t width);

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
