/*
 * Per-thread buffers of the kernels, kept from one call to the next (a prefill makes
 * thousands of calls) and freed when the thread exits: the kernels run on hfgit's workers and
 * on the caller's thread, which may be one of many an application starts and ends.
 */
#ifndef HFGIT_TENSOR_SCRATCH_H
#define HFGIT_TENSOR_SCRATCH_H

#include <stddef.h>

typedef enum {
	HFGIT_SCRATCH_MATMUL_PAD,   /* oneDNN's scratchpad (matmul.c) */
	HFGIT_SCRATCH_MATMUL_DENSE, /* a dense output block (matmul.c) */
	HFGIT_SCRATCH_MATMUL_PACKED, /* a block of weights packed for the product (matmul.c) */
	HFGIT_SCRATCH_BF16_X,       /* activations rounded to BF16 (hlinear.c) */
	HFGIT_SCRATCH_TILE,         /* widened weight rows (hlinear.c) */
	HFGIT_SCRATCH_MLP,          /* a slab of an MLP's gate and up outputs (hlinear.c) */
	HFGIT_SCRATCH_MLP_BF16,     /* an MLP's activations in BF16, down's input (hlinear.c) */
	HFGIT_SCRATCH_SCORES,       /* attention scores of one head (llama.c) */
	HFGIT_SCRATCH_ATTENTION,    /* a head's query and probabilities in BF16, or a group of
	                             * heads' queries, keys, values and context (attention.c) */
	HFGIT_SCRATCH_PROBS,        /* a head's F32 scores and probabilities (attention.c) */
	HFGIT_SCRATCH_SLOTS
} hfgit_scratch_slot;

/* The calling thread's buffer `slot`, with room for `bytes` (grown, its contents then
 * lost), aligned to 64 bytes; NULL when out of memory. */
void *hfgit_scratch__get(hfgit_scratch_slot slot, size_t bytes);

#endif
