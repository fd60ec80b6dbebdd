#include "tensor/attention.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/gemm.h"
#include "tensor/pool.h"

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
