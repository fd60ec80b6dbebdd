/* image-classification: image files to labels, through lib/image's preprocessing. */
#include "common/error.h"
#include "task/task.h"

int task_image_classify(task_item *items, hfgit_pipeline *p, const char *const *paths,
                        size_t n, const hfgit_run_options *o)
{
	return hfgit_error_set(HFGIT_EINVALID, "image-classification is not available in this "
	                       "build of hfgit (no image decoding yet)");
}
