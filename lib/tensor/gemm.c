#include "tensor/gemm.h"

#include <string.h>

#include "core/error.h"
#include "tensor/matmul.h"
#include "tensor/onednn.h"
#include "tensor/pool.h"

/*
 * Up to this many rows the vector loop below streams the weights once per row group and
 * beats dnnl_sgemm, whose packing costs more than the arithmetic for a skinny x (measured by
 * tests/bench/forward.sh: one decode step of GPT-2 small).
 */
#define LOOP_MAX_ROWS 1

int hfgit__sgemm(char transa, char transb, size_t m, size_t n, size_t k, float alpha,
                const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                size_t ldc)
{
	dnnl_status_t st;
	int rc;

	if (!m || !n)
		return 0;
	if ((rc = hfgit_onednn__load()) < 0)
		return rc;
	st = dnnl_sgemm(transa, transb, (dnnl_dim_t)m, (dnnl_dim_t)n, (dnnl_dim_t)k, alpha, a,
	                (dnnl_dim_t)lda, b, (dnnl_dim_t)ldb, beta, c, (dnnl_dim_t)ldc);
	if (st != dnnl_success)
		return hfgit_error__set(HFGIT_ERROR, "oneDNN sgemm %zux%zux%zu failed (status %d)", m,
		                       n, k, (int)st);
	return 0;
}

/*
 * One row (a decode step) runs on hfgit's worker pool (pool.h: they sleep after a short spin
 * between products), the work handed out in chunks as workers come free, so that a worker
 * whose core is taken by another process for a while does not hold up a fixed share.
 */

typedef struct {
	const hfgit_linear *l;
	float *y, *partials; /* partials: [width][out] for the [in, out] layout */
	const float *x;
} one_row;

/* y[o] = x . W[o] + b[o] over W [out, in]: four outputs at a time, so that x is loaded once
 * per four rows of W; chunks of consecutive rows. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void out_in_chunk(void *arg, size_t worker, size_t begin, size_t end)
{
	const one_row *r = arg;
	const size_t in = r->l->in;
	const float *x = r->x;
	size_t o = begin;

	(void)worker;
	for (; o + 4 <= end; o += 4) {
		const float *w0 = r->l->weight + o * in, *w1 = w0 + in, *w2 = w1 + in, *w3 = w2 + in;
		float s0 = 0.0f, s1 = 0.0f, s2 = 0.0f, s3 = 0.0f;
		size_t i;

#pragma omp simd reduction(+ : s0, s1, s2, s3)
		for (i = 0; i < in; i++) {
			s0 += x[i] * w0[i];
			s1 += x[i] * w1[i];
			s2 += x[i] * w2[i];
			s3 += x[i] * w3[i];
		}
		r->y[o] = s0;
		r->y[o + 1] = s1;
		r->y[o + 2] = s2;
		r->y[o + 3] = s3;
	}
	for (; o < end; o++) {
		const float *w = r->l->weight + o * in;
		float s = 0.0f;
		size_t i;

#pragma omp simd reduction(+ : s)
		for (i = 0; i < in; i++)
			s += x[i] * w[i];
		r->y[o] = s;
	}
}

/* x[i] W[i] summed into the worker's partial outputs, for W's rows [begin, end): the
 * weights are read front to back. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void in_out_chunk(void *arg, size_t worker, size_t begin, size_t end)
{
	const one_row *r = arg;
	const size_t out = r->l->out;
	float *part = r->partials + worker * out;
	size_t i, o;

	for (i = begin; i < end; i++) {
		const float xi = r->x[i], *w = r->l->weight + i * out;

#pragma omp simd
		for (o = 0; o < out; o++)
			part[o] += xi * w[o];
	}
}

/* Beyond this many bytes of partials (on the caller's stack), bands of outputs instead. */
#define MAX_PARTIALS (256u << 10)
#define BAND 256

/* The [in, out] layout by bands of outputs, each walking every row of W. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void in_out_bands(void *arg, size_t worker, size_t begin, size_t end)
{
	const one_row *r = arg;
	const size_t in = r->l->in, out = r->l->out;
	size_t band, i, o;

	(void)worker;
	for (band = begin; band < end; band++) {
		size_t o0 = band * BAND, o1 = o0 + BAND < out ? o0 + BAND : out;
		float acc[BAND] = { 0 };

		for (i = 0; i < in; i++) {
			const float xi = r->x[i], *w = r->l->weight + i * out;

#pragma omp simd
			for (o = o0; o < o1; o++)
				acc[o - o0] += xi * w[o];
		}
		memcpy(r->y + o0, acc, (o1 - o0) * sizeof(float));
	}
}

static void one_row_apply(const hfgit_linear *l, float *y, const float *x)
{
	one_row r = { l, y, NULL, x };
	size_t o, k, width = hfgit_pool__width();

	if (!l->in_out) {
		hfgit_pool__run(l->out, 64, out_in_chunk, &r);
	} else if (width * l->out * sizeof(float) <= MAX_PARTIALS) {
		float partials[width * l->out];

		memset(partials, 0, sizeof(partials));
		r.partials = partials;
		hfgit_pool__run(l->in, 32, in_out_chunk, &r);
		for (o = 0; o < l->out; o++) {
			float s = 0.0f;

			for (k = 0; k < width; k++)
				s += partials[k * l->out + o];
			y[o] = s;
		}
	} else {
		hfgit_pool__run((l->out + BAND - 1) / BAND, 1, in_out_bands, &r);
	}
	if (l->bias)
		for (o = 0; o < l->out; o++)
			y[o] += l->bias[o];
}

const char *hfgit_linear__kernel(size_t rows)
{
	return rows <= LOOP_MAX_ROWS ? "loop" : "onednn";
}

/* Many rows: blocks of output columns of one or more layers on the same x, each a oneDNN
 * matmul on a worker, the bias (and an activation) in the same pass (matmul.h); the outputs
 * head-major when head_dim is not 0. */
static int apply(const hfgit_linear *const *ls, size_t n, float *const *ys, const size_t *ldys,
                 const float *x, size_t ldx, size_t rows, hfgit_matmul_post post,
                 size_t head_dim)
{
	hfgit_matmul_layer m[HFGIT_MATMUL_MAX_LAYERS];
	size_t i;

	for (i = 0; i < n; i++)
		m[i] = (hfgit_matmul_layer){ ls[i]->weight, ls[i]->in_out, ls[i]->out, ls[i]->in,
			                     ls[i]->bias, ys[i], ldys ? ldys[i] : 0,
			                     __atomic_load_n(&ls[i]->packed, __ATOMIC_ACQUIRE),
			                     head_dim };
	return hfgit_matmul__layers(m, n, x, ldx, rows, false, post);
}

bool hfgit_linear__heads_ok(const hfgit_linear *l, size_t rows, size_t head_dim)
{
	return rows > LOOP_MAX_ROWS && head_dim == HFGIT_MATMUL_HEAD_DIM && l->out % head_dim == 0;
}

int hfgit_linear__apply_heads(const hfgit_linear *const *ls, size_t n, float *const *ys,
                              size_t head_dim, const float *x, size_t ldx, size_t rows)
{
	size_t i;

	if (n > HFGIT_MATMUL_MAX_LAYERS)
		return hfgit_error__set(HFGIT_EINVALID, "%zu layers in one run: at most %d", n,
		                       HFGIT_MATMUL_MAX_LAYERS);
	for (i = 0; i < n; i++)
		if (!hfgit_linear__heads_ok(ls[i], rows, head_dim))
			return hfgit_error__set(HFGIT_EINVALID, "no head-major output of %zu rows for "
			                       "a layer of %zu outputs in heads of %zu", rows,
			                       ls[i]->out, head_dim);
	return apply(ls, n, ys, NULL, x, ldx, rows, HFGIT_MATMUL_PLAIN, head_dim);
}

int hfgit_linear__apply_many(const hfgit_linear *const *ls, size_t n, float *const *ys,
                             const size_t *ldys, const float *x, size_t ldx, size_t rows)
{
	size_t i;
	int rc;

	if (rows > LOOP_MAX_ROWS && n <= HFGIT_MATMUL_MAX_LAYERS)
		return apply(ls, n, ys, ldys, x, ldx, rows, HFGIT_MATMUL_PLAIN, 0);
	for (i = 0; i < n; i++)
		if ((rc = hfgit_linear__apply(ls[i], ys[i], ldys[i], x, ldx, rows)) < 0)
			return rc;
	return 0;
}

int hfgit_linear__apply(const hfgit_linear *l, float *y, size_t ldy, const float *x, size_t ldx,
                        size_t rows)
{
	size_t r;

	if (rows <= LOOP_MAX_ROWS) {
		for (r = 0; r < rows; r++)
			one_row_apply(l, y + r * ldy, x + r * ldx);
		return 0;
	}
	return apply(&l, 1, &y, &ldy, x, ldx, rows, HFGIT_MATMUL_PLAIN, 0);
}

int hfgit_linear__apply_act(const hfgit_linear *l, float *y, size_t ldy, const float *x,
                            size_t ldx, size_t rows, hfgit_activation act)
{
	hfgit_matmul_post post = act == HFGIT_ACT_GELU       ? HFGIT_MATMUL_GELU
	                         : act == HFGIT_ACT_GELU_NEW ? HFGIT_MATMUL_GELU_TANH
	                         : act == HFGIT_ACT_RELU     ? HFGIT_MATMUL_RELU
	                                                     : HFGIT_MATMUL_PLAIN;
	size_t r;
	int rc;

	if (rows > LOOP_MAX_ROWS && post != HFGIT_MATMUL_PLAIN)
		return apply(&l, 1, &y, &ldy, x, ldx, rows, post, 0);
	if ((rc = hfgit_linear__apply(l, y, ldy, x, ldx, rows)) < 0)
		return rc;
	if (ldy == l->out)
		hfgit__activate(y, rows * l->out, act);
	else
		for (r = 0; r < rows; r++)
			hfgit__activate(y + r * ldy, l->out, act);
	return 0;
}
