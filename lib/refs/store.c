#define _GNU_SOURCE
#include "refs/store.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/layout.h"
#include "hub/context.h"
#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "core/git_error.h"

/*
 * A new store is made under a temporary name and renamed into place, so that processes
 * creating the same store at once never initialise one directory together (libgit2 would fail
 * on the other's config.lock): one rename wins, the others open what it made.
 */
static int create_store(const char *path)
{
	char *parent = hfgit__strdup(path), *tmp = NULL;
	git_repository *repo = NULL;
	int rc = 0;

	if (!parent)
		return HFGIT_ERROR;
	*strrchr(parent, '/') = '\0';
	if ((rc = hfgit_fs__mkdir_p(parent)) < 0) {
		rc = hfgit_error__set(rc, "%s: make the cache writable or choose another with "
		                      "--cache-dir or HFGIT_HOME", hfgit_error_last());
		goto out;
	}
	if (!(tmp = hfgit__aprintf("%s.tmp-XXXXXX", path)) || !mkdtemp(tmp)) {
		rc = tmp ? hfgit_error__set_errno(HFGIT_EIO, "cannot create '%s': make the cache "
		                                  "writable or choose another with --cache-dir", tmp) :
		           HFGIT_ERROR;
		goto out;
	}
	if (git_repository_init(&repo, tmp, 1) < 0) {
		rc = hfgit_error__set(HFGIT_EIO, "cannot create the cache repository '%s': %s", path,
		                      hfgit_git__message());
		goto out;
	}
	git_repository_free(repo);
	repo = NULL;
	if (rename(tmp, path) < 0 && errno != EEXIST && errno != ENOTEMPTY)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot create the cache repository '%s'", path);
out:
	if (tmp && hfgit_fs__exists(tmp))
		hfgit_fs__remove_tree(tmp); /* another process's store won */
	free(tmp);
	free(parent);
	return rc;
}

int hfgit_store__path(char **out, const hfgit_ctx *ctx, const hfgit_model_id *id)
{
	*out = hfgit_layout__repo_dir(ctx->cache_dir, ctx->endpoint, hfgit_model_id_repo(id));
	return *out ? 0 : HFGIT_ERROR;
}

void hfgit_store__mark_used(const char *store_path)
{
	char *file = hfgit_layout__last_used(store_path);
	int fd;

	if (file && hfgit_fs__mkdir_parent(file) == 0 &&
	    (fd = open(file, O_WRONLY | O_CREAT | O_CLOEXEC, 0666)) >= 0) {
		futimens(fd, NULL);
		close(fd);
	}
	free(file);
	hfgit_error__clear();
}

int hfgit_store__open(git_repository **out, hfgit_ctx *ctx, const hfgit_model_id *id)
{
	char *path = NULL;
	int rc;

	if ((rc = hfgit_store__path(&path, ctx, id)) < 0)
		return rc;
	if (git_repository_open_bare(out, path) < 0 &&
	    ((rc = create_store(path)) < 0 || git_repository_open_bare(out, path) < 0))
		rc = rc < 0 ? rc : hfgit_error__set(HFGIT_EIO, "cannot open the cache repository '%s': %s",
		                                    path, hfgit_git__message());
	free(path);
	return rc;
}

bool hfgit_store__has(git_repository *store, const git_oid *oid)
{
	git_odb *odb;
	bool has;

	if (git_repository_odb(&odb, store) < 0)
		return false;
	has = git_odb_exists(odb, oid) == 1;
	git_odb_free(odb);
	return has;
}

static char *repo_file(git_repository *repo, const char *name)
{
	/* git_repository_path() ends in '/'. */
	return hfgit__aprintf("%s%s", git_repository_path(repo), name);
}

int hfgit_store__shallow_read(git_oidarray *out, git_repository *repo)
{
	char *path = repo_file(repo, "shallow");
	char line[128];
	size_t cap = 0;
	FILE *f;
	int rc = 0;

	out->ids = NULL;
	out->count = 0;
	if (!path)
		return HFGIT_ERROR;
	if (!(f = fopen(path, "r"))) {
		rc = errno == ENOENT ? 0 : hfgit_error__set_errno(HFGIT_EIO, "cannot read '%s'", path);
		free(path);
		return rc;
	}
	while (fgets(line, sizeof(line), f)) {
		git_oid oid;
		if (strlen(line) < GIT_OID_HEXSZ || git_oid_fromstrn(&oid, line, GIT_OID_HEXSZ) < 0)
			continue;
		if (out->count == cap) {
			git_oid *grown;
			cap = cap ? cap * 2 : 8;
			if (!(grown = realloc(out->ids, cap * sizeof(*grown)))) {
				rc = hfgit_error__oom();
				break;
			}
			out->ids = grown;
		}
		out->ids[out->count++] = oid;
	}
	fclose(f);
	free(path);
	return rc;
}

/* Packs are named by their content: moving one in is atomic and idempotent. The .idx goes
 * last because it is what makes a pack visible to readers. */
static int move_packs(git_repository *store, git_repository *fetched, hfgit_strbuf *names)
{
	static const char *const exts[] = { ".pack", ".rev", ".idx" };
	char *src_dir = repo_file(fetched, "objects/pack");
	char *dst_dir = repo_file(store, "objects/pack");
	struct dirent *e;
	DIR *dir = NULL;
	int rc = 0;

	if (!src_dir || !dst_dir) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if (!(dir = opendir(src_dir)))
		goto out; /* nothing was fetched */
	while (rc == 0 && (e = readdir(dir)) != NULL) {
		size_t len = strlen(e->d_name), i;
		if (len < 5 || strcmp(e->d_name + len - 5, ".pack") != 0)
			continue;
		if ((rc = hfgit_strbuf__printf(names, "%.*s\n", (int)(len - 5), e->d_name)) < 0)
			break;
		for (i = 0; rc == 0 && i < sizeof(exts) / sizeof(*exts); i++) {
			char *from = hfgit__aprintf("%s/%.*s%s", src_dir, (int)(len - 5), e->d_name, exts[i]);
			char *to = hfgit__aprintf("%s/%.*s%s", dst_dir, (int)(len - 5), e->d_name, exts[i]);
			if (!from || !to)
				rc = HFGIT_ERROR;
			else if (rename(from, to) < 0 && errno != ENOENT)
				rc = hfgit_error__set_errno(HFGIT_EIO, "cannot move '%s' into the cache", from);
			free(from);
			free(to);
		}
	}
out:
	if (dir)
		closedir(dir);
	free(src_dir);
	free(dst_dir);
	return rc;
}

/* Whether every parent of `commit` is in `odb`, read from the raw object because a shallow
 * repository's grafts hide the parents from git_commit_parentcount(). */
static bool parents_present(git_odb *odb, const git_oid *commit)
{
	git_odb_object *obj;
	const char *data, *end, *line;
	bool all = true;

	if (git_odb_read(&obj, odb, commit) < 0)
		return false;
	data = git_odb_object_data(obj);
	end = data + git_odb_object_size(obj);
	for (line = data; line < end && *line != '\n';) {
		const char *eol = memchr(line, '\n', (size_t)(end - line));
		git_oid parent;
		if (!eol)
			break;
		if ((size_t)(eol - line) >= 7 + GIT_OID_HEXSZ && !strncmp(line, "parent ", 7) &&
		    (git_oid_fromstrn(&parent, line + 7, GIT_OID_HEXSZ) < 0 ||
		     git_odb_exists(odb, &parent) != 1))
			all = false;
		line = eol + 1;
	}
	git_odb_object_free(obj);
	return all;
}

static bool oid_listed(const git_oid *ids, size_t n, const git_oid *oid)
{
	size_t i;
	for (i = 0; i < n; i++)
		if (git_oid_equal(&ids[i], oid))
			return true;
	return false;
}

/* The store's shallow roots: those of both repositories whose parents it still lacks. */
static int merge_shallow(git_repository *store, git_repository *fetched)
{
	git_oidarray mine = { NULL, 0 }, theirs = { NULL, 0 };
	hfgit_strbuf out = HFGIT_STRBUF_INIT;
	git_odb *odb = NULL;
	char *path = NULL;
	size_t i;
	int rc;

	if ((rc = hfgit_store__shallow_read(&mine, store)) < 0 ||
	    (rc = hfgit_store__shallow_read(&theirs, fetched)) < 0)
		goto out;
	if (git_repository_odb(&odb, store) < 0 || git_odb_refresh(odb) < 0) {
		rc = hfgit_error__set(HFGIT_EIO, "cannot open the cache's objects: %s", hfgit_git__message());
		goto out;
	}
	for (i = 0; i < mine.count + theirs.count; i++) {
		const git_oid *oid = i < mine.count ? &mine.ids[i] : &theirs.ids[i - mine.count];
		char hex[GIT_OID_HEXSZ + 1];
		if (i >= mine.count && oid_listed(mine.ids, mine.count, oid))
			continue;
		if (parents_present(odb, oid))
			continue;
		git_oid_tostr(hex, sizeof(hex), oid);
		if ((rc = hfgit_strbuf__printf(&out, "%s\n", hex)) < 0)
			goto out;
	}
	if (!(path = repo_file(store, "shallow"))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if (out.len == 0)
		rc = (unlink(path) < 0 && errno != ENOENT) ?
		         hfgit_error__set_errno(HFGIT_EIO, "cannot remove '%s'", path) : 0;
	else
		rc = hfgit_fs__write_atomic(path, out.ptr, out.len);
out:
	free(mine.ids);
	free(theirs.ids);
	git_odb_free(odb);
	free(path);
	hfgit_strbuf__dispose(&out);
	return rc;
}

static int copy_ref(git_reference *ref, void *payload)
{
	git_repository *store = payload;
	git_reference *created = NULL;
	int rc = 0;

	if (git_reference_type(ref) == GIT_REFERENCE_DIRECT &&
	    git_reference_create(&created, store, git_reference_name(ref),
	                         git_reference_target(ref), 1, "hfgit: fetch") < 0)
		rc = hfgit_error__set(HFGIT_EIO, "cannot record ref '%s' in the cache: %s",
		                      git_reference_name(ref), hfgit_git__message());
	git_reference_free(created);
	git_reference_free(ref);
	return rc;
}

static int lock_store(int *fd, git_repository *store)
{
	char *path = repo_file(store, "hfgit.lock");
	int rc = 0;

	if (!path)
		return HFGIT_ERROR;
	if ((*fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0666)) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot open the lock '%s'", path);
	else if (flock(*fd, LOCK_EX) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot lock '%s'", path);
	free(path);
	return rc;
}

/* Where the packs of a depth-1 fetch of `commit` are recorded: hfgit/packs/<hex>. */
static char *pack_record_path(git_repository *store, const git_oid *commit)
{
	char hex[GIT_OID_HEXSZ + 1];
	git_oid_tostr(hex, sizeof(hex), commit);
	return hfgit__aprintf("%shfgit/packs/%s", git_repository_path(store), hex);
}

static int record_packs(git_repository *store, const git_oid *commit, const hfgit_strbuf *names)
{
	char *path = pack_record_path(store, commit), *dir;
	int rc;

	if (!path)
		return HFGIT_ERROR;
	dir = hfgit__aprintf("%shfgit/packs", git_repository_path(store));
	if (!dir)
		rc = HFGIT_ERROR;
	else if ((rc = hfgit_fs__mkdir_p(dir)) == 0)
		rc = hfgit_fs__write_atomic(path, names->ptr, names->len);
	free(dir);
	free(path);
	return rc;
}

int hfgit_store__link_packs(git_repository *store, const git_oid *commit, git_repository *dst)
{
	static const char *const exts[] = { ".pack", ".rev", ".idx" };
	const hfgit_fs_place_ways pack_ways = { false, true, true, 0444, true };
	char *record = pack_record_path(store, commit), *names = NULL, *line, *save = NULL;
	size_t len = 0;
	int rc = 0;

	if (!record)
		return HFGIT_ERROR;
	if (hfgit_fs__read_file(&names, &len, record) < 0) {
		free(record);
		return HFGIT_ENOTFOUND;
	}
	for (line = strtok_r(names, "\n", &save); rc == 0 && line; line = strtok_r(NULL, "\n", &save)) {
		size_t i;
		if (strncmp(line, "pack-", 5) || strchr(line, '/')) {
			rc = HFGIT_ENOTFOUND; /* not written by us: do not follow it */
			break;
		}
		for (i = 0; rc == 0 && i < sizeof(exts) / sizeof(*exts); i++) {
			char *from = hfgit__aprintf("%sobjects/pack/%s%s", git_repository_path(store), line, exts[i]);
			char *to = hfgit__aprintf("%sobjects/pack/%s%s", git_repository_path(dst), line, exts[i]);
			if (!from || !to)
				rc = HFGIT_ERROR;
			else if (hfgit_fs__place(NULL, from, to, &pack_ways) != 0 && (i != 1 || hfgit_fs__exists(from)))
				rc = HFGIT_ENOTFOUND; /* the store lost it: pack the objects instead */
			free(from);
			free(to);
		}
	}
	free(names);
	free(record);
	return rc;
}

int hfgit_store__absorb(git_repository *store, git_repository *fetched, const git_oid *depth1_commit)
{
	hfgit_strbuf names = HFGIT_STRBUF_INIT;
	int fd = -1, rc;

	/* flock only orders processes that share a working lock; correctness does not depend on
	 * it, because every file lands by rename, but the shallow list is read-modify-write. */
	if ((rc = lock_store(&fd, store)) < 0)
		goto out;
	if ((rc = move_packs(store, fetched, &names)) < 0 || (rc = merge_shallow(store, fetched)) < 0)
		goto out;
	if (depth1_commit && names.len && (rc = record_packs(store, depth1_commit, &names)) < 0)
		goto out;
	/* copy_ref stops the walk with HFGIT_EIO and its own message; anything else is libgit2's. */
	hfgit__trace("absorb: packs and shallow roots moved in");
	rc = git_reference_foreach(fetched, copy_ref, store);
	if (rc != 0 && rc != HFGIT_EIO)
		rc = hfgit_error__set(HFGIT_EIO, "cannot copy refs into the cache: %s", hfgit_git__message());
out:
	if (fd >= 0)
		close(fd);
	hfgit_strbuf__dispose(&names);
	return rc;
}

static int any_object(const git_oid *id, void *payload)
{
	*(bool *)payload = true;
	return 1; /* one is enough */
}

void hfgit_store__forget_if_empty(hfgit_ctx *ctx, git_repository *store)
{
	git_reference_iterator *it = NULL;
	git_reference *ref = NULL;
	git_odb *odb = NULL;
	char *path = NULL, *repos = NULL, *lock = NULL, *slash;
	bool has_object = false;
	int fd = -1;

	if (!store || git_reference_iterator_new(&it, store) < 0)
		return;
	if (git_reference_next(&ref, it) == 0) {
		git_reference_free(ref);
		goto out;
	}
	if (git_repository_odb(&odb, store) < 0)
		goto out;
	git_odb_foreach(odb, any_object, &has_object);
	/* refs the hub advertised are remembered for offline resolution: the hub was reached */
	if (has_object || !(lock = repo_file(store, "hfgit/remote-refs")) || hfgit_fs__exists(lock))
		goto out;
	free(lock);
	lock = NULL;
	/* git_repository_path() ends in '/' */
	if (!(path = hfgit__strdup(git_repository_path(store))) || !(repos = hfgit_layout__repos_dir(ctx->cache_dir)))
		goto out;
	path[strlen(path) - 1] = '\0';
	if (strncmp(path, repos, strlen(repos)) || !(lock = repo_file(store, "hfgit.lock")))
		goto out;
	/* a process absorbing a fetch holds this lock: then the store is about to fill */
	if ((fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0644)) < 0 || flock(fd, LOCK_EX | LOCK_NB) < 0)
		goto out;
	hfgit__trace("store: removing the empty store %s", path);
	if (hfgit_fs__remove_tree(path) < 0) {
		hfgit_error__clear();
		goto out;
	}
	/* the namespace and endpoint folders, when nothing else is in them */
	while ((slash = strrchr(path, '/')) != NULL && (size_t)(slash - path) >= strlen(repos)) {
		*slash = '\0';
		if (rmdir(path) < 0)
			break;
	}
out:
	if (fd >= 0)
		close(fd);
	free(lock);
	free(repos);
	free(path);
	git_odb_free(odb);
	git_reference_iterator_free(it);
}
