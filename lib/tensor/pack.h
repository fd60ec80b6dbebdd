/*
 * BF16 weights of nn.Linear ([n] rows of k values) packed into the layout oneDNN's AMX
 * matmul reads, by AVX-512 transposes: oneDNN's own reorder into it runs a generic kernel at
 * about 6 GB/s here, 14% of a 512-token prefill. The layout is oneDNN's BA16a64b2a for the
 * [k, n] matrix: blocks of 32 k x 64 n, each 16 rows of k pairs holding the 64 columns' pairs.
 */
#ifndef HFGIT_TENSOR_PACK_H
#define HFGIT_TENSOR_PACK_H

#include <oneapi/dnnl/dnnl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Whether `md` (what a matmul wants for [k, n] BF16 weights) is the layout above with no
 * padding, and this CPU has AVX-512: then hfgit_pack__bf16 writes it. */
bool hfgit_pack__fits(const dnnl_memory_desc_t *md, size_t n, size_t k);

/* w: n rows of k BF16 values, row stride ldw; dst: the packed [k, n] matrix. */
void hfgit_pack__bf16(uint16_t *dst, const uint16_t *w, size_t n, size_t k, size_t ldw);

#endif
