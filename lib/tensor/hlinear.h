/*
 * Linear layers whose weights stay in the dtype of the checkpoint (F32, BF16 or F16), read
 * where the safetensors file is mapped: no F32 copy of the model.
 *
 * BF16 weights on a CPU with AVX-512 BF16 multiply activations rounded to BF16, summing in
 * F32 (matmul.h), as torch's bfloat16 matmul does: a decode step (few rows) streams the
 * weights once through vdpbf16ps, a prefill (many rows) goes through oneDNN's BF16 matmul
 * (AMX where present). Otherwise products are F32, each weight widened exactly, so that
 * BF16/F16 weights give what torch gives with the same weights upcast to F32, up to the
 * order of the sums: few rows widen them in registers (AVX-512F: vcvtph2ps for F16, a
 * 16-bit shift for BF16) or in portable C, many rows widen tiles of weight rows into a
 * per-thread buffer for the F32 GEMM (oneDNN).
 *
 * HFGIT_KERNELS=portable forces the portable path, HFGIT_KERNELS=avx512 the F32 products of
 * AVX-512 without BF16: for tests and for comparison.
 */
#ifndef HFGIT_TENSOR_HLINEAR_H
#define HFGIT_TENSOR_HLINEAR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum {
	HFGIT_WEIGHT_F32,
	HFGIT_WEIGHT_BF16,
	HFGIT_WEIGHT_F16,
} hfgit_weight_dtype;

/* y = x W^T + b, W [out, in] (nn.Linear) stored as `dtype`; bias F32 or NULL. */
typedef struct {
	const void *weight;
	hfgit_weight_dtype dtype;
	const float *bias;
	size_t in, out;
} hfgit_hlinear;

/* y[m, 0..out) (row stride ldy) = x[m, 0..in) (row stride ldx) through `l`, m < rows. */
int hfgit_hlinear__apply(const hfgit_hlinear *l, float *y, size_t ldy, const float *x, size_t ldx,
                        size_t rows);

/* Several layers on the same x (q, k and v; gate and up): y_i = x W_i^T + b_i into ys[i]
 * (row stride ldys[i]). A decode step runs them in one pass of the threads, one
 * synchronisation instead of one per layer. */
int hfgit_hlinear__apply_many(const hfgit_hlinear *const *ls, size_t n, float *const *ys,
                             const size_t *ldys, const float *x, size_t ldx, size_t rows);

/*
 * LlamaMLP: y = down(silu(gate(x)) * up(x)) for rows of x (the three layers' dims agreeing).
 * gate_buf and up_buf are [rows][gate->out] floats of the caller, except when
 * hfgit_hlinear__mlp_own_buffers(gate, rows): BF16 products of many rows then go through
 * slabs of the intermediate columns, in per-thread buffers of a few MB whatever the number
 * of rows, the activations in BF16 (the input of down) the only thing kept whole.
 */
bool hfgit_hlinear__mlp_own_buffers(const hfgit_hlinear *gate, size_t rows);
int hfgit_hlinear__swiglu_mlp(const hfgit_hlinear *gate, const hfgit_hlinear *up,
                             const hfgit_hlinear *down, float *y, size_t ldy, const float *x,
                             size_t ldx, size_t rows, float *gate_buf, float *up_buf);

/* Rows [row, row + n) of the weight, widened to F32 (an embedding lookup). */
void hfgit_hlinear__rows(float *out, const hfgit_hlinear *l, size_t row, size_t n);

/* Whether `l` multiplies BF16-rounded activations by its BF16 weights (BF16 weights on a CPU
 * with AVX-512 BF16): the model's other products (attention) then do the same. */
bool hfgit_hlinear__bf16_products(const hfgit_hlinear *l);

/* The kernels in use: "avx512-bf16" (BF16 products), "avx512" or "portable". */
const char *hfgit_hlinear__kernel(void);

#endif
