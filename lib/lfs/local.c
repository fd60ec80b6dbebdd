/* LFS objects taken from elsewhere on the machine (see local.h). */
#define _GNU_SOURCE
#include "lfs/local.h"

#include <dirent.h>
#include <pthread.h>
#include <stdatomic.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/hf_env.h"
#include "lfs/digests.h"
#include "lfs/pointer.h"

typedef enum {
	LAYOUT_FLAT,    /* <dir>/<oid>: huggingface_hub's blobs/ */
	LAYOUT_SHARDED, /* <dir>/<oid[0:2]>/<oid[2:4]>/<oid>: git-lfs's objects/ */
} layout;

typedef struct {
	char *dir;
	layout kind;
} source;

struct hfgit_lfs_local {
	source *sources;
	size_t count, cap;
};

int hfgit_lfs__local_new(hfgit_lfs_local **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : hfgit_error__oom();
}

void hfgit_lfs__local_free(hfgit_lfs_local *l)
{
	size_t i;

	if (!l)
		return;
	for (i = 0; i < l->count; i++)
		free(l->sources[i].dir);
	free(l->sources);
	free(l);
}

size_t hfgit_lfs__local_count(const hfgit_lfs_local *l)
{
	return l ? l->count : 0;
}

static bool is_dir(const char *path)
{
	struct stat st;
	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

/* Adds `dir` (taken over) unless it is already there. */
static int add(hfgit_lfs_local *l, char *dir, layout kind)
{
	size_t i;

	if (!dir)
		return HFGIT_ERROR;
	for (i = 0; i < l->count; i++) {
		if (!strcmp(l->sources[i].dir, dir)) {
			free(dir);
			return 0;
		}
	}
	if (l->count == l->cap) {
		size_t cap = l->cap ? l->cap * 2 : 8;
		source *grown = realloc(l->sources, cap * sizeof(*grown));
		if (!grown) {
			free(dir);
			return hfgit_error__oom();
		}
		l->sources = grown;
		l->cap = cap;
	}
	l->sources[l->count].dir = dir;
	l->sources[l->count].kind = kind;
	l->count++;
	hfgit__trace("lfs: local source %s", dir);
	return 0;
}

/* A repository folder of the hub cache: "models--org--name" and its kin. */
static bool repo_folder_name(const char *name)
{
	return (!strncmp(name, "models--", 8) || !strncmp(name, "datasets--", 10) ||
	        !strncmp(name, "spaces--", 8));
}

int hfgit_lfs__local_add_hf_cache(hfgit_lfs_local *l, const char *hub_dir)
{
	struct dirent *e;
	DIR *d;
	int rc = 0;

	if (!(d = opendir(hub_dir)))
		return 0; /* no cache yet: nothing to reuse */
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *blobs;
		if (!repo_folder_name(e->d_name))
			continue;
		if (!(blobs = hfgit__aprintf("%s/%s/blobs", hub_dir, e->d_name))) {
			rc = HFGIT_ERROR;
			break;
		}
		if (is_dir(blobs))
			rc = add(l, blobs, LAYOUT_FLAT);
		else
			free(blobs);
	}
	closedir(d);
	return rc;
}

int hfgit_lfs__local_add_reference(hfgit_lfs_local *l, const char *given)
{
	static const char *const sharded[] = { ".git/lfs/objects", "lfs/objects", "objects" };
	char *dir = NULL, *p;
	size_t i, before = l->count;
	int rc;

	if ((rc = hfgit_env__expand_path(&dir, given)) < 0)
		return rc;
	if (!is_dir(dir)) {
		rc = hfgit_error__set(HFGIT_EINVALID, "reference '%s' is not a directory", given);
		goto out;
	}
	for (i = 0; i < sizeof(sharded) / sizeof(*sharded) && rc == 0; i++) {
		if (!(p = hfgit__aprintf("%s/%s", dir, sharded[i]))) {
			rc = HFGIT_ERROR;
			break;
		}
		if (is_dir(p))
			rc = add(l, p, LAYOUT_SHARDED);
		else
			free(p);
	}
	if (rc == 0 && (p = hfgit__aprintf("%s/blobs", dir)) != NULL) {
		if (is_dir(p))
			rc = add(l, p, LAYOUT_FLAT);
		else
			free(p);
	}
	if (rc == 0) /* a whole huggingface_hub cache, or HF_HOME with hub/ in it */
		rc = hfgit_lfs__local_add_hf_cache(l, dir);
	if (rc == 0 && (p = hfgit__aprintf("%s/hub", dir)) != NULL) {
		rc = hfgit_lfs__local_add_hf_cache(l, p);
		free(p);
	}
	if (rc == 0 && l->count == before)
		rc = hfgit_error__set(HFGIT_EINVALID, "reference '%s' holds no LFS objects hfgit can "
		                      "find: give a git-lfs checkout, a bare repository, an LFS store or "
		                      "a huggingface_hub cache", given);
out:
	free(dir);
	return rc;
}

static char *candidate(const source *s, const char *oid)
{
	if (s->kind == LAYOUT_FLAT)
		return hfgit__aprintf("%s/%s", s->dir, oid);
	return hfgit__aprintf("%s/%.2s/%.2s/%s", s->dir, oid, oid + 2, oid);
}

static bool right_size(const char *path, uint64_t size, struct stat *st)
{
	return stat(path, st) == 0 && S_ISREG(st->st_mode) && (uint64_t)st->st_size == size;
}

bool hfgit_lfs__local_has(const hfgit_lfs_local *l, const char *oid, uint64_t size)
{
	struct stat st;
	size_t i;
	bool found = false;

	if (!l || !hfgit_lfs__oid_valid(oid, strlen(oid)))
		return false;
	for (i = 0; i < l->count && !found; i++) {
		char *path = candidate(&l->sources[i], oid);
		found = path && right_size(path, size, &st);
		free(path);
	}
	return found;
}

/* `tmp` as a new file with `from`'s content: a reflink (independent, no bytes copied), a hard
 * link (one inode; only for our own files, as the store marks objects read-only), else a
 * copy. Returns the way it was made, or NULL. */
static const char *make_copy(const char *from, const struct stat *st, const char *tmp)
{
	const hfgit_fs_place_ways ways = { true, st->st_uid == geteuid(), true, 0644, false };
	const char *made = NULL;

	if (hfgit_fs__place(&made, from, tmp, &ways) != 0)
		hfgit_error__clear();
	return made;
}

/* SHA-256 (hex) and XXH3-64 of the open file. */
static int hash_file(int fd, char sha_hex[65], uint64_t *xxh3)
{
	EVP_MD_CTX *sha = EVP_MD_CTX_new();
	XXH3_state_t *x = XXH3_createState();
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	char *buf = malloc(1 << 20);
	ssize_t n;
	int rc = 0;

	if (!sha || !x || !buf || !EVP_DigestInit_ex(sha, EVP_sha256(), NULL) ||
	    XXH3_64bits_reset(x) != XXH_OK) {
		rc = hfgit_error__oom();
		goto out;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = read(fd, buf, 1 << 20)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot read a local LFS object");
			goto out;
		}
		EVP_DigestUpdate(sha, buf, (size_t)n);
		XXH3_64bits_update(x, buf, (size_t)n);
	}
	EVP_DigestFinal_ex(sha, md, &mdlen);
	for (i = 0; i < mdlen && i < 32; i++)
		snprintf(sha_hex + 2 * i, 3, "%02x", md[i]);
	*xxh3 = XXH3_64bits_digest(x);
out:
	free(buf);
	XXH3_freeState(x);
	EVP_MD_CTX_free(sha);
	return rc;
}

/* One candidate: 1 imported, 0 not usable, negative on a store error. */
static int import_one(hfgit_lfs_objects *store, const char *from, const struct stat *st,
                      const char *oid, uint64_t size)
{
	const char *root = hfgit_lfs__objects_root(store), *how;
	char sha_hex[65] = "", line[100];
	uint64_t xxh3 = 0;
	/* not "<oid>.*.part": the transfer engine would adopt it as a download to resume */
	char *tmp = hfgit_layout__lfs_import_tmp(root, oid);
	int fd, rc;

	if (!tmp)
		return HFGIT_ERROR;
	unlink(tmp);
	if (!(how = make_copy(from, st, tmp))) {
		hfgit__trace("lfs: cannot take %s from %s", oid, from);
		free(tmp);
		return 0;
	}
	if ((fd = open(tmp, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot open '%s'", tmp);
		unlink(tmp);
		free(tmp);
		return rc;
	}
	if ((rc = hash_file(fd, sha_hex, &xxh3)) < 0 || strcmp(sha_hex, oid)) {
		if (rc == 0)
			hfgit__trace("lfs: %s does not hash to its name (%s): not used", from, sha_hex);
		close(fd);
		unlink(tmp);
		free(tmp);
		hfgit_error__clear();
		return 0;
	}
	if ((rc = hfgit_lfs__object_commit(store, oid, fd, tmp, false)) < 0) {
		free(tmp);
		return rc;
	}
	hfgit_lfs__digests_append(root, line, hfgit_lfs__digest_line(line, oid, size, xxh3));
	hfgit__trace("lfs: %s %s from %s", oid, how, from);
	free(tmp);
	return 1;
}

int hfgit_lfs__local_import(const hfgit_lfs_local *l, hfgit_lfs_objects *store, const char *oid,
                            uint64_t size)
{
	struct stat st;
	size_t i;
	int rc = 0;

	if (!l || !hfgit_lfs__oid_valid(oid, strlen(oid)))
		return 0;
	for (i = 0; i < l->count && rc == 0; i++) {
		char *path = candidate(&l->sources[i], oid);
		if (!path)
			return HFGIT_ERROR;
		if (right_size(path, size, &st))
			rc = import_one(store, path, &st, oid, size);
		free(path);
	}
	return rc;
}

int hfgit_lfs__local_for_clone(hfgit_lfs_local **out, const char *hf_cache_dir, int no_hf_cache,
                               const char *const *references, size_t reference_count)
{
	hfgit_lfs_local *l = NULL;
	char *hub = NULL;
	size_t i;
	int rc;

	*out = NULL;
	if ((rc = hfgit_lfs__local_new(&l)) < 0)
		return rc;
	for (i = 0; i < reference_count && rc == 0; i++)
		rc = hfgit_lfs__local_add_reference(l, references[i]);
	if (rc == 0 && !no_hf_cache && (rc = hfgit_hf_cache_dir(&hub, hf_cache_dir)) == 0)
		rc = hfgit_lfs__local_add_hf_cache(l, hub);
	free(hub);
	if (rc < 0)
		hfgit_lfs__local_free(l);
	else
		*out = l;
	return rc;
}

typedef struct {
	const hfgit_lfs_local *l;
	hfgit_lfs_objects *store;
	const char *const *oids;
	const uint64_t *sizes;
	size_t n;
	unsigned char *taken;
	atomic_size_t next;
	pthread_mutex_t lock;
	int error;       /* the first failure, and its message: errors are per thread */
	char *message;
} importer;

static void *import_worker(void *arg)
{
	importer *im = arg;
	size_t i;

	while ((i = atomic_fetch_add(&im->next, 1)) < im->n) {
		int rc = hfgit_lfs__local_import(im->l, im->store, im->oids[i], im->sizes[i]);
		if (rc == 1) {
			im->taken[i] = 1;
		} else if (rc < 0) {
			pthread_mutex_lock(&im->lock);
			if (!im->error) {
				im->error = rc;
				im->message = hfgit__strdup(hfgit_error_last());
			}
			pthread_mutex_unlock(&im->lock);
			atomic_store(&im->next, im->n); /* the store is failing: stop */
		}
	}
	return NULL;
}

int hfgit_lfs__local_import_many(const hfgit_lfs_local *l, hfgit_lfs_objects *store,
                                 const char *const *oids, const uint64_t *sizes, size_t n,
                                 unsigned threads, unsigned char *taken)
{
	pthread_t tids[8];
	importer im;
	unsigned t, started = 0;
	long cores;
	int rc;

	if (!l || !l->count || !n)
		return 0;
	if (!threads) {
		cores = sysconf(_SC_NPROCESSORS_ONLN);
		threads = cores > 0 ? (unsigned)cores : 1;
	}
	if (threads > 8)
		threads = 8;
	if (threads > n)
		threads = (unsigned)n;
	memset(&im, 0, sizeof(im));
	im.l = l;
	im.store = store;
	im.oids = oids;
	im.sizes = sizes;
	im.n = n;
	im.taken = taken;
	atomic_init(&im.next, 0);
	pthread_mutex_init(&im.lock, NULL);
	for (t = 1; t < threads; t++)
		if (pthread_create(&tids[started], NULL, import_worker, &im) == 0)
			started++;
	import_worker(&im); /* this thread works too */
	for (t = 0; t < started; t++)
		pthread_join(tids[t], NULL);
	pthread_mutex_destroy(&im.lock);
	rc = im.error;
	if (rc < 0)
		hfgit_error__set(rc, "%s", im.message ? im.message : "cannot take a local LFS object");
	free(im.message);
	return rc;
}
