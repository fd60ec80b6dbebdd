#define _GNU_SOURCE
#include "lfs/batch.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/http.h"

#define MEDIA_TYPE "application/vnd.git-lfs+json"
#define MAX_RESPONSE (64u << 20)

char *hfgit_lfs__batch_url(const char *remote_url)
{
	size_t len = strlen(remote_url);

	while (len > 0 && remote_url[len - 1] == '/')
		len--;
	if (len >= 4 && !strncmp(remote_url + len - 4, ".git", 4))
		return hfgit__aprintf("%.*s/info/lfs/objects/batch", (int)len, remote_url);
	return hfgit__aprintf("%.*s.git/info/lfs/objects/batch", (int)len, remote_url);
}

typedef struct {
	hfgit_strbuf body;
	double retry_after;
	char lfs_authenticate;
	hfgit_strbuf redirects; /* " -> <status> <location>" per redirect followed */
	long status;            /* of the response being read */
} response;

static size_t on_body(char *data, size_t size, size_t n, void *userdata)
{
	response *r = userdata;
	if (r->body.len + size * n > MAX_RESPONSE || hfgit_strbuf__put(&r->body, data, size * n) < 0)
		return 0;
	return size * n;
}

static size_t on_header(char *line, size_t size, size_t n, void *userdata)
{
	response *r = userdata;
	size_t len = size * n;

	if (len > 9 && !strncmp(line, "HTTP/", 5)) {
		const char *sp = memchr(line, ' ', len);
		r->status = sp ? strtol(sp + 1, NULL, 10) : 0;
		r->retry_after = -1;
	} else if (len > 12 && !strncasecmp(line, "Retry-After:", 12)) {
		char value[64];
		snprintf(value, sizeof(value), "%.*s", (int)(len - 12), line + 12);
		r->retry_after = hfgit_http__retry_after(value);
	} else if (len > 17 && !strncasecmp(line, "LFS-Authenticate:", 17)) {
		r->lfs_authenticate = 1;
	} else if (len > 9 && !strncasecmp(line, "Location:", 9) && r->status >= 300 &&
	           r->status < 400) {
		size_t vlen = len - 9;
		const char *v = line + 9;
		while (vlen && (*v == ' ' || *v == '\t'))
			v++, vlen--;
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n'))
			vlen--;
		hfgit_strbuf__printf(&r->redirects, " -> %ld %.*s", r->status, (int)vlen, v);
	}
	return len;
}

static char *request_body(const hfgit_lfs_batch_target *t, hfgit_lfs_job *jobs, size_t count)
{
	json_object *req = json_object_new_object(), *objects = json_object_new_array(), *transfers;
	char *text;
	size_t i;

	transfers = json_object_new_array();
	json_object_array_add(transfers, json_object_new_string("basic"));
	json_object_object_add(req, "operation", json_object_new_string("download"));
	json_object_object_add(req, "transfers", transfers);
	if (t->ref) {
		json_object *ref = json_object_new_object();
		json_object_object_add(ref, "name", json_object_new_string(t->ref));
		json_object_object_add(req, "ref", ref);
	}
	for (i = 0; i < count; i++) {
		json_object *o = json_object_new_object();
		json_object_object_add(o, "oid", json_object_new_string(jobs[i].oid));
		json_object_object_add(o, "size", json_object_new_int64((int64_t)jobs[i].size));
		json_object_array_add(objects, o);
	}
	json_object_object_add(req, "objects", objects);
	json_object_object_add(req, "hash_algo", json_object_new_string("sha256"));
	text = hfgit__strdup(json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN));
	json_object_put(req);
	return text;
}

/* RFC 3339 ("2026-11-29T13:00:00Z", "...T13:00:00.123+01:00") to a time_t; 0 if unparsable. */
static time_t parse_rfc3339(const char *s)
{
	struct tm tm;
	const char *rest;
	long offset = 0;
	time_t t;

	memset(&tm, 0, sizeof(tm));
	if (!(rest = strptime(s, "%Y-%m-%dT%H:%M:%S", &tm)))
		return 0;
	if (*rest == '.')
		rest += 1 + strspn(rest + 1, "0123456789");
	if (*rest == '+' || *rest == '-') {
		int hh = 0, mm = 0;
		if (sscanf(rest + 1, "%2d:%2d", &hh, &mm) != 2)
			return 0;
		offset = (hh * 3600L + mm * 60L) * (*rest == '+' ? 1 : -1);
	} else if (*rest != 'Z' && *rest != 'z') {
		return 0;
	}
	t = timegm(&tm);
	return t == (time_t)-1 ? 0 : t - offset;
}

static const char *json_str(json_object *o, const char *key)
{
	json_object *v;
	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
	           json_object_get_string(v) : NULL;
}

static int apply_action(hfgit_lfs_job *job, json_object *download)
{
	json_object *header, *v;
	const char *href = json_str(download, "href"), *at;

	if (!href || (strncmp(href, "http://", 7) && strncmp(href, "https://", 8)))
		return -1;
	free(job->href);
	curl_slist_free_all(job->headers);
	job->headers = NULL;
	if (!(job->href = hfgit__strdup(href)))
		return -1;
	if (json_object_object_get_ex(download, "header", &header) &&
	    json_object_is_type(header, json_type_object)) {
		json_object_object_foreach(header, key, value) {
			char *line;
			if (!json_object_is_type(value, json_type_string) || strpbrk(key, "\r\n:") ||
			    strpbrk(json_object_get_string(value), "\r\n"))
				continue; /* never let a server inject header lines */
			if (!(line = hfgit__aprintf("%s: %s", key, json_object_get_string(value))))
				return -1;
			job->headers = curl_slist_append(job->headers, line);
			free(line);
		}
	}
	job->expires_at = 0;
	if (json_object_object_get_ex(download, "expires_in", &v) && json_object_is_type(v, json_type_int) &&
	    json_object_get_int64(v) > 0)
		job->expires_at = time(NULL) + (time_t)json_object_get_int64(v);
	else if ((at = json_str(download, "expires_at")) != NULL)
		job->expires_at = parse_rfc3339(at);
	return 0;
}

static void object_error(hfgit_lfs_job *job, json_object *err)
{
	json_object *code;
	const char *msg = json_str(err, "message");
	long c = json_object_object_get_ex(err, "code", &code) ? (long)json_object_get_int64(code) : 0;

	free(job->message);
	job->error = c == 404 || c == 410 ? HFGIT_ENOTFOUND : HFGIT_ERROR;
	job->message = hfgit__aprintf("%s: the LFS server has no object %.12s... of %llu bytes "
	                              "(%ld%s%s)", job->name, job->oid, (unsigned long long)job->size,
	                              c, msg ? ": " : "", msg ? msg : "");
}

/* The job an answer is for: the first not yet answered with that oid (a batch may name one
 * object twice, for two files with the same content). */
static hfgit_lfs_job *find_job(hfgit_lfs_job *jobs, size_t count, const char *oid)
{
	size_t i;
	for (i = 0; i < count; i++)
		if (!strcmp(jobs[i].oid, oid) && jobs[i].error == -100)
			return &jobs[i];
	for (i = 0; i < count; i++)
		if (!strcmp(jobs[i].oid, oid))
			return &jobs[i];
	return NULL;
}

static int apply_response(const hfgit_lfs_batch_target *t, hfgit_lfs_job *jobs, size_t count,
                          const hfgit_strbuf *body)
{
	json_object *root = json_tokener_parse(hfgit_strbuf__cstr(body)), *objects, *transfer;
	size_t i, n;
	int rc = 0;

	if (!root || !json_object_object_get_ex(root, "objects", &objects) ||
	    !json_object_is_type(objects, json_type_array)) {
		rc = hfgit_error__set(HFGIT_ENETWORK, "the LFS batch answer from %s is not valid", t->url);
		goto out;
	}
	if (json_object_object_get_ex(root, "transfer", &transfer) &&
	    strcmp(json_object_get_string(transfer), "basic")) {
		rc = hfgit_error__set(HFGIT_ENETWORK, "the LFS server at %s chose transfer '%s'; hfgit "
		                      "speaks 'basic'", t->url, json_object_get_string(transfer));
		goto out;
	}
	for (i = 0; i < count; i++)
		jobs[i].error = -100; /* "no answer yet" */
	n = json_object_array_length(objects);
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(objects, i), *size, *actions, *download, *err;
		const char *oid = json_str(o, "oid");
		hfgit_lfs_job *job;
		if (!oid || !(job = find_job(jobs, count, oid)) || job->error != -100)
			continue;
		job->error = 0;
		if (!json_object_object_get_ex(o, "error", &err) &&
		    (!json_object_object_get_ex(o, "size", &size) ||
		     json_object_get_int64(size) != (int64_t)job->size)) {
			job->error = HFGIT_ENETWORK;
			free(job->message);
			job->message = size ?
			    hfgit__aprintf("%s: the LFS server answered for object %.12s... with size %lld, but "
			                   "the pointer says %llu bytes: the server's object is not the one the "
			                   "commit names", job->name, job->oid,
			                   (long long)json_object_get_int64(size),
			                   (unsigned long long)job->size) :
			    hfgit__aprintf("%s: the LFS server's answer for object %.12s... has no size",
			                   job->name, job->oid);
			continue;
		}
		if (json_object_object_get_ex(o, "error", &err))
			object_error(job, err);
		else if (!json_object_object_get_ex(o, "actions", &actions) ||
		         !json_object_object_get_ex(actions, "download", &download) ||
		         apply_action(job, download) < 0) {
			job->error = HFGIT_ENETWORK;
			free(job->message);
			job->message = hfgit__aprintf("%s: the LFS server gave no usable download action",
			                              job->name);
		}
	}
	for (i = 0; i < count; i++) {
		if (jobs[i].error == -100) {
			jobs[i].error = HFGIT_ENETWORK;
			free(jobs[i].message);
			jobs[i].message = hfgit__aprintf("%s: the LFS server did not answer for object %.12s...",
			                                 jobs[i].name, jobs[i].oid);
		}
	}
out:
	json_object_put(root);
	return rc;
}

static int request_error(const hfgit_lfs_batch_target *t, long status, const response *r)
{
	json_object *root = json_tokener_parse(hfgit_strbuf__cstr(&r->body));
	const char *msg = root ? json_str(root, "message") : NULL;
	const char *via = hfgit_strbuf__cstr(&r->redirects);
	int rc;

	if (status == 401 && !t->authorization)
		/* The Hub answers 401 to anonymous requests for repositories that do not exist, too. */
		rc = hfgit_error__set(HFGIT_EAUTH, "%s%s: HTTP 401%s%s: the repository does not exist, "
		                      "or it is private or gated and needs a token: check the id, or set "
		                      "HF_TOKEN", t->url, via, msg ? ": " : "", msg ? msg : "");
	else if (status == 401 || status == 403)
		rc = hfgit_error__set(HFGIT_EAUTH, "%s%s: %s (HTTP %ld)%s%s", t->url, via,
		                      status == 403 ? "the token has no access to this repo" :
		                                     "the access token was refused: check HF_TOKEN, "
		                                     "the token file or --token",
		                     status, msg ? ": " : "", msg ? msg : "");
	else if (status == 404)
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s%s: no LFS server here (HTTP 404)", t->url, via);
	else if (status == 405 && *via)
		rc = hfgit_error__set(HFGIT_ENETWORK, "%s%s: HTTP 405: the batch endpoint redirected "
		                      "and the server refuses the request at the new place", t->url, via);
	else
		rc = hfgit_error__set(HFGIT_ENETWORK, "%s%s: the LFS batch request failed with HTTP %ld%s%s",
		                      t->url, via, status, msg ? ": " : "", msg ? msg : "");
	json_object_put(root);
	return rc;
}

/* One POST of the batch API, retried on 429, 5xx and network errors. ETOOBIG (HTTP 413):
 * the server wants fewer objects per request. */
#define ETOOBIG 1

static int post_batch(const hfgit_lfs_batch_target *t, hfgit_lfs_job *jobs, size_t count)
{
	unsigned attempts = t->max_attempts ? t->max_attempts : 8, attempt;
	hfgit_http_config defaults;
	const hfgit_http_config *http = t->http;
	char *body = request_body(t, jobs, count);
	struct curl_slist *headers = NULL;
	char curl_error[CURL_ERROR_SIZE];
	CURL *easy = curl_easy_init();
	int rc = 0;

	memset(&defaults, 0, sizeof(defaults));
	if (!http && (rc = hfgit_http__config_init(&defaults, 0)) == 0)
		http = &defaults;
	if (!body || !easy) {
		rc = hfgit_error__oom();
		goto out;
	}
	if (rc < 0)
		goto out;
	headers = curl_slist_append(headers, "Accept: " MEDIA_TYPE);
	headers = curl_slist_append(headers, "Content-Type: " MEDIA_TYPE);
	headers = curl_slist_append(headers, "Expect:"); /* no 100-continue round trip */
	if (t->authorization)
		headers = curl_slist_append(headers, t->authorization);
	for (attempt = 1;; attempt++) {
		response r = { HFGIT_STRBUF_INIT, -1, 0, HFGIT_STRBUF_INIT, 0 };
		long status = 0;
		CURLcode res;

		curl_easy_reset(easy);
		curl_easy_setopt(easy, CURLOPT_URL, t->url);
		hfgit_http__setup(easy, http, t->url, HFGIT_HTTP_METADATA);
		curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers);
		curl_easy_setopt(easy, CURLOPT_POSTFIELDS, body);
		/* A moved batch endpoint (renamed repositories, mirrors) must get the POST again
		 * whatever the redirect's status, as git-lfs does; libcurl would turn a 301/302/303
		 * into a GET. Custom Authorization headers are not sent to another host. */
		curl_easy_setopt(easy, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
		curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(easy, CURLOPT_WRITEDATA, &r);
		curl_easy_setopt(easy, CURLOPT_HEADERFUNCTION, on_header);
		curl_easy_setopt(easy, CURLOPT_HEADERDATA, &r);
		curl_easy_setopt(easy, CURLOPT_ERRORBUFFER, curl_error);
		curl_error[0] = '\0';
		res = curl_easy_perform(easy);
		curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
		hfgit__trace("lfs: batch of %zu objects: HTTP %ld%s", count, status,
		             hfgit_strbuf__cstr(&r.redirects));
		if (res == CURLE_OK && status == 200) {
			rc = apply_response(t, jobs, count, &r.body);
		} else if (res == CURLE_OK && status == 413 && count > 1) {
			rc = ETOOBIG;
		} else if (attempt < attempts && (res != CURLE_OK ? res != CURLE_OPERATION_TIMEDOUT :
		                                                    hfgit_http__retryable(status))) {
			double delay = hfgit_http__backoff(attempt, 10, r.retry_after, 60);
			hfgit_strbuf__dispose(&r.body);
			hfgit_strbuf__dispose(&r.redirects);
			usleep((useconds_t)(delay * 1e6));
			continue;
		} else if (res != CURLE_OK) {
			char why[1024];
			hfgit_http__describe(why, sizeof(why), http, HFGIT_HTTP_METADATA, t->url, res,
			                     curl_error);
			rc = hfgit_error__set(HFGIT_ENETWORK, "cannot reach the LFS server: %s%s", why,
			                      hfgit_strbuf__cstr(&r.redirects));
		} else {
			rc = request_error(t, status, &r);
		}
		hfgit_strbuf__dispose(&r.body);
		hfgit_strbuf__dispose(&r.redirects);
		break;
	}
out:
	curl_slist_free_all(headers);
	curl_easy_cleanup(easy);
	free(body);
	if (http == &defaults)
		hfgit_http__config_dispose(&defaults);
	return rc;
}

/* Batches of `n` objects; a 413 halves `n` for this and every later batch. */
int hfgit_lfs__batch(const hfgit_lfs_batch_target *target, hfgit_lfs_job *jobs, size_t count)
{
	size_t done = 0, n = HFGIT_LFS_BATCH_MAX;
	int rc;

	while (done < count) {
		size_t now = count - done < n ? count - done : n;
		rc = post_batch(target, jobs + done, now);
		if (rc == ETOOBIG) {
			n = now / 2;
			hfgit__trace("lfs: HTTP 413 for %zu objects: batches of %zu from now on", now, n);
			continue;
		}
		if (rc < 0)
			return rc;
		done += now;
	}
	return 0;
}
