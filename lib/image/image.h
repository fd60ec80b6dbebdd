/*
 * Images for the vision tasks: PNG and JPEG decoded by libpng and libjpeg-turbo, resized as
 * Pillow resizes (transformers' image processors call PIL.Image.resize), rescaled and
 * normalized as preprocessor_config.json says.
 */
#ifndef HFGIT_IMAGE_IMAGE_H
#define HFGIT_IMAGE_IMAGE_H

#include <stdbool.h>
#include <stddef.h>

/* 8-bit RGB, interleaved, rows top to bottom. */
typedef struct {
	size_t width, height;
	unsigned char *rgb;
} hfgit_image;

/* Decode a PNG or JPEG file (by its signature) to RGB: gray is replicated, alpha dropped, as
 * Pillow's convert("RGB") does (16-bit PNG is reduced to 8 bits by libpng). HFGIT_EINVALID,
 * naming the file, for anything else. */
int hfgit_image_load(hfgit_image *out, const char *path);
void hfgit_image_dispose(hfgit_image *img);

/* Pillow's resize with BILINEAR (its antialiased separable filter: the support widens with
 * the scale when downscaling), in its 8-bit fixed point, horizontal pass first. */
int hfgit_image_resize_bilinear(hfgit_image *out, const hfgit_image *in, size_t width,
                                size_t height);

/* preprocessor_config.json, with ViTImageProcessor's defaults for what it leaves out. */
typedef struct {
	bool do_resize;
	size_t height, width;
	bool do_rescale;
	double rescale_factor;
	bool do_normalize;
	float mean[3], std[3];
} hfgit_image_processor;

/* Read DIR/preprocessor_config.json (absent: all defaults). */
int hfgit_image_processor_read(hfgit_image_processor *out, const char *dir);

/* The model's input for one image: [3, height, width] floats, channels first. `pixels` has
 * room for 3 * pp->height * pp->width (or the image's size when do_resize is off). */
int hfgit_image_preprocess(float *pixels, const hfgit_image *img, const hfgit_image_processor *pp);

#endif
