#include "tensor/ops.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/gemm.h"
#include "tensor/pool.h"
#include "tensor/threads.h"

/* glibc's libmvec has vector versions of these (at most 4 ulp from the scalar ones); this
 * lets the compiler call them from the simd loops below. */
#pragma omp declare simd notinbranch
float erff(float);
#pragma omp declare simd notinbranch
float expf(float);
#pragma omp declare simd notinbranch
float tanhf(float);

static const struct {
	const char *name;
	hfgit_activation act;
} activations[] = {
	{ "gelu", HFGIT_ACT_GELU },           { "gelu_python", HFGIT_ACT_GELU },
	{ "gelu_new", HFGIT_ACT_GELU_NEW },   { "gelu_pytorch_tanh", HFGIT_ACT_GELU_NEW },
	{ "gelu_fast", HFGIT_ACT_GELU_FAST }, { "quick_gelu", HFGIT_ACT_QUICK_GELU },
	{ "relu", HFGIT_ACT_RELU },           { "silu", HFGIT_ACT_SILU },
	{ "swish", HFGIT_ACT_SILU },          { "tanh", HFGIT_ACT_TANH },
};

bool hfgit_activation__parse(hfgit_activation *out, const char *name)
{
	size_t i;

	for (i = 0; name && i < sizeof(activations) / sizeof(*activations); i++) {
		if (!strcmp(name, activations[i].name)) {
			*out = activations[i].act;
			return true;
		}
	}
	return false;
}

const char *hfgit_activation__names(void)
{
	return "gelu, gelu_python, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, relu, "
	       "silu, swish, tanh";
}

#define CHUNK 16384 /* elements per chunk of the element-wise loops */

__attribute__((target_clones("avx512f", "avx2", "default")))
static void activate_chunk(float *x, size_t n, hfgit_activation act)
{
	const float k = 0.7978845608028654f; /* sqrt(2 / pi) */
	size_t i;

	switch (act) {
	case HFGIT_ACT_GELU:
#pragma omp simd
		for (i = 0; i < n; i++)
			x[i] = x[i] * 0.5f * (1.0f + erff(x[i] * 0.7071067811865476f));
		break;
	case HFGIT_ACT_GELU_NEW:
#pragma omp simd
		for (i = 0; i < n; i++)
			x[i] = 0.5f * x[i] * (1.0f + tanhf(k * (x[i] + 0.044715f * x[i] * x[i] * x[i])));
		break;
	case HFGIT_ACT_GELU_FAST:
#pragma omp simd
		for (i = 0; i < n; i++)
			x[i] = 0.5f * x[i] * (1.0f + tanhf(x[i] * k * (1.0f + 0.044715f * x[i] * x[i])));
		break;
	case HFGIT_ACT_QUICK_GELU:
#pragma omp simd
		for (i = 0; i < n; i++)
			x[i] = x[i] / (1.0f + expf(-1.702f * x[i]));
		break;
	case HFGIT_ACT_RELU:
#pragma omp simd
		for (i = 0; i < n; i++)
			x[i] = x[i] > 0.0f ? x[i] : 0.0f;
		break;
	case HFGIT_ACT_SILU:
#pragma omp simd
		for (i = 0; i < n; i++)
			x[i] = x[i] / (1.0f + expf(-x[i]));
		break;
	case HFGIT_ACT_TANH:
#pragma omp simd
		for (i = 0; i < n; i++)
			x[i] = tanhf(x[i]);
		break;
	}
}

typedef struct {
	float *x;
	hfgit_activation act;
} activation_job;

static void activate_run(void *arg, size_t worker, size_t begin, size_t end)
{
	activation_job *j = arg;

	(void)worker;
	activate_chunk(j->x + begin, end - begin, j->act);
}

void hfgit__activate(float *x, size_t n, hfgit_activation act)
{
	activation_job j = { x, act };

	hfgit_pool__run(n, CHUNK, activate_run, &j);
}

void hfgit__tanh(float *x, size_t n)
{
	hfgit__activate(x, n, HFGIT_ACT_TANH);
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void swiglu_chunk(float *gate, const float *up, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		gate[i] = gate[i] / (1.0f + expf(-gate[i])) * up[i];
}

typedef struct {
	float *gate;
	const float *up;
} swiglu_job;

static void swiglu_run(void *arg, size_t worker, size_t begin, size_t end)
{
	swiglu_job *j = arg;

	(void)worker;
	swiglu_chunk(j->gate + begin, j->up + begin, end - begin);
}

void hfgit__swiglu(float *gate, const float *up, size_t n)
{
	swiglu_job j = { gate, up };

	hfgit_pool__run(n, CHUNK, swiglu_run, &j);
}

void hfgit__add(float *x, const float *y, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		x[i] += y[i];
}

__attribute__((target_clones("avx512f", "avx2", "default")))
static void norm_row(float *y, const float *x, const float *res, size_t dim, const float *gamma,
                     const float *beta, float eps)
{
	float mean = 0.0f, var = 0.0f, inv;
	size_t i;

	if (res) {
#pragma omp simd
		for (i = 0; i < dim; i++)
			y[i] = x[i] + res[i];
		x = y;
	}
#pragma omp simd reduction(+ : mean)
	for (i = 0; i < dim; i++)
		mean += x[i];
	mean /= (float)dim;
#pragma omp simd reduction(+ : var)
	for (i = 0; i < dim; i++)
		var += (x[i] - mean) * (x[i] - mean);
	var /= (float)dim;
	inv = 1.0f / sqrtf(var + eps);
#pragma omp simd
	for (i = 0; i < dim; i++)
		y[i] = (x[i] - mean) * inv * gamma[i] + beta[i];
}

typedef struct {
	float *y;
	const float *x, *residual, *gamma, *beta;
	size_t dim;
	float eps;
} norm_job;

static void norm_run(void *arg, size_t worker, size_t begin, size_t end)
{
	norm_job *j = arg;
	size_t r;

	(void)worker;
	for (r = begin; r < end; r++)
		norm_row(j->y + r * j->dim, j->x + r * j->dim,
		         j->residual ? j->residual + r * j->dim : NULL, j->dim, j->gamma, j->beta,
		         j->eps);
}

void hfgit_norm__rows(float *y, const float *x, const float *residual, size_t rows, size_t dim,
                     const float *gamma, const float *beta, float eps)
{
	norm_job j = { y, x, residual, gamma, beta, dim, eps };

	hfgit_pool__run(rows, 16, norm_run, &j);
}

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

void hfgit_f16__to_f32(float *out, const uint16_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t h = in[i], sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1f,
			 man = h & 0x3ff, bits;
		float f;

		if (exp == 0x1f) {
			bits = sign | 0x7f800000u | (man << 13); /* inf, nan */
		} else if (exp) {
			bits = sign | ((exp + 112) << 23) | (man << 13);
		} else {
			/* zero and subnormals: man * 2^-24, exact in F32 */
			f = ldexpf((float)man, -24);
			memcpy(&bits, &f, sizeof(bits));
			bits |= sign;
		}
		memcpy(&out[i], &bits, sizeof(bits));
	}
}

void hfgit_bf16__to_f32(float *out, const uint16_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t bits = (uint32_t)in[i] << 16;

		memcpy(&out[i], &bits, sizeof(bits));
	}
}
