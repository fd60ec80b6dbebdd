/*
 * numpy's .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a version, a header
 * length (2 bytes in version 1, 4 in versions 2 and 3), and a Python dict literal naming
 * descr, fortran_order and shape, space-padded; then the data. Only what hfgit feeds to a
 * model is accepted: little-endian float32 in C order.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"
#include "core/error.h"

#define NPY_MAX_HEADER 65536

/* The text after 'key': in the header dict, or NULL. */
static const char *field(const char *header, const char *key)
{
	char quoted[32];
	const char *p;

	snprintf(quoted, sizeof(quoted), "'%s'", key);
	if (!(p = strstr(header, quoted)))
		return NULL;
	p += strlen(quoted);
	while (*p == ' ' || *p == ':')
		p++;
	return p;
}

static int parse_header(const char *path, const char *h, size_t *ndim, long long *shape,
                        size_t max_dims)
{
	const char *descr = field(h, "descr"), *order = field(h, "fortran_order"),
		   *dims = field(h, "shape");
	char *end;

	if (!descr || !order || !dims || *dims != '(')
		return hfgit_error__set(HFGIT_EINVALID, "%s: not a .npy header numpy writes (descr, "
		                       "fortran_order and shape expected)", path);
	if (strncmp(descr, "'<f4'", 5)) {
		const char *close = *descr == '\'' ? strchr(descr + 1, '\'') : NULL;
		int len = close && close - descr < 16 ? (int)(close - descr) + 1 : 8;

		return hfgit_error__set(HFGIT_EINVALID, "%s: the array's dtype is %.*s; hfgit takes "
		                       "little-endian float32 ('<f4': numpy.float32)", path, len,
		                       descr);
	}
	if (strncmp(order, "False", 5))
		return hfgit_error__set(HFGIT_EINVALID, "%s: the array is in Fortran order; save a "
		                       "C-ordered one (numpy.ascontiguousarray)", path);
	*ndim = 0;
	for (dims++;;) {
		long long v;

		while (*dims == ' ' || *dims == ',')
			dims++;
		if (*dims == ')')
			break;
		errno = 0;
		v = strtoll(dims, &end, 10);
		if (end == dims || errno || v < 0)
			return hfgit_error__set(HFGIT_EINVALID, "%s: bad shape in the .npy header", path);
		if (*ndim == max_dims)
			return hfgit_error__set(HFGIT_EINVALID, "%s: the array has more than %zu "
			                       "dimensions", path, max_dims);
		shape[(*ndim)++] = v;
		dims = end;
	}
	return 0;
}

/* The magic, version and header length; `f` is then at the header. */
static int read_preamble(size_t *hlen, FILE *f, const char *path)
{
	unsigned char pre[12];

	if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6))
		return hfgit_error__set(HFGIT_EINVALID, "%s: not a .npy file (no \\x93NUMPY magic)",
		                       path);
	if (pre[6] == 1) {
		*hlen = pre[8] | (size_t)pre[9] << 8;
	} else if (pre[6] == 2 || pre[6] == 3) {
		if (fread(pre + 10, 1, 2, f) != 2)
			return hfgit_error__set(HFGIT_EINVALID, "%s: truncated .npy header", path);
		*hlen = pre[8] | (size_t)pre[9] << 8 | (size_t)pre[10] << 16 |
		        (size_t)pre[11] << 24;
	} else {
		return hfgit_error__set(HFGIT_EINVALID, "%s: .npy version %u is unknown", path,
		                       pre[6]);
	}
	if (*hlen > NPY_MAX_HEADER)
		return hfgit_error__set(HFGIT_EINVALID, "%s: .npy header of %zu bytes is too large",
		                       path, *hlen);
	return 0;
}

/* The rest of `f`, which must be exactly `numel` floats. */
static int read_data(float **data, FILE *f, const char *path, size_t numel)
{
	long end_pos, data_pos = ftell(f);
	float *out;

	if (data_pos < 0 || fseek(f, 0, SEEK_END) < 0 || (end_pos = ftell(f)) < 0 ||
	    fseek(f, data_pos, SEEK_SET))
		return hfgit_error__set_errno(HFGIT_EIO, "cannot read %s", path);
	if ((size_t)(end_pos - data_pos) != numel * sizeof(float))
		return hfgit_error__set(HFGIT_EINVALID, "%s: %ld bytes of data for a shape of %zu "
		                       "floats (%zu bytes)", path, end_pos - data_pos, numel,
		                       numel * sizeof(float));
	if (!(out = malloc(numel ? numel * sizeof(float) : 1)))
		return hfgit_error__oom();
	if (fread(out, sizeof(float), numel, f) != numel) {
		free(out);
		return hfgit_error__set_errno(HFGIT_EIO, "cannot read %s", path);
	}
	/* The file is little-endian; so is every machine hfgit builds on but big-endian ones. */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_BIG_ENDIAN__
	for (size_t i = 0; i < numel; i++)
		((uint32_t *)out)[i] = __builtin_bswap32(((uint32_t *)out)[i]);
#endif
	*data = out;
	return 0;
}

int hfgit_npy_read_f32(float **data, size_t *ndim, long long *shape, size_t max_dims,
                       const char *path)
{
	char *header = NULL;
	size_t hlen = 0, numel = 1, i;
	FILE *f;
	int rc;

	*data = NULL;
	if (!(f = fopen(path, "rb")))
		return hfgit_error__set_errno(errno == ENOENT ? HFGIT_ENOTFOUND : HFGIT_EIO,
		                             "cannot open %s", path);
	if ((rc = read_preamble(&hlen, f, path)) < 0)
		goto out;
	if (!(header = malloc(hlen + 1))) {
		rc = hfgit_error__oom();
		goto out;
	}
	if (fread(header, 1, hlen, f) != hlen) {
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: truncated .npy header", path);
		goto out;
	}
	header[hlen] = '\0';
	if ((rc = parse_header(path, header, ndim, shape, max_dims)) < 0)
		goto out;
	for (i = 0; i < *ndim; i++) {
		if (shape[i] && numel > ((size_t)1 << 40) / (size_t)shape[i]) {
			rc = hfgit_error__set(HFGIT_EINVALID, "%s: the array is too large", path);
			goto out;
		}
		numel *= (size_t)shape[i];
	}
	rc = read_data(data, f, path, numel);
out:
	free(header);
	fclose(f);
	return rc;
}
