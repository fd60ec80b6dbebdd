/*
 * Products of BF16 weights with BF16-rounded activations, F32 accumulation and output: what
 * torch's bfloat16 matmul computes (it rounds its output to BF16 as well; this does not).
 * Many rows go through oneDNN's matmul primitive, which runs on AMX tiles where the CPU has
 * them and on AVX-512 BF16 dot products (vdpbf16ps) otherwise; the weights are read in place,
 * as the checkpoint stores them ([out, in] rows are the [in, out] matrix in "ba" order), so
 * that the model stays mapped once. Primitives are made once per shape and kept.
 */
#ifndef HFGIT_TENSOR_BF16GEMM_H
#define HFGIT_TENSOR_BF16GEMM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether this CPU has AVX-512 BF16 and oneDNN runs BF16 products on it (the answer is
 * cached); false with HFGIT_KERNELS=portable. */
bool hfgit_bf16gemm__available(void);

/* out[i] = x[i] rounded to the nearest BF16 (ties to even; NaN stays NaN). */
void hfgit_bf16gemm__round(uint16_t *out, const float *x, size_t n);

/* y[r, 0..n) (row stride ldy) = x[r, 0..k) (BF16, row stride ldx) . w[0..n)[0..k)^T + bias
 * (F32, may be NULL) for r < rows, with w BF16 rows of k values. On the calling thread
 * (oneDNN's own threads are not used: callers spread column blocks over hfgit's pool). */
int hfgit_bf16gemm__run(float *y, size_t ldy, const uint16_t *x, size_t ldx, size_t rows,
                        const uint16_t *w, size_t n, size_t k, const float *bias);

#endif
