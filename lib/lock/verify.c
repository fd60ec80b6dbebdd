/*
 * The lock is the reference, never a ref: the locked commit's tree must list exactly the
 * lock's files, and a checkout must hold exactly their bytes. Git files are hashed as git
 * blobs (the id names the bytes, whatever the commit); LFS content is checked by size and
 * SHA-256 against the oid the lock recorded (or by the XXH3 digest recorded when that oid was
 * downloaded and verified, unless deep), so a damaged object of the shared store, or a lock
 * edited by hand, is found before a checkout gets its final name.
 */
#define _GNU_SOURCE
#include "lock/lock.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <git2.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "checkout/tree_files.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "core/git_error.h"
#include "lfs/digests.h"

#define READ_CHUNK (1 << 20)

/* "<lock>:<line>" of a file, for messages. */
static const char *where(char *buf, size_t size, const char *lockname, size_t line)
{
	if (line)
		snprintf(buf, size, "%s:%zu", lockname, line);
	else
		snprintf(buf, size, "%s", lockname);
	return buf;
}

/* ---------------------------------------------------------------------------------------- */
/* The tree of the locked commit                                                             */

typedef struct {
	const hfgit_lock_item *item;
	const char *lockname;
	unsigned char *seen;   /* one flag per lock file */
} tree_check;

static int check_tree_file(const hfgit_tree_file *tf, void *payload)
{
	tree_check *t = payload;
	const hfgit_lock_file *f = hfgit_lock__item_find(t->item, tf->path);
	char blob[GIT_OID_HEXSZ + 1], at[300];

	git_oid_tostr(blob, sizeof(blob), tf->blob);
	if (!f)
		return hfgit_error__set(HFGIT_EINVALID, "%s: commit %s of %s has '%s', which the lock "
		                        "does not list", where(at, sizeof(at), t->lockname, t->item->pub.line),
		                        t->item->pub.commit, t->item->pub.id, tf->path);
	where(at, sizeof(at), t->lockname, f->line);
	t->seen[f - t->item->files] = 1;
	if (f->mode != (unsigned int)tf->mode || strcmp(f->blob, blob))
		return hfgit_error__set(HFGIT_EINVALID, "%s: '%s' is %06o %s in commit %s, the lock says "
		                        "%06o %s", at, f->path, (unsigned int)tf->mode, blob,
		                        t->item->pub.commit, f->mode, f->blob);
	if (!f->lfs != !tf->lfs)
		return hfgit_error__set(HFGIT_EINVALID, "%s: '%s' is %s in commit %s, the lock says %s",
		                        at, f->path, tf->lfs ? "LFS content" : "a git file",
		                        t->item->pub.commit, f->lfs ? "LFS content" : "a git file");
	if (f->lfs && (strcmp(f->lfs_oid, tf->lfs->oid) || f->size != tf->lfs->size))
		return hfgit_error__set(HFGIT_EINVALID, "%s: the LFS pointer of '%s' in commit %s names "
		                        "%s (%llu bytes), the lock says %s (%llu bytes)", at, f->path,
		                        t->item->pub.commit, tf->lfs->oid,
		                        (unsigned long long)tf->lfs->size, f->lfs_oid, f->size);
	return 0;
}

int hfgit_lock__verify_tree(git_repository *store, const hfgit_lock_item *item,
                            const char *lockname)
{
	tree_check t = { item, lockname, NULL };
	git_commit *commit = NULL;
	char tree[GIT_OID_HEXSZ + 1], at[300];
	git_oid oid;
	size_t j;
	int rc = 0;

	where(at, sizeof(at), lockname, item->pub.line);
	if (git_oid_fromstr(&oid, item->pub.commit) < 0 || git_commit_lookup(&commit, store, &oid) < 0)
		return hfgit_error__set(HFGIT_ERROR, "%s: cannot read commit %s of %s in the cache: %s",
		                        at, item->pub.commit, item->pub.id, hfgit_git__message());
	git_oid_tostr(tree, sizeof(tree), git_commit_tree_id(commit));
	git_commit_free(commit);
	if (strcmp(tree, item->pub.tree))
		return hfgit_error__set(HFGIT_EINVALID, "%s: commit %s of %s has tree %s, the lock says %s",
		                        at, item->pub.commit, item->pub.id, tree, item->pub.tree);
	if (!(t.seen = calloc(item->pub.file_count + 1, 1)))
		return hfgit_error__oom();
	if ((rc = hfgit_tree_files__foreach(store, &oid, check_tree_file, &t)) == 0) {
		for (j = 0; j < item->pub.file_count; j++) {
			if (!t.seen[j]) {
				rc = hfgit_error__set(HFGIT_EINVALID, "%s: the lock lists '%s', which commit %s "
				                      "of %s does not have", where(at, sizeof(at), lockname,
				                      item->files[j].line), item->files[j].path,
				                      item->pub.commit, item->pub.id);
				break;
			}
		}
	}
	free(t.seen);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* A checkout                                                                                */

typedef struct {
	dev_t dev;
	ino_t ino;
} inode;

typedef struct {
	const hfgit_lock_item *item;
	const char *lockname;
	const char *dir;
	const char *shown;  /* the directory as messages name it */
	EVP_MD_CTX *sha;
	unsigned char *buf;
	inode *verified;    /* LFS files already hashed: hard links to one object are read once */
	size_t nverified, capverified;
	const hfgit_lfs_digests *digests; /* NULL: SHA-256 for every LFS file */
} checkout_check;

static int mismatch(const checkout_check *c, const hfgit_lock_file *f, const char *what)
{
	char at[300];

	return hfgit_error__set(HFGIT_EINVALID, "%s/%s does not match the lock (%s): %s%s", c->shown,
	                        f->path, where(at, sizeof(at), c->lockname, f->line), what,
	                        f->lfs ? "; if the cache's copy of the object is damaged, `hfgit "
	                        "verify` moves it aside and the next sync downloads it again" : "");
}

static bool already_verified(const checkout_check *c, const struct stat *st)
{
	size_t i;

	for (i = 0; i < c->nverified; i++)
		if (c->verified[i].dev == st->st_dev && c->verified[i].ino == st->st_ino)
			return true;
	return false;
}

static int remember_verified(checkout_check *c, const struct stat *st)
{
	if (c->nverified == c->capverified) {
		size_t cap = c->capverified ? c->capverified * 2 : 16;
		inode *grown = realloc(c->verified, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		c->verified = grown;
		c->capverified = cap;
	}
	c->verified[c->nverified].dev = st->st_dev;
	c->verified[c->nverified].ino = st->st_ino;
	c->nverified++;
	return 0;
}

static int sha256_file(checkout_check *c, const char *path, char hex[65])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = 0;

	if (fd < 0)
		return hfgit_error__set_errno(HFGIT_EIO, "cannot read '%s'", path);
	if (!EVP_DigestInit_ex(c->sha, EVP_sha256(), NULL)) {
		close(fd);
		return hfgit_error__set(HFGIT_ERROR, "cannot set up SHA-256");
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = read(fd, c->buf, READ_CHUNK)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot read '%s'", path);
			break;
		}
		EVP_DigestUpdate(c->sha, c->buf, (size_t)n);
	}
	close(fd);
	EVP_DigestFinal_ex(c->sha, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", md[i]);
	return rc;
}

/*
 * The fast check, as `hfgit verify` makes it: the XXH3-64 of the file equals the digest
 * recorded when the object of that oid was downloaded and its SHA-256 verified. Only ever
 * clears a file; any doubt (no digest, another size, another XXH3) goes to SHA-256.
 */
static bool matches_digest(const checkout_check *c, const hfgit_lock_file *f, const char *path)
{
	uint64_t size, xxh3, actual;

	if (!c->digests || !hfgit_lfs__digests_find(c->digests, f->lfs_oid, &size, &xxh3) ||
	    size != f->size)
		return false;
	if (hfgit_xxh3__file(&actual, path) < 0) {
		hfgit_error__clear();
		return false;
	}
	return actual == xxh3;
}

static int check_link(checkout_check *c, const hfgit_lock_file *f, const char *path,
                      const struct stat *st)
{
	char *target, blob[GIT_OID_HEXSZ + 1], what[200];
	ssize_t n;
	git_oid oid;
	int rc = 0;

	if (!S_ISLNK(st->st_mode))
		return mismatch(c, f, "the lock has a symbolic link there");
	if (!(target = malloc((size_t)st->st_size + 1)))
		return hfgit_error__oom();
	if ((n = readlink(path, target, (size_t)st->st_size + 1)) < 0 || n > st->st_size)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot read the link '%s'", path);
	else if (git_odb_hash(&oid, target, (size_t)n, GIT_OBJECT_BLOB) < 0)
		rc = hfgit_git__fail("cannot hash", path);
	else if (git_oid_tostr(blob, sizeof(blob), &oid), strcmp(blob, f->blob)) {
		snprintf(what, sizeof(what), "the link is blob %s, the lock says %s", blob, f->blob);
		rc = mismatch(c, f, what);
	}
	free(target);
	return rc;
}

static int check_file(checkout_check *c, const hfgit_lock_file *f)
{
	char *path = hfgit__aprintf("%s/%s", c->dir, f->path), what[300], hex[65];
	struct stat st;
	git_oid oid;
	int rc = 0;

	if (!path)
		return HFGIT_ERROR;
	if (lstat(path, &st) < 0) {
		rc = mismatch(c, f, errno == ENOENT ? "it is missing" : strerror(errno));
		goto out;
	}
	if (f->mode == 0120000) {
		rc = check_link(c, f, path, &st);
		goto out;
	}
	if (!S_ISREG(st.st_mode)) {
		rc = mismatch(c, f, "not a regular file");
		goto out;
	}
	if (!(st.st_mode & S_IXUSR) != (f->mode != 0100755)) {
		rc = mismatch(c, f, f->mode == 0100755 ? "the lock says executable (100755), the file "
		              "is not" : "the file is executable, the lock says 100644");
		goto out;
	}
	if (f->lfs) {
		if ((unsigned long long)st.st_size != f->size) {
			snprintf(what, sizeof(what), "%lld bytes, the lock says %llu", (long long)st.st_size,
			         f->size);
			rc = mismatch(c, f, what);
		} else if (!already_verified(c, &st)) {
			if (matches_digest(c, f, path)) {
				rc = remember_verified(c, &st);
			} else if ((rc = sha256_file(c, path, hex)) == 0 && strcmp(hex, f->lfs_oid)) {
				snprintf(what, sizeof(what), "its SHA-256 is %s, the lock says %s", hex, f->lfs_oid);
				rc = mismatch(c, f, what);
			} else if (rc == 0) {
				rc = remember_verified(c, &st);
			}
		}
	} else if (git_odb_hashfile(&oid, path, GIT_OBJECT_BLOB) < 0) {
		rc = hfgit_git__fail("cannot hash", path);
	} else {
		char blob[GIT_OID_HEXSZ + 1];
		git_oid_tostr(blob, sizeof(blob), &oid);
		if (strcmp(blob, f->blob)) {
			snprintf(what, sizeof(what), "its content is blob %s, the lock says %s", blob, f->blob);
			rc = mismatch(c, f, what);
		}
	}
out:
	free(path);
	return rc;
}

/* Files below `rel` (relative to the checkout, "" at the top) that the lock does not list. */
static int check_no_extra(checkout_check *c, const char *rel)
{
	char *path = hfgit__aprintf("%s%s%s", c->dir, *rel ? "/" : "", rel);
	struct dirent *d;
	DIR *dir;
	int rc = 0;

	if (!path)
		return HFGIT_ERROR;
	if (!(dir = opendir(path))) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot read the directory '%s'", path);
		free(path);
		return rc;
	}
	while (rc == 0 && (d = readdir(dir)) != NULL) {
		char *sub, *full;
		struct stat st;
		if (!strcmp(d->d_name, ".") || !strcmp(d->d_name, "..") ||
		    (!*rel && !strcmp(d->d_name, ".git")))
			continue;
		sub = *rel ? hfgit__aprintf("%s/%s", rel, d->d_name) : hfgit__strdup(d->d_name);
		full = sub ? hfgit__aprintf("%s/%s", c->dir, sub) : NULL;
		if (!full)
			rc = HFGIT_ERROR;
		else if (lstat(full, &st) == 0 && S_ISDIR(st.st_mode))
			rc = check_no_extra(c, sub);
		else if (!hfgit_lock__item_find(c->item, sub))
			rc = hfgit_error__set(HFGIT_EINVALID, "%s/%s is not in the lock's entry for %s (%s:%zu)",
			                      c->shown, sub, c->item->pub.spec, c->lockname, c->item->pub.line);
		free(full);
		free(sub);
	}
	closedir(dir);
	free(path);
	return rc;
}

int hfgit_lock__verify_checkout(const char *dir, const char *shown, const hfgit_lock_item *item,
                                const char *lockname, const hfgit_lfs_digests *digests)
{
	checkout_check c;
	size_t j;
	int rc = 0;

	memset(&c, 0, sizeof(c));
	c.item = item;
	c.lockname = lockname;
	c.dir = dir;
	c.shown = shown ? shown : dir;
	c.digests = digests;
	if (!(c.sha = EVP_MD_CTX_new()) || !(c.buf = malloc(READ_CHUNK))) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (j = 0; rc == 0 && j < item->pub.file_count; j++)
		rc = check_file(&c, &item->files[j]);
	if (rc == 0)
		rc = check_no_extra(&c, "");
out:
	EVP_MD_CTX_free(c.sha);
	free(c.buf);
	free(c.verified);
	return rc;
}
