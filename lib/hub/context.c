/*
 * The hub endpoint and the context that carries it. HF_ENDPOINT means what it means for
 * huggingface_hub, so a mirror or the local test hub is selected the same way for both.
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/options.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/layout.h"
#include "hub/hf_env.h"
#include "hub/context.h"

#define HFGIT_DEFAULT_ENDPOINT "https://huggingface.co"

static int validate_endpoint(const char *endpoint)
{
	if (strncmp(endpoint, "https://", 8) && strncmp(endpoint, "http://", 7))
		return hfgit_error__set(HFGIT_EINVALID,
		                        "invalid endpoint '%s': expected an http:// or https:// URL "
		                        "(set HF_ENDPOINT or --endpoint)", endpoint);
	return 0;
}

static char *normalized_endpoint(const char *endpoint)
{
	size_t len = strlen(endpoint);
	char *copy;

	while (len > 0 && endpoint[len - 1] == '/')
		len--;
	if (!(copy = malloc(len + 1))) {
		hfgit_error__oom();
		return NULL;
	}
	memcpy(copy, endpoint, len);
	copy[len] = '\0';
	return copy;
}

/* A token is one line of printable characters: no whitespace, nothing that could split a
 * header. The file may end in a newline. */
static int set_token(hfgit_ctx *ctx, const char *given)
{
	char *token;
	size_t len, i;
	int rc;

	if ((rc = hfgit_env__token(&token, given)) < 0)
		return rc;
	if (!token)
		return 0;
	len = strlen(token);
	for (i = 0; i < len; i++) {
		if ((unsigned char)token[i] <= ' ' || (unsigned char)token[i] >= 0x7f) {
			free(token);
			return hfgit_error__set(HFGIT_EINVALID, "the access token (from --token, HF_TOKEN, "
			                        "HUGGING_FACE_HUB_TOKEN or the token file) contains a space or control character: "
			                        "paste it again");
		}
	}
	ctx->token = token;
	ctx->authorization = hfgit__aprintf("Authorization: Bearer %s", token);
	return ctx->authorization ? 0 : HFGIT_ERROR;
}

int hfgit_ctx_new(hfgit_ctx **out, const hfgit_ctx_options *opts)
{
	hfgit_ctx_options defaults = HFGIT_CTX_OPTIONS_INIT;
	const char *endpoint;
	hfgit_ctx *ctx;
	int rc;

	*out = NULL;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_CTX_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (!opts)
		opts = &defaults;
	endpoint = opts->endpoint;
	if (!endpoint || !*endpoint)
		endpoint = hfgit_env__get("HF_ENDPOINT");
	if (!endpoint || !*endpoint)
		endpoint = HFGIT_DEFAULT_ENDPOINT;
	if ((rc = validate_endpoint(endpoint)) < 0)
		return rc;

	if (!(ctx = calloc(1, sizeof(*ctx))))
		return hfgit_error__oom();
	if (!(ctx->endpoint = normalized_endpoint(endpoint)) ||
	    (rc = hfgit_cache__root(&ctx->cache_dir, opts->cache_dir)) < 0 ||
	    (rc = set_token(ctx, opts->token)) < 0 ||
	    (rc = hfgit_http__config_init(&ctx->http, opts->timeout)) < 0) {
		hfgit_ctx_free(ctx);
		return rc < 0 ? rc : HFGIT_ERROR;
	}
	ctx->offline = opts->offline > 0 || hfgit_env__offline();
	*out = ctx;
	return 0;
}

int hfgit_ctx_offline(const hfgit_ctx *ctx)
{
	return ctx->offline;
}

void hfgit_ctx_free(hfgit_ctx *ctx)
{
	if (!ctx)
		return;
	free(ctx->endpoint);
	free(ctx->cache_dir);
	if (ctx->token) /* do not leave the secret in freed memory */
		memset(ctx->token, 0, strlen(ctx->token));
	if (ctx->authorization)
		memset(ctx->authorization, 0, strlen(ctx->authorization));
	free(ctx->token);
	free(ctx->authorization);
	hfgit_http__config_dispose(&ctx->http);
	free(ctx);
}

const char *hfgit_ctx_endpoint(const hfgit_ctx *ctx)
{
	return ctx->endpoint;
}

const char *hfgit_ctx_cache_dir(const hfgit_ctx *ctx)
{
	return ctx->cache_dir;
}

int hfgit_remote_url(char **out, const hfgit_ctx *ctx, const hfgit_model_id *id)
{
	*out = hfgit__aprintf("%s/%s", ctx->endpoint, hfgit_model_id_repo(id));
	return *out ? 0 : HFGIT_ERROR;
}

int hfgit_cache__tmp_dir(char **out, const hfgit_ctx *ctx)
{
	char *dir = hfgit_layout__tmp_dir(ctx->cache_dir);
	int rc;

	if (!dir)
		return HFGIT_ERROR;
	if ((rc = hfgit_fs__mkdir_p(dir)) < 0) {
		free(dir);
		return hfgit_error__set(rc, "cannot create the cache directory '%s' (%s): "
		                        "make it writable or choose another with --cache-dir or HFGIT_HOME",
		                        ctx->cache_dir, hfgit_error_last());
	}
	*out = dir;
	return 0;
}

char *hfgit_ctx__lfs_root(const hfgit_ctx *ctx)
{
	return hfgit_layout__lfs_root(ctx->cache_dir);
}
