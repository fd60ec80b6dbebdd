#include "lfs/select.h"

#include <fnmatch.h>
#include <string.h>

static bool glob_matches(const char *pattern, const char *path)
{
	const char *base = strrchr(path, '/');

	if (fnmatch(pattern, path, 0) == 0)
		return true;
	return !strchr(pattern, '/') && base && fnmatch(pattern, base + 1, 0) == 0;
}

static bool any_glob(const char *const *patterns, size_t n, const char *path)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (glob_matches(patterns[i], path))
			return true;
	return false;
}

bool hfgit_lfs__path_selected(const char *path, const char *const *include, size_t ninclude,
                              const char *const *exclude, size_t nexclude)
{
	if (ninclude && !any_glob(include, ninclude, path))
		return false;
	return !any_glob(exclude, nexclude, path);
}
