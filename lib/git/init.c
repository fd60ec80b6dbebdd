/*
 * Library lifetime. libgit2 and libcurl both want one global initialisation before any
 * thread starts; hfgit_init() does both, reference counted like git_libgit2_init().
 */
#include <curl/curl.h>
#include <git2.h>
#include <pthread.h>

#include "common/error.h"

static pthread_mutex_t init_lock = PTHREAD_MUTEX_INITIALIZER;
static int init_count;

int hfgit_init(void)
{
	int rc = 0;

	pthread_mutex_lock(&init_lock);
	if (init_count == 0) {
		if (git_libgit2_init() < 0) {
			rc = hfgit_error_set(HFGIT_ERROR, "cannot initialise libgit2: %s",
			                     git_error_last() ? git_error_last()->message : "unknown error");
		} else if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			git_libgit2_shutdown();
			rc = hfgit_error_set(HFGIT_ERROR, "cannot initialise libcurl");
		}
	}
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
		git_libgit2_shutdown();
	}
	pthread_mutex_unlock(&init_lock);
}
