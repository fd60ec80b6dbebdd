/*
 * The HTTP settings every request of hfgit shares: git smart HTTP, the LFS batch API and the
 * object downloads. One place decides the user agent, protocols, redirects, timeouts, proxy
 * and trust store, so that the git half and the LFS half of a clone never behave differently
 * on one network (a proxy that only one half used made every clone fail where a proxy is the
 * only way out).
 */
#ifndef HFGIT_HUB_HTTP_H
#define HFGIT_HUB_HTTP_H

#include <curl/curl.h>
#include <stdbool.h>

/* What a request is for: they differ only in which timeout applies. */
typedef enum {
	HFGIT_HTTP_METADATA = 0, /* refs, packs of git objects, batch API: HF_HUB_ETAG_TIMEOUT */
	HFGIT_HTTP_DOWNLOAD = 1, /* LFS object bytes: HF_HUB_DOWNLOAD_TIMEOUT */
} hfgit_http_kind;

typedef struct {
	/* Seconds to connect, and seconds without a byte before a transfer counts as stalled. */
	long timeout[2];
	/* Where each value came from, for error messages ("--timeout", "HF_HUB_ETAG_TIMEOUT"). */
	const char *timeout_source[2];
	/* The proxy from git's http.proxy (wins over the environment, as in git); NULL: the
	 * environment decides per URL; "": no proxy at all. */
	char *git_proxy;
	char *noproxy;  /* $no_proxy / $NO_PROXY, or NULL */
	char *ca_file;  /* CA bundle to trust instead of the system's, or NULL */
	char *ca_dir;   /* CA directory (c_rehash layout), or NULL */
	bool git_config_read;
} hfgit_http_config;

/*
 * The settings from the environment. `timeout` > 0 (from --timeout) overrides both timeouts;
 * else HF_HUB_ETAG_TIMEOUT and HF_HUB_DOWNLOAD_TIMEOUT as huggingface_hub reads them (default
 * 10 s each). CA: GIT_SSL_CAINFO, CURL_CA_BUNDLE, SSL_CERT_FILE; GIT_SSL_CAPATH, SSL_CERT_DIR.
 * HFGIT_EINVALID for a malformed timeout.
 */
int hfgit_http__config_init(hfgit_http_config *c, double timeout);

/*
 * Adds what git's configuration says (http.proxy, http.sslCAInfo, http.sslCAPath; NULL when
 * unset). The environment's GIT_SSL_* still win, as in git; git's http.proxy wins over the
 * proxy variables.
 */
int hfgit_http__config_add_git(hfgit_http_config *c, const char *proxy, const char *ca_file,
                               const char *ca_dir);

void hfgit_http__config_dispose(hfgit_http_config *c);

/*
 * Applies the shared settings to `easy` for a request to `url`: user agent, http/https only
 * (also after redirects), redirects followed, timeouts of `kind`, the proxy for the URL's
 * scheme (git's http.proxy, else https_proxy/HTTPS_PROXY or http_proxy/HTTP_PROXY, else
 * all_proxy/ALL_PROXY; no_proxy/NO_PROXY exempt hosts), the trust store. The URL itself and
 * the callbacks are the caller's. Returns false when out of memory.
 */
bool hfgit_http__setup(CURL *easy, const hfgit_http_config *c, const char *url,
                       hfgit_http_kind kind);

/*
 * A message for a transfer that failed below HTTP, naming the URL and, for timeouts, the
 * timeout and how to change it. Written to `out` (always NUL-terminated).
 */
void hfgit_http__describe(char *out, size_t size, const hfgit_http_config *c, hfgit_http_kind kind,
                          const char *url, CURLcode rc, const char *curl_error);

/* Retry-After as seconds to wait: delta-seconds or an HTTP-date; -1 if unparsable. */
double hfgit_http__retry_after(const char *value);

/* Exponential backoff for the `failures`-th failure (from 1): 0.25 s doubling up to `max`;
 * a server's Retry-After (>= 0) wins, up to `retry_after_max`. */
double hfgit_http__backoff(unsigned failures, double max, double retry_after,
                           double retry_after_max);

/* True for statuses worth retrying: 429, and 5xx except those that say "never" (501, 507,
 * 509). */
bool hfgit_http__retryable(long status);

#endif
