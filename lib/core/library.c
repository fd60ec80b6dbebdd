/*
 * Library lifetime. libcurl wants one global initialisation before any thread starts;
 * hfgit_init() does it, reference counted like git_libgit2_init(). libgit2 is initialised on
 * first use (hfgit_git__ready): its initialisation parses the system's whole CA bundle, which
 * costs more than an offline `hfgit resolve` of a cached tag does in all, and that needs no
 * libgit2 at all.
 */
#include <curl/curl.h>
#include <git2.h>
#include <pthread.h>

#include "core/error.h"

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_count;
static int git_ready;

int hfgit_git__ready(void)
{
	int rc = 0;

	pthread_mutex_lock(&init_lock);
	if (!git_ready) {
		if (git_libgit2_init() < 0)
			rc = hfgit_error__set(HFGIT_ERROR, "cannot initialise libgit2: %s",
			                      git_error_last() ? git_error_last()->message : "unknown error");
		else
			git_ready = 1;
		/*
		 * libgit2 caches no tree over 4 KiB: a checkout reads the tree twice (attributes,
		 * then files), and a folder of 100,000 files is a tree of 5 MiB, inflated and parsed
		 * each time. Trees up to 16 MiB stay in the cache (its total is still capped).
		 */
		if (git_ready)
			git_libgit2_opts(GIT_OPT_SET_CACHE_OBJECT_LIMIT, GIT_OBJECT_TREE, (size_t)16 << 20);
	}
	pthread_mutex_unlock(&init_lock);
	return rc;
}

int hfgit_init(void)
{
	int rc = 0;

	pthread_mutex_lock(&init_lock);
	if (init_count == 0 && curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		rc = hfgit_error__set(HFGIT_ERROR, "cannot initialise libcurl");
	if (rc == 0)
		init_count++;
	pthread_mutex_unlock(&init_lock);
	return rc;
}

void hfgit_shutdown(void)
{
	pthread_mutex_lock(&init_lock);
	if (init_count > 0 && --init_count == 0) {
		curl_global_cleanup();
		if (git_ready)
			git_libgit2_shutdown();
		git_ready = 0;
	}
	pthread_mutex_unlock(&init_lock);
}
