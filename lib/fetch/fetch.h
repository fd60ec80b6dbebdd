/*
 * The shallow fetch, shared by clone, update, files and lockfiles: bringing a commit into the
 * model's store, giving a new repository the commit's objects (linked packs, else a pack made
 * from the store), the shallow file and refs.
 */
#ifndef HFGIT_FETCH_FETCH_H
#define HFGIT_FETCH_FETCH_H

#include <git2.h>

#include "hfgit.h"
#include "core/git_error.h"
#include "refs/remote.h"
#include "refs/resolve.h"


/* Bring the resolved commit (and an annotated tag's object) into the store unless it is
 * there; `s` may be NULL or offline, then a missing commit is an HFGIT_EOFFLINE error. */
int hfgit_fetch__into_store(hfgit_session *s, git_repository *store, const hfgit_resolved *r);

/* Give `dst` the commit's objects from the store. */
int hfgit_fetch__copy_objects(git_repository *dst, git_repository *store, const hfgit_resolved *r);

/* $GIT_DIR/shallow: the commit, whose parents the checkout does not have. */
int hfgit_fetch__write_shallow(git_repository *repo, const hfgit_resolved *r);

int hfgit_fetch__create_ref(git_repository *repo, const char *name, const git_oid *oid, const char *log);

#endif
