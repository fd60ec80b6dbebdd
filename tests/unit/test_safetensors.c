/*
 * Unit tests for the safetensors loader: lib/model/safetensors.c.
 *
 *     test_safetensors <dir>     (dir: tests/data/safetensors, written by its make.py)
 *
 * The committed files cover the format's rules one by one; the cases built in memory here
 * cover the corners that would need too many files (JSON details, limits, options).
 */
#include "hfgit.h"
#include "check.h"

#include <dirent.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/strbuf.h"
#include "model/weights/safetensors.h"
#include "model/weights/weights.h"

static const char *data_dir;

static char *data_path(const char *name)
{
	char *path = hfgit__aprintf("%s/%s", data_dir, name);

	if (!path)
		abort();
	return path;
}

static unsigned char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (f && fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) >= 0 && fseek(f, 0, SEEK_SET) == 0 &&
	    (buf = malloc((size_t)size + 1)) && fread(buf, 1, (size_t)size, f) == (size_t)size) {
		*len = (size_t)size;
	} else {
		free(buf);
		buf = NULL;
	}
	if (f)
		fclose(f);
	CHECK_MSG(buf != NULL, "cannot read %s", path);
	return buf;
}

/* A safetensors image in a buffer of exactly its size, so that ASan sees any overread. */
static unsigned char *build(const char *header, size_t header_len, const void *data,
                            size_t data_len, size_t *len)
{
	unsigned char *buf;
	size_t i;

	*len = 8 + header_len + data_len;
	if (!(buf = malloc(*len)))
		abort();
	for (i = 0; i < 8; i++)
		buf[i] = (unsigned char)((uint64_t)header_len >> (8 * i));
	memcpy(buf + 8, header, header_len);
	if (data_len)
		memcpy(buf + 8 + header_len, data, data_len);
	return buf;
}

/* ---------------------------------------------------------------------------------------- */
/* Values                                                                                    */

static uint64_t load_le(const unsigned char *p, size_t size)
{
	uint64_t v = 0;

	while (size-- > 0)
		v = v << 8 | p[size];
	return v;
}

static double pow2(int e)
{
	double v = 1.0;

	for (; e > 0; e--)
		v *= 2.0;
	for (; e < 0; e++)
		v /= 2.0;
	return v;
}

static double half_to_double(uint16_t h)
{
	int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
	double v;

	if (exponent == 0)
		v = mantissa * pow2(-24);
	else if (exponent == 31)
		v = mantissa ? 0.0 / 0.0 : 1.0 / 0.0;
	else
		v = (mantissa + 1024) * pow2(exponent - 25);
	return (h & 0x8000) ? -v : v;
}

static double float_bits(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* Element i of `t`, read byte by byte: tensor data carries no alignment guarantee. */
static void check_element(const hfgit_tensor *t, size_t i, json_object *expected)
{
	size_t size = hfgit_dtype__size(t->dtype);
	const unsigned char *at = (const unsigned char *)t->data + i * size;
	uint64_t raw = load_le(at, size);
	double got, want = json_object_get_double(expected);
	uint64_t bits64;

	switch (t->dtype) {
	case HFGIT_DTYPE_I64:
		CHECK_MSG((int64_t)raw == json_object_get_int64(expected), "%s[%zu] is %" PRId64,
		          t->name, i, (int64_t)raw);
		return;
	case HFGIT_DTYPE_U8:
		CHECK_MSG((int64_t)raw == json_object_get_int64(expected), "%s[%zu] is %" PRIu64,
		          t->name, i, raw);
		return;
	case HFGIT_DTYPE_BOOL:
		CHECK_MSG(raw <= 1 && (raw == 1) == json_object_get_boolean(expected),
		          "%s[%zu] is byte %" PRIu64, t->name, i, raw);
		return;
	case HFGIT_DTYPE_F16:
		got = half_to_double((uint16_t)raw);
		break;
	case HFGIT_DTYPE_BF16:
		got = float_bits((uint32_t)raw << 16);
		break;
	case HFGIT_DTYPE_F32:
		got = float_bits((uint32_t)raw);
		break;
	case HFGIT_DTYPE_F64:
		bits64 = raw;
		memcpy(&got, &bits64, sizeof(got));
		break;
	default:
		CHECK_MSG(0, "%s: the test does not know dtype %s", t->name, hfgit_dtype__name(t->dtype));
		return;
	}
	CHECK_MSG(got == want, "%s[%zu] is %.17g, expected %.17g", t->name, i, got, want);
}

/* ---------------------------------------------------------------------------------------- */
/* The valid file                                                                            */

static int append_pair(const char *key, const char *value, void *payload)
{
	hfgit_strbuf *seen = payload;

	return hfgit_strbuf__printf(seen, "%s=%s\n", key, value) < 0 ? -1 : 0;
}

static void check_tensor(const hfgit_tensor *t, json_object *expected)
{
	json_object *shape = json_object_object_get(expected, "shape");
	json_object *offsets = json_object_object_get(expected, "data_offsets");
	json_object *values = json_object_object_get(expected, "values");
	size_t ndim = json_object_array_length(shape), i, elements = 1;
	int64_t stride = 1;

	CHECK_STR(t->name, json_object_get_string(json_object_object_get(expected, "name")));
	CHECK_STR(hfgit_dtype__name(t->dtype),
	          json_object_get_string(json_object_object_get(expected, "dtype")));
	CHECK_MSG(t->ndim == ndim, "%s has %zu dimensions, expected %zu", t->name, t->ndim, ndim);
	CHECK(t->contiguous);
	for (i = ndim; t->ndim == ndim && i-- > 0;) {
		int64_t dim = json_object_get_int64(json_object_array_get_idx(shape, i));
		CHECK_MSG(t->shape[i] == dim, "%s: dimension %zu is %" PRId64, t->name, i, t->shape[i]);
		CHECK_MSG(t->strides[i] == stride, "%s: stride %zu is %" PRId64 ", expected %" PRId64,
		          t->name, i, t->strides[i], stride);
		stride *= dim;
		elements *= (size_t)dim;
	}
	CHECK_MSG(t->nbytes == (size_t)(json_object_get_int64(json_object_array_get_idx(offsets, 1)) -
	                                json_object_get_int64(json_object_array_get_idx(offsets, 0))),
	          "%s: nbytes %zu", t->name, t->nbytes);
	CHECK_MSG(json_object_array_length(values) == elements, "%s: sidecar lists %zu values",
	          t->name, json_object_array_length(values));
	CHECK_MSG((t->data == NULL) == (elements == 0), "%s: data %p for %zu elements", t->name,
	          t->data, elements);
	for (i = 0; t->data && i < elements && i < json_object_array_length(values); i++)
		check_element(t, i, json_object_array_get_idx(values, i));
}

/* Compares `w` with valid.expected.json: every tensor, in data order, value by value. */
static void check_valid_table(const hfgit_weights *w, const char *metadata_seen,
                              json_object *expected, const char *how)
{
	json_object *tensors = json_object_object_get(expected, "tensors");
	hfgit_strbuf metadata = HFGIT_STRBUF_INIT;
	int failures_before = check_failures;
	bool unaligned = false;
	size_t i;

	json_object_object_foreach(json_object_object_get(expected, "metadata"), key, value)
		hfgit_strbuf__printf(&metadata, "%s=%s\n", key, json_object_get_string(value));
	CHECK_STR(metadata_seen, hfgit_strbuf__cstr(&metadata));
	hfgit_strbuf__dispose(&metadata);

	CHECK_MSG(hfgit_weights__count(w) == json_object_array_length(tensors), "%zu tensors",
	          hfgit_weights__count(w));
	for (i = 0; i < hfgit_weights__count(w) && i < json_object_array_length(tensors); i++) {
		const hfgit_tensor *t = hfgit_weights__at(w, i);

		check_tensor(t, json_object_array_get_idx(tensors, i));
		CHECK(hfgit_weights__find(w, t->name) == t);
		if (t->data && (uintptr_t)t->data % hfgit_dtype__size(t->dtype) != 0)
			unaligned = true;
	}
	/* The format does not align data; the test file makes sure the loader copes. */
	CHECK_MSG(unaligned, "no tensor of the test file sits at an unaligned address any more");
	if (check_failures > failures_before)
		fprintf(stderr, "  (while checking valid.safetensors %s)\n", how);
}

static size_t open_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	size_t n = 0;

	while (d && readdir(d))
		n++;
	if (d)
		closedir(d);
	return n;
}

/* A mapped file's tensors are where hfgit_weights__file_of says in the file it keeps open
 * (read with pread, as an embedding table's rows are); memory given by the caller is no file. */
static void check_file_of(const hfgit_weights *w, bool from_file, const char *how)
{
	size_t i;

	for (i = 0; i < hfgit_weights__count(w); i++) {
		const hfgit_tensor *t = hfgit_weights__at(w, i);
		unsigned char *back;
		uint64_t at = 0;
		int fd = -1;

		if (!t->nbytes)
			continue;
		if (!from_file) {
			CHECK_MSG(!hfgit_weights__file_of(w, t->data, t->nbytes, &fd, &at),
			          "%s: %s in a file", how, t->name);
			continue;
		}
		CHECK_MSG(hfgit_weights__file_of(w, t->data, t->nbytes, &fd, &at), "%s: %s in no "
		          "file", how, t->name);
		if (fd < 0 || !(back = malloc(t->nbytes)))
			continue;
		CHECK_MSG(pread(fd, back, t->nbytes, (off_t)at) == (ssize_t)t->nbytes &&
		          memcmp(back, t->data, t->nbytes) == 0, "%s: %s read back differs", how,
		          t->name);
		free(back);
	}
}

static void test_valid_file(void)
{
	char *path = data_path("valid.safetensors"), *sidecar = data_path("valid.expected.json");
	json_object *expected = json_object_from_file(sidecar);
	hfgit_safetensors_options opts = HFGIT_SAFETENSORS_OPTIONS_INIT;
	hfgit_strbuf seen = HFGIT_STRBUF_INIT;
	hfgit_weights *w = NULL;
	unsigned char *bytes, *copy;
	size_t len = 0, fds;
	int rc;

	CHECK_MSG(expected != NULL, "cannot read %s", sidecar);
	if (!expected)
		goto out;
	opts.metadata = append_pair;
	opts.payload = &seen;

	fds = open_fds();
	CHECK(hfgit_weights__new(&w) == 0);
	rc = hfgit_safetensors__load_ext(w, path, &opts);
	CHECK_MSG(rc == 0, "load failed: %s", hfgit_error_last());
	check_valid_table(w, hfgit_strbuf__cstr(&seen), expected, "mapped");
	check_file_of(w, true, "mapped");
	CHECK(open_fds() == fds + 1);
	hfgit_weights__free(w);
	CHECK_MSG(open_fds() == fds, "the file is still open after its table was freed");

	/* The same bytes from memory, one byte off any alignment malloc gives. */
	if ((bytes = read_file(path, &len)) && (copy = malloc(len + 1))) {
		memcpy(copy + 1, bytes, len);
		hfgit_strbuf__clear(&seen);
		CHECK(hfgit_weights__new(&w) == 0);
		rc = hfgit_safetensors__parse_ext(w, copy + 1, len, "copy", &opts);
		CHECK_MSG(rc == 0, "parse failed: %s", hfgit_error_last());
		check_valid_table(w, hfgit_strbuf__cstr(&seen), expected, "from memory");
		check_file_of(w, false, "from memory");
		hfgit_weights__free(w);
		free(copy);
	}
	free(bytes);
out:
	hfgit_strbuf__dispose(&seen);
	json_object_put(expected);
	free(path);
	free(sidecar);
}

/* Every shorter prefix of a valid file is invalid (nothing may read past it), and flipped
 * bits either still make a valid file or are reported: never a crash or a wild read. */
static void test_damaged_copies(void)
{
	char *path = data_path("valid.safetensors");
	unsigned char *bytes, *copy;
	size_t len = 0, cut, at;
	hfgit_weights *w;
	int bit, rc;

	if (!(bytes = read_file(path, &len)))
		goto out;
	for (cut = 0; cut < len; cut++) {
		if (!(copy = malloc(cut ? cut : 1)))
			abort();
		memcpy(copy, bytes, cut);
		CHECK(hfgit_weights__new(&w) == 0);
		rc = hfgit_safetensors__parse(w, copy, cut, "prefix");
		CHECK_MSG(rc == HFGIT_EINVALID, "the first %zu of %zu bytes gave %d", cut, len, rc);
		CHECK(hfgit_weights__count(w) == 0);
		hfgit_weights__free(w);
		free(copy);
	}
	for (at = 0; at < len; at++) {
		for (bit = 0; bit < 8; bit++) {
			if (!(copy = malloc(len)))
				abort();
			memcpy(copy, bytes, len);
			copy[at] ^= (unsigned char)(1u << bit);
			CHECK(hfgit_weights__new(&w) == 0);
			rc = hfgit_safetensors__parse(w, copy, len, "flipped");
			CHECK_MSG(rc == 0 || rc == HFGIT_EINVALID, "flipping bit %d of byte %zu gave %d",
			          bit, at, rc);
			CHECK(rc == 0 || (hfgit_weights__count(w) == 0 && *hfgit_error_last() != '\0'));
			hfgit_weights__free(w);
			free(copy);
		}
	}
out:
	free(bytes);
	free(path);
}

/* ---------------------------------------------------------------------------------------- */
/* The invalid files                                                                         */

static const struct {
	const char *file;
	const char *says;
} bad_files[] = {
	{ "bad-truncated.safetensors", "only 5 bytes long, shorter than the 8-byte header length" },
	{ "bad-header-past-eof.safetensors",
	  "header length 1000 runs past the end of the file (only 19 bytes follow" },
	{ "bad-header-too-large.safetensors", "header length 100000001 is over the limit" },
	{ "bad-offsets-out-of-range.safetensors",
	  "tensor 'a' has data_offsets [0, 16], past the end of the 8-byte data buffer" },
	{ "bad-overlap.safetensors",
	  "tensors 'a' (data_offsets [0, 8]) and 'b' ([4, 12]) overlap" },
	{ "bad-hole.safetensors", "bytes 4 to 8 of the data buffer belong to no tensor (a hole before 'b')" },
	{ "bad-trailing-bytes.safetensors", "4 trailing bytes follow the last tensor ('a' ends" },
	{ "bad-unknown-dtype.safetensors", "tensor 'a' has dtype 'C64', which hfgit does not read" },
	{ "bad-size-mismatch.safetensors",
	  "tensor 'a' is F32 [2, 3], which takes 24 bytes, but its data_offsets [0, 20] span 20 bytes" },
	{ "bad-duplicate-key.safetensors", "the header lists 'a' twice" },
	{ "bad-non-object-entry.safetensors", "tensor 'a' is described by [0,4], not by an object" },
	{ "bad-negative-shape.safetensors",
	  "tensor 'a' has shape [-1,4], not an array of non-negative integers" },
	{ "bad-not-json.safetensors", "the header is not valid JSON" },
	{ "bad-header-trailing-garbage.safetensors", "the header has bytes after its JSON object" },
	{ "bad-metadata-non-string.safetensors", "__metadata__ maps 'epochs' to 3, not to a string" },
};

static void test_bad_files(void)
{
	size_t i;

	for (i = 0; i < sizeof(bad_files) / sizeof(bad_files[0]); i++) {
		char *path = data_path(bad_files[i].file);
		hfgit_weights *w = NULL;
		const char *message;
		int rc;

		CHECK(hfgit_weights__new(&w) == 0);
		rc = hfgit_safetensors__load(w, path);
		message = hfgit_error_last();
		CHECK_MSG(rc == HFGIT_EINVALID, "%s gave %d (%s), expected HFGIT_EINVALID",
		          bad_files[i].file, rc, message);
		CHECK(hfgit_error_last_code() == rc);
		CHECK_MSG(strncmp(message, path, strlen(path)) == 0, "message \"%s\" does not name %s",
		          message, path);
		CHECK_MSG(strstr(message, bad_files[i].says) != NULL, "message \"%s\" does not say \"%s\"",
		          message, bad_files[i].says);
		CHECK_MSG(hfgit_weights__count(w) == 0, "%s left %zu tensors", bad_files[i].file,
		          hfgit_weights__count(w));
		hfgit_weights__free(w);
		free(path);
	}
}

/* Keeps make.py and this test in step: a new file without a case here fails. */
static void test_every_file_has_a_case(void)
{
	DIR *dir = opendir(data_dir);
	struct dirent *e;
	size_t i, len;
	bool known;

	CHECK_MSG(dir != NULL, "cannot list %s", data_dir);
	while (dir && (e = readdir(dir)) != NULL) {
		len = strlen(e->d_name);
		if (len < 12 || strcmp(e->d_name + len - 12, ".safetensors") != 0)
			continue;
		known = !strcmp(e->d_name, "valid.safetensors") || !strcmp(e->d_name, "empty.safetensors");
		for (i = 0; !known && i < sizeof(bad_files) / sizeof(bad_files[0]); i++)
			known = !strcmp(e->d_name, bad_files[i].file);
		CHECK_MSG(known, "%s/%s has no case in test_safetensors.c", data_dir, e->d_name);
	}
	if (dir)
		closedir(dir);
}

static void test_empty_file(void)
{
	char *path = data_path("empty.safetensors");
	hfgit_weights *w = NULL;

	CHECK(hfgit_weights__new(&w) == 0);
	CHECK_MSG(hfgit_safetensors__load(w, path) == 0, "%s", hfgit_error_last());
	CHECK(hfgit_weights__count(w) == 0);
	hfgit_weights__free(w);
	free(path);
}

static void test_unreadable(void)
{
	char *missing = data_path("no-such-file.safetensors");
	hfgit_weights *w = NULL;

	CHECK(hfgit_weights__new(&w) == 0);
	CHECK(hfgit_safetensors__load(w, missing) == HFGIT_EIO);
	CHECK_MSG(strstr(hfgit_error_last(), missing) != NULL, "%s", hfgit_error_last());
	CHECK(hfgit_safetensors__load(w, data_dir) == HFGIT_EINVALID);
	CHECK_MSG(strstr(hfgit_error_last(), "not a regular file") != NULL, "%s", hfgit_error_last());
	hfgit_weights__free(w);
	free(missing);
}

/* ---------------------------------------------------------------------------------------- */
/* Cases built in memory                                                                     */

#define F32_AT(begin, end) "{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[" #begin "," #end "]}"

/* Parses header + data_len zero bytes; returns the table (free it) or NULL on failure. */
static hfgit_weights *parse_raw(const char *header, size_t header_len, size_t data_len, int *rc,
                                const hfgit_safetensors_options *opts)
{
	unsigned char *zeros = calloc(1, data_len + 1), *buf;
	hfgit_weights *w = NULL;
	size_t len;

	if (!zeros)
		abort();
	buf = build(header, header_len, zeros, data_len, &len);
	CHECK(hfgit_weights__new(&w) == 0);
	*rc = hfgit_safetensors__parse_ext(w, buf, len, "mem", opts);
	free(buf);
	free(zeros);
	if (*rc < 0) {
		CHECK_MSG(hfgit_weights__count(w) == 0, "a failed parse left %zu tensors",
		          hfgit_weights__count(w));
		hfgit_weights__free(w);
		return NULL;
	}
	return w;
}

static void expect_ok_raw(const char *header, size_t header_len, size_t data_len, size_t count)
{
	int rc;
	hfgit_weights *w = parse_raw(header, header_len, data_len, &rc, NULL);

	CHECK_MSG(rc == 0, "header %s was rejected: %s", header, hfgit_error_last());
	if (w)
		CHECK_MSG(hfgit_weights__count(w) == count, "header %s gave %zu tensors", header,
		          hfgit_weights__count(w));
	hfgit_weights__free(w);
}

static void expect_ok(const char *header, size_t data_len, size_t count)
{
	expect_ok_raw(header, strlen(header), data_len, count);
}

static void expect_bad_raw(const char *header, size_t header_len, size_t data_len,
                           const char *says)
{
	int rc;
	hfgit_weights *w = parse_raw(header, header_len, data_len, &rc, NULL);
	const char *message = hfgit_error_last();

	CHECK_MSG(rc == HFGIT_EINVALID, "header %s gave %d, expected HFGIT_EINVALID", header, rc);
	CHECK_MSG(strncmp(message, "mem: ", 5) == 0, "message \"%s\" does not name the input",
	          message);
	CHECK_MSG(strstr(message, says) != NULL, "header %s: message \"%s\" does not say \"%s\"",
	          header, message, says);
	hfgit_weights__free(w);
}

static void expect_bad(const char *header, size_t data_len, const char *says)
{
	expect_bad_raw(header, strlen(header), data_len, says);
}

static void test_json_corners(void)
{
	expect_ok("{}", 0, 0);
	expect_ok("  {} \n\t\r ", 0, 0);
	expect_ok("{\"__metadata__\":null}", 0, 0);
	expect_ok("{\"__metadata__\":{}}", 0, 0);
	expect_ok("{\"\":" F32_AT(0, 4) "}", 4, 1);
	expect_ok("{\"a\\\"b\":" F32_AT(0, 4) ",\"a\\\\\":" F32_AT(4, 8) "}", 8, 2);

	expect_bad_raw("", 0, 0, "the header is not a JSON object");
	expect_bad("[]", 0, "the header is not a JSON object (it starts with '[]')");
	expect_bad("\xef\xbb\xbf{}", 0, "the header is not a JSON object");
	expect_bad("{\"a\":", 0, "ends before its object is complete");
	expect_bad("{\"a\" " F32_AT(0, 4) "}", 4, "not valid JSON");
	expect_bad("{'a':" F32_AT(0, 4) "}", 4, "not valid JSON: unexpected ''' (byte 1");
	expect_bad("{\"a\":" F32_AT(0, 4) ",'b\":':" F32_AT(4, 8) "}", 8, "not valid JSON");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[NaN],\"data_offsets\":[0,4]}}", 4,
	           "not valid JSON");
	expect_bad("{}}", 0, "the header has bytes after its JSON object (byte 2");
	expect_bad_raw("{} \0", 4, 0, "the header has bytes after its JSON object (byte 3");
	expect_bad("{\"a\":" F32_AT(0, 4) ",}", 4, "not valid JSON");
	expect_bad("{/* c */\"a\":" F32_AT(0, 4) "}", 4, "not valid JSON");
	expect_bad("{} {}", 0, "the header has bytes after its JSON object (byte 3");
	expect_bad_raw("{\0}", 3, 0, "control character 0x00");
	expect_bad("{\"\xff\":" F32_AT(0, 4) "}", 4, "not valid UTF-8 (byte 2");
	expect_bad("{\"\xc0\x80\":" F32_AT(0, 4) "}", 4, "not valid UTF-8");
	expect_bad("{\"\xed\xa0\x80\":" F32_AT(0, 4) "}", 4, "not valid UTF-8");
	expect_bad("{\"\xf4\x90\x80\x80\":" F32_AT(0, 4) "}", 4, "not valid UTF-8");
	expect_bad("{\"a\xe2\x9c\":" F32_AT(0, 4) "}", 4, "not valid UTF-8 (byte 3");
	expect_bad("{\"a\":" F32_AT(0, 4) "}\xe2\x9c\x93", 4, "bytes after its JSON object");
	expect_ok("{\"\xc3\xa4\xe2\x9c\x93\xf0\x9f\x98\x80\":" F32_AT(0, 4) "}", 4, 1);
	expect_bad("{\"a\\u0000b\":" F32_AT(0, 4) "}", 4, "escaped NUL");
	expect_bad("{\"a\x01\":" F32_AT(0, 4) "}", 4, "raw control character 0x01 inside a string");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]}}",
	           4, "the description of tensor 'a' has a key twice");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[{\"x\":1,\"x\":1}],\"data_offsets\":[0,4]}}",
	           4, "the description of tensor 'a' has a key twice");
	expect_bad("{\"a\":[{\"x\":1,\"x\":1}]}", 4, "the description of tensor 'a' has a key twice");
	/* Deeper than a valid header, but nothing repeated: the field itself is what is wrong. */
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[{\"x\":1}],\"data_offsets\":[0,4]}}",
	           4, "tensor 'a' has shape [{\"x\":1}], not an array");
	expect_bad("{\"__metadata__\":{\"k\":{\"x\":\"1\"}}}", 0,
	           "__metadata__ maps 'k' to {\"x\":\"1\"}, not to a string");
	expect_bad("{\"__metadata__\":{\"k\":\"1\",\"k\":\"2\"}}", 0, "__metadata__ lists a key twice");
	expect_bad("{\"__metadata__\":{},\"__metadata__\":{}}", 0, "lists '__metadata__' twice");
	expect_bad("{\"a\":" F32_AT(0, 4) ",\"\\u0061\":" F32_AT(4, 8) "}", 8, "lists 'a' twice");
	/* Colons and braces inside strings are not structure. */
	expect_ok("{\"__metadata__\":{\"k\":\"{:}[\\\":\"},\"a:{\":" F32_AT(0, 4) "}", 4, 1);
}

static void test_entry_rules(void)
{
	expect_bad("{\"a\":null}", 0, "tensor 'a' is described by null");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1]}}", 4, "tensor 'a' has no 'data_offsets'");
	expect_bad("{\"a\":{\"shape\":[1],\"data_offsets\":[0,4]}}", 4, "tensor 'a' has no 'dtype'");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4],\"x\":1}}", 4,
	           "tensor 'a' has an unexpected field 'x'");
	expect_bad("{\"a\":{\"dtype\":null,\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	           "tensor 'a' has dtype null, not a string");
	expect_bad("{\"a\":{\"dtype\":\"f32\",\"shape\":[1],\"data_offsets\":[0,4]}}", 4,
	           "dtype 'f32', which hfgit does not read (it reads BOOL, U8,");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":3,\"data_offsets\":[0,4]}}", 4,
	           "tensor 'a' has shape 3, not an array");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1.0],\"data_offsets\":[0,4]}}", 4,
	           "not an array of non-negative integers");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[true],\"data_offsets\":[0,4]}}", 4,
	           "not an array of non-negative integers");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[9223372036854775808],\"data_offsets\":[0,4]}}",
	           4, "not an array of non-negative integers");
	expect_bad("{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,1,1],\"data_offsets\":[0,1]}}", 1,
	           "tensor 'a' has 9 dimensions; hfgit supports at most 8");
	expect_ok("{\"a\":{\"dtype\":\"U8\",\"shape\":[1,1,1,1,1,1,1,2],\"data_offsets\":[0,2]}}", 2, 1);
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4.0]}}", 4,
	           "tensor 'a' has data_offsets [0,4.0], not [begin, end]");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4,8]}}", 8,
	           "not [begin, end]");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[-4,0]}}", 8,
	           "not [begin, end]");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],"
	           "\"data_offsets\":[18446744073709551615,18446744073709551615]}}", 0,
	           "not [begin, end]");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,0]}}", 4,
	           "end before they begin");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[0],"
	           "\"data_offsets\":[4611686018427387904,4611686018427387904]}}", 0,
	           "past the end of the 0-byte data buffer");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4294967296,4294967296,4294967296],"
	           "\"data_offsets\":[0,4]}}", 4, "too many elements");
	expect_bad("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904],\"data_offsets\":[0,4]}}",
	           4, "too many elements");
	expect_bad("{\"__metadata__\":[]}", 0, "__metadata__ is [], not an object of strings");
	expect_bad("{\"__metadata__\":{\"k\":null}}", 0, "__metadata__ maps 'k' to null");
	expect_bad("{}", 4, "4 bytes follow the header, which lists no tensors");
	/* Names from the file are shown without control characters. */
	expect_bad("{\"a\\u001b[31m\":null}", 0, "tensor 'a?[31m' is described by null");
}

static void test_tiling(void)
{
	int rc;
	hfgit_weights *w;
	const hfgit_tensor *t;

	/* Zero-size tensors may sit anywhere a tensor boundary is, also at the very end. */
	w = parse_raw("{\"z\":{\"dtype\":\"I64\",\"shape\":[2,0],\"data_offsets\":[4,4]},"
	              "\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
	              "\"y\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}",
	              strlen("{\"z\":{\"dtype\":\"I64\",\"shape\":[2,0],\"data_offsets\":[4,4]},"
	                     "\"a\":{\"dtype\":\"U8\",\"shape\":[4],\"data_offsets\":[0,4]},"
	                     "\"y\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[0,0]}}"),
	              4, &rc, NULL);
	CHECK_MSG(rc == 0, "%s", hfgit_error_last());
	if (w) {
		CHECK(hfgit_weights__count(w) == 3);
		CHECK_STR(hfgit_weights__at(w, 0)->name, "y");
		CHECK_STR(hfgit_weights__at(w, 1)->name, "a");
		CHECK_STR(hfgit_weights__at(w, 2)->name, "z");
		t = hfgit_weights__find(w, "z");
		CHECK(t && t->data == NULL && t->nbytes == 0 && t->ndim == 2);
		t = hfgit_weights__find(w, "a");
		CHECK(t && t->data != NULL && t->nbytes == 4);
	}
	hfgit_weights__free(w);

	expect_bad("{\"a\":" F32_AT(4, 8) "}", 8, "bytes 0 to 4 of the data buffer belong to no tensor");
	expect_bad("{\"a\":" F32_AT(0, 4) ",\"b\":" F32_AT(0, 4) "}", 4, "overlap");
	expect_bad("{\"a\":" F32_AT(0, 4) ",\"e\":{\"dtype\":\"F32\",\"shape\":[0],"
	           "\"data_offsets\":[2,2]}}", 4, "overlap");
	expect_bad("{\"a\":" F32_AT(0, 4) "}", 3, "past the end of the 3-byte data buffer");
}

static void test_every_dtype(void)
{
	char header[256];
	size_t size;
	int i, rc;
	hfgit_weights *w;

	for (i = 0; i < HFGIT_DTYPE_COUNT_; i++) {
		size = hfgit_dtype__size((hfgit_dtype)i);
		snprintf(header, sizeof(header),
		         "{\"t\":{\"dtype\":\"%s\",\"shape\":[3],\"data_offsets\":[0,%zu]}}",
		         hfgit_dtype__name((hfgit_dtype)i), 3 * size);
		w = parse_raw(header, strlen(header), 3 * size, &rc, NULL);
		CHECK_MSG(rc == 0, "%s: %s", hfgit_dtype__name((hfgit_dtype)i), hfgit_error_last());
		if (w) {
			CHECK(hfgit_weights__at(w, 0)->dtype == (hfgit_dtype)i);
			CHECK(hfgit_weights__at(w, 0)->nbytes == 3 * size);
		}
		hfgit_weights__free(w);
	}
}

static int cancel_at_second(const char *key, const char *value, void *payload)
{
	int *calls = payload;

	(void)key;
	(void)value;
	return ++*calls == 2;
}

static void test_options(void)
{
	const char *header = "{\"__metadata__\":{\"a\":\"1\",\"b\":\"2\",\"c\":\"3\"},\"t\":" F32_AT(0, 4) "}";
	hfgit_safetensors_options opts = HFGIT_SAFETENSORS_OPTIONS_INIT;
	int calls = 0, rc;
	hfgit_weights *w;

	opts.metadata = cancel_at_second;
	opts.payload = &calls;
	w = parse_raw(header, strlen(header), 4, &rc, &opts);
	CHECK(rc == HFGIT_EINTERRUPTED && w == NULL && calls == 2);
	CHECK_MSG(strstr(hfgit_error_last(), "cancelled") != NULL, "%s", hfgit_error_last());

	opts.version = 99;
	w = parse_raw(header, strlen(header), 4, &rc, &opts);
	CHECK(rc == HFGIT_EINVALID && w == NULL);
	CHECK_MSG(strstr(hfgit_error_last(), "version 99") != NULL, "%s", hfgit_error_last());
}

/* Shards fill one table: a name that two files both have is an error, not a silent override. */
static void test_two_files_one_table(void)
{
	const char *header = "{\"a\":" F32_AT(0, 4) "}";
	unsigned char zeros[4] = { 0 }, *buf;
	hfgit_weights *w = NULL;
	size_t len;

	buf = build(header, strlen(header), zeros, sizeof(zeros), &len);
	CHECK(hfgit_weights__new(&w) == 0);
	CHECK(hfgit_safetensors__parse(w, buf, len, "shard-1") == 0);
	CHECK(hfgit_safetensors__parse(w, buf, len, "shard-2") == HFGIT_EINVALID);
	CHECK_MSG(strncmp(hfgit_error_last(), "shard-2: ", 9) == 0 &&
	          strstr(hfgit_error_last(), "'a' appears twice") != NULL, "%s", hfgit_error_last());
	CHECK(hfgit_safetensors__parse(w, buf, 5, NULL) == HFGIT_EINVALID);
	CHECK_MSG(strncmp(hfgit_error_last(), "<memory>: ", 10) == 0, "%s", hfgit_error_last());
	hfgit_weights__free(w);
	free(buf);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s <dir with the files of tests/data/safetensors/make.py>\n",
		        argv[0]);
		return 2;
	}
	data_dir = argv[1];
	test_valid_file();
	test_damaged_copies();
	test_bad_files();
	test_every_file_has_a_case();
	test_empty_file();
	test_unreadable();
	test_json_corners();
	test_entry_rules();
	test_tiling();
	test_every_dtype();
	test_options();
	test_two_files_one_table();
	return check_finish();
}
