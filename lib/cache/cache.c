#include "cache/cache.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "hub/context.h"
#include "hub/hf_env.h"

/* Paths from options and variables are expanded as huggingface_hub expands its own, so
 * HF_HOME='~/x' is $HOME/x here too. */
int hfgit_cache_root(char **out, const char *override)
{
	const char *env;
	char *base;
	int rc;

	*out = NULL;
	if (override && *override)
		return hfgit_env_expand_path(out, override);
	if ((env = hfgit_env_get("HFGIT_HOME")))
		return hfgit_env_expand_path(out, env);
	if ((env = hfgit_env_get("HF_HOME"))) {
		if ((rc = hfgit_env_expand_path(&base, env)) < 0)
			return rc;
	} else if ((env = hfgit_env_get("XDG_CACHE_HOME"))) {
		if ((rc = hfgit_env_expand_path(&base, env)) < 0)
			return rc;
	} else {
		if (!hfgit_env_home())
			return hfgit_error_set(HFGIT_EIO, "cannot find a cache directory: set HFGIT_HOME or HOME");
		if ((rc = hfgit_env_expand_path(&base, "~/.cache")) < 0)
			return rc;
	}
	*out = hfgit_aprintf("%s/hfgit", base);
	free(base);
	return *out ? 0 : HFGIT_ERROR;
}

/*
 * "https://huggingface.co" -> "huggingface.co", "http://127.0.0.1:8080/mirror" ->
 * "127.0.0.1_8080_mirror": one path component, safe on every file system.
 */
static char *endpoint_key(const char *endpoint)
{
	const char *start = strstr(endpoint, "://");
	char *key, *p;

	start = start ? start + 3 : endpoint;
	if (!(key = hfgit_strdup(start)))
		return NULL;
	for (p = key; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			*p = '_';
	}
	return key;
}

int hfgit_cache_repo_path(char **out, const hfgit_ctx *ctx, const hfgit_model_id *id)
{
	char *key = endpoint_key(ctx->endpoint);

	if (!key)
		return HFGIT_ERROR;
	*out = hfgit_aprintf("%s/repos/%s/%s.git", ctx->cache_dir, key, hfgit_model_id_repo(id));
	free(key);
	return *out ? 0 : HFGIT_ERROR;
}

int hfgit_cache_tmp_dir(char **out, const hfgit_ctx *ctx)
{
	char *dir = hfgit_aprintf("%s/tmp", ctx->cache_dir);
	int rc;

	if (!dir)
		return HFGIT_ERROR;
	if ((rc = hfgit_fs_mkdir_p(dir)) < 0) {
		free(dir);
		return hfgit_error_set(rc, "cannot create the cache directory '%s' (%s): "
		                       "make it writable or choose another with --cache-dir or HFGIT_HOME",
		                       ctx->cache_dir, hfgit_error_last());
	}
	*out = dir;
	return 0;
}
