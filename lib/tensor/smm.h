/*
 * Kernels from libxsmm's code generator for the F32 products whose operands are already laid
 * out as they read them: nn.Linear weights packed once (hfgit_matmul__prepack) and
 * attention's probabilities times its values. They take any row stride for their output, so
 * a block of columns is written where it belongs, with no dense buffer and no copy out of it
 * (oneDNN 2.6's fast kernels write dense rows only). The loops here read each 64-column
 * panel of the weights once from memory and keep it in the core's cache for all the rows:
 * oneDNN's brgemm streams the whole weight matrix again for each block of rows, which cost
 * it about 14% on weights that are not in the cache (every layer of a forward pass).
 *
 * Built with libxsmm's generator where it is found (Debian: libxsmm-dev, linked
 * statically); without it, or with HFGIT_KERNELS=onednn or portable,
 * hfgit_smm__available() is false and the callers use oneDNN.
 */
#ifndef HFGIT_TENSOR_SMM_H
#define HFGIT_TENSOR_SMM_H

#include <stdbool.h>
#include <stddef.h>

#include "tensor/matmul.h"

/* Whether the kernels run on this CPU and are allowed (the answer is cached). */
bool hfgit_smm__available(void);

/* The name of what runs F32 products of packed weights, for summaries: "libxsmm" or
 * "onednn". */
const char *hfgit_smm__kernel(void);

/* Row-major c[m][n] (row stride ldc) = a[m][k] (row stride lda) b[k][n] (ldb), on this thread; false
 * (nothing written) when the kernels are not available. */
bool hfgit_smm__product(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                        size_t ldb, size_t m, size_t n, size_t k);

/* y[r][0..n) (row stride ldy) = x[r] (row stride ldx) W^T + bias, then post, r < rows, for
 * the n columns of F32 weights `packed` as hfgit_matmul__prepack wrote them (n a multiple of
 * its 64-column blocks), on this thread; false (nothing written) when the kernels are not
 * available or n is not such a multiple. */
bool hfgit_smm__packed_linear(float *y, size_t ldy, const float *x, size_t ldx, size_t rows,
                              const float *packed, size_t n, size_t k, const float *bias,
                              hfgit_matmul_post post);

#endif
