/*
 * Every tiny model of tests/data/models loads into the class transformers would build, with
 * every parameter holding exactly the bytes make.py recorded.
 *
 *     test_model_load <dir>     (dir: tests/data/models, written by its make.py)
 *
 * expected.json lists load cases (directory, Auto class, weight format); for each, the class,
 * every parameter in order (dtype, shape, SHA-256 of its bytes, first values, sum), the tied
 * ones, the zero-filled new heads, and the checkpoint keys reported as unexpected, buffers or
 * legacy names.
 */
#include "hfgit.h"
#include "check.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>
#include <openssl/evp.h>

#include "core/strbuf.h"

static const char *data_dir;

/* ---------------------------------------------------------------------------------------- */
/* The custom-code case: an architecture registered through the public API                   */

static int tiny_read_config(hfgit_config *cfg, void *payload)
{
	long long v;
	int rc;

	(void)payload;
	if ((rc = hfgit_config_read_int(&v, cfg, "hidden_size", NULL, 0,
	                                HFGIT_READ_REQUIRED | HFGIT_READ_SIZE)) < 0)
		return rc;
	return hfgit_config_read_int(&v, cfg, "vocab_size", NULL, 0,
	                             HFGIT_READ_REQUIRED | HFGIT_READ_SIZE);
}

static int tiny_build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	long long hidden, vocab;
	int rc;

	(void)payload;
	if ((rc = hfgit_config_get_int(&hidden, cfg, "hidden_size")) < 0 ||
	    (rc = hfgit_config_get_int(&vocab, cfg, "vocab_size")) < 0)
		return rc;
	rc = hfgit_binder_param(b, "embed.weight", HFGIT_DIMS(vocab, hidden), 0);
	if (rc == 0 && (rc = hfgit_binder_push(b, "proj")) == 0) {
		rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(hidden, hidden), 0);
		if (rc == 0)
			rc = hfgit_binder_param(b, "bias", HFGIT_DIMS(hidden), 0);
		hfgit_binder_pop(b);
	}
	return rc;
}

static void register_tiny(void)
{
	hfgit_architecture arch = HFGIT_ARCHITECTURE_INIT;

	arch.model_type = "tiny-custom";
	arch.classes[HFGIT_AUTO_BASE] = "TinyCustomModel";
	arch.read_config = tiny_read_config;
	arch.build = tiny_build;
	CHECK_MSG(hfgit_architecture_register(&arch) == 0, "register: %s", hfgit_error_last());
}

/* ---------------------------------------------------------------------------------------- */
/* Values                                                                                    */

static double half_to_double(uint16_t h)
{
	int exponent = (h >> 10) & 0x1f, mantissa = h & 0x3ff;
	double v;

	if (exponent == 0)
		v = ldexp(mantissa, -24);
	else if (exponent == 31)
		v = mantissa ? NAN : INFINITY;
	else
		v = ldexp(mantissa | 0x400, exponent - 25);
	return h & 0x8000 ? -v : v;
}

static double element(const hfgit_param *p, size_t i)
{
	const unsigned char *bytes = (const unsigned char *)p->data + i * p->itemsize;
	uint32_t bits;
	uint16_t half;
	float f;
	double d;

	if (!strcmp(p->dtype, "F32")) {
		memcpy(&f, bytes, 4);
		return f;
	}
	if (!strcmp(p->dtype, "F64")) {
		memcpy(&d, bytes, 8);
		return d;
	}
	memcpy(&half, bytes, 2);
	if (!strcmp(p->dtype, "F16"))
		return half_to_double(half);
	bits = (uint32_t)half << 16; /* BF16: the top half of an F32 */
	memcpy(&f, &bits, 4);
	return f;
}

static void sha256_hex(char out[65], const void *data, size_t len)
{
	unsigned char digest[32];
	unsigned int n = 0, i;

	EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL);
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* ---------------------------------------------------------------------------------------- */
/* One case                                                                                  */

static hfgit_auto_class auto_of(const char *name)
{
	int k;

	for (k = 0; k < HFGIT_AUTO_COUNT_; k++)
		if (!strcmp(name, hfgit_auto_class_name((hfgit_auto_class)k)))
			return (hfgit_auto_class)k;
	CHECK_MSG(0, "unknown auto class %s in expected.json", name);
	return HFGIT_AUTO_CONFIG;
}

static hfgit_weights_format format_of(const char *name)
{
	if (!strcmp(name, "safetensors"))
		return HFGIT_WEIGHTS_SAFETENSORS;
	if (!strcmp(name, "pytorch"))
		return HFGIT_WEIGHTS_PYTORCH;
	return HFGIT_WEIGHTS_ANY;
}

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	json_object_object_get_ex(o, key, &v);
	return v;
}

static void check_param(const char *label, const hfgit_param *p, const char *name, json_object *want)
{
	json_object *shape = get(want, "shape"), *first = get(want, "first");
	char sha[65];
	double sum = 0, want_sum = json_object_get_double(get(want, "sum"));
	size_t d, i;

	CHECK_STR(p->name, name);
	CHECK_MSG(!strcmp(p->dtype, json_object_get_string(get(want, "dtype"))), "%s %s: dtype %s, "
	          "expected %s", label, name, p->dtype, json_object_get_string(get(want, "dtype")));
	CHECK_MSG(p->ndim == json_object_array_length(shape), "%s %s: %zu dims", label, name, p->ndim);
	for (d = 0; d < p->ndim && d < json_object_array_length(shape); d++)
		CHECK_MSG(p->shape[d] == json_object_get_int64(json_object_array_get_idx(shape, d)),
		          "%s %s: dim %zu is %lld", label, name, d, p->shape[d]);
	CHECK_MSG(p->data != NULL && !(p->flags & HFGIT_PARAM_BROKEN), "%s %s: no data", label, name);
	if (!p->data)
		return;
	CHECK_MSG((uintptr_t)p->data % p->itemsize == 0, "%s %s: data not aligned", label, name);
	CHECK_MSG(p->nbytes == p->numel * p->itemsize, "%s %s: %zu bytes for %zu elements", label,
	          name, p->nbytes, p->numel);
	sha256_hex(sha, p->data, p->nbytes);
	CHECK_MSG(!strcmp(sha, json_object_get_string(get(want, "sha256"))),
	          "%s %s: bytes differ from what make.py wrote", label, name);
	for (i = 0; i < json_object_array_length(first) && i < p->numel; i++)
		CHECK_MSG(element(p, i) == json_object_get_double(json_object_array_get_idx(first, i)),
		          "%s %s[%zu] is %.9g, expected %.9g", label, name, i, element(p, i),
		          json_object_get_double(json_object_array_get_idx(first, i)));
	if (p->numel)
		CHECK_MSG(element(p, p->numel - 1) == json_object_get_double(get(want, "last")),
		          "%s %s: last element %.9g", label, name, element(p, p->numel - 1));
	for (i = 0; i < p->numel; i++)
		sum += element(p, i);
	CHECK_MSG(fabs(sum - want_sum) <= 1e-9 * (1 + fabs(want_sum)), "%s %s: sum %.12g, expected "
	          "%.12g", label, name, sum, want_sum);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* The report's names of `kind`, sorted, against a sorted JSON list. */
static void check_names(const char *label, const hfgit_model *m, hfgit_issue_kind kind,
                        json_object *want)
{
	const char *names[256];
	size_t n = 0, i;

	for (i = 0; i < hfgit_model_issue_count(m) && n < 256; i++)
		if (hfgit_model_issue_at(m, i)->kind == kind)
			names[n++] = hfgit_model_issue_at(m, i)->name;
	qsort(names, n, sizeof(*names), compare_strings);
	CHECK_MSG(n == json_object_array_length(want), "%s: %zu %s issues, expected %zu", label, n,
	          hfgit_issue_kind_name(kind), json_object_array_length(want));
	for (i = 0; i < n && i < json_object_array_length(want); i++)
		CHECK_STR(names[i], json_object_get_string(json_object_array_get_idx(want, i)));
}

static void check_new_and_tied(const char *label, const hfgit_model *m, json_object *c)
{
	json_object *new_params = get(c, "new"), *tied = get(c, "tied");
	size_t n_new = 0, n_tied = 0, i;

	for (i = 0; i < hfgit_model_param_count(m); i++) {
		const hfgit_param *p = hfgit_model_param_at(m, i);
		json_object *target;

		if (p->flags & HFGIT_PARAM_NEW)
			n_new++;
		if (!(p->flags & HFGIT_PARAM_TIED))
			continue;
		n_tied++;
		CHECK_MSG(json_object_object_get_ex(tied, p->name, &target), "%s: %s is tied", label,
		          p->name);
		if (!target)
			continue;
		CHECK_STR(p->tied_to, json_object_get_string(target));
		CHECK_MSG(hfgit_model_param_find(m, json_object_get_string(target)) &&
		          hfgit_model_param_find(m, json_object_get_string(target))->data == p->data,
		          "%s: %s does not share its target's data", label, p->name);
	}
	CHECK_MSG(n_new == json_object_array_length(new_params), "%s: %zu new parameters", label, n_new);
	CHECK_MSG(n_tied == (size_t)json_object_object_length(tied), "%s: %zu tied", label, n_tied);
	check_names(label, m, HFGIT_ISSUE_NEW, new_params);
}

/* Parameters copied out of the file (strided views, misaligned data) and only those. */
static void check_copied(const char *label, const hfgit_model *m, json_object *want)
{
	size_t n = 0, i;

	for (i = 0; i < hfgit_model_param_count(m); i++) {
		const hfgit_param *p = hfgit_model_param_at(m, i);
		bool listed = false;
		size_t k;

		for (k = 0; k < json_object_array_length(want); k++)
			listed |= !strcmp(p->name, json_object_get_string(json_object_array_get_idx(want, k)));
		CHECK_MSG(listed == !!(p->flags & HFGIT_PARAM_COPIED), "%s: %s %s copied", label,
		          p->name, listed ? "not" : "");
		n += listed;
	}
	CHECK_MSG(n == json_object_array_length(want), "%s: %zu copied", label, n);
}

static void check_labels(const char *label, const hfgit_model *m, json_object *want)
{
	const hfgit_config *cfg = hfgit_model_config(m);
	size_t i;

	if (!want)
		return;
	CHECK_MSG(hfgit_config_num_labels(cfg) == json_object_array_length(want), "%s: %zu labels",
	          label, hfgit_config_num_labels(cfg));
	for (i = 0; i < json_object_array_length(want); i++)
		CHECK_STR(hfgit_config_label(cfg, i),
		          json_object_get_string(json_object_array_get_idx(want, i)));
}

static void run_case(json_object *c)
{
	const char *dir_name = json_object_get_string(get(c, "dir"));
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	json_object *params = get(c, "params");
	hfgit_model *m = NULL;
	char label[128], *dir;
	size_t i = 0;

	snprintf(label, sizeof(label), "%s (%s, %s)", dir_name,
	         json_object_get_string(get(c, "auto")), json_object_get_string(get(c, "format")));
	opts.auto_class = auto_of(json_object_get_string(get(c, "auto")));
	opts.format = format_of(json_object_get_string(get(c, "format")));
	if (!(dir = hfgit__aprintf("%s/%s", data_dir, dir_name)))
		abort();
	CHECK_MSG(hfgit_model_from_pretrained(&m, NULL, dir, &opts) == 0, "%s: %s", label,
	          hfgit_error_last());
	free(dir);
	if (!m)
		return;
	CHECK_STR(hfgit_model_class(m), json_object_get_string(get(c, "class")));
	CHECK_MSG(hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR) == 0, "%s: errors in the report",
	          label);
	CHECK_MSG(hfgit_model_param_count(m) == (size_t)json_object_object_length(params),
	          "%s: %zu parameters, expected %d", label, hfgit_model_param_count(m),
	          json_object_object_length(params));
	json_object_object_foreach(params, name, want) {
		const hfgit_param *p = hfgit_model_param_at(m, i++);

		CHECK_MSG(p != NULL, "%s: no parameter %zu (%s)", label, i - 1, name);
		if (p)
			check_param(label, p, name, want);
		CHECK_MSG(hfgit_model_param_find(m, name) == p, "%s: find(%s)", label, name);
	}
	check_new_and_tied(label, m, c);
	check_names(label, m, HFGIT_ISSUE_UNEXPECTED, get(c, "unexpected"));
	check_names(label, m, HFGIT_ISSUE_BUFFER, get(c, "buffers"));
	check_names(label, m, HFGIT_ISSUE_RENAMED, get(c, "renamed"));
	check_labels(label, m, get(c, "labels"));
	check_copied(label, m, get(c, "copied"));
	hfgit_model_free(m);
}

int main(int argc, char **argv)
{
	json_object *expected, *cases;
	char *path;
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: test_model_load tests/data/models\n");
		return 2;
	}
	data_dir = argv[1];
	register_tiny();
	if (!(path = hfgit__aprintf("%s/expected.json", data_dir)) ||
	    !(expected = json_object_from_file(path))) {
		fprintf(stderr, "cannot read %s/expected.json\n", data_dir);
		return 2;
	}
	free(path);
	cases = get(expected, "cases");
	CHECK(json_object_array_length(cases) >= 14);
	for (i = 0; i < json_object_array_length(cases); i++)
		run_case(json_object_array_get_idx(cases, i));
	json_object_put(expected);
	return check_finish();
}
