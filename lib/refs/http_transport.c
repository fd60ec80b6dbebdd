/*
 * git smart HTTP (stateless RPC, protocol v0) over libcurl; see http_transport.h for why.
 *
 * libgit2's smart protocol asks for one stream per request: GET <repo>/info/refs?service=
 * git-upload-pack for the advertisement, then POST <repo>/git-upload-pack for each round of
 * negotiation and the pack. A POST's body is written whole before the first read, so it is
 * buffered and sent then. Reads pull from a curl multi handle: the answer streams through
 * (a pack is never held in memory whole), one easy handle serves every request of a clone so
 * that the connection is kept alive, and a stalled server ends in a timeout naming the URL.
 */
#define _GNU_SOURCE
#include "refs/http_transport.h"

#include <git2/sys/errors.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hfgit.h"

#define LS_SUFFIX "/info/refs?service=git-upload-pack"

typedef struct subtransport subtransport;

typedef struct {
	git_smart_subtransport_stream parent;
	subtransport *t;
	char *url;
	bool post, ls;
	hfgit_strbuf request;   /* a POST's body, sent at the first read */
	bool started, done, checked, failed;
	hfgit_strbuf response;  /* received and not yet read */
	size_t rpos;
	struct curl_slist *headers;
	char curl_error[CURL_ERROR_SIZE];
} http_stream;

struct subtransport {
	git_smart_subtransport parent;
	hfgit_git_http *h;
	char *base;          /* the repository URL; a redirect of the first request moves it */
	CURL *easy;          /* the session's (hfgit_git_http), whose connections */
	CURLM *multi;        /* live in the session's multi handle */
	http_stream *active;
};

/* Records the failure for hfgit's message, and gives libgit2 the same text. */
static int fail(http_stream *s, int code, long status, const char *fmt, ...) HFGIT_PRINTF(4, 5);
static int fail(http_stream *s, int code, long status, const char *fmt, ...)
{
	hfgit_git_http *h = s->t->h;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(h->failure, sizeof(h->failure), fmt, ap);
	va_end(ap);
	h->failure_code = code;
	h->failure_status = status;
	s->failed = true;
	git_error_set_str(GIT_ERROR_HTTP, h->failure);
	return -1;
}

/* Scheme, host and port of a URL: the part a redirect must not change. */
static size_t origin_length(const char *url)
{
	const char *p = strstr(url, "://");
	return p ? (size_t)(p + 3 - url) + strcspn(p + 3, "/?#") : strlen(url);
}

static bool same_origin(const char *a, const char *b)
{
	size_t n = origin_length(a);
	return n == origin_length(b) && !strncasecmp(a, b, n);
}

/* The answer has its status: is it the one we can read? */
static bool check_answer(http_stream *s)
{
	subtransport *t = s->t;
	const char *effective = NULL, *type = NULL;
	const char *want = s->ls ? "application/x-git-upload-pack-advertisement" :
	                           "application/x-git-upload-pack-result";
	long status = 0;

	s->checked = true;
	curl_easy_getinfo(t->easy, CURLINFO_RESPONSE_CODE, &status);
	curl_easy_getinfo(t->easy, CURLINFO_EFFECTIVE_URL, &effective);
	curl_easy_getinfo(t->easy, CURLINFO_CONTENT_TYPE, &type);
	if (effective && !same_origin(effective, s->url)) {
		/* Credentials must never follow a redirect to another host, and the git traffic of
		 * the Hub stays on its own host (renamed repositories redirect there). */
		fail(s, HFGIT_ENETWORK, status, "%s redirected to another host (%s); hfgit follows "
		     "redirects for git only on the same host: use the new address as HF_ENDPOINT",
		     s->url, effective);
		return false;
	}
	if (status == 401) {
		fail(s, HFGIT_EAUTH, status, "%s: HTTP 401: %s", s->url, s->t->h->authorization ?
		     "the access token was refused: check HF_TOKEN, the token file or --token" :
		     "the repository does not exist, or it is private or gated and needs a token: "
		     "check the id, or set HF_TOKEN");
		return false;
	}
	if (status == 403) {
		fail(s, HFGIT_EAUTH, status, "%s: access denied (HTTP 403): the token has no access "
		     "to this repository (gated repositories must be accepted on the hub first)", s->url);
		return false;
	}
	if (status == 404) {
		fail(s, HFGIT_ENOTFOUND, status, "%s: HTTP 404: repository not found", s->url);
		return false;
	}
	if (status != 200) {
		fail(s, HFGIT_ENETWORK, status, "%s: the server answered HTTP %ld", s->url, status);
		return false;
	}
	if (!type || strncasecmp(type, want, strlen(want))) {
		fail(s, HFGIT_ENETWORK, status, "%s: not a git smart HTTP answer (Content-Type '%s', "
		     "expected %s): is the endpoint a git server?", s->url, type ? type : "none", want);
		return false;
	}
	if (s->ls && effective && strcmp(effective, s->url)) {
		size_t n = strlen(effective), k = strlen(LS_SUFFIX);
		if (n > k && !strcmp(effective + n - k, LS_SUFFIX)) {
			char *moved = hfgit__aprintf("%.*s", (int)(n - k), effective);
			if (moved) {
				hfgit__trace("git: %s moved to %s", t->base, moved);
				free(t->base);
				t->base = moved;
			}
		}
	}
	if (s->ls && !t->h->advertised) {
		free(t->h->advertised_base);
		if (!(t->h->advertised_base = hfgit__strdup(t->base))) {
			fail(s, HFGIT_ERROR, 0, "out of memory");
			return false;
		}
	}
	return true;
}

static size_t on_data(char *data, size_t size, size_t n, void *payload)
{
	http_stream *s = payload;

	if (!s->checked && !check_answer(s))
		return 0;
	if (hfgit_strbuf__put(&s->response, data, size * n) < 0)
		return 0;
	return size * n;
}

/* A listing read from the session's first one: no request. */
static int replay_advertisement(http_stream *s)
{
	hfgit_git_http *h = s->t->h;

	if (hfgit_strbuf__put(&s->response, h->advertisement.ptr, h->advertisement.len) < 0)
		return -1;
	s->started = s->checked = s->done = true;
	hfgit__trace("git: the advertisement of %s again, from this session's first request",
	             h->advertised_base);
	return 0;
}

static int start(http_stream *s)
{
	subtransport *t = s->t;
	hfgit_git_http *h = t->h;

	s->started = true;
	if (s->ls && !h->advertised)
		hfgit_strbuf__clear(&h->advertisement);
	curl_easy_reset(t->easy);
	curl_easy_setopt(t->easy, CURLOPT_URL, s->url);
	hfgit_http__setup(t->easy, h->http, s->url, HFGIT_HTTP_METADATA);
	/* Servers tell git clients apart by this prefix. */
	curl_easy_setopt(t->easy, CURLOPT_USERAGENT, "git/2.0 (hfgit " HFGIT_VERSION ")");
	if (h->authorization)
		s->headers = curl_slist_append(s->headers, h->authorization);
	if (s->post) {
		s->headers = curl_slist_append(s->headers,
		                               "Content-Type: application/x-git-upload-pack-request");
		s->headers = curl_slist_append(s->headers, "Accept: application/x-git-upload-pack-result");
		s->headers = curl_slist_append(s->headers, "Expect:");
		curl_easy_setopt(t->easy, CURLOPT_POST, 1L);
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDS, hfgit_strbuf__cstr(&s->request));
		curl_easy_setopt(t->easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)s->request.len);
		/* Keep a redirected POST a POST (the Hub's renames answer 307, others 301/302). */
		curl_easy_setopt(t->easy, CURLOPT_POSTREDIR, (long)CURL_REDIR_POST_ALL);
	}
	if (!s->headers && (h->authorization || s->post))
		return fail(s, HFGIT_ERROR, 0, "out of memory");
	curl_easy_setopt(t->easy, CURLOPT_HTTPHEADER, s->headers);
	curl_easy_setopt(t->easy, CURLOPT_WRITEFUNCTION, on_data);
	curl_easy_setopt(t->easy, CURLOPT_WRITEDATA, s);
	curl_easy_setopt(t->easy, CURLOPT_ERRORBUFFER, s->curl_error);
	s->curl_error[0] = '\0';
	hfgit__trace("git: %s %s", s->post ? "POST" : "GET", s->url);
	if (curl_multi_add_handle(t->multi, t->easy) != CURLM_OK)
		return fail(s, HFGIT_ERROR, 0, "cannot start an HTTP request to %s", s->url);
	t->active = s;
	return 0;
}

/*
 * libgit2 stops reading at the last pkt-line, which may come before the end of the HTTP
 * answer (the last chunk of a chunked body): what has arrived of the rest is read without
 * waiting, so that a finished transfer leaves its connection to the next request instead of
 * closing it (over TLS, a new connection is a new handshake).
 */
static void finish_arrived(http_stream *s)
{
	int running = 1, queued, round;
	CURLMsg *msg;

	/* Only the end of an answer already taken: nothing here may fail the stream. */
	for (round = 0; round < 4 && running && s->checked && !s->done && !s->failed; round++) {
		if (curl_multi_perform(s->t->multi, &running) != CURLM_OK)
			return;
		while ((msg = curl_multi_info_read(s->t->multi, &queued)) != NULL)
			if (msg->msg == CURLMSG_DONE)
				s->done = true;
	}
}

static void detach(http_stream *s)
{
	if (s->t->active == s) {
		finish_arrived(s);
		curl_multi_remove_handle(s->t->multi, s->t->easy);
		s->t->active = NULL;
	}
}

/* Runs the transfer until more of the answer has arrived or it has ended. */
static int pump(http_stream *s)
{
	subtransport *t = s->t;
	int running = 0, queued;
	CURLMsg *msg;

	if (curl_multi_perform(t->multi, &running) != CURLM_OK)
		return fail(s, HFGIT_ENETWORK, 0, "%s: the HTTP transfer failed", s->url);
	while ((msg = curl_multi_info_read(t->multi, &queued)) != NULL) {
		if (msg->msg != CURLMSG_DONE)
			continue;
		s->done = true;
		detach(s);
		if (s->failed)
			return -1;
		if (msg->data.result != CURLE_OK) {
			char why[768];
			hfgit_http__describe(why, sizeof(why), t->h->http, HFGIT_HTTP_METADATA, s->url,
			                     msg->data.result, s->curl_error);
			return fail(s, HFGIT_ENETWORK, 0, "%s", why);
		}
		if (!s->checked && !check_answer(s))
			return -1;
		return 0;
	}
	if (s->response.len == s->rpos && !s->done)
		curl_multi_poll(t->multi, NULL, 0, 1000, NULL);
	return 0;
}

static int stream_read(git_smart_subtransport_stream *stream, char *buffer, size_t size,
                       size_t *bytes_read)
{
	http_stream *s = (http_stream *)stream;
	size_t n;

	*bytes_read = 0;
	if (s->failed)
		return -1;
	if (!s->started && start(s) < 0)
		return -1;
	while (s->response.len == s->rpos && !s->done)
		if (pump(s) < 0)
			return -1;
	n = s->response.len - s->rpos;
	if (n > size)
		n = size;
	memcpy(buffer, s->response.ptr + s->rpos, n);
	/* What libgit2 reads of the session's first listing, for later transports. */
	if (s->ls && !s->t->h->advertised &&
	    hfgit_strbuf__put(&s->t->h->advertisement, buffer, n) < 0) {
		git_error_set_oom();
		return -1;
	}
	s->rpos += n;
	if (s->rpos == s->response.len) /* all read: reuse the buffer from its start */
		s->rpos = s->response.len = 0;
	*bytes_read = n;
	return 0;
}

static int stream_write(git_smart_subtransport_stream *stream, const char *buffer, size_t len)
{
	http_stream *s = (http_stream *)stream;

	if (!s->post || s->started) {
		git_error_set_str(GIT_ERROR_HTTP, "git smart HTTP: a write after the request was sent");
		return -1;
	}
	if (hfgit_strbuf__put(&s->request, buffer, len) < 0) {
		git_error_set_oom();
		return -1;
	}
	return 0;
}

static void stream_free(git_smart_subtransport_stream *stream)
{
	http_stream *s = (http_stream *)stream;

	detach(s);
	curl_slist_free_all(s->headers);
	hfgit_strbuf__dispose(&s->request);
	hfgit_strbuf__dispose(&s->response);
	free(s->url);
	free(s);
}

static int action(git_smart_subtransport_stream **out, git_smart_subtransport *transport,
                  const char *url, git_smart_service_t service)
{
	subtransport *t = (subtransport *)transport;
	http_stream *s;

	*out = NULL;
	if (service != GIT_SERVICE_UPLOADPACK_LS && service != GIT_SERVICE_UPLOADPACK) {
		git_error_set_str(GIT_ERROR_HTTP, "hfgit only fetches: pushing is not supported");
		return -1;
	}
	if (!t->base && service == GIT_SERVICE_UPLOADPACK_LS && t->h->advertised) {
		/* Where the first listing ended up, redirects followed. */
		if (!(t->base = hfgit__strdup(t->h->advertised_base))) {
			git_error_set_oom();
			return -1;
		}
	}
	if (!t->base) {
		size_t len = strlen(url);
		while (len > 0 && url[len - 1] == '/')
			len--;
		if (!(t->base = hfgit__aprintf("%.*s", (int)len, url))) {
			git_error_set_oom();
			return -1;
		}
	}
	if (t->active) /* libgit2 moved on to the next request */
		detach(t->active);
	if (!(s = calloc(1, sizeof(*s)))) {
		git_error_set_oom();
		return -1;
	}
	s->t = t;
	s->ls = service == GIT_SERVICE_UPLOADPACK_LS;
	s->post = !s->ls;
	s->url = hfgit__aprintf("%s%s", t->base, s->ls ? LS_SUFFIX : "/git-upload-pack");
	if (!s->url) {
		free(s);
		git_error_set_oom();
		return -1;
	}
	s->parent.subtransport = transport;
	s->parent.read = stream_read;
	s->parent.write = stream_write;
	s->parent.free = stream_free;
	if (s->ls && t->h->advertised && replay_advertisement(s) < 0) {
		stream_free(&s->parent);
		git_error_set_oom();
		return -1;
	}
	*out = &s->parent;
	return 0;
}

static int close_transport(git_smart_subtransport *transport)
{
	subtransport *t = (subtransport *)transport;

	if (t->active)
		detach(t->active);
	return 0;
}

static void free_transport(git_smart_subtransport *transport)
{
	subtransport *t = (subtransport *)transport;

	close_transport(transport);
	free(t->base);
	free(t);
}

int hfgit_git_http__subtransport(git_smart_subtransport **out, git_transport *owner, void *param)
{
	hfgit_git_http *h = param;
	subtransport *t;

	(void)owner;
	*out = NULL;
	if ((!h->easy && !(h->easy = curl_easy_init())) || (!h->multi && !(h->multi = curl_multi_init())) ||
	    !(t = calloc(1, sizeof(*t)))) {
		git_error_set_oom();
		return -1;
	}
	t->h = h;
	t->easy = h->easy;
	t->multi = h->multi;
	t->parent.action = action;
	t->parent.close = close_transport;
	t->parent.free = free_transport;
	*out = &t->parent;
	return 0;
}

void hfgit_git_http__dispose(hfgit_git_http *h)
{
	curl_multi_cleanup(h->multi);
	curl_easy_cleanup(h->easy);
	h->multi = NULL;
	h->easy = NULL;
	hfgit_strbuf__dispose(&h->advertisement);
	free(h->advertised_base);
	h->advertised_base = NULL;
	h->advertised = false;
}
