/*
 * The transport of every session: libgit2's smart protocol over hfgit's own HTTP
 * subtransport (http_transport.c), wrapped to add the reachable-oid capability to what the
 * server advertises.
 *
 * libgit2 (up to 1.9.7) refuses to ask for a commit by hash unless the server advertises
 * allow-tip-sha1-in-want or allow-reachable-sha1-in-want. git's own upload-pack serves any
 * reachable commit over stateless HTTP without advertising either, and we cannot know whether
 * the hub does until we try: so we claim the capability and let the server answer. When it
 * refuses, the fetch fails and the caller falls back to deepening history.
 */
#include <git2/sys/remote.h>
#include <git2/sys/transport.h>
#include <stdlib.h>

#include "refs/http_transport.h"
#include "refs/remote.h"

typedef struct {
	git_transport parent;
	git_transport *inner;
} wrapping_transport;

#define INNER(t) (((wrapping_transport *)(t))->inner)

static int wrap_connect(git_transport *t, const char *url, int direction,
                        const git_remote_connect_options *opts)
{
	return INNER(t)->connect(INNER(t), url, direction, opts);
}

static int wrap_set_connect_opts(git_transport *t, const git_remote_connect_options *opts)
{
	return INNER(t)->set_connect_opts(INNER(t), opts);
}

static int wrap_capabilities(unsigned int *caps, git_transport *t)
{
	int rc = INNER(t)->capabilities(caps, INNER(t));
	if (rc == 0)
		*caps |= GIT_REMOTE_CAPABILITY_REACHABLE_OID;
	return rc;
}

static int wrap_ls(const git_remote_head ***out, size_t *size, git_transport *t)
{
	return INNER(t)->ls(out, size, INNER(t));
}

static int wrap_push(git_transport *t, git_push *push)
{
	return INNER(t)->push(INNER(t), push);
}

static int wrap_negotiate_fetch(git_transport *t, git_repository *repo,
                                const git_fetch_negotiation *data)
{
	return INNER(t)->negotiate_fetch(INNER(t), repo, data);
}

static int wrap_shallow_roots(git_oidarray *out, git_transport *t)
{
	return INNER(t)->shallow_roots(out, INNER(t));
}

static int wrap_download_pack(git_transport *t, git_repository *repo, git_indexer_progress *stats)
{
	return INNER(t)->download_pack(INNER(t), repo, stats);
}

static int wrap_is_connected(git_transport *t)
{
	return INNER(t)->is_connected(INNER(t));
}

static void wrap_cancel(git_transport *t)
{
	INNER(t)->cancel(INNER(t));
}

static int wrap_close(git_transport *t)
{
	return INNER(t)->close(INNER(t));
}

static void wrap_free(git_transport *t)
{
	INNER(t)->free(INNER(t));
	free(t);
}

int hfgit_transport__wrap(git_transport **out, git_remote *owner, void *payload)
{
	wrapping_transport *t;
	int rc;

	hfgit_session *s = payload;
	git_smart_subtransport_definition http = { hfgit_git_http__subtransport, 1, &s->http };

	if (!(t = calloc(1, sizeof(*t))))
		return -1;
	/* git_transport_smart copies the definition; `s->http` outlives the transport. */
	if ((rc = git_transport_smart(&t->inner, owner, &http)) < 0) {
		free(t);
		return rc;
	}
	t->parent.version = GIT_TRANSPORT_VERSION;
	t->parent.connect = wrap_connect;
	t->parent.set_connect_opts = wrap_set_connect_opts;
	t->parent.capabilities = wrap_capabilities;
	t->parent.ls = wrap_ls;
	t->parent.push = wrap_push;
	t->parent.negotiate_fetch = wrap_negotiate_fetch;
	t->parent.shallow_roots = wrap_shallow_roots;
	t->parent.download_pack = wrap_download_pack;
	t->parent.is_connected = wrap_is_connected;
	t->parent.cancel = wrap_cancel;
	t->parent.close = wrap_close;
	t->parent.free = wrap_free;
	*out = &t->parent;
	return 0;
}
