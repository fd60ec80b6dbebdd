/*
 * The measuring end of model_load.sh: loads a model directory through the public API and
 * prints one line of figures, so the script can compare them with its peers.
 *
 *     model_load_driver DIR any|safetensors|pytorch RUNS
 *
 * For each run: hfgit_model_from_pretrained (timed), one read of every page of every
 * parameter (timed: mmap defers reading the file to first use, so a fair comparison with
 * reading the file counts it), then a read of every byte (timed: what a forward pass would
 * do, now from mapped pages), then hfgit_model_free. Prints the best times of the runs, in
 * milliseconds, and the peak RSS of the process:
 *
 *     load_ms=.. touch_ms=.. read_ms=.. parameters=.. bytes=.. mapped=.. heap=.. maxrss_kb=..
 */
#include <stdint.h>
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

/* One byte of every 4 KiB page of every parameter, summed so the reads stay. */
static unsigned long touch(const hfgit_model *m)
{
	unsigned long sum = 0;
	size_t i, off;

	for (i = 0; i < hfgit_model_param_count(m); i++) {
		const hfgit_param *p = hfgit_model_param_at(m, i);
		const volatile unsigned char *bytes = p->data;

		if (!bytes || (p->flags & HFGIT_PARAM_TIED))
			continue;
		for (off = 0; off < p->nbytes; off += 4096)
			sum += bytes[off];
		sum += bytes[p->nbytes - 1];
	}
	return sum;
}

/* Every byte of every parameter, as a computation would read them: 8 bytes at a time. */
static unsigned long read_all(const hfgit_model *m)
{
	unsigned long sum = 0;
	uint64_t word;
	size_t i, off;

	for (i = 0; i < hfgit_model_param_count(m); i++) {
		const hfgit_param *p = hfgit_model_param_at(m, i);
		const unsigned char *bytes = p->data;

		if (!bytes || (p->flags & HFGIT_PARAM_TIED))
			continue;
		for (off = 0; off + 8 <= p->nbytes; off += 8) {
			memcpy(&word, bytes + off, 8);
			sum += word;
		}
	}
	return sum;
}

int main(int argc, char **argv)
{
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	double best_load = 1e300, best_touch = 1e300, best_read = 1e300, t0, t1, t2, t3;
	hfgit_model_usage u = { 0 };
	struct rusage ru;
	unsigned long sum = 0;
	int runs, r;

	if (argc != 4) {
		fprintf(stderr, "usage: model_load_driver DIR any|safetensors|pytorch RUNS\n");
		return 2;
	}
	opts.format = !strcmp(argv[2], "pytorch") ? HFGIT_WEIGHTS_PYTORCH :
	              !strcmp(argv[2], "safetensors") ? HFGIT_WEIGHTS_SAFETENSORS : HFGIT_WEIGHTS_ANY;
	runs = atoi(argv[3]);
	for (r = 0; r < runs; r++) {
		hfgit_model *m = NULL;

		t0 = now_ms();
		if (hfgit_model_from_pretrained(&m, NULL, argv[1], &opts) < 0) {
			fprintf(stderr, "model_load_driver: %s\n", hfgit_error_last());
			return 1;
		}
		t1 = now_ms();
		sum += touch(m);
		t2 = now_ms();
		sum += read_all(m);
		t3 = now_ms();
		if (t1 - t0 < best_load)
			best_load = t1 - t0;
		if (t2 - t1 < best_touch)
			best_touch = t2 - t1;
		if (t3 - t2 < best_read)
			best_read = t3 - t2;
		hfgit_model_usage_get(&u, m);
		hfgit_model_free(m);
	}
	getrusage(RUSAGE_SELF, &ru);
	printf("load_ms=%.2f touch_ms=%.2f read_ms=%.2f parameters=%llu bytes=%llu mapped=%llu "
	       "heap=%llu maxrss_kb=%ld checksum=%lu\n", best_load, best_touch, best_read,
	       u.parameters, u.param_bytes,
	       u.mapped_bytes, u.heap_bytes, ru.ru_maxrss, sum % 1000);
	return 0;
}
