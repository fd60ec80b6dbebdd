/* The library lifetime, and libgit2 on first use: see library.c. */
#ifndef HFGIT_CORE_LIBRARY_H
#define HFGIT_CORE_LIBRARY_H

/* Initialise libgit2 once; every public entry point that uses libgit2 calls this first. */
int hfgit_git__ready(void);

#endif
