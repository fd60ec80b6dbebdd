/*
 * The public architecture API: a program registers its own architecture (a repository whose
 * config.json has auto_map then loads without running any of its code), conflicts and misuse
 * are refused, and hfgit_model_from_pretrained finds an id's checkout in the cache by commit
 * without touching the network.
 *
 *     test_model_registry <dir>     (dir: tests/data/models)
 */
#include "hfgit.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/fs.h"
#include "core/strbuf.h"

static const char *data_dir;
static int builds;

static int tiny_read_config(hfgit_config *cfg, void *payload)
{
	const unsigned int need = HFGIT_READ_REQUIRED | HFGIT_READ_SIZE;
	long long v;
	int rc;

	CHECK(payload == &builds);
	if ((rc = hfgit_config_read_int(&v, cfg, "hidden_size", NULL, 0, need)) < 0)
		return rc;
	return hfgit_config_read_int(&v, cfg, "vocab_size", NULL, 0, need);
}

static int tiny_build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	long long hidden = 0, vocab = 0;
	int rc;

	(*(int *)payload)++;
	if ((rc = hfgit_config_get_int(&hidden, cfg, "hidden_size")) < 0 ||
	    (rc = hfgit_config_get_int(&vocab, cfg, "vocab_size")) < 0)
		return rc;
	rc = hfgit_binder_param(b, "embed.weight", HFGIT_DIMS(vocab, hidden), 0);
	if (rc == 0 && (rc = hfgit_binder_push(b, "proj")) == 0) {
		rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(hidden, hidden), HFGIT_BIND_IN_OUT);
		if (rc == 0)
			rc = hfgit_binder_param(b, "bias", HFGIT_DIMS(hidden), 0);
		hfgit_binder_pop(b);
	}
	/* A head the checkpoint lacks, and a tie. */
	if (rc == 0 && hfgit_binder_head(b) == HFGIT_AUTO_SEQ_CLS)
		rc = hfgit_binder_param(b, "score.weight", HFGIT_DIMS(3, hidden), HFGIT_BIND_OPTIONAL);
	if (rc == 0 && hfgit_binder_head(b) == HFGIT_AUTO_CAUSAL_LM)
		rc = hfgit_binder_tie(b, "lm_head.weight", "embed.weight");
	return rc;
}

static hfgit_architecture tiny_arch(void)
{
	hfgit_architecture arch = HFGIT_ARCHITECTURE_INIT;
	static const char *const others[] = { "TinyCustomForPretraining", NULL };

	arch.model_type = "tiny-custom";
	arch.classes[HFGIT_AUTO_BASE] = "TinyCustomModel";
	arch.classes[HFGIT_AUTO_SEQ_CLS] = "TinyCustomForSequenceClassification";
	arch.classes[HFGIT_AUTO_CAUSAL_LM] = "TinyCustomForCausalLM";
	arch.other_classes = others;
	arch.read_config = tiny_read_config;
	arch.build = tiny_build;
	arch.payload = &builds;
	return arch;
}

static hfgit_model *load_custom(hfgit_auto_class auto_class, int want)
{
	hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
	char *dir = hfgit__aprintf("%s/custom-code", data_dir);
	hfgit_model *m = NULL;
	int rc;

	opts.auto_class = auto_class;
	rc = hfgit_model_from_pretrained(&m, NULL, dir, &opts);
	CHECK_MSG(rc == want, "custom-code: %d, expected %d (%s)", rc, want, hfgit_error_last());
	free(dir);
	return m;
}

static void test_register_and_load(void)
{
	hfgit_architecture arch = tiny_arch();
	const hfgit_param *p, *embed;
	hfgit_model *m;
	char *list;

	load_custom(HFGIT_AUTO_CONFIG, HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "never runs") != NULL);
	CHECK_MSG(hfgit_architecture_register(&arch) == 0, "%s", hfgit_error_last());
	list = hfgit_architecture_list();
	CHECK_STR(list, "bert, distilbert, gpt2, vit, llama, mistral, qwen2, tiny-custom");
	free(list);

	if ((m = load_custom(HFGIT_AUTO_CONFIG, 0))) {
		CHECK_STR(hfgit_model_class(m), "TinyCustomModel");
		CHECK_STR(hfgit_model_model_type(m), "tiny-custom");
		CHECK(hfgit_model_param_count(m) == 3);
		p = hfgit_model_param_find(m, "proj.weight");
		CHECK(p && (p->flags & HFGIT_PARAM_IN_OUT) && p->source && !strcmp(p->source, "proj.weight"));
		CHECK(hfgit_model_issue_count(m) == 1);
		CHECK(hfgit_model_issue_at(m, 0)->kind == HFGIT_ISSUE_CUSTOM_CODE);
		CHECK(strstr(hfgit_model_issue_at(m, 0)->message, "AutoModel: modeling_tiny.TinyModel"));
		CHECK(strstr(hfgit_model_issue_at(m, 0)->message, "never runs it"));
		hfgit_model_free(m);
	}
	if ((m = load_custom(HFGIT_AUTO_SEQ_CLS, 0))) {
		CHECK_STR(hfgit_model_class(m), "TinyCustomForSequenceClassification");
		p = hfgit_model_param_find(m, "score.weight");
		CHECK(p && (p->flags & HFGIT_PARAM_NEW) && p->shape[0] == 3 && !strcmp(p->dtype, "F32"));
		CHECK(hfgit_model_issue_total(m, HFGIT_SEVERITY_WARNING) == 1);
		hfgit_model_free(m);
	}
	if ((m = load_custom(HFGIT_AUTO_CAUSAL_LM, 0))) {
		hfgit_model_usage u;

		p = hfgit_model_param_find(m, "lm_head.weight");
		embed = hfgit_model_param_find(m, "embed.weight");
		CHECK(p && embed && p->data == embed->data && (p->flags & HFGIT_PARAM_TIED));
		CHECK(p && p->tied_to && !strcmp(p->tied_to, "embed.weight") && !p->source);
		CHECK(hfgit_model_usage_get(&u, m) == 0);
		/* Tied parameters count once, as num_parameters() does. */
		CHECK(u.parameters == 10 * 8 + 8 * 8 + 8 && u.tensors == 4);
		CHECK(u.param_bytes == u.parameters * 4);
		CHECK_STR(u.dtypes, "F32");
		/* Its safetensors header has an odd length: every tensor was copied to be aligned. */
		CHECK(u.mapped_bytes > u.param_bytes && u.heap_bytes == u.param_bytes);
		hfgit_model_free(m);
	}
	CHECK(builds == 3);
}

static int bad_build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	(void)cfg;
	(void)payload;
	hfgit_binder_push(b, "left.open");
	return hfgit_binder_param(b, "x", HFGIT_DIMS(1), 0);
}

static int misuse_build(hfgit_binder *b, const hfgit_config *cfg, void *payload)
{
	(void)cfg;
	(void)payload;
	/* Ignores the error: the binder remembers it. */
	hfgit_binder_tie(b, "lm_head.weight", "no.such.param");
	return 0;
}

static void test_refusals(void)
{
	hfgit_architecture arch = tiny_arch();

	CHECK(hfgit_architecture_register(&arch) == HFGIT_EEXISTS);
	CHECK(strstr(hfgit_error_last(), "model_type 'tiny-custom' is registered already"));
	arch.model_type = "tiny-other";
	arch.classes[HFGIT_AUTO_BASE] = "BertModel";
	CHECK(hfgit_architecture_register(&arch) == HFGIT_EEXISTS);
	CHECK(strstr(hfgit_error_last(), "class 'BertModel' belongs to another"));
	arch.classes[HFGIT_AUTO_BASE] = "TinyOtherModel";
	arch.build = NULL;
	CHECK(hfgit_architecture_register(&arch) == HFGIT_EINVALID);
	arch = tiny_arch();
	arch.version = 99;
	CHECK(hfgit_architecture_register(&arch) == HFGIT_EINVALID);
	CHECK(hfgit_architecture_register(NULL) == HFGIT_EINVALID);
	CHECK(hfgit_architecture_unregister("bert") == HFGIT_EINVALID);
	CHECK(hfgit_architecture_unregister("nothing") == HFGIT_ENOTFOUND);

	/* A build function that leaves a scope open, or misuses the binder, fails the load. */
	CHECK(hfgit_architecture_unregister("tiny-custom") == 0);
	arch = tiny_arch();
	arch.build = bad_build;
	CHECK(hfgit_architecture_register(&arch) == 0);
	load_custom(HFGIT_AUTO_CONFIG, HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "leaves 1 scope(s) open"));
	CHECK(hfgit_architecture_unregister("tiny-custom") == 0);
	arch.build = misuse_build;
	CHECK(hfgit_architecture_register(&arch) == 0);
	load_custom(HFGIT_AUTO_CONFIG, HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "'no.such.param', which is not bound"));
	CHECK(hfgit_architecture_unregister("tiny-custom") == 0);
	load_custom(HFGIT_AUTO_CONFIG, HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(),
	             "known model types: bert, distilbert, gpt2, vit, llama, mistral, qwen2."));
}

/* An id whose commit was checked out before loads from <cache>/checkouts, offline. */
static void test_checkout_in_cache(void)
{
	static const char commit[] = "0123456789abcdef0123456789abcdef01234567";
	hfgit_ctx_options copts = HFGIT_CTX_OPTIONS_INIT;
	char cache[] = "/tmp/hfgit-test-registry.XXXXXX", *dir, *src, *cmd;
	hfgit_ctx *ctx = NULL;
	hfgit_model *m = NULL;

	if (!mkdtemp(cache))
		return;
	dir = hfgit__aprintf("%s/checkouts/hfgit-test/tiny-gpt2/%s", cache, commit);
	src = hfgit__aprintf("%s/gpt2", data_dir);
	cmd = hfgit__aprintf("mkdir -p '%s' && cp '%s'/* '%s'", dir, src, dir);
	CHECK(cmd && system(cmd) == 0);
	copts.cache_dir = cache;
	copts.offline = 1;
	CHECK(hfgit_ctx_new(&ctx, &copts) == 0);
	CHECK_MSG(hfgit_model_from_pretrained(&m, ctx, "hfgit-test/tiny-gpt2@0123456789ABCDEF0123456789abcdef01234567",
	                                      NULL) == 0, "%s", hfgit_error_last());
	if (m) {
		CHECK_STR(hfgit_model_commit(m), commit);
		CHECK_STR(hfgit_model_dir(m), dir);
		CHECK_STR(hfgit_model_class(m), "GPT2LMHeadModel");
		hfgit_model_free(m);
	}
	/* A commit never checked out needs the network, which offline mode forbids. */
	CHECK(hfgit_model_from_pretrained(&m, ctx, "hfgit-test/tiny-gpt2@1123456789abcdef0123456789abcdef01234567",
	                                  NULL) < 0 && !m);
	hfgit_ctx_free(ctx);
	hfgit_fs__remove_tree(cache);
	free(cmd);
	free(src);
	free(dir);
}

int main(int argc, char **argv)
{
	if (argc != 2) {
		fprintf(stderr, "usage: test_model_registry tests/data/models\n");
		return 2;
	}
	data_dir = argv[1];
	if (hfgit_init() < 0)
		return 2;
	test_register_and_load();
	test_refusals();
	test_checkout_in_cache();
	hfgit_shutdown();
	return check_finish();
}
