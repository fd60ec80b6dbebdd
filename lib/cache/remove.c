/*
 * hfgit_cache_remove (hfgit rm): cached revisions out of the cache. The refs go; the LFS
 * objects that only they used are then unreferenced, and the next gc removes them, as git's
 * own gc does with objects no ref reaches.
 */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "refs/store.h"
#include "core/error.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "core/git_error.h"
#include "core/library.h"
#include "refs/store.h"

/* The refs that are revisions (as hfgit ls lists them) and their short names. */
static const char *revision_name(const char *ref)
{
	static const char *const prefixes[] = { "refs/heads/", "refs/tags/", "refs/hfgit/commits/" };
	size_t i;

	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++)
		if (!strncmp(ref, prefixes[i], strlen(prefixes[i])))
			return ref + strlen(prefixes[i]);
	if (!strncmp(ref, "refs/hfgit/", 11))
		return NULL; /* hfgit's own bookkeeping */
	return ref;
}

static bool names_revision(git_reference *ref, const char *rev)
{
	const char *name = revision_name(git_reference_name(ref));
	size_t len = strlen(rev);
	git_object *commit = NULL;
	char hex[GIT_OID_HEXSZ + 1];
	bool hit = false;

	if (!name)
		return false;
	if (!strcmp(name, rev) || !strcmp(git_reference_name(ref), rev))
		return true;
	/* a hash (or a prefix of one, at least four digits): every ref at that commit */
	if (len < 4 || len > GIT_OID_HEXSZ || strspn(rev, "0123456789abcdef") != len)
		return false;
	if (git_reference_peel(&commit, ref, GIT_OBJECT_COMMIT) == 0) {
		git_oid_tostr(hex, sizeof(hex), git_object_id(commit));
		hit = !strncmp(hex, rev, len);
		git_object_free(commit);
	}
	return hit;
}

static size_t count_revisions(git_repository *repo)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	size_t n = 0;

	if (git_reference_iterator_new(&it, repo) < 0)
		return 0;
	while (git_reference_next(&ref, it) == 0) {
		n += revision_name(git_reference_name(ref)) != NULL;
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return n;
}

static int remove_refs(size_t *removed, git_repository *repo, const char *rev)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	int rc = 0;

	if (git_reference_iterator_new(&it, repo) < 0)
		return hfgit_git__fail("cannot read the refs of", git_repository_path(repo));
	while (rc == 0 && git_reference_next(&ref, it) == 0) {
		if (names_revision(ref, rev)) {
			hfgit__trace("rm: %s", git_reference_name(ref));
			if (git_reference_delete(ref) < 0)
				rc = hfgit_git__fail("cannot remove a ref of", git_repository_path(repo));
			else
				(*removed)++;
		}
		git_reference_free(ref);
	}
	git_reference_iterator_free(it);
	return rc;
}

int hfgit_cache_remove(size_t *removed_out, hfgit_ctx *ctx, const hfgit_model_id *id)
{
	const char *rev = hfgit_model_id_revision(id);
	git_repository *repo = NULL;
	char *path = NULL;
	size_t removed = 0;
	int rc;

	if (removed_out)
		*removed_out = 0;
	if ((rc = hfgit_git__ready()) < 0 || (rc = hfgit_store__path(&path, ctx, id)) < 0)
		return rc;
	if (!hfgit_fs__exists(path) || git_repository_open_bare(&repo, path) < 0) {
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s is not in the cache of %s (see `hfgit ls`)",
		                      hfgit_model_id_repo(id), ctx->endpoint);
		goto out;
	}
	if (!rev) {
		removed = count_revisions(repo);
		git_repository_free(repo);
		repo = NULL;
		if ((rc = hfgit_fs__remove_tree(path)) < 0)
			goto out;
	} else {
		if ((rc = remove_refs(&removed, repo, rev)) < 0)
			goto out;
		if (!removed) {
			rc = hfgit_error__set(HFGIT_ENOTFOUND, "the cache has no revision '%s' of %s "
			                      "(see `hfgit ls`)", rev, hfgit_model_id_repo(id));
			goto out;
		}
	}
	/* a store left without revisions goes too, with folders it leaves empty */
	if (repo && count_revisions(repo) == 0) {
		git_repository_free(repo);
		repo = NULL;
		if ((rc = hfgit_fs__remove_tree(path)) < 0)
			goto out;
	}
	if (!repo) {
		char *repos = hfgit_layout__repos_dir(ctx->cache_dir), *slash;
		while (repos && (slash = strrchr(path, '/')) != NULL &&
		       (size_t)(slash - path) >= strlen(repos)) {
			*slash = '\0';
			if (rmdir(path) < 0)
				break;
		}
		free(repos);
	}
	if (removed_out)
		*removed_out = removed;
out:
	git_repository_free(repo);
	free(path);
	return rc;
}
