/*
 * What the tests against a PyTorch reference share (test_forward, test_llm, test_task,
 * test_llm_chat): the data folder given on the command line, its JSON reference files, its
 * tiny models, outputs compared with the reference within one tolerance, and greedy
 * generation against the reference's tokens. Header-only and
 * static, as check.h, whose counters the checks here add to.
 */
#ifndef HFGIT_TESTS_REFERENCE_H
#define HFGIT_TESTS_REFERENCE_H

#include <json-c/json.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "check.h"
#include "hfgit.h"

/* F32 sums in another order: 1e-4 absolute on values of order 1-10. */
#define REF_TOLERANCE 1e-4

/* tests/data, from the command line. */
static const char *ref_data_dir;
/* The bound of ref_compare: REF_TOLERANCE, or the case's own where the reference gives one. */
static double ref_tolerance = REF_TOLERANCE;

static inline json_object *ref_get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

/* The start of main: `usage: PROG <tests/data>`, then the reference file FILE under it
 * (forward/reference.json). 0, or the exit code (2: usage, 1: unreadable), said on stderr. */
static inline int ref_open(json_object **out, int argc, char **argv, const char *prog,
                           const char *file)
{
	char path[512];

	*out = NULL;
	if (argc != 2) {
		fprintf(stderr, "usage: %s <tests/data>\n", prog);
		return 2;
	}
	ref_data_dir = argv[1];
	snprintf(path, sizeof(path), "%s/%s", ref_data_dir, file);
	if (!(*out = json_object_from_file(path))) {
		fprintf(stderr, "cannot read %s\n", path);
		return 1;
	}
	return 0;
}

/* A model directory under tests/data; NULL (a failed check) when it does not load. */
static inline hfgit_model *ref_model(const char *dir_name, hfgit_auto_class auto_class,
                                     hfgit_weights_format format)
{
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_model *m = NULL;
	char dir[512];

	snprintf(dir, sizeof(dir), "%s/%s", ref_data_dir, dir_name);
	opts.auto_class = auto_class;
	opts.format = format;
	CHECK_MSG(hfgit_model_from_pretrained(&m, NULL, dir, &opts) == 0, "%s (%s): %s", dir_name,
	          hfgit_auto_class_name(auto_class), hfgit_error_last());
	return m;
}

/* A [rows][cols] integer matrix of JSON into a flat array (free() it). */
static inline int64_t *ref_matrix(json_object *rows, size_t *nrows, size_t *ncols)
{
	size_t r, c, R = json_object_array_length(rows),
		     C = json_object_array_length(json_object_array_get_idx(rows, 0));
	int64_t *v = malloc(R * C * sizeof(*v));

	if (!v)
		abort();
	for (r = 0; r < R; r++)
		for (c = 0; c < C; c++)
			v[r * C + c] = json_object_get_int64(
				json_object_array_get_idx(json_object_array_get_idx(rows, r), c));
	*nrows = R;
	*ncols = C;
	return v;
}

/* One output against the reference's {"shape", "data"}; the largest difference goes in the
 * message. */
static inline void ref_compare(const char *label, const char *name, const hfgit_output *got,
                               json_object *want)
{
	json_object *shape = ref_get(want, "shape"), *data = ref_get(want, "data");
	size_t d, i, worst = 0;
	double max = 0.0;

	CHECK_MSG(got != NULL, "%s: no output %s", label, name);
	if (!got)
		return;
	CHECK_MSG(got->ndim == json_object_array_length(shape), "%s: %s has %zu dims", label, name,
	          got->ndim);
	for (d = 0; d < got->ndim && d < json_object_array_length(shape); d++)
		CHECK_MSG(got->shape[d] == json_object_get_int64(json_object_array_get_idx(shape, d)),
		          "%s: %s dim %zu is %lld", label, name, d, got->shape[d]);
	CHECK_MSG(got->numel == json_object_array_length(data), "%s: %s has %zu values, want %zu",
	          label, name, got->numel, json_object_array_length(data));
	if (got->numel != json_object_array_length(data))
		return;
	for (i = 0; i < got->numel; i++) {
		double diff = fabs((double)got->data[i] -
		                   json_object_get_double(json_object_array_get_idx(data, i)));

		if (!(diff <= max)) {
			max = diff;
			worst = i;
		}
	}
	CHECK_MSG(max <= ref_tolerance, "%s: %s differs from torch by %g at element %zu (got %.9g)",
	          label, name, max, worst, (double)got->data[worst]);
}

/*
 * Greedy generation from `in`, with the KV cache and without, token for token against the
 * reference's {"max_new_tokens", "tokens" (one list per sequence), "repetition_penalty"
 * (absent: none)}.
 */
static inline void ref_check_generate(hfgit_model *m, const char *label,
                                      const hfgit_forward_inputs *in, json_object *g)
{
	json_object *want = ref_get(g, "tokens");
	size_t b, j, len;
	int no_cache;

	for (no_cache = 0; no_cache <= 1; no_cache++) {
		hfgit_generate_options opts = HFGIT_GENERATE_OPTIONS_INIT;
		hfgit_generation *gen = NULL;
		const char *how = no_cache ? "no cache" : "cache";

		opts.max_new_tokens = (size_t)json_object_get_int64(ref_get(g, "max_new_tokens"));
		opts.repetition_penalty =
			(float)json_object_get_double(ref_get(g, "repetition_penalty"));
		opts.no_cache = no_cache;
		CHECK_MSG(hfgit_model_generate(&gen, m, in, &opts) == 0, "%s: %s", label,
		          hfgit_error_last());
		if (!gen)
			continue;
		CHECK(hfgit_generation_count(gen) == json_object_array_length(want));
		for (b = 0; b < hfgit_generation_count(gen); b++) {
			json_object *w = json_object_array_get_idx(want, b);
			const int64_t *t = hfgit_generation_tokens(gen, b, &len);

			CHECK_MSG(len == json_object_array_length(w), "%s (%s): sequence %zu has %zu new "
			          "tokens, torch %zu", label, how, b, len, json_object_array_length(w));
			for (j = 0; j < len && j < json_object_array_length(w); j++)
				CHECK_MSG(t[j] == json_object_get_int64(json_object_array_get_idx(w, j)),
				          "%s (%s): token %zu of sequence %zu is %lld, torch's %lld", label,
				          how, j, b, (long long)t[j],
				          (long long)json_object_get_int64(json_object_array_get_idx(w, j)));
		}
		hfgit_generation_free(gen);
	}
}

#endif
