/*
 * Unit tests for the names of the cache (lib/core/layout.c): every path function against the
 * layout its header documents (and git-lfs's object layout), the endpoint key, and the partial
 * download names that the transfer engine makes and gc recognises: what one writes the other
 * must find.
 */
#define _GNU_SOURCE
#include "core/layout.h"
#include "check.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define OID "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"

/* Compares a new string with `expected` and frees it. */
#define CHECK_PATH(made, expected)                                              \
	do {                                                                        \
		char *m_ = (made);                                                      \
		CHECK_STR(m_, expected);                                                \
		free(m_);                                                               \
	} while (0)

static void check_paths(void)
{
	CHECK_PATH(hfgit_layout__repos_dir("/c"), "/c/repos/");
	CHECK_PATH(hfgit_layout__tmp_dir("/c"), "/c/tmp");
	CHECK_PATH(hfgit_layout__checkouts_log("/c"), "/c/checkouts.log");
	CHECK_PATH(hfgit_layout__checkout_dir("/c", "org/model", "0123abcd"),
	           "/c/checkouts/org/model/0123abcd");
	CHECK_PATH(hfgit_layout__lfs_root("/c"), "/c/lfs");
	CHECK_PATH(hfgit_layout__lfs_objects_dir("/c/lfs"), "/c/lfs/objects");
	/* git-lfs's layout: objects/<oid[0:2]>/<oid[2:4]>/<oid> */
	CHECK_PATH(hfgit_layout__lfs_object("/c/lfs", OID), "/c/lfs/objects/4d/7a/" OID);
	CHECK_PATH(hfgit_layout__lfs_incomplete_dir("/c/lfs"), "/c/lfs/incomplete");
	CHECK_PATH(hfgit_layout__lfs_locks("/c/lfs"), "/c/lfs/incomplete/locks");
	CHECK_PATH(hfgit_layout__lfs_damaged_dir("/c/lfs"), "/c/lfs/damaged");
	CHECK_PATH(hfgit_layout__lfs_digest_log("/c/lfs"), "/c/lfs/xxh3.log");
}

static void check_repo_dirs(void)
{
	/* The scheme is dropped; ':' and '/' (and anything else unsafe) become '_'. */
	CHECK_PATH(hfgit_layout__repo_dir("/c", "https://huggingface.co", "org/model"),
	           "/c/repos/huggingface.co/org/model.git");
	CHECK_PATH(hfgit_layout__repo_dir("/c", "http://127.0.0.1:8080/mirror", "org/model"),
	           "/c/repos/127.0.0.1_8080_mirror/org/model.git");
	CHECK_PATH(hfgit_layout__repo_dir("/c", "http://[::1]:9/a/b", "datasets/org/d"),
	           "/c/repos/___1__9_a_b/datasets/org/d.git");
	CHECK_PATH(hfgit_layout__repo_dir("/c", "hf-mirror.example", "m"),
	           "/c/repos/hf-mirror.example/m.git");
	/* Two endpoints that differ only in the port keep apart. */
	{
		char *a = hfgit_layout__repo_dir("/c", "http://h:1", "m");
		char *b = hfgit_layout__repo_dir("/c", "http://h:2", "m");
		CHECK(a && b && strcmp(a, b) != 0);
		free(a);
		free(b);
	}
	/* last_used: a git directory as libgit2 gives it ends in '/'; the name is the same. */
	CHECK_PATH(hfgit_layout__last_used("/c/repos/h/m.git/"), "/c/repos/h/m.git/hfgit/last-used");
	CHECK_PATH(hfgit_layout__last_used("/c/repos/h/m.git"), "/c/repos/h/m.git/hfgit/last-used");
}

static void check_process_names(void)
{
	char host[64] = "host", expected[512];

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	snprintf(expected, sizeof(expected), "/c/lfs/incomplete/%s.%s-%ld.part", OID, host,
	         (long)getpid());
	CHECK_PATH(hfgit_layout__lfs_partial("/c/lfs", OID), expected);
	snprintf(expected, sizeof(expected), "/c/lfs/incomplete/import-%s-%ld.tmp", OID,
	         (long)getpid());
	CHECK_PATH(hfgit_layout__lfs_import_tmp("/c/lfs", OID), expected);
}

static void check_partial_names(void)
{
	static const struct {
		const char *name;
		bool partial;
	} cases[] = {
		{ OID ".host-1.part", true },
		{ OID ".a.b.c-123456.part", true },
		{ OID ".x.part", true },
		{ OID ".part", false },                 /* nothing between the oid and .part */
		{ OID ".host-1.part.tmp", false },      /* no .part at the end */
		{ OID ".host-1", false },
		{ OID "-host-1.part", false },          /* no '.' after the oid */
		{ "4D7A214614AB2935C943F9E0FF69D22EADBB8F32B1258DAAA5E2CA24D17E2393.host-1.part", false },
		{ "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e239.host-1.part", false },
		{ "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e239g.host-1.part", false },
		{ "import-" OID "-1.tmp", false },      /* an import, not a download */
		{ "locks", false },
		{ "", false },
		{ ".part", false },
	};
	size_t i;

	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		char oid[65] = "unchanged";
		bool got = hfgit_layout__lfs_partial_name(cases[i].name, oid);
		CHECK_MSG(got == cases[i].partial, "'%s': %s", cases[i].name, got ? "partial" : "not");
		if (cases[i].partial)
			CHECK_STR(oid, OID);
		else
			CHECK_STR(oid, "unchanged");
		CHECK(hfgit_layout__lfs_partial_name(cases[i].name, NULL) == cases[i].partial);
	}
}

/* gc and the transfer engine agree: the name this process gives a partial is one gc sees. */
static void check_round_trip(void)
{
	static const char *const oids[] = {
		OID, "0000000000000000000000000000000000000000000000000000000000000000",
		"ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff",
	};
	size_t i;

	for (i = 0; i < sizeof(oids) / sizeof(*oids); i++) {
		char *path = hfgit_layout__lfs_partial("/c/lfs", oids[i]), *dir, oid[65] = "";
		size_t dlen;

		dir = hfgit_layout__lfs_incomplete_dir("/c/lfs");
		dlen = dir ? strlen(dir) : 0;
		CHECK(path && dir && !strncmp(path, dir, dlen) && path[dlen] == '/');
		if (path && dir) {
			CHECK_MSG(hfgit_layout__lfs_partial_name(path + dlen + 1, oid), "%s", path);
			CHECK_STR(oid, oids[i]);
		}
		free(path);
		free(dir);
	}
}

int main(void)
{
	check_paths();
	check_repo_dirs();
	check_process_names();
	check_partial_names();
	check_round_trip();
	return check_finish();
}
