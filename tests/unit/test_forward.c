/*
 * Forward passes against the PyTorch reference (tests/data/forward/reference.json, written by
 * tests/data/forward/make.py from transformers' modeling files): every output of every case,
 * in every weight format listed, within 1e-4 absolute; hidden states layer by layer, so that a
 * difference points at the layer it starts in; a padded batch against each of its sequences
 * run alone; greedy generation with and without the KV cache against torch's tokens; and bad
 * inputs, which must fail with a message naming the problem.
 *
 * usage: test_forward <tests/data>
 */
#include <json-c/json.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hfgit.h"
#include "reference.h"
#include "forward/forward.h"
#include "model/model.h"

static hfgit_auto_class auto_of(const char *name)
{
	int k;

	for (k = 0; k < HFGIT_AUTO_COUNT_; k++)
		if (!strcmp(name, hfgit_auto_class_name((hfgit_auto_class)k)))
			return (hfgit_auto_class)k;
	CHECK_MSG(0, "unknown auto class %s", name);
	return HFGIT_AUTO_CONFIG;
}

static hfgit_weights_format format_of(const char *name)
{
	if (!strcmp(name, "safetensors"))
		return HFGIT_WEIGHTS_SAFETENSORS;
	if (!strcmp(name, "pytorch"))
		return HFGIT_WEIGHTS_PYTORCH;
	return HFGIT_WEIGHTS_ANY;
}

static hfgit_model *load(const char *dir_name, const char *auto_name, const char *format)
{
	return ref_model(dir_name, auto_of(auto_name), format_of(format));
}

typedef struct {
	hfgit_forward_inputs in;
	int64_t *ids, *mask, *types;
	float *pixels;
} inputs;

static void inputs_from(inputs *x, json_object *j)
{
	json_object *v;
	size_t r, c;

	memset(x, 0, sizeof(*x));
	x->in.version = HFGIT_FORWARD_INPUTS_VERSION;
	if ((v = ref_get(j, "input_ids"))) {
		x->in.input_ids = x->ids = ref_matrix(v, &x->in.batch, &x->in.seq_len);
		x->in.attention_mask = x->mask = ref_matrix(ref_get(j, "attention_mask"), &r, &c);
	}
	if ((v = ref_get(j, "token_type_ids")))
		x->in.token_type_ids = x->types = ref_matrix(v, &r, &c);
	if ((v = ref_get(j, "pixel_values"))) {
		long long shape[4];
		size_t ndim = 0;
		char path[512];

		snprintf(path, sizeof(path), "%s/%s", ref_data_dir, json_object_get_string(v));
		CHECK_MSG(hfgit_npy_read_f32(&x->pixels, &ndim, shape, 4, path) == 0 && ndim == 4,
		          "%s: %s", path, hfgit_error_last());
		if (ndim == 4) {
			x->in.batch = (size_t)shape[0];
			x->in.channels = (size_t)shape[1];
			x->in.height = (size_t)shape[2];
			x->in.width = (size_t)shape[3];
		}
		x->in.pixel_values = x->pixels;
	}
}

static void inputs_free(inputs *x)
{
	free(x->ids);
	free(x->mask);
	free(x->types);
	free(x->pixels);
}

/* Outputs at the real positions of sequence b of a padded batch equal those of the sequence
 * run alone, unpadded. */
static void check_padding(hfgit_model *m, const char *label, const inputs *x,
                          const hfgit_outputs *batch)
{
	size_t b, t, o, i, n, S = x->in.seq_len;

	for (b = 0; b < x->in.batch; b++) {
		hfgit_forward_inputs one = x->in;
		hfgit_outputs *alone = NULL;

		for (n = 0; n < S && x->mask[b * S + n]; n++)
			;
		one.batch = 1;
		one.seq_len = n;
		one.input_ids = x->ids + b * S;
		one.attention_mask = NULL;
		one.token_type_ids = x->types ? x->types + b * S : NULL;
		one.output_hidden_states = 0;
		CHECK_MSG(hfgit_model_forward(&alone, m, &one) == 0, "%s: seq %zu alone: %s", label, b,
		          hfgit_error_last());
		for (o = 0; alone && o < hfgit_outputs_count(alone); o++) {
			const hfgit_output *a = hfgit_outputs_at(alone, o),
					   *p = hfgit_outputs_find(batch, a->name);
			size_t per_pos = a->ndim == 3 ? (size_t)a->shape[2] : 0;
			double max = 0.0;

			CHECK_MSG(p != NULL, "%s: %s missing from the batch", label, a->name);
			if (!p)
				continue;
			if (per_pos) {
				for (t = 0; t < n; t++)
					for (i = 0; i < per_pos; i++)
						max = fmax(max, fabs(a->data[t * per_pos + i] -
						                     p->data[(b * S + t) * per_pos + i]));
			} else {
				size_t w = (size_t)a->shape[1];

				for (i = 0; i < w; i++)
					max = fmax(max, fabs(a->data[i] - p->data[b * w + i]));
			}
			CHECK_MSG(max <= 1e-5, "%s: %s of sequence %zu in the padded batch differs from "
			          "it alone by %g", label, a->name, b, max);
		}
		hfgit_outputs_free(alone);
	}
}

/* Every output of the class (and the hidden states asked for) against the reference's. */
static void compare_outputs(const char *label, const hfgit_outputs *out, json_object *outputs,
                            json_object *hidden)
{
	size_t i;

	json_object_object_foreach(outputs, name, want)
		ref_compare(label, name, hfgit_outputs_find(out, name), want);
	for (i = 0; hidden && i < json_object_array_length(hidden); i++) {
		char hs[48];

		snprintf(hs, sizeof(hs), "hidden_states.%zu", i);
		ref_compare(label, hs, hfgit_outputs_find(out, hs),
		            json_object_array_get_idx(hidden, i));
	}
	/* Exactly the outputs of the class (plus the hidden states asked for). */
	CHECK_MSG(hfgit_outputs_count(out) ==
	                  (size_t)json_object_object_length(outputs) +
	                          (hidden ? json_object_array_length(hidden) : 0),
	          "%s: %zu outputs", label, hfgit_outputs_count(out));
}

static void run_case(json_object *c)
{
	json_object *formats = ref_get(c, "formats"), *outputs = ref_get(c, "outputs"),
		    *hidden = ref_get(c, "hidden_states"), *gen = ref_get(c, "generate");
	size_t f;

	for (f = 0; f < json_object_array_length(formats); f++) {
		const char *format = json_object_get_string(json_object_array_get_idx(formats, f));
		hfgit_model *m = load(json_object_get_string(ref_get(c, "dir")),
		                      json_object_get_string(ref_get(c, "auto")), format);
		hfgit_outputs *out = NULL;
		char label[160];
		int pass, passes;
		inputs x;

		snprintf(label, sizeof(label), "%s [%s]", json_object_get_string(ref_get(c, "name")), format);
		if (!m)
			continue;
		CHECK_STR(hfgit_model_class(m), json_object_get_string(ref_get(c, "class")));
		inputs_from(&x, ref_get(c, "inputs"));
		if (gen) {
			ref_check_generate(m, label, &x.in, gen);
			inputs_free(&x);
			hfgit_model_free(m);
			continue;
		}
		x.in.output_hidden_states = hidden != NULL;
		/* A model's F32 layers as wide as the kernels' blocks are packed for them on its
		 * second pass (on a CPU with AVX-512): the second pass of the wide model is the
		 * check of that path. */
		__builtin_cpu_init();
		passes = strstr(label, "-wide") ? 2 : 1;
		for (pass = 0; pass < passes; pass++) {
			hfgit_outputs_free(out);
			out = NULL;
			CHECK_MSG(hfgit_model_forward(&out, m, &x.in) == 0, "%s: %s", label,
			          hfgit_error_last());
			compare_outputs(label, out, outputs, hidden);
		}
		if (passes > 1 && __builtin_cpu_supports("avx512f"))
			CHECK_MSG(m->runner && m->runner->packed_bytes > 0, "%s: no weights packed",
			          label);
		/* The word embeddings are read from their file (pread) only from a file mapping
		 * (safetensors, a zip .bin's stored entries): a legacy .bin's storages are heap
		 * copies. */
		if (m->runner && !strncmp(label, "bert-", 5) && strcmp(format, "any"))
			CHECK_MSG((m->runner->table != NULL) == !strstr(label, "legacy"),
			          "%s: word embeddings %s", label,
			          m->runner->table ? "given back from a copy" : "kept mapped");
		if (out && x.mask && x.in.batch > 1)
			check_padding(m, label, &x, out);
		hfgit_outputs_free(out);
		inputs_free(&x);
		hfgit_model_free(m);
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Bad input                                                                                  */

static void fails_with(hfgit_model *m, const hfgit_forward_inputs *in, const char *needle)
{
	hfgit_outputs *out = (hfgit_outputs *)1;
	int rc = hfgit_model_forward(&out, m, in);

	CHECK_MSG(rc == HFGIT_EINVALID, "expected EINVALID (%s), got %d", needle, rc);
	CHECK_MSG(out == NULL, "outputs on failure");
	CHECK_MSG(strstr(hfgit_error_last(), needle) != NULL, "message \"%s\" lacks \"%s\"",
	          hfgit_error_last(), needle);
}

static void bad_inputs(void)
{
	hfgit_model *bert = load("models/bert-base", "config", "any"),
		    *vit = load("models/vit", "config", "any"), *gpt2 = load("models/gpt2", "config", "any");
	int64_t ids[21] = { 1, 2, 3 }, mask[3] = { 1, 2, 1 }, types[3] = { 0, 5, 0 };
	float pixels[3 * 16 * 16] = { 0 };
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT, bad;
	hfgit_generate_options gopts = HFGIT_GENERATE_OPTIONS_INIT;
	hfgit_generation *gen = NULL;

	if (!bert || !vit || !gpt2)
		goto out;
	in.batch = 1;
	in.seq_len = 3;
	in.input_ids = ids;

	bad = in;
	ids[1] = 50;
	fails_with(bert, &bad, "input_ids[0][1] is 50, outside the vocabulary (vocab_size 50)");
	ids[1] = -1;
	fails_with(bert, &bad, "outside the vocabulary");
	ids[1] = 2;
	bad.seq_len = 21;
	fails_with(bert, &bad, "longer than max_position_embeddings (20)");
	bad = in;
	bad.attention_mask = mask;
	fails_with(bert, &bad, "attention_mask[0][1] is 2");
	bad = in;
	bad.token_type_ids = types;
	fails_with(bert, &bad, "token_type_ids[0][1] is 5; the model has 2 token types");
	bad = in;
	bad.batch = 0;
	fails_with(bert, &bad, "empty batch");
	bad = in;
	bad.version = 99;
	fails_with(bert, &bad, "HFGIT_FORWARD_INPUTS_INIT");
	bad = in;
	bad.input_ids = NULL;
	fails_with(bert, &bad, "takes input_ids");
	fails_with(vit, &in, "takes pixel_values");

	bad = (hfgit_forward_inputs)HFGIT_FORWARD_INPUTS_INIT;
	bad.batch = 1;
	bad.channels = 3;
	bad.height = bad.width = 8;
	bad.pixel_values = pixels;
	fails_with(vit, &bad, "the image is 8x8; the model takes image_size 16x16");
	bad.channels = 1;
	bad.height = bad.width = 16;
	fails_with(vit, &bad, "1 channels; the model takes num_channels = 3");

	/* Generation: only causal LMs, prompt + new tokens within n_positions, left padding. */
	CHECK(hfgit_model_generate(&gen, bert, &in, NULL) == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "BertModel cannot generate") != NULL);
	gopts.max_new_tokens = 18;
	CHECK(hfgit_model_generate(&gen, gpt2, &in, &gopts) == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "3 prompt tokens + 18 new ones exceed") != NULL);
	{
		int64_t m2[3] = { 1, 1, 0 };

		bad = in;
		bad.attention_mask = m2;
		gopts.max_new_tokens = 2;
		CHECK(hfgit_model_generate(&gen, gpt2, &bad, &gopts) == HFGIT_EINVALID);
		CHECK(strstr(hfgit_error_last(), "padding on the left") != NULL);
	}
	gopts.do_sample = 1;
	gopts.temperature = 0.0f;
	CHECK(hfgit_model_generate(&gen, gpt2, &in, &gopts) == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "temperature must be positive") != NULL);
	CHECK(gen == NULL);
out:
	hfgit_model_free(bert);
	hfgit_model_free(vit);
	hfgit_model_free(gpt2);
}

/* ---------------------------------------------------------------------------------------- */
/* Sampling and the callback                                                                  */

typedef struct {
	size_t calls, stop_after;
} counter;

static int count_tokens(size_t sequence, int64_t token, void *payload)
{
	counter *c = payload;

	(void)sequence;
	(void)token;
	return ++c->calls == c->stop_after;
}

static void sampling(void)
{
	hfgit_model *m = load("models/gpt2", "config", "any");
	int64_t ids[4] = { 5, 17, 33, 8 };
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	hfgit_generate_options greedy = HFGIT_GENERATE_OPTIONS_INIT, o;
	hfgit_generation *a = NULL, *b = NULL, *c = NULL, *g = NULL;
	const int64_t *ta, *tb, *tg;
	size_t la, lb, lg, diff = 0, i;
	counter cnt = { 0, 3 };
	int seed;

	if (!m)
		return;
	in.batch = 1;
	in.seq_len = 4;
	in.input_ids = ids;
	greedy.max_new_tokens = 12;
	greedy.eos_token_id = HFGIT_EOS_NONE;
	CHECK(hfgit_model_generate(&g, m, &in, &greedy) == 0);
	/* top_k = 1 is greedy whatever the temperature and seed. */
	o = greedy;
	o.do_sample = 1;
	o.top_k = 1;
	o.temperature = 3.0f;
	o.seed = 7;
	CHECK(hfgit_model_generate(&a, m, &in, &o) == 0);
	if (a && g) {
		ta = hfgit_generation_tokens(a, 0, &la);
		tg = hfgit_generation_tokens(g, 0, &lg);
		CHECK(la == 12 && lg == 12 && !memcmp(ta, tg, la * sizeof(*ta)));
	}
	/* The same seed gives the same tokens; other seeds give others (hot, all 50 tokens). */
	o.top_k = 0;
	o.top_p = 1.0f;
	o.temperature = 5.0f;
	CHECK(hfgit_model_generate(&b, m, &in, &o) == 0);
	CHECK(hfgit_model_generate(&c, m, &in, &o) == 0);
	if (b && c) {
		ta = hfgit_generation_tokens(b, 0, &la);
		tb = hfgit_generation_tokens(c, 0, &lb);
		CHECK(la == lb && !memcmp(ta, tb, la * sizeof(*ta)));
	}
	for (seed = 1; seed <= 4 && b; seed++) {
		hfgit_generation *d = NULL;

		o.seed = (unsigned long long)seed * 1000;
		CHECK(hfgit_model_generate(&d, m, &in, &o) == 0);
		ta = hfgit_generation_tokens(b, 0, &la);
		tb = hfgit_generation_tokens(d, 0, &lb);
		for (i = 0; i < la && i < lb; i++)
			diff += ta[i] != tb[i];
		hfgit_generation_free(d);
	}
	CHECK_MSG(diff > 0, "four other seeds all gave the same tokens");
	/* A callback per token; non-zero stops, keeping the tokens so far. */
	hfgit_generation_free(a);
	a = NULL;
	o = greedy;
	o.on_token = count_tokens;
	o.payload = &cnt;
	CHECK(hfgit_model_generate(&a, m, &in, &o) == HFGIT_EINTERRUPTED);
	CHECK(cnt.calls == 3);
	CHECK(a && hfgit_generation_tokens(a, 0, &la) && la == 3);
	hfgit_generation_free(a);
	hfgit_generation_free(b);
	hfgit_generation_free(c);
	hfgit_generation_free(g);
	hfgit_model_free(m);
}

/* The thread count changes the split of the work, not the answer. */
static void threads(void)
{
	hfgit_model *m = load("models/bert-base", "config", "any");
	int64_t ids[7] = { 3, 9, 27, 4, 11, 40, 2 };
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	hfgit_outputs *one = NULL, *two = NULL;
	const hfgit_output *a, *b;
	double max = 0.0;
	size_t i;

	if (!m)
		return;
	in.batch = 1;
	in.seq_len = 7;
	in.input_ids = ids;
	CHECK(hfgit_compute_threads_set(1) == 1);
	CHECK(hfgit_model_forward(&one, m, &in) == 0);
	CHECK(hfgit_compute_threads_set(2) == 2);
	CHECK(hfgit_model_forward(&two, m, &in) == 0);
	hfgit_compute_threads_set(0);
	a = hfgit_outputs_find(one, "last_hidden_state");
	b = hfgit_outputs_find(two, "last_hidden_state");
	CHECK(a && b && a->numel == b->numel);
	for (i = 0; a && b && i < a->numel; i++)
		max = fmax(max, fabs(a->data[i] - b->data[i]));
	CHECK_MSG(max <= 1e-5, "1 and 2 threads differ by %g", max);
	hfgit_outputs_free(one);
	hfgit_outputs_free(two);
	hfgit_model_free(m);
}

/* Several threads running one model at once get what one thread gets. */
typedef struct {
	hfgit_model *m;
	const hfgit_forward_inputs *in;
	const hfgit_output *want;
	int bad;
} worker;

static void *work(void *arg)
{
	worker *w = arg;
	int r;

	for (r = 0; r < 4; r++) {
		hfgit_outputs *out = NULL;
		const hfgit_output *got;

		if (hfgit_model_forward(&out, w->m, w->in) < 0 ||
		    !(got = hfgit_outputs_find(out, "last_hidden_state")) ||
		    got->numel != w->want->numel ||
		    memcmp(got->data, w->want->data, got->numel * sizeof(float)))
			w->bad++;
		hfgit_outputs_free(out);
	}
	return NULL;
}

static void concurrent(void)
{
	hfgit_model *m = load("models/distilbert-base", "config", "any");
	int64_t ids[6] = { 7, 1, 44, 20, 3, 9 };
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	hfgit_outputs *ref = NULL;
	worker w[3];
	pthread_t t[3];
	int i;

	if (!m)
		return;
	in.batch = 2;
	in.seq_len = 3;
	in.input_ids = ids;
	/* A fresh model: the threads also race for the first call, which converts the BF16
	 * weights once. */
	for (i = 0; i < 3; i++)
		w[i] = (worker){ m, &in, NULL, 0 };
	{
		hfgit_model *solo = load("models/distilbert-base", "config", "any");

		CHECK(solo && hfgit_model_forward(&ref, solo, &in) == 0);
		hfgit_model_free(solo);
	}
	if (!ref) {
		hfgit_model_free(m);
		return;
	}
	for (i = 0; i < 3; i++) {
		w[i].want = hfgit_outputs_find(ref, "last_hidden_state");
		CHECK(pthread_create(&t[i], NULL, work, &w[i]) == 0);
	}
	for (i = 0; i < 3; i++) {
		pthread_join(t[i], NULL);
		CHECK_MSG(w[i].bad == 0, "thread %d got other outputs %d times", i, w[i].bad);
	}
	hfgit_outputs_free(ref);
	hfgit_model_free(m);
}

int main(int argc, char **argv)
{
	json_object *ref, *cases;
	size_t i;
	int rc;

	if ((rc = ref_open(&ref, argc, argv, "test_forward", "forward/reference.json")) != 0)
		return rc;
	cases = ref_get(ref, "cases");
	for (i = 0; i < json_object_array_length(cases); i++)
		run_case(json_object_array_get_idx(cases, i));
	CHECK_MSG(json_object_array_length(cases) >= 38, "only %zu reference cases",
	          json_object_array_length(cases));
	bad_inputs();
	sampling();
	threads();
	concurrent();
	json_object_put(ref);
	return check_finish();
}
