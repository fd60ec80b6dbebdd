/*
 * nn.Linear weights ([n] rows of k values) packed into the layout oneDNN's matmul kernels
 * read, by AVX-512 transposes: oneDNN's own reorder into it runs a generic kernel (BF16: about
 * 6 GB/s here, 14% of a 512-token prefill; F32: slower than the copies it saves). The layouts
 * are oneDNN's for the [k, n] matrix: blocks of 64 columns by 16 rows of 32-bit values, k
 * values for F32 (BA16a64b) and k pairs for BF16 (BA16a64b2a, the pairs of a column side by
 * side): both a 16 x 16 transpose of 32-bit values per 16 columns.
 */
#ifndef HFGIT_TENSOR_PACK_H
#define HFGIT_TENSOR_PACK_H

#include <oneapi/dnnl/dnnl.h>
#include <stdbool.h>
#include <stddef.h>

/* Whether `md` (what a matmul wants for [k, n] weights of its data type, F32 or BF16) is one
 * of the layouts above with no padding, and this CPU has AVX-512: then hfgit_pack__weights
 * writes it. */
bool hfgit_pack__fits(const dnnl_memory_desc_t *md, size_t n, size_t k);

/* w: n rows of k values of `md`'s data type, row stride ldw values; dst: the packed [k, n]
 * matrix (hfgit_pack__fits(md, n, k) holds). */
void hfgit_pack__weights(void *dst, const dnnl_memory_desc_t *md, const void *w, size_t n,
                         size_t k, size_t ldw);

#endif
