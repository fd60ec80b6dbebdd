/*
 * git smart HTTP over libcurl: the subtransport libgit2's smart protocol runs on, in place of
 * libgit2's own HTTP stack.
 *
 * Why not libgit2's: in 1.8 it sends an http:// request through a proxy in the wrong form
 * (libgit2 issue 5650), reads neither the proxy variables' upper-case forms nor no_proxy the
 * way curl does, trusts only what its mbedTLS build finds (an https:// endpoint given as an
 * IP address fails its host check), and has no stall timeout. The LFS half of a clone already
 * speaks HTTP through libcurl; with this, both halves share one set of settings (hub/http.c):
 * the same proxy, the same CAs, the same timeouts, the same messages.
 */
#ifndef HFGIT_REFS_HTTP_TRANSPORT_H
#define HFGIT_REFS_HTTP_TRANSPORT_H

#include <git2.h>
#include <git2/sys/transport.h>
#include <stdbool.h>

#include "core/strbuf.h"
#include "hub/http.h"

/* What the subtransport needs from its session, and what it reports back. */
typedef struct {
	const hfgit_http_config *http;
	const char *authorization;  /* "Authorization: Bearer ...", or NULL */
	/* The last failure the subtransport understood (0 when the failure, if any, came from
	 * libgit2's protocol code instead), with a message a person can act on. */
	int failure_code;
	long failure_status;        /* HTTP status, 0 when below HTTP */
	char failure[1024];
	/*
	 * Kept across the transports of one session (a listing, then a fetch into a repository
	 * made only when something must be fetched): the handles whose connections a next
	 * request can reuse, and the first listing's advertisement, which a later transport
	 * reads again instead of asking the server. Stateless RPC keeps nothing on the server
	 * between requests, so this is the exchange git itself has: one GET of info/refs, then
	 * the POSTs.
	 */
	CURL *easy;
	CURLM *multi;                /* which keeps the connections */
	bool advertised;             /* set by the session once the listing was understood */
	hfgit_strbuf advertisement;  /* what libgit2 read of it */
	char *advertised_base;       /* the repository URL it came from, redirects followed */
} hfgit_git_http;

/* Frees what the session's transports kept, once they are all freed. */
void hfgit_git_http__dispose(hfgit_git_http *h);

/* A git_smart_subtransport_cb; `param` is a hfgit_git_http that outlives the transport. */
int hfgit_git_http__subtransport(git_smart_subtransport **out, git_transport *owner, void *param);

#endif
