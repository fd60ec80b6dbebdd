#include "tensor/hlinear.h"

#include <immintrin.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tensor/matmul.h"
#include "tensor/onednn.h"
#include "tensor/gemm.h"
#include "tensor/ops.h"
#include "tensor/pool.h"
#include "tensor/scratch.h"
#include "tensor/threads.h"

/* Up to this many rows the weights are streamed once and widened in registers; above, tiles
 * of them are widened into a buffer for the GEMM (the widening then costs little beside the
 * arithmetic). */
#define STREAM_MAX_ROWS 8
/* Weight rows per chunk of the streaming loop: small enough that the chunk stays in L2 while
 * every x row passes over it, large enough to keep the hardware prefetchers going. */
#define CHUNK 16
#define TILE_MAX 128
/* Chunks claimed at once from the pool. */
#define GROUP 4

static size_t elem_size(hfgit_weight_dtype t)
{
	return t == HFGIT_WEIGHT_F32 ? 4 : 2;
}

static void widen(float *out, const void *w, hfgit_weight_dtype t, size_t n)
{
	switch (t) {
	case HFGIT_WEIGHT_F32: memcpy(out, w, n * sizeof(float)); break;
	case HFGIT_WEIGHT_BF16: hfgit_bf16__to_f32(out, w, n); break;
	case HFGIT_WEIGHT_F16: hfgit_f16__to_f32(out, w, n); break;
	}
}

void hfgit_hlinear__rows(float *out, const hfgit_hlinear *l, size_t row, size_t n)
{
	widen(out, (const char *)l->weight + row * l->in * elem_size(l->dtype), l->dtype,
	      n * l->in);
}

/* ---------------------------------------------------------------------------------------- */
/* Few rows: one pass over the weights                                                       */

typedef void (*dot_fn)(float *y, const void *w, size_t n, const float *x, size_t k);

/* Portable: widen a piece of each weight row on the stack, then a plain dot product. */
static void dot_portable(float *y, const void *w, size_t n, const float *x, size_t k,
                         hfgit_weight_dtype t)
{
	float buf[256];
	size_t r, i, j, m;

	for (r = 0; r < n; r++) {
		const char *row = (const char *)w + r * k * elem_size(t);
		float s = 0.0f;

		for (i = 0; i < k; i += m) {
			m = k - i < 256 ? k - i : 256;
			widen(buf, row + i * elem_size(t), t, m);
			for (j = 0; j < m; j++)
				s += buf[j] * x[i + j];
		}
		y[r] = s;
	}
}

static void dot_portable_bf16(float *y, const void *w, size_t n, const float *x, size_t k)
{
	dot_portable(y, w, n, x, k, HFGIT_WEIGHT_BF16);
}

static void dot_portable_f16(float *y, const void *w, size_t n, const float *x, size_t k)
{
	dot_portable(y, w, n, x, k, HFGIT_WEIGHT_F16);
}

#define AVX512 __attribute__((target("avx512f,avx512bw,avx512vl")))

AVX512 static inline __m512 load_bf16(const uint16_t *p, __mmask16 m)
{
	return _mm512_castsi512_ps(
		_mm512_slli_epi32(_mm512_cvtepu16_epi32(_mm256_maskz_loadu_epi16(m, p)), 16));
}

AVX512 static inline __m512 load_f16(const uint16_t *p, __mmask16 m)
{
	return _mm512_cvtph_ps(_mm256_maskz_loadu_epi16(m, p));
}

/* Four weight rows at a time against one x row: x is loaded once per four rows. */
#define DOT4(name, load)                                                                      \
	AVX512 static void name(float *y, const void *wv, size_t n, const float *x, size_t k)  \
	{                                                                                     \
		const uint16_t *w = wv;                                                       \
		const __mmask16 tail = (__mmask16)((1u << (k % 16)) - 1);                     \
		size_t r = 0, i, end = k - k % 16;                                            \
                                                                                              \
		for (; r + 4 <= n; r += 4) {                                                  \
			const uint16_t *w0 = w + r * k, *w1 = w0 + k, *w2 = w1 + k,          \
				       *w3 = w2 + k;                                          \
			__m512 a0 = _mm512_setzero_ps(), a1 = a0, a2 = a0, a3 = a0, xv;       \
                                                                                              \
			for (i = 0; i < end; i += 16) {                                       \
				xv = _mm512_loadu_ps(x + i);                                  \
				a0 = _mm512_fmadd_ps(load(w0 + i, 0xffff), xv, a0);           \
				a1 = _mm512_fmadd_ps(load(w1 + i, 0xffff), xv, a1);           \
				a2 = _mm512_fmadd_ps(load(w2 + i, 0xffff), xv, a2);           \
				a3 = _mm512_fmadd_ps(load(w3 + i, 0xffff), xv, a3);           \
			}                                                                     \
			if (tail) {                                                           \
				xv = _mm512_maskz_loadu_ps(tail, x + i);                      \
				a0 = _mm512_fmadd_ps(load(w0 + i, tail), xv, a0);             \
				a1 = _mm512_fmadd_ps(load(w1 + i, tail), xv, a1);             \
				a2 = _mm512_fmadd_ps(load(w2 + i, tail), xv, a2);             \
				a3 = _mm512_fmadd_ps(load(w3 + i, tail), xv, a3);             \
			}                                                                     \
			y[r] = _mm512_reduce_add_ps(a0);                                      \
			y[r + 1] = _mm512_reduce_add_ps(a1);                                  \
			y[r + 2] = _mm512_reduce_add_ps(a2);                                  \
			y[r + 3] = _mm512_reduce_add_ps(a3);                                  \
		}                                                                             \
		for (; r < n; r++) {                                                          \
			const uint16_t *w0 = w + r * k;                                       \
			__m512 a0 = _mm512_setzero_ps();                                      \
                                                                                              \
			for (i = 0; i < end; i += 16)                                         \
				a0 = _mm512_fmadd_ps(load(w0 + i, 0xffff),                    \
				                     _mm512_loadu_ps(x + i), a0);             \
			if (tail)                                                             \
				a0 = _mm512_fmadd_ps(load(w0 + i, tail),                      \
				                     _mm512_maskz_loadu_ps(tail, x + i), a0);  \
			y[r] = _mm512_reduce_add_ps(a0);                                      \
		}                                                                             \
	}

DOT4(dot_avx512_bf16, load_bf16)
DOT4(dot_avx512_f16, load_f16)

/* BF16 weights against a BF16-rounded x row (vdpbf16ps: pairs of products summed in F32), four
 * weight rows at a time. */
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static void dot_bf16_pairs(float *y, const uint16_t *w, size_t n, const uint16_t *x, size_t k)
{
	const __mmask32 tail = (__mmask32)((1ull << (k % 32)) - 1);
	size_t r = 0, i, end = k - k % 32, q;

	for (; r < n; r += 4) {
		const size_t m = n - r < 4 ? n - r : 4;
		__m512 a[4] = { _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(),
				_mm512_setzero_ps() };
		__m512bh xv;

		for (i = 0; i < end; i += 32) {
			xv = (__m512bh)_mm512_loadu_si512(x + i);
			for (q = 0; q < m; q++)
				a[q] = _mm512_dpbf16_ps(
					a[q], (__m512bh)_mm512_loadu_si512(w + (r + q) * k + i), xv);
		}
		if (tail) {
			xv = (__m512bh)_mm512_maskz_loadu_epi16(tail, x + i);
			for (q = 0; q < m; q++)
				a[q] = _mm512_dpbf16_ps(
					a[q],
					(__m512bh)_mm512_maskz_loadu_epi16(tail, w + (r + q) * k + i),
					xv);
		}
		for (q = 0; q < m; q++)
			y[r + q] = _mm512_reduce_add_ps(a[q]);
	}
}

static bool use_avx512(void)
{
	static int cached = -1;
	const char *env;

	if (cached < 0) {
		env = getenv("HFGIT_KERNELS");
		__builtin_cpu_init();
		cached = !(env && !strcmp(env, "portable")) && __builtin_cpu_supports("avx512f") &&
		         __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512vl");
	}
	return cached;
}

/* BF16 weights with BF16-rounded activations (matmul.h) where the CPU has the
 * instructions; F32 products of the widened weights otherwise. */
static bool bf16_products(const hfgit_hlinear *l)
{
	return l->dtype == HFGIT_WEIGHT_BF16 && use_avx512() && hfgit_matmul__bf16();
}

bool hfgit_hlinear__bf16_products(const hfgit_hlinear *l)
{
	return bf16_products(l);
}

const char *hfgit_hlinear__kernel(void)
{
	return !use_avx512() ? "portable" : hfgit_matmul__bf16() ? "avx512-bf16" : "avx512";
}

/* x rounded to BF16 in the calling thread's buffer (scratch.h). */
static uint16_t *rounded_x(const float *x, size_t ldx, size_t rows, size_t in)
{
	uint16_t *buf = hfgit_scratch__get(HFGIT_SCRATCH_BF16_X, rows * in * sizeof(*buf));
	size_t r;

	if (!buf)
		return NULL;
	for (r = 0; r < rows; r++)
		hfgit_matmul__round_bf16(buf + r * in, x + r * ldx, in);
	return buf;
}

static dot_fn dot_of(const hfgit_hlinear *l)
{
	const bool fast = use_avx512();

	return l->dtype == HFGIT_WEIGHT_BF16 ? (fast ? dot_avx512_bf16 : dot_portable_bf16)
	                                     : (fast ? dot_avx512_f16 : dot_portable_f16);
}

#define MAX_MANY 8

/* Chunks of CHUNK weight rows of every layer, handed out to the threads as one loop (the
 * helper pool: see pool.h for why not OpenMP here). */
typedef struct {
	const hfgit_hlinear *const *ls;
	size_t nl;
	float *const *ys;
	const size_t *ldys;
	const float *x;
	size_t ldx, rows;
	const uint16_t *xb; /* x rounded to BF16, rows of `in`, for bf16_products */
	size_t first[MAX_MANY + 1];
} stream_job;

static void stream_chunk(void *arg, size_t group)
{
	const stream_job *s = arg;
	size_t c, end = (group + 1) * GROUP < s->first[s->nl] ? (group + 1) * GROUP
	                                                       : s->first[s->nl];

	for (c = group * GROUP; c < end; c++) {
		size_t k = 0, o, n, r, j;
		const hfgit_hlinear *l;
		const void *w;

		while (c >= s->first[k + 1])
			k++;
		l = s->ls[k];
		o = (c - s->first[k]) * CHUNK;
		n = l->out - o < CHUNK ? l->out - o : CHUNK;
		w = (const uint16_t *)l->weight + o * l->in;
		for (r = 0; r < s->rows; r++) {
			float *yr = s->ys[k] + r * s->ldys[k] + o;

			if (s->xb && l->dtype == HFGIT_WEIGHT_BF16)
				dot_bf16_pairs(yr, w, n, s->xb + r * l->in, l->in);
			else
				dot_of(l)(yr, w, n, s->x + r * s->ldx, l->in);
			for (j = 0; l->bias && j < n; j++)
				yr[j] += l->bias[o + j];
		}
	}
}

static int stream(const hfgit_hlinear *const *ls, size_t nl, float *const *ys,
                  const size_t *ldys, const float *x, size_t ldx, size_t rows)
{
	stream_job s = { ls, nl, ys, ldys, x, ldx, rows, NULL, { 0 } };
	size_t i;

	if (bf16_products(ls[0]) && !(s.xb = rounded_x(x, ldx, rows, ls[0]->in)))
		return hfgit_error__oom();
	for (i = 0; i < nl; i++)
		s.first[i + 1] = s.first[i] + (ls[i]->out + CHUNK - 1) / CHUNK;
	hfgit_pool__each((s.first[nl] + GROUP - 1) / GROUP, stream_chunk, &s);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Many rows: widened tiles through the GEMM                                                 */

typedef struct {
	const hfgit_hlinear *l;
	float *y;
	const float *x;
	size_t ldy, ldx, rows, tile;
	atomic_int failed;
} tiled_job;


static void tiled_chunk(void *arg, size_t t)
{
	tiled_job *j = arg;
	const hfgit_hlinear *l = j->l;
	const size_t o = t * j->tile, n = l->out - o < j->tile ? l->out - o : j->tile;
	/* Each worker widens into its own buffer, kept for the next calls (scratch.h). */
	float *tile_buf = hfgit_scratch__get(HFGIT_SCRATCH_TILE, n * l->in * sizeof(float));
	size_t r, c;

	if (!tile_buf) {
		atomic_store(&j->failed, 1);
		return;
	}
	hfgit_hlinear__rows(tile_buf, l, o, n);
	/* On a pool worker the GEMM runs on this thread alone (pool.c). */
	if (hfgit__sgemm('N', 'T', j->rows, n, l->in, 1.0f, j->x, j->ldx, tile_buf, l->in,
	                0.0f, j->y + o, j->ldy) < 0) {
		atomic_store(&j->failed, 1);
		return;
	}
	for (r = 0; l->bias && r < j->rows; r++)
		for (c = 0; c < n; c++)
			j->y[r * j->ldy + o + c] += l->bias[o + c];
}

static int tiled(const hfgit_hlinear *l, float *y, size_t ldy, const float *x, size_t ldx,
                 size_t rows)
{
	const size_t threads = (size_t)hfgit__threads();
	tiled_job j = { l, y, x, ldy, ldx, rows, (l->out + 2 * threads - 1) / (2 * threads), 0 };

	j.tile = j.tile < 16 ? 16 : j.tile > TILE_MAX ? TILE_MAX : (j.tile + 15) / 16 * 16;
	hfgit_pool__each((l->out + j.tile - 1) / j.tile, tiled_chunk, &j);
	if (atomic_load(&j.failed))
		return hfgit_error__set(HFGIT_ERROR, "out of memory or GEMM failure in a %zux%zu "
		                       "linear layer", l->out, l->in);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Many rows, BF16: oneDNN's BF16 matmul on blocks of output columns                         */

static int bf16_blocks(const hfgit_hlinear *const *ls, size_t nl, float *const *ys,
                       const size_t *ldys, const float *x, size_t ldx, size_t rows)
{
	hfgit_matmul_layer m[HFGIT_MATMUL_MAX_LAYERS];
	const uint16_t *xb;
	size_t i;

	for (i = 0; i < nl; i++)
		m[i] = (hfgit_matmul_layer){ ls[i]->weight, false, ls[i]->out, ls[i]->in,
			                     ls[i]->bias, ys[i], ldys[i] };
	if (!(xb = rounded_x(x, ldx, rows, ls[0]->in)))
		return hfgit_error__oom();
	return hfgit_matmul__layers(m, nl, xb, ls[0]->in, rows, true, HFGIT_MATMUL_PLAIN);
}

int hfgit_hlinear__apply(const hfgit_hlinear *l, float *y, size_t ldy, const float *x, size_t ldx,
                        size_t rows)
{
	return hfgit_hlinear__apply_many(&l, 1, &y, &ldy, x, ldx, rows);
}

/* One layer of any dtype, for apply_many's layers that cannot go together. */
static int apply_one(const hfgit_hlinear *l, float *y, size_t ldy, const float *x, size_t ldx,
                     size_t rows)
{
	if (l->dtype == HFGIT_WEIGHT_F32) {
		/* F32 weights go to the runtime's own products (OpenMP and oneDNN), with the
		 * threads the caller's step may have set aside for the pool. */
		hfgit_linear f = { l->weight, l->bias, l->in, l->out, false };
		int saved = hfgit_omp__max_threads(), rc;

		hfgit_omp__set_threads(hfgit__threads());
		rc = hfgit_linear__apply(&f, y, ldy, x, ldx, rows);
		hfgit_omp__set_threads(saved);
		return rc;
	}
	if (!rows || !l->out)
		return 0;
	if (rows <= STREAM_MAX_ROWS)
		return stream(&l, 1, &y, &ldy, x, ldx, rows);
	if (bf16_products(l))
		return bf16_blocks(&l, 1, &y, &ldy, x, ldx, rows);
	return tiled(l, y, ldy, x, ldx, rows);
}

int hfgit_hlinear__apply_many(const hfgit_hlinear *const *ls, size_t n, float *const *ys,
                             const size_t *ldys, const float *x, size_t ldx, size_t rows)
{
	size_t i, bf16 = 0;
	int rc;

	for (i = 0; i < n; i++) {
		if (ls[i]->dtype == HFGIT_WEIGHT_F32 || ls[i]->in != ls[0]->in)
			break;
		bf16 += bf16_products(ls[i]);
	}
	if (i == n && n <= MAX_MANY && rows) {
		if (rows <= STREAM_MAX_ROWS)
			return stream(ls, n, ys, ldys, x, ldx, rows);
		if (bf16 == n)
			return bf16_blocks(ls, n, ys, ldys, x, ldx, rows);
	}
	for (i = 0; i < n; i++)
		if ((rc = apply_one(ls[i], ys[i], ldys[i], x, ldx, rows)) < 0)
			return rc;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The SwiGLU MLP                                                                             */


bool hfgit_hlinear__mlp_own_buffers(const hfgit_hlinear *gate, size_t rows)
{
	return rows > STREAM_MAX_ROWS && bf16_products(gate);
}

static int mlp_slabs(const hfgit_hlinear *gate, const hfgit_hlinear *up,
                     const hfgit_hlinear *down, float *y, size_t ldy, const float *x,
                     size_t ldx, size_t rows)
{
	/* Intermediate columns per slab: as wide as one block of the products (matmul.h), so
	 * that the gate and up slabs are one product each for two workers, with dense outputs
	 * (slabs of two blocks each spent 7% more CPU time, in the copies of the blocks). */
	const size_t H = gate->in, I = gate->out,
		     slab = hfgit_matmul__widest_block(H, rows, true, false);
	const uint16_t *xb = rounded_x(x, ldx, rows, H);
	float *g = hfgit_scratch__get(HFGIT_SCRATCH_MLP, 2 * rows * slab * sizeof(float));
	uint16_t *act = hfgit_scratch__get(HFGIT_SCRATCH_MLP_BF16, rows * I * sizeof(*act));
	float *u = g + rows * slab;
	size_t s0;
	int rc = 0;

	if (!xb || !g || !act)
		return hfgit_error__oom();
	for (s0 = 0; rc == 0 && s0 < I; s0 += slab) {
		const size_t n = I - s0 < slab ? I - s0 : slab;
		const hfgit_matmul_layer gu[2] = {
			{ (const uint16_t *)gate->weight + s0 * H, false, n, H,
			  gate->bias ? gate->bias + s0 : NULL, g, n },
			{ (const uint16_t *)up->weight + s0 * H, false, n, H,
			  up->bias ? up->bias + s0 : NULL, u, n },
		};

		if ((rc = hfgit_matmul__layers(gu, 2, xb, H, rows, true, HFGIT_MATMUL_PLAIN)) < 0)
			break;
		hfgit__swiglu_bf16(act + s0, I, g, u, rows, n);
	}
	if (rc == 0) {
		const hfgit_matmul_layer d = { down->weight, false, down->out, I, down->bias, y, ldy };

		rc = hfgit_matmul__layers(&d, 1, act, I, rows, true, HFGIT_MATMUL_PLAIN);
	}
	return rc;
}

int hfgit_hlinear__swiglu_mlp(const hfgit_hlinear *gate, const hfgit_hlinear *up,
                             const hfgit_hlinear *down, float *y, size_t ldy, const float *x,
                             size_t ldx, size_t rows, float *gate_buf, float *up_buf)
{
	const size_t I = gate->out;
	int rc;

	if (up->out != I || up->in != gate->in || down->in != I)
		return hfgit_error__set(HFGIT_EINVALID, "MLP of mismatched layers: gate %zux%zu, up "
		                       "%zux%zu, down %zux%zu", gate->out, gate->in, up->out, up->in,
		                       down->out, down->in);
	if (hfgit_hlinear__mlp_own_buffers(gate, rows) && bf16_products(up) &&
	    bf16_products(down))
		return mlp_slabs(gate, up, down, y, ldy, x, ldx, rows);
	if (!gate_buf || !up_buf)
		return hfgit_error__set(HFGIT_EINVALID, "MLP of %zu rows without its buffers", rows);
	if ((rc = hfgit_hlinear__apply_many((const hfgit_hlinear *[]){ gate, up }, 2,
	                                    (float *const[]){ gate_buf, up_buf },
	                                    (const size_t[]){ I, I }, x, ldx, rows)) < 0)
		return rc;
	hfgit__swiglu(gate_buf, up_buf, rows * I);
	return hfgit_hlinear__apply(down, y, ldy, gate_buf, I, rows);
}
