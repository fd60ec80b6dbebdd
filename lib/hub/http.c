#define _GNU_SOURCE
#include "hub/http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "hfgit.h"

#define DEFAULT_TIMEOUT 10 /* seconds: huggingface_hub's default for both */

static const char *env(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

static int timeout_from_env(hfgit_http_config *c, hfgit_http_kind kind, const char *name)
{
	const char *v = env(name);
	char *end;
	double s;

	c->timeout[kind] = DEFAULT_TIMEOUT;
	c->timeout_source[kind] = name;
	if (!v)
		return 0;
	s = strtod(v, &end);
	if (end == v || *end || !(s > 0) || s > 86400)
		return hfgit_error__set(HFGIT_EINVALID, "%s='%s' is not a timeout: give seconds, e.g. "
		                        "%s=30", name, v, name);
	c->timeout[kind] = (long)ceil(s);
	return 0;
}

static int set_string(char **slot, const char *value)
{
	free(*slot);
	*slot = NULL;
	if (value && !(*slot = hfgit__strdup(value)))
		return HFGIT_ERROR;
	return 0;
}

int hfgit_http__config_init(hfgit_http_config *c, double timeout)
{
	const char *ca_file = env("GIT_SSL_CAINFO"), *ca_dir = env("GIT_SSL_CAPATH");
	const char *noproxy = env("no_proxy");
	int rc;

	memset(c, 0, sizeof(*c));
	if ((rc = timeout_from_env(c, HFGIT_HTTP_METADATA, "HF_HUB_ETAG_TIMEOUT")) < 0 ||
	    (rc = timeout_from_env(c, HFGIT_HTTP_DOWNLOAD, "HF_HUB_DOWNLOAD_TIMEOUT")) < 0)
		return rc;
	if (timeout > 0) {
		long t = (long)ceil(timeout);
		c->timeout[0] = c->timeout[1] = t;
		c->timeout_source[0] = c->timeout_source[1] = "--timeout";
	}
	/* curl's own tool reads these; libcurl does not, so an internal CA would be ignored. */
	if (!ca_file && !(ca_file = env("CURL_CA_BUNDLE")))
		ca_file = env("SSL_CERT_FILE");
	if (!ca_dir)
		ca_dir = env("SSL_CERT_DIR");
	if (!noproxy)
		noproxy = env("NO_PROXY");
	if (set_string(&c->ca_file, ca_file) < 0 || set_string(&c->ca_dir, ca_dir) < 0 ||
	    set_string(&c->noproxy, noproxy) < 0) {
		hfgit_http__config_dispose(c);
		return HFGIT_ERROR;
	}
	return 0;
}

int hfgit_http__config_add_git(hfgit_http_config *c, const char *proxy, const char *ca_file,
                               const char *ca_dir)
{
	c->git_config_read = true;
	if (proxy && set_string(&c->git_proxy, proxy) < 0)
		return HFGIT_ERROR;
	/* GIT_SSL_CAINFO beats http.sslCAInfo, which beats the generic variables. */
	if (ca_file && !env("GIT_SSL_CAINFO") && set_string(&c->ca_file, ca_file) < 0)
		return HFGIT_ERROR;
	if (ca_dir && !env("GIT_SSL_CAPATH") && set_string(&c->ca_dir, ca_dir) < 0)
		return HFGIT_ERROR;
	return 0;
}

void hfgit_http__config_dispose(hfgit_http_config *c)
{
	free(c->git_proxy);
	free(c->noproxy);
	free(c->ca_file);
	free(c->ca_dir);
	memset(c, 0, sizeof(*c));
}

/*
 * The proxy for `url`, as git and curl choose it. The upper-case HTTP_PROXY is honoured too
 * (the issue of CGI programs inheriting it from a request header does not arise here).
 */
static const char *proxy_for(const hfgit_http_config *c, const char *url)
{
	const char *p;

	if (c->git_proxy)
		return c->git_proxy;
	if (!strncasecmp(url, "https://", 8))
		p = env("https_proxy") ? env("https_proxy") : env("HTTPS_PROXY");
	else
		p = env("http_proxy") ? env("http_proxy") : env("HTTP_PROXY");
	if (!p)
		p = env("all_proxy") ? env("all_proxy") : env("ALL_PROXY");
	return p ? p : "";
}

bool hfgit_http__setup(CURL *easy, const hfgit_http_config *c, const char *url,
                       hfgit_http_kind kind)
{
	long timeout = c->timeout[kind] > 0 ? c->timeout[kind] : DEFAULT_TIMEOUT;

	curl_easy_setopt(easy, CURLOPT_USERAGENT, "hfgit/" HFGIT_VERSION);
	curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(easy, CURLOPT_MAXREDIRS, 10L);
	/* libcurl never takes a custom Authorization header to another host on a redirect. */
	curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT, timeout);
	/* A body that brings nothing for `timeout` seconds has stalled. */
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(easy, CURLOPT_LOW_SPEED_TIME, timeout);
	/* An explicit proxy (or "" for none): libcurl's own reading of the environment knows
	 * neither git's http.proxy nor HTTP_PROXY. */
	curl_easy_setopt(easy, CURLOPT_PROXY, proxy_for(c, url));
	if (c->noproxy)
		curl_easy_setopt(easy, CURLOPT_NOPROXY, c->noproxy);
	if (c->ca_file) {
		curl_easy_setopt(easy, CURLOPT_CAINFO, c->ca_file);
		curl_easy_setopt(easy, CURLOPT_PROXY_CAINFO, c->ca_file);
	}
	if (c->ca_dir) {
		curl_easy_setopt(easy, CURLOPT_CAPATH, c->ca_dir);
		curl_easy_setopt(easy, CURLOPT_PROXY_CAPATH, c->ca_dir);
	}
	return true;
}

void hfgit_http__describe(char *out, size_t size, const hfgit_http_config *c, hfgit_http_kind kind,
                          const char *url, CURLcode rc, const char *curl_error)
{
	const char *detail = curl_error && *curl_error ? curl_error : curl_easy_strerror(rc);
	long timeout = c->timeout[kind] > 0 ? c->timeout[kind] : DEFAULT_TIMEOUT;
	const char *source = c->timeout_source[kind] ? c->timeout_source[kind] : "--timeout";

	if (rc == CURLE_OPERATION_TIMEDOUT)
		snprintf(out, size, "%s: no answer within %ld s (%s); a slow network or server wants "
		         "a longer timeout: --timeout SECONDS or %s", url, timeout, detail,
		         !strcmp(source, "--timeout") ? "HF_HUB_ETAG_TIMEOUT / HF_HUB_DOWNLOAD_TIMEOUT" :
		                                        source);
	else if (rc == CURLE_PEER_FAILED_VERIFICATION || rc == CURLE_SSL_CACERT_BADFILE ||
	         rc == CURLE_SSL_CERTPROBLEM)
		snprintf(out, size, "%s: the server's certificate is not trusted (%s); for an internal "
		         "CA set GIT_SSL_CAINFO or SSL_CERT_FILE (or git's http.sslCAInfo)", url, detail);
	else if (rc == CURLE_COULDNT_RESOLVE_PROXY || rc == CURLE_PROXY ||
	         (rc == CURLE_COULDNT_CONNECT && *proxy_for(c, url)))
		snprintf(out, size, "%s: %s (through the proxy %s: check https_proxy, http_proxy, "
		         "all_proxy, no_proxy and git's http.proxy)", url, detail, proxy_for(c, url));
	else
		snprintf(out, size, "%s: %s", url, detail);
}

double hfgit_http__retry_after(const char *value)
{
	char *end;
	double s;
	struct tm tm;

	value += strspn(value, " \t");
	s = strtod(value, &end);
	if (end != value && s >= 0)
		return s;
	memset(&tm, 0, sizeof(tm));
	if (strptime(value, "%a, %d %b %Y %H:%M:%S GMT", &tm)) {
		double d = difftime(timegm(&tm), time(NULL));
		return d > 0 ? d : 0;
	}
	return -1;
}

double hfgit_http__backoff(unsigned failures, double max, double retry_after,
                           double retry_after_max)
{
	double delay = 0.25 * pow(2.0, (double)(failures ? failures - 1 : 0));

	if (delay > max)
		delay = max;
	if (retry_after >= 0)
		delay = retry_after < retry_after_max ? retry_after : retry_after_max;
	return delay;
}

bool hfgit_http__retryable(long status)
{
	return status == 429 || (status >= 500 && status != 501 && status != 507 && status != 509);
}
