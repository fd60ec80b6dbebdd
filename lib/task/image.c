/* image-classification: PNG / JPEG files to labels, through the image processor (lib/image). */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/task.h"

int hfgit_task__image_classify(task_item *items, hfgit_pipeline *p, const char *const *paths,
                               size_t n, const hfgit_run_options *o)
{
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	hfgit_image_processor *pp = NULL;
	const hfgit_output *logits;
	hfgit_outputs *outs = NULL;
	float *pixels = NULL;
	size_t i, h, w, plane;
	int rc;

	if ((rc = hfgit_image_processor_from_dir(&pp, hfgit_model_dir(p->model))) < 0)
		return rc;
	h = hfgit_image_processor_height(pp);
	w = hfgit_image_processor_width(pp);
	plane = h * w;
	if (!(pixels = malloc(n * 3 * plane * sizeof(*pixels)))) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (i = 0; i < n; i++) {
		size_t ih, iw;
		hfgit_image *img;
		float *one;

		if ((rc = hfgit_image_load(&img, paths[i])) < 0)
			goto out;
		rc = hfgit_image_preprocess(&one, &ih, &iw, pp, img);
		hfgit_image_free(img);
		if (rc < 0)
			goto out;
		/* Images are batched at one size: the processor's, unless it does not resize. */
		if (ih != h || iw != w) {
			free(one);
			rc = hfgit_error__set(HFGIT_EINVALID, "%s is %zux%zu after preprocessing, not "
			                      "the %zux%zu the model takes (preprocessor_config.json turns "
			                      "do_resize off)", paths[i], iw, ih, w, h);
			goto out;
		}
		memcpy(pixels + i * 3 * plane, one, 3 * plane * sizeof(*one));
		free(one);
	}
	in.batch = n;
	in.pixel_values = pixels;
	in.channels = 3;
	in.height = h;
	in.width = w;
	if ((rc = hfgit_model_forward(&outs, p->model, &in)) < 0)
		goto out;
	if (!(logits = hfgit_outputs_find(outs, "logits")) || logits->ndim != 2) {
		rc = hfgit_error__set(HFGIT_ERROR, "%s gave no [batch, labels] logits",
		                      hfgit_model_class(p->model));
		goto out;
	}
	/* ImageClassificationPipeline: top_k 5 by default. */
	rc = hfgit_task__classify(items, n, logits->data, (size_t)logits->shape[1],
	                          hfgit_model_config(p->model), o, 5);
out:
	hfgit_outputs_free(outs);
	hfgit_image_processor_free(pp);
	free(pixels);
	return rc;
}
