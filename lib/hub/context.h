/* The context every operation runs in: where the hub is and where the cache lives. */
#ifndef HFGIT_HUB_CONTEXT_H
#define HFGIT_HUB_CONTEXT_H

#include "hfgit.h"
#include "hub/http.h"

struct hfgit_ctx {
	char *endpoint;   /* no trailing '/' */
	char *cache_dir;  /* absolute */
	int offline;
	char *token;          /* NULL when none */
	char *authorization;  /* "Authorization: Bearer <token>", or NULL */
	hfgit_http_config http; /* git config's part is read on first use: hfgit_ctx__http */
};

/*
 * The HTTP settings of `ctx`, completed with git's configuration (http.proxy, http.sslCAInfo,
 * http.sslCAPath) the first time they are needed: reading it needs libgit2, which offline
 * commands never load.
 */
/* A directory for temporary work inside the cache (created). */
int hfgit_cache__tmp_dir(char **out, const hfgit_ctx *ctx);

/* The root of the cache's LFS object store (see core/layout.h). free() it. */
char *hfgit_ctx__lfs_root(const hfgit_ctx *ctx);

int hfgit_ctx__http(const hfgit_http_config **out, hfgit_ctx *ctx);

#endif
