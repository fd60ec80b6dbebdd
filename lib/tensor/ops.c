#include "tensor/ops.h"

#include <float.h>
#include <math.h>
#include <string.h>

#include "core/error.h"
#include "tensor/gemm.h"
#include "tensor/matmul.h"
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

__attribute__((target_clones("avx512f", "avx2", "default")))
static void add_bias(float *x, const float *bias, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		x[i] += bias[i];
}

void hfgit__bias_activate_rows(float *y, size_t ldy, size_t rows, size_t n, const float *bias,
                               const hfgit_activation *act)
{
	size_t r;

	for (r = 0; r < rows; r++) {
		if (bias)
			add_bias(y + r * ldy, bias, n);
		if (act)
			activate_chunk(y + r * ldy, n, *act);
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

/* x[i] op= y[i] for n elements, in chunks on the pool. */
typedef void (*binary_fn)(float *x, const float *y, size_t n);

typedef struct {
	float *x;
	const float *y;
	binary_fn fn;
} binary_job;

static void binary_run(void *arg, size_t worker, size_t begin, size_t end)
{
	const binary_job *j = arg;

	(void)worker;
	j->fn(j->x + begin, j->y + begin, end - begin);
}

static void on_pool(float *x, const float *y, size_t n, binary_fn fn)
{
	binary_job j = { x, y, fn };

	hfgit_pool__run(n, CHUNK, binary_run, &j);
}

void hfgit__swiglu(float *gate, const float *up, size_t n)
{
	on_pool(gate, up, n, swiglu_chunk);
}

typedef struct {
	uint16_t *out;
	size_t ldo, n;
	float *gate;
	const float *up;
} swiglu_rows_job;

static void swiglu_rows_run(void *arg, size_t worker, size_t begin, size_t end)
{
	swiglu_rows_job *j = arg;
	size_t r;

	(void)worker;
	for (r = begin; r < end; r++) {
		swiglu_chunk(j->gate + r * j->n, j->up + r * j->n, j->n);
		/* Rounded while the row is in the cache. */
		hfgit_matmul__round_bf16(j->out + r * j->ldo, j->gate + r * j->n, j->n);
	}
}

void hfgit__swiglu_bf16(uint16_t *out, size_t ldo, float *gate, const float *up, size_t rows,
                       size_t n)
{
	swiglu_rows_job j = { out, ldo, n, gate, up };

	hfgit_pool__run(rows, (CHUNK + n - 1) / (n ? n : 1), swiglu_rows_run, &j);
}

static void add_chunk(float *x, const float *y, size_t n)
{
	size_t i;

#pragma omp simd
	for (i = 0; i < n; i++)
		x[i] += y[i];
}

void hfgit__add(float *x, const float *y, size_t n)
{
	on_pool(x, y, n, add_chunk);
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
