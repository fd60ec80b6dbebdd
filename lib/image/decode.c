/*
 * PNG and JPEG to 8-bit RGB, the pixels Pillow's Image.open(...).convert("RGB") gives:
 * palettes expanded, alpha dropped (not composited), gray replicated, 16-bit samples cut to
 * their high byte, no gamma correction; JPEG through libjpeg-turbo with its defaults (the
 * library and settings Pillow decodes with).
 */
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jpeglib.h> /* after stdio.h: it uses FILE and size_t without including them */
#include <png.h>

#include "core/error.h"
#include "image/image.h"

hfgit_image *hfgit_img__new(size_t width, size_t height)
{
	hfgit_image *img = calloc(1, sizeof(*img));

	if (!img || !(img->rgb = malloc(width * height * 3 + 1))) {
		free(img);
		hfgit_error__oom();
		return NULL;
	}
	img->width = width;
	img->height = height;
	return img;
}

void hfgit_image_free(hfgit_image *img)
{
	if (!img)
		return;
	free(img->rgb);
	free(img);
}

/* --- PNG ----------------------------------------------------------------------------------- */

typedef struct {
	const unsigned char *data;
	size_t len, pos;
	char message[200];
} png_src;

static void png_read_mem(png_structp png, png_bytep out, png_size_t n)
{
	png_src *src = png_get_io_ptr(png);

	if (n > src->len - src->pos)
		png_error(png, "the file ends early");
	memcpy(out, src->data + src->pos, n);
	src->pos += n;
}

static void png_fail(png_structp png, png_const_charp msg)
{
	png_src *src = png_get_error_ptr(png);

	snprintf(src->message, sizeof(src->message), "%s", msg);
	png_longjmp(png, 1);
}

static void png_warn(png_structp png, png_const_charp msg)
{
	(void)png;
	(void)msg;
}

int hfgit_img__decode_png(hfgit_image **out, const unsigned char *data, size_t len,
                          const char *name)
{
	png_src src = { data, len, 0, "" };
	png_structp png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &src, png_fail, png_warn);
	png_infop info = png ? png_create_info_struct(png) : NULL;
	hfgit_image *volatile img = NULL;
	png_bytep *volatile rows = NULL;
	png_uint_32 w, h, y;
	int depth, type;

	*out = NULL;
	if (!png || !info) {
		png_destroy_read_struct(png ? &png : NULL, NULL, NULL);
		return hfgit_error__oom();
	}
	if (setjmp(png_jmpbuf(png))) {
		png_destroy_read_struct(&png, &info, NULL);
		hfgit_image_free(img);
		free(rows);
		return hfgit_error__set(HFGIT_EINVALID, "%s: not a readable PNG: %s", name,
		                        src.message[0] ? src.message : "decoding failed");
	}
	png_set_read_fn(png, &src, png_read_mem);
	/* Images of any size PNG allows would need gigabytes: refuse what no model takes. */
	png_set_user_limits(png, 1 << 14, 1 << 14);
	png_read_info(png, info);
	png_get_IHDR(png, info, &w, &h, &depth, &type, NULL, NULL, NULL);
	if (depth == 16 && !(type & PNG_COLOR_MASK_COLOR)) {
		png_destroy_read_struct(&png, &info, NULL);
		/* Pillow reads it as mode I;16, whose conversion to RGB clips: not a plain cut. */
		return hfgit_error__set(HFGIT_EINVALID, "%s: 16-bit grayscale PNG is not supported; "
		                        "convert it to 8 bits", name);
	}
	if (type == PNG_COLOR_TYPE_PALETTE)
		png_set_palette_to_rgb(png);
	if (!(type & PNG_COLOR_MASK_COLOR)) {
		if (depth < 8)
			png_set_expand_gray_1_2_4_to_8(png);
		png_set_gray_to_rgb(png);
	}
	if (depth == 16)
		png_set_strip_16(png);
	/* Expanding a palette or gray with a tRNS chunk makes an alpha channel too. */
	if ((type & PNG_COLOR_MASK_ALPHA) || png_get_valid(png, info, PNG_INFO_tRNS))
		png_set_strip_alpha(png);
	png_set_interlace_handling(png);
	png_read_update_info(png, info);
	if (png_get_rowbytes(png, info) != (size_t)w * 3)
		png_error(png, "unexpected pixel layout after conversion to RGB");
	if (!(img = hfgit_img__new(w, h)) || !(rows = malloc(h * sizeof(*rows))))
		png_error(png, "out of memory");
	for (y = 0; y < h; y++)
		rows[y] = img->rgb + (size_t)y * w * 3;
	png_read_image(png, rows);
	png_read_end(png, NULL);
	png_destroy_read_struct(&png, &info, NULL);
	free(rows);
	*out = img;
	return 0;
}

/* --- JPEG ---------------------------------------------------------------------------------- */

typedef struct {
	struct jpeg_error_mgr mgr;
	jmp_buf jump;
	char message[JMSG_LENGTH_MAX];
} jpeg_err;

static void jpeg_fail(j_common_ptr cinfo)
{
	jpeg_err *err = (jpeg_err *)cinfo->err;

	(*cinfo->err->format_message)(cinfo, err->message);
	longjmp(err->jump, 1);
}

static void jpeg_quiet(j_common_ptr cinfo, int level)
{
	(void)cinfo;
	(void)level;
}

int hfgit_img__decode_jpeg(hfgit_image **out, const unsigned char *data, size_t len,
                           const char *name)
{
	struct jpeg_decompress_struct cinfo;
	jpeg_err err;
	hfgit_image *volatile img = NULL;

	*out = NULL;
	memset(&cinfo, 0, sizeof(cinfo));
	cinfo.err = jpeg_std_error(&err.mgr);
	err.mgr.error_exit = jpeg_fail;
	err.mgr.emit_message = jpeg_quiet;
	err.message[0] = '\0';
	if (setjmp(err.jump)) {
		jpeg_destroy_decompress(&cinfo);
		hfgit_image_free(img);
		return hfgit_error__set(HFGIT_EINVALID, "%s: not a readable JPEG: %s", name, err.message);
	}
	jpeg_create_decompress(&cinfo);
	jpeg_mem_src(&cinfo, data, (unsigned long)len);
	jpeg_read_header(&cinfo, TRUE);
	if (cinfo.jpeg_color_space == JCS_CMYK || cinfo.jpeg_color_space == JCS_YCCK) {
		jpeg_destroy_decompress(&cinfo);
		return hfgit_error__set(HFGIT_EINVALID, "%s: CMYK JPEG is not supported; convert it to "
		                        "RGB", name);
	}
	if (cinfo.image_width > 1 << 14 || cinfo.image_height > 1 << 14) {
		jpeg_destroy_decompress(&cinfo);
		return hfgit_error__set(HFGIT_EINVALID, "%s: %ux%u pixels is too large (at most "
		                        "16384 on a side)", name, cinfo.image_width, cinfo.image_height);
	}
	cinfo.out_color_space = JCS_RGB;
	jpeg_start_decompress(&cinfo);
	if (cinfo.output_components != 3) {
		snprintf(err.message, sizeof(err.message), "no RGB output for this color space");
		longjmp(err.jump, 1);
	}
	if (!(img = hfgit_img__new(cinfo.output_width, cinfo.output_height))) {
		snprintf(err.message, sizeof(err.message), "out of memory");
		longjmp(err.jump, 1);
	}
	while (cinfo.output_scanline < cinfo.output_height) {
		JSAMPROW row = img->rgb + (size_t)cinfo.output_scanline * img->width * 3;

		jpeg_read_scanlines(&cinfo, &row, 1);
	}
	jpeg_finish_decompress(&cinfo);
	jpeg_destroy_decompress(&cinfo);
	*out = img;
	return 0;
}
