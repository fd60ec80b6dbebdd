/*
 * Test helper: an image through libhfgit's decoder and image processor.
 *
 *   image_dump IMAGE DECODED.u8                  the decoded RGB bytes
 *   image_dump IMAGE PIXELS.f32 MODEL_DIR        pixel_values (3 x H x W float32)
 *
 * Prints "width height" of what it wrote; errors go to stderr with exit status 1.
 */
#include <stdio.h>
#include <stdlib.h>

#include "hfgit.h"

int main(int argc, char **argv)
{
	hfgit_image *img;
	FILE *f;

	if (argc != 3 && argc != 4) {
		fprintf(stderr, "usage: image_dump IMAGE OUT [MODEL_DIR]\n");
		return 2;
	}
	if (hfgit_image_load(&img, argv[1]) < 0) {
		fprintf(stderr, "image_dump: %s\n", hfgit_error_last());
		return 1;
	}
	if (!(f = fopen(argv[2], "wb")))
		return 1;
	if (argc == 3) {
		fwrite(hfgit_image_pixels(img), 3, hfgit_image_width(img) * hfgit_image_height(img), f);
		printf("%zu %zu\n", hfgit_image_width(img), hfgit_image_height(img));
	} else {
		hfgit_image_processor *p;
		float *px;
		size_t h, w;

		if (hfgit_image_processor_from_dir(&p, argv[3]) < 0 ||
		    hfgit_image_preprocess(&px, &h, &w, p, img) < 0) {
			fprintf(stderr, "image_dump: %s\n", hfgit_error_last());
			return 1;
		}
		fwrite(px, sizeof(*px), 3 * h * w, f);
		printf("%zu %zu\n", w, h);
		free(px);
		hfgit_image_processor_free(p);
	}
	fclose(f);
	hfgit_image_free(img);
	return 0;
}
