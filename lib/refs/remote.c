#define _GNU_SOURCE
#include "refs/remote.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "refs/store.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "core/git_error.h"

static int on_transfer_progress(const git_indexer_progress *stats, void *payload)
{
	hfgit_session *s = payload;
	hfgit_progress p = { HFGIT_STAGE_FETCH, 0, 0, 0 };

	if (!s->progress)
		return 0;
	p.done = stats->received_objects;
	p.total = stats->total_objects;
	p.bytes = stats->received_bytes;
	/* A non-zero return makes libgit2 stop with GIT_EUSER. */
	return s->progress(&p, s->payload) ? -1 : 0;
}

static void set_callbacks(hfgit_session *s, git_remote_callbacks *cb)
{
	cb->transfer_progress = on_transfer_progress;
	cb->payload = s;
	/* HTTP through libcurl, and commits fetched by hash: see transport.c. Authorization is
	 * the subtransport's, sent to the endpoint's origin only, so no credentials callback. */
	cb->transport = hfgit_transport__wrap;
	s->http.failure_code = 0;
	s->http.failure[0] = '\0';
}

int hfgit_session__error(const hfgit_session *s, int git_rc, const char *doing)
{
	const git_error *e = git_error_last();
	const char *msg = hfgit_git__message();
	int klass = e ? e->klass : 0;

	if (git_rc == GIT_EUSER || klass == GIT_ERROR_CALLBACK)
		return hfgit_error__set(HFGIT_EINTERRUPTED, "%s %s: interrupted", doing, s->url);
	/* A failure the HTTP subtransport understood says best what happened. */
	if (s->http.failure_code == HFGIT_ENOTFOUND)
		return hfgit_error__set(HFGIT_ENOTFOUND,
		                        "repository '%s' not found at %s: check the id "
		                        "(private and gated repositories need a token: set HF_TOKEN)",
		                        s->repo_name, s->url);
	if (s->http.failure_code == HFGIT_ENETWORK)
		return hfgit_error__set(HFGIT_ENETWORK, "%s %s", doing, s->http.failure);
	if (s->http.failure_code)
		return hfgit_error__set(s->http.failure_code, "%s %s: %s", doing, s->repo_name,
		                        s->http.failure);
	if ((git_rc == GIT_EAUTH || strstr(msg, "status code: 401") ||
	     strstr(msg, "authentication required") || strstr(msg, "too many redirects or auth")) &&
	    s->ctx->token)
		return hfgit_error__set(HFGIT_EAUTH, "%s %s: the access token was refused (401): check "
		                        "HF_TOKEN, the token file or --token", doing, s->url);
	if (strstr(msg, "status code: 404"))
		return hfgit_error__set(HFGIT_ENOTFOUND,
		                        "repository '%s' not found at %s: check the id "
		                        "(private and gated repositories need a token: set HF_TOKEN)",
		                        s->repo_name, s->url);
	if (git_rc == GIT_EAUTH || strstr(msg, "status code: 401") ||
	    strstr(msg, "authentication required"))
		return hfgit_error__set(HFGIT_EAUTH, "%s %s: this repo needs a token: set HF_TOKEN",
		                        doing, s->url);
	if (strstr(msg, "status code: 403"))
		return hfgit_error__set(HFGIT_EAUTH,
		                        "%s %s: access denied (403): the token has no access to '%s' "
		                        "(gated repositories must be accepted on the hub first)",
		                        doing, s->url, s->repo_name);
	if (klass == GIT_ERROR_NET || klass == GIT_ERROR_OS || klass == GIT_ERROR_HTTP ||
	    klass == GIT_ERROR_SSL)
		return hfgit_error__set(HFGIT_ENETWORK,
		                        "%s %s: %s (is the hub reachable? check HF_ENDPOINT "
		                        "and the network)", doing, s->url, msg);
	return hfgit_error__set(HFGIT_ERROR, "%s %s: %s", doing, s->url, msg);
}

static int create_temp_repo(hfgit_session *s)
{
	char *tmp = NULL;
	int rc;

	if ((rc = hfgit_cache__tmp_dir(&tmp, s->ctx)) < 0)
		return rc;
	s->repo_path = hfgit__aprintf("%s/fetch-XXXXXX", tmp);
	free(tmp);
	if (!s->repo_path)
		return HFGIT_ERROR;
	if (!mkdtemp(s->repo_path)) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot create a temporary directory '%s'",
		                            s->repo_path);
		free(s->repo_path);
		s->repo_path = NULL;
		return rc;
	}
	if (git_repository_init(&s->repo, s->repo_path, 1) < 0)
		return hfgit_error__set(HFGIT_EIO, "cannot create a repository in '%s': %s",
		                        s->repo_path, hfgit_git__message());
	return 0;
}

static int connect_and_list(hfgit_session *s)
{
	git_remote_connect_options opts = GIT_REMOTE_CONNECT_OPTIONS_INIT;
	int rc;

	set_callbacks(s, &opts.callbacks);
	if ((rc = git_remote_connect_ext(s->remote, GIT_DIRECTION_FETCH, &opts)) < 0)
		return hfgit_session__error(s, rc, "cannot connect to");
	if ((rc = git_remote_ls(&s->heads, &s->nheads, s->remote)) < 0)
		return hfgit_session__error(s, rc, "cannot list the refs of");
	/* Read whole and understood: the session's fetches read it again (http_transport.h). */
	s->http.advertised = s->http.advertised_base != NULL;
	return 0;
}

/* The listing needs no repository: one is made when something must be fetched. */
static int open_remote(hfgit_session *s)
{
	if (git_remote_create_detached(&s->remote, s->url) < 0)
		return hfgit_error__set(HFGIT_EINVALID, "invalid remote URL '%s': %s", s->url,
		                        hfgit_git__message());
	return connect_and_list(s);
}

/*
 * The repository fetches land in, and a remote of it. Its transport reads the listing
 * again from the first one (http_transport.h) and shares its handles: a fetch costs no
 * request beyond git's own.
 */
static int open_fetcher(hfgit_session *s)
{
	git_remote_create_options opts = GIT_REMOTE_CREATE_OPTIONS_INIT;
	int rc;

	if (s->fetcher)
		return 0;
	if (!s->repo && (rc = create_temp_repo(s)) < 0)
		return rc;
	/* As the listing's detached remote does, it fetches from the hub's own URL: git's
	 * url.<base>.insteadOf would send the fetch elsewhere than the refs came from. */
	opts.repository = s->repo;
	opts.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF;
	if (git_remote_create_with_opts(&s->fetcher, s->url, &opts) < 0)
		return hfgit_error__set(HFGIT_EINVALID, "invalid remote URL '%s': %s", s->url,
		                        hfgit_git__message());
	return 0;
}

int hfgit_session__open(hfgit_session **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                        hfgit_progress_cb progress, void *payload)
{
	hfgit_session *s;
	int rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return hfgit_error__oom();
	s->ctx = ctx;
	s->repo_name = hfgit_model_id_repo(id);
	s->progress = progress;
	s->payload = payload;
	s->http.authorization = ctx->authorization;
	if ((rc = hfgit_ctx__http(&s->http.http, ctx)) < 0 ||
	    (rc = hfgit_remote_url(&s->url, ctx, id)) < 0 || (rc = open_remote(s)) < 0) {
		hfgit_session__free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int hfgit_session__fetch(hfgit_session *s, const char **refspecs, size_t count, int depth)
{
	git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
	git_strarray specs = { (char **)refspecs, count };
	int rc;

	if ((rc = open_fetcher(s)) < 0)
		return rc;
	set_callbacks(s, &opts.callbacks);
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.update_fetchhead = 0;
	opts.depth = depth;
	hfgit__trace("fetch %s depth %d", refspecs[0], depth);
	if ((rc = git_remote_fetch(s->fetcher, &specs, &opts, NULL)) < 0)
		return hfgit_session__error(s, rc, "cannot fetch from");
	hfgit__trace("fetched");
	return 0;
}

const git_remote_head *hfgit_session__head(const hfgit_session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nheads; i++) {
		if (strcmp(s->heads[i]->name, name) == 0)
			return s->heads[i];
	}
	return NULL;
}

/*
 * remote-refs holds one advertisement:
 *     # hfgit remote refs, fetched at <unix time>
 *     <oid> <name>                 one per advertised ref, in the hub's order
 *     <oid> HEAD -> <target>       HEAD and what it points at
 */
int hfgit_session__remember(const hfgit_session *s, git_repository *store)
{
	hfgit_strbuf text = HFGIT_STRBUF_INIT;
	char *dir = NULL, *path = NULL;
	size_t i;
	int rc;

	if (s->offline)
		return 0;
	hfgit_strbuf__printf(&text, "# hfgit remote refs, fetched at %lld\n", (long long)time(NULL));
	for (i = 0; i < s->nheads; i++) {
		char hex[GIT_OID_HEXSZ + 1];
		git_oid_tostr(hex, sizeof(hex), &s->heads[i]->oid);
		if (strchr(s->heads[i]->name, '\n') || (s->heads[i]->symref_target &&
		                                         strchr(s->heads[i]->symref_target, '\n')))
			continue;
		hfgit_strbuf__printf(&text, "%s %s", hex, s->heads[i]->name);
		if (s->heads[i]->symref_target)
			hfgit_strbuf__printf(&text, " -> %s", s->heads[i]->symref_target);
		hfgit_strbuf__puts(&text, "\n");
	}
	if (!(dir = hfgit__aprintf("%shfgit", git_repository_path(store))) ||
	    !(path = hfgit__aprintf("%s/remote-refs", dir)))
		rc = HFGIT_ERROR;
	else if ((rc = hfgit_fs__mkdir_p(dir)) == 0)
		rc = hfgit_fs__write_atomic(path, text.ptr, text.len);
	free(dir);
	free(path);
	hfgit_strbuf__dispose(&text);
	return rc;
}

static int parse_remembered(hfgit_session *s, char *text)
{
	char *line, *save = NULL;
	size_t n = 0, cap = 0;

	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *name, *arrow;
		git_remote_head *h;
		if (!strncmp(line, "# hfgit remote refs, fetched at ", 32)) {
			s->fetched_at = atoll(line + 32);
			continue;
		}
		if (strlen(line) < GIT_OID_HEXSZ + 2 || line[GIT_OID_HEXSZ] != ' ')
			continue;
		if (n == cap) {
			git_remote_head *grown;
			cap = cap ? cap * 2 : 16;
			if (!(grown = realloc(s->remembered, cap * sizeof(*grown))))
				return hfgit_error__oom();
			s->remembered = grown;
		}
		h = &s->remembered[n];
		memset(h, 0, sizeof(*h));
		name = line + GIT_OID_HEXSZ + 1;
		if ((arrow = strstr(name, " -> ")) != NULL) {
			*arrow = '\0';
			h->symref_target = hfgit__strdup(arrow + 4);
		}
		if (git_oid_fromstrn(&h->oid, line, GIT_OID_HEXSZ) < 0 || !(h->name = hfgit__strdup(name))) {
			free(h->symref_target);
			continue;
		}
		s->nheads = ++n;
	}
	if (n && !(s->heads = calloc(n, sizeof(*s->heads))))
		return hfgit_error__oom();
	while (n--)
		s->heads[n] = &s->remembered[n];
	return 0;
}

int hfgit_session__open_offline(hfgit_session **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                                const char *store_dir)
{
	size_t dlen = strlen(store_dir);
	char *path = hfgit__aprintf("%s%shfgit/remote-refs", store_dir,
	                            dlen && store_dir[dlen - 1] == '/' ? "" : "/"), *text = NULL;
	hfgit_session *s;
	size_t len;
	int rc;

	*out = NULL;
	if (!path)
		return HFGIT_ERROR;
	if (!(s = calloc(1, sizeof(*s)))) {
		free(path);
		return hfgit_error__oom();
	}
	s->ctx = ctx;
	s->offline = true;
	s->repo_name = hfgit_model_id_repo(id);
	if ((rc = hfgit_remote_url(&s->url, ctx, id)) < 0)
		goto out;
	if (hfgit_fs__read_file(&text, &len, path) < 0) {
		rc = hfgit_error__set(HFGIT_EOFFLINE, "%s is not in the cache and offline mode is on: "
		                      "clone it once with the network (unset HF_HUB_OFFLINE and "
		                      "HFGIT_OFFLINE, drop --offline)", s->repo_name);
		goto out;
	}
	rc = parse_remembered(s, text);
out:
	free(text);
	free(path);
	if (rc < 0)
		hfgit_session__free(s);
	else
		*out = s;
	return rc;
}

void hfgit_session__free(hfgit_session *s)
{
	if (!s)
		return;
	if (s->remembered) {
		size_t i;
		for (i = 0; i < s->nheads; i++) {
			free(s->remembered[i].name);
			free(s->remembered[i].symref_target);
		}
		free(s->remembered);
		free((void *)s->heads);
	}
	if (s->remote) {
		git_remote_disconnect(s->remote);
		git_remote_free(s->remote);
	}
	if (s->fetcher) {
		git_remote_disconnect(s->fetcher);
		git_remote_free(s->fetcher);
	}
	hfgit_git_http__dispose(&s->http);
	git_repository_free(s->repo);
	if (s->repo_path)
		hfgit_fs__remove_tree(s->repo_path);
	free(s->repo_path);
	free(s->url);
	free(s);
}
