#define _GNU_SOURCE
#include "fetch/fetch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "refs/store.h"

/* A ref may point at a tree or a blob (`git tag NAME <tree>`): nothing to check out. */
static int check_is_commit(git_repository *store, const hfgit_resolved *r, const char *repo_name)
{
	git_object *obj = NULL;
	git_object_t type;

	if (git_object_lookup(&obj, store, &r->commit_oid, GIT_OBJECT_ANY) < 0)
		return 0; /* absent: the callers say so */
	type = git_object_type(obj);
	git_object_free(obj);
	if (type == GIT_OBJECT_COMMIT)
		return 0;
	return hfgit_error__set(HFGIT_EINVALID, "%s of %s points at a %s (%s), not a commit: "
	                        "there is no revision to check out; name a branch, a tag of a commit "
	                        "or a commit hash", r->ref ? r->ref : r->commit, repo_name,
	                        git_object_type2string(type), r->commit);
}

/* Bring the commit (and an annotated tag's object) into the store unless it is there. */
int hfgit_fetch__into_store(hfgit_session *s, git_repository *store, const hfgit_resolved *r)
{
	const char *ref = r->ref ? r->ref : r->via_ref;
	char *spec;
	int rc;

	if (hfgit_store__has(store, &r->commit_oid) && hfgit_store__has(store, &r->ref_target))
		return check_is_commit(store, r, s ? s->repo_name : "the repository");
	if (!s || s->offline)
		return hfgit_error__set(HFGIT_EOFFLINE, "%s resolves to commit %s, which is not in the "
		                        "cache, and offline mode is on: clone it once with the network",
		                        r->ref ? r->ref : r->commit, r->commit);
	if (!ref)
		return hfgit_error__set(HFGIT_ERROR, "commit %s of %s vanished from the cache while "
		                        "cloning: run the clone again", r->commit, s->repo_name);
	if (!(spec = hfgit__aprintf("+%s:%s", ref, ref)))
		return HFGIT_ERROR;
	if ((rc = hfgit_session__fetch(s, (const char **)&spec, 1, 1)) == 0)
		rc = hfgit_store__absorb(store, s->repo, &r->commit_oid);
	free(spec);
	if (rc == 0 && !hfgit_store__has(store, &r->commit_oid))
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "the hub sent %s without commit %s: it moved "
		                      "while cloning; run the clone again", ref, r->commit);
	if (rc == 0)
		rc = check_is_commit(store, r, s->repo_name);
	return rc;
}

/*
 * Give the new repository the commit's objects: link the packs its depth-1 fetch produced
 * (no copy, no recompression) when the store recorded them, else pack them out of the store.
 */
int hfgit_fetch__copy_objects(git_repository *dst, git_repository *store, const hfgit_resolved *r)
{
	git_packbuilder *pb = NULL;
	git_odb *odb = NULL;
	char *pack_dir;
	int rc;

	if ((rc = hfgit_store__link_packs(store, &r->commit_oid, dst)) == 0 &&
	    hfgit_store__has(store, &r->ref_target)) {
		if (git_repository_odb(&odb, dst) == 0 && git_odb_refresh(odb) == 0 &&
		    git_odb_exists(odb, &r->commit_oid) == 1 && git_odb_exists(odb, &r->ref_target) == 1) {
			git_odb_free(odb);
			return 0;
		}
		git_odb_free(odb);
	} else if (rc != HFGIT_ENOTFOUND) {
		return rc;
	}
	if (!(pack_dir = hfgit__aprintf("%sobjects/pack", git_repository_path(dst))))
		return HFGIT_ERROR;
	rc = 0;
	if (git_packbuilder_new(&pb, store) < 0 ||
	    git_packbuilder_insert_commit(pb, &r->commit_oid) < 0 ||
	    (!git_oid_equal(&r->ref_target, &r->commit_oid) &&
	     git_packbuilder_insert(pb, &r->ref_target, NULL) < 0) ||
	    git_packbuilder_write(pb, pack_dir, 0, NULL, NULL) < 0)
		rc = hfgit_error__set(HFGIT_ERROR, "cannot copy commit %s out of the cache: %s "
		                      "(run `hfgit verify`)", r->commit, hfgit_git__message());
	git_packbuilder_free(pb);
	free(pack_dir);
	return rc;
}

int hfgit_fetch__write_shallow(git_repository *repo, const hfgit_resolved *r)
{
	char *path = hfgit__aprintf("%sshallow", git_repository_path(repo));
	char line[GIT_OID_HEXSZ + 2];
	int rc;

	if (!path)
		return HFGIT_ERROR;
	snprintf(line, sizeof(line), "%s\n", r->commit);
	rc = hfgit_fs__write_atomic(path, line, GIT_OID_HEXSZ + 1);
	free(path);
	return rc;
}

int hfgit_fetch__create_ref(git_repository *repo, const char *name, const git_oid *oid, const char *log)
{
	git_reference *ref = NULL;
	int rc = git_reference_create(&ref, repo, name, oid, 1, log);
	git_reference_free(ref);
	return rc < 0 ? hfgit_git__fail("cannot create ref", name) : 0;
}
