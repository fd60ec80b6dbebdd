/* The context: endpoint, cache and network policy shared by every operation. */
#ifndef HFGIT_CONTEXT_H
#define HFGIT_CONTEXT_H

#include "hfgit/common.h"
#include "hfgit/model_id.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Context: endpoint, cache and network policy shared by the operations below                */

typedef struct hfgit_ctx hfgit_ctx;

typedef struct {
	unsigned int version;
	/* Hub endpoint; NULL: $HF_ENDPOINT, else https://huggingface.co. */
	const char *endpoint;
	/* Cache root; NULL: $HFGIT_HOME, $HF_HOME/hfgit, $XDG_CACHE_HOME/hfgit, ~/.cache/hfgit.
	 * "~" and $VAR are expanded in all of them, as huggingface_hub expands its paths. */
	const char *cache_dir;
	/* Never touch the network: 1; 0: $HF_HUB_OFFLINE (else the older $TRANSFORMERS_OFFLINE)
	 * or $HFGIT_OFFLINE decide (1, ON, YES, TRUE, any case). Offline, revisions resolve from
	 * what the cache last saw. */
	int offline;
	/* Access token for private and gated repositories; NULL: $HF_TOKEN, else the older
	 * $HUGGING_FACE_HUB_TOKEN, else the token file $HF_TOKEN_PATH, else $HF_HOME/token
	 * ($XDG_CACHE_HOME/huggingface/token, ~/.cache/huggingface/token). Sent only to the endpoint's own origin (git
	 * and the LFS batch API), never to the hosts object bytes come from, never printed, never
	 * written into a checkout. */
	const char *token;
	/* Seconds to wait for a connection, and for the next byte of an answer, before giving
	 * up, for git and LFS traffic alike; 0: $HF_HUB_ETAG_TIMEOUT for refs, git objects and the
	 * batch API, $HF_HUB_DOWNLOAD_TIMEOUT for object bytes, 10 s each by default. Proxies
	 * ($https_proxy, $http_proxy, $all_proxy, upper case too, $no_proxy; git's http.proxy
	 * wins) and trusted CAs ($GIT_SSL_CAINFO, git's http.sslCAInfo, $CURL_CA_BUNDLE,
	 * $SSL_CERT_FILE; $GIT_SSL_CAPATH, http.sslCAPath, $SSL_CERT_DIR) come from the
	 * environment and git's configuration, for both halves of every transfer. */
	double timeout;
} hfgit_ctx_options;

#define HFGIT_CTX_OPTIONS_VERSION 1
#define HFGIT_CTX_OPTIONS_INIT { HFGIT_CTX_OPTIONS_VERSION, NULL, NULL, 0, NULL, 0 }

HFGIT_EXTERN int hfgit_ctx_new(hfgit_ctx **out, const hfgit_ctx_options *opts);
HFGIT_EXTERN void hfgit_ctx_free(hfgit_ctx *ctx);
HFGIT_EXTERN const char *hfgit_ctx_endpoint(const hfgit_ctx *ctx);
HFGIT_EXTERN const char *hfgit_ctx_cache_dir(const hfgit_ctx *ctx);
HFGIT_EXTERN int hfgit_ctx_offline(const hfgit_ctx *ctx);

/*
 * A boolean environment variable read as huggingface_hub reads its own (1, ON, YES, TRUE in
 * any case are true, anything else false): 1 or 0, or -1 when it is not set at all (for
 * variables like HF_HUB_DISABLE_PROGRESS_BARS, where "unset" and "false" differ).
 */
HFGIT_EXTERN int hfgit_env_flag(const char *name);

/* The git remote URL of a model id: endpoint + "/" + repository path. Free with free(). */
HFGIT_EXTERN int hfgit_remote_url(char **out, const hfgit_ctx *ctx, const hfgit_model_id *id);

#ifdef __cplusplus
}
#endif

#endif
