/* preprocessor_config.json and ViTImageProcessor.preprocess: resize, rescale, normalize. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <json-c/json.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "image/image.h"

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	return json_object_object_get_ex(o, key, &v) && !json_object_is_type(v, json_type_null)
	       ? v : NULL;
}

static int read_bool(bool *out, json_object *o, const char *key, const char *path)
{
	json_object *v = field(o, key);

	if (!v)
		return 0;
	if (!json_object_is_type(v, json_type_boolean))
		return hfgit_error_set(HFGIT_EINVALID, "%s: %s is not true or false", path, key);
	*out = json_object_get_boolean(v);
	return 0;
}

static int read_size(size_t *out, json_object *v, const char *what, const char *path)
{
	long long n;

	if (!v || !json_object_is_type(v, json_type_int) || (n = json_object_get_int64(v)) < 1 ||
	    n > 16384)
		return hfgit_error_set(HFGIT_EINVALID, "%s: %s is not a size in pixels", path, what);
	*out = (size_t)n;
	return 0;
}

static int read_triple(float *out, json_object *o, const char *key, const char *path)
{
	json_object *v = field(o, key);
	size_t i;

	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) {
		out[0] = out[1] = out[2] = (float)json_object_get_double(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 3)
		return hfgit_error_set(HFGIT_EINVALID, "%s: %s is not 3 numbers (one per RGB channel)",
		                       path, key);
	for (i = 0; i < 3; i++)
		out[i] = (float)json_object_get_double(json_object_array_get_idx(v, i));
	return 0;
}

int hfgit_image_processor_read(hfgit_image_processor *pp, const char *dir)
{
	static const hfgit_image_processor defaults = {
		true, 224, 224, true, 1.0 / 255.0, true, { 0.5f, 0.5f, 0.5f }, { 0.5f, 0.5f, 0.5f }
	};
	json_object *o, *v;
	struct stat st;
	char *path;
	int rc = 0;

	*pp = defaults;
	if (!(path = hfgit_aprintf("%s/preprocessor_config.json", dir)))
		return hfgit_error_oom();
	if (stat(path, &st) != 0) {
		free(path);
		return 0; /* ViTImageProcessor() */
	}
	if (!(o = json_object_from_file(path)) || !json_object_is_type(o, json_type_object)) {
		rc = hfgit_error_set(HFGIT_EINVALID, "%s is not a JSON object", path);
		goto out;
	}
	if ((rc = read_bool(&pp->do_resize, o, "do_resize", path)) < 0 ||
	    (rc = read_bool(&pp->do_rescale, o, "do_rescale", path)) < 0 ||
	    (rc = read_bool(&pp->do_normalize, o, "do_normalize", path)) < 0 ||
	    (rc = read_triple(pp->mean, o, "image_mean", path)) < 0 ||
	    (rc = read_triple(pp->std, o, "image_std", path)) < 0)
		goto out;
	if ((v = field(o, "size"))) {
		/* An old int means height = width (get_size_dict). */
		if (json_object_is_type(v, json_type_int)) {
			if ((rc = read_size(&pp->height, v, "size", path)) < 0)
				goto out;
			pp->width = pp->height;
		} else if (json_object_is_type(v, json_type_object) && field(v, "height")) {
			if ((rc = read_size(&pp->height, field(v, "height"), "size.height", path)) < 0 ||
			    (rc = read_size(&pp->width, field(v, "width"), "size.width", path)) < 0)
				goto out;
		} else {
			rc = hfgit_error_set(HFGIT_EINVALID, "%s: size is neither a number nor "
			                     "{\"height\", \"width\"} (hfgit does ViTImageProcessor's "
			                     "resize only)", path);
			goto out;
		}
	}
	if ((v = field(o, "resample")) &&
	    (!json_object_is_type(v, json_type_int) || json_object_get_int(v) != 2)) {
		rc = hfgit_error_set(HFGIT_EINVALID, "%s: resample %s is not implemented; hfgit "
		                     "resizes with BILINEAR (2) only", path,
		                     json_object_to_json_string(v));
		goto out;
	}
	if ((v = field(o, "rescale_factor"))) {
		if (!json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_int)) {
			rc = hfgit_error_set(HFGIT_EINVALID, "%s: rescale_factor is not a number", path);
			goto out;
		}
		pp->rescale_factor = json_object_get_double(v);
	}
	if (pp->std[0] == 0 || pp->std[1] == 0 || pp->std[2] == 0)
		rc = hfgit_error_set(HFGIT_EINVALID, "%s: image_std has a zero", path);
out:
	json_object_put(o);
	free(path);
	return rc;
}

int hfgit_image_preprocess(float *pixels, const hfgit_image *img, const hfgit_image_processor *pp)
{
	hfgit_image resized = { 0 };
	const hfgit_image *src = img;
	size_t i, c, n;
	int rc;

	if (pp->do_resize) {
		if ((rc = hfgit_image_resize_bilinear(&resized, img, pp->width, pp->height)) < 0)
			return rc;
		src = &resized;
	}
	n = src->width * src->height;
	/* transformers: rescale in float64 then float32; normalize in float32; channels first. */
	for (c = 0; c < 3; c++) {
		for (i = 0; i < n; i++) {
			float x = src->rgb[i * 3 + c];

			if (pp->do_rescale)
				x = (float)((double)src->rgb[i * 3 + c] * pp->rescale_factor);
			if (pp->do_normalize)
				x = (x - pp->mean[c]) / pp->std[c];
			pixels[c * n + i] = x;
		}
	}
	hfgit_image_dispose(&resized);
	return 0;
}
