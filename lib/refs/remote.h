/*
 * A connection to one model repository on the hub: one GET of info/refs gives the advertised
 * refs, and the same connection then serves fetches into a fresh temporary bare repository
 * (fresh, because libgit2 before 1.9 mishandles a second shallow fetch into one repository),
 * made at the first fetch: a clone whose commit the store has makes none.
 */
#ifndef HFGIT_REFS_REMOTE_H
#define HFGIT_REFS_REMOTE_H

#include <git2.h>
#include <stdbool.h>

#include "refs/http_transport.h"
#include "hfgit.h"

typedef struct {
	hfgit_ctx *ctx;
	char *url;
	const char *repo_name;   /* the model id's repository path, for messages */
	git_repository *repo;    /* temporary bare repository that fetches land in, or NULL */
	char *repo_path;
	git_remote *remote;      /* detached: lists only */
	git_remote *fetcher;     /* a remote of `repo`, made with it */
	const git_remote_head **heads;
	size_t nheads;
	hfgit_progress_cb progress;
	void *payload;
	/* Offline: no connection; `heads` is what the hub advertised when last asked (the store
	 * remembers it), and `fetched_at` says when that was. */
	bool offline;
	git_remote_head *remembered;
	long long fetched_at;
	hfgit_git_http http;      /* what the HTTP subtransport needs, and its last failure */
} hfgit_session;

/*
 * Connect to the repository of `id` and list its refs (one request). The temporary bare
 * repository fetches land in is created in the cache by the first hfgit_session__fetch.
 */
int hfgit_session__open(hfgit_session **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                        hfgit_progress_cb progress, void *payload);

/*
 * A session without the network: the refs are those the hub advertised the last time it was
 * asked, remembered in the store at `store_dir` (hfgit_session__remember). Needs no libgit2.
 * HFGIT_EOFFLINE when never asked.
 */
int hfgit_session__open_offline(hfgit_session **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                                const char *store_dir);

/* Remember what the hub advertised in `store` ($GIT_DIR/hfgit/remote-refs), for offline use. */
int hfgit_session__remember(const hfgit_session *s, git_repository *store);

/* Fetch `refspecs` ("+src:dst") at `depth` (0: full history) into the session's repository
 * (`repo`, created by the first fetch). */
int hfgit_session__fetch(hfgit_session *s, const char **refspecs, size_t count, int depth);

/* The advertised head named `name`, or NULL. */
const git_remote_head *hfgit_session__head(const hfgit_session *s, const char *name);

/* Disconnects and removes the temporary repository. */
void hfgit_session__free(hfgit_session *s);

/* Turn the libgit2 error of a failed call into an hfgit error a person can act on. */
int hfgit_session__error(const hfgit_session *s, int git_rc, const char *doing);

/* The transport of every session: smart HTTP over libcurl, with the reachable-oid capability
 * added to what the server advertises. `payload` is the session. */
int hfgit_transport__wrap(git_transport **out, git_remote *owner, void *payload);

#endif
