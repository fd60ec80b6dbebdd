/*
 * The id a repository has on the hub now. The Hub answers a renamed repository (a legacy id
 * moved under an organisation, a repository moved to another owner) with a redirect on the
 * same host; libgit2 follows it without telling where it ended, so a lock would record the
 * old name. One GET of the ref advertisement, following redirects by hand and only within
 * the endpoint's origin (the token goes nowhere else), tells.
 */
#define _GNU_SOURCE
#include "lock/lock.h"

#include <curl/curl.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "hub/http.h"

#define MAX_REDIRECTS 10
#define SUFFIX "/info/refs"

static size_t discard(char *data, size_t size, size_t n, void *payload)
{
	return size * n;
}

/* The id in `url` = <endpoint>/<id>[.git]/info/refs[?...]; NULL when it is not of that form. */
static char *id_of_url(const char *endpoint, const char *url)
{
	size_t elen = strlen(endpoint), n;
	const char *path, *query;
	char *id;

	if (strncmp(url, endpoint, elen) || url[elen] != '/')
		return NULL;
	path = url + elen + 1;
	query = strchr(path, '?');
	n = query ? (size_t)(query - path) : strlen(path);
	if (n <= strlen(SUFFIX) || strncmp(path + n - strlen(SUFFIX), SUFFIX, strlen(SUFFIX)))
		return NULL;
	n -= strlen(SUFFIX);
	if (n > 4 && !strncmp(path + n - 4, ".git", 4))
		n -= 4;
	if (!(id = malloc(n + 1)))
		return NULL;
	memcpy(id, path, n);
	id[n] = '\0';
	return id;
}

/* One GET of the advertisement at `url`: 0 with `*status` (and libcurl's redirect URL, which
 * `easy` owns, in `*location`), or an error that says what the hub answered. */
static int ask(long *status, char **location, CURL *easy, const hfgit_http_config *http,
               struct curl_slist *headers, const char *url, hfgit_ctx *ctx, const char *id)
{
	char curl_error[CURL_ERROR_SIZE];
	CURLcode res;

	*status = 0;
	*location = NULL;
	curl_easy_reset(easy);
	curl_easy_setopt(easy, CURLOPT_URL, url);
	/* The context's proxy, trust store and timeouts, as for every other request. */
	hfgit_http__setup(easy, http, url, HFGIT_HTTP_METADATA);
	curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
	/* Servers tell git clients apart by this prefix. */
	curl_easy_setopt(easy, CURLOPT_USERAGENT, "git/2.0 (hfgit/" HFGIT_VERSION ")");
	/* Each hop is read here: where the repository moved is the answer. */
	curl_easy_setopt(easy, CURLOPT_FOLLOWLOCATION, 0L);
	curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_error);
	curl_error[0] = '\0';
	if ((res = curl_easy_perform(easy)) != CURLE_OK)
		return hfgit_error__set(HFGIT_ENETWORK, "cannot reach the hub at %s: %s (is the hub "
		                        "reachable? check HF_ENDPOINT and the network)", ctx->endpoint,
		                        curl_error[0] ? curl_error : curl_easy_strerror(res));
	curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, status);
	if (*status == 404)
		return hfgit_error__set(HFGIT_ENOTFOUND, "repository '%s' not found at %s", id,
		                        ctx->endpoint);
	if (*status == 401 || *status == 403)
		return hfgit_error__set(HFGIT_EAUTH, "%s at %s: access %s (HTTP %ld): set HF_TOKEN",
		                        id, ctx->endpoint, *status == 401 ? "needs a token" : "denied",
		                        *status);
	if (*status != 200)
		curl_easy_getinfo(easy, CURLINFO_REDIRECT_URL, location);
	return 0;
}

int hfgit_lock__hub_id(char **out, hfgit_ctx *ctx, const char *id)
{
	struct curl_slist *headers = NULL;
	char *url = hfgit__aprintf("%s/%s" SUFFIX "?service=git-upload-pack", ctx->endpoint, id);
	CURL *easy = curl_easy_init();
	const hfgit_http_config *http = NULL;
	int hops, rc = 0;

	*out = NULL;
	if (!url || !easy) {
		rc = hfgit_error__oom();
		goto out;
	}
	if (ctx->offline) {
		rc = hfgit_error__set(HFGIT_EOFFLINE, "cannot ask the hub where %s is: offline mode "
		                      "is on", id);
		goto out;
	}
	if ((rc = hfgit_ctx__http(&http, ctx)) < 0)
		goto out;
	if (ctx->authorization)
		headers = curl_slist_append(headers, ctx->authorization);
	for (hops = 0;; hops++) {
		char *location, *next;
		long status;

		if ((rc = ask(&status, &location, easy, http, headers, url, ctx, id)) < 0)
			goto out;
		if (status == 200)
			break;
		if (status < 300 || status > 308 || hops == MAX_REDIRECTS || !location) {
			rc = hfgit_error__set(HFGIT_ENETWORK, "%s at %s: unexpected answer HTTP %ld to the "
			                      "ref advertisement", id, ctx->endpoint, status);
			goto out;
		}
		/* Only redirects within the endpoint: another host is not a rename. */
		if (!(next = id_of_url(ctx->endpoint, location))) {
			rc = hfgit_error__set(HFGIT_ENETWORK, "%s at %s redirects to '%s', outside the "
			                      "endpoint", id, ctx->endpoint, location);
			goto out;
		}
		free(next);
		free(url);
		if (!(url = hfgit__strdup(location))) {
			rc = HFGIT_ERROR;
			goto out;
		}
	}
	if (!(*out = id_of_url(ctx->endpoint, url)))
		rc = hfgit_error__oom();
	else if (strcmp(*out, id))
		hfgit__trace("lock: %s is now %s on the hub", id, *out);
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(easy);
	free(url);
	return rc;
}
