#include "tensor/pack.h"

#include <immintrin.h>

#define BLOCK_K 32 /* values of k per block: 16 pairs */
#define BLOCK_N 64

bool hfgit_pack__fits(const dnnl_memory_desc_t *md, size_t n, size_t k)
{
	const dnnl_blocking_desc_t *b = &md->format_desc.blocking;

	__builtin_cpu_init();
	return __builtin_cpu_supports("avx512f") && md->ndims == 2 &&
	       md->data_type == dnnl_bf16 && md->format_kind == dnnl_blocked &&
	       md->extra.flags == 0 && md->offset0 == 0 && n % BLOCK_N == 0 && k % BLOCK_K == 0 &&
	       md->dims[0] == (dnnl_dim_t)k && md->dims[1] == (dnnl_dim_t)n &&
	       md->padded_dims[0] == (dnnl_dim_t)k && md->padded_dims[1] == (dnnl_dim_t)n &&
	       b->inner_nblks == 3 && b->inner_blks[0] == 16 && b->inner_idxs[0] == 0 &&
	       b->inner_blks[1] == BLOCK_N && b->inner_idxs[1] == 1 && b->inner_blks[2] == 2 &&
	       b->inner_idxs[2] == 0 && b->strides[0] == BLOCK_K * BLOCK_N &&
	       b->strides[1] == (dnnl_dim_t)(k / BLOCK_K * BLOCK_K * BLOCK_N);
}

#define AVX512 __attribute__((target("avx512f")))

/* r[i] = row i of a 16 x 16 matrix of 32-bit values; out[c] = its column c. */
AVX512 static void transpose16(__m512i out[16], const __m512i r[16])
{
	__m512i t[16], u[16];
	int i, c;

	/* Within each 128-bit lane: pairs of rows interleaved, then quads. */
	for (i = 0; i < 8; i++) {
		t[2 * i] = _mm512_unpacklo_epi32(r[2 * i], r[2 * i + 1]);
		t[2 * i + 1] = _mm512_unpackhi_epi32(r[2 * i], r[2 * i + 1]);
	}
	for (i = 0; i < 4; i++) {
		u[4 * i] = _mm512_unpacklo_epi64(t[4 * i], t[4 * i + 2]);
		u[4 * i + 1] = _mm512_unpackhi_epi64(t[4 * i], t[4 * i + 2]);
		u[4 * i + 2] = _mm512_unpacklo_epi64(t[4 * i + 1], t[4 * i + 3]);
		u[4 * i + 3] = _mm512_unpackhi_epi64(t[4 * i + 1], t[4 * i + 3]);
	}
	/* u[4g + c], lane L: rows 4g..4g+3 of column 4L + c. Gather the lanes. */
	for (c = 0; c < 4; c++) {
		const __m512i v0 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0x44),
			      v1 = _mm512_shuffle_i32x4(u[c], u[4 + c], 0xee),
			      w0 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0x44),
			      w1 = _mm512_shuffle_i32x4(u[8 + c], u[12 + c], 0xee);

		out[c] = _mm512_shuffle_i32x4(v0, w0, 0x88);
		out[4 + c] = _mm512_shuffle_i32x4(v0, w0, 0xdd);
		out[8 + c] = _mm512_shuffle_i32x4(v1, w1, 0x88);
		out[12 + c] = _mm512_shuffle_i32x4(v1, w1, 0xdd);
	}
}

/*
 * A block of 32 k x 64 n: its row p (the pair k = 2p, 2p + 1) holds, for each of the 64
 * columns, that column's pair, which is 32 bits of the weight's row n. So each group of 16
 * columns is a 16 x 16 transpose of 32-bit pairs.
 */
AVX512 void hfgit_pack__bf16(uint16_t *dst, const uint16_t *w, size_t n, size_t k, size_t ldw)
{
	const size_t kblocks = k / BLOCK_K;
	size_t nb, kb, g, i;
	__m512i rows[16], cols[16];

	/* 16 weight rows at a time, each read from start to end: 16 sequential streams, which
	 * the prefetchers follow (64 rows at a time ran at half the speed). */
	for (nb = 0; nb < n / BLOCK_N; nb++) {
		for (g = 0; g < BLOCK_N / 16; g++) {
			const uint16_t *src = w + (nb * BLOCK_N + g * 16) * ldw;

			for (kb = 0; kb < kblocks; kb++) {
				uint16_t *block = dst + (nb * kblocks + kb) * BLOCK_K * BLOCK_N + g * 32;

				for (i = 0; i < 16; i++)
					rows[i] = _mm512_loadu_si512(src + i * ldw + kb * BLOCK_K);
				transpose16(cols, rows);
				for (i = 0; i < 16; i++)
					_mm512_storeu_si512(block + i * 2 * BLOCK_N, cols[i]);
			}
		}
	}
}
