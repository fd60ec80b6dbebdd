/* image-classification: PNG / JPEG files to labels, through lib/image's preprocessing. */
#include <stdlib.h>

#include "common/error.h"
#include "image/image.h"
#include "task/task.h"

int task_image_classify(task_item *items, hfgit_pipeline *p, const char *const *paths,
                        size_t n, const hfgit_run_options *o)
{
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	hfgit_image_processor pp;
	const hfgit_output *logits;
	hfgit_outputs *outs = NULL;
	float *pixels = NULL;
	size_t i, plane;
	int rc;

	if ((rc = hfgit_image_processor_read(&pp, hfgit_model_dir(p->model))) < 0)
		return rc;
	if (!pp.do_resize)
		return hfgit_error_set(HFGIT_EINVALID, "preprocessor_config.json turns do_resize off; "
		                       "hfgit batches images of the one size it resizes to");
	plane = pp.height * pp.width;
	if (!(pixels = malloc(n * 3 * plane * sizeof(*pixels))))
		return hfgit_error_oom();
	for (i = 0; i < n; i++) {
		hfgit_image img;

		if ((rc = hfgit_image_load(&img, paths[i])) < 0)
			goto out;
		rc = hfgit_image_preprocess(pixels + i * 3 * plane, &img, &pp);
		hfgit_image_dispose(&img);
		if (rc < 0)
			goto out;
	}
	in.batch = n;
	in.pixel_values = pixels;
	in.channels = 3;
	in.height = pp.height;
	in.width = pp.width;
	if ((rc = hfgit_model_forward(&outs, p->model, &in)) < 0)
		goto out;
	if (!(logits = hfgit_outputs_find(outs, "logits")) || logits->ndim != 2) {
		rc = hfgit_error_set(HFGIT_ERROR, "%s gave no [batch, labels] logits",
		                     hfgit_model_class(p->model));
		goto out;
	}
	/* ImageClassificationPipeline: top_k 5 by default. */
	rc = task_classify(items, n, logits->data, (size_t)logits->shape[1],
	                   hfgit_model_config(p->model), o, 5);
out:
	hfgit_outputs_free(outs);
	free(pixels);
	return rc;
}
