/*
 * The image processor of a vision model (preprocessor_config.json), as transformers'
 * ViTImageProcessor runs it: resize with Pillow to size {height, width} (resample BILINEAR
 * unless the file says otherwise), rescale by rescale_factor (in float64, then float32),
 * normalize (x - mean) / std in float32, channels first. Absent fields take the processor's
 * defaults: 224x224, resample 2, 1/255, ImageNet "standard" mean and std of 0.5.
 */
#include <json-c/json.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "image/image.h"

struct hfgit_image_processor {
	bool do_resize, do_rescale, do_normalize;
	size_t height, width;
	img_filter resample;
	double rescale_factor;
	float mean[3], std[3];
};

static json_object *field(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static int read_triple(float out[3], json_object *v, const char *key, const char *path)
{
	size_t i;

	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)) {
		out[0] = out[1] = out[2] = (float)json_object_get_double(v);
		return 0;
	}
	if (!json_object_is_type(v, json_type_array) || json_object_array_length(v) != 3)
		return hfgit_error__set(HFGIT_EINVALID, "%s: %s must be 3 numbers (one per RGB channel)",
		                        path, key);
	for (i = 0; i < 3; i++)
		out[i] = (float)json_object_get_double(json_object_array_get_idx(v, i));
	return 0;
}

static int read_size(hfgit_image_processor *p, json_object *v, const char *path)
{
	json_object *h, *w;

	if (!v)
		return 0;
	if (json_object_is_type(v, json_type_int)) {
		p->height = p->width = (size_t)json_object_get_int64(v);
	} else if ((h = field(v, "height")) && (w = field(v, "width"))) {
		p->height = (size_t)json_object_get_int64(h);
		p->width = (size_t)json_object_get_int64(w);
	} else {
		return hfgit_error__set(HFGIT_EINVALID, "%s: size must be a number or {\"height\", "
		                        "\"width\"} (hfgit implements the ViT image processor; "
		                        "shortest_edge resizing is not supported)", path);
	}
	if (!p->height || !p->width || p->height > 8192 || p->width > 8192)
		return hfgit_error__set(HFGIT_EINVALID, "%s: size %zux%zu is out of range", path,
		                        p->height, p->width);
	return 0;
}

int hfgit_image_processor_from_dir(hfgit_image_processor **out, const char *dir)
{
	hfgit_image_processor *p = calloc(1, sizeof(*p));
	char *path = hfgit__aprintf("%s/preprocessor_config.json", dir);
	json_object *o = NULL, *v;
	int rc = 0;

	*out = NULL;
	if (!p || !path) {
		free(p);
		free(path);
		return hfgit_error__oom();
	}
	p->do_resize = p->do_rescale = p->do_normalize = true;
	p->height = p->width = 224;
	p->resample = IMG_BILINEAR;
	p->rescale_factor = 1.0 / 255;
	p->mean[0] = p->mean[1] = p->mean[2] = 0.5f;
	p->std[0] = p->std[1] = p->std[2] = 0.5f;
	if (hfgit_fs__exists(path)) {
		if (!(o = json_object_from_file(path)) || !json_object_is_type(o, json_type_object)) {
			rc = hfgit_error__set(HFGIT_EINVALID, "%s is not a JSON object", path);
			goto out;
		}
		if ((v = field(o, "do_resize")))
			p->do_resize = json_object_get_boolean(v);
		if ((v = field(o, "do_rescale")))
			p->do_rescale = json_object_get_boolean(v);
		if ((v = field(o, "do_normalize")))
			p->do_normalize = json_object_get_boolean(v);
		if ((v = field(o, "rescale_factor")))
			p->rescale_factor = json_object_get_double(v);
		if ((v = field(o, "resample"))) {
			int64_t r = json_object_get_int64(v);

			if (r < 1 || r > 5) {
				rc = hfgit_error__set(HFGIT_EINVALID, "%s: resample %lld is not supported "
				                      "(1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING)",
				                      path, (long long)r);
				goto out;
			}
			p->resample = (img_filter)r;
		}
		if ((rc = read_size(p, field(o, "size"), path)) < 0 ||
		    (rc = read_triple(p->mean, field(o, "image_mean"), "image_mean", path)) < 0 ||
		    (rc = read_triple(p->std, field(o, "image_std"), "image_std", path)) < 0)
			goto out;
		if ((v = field(o, "do_center_crop")) && json_object_get_boolean(v)) {
			rc = hfgit_error__set(HFGIT_EINVALID, "%s: do_center_crop is not supported (the "
			                      "ViT image processor does not crop)", path);
			goto out;
		}
		for (int c = 0; c < 3; c++)
			if (p->std[c] == 0.0f) {
				rc = hfgit_error__set(HFGIT_EINVALID, "%s: image_std has a zero", path);
				goto out;
			}
	}
out:
	json_object_put(o);
	free(path);
	if (rc < 0) {
		free(p);
		return rc;
	}
	*out = p;
	return 0;
}

void hfgit_image_processor_free(hfgit_image_processor *p)
{
	free(p);
}

size_t hfgit_image_processor_height(const hfgit_image_processor *p) { return p->height; }
size_t hfgit_image_processor_width(const hfgit_image_processor *p) { return p->width; }

int hfgit_image_preprocess(float **out, size_t *height, size_t *width,
                           const hfgit_image_processor *p, const hfgit_image *img)
{
	hfgit_image *resized = NULL;
	const hfgit_image *src = img;
	size_t n, i, c;
	float *px;
	int rc;

	*out = NULL;
	if (p->do_resize) {
		if ((rc = hfgit_img__resize(&resized, img, p->width, p->height, p->resample)) < 0)
			return rc;
		src = resized;
	}
	n = src->width * src->height;
	if (!(px = malloc(n * 3 * sizeof(*px)))) {
		hfgit_image_free(resized);
		return hfgit_error__oom();
	}
	for (c = 0; c < 3; c++) {
		for (i = 0; i < n; i++) {
			float v = src->rgb[i * 3 + c];

			if (p->do_rescale)
				v = (float)((double)src->rgb[i * 3 + c] * p->rescale_factor);
			if (p->do_normalize)
				v = (v - p->mean[c]) / p->std[c];
			px[c * n + i] = v;
		}
	}
	*height = src->height;
	*width = src->width;
	*out = px;
	hfgit_image_free(resized);
	return 0;
}

/* --- Images --------------------------------------------------------------------------------- */

int hfgit_image_from_memory(hfgit_image **out, const void *data, size_t len, const char *name)
{
	const unsigned char *d = data;

	*out = NULL;
	if (!name)
		name = "image";
	if (len >= 8 && !memcmp(d, "\x89PNG\r\n\x1a\n", 8))
		return hfgit_img__decode_png(out, d, len, name);
	if (len >= 3 && d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
		return hfgit_img__decode_jpeg(out, d, len, name);
	return hfgit_error__set(HFGIT_EINVALID, "%s is neither PNG nor JPEG (hfgit reads those two)",
	                        name);
}

int hfgit_image_load(hfgit_image **out, const char *path)
{
	char *data = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if ((rc = hfgit_fs__read_file(&data, &len, path)) < 0)
		return rc;
	rc = hfgit_image_from_memory(out, data, len, path);
	free(data);
	return rc;
}

size_t hfgit_image_width(const hfgit_image *img) { return img->width; }
size_t hfgit_image_height(const hfgit_image *img) { return img->height; }
const unsigned char *hfgit_image_pixels(const hfgit_image *img) { return img->rgb; }

int hfgit_image_resize(hfgit_image **out, const hfgit_image *img, size_t width, size_t height,
                       int resample)
{
	return hfgit_img__resize(out, img, width, height, (img_filter)resample);
}
