#include "tensor/attention.h"

#include <float.h>
#include <stdatomic.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/gemm.h"
#include "tensor/matmul.h"
#include "tensor/pool.h"
#include "tensor/scratch.h"
#include "tensor/smm.h"

/* glibc's vector expf (libmvec), for the simd loop of softmax_row. */
#pragma omp declare simd notinbranch
float expf(float);

/* row[0..n) = exp(row - max) / their sum: the end of a softmax whose maximum is found. */
static inline __attribute__((always_inline)) void exp_normalize(float *row, size_t n, float max)
{
	float sum = 0.0f, inv;
	size_t j;

#pragma omp simd reduction(+ : sum)
	for (j = 0; j < n; j++) {
		row[j] = expf(row[j] - max);
		sum += row[j];
	}
	inv = 1.0f / sum;
#pragma omp simd
	for (j = 0; j < n; j++)
		row[j] *= inv;
}

/* Softmax over row[0..n). */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void softmax_row(float *row, size_t n)
{
	float max = -FLT_MAX;
	size_t j;

#pragma omp simd reduction(max : max)
	for (j = 0; j < n; j++)
		max = row[j] > max ? row[j] : max;
	exp_normalize(row, n, max);
}

/* Softmax over scale * row[0..n), entries where keep[j] == 0 given weight 0 (keep NULL: all
 * kept); the scaled scores are the ones torch computes, x * scale, and the pass that scales
 * them also finds their maximum. */
__attribute__((target_clones("avx512f", "avx2", "default")))
static void softmax_scaled(float *row, size_t n, float scale, const float *keep)
{
	float max = -FLT_MAX;
	size_t j;

	if (keep) {
#pragma omp simd reduction(max : max)
		for (j = 0; j < n; j++) {
			row[j] = keep[j] != 0.0f ? row[j] * scale : -FLT_MAX;
			max = row[j] > max ? row[j] : max;
		}
	} else {
#pragma omp simd reduction(max : max)
		for (j = 0; j < n; j++) {
			row[j] *= scale;
			max = row[j] > max ? row[j] : max;
		}
	}
	exp_normalize(row, n, max);
}

/* The scores of one query (attend_one): many queries run on the workers' own buffers. */
size_t hfgit_attention__scratch(const hfgit_attention_shape *s)
{
	return s->kv_len;
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
	float *ctx;
	const float *q, *k, *v;
	const hfgit_attention_shape *s;
	size_t group, groups; /* heads per task, tasks per sequence */
	atomic_int failed;
} attention_job;

/* The context of g heads from their dense [n, d] blocks at from into rows of ctx (row stride
 * ld), the first head at column h0 * d: each row written once, from start to end. */
static void scatter_heads(float *ctx, size_t ld, size_t h0, size_t g, size_t n, size_t d,
                          const float *from)
{
	size_t i, hl;

	for (i = 0; i < n; i++)
		for (hl = 0; hl < g; hl++)
			memcpy(ctx + i * ld + (h0 + hl) * d, from + (hl * n + i) * d, d * sizeof(float));
}

/* Heads [h0, h0 + g) of n rows at x (row stride ld, head h at column h * d) into g dense
 * [n, d] blocks at out: each row is read once, from start to end. `kv`: the rows are keys or
 * values, whose head is kv_head(s, h). */
static void gather_heads(float *out, const float *x, size_t n, size_t ld,
                         const hfgit_attention_shape *s, size_t h0, size_t g, bool kv)
{
	const size_t d = s->head_dim;
	size_t i, hl;

	for (i = 0; i < n; i++)
		for (hl = 0; hl < g; hl++)
			memcpy(out + (hl * n + i) * d,
			       x + i * ld + (kv ? kv_head(s, h0 + hl) : h0 + hl) * d,
			       d * sizeof(float));
}

/*
 * Heads [h0, h0 + g) of one sequence per task. Their queries, keys and values are gathered
 * into dense blocks first: oneDNN's matmul runs its brgemm kernels on dense rows only, and a
 * slower GEMM on a head's columns of the wider projections. Then, head by head on this
 * thread: scores, masked softmax, and the context into a dense block, which is scattered into
 * the context's rows at the end. Gathering and scattering whole rows of the group's heads,
 * where a task was one head and copied 256 bytes of it at a time from rows 3 KB apart (and
 * the matmul copied the context out of its dense buffer the same way), took BERT-base's
 * attention with 8 sequences of 128 from 37.5 to 31.5 ms a pass, and its copies from 30% of
 * the attention's CPU time to 23%.
 */
static void attention_task(void *arg, size_t t)
{
	attention_job *j = arg;
	const hfgit_attention_shape *s = j->s;
	const size_t d = s->head_dim, sq = s->q_len, sk = s->kv_len,
		     q_ld = s->q_ld ? s->q_ld : s->ld, b = t / j->groups,
		     h0 = t % j->groups * j->group,
		     g = s->heads - h0 < j->group ? s->heads - h0 : j->group;
	const int64_t *mask = s->key_mask ? s->key_mask + b * sk : NULL;
	/* Head-major heads need a block for their context only. */
	float *scores = hfgit_scratch__get(HFGIT_SCRATCH_PROBS, (sq + 1) * sk * sizeof(float)),
	      *qd = hfgit_scratch__get(HFGIT_SCRATCH_ATTENTION,
	                               g * (s->head_major ? sq : 2 * sq + 2 * sk) * d *
	                                       sizeof(float)),
	      *kd = NULL, *vd = NULL, *cd, *keep = NULL;
	size_t hl, i, jj;
	bool direct = false;

	if (!qd || !scores) {
		atomic_store(&j->failed, 1);
		return;
	}
	if (s->head_major) {
		cd = qd;
	} else {
		kd = qd + g * sq * d;
		vd = kd + g * sk * d;
		cd = vd + g * sk * d;
	}
	for (jj = 0; mask && jj < sk && !keep; jj++)
		if (mask[jj] == 0)
			keep = scores + sq * sk;
	for (jj = 0; keep && jj < sk; jj++)
		keep[jj] = mask[jj] != 0 ? 1.0f : 0.0f;
	if (!s->head_major) {
		gather_heads(qd, j->q + b * s->q_batch, sq, q_ld, s, h0, g, false);
		gather_heads(kd, j->k + b * s->kv_batch, sk, s->ld, s, h0, g, true);
		gather_heads(vd, j->v + b * s->kv_batch, sk, s->ld, s, h0, g, true);
	}
	for (hl = 0; hl < g; hl++) {
		/* Head h0 + hl of sequence b: in the gathered blocks, or where the projections
		 * wrote it (head-major). */
		const size_t h = h0 + hl;
		const float *qh = s->head_major ? j->q + (h * s->batch + b) * sq * d : qd + hl * sq * d,
			    *kh = s->head_major ? j->k + (h * s->batch + b) * sk * d : kd + hl * sk * d,
			    *vh = s->head_major ? j->v + (h * s->batch + b) * sk * d : vd + hl * sk * d;
		const hfgit_matmul_block keys = { .w = kh, .n = sk, .k = d, .ldw = d },
					 values = { .w = vh, .in_out = true, .n = d, .k = sk,
						    .ldw = d };

		if (hfgit_matmul__run(scores, sk, qh, d, sq, &keys) < 0) {
			atomic_store(&j->failed, 1);
			return;
		}
		for (i = 0; i < sq; i++) {
			float *row = scores + i * sk;
			/* Keys after this query's position do not exist for it (causal); torch gives
			 * them finfo.min, which is exactly zero weight after softmax. */
			const size_t n = s->causal ? i + sk - sq + 1 : sk;

			softmax_scaled(row, n, s->scale, keep);
			for (jj = n; jj < sk; jj++)
				row[jj] = 0.0f;
		}
		/* libxsmm writes the context into its rows; oneDNN into a dense block, scattered
		 * into them at the end. */
		direct = hfgit_smm__product(j->ctx + b * sq * s->ctx_ld + h * d, s->ctx_ld, scores,
		                            sk, vh, d, sq, d, sk);
		if (!direct && hfgit_matmul__run(cd + hl * sq * d, d, scores, sk, sq, &values) < 0) {
			atomic_store(&j->failed, 1);
			return;
		}
	}
	if (!direct)
		scatter_heads(j->ctx + b * sq * s->ctx_ld, s->ctx_ld, h0, g, sq, d, cd);
}

#define GROUP_MAX 4

int hfgit__attention(float *ctx, const float *q, const float *k, const float *v,
                    const hfgit_attention_shape *s, float *scratch)
{
	/* At least two tasks a worker, and at most GROUP_MAX heads a task: rows of 4 heads (1 KB
	 * for BERT-base) are long enough for the copies, and more took the same time in 1 MB
	 * more of buffers a thread. */
	const size_t want = 2 * hfgit_pool__width(),
		     groups = s->batch >= want ? 1 : (want + s->batch - 1) / s->batch,
		     even = (s->heads + groups - 1) / groups,
		     group = even < 1 ? 1 : even > GROUP_MAX ? GROUP_MAX : even;
	attention_job j = { ctx, q, k, v, s, group, (s->heads + group - 1) / group, 0 };

	if (s->head_major && (s->q_len == 1 || s->kv_heads))
		return hfgit_error__set(HFGIT_EINVALID, "head-major attention takes many queries "
		                       "and no grouped-query heads");
	if (s->q_len == 1) {
		attend_one(ctx, q, k, v, s, scratch);
		return 0;
	}
	hfgit_pool__each(s->batch * j.groups, attention_task, &j);
	return atomic_load(&j.failed) ? hfgit_error__set(HFGIT_ERROR, "oneDNN matmul failed in attention (out of memory?)") : 0;
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
	float *ctx;
	const float *q;
	const uint16_t *k, *v;
	const hfgit_attention_shape *s;
	size_t block, blocks; /* queries per block, blocks per sequence */
	atomic_int failed;
} attention_bf16_job;

/* Queries per block of a causal head: block b attends to the keys up to its last query
 * only, so the products skip most of the masked half of the scores. */
#define QUERY_BLOCK 128

/* Bytes rounded up to a cache line, for buffers carved out of one. */
static size_t line(size_t bytes)
{
	return (bytes + 63) / 64 * 64;
}

/*
 * Queries [q0, q0 + m) of the `g` query heads that share key/value head kvh, as one product
 * of g * m rows against the keys and one against the values: a product of 256 rows or more
 * packs the keys once (matmul.h) where head by head they were copied again for every head and
 * block. Through oneDNN's BF16 matmul on this thread, reading the keys and values where they
 * are stored; per-thread buffers for the rounded queries, the scores, the probabilities and
 * the context.
 */
static int attend_group(const attention_bf16_job *j, size_t b, size_t kvh, size_t q0, size_t m)
{
	const hfgit_attention_shape *s = j->s;
	const size_t d = s->head_dim, sq = s->q_len, g = s->kv_heads ? s->heads / s->kv_heads : 1,
		     rows = g * m, q_ld = s->q_ld ? s->q_ld : s->ld,
		     /* the keys the block's last query sees */
		     sk = s->causal ? s->kv_len - sq + q0 + m : s->kv_len,
		     at = b * s->kv_batch + kvh * d;
	const hfgit_matmul_block keys = { .w = j->k + at, .bf16 = true, .n = sk, .k = d,
					  .ldw = s->ld },
				 values = { .w = j->v + at, .bf16 = true, .in_out = true, .n = d,
					    .k = sk, .ldw = s->ld };
	const int64_t *mask = s->key_mask ? s->key_mask + b * s->kv_len : NULL;
	char *buf = hfgit_scratch__get(HFGIT_SCRATCH_ATTENTION,
	                               line(rows * d * 2) + line(rows * sk * 2) +
	                               line(rows * d * 4));
	float *scores = hfgit_scratch__get(HFGIT_SCRATCH_SCORES, rows * sk * sizeof(float)), *out;
	uint16_t *qr, *pr;
	size_t hl, i, jj, r;
	int rc;

	if (!buf || !scores)
		return hfgit_error__oom();
	qr = (uint16_t *)(void *)buf;
	pr = (uint16_t *)(void *)(buf + line(rows * d * 2));
	out = (float *)(void *)(buf + line(rows * d * 2) + line(rows * sk * 2));
	/* Row hl * m + i: query q0 + i of the group's head hl. */
	for (hl = 0; hl < g; hl++)
		for (i = 0; i < m; i++)
			hfgit_matmul__round_bf16(qr + (hl * m + i) * d,
			                         j->q + b * s->q_batch + (q0 + i) * q_ld +
			                                 (kvh * g + hl) * d, d);
	if ((rc = hfgit_matmul__run(scores, sk, qr, d, rows, &keys)) < 0)
		return rc;
	for (r = 0; r < rows; r++) {
		float *row = scores + r * sk;
		const size_t n = s->causal ? sk - m + r % m + 1 : sk;

		for (jj = 0; jj < n; jj++)
			row[jj] = mask && mask[jj] == 0 ? -FLT_MAX : row[jj] * s->scale;
		softmax_row(row, n);
		for (jj = n; jj < sk; jj++)
			row[jj] = 0.0f;
		hfgit_matmul__round_bf16(pr + r * sk, row, sk);
	}
	if ((rc = hfgit_matmul__run(out, d, pr, sk, rows, &values)) < 0)
		return rc;
	scatter_heads(j->ctx + (b * sq + q0) * s->ctx_ld, s->ctx_ld, kvh * g, g, m, d, out);
	return 0;
}

/* One (sequence, key/value head, block of queries) per task, the blocks with the most keys
 * first (they take longest: the others then fill in). */
static void attention_bf16_task(void *arg, size_t t)
{
	attention_bf16_job *j = arg;
	const hfgit_attention_shape *s = j->s;
	const size_t kv_heads = s->kv_heads ? s->kv_heads : s->heads,
		     qb = j->blocks - 1 - t / (s->batch * kv_heads), rest = t % (s->batch * kv_heads),
		     q0 = qb * j->block;

	if (attend_group(j, rest / kv_heads, rest % kv_heads, q0,
	                 s->q_len - q0 < j->block ? s->q_len - q0 : j->block) < 0)
		atomic_store(&j->failed, 1);
}

int hfgit__attention_bf16(float *ctx, const float *q, const uint16_t *k, const uint16_t *v,
                         const hfgit_attention_shape *s)
{
	const size_t block = s->causal && s->q_len > QUERY_BLOCK ? QUERY_BLOCK : s->q_len;
	attention_bf16_job j = { ctx, q, k, v, s, block, block ? (s->q_len + block - 1) / block : 0,
				 0 };
	float *scores;

	if (s->head_dim > HFGIT_ATTENTION_MAX_HEAD_DIM)
		return hfgit_error__set(HFGIT_EINVALID, "head_dim %zu: BF16 attention takes at most "
		                       "%d", s->head_dim, HFGIT_ATTENTION_MAX_HEAD_DIM);
	if (s->kv_heads && s->heads % s->kv_heads)
		return hfgit_error__set(HFGIT_EINVALID, "%zu attention heads do not share %zu "
		                       "key/value heads", s->heads, s->kv_heads);
	if (s->q_len == 1) {
		if (!(scores = hfgit_scratch__get(HFGIT_SCRATCH_SCORES, s->kv_len * sizeof(float))))
			return hfgit_error__oom();
		attend_one_bf16(ctx, q, k, v, s, scores);
		return 0;
	}
	hfgit_pool__each(j.blocks * s->batch * (s->kv_heads ? s->kv_heads : s->heads),
	                 attention_bf16_task, &j);
	return atomic_load(&j.failed) ? hfgit_error__set(HFGIT_ERROR, "a BF16 product failed in "
	                                                "attention (out of memory?)") : 0;
}
