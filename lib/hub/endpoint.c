/*
 * The hub endpoint and the context that carries it. HF_ENDPOINT means what it means for
 * huggingface_hub, so a mirror or the local test hub is selected the same way for both.
 */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "common/error.h"
#include "common/strbuf.h"
#include "cache/cache.h"
#include "context.h"

#define HFGIT_DEFAULT_ENDPOINT "https://huggingface.co"

static int validate_endpoint(const char *endpoint)
{
	if (strncmp(endpoint, "https://", 8) && strncmp(endpoint, "http://", 7))
		return hfgit_error_set(HFGIT_EINVALID,
		                       "invalid endpoint '%s': expected an http:// or https:// URL "
		                       "(set HF_ENDPOINT or --endpoint)", endpoint);
	return 0;
}

/* huggingface_hub's reading of a boolean environment variable. */
static int env_true(const char *name)
{
	const char *v = getenv(name);
	return v && (!strcasecmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "yes") ||
	             !strcasecmp(v, "true"));
}

static char *normalized_endpoint(const char *endpoint)
{
	size_t len = strlen(endpoint);
	char *copy;

	while (len > 0 && endpoint[len - 1] == '/')
		len--;
	if (!(copy = malloc(len + 1))) {
		hfgit_error_oom();
		return NULL;
	}
	memcpy(copy, endpoint, len);
	copy[len] = '\0';
	return copy;
}

int hfgit_ctx_new(hfgit_ctx **out, const hfgit_ctx_options *opts)
{
	hfgit_ctx_options defaults = HFGIT_CTX_OPTIONS_INIT;
	const char *endpoint;
	hfgit_ctx *ctx;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	endpoint = opts->endpoint;
	if (!endpoint || !*endpoint)
		endpoint = getenv("HF_ENDPOINT");
	if (!endpoint || !*endpoint)
		endpoint = HFGIT_DEFAULT_ENDPOINT;
	if ((rc = validate_endpoint(endpoint)) < 0)
		return rc;

	if (!(ctx = calloc(1, sizeof(*ctx))))
		return hfgit_error_oom();
	if (!(ctx->endpoint = normalized_endpoint(endpoint)) ||
	    (rc = hfgit_cache_root(&ctx->cache_dir, opts->cache_dir)) < 0) {
		hfgit_ctx_free(ctx);
		return rc < 0 ? rc : HFGIT_ERROR;
	}
	ctx->offline = opts->offline > 0 || env_true("HF_HUB_OFFLINE") || env_true("HFGIT_OFFLINE");
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
	*out = hfgit_aprintf("%s/%s", ctx->endpoint, hfgit_model_id_repo(id));
	return *out ? 0 : HFGIT_ERROR;
}
