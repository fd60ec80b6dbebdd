/* The context every operation runs in: where the hub is and where the cache lives. */
#ifndef HFGIT_CONTEXT_H
#define HFGIT_CONTEXT_H

#include "hfgit.h"

struct hfgit_ctx {
	char *endpoint;   /* no trailing '/' */
	char *cache_dir;  /* absolute */
	int offline;
	char *token;          /* NULL when none */
	char *authorization;  /* "Authorization: Bearer <token>", or NULL */
};

#endif
