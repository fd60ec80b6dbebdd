/*
 * The cache layout:
 *
 *     <root>/repos/<endpoint key>/<repo path>.git   one bare, shallow repository per model id
 *     <root>/tmp/                                   work in progress, same file system as above
 *
 * The endpoint key keeps repositories of different hubs (a mirror, the local test hub) apart.
 */
#ifndef HFGIT_CACHE_CACHE_H
#define HFGIT_CACHE_CACHE_H

#include "hfgit.h"

/* The cache root: `override`, else $HFGIT_HOME, $HF_HOME/hfgit, $XDG_CACHE_HOME/hfgit, ~/.cache/hfgit. */
int hfgit_cache_root(char **out, const char *override);

/* The path of the bare cache repository of `id` on the context's endpoint (not created). */
int hfgit_cache_repo_path(char **out, const hfgit_ctx *ctx, const hfgit_model_id *id);

/* A directory for temporary work inside the cache (created). */
int hfgit_cache_tmp_dir(char **out, const hfgit_ctx *ctx);

#endif
