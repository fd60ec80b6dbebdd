/*
 * Resampling exactly as Pillow's Image.resize does it (libImaging/Resample.c): for each output
 * pixel a window of input pixels weighted by the filter, stretched by the scale when
 * shrinking (antialiasing), the weights normalized and turned into 22-bit fixed point; a
 * horizontal pass over only the rows the vertical pass needs, then the vertical pass; each
 * pass rounds to 8 bits. transformers resizes through Pillow, so this is what a checkpoint's
 * preprocessing saw.
 */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "image/image.h"

#define PRECISION_BITS (32 - 8 - 2)

typedef struct {
	double (*f)(double x);
	double support;
} filter;

static double box_f(double x)
{
	return x > -0.5 && x <= 0.5 ? 1.0 : 0.0;
}

static double bilinear_f(double x)
{
	x = fabs(x);
	return x < 1.0 ? 1.0 - x : 0.0;
}

static double hamming_f(double x)
{
	x = fabs(x);
	if (x == 0.0)
		return 1.0;
	if (x >= 1.0)
		return 0.0;
	x *= M_PI;
	return sin(x) / x * (0.54f + 0.46f * cos(x));
}

static double bicubic_f(double x)
{
	const double a = -0.5;

	x = fabs(x);
	if (x < 1.0)
		return ((a + 2.0) * x - (a + 3.0)) * x * x + 1;
	if (x < 2.0)
		return (((x - 5) * x + 8) * x - 4) * a;
	return 0.0;
}

static double sinc(double x)
{
	if (x == 0.0)
		return 1.0;
	x *= M_PI;
	return sin(x) / x;
}

static double lanczos_f(double x)
{
	return -3.0 <= x && x < 3.0 ? sinc(x) * sinc(x / 3) : 0.0;
}

/* Window and fixed-point weights of each output pixel along one axis. */
typedef struct {
	int ksize;
	int *bounds;     /* (first input pixel, count) per output pixel */
	int32_t *k;      /* ksize weights per output pixel */
} coeffs;

static int precompute(coeffs *c, int in_size, int out_size, const filter *fp)
{
	double scale = (double)in_size / out_size, fscale = scale < 1.0 ? 1.0 : scale;
	double support = fp->support * fscale, *kk;
	int xx;

	c->ksize = (int)ceil(support) * 2 + 1;
	kk = calloc((size_t)out_size * (size_t)c->ksize, sizeof(*kk));
	c->bounds = malloc((size_t)out_size * 2 * sizeof(*c->bounds));
	c->k = malloc((size_t)out_size * (size_t)c->ksize * sizeof(*c->k));
	if (!kk || !c->bounds || !c->k) {
		free(kk);
		return hfgit_error__oom();
	}
	for (xx = 0; xx < out_size; xx++) {
		double center = (xx + 0.5) * scale, ww = 0.0, ss = 1.0 / fscale;
		double *k = &kk[(size_t)xx * (size_t)c->ksize];
		int xmin = (int)(center - support + 0.5), xmax, x;

		if (xmin < 0)
			xmin = 0;
		xmax = (int)(center + support + 0.5);
		if (xmax > in_size)
			xmax = in_size;
		xmax -= xmin;
		for (x = 0; x < xmax; x++) {
			double w = fp->f((x + xmin - center + 0.5) * ss);

			k[x] = w;
			ww += w;
		}
		for (x = 0; x < xmax; x++)
			if (ww != 0.0)
				k[x] /= ww;
		c->bounds[xx * 2] = xmin;
		c->bounds[xx * 2 + 1] = xmax;
	}
	for (xx = 0; xx < out_size * c->ksize; xx++)
		c->k[xx] = kk[xx] < 0 ? (int32_t)(-0.5 + kk[xx] * (1 << PRECISION_BITS))
		                      : (int32_t)(0.5 + kk[xx] * (1 << PRECISION_BITS));
	free(kk);
	return 0;
}

static void coeffs_free(coeffs *c)
{
	free(c->bounds);
	free(c->k);
}

static uint8_t clip8(int32_t v)
{
	v >>= PRECISION_BITS;
	return v < 0 ? 0 : v > 255 ? 255 : (uint8_t)v;
}

/* Rows [y0, y0 + rows) of `in` resampled horizontally into `out` (out->width wide). */
static void horizontal(hfgit_image *out, const hfgit_image *in, size_t y0, const coeffs *c)
{
	size_t yy, xx;

	for (yy = 0; yy < out->height; yy++) {
		const uint8_t *row = in->rgb + (yy + y0) * in->width * 3;

		for (xx = 0; xx < out->width; xx++) {
			int xmin = c->bounds[xx * 2], xmax = c->bounds[xx * 2 + 1], x;
			const int32_t *k = &c->k[xx * (size_t)c->ksize];
			int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
			uint8_t *o = out->rgb + (yy * out->width + xx) * 3;

			for (x = 0; x < xmax; x++) {
				const uint8_t *p = row + (size_t)(x + xmin) * 3;

				s0 += p[0] * k[x];
				s1 += p[1] * k[x];
				s2 += p[2] * k[x];
			}
			o[0] = clip8(s0);
			o[1] = clip8(s1);
			o[2] = clip8(s2);
		}
	}
}

static void vertical(hfgit_image *out, const hfgit_image *in, const coeffs *c, int shift)
{
	size_t yy, xx;

	for (yy = 0; yy < out->height; yy++) {
		int ymin = c->bounds[yy * 2] - shift, ymax = c->bounds[yy * 2 + 1], y;
		const int32_t *k = &c->k[yy * (size_t)c->ksize];

		for (xx = 0; xx < out->width; xx++) {
			int32_t s0 = 1 << (PRECISION_BITS - 1), s1 = s0, s2 = s0;
			uint8_t *o = out->rgb + (yy * out->width + xx) * 3;

			for (y = 0; y < ymax; y++) {
				const uint8_t *p = in->rgb + ((size_t)(y + ymin) * in->width + xx) * 3;

				s0 += p[0] * k[y];
				s1 += p[1] * k[y];
				s2 += p[2] * k[y];
			}
			o[0] = clip8(s0);
			o[1] = clip8(s1);
			o[2] = clip8(s2);
		}
	}
}

int hfgit_img__resize(hfgit_image **out, const hfgit_image *in, size_t width, size_t height,
                      img_filter which)
{
	static const filter filters[] = {
		[IMG_LANCZOS] = { lanczos_f, 3.0 }, [IMG_BILINEAR] = { bilinear_f, 1.0 },
		[IMG_BICUBIC] = { bicubic_f, 2.0 }, [IMG_BOX] = { box_f, 0.5 },
		[IMG_HAMMING] = { hamming_f, 1.0 },
	};
	coeffs cv = { 0 }, ch = { 0 };
	hfgit_image *tmp = NULL, *res = NULL;
	const hfgit_image *src = in;
	int first, last, rc;

	*out = NULL;
	if (which == IMG_NEAREST || (unsigned)which > IMG_HAMMING)
		return hfgit_error__set(HFGIT_EINVALID, "resample %d is not supported (hfgit resizes "
		                        "with Pillow's BILINEAR, BICUBIC, LANCZOS, BOX and HAMMING "
		                        "filters, codes 2, 3, 1, 4, 5)", (int)which);
	if (!width || !height || width > 1 << 15 || height > 1 << 15 || !in->width || !in->height)
		return hfgit_error__set(HFGIT_EINVALID, "cannot resize %zux%zu to %zux%zu", in->width,
		                        in->height, width, height);
	if (width == in->width && height == in->height) {
		if (!(res = hfgit_img__new(width, height)))
			return HFGIT_ERROR;
		memcpy(res->rgb, in->rgb, width * height * 3);
		*out = res;
		return 0;
	}
	if ((rc = precompute(&cv, (int)in->height, (int)height, &filters[which])) < 0)
		goto done;
	first = cv.bounds[0];
	last = cv.bounds[height * 2 - 2] + cv.bounds[height * 2 - 1];
	if (width != in->width) {
		if ((rc = precompute(&ch, (int)in->width, (int)width, &filters[which])) < 0)
			goto done;
		if (!(tmp = hfgit_img__new(width, (size_t)(last - first)))) {
			rc = HFGIT_ERROR;
			goto done;
		}
		horizontal(tmp, in, (size_t)first, &ch);
		src = tmp;
	}
	if (height != in->height) {
		if (!(res = hfgit_img__new(width, height))) {
			rc = HFGIT_ERROR;
			goto done;
		}
		vertical(res, src, &cv, src == tmp ? first : 0);
	} else {
		res = tmp;
		tmp = NULL;
	}
	*out = res;
	rc = 0;
done:
	coeffs_free(&cv);
	coeffs_free(&ch);
	hfgit_image_free(tmp);
	return rc;
}
