/* The lockfile format: round trips (odd paths included), strict errors that name the line,
 * lookups by spec. */
#include <stdlib.h>
#include <string.h>

#include "check.h"
#include "hfgit.h"

#define C1 "1111111111111111111111111111111111111111"
#define C2 "2222222222222222222222222222222222222222"
#define T1 "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
#define B1 "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb"
#define OID "cccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccccc"

/* What hfgit writes; the header comment is hfgit_lock_format's own. */
static const char entries[] =
	"\n"
	"model gpt2@v1\n"
	"id openai-community/gpt2\n"
	"revision v1\n"
	"kind tag\n"
	"ref refs/tags/v1\n"
	"commit " C1 "\n"
	"tree " T1 "\n"
	"files 8\n"
	"file 100644 " B1 " \" leading space\"\n"
	"file 100644 " B1 " \"a\\\"quote\"\n"
	"file 100644 " B1 " \"back\\\\slash\"\n"
	"file 100755 " B1 " bin/run me.sh\n"
	"lfs 100644 " B1 " " OID " 12345 model.safetensors\n"
	"file 120000 " B1 " \"new\\nline\\ttab\"\n"
	"file 100644 " B1 " \"trailing \"\n"
	"file 100644 " B1 " \"utf8-\\303\\251\"\n"
	"\n"
	"model hfgit-test/x\n"
	"id hfgit-test/x\n"
	"kind branch\n"
	"ref refs/heads/main\n"
	"commit " C2 "\n"
	"tree " T1 "\n"
	"files 0\n";

static char *lockfile(const char *body)
{
	hfgit_lock *empty = NULL;
	char *header = NULL, *text;
	size_t len = 0;

	/* The header of an empty lock is what every lock starts with. */
	if (hfgit_lock_parse(&empty, "# hfgit lockfile v1\n", 20, "t") < 0 ||
	    hfgit_lock_format(&header, &len, empty) < 0)
		return NULL;
	hfgit_lock_free(empty);
	text = malloc(len + strlen(body) + 1);
	memcpy(text, header, len);
	strcpy(text + len, body);
	free(header);
	return text;
}

static void test_round_trip(void)
{
	char *text = lockfile(entries), *again = NULL;
	const hfgit_lock_entry *e;
	const hfgit_lock_file *f;
	hfgit_lock *lock = NULL;
	size_t len = 0;

	CHECK(text != NULL);
	CHECK_MSG(hfgit_lock_parse(&lock, text, strlen(text), "t.lock") == 0, "%s", hfgit_error_last());
	if (!lock) {
		free(text);
		return;
	}
	CHECK(hfgit_lock_count(lock) == 2);
	e = hfgit_lock_entry_at(lock, 0);
	CHECK_STR(e->spec, "gpt2@v1");
	CHECK_STR(e->id, "openai-community/gpt2");
	CHECK_STR(e->revision, "v1");
	CHECK(e->kind == HFGIT_REV_TAG);
	CHECK_STR(e->ref, "refs/tags/v1");
	CHECK_STR(e->commit, C1);
	CHECK(e->file_count == 8);
	CHECK_STR(e->name, "gpt2");
	CHECK_STR(hfgit_lock_file_at(lock, 0, 0)->path, " leading space");
	CHECK_STR(hfgit_lock_file_at(lock, 0, 1)->path, "a\"quote");
	CHECK_STR(hfgit_lock_file_at(lock, 0, 2)->path, "back\\slash");
	f = hfgit_lock_file_at(lock, 0, 3);
	CHECK_STR(f->path, "bin/run me.sh");
	CHECK(f->mode == 0100755 && !f->lfs);
	f = hfgit_lock_file_at(lock, 0, 4);
	CHECK(f->lfs && f->size == 12345 && !strcmp(f->lfs_oid, OID));
	CHECK(f->line > 0 && strstr(text, "12345 model.safetensors"));
	f = hfgit_lock_file_at(lock, 0, 5);
	CHECK_STR(f->path, "new\nline\ttab");
	CHECK(f->mode == 0120000);
	CHECK_STR(hfgit_lock_file_at(lock, 0, 6)->path, "trailing ");
	CHECK_STR(hfgit_lock_file_at(lock, 0, 7)->path, "utf8-\xc3\xa9");
	e = hfgit_lock_entry_at(lock, 1);
	CHECK(e->revision == NULL && e->kind == HFGIT_REV_BRANCH && e->file_count == 0);
	CHECK_STR(e->name, "x");
	CHECK(hfgit_lock_format(&again, &len, lock) == 0);
	CHECK_MSG(again && len == strlen(text) && !memcmp(again, text, len),
	          "formatted again:\n%s\nexpected:\n%s", again ? again : "(null)", text);
	free(again);
	hfgit_lock_free(lock);
	free(text);
}

/* `body` replaces the entries; the parse must fail with `want` in the message. */
static void expect_error(const char *body, const char *want)
{
	char *text = lockfile(body);
	hfgit_lock *lock = NULL;
	int rc = hfgit_lock_parse(&lock, text, strlen(text), "t.lock");

	CHECK_MSG(rc == HFGIT_EINVALID && lock == NULL, "accepted:\n%s", body);
	CHECK_MSG(strstr(hfgit_error_last(), want) != NULL, "message '%s' lacks '%s'",
	          hfgit_error_last(), want);
	hfgit_lock_free(lock);
	free(text);
}


static void test_strict(void)
{
	hfgit_lock *lock = NULL;

	CHECK(hfgit_lock_parse(&lock, "# hfgit lockfile v2\n", 20, "t.lock") == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "t.lock:1: lockfile version 2 is not supported") != NULL);
	CHECK(hfgit_lock_parse(&lock, "model x\n", 8, "t.lock") == HFGIT_EINVALID);
	CHECK(strstr(hfgit_error_last(), "t.lock:1: not an hfgit lockfile") != NULL);
	CHECK(hfgit_lock_parse(&lock, "", 0, "t.lock") == HFGIT_EINVALID);
	CHECK(hfgit_lock_parse(&lock, "# hfgit lockfile v1\r\n", 21, "t.lock") == HFGIT_EINVALID);

	expect_error("\nmodel x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 0\n",
	             "t.lock:9: expected 'id ...' after 'model'");
	expect_error("\nmodel x\nid x\nkind commit\ntree " T1 "\nfiles 0\n",
	             "t.lock:11: expected 'commit ...' after 'kind'");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\nfiles 0\n",
	             "t.lock:12: expected 'tree ...' after 'commit'");
	expect_error("\nmodel x@v1\nid x\nkind tag\nref refs/tags/v1\ncommit " C1 "\ntree " T1 "\nfiles 0\n",
	             "t.lock:10: expected 'revision v1' after 'id'");
	expect_error("\nmodel x@v1\nid x\nrevision v2\n", "t.lock:10: revision 'v2' is not the one");
	expect_error("\nmodel x\nid x\nkind tag\nref refs/heads/main\n", "is not a full ref name of a tag");
	expect_error("\nmodel x\nid x\nkind branch\ncommit " C1 "\n", "expected 'ref ...' after 'kind'");
	expect_error("\nmodel x\nid x\nkind sometimes\n", "kind must be branch, tag, ref or commit");
	expect_error("\nmodel x\nid x\nkind commit\ncommit ABCD\n", "t.lock:11: the commit must be 40");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 2\n"
	             "file 100644 " B1 " a\n", "the file ends after 1 of the 2 files");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 2\n"
	             "file 100644 " B1 " b\nfile 100644 " B1 " a\n", "t.lock:15: 'a' is not after 'b'");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 2\n"
	             "file 100644 " B1 " a\nfile 100644 " B1 " a\n", "'a' is not after 'a'");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "file 100644 " B1 " ../etc/passwd\n", "leaves the tree");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "file 100600 " B1 " a\n", "the mode must be");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "lfs 100644 " B1 " 12ab 5 a\n", "t.lock:14: the LFS oid must be 64");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "lfs 100644 " B1 " " OID " 012 a\n", "the LFS size must be");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "lfs 100644 " B1 " " OID " 99999999999999999999 a\n", "the LFS size must be");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "file 100644 " B1 " \"a\\qb\"\n", "unknown escape");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "file 100644 " B1 " \"ab\" c\n", "text after a quoted path");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 1\n"
	             "file 100644 " B1 " \"a\\000\"\n", "\\000");
	expect_error("\nmodel not a valid id!\n", "t.lock:8:");
	expect_error("\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 0\n"
	             "\nmodel x\nid x\nkind commit\ncommit " C1 "\ntree " T1 "\nfiles 0\n",
	             "t.lock:15: 'x' has an entry already, at line 8");
	expect_error("\nid x\n", "t.lock:8: expected 'model ID[@REV]' to start an entry");
}

static void test_lookup(void)
{
	char *text = lockfile(entries);
	const hfgit_lock_entry *e = NULL;
	hfgit_lock *lock = NULL;

	CHECK(hfgit_lock_parse(&lock, text, strlen(text), "t.lock") == 0);
	CHECK(hfgit_lock_lookup(&e, lock, "gpt2@v1") == 0 && e && !strcmp(e->commit, C1));
	CHECK(hfgit_lock_lookup(&e, lock, "openai-community/gpt2@v1") == 0 && e);
	CHECK(hfgit_lock_lookup(&e, lock, "openai-community/gpt2") == 0 && e);
	CHECK(hfgit_lock_lookup(&e, lock, "gpt2@1111111") == 0 && e);
	CHECK(hfgit_lock_lookup(&e, lock, "gpt2@v2") == HFGIT_ENOTFOUND && !e);
	CHECK(hfgit_lock_lookup(&e, lock, "hfgit-test/x") == 0 && e && !strcmp(e->commit, C2));
	CHECK(hfgit_lock_lookup(&e, lock, "hfgit-test/y") == HFGIT_ENOTFOUND);
	hfgit_lock_free(lock);
	free(text);

	/* Two revisions of one id: the id alone is ambiguous; names stay unique. */
	text = lockfile("\nmodel org/m@a\nid org/m\nrevision a\nkind branch\nref refs/heads/a\n"
	                "commit " C1 "\ntree " T1 "\nfiles 0\n"
	                "\nmodel org/m@b\nid org/m\nrevision b\nkind branch\nref refs/heads/b\n"
	                "commit " C2 "\ntree " T1 "\nfiles 0\n"
	                "\nmodel other/m\nid other/m\nkind branch\nref refs/heads/main\n"
	                "commit " C2 "\ntree " T1 "\nfiles 0\n");
	CHECK_MSG(hfgit_lock_parse(&lock, text, strlen(text), "t.lock") == 0, "%s", hfgit_error_last());
	CHECK(hfgit_lock_lookup(&e, lock, "org/m") == HFGIT_EAMBIGUOUS);
	CHECK(strstr(hfgit_error_last(), "org/m@a, org/m@b") != NULL);
	CHECK(hfgit_lock_lookup(&e, lock, "org/m@b") == 0 && e && !strcmp(e->commit, C2));
	CHECK_STR(hfgit_lock_entry_at(lock, 0)->name, "org--m@a");
	CHECK_STR(hfgit_lock_entry_at(lock, 1)->name, "org--m@b");
	CHECK_STR(hfgit_lock_entry_at(lock, 2)->name, "other--m");
	hfgit_lock_free(lock);
	free(text);
}

int main(void)
{
	test_round_trip();
	test_strict();
	test_lookup();
	return check_finish();
}
