/*
 * Bad model directories: each is refused (or reported) by name, never crashes, never leaks.
 * Built in a temporary directory from the committed tiny models.
 *
 *     test_model_bad <dir>     (dir: tests/data/models)
 */
#include "hfgit.h"
#include "check.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/strbuf.h"

static const char *data_dir;
static char work[] = "/tmp/hfgit-test-model-bad.XXXXXX";

static char *path_in(const char *dir, const char *name)
{
	char *p = hfgit__aprintf("%s/%s", dir, name);

	if (!p)
		abort();
	return p;
}

static void write_file(const char *dir, const char *name, const void *data, size_t len)
{
	char *p = path_in(dir, name);
	FILE *f = fopen(p, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		abort();
	free(p);
}

static void write_text(const char *dir, const char *name, const char *text)
{
	write_file(dir, name, text, strlen(text));
}

static unsigned char *read_all(const char *dir, const char *name, size_t *len)
{
	char *p = path_in(dir, name), *text = NULL;

	if (hfgit_fs__read_file(&text, len, p) < 0)
		abort();
	free(p);
	return (unsigned char *)text;
}

static void copy_file(const char *from_dir, const char *name, const char *to_dir)
{
	size_t len;
	unsigned char *data = read_all(from_dir, name, &len);

	write_file(to_dir, name, data, len);
	free(data);
}

/* A fresh model directory under the work directory. */
static char *model_dir(const char *name)
{
	char *dir = path_in(work, name);

	if (mkdir(dir, 0777) < 0)
		abort();
	return dir;
}

/* The committed BERT config with `from` replaced by `to` (which must occur). */
static char *bert_config_with(const char *from, const char *to)
{
	size_t len;
	char *src = path_in(data_dir, "bert-base"), *text = (char *)read_all(src, "config.json", &len);
	char *at = strstr(text, from), *out;

	if (!at)
		abort();
	*at = '\0';
	out = hfgit__aprintf("%s%s%s", text, to, at + strlen(from));
	free(text);
	free(src);
	return out;
}

/* A directory with bert-base's weights and `config` (NULL: its own). */
static char *bert_dir(const char *name, const char *config)
{
	char *dir = model_dir(name), *src = path_in(data_dir, "bert-base");

	copy_file(src, "model.safetensors", dir);
	if (config)
		write_text(dir, "config.json", config);
	else
		copy_file(src, "config.json", dir);
	free(src);
	return dir;
}

static hfgit_model *load(const char *dir, int allow_errors, int want)
{
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_model *m = NULL;
	int rc;

	opts.allow_errors = allow_errors;
	rc = hfgit_model_from_pretrained(&m, NULL, dir, &opts);
	CHECK_MSG(rc == want, "load %s: %d, expected %d (%s)", dir, rc, want, hfgit_error_last());
	CHECK_MSG((rc == 0) == (m != NULL), "load %s: model and return code disagree", dir);
	return m;
}

static void error_has(const char *needle)
{
	CHECK_MSG(strstr(hfgit_error_last(), needle) != NULL, "'%s' not in '%s'", needle,
	          hfgit_error_last());
}

static size_t issues_of(const hfgit_model *m, hfgit_issue_kind kind, const char *name)
{
	size_t n = 0, i;

	for (i = 0; i < hfgit_model_issue_count(m); i++) {
		const hfgit_load_issue *issue = hfgit_model_issue_at(m, i);

		if (issue->kind == kind && (!name || (issue->name && !strcmp(issue->name, name))))
			n++;
	}
	return n;
}

/* ---------------------------------------------------------------------------------------- */
/* config.json                                                                               */

static void test_bad_configs(void)
{
	char *dir, *config;

	dir = bert_dir("not-json", "{\"model_type\": \"bert\",\n  \"hidden_size\": 24,,\n}");
	load(dir, 0, HFGIT_EINVALID);
	error_has("not-json/config.json: not valid JSON");
	error_has("line 2");
	free(dir);

	config = bert_config_with("\"hidden_size\": 24", "\"hidden_size\": \"24\"");
	dir = bert_dir("mistyped", config);
	load(dir, 1, HFGIT_EINVALID);
	error_has("mistyped/config.json: field 'hidden_size' must be an integer, found string \"24\"");
	free(config);
	free(dir);

	config = bert_config_with("\"num_attention_heads\": 4,", "");
	dir = bert_dir("missing-field", config);
	load(dir, 1, HFGIT_EINVALID);
	error_has("missing-field/config.json: field 'num_attention_heads' is missing; BertModel "
	          "needs it");
	free(config);
	free(dir);

	config = bert_config_with("\"num_attention_heads\": 4", "\"num_attention_heads\": 5");
	dir = bert_dir("heads", config);
	load(dir, 1, HFGIT_EINVALID);
	error_has("field 'num_attention_heads' is 5, which does not divide hidden_size 24");
	free(config);
	free(dir);

	dir = bert_dir("unknown-type", "{\"model_type\": \"mamba\", \"architectures\": "
	               "[\"MambaForCausalLM\"], \"hidden_size\": 24}");
	load(dir, 1, HFGIT_EINVALID);
	error_has("model_type 'mamba' (architectures[0] 'MambaForCausalLM') is not a known "
	          "architecture; known model types: bert, distilbert, gpt2, vit, llama, mistral, "
	          "qwen2");
	free(dir);

	dir = model_dir("no-config");
	load(dir, 0, HFGIT_ENOTFOUND);
	error_has("no config.json in");
	free(dir);

	load("./no/such/dir", 0, HFGIT_ENOTFOUND);
	error_has("no directory './no/such/dir'");
	load("not a valid id!", 0, HFGIT_EINVALID);
	error_has("'not a valid id!' is not a directory, nor a model id");
	load("org/model", 0, HFGIT_EINVALID);
	error_has("needs a context");
}

/* auto_map: custom code is reported by name and never run; a known model_type still loads. */
static void test_auto_map(void)
{
	char *src = path_in(data_dir, "custom-code"), *dir = model_dir("custom-code"), *config;
	hfgit_model *m;

	copy_file(src, "config.json", dir);
	copy_file(src, "model.safetensors", dir);
	copy_file(src, "modeling_tiny.py", dir);
	load(dir, 1, HFGIT_EINVALID);
	error_has("auto_map names Python code in the repository (AutoConfig: "
	          "configuration_tiny.TinyConfig, AutoModel: modeling_tiny.TinyModel), which hfgit "
	          "never runs");
	error_has("hfgit_architecture_register");
	free(dir);
	free(src);

	config = bert_config_with("\"model_type\": \"bert\"", "\"model_type\": \"bert\", "
	                          "\"auto_map\": {\"AutoModel\": \"modeling_mine.MyBert\"}");
	dir = bert_dir("auto-map-known", config);
	if ((m = load(dir, 0, 0))) {
		CHECK_STR(hfgit_model_class(m), "BertModel");
		CHECK(issues_of(m, HFGIT_ISSUE_CUSTOM_CODE, NULL) == 1);
		CHECK(hfgit_model_issue_at(m, 0)->severity == HFGIT_SEVERITY_INFO);
		CHECK(strstr(hfgit_model_issue_at(m, 0)->message, "modeling_mine.MyBert") != NULL);
		CHECK(hfgit_config_auto_map_count(hfgit_model_config(m)) == 1);
		hfgit_model_free(m);
	}
	free(config);
	free(dir);
}

/* ---------------------------------------------------------------------------------------- */
/* Weights that do not fit                                                                   */

static void test_missing_keys(void)
{
	char *config = bert_config_with("\"num_hidden_layers\": 2", "\"num_hidden_layers\": 3");
	char *dir = bert_dir("missing-keys", config);
	const hfgit_param *p;
	hfgit_model *m;

	load(dir, 0, HFGIT_EINVALID);
	error_has("the weights do not fit BertModel (16 errors): 'encoder.layer.2.attention.self."
	          "query.weight' not in the checkpoint");
	error_has("and 13 more");
	if ((m = load(dir, 1, 0))) {
		CHECK(hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR) == 16);
		CHECK(issues_of(m, HFGIT_ISSUE_MISSING, "encoder.layer.2.output.LayerNorm.bias") == 1);
		p = hfgit_model_param_find(m, "encoder.layer.2.output.dense.weight");
		CHECK(p && p->data == NULL && (p->flags & HFGIT_PARAM_BROKEN) && p->shape[0] == 24);
		p = hfgit_model_param_find(m, "encoder.layer.1.output.dense.weight");
		CHECK(p && p->data != NULL && !(p->flags & HFGIT_PARAM_BROKEN));
		hfgit_model_free(m);
	}
	free(config);
	free(dir);
}

static void test_shape_mismatch(void)
{
	char *config = bert_config_with("\"vocab_size\": 50", "\"vocab_size\": 60");
	char *dir = bert_dir("shape", config);
	hfgit_model *m;

	load(dir, 0, HFGIT_EINVALID);
	error_has("'embeddings.word_embeddings.weight' the checkpoint's "
	          "'embeddings.word_embeddings.weight' has shape [50, 24], the config implies [60, 24]");
	if ((m = load(dir, 1, 0))) {
		CHECK(hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR) == 1);
		CHECK(issues_of(m, HFGIT_ISSUE_SHAPE, "embeddings.word_embeddings.weight") == 1);
		CHECK(hfgit_model_param_find(m, "embeddings.word_embeddings.weight")->data == NULL);
		hfgit_model_free(m);
	}
	free(config);
	free(dir);
}

/* A head missing from a base checkpoint is a warning, and zeros: the load succeeds. */
static void test_missing_head_is_a_warning(void)
{
	char *dir = bert_dir("head", NULL);
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_model *m = NULL;
	const hfgit_param *p;
	size_t i;

	opts.auto_class = HFGIT_AUTO_SEQ_CLS;
	CHECK_MSG(hfgit_model_from_pretrained(&m, NULL, dir, &opts) == 0, "%s", hfgit_error_last());
	if (m) {
		CHECK(hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR) == 0);
		CHECK(hfgit_model_issue_total(m, HFGIT_SEVERITY_WARNING) == 2);
		p = hfgit_model_param_find(m, "classifier.weight");
		CHECK(p && (p->flags & HFGIT_PARAM_NEW) && p->data && p->shape[0] == 2);
		for (i = 0; p && p->data && i < p->nbytes; i++)
			CHECK_MSG(((const unsigned char *)p->data)[i] == 0, "classifier byte %zu", i);
		hfgit_model_free(m);
	}
	opts.auto_class = HFGIT_AUTO_CAUSAL_LM;
	CHECK(hfgit_model_from_pretrained(&m, NULL, dir, &opts) == HFGIT_EINVALID && !m);
	error_has("AutoModelForCausalLM asked for, but model_type 'bert' has no such class");
	free(dir);
}

/* Little-endian u64, for hand-written safetensors headers. */
static void put_u64(unsigned char *p, uint64_t v)
{
	int i;

	for (i = 0; i < 8; i++)
		p[i] = (unsigned char)(v >> (8 * i));
}

/* A safetensors file with one [10, 8] tensor `tensor` of `dtype` (4-byte elements). */
static void write_one_tensor(const char *dir, const char *tensor, const char *dtype)
{
	char header[256];
	unsigned char *file;
	size_t len, hlen, data = 10 * 8 * 4;

	hlen = (size_t)snprintf(header, sizeof(header), "{\"%s\":{\"dtype\":\"%s\",\"shape\":[10,8],"
	                        "\"data_offsets\":[0,%zu]}}", tensor, dtype, data);
	len = 8 + hlen + data;
	if (!(file = calloc(1, len)))
		abort();
	put_u64(file, hlen);
	memcpy(file + 8, header, hlen);
	write_file(dir, "model.safetensors", file, len);
	free(file);
}

/* An integer tensor where a weight belongs is an error by name; the rest is missing. */
static void test_dtype(void)
{
	char *dir = model_dir("dtype");
	hfgit_model *m;

	write_text(dir, "config.json", "{\"model_type\": \"gpt2\", \"vocab_size\": 10, \"n_embd\": 8,"
	           " \"n_layer\": 1, \"n_head\": 2, \"n_positions\": 4}");
	write_one_tensor(dir, "wte.weight", "I32");
	load(dir, 0, HFGIT_EINVALID);
	error_has("'wte.weight' the checkpoint's 'wte.weight' is I32, not a floating-point type");
	if ((m = load(dir, 1, 0))) {
		CHECK(issues_of(m, HFGIT_ISSUE_DTYPE, "wte.weight") == 1);
		CHECK(issues_of(m, HFGIT_ISSUE_MISSING, "wpe.weight") == 1);
		CHECK(issues_of(m, HFGIT_ISSUE_MISSING, NULL) == 15);
		CHECK_STR(hfgit_model_usage_get(&(hfgit_model_usage){ 0 }, m) == 0 ? "ok" : "no", "ok");
		hfgit_model_free(m);
	}
	free(dir);
}

/* ---------------------------------------------------------------------------------------- */
/* Weight files                                                                              */

static void test_truncated_safetensors(void)
{
	char *dir = bert_dir("truncated", NULL), *src = path_in(data_dir, "bert-base");
	size_t len;
	unsigned char *data = read_all(src, "model.safetensors", &len);

	write_file(dir, "model.safetensors", data, len - 100);
	load(dir, 0, HFGIT_EINVALID);
	error_has("truncated/model.safetensors");
	write_file(dir, "model.safetensors", data, 5);
	load(dir, 0, HFGIT_EINVALID);
	error_has("only 5 bytes long");
	/* The header's length larger than the file. */
	put_u64(data, (uint64_t)len);
	write_file(dir, "model.safetensors", data, len);
	load(dir, 0, HFGIT_EINVALID);
	error_has("truncated/model.safetensors");
	free(data);
	free(src);
	free(dir);
}

static void test_lfs_pointer_and_no_weights(void)
{
	char *dir = model_dir("pointer"), *src = path_in(data_dir, "bert-base");

	copy_file(src, "config.json", dir);
	load(dir, 0, HFGIT_ENOTFOUND);
	error_has("no weights in");
	error_has("expected model.safetensors, model.safetensors.index.json, pytorch_model.bin or "
	          "pytorch_model.bin.index.json");
	write_text(dir, "tf_model.h5", "HDF");
	load(dir, 0, HFGIT_ENOTFOUND);
	error_has("(it has tf_model.h5, which hfgit does not read)");
	write_text(dir, "model.safetensors", "version https://git-lfs.github.com/spec/v1\noid sha256:"
	           "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 49296\n");
	load(dir, 0, HFGIT_EINVALID);
	error_has("pointer/model.safetensors is a Git LFS pointer, not the weights");
	free(src);
	free(dir);
}

/* The preference order, and what forcing a format does. */
static void test_format_choice(void)
{
	char *dir = model_dir("formats"), *src = path_in(data_dir, "bert-base");
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_model *m = NULL;

	copy_file(src, "config.json", dir);
	copy_file(src, "pytorch_model.bin", dir);
	opts.format = HFGIT_WEIGHTS_SAFETENSORS;
	CHECK(hfgit_model_from_pretrained(&m, NULL, dir, &opts) == HFGIT_ENOTFOUND);
	error_has("expected model.safetensors or model.safetensors.index.json");
	opts.format = HFGIT_WEIGHTS_ANY;
	CHECK(hfgit_model_from_pretrained(&m, NULL, dir, &opts) == 0);
	if (m) {
		CHECK_STR(hfgit_model_weights_format(m), "pytorch");
		hfgit_model_free(m);
	}
	copy_file(src, "model.safetensors", dir);
	CHECK(hfgit_model_from_pretrained(&m, NULL, dir, &opts) == 0);
	if (m) {
		CHECK_STR(hfgit_model_weights_format(m), "safetensors");
		CHECK_STR(hfgit_model_weights_file(m, 0), "model.safetensors");
		CHECK(hfgit_model_weights_file_count(m) == 1);
		hfgit_model_free(m);
	}
	free(src);
	free(dir);
}

/* A sharded directory from distilbert-sst2 with its index replaced by `index`. */
static char *sharded_dir(const char *name, const char *index)
{
	char *dir = model_dir(name), *src = path_in(data_dir, "distilbert-sst2");

	copy_file(src, "config.json", dir);
	copy_file(src, "model-00001-of-00002.safetensors", dir);
	copy_file(src, "model-00002-of-00002.safetensors", dir);
	if (index)
		write_text(dir, "model.safetensors.index.json", index);
	else
		copy_file(src, "model.safetensors.index.json", dir);
	free(src);
	return dir;
}

static void test_sharded(void)
{
	char *dir;
	hfgit_model *m;

	dir = sharded_dir("shards-escape", "{\"weight_map\": {\"classifier.bias\": "
	                  "\"../model-00001-of-00002.safetensors\"}}");
	load(dir, 0, HFGIT_EINVALID);
	error_has("weight_map puts 'classifier.bias' in '../model-00001-of-00002.safetensors', which "
	          "is not a file name next to the index");
	free(dir);
	dir = sharded_dir("shards-slash", "{\"weight_map\": {\"a\": \"/etc/passwd\"}}");
	load(dir, 0, HFGIT_EINVALID);
	error_has("'/etc/passwd', which is not a file name");
	free(dir);
	dir = sharded_dir("shards-dotdot", "{\"weight_map\": {\"a\": \"..\"}}");
	load(dir, 0, HFGIT_EINVALID);
	error_has("'..', which is not a file name");
	free(dir);
	dir = sharded_dir("shards-missing", "{\"weight_map\": {\"a\": \"model-00003-of-00003.safetensors\"}}");
	load(dir, 0, HFGIT_ENOTFOUND);
	error_has("names the shard 'model-00003-of-00003.safetensors', which is not in");
	free(dir);
	dir = sharded_dir("shards-wrong", "{\"weight_map\": {\"classifier.bias\": "
	                  "\"model-00001-of-00002.safetensors\", \"distilbert.embeddings.LayerNorm.bias\":"
	                  " \"model-00002-of-00002.safetensors\"}}");
	load(dir, 0, HFGIT_EINVALID);
	error_has("puts 'classifier.bias' in 'model-00001-of-00002.safetensors', but it is in "
	          "'model-00002-of-00002.safetensors'");
	free(dir);
	dir = sharded_dir("shards-not-json", "{\"weight_map\": ");
	load(dir, 0, HFGIT_EINVALID);
	error_has("model.safetensors.index.json: not valid JSON");
	free(dir);
	dir = sharded_dir("shards-no-map", "{\"metadata\": {}}");
	load(dir, 0, HFGIT_EINVALID);
	error_has("no \"weight_map\" object");
	free(dir);
	/* The index may leave tensors out (transformers loads whole shards): still a model. */
	dir = sharded_dir("shards-partial", "{\"weight_map\": {\"classifier.bias\": "
	                  "\"model-00002-of-00002.safetensors\", \"distilbert.embeddings.LayerNorm.bias\":"
	                  " \"model-00001-of-00002.safetensors\"}}");
	if ((m = load(dir, 0, 0))) {
		CHECK(hfgit_model_weights_file_count(m) == 3);
		CHECK_STR(hfgit_model_weights_file(m, 0), "model.safetensors.index.json");
		hfgit_model_free(m);
	}
	free(dir);
}

int main(int argc, char **argv)
{
	int rc;

	if (argc != 2) {
		fprintf(stderr, "usage: test_model_bad tests/data/models\n");
		return 2;
	}
	data_dir = argv[1];
	if (!mkdtemp(work)) {
		perror("mkdtemp");
		return 2;
	}
	test_bad_configs();
	test_auto_map();
	test_missing_keys();
	test_shape_mismatch();
	test_missing_head_is_a_warning();
	test_dtype();
	test_truncated_safetensors();
	test_lfs_pointer_and_no_weights();
	test_format_choice();
	test_sharded();
	rc = check_finish();
	hfgit_fs__remove_tree(work);
	return rc;
}
