/*
 * git's configuration for HTTP (http.proxy, http.sslCAInfo, http.sslCAPath), read once per
 * context from the files git itself reads (global, XDG, system), so that a proxy or an
 * internal CA configured for git works for hfgit's git and LFS traffic alike.
 */
#include <git2.h>
#include <stdlib.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "hub/context.h"
#include "core/library.h"

/* A string value of `cfg`, or NULL when unset. */
static char *config_string(git_config *cfg, const char *name)
{
	git_buf buf = GIT_BUF_INIT;
	char *value = NULL;

	if (cfg && git_config_get_string_buf(&buf, cfg, name) == 0)
		value = hfgit__strdup(buf.ptr);
	git_buf_dispose(&buf);
	return value;
}

int hfgit_ctx__http(const hfgit_http_config **out, hfgit_ctx *ctx)
{
	git_config *cfg = NULL;
	char *proxy, *ca_file, *ca_dir;
	int rc;

	*out = &ctx->http;
	if (ctx->http.git_config_read)
		return 0;
	if ((rc = hfgit_git__ready()) < 0)
		return rc;
	/* No configuration at all (no HOME, say) is not an error: git's defaults apply. */
	if (git_config_open_default(&cfg) < 0)
		cfg = NULL;
	proxy = config_string(cfg, "http.proxy");
	ca_file = config_string(cfg, "http.sslCAInfo");
	ca_dir = config_string(cfg, "http.sslCAPath");
	git_config_free(cfg);
	rc = hfgit_http__config_add_git(&ctx->http, proxy, ca_file, ca_dir);
	free(proxy);
	free(ca_file);
	free(ca_dir);
	return rc;
}
