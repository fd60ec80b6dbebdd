/*
 * Pillow's resampling (libImaging/Resample.c), BILINEAR: for each output pixel a triangle
 * filter over the input pixels its footprint covers, widened by the scale when downscaling
 * (which is what antialiases), weights normalized to sum 1, then turned into 22-bit fixed
 * point; each pass rounds to 8 bits. The horizontal pass runs first, the vertical one on its
 * result, and a pass whose size does not change is skipped, as Pillow does.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "common/error.h"
#include "image/image.h"

#define PRECISION_BITS (32 - 8 - 2)

static double bilinear(double x)
{
	if (x < 0.0)
		x = -x;
	return x < 1.0 ? 1.0 - x : 0.0;
}

/* Per output pixel: the first input pixel, the count, and ksize fixed-point weights. */
typedef struct {
	int ksize;
	int *bounds; /* 2 per output pixel */
	int *k;      /* ksize per output pixel */
} coeffs;

static int precompute(coeffs *c, size_t in_size, size_t out_size)
{
	double scale = (double)in_size / (double)out_size;
	double filterscale = scale < 1.0 ? 1.0 : scale;
	double support = 1.0 * filterscale;
	double *kd;
	size_t xx;
	int x;

	c->ksize = (int)ceil(support) * 2 + 1;
	c->bounds = malloc(out_size * 2 * sizeof(*c->bounds));
	c->k = malloc(out_size * (size_t)c->ksize * sizeof(*c->k));
	kd = malloc((size_t)c->ksize * sizeof(*kd));
	if (!c->bounds || !c->k || !kd) {
		free(c->bounds);
		free(c->k);
		free(kd);
		return hfgit_error_oom();
	}
	for (xx = 0; xx < out_size; xx++) {
		double center = ((double)xx + 0.5) * scale, ww = 0.0, ss = 1.0 / filterscale;
		int xmin = (int)(center - support + 0.5), xmax = (int)(center + support + 0.5);
		int *k = c->k + xx * (size_t)c->ksize;

		if (xmin < 0)
			xmin = 0;
		if (xmax > (int)in_size)
			xmax = (int)in_size;
		xmax -= xmin;
		for (x = 0; x < xmax; x++) {
			double w = bilinear(((double)x + xmin - center + 0.5) * ss);

			kd[x] = w;
			ww += w;
		}
		for (x = 0; x < c->ksize; x++) {
			double w = x < xmax && ww != 0.0 ? kd[x] / ww : 0.0;

			/* normalize_coeffs_8bpc: round half away from zero */
			k[x] = w < 0 ? (int)(-0.5 + w * (1 << PRECISION_BITS))
			             : (int)(0.5 + w * (1 << PRECISION_BITS));
		}
		c->bounds[xx * 2] = xmin;
		c->bounds[xx * 2 + 1] = xmax;
	}
	free(kd);
	return 0;
}

static unsigned char clip8(long long v)
{
	v >>= PRECISION_BITS;
	return v < 0 ? 0 : v > 255 ? 255 : (unsigned char)v;
}

static int horizontal(hfgit_image *out, const hfgit_image *in, size_t width)
{
	coeffs c;
	size_t y, xx;
	int rc, x, ch;

	if ((rc = precompute(&c, in->width, width)) < 0)
		return rc;
	if (!(out->rgb = malloc(width * in->height * 3))) {
		free(c.bounds);
		free(c.k);
		return hfgit_error_oom();
	}
	out->width = width;
	out->height = in->height;
	for (y = 0; y < in->height; y++) {
		const unsigned char *row = in->rgb + y * in->width * 3;

		for (xx = 0; xx < width; xx++) {
			int xmin = c.bounds[xx * 2], xmax = c.bounds[xx * 2 + 1];
			const int *k = c.k + xx * (size_t)c.ksize;

			for (ch = 0; ch < 3; ch++) {
				long long ss = 1ll << (PRECISION_BITS - 1);

				for (x = 0; x < xmax; x++)
					ss += (long long)row[(size_t)(x + xmin) * 3 + ch] * k[x];
				out->rgb[(y * width + xx) * 3 + ch] = clip8(ss);
			}
		}
	}
	free(c.bounds);
	free(c.k);
	return 0;
}

static int vertical(hfgit_image *out, const hfgit_image *in, size_t height)
{
	size_t xx, yy, w = in->width;
	coeffs c;
	int rc, y, ch;

	if ((rc = precompute(&c, in->height, height)) < 0)
		return rc;
	if (!(out->rgb = malloc(w * height * 3))) {
		free(c.bounds);
		free(c.k);
		return hfgit_error_oom();
	}
	out->width = w;
	out->height = height;
	for (yy = 0; yy < height; yy++) {
		int ymin = c.bounds[yy * 2], ymax = c.bounds[yy * 2 + 1];
		const int *k = c.k + yy * (size_t)c.ksize;

		for (xx = 0; xx < w; xx++) {
			for (ch = 0; ch < 3; ch++) {
				long long ss = 1ll << (PRECISION_BITS - 1);

				for (y = 0; y < ymax; y++)
					ss += (long long)in->rgb[((size_t)(y + ymin) * w + xx) * 3 + ch] * k[y];
				out->rgb[(yy * w + xx) * 3 + ch] = clip8(ss);
			}
		}
	}
	free(c.bounds);
	free(c.k);
	return 0;
}

int hfgit_image_resize_bilinear(hfgit_image *out, const hfgit_image *in, size_t width,
                                size_t height)
{
	hfgit_image tmp = { 0 };
	const hfgit_image *src = in;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!width || !height || !in->width || !in->height)
		return hfgit_error_set(HFGIT_EINVALID, "cannot resize a %zux%zu image to %zux%zu",
		                       in->width, in->height, width, height);
	if (width != in->width) {
		if ((rc = horizontal(&tmp, in, width)) < 0)
			return rc;
		src = &tmp;
	}
	if (height != src->height) {
		rc = vertical(out, src, height);
		hfgit_image_dispose(&tmp);
		return rc;
	}
	if (src == &tmp) {
		*out = tmp;
		return 0;
	}
	if (!(out->rgb = malloc(in->width * in->height * 3)))
		return hfgit_error_oom();
	memcpy(out->rgb, in->rgb, in->width * in->height * 3);
	out->width = in->width;
	out->height = in->height;
	return 0;
}
