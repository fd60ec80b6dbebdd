#include "ops.h"

#include <float.h>
#include <math.h>
#include <omp.h>
#include <string.h>

#include "common/error.h"
#include "tensor/gemm.h"
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

bool hfgit_activation_parse(hfgit_activation *out, const char *name)
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

const char *hfgit_activation_names(void)
{
	return "gelu, gelu_python, gelu_new, gelu_pytorch_tanh, gelu_fast, quick_gelu, relu, "
	       "silu, swish, tanh";
}

#define CHUNK 4096 /* elements per parallel task of the element-wise loops */

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

void hfgit_activate(float *x, size_t n, hfgit_activation act)
{
	long c, chunks = (long)((n + CHUNK - 1) / CHUNK);

#pragma omp parallel for schedule(dynamic, 1) if (chunks > 1)
	for (c = 0; c < chunks; c++) {
		size_t at = (size_t)c * CHUNK;

		activate_chunk(x + at, n - at < CHUNK ? n - at : CHUNK, act);
	}
}

void hfgit_tanh(float *x, size_t n)
{
	hfgit_activate(x, n, HFGIT_ACT_TANH);
}

void hfgit_add(float *x, const float *y, size_t n)
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

void hfgit_norm_rows(float *y, const float *x, const float *residual, size_t rows, size_t dim,
                      const float *gamma, const float *beta, float eps)
{
	long r;

#pragma omp parallel for schedule(dynamic, 8) if (rows > 1)
	for (r = 0; r < (long)rows; r++)
		norm_row(y + (size_t)r * dim, x + (size_t)r * dim,
		         residual ? residual + (size_t)r * dim : NULL, dim, gamma, beta, eps);
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

size_t hfgit_attention_scratch(const hfgit_attention_shape *s)
{
	return (size_t)omp_get_max_threads() * s->q_len * s->kv_len;
}

int hfgit_attention(float *ctx, const float *q, const float *k, const float *v,
                    const hfgit_attention_shape *s, float *scratch)
{
	const long tasks = (long)(s->batch * s->heads);
	const size_t d = s->head_dim, sq = s->q_len, sk = s->kv_len;
	int failed = 0;
	long t;

#pragma omp parallel for schedule(dynamic, 1) if (tasks > 1)
	for (t = 0; t < tasks; t++) {
		size_t b = (size_t)t / s->heads, h = (size_t)t % s->heads, i, j,
		       kvh = s->kv_heads ? h / (s->heads / s->kv_heads) : h;
		const float *qb = q + b * s->q_batch + h * d, *kb = k + b * s->kv_batch + kvh * d,
			    *vb = v + b * s->kv_batch + kvh * d;
		const int64_t *mask = s->key_mask ? s->key_mask + b * sk : NULL;
		float *scores = scratch + (size_t)omp_get_thread_num() * sq * sk;

		if (hfgit_sgemm('N', 'T', sq, sk, d, s->scale, qb, s->q_ld ? s->q_ld : s->ld, kb, s->ld, 0.0f, scores,
		                sk) < 0) {
			failed = 1;
			continue;
		}
		for (i = 0; i < sq; i++) {
			float *row = scores + i * sk;
			/* Keys after this query's position do not exist for it (causal); torch gives
			 * them finfo.min, which is exactly zero weight after softmax. */
			size_t n = s->causal ? i + sk - sq + 1 : sk;

			for (j = 0; mask && j < n; j++)
				if (mask[j] == 0)
					row[j] = -FLT_MAX;
			softmax_row(row, n);
			for (j = n; j < sk; j++)
				row[j] = 0.0f;
		}
		if (hfgit_sgemm('N', 'N', sq, d, sk, 1.0f, scores, sk, vb, s->ld, 0.0f,
		                ctx + b * sq * s->ctx_ld + h * d, s->ctx_ld) < 0)
			failed = 1;
	}
	return failed ? HFGIT_ERROR : 0;
}

void hfgit_f16_to_f32(float *out, const uint16_t *in, size_t n)
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

void hfgit_bf16_to_f32(float *out, const uint16_t *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		uint32_t bits = (uint32_t)in[i] << 16;

		memcpy(&out[i], &bits, sizeof(bits));
	}
}
