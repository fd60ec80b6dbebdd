#define HFGIT_ONEDNN_LOADER
#include "tensor/onednn.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"

/* The runtime library of Debian's libdnnl2 (the headers come from libdnnl-dev). */
#define ONEDNN_LIBRARY "libdnnl.so.2"

hfgit_onednn_api hfgit__onednn;

static pthread_once_t once = PTHREAD_ONCE_INIT;
static char failure[512]; /* empty once loaded */

/* Resolves `name` in the library `what` into *slot; false, with `failure` set, when it is
 * not there. */
static int resolve(void *library, const char *what, const char *name, void **slot)
{
	if ((*slot = dlsym(library, name)))
		return 1;
	snprintf(failure, sizeof(failure), "%s has no %s: it is not the oneDNN 2.x hfgit was "
	         "built for (Debian: libdnnl2)", what, name);
	return 0;
}

static void load(void)
{
	/* HFGIT_ONEDNN: another build of oneDNN 2.x, by name or path. */
	const char *name = getenv("HFGIT_ONEDNN") && *getenv("HFGIT_ONEDNN")
	                           ? getenv("HFGIT_ONEDNN") : ONEDNN_LIBRARY;
	/* Local: oneDNN's symbols stay out of the process's namespace, where a program that
	 * links its own oneDNN (or OpenMP) has them. */
	void *library = dlopen(name, RTLD_LAZY | RTLD_LOCAL);
	hfgit_onednn_api api;

	if (!library) {
		snprintf(failure, sizeof(failure), "cannot load oneDNN (%s), which products need: "
		         "install it (Debian: apt-get install libdnnl2), or name another build of "
		         "oneDNN 2.x in HFGIT_ONEDNN: %s", name, dlerror());
		return;
	}
#define HFGIT_ONEDNN_RESOLVE(fn) resolve(library, name, #fn, (void **)&api.fn) &&
	/* libgomp is oneDNN's dependency: the library's handle finds its symbols too. */
	if (HFGIT_ONEDNN_FUNCTIONS(HFGIT_ONEDNN_RESOLVE)
	    resolve(library, name, "omp_get_max_threads", (void **)&api.omp_get_max_threads) &&
	    resolve(library, name, "omp_set_num_threads", (void **)&api.omp_set_num_threads)) {
		hfgit__onednn = api;
		return;
	}
#undef HFGIT_ONEDNN_RESOLVE
	/* The library stays loaded: unloading a C++ runtime mid-process is not safe. */
}

int hfgit_onednn__load(void)
{
	pthread_once(&once, load);
	return failure[0] ? hfgit_error__set(HFGIT_ERROR, "%s", failure) : 0;
}

int hfgit_omp__max_threads(void)
{
	pthread_once(&once, load);
	return failure[0] ? 1 : hfgit__onednn.omp_get_max_threads();
}

void hfgit_omp__set_threads(int n)
{
	pthread_once(&once, load);
	if (!failure[0])
		hfgit__onednn.omp_set_num_threads(n);
}
