/* Images for vision models: decoding (libpng, libjpeg-turbo) and Pillow's resampling. */
#ifndef HFGIT_IMAGE_IMAGE_H
#define HFGIT_IMAGE_IMAGE_H

#include <stddef.h>
#include <stdint.h>

#include "hfgit.h"

struct hfgit_image {
	size_t width, height;
	uint8_t *rgb;           /* width * height * 3, row-major */
};

/* Pillow's filters by their transformers/PIL resample codes. */
typedef enum {
	IMG_NEAREST = 0, IMG_LANCZOS = 1, IMG_BILINEAR = 2, IMG_BICUBIC = 3, IMG_BOX = 4,
	IMG_HAMMING = 5,
} img_filter;

/* Image.resize(size, resample) of an RGB image, pixel for pixel as Pillow computes it (its
 * two-pass fixed-point convolution, antialiased when shrinking). NEAREST is refused. */
int hfgit_img__resize(hfgit_image **out, const hfgit_image *in, size_t width, size_t height,
                      img_filter filter);

int hfgit_img__decode_png(hfgit_image **out, const unsigned char *data, size_t len,
                          const char *name);
int hfgit_img__decode_jpeg(hfgit_image **out, const unsigned char *data, size_t len,
                           const char *name);
hfgit_image *hfgit_img__new(size_t width, size_t height);

#endif
