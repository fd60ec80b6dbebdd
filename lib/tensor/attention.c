#include "tensor/attention.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/gemm.h"
#include "tensor/matmul.h"
#include "tensor/pool.h"
#include "tensor/scratch.h"

/* glibc's vector expf (libmvec), for the simd loop of softmax_row. */
#pragma omp declare simd notinbranch
float expf(float);

/* Softmax over row[0..n) where keep[j]; dropped entries get weight 0. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void softmax_row(float *row, size_t n)
{
	float max = -FLT_MAX, sum = 0.0f, inv;
	size_t j;

#pragma omp simd reduction(max : max)
	for (j = 0; j < n; j++)
		max = row[j] > max ? row[j] : max;
#pragma omp simd
	for (j = 0; j < n; j++)
		row[j] = expf(row[j] - max);
#pragma omp simd reduction(+ : sum)
	for (j = 0; j < n; j++)
		sum += row[j];
	inv = 1.0f / sum;
#pragma omp simd
	for (j = 0; j < n; j++)
		row[j] *= inv;
}

size_t hfgit_attention__scratch(const hfgit_attention_shape *s)
{
	return hfgit_pool__width() * s->q_len * s->kv_len;
}

/* The key/value head query head `h` reads: grouped-query attention shares each among
 * heads / kv_heads query heads. */
static size_t kv_head(const hfgit_attention_shape *s, size_t h)
{
	return s->kv_heads ? h / (s->heads / s->kv_heads) : h;
}

/* One query per sequence (a decode step): a few thousand multiply-adds per head, done on the
 * calling thread: a parallel region (or a oneDNN call) would cost more than it saves. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void attend_one(float *ctx, const float *q, const float *k, const float *v,
                       const hfgit_attention_shape *s, float *scores)
{
	const size_t d = s->head_dim, sk = s->kv_len;
	size_t b, h, j, i;

	for (b = 0; b < s->batch; b++) {
		const int64_t *mask = s->key_mask ? s->key_mask + b * sk : NULL;

		for (h = 0; h < s->heads; h++) {
			const float *qh = q + b * s->q_batch + h * d;
			float *out = ctx + b * s->ctx_ld + h * d;
			const size_t kvh = kv_head(s, h);

			for (j = 0; j < sk; j++) {
				const float *kj = k + b * s->kv_batch + j * s->ld + kvh * d;
				float dot = 0.0f;

#pragma omp simd reduction(+ : dot)
				for (i = 0; i < d; i++)
					dot += qh[i] * kj[i];
				scores[j] = mask && mask[j] == 0 ? -FLT_MAX : dot * s->scale;
			}
			softmax_row(scores, sk);
			for (i = 0; i < d; i++)
				out[i] = 0.0f;
			for (j = 0; j < sk; j++) {
				const float *vj = v + b * s->kv_batch + j * s->ld + kvh * d, p = scores[j];

#pragma omp simd
				for (i = 0; i < d; i++)
					out[i] += p * vj[i];
			}
		}
	}
}

typedef struct {
	float *ctx, *scratch;
	const float *q, *k, *v;
	const hfgit_attention_shape *s;
	int failed;
} attention_job;

/* One (sequence, head) pair per task: scores by oneDNN on this thread, masked softmax,
 * context. */
static void attention_run(void *arg, size_t worker, size_t begin, size_t end)
{
	attention_job *j = arg;
	const hfgit_attention_shape *s = j->s;
	const size_t d = s->head_dim, sq = s->q_len, sk = s->kv_len;
	float *scores = j->scratch + worker * sq * sk;
	size_t t, i, jj;

	for (t = begin; t < end; t++) {
		size_t b = t / s->heads, h = t % s->heads, kvh = kv_head(s, h);
		const float *qb = j->q + b * s->q_batch + h * d, *kb = j->k + b * s->kv_batch + kvh * d,
			    *vb = j->v + b * s->kv_batch + kvh * d;
		const int64_t *mask = s->key_mask ? s->key_mask + b * sk : NULL;

		if (hfgit__sgemm('N', 'T', sq, sk, d, s->scale, qb, s->q_ld ? s->q_ld : s->ld, kb,
		                s->ld, 0.0f, scores, sk) < 0) {
			j->failed = 1;
			continue;
		}
		for (i = 0; i < sq; i++) {
			float *row = scores + i * sk;
			/* Keys after this query's position do not exist for it (causal); torch gives
			 * them finfo.min, which is exactly zero weight after softmax. */
			size_t n = s->causal ? i + sk - sq + 1 : sk;

			for (jj = 0; mask && jj < n; jj++)
				if (mask[jj] == 0)
					row[jj] = -FLT_MAX;
			softmax_row(row, n);
			for (jj = n; jj < sk; jj++)
				row[jj] = 0.0f;
		}
		if (hfgit__sgemm('N', 'N', sq, d, sk, 1.0f, scores, sk, vb, s->ld, 0.0f,
		                j->ctx + b * sq * s->ctx_ld + h * d, s->ctx_ld) < 0)
			j->failed = 1;
	}
}

int hfgit__attention(float *ctx, const float *q, const float *k, const float *v,
                    const hfgit_attention_shape *s, float *scratch)
{
	attention_job j = { ctx, scratch, q, k, v, s, 0 };

	if (s->q_len == 1) {
		attend_one(ctx, q, k, v, s, scratch);
		return 0;
	}
	hfgit_pool__run(s->batch * s->heads, 1, attention_run, &j);
	return j.failed ? hfgit_error__set(HFGIT_ERROR, "oneDNN sgemm failed in attention") : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* BF16 products                                                                              */

static inline float widen_bf16(uint16_t h)
{
	const uint32_t bits = (uint32_t)h << 16;
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* x rounded to the nearest BF16 (ties to even, NaN kept) and widened back, exact in F32: as
 * hfgit_matmul__round_bf16 rounds, inline for one value. */
static inline float rounded_bf16(float x)
{
	uint32_t bits;

	memcpy(&bits, &x, sizeof(bits));
	if ((bits & 0x7fffffffu) > 0x7f800000u)
		return x;
	bits = (bits + 0x7fffu + ((bits >> 16) & 1)) & 0xffff0000u;
	memcpy(&x, &bits, sizeof(x));
	return x;
}

/* One query per sequence, BF16 products: the query and the probabilities rounded as the
 * products of a prefill round them, the keys and values as stored, sums in F32. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void attend_one_bf16(float *ctx, const float *q, const uint16_t *k, const uint16_t *v,
                            const hfgit_attention_shape *s, float *scores)
{
	const size_t d = s->head_dim, sk = s->kv_len;
	float qr[HFGIT_ATTENTION_MAX_HEAD_DIM];
	size_t b, h, j, i;

	for (b = 0; b < s->batch; b++) {
		const int64_t *mask = s->key_mask ? s->key_mask + b * sk : NULL;

		for (h = 0; h < s->heads; h++) {
			float *out = ctx + b * s->ctx_ld + h * d;
			const size_t kvh = kv_head(s, h);

			for (i = 0; i < d; i++)
				qr[i] = rounded_bf16(q[b * s->q_batch + h * d + i]);
			for (j = 0; j < sk; j++) {
				const uint16_t *kj = k + b * s->kv_batch + j * s->ld + kvh * d;
				float dot = 0.0f;

#pragma omp simd reduction(+ : dot)
				for (i = 0; i < d; i++)
					dot += qr[i] * widen_bf16(kj[i]);
				scores[j] = mask && mask[j] == 0 ? -FLT_MAX : dot * s->scale;
			}
			softmax_row(scores, sk);
			for (i = 0; i < d; i++)
				out[i] = 0.0f;
			for (j = 0; j < sk; j++) {
				const uint16_t *vj = v + b * s->kv_batch + j * s->ld + kvh * d;
				const float p = rounded_bf16(scores[j]);

#pragma omp simd
				for (i = 0; i < d; i++)
					out[i] += p * widen_bf16(vj[i]);
			}
		}
	}
}

typedef struct {
	float *ctx, *scratch;
	const float *q;
	const uint16_t *k, *v;
	const hfgit_attention_shape *s;
	int failed;
} attention_bf16_job;

/* Queries per block of a causal head: block b attends to the keys up to its last query
 * only, so the products skip most of the masked half of the scores. */
#define QUERY_BLOCK 128

/* Queries [q0, q0 + m) of one head (q, k, v at the head's first column; ctx likewise): scores
 * and context through oneDNN's BF16 matmul on this thread (matmul.h), reading the keys and
 * values where they are stored. qr, pr: room for m x d and m x kv_len BF16 values. */
static int attend_block(float *ctx, const float *q, const uint16_t *k, const uint16_t *v,
                        const hfgit_attention_shape *s, const int64_t *mask, size_t q0,
                        size_t m, float *scores, uint16_t *qr, uint16_t *pr)
{
	const size_t d = s->head_dim, sq = s->q_len, q_ld = s->q_ld ? s->q_ld : s->ld,
		     /* the keys the block's last query sees */
		     sk = s->causal ? s->kv_len - sq + q0 + m : s->kv_len;
	const hfgit_matmul_block keys = { .w = k, .bf16 = true, .n = sk, .k = d, .ldw = s->ld },
				 values = { .w = v, .bf16 = true, .in_out = true, .n = d, .k = sk,
					    .ldw = s->ld };
	size_t i, j;
	int rc;

	for (i = 0; i < m; i++)
		hfgit_matmul__round_bf16(qr + i * d, q + (q0 + i) * q_ld, d);
	if ((rc = hfgit_matmul__run(scores, sk, qr, d, m, &keys)) < 0)
		return rc;
	for (i = 0; i < m; i++) {
		float *row = scores + i * sk;
		const size_t n = s->causal ? sk - m + i + 1 : sk;

		for (j = 0; j < n; j++)
			row[j] = mask && mask[j] == 0 ? -FLT_MAX : row[j] * s->scale;
		softmax_row(row, n);
		for (j = n; j < sk; j++)
			row[j] = 0.0f;
		hfgit_matmul__round_bf16(pr + i * sk, row, sk);
	}
	return hfgit_matmul__run(ctx + q0 * s->ctx_ld, s->ctx_ld, pr, sk, m, &values);
}

/* One (sequence, head) pair per task, its queries in blocks. */
static void attention_bf16_run(void *arg, size_t worker, size_t begin, size_t end)
{
	attention_bf16_job *j = arg;
	const hfgit_attention_shape *s = j->s;
	const size_t d = s->head_dim, sq = s->q_len, sk = s->kv_len,
		     block = s->causal && sq > QUERY_BLOCK ? QUERY_BLOCK : sq,
		     q_room = (block * d + 31) / 32 * 32; /* pr on a cache line too */
	float *scores = j->scratch + worker * sq * sk;
	/* The query and the probabilities rounded to BF16, in this thread's buffer. */
	uint16_t *qr = hfgit_scratch__get(HFGIT_SCRATCH_ATTENTION, (q_room + block * sk) * 2),
		 *pr = qr + q_room;
	size_t t, q0;

	if (!qr) {
		j->failed = 1;
		return;
	}
	for (t = begin; t < end; t++) {
		const size_t b = t / s->heads, h = t % s->heads, kv = b * s->kv_batch + kv_head(s, h) * d;

		for (q0 = 0; q0 < sq; q0 += block)
			if (attend_block(j->ctx + b * sq * s->ctx_ld + h * d,
			                 j->q + b * s->q_batch + h * d, j->k + kv, j->v + kv, s,
			                 s->key_mask ? s->key_mask + b * sk : NULL, q0,
			                 sq - q0 < block ? sq - q0 : block, scores, qr, pr) < 0)
				j->failed = 1;
	}
}

int hfgit__attention_bf16(float *ctx, const float *q, const uint16_t *k, const uint16_t *v,
                         const hfgit_attention_shape *s, float *scratch)
{
	attention_bf16_job j = { ctx, scratch, q, k, v, s, 0 };

	if (s->head_dim > HFGIT_ATTENTION_MAX_HEAD_DIM)
		return hfgit_error__set(HFGIT_EINVALID, "head_dim %zu: BF16 attention takes at most "
		                       "%d", s->head_dim, HFGIT_ATTENTION_MAX_HEAD_DIM);
	if (s->q_len == 1) {
		attend_one_bf16(ctx, q, k, v, s, scratch);
		return 0;
	}
	hfgit_pool__run(s->batch * s->heads, 1, attention_bf16_run, &j);
	return j.failed ? hfgit_error__set(HFGIT_ERROR, "a BF16 product failed in attention") : 0;
}
