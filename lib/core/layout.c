/* Every name in the cache (see layout.h). */
#define _GNU_SOURCE
#include "core/layout.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/strbuf.h"

#define OID_HEXSZ 64

/*
 * "https://huggingface.co" -> "huggingface.co", "http://127.0.0.1:8080/mirror" ->
 * "127.0.0.1_8080_mirror": one path component, safe on every file system.
 */
static char *endpoint_key(const char *endpoint)
{
	const char *start = strstr(endpoint, "://");
	char *key, *p;

	start = start ? start + 3 : endpoint;
	if (!(key = hfgit__strdup(start)))
		return NULL;
	for (p = key; *p; p++) {
		if (!isalnum((unsigned char)*p) && *p != '.' && *p != '-')
			*p = '_';
	}
	return key;
}

char *hfgit_layout__repos_dir(const char *cache_dir)
{
	return hfgit__aprintf("%s/repos/", cache_dir);
}

char *hfgit_layout__repo_dir(const char *cache_dir, const char *endpoint, const char *repo)
{
	char *key = endpoint_key(endpoint), *dir;

	dir = key ? hfgit__aprintf("%s/repos/%s/%s.git", cache_dir, key, repo) : NULL;
	free(key);
	return dir;
}

/* `repo_dir` as libgit2 gives a git directory may end in '/'. */
char *hfgit_layout__last_used(const char *repo_dir)
{
	size_t n = strlen(repo_dir);
	return hfgit__aprintf("%s%shfgit/last-used", repo_dir, n && repo_dir[n - 1] == '/' ? "" : "/");
}

char *hfgit_layout__lfs_manifest(const char *repo_dir, const char *tree)
{
	size_t n = strlen(repo_dir);
	return hfgit__aprintf("%s%shfgit/lfs-manifests/%s", repo_dir,
	                      n && repo_dir[n - 1] == '/' ? "" : "/", tree);
}

char *hfgit_layout__tmp_dir(const char *cache_dir)
{
	return hfgit__aprintf("%s/tmp", cache_dir);
}

char *hfgit_layout__checkouts_log(const char *cache_dir)
{
	return hfgit__aprintf("%s/checkouts.log", cache_dir);
}

char *hfgit_layout__checkout_dir(const char *cache_dir, const char *repo, const char *commit)
{
	return hfgit__aprintf("%s/checkouts/%s/%s", cache_dir, repo, commit);
}

char *hfgit_layout__lfs_root(const char *cache_dir)
{
	return hfgit__aprintf("%s/lfs", cache_dir);
}

char *hfgit_layout__lfs_objects_dir(const char *lfs_root)
{
	return hfgit__aprintf("%s/objects", lfs_root);
}

char *hfgit_layout__lfs_object(const char *lfs_root, const char *oid)
{
	return hfgit__aprintf("%s/objects/%.2s/%.2s/%s", lfs_root, oid, oid + 2, oid);
}

void hfgit_layout__lfs_object_rel(char *out, const char *oid)
{
	memcpy(out, oid, 2);
	out[2] = '/';
	memcpy(out + 3, oid + 2, 2);
	out[5] = '/';
	memcpy(out + 6, oid, 64);
	out[70] = '\0';
}

char *hfgit_layout__lfs_incomplete_dir(const char *lfs_root)
{
	return hfgit__aprintf("%s/incomplete", lfs_root);
}

char *hfgit_layout__lfs_locks(const char *lfs_root)
{
	return hfgit__aprintf("%s/incomplete/locks", lfs_root);
}

char *hfgit_layout__lfs_damaged_dir(const char *lfs_root)
{
	return hfgit__aprintf("%s/damaged", lfs_root);
}

char *hfgit_layout__lfs_digest_log(const char *lfs_root)
{
	return hfgit__aprintf("%s/xxh3.log", lfs_root);
}

char *hfgit_layout__lfs_import_tmp(const char *lfs_root, const char *oid)
{
	return hfgit__aprintf("%s/incomplete/import-%s-%ld.tmp", lfs_root, oid, (long)getpid());
}

/* The host and the pid keep the partials of processes on machines sharing the cache apart. */
char *hfgit_layout__lfs_partial(const char *lfs_root, const char *oid)
{
	char host[64] = "host";

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	return hfgit__aprintf("%s/incomplete/%s.%s-%ld.part", lfs_root, oid, host, (long)getpid());
}

bool hfgit_layout__lfs_partial_name(const char *name, char *oid)
{
	size_t len = strlen(name), i;

	if (len <= OID_HEXSZ + 5 || name[OID_HEXSZ] != '.' || strcmp(name + len - 5, ".part"))
		return false;
	for (i = 0; i < OID_HEXSZ; i++) {
		if (!isxdigit((unsigned char)name[i]) || isupper((unsigned char)name[i]))
			return false;
	}
	if (oid) {
		memcpy(oid, name, OID_HEXSZ);
		oid[OID_HEXSZ] = '\0';
	}
	return true;
}
