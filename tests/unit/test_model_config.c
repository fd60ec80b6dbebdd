/*
 * config.json parsing (lib/model/config.c) and the Auto choice (lib/model/registry.c), on
 * configs built in memory: typed fields, errors that name the field and the file, labels,
 * auto_map, lookup by architectures[0] then model_type, and the head each Auto class picks.
 *
 *     test_model_config <dir>     (dir: tests/data/models, for the real configs)
 */
#include "hfgit.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"
#include "model/config.h"
#include "model/registry.h"

static const char *data_dir;

static hfgit_config *parse(const char *text)
{
	hfgit_config *cfg = NULL;

	CHECK_MSG(hfgit_config__parse(&cfg, text, strlen(text), "dir/config.json") == 0,
	          "parse %s: %s", text, hfgit_error_last());
	return cfg;
}

/* Parsing `text` fails with `code` and a message containing each of the NULL-terminated
 * `needles`. */
static void parse_fails(const char *text, int code, const char *needle, const char *needle2)
{
	hfgit_config *cfg = NULL;
	int rc = hfgit_config__parse(&cfg, text, strlen(text), "dir/config.json");

	CHECK_MSG(rc == code, "parse %s: %d, expected %d", text, rc, code);
	CHECK_MSG(cfg == NULL, "parse %s: a config despite the error", text);
	CHECK_MSG(strstr(hfgit_error_last(), "dir/config.json") != NULL, "no path in '%s'",
	          hfgit_error_last());
	CHECK_MSG(strstr(hfgit_error_last(), needle) != NULL, "'%s' not in '%s'", needle,
	          hfgit_error_last());
	if (needle2)
		CHECK_MSG(strstr(hfgit_error_last(), needle2) != NULL, "'%s' not in '%s'", needle2,
		          hfgit_error_last());
	hfgit_config__free(cfg);
}

static void test_not_json(void)
{
	parse_fails("", HFGIT_EINVALID, "not valid JSON", "truncated");
	parse_fails("{\"model_type\": \"bert\",", HFGIT_EINVALID, "not valid JSON", "truncated");
	parse_fails("{\"model_type\": \"bert\",\n \"hidden_size\": 24,,}", HFGIT_EINVALID,
	            "not valid JSON", "line 2");
	parse_fails("{'model_type': 'bert'}", HFGIT_EINVALID, "not valid JSON", "line 1, column");
	parse_fails("{\"a\": 1} {\"b\": 2}", HFGIT_EINVALID, "text after the object", NULL);
	parse_fails("[\"bert\"]", HFGIT_EINVALID, "not a JSON object", NULL);
	parse_fails("\"bert\"", HFGIT_EINVALID, "not a JSON object", NULL);
	parse_fails("{\"model_type\": \"b\xff\"}", HFGIT_EINVALID, "not valid JSON", NULL);
}

static void test_common_fields(void)
{
	hfgit_config *cfg;
	long long id = -1;

	parse_fails("{\"model_type\": 3}", HFGIT_EINVALID, "field 'model_type' must be a string",
	            "number 3");
	parse_fails("{\"architectures\": \"BertModel\"}", HFGIT_EINVALID,
	            "field 'architectures' must be a list", "string \"BertModel\"");
	parse_fails("{\"architectures\": [\"BertModel\", 7]}", HFGIT_EINVALID,
	            "field 'architectures[1]'", "number 7");
	parse_fails("{\"torch_dtype\": true}", HFGIT_EINVALID, "field 'torch_dtype'", "true");
	parse_fails("{\"id2label\": [\"a\"]}", HFGIT_EINVALID, "field 'id2label' must be", "a list");
	parse_fails("{\"id2label\": {\"0\": \"a\", \"2\": \"b\"}}", HFGIT_EINVALID,
	            "field 'id2label'", "\"2\"");
	parse_fails("{\"id2label\": {\"zero\": \"a\"}}", HFGIT_EINVALID, "field 'id2label'", "zero");
	/* Two spellings of one id: found by the fuzzer (a leak and a hole in the labels). */
	parse_fails("{\"id2label\": {\"00\": \"a\", \"0\": \"b\"}}", HFGIT_EINVALID,
	            "field 'id2label'", "\"00\"");
	parse_fails("{\"id2label\": {\"0\": 1}}", HFGIT_EINVALID, "field 'id2label'", "number 1");
	parse_fails("{\"id2label\": {}}", HFGIT_EINVALID, "field 'id2label' is empty", NULL);
	parse_fails("{\"label2id\": {\"a\": \"0\"}}", HFGIT_EINVALID, "field 'label2id'",
	            "string \"0\"");
	parse_fails("{\"num_labels\": 0}", HFGIT_EINVALID, "field 'num_labels'", NULL);
	parse_fails("{\"num_labels\": 3, \"id2label\": {\"0\": \"a\"}}", HFGIT_EINVALID,
	            "field 'num_labels' is 3", "id2label has 1");
	parse_fails("{\"auto_map\": [\"x\"]}", HFGIT_EINVALID, "field 'auto_map'", "a list");
	parse_fails("{\"auto_map\": {\"AutoModel\": 1}}", HFGIT_EINVALID, "field 'auto_map'",
	            "AutoModel");

	/* Nulls are unset, as transformers reads None. */
	cfg = parse("{\"model_type\": null, \"architectures\": null, \"torch_dtype\": null}");
	if (cfg) {
		CHECK(hfgit_config_model_type(cfg) == NULL);
		CHECK(hfgit_config_architecture_count(cfg) == 0);
		CHECK(hfgit_config_torch_dtype(cfg) == NULL);
		CHECK(hfgit_config_num_labels(cfg) == 2);
		CHECK_STR(hfgit_config_label(cfg, 1), "LABEL_1");
		CHECK(hfgit_config_label(cfg, 2) == NULL);
		hfgit_config__free(cfg);
	}
	cfg = parse("{\"model_type\": \"bert\", \"architectures\": [\"BertModel\", \"X\"],"
	            " \"torch_dtype\": \"bfloat16\", \"id2label\": {\"1\": \"pos\", \"0\": \"neg\"},"
	            " \"label2id\": {\"neg\": 0, \"pos\": 1}}");
	if (cfg) {
		CHECK_STR(hfgit_config_model_type(cfg), "bert");
		CHECK(hfgit_config_architecture_count(cfg) == 2);
		CHECK_STR(hfgit_config_architecture(cfg, 1), "X");
		CHECK(hfgit_config_architecture(cfg, 2) == NULL);
		CHECK_STR(hfgit_config_torch_dtype(cfg), "bfloat16");
		CHECK(hfgit_config_num_labels(cfg) == 2);
		CHECK_STR(hfgit_config_label(cfg, 0), "neg");
		CHECK_STR(hfgit_config_label(cfg, 1), "pos");
		CHECK(hfgit_config_label_id(&id, cfg, "pos") == 0 && id == 1);
		CHECK(hfgit_config_label_id(&id, cfg, "neutral") == HFGIT_ENOTFOUND);
		CHECK_STR(hfgit_config_path(cfg), "dir/config.json");
		hfgit_config__free(cfg);
	}
	cfg = parse("{\"num_labels\": 3}");
	if (cfg) {
		CHECK(hfgit_config_num_labels(cfg) == 3);
		CHECK_STR(hfgit_config_label(cfg, 2), "LABEL_2");
		CHECK(hfgit_config_label_id(&id, cfg, "LABEL_2") == 0 && id == 2);
		hfgit_config__free(cfg);
	}
	cfg = parse("{\"auto_map\": {\"AutoConfig\": \"configuration_x.XConfig\","
	            " \"AutoTokenizer\": [\"tok.XTokenizer\", null]}}");
	if (cfg) {
		CHECK(hfgit_config_auto_map_count(cfg) == 2);
		CHECK_STR(hfgit_config_auto_map_key(cfg, 0), "AutoConfig");
		CHECK_STR(hfgit_config_auto_map_value(cfg, 0), "configuration_x.XConfig");
		CHECK_STR(hfgit_config_auto_map_value(cfg, 1), "tok.XTokenizer");
		CHECK(hfgit_config_auto_map_key(cfg, 2) == NULL);
		hfgit_config__free(cfg);
	}
}

static void read_fails(hfgit_config *cfg, int rc, const char *needle, const char *needle2)
{
	CHECK_MSG(rc == HFGIT_EINVALID, "read: %d (%s)", rc, hfgit_error_last());
	CHECK_MSG(strstr(hfgit_error_last(), "dir/config.json") != NULL, "no path in '%s'",
	          hfgit_error_last());
	CHECK_MSG(strstr(hfgit_error_last(), needle) != NULL, "'%s' not in '%s'", needle,
	          hfgit_error_last());
	if (needle2)
		CHECK_MSG(strstr(hfgit_error_last(), needle2) != NULL, "'%s' not in '%s'", needle2,
		          hfgit_error_last());
	(void)cfg;
}

static void test_typed_reads(void)
{
	hfgit_config *cfg = parse("{\"n_embd\": 24, \"hidden_size\": \"24\", \"eps\": 1e-5,"
	                          " \"int_eps\": 0, \"flag\": true, \"act\": \"gelu\","
	                          " \"n_inner\": null, \"big\": 99999999999999999999,"
	                          " \"neg\": -1, \"float_dim\": 24.0, \"zero\": 0}");
	long long i = 0;
	double f = 0;
	int b = 0;
	const char *s = NULL;
	const hfgit_hparam *h;

	if (!cfg)
		return;
	CHECK(hfgit_config__set_reader(cfg, "GPT2Model") == 0);
	/* A field under its own name, recorded under the common one. */
	CHECK(hfgit_config_read_int(&i, cfg, "hidden_size", "n_embd", 0, HFGIT_READ_REQUIRED) == 0);
	CHECK(i == 24);
	read_fails(cfg, hfgit_config_read_int(&i, cfg, "hidden", "hidden_size", 0, 0),
	           "field 'hidden_size' must be an integer", "found string \"24\"");
	read_fails(cfg, hfgit_config_read_int(&i, cfg, "float_dim", NULL, 0, 0),
	           "field 'float_dim' must be an integer", "number 24");
	read_fails(cfg, hfgit_config_read_int(&i, cfg, "big", NULL, 0, 0), "field 'big'", NULL);
	read_fails(cfg, hfgit_config_read_int(&i, cfg, "neg", NULL, 0, HFGIT_READ_SIZE),
	           "field 'neg' is -1", "from 1");
	read_fails(cfg, hfgit_config_read_int(&i, cfg, "zero", NULL, 0, HFGIT_READ_SIZE),
	           "field 'zero' is 0", NULL);
	read_fails(cfg, hfgit_config_read_int(&i, cfg, "n_layer", NULL, 0, HFGIT_READ_REQUIRED),
	           "field 'n_layer' is missing", "GPT2Model needs it");
	/* Null is absent: the fallback, recorded without a key. */
	CHECK(hfgit_config_read_int(&i, cfg, "intermediate_size", "n_inner", 96, HFGIT_READ_SIZE) == 0);
	CHECK(i == 96);
	read_fails(cfg, hfgit_config_read_int(&i, cfg, "x", "n_inner", 1, HFGIT_READ_REQUIRED),
	           "field 'n_inner' is missing", NULL);
	CHECK(hfgit_config_read_float(&f, cfg, "layer_norm_eps", "eps", 1e-12, 0) == 0 && f == 1e-5);
	CHECK(hfgit_config_read_float(&f, cfg, "int_eps", NULL, 1, 0) == 0 && f == 0);
	read_fails(cfg, hfgit_config_read_float(&f, cfg, "act", NULL, 0, 0),
	           "field 'act' must be a number", "string \"gelu\"");
	CHECK(hfgit_config_read_bool(&b, cfg, "flag", NULL, 0, 0) == 0 && b == 1);
	read_fails(cfg, hfgit_config_read_bool(&b, cfg, "n_embd", NULL, 0, 0),
	           "field 'n_embd' must be true or false", NULL);
	CHECK(hfgit_config_read_string(&s, cfg, "hidden_act", "act", "relu", 0) == 0);
	CHECK_STR(s, "gelu");
	CHECK(hfgit_config_read_string(&s, cfg, "position_embedding_type", NULL, "absolute", 0) == 0);
	CHECK_STR(s, "absolute");

	/* Recorded, in order, with their keys; a defaulted one has none. */
	CHECK(hfgit_config_hparam_count(cfg) == 7);
	h = hfgit_config_hparam_at(cfg, 0);
	CHECK(h && !strcmp(h->name, "hidden_size") && !strcmp(h->key, "n_embd") &&
	      h->type == HFGIT_VALUE_INT && h->i == 24);
	h = hfgit_config_hparam_at(cfg, 1);
	CHECK(h && !strcmp(h->name, "intermediate_size") && h->key == NULL && h->i == 96);
	CHECK(hfgit_config_hparam_at(cfg, 7) == NULL);

	/* Lookups: the common name first, then config.json's own fields. */
	CHECK(hfgit_config_get_int(&i, cfg, "hidden_size") == 0 && i == 24);
	CHECK(hfgit_config_get_float(&f, cfg, "hidden_size") == 0 && f == 24);
	CHECK(hfgit_config_get_int(&i, cfg, "neg") == 0 && i == -1);
	CHECK(hfgit_config_get_int(&i, cfg, "nothing") == HFGIT_ENOTFOUND);
	CHECK(hfgit_config_get_int(&i, cfg, "n_inner") == HFGIT_ENOTFOUND);
	CHECK(hfgit_config_get_int(&i, cfg, "act") == HFGIT_EINVALID);
	CHECK(hfgit_config_get_string(&s, cfg, "hidden_act") == 0 && !strcmp(s, "gelu"));
	CHECK(hfgit_config_get_bool(&b, cfg, "flag") == 0 && b == 1);
	CHECK(hfgit_config_get_bool(&b, cfg, "hidden_size") == HFGIT_EINVALID);
	CHECK(hfgit_config_invalid(cfg, "n_head", "is %d", 5) == HFGIT_EINVALID);
	CHECK_STR(hfgit_error_last(), "dir/config.json: field 'n_head' is 5");
	hfgit_config__free(cfg);
}

/* ---------------------------------------------------------------------------------------- */
/* The Auto choice                                                                           */

static void choose(const char *text, hfgit_auto_class asked, const char *want_class,
                   hfgit_auto_class want_head, const char *reason_part)
{
	hfgit_config *cfg = parse(text);
	hfgit_choice c;

	if (!cfg)
		return;
	CHECK_MSG(hfgit_registry__choose(&c, cfg, asked) == 0, "choose %s: %s", text,
	          hfgit_error_last());
	if (c.class_name) {
		CHECK_STR(c.class_name, want_class);
		CHECK_MSG(c.head == want_head, "%s: head %d", text, (int)c.head);
		CHECK_MSG(strstr(c.reason, reason_part) != NULL, "'%s' not in the reason '%s'",
		          reason_part, c.reason);
	}
	free(c.reason);
	hfgit_config__free(cfg);
}

static void choose_fails(const char *text, hfgit_auto_class asked, const char *needle,
                         const char *needle2)
{
	hfgit_config *cfg = parse(text);
	hfgit_choice c;

	if (!cfg)
		return;
	CHECK_MSG(hfgit_registry__choose(&c, cfg, asked) == HFGIT_EINVALID, "choose %s", text);
	CHECK_MSG(strstr(hfgit_error_last(), needle) != NULL, "'%s' not in '%s'", needle,
	          hfgit_error_last());
	if (needle2)
		CHECK_MSG(strstr(hfgit_error_last(), needle2) != NULL, "'%s' not in '%s'", needle2,
		          hfgit_error_last());
	CHECK(c.reason == NULL && c.arch == NULL);
	hfgit_config__free(cfg);
}

static void test_choice(void)
{
	const char *bert_cls = "{\"model_type\": \"bert\", \"architectures\": "
	                       "[\"BertForSequenceClassification\"]}";

	/* The class config.json names, when hfgit builds it. */
	choose(bert_cls, HFGIT_AUTO_CONFIG, "BertForSequenceClassification", HFGIT_AUTO_SEQ_CLS,
	       "architectures[0] in config.json is \"BertForSequenceClassification\"");
	/* The Auto class asked for decides the head. */
	choose(bert_cls, HFGIT_AUTO_BASE, "BertModel", HFGIT_AUTO_BASE, "AutoModel was asked for");
	choose("{\"model_type\": \"gpt2\"}", HFGIT_AUTO_CAUSAL_LM, "GPT2LMHeadModel",
	       HFGIT_AUTO_CAUSAL_LM, "AutoModelForCausalLM");
	choose("{\"model_type\": \"gpt2\", \"architectures\": [\"GPT2LMHeadModel\"]}",
	       HFGIT_AUTO_SEQ_CLS, "GPT2ForSequenceClassification", HFGIT_AUTO_SEQ_CLS,
	       "GPT2LMHeadModel");
	/* A class of the family hfgit does not build: its base model. */
	choose("{\"model_type\": \"bert\", \"architectures\": [\"BertForMaskedLM\"]}",
	       HFGIT_AUTO_CONFIG, "BertModel", HFGIT_AUTO_BASE, "a bert class hfgit does not build");
	/* architectures[0] first, then model_type. */
	choose("{\"model_type\": \"bert\", \"architectures\": [\"DistilBertModel\"]}",
	       HFGIT_AUTO_CONFIG, "DistilBertModel", HFGIT_AUTO_BASE,
	       "although model_type is \"bert\"");
	choose("{\"model_type\": \"vit\", \"architectures\": [\"SomethingElse\"]}",
	       HFGIT_AUTO_CONFIG, "ViTModel", HFGIT_AUTO_BASE, "which no registered architecture has");
	choose("{\"model_type\": \"distilbert\"}", HFGIT_AUTO_CONFIG, "DistilBertModel",
	       HFGIT_AUTO_BASE, "config.json names no architectures");
	choose("{\"architectures\": [\"ViTForImageClassification\"]}", HFGIT_AUTO_CONFIG,
	       "ViTForImageClassification", HFGIT_AUTO_IMAGE_CLS, "ViTForImageClassification");

	choose_fails("{\"model_type\": \"mamba\", \"architectures\": [\"MambaForCausalLM\"]}",
	             HFGIT_AUTO_CONFIG, "model_type 'mamba' (architectures[0] 'MambaForCausalLM') "
	             "is not a known architecture",
	             "known model types: bert, distilbert, gpt2, vit, llama, mistral, qwen2");
	choose_fails("{}", HFGIT_AUTO_CONFIG, "no model_type", "known model types");
	choose_fails("{\"model_type\": \"x\", \"auto_map\": {\"AutoModel\": \"modeling_x.XModel\"}}",
	             HFGIT_AUTO_CONFIG, "AutoModel: modeling_x.XModel", "never runs");
	choose_fails("{\"model_type\": \"bert\"}", HFGIT_AUTO_CAUSAL_LM,
	             "AutoModelForCausalLM asked for, but model_type 'bert' has no such class",
	             "BertModel (base), BertForSequenceClassification (seq-cls)");
	choose_fails("{\"model_type\": \"vit\"}", HFGIT_AUTO_SEQ_CLS, "no such class", NULL);

	CHECK_STR(hfgit_auto_class_name(HFGIT_AUTO_SEQ_CLS), "seq-cls");
	CHECK(hfgit_auto_class_name(HFGIT_AUTO_COUNT_) == NULL);
	CHECK_STR(hfgit_auto_class_transformers_name(HFGIT_AUTO_BASE), "AutoModel");
}

/* The committed configs parse, and each names a known architecture. */
static void test_real_configs(void)
{
	static const char *const dirs[] = {
		"bert-base", "bert-sst2", "bert-legacy", "distilbert-base", "distilbert-sst2", "gpt2",
		"vit", "custom-code",
	};
	size_t i;

	for (i = 0; i < sizeof(dirs) / sizeof(*dirs); i++) {
		char *path = hfgit__aprintf("%s/%s/config.json", data_dir, dirs[i]);
		hfgit_config *cfg = NULL;

		CHECK_MSG(path && hfgit_config__load(&cfg, path) == 0, "%s: %s", dirs[i],
		          hfgit_error_last());
		CHECK(cfg && hfgit_config_model_type(cfg) != NULL);
		hfgit_config__free(cfg);
		free(path);
	}
	CHECK(hfgit_config__load(&(hfgit_config *){ NULL }, "/nonexistent/config.json") ==
	      HFGIT_ENOTFOUND);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_model_config tests/data/models\n");
		return 2;
	}
	data_dir = argv[1];
	test_not_json();
	test_common_fields();
	test_typed_reads();
	test_choice();
	test_real_configs();
	return check_finish();
}
