/*
 * hfgit's side of tests/bench/llm.sh: a causal LM from DIR, timed through the public API.
 * Prints key=value lines: the median prefill time of PROMPT tokens (generate with
 * max_new_tokens = 1: the prompt through the model and the logits of its last position),
 * the median decode rate over NEW tokens after a 16-token prompt (from the token callback's
 * clock, the first token excluded), the weight bytes read per decode step, the KV cache and
 * the peak RSS.
 *
 *   llm_driver DIR THREADS PROMPT NEW RUNS
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "hfgit.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

typedef struct {
	size_t n;
	double first, last;
} clock_cb;

static int on_token(size_t sequence, int64_t token, void *payload)
{
	clock_cb *c = payload;

	(void)sequence;
	(void)token;
	if (c->n++ == 0)
		c->first = now();
	c->last = now();
	return 0;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), by_value);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2.0;
}

static int run(hfgit_model *m, size_t prompt, size_t new_tokens, clock_cb *c)
{
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	hfgit_generate_options o = HFGIT_GENERATE_OPTIONS_INIT;
	hfgit_generation *g = NULL;
	int64_t *ids = malloc(prompt * sizeof(*ids));
	size_t i;
	int rc;

	for (i = 0; i < prompt; i++)
		ids[i] = (int64_t)((i * 7919 + 13) % 150000);
	in.batch = 1;
	in.seq_len = prompt;
	in.input_ids = ids;
	o.max_new_tokens = new_tokens;
	o.eos_token_id = HFGIT_EOS_NONE;
	o.on_token = on_token;
	o.payload = c;
	rc = hfgit_model_generate(&g, m, &in, &o);
	hfgit_generation_free(g);
	free(ids);
	if (rc < 0)
		fprintf(stderr, "llm_driver: %s\n", hfgit_error_last());
	return rc;
}

int main(int argc, char **argv)
{
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_model *m = NULL;
	size_t prompt, new_tokens, i, bytes = 0;
	double prefill[16], decode[16], t0;
	int threads, runs, r;
	struct rusage ru;

	if (argc != 6)
		return fprintf(stderr, "usage: llm_driver DIR THREADS PROMPT NEW RUNS\n"), 2;
	threads = atoi(argv[2]);
	prompt = strtoul(argv[3], NULL, 10);
	new_tokens = strtoul(argv[4], NULL, 10);
	runs = atoi(argv[5]);
	if (runs < 1 || runs > 16)
		return fprintf(stderr, "llm_driver: RUNS from 1 to 16\n"), 2;
	hfgit_compute_threads_set(threads);
	if (hfgit_model_from_pretrained(&m, NULL, argv[1], &opts) < 0)
		return fprintf(stderr, "llm_driver: %s\n", hfgit_error_last()), 1;
	for (i = 0; i < hfgit_model_param_count(m); i++) {
		const hfgit_param *p = hfgit_model_param_at(m, i);

		if (!(p->flags & HFGIT_PARAM_TIED))
			bytes += p->numel * (strcmp(p->dtype, "F32") ? 2 : 4);
	}
	for (r = -1; r < runs; r++) { /* a warm-up first: the weights are paged in */
		clock_cb c = { 0 };

		t0 = now();
		if (run(m, prompt, 1, &c) < 0)
			return 1;
		if (r >= 0)
			prefill[r] = (now() - t0) * 1e3;
	}
	for (r = 0; r < runs; r++) {
		clock_cb c = { 0 };

		if (run(m, 16, new_tokens, &c) < 0)
			return 1;
		decode[r] = (double)(c.n - 1) / (c.last - c.first);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("class=%s\n", hfgit_model_class(m));
	printf("prefill_ms=%.1f\n", median(prefill, runs));
	printf("decode_tokens_per_s=%.2f\n", median(decode, runs));
	printf("weight_bytes=%zu\n", bytes);
	printf("peak_rss_kb=%ld\n", ru.ru_maxrss);
	hfgit_model_free(m);
	return 0;
}
