/* libgit2 on first use: see init.c. */
#ifndef HFGIT_GIT_INIT_H
#define HFGIT_GIT_INIT_H

/* Initialise libgit2 once; every public entry point that uses libgit2 calls this first. */
int hfgit_git_ready(void);

#endif
