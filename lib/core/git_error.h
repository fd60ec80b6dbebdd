/* libgit2's last error, in hfgit's messages. */
#ifndef HFGIT_CORE_GIT_ERROR_H
#define HFGIT_CORE_GIT_ERROR_H

/* The message of libgit2's last error on this thread; never NULL. */
const char *hfgit_git__message(void);

/* "<what> in '<where>': <libgit2's message>", as HFGIT_ERROR. */
int hfgit_git__fail(const char *what, const char *where);

#endif
