#include "tensor/smm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/ops.h"

#ifdef HFGIT_HAVE_LIBXSMM
#include <libxsmm.h>

/* The columns of a block of packed weights (hfgit_matmul__prepack's BA16a64b layout: each
 * block is k rows of 64), and the rows of x a kernel call takes: 64 rows of 768 inputs are
 * 192 KB, which stay in the core's L2 cache beside the weights' panel. */
#define PANEL 64
#define ROWS 64

static pthread_once_t once = PTHREAD_ONCE_INIT;
static bool available;

static void probe(void)
{
	const char *env = getenv("HFGIT_KERNELS");

	if (env && (!strcmp(env, "onednn") || !strcmp(env, "portable")))
		return;
	libxsmm_init();
	/* A CPU libxsmm generates no code for runs its reference loops: slower than oneDNN. */
	available = libxsmm_get_target_archid() >= LIBXSMM_X86_AVX2;
}

bool hfgit_smm__available(void)
{
	pthread_once(&once, probe);
	return available;
}

/* libxsmm's column-major c (m x n) = a (m x k) b (k x n) is row-major c^T = b^T a^T: the
 * row-major product c[m][n] = a[m][k] b[k][n] is its kernel of (n, m, k) on (b, a). The
 * kernels are made once per shape and found again in libxsmm's registry (tens of ns). */
static libxsmm_smmfunction kernel(size_t ldc, size_t lda, size_t ldb, size_t m, size_t n,
                                  size_t k)
{
	const libxsmm_blasint la = (libxsmm_blasint)ldb, lb = (libxsmm_blasint)lda,
			      lc = (libxsmm_blasint)ldc;
	const float alpha = 1.0f, beta = 0.0f;
	const int flags = LIBXSMM_GEMM_FLAG_NONE, prefetch = LIBXSMM_PREFETCH_NONE;

	return libxsmm_smmdispatch((libxsmm_blasint)n, (libxsmm_blasint)m, (libxsmm_blasint)k,
	                           &la, &lb, &lc, &alpha, &beta, &flags, &prefetch);
}

bool hfgit_smm__product(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                        size_t ldb, size_t m, size_t n, size_t k)
{
	libxsmm_smmfunction f;

	if (!hfgit_smm__available() || !(f = kernel(ldc, lda, ldb, m, n, k)))
		return false;
	f(b, a, c);
	return true;
}

bool hfgit_smm__packed_linear(float *y, size_t ldy, const float *x, size_t ldx, size_t rows,
                              const float *packed, size_t n, size_t k, const float *bias,
                              hfgit_matmul_post post)
{
	static const hfgit_activation acts[] = {
		[HFGIT_MATMUL_GELU] = HFGIT_ACT_GELU,
		[HFGIT_MATMUL_GELU_TANH] = HFGIT_ACT_GELU_NEW,
		[HFGIT_MATMUL_RELU] = HFGIT_ACT_RELU,
	};
	const size_t last = rows % ROWS ? rows % ROWS : ROWS;
	libxsmm_smmfunction full = NULL, tail;
	size_t c, r;

	if (!hfgit_smm__available() || !rows || n % PANEL ||
	    (rows > ROWS && !(full = kernel(ldy, ldx, PANEL, ROWS, PANEL, k))) ||
	    !(tail = kernel(ldy, ldx, PANEL, last, PANEL, k)))
		return false;
	/* Panel by panel: its weights are read from memory once, for all the rows. */
	for (c = 0; c < n; c += PANEL) {
		const float *w = packed + c * k;

		for (r = 0; r < rows; r += ROWS) {
			const size_t m = rows - r < ROWS ? rows - r : ROWS;
			float *out = y + r * ldy + c;

			(m == ROWS ? full : tail)(w, x + r * ldx, out);
			/* While the block is in the core's L1 cache. */
			if (bias || post)
				hfgit__bias_activate_rows(out, ldy, m, PANEL, bias ? bias + c : NULL,
				                          post ? &acts[post] : NULL);
		}
	}
	return true;
}

#else /* no libxsmm */

bool hfgit_smm__available(void)
{
	return false;
}

bool hfgit_smm__product(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                        size_t ldb, size_t m, size_t n, size_t k)
{
	(void)c, (void)ldc, (void)a, (void)lda, (void)b, (void)ldb, (void)m, (void)n, (void)k;
	return false;
}

bool hfgit_smm__packed_linear(float *y, size_t ldy, const float *x, size_t ldx, size_t rows,
                              const float *packed, size_t n, size_t k, const float *bias,
                              hfgit_matmul_post post)
{
	(void)y, (void)ldy, (void)x, (void)ldx, (void)rows, (void)packed, (void)n, (void)k;
	(void)bias, (void)post;
	return false;
}

#endif

const char *hfgit_smm__kernel(void)
{
	return hfgit_smm__available() ? "libxsmm" : "onednn";
}
