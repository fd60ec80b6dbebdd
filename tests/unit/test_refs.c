/*
 * Unit tests for revision matching (lib/refs/resolve.c) against git itself: a scratch
 * repository is built with the real `git` (branches, lightweight and annotated tags, a tag and
 * a branch of the same name, a branch named like a short hash, refs/pr/1, HEAD as a symref),
 * its advertisement is what `git ls-remote --symref` lists, and for every revision the commit
 * hfgit resolves over that advertisement is compared with `git rev-parse --verify
 * REV^{commit}` in the repository, and the ref with the one git's disambiguation picks
 * (`git rev-parse --symbolic-full-name`). Only cases that never reach the store run here: the
 * history search and fetching by hash are the integration tests' (integration/test_resolve.sh).
 */
#define _GNU_SOURCE
#include "refs/resolve.h"
#include "check.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define REPO_NAME "org/model"
#define MAX_HEADS 64

static char scratch[256], repo[300];

/* The environment every git command runs in: no user or system configuration, fixed dates. */
#define GIT_ENV "GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=/dev/null HOME=%s " \
	"GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t " \
	"GIT_COMMITTER_EMAIL=t@example.com GIT_AUTHOR_DATE='2024-01-01 00:00:00 +0000' " \
	"GIT_COMMITTER_DATE='2024-01-01 00:00:00 +0000' "

static void run(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void run(const char *fmt, ...)
{
	char cmd[2048], full[4096];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(cmd, sizeof(cmd), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), GIT_ENV "sh -c '%s' >/dev/null 2>&1", scratch, cmd);
	if (system(full) != 0) {
		fprintf(stderr, "command failed: %s\n", cmd);
		exit(1);
	}
}

/* The first line `git ARGS` prints in the repository ("" when none), and its exit status. */
static int git_line(char *out, size_t size, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int git_line(char *out, size_t size, const char *fmt, ...)
{
	char args[1024], cmd[2048];
	va_list ap;
	FILE *p;
	int status;

	va_start(ap, fmt);
	vsnprintf(args, sizeof(args), fmt, ap);
	va_end(ap);
	snprintf(cmd, sizeof(cmd), GIT_ENV "git -C %s -c core.warnAmbiguousRefs=false %s 2>/dev/null",
	         scratch, repo, args);
	out[0] = '\0';
	if (!(p = popen(cmd, "r")))
		return -1;
	if (fgets(out, (int)size, p))
		out[strcspn(out, "\n")] = '\0';
	while (fgetc(p) != EOF)
		;
	status = pclose(p);
	return status;
}

static void must_git_line(char *out, size_t size, const char *args)
{
	if (git_line(out, size, "%s", args) != 0 || !out[0]) {
		fprintf(stderr, "git %s failed\n", args);
		exit(1);
	}
}

/* ------------------------------------------------------------------------------------------ */
/* The advertisement, as `git ls-remote --symref` lists it                                     */

typedef struct {
	git_remote_head storage[MAX_HEADS];
	const git_remote_head *ptrs[MAX_HEADS];
	size_t count;
} advertisement;

static void advertisement_add(advertisement *a, const char *hex, const char *name)
{
	git_remote_head *h = &a->storage[a->count];

	if (a->count == MAX_HEADS || git_oid_fromstr(&h->oid, hex) < 0) {
		fprintf(stderr, "bad advertisement line: %s %s\n", hex, name);
		exit(1);
	}
	h->name = strdup(name);
	a->ptrs[a->count++] = h;
}

static void advertisement_read(advertisement *a)
{
	char cmd[1024], line[1024], symref[1024] = "";
	FILE *p;
	size_t i;

	memset(a, 0, sizeof(*a));
	snprintf(cmd, sizeof(cmd), GIT_ENV "git ls-remote --symref %s", scratch, repo);
	if (!(p = popen(cmd, "r")))
		exit(1);
	while (fgets(line, sizeof(line), p)) {
		char *tab = strchr(line, '\t');
		line[strcspn(line, "\n")] = '\0';
		if (!tab)
			continue;
		*tab = '\0';
		if (!strncmp(line, "ref: ", 5) && !strcmp(tab + 1, "HEAD"))
			snprintf(symref, sizeof(symref), "%s", line + 5);
		else
			advertisement_add(a, line, tab + 1);
	}
	if (pclose(p) != 0 || a->count == 0) {
		fprintf(stderr, "git ls-remote failed\n");
		exit(1);
	}
	for (i = 0; i < a->count; i++)
		if (!strcmp(a->storage[i].name, "HEAD") && symref[0])
			a->storage[i].symref_target = strdup(symref);
}

static void advertisement_dispose(advertisement *a)
{
	size_t i;
	for (i = 0; i < a->count; i++) {
		free(a->storage[i].name);
		free(a->storage[i].symref_target);
	}
	a->count = 0;
}

static void session_over(hfgit_session *s, advertisement *a)
{
	memset(s, 0, sizeof(*s));
	s->repo_name = REPO_NAME;
	s->heads = a->ptrs;
	s->nheads = a->count;
}

/* ------------------------------------------------------------------------------------------ */
/* One revision                                                                                */

static int resolve(hfgit_resolved **out, hfgit_session *s, const char *rev)
{
	hfgit_model_id *id = NULL;
	char spec[512];
	int rc;

	snprintf(spec, sizeof(spec), REPO_NAME "%s%s", rev ? "@" : "", rev ? rev : "");
	if ((rc = hfgit_model_id_parse(&id, spec)) < 0) {
		CHECK_MSG(0, "'%s' does not parse: %s", spec, hfgit_error_last());
		return rc;
	}
	rc = hfgit_resolve__in_session(out, s, NULL, id);
	hfgit_model_id_free(id);
	return rc;
}

static const char *kind_name(hfgit_rev_kind kind)
{
	switch (kind) {
	case HFGIT_REV_BRANCH: return "branch";
	case HFGIT_REV_TAG: return "tag";
	case HFGIT_REV_REF: return "ref";
	case HFGIT_REV_COMMIT: return "commit";
	}
	return "?";
}

/* What git makes of `rev`: the commit, and the kind by the full ref name it picks. */
static void expect_from_git(char *commit, size_t size, char *ref, size_t ref_size,
                            const char **kind, const char *rev)
{
	const char *r = rev ? rev : "HEAD";

	if (git_line(commit, size, "rev-parse --verify -q %s^{commit}", r) != 0 || !commit[0]) {
		fprintf(stderr, "git cannot resolve '%s'\n", r);
		exit(1);
	}
	git_line(ref, ref_size, "rev-parse --symbolic-full-name %s", r);
	if (!strncmp(ref, "refs/heads/", 11))
		*kind = "branch";
	else if (!strncmp(ref, "refs/tags/", 10))
		*kind = "tag";
	else if (!strncmp(ref, "refs/", 5))
		*kind = "ref";
	else
		*kind = "commit", ref[0] = '\0';
}

static void check_against_git(hfgit_session *s, const char *rev)
{
	char commit[128], ref[512];
	const char *kind;
	hfgit_resolved *r = NULL;
	int rc;

	expect_from_git(commit, sizeof(commit), ref, sizeof(ref), &kind, rev);
	rc = resolve(&r, s, rev);
	CHECK_MSG(rc == 0, "'%s': %d: %s", rev ? rev : "(none)", rc, hfgit_error_last());
	if (rc < 0)
		return;
	CHECK_MSG(!strcmp(hfgit_resolved_commit(r), commit), "'%s' resolves to %s, git says %s",
	          rev ? rev : "(none)", hfgit_resolved_commit(r), commit);
	CHECK_MSG(!strcmp(kind_name(hfgit_resolved_kind(r)), kind), "'%s' is a %s, git says a %s (%s)",
	          rev ? rev : "(none)", kind_name(hfgit_resolved_kind(r)), kind, ref);
	if (ref[0])
		CHECK_MSG(hfgit_resolved_ref(r) && !strcmp(hfgit_resolved_ref(r), ref),
		          "'%s' resolves through %s, git says %s", rev ? rev : "(none)",
		          hfgit_resolved_ref(r) ? hfgit_resolved_ref(r) : "(no ref)", ref);
	else
		CHECK_MSG(!hfgit_resolved_ref(r), "'%s' is a hash but has the ref %s", rev,
		          hfgit_resolved_ref(r));
	hfgit_resolved_free(r);
}

/* ------------------------------------------------------------------------------------------ */
/* The scratch repository                                                                      */

static void commit(const char *message)
{
	run("cd %s && echo %s >>file && git add file && git commit -q -m %s", repo, message, message);
}

static void build_repository(char *hash_branch, size_t size)
{
	char c1[64], pr[64];

	run("git init -q -b main %s", repo);
	commit("one");
	run("cd %s && git tag v1.0 && git branch same", repo);      /* lightweight tag; branch "same" */
	commit("two");
	run("cd %s && git tag -a -m release v2.0", repo);          /* annotated */
	run("cd %s && git checkout -q -b dev && echo dev >dev && git add dev && git commit -q -m dev",
	    repo);
	run("cd %s && git tag -a -m newer same && git branch feature/x", repo); /* tag "same" */
	run("cd %s && git checkout -q main", repo);
	commit("three");
	/* A pull request: a commit only refs/pr/1 reaches, as the Hub has them. */
	run("cd %s && git update-ref refs/pr/1 $(echo pr | git commit-tree HEAD^{tree} -p HEAD)", repo);
	/* A branch named like the short hash of another commit: git takes the ref. */
	must_git_line(c1, sizeof(c1), "rev-parse v1.0^{commit}");
	snprintf(hash_branch, size, "%.8s", c1);
	run("cd %s && git branch %s dev", repo, hash_branch);
	/* HEAD, a symref to main, is what ls-remote shows first; check git agrees. */
	must_git_line(pr, sizeof(pr), "symbolic-ref HEAD");
	CHECK_STR(pr, "refs/heads/main");
}

static void upper(char *s)
{
	for (; *s; s++)
		*s = (char)toupper((unsigned char)*s);
}

static void check_revisions(hfgit_session *s, const char *hash_branch)
{
	static const char *const names[] = {
		"main", "dev", "feature/x", "v1.0", "v2.0", "same", "heads/same", "tags/same",
		"refs/heads/same", "refs/tags/same", "refs/tags/v2.0", "refs/heads/main", "heads/dev",
		"tags/v1.0", "refs/pr/1", "pr/1", "HEAD",
	};
	static const char *const tips[] = { "main", "dev", "v1.0", "v2.0", "tags/same", "refs/pr/1" };
	size_t i, n;

	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		check_against_git(s, names[i]);
	check_against_git(s, NULL);
	check_against_git(s, hash_branch);

	/* Hashes of the tips: full, and as short as git abbreviates them, then longer. */
	for (i = 0; i < sizeof(tips) / sizeof(*tips); i++) {
		static const int lengths[] = { 4, 7, 12, 40 };
		char full[64], rev[64];
		if (git_line(full, sizeof(full), "rev-parse --verify -q %s^{commit}", tips[i]) != 0)
			exit(1);
		for (n = 0; n < sizeof(lengths) / sizeof(*lengths); n++) {
			if (git_line(rev, sizeof(rev), "rev-parse --short=%d %s", lengths[n], full) != 0)
				exit(1);
			/* A prefix of the branch named like a hash is that branch, not a hash: skip. */
			if (!strncmp(hash_branch, rev, strlen(rev)))
				continue;
			check_against_git(s, rev);
			upper(rev);
			check_against_git(s, rev);
		}
	}
}

/* ------------------------------------------------------------------------------------------ */
/* Errors                                                                                      */

static void check_not_found(hfgit_session *s, const advertisement *a)
{
	static const char *const unknown[] = { "nosuch", "refs/heads/nosuch", "tags/dev", "pr/2" };
	char status[64];
	size_t i, k;

	for (i = 0; i < sizeof(unknown) / sizeof(*unknown); i++) {
		hfgit_resolved *r = NULL;
		const char *msg;
		int rc;

		/* git agrees that it does not exist */
		CHECK_MSG(git_line(status, sizeof(status), "rev-parse --verify -q %s^{commit}",
		                   unknown[i]) != 0, "git knows '%s'", unknown[i]);
		rc = resolve(&r, s, unknown[i]);
		CHECK_MSG(rc == HFGIT_ENOTFOUND, "'%s': %d", unknown[i], rc);
		hfgit_resolved_free(r);
		msg = hfgit_error_last();
		CHECK_MSG(strstr(msg, unknown[i]) && strstr(msg, REPO_NAME), "message: %s", msg);
		CHECK_MSG(strstr(msg, "; tags: ") && strstr(msg, "; branches: ") &&
		          strstr(msg, "; pull requests: pr/1"), "message: %s", msg);
		/* Every advertised branch and tag is named (a list of twelve or fewer is whole). */
		for (k = 0; k < a->count; k++) {
			const char *name = a->storage[k].name, *shown = NULL;
			if (strstr(name, "^{}"))
				continue;
			if (!strncmp(name, "refs/heads/", 11))
				shown = name + 11;
			else if (!strncmp(name, "refs/tags/", 10))
				shown = name + 10;
			if (shown)
				CHECK_MSG(strstr(msg, shown) != NULL, "'%s' is not in: %s", shown, msg);
		}
	}
}

/* Two tips whose hashes share a prefix cannot come from git in a test's time: hand-made. */
static void check_ambiguous(void)
{
	static const char *const oids[] = {
		"1234567aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "1234567bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb",
		"89abcdef00000000000000000000000000000000",
	};
	static const char *const names[] = { "refs/heads/a", "refs/tags/b", "refs/heads/c" };
	static const char *const prefixes[] = { "1234", "123456", "1234567", "1234567A" };
	advertisement a;
	hfgit_session s;
	hfgit_resolved *r = NULL;
	size_t i;
	int rc;

	memset(&a, 0, sizeof(a));
	for (i = 0; i < 3; i++)
		advertisement_add(&a, oids[i], names[i]);
	session_over(&s, &a);
	for (i = 0; i < sizeof(prefixes) / sizeof(*prefixes); i++) {
		const char *msg;
		r = NULL;
		rc = resolve(&r, &s, prefixes[i]);
		msg = hfgit_error_last();
		if (!strcmp(prefixes[i], "1234567A")) {
			/* One more digit, upper case: one commit */
			CHECK_MSG(rc == 0 && r && !strcmp(hfgit_resolved_commit(r), oids[0]),
			          "'%s': %d %s", prefixes[i], rc, msg);
			hfgit_resolved_free(r);
			continue;
		}
		CHECK_MSG(rc == HFGIT_EAMBIGUOUS, "'%s': %d", prefixes[i], rc);
		CHECK_MSG(strstr(msg, oids[0]) && strstr(msg, oids[1]) && !strstr(msg, oids[2]),
		          "message: %s", msg);
		CHECK_MSG(strstr(msg, "refs/heads/a") && strstr(msg, "refs/tags/b") &&
		          strstr(msg, prefixes[i]) && strstr(msg, "more digits"), "message: %s", msg);
		hfgit_resolved_free(r);
	}
	/* The third alone */
	r = NULL;
	rc = resolve(&r, &s, "89abcdef");
	CHECK_MSG(rc == 0 && r && hfgit_resolved_kind(r) == HFGIT_REV_COMMIT &&
	          !strcmp(hfgit_resolved_commit(r), oids[2]), "89abcdef: %d", rc);
	hfgit_resolved_free(r);
	advertisement_dispose(&a);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char hash_branch[16];
	advertisement a;
	hfgit_session s;

	snprintf(scratch, sizeof(scratch), "%s/hfgit-test-refs-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(repo, sizeof(repo), "%s/repo", scratch);
	hfgit_init();
	build_repository(hash_branch, sizeof(hash_branch));
	advertisement_read(&a);
	session_over(&s, &a);
	check_revisions(&s, hash_branch);
	check_not_found(&s, &a);
	check_ambiguous();
	advertisement_dispose(&a);
	hfgit_shutdown();
	run("rm -rf %s", scratch);
	return check_finish();
}
