/*
 * Matrix products, F32, row-major. One interface for the whole runtime; behind it oneDNN
 * (Debian's libdnnl), which picks its kernels from CPUID at run time through its own JIT (no
 * table of CPU models to misdetect): its matmul primitive for the many rows of a layer and
 * for attention's products (matmul.h), dnnl_sgemm for widened tiles of half-precision
 * weights (hlinear.c), and a plain vectorised loop for one row (a decode step), which is
 * memory-bound and where a GEMM library gains nothing.
 */
#ifndef HFGIT_TENSOR_GEMM_H
#define HFGIT_TENSOR_GEMM_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor/ops.h"

/* The weights of a linear layer, F32: y = x W^T + b with W [out, in] (nn.Linear), or
 * y = x W + b with W [in, out] (transformers' Conv1D) when `in_out`. `bias` may be NULL.
 * `packed`: W as hfgit_matmul__prepack wrote it (matmul.h), which products of more than one
 * row read instead, or NULL; it may be set while passes run (lib/forward), so it is read and
 * written atomically. */
typedef struct {
	const float *weight;
	const float *bias;
	size_t in, out;
	bool in_out;
	const float *packed;
} hfgit_linear;

/* y[m, 0..out) (row stride ldy) = x[m, 0..in) (row stride ldx) through `l`, for m < rows. */
int hfgit_linear__apply(const hfgit_linear *l, float *y, size_t ldy, const float *x, size_t ldx,
                       size_t rows);

/* Several layers on the same x (query, key and value): ys[i] (row stride ldys[i]) through
 * ls[i], as one run of the workers (one synchronisation instead of one per layer). */
int hfgit_linear__apply_many(const hfgit_linear *const *ls, size_t n, float *const *ys,
                             const size_t *ldys, const float *x, size_t ldx, size_t rows);

/* The same with head-major outputs, as attention reads them without gathering its heads'
 * columns from the rows: the `rows` rows of head h of ys[i] (columns [h * head_dim, (h + 1) *
 * head_dim)) are a dense block at ys[i] + h * rows * head_dim. Only where
 * hfgit_linear__heads_ok says so (HFGIT_EINVALID otherwise). */
int hfgit_linear__apply_heads(const hfgit_linear *const *ls, size_t n, float *const *ys,
                              size_t head_dim, const float *x, size_t ldx, size_t rows);
bool hfgit_linear__heads_ok(const hfgit_linear *l, size_t rows, size_t head_dim);

/* As hfgit_linear__apply, then y = act(y): in the same pass where oneDNN has the activation
 * (gelu, gelu_new, relu), after it otherwise. */
int hfgit_linear__apply_act(const hfgit_linear *l, float *y, size_t ldy, const float *x,
                            size_t ldx, size_t rows, hfgit_activation act);

/* C = alpha op(A) op(B) + beta C, BLAS conventions in row-major order (trans 'N' or 'T'), on
 * the calling thread's OpenMP thread count (1 in a forward pass and on hfgit's workers). */
int hfgit__sgemm(char transa, char transb, size_t m, size_t n, size_t k, float alpha,
                const float *a, size_t lda, const float *b, size_t ldb, float beta, float *c,
                size_t ldc);

/* Which kernel hfgit_linear__apply uses for `rows` rows: "onednn" or "loop" (for messages and
 * the benchmark). */
const char *hfgit_linear__kernel(size_t rows);

#endif
