/*
 * hfgit verify: are the bytes in the LFS store and in checkouts still the bytes whose SHA-256
 * names them?
 *
 * The fast check compares a file's XXH3-64 with the digest recorded when it was downloaded
 * (lfs/digests.h): it reads at memory speed where SHA-256 would take minutes per GB. It only
 * ever clears a file: when the digest differs, or none is recorded, SHA-256 against the oid
 * decides, so a wrong or torn digest line never condemns a good object (its line is
 * rewritten instead). --deep skips the digest and always decides by SHA-256.
 *
 * A store object found damaged is moved to <store>/damaged/<oid>: the clone path takes an
 * object that is present for good (it checks presence and size only), so the damage must
 * leave the store for the next clone to download the object again.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/git_error.h"
#include "core/library.h"
#include "refs/store.h"
#include "checkout/lfs_refs.h"
#include "checkout/tree_files.h"
#include "core/error.h"
#include "core/options.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "hub/context.h"
#include "refs/resolve.h"
#include "lfs/digests.h"
#include "lfs/objects.h"
#include "lfs/pointer.h"

#define UNKNOWN_SIZE UINT64_MAX
#define READ_CHUNK (1 << 20)

struct hfgit_verify_report {
	hfgit_verify_problem *problems;
	size_t count, cap;
	size_t files, absent;
	unsigned long long bytes;
};

/* The outcome of checking one file, kept so that a hard link to it is not read again. */
typedef struct {
	dev_t dev;
	ino_t ino;
	hfgit_damage damage; /* 0: intact */
} file_check;

typedef struct {
	const hfgit_verify_options *opts;
	hfgit_verify_report *report;
	char *store_root;
	hfgit_lfs_objects *store;  /* NULL when there is no store at all */
	hfgit_lfs_digests *digests;
	hfgit_strbuf new_digests;  /* lines for objects SHA-256 confirmed, appended at the end */
	hfgit_progress progress;
	EVP_MD_CTX *sha;
	XXH3_state_t *xxh3;
	char *buf;
} verifier;

/* ---------------------------------------------------------------------------------------- */
/* The report                                                                                */

static void problem_dispose(hfgit_verify_problem *p)
{
	free((char *)p->path);
	free((char *)p->oid);
	free((char *)p->used_by);
	free((char *)p->moved_to);
	free((char *)p->message);
}

/* Takes ownership of `moved_to` and `message`. */
static int add_problem(hfgit_verify_report *r, hfgit_damage damage, int in_checkout,
                       const char *path, const char *oid, const char *used_by, char *moved_to,
                       char *message)
{
	hfgit_verify_problem *p;

	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		hfgit_verify_problem *grown = realloc(r->problems, cap * sizeof(*grown));
		if (!grown) {
			free(moved_to);
			free(message);
			return hfgit_error__oom();
		}
		r->problems = grown;
		r->cap = cap;
	}
	p = &r->problems[r->count];
	memset(p, 0, sizeof(*p));
	p->damage = damage;
	p->in_checkout = in_checkout;
	p->moved_to = moved_to;
	p->message = message;
	if (!(p->path = hfgit__strdup(path)) || !(p->oid = hfgit__strdup(oid)) ||
	    (used_by && !(p->used_by = hfgit__strdup(used_by))) || !message) {
		problem_dispose(p);
		return HFGIT_ERROR;
	}
	r->count++;
	return 0;
}

size_t hfgit_verify_report_problem_count(const hfgit_verify_report *r)
{
	return r->count;
}

const hfgit_verify_problem *hfgit_verify_report_problem(const hfgit_verify_report *r, size_t i)
{
	return i < r->count ? &r->problems[i] : NULL;
}

size_t hfgit_verify_report_files(const hfgit_verify_report *r)
{
	return r->files;
}

unsigned long long hfgit_verify_report_bytes(const hfgit_verify_report *r)
{
	return r->bytes;
}

size_t hfgit_verify_report_absent(const hfgit_verify_report *r)
{
	return r->absent;
}

void hfgit_verify_report_free(hfgit_verify_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->count; i++)
		problem_dispose(&r->problems[i]);
	free(r->problems);
	free(r);
}

static const char *damage_text(hfgit_damage damage)
{
	switch (damage) {
	case HFGIT_DAMAGE_SIZE: return "has the wrong size";
	case HFGIT_DAMAGE_MISSING: return "is missing";
	case HFGIT_DAMAGE_UNREADABLE: return "cannot be read";
	default: return "does not match its SHA-256";
	}
}

/* ---------------------------------------------------------------------------------------- */
/* Hashing                                                                                   */

static int report_progress(verifier *v)
{
	if (v->opts->progress && v->opts->progress(&v->progress, v->opts->payload))
		return hfgit_error__set(HFGIT_EINTERRUPTED, "verify interrupted");
	return 0;
}

/*
 * XXH3-64 of the open file, and its SHA-256 in hex when `sha_hex` is given. `counted`: the
 * bytes advance the progress (a second pass over the same file does not). < 0 only for an
 * interruption; a read error is 1 (the file is damaged, not the verify).
 */
static int hash_fd(verifier *v, int fd, uint64_t *xxh3, char *sha_hex, bool counted)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0, i;
	off_t at = 0;
	ssize_t n;
	int rc;

	XXH3_64bits_reset(v->xxh3);
	if (sha_hex && !EVP_DigestInit_ex(v->sha, EVP_sha256(), NULL))
		return hfgit_error__set(HFGIT_ERROR, "cannot set up SHA-256");
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	while ((n = pread(fd, v->buf, READ_CHUNK, at)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return 1;
		XXH3_64bits_update(v->xxh3, v->buf, (size_t)n);
		if (sha_hex)
			EVP_DigestUpdate(v->sha, v->buf, (size_t)n);
		at += n;
		if (counted) {
			v->progress.bytes += (unsigned long long)n;
			if ((rc = report_progress(v)) < 0)
				return rc;
		}
	}
	*xxh3 = XXH3_64bits_digest(v->xxh3);
	if (sha_hex) {
		EVP_DigestFinal_ex(v->sha, md, &mdlen);
		for (i = 0; i < mdlen && i < 32; i++)
			snprintf(sha_hex + 2 * i, 3, "%02x", md[i]);
	}
	return 0;
}

/* SHA-256 decides; a confirmed object whose digest line is missing or wrong gets a new one
 * (the later line wins when the log is read). */
static int check_by_sha(verifier *v, int fd, const char *oid, uint64_t size, bool counted,
                        file_check *out)
{
	char sha_hex[HFGIT_LFS_OID_HEXSZ + 1] = "";
	uint64_t xxh3 = 0, rec_size, rec_xxh3;
	int rc = hash_fd(v, fd, &xxh3, sha_hex, counted);

	if (rc != 0) {
		out->damage = HFGIT_DAMAGE_UNREADABLE;
		return rc < 0 ? rc : 0;
	}
	if (strcmp(sha_hex, oid)) {
		out->damage = HFGIT_DAMAGE_CONTENT;
		return 0;
	}
	if (!hfgit_lfs__digests_find(v->digests, oid, &rec_size, &rec_xxh3) || rec_size != size ||
	    rec_xxh3 != xxh3) {
		char line[100];
		size_t len = hfgit_lfs__digest_line(line, oid, size, xxh3);
		if (hfgit_strbuf__put(&v->new_digests, line, len) < 0)
			return HFGIT_ERROR;
	}
	return 0;
}

/*
 * Check the file at `path` against `oid` (and `size` when known from a pointer). The result,
 * with the file's identity, goes to `out`; only an interruption or a lack of memory fails.
 */
static int check_file(verifier *v, const char *path, const char *oid, uint64_t size,
                      file_check *out)
{
	uint64_t rec_size, rec_xxh3, xxh3;
	struct stat st;
	int fd, rc = 0;

	memset(out, 0, sizeof(*out));
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		out->damage = errno == ENOENT ? HFGIT_DAMAGE_MISSING : HFGIT_DAMAGE_UNREADABLE;
		return 0;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		out->damage = HFGIT_DAMAGE_UNREADABLE;
		goto out;
	}
	out->dev = st.st_dev;
	out->ino = st.st_ino;
	v->report->files++;
	v->report->bytes += (unsigned long long)st.st_size;
	if (size != UNKNOWN_SIZE && (uint64_t)st.st_size != size) {
		out->damage = HFGIT_DAMAGE_SIZE;
		v->progress.bytes += size;
		goto out;
	}
	size = (uint64_t)st.st_size;
	if (!v->opts->deep && hfgit_lfs__digests_find(v->digests, oid, &rec_size, &rec_xxh3) &&
	    rec_size == size) {
		if ((rc = hash_fd(v, fd, &xxh3, NULL, true)) < 0)
			goto out;
		if (rc == 0 && xxh3 == rec_xxh3)
			goto out;
		hfgit__trace("verify: %s: XXH3 differs from the recorded digest, checking SHA-256", path);
		rc = check_by_sha(v, fd, oid, size, false, out);
	} else {
		rc = check_by_sha(v, fd, oid, size, true, out);
	}
out:
	close(fd);
	v->progress.done++;
	return rc < 0 ? rc : report_progress(v);
}

/* ---------------------------------------------------------------------------------------- */
/* Store objects                                                                             */

/*
 * Move the damaged object out of the store so the next clone fetches it again. Only the file
 * that was checked moves: had another process replaced it meanwhile, that one stays.
 */
static char *quarantine(verifier *v, const char *path, const char *oid, const file_check *fc,
                        char **why)
{
	char *dir = hfgit_layout__lfs_damaged_dir(v->store_root), *dst = NULL;
	struct stat st;

	*why = NULL;
	if (!dir || hfgit_fs__mkdir_p(dir) < 0 || !(dst = hfgit__aprintf("%s/%s", dir, oid))) {
		*why = hfgit__strdup(*hfgit_error_last() ? hfgit_error_last() : "out of memory");
	} else if (lstat(path, &st) < 0 || st.st_dev != fc->dev || st.st_ino != fc->ino) {
		*why = hfgit__strdup("it was replaced while being checked");
	} else if (rename(path, dst) < 0) {
		*why = hfgit__aprintf("cannot move it to '%s': %s", dst, strerror(errno));
	} else {
		free(dir);
		return dst;
	}
	hfgit_error__clear();
	free(dir);
	free(dst);
	return NULL;
}

static int report_store_damage(verifier *v, const char *path, const char *oid,
                               const char *used_by, const file_check *fc)
{
	char *why = NULL, *moved = NULL, *msg;
	hfgit_strbuf text = HFGIT_STRBUF_INIT;

	if (fc->damage != HFGIT_DAMAGE_MISSING && fc->damage != HFGIT_DAMAGE_UNREADABLE)
		moved = quarantine(v, path, oid, fc, &why);
	/* The object's path is the report's; the message says what it is and what to do. */
	hfgit_strbuf__printf(&text, "LFS object %s %s", oid, damage_text(fc->damage));
	if (used_by)
		hfgit_strbuf__printf(&text, " (used by %s)", used_by);
	if (moved)
		hfgit_strbuf__printf(&text, "; moved to %s: the next clone downloads it again", moved);
	else
		hfgit_strbuf__printf(&text, "; %s%sremove it, and the next clone downloads it again",
		                     why ? why : "", why ? ": " : "");
	free(why);
	if (!(msg = hfgit_strbuf__detach(&text))) {
		free(moved);
		return hfgit_error__oom();
	}
	return add_problem(v->report, fc->damage, 0, path, oid, used_by, moved, msg);
}

/* Check the store's copy of `oid`, if it has one: 1 when it does not (not damage). */
static int check_object(verifier *v, const char *oid, uint64_t size, const char *used_by,
                        file_check *out)
{
	char *path = v->store ? hfgit_lfs__object_path(v->store, oid) : NULL;
	struct stat st;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!path || lstat(path, &st) < 0) {
		free(path);
		hfgit_error__clear();
		v->report->absent++;
		v->progress.done++;
		if (size != UNKNOWN_SIZE)
			v->progress.bytes += size;
		return 1;
	}
	if ((rc = check_file(v, path, oid, size, out)) == 0 && out->damage)
		rc = report_store_damage(v, path, oid, used_by, out);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Set-up                                                                                    */

static void verifier_dispose(verifier *v)
{
	hfgit_lfs__objects_free(v->store);
	hfgit_lfs__digests_free(v->digests);
	hfgit_strbuf__dispose(&v->new_digests);
	EVP_MD_CTX_free(v->sha);
	XXH3_freeState(v->xxh3);
	free(v->buf);
	free(v->store_root);
}

/* Takes ownership of `store_root`. A store that does not exist holds nothing: every object
 * is absent, and nothing is created just to look. */
static int verifier_init(verifier *v, char *store_root, const hfgit_verify_options *opts,
                         hfgit_verify_report *report)
{
	memset(v, 0, sizeof(*v));
	v->opts = opts;
	v->report = report;
	v->store_root = store_root;
	v->progress.stage = HFGIT_STAGE_VERIFY;
	if (!store_root)
		return HFGIT_ERROR;
	if (!(v->sha = EVP_MD_CTX_new()) || !(v->xxh3 = XXH3_createState()) ||
	    !(v->buf = malloc(READ_CHUNK)))
		return hfgit_error__oom();
	if (hfgit_fs__exists(store_root) && hfgit_lfs__objects_open(&v->store, store_root) < 0) {
		/* A read-only store cannot get its incomplete/ folder: it can still be read. */
		hfgit_error__clear();
		v->store = NULL;
		return hfgit_error__set(HFGIT_EIO, "cannot open the LFS store '%s'", store_root);
	}
	return hfgit_lfs__digests_load(&v->digests, store_root);
}

/* A lost line only makes the next verify fall back to SHA-256 for that object. */
static void record_digests(verifier *v)
{
	if (v->new_digests.len && v->store &&
	    hfgit_lfs__digests_append(v->store_root, v->new_digests.ptr, v->new_digests.len) < 0) {
		hfgit__trace("verify: %s", hfgit_error_last());
		hfgit_error__clear();
	}
}

typedef int (*verify_fn)(verifier *v, void *payload);

/* The frame every entry point shares: options, report, verifier, the digests recorded. */
static int run(hfgit_verify_report **out, char *store_root, const hfgit_verify_options *opts,
               verify_fn fn, void *payload)
{
	hfgit_verify_options defaults = HFGIT_VERIFY_OPTIONS_INIT;
	hfgit_verify_report *report;
	verifier v;
	int rc;

	*out = NULL;
	if (!(report = calloc(1, sizeof(*report)))) {
		free(store_root);
		return hfgit_error__oom();
	}
	if ((rc = verifier_init(&v, store_root, opts ? opts : &defaults, report)) == 0 &&
	    (rc = fn(&v, payload)) == 0)
		record_digests(&v);
	verifier_dispose(&v);
	if (rc < 0)
		hfgit_verify_report_free(report);
	else
		*out = report;
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The whole store                                                                           */

typedef struct {
	char oid[HFGIT_LFS_OID_HEXSZ + 1];
	uint64_t size;
	char *used_by;
	size_t seq;  /* order of addition: the first user found names the object */
} target;

typedef struct {
	target *items;
	size_t count, cap;
} target_list;

static void targets_dispose(target_list *t)
{
	size_t i;
	for (i = 0; i < t->count; i++)
		free(t->items[i].used_by);
	free(t->items);
}

static int targets_add(target_list *t, const char *oid, uint64_t size, char *used_by)
{
	if (t->count == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 64;
		target *grown = realloc(t->items, cap * sizeof(*grown));
		if (!grown) {
			free(used_by);
			return hfgit_error__oom();
		}
		t->items = grown;
		t->cap = cap;
	}
	memcpy(t->items[t->count].oid, oid, sizeof(t->items[t->count].oid));
	t->items[t->count].size = size;
	t->items[t->count].used_by = used_by;
	t->items[t->count].seq = t->count;
	t->count++;
	return 0;
}

static int compare_targets(const void *a, const void *b)
{
	const target *x = a, *y = b;
	int c = strcmp(x->oid, y->oid);
	return c ? c : x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Sorted by oid, each oid once, named by its first user. */
static void targets_seal(target_list *t)
{
	size_t i, kept = 0;

	if (!t->count)
		return;
	qsort(t->items, t->count, sizeof(*t->items), compare_targets);
	for (i = 1; i < t->count; i++) {
		if (!strcmp(t->items[kept].oid, t->items[i].oid)) {
			free(t->items[i].used_by);
			continue;
		}
		t->items[++kept] = t->items[i];
	}
	t->count = kept + 1;
}

static int check_targets(verifier *v, const target_list *t)
{
	file_check fc;
	size_t i;
	int rc = 0;

	v->progress.total = t->count;
	for (i = 0; i < t->count; i++)
		if (t->items[i].size != UNKNOWN_SIZE)
			v->progress.bytes_total += t->items[i].size;
	for (i = 0; i < t->count && rc >= 0; i++)
		rc = check_object(v, t->items[i].oid, t->items[i].size, t->items[i].used_by, &fc);
	return rc < 0 ? rc : 0;
}

/* One level of the store's ab/cd fan-out: two lowercase hex digits. */
static bool is_fanout(const char *s)
{
	static const char hex[] = "0123456789abcdef";
	return s[0] && s[1] && !s[2] && memchr(hex, s[0], 16) && memchr(hex, s[1], 16);
}

/* The objects in objects/ab/cd/: only names that are an oid under its own prefix. */
static int list_store_dir(target_list *t, verifier *v, const char *dir, const char *ab,
                          const char *cd)
{
	struct dirent *e;
	DIR *d = opendir(dir);
	int rc = 0;

	if (!d)
		return 0;
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char *path;
		struct stat st;
		if (!hfgit_lfs__oid_valid(e->d_name, strlen(e->d_name)) || memcmp(e->d_name, ab, 2) ||
		    memcmp(e->d_name + 2, cd, 2) || !(path = hfgit__aprintf("%s/%s", dir, e->d_name)))
			continue;
		if (lstat(path, &st) == 0) {
			v->progress.bytes_total += (unsigned long long)st.st_size;
			rc = targets_add(t, e->d_name, UNKNOWN_SIZE, NULL);
		}
		free(path);
	}
	closedir(d);
	return rc;
}

static int list_store(target_list *t, verifier *v)
{
	char *objects = hfgit_layout__lfs_objects_dir(v->store_root);
	struct dirent *a, *c;
	DIR *da, *dc;
	int rc = 0;

	if (!objects)
		return HFGIT_ERROR;
	if (!(da = opendir(objects))) {
		rc = errno == ENOENT ? 0 : hfgit_error__set_errno(HFGIT_EIO, "cannot list '%s'", objects);
		free(objects);
		return rc;
	}
	while (rc == 0 && (a = readdir(da)) != NULL) {
		char *sub;
		if (!is_fanout(a->d_name) || !(sub = hfgit__aprintf("%s/%s", objects, a->d_name)))
			continue;
		if ((dc = opendir(sub)) != NULL) {
			while (rc == 0 && (c = readdir(dc)) != NULL) {
				char *leaf;
				if (!is_fanout(c->d_name) || !(leaf = hfgit__aprintf("%s/%s", sub, c->d_name)))
					continue;
				rc = list_store_dir(t, v, leaf, a->d_name, c->d_name);
				free(leaf);
			}
			closedir(dc);
		}
		free(sub);
	}
	closedir(da);
	free(objects);
	return rc;
}

static int verify_store(verifier *v, void *payload)
{
	target_list t = { NULL, 0, 0 };
	int rc;

	/* Sizes are unknown (no pointer): the listing adds them to the progress total. */
	if ((rc = list_store(&t, v)) == 0) {
		targets_seal(&t);
		rc = check_targets(v, &t);
	}
	targets_dispose(&t);
	return rc;
}

int hfgit_verify_store(hfgit_verify_report **out, hfgit_ctx *ctx, const hfgit_verify_options *opts)
{
	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_VERIFY_OPTIONS) < 0)
		return HFGIT_EINVALID;
	return run(out, hfgit_ctx__lfs_root(ctx), opts, verify_store, NULL);
}

/* ---------------------------------------------------------------------------------------- */
/* A model's cached revisions                                                                */

typedef struct {
	git_repository *repo;
	const git_oid *commit; /* only this revision; NULL: every ref */
	const char *rev;
	const char *ref;       /* of the commit being walked */
	target_list targets;
} model_walk;

/* The LFS files as a checkout of the revision sees them, so that a look-alike pointer (not
 * marked filter=lfs) is never named as the user of an object. */
static int on_model_file(const hfgit_tree_file *f, void *payload)
{
	model_walk *w = payload;
	char *used_by;

	if (!f->lfs)
		return 0;
	if (!(used_by = hfgit__aprintf("%s (%s)", f->path, w->ref)))
		return HFGIT_ERROR;
	return targets_add(&w->targets, f->lfs->oid, f->lfs->size, used_by);
}

static int on_model_commit(const git_oid *commit, const char *ref, void *payload)
{
	model_walk *w = payload;

	w->ref = ref;
	return hfgit_tree_files__foreach(w->repo, commit, on_model_file, w);
}

static int verify_model(verifier *v, void *payload)
{
	model_walk *w = payload;
	int rc;

	rc = w->commit ? on_model_commit(w->commit, w->rev, w) :
	                 hfgit_refs__foreach_commit(w->repo, on_model_commit, w);
	if (rc == 0) {
		targets_seal(&w->targets);
		rc = check_targets(v, &w->targets);
	}
	return rc;
}

/* The one revision `id` names, from the cache alone (like an offline clone would). */
static int resolve_cached(hfgit_resolved **out, hfgit_ctx *ctx, git_repository *repo,
                          const hfgit_model_id *id)
{
	hfgit_ctx offline = *ctx;
	hfgit_session *s = NULL;
	int rc;

	offline.offline = 1;
	rc = hfgit_resolve__with_store(out, &s, &offline, repo, id, NULL, NULL);
	hfgit_session__free(s);
	return rc;
}

int hfgit_verify_model(hfgit_verify_report **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                       const hfgit_verify_options *opts)
{
	model_walk w = { NULL, NULL, NULL, NULL, { NULL, 0, 0 } };
	hfgit_resolved *r = NULL;
	char *path = NULL;
	int rc;

	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_VERIFY_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	*out = NULL;
	if ((rc = hfgit_store__path(&path, ctx, id)) < 0)
		return rc;
	if (!hfgit_fs__exists(path)) {
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s is not in the cache ('%s'): nothing to "
		                      "verify; `hfgit verify` without an argument checks the whole store",
		                      hfgit_model_id_repo(id), ctx->cache_dir);
	} else if (git_repository_open_bare(&w.repo, path) < 0) {
		rc = hfgit_error__set(HFGIT_ERROR, "cannot open the cache repository '%s': %s", path,
		                      hfgit_git__message());
	} else if (!hfgit_model_id_revision(id) || (rc = resolve_cached(&r, ctx, w.repo, id)) == 0) {
		if (r) {
			w.commit = &r->commit_oid;
			w.rev = r->ref ? r->ref : r->commit;
		}
		rc = run(out, hfgit_ctx__lfs_root(ctx), opts, verify_model, &w);
	}
	targets_dispose(&w.targets);
	hfgit_resolved_free(r);
	git_repository_free(w.repo);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* A checkout                                                                                */

typedef struct {
	char *path;               /* relative to the working tree */
	hfgit_lfs_pointer pointer;
} lfs_entry;

typedef struct {
	git_repository *repo;
	const char *workdir;
	lfs_entry *entries;
	size_t count;
	/* store objects already checked, in `entries` order: index of the first entry per oid */
	file_check *object_checks;
	int *object_state;        /* 0: not yet, 1: checked, 2: absent */
	size_t *first;            /* per entry: the first entry with its object */
} checkout_walk;

static bool has_lfs_filter(git_repository *repo, const char *path)
{
	const char *value = NULL;

	if (git_attr_get(&value, repo, GIT_ATTR_CHECK_FILE_THEN_INDEX, path, "filter") < 0)
		return false;
	return value && git_attr_value(value) == GIT_ATTR_VALUE_STRING && !strcmp(value, "lfs");
}

/* The checkout's LFS files: index entries whose blob is a pointer git-lfs would smudge. */
static int collect_entries(checkout_walk *w)
{
	git_index *index = NULL;
	git_odb *odb = NULL;
	size_t i, n;
	int rc = 0;

	if (git_repository_index(&index, w->repo) < 0 || git_repository_odb(&odb, w->repo) < 0) {
		rc = hfgit_error__set(HFGIT_ERROR, "cannot read the index of '%s': %s", w->workdir,
		                      hfgit_git__message());
		goto out;
	}
	n = git_index_entrycount(index);
	if (!(w->entries = calloc(n ? n : 1, sizeof(*w->entries)))) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (i = 0; i < n && rc == 0; i++) {
		const git_index_entry *e = git_index_get_byindex(index, i);
		lfs_entry *le = &w->entries[w->count];
		if (GIT_INDEX_ENTRY_STAGE(e) != 0 ||
		    (e->mode != GIT_FILEMODE_BLOB && e->mode != GIT_FILEMODE_BLOB_EXECUTABLE) ||
		    !hfgit_lfs__read_pointer(&le->pointer, odb, &e->id) || le->pointer.ext[0] ||
		    !has_lfs_filter(w->repo, e->path))
			continue;
		if (!(le->path = hfgit__strdup(e->path)))
			rc = HFGIT_ERROR;
		else
			w->count++;
	}
out:
	git_odb_free(odb);
	git_index_free(index);
	return rc;
}

/* Whether the working-tree file still holds the pointer text (left out with --include,
 * --exclude or --no-lfs): then there is no content to check. */
static bool holds_pointer(const char *file, const hfgit_lfs_pointer *pointer)
{
	char text[HFGIT_LFS_POINTER_MAX], *data = NULL;
	size_t len = 0;
	struct stat st;
	int n = hfgit_lfs__pointer_format(text, sizeof(text), pointer);
	bool same;

	if (n < 0 || lstat(file, &st) < 0 || st.st_size != n) {
		hfgit_error__clear();
		return false;
	}
	same = hfgit_fs__read_file(&data, &len, file) == 0 && len == (size_t)n && !memcmp(data, text, len);
	hfgit_error__clear();
	free(data);
	return same;
}

static const char *checkout_damage_text(hfgit_damage damage)
{
	switch (damage) {
	case HFGIT_DAMAGE_SIZE: return "size differs from";
	case HFGIT_DAMAGE_MISSING: return "missing: should be";
	case HFGIT_DAMAGE_UNREADABLE: return "cannot be read: should be";
	default: return "content differs from";
	}
}

static int report_checkout_damage(verifier *v, const char *file, const lfs_entry *e,
                                  hfgit_damage damage)
{
	char *msg = hfgit__aprintf("%s LFS object %s: clone again, or with git-lfs installed "
	                           "restore it with `git checkout -- '%s'`",
	                           checkout_damage_text(damage), e->pointer.oid, e->path);
	return add_problem(v->report, damage, 1, file, e->pointer.oid, NULL, NULL, msg);
}

/* One LFS file: its store object first (once per oid), then the file unless it is the very
 * same inode, whose verdict it then shares. */
static int check_entry(verifier *v, checkout_walk *w, size_t i)
{
	const lfs_entry *e = &w->entries[i];
	size_t first = w->first[i];
	char *file = hfgit__aprintf("%s%s", w->workdir, e->path);
	file_check *obj = &w->object_checks[first], fc;
	struct stat st;
	int rc = 0;

	if (!file)
		return HFGIT_ERROR;
	if (w->object_state[first] == 0) {
		rc = check_object(v, e->pointer.oid, e->pointer.size, file, obj);
		w->object_state[first] = rc == 1 ? 2 : 1;
		rc = rc < 0 ? rc : 0;
	}
	if (rc == 0 && w->object_state[first] == 1 && lstat(file, &st) == 0 &&
	    st.st_dev == obj->dev && st.st_ino == obj->ino) {
		fc = *obj; /* a hard link: already read */
		v->report->files++;
		v->report->bytes += (unsigned long long)st.st_size;
		v->progress.bytes += e->pointer.size;
		v->progress.done++;
	} else if (rc == 0) {
		rc = check_file(v, file, e->pointer.oid, e->pointer.size, &fc);
	}
	if (rc == 0 && fc.damage)
		rc = report_checkout_damage(v, file, e, fc.damage);
	free(file);
	return rc;
}

static int verify_checkout(verifier *v, void *payload)
{
	checkout_walk *w = payload;
	size_t i, kept = 0;
	int rc = 0;

	/* Files that kept their pointer have nothing to check. */
	for (i = 0; i < w->count; i++) {
		char *file = hfgit__aprintf("%s%s", w->workdir, w->entries[i].path);
		bool pointer = file && holds_pointer(file, &w->entries[i].pointer);
		free(file);
		if (pointer) {
			free(w->entries[i].path);
			continue;
		}
		w->entries[kept++] = w->entries[i];
	}
	w->count = kept;
	if (!(w->object_checks = calloc(kept ? kept : 1, sizeof(*w->object_checks))) ||
	    !(w->object_state = calloc(kept ? kept : 1, sizeof(*w->object_state))))
		return hfgit_error__oom();
	if ((rc = hfgit_lfs__first_of_each(&w->first, w->entries, kept, sizeof(*w->entries),
	                                   offsetof(lfs_entry, pointer))) < 0)
		return rc;
	v->progress.total = 2 * kept;
	for (i = 0; i < kept; i++)
		v->progress.bytes_total += 2 * w->entries[i].pointer.size;
	for (i = 0; i < kept && rc == 0; i++)
		rc = check_entry(v, w, i);
	return rc;
}

/* The checkout's store: lfs.storage as hfgit configures it, else git-lfs's own .git/lfs. */
static char *checkout_store_root(git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf storage = GIT_BUF_INIT;
	char *root;

	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_string_buf(&storage, cfg, "lfs.storage") == 0 && storage.ptr[0]) {
		root = storage.ptr[0] == '/' ?
		       hfgit__strdup(storage.ptr) :
		       /* git-lfs reads a relative lfs.storage from the git directory */
		       hfgit__aprintf("%s%s", git_repository_path(repo), storage.ptr);
	} else {
		root = hfgit__aprintf("%slfs", git_repository_path(repo));
	}
	git_buf_dispose(&storage);
	git_config_free(cfg);
	return root;
}

int hfgit_verify_checkout(hfgit_verify_report **out, hfgit_ctx *ctx, const char *dir,
                          const hfgit_verify_options *opts)
{
	checkout_walk w;
	size_t i;
	int rc;

	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_VERIFY_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	*out = NULL;
	memset(&w, 0, sizeof(w));
	if (git_repository_open_ext(&w.repo, dir, GIT_REPOSITORY_OPEN_NO_SEARCH, NULL) < 0 ||
	    git_repository_is_bare(w.repo)) {
		git_repository_free(w.repo);
		return hfgit_error__set(HFGIT_EINVALID, "'%s' is not a checkout (no .git in it): give "
		                        "the top directory of a clone, or a model id", dir);
	}
	w.workdir = git_repository_workdir(w.repo);
	if ((rc = collect_entries(&w)) == 0)
		rc = run(out, checkout_store_root(w.repo), opts, verify_checkout, &w);
	for (i = 0; i < w.count; i++)
		free(w.entries[i].path);
	free(w.entries);
	free(w.object_checks);
	free(w.object_state);
	free(w.first);
	git_repository_free(w.repo);
	return rc;
}
