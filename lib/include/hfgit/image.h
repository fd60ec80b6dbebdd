/* Images for vision models: PNG/JPEG and the ViT image processor. */
#ifndef HFGIT_IMAGE_H
#define HFGIT_IMAGE_H

#include "hfgit/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Images for vision models: PNG/JPEG and the ViT image processor                            */

/*
 * An image as Pillow's Image.open(path).convert("RGB") gives it (8-bit RGB; alpha dropped,
 * palettes and gray expanded), decoded with libpng or libjpeg-turbo. EXIF orientation is not
 * applied.
 */
typedef struct hfgit_image hfgit_image;
typedef struct hfgit_image_processor hfgit_image_processor;

HFGIT_EXTERN int hfgit_image_load(hfgit_image **out, const char *path);
/* `name` (may be NULL) names the data in error messages. */
HFGIT_EXTERN int hfgit_image_from_memory(hfgit_image **out, const void *data, size_t len,
                                         const char *name);
HFGIT_EXTERN size_t hfgit_image_width(const hfgit_image *img);
HFGIT_EXTERN size_t hfgit_image_height(const hfgit_image *img);
/* width * height * 3 bytes, rows top to bottom, RGB. */
HFGIT_EXTERN const unsigned char *hfgit_image_pixels(const hfgit_image *img);
/* Image.resize((width, height), resample) pixel for pixel as Pillow computes it; resample is
 * PIL's code: 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING (0 NEAREST is refused). */
HFGIT_EXTERN int hfgit_image_resize(hfgit_image **out, const hfgit_image *img, size_t width,
                                    size_t height, int resample);
HFGIT_EXTERN void hfgit_image_free(hfgit_image *img);

/*
 * The image processor of a model directory (preprocessor_config.json; without one, the
 * defaults of transformers' ViTImageProcessor): do_resize to size {height, width} with
 * resample, do_rescale by rescale_factor, do_normalize with image_mean and image_std.
 */
HFGIT_EXTERN int hfgit_image_processor_from_dir(hfgit_image_processor **out, const char *dir);
HFGIT_EXTERN size_t hfgit_image_processor_height(const hfgit_image_processor *p);
HFGIT_EXTERN size_t hfgit_image_processor_width(const hfgit_image_processor *p);
/* pixel_values for one image: 3 x height x width floats, channels first (free() it). */
HFGIT_EXTERN int hfgit_image_preprocess(float **pixel_values, size_t *height, size_t *width,
                                        const hfgit_image_processor *p, const hfgit_image *img);
HFGIT_EXTERN void hfgit_image_processor_free(hfgit_image_processor *p);

#ifdef __cplusplus
}
#endif

#endif
