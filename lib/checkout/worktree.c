/* Files into working trees: libgit2's checkout, and LFS content by the link policy. */
#include "checkout/worktree.h"

#include <fcntl.h>
#include <stdbool.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/git_error.h"

typedef struct {
	const hfgit_clone_options *opts;
	int cancelled;
} checkout_progress;

static void on_checkout_progress(const char *path, size_t done, size_t total, void *payload)
{
	checkout_progress *cp = payload;
	hfgit_progress p = { HFGIT_STAGE_CHECKOUT, done, total, 0, 0, path };

	if (cp->opts->progress && !cp->cancelled && cp->opts->progress(&p, cp->opts->payload))
		cp->cancelled = 1;
}

static int on_checkout_notify(git_checkout_notify_t why, const char *path,
                              const git_diff_file *baseline, const git_diff_file *target,
                              const git_diff_file *workdir, void *payload)
{
	checkout_progress *cp = payload;
	return cp->cancelled ? -1 : 0;
}

/* Check out `tree` (NULL: HEAD); only `paths` when given (the LFS plan writes the other files
 * itself). */
int hfgit_worktree__check_out(git_repository *repo, git_tree *tree, const git_strarray *paths,
                              const hfgit_clone_options *opts)
{
	/* Always start from INIT: in libgit2 1.8 a zero strategy (GIT_CHECKOUT_NONE) is a dry run. */
	git_checkout_options co = GIT_CHECKOUT_OPTIONS_INIT;
	checkout_progress cp = { opts, 0 };
	int rc;

	co.checkout_strategy = GIT_CHECKOUT_FORCE;
	co.progress_cb = on_checkout_progress;
	co.progress_payload = &cp;
	co.notify_flags = GIT_CHECKOUT_NOTIFY_UPDATED;
	co.notify_cb = on_checkout_notify;
	co.notify_payload = &cp;
	if (paths) {
		co.paths = *paths;
		co.checkout_strategy |= GIT_CHECKOUT_DISABLE_PATHSPEC_MATCH;
	}
	rc = tree ? git_checkout_tree(repo, (git_object *)tree, &co) : git_checkout_head(repo, &co);
	if (cp.cancelled)
		return hfgit_error__set(HFGIT_EINTERRUPTED, "checkout interrupted");
	return rc < 0 ? hfgit_git__fail("cannot check out", git_repository_workdir(repo)) : 0;
}

/*
 * Whether the file system reflinks is learnt on the first file, so that `auto` costs no failed
 * attempt per file after that. A hard link shares the store object's read-only 0444 inode: an
 * executable file (mode 100755, checked out 0755 by git) gets its own copy instead.
 */
int hfgit_worktree__place_at(int object_dir, const char *object, int dst_dir, const char *dst,
                             hfgit_link_mode mode, unsigned int file_mode, bool *reflink_works,
                             struct stat *st, bool *linked)
{
	bool executable = (file_mode & 0111) != 0;
	hfgit_fs_place_ways ways = { false, false, false, file_mode, false };
	const char *made = NULL;
	int rc;

	ways.reflink = mode == HFGIT_LINK_REFLINK || (mode == HFGIT_LINK_AUTO && *reflink_works);
	ways.link = (mode == HFGIT_LINK_AUTO || mode == HFGIT_LINK_HARDLINK) && !executable;
	ways.copy = mode != HFGIT_LINK_REFLINK;
	if ((rc = hfgit_fs__place_at(&made, object_dir, object, dst_dir, dst, &ways, st)) < 0)
		return rc;
	if (ways.reflink && mode == HFGIT_LINK_AUTO && strcmp(made, "reflinked"))
		*reflink_works = false;
	if (rc > 0)
		return hfgit_error__set(HFGIT_EIO, "cannot reflink '%s' (the file system may not support "
		                        "it: use --link auto or copy)", object);
	if (linked)
		*linked = !strcmp(made, "hard-linked");
	return 0;
}

int hfgit_worktree__place(const char *object, const char *dst, hfgit_link_mode mode,
                          unsigned int file_mode, bool *reflink_works)
{
	return hfgit_worktree__place_at(AT_FDCWD, object, AT_FDCWD, dst, mode, file_mode,
	                                reflink_works, NULL, NULL);
}
