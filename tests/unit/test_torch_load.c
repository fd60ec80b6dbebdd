/*
 * Unit tests for PyTorch checkpoints: lib/model/torch_load.c, unpickle.c and zip.c.
 *
 * argv[1] is tests/data/torch: the files there were written by torch.save (and by hand where
 * torch 1.13 cannot), and expected.json says what each holds, value by value, or which words
 * the error of a refused file must contain. Pickles that only matter as attacks on the
 * unpickler are written here, opcode by opcode.
 */
#include "hfgit.h"
#include "check.h"

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "model/weights/torch_load.h"
#include "model/weights/weights.h"

static const char *data_dir;

/* Reports which file a failed check was about; the checks themselves name only the field. */
static void note_on_failure(int failures_before, const char *what)
{
	if (check_failures > failures_before)
		fprintf(stderr, "  (while checking %s)\n", what);
}

static char *data_path(const char *name)
{
	size_t n = strlen(data_dir) + strlen(name) + 2;
	char *p = malloc(n);

	if (!p) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	snprintf(p, n, "%s/%s", data_dir, name);
	return p;
}

static unsigned char *read_whole(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	unsigned char *buf = NULL;
	long size;

	if (!f || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) ||
	    !(buf = malloc((size_t)size + 1)) || fread(buf, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "cannot read %s\n", path);
		exit(2);
	}
	fclose(f);
	*len = (size_t)size;
	return buf;
}

/* ---------------------------------------------------------------------------------------- */
/* Elements                                                                                  */

static float float_of_bits(uint32_t bits)
{
	float f;

	memcpy(&f, &bits, sizeof(f));
	return f;
}

/* Exact: every half is a float. */
static double half_to_double(uint16_t h)
{
	uint32_t sign = (uint32_t)(h & 0x8000) << 16, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
	int e = 127 - 15 + 1;

	if (exp == 31)
		return float_of_bits(sign | 0x7f800000u | mant << 13);
	if (exp)
		return float_of_bits(sign | (exp + 112) << 23 | mant << 13);
	if (!mant)
		return float_of_bits(sign);
	while (!(mant & 0x400)) {
		mant <<= 1;
		e--;
	}
	return float_of_bits(sign | (uint32_t)e << 23 | (mant & 0x3ff) << 13);
}

static bool is_float_dtype(hfgit_dtype d)
{
	return d == HFGIT_DTYPE_F32 || d == HFGIT_DTYPE_F16 || d == HFGIT_DTYPE_BF16 ||
	       d == HFGIT_DTYPE_F64;
}

static double element_as_double(hfgit_dtype d, const unsigned char *p)
{
	uint16_t h;
	uint32_t u;
	float f;
	double x;

	switch (d) {
	case HFGIT_DTYPE_F32: memcpy(&f, p, 4); return f;
	case HFGIT_DTYPE_F64: memcpy(&x, p, 8); return x;
	case HFGIT_DTYPE_F16: memcpy(&h, p, 2); return half_to_double(h);
	case HFGIT_DTYPE_BF16:
		memcpy(&h, p, 2);
		u = (uint32_t)h << 16;
		return float_of_bits(u);
	default: return 0;
	}
}

static int64_t element_as_int(hfgit_dtype d, const unsigned char *p)
{
	int64_t i64;
	int32_t i32;
	int16_t i16;

	switch (d) {
	case HFGIT_DTYPE_I64: memcpy(&i64, p, 8); return i64;
	case HFGIT_DTYPE_I32: memcpy(&i32, p, 4); return i32;
	case HFGIT_DTYPE_I16: memcpy(&i16, p, 2); return i16;
	case HFGIT_DTYPE_I8: return (int8_t)p[0];
	case HFGIT_DTYPE_U8:
	case HFGIT_DTYPE_BOOL: return p[0];
	default: return INT64_MIN;
	}
}

/* -0.0 and 0.0 are different values of a checkpoint. */
static bool same_double(double a, double b)
{
	return a == b && (a < 0 || (a == 0 && 1 / a < 0)) == (b < 0 || (b == 0 && 1 / b < 0));
}

/* Offset in elements of the i-th element in row-major order, through the strides. */
static int64_t strided_offset(const hfgit_tensor *t, size_t i)
{
	int64_t off = 0;
	size_t d;

	for (d = t->ndim; d-- > 0;) {
		off += (int64_t)(i % (size_t)t->shape[d]) * t->strides[d];
		i /= (size_t)t->shape[d];
	}
	return off;
}

static size_t element_count(const hfgit_tensor *t)
{
	size_t n = 1, d;

	for (d = 0; d < t->ndim; d++)
		n *= (size_t)t->shape[d];
	return n;
}

static void check_element(const hfgit_tensor *t, const unsigned char *p, json_object *want,
                          size_t i)
{
	if (is_float_dtype(t->dtype)) {
		double got = element_as_double(t->dtype, p), expected = json_object_get_double(want);
		CHECK_MSG(same_double(got, expected), "%s[%zu] is %.17g, expected %.17g", t->name, i,
		          got, expected);
	} else if (t->dtype == HFGIT_DTYPE_BOOL) {
		CHECK_MSG(p[0] == (json_object_get_boolean(want) ? 1 : 0), "%s[%zu] is %u", t->name, i,
		          p[0]);
	} else {
		int64_t got = element_as_int(t->dtype, p), expected = json_object_get_int64(want);
		CHECK_MSG(got == expected, "%s[%zu] is %lld, expected %lld", t->name, i, (long long)got,
		          (long long)expected);
	}
}

/* Every element, read through the strides, inside the tensor's nbytes. */
static void check_values(const hfgit_tensor *t, json_object *values, const char *hex)
{
	size_t n = element_count(t), esize = hfgit_dtype__size(t->dtype), i;
	char *got_hex = calloc(n * esize * 2 + 1, 1);

	if (values)
		CHECK_MSG(json_object_array_length(values) == n, "%s has %zu elements, expected %zu",
		          t->name, n, json_object_array_length(values));
	CHECK_MSG((n == 0) == (t->data == NULL), "%s: data is %p for %zu elements", t->name, t->data, n);
	for (i = 0; i < n && got_hex && t->data; i++) {
		int64_t off = strided_offset(t, i);
		const unsigned char *p = (const unsigned char *)t->data + off * (int64_t)esize;
		size_t b;
		CHECK_MSG(off >= 0 && (size_t)(off + 1) * esize <= t->nbytes,
		          "%s[%zu] lies outside its %zu bytes", t->name, i, t->nbytes);
		if (values && i < json_object_array_length(values))
			check_element(t, p, json_object_array_get_idx(values, i), i);
		for (b = 0; b < esize; b++)
			sprintf(got_hex + (i * esize + b) * 2, "%02x", p[b]);
	}
	if (hex && got_hex)
		CHECK_MSG(!strcmp(got_hex, hex), "%s holds %s, expected %s", t->name, got_hex, hex);
	free(got_hex);
}

static int64_t json_int_at(json_object *array, size_t i)
{
	return json_object_get_int64(json_object_array_get_idx(array, i));
}

static void check_layout(const hfgit_tensor *t, json_object *want)
{
	json_object *shape = json_object_object_get(want, "shape");
	json_object *strides = json_object_object_get(want, "strides");
	bool contiguous = json_object_get_boolean(json_object_object_get(want, "contiguous"));
	int64_t row_major[HFGIT_MAX_DIMS];
	size_t d, elements;

	CHECK_STR(hfgit_dtype__name(t->dtype),
	          json_object_get_string(json_object_object_get(want, "dtype")));
	CHECK_MSG(t->ndim == json_object_array_length(shape), "%s has %zu dims", t->name, t->ndim);
	if (t->ndim != json_object_array_length(shape))
		return;
	for (d = 0; d < t->ndim; d++)
		CHECK_MSG(t->shape[d] == json_int_at(shape, d), "%s: shape[%zu] is %lld", t->name, d,
		          (long long)t->shape[d]);
	CHECK_MSG(t->contiguous == contiguous, "%s: contiguous is %d", t->name, t->contiguous);
	/* Contiguous tensors get row-major strides; torch may report others for dims of size 1. */
	CHECK(hfgit_tensor__contiguous_strides(row_major, t->shape, t->ndim, &elements));
	for (d = 0; d < t->ndim; d++) {
		int64_t expected = contiguous ? row_major[d] : json_int_at(strides, d);
		CHECK_MSG(t->strides[d] == expected, "%s: strides[%zu] is %lld, expected %lld", t->name,
		          d, (long long)t->strides[d], (long long)expected);
	}
}

/* Where the storage of t starts, by the storage offset torch reported. */
static const char *storage_start(const hfgit_tensor *t, json_object *want)
{
	int64_t offset = json_object_get_int64(json_object_object_get(want, "storage_offset"));

	return (const char *)t->data - offset * (int64_t)hfgit_dtype__size(t->dtype);
}

/* Tensors torch saved from one storage must share memory here too. */
static void check_storage_sharing(const hfgit_weights *w, json_object *tensors,
                                  const hfgit_tensor *t, json_object *want)
{
	const char *group = json_object_get_string(json_object_object_get(want, "storage"));
	const hfgit_tensor *first = hfgit_weights__find(w, group);

	if (!t->data || !first || !first->data || first == t)
		return;
	CHECK_MSG(storage_start(t, want) ==
	              storage_start(first, json_object_object_get(tensors, group)),
	          "%s does not share the storage of %s", t->name, group);
}

static void check_loaded(const hfgit_weights *w, json_object *tensors, const char *file)
{
	CHECK_MSG(hfgit_weights__count(w) == (size_t)json_object_object_length(tensors),
	          "%s: %zu tensors, expected %d", file, hfgit_weights__count(w),
	          json_object_object_length(tensors));
	json_object_object_foreach(tensors, name, want)
	{
		const hfgit_tensor *t = hfgit_weights__find(w, name);
		json_object *hex = json_object_object_get(want, "hex");
		CHECK_MSG(t != NULL, "%s: tensor %s is missing", file, name);
		if (!t)
			continue;
		check_layout(t, want);
		check_values(t, json_object_object_get(want, "values"),
		             hex ? json_object_get_string(hex) : NULL);
	}
	json_object_object_foreach(tensors, name2, want2)
	{
		const hfgit_tensor *t = hfgit_weights__find(w, name2);
		if (t)
			check_storage_sharing(w, tensors, t, want2);
	}
}

/* The zip format is zero-copy: every tensor points into the caller's buffer. */
static void check_points_into(const hfgit_weights *w, const unsigned char *buf, size_t len,
                              bool inside)
{
	size_t i;

	for (i = 0; i < hfgit_weights__count(w); i++) {
		const hfgit_tensor *t = hfgit_weights__at(w, i);
		const unsigned char *p = t->data;
		bool in = p && p >= buf && p + t->nbytes <= buf + len;
		if (p)
			CHECK_MSG(in == inside, "%s %s the file's bytes", t->name,
			          inside ? "does not point into" : "points into");
	}
}

static void test_loadable_file(const char *file, json_object *tensors)
{
	int failures_before = check_failures;
	char *path = data_path(file);
	hfgit_weights *w = NULL;
	unsigned char *buf;
	size_t len;
	int rc;

	CHECK(hfgit_weights__new(&w) == 0);
	rc = hfgit_torch__load(w, path);
	CHECK_MSG(rc == 0, "%s: %s", file, hfgit_error_last());
	if (rc == 0)
		check_loaded(w, tensors, file);

	/* Loading it again into the same table must fail and leave the table as it was. */
	rc = hfgit_torch__load(w, path);
	CHECK_MSG(rc == HFGIT_EINVALID && strstr(hfgit_error_last(), "already loaded"),
	          "%s loaded twice: %d %s", file, rc, hfgit_error_last());
	CHECK(hfgit_weights__count(w) == (size_t)json_object_object_length(tensors));
	hfgit_weights__free(w);

	buf = read_whole(path, &len);
	CHECK(hfgit_weights__new(&w) == 0);
	rc = hfgit_torch__load_buffer(w, buf, len, file);
	CHECK_MSG(rc == 0, "%s from memory: %s", file, hfgit_error_last());
	if (rc == 0) {
		check_loaded(w, tensors, file);
		check_points_into(w, buf, len, buf[0] == 'P');
	}
	hfgit_weights__free(w);
	free(buf);
	free(path);
	note_on_failure(failures_before, file);
}

static void test_refused_file(const char *file, json_object *words)
{
	int failures_before = check_failures;
	char *path = data_path(file);
	hfgit_weights *w = NULL;
	const char *message;
	size_t i;
	int rc;

	CHECK(hfgit_weights__new(&w) == 0);
	rc = hfgit_torch__load(w, path);
	message = hfgit_error_last();
	CHECK_MSG(rc == HFGIT_EINVALID, "%s gave %d (%s), expected HFGIT_EINVALID", file, rc, message);
	CHECK_MSG(strstr(message, path) != NULL, "message \"%s\" does not name the file", message);
	for (i = 0; i < json_object_array_length(words); i++) {
		const char *word = json_object_get_string(json_object_array_get_idx(words, i));
		CHECK_MSG(strstr(message, word) != NULL, "message \"%s\" does not say \"%s\"", message,
		          word);
	}
	CHECK_MSG(hfgit_weights__count(w) == 0, "%s: a refused file added %zu tensors", file,
	          hfgit_weights__count(w));
	hfgit_weights__free(w);
	free(path);
	note_on_failure(failures_before, file);
}

static void test_data_files(void)
{
	char *path = data_path("expected.json");
	json_object *expected = json_object_from_file(path), *files, *refused;

	CHECK_MSG(expected != NULL, "cannot read %s", path);
	free(path);
	if (!expected)
		return;
	files = json_object_object_get(expected, "files");
	refused = json_object_object_get(expected, "refused");
	CHECK(json_object_object_length(files) >= 7);
	CHECK(json_object_object_length(refused) >= 10);
	json_object_object_foreach(files, file, tensors)
		test_loadable_file(file, tensors);
	json_object_object_foreach(refused, bad_file, words)
		test_refused_file(bad_file, words);
	json_object_put(expected);
}

/* ---------------------------------------------------------------------------------------- */
/* Pickles written here                                                                      */

struct pickle {
	unsigned char *b;
	size_t n, cap;
};

static void put(struct pickle *p, const void *bytes, size_t n)
{
	if (p->n + n > p->cap) {
		p->cap = (p->n + n) * 2 + 64;
		if (!(p->b = realloc(p->b, p->cap))) {
			fprintf(stderr, "out of memory\n");
			exit(2);
		}
	}
	memcpy(p->b + p->n, bytes, n);
	p->n += n;
}

/* Opcodes as a string literal: OP(p, "}(") */
#define OP(p, s) put(p, s, sizeof(s) - 1)

static void op_byte(struct pickle *p, unsigned char c)
{
	put(p, &c, 1);
}

static void str(struct pickle *p, const char *s)
{
	op_byte(p, 0x8c);
	op_byte(p, (unsigned char)strlen(s));
	put(p, s, strlen(s));
}

static void int1(struct pickle *p, unsigned v)
{
	op_byte(p, 'K');
	op_byte(p, (unsigned char)v);
}

/* BININT: signed 32-bit. */
static void int4(struct pickle *p, int32_t v)
{
	unsigned char b[5] = { 'J', (unsigned char)v, (unsigned char)(v >> 8),
		                   (unsigned char)(v >> 16), (unsigned char)((uint32_t)v >> 24) };
	put(p, b, 5);
}

/* LONG1 of an int64, to write sizes beyond BININT. */
static void long8(struct pickle *p, int64_t v)
{
	unsigned char b[10] = { 0x8a, 8 };
	int i;

	for (i = 0; i < 8; i++)
		b[2 + i] = (unsigned char)((uint64_t)v >> (8 * i));
	put(p, b, 10);
}

static void ints(struct pickle *p, const int64_t *v, size_t n)
{
	size_t i;

	OP(p, "(");
	for (i = 0; i < n; i++)
		long8(p, v[i]);
	OP(p, "t");
}

static void start(struct pickle *p)
{
	p->n = 0;
	OP(p, "\x80\x02");
}

static void storage_pid(struct pickle *p, const char *cls, const char *key, int64_t numel)
{
	OP(p, "(");
	str(p, "storage");
	OP(p, "ctorch\n");
	put(p, cls, strlen(cls));
	OP(p, "\n");
	str(p, key);
	str(p, "cpu");
	long8(p, numel);
	OP(p, "tQ");
}

static void tensor_v2(struct pickle *p, const char *cls, const char *key, int64_t numel,
                      int64_t offset, const int64_t *shape, const int64_t *strides, size_t ndim)
{
	OP(p, "ctorch._utils\n_rebuild_tensor_v2\n(");
	storage_pid(p, cls, key, numel);
	long8(p, offset);
	ints(p, shape, ndim);
	ints(p, strides, ndim);
	OP(p, "\x89" "ccollections\nOrderedDict\n)Rt" "R");
}

static const float storage_floats[8] = { 1, 2, 3, 4, 5, 6, 7, 8 };

/* Runs p as a state dict over storage_floats; returns the code, *w holds the result. */
static int run_pickle(hfgit_weights **w, struct pickle *p)
{
	OP(p, ".");
	if (hfgit_weights__new(w) < 0)
		return HFGIT_ERROR;
	return hfgit_unpickle__state_dict_buffer(*w, p->b, p->n, storage_floats, sizeof(storage_floats),
	                                         "test.pkl");
}

static void expect_refused(struct pickle *p, const char *what, const char *word1, const char *word2)
{
	hfgit_weights *w = NULL;
	int rc = run_pickle(&w, p);
	const char *message = hfgit_error_last();

	CHECK_MSG(rc == HFGIT_EINVALID, "%s: gave %d (%s), expected HFGIT_EINVALID", what, rc, message);
	CHECK_MSG(strstr(message, "test.pkl") != NULL, "%s: message \"%s\" does not name the file",
	          what, message);
	CHECK_MSG(strstr(message, word1) != NULL, "%s: message \"%s\" does not say \"%s\"", what,
	          message, word1);
	if (word2)
		CHECK_MSG(strstr(message, word2) != NULL, "%s: message \"%s\" does not say \"%s\"", what,
		          message, word2);
	CHECK_MSG(w && hfgit_weights__count(w) == 0, "%s: tensors were added", what);
	hfgit_weights__free(w);
}

static void test_refused_globals(void)
{
	struct pickle p = { 0 };

	start(&p);
	OP(&p, "cos\nsystem\n");
	str(&p, "echo pwned");
	OP(&p, "\x85R");
	expect_refused(&p, "GLOBAL os.system", "pickle asks for os.system",
	               "which a state dict never needs: refusing to load");

	start(&p);
	OP(&p, "\x80\x04");
	str(&p, "builtins");
	str(&p, "exec");
	op_byte(&p, 0x93);
	expect_refused(&p, "STACK_GLOBAL builtins.exec", "builtins.exec", "refusing to load");

	start(&p);
	OP(&p, "c__builtin__\ngetattr\n");
	expect_refused(&p, "__builtin__.getattr", "__builtin__.getattr", NULL);

	/* A torch name outside the list is refused too, with a message that says why. */
	start(&p);
	OP(&p, "ctorch._utils\n_rebuild_sparse_tensor\n");
	expect_refused(&p, "sparse", "torch._utils._rebuild_sparse_tensor", "does not load");

	/* Control bytes in a name do not reach the message as they are. */
	start(&p);
	OP(&p, "cos\x1b[2J\nsystem\n");
	expect_refused(&p, "escaped name", "os\\x1b[2J.system", NULL);

	/* Calling an allowed class that is not a function. */
	start(&p);
	OP(&p, "ctorch\nFloatStorage\n");
	int1(&p, 10);
	OP(&p, "\x85R");
	expect_refused(&p, "REDUCE on a storage class", "storage class", "refusing to load");

	start(&p);
	OP(&p, "})R");
	expect_refused(&p, "REDUCE on a dict", "REDUCE calls a dict", NULL);
	free(p.b);
}

static void test_refused_operations(void)
{
	struct pickle p = { 0 };
	int64_t four[1] = { 4 }, one[1] = { 1 };

	/* CVE-2026-24747: SETITEM reaching into something that is not a dict. */
	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	OP(&p, ")");
	str(&p, "k");
	str(&p, "v");
	OP(&p, "su");
	expect_refused(&p, "SETITEM on a tuple", "SETITEM on a tuple", NULL);

	start(&p);
	OP(&p, "}N");
	OP(&p, "a");
	expect_refused(&p, "APPEND on a dict", "APPEND on a dict", NULL);

	start(&p);
	OP(&p, "}}b");
	expect_refused(&p, "BUILD on a plain dict", "BUILD", "refusing to load");

	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	tensor_v2(&p, "FloatStorage", "0", 8, 0, four, one, 1);
	OP(&p, "u");
	OP(&p, "h\x00");
	expect_refused(&p, "memo used before it is set", "memo entry 0", NULL);

	start(&p);
	OP(&p, "(");
	str(&p, "module");
	OP(&p, "tQ");
	expect_refused(&p, "persistent id of another kind", "persistent id", "refusing to load");

	start(&p);
	OP(&p, "t");
	expect_refused(&p, "TUPLE without MARK", "no MARK", NULL);

	start(&p);
	OP(&p, "(s");
	expect_refused(&p, "stack underflow", "more items than the stack holds", NULL);

	start(&p);
	OP(&p, "i__main__\nEvil\n");
	expect_refused(&p, "INST", "opcode 'i'", "refusing to load");

	start(&p);
	OP(&p, "\x80\x06");
	expect_refused(&p, "protocol 6", "protocol 6", NULL);

	start(&p);
	OP(&p, "X\xff\xff\xff\x7f" "abc");
	expect_refused(&p, "string longer than the pickle", "truncated", NULL);

	start(&p);
	OP(&p, "Nr\xff\xff\xff\xff");
	expect_refused(&p, "memo index beyond the pickle", "memo index", NULL);

	/* The pickle never stops: run_pickle appends STOP, so write one that is cut instead. */
	{
		hfgit_weights *w = NULL;
		static const unsigned char cut[] = { 0x80, 0x02, '}', '(' };
		CHECK(hfgit_weights__new(&w) == 0);
		CHECK(hfgit_unpickle__state_dict_buffer(w, cut, sizeof(cut), NULL, 0, "test.pkl") ==
		      HFGIT_EINVALID);
		CHECK(strstr(hfgit_error_last(), "without STOP") != NULL);
		hfgit_weights__free(w);
	}
	free(p.b);
}

static void test_limits(void)
{
	struct pickle p = { 0 };
	int64_t shape[2], strides[2];
	size_t i;

	/* MARKs beyond the limit. */
	start(&p);
	for (i = 0; i < 70000; i++)
		OP(&p, "(");
	expect_refused(&p, "deep MARKs", "MARKs", NULL);

	/* A stack beyond the limit. */
	start(&p);
	for (i = 0; i < (1u << 20) + 1; i++)
		OP(&p, "N");
	expect_refused(&p, "deep stack", "stack grows beyond", NULL);

	/* A dict that holds itself would never end a walk. */
	start(&p);
	OP(&p, "}q\x00");
	str(&p, "self");
	OP(&p, "h\x00s");
	expect_refused(&p, "dict inside itself", "appears more than once", NULL);

	/* Each level holds the one below twice: 2^12 paths for a naive walk (2^N for N levels,
	 * were it not for the nesting limit). */
	start(&p);
	OP(&p, "}q\x00");
	for (i = 1; i <= 12; i++) {
		OP(&p, "}(");
		str(&p, "a");
		op_byte(&p, 'h');
		op_byte(&p, (unsigned char)(i - 1));
		str(&p, "b");
		op_byte(&p, 'h');
		op_byte(&p, (unsigned char)(i - 1));
		OP(&p, "uq");
		op_byte(&p, (unsigned char)i);
	}
	expect_refused(&p, "shared dicts", "appears more than once", NULL);

	/* Dicts nested past the limit. */
	start(&p);
	for (i = 0; i < 20; i++) {
		OP(&p, "}");
		str(&p, "d");
	}
	OP(&p, "}");
	for (i = 0; i < 20; i++)
		OP(&p, "s");
	expect_refused(&p, "nesting", "nest more than", NULL);

	/* Views whose arithmetic overflows. */
	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	shape[0] = INT64_C(1) << 62;
	shape[1] = 4;
	strides[0] = 4;
	strides[1] = 1;
	tensor_v2(&p, "FloatStorage", "0", 8, 0, shape, strides, 2);
	OP(&p, "u");
	expect_refused(&p, "element count overflow", "more elements than memory", NULL);

	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	shape[0] = 2;
	shape[1] = 2;
	strides[0] = INT64_MAX;
	strides[1] = 1;
	tensor_v2(&p, "FloatStorage", "0", 8, 0, shape, strides, 2);
	OP(&p, "u");
	expect_refused(&p, "stride overflow", "reaches past", NULL);

	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	shape[0] = 1;
	strides[0] = 1;
	tensor_v2(&p, "FloatStorage", "0", 8, INT64_MAX, shape, strides, 1);
	OP(&p, "u");
	expect_refused(&p, "offset overflow", "reaches past", NULL);

	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	shape[0] = 1;
	strides[0] = 1;
	tensor_v2(&p, "FloatStorage", "0", INT64_C(1) << 62, 0, shape, strides, 1);
	OP(&p, "u");
	expect_refused(&p, "numel overflow", "more than memory can hold", NULL);

	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	shape[0] = 3;
	strides[0] = 1;
	tensor_v2(&p, "FloatStorage", "0", 9, 0, shape, strides, 1);
	OP(&p, "u");
	expect_refused(&p, "storage larger than its record", "only 32 bytes", NULL);

	/* One key, two meanings. */
	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	tensor_v2(&p, "FloatStorage", "0", 8, 0, shape, strides, 1);
	str(&p, "y");
	tensor_v2(&p, "HalfStorage", "0", 8, 0, shape, strides, 1);
	OP(&p, "u");
	expect_refused(&p, "key with two dtypes", "referenced as F32", NULL);

	start(&p);
	OP(&p, "}(");
	str(&p, "x");
	tensor_v2(&p, "FloatStorage", "0", 8, 0, shape, strides, 1);
	str(&p, "x");
	tensor_v2(&p, "FloatStorage", "0", 8, 1, shape, strides, 1);
	OP(&p, "u");
	expect_refused(&p, "duplicate name", "tensor 'x' appears twice", NULL);

	start(&p);
	OP(&p, "]");
	expect_refused(&p, "not a dict", "not a dict", NULL);
	free(p.b);
}

static void test_accepted_pickles(void)
{
	struct pickle p = { 0 };
	hfgit_weights *w = NULL;
	const hfgit_tensor *t;
	int64_t shape[3] = { 3, 1, 2 }, strides[3] = { 1, 99, 3 };
	int rc;

	/* Dims of size 1 may have any stride in torch; the table says row-major then. */
	start(&p);
	OP(&p, "}(");
	str(&p, "col");
	tensor_v2(&p, "FloatStorage", "0", 8, 1, shape, strides, 3);
	str(&p, "row");
	strides[0] = 2;
	strides[1] = 7;
	strides[2] = 1;
	tensor_v2(&p, "FloatStorage", "0", 8, 2, shape, strides, 3);
	/* Values that are not tensors are skipped, whatever they are. */
	str(&p, "step");
	int4(&p, -5);
	str(&p, "big");
	OP(&p, "\x8a\x0a\x6c\xfc\x9c\x46\xf9\x20\x6a\xa8\x50\x19");
	str(&p, "lr");
	OP(&p, "G\x3f\xe0\x00\x00\x00\x00\x00\x00");
	str(&p, "tags");
	OP(&p, "](");
	str(&p, "a");
	OP(&p, "N\x88\x89" "e");
	OP(&p, "u");
	rc = run_pickle(&w, &p);
	CHECK_MSG(rc == 0, "hand-written state dict: %s", hfgit_error_last());
	CHECK(hfgit_weights__count(w) == 2);
	t = hfgit_weights__find(w, "col");
	CHECK(t && !t->contiguous && t->strides[0] == 1 && t->strides[2] == 3);
	CHECK(t && t->data == (const void *)&storage_floats[1] && t->nbytes == 6 * 4);
	t = hfgit_weights__find(w, "row");
	CHECK(t && t->contiguous && t->strides[0] == 2 && t->strides[1] == 2 && t->strides[2] == 1);
	CHECK(t && t->data == (const void *)&storage_floats[2] && t->nbytes == 6 * 4);
	hfgit_weights__free(w);

	/* An empty state dict is a state dict. */
	start(&p);
	OP(&p, "}");
	rc = run_pickle(&w, &p);
	CHECK_MSG(rc == 0, "empty state dict: %s", hfgit_error_last());
	CHECK(hfgit_weights__count(w) == 0);
	hfgit_weights__free(w);
	free(p.b);
}

static void test_not_checkpoints(void)
{
	hfgit_weights *w = NULL;
	char *path = data_path("no-such-file.pt");
	static const unsigned char text[] = "hello";

	CHECK(hfgit_weights__new(&w) == 0);
	CHECK(hfgit_torch__load(w, path) == HFGIT_ENOTFOUND);
	CHECK(hfgit_torch__load(w, data_dir) == HFGIT_EINVALID); /* a directory */
	CHECK(hfgit_torch__load_buffer(w, text, sizeof(text), "x") == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "not a PyTorch checkpoint") != NULL);
	CHECK(hfgit_torch__load_buffer(w, text, 0, "x") == HFGIT_EINVALID);
	CHECK(hfgit_torch__load_zip_buffer(w, text, sizeof(text), "x") == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "end of central directory") != NULL);
	CHECK(hfgit_weights__count(w) == 0);
	hfgit_weights__free(w);
	free(path);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: %s tests/data/torch\n", argv[0]);
		return 2;
	}
	data_dir = argv[1];
	test_data_files();
	test_refused_globals();
	test_refused_operations();
	test_limits();
	test_accepted_pickles();
	test_not_checkpoints();
	return check_finish();
}
