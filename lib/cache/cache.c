#include "cache.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common/error.h"
#include "common/fs.h"
#include "common/strbuf.h"
#include "context.h"

static const char *home_dir(void)
{
	const char *home = getenv("HOME");
	struct passwd *pw;

	if (home && *home)
		return home;
	pw = getpwuid(getuid());
	return pw ? pw->pw_dir : NULL;
}

static int nonempty(const char *s)
{
	return s && *s;
}

int hfgit_cache_root(char **out, const char *override)
{
	const char *env;
	char *root;

	if (nonempty(override))
		root = hfgit_fs_absolute(override);
	else if (nonempty(env = getenv("HFGIT_HOME")))
		root = hfgit_fs_absolute(env);
	else if (nonempty(env = getenv("HF_HOME")))
		root = hfgit_aprintf("%s/hfgit", env);
	else if (nonempty(env = getenv("XDG_CACHE_HOME")))
		root = hfgit_aprintf("%s/hfgit", env);
	else if ((env = home_dir()) != NULL)
		root = hfgit_aprintf("%s/.cache/hfgit", env);
	else
		return hfgit_error_set(HFGIT_EIO, "cannot find a cache directory: set HFGIT_HOME or HOME");
	*out = root;
	return root ? 0 : HFGIT_ERROR;
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
