/*
 * For compare_pillow.py: decode IMAGE with hfgit's lib/image, resize it to WIDTH x HEIGHT,
 * and preprocess it with DIR's preprocessor_config.json; write to OUT the decoded RGB bytes,
 * the resized RGB bytes, then the [3, h, w] float32 pixel values; print "w h" of the decoded
 * image. Errors go to stderr with exit status 1.
 *
 * usage: image_dump IMAGE WIDTH HEIGHT DIR OUT
 */
#include <stdio.h>
#include <stdlib.h>

#include "hfgit.h"
#include "image/image.h"

int main(int argc, char **argv)
{
	hfgit_image img, small;
	hfgit_image_processor pp;
	float *pixels;
	FILE *out;

	if (argc != 6) {
		fprintf(stderr, "usage: image_dump IMAGE WIDTH HEIGHT DIR OUT\n");
		return 2;
	}
	if (hfgit_image_load(&img, argv[1]) < 0 ||
	    hfgit_image_resize_bilinear(&small, &img, (size_t)atoi(argv[2]), (size_t)atoi(argv[3])) < 0 ||
	    hfgit_image_processor_read(&pp, argv[4]) < 0) {
		fprintf(stderr, "%s\n", hfgit_error_last());
		return 1;
	}
	if (!(pixels = malloc(3 * pp.width * pp.height * sizeof(*pixels))) ||
	    hfgit_image_preprocess(pixels, &img, &pp) < 0 || !(out = fopen(argv[5], "wb"))) {
		fprintf(stderr, "%s\n", hfgit_error_last());
		return 1;
	}
	fwrite(img.rgb, 1, img.width * img.height * 3, out);
	fwrite(small.rgb, 1, small.width * small.height * 3, out);
	fwrite(pixels, sizeof(*pixels), 3 * pp.width * pp.height, out);
	fclose(out);
	printf("%zu %zu\n", img.width, img.height);
	free(pixels);
	hfgit_image_dispose(&img);
	hfgit_image_dispose(&small);
	return 0;
}
