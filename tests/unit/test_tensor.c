/*
 * The compute runtime (lib/tensor) against plain double-precision loops: matrix products in
 * both weight layouts, one row (hfgit's worker pool, also the band fallback for wide outputs)
 * and many (oneDNN, and libxsmm on packed weights), on 1 to 3 threads; attention with masks and causality; LayerNorm; the
 * activations against their definitions; half-precision conversion of every bit pattern; the
 * workspace arena, reused from pass to pass.
 */
#include <float.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hfgit.h"
#include "tensor/arena.h"
#include "tensor/attention.h"
#include "tensor/gemm.h"
#include "tensor/hlinear.h"
#include "tensor/matmul.h"
#include "tensor/ops.h"
#include "tensor/pool.h"
#include "tensor/smm.h"

static float *randoms(size_t n, unsigned *seed)
{
	float *v = malloc((n ? n : 1) * sizeof(*v));
	size_t i;

	if (!v)
		abort();
	for (i = 0; i < n; i++) {
		*seed = *seed * 1103515245u + 12345u;
		v[i] = (float)((*seed >> 8) & 0xffff) / 65536.0f - 0.5f;
	}
	return v;
}

/* act in doubles (HFGIT_ACT_GELU, GELU_NEW or RELU: the ones a product applies itself). */
static double activated(double v, hfgit_activation act)
{
	switch (act) {
	case HFGIT_ACT_GELU: return v * 0.5 * (1.0 + erf(v / sqrt(2.0)));
	case HFGIT_ACT_GELU_NEW:
		return 0.5 * v * (1.0 + tanh(sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
	case HFGIT_ACT_RELU: return v > 0 ? v : 0;
	default: abort();
	}
}

/* packed: the weights also packed once (matmul.h), which products then read; act >= 0: that
 * activation applied by the product (hfgit_linear__apply_act). */
static void check_linear_act(size_t rows, size_t in, size_t out, int in_out, int bias,
                             int packed, int act)
{
	unsigned seed = (unsigned)(rows * 7 + in * 13 + out);
	float *w = randoms(in * out, &seed), *b = randoms(out, &seed), *x = randoms(rows * in, &seed),
	      *y = malloc(rows * out * sizeof(float)), *p = NULL;
	hfgit_linear l = { w, bias ? b : NULL, in, out, in_out != 0, NULL };
	double max = 0.0;
	size_t r, o, i, bytes;

	if (packed) {
		CHECK(hfgit_matmul__prepack(&p, &bytes, w, out, in) == 0);
		__builtin_cpu_init();
		CHECK_MSG(p || !__builtin_cpu_supports("avx512f"), "%zux%zu weights not packed", out,
		          in);
		CHECK(!p || bytes == in * out * sizeof(float));
		l.packed = p;
	}
	CHECK(act < 0 ? hfgit_linear__apply(&l, y, out, x, in, rows) == 0
	              : hfgit_linear__apply_act(&l, y, out, x, in, rows, (hfgit_activation)act) == 0);
	for (r = 0; r < rows; r++) {
		for (o = 0; o < out; o++) {
			double s = bias ? b[o] : 0.0;

			for (i = 0; i < in; i++)
				s += (double)x[r * in + i] * (in_out ? w[i * out + o] : w[o * in + i]);
			if (act >= 0)
				s = activated(s, (hfgit_activation)act);
			max = fmax(max, fabs(s - y[r * out + o]));
		}
	}
	CHECK_MSG(max < 1e-4, "linear %zux%zux%zu (%s, %s, %s%s%s, activation %d): off by %g", rows,
	          in, out, in_out ? "in_out" : "out_in", bias ? "bias" : "no bias",
	          hfgit_linear__kernel(rows), l.packed ? ", packed once on " : "",
	          l.packed ? hfgit_smm__kernel() : "", act, max);
	free(p);
	free(w);
	free(b);
	free(x);
	free(y);
}

static void check_linear(size_t rows, size_t in, size_t out, int in_out, int bias, int packed)
{
	check_linear_act(rows, in, out, in_out, bias, packed, -1);
}

static void linears(void)
{
	static const size_t shapes[][3] = {
		{ 1, 300, 1000 }, { 1, 768, 2304 }, { 1, 5, 3 }, { 1, 64, 40000 }, /* bands */
		{ 1, 1000, 7 },   { 3, 300, 1000 }, { 16, 96, 130 }, { 2, 1, 1 },
		{ 300, 96, 1100 }, /* weights packed once per call (matmul.c) */
	};
	/* Weights packed once: a row (read from w), column blocks, and from 256 rows a worker
	 * whole layers on blocks of rows (on 2 threads), with rows that do not share out evenly. */
	static const size_t packed[][3] = {
		{ 1, 32, 128 }, { 2, 48, 64 }, { 7, 96, 640 }, { 300, 64, 192 },
		{ 601, 32, 256 }, { 1100, 16, 64 }, { 64, 32, 128 }, { 128, 48, 64 },
	};
	int threads, in_out, bias;
	size_t s;

	for (threads = 1; threads <= 3; threads++) {
		hfgit_compute_threads_set(threads);
		for (s = 0; s < sizeof(shapes) / sizeof(*shapes); s++)
			for (in_out = 0; in_out <= 1; in_out++)
				for (bias = 0; bias <= 1; bias++)
					check_linear(shapes[s][0], shapes[s][1], shapes[s][2], in_out, bias,
					             0);
		for (s = 0; s < sizeof(packed) / sizeof(*packed); s++)
			for (bias = 0; bias <= 1; bias++)
				check_linear(packed[s][0], packed[s][1], packed[s][2], 0, bias, 1);
		/* The activations a product applies, on packed weights (libxsmm's kernels, or
		 * oneDNN's post-ops) and not. */
		check_linear_act(300, 64, 192, 0, 1, 1, HFGIT_ACT_GELU);
		check_linear_act(601, 32, 256, 0, 0, 1, HFGIT_ACT_GELU_NEW);
		check_linear_act(70, 96, 128, 0, 1, 1, HFGIT_ACT_RELU);
		check_linear_act(70, 96, 130, 0, 1, 0, HFGIT_ACT_GELU);
	}
	hfgit_compute_threads_set(0);
}

/* libxsmm's kernels (smm.h), where hfgit has them: in use unless HFGIT_KERNELS says not, and
 * writing nothing outside their outputs' rows. */
static void small_products(void)
{
	const char *env = getenv("HFGIT_KERNELS");
	const size_t m = 37, n = 70, k = 19, lda = k + 3, ldb = n + 5, ldc = n + 9, out = 128,
		     in = 48, ldy = out + 64;
	/* Rows in whole calls of the kernels' 64, and not; from the one call to several. */
	static const size_t row_counts[] = { 130, 64, 128, 5 };
	const size_t rows = 130;
	unsigned seed = 11;
	float *a = randoms(m * lda, &seed), *b = randoms(k * ldb, &seed), *c = malloc(m * ldc * 4),
	      *w = randoms(out * in, &seed), *bias = randoms(out, &seed),
	      *x = randoms(rows * in, &seed), *y = malloc(rows * ldy * 4), *p = NULL;
	double max = 0.0;
	size_t i, j, l, bytes, stray = 0;
	int post;

	__builtin_cpu_init();
#ifdef HFGIT_HAVE_LIBXSMM
	if (!env && __builtin_cpu_supports("avx2"))
		CHECK_MSG(hfgit_smm__available(), "built with libxsmm, which does not run here");
#endif
	if (env && (!strcmp(env, "onednn") || !strcmp(env, "portable")))
		CHECK_MSG(!hfgit_smm__available(), "HFGIT_KERNELS=%s, and libxsmm runs", env);
	if (!hfgit_smm__available()) {
		CHECK(!hfgit_smm__product(c, ldc, a, lda, b, ldb, m, n, k));
		goto out;
	}
	for (i = 0; i < m * ldc; i++)
		c[i] = 12345.0f;
	CHECK(hfgit_smm__product(c, ldc, a, lda, b, ldb, m, n, k));
	for (i = 0; i < m; i++) {
		for (j = 0; j < n; j++) {
			double s = 0.0;

			for (l = 0; l < k; l++)
				s += (double)a[i * lda + l] * b[l * ldb + j];
			max = fmax(max, fabs(s - c[i * ldc + j]));
		}
		for (; j < ldc; j++)
			stray += c[i * ldc + j] != 12345.0f;
	}
	CHECK_MSG(max < 1e-5 && !stray, "libxsmm product: off by %g, %zu values written past "
	          "its rows", max, stray);
	CHECK(hfgit_matmul__prepack(&p, &bytes, w, out, in) == 0);
	CHECK(p != NULL || !__builtin_cpu_supports("avx512f"));
	/* A panel short of 64 columns is not the packed layout: oneDNN takes it. */
	CHECK(!p || !hfgit_smm__packed_linear(y, ldy, x, in, rows, p, out - 8, in, NULL, 0));
	for (post = HFGIT_MATMUL_PLAIN; p && post <= HFGIT_MATMUL_RELU; post++) {
		static const int acts[] = { -1, HFGIT_ACT_GELU, HFGIT_ACT_GELU_NEW, HFGIT_ACT_RELU };
		const size_t used = row_counts[post];

		for (i = 0; i < rows * ldy; i++)
			y[i] = 12345.0f;
		CHECK(hfgit_smm__packed_linear(y, ldy, x, in, used, p, out, in,
		                               post % 2 ? bias : NULL, (hfgit_matmul_post)post));
		for (i = 0, max = 0.0, stray = 0; i < rows; i++) {
			if (i >= used) { /* rows past the product's: untouched */
				for (j = 0; j < ldy; j++)
					stray += y[i * ldy + j] != 12345.0f;
				continue;
			}
			for (j = 0; j < out; j++) {
				double s = post % 2 ? bias[j] : 0.0;

				for (l = 0; l < in; l++)
					s += (double)x[i * in + l] * w[j * in + l];
				if (acts[post] >= 0)
					s = activated(s, (hfgit_activation)acts[post]);
				max = fmax(max, fabs(s - y[i * ldy + j]));
			}
			for (; j < ldy; j++)
				stray += y[i * ldy + j] != 12345.0f;
		}
		CHECK_MSG(max < 1e-4 && !stray, "libxsmm linear, %zu rows, post %d: off by %g, %zu "
		          "values written past its rows", used, post, max, stray);
	}
out:
	free(a);
	free(b);
	free(c);
	free(w);
	free(bias);
	free(x);
	free(y);
	free(p);
}

/* Attention against softmax(q k^T * scale + mask) v in doubles. */
static void check_attention(size_t batch, size_t q_len, size_t kv_len, int causal, int masked)
{
	const size_t heads = 3, d = 8, H = heads * d;
	unsigned seed = (unsigned)(batch * 100 + q_len * 10 + kv_len);
	float *q = randoms(batch * q_len * H, &seed), *k = randoms(batch * kv_len * H, &seed),
	      *v = randoms(batch * kv_len * H, &seed), *ctx = malloc(batch * q_len * H * 4);
	int64_t *mask = malloc(batch * kv_len * sizeof(*mask));
	hfgit_attention_shape s = {
		.batch = batch, .q_len = q_len, .kv_len = kv_len, .heads = heads, .head_dim = d,
		.ld = H, .ctx_ld = H, .q_batch = q_len * H, .kv_batch = kv_len * H, .scale = 0.7f,
		.causal = causal != 0, .key_mask = masked ? mask : NULL,
	};
	float *scratch;
	double max = 0.0;
	size_t b, h, i, j, e;

	for (i = 0; i < batch * kv_len; i++)
		mask[i] = i % kv_len != 1; /* key 1 of every sequence is padding */
	scratch = malloc(hfgit_attention__scratch(&s) * sizeof(float) + 1);
	CHECK(hfgit__attention(ctx, q, k, v, &s, scratch) == 0);
	for (b = 0; b < batch; b++)
		for (h = 0; h < heads; h++)
			for (i = 0; i < q_len; i++) {
				double w[64], sum = 0.0, top = -1e300;
				size_t n = causal ? i + kv_len - q_len + 1 : kv_len;

				for (j = 0; j < n; j++) {
					double dot = 0.0;

					for (e = 0; e < d; e++)
						dot += (double)q[(b * q_len + i) * H + h * d + e] *
						       k[(b * kv_len + j) * H + h * d + e];
					w[j] = masked && mask[b * kv_len + j] == 0 ? -1e300 : dot * 0.7;
					top = fmax(top, w[j]);
				}
				for (j = 0; j < n; j++)
					sum += (w[j] = w[j] <= -1e299 ? 0.0 : exp(w[j] - top));
				for (e = 0; e < d; e++) {
					double c = 0.0;

					for (j = 0; j < n; j++)
						c += w[j] / sum * v[(b * kv_len + j) * H + h * d + e];
					max = fmax(max, fabs(c - ctx[(b * q_len + i) * H + h * d + e]));
				}
			}
	CHECK_MSG(max < 1e-5, "attention b%zu q%zu kv%zu causal %d masked %d: off by %g", batch,
	          q_len, kv_len, causal, masked, max);
	free(q);
	free(k);
	free(v);
	free(ctx);
	free(mask);
	free(scratch);
}

static void attentions(void)
{
	int causal, masked;

	for (causal = 0; causal <= 1; causal++)
		for (masked = 0; masked <= 1; masked++) {
			check_attention(2, 5, 5, causal, masked);
			check_attention(3, 1, 9, causal, masked); /* a decode step */
			check_attention(1, 4, 11, causal, masked); /* a chunk after a cache */
		}
}

static void norms_and_activations(void)
{
	unsigned seed = 5;
	float *x = randoms(3 * 50, &seed), *g = randoms(50, &seed), *b = randoms(50, &seed),
	      *y = malloc(3 * 50 * sizeof(float)), *a = randoms(10000, &seed);
	double max = 0.0;
	size_t r, i;
	int act;

	hfgit_norm__rows(y, x, NULL, 3, 50, g, b, 1e-5f);
	for (r = 0; r < 3; r++) {
		double mean = 0.0, var = 0.0;

		for (i = 0; i < 50; i++)
			mean += x[r * 50 + i] / 50.0;
		for (i = 0; i < 50; i++)
			var += (x[r * 50 + i] - mean) * (x[r * 50 + i] - mean) / 50.0;
		for (i = 0; i < 50; i++)
			max = fmax(max, fabs((x[r * 50 + i] - mean) / sqrt(var + 1e-5) * g[i] + b[i] -
			                     y[r * 50 + i]));
	}
	CHECK_MSG(max < 1e-5, "layer norm off by %g", max);

	for (i = 0; i < 10000; i++)
		a[i] *= 12.0f; /* -6 .. 6 */
	for (act = HFGIT_ACT_GELU; act <= HFGIT_ACT_TANH; act++) {
		float *t = malloc(10000 * sizeof(float));

		memcpy(t, a, 10000 * sizeof(float));
		hfgit__activate(t, 10000, (hfgit_activation)act);
		max = 0.0;
		for (i = 0; i < 10000; i++) {
			double v = a[i], want = 0.0;

			switch ((hfgit_activation)act) {
			case HFGIT_ACT_GELU: want = v * 0.5 * (1.0 + erf(v / sqrt(2.0))); break;
			case HFGIT_ACT_GELU_NEW:
				want = 0.5 * v * (1.0 + tanh(sqrt(2.0 / M_PI) * (v + 0.044715 * v * v * v)));
				break;
			case HFGIT_ACT_GELU_FAST:
				want = 0.5 * v * (1.0 + tanh(v * 0.7978845608 * (1.0 + 0.044715 * v * v)));
				break;
			case HFGIT_ACT_QUICK_GELU: want = v / (1.0 + exp(-1.702 * v)); break;
			case HFGIT_ACT_RELU: want = v > 0 ? v : 0; break;
			case HFGIT_ACT_SILU: want = v / (1.0 + exp(-v)); break;
			case HFGIT_ACT_TANH: want = tanh(v); break;
			}
			max = fmax(max, fabs(want - t[i]));
		}
		CHECK_MSG(max < 5e-6, "activation %d off by %g", act, max);
		free(t);
	}
	{
		hfgit_activation out;

		CHECK(hfgit_activation__parse(&out, "gelu_new") && out == HFGIT_ACT_GELU_NEW);
		CHECK(hfgit_activation__parse(&out, "swish") && out == HFGIT_ACT_SILU);
		CHECK(!hfgit_activation__parse(&out, "gelu_10"));
		CHECK(!hfgit_activation__parse(&out, "GELU"));
		CHECK(!hfgit_activation__parse(&out, NULL));
	}
	free(x);
	free(g);
	free(b);
	free(y);
	free(a);
}

/* Every F16 and BF16 bit pattern, against the C compiler's own conversion. */
static void halves(void)
{
	uint16_t *bits = malloc(65536 * sizeof(*bits));
	float *f = malloc(65536 * sizeof(*f));
	size_t i, wrong = 0;

	for (i = 0; i < 65536; i++)
		bits[i] = (uint16_t)i;
	hfgit_f16__to_f32(f, bits, 65536);
	for (i = 0; i < 65536; i++) {
		_Float16 h;
		float want;

		memcpy(&h, &bits[i], 2);
		want = (float)h;
		if (isnan(want) ? !isnan(f[i]) : memcmp(&want, &f[i], 4))
			wrong++;
	}
	CHECK_MSG(wrong == 0, "%zu F16 values converted wrong", wrong);
	hfgit_bf16__to_f32(f, bits, 65536);
	for (i = 0, wrong = 0; i < 65536; i++) {
		uint32_t want = (uint32_t)i << 16, got;

		memcpy(&got, &f[i], 4);
		wrong += got != want;
	}
	CHECK_MSG(wrong == 0, "%zu BF16 values converted wrong", wrong);
	free(bits);
	free(f);
}

/* ---------------------------------------------------------------------------------------- */
/* BF16 products: exact products of BF16-rounded inputs, so a double-precision loop over the
 * rounded values is the reference, up to the order of the F32 sums (and, where a result is
 * rounded again before the next product, one BF16 step of it now and then). */

static double widened(uint16_t h)
{
	const uint32_t bits = (uint32_t)h << 16;
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

static double rounded(float x)
{
	uint16_t h;

	hfgit_matmul__round_bf16(&h, &x, 1);
	return widened(h);
}

/* n random BF16 values. */
static uint16_t *bf16_randoms(size_t n, unsigned *seed)
{
	float *f = randoms(n, seed);
	uint16_t *h = malloc((n ? n : 1) * sizeof(*h));

	if (!h)
		abort();
	hfgit_matmul__round_bf16(h, f, n);
	free(f);
	return h;
}

/* y = x W^T through hfgit_hlinear__apply for rows that take each path: streamed (few), the
 * matmul on the checkpoint's layout (many), on packed weights (256 and more). */
static void check_bf16_linear(size_t rows, size_t in, size_t out)
{
	unsigned seed = (unsigned)(rows * 3 + in + out);
	uint16_t *w = bf16_randoms(in * out, &seed);
	float *x = randoms(rows * in, &seed), *b = randoms(out, &seed),
	      *y = malloc(rows * out * sizeof(float));
	hfgit_hlinear l = { w, HFGIT_WEIGHT_BF16, b, in, out };
	double max = 0.0;
	size_t r, o, i;

	CHECK(hfgit_hlinear__apply(&l, y, out, x, in, rows) == 0);
	for (r = 0; r < rows; r++)
		for (o = 0; o < out; o++) {
			double sum = b[o];

			for (i = 0; i < in; i++)
				sum += rounded(x[r * in + i]) * widened(w[o * in + i]);
			max = fmax(max, fabs(sum - y[r * out + o]));
		}
	CHECK_MSG(max < 1e-4, "BF16 linear %zux%zux%zu: off by %g", rows, in, out, max);
	free(w);
	free(x);
	free(b);
	free(y);
}

/* LlamaMLP through hfgit_hlinear__swiglu_mlp: with many rows, slabs of the intermediate
 * columns (three here, the last one short). */
static void check_bf16_mlp(size_t rows, size_t hidden, size_t inter)
{
	unsigned seed = (unsigned)(rows + hidden * 5 + inter);
	uint16_t *wg = bf16_randoms(inter * hidden, &seed), *wu = bf16_randoms(inter * hidden, &seed),
		 *wd = bf16_randoms(hidden * inter, &seed);
	float *x = randoms(rows * hidden, &seed), *y = malloc(rows * hidden * sizeof(float)),
	      *gb = malloc(rows * inter * sizeof(float)), *ub = malloc(rows * inter * sizeof(float));
	double *act = malloc(inter * sizeof(double)), max = 0.0, scale = 0.0;
	hfgit_hlinear gate = { wg, HFGIT_WEIGHT_BF16, NULL, hidden, inter },
		      up = { wu, HFGIT_WEIGHT_BF16, NULL, hidden, inter },
		      down = { wd, HFGIT_WEIGHT_BF16, NULL, inter, hidden };
	size_t r, i, j;

	CHECK(hfgit_hlinear__swiglu_mlp(&gate, &up, &down, y, hidden, x, hidden, rows, gb, ub) ==
	      0);
	for (r = 0; r < rows; r++) {
		for (j = 0; j < inter; j++) {
			double g = 0.0, u = 0.0;

			for (i = 0; i < hidden; i++) {
				g += rounded(x[r * hidden + i]) * widened(wg[j * hidden + i]);
				u += rounded(x[r * hidden + i]) * widened(wu[j * hidden + i]);
			}
			act[j] = rounded((float)(g / (1.0 + exp(-g)) * u));
		}
		for (i = 0; i < hidden; i++) {
			double sum = 0.0;

			for (j = 0; j < inter; j++)
				sum += act[j] * widened(wd[i * inter + j]);
			max = fmax(max, fabs(sum - y[r * hidden + i]));
			scale = fmax(scale, fabs(sum));
		}
	}
	/* An activation on the other side of a BF16 rounding step moves a sum by about
	 * 2^-9 of one of its terms: far below this, far above a misplaced slab. */
	CHECK_MSG(max < 2e-3 * (scale > 1.0 ? scale : 1.0),
	          "BF16 MLP of %zu rows, %zu -> %zu: off by %g (outputs up to %g)", rows, hidden,
	          inter, max, scale);
	free(wg);
	free(wu);
	free(wd);
	free(x);
	free(y);
	free(gb);
	free(ub);
	free(act);
}

/* hfgit__attention_bf16 against a double loop over the rounded query, keys, values and
 * probabilities; causal, grouped-query, two sequences with a masked key each. */
static void check_bf16_attention(size_t q_len, size_t kv_len)
{
	const size_t B = 2, heads = 4, kv_heads = 2, d = 32, Q = heads * d, KV = kv_heads * d;
	unsigned seed = (unsigned)(q_len * 11 + kv_len);
	float *q = randoms(B * q_len * Q, &seed), *ctx = malloc(B * q_len * Q * sizeof(float));
	uint16_t *k = bf16_randoms(B * kv_len * KV, &seed), *v = bf16_randoms(B * kv_len * KV, &seed);
	int64_t *mask = malloc(B * kv_len * sizeof(*mask));
	double *p = malloc(kv_len * sizeof(double)), max = 0.0;
	const float scale = 1.0f / sqrtf((float)d);
	hfgit_attention_shape s = {
		.batch = B, .q_len = q_len, .kv_len = kv_len, .heads = heads, .head_dim = d,
		.ld = KV, .q_ld = Q, .ctx_ld = Q, .q_batch = q_len * Q, .kv_batch = kv_len * KV,
		.scale = scale, .causal = true, .key_mask = mask, .kv_heads = kv_heads,
	};
	size_t b, h, i, j, c;

	for (b = 0; b < B; b++)
		for (j = 0; j < kv_len; j++)
			mask[b * kv_len + j] = j != 1 + b;
	for (i = 0; i < B * q_len * Q; i++) /* scores of a few units: a softmax with some shape */
		q[i] *= 8.0f;
	CHECK(hfgit__attention_bf16(ctx, q, k, v, &s) == 0);
	for (b = 0; b < B; b++) {
		const float *qb = q + b * q_len * Q;
		const uint16_t *kb = k + b * kv_len * KV, *vb = v + b * kv_len * KV;
		const int64_t *mb = mask + b * kv_len;

		for (h = 0; h < heads; h++) {
			const size_t kvh = h / (heads / kv_heads);

			for (i = 0; i < q_len; i++) {
				const size_t n = i + kv_len - q_len + 1;
				double top = -1e300, sum = 0.0;

				for (j = 0; j < n; j++) {
					double dot = 0.0;

					for (c = 0; c < d; c++)
						dot += rounded(qb[i * Q + h * d + c]) *
						       widened(kb[j * KV + kvh * d + c]);
					p[j] = mb[j] ? (double)(float)dot * scale : -1e300;
					top = fmax(top, p[j]);
				}
				for (j = 0; j < n; j++)
					sum += p[j] = mb[j] ? exp(p[j] - top) : 0.0;
				for (c = 0; c < d; c++) {
					double out = 0.0;

					for (j = 0; j < n; j++)
						out += rounded((float)(p[j] / sum)) *
						       widened(vb[j * KV + kvh * d + c]);
					max = fmax(max, fabs(out - ctx[(b * q_len + i) * Q + h * d + c]));
				}
			}
		}
	}
	CHECK_MSG(max < 2e-3, "BF16 attention %zu queries, %zu keys: off by %g", q_len, kv_len,
	          max);
	free(q);
	free(ctx);
	free(k);
	free(v);
	free(mask);
	free(p);
}

static void bf16_products(void)
{
	if (!hfgit_matmul__bf16()) {
		printf("no BF16 products on this CPU (or HFGIT_KERNELS): BF16 checks skipped\n");
		return;
	}
	check_bf16_linear(3, 96, 1100);
	check_bf16_linear(40, 96, 1100);
	check_bf16_linear(300, 96, 1100);
	check_bf16_mlp(5, 48, 2500);
	check_bf16_mlp(40, 48, 2500);
	check_bf16_mlp(300, 48, 2500);
	check_bf16_attention(1, 50);
	check_bf16_attention(70, 90);
	check_bf16_attention(300, 320); /* query blocks of 128, 128 and 44; 256 rows per group */
}

/* What a pass takes the next one gets again, in one block when it took several, and every
 * buffer aligned and apart from the others. */
static void arenas(void)
{
	hfgit_arena a = HFGIT_ARENA_INIT;
	const size_t sizes[] = { 3, 1u << 20, 5u << 20, 17, 3u << 20 };
	float *first[5], *again[5];
	size_t i, j;

	for (i = 0; i < 5; i++) {
		CHECK((first[i] = hfgit_arena__floats(&a, sizes[i])) != NULL);
		CHECK((uintptr_t)first[i] % 64 == 0);
		memset(first[i], (int)i + 1, sizes[i] * sizeof(float));
	}
	for (i = 0; i < 5; i++)
		for (j = 0; j < sizes[i]; j += 4099)
			CHECK_MSG(((unsigned char *)first[i])[j * sizeof(float)] == i + 1,
			          "buffer %zu overwritten at %zu", i, j);
	CHECK(a.bytes >= (sizes[1] + sizes[2] + sizes[4]) * sizeof(float));
	/* 36 MB in blocks of 8 MB or more: several, given up by the reset for one block of
	 * them all, made on the next request. */
	hfgit_arena__reset(&a);
	CHECK(a.blocks == NULL && a.bytes == 0 &&
	      a.want >= (3 + (9u << 20) + 17) * sizeof(float));
	for (i = 0; i < 5; i++)
		CHECK((first[i] = hfgit_arena__floats(&a, sizes[i])) != NULL);
	hfgit_arena__reset(&a);
	/* One block now: the same buffers again, and no new memory. */
	CHECK(a.blocks != NULL && a.bytes == 0);
	for (i = 0; i < 5; i++) {
		CHECK((again[i] = hfgit_arena__floats(&a, sizes[i])) != NULL);
		CHECK_MSG(again[i] == first[i], "buffer %zu moved after a reset", i);
	}
	CHECK(hfgit_arena__zeros(&a, 1000) != NULL);
	hfgit_arena__release(&a);
	CHECK(a.blocks == NULL && a.bytes == 0 && a.want == 0);
	CHECK(hfgit_arena__floats(&a, SIZE_MAX / 2) == NULL);
	hfgit_arena__release(&a);
}

int main(void)
{
	arenas();
	small_products();
	linears();
	attentions();
	norms_and_activations();
	halves();
	bf16_products();
	return check_finish();
}
