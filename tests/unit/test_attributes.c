/*
 * Unit tests for git's attribute rules over a commit (lib/git/attributes.c) and the LFS rule
 * built on them (lib/cache/tree_files.c), against real git: every case is committed in a
 * scratch repository, and `git check-attr` in its working tree is the reference for every
 * path and attribute. Some cases also say what gitattributes(5) gives, so that git and the
 * matcher cannot agree on a misreading of the test. A seeded random series mixes the rules.
 */
#define _GNU_SOURCE
#include "checkout/attributes.h"
#include "checkout/tree_files.h"
#include "check.h"

#include <git2.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define POINTER "version https://git-lfs.github.com/spec/v1\n" \
	"oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n"
#define MAX_FILES 64

static const char *const checked[] = { "filter", "diff", "merge", "text", "eol" };
#define NCHECKED (sizeof(checked) / sizeof(*checked))

typedef struct {
	const char *path;
	const char *text;
} attr_file;

typedef struct {
	const char *path, *attr, *expected; /* "set", "unset", "unspecified" or the value */
} expectation;

static char scratch[256];
static int case_number;

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[8192];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	if (system(cmd) != 0) {
		fprintf(stderr, "command failed: %s\n", cmd);
		exit(1);
	}
}

static void write_file(const char *dir, const char *path, const char *text)
{
	char full[1024], *slash;
	FILE *f;

	snprintf(full, sizeof(full), "%s/%s", dir, path);
	for (slash = strchr(full + strlen(dir) + 1, '/'); slash; slash = strchr(slash + 1, '/')) {
		*slash = '\0';
		mkdir(full, 0755);
		*slash = '/';
	}
	if (!(f = fopen(full, "w")) || fputs(text, f) < 0 || fclose(f) != 0) {
		fprintf(stderr, "cannot write %s\n", full);
		exit(1);
	}
}

/* check-attr's word for the state of `name` at `path`. */
static const char *lookup(hfgit_attrs *attrs, const char *path, const char *name)
{
	const char *value;

	switch (hfgit_attrs__get(attrs, path, name, &value)) {
	case HFGIT_ATTR_SET: return "set";
	case HFGIT_ATTR_UNSET: return "unset";
	case HFGIT_ATTR_VALUE: return value;
	default: return "unspecified";
	}
}

typedef struct {
	const char *const *paths;
	size_t count;
	bool lfs[MAX_FILES];
	bool seen[MAX_FILES];
} lfs_answers;

static int on_file(const hfgit_tree_file *f, void *payload)
{
	lfs_answers *a = payload;
	size_t i;

	for (i = 0; i < a->count; i++) {
		if (!strcmp(a->paths[i], f->path)) {
			a->seen[i] = true;
			a->lfs[i] = f->lfs != NULL;
		}
	}
	return 0;
}

/*
 * Commit `files` (attribute files) and `paths` (LFS pointers) in a new repository, with
 * `info` as info/attributes and `global` as core.attributesFile when given; then compare
 * the matcher with `git check-attr` for every path and attribute of `checked`, check the
 * expectations, and check that tree_files calls exactly the paths with filter=lfs LFS.
 */
static void check_case(const attr_file *files, size_t nfiles, const char *const *paths,
                       size_t npaths, const char *info, const char *global,
                       const expectation *expect, size_t nexpect)
{
	char repo_dir[512], list[600], out[600], home[512];
	git_repository *repo = NULL;
	git_object *head = NULL;
	git_tree *tree = NULL;
	hfgit_attrs *attrs = NULL;
	lfs_answers answers;
	char *text = NULL;
	size_t len = 0, i, k;
	FILE *f;
	int failures = check_failures;

	snprintf(repo_dir, sizeof(repo_dir), "%s/case-%d", scratch, ++case_number);
	snprintf(home, sizeof(home), "%s/home", scratch);
	run("git init -q '%s'", repo_dir);
	for (i = 0; i < nfiles; i++)
		write_file(repo_dir, files[i].path, files[i].text);
	for (i = 0; i < npaths; i++)
		write_file(repo_dir, paths[i], POINTER);
	if (info)
		write_file(repo_dir, ".git/info/attributes", info);
	if (global) {
		write_file(home, "global-attributes", global);
		run("git config --global core.attributesFile '%s/global-attributes'", home);
	} else {
		run("git config --global --unset-all core.attributesFile || true");
	}
	run("cd '%s' && git add -A 2>/dev/null && git -c user.name=t -c user.email=t@t commit -q -m case 2>/dev/null",
	    repo_dir);

	/* The reference: NUL-separated "path attr info" triples. */
	snprintf(list, sizeof(list), "%s.paths", repo_dir);
	snprintf(out, sizeof(out), "%s.check-attr", repo_dir);
	if (!(f = fopen(list, "w")))
		exit(1);
	for (i = 0; i < npaths; i++)
		fwrite(paths[i], 1, strlen(paths[i]) + 1, f);
	fclose(f);
	run("cd '%s' && git check-attr -z --stdin filter diff merge text eol <'%s' >'%s' 2>/dev/null", repo_dir,
	    list, out);
	if (!(f = fopen(out, "rb")))
		exit(1);
	text = malloc(1 << 20);
	len = fread(text, 1, (1 << 20) - 1, f);
	fclose(f);
	text[len] = '\0';

	CHECK(git_repository_open(&repo, repo_dir) == 0);
	CHECK(git_revparse_single(&head, repo, "HEAD^{tree}") == 0);
	tree = (git_tree *)head;
	CHECK(hfgit_attrs__from_tree(&attrs, repo, tree) == 0);
	{
		const char *p = text, *end = text + len;
		size_t triples = 0;
		while (p < end) {
			const char *path = p, *attr = path + strlen(path) + 1;
			const char *want = attr + strlen(attr) + 1, *got;
			p = want + strlen(want) + 1;
			got = lookup(attrs, path, attr);
			CHECK_MSG(!strcmp(got, want), "case %d: %s: %s is '%s', git says '%s'",
			          case_number, path, attr, got, want);
			triples++;
		}
		CHECK_MSG(triples == npaths * NCHECKED, "case %d: git check-attr gave %zu answers",
		          case_number, triples);
	}
	for (k = 0; k < nexpect; k++) {
		const char *got = lookup(attrs, expect[k].path, expect[k].attr);
		CHECK_MSG(!strcmp(got, expect[k].expected), "case %d: %s: %s is '%s', expected '%s'",
		          case_number, expect[k].path, expect[k].attr, got, expect[k].expected);
	}

	/* The LFS rule: a pointer is LFS content exactly where filter=lfs. */
	memset(&answers, 0, sizeof(answers));
	answers.paths = paths;
	answers.count = npaths;
	{
		git_object *commit = NULL;
		CHECK(git_revparse_single(&commit, repo, "HEAD") == 0);
		CHECK(hfgit_tree_files__foreach(repo, git_object_id(commit), on_file, &answers) == 0);
		git_object_free(commit);
	}
	for (i = 0; i < npaths; i++) {
		bool lfs = !strcmp(lookup(attrs, paths[i], "filter"), "lfs");
		CHECK_MSG(answers.seen[i] && answers.lfs[i] == lfs, "case %d: %s: tree_files says "
		          "%sLFS", case_number, paths[i], answers.lfs[i] ? "" : "not ");
	}
	if (check_failures != failures) {
		fprintf(stderr, "  case %d attribute files:\n", case_number);
		for (i = 0; i < nfiles; i++)
			fprintf(stderr, "  --- %s\n%s", files[i].path, files[i].text);
	}
	hfgit_attrs__free(attrs);
	git_object_free(head);
	git_repository_free(repo);
	free(text);
}

#define N(a) (sizeof(a) / sizeof(*(a)))

/* What git-lfs writes, and the Hub's default .gitattributes shape. */
static void test_lfs_track(void)
{
	static const attr_file files[] = {
		{ ".gitattributes", "*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
		                    "*.bin filter=lfs diff=lfs merge=lfs -text\n"
		                    "saved_model/**/* filter=lfs diff=lfs merge=lfs -text\n"
		                    "*tfevents* filter=lfs diff=lfs merge=lfs -text\n" },
	};
	static const char *const paths[] = {
		"model.safetensors", "sub/dir/model.safetensors", "pytorch_model.bin",
		"pointer-lookalike.txt", "saved_model/variables/data", "saved_model/x",
		"other/saved_model/x/y", "runs/events.out.tfevents.1", "model.safetensors.txt",
	};
	static const expectation expect[] = {
		{ "model.safetensors", "filter", "lfs" },
		{ "sub/dir/model.safetensors", "filter", "lfs" },
		{ "pytorch_model.bin", "text", "unset" },
		{ "pointer-lookalike.txt", "filter", "unspecified" },
		{ "saved_model/variables/data", "filter", "lfs" },
		{ "other/saved_model/x/y", "filter", "unspecified" },
		{ "model.safetensors.txt", "filter", "unspecified" },
	};
	check_case(files, N(files), paths, N(paths), NULL, NULL, expect, N(expect));
}

/* Deeper files win; within a file the later line; `-` unsets, `!` makes unspecified again. */
static void test_nested_and_negations(void)
{
	static const attr_file files[] = {
		{ ".gitattributes", "*.bin filter=lfs\n*.dat filter=lfs\nkeep/*.bin -filter\n" },
		{ "a/.gitattributes", "*.bin -filter\n*.dat !filter\n" },
		{ "a/b/.gitattributes", "x.bin filter=lfs\n# a comment filter=lfs\n" },
		{ "c/.gitattributes", "*.bin filter=other\n*.bin filter=lfs\n" },
	};
	static const char *const paths[] = {
		"top.bin", "top.dat", "keep/k.bin", "a/y.bin", "a/y.dat", "a/b/x.bin", "a/b/z.bin",
		"c/w.bin", "a/b/c/x.bin",
	};
	static const expectation expect[] = {
		{ "top.bin", "filter", "lfs" },
		{ "keep/k.bin", "filter", "unset" },
		{ "a/y.bin", "filter", "unset" },
		{ "a/y.dat", "filter", "unspecified" },
		{ "a/b/x.bin", "filter", "lfs" },
		{ "a/b/z.bin", "filter", "unset" },
		{ "c/w.bin", "filter", "lfs" },
		{ "a/b/c/x.bin", "filter", "lfs" },
	};
	check_case(files, N(files), paths, N(paths), NULL, NULL, expect, N(expect));
}

/* The built-in `binary`, and [attr] macros: only in the top-level file, info and global. */
static void test_macros(void)
{
	static const attr_file files[] = {
		{ ".gitattributes", "[attr]weights filter=lfs diff=lfs merge=lfs -text\n"
		                    "[attr]nested weights eol=lf\n"
		                    "*.bin binary\n*.w weights\n*.n nested\n*.u -weights\n"
		                    "*.late binary filter=lfs\n*.early filter=lfs binary\n"
		                    "*.x weights\n*.x !weights\n" },
		{ "sub/.gitattributes", "[attr]local filter=lfs\n*.loc local\n*.w -weights\n" },
	};
	static const char *const paths[] = {
		"a.bin", "a.w", "a.n", "a.u", "a.late", "a.early", "a.x", "sub/a.loc", "sub/a.w",
		"a.g", "a.i",
	};
	static const expectation expect[] = {
		{ "a.bin", "text", "unset" },
		{ "a.bin", "filter", "global" },
		{ "a.w", "filter", "lfs" },
		{ "a.n", "filter", "lfs" },
		{ "a.n", "eol", "lf" },
		{ "a.u", "filter", "unspecified" },
		{ "a.late", "filter", "lfs" },
		{ "a.early", "diff", "unset" },
		{ "a.x", "filter", "unspecified" },
		{ "sub/a.loc", "filter", "unspecified" },
		{ "sub/a.w", "filter", "unspecified" },
		{ "a.g", "filter", "lfs" },
		{ "a.i", "filter", "lfs" },
	};
	check_case(files, N(files), paths, N(paths),
	           "[attr]infomacro filter=lfs\n*.i infomacro\n",
	           "[attr]globalmacro filter=lfs\n*.g globalmacro\n*.bin filter=global\n",
	           expect, N(expect));
}

/* Patterns: anchoring, `**`, brackets, dir-only and negative patterns, quoting, odd lines. */
static void test_patterns(void)
{
	static const attr_file files[] = {
		{ ".gitattributes", "/anchored.bin filter=lfs\n"
		                    "**/any/*.bin filter=lfs\n"
		                    "deep/** filter=lfs\n"
		                    "mid/**/end.bin filter=lfs\n"
		                    "one/*/two.bin filter=lfs\n"
		                    "*.b[a-c]n filter=lfs\n"
		                    "?.q filter=lfs\n"
		                    "dironly/ filter=lfs\n"
		                    "!neg.bin filter=lfs\n"
		                    "\"with space.bin\" filter=lfs\n"
		                    "bad.bin filter=lfs -bad! x\n"
		                    "\t  lead.bin\tfilter=lfs\r\n"
		                    "lit\\*.bin filter=lfs\n"
		                    "empty.bin filter=\n" },
		{ "sub/.gitattributes", "/anchored.bin filter=lfs\nslash/x.bin filter=lfs\n" },
	};
	static const char *const paths[] = {
		"anchored.bin", "x/anchored.bin", "sub/anchored.bin", "sub/x/anchored.bin",
		"any/a.bin", "x/any/a.bin", "x/any/y/a.bin", "deep/a", "deep/x/y/z", "x/deep/a",
		"mid/end.bin", "mid/a/b/end.bin", "x/mid/end.bin", "one/x/two.bin", "one/two.bin",
		"one/x/y/two.bin", "f.bbn", "f.bdn", "a.q", "ab.q", "dironly/f", "neg.bin",
		"with space.bin", "bad.bin", "lead.bin", "lit*.bin", "litx.bin", "empty.bin",
		"sub/slash/x.bin", "slash/x.bin",
	};
	static const expectation expect[] = {
		{ "anchored.bin", "filter", "lfs" },
		{ "x/anchored.bin", "filter", "unspecified" },
		{ "sub/anchored.bin", "filter", "lfs" },
		{ "x/any/y/a.bin", "filter", "unspecified" },
		{ "deep/x/y/z", "filter", "lfs" },
		{ "mid/end.bin", "filter", "lfs" },
		{ "mid/a/b/end.bin", "filter", "lfs" },
		{ "one/x/y/two.bin", "filter", "unspecified" },
		{ "dironly/f", "filter", "unspecified" },
		{ "neg.bin", "filter", "unspecified" },
		{ "with space.bin", "filter", "lfs" },
		{ "bad.bin", "filter", "unspecified" },
		{ "lit*.bin", "filter", "lfs" },
		{ "litx.bin", "filter", "unspecified" },
		{ "sub/slash/x.bin", "filter", "lfs" },
	};
	check_case(files, N(files), paths, N(paths), NULL, NULL, expect, N(expect));
}

/* What git does with odd files: a byte order mark, a line too long to be read, CRLF ends. */
static void test_odd_files(void)
{
	static char long_line[2100 + 64];
	static char bom[] = "\xef\xbb\xbf*.bom filter=lfs\r\n*.crlf filter=lfs\r\n";
	static attr_file files[] = {
		{ ".gitattributes", bom },
		{ "long/.gitattributes", long_line },
	};
	static const char *const paths[] = { "a.bom", "a.crlf", "long/a.bin", "long/b.bin" };
	static const expectation expect[] = {
		{ "a.bom", "filter", "lfs" },
		{ "long/a.bin", "filter", "unspecified" },
		{ "long/b.bin", "filter", "lfs" },
	};

	memset(long_line, ' ', 2100);
	memcpy(long_line, "a.bin filter=lfs", 16);
	strcpy(long_line + 2100, "\nb.bin filter=lfs\n");
	check_case(files, N(files), paths, N(paths), NULL, NULL, expect, N(expect));
}

/* Random mixes of the rules above in three nested files, seeded: the same every run. */
static void test_random(void)
{
	static const char *const lines[] = {
		"*.bin filter=lfs", "*.bin -filter", "*.bin !filter", "*.txt filter=lfs",
		"a/*.bin filter=lfs", "/a filter=lfs", "**/b/* filter=lfs", "a/** -filter",
		"b/**/c.bin filter=lfs", "*.bin binary", "*.txt w", "*.txt -w", "c.* filter=x",
		"[attr]w filter=lfs -text", "[attr]w !filter", "*.b?n filter=lfs", "[ab]* filter=lfs",
		"c.bin !w", "* filter=lfs", "*.txt text eol=crlf", "b/ filter=lfs", "**/c.bin !filter",
	};
	static const char *const pool[] = {
		"q", "x.bin", "x.txt", "c.bin", "a/x.bin", "a/c.bin", "a/x.txt", "a/b/x.bin",
		"a/b/c.bin", "b/c.bin", "b/x/c.bin", "b/a", "b/b/b.txt", "c/a/x.bin", "c/b/c.txt",
		"a/a/a", "bin", "abin", "c.txt",
	};
	static const char *const dirs[] = { ".gitattributes", "a/.gitattributes",
		                                "b/.gitattributes", "a/b/.gitattributes" };
	uint32_t seed = 12345;
	int round;

	for (round = 0; round < 40; round++) {
		static char texts[4][2048];
		attr_file files[4];
		size_t i, k;
		for (i = 0; i < 4; i++) {
			size_t n = 1 + (seed = seed * 1103515245u + 12345u) % 8;
			texts[i][0] = '\0';
			for (k = 0; k < n; k++) {
				seed = seed * 1103515245u + 12345u;
				strcat(texts[i], lines[(seed >> 8) % N(lines)]);
				strcat(texts[i], "\n");
			}
			files[i].path = dirs[i];
			files[i].text = texts[i];
		}
		check_case(files, 4, pool, N(pool), NULL, NULL, NULL, 0);
	}
}

int main(void)
{
	char home[300];

	snprintf(scratch, sizeof(scratch), "%s/hfgit-attr-XXXXXX", getenv("TMPDIR") ?
	         getenv("TMPDIR") : "/tmp");
	if (!mkdtemp(scratch))
		return 1;
	/* git and the matcher read the same global file and no system one. */
	snprintf(home, sizeof(home), "%s/home", scratch);
	mkdir(home, 0755);
	setenv("HOME", home, 1);
	unsetenv("XDG_CONFIG_HOME");
	setenv("GIT_CONFIG_NOSYSTEM", "1", 1);
	setenv("GIT_ATTR_NOSYSTEM", "1", 1);
	unsetenv("GIT_DIR");
	unsetenv("GIT_WORK_TREE");
	run("git config --global init.defaultBranch main");
	git_libgit2_init();
	git_libgit2_opts(GIT_OPT_SET_SEARCH_PATH, GIT_CONFIG_LEVEL_SYSTEM, "");

	test_lfs_track();
	test_nested_and_negations();
	test_macros();
	test_patterns();
	test_odd_files();
	test_random();

	git_libgit2_shutdown();
	run("rm -rf '%s'", scratch);
	return check_finish();
}
