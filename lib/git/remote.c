#define _GNU_SOURCE
#include "remote.h"

#include <stdlib.h>
#include <string.h>

#include "cache/cache.h"
#include "common/error.h"
#include "common/fs.h"
#include "common/strbuf.h"
#include "common/trace.h"
#include "context.h"

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
	/* A session that fetches may have to ask for a commit by hash: see transport.c. */
	if (s->repo)
		cb->transport = hfgit_transport_wrap;
}

static const char *git_message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

int hfgit_session_error(const hfgit_session *s, int git_rc, const char *doing)
{
	const git_error *e = git_error_last();
	const char *msg = git_message();
	int klass = e ? e->klass : 0;

	if (git_rc == GIT_EUSER || klass == GIT_ERROR_CALLBACK)
		return hfgit_error_set(HFGIT_EINTERRUPTED, "%s %s: interrupted", doing, s->url);
	if (strstr(msg, "status code: 404"))
		return hfgit_error_set(HFGIT_ENOTFOUND,
		                       "repository '%s' not found at %s: check the id "
		                       "(private and gated repositories need a token: set HF_TOKEN)",
		                       s->repo_name, s->url);
	if (git_rc == GIT_EAUTH || strstr(msg, "status code: 401") ||
	    strstr(msg, "authentication required"))
		return hfgit_error_set(HFGIT_EAUTH, "%s %s: this repo needs a token: set HF_TOKEN",
		                       doing, s->url);
	if (strstr(msg, "status code: 403"))
		return hfgit_error_set(HFGIT_EAUTH,
		                       "%s %s: access denied (403): the token has no access to '%s' "
		                       "(gated repositories must be accepted on the hub first)",
		                       doing, s->url, s->repo_name);
	if (klass == GIT_ERROR_NET || klass == GIT_ERROR_OS || klass == GIT_ERROR_HTTP ||
	    klass == GIT_ERROR_SSL)
		return hfgit_error_set(HFGIT_ENETWORK,
		                       "%s %s: %s (is the hub reachable? check HF_ENDPOINT "
		                       "and the network)", doing, s->url, msg);
	return hfgit_error_set(HFGIT_ERROR, "%s %s: %s", doing, s->url, msg);
}

static int create_temp_repo(hfgit_session *s)
{
	char *tmp = NULL;
	int rc;

	if ((rc = hfgit_cache_tmp_dir(&tmp, s->ctx)) < 0)
		return rc;
	s->repo_path = hfgit_aprintf("%s/fetch-XXXXXX", tmp);
	free(tmp);
	if (!s->repo_path)
		return HFGIT_ERROR;
	if (!mkdtemp(s->repo_path)) {
		rc = hfgit_error_set_errno(HFGIT_EIO, "cannot create a temporary directory '%s'",
		                           s->repo_path);
		free(s->repo_path);
		s->repo_path = NULL;
		return rc;
	}
	if (git_repository_init(&s->repo, s->repo_path, 1) < 0)
		return hfgit_error_set(HFGIT_EIO, "cannot create a repository in '%s': %s",
		                       s->repo_path, git_message());
	return 0;
}

static int connect_and_list(hfgit_session *s)
{
	git_remote_connect_options opts = GIT_REMOTE_CONNECT_OPTIONS_INIT;
	int rc;

	set_callbacks(s, &opts.callbacks);
	/*
	 * The hub redirects renamed repositories (legacy ids moved under organisations) on the
	 * same host, which libgit2 follows even with NONE; off-site redirects are refused so that
	 * credentials never follow one.
	 */
	opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	if ((rc = git_remote_connect_ext(s->remote, GIT_DIRECTION_FETCH, &opts)) < 0)
		return hfgit_session_error(s, rc, "cannot connect to");
	if ((rc = git_remote_ls(&s->heads, &s->nheads, s->remote)) < 0)
		return hfgit_session_error(s, rc, "cannot list the refs of");
	return 0;
}

static int open_remote(hfgit_session *s, bool for_fetch)
{
	int rc;

	if (for_fetch) {
		if ((rc = create_temp_repo(s)) < 0)
			return rc;
		rc = git_remote_create_anonymous(&s->remote, s->repo, s->url);
	} else {
		rc = git_remote_create_detached(&s->remote, s->url);
	}
	if (rc < 0)
		return hfgit_error_set(HFGIT_EINVALID, "invalid remote URL '%s': %s", s->url,
		                       git_message());
	return connect_and_list(s);
}

int hfgit_session_open(hfgit_session **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                       bool for_fetch, hfgit_progress_cb progress, void *payload)
{
	hfgit_session *s;
	int rc;

	*out = NULL;
	if (!(s = calloc(1, sizeof(*s))))
		return hfgit_error_oom();
	s->ctx = ctx;
	s->repo_name = hfgit_model_id_repo(id);
	s->progress = progress;
	s->payload = payload;
	if ((rc = hfgit_remote_url(&s->url, ctx, id)) < 0 || (rc = open_remote(s, for_fetch)) < 0) {
		hfgit_session_free(s);
		return rc;
	}
	*out = s;
	return 0;
}

int hfgit_session_fetch(hfgit_session *s, const char **refspecs, size_t count, int depth)
{
	git_fetch_options opts = GIT_FETCH_OPTIONS_INIT;
	git_strarray specs = { (char **)refspecs, count };
	int rc;

	set_callbacks(s, &opts.callbacks);
	opts.follow_redirects = GIT_REMOTE_REDIRECT_NONE;
	opts.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;
	opts.update_fetchhead = 0;
	opts.depth = depth;
	hfgit_trace("fetch %s depth %d", refspecs[0], depth);
	if ((rc = git_remote_fetch(s->remote, &specs, &opts, NULL)) < 0)
		return hfgit_session_error(s, rc, "cannot fetch from");
	hfgit_trace("fetched");
	return 0;
}

const git_remote_head *hfgit_session_head(const hfgit_session *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->nheads; i++) {
		if (strcmp(s->heads[i]->name, name) == 0)
			return s->heads[i];
	}
	return NULL;
}

void hfgit_session_free(hfgit_session *s)
{
	if (!s)
		return;
	if (s->remote) {
		git_remote_disconnect(s->remote);
		git_remote_free(s->remote);
	}
	git_repository_free(s->repo);
	if (s->repo_path)
		hfgit_fs_remove_tree(s->repo_path);
	free(s->repo_path);
	free(s->url);
	free(s);
}
