#include "core/git_error.h"

#include <git2.h>

#include "core/error.h"

const char *hfgit_git__message(void)
{
	const git_error *e = git_error_last();
	return e && e->message ? e->message : "unknown error";
}

int hfgit_git__fail(const char *what, const char *where)
{
	return hfgit_error__set(HFGIT_ERROR, "%s in '%s': %s", what, where, hfgit_git__message());
}
