/*
 * hfgit's side of tests/bench/forward.sh: load a model directory, run it, print figures as
 * key=value lines: the median of RUNS after two warm-up runs (the second packs BERT's and
 * ViT's weights for the kernels, lib/forward/forward.c), and the first two runs' times.
 *
 *     forward_driver DIR encode BATCH SEQ RUNS    BERT: input_ids [BATCH, SEQ]
 *     forward_driver DIR image BATCH RUNS         ViT: pixel_values [BATCH, 3, 224, 224]
 *     forward_driver DIR decode PROMPT NEW RUNS   GPT-2: greedy generation, KV cache
 *
 * THREADS in the environment sets hfgit_compute_threads_set().
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "hfgit.h"

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static int by_value(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static void die(const char *what)
{
	fprintf(stderr, "forward_driver: %s: %s\n", what, hfgit_error_last());
	exit(1);
}

int main(int argc, char **argv)
{
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	double times[64], warm[2], t;
	hfgit_model *m;
	struct rusage ru;
	int64_t *ids = NULL;
	float *pixels = NULL;
	const char *mode;
	size_t n, i, runs, generate = 0;
	int r;

	if (argc < 5) {
		fprintf(stderr, "usage: forward_driver DIR encode|image|decode ...\n");
		return 2;
	}
	mode = argv[2];
	srand(1);
	if (!strcmp(mode, "encode") || !strcmp(mode, "decode")) {
		in.batch = !strcmp(mode, "encode") ? (size_t)atoi(argv[3]) : 1;
		in.seq_len = (size_t)atoi(argv[!strcmp(mode, "encode") ? 4 : 3]);
		if (!strcmp(mode, "decode"))
			generate = (size_t)atoi(argv[4]);
		runs = (size_t)atoi(argv[5]);
		n = in.batch * in.seq_len;
		ids = malloc(n * sizeof(*ids));
		for (i = 0; i < n; i++)
			ids[i] = 1000 + rand() % 20000;
		in.input_ids = ids;
	} else {
		in.batch = (size_t)atoi(argv[3]);
		runs = (size_t)atoi(argv[4]);
		in.channels = 3;
		in.height = in.width = 224;
		n = in.batch * 3 * 224 * 224;
		pixels = malloc(n * sizeof(*pixels));
		for (i = 0; i < n; i++)
			pixels[i] = (float)rand() / RAND_MAX * 2.0f - 1.0f;
		in.pixel_values = pixels;
	}
	if (runs < 1 || runs > 64)
		runs = 5;
	if (getenv("THREADS"))
		hfgit_compute_threads_set(atoi(getenv("THREADS")));
	if (hfgit_model_from_pretrained(&m, NULL, argv[1], &opts) < 0)
		die(argv[1]);
	for (r = -2; r < (int)runs; r++) {
		if (generate) {
			hfgit_generate_options g = HFGIT_GENERATE_OPTIONS_INIT;
			hfgit_generation *gen;

			g.max_new_tokens = generate;
			g.eos_token_id = HFGIT_EOS_NONE;
			t = now_ms();
			if (hfgit_model_generate(&gen, m, &in, &g) < 0)
				die("generate");
			t = now_ms() - t;
			hfgit_generation_free(gen);
		} else {
			hfgit_outputs *out;

			t = now_ms();
			if (hfgit_model_forward(&out, m, &in) < 0)
				die("forward");
			t = now_ms() - t;
			hfgit_outputs_free(out);
		}
		if (r >= 0)
			times[r] = t;
		else
			warm[r + 2] = t;
	}
	qsort(times, runs, sizeof(*times), by_value);
	getrusage(RUSAGE_SELF, &ru);
	printf("ms=%.1f\n", times[runs / 2]);
	printf("first_ms=%.1f\nsecond_ms=%.1f\n", warm[0], warm[1]);
	if (generate)
		printf("tokens_per_s=%.1f\n", (double)generate / (times[runs / 2] / 1e3));
	printf("peak_rss_kb=%ld\n", ru.ru_maxrss);
	hfgit_model_free(m);
	free(ids);
	free(pixels);
	return 0;
}
