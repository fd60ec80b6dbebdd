/* PNG (libpng's simplified API) and JPEG (libjpeg-turbo) files to 8-bit RGB. */
#include <errno.h>
#include <setjmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h>
#include <png.h>

#include "common/error.h"
#include "image/image.h"

void hfgit_image_dispose(hfgit_image *img)
{
	free(img->rgb);
	memset(img, 0, sizeof(*img));
}

/* Pixels beyond this are refused before any allocation: a header may claim anything. */
#define MAX_PIXELS (1u << 28)

static int load_png(hfgit_image *out, const char *path)
{
	png_image png;
	unsigned char *rgba;
	size_t i, n;

	memset(&png, 0, sizeof(png));
	png.version = PNG_IMAGE_VERSION;
	if (!png_image_begin_read_from_file(&png, path))
		return hfgit_error_set(HFGIT_EINVALID, "%s: not a PNG image libpng can read (%s)",
		                       path, png.message);
	if ((size_t)png.width * png.height > MAX_PIXELS) {
		png_image_free(&png);
		return hfgit_error_set(HFGIT_EINVALID, "%s: %ux%u pixels is too large an image", path,
		                       png.width, png.height);
	}
	/* RGBA without colour-space conversion of 8-bit data; the alpha is then dropped. */
	png.format = PNG_FORMAT_RGBA;
	n = (size_t)png.width * png.height;
	if (!(rgba = malloc(PNG_IMAGE_SIZE(png)))) {
		png_image_free(&png);
		return hfgit_error_oom();
	}
	if (!png_image_finish_read(&png, NULL, rgba, 0, NULL)) {
		free(rgba);
		return hfgit_error_set(HFGIT_EINVALID, "%s: damaged PNG image (%s)", path,
		                       png.message);
	}
	for (i = 0; i < n; i++)
		memmove(rgba + 3 * i, rgba + 4 * i, 3);
	out->width = png.width;
	out->height = png.height;
	out->rgb = rgba;
	return 0;
}

typedef struct {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char message[JMSG_LENGTH_MAX];
} jpeg_error;

static void jpeg_fail(j_common_ptr cinfo)
{
	jpeg_error *e = (jpeg_error *)cinfo->err;

	cinfo->err->format_message(cinfo, e->message);
	longjmp(e->jump, 1);
}

static int load_jpeg(hfgit_image *out, FILE *f, const char *path)
{
	struct jpeg_decompress_struct cinfo;
	jpeg_error err;
	unsigned char *volatile rgb = NULL;
	size_t stride;

	cinfo.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jpeg_fail;
	if (setjmp(err.jump)) {
		jpeg_destroy_decompress(&cinfo);
		free(rgb);
		return hfgit_error_set(HFGIT_EINVALID, "%s: damaged JPEG image (%s)", path,
		                       err.message);
	}
	jpeg_create_decompress(&cinfo);
	jpeg_stdio_src(&cinfo, f);
	jpeg_read_header(&cinfo, TRUE);
	/* libjpeg's defaults, as Pillow decodes: islow IDCT, fancy upsampling. */
	cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	if ((size_t)cinfo.output_width * cinfo.output_height > MAX_PIXELS) {
		jpeg_destroy_decompress(&cinfo);
		return hfgit_error_set(HFGIT_EINVALID, "%s: %ux%u pixels is too large an image", path,
		                       cinfo.output_width, cinfo.output_height);
	}
	stride = (size_t)cinfo.output_width * 3;
	if (!(rgb = malloc(stride * cinfo.output_height))) {
		jpeg_destroy_decompress(&cinfo);
		return hfgit_error_oom();
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = rgb + stride * cinfo.output_scanline;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	out->width = cinfo.output_width;
	out->height = cinfo.output_height;
	out->rgb = rgb;
	jpeg_destroy_decompress(&cinfo);
	return 0;
}

int hfgit_image_load(hfgit_image *out, const char *path)
{
	static const unsigned char png_sig[8] = { 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n' };
	unsigned char head[8];
	size_t got;
	FILE *f;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!(f = fopen(path, "rb")))
		return hfgit_error_set_errno(errno == ENOENT ? HFGIT_ENOTFOUND : HFGIT_EIO,
		                             "cannot open image %s", path);
	got = fread(head, 1, sizeof(head), f);
	if (got == sizeof(head) && !memcmp(head, png_sig, 8)) {
		fclose(f);
		return load_png(out, path);
	}
	if (got >= 3 && head[0] == 0xff && head[1] == 0xd8 && head[2] == 0xff) {
		rewind(f);
		rc = load_jpeg(out, f, path);
		fclose(f);
		return rc;
	}
	fclose(f);
	return hfgit_error_set(HFGIT_EINVALID, "%s is neither a PNG nor a JPEG image: "
	                       "image-classification takes PNG or JPEG files", path);
}
