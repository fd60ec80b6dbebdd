/*
 * Fuzz target for image input: any bytes must be refused with a message, or decode into an
 * RGB image that resizes (with every supported filter) and preprocesses into finite values.
 */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>

#include "hfgit.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hfgit_image_processor *p;
	hfgit_image *img, *small;
	float *px;
	size_t h, w, i;
	int rc, f;

	if ((rc = hfgit_image_from_memory(&img, data, size, "input")) < 0) {
		if (!hfgit_error_last()[0])
			abort();
		return 0;
	}
	if (hfgit_image_width(img) * hfgit_image_height(img) > 1 << 20) {
		hfgit_image_free(img);
		return 0;
	}
	for (f = 1; f <= 5; f++) {
		if (hfgit_image_resize(&small, img, 7, 5, f) < 0)
			abort();
		hfgit_image_free(small);
	}
	if (hfgit_image_processor_from_dir(&p, "/nonexistent") < 0 ||
	    hfgit_image_preprocess(&px, &h, &w, p, img) < 0)
		abort();
	for (i = 0; i < 3 * h * w; i++)
		if (!isfinite(px[i]) || px[i] < -1.0f || px[i] > 1.0f)
			abort();
	free(px);
	hfgit_image_processor_free(p);
	hfgit_image_free(img);
	return 0;
}
