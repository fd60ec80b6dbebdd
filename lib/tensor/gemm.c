#include "gemm.h"

#include <oneapi/dnnl/dnnl.h>
#include <omp.h>
#include <string.h>

#include "common/error.h"

/*
 * Up to this many rows the vector loop below streams the weights once per row group and
 * beats dnnl_sgemm, whose packing costs more than the arithmetic for a skinny x (measured by
 * tests/bench/forward.sh: one decode step of GPT-2 small).
 */
#define LOOP_MAX_ROWS 1

int hfgit_sgemm(char transa, char transb, size_t m, size_t n, size_t k, float alpha,
                const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                size_t ldc)
{
	dnnl_status_t st;

	if (!m || !n)
		return 0;
	st = dnnl_sgemm(transa, transb, (dnnl_dim_t)m, (dnnl_dim_t)n, (dnnl_dim_t)k, alpha, a,
	                (dnnl_dim_t)lda, b, (dnnl_dim_t)ldb, beta, c, (dnnl_dim_t)ldc);
	if (st != dnnl_success)
		return hfgit_error_set(HFGIT_ERROR, "oneDNN sgemm %zux%zux%zu failed (status %d)", m,
		                       n, k, (int)st);
	return 0;
}

/*
 * The loops here and in ops.c hand out work dynamically, in chunks: the cores may be shared
 * with other processes, and a thread that loses its core for a time slice must not hold up
 * a statically assigned half of the work.
 */

/* y[o] = x . W[o] + b[o] over W [out, in]: dot products, four outputs at a time so that x
 * is loaded once per four rows of W, in chunks of consecutive rows. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void rows_out_in(const hfgit_linear *l, float *y, const float *x)
{
	const long groups = (long)(l->out / 4);
	const size_t in = l->in;
	long g;
	size_t o;

#pragma omp parallel for schedule(dynamic, 16)
	for (g = 0; g < groups; g++) {
		const float *w0 = l->weight + (size_t)g * 4 * in, *w1 = w0 + in, *w2 = w1 + in,
			    *w3 = w2 + in;
		float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
		size_t i;

#pragma omp simd reduction(+ : s0, s1, s2, s3)
		for (i = 0; i < in; i++) {
			s0 += x[i] * w0[i];
			s1 += x[i] * w1[i];
			s2 += x[i] * w2[i];
			s3 += x[i] * w3[i];
		}
		y[g * 4] = s0;
		y[g * 4 + 1] = s1;
		y[g * 4 + 2] = s2;
		y[g * 4 + 3] = s3;
	}
	for (o = (size_t)groups * 4; o < l->out; o++) {
		const float *w = l->weight + o * in;
		float s = 0.0f;
		size_t i;

		for (i = 0; i < in; i++)
			s += x[i] * w[i];
		y[o] = s;
	}
	if (l->bias)
		for (o = 0; o < l->out; o++)
			y[o] += l->bias[o];
}

/*
 * y = x W + b over W [in, out]: each thread takes chunks of consecutive rows of W and sums
 * x[i] W[i] into partial outputs on its stack (W read once, front to back), then the threads
 * add up the partials, each for a slice of the outputs.
 */
#define MAX_PARTIAL 16384 /* outputs: the partials live on the threads' stacks */
#define MAX_PARTS 64
__attribute__((target_clones("avx512f", "avx2", "default")))
static void rows_in_out(const hfgit_linear *l, float *y, const float *x)
{
	const size_t in = l->in, out = l->out;
	float *parts[MAX_PARTS];
	int team = omp_get_max_threads() < MAX_PARTS ? omp_get_max_threads() : MAX_PARTS;

#pragma omp parallel num_threads(team)
	{
		const size_t t = (size_t)omp_get_thread_num(), nt = (size_t)omp_get_num_threads();
		const size_t o0 = out * t / nt, o1 = out * (t + 1) / nt;
		float part[out];
		size_t o, k;
		long i;

#pragma omp simd
		for (o = 0; o < out; o++)
			part[o] = 0.0f;
#pragma omp for schedule(dynamic, 32) nowait
		for (i = 0; i < (long)in; i++) {
			const float xi = x[i], *w = l->weight + (size_t)i * out;

#pragma omp simd
			for (o = 0; o < out; o++)
				part[o] += xi * w[o];
		}
		parts[t] = part;
#pragma omp barrier
		for (o = o0; o < o1; o++) {
			float s = l->bias ? l->bias[o] : 0.0f;

			for (k = 0; k < nt; k++)
				s += parts[k][o];
			y[o] = s;
		}
		/* The partials are read until every thread is through. */
#pragma omp barrier
	}
}

/* The same for outputs too many for the stacks: bands of outputs per thread. */
#define BAND 512
static void rows_in_out_bands(const hfgit_linear *l, float *y, const float *x)
{
	const size_t in = l->in, out = l->out;
	const long bands = (long)((out + BAND - 1) / BAND);
	long band;

#pragma omp parallel for schedule(dynamic, 1)
	for (band = 0; band < bands; band++) {
		size_t o0 = (size_t)band * BAND, o1 = o0 + BAND < out ? o0 + BAND : out, i, o;
		float acc[BAND];

		for (o = o0; o < o1; o++)
			acc[o - o0] = l->bias ? l->bias[o] : 0.0f;
		for (i = 0; i < in; i++) {
			const float xi = x[i], *w = l->weight + i * out;

#pragma omp simd
			for (o = o0; o < o1; o++)
				acc[o - o0] += xi * w[o];
		}
		memcpy(y + o0, acc, (o1 - o0) * sizeof(float));
	}
}

const char *hfgit_linear_kernel(size_t rows)
{
	return rows <= LOOP_MAX_ROWS ? "loop" : "onednn";
}

int hfgit_linear_apply(const hfgit_linear *l, float *y, size_t ldy, const float *x, size_t ldx,
                       size_t rows)
{
	size_t r;

	if (rows <= LOOP_MAX_ROWS) {
		for (r = 0; r < rows; r++) {
			if (l->in_out && l->out <= MAX_PARTIAL)
				rows_in_out(l, y + r * ldy, x + r * ldx);
			else if (l->in_out)
				rows_in_out_bands(l, y + r * ldy, x + r * ldx);
			else
				rows_out_in(l, y + r * ldy, x + r * ldx);
		}
		return 0;
	}
	/* The bias goes in first and the product is accumulated onto it (beta = 1): one pass. */
	for (r = 0; r < rows; r++) {
		if (l->bias)
			memcpy(y + r * ldy, l->bias, l->out * sizeof(float));
		else
			memset(y + r * ldy, 0, l->out * sizeof(float));
	}
	if (l->in_out)
		return hfgit_sgemm('N', 'N', rows, l->out, l->in, 1.0f, x, ldx, l->weight, l->out,
		                   1.0f, y, ldy);
	return hfgit_sgemm('N', 'T', rows, l->out, l->in, 1.0f, x, ldx, l->weight, l->in, 1.0f, y,
	                   ldy);
}
