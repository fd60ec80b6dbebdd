/*
 * Every public function that takes an options struct refuses one of another version, before it
 * does anything (no network, no file written), with a message that names the _INIT macro.
 */
#define _GNU_SOURCE
#include "hfgit.h"
#include "check.h"

#include <stdlib.h>
#include <string.h>

#define BAD 99

static char cache[64] = "/tmp/hfgit-test-options.XXXXXX";

static void expect_refused(int rc, const char *what, const char *init)
{
	CHECK_MSG(rc == HFGIT_EINVALID, "%s: rc %d, expected HFGIT_EINVALID", what, rc);
	CHECK_MSG(strstr(hfgit_error_last(), init) != NULL, "%s: message \"%s\" does not name %s",
	          what, hfgit_error_last(), init);
	CHECK_MSG(strstr(hfgit_error_last(), "version 99") != NULL, "%s: message \"%s\"", what,
	          hfgit_error_last());
}

int main(void)
{
	hfgit_ctx_options co = HFGIT_CTX_OPTIONS_INIT;
	hfgit_clone_options clone = HFGIT_CLONE_OPTIONS_INIT;
	hfgit_export_options ex = HFGIT_EXPORT_OPTIONS_INIT;
	hfgit_gc_options gc = HFGIT_GC_OPTIONS_INIT;
	hfgit_verify_options vo = HFGIT_VERIFY_OPTIONS_INIT;
	hfgit_lock_options lo = HFGIT_LOCK_OPTIONS_INIT;
	hfgit_sync_options so = HFGIT_SYNC_OPTIONS_INIT;
	hfgit_model_options mo = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_tokenizer_options to = HFGIT_TOKENIZER_OPTIONS_INIT;
	const char *spec = "hfgit-test/none@main";
	hfgit_ctx *ctx = NULL;
	hfgit_model_id *id = NULL;
	void *out = NULL;
	char dir[128];

	if (!mkdtemp(cache) || hfgit_init() < 0)
		return 1;
	co.cache_dir = cache;
	co.endpoint = "http://127.0.0.1:9"; /* nothing listens: a call that got that far fails otherwise */
	co.offline = 1;
	CHECK(hfgit_ctx_new(&ctx, &co) == 0);
	CHECK(hfgit_model_id_parse(&id, spec) == 0);
	snprintf(dir, sizeof(dir), "%s/clone", cache);

	co.version = BAD;
	expect_refused(hfgit_ctx_new((hfgit_ctx **)&out, &co), "hfgit_ctx_new", "HFGIT_CTX_OPTIONS_INIT");
	clone.version = BAD;
	expect_refused(hfgit_clone(NULL, ctx, id, dir, &clone), "hfgit_clone", "HFGIT_CLONE_OPTIONS_INIT");
	expect_refused(hfgit_update(NULL, ctx, dir, &clone), "hfgit_update", "HFGIT_CLONE_OPTIONS_INIT");
	expect_refused(hfgit_list_files((hfgit_file_list **)&out, NULL, ctx, id, &clone),
	               "hfgit_list_files", "HFGIT_CLONE_OPTIONS_INIT");
	{
		const char *paths[] = { "config.json" };
		expect_refused(hfgit_download(NULL, ctx, id, dir, paths, 1, &clone), "hfgit_download",
		               "HFGIT_CLONE_OPTIONS_INIT");
	}
	expect_refused(hfgit_chat_template_from_pretrained((hfgit_chat_template **)&out, ctx, spec,
	                                                   NULL, &clone),
	               "hfgit_chat_template_from_pretrained", "HFGIT_CLONE_OPTIONS_INIT");
	ex.version = BAD;
	expect_refused(hfgit_export_hf_cache((hfgit_hf_export **)&out, ctx, id, &ex),
	               "hfgit_export_hf_cache", "HFGIT_EXPORT_OPTIONS_INIT");
	gc.version = BAD;
	expect_refused(hfgit_gc((hfgit_gc_report **)&out, ctx, &gc), "hfgit_gc", "HFGIT_GC_OPTIONS_INIT");
	vo.version = BAD;
	expect_refused(hfgit_verify_store((hfgit_verify_report **)&out, ctx, &vo), "hfgit_verify_store",
	               "HFGIT_VERIFY_OPTIONS_INIT");
	expect_refused(hfgit_verify_model((hfgit_verify_report **)&out, ctx, id, &vo),
	               "hfgit_verify_model", "HFGIT_VERIFY_OPTIONS_INIT");
	expect_refused(hfgit_verify_checkout((hfgit_verify_report **)&out, ctx, dir, &vo),
	               "hfgit_verify_checkout", "HFGIT_VERIFY_OPTIONS_INIT");
	lo.version = BAD;
	expect_refused(hfgit_lock_create((hfgit_lock **)&out, ctx, &spec, 1, &lo), "hfgit_lock_create",
	               "HFGIT_LOCK_OPTIONS_INIT");
	mo.version = BAD;
	expect_refused(hfgit_model_from_pretrained((hfgit_model **)&out, ctx, spec, &mo),
	               "hfgit_model_from_pretrained", "HFGIT_MODEL_OPTIONS_INIT");
	to.version = BAD;
	expect_refused(hfgit_tokenizer_from_pretrained((hfgit_tokenizer **)&out, ctx, spec, &to),
	               "hfgit_tokenizer_from_pretrained", "HFGIT_TOKENIZER_OPTIONS_INIT");
	so.version = BAD;
	{
		hfgit_lock *lock = NULL;
		static const char text[] = "# hfgit lockfile v1\n";
		CHECK(hfgit_lock_parse(&lock, text, sizeof(text) - 1, "t.lock") == 0);
		if (lock) {
			expect_refused(hfgit_lock_sync((hfgit_lock_report **)&out, ctx, lock, &so),
			               "hfgit_lock_sync", "HFGIT_SYNC_OPTIONS_INIT");
			hfgit_lock_free(lock);
		}
	}
	{
		static const char json[] = "{\"model\": {\"type\": \"WordPiece\", \"vocab\": {\"a\": 0, "
		                           "\"[UNK]\": 1}, \"unk_token\": \"[UNK]\"}}";
		hfgit_encode_options eo = HFGIT_ENCODE_OPTIONS_INIT;
		hfgit_tokenizer *tok = NULL;
		eo.version = BAD;
		if (hfgit_tokenizer_from_json(&tok, json, sizeof(json) - 1) == 0) {
			expect_refused(hfgit_tokenizer_encode((hfgit_encoding **)&out, tok, "a", 1, NULL, 0, &eo),
			               "hfgit_tokenizer_encode", "HFGIT_ENCODE_OPTIONS_INIT");
			hfgit_tokenizer_free(tok);
		} else {
			CHECK_MSG(0, "tokenizer: %s", hfgit_error_last());
		}
	}
	CHECK_MSG(out == NULL, "a refused call returned something");

	hfgit_model_id_free(id);
	hfgit_ctx_free(ctx);
	hfgit_shutdown();
	{
		char cmd[160];
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", cache);
		if (system(cmd) != 0)
			return 1;
	}
	return check_finish();
}
