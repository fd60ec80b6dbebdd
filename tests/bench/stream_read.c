/*
 * The machine's streaming-read bandwidth, the limit of a memory-bound decode step: sum a
 * buffer far larger than the caches with T OpenMP threads, each over its own part; the best
 * of several passes. Prints gb_per_s=<value>.
 *
 *   stream_read MB THREADS PASSES
 */
#include <omp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	size_t mb, n, i;
	int threads, passes, p;
	double best = 0.0, total = 0.0;
	float *buf;

	if (argc != 4)
		return fprintf(stderr, "usage: stream_read MB THREADS PASSES\n"), 2;
	mb = strtoul(argv[1], NULL, 10);
	threads = atoi(argv[2]);
	passes = atoi(argv[3]);
	n = mb * 1024 * 1024 / sizeof(float);
	if (!(buf = malloc(n * sizeof(float))))
		return fprintf(stderr, "out of memory\n"), 1;
	omp_set_num_threads(threads);
#pragma omp parallel for schedule(static)
	for (i = 0; i < n; i++)
		buf[i] = (float)(i & 1023);
	for (p = 0; p < passes; p++) {
		double t0 = omp_get_wtime(), t;
		float s = 0.0f;

#pragma omp parallel for simd schedule(static) reduction(+ : s)
		for (i = 0; i < n; i++)
			s += buf[i];
		t = omp_get_wtime() - t0;
		total += s;
		if (n * sizeof(float) / t / 1e9 > best)
			best = n * sizeof(float) / t / 1e9;
	}
	printf("gb_per_s=%.2f\nchecksum=%g\n", best, total);
	free(buf);
	return 0;
}
