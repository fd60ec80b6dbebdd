/*
 * Products through oneDNN's matmul primitive, on the calling thread, for the many-row
 * products of a forward pass (callers spread blocks of output columns over hfgit's pool).
 * The weights are read where the checkpoint has them: nn.Linear's [out, in] rows are the
 * [in, out] matrix in "ba" order, Conv1D's [in, out] are it in "ab" order; no copy of the
 * model is made. A BF16 product of many rows first packs its block of weights into the AMX
 * layout in a per-thread buffer (tensor/pack.h), once per call. Primitives are made once per
 * shape and kept.
 *
 * F32 runs oneDNN's brgemm kernels (a little faster than dnnl_sgemm, and with the bias
 * added in the same pass), except on weights packed once (hfgit_matmul__prepack), which
 * libxsmm's kernels read faster where hfgit has them (tensor/smm.h). BF16 weights multiply BF16-rounded activations with F32
 * accumulation and output: what torch's bfloat16 matmul computes (it rounds its output to
 * BF16 as well; this does not), on AMX tiles where the CPU has them and on AVX-512 BF16 dot
 * products (vdpbf16ps) otherwise.
 */
#ifndef HFGIT_TENSOR_MATMUL_H
#define HFGIT_TENSOR_MATMUL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether this CPU has AVX-512 BF16 and oneDNN runs BF16 products on it (the answer is
 * cached); false with HFGIT_KERNELS=portable or avx512 (hlinear.h). */
bool hfgit_matmul__bf16(void);

/* out[i] = x[i] rounded to the nearest BF16 (ties to even; NaN stays NaN). */
void hfgit_matmul__round_bf16(uint16_t *out, const float *x, size_t n);

/* What a product may apply to its output in the same pass, after the bias (oneDNN's
 * eltwise post-ops, torch's formulas). */
typedef enum {
	HFGIT_MATMUL_PLAIN,
	HFGIT_MATMUL_GELU,      /* exact, with erf */
	HFGIT_MATMUL_GELU_TANH, /* the tanh approximation (gelu_new) */
	HFGIT_MATMUL_RELU,
} hfgit_matmul_post;

/* A block of n output columns of a layer: y = x W^T (nn.Linear, W n rows of stride ldw) or
 * y = x W (in_out: Conv1D, W k rows of stride ldw, the block's first column at w), + bias
 * (F32, n values, or NULL), then `post`. bf16: W and x are BF16, else F32. `packed`, when
 * not NULL, is the same block of F32 nn.Linear weights as hfgit_matmul__prepack wrote it,
 * read instead of w when the product wants that layout. */
typedef struct {
	const void *w, *packed;
	bool bf16, in_out;
	size_t n, k, ldw;
	const float *bias;
	hfgit_matmul_post post;
} hfgit_matmul_block;

/* y[r, 0..n) (row stride ldy) = x[r, 0..k) (row stride ldx) through `b`, r < rows. */
int hfgit_matmul__run(float *y, size_t ldy, const void *x, size_t ldx, size_t rows,
                      const hfgit_matmul_block *b);

/* A whole layer for hfgit_matmul__layers: its `out` columns of y (row stride ldy) through
 * W (as in hfgit_matmul_block, k inputs; bias F32 or NULL; packed: W as
 * hfgit_matmul__prepack wrote it, or NULL). With head_dim (HFGIT_MATMUL_HEAD_DIM, F32 only),
 * y is head-major instead: the `rows` rows of head h (columns [h * head_dim, (h + 1) *
 * head_dim)) are a dense block at y + h * rows * head_dim, as attention reads them, and
 * ldy is not used. */
typedef struct {
	const void *w;
	bool in_out;
	size_t out, k;
	const float *bias;
	float *y;
	size_t ldy;
	const void *packed;
	size_t head_dim;
} hfgit_matmul_layer;

/* The one head width a head-major output takes: the kernels' block of columns, so that each
 * head is one product into its dense block (BERT, DistilBERT and ViT of every size). */
#define HFGIT_MATMUL_HEAD_DIM 64

#define HFGIT_MATMUL_MAX_LAYERS 8

/*
 * F32 nn.Linear weights w ([n] rows of k values) packed once into the layout oneDNN's F32
 * kernels read (tensor/pack.h), for a model run many times: oneDNN otherwise copies them into
 * it on every call (BERT-base, one sequence of 128: 17% of the pass), or hfgit_matmul__run
 * packs them per call for many rows. *out is NULL (and 0 returned) when the layer's shape
 * has no such layout here (n not a multiple of 64, k of 16, or no oneDNN): the checkpoint's
 * rows serve. *bytes: the size of *out, freed with free().
 */
int hfgit_matmul__prepack(float **out, size_t *bytes, const float *w, size_t n, size_t k);

/* The widest block of columns hfgit_matmul__layers gives one task for a layer of k inputs
 * and `rows` rows: a layer no wider is one product with a dense output, no copy. */
size_t hfgit_matmul__widest_block(size_t k, size_t rows, bool bf16, bool in_out);

/* Up to HFGIT_MATMUL_MAX_LAYERS layers on the same x (BF16 when bf16) as one run of hfgit's
 * workers (tensor/pool.h) over blocks of their columns, each then `post`; or, when every layer
 * is packed and x has many rows, over blocks of rows, each through whole layers. */
int hfgit_matmul__layers(const hfgit_matmul_layer *ls, size_t n, const void *x, size_t ldx,
                         size_t rows, bool bf16, hfgit_matmul_post post);

#endif
