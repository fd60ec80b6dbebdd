/* Unit tests for Git LFS pointers: lib/lfs/pointer.c. */
#include "lfs/pointer.h"
#include "check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

#define VERSION "version https://git-lfs.github.com/spec/v1\n"
#define HEX "4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393"
#define OID "oid sha256:" HEX "\n"
#define EXT0 "ext-0-foo sha256:ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff\n"
#define EXT1 "ext-1-bar sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n"
#define CANONICAL VERSION OID "size 12345\n"

/* Reports which input a failed check was about; the checks themselves name only the field. */
static void note_input_on_failure(int failures_before, const char *data, size_t len)
{
	size_t i;

	if (check_failures == failures_before)
		return;
	fputs("  (while checking pointer \"", stderr);
	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)data[i];

		if (c == '\n')
			fputs("\\n", stderr);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(stderr, "\\x%02x", c);
		else
			fputc(c, stderr);
	}
	fputs("\")\n", stderr);
}

/* `text` parses to `hex`, `size` and `ext`, and formats back to itself byte for byte. */
static void expect_valid_ext(const char *text, const char *hex, uint64_t size, const char *ext)
{
	int failures_before = check_failures;
	size_t len = strlen(text);
	hfgit_lfs_pointer p;
	char buf[HFGIT_LFS_POINTER_MAX];
	int error = hfgit_lfs__pointer_parse(&p, text, len), n;

	CHECK_MSG(error == 0, "rejected: %s", hfgit_error_last());
	CHECK(hfgit_lfs__pointer_maybe(text, len));
	CHECK(hfgit_lfs__pointer_maybe(NULL, len));
	if (error == 0) {
		CHECK_STR(p.oid, hex);
		CHECK_MSG(p.size == size, "size is %llu, expected %llu", (unsigned long long)p.size,
		          (unsigned long long)size);
		CHECK_STR(p.ext, ext);
		CHECK(hfgit_lfs__oid_valid(p.oid, strlen(p.oid)));

		n = hfgit_lfs__pointer_format(buf, sizeof(buf), &p);
		CHECK_MSG(n == (int)len, "format gave %d bytes, expected %zu", n, len);
		if (n >= 0)
			CHECK_STR(buf, text);
		/* Exactly enough room is the text and its NUL; one byte less is too small. */
		CHECK(hfgit_lfs__pointer_format(buf, len + 1, &p) == (int)len);
		CHECK(hfgit_lfs__pointer_format(buf, len, &p) == -1);
	}
	CHECK(hfgit_lfs__pointer_parse(NULL, text, len) == 0);
	note_input_on_failure(failures_before, text, len);
}

/* `text` is a pointer git-lfs smudges although it is not the canonical encoding: it parses to
 * `hex` and `size`, and formats to the canonical text instead of itself. */
static void expect_noncanonical(const char *text, const char *hex, uint64_t size)
{
	int failures_before = check_failures;
	size_t len = strlen(text);
	hfgit_lfs_pointer p;
	char buf[HFGIT_LFS_POINTER_MAX], canonical[HFGIT_LFS_POINTER_MAX];
	int error = hfgit_lfs__pointer_parse(&p, text, len);

	CHECK_MSG(error == 0, "rejected: %s", hfgit_error_last());
	CHECK(hfgit_lfs__pointer_maybe(text, len));
	if (error == 0) {
		CHECK_STR(p.oid, hex);
		CHECK(p.size == size);
		snprintf(canonical, sizeof(canonical), "version https://git-lfs.github.com/spec/v1\n"
		         "oid sha256:%s\nsize %llu\n", hex, (unsigned long long)size);
		CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == (int)strlen(canonical));
		CHECK_STR(buf, canonical);
	}
	note_input_on_failure(failures_before, text, len);
}

static void expect_valid(const char *text, const char *hex, uint64_t size)
{
	expect_valid_ext(text, hex, size, "");
}

/*
 * `data` must be rejected with HFGIT_EINVALID, `out` zeroed, and a message that says it is not
 * a pointer and contains `reason`.
 */
static void expect_invalid_len(const char *data, size_t len, const char *reason)
{
	static const hfgit_lfs_pointer zero;
	int failures_before = check_failures;
	hfgit_lfs_pointer p;
	const char *msg;
	int error;

	memset(&p, 0x5a, sizeof(p));
	error = hfgit_lfs__pointer_parse(&p, data, len);
	msg = hfgit_error_last();
	CHECK_MSG(error == HFGIT_EINVALID, "accepted or wrong code %d", error);
	CHECK(hfgit_error_last_code() == HFGIT_EINVALID);
	CHECK_MSG(strncmp(msg, "not a Git LFS pointer: ", 23) == 0, "message '%s'", msg);
	CHECK_MSG(strstr(msg, reason) != NULL, "message '%s' does not say '%s'", msg, reason);
	CHECK(memcmp(&p, &zero, sizeof(p)) == 0);
	CHECK(hfgit_lfs__pointer_parse(NULL, data, len) == HFGIT_EINVALID);
	note_input_on_failure(failures_before, data ? data : "", data ? len : 0);
}

static void expect_invalid(const char *text, const char *reason)
{
	expect_invalid_len(text, strlen(text), reason);
}

/* ---------------------------------------------------------------------------------------- */

static void test_valid(void)
{
	expect_valid(CANONICAL, HEX, 12345);
	expect_valid(VERSION OID "size 0\n", HEX, 0);
	expect_valid(VERSION OID "size 1\n", HEX, 1);
	expect_valid(VERSION OID "size 9223372036854775807\n", HEX, INT64_MAX);
	expect_valid(VERSION "oid sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
	                     "size 0\n",
	             "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", 0);

	expect_valid_ext(VERSION EXT0 OID "size 12345\n", HEX, 12345, EXT0);
	expect_valid_ext(VERSION EXT0 EXT1 OID "size 12345\n", HEX, 12345, EXT0 EXT1);
	/* Priorities need not start at 0 or be consecutive; names may have '.' and '-'. */
	expect_valid_ext(VERSION "ext-3-a.b-c sha256:" HEX "\n" "ext-9-z sha256:" HEX "\n" OID
	                 "size 7\n",
	                 HEX, 7, "ext-3-a.b-c sha256:" HEX "\n" "ext-9-z sha256:" HEX "\n");
}

static void test_line_structure(void)
{
	/* CR LF line ends: git-lfs 3.3 smudges such a pointer (Go's bufio.ScanLines drops the
	 * CR), so it is one; see the interop test, which checks this against real git-lfs. */
	expect_noncanonical("version https://git-lfs.github.com/spec/v1\r\n" OID "size 12345\n", HEX,
	                    12345);
	expect_noncanonical(VERSION "oid sha256:" HEX "\r\nsize 12345\r\n", HEX, 12345);
	expect_noncanonical(VERSION OID "size 12345\r\n", HEX, 12345);
	expect_invalid(VERSION OID "size 12345\r", "line 3 does not end in a newline");
	expect_invalid(VERSION "\r\n" OID "size 12345\n", "line 2 is empty");
	expect_invalid(VERSION OID "size 12345", "line 3 does not end in a newline");
	expect_invalid("version https://git-lfs.github.com/spec/v1", "line 1 does not end in a newline");
	expect_invalid(VERSION "\n" OID "size 12345\n", "line 2 is empty");
	expect_invalid(VERSION OID "\nsize 12345\n", "line 3 is empty");
	expect_invalid(CANONICAL "\n", "trailing data after the size line");
	expect_invalid(CANONICAL "x", "1 byte of trailing data after the size line: 'x'");
	expect_invalid(CANONICAL "garbage\n", "trailing data after the size line");
	expect_invalid(CANONICAL "size 12345\n", "duplicate key 'size'");
	expect_invalid(CANONICAL "zzz 1\n", "unknown key 'zzz'");
	expect_invalid(CANONICAL "oid sha256:" HEX "\n", "keys out of order: 'oid' after 'size'");

	/* Exactly one space between key and value, and never a tab. */
	expect_invalid("version  https://git-lfs.github.com/spec/v1\n" OID "size 12345\n",
	               "more than one space after key 'version'");
	expect_invalid(VERSION "oid  sha256:" HEX "\nsize 12345\n", "more than one space after key 'oid'");
	expect_invalid(VERSION OID "size  12345\n", "more than one space after key 'size'");
	expect_invalid(VERSION OID "size\t12345\n", "tab");
	expect_invalid("version\thttps://git-lfs.github.com/spec/v1\n" OID "size 12345\n", "tab");
	expect_invalid(VERSION OID " size 12345\n", "line 3 starts with a space");
	expect_invalid(VERSION OID "size 12345 \n", "not a decimal number");
	expect_invalid(VERSION OID "size\n", "line 3 'size' has no space");
	expect_invalid(VERSION OID "size \n", "size is empty");

	/* A NUL byte inside, in any line. */
	expect_invalid_len(VERSION OID "size 12\0" "345\n", sizeof(VERSION OID "size 12") + 4,
	                   "NUL byte at offset 126");
	expect_invalid_len(VERSION "oid sha256:\0" HEX "\nsize 1\n",
	                   sizeof(VERSION "oid sha256:\0" HEX "\nsize 1\n") - 1, "NUL byte");
}

static void test_version(void)
{
	expect_invalid("", "empty");
	expect_invalid_len(NULL, 0, "empty");
	expect_invalid_len(NULL, 5, "NULL");
	expect_invalid("hello world\n", "the first line is not 'version https://git-lfs.github.com/spec/v1'");
	expect_invalid(OID "size 12345\n", "the first line is not 'version");
	expect_invalid("versionx https://git-lfs.github.com/spec/v1\n" OID "size 12345\n",
	               "the first line is not");
	expect_invalid("version https://git-lfs.github.com/spec/v2\n" OID "size 12345\n",
	               "unknown version 'https://git-lfs.github.com/spec/v2'");
	expect_invalid("version http://git-lfs.github.com/spec/v1\n" OID "size 12345\n",
	               "unknown version");
	expect_invalid("version https://git-lfs.github.com/spec/v1/\n" OID "size 12345\n",
	               "unknown version");
	expect_invalid("version https://Git-LFS.github.com/spec/v1\n" OID "size 12345\n",
	               "unknown version");
	/* Pre-release URLs: git-lfs reads them, the spec does not require it, they do not round-trip. */
	expect_invalid("version https://hawser.github.com/spec/v1\n" OID "size 12345\n",
	               "version 'https://hawser.github.com/spec/v1' is that of a Git LFS pre-release");
	expect_invalid("version http://git-media.io/v/2\n" OID "size 12345\n",
	               "Git LFS pre-release");
	/* version belongs on the first line only. */
	expect_invalid(VERSION VERSION OID "size 12345\n", "duplicate key 'version'");
	expect_invalid(VERSION OID "size 12345\n" VERSION, "duplicate key 'version'");
}

static void test_keys(void)
{
	expect_invalid(VERSION "size 12345\n" OID, "keys out of order: 'oid' after 'size'");
	expect_invalid(VERSION OID OID "size 12345\n", "duplicate key 'oid'");
	expect_invalid(VERSION OID "size 1\nsize 1\n", "duplicate key 'size'");
	expect_invalid(VERSION "size 12345\n", "the oid line is missing");
	expect_invalid(VERSION OID, "the size line is missing");
	expect_invalid(VERSION, "the oid line is missing");
	/* Unknown keys: git-lfs rejects them, wherever they sort. */
	expect_invalid(VERSION "abc 1\n" OID "size 12345\n", "unknown key 'abc'");
	expect_invalid(VERSION OID "size 12345\nx-custom 1\n", "unknown key 'x-custom'");
	expect_invalid(VERSION OID "p 1\nsize 12345\n", "unknown key 'p'");
	expect_invalid(VERSION OID "size 12345\nfoo bar\n", "unknown key 'foo'");
	expect_invalid(VERSION "size 1\nabc 1\n" OID, "unknown key 'abc'");
	expect_invalid(VERSION "OID sha256:" HEX "\nsize 12345\n", "key 'OID' on line 2 has characters");
	expect_invalid(VERSION "o_id sha256:" HEX "\nsize 12345\n", "has characters other than");
	expect_invalid(VERSION "oid=sha256:" HEX "\nsize 12345\n", "has no space");

	/* Extensions. */
	expect_invalid(VERSION EXT1 EXT0 OID "size 12345\n",
	               "keys out of order: 'ext-0-foo' after 'ext-1-bar'");
	expect_invalid(VERSION OID EXT0 "size 12345\n", "keys out of order: 'ext-0-foo' after 'oid'");
	expect_invalid(VERSION EXT0 EXT0 OID "size 12345\n", "duplicate key 'ext-0-foo'");
	expect_invalid(VERSION "ext-0-bar sha256:" HEX "\n" EXT0 OID "size 12345\n",
	               "two extensions have priority 0");
	expect_invalid(VERSION "ext-10-foo sha256:" HEX "\n" OID "size 12345\n",
	               "extension key 'ext-10-foo' is not ext-<digit>-<name>");
	expect_invalid(VERSION "ext-0 sha256:" HEX "\n" OID "size 12345\n", "not ext-<digit>-<name>");
	expect_invalid(VERSION "ext-0- sha256:" HEX "\n" OID "size 12345\n", "not ext-<digit>-<name>");
	expect_invalid(VERSION "ext-a-foo sha256:" HEX "\n" OID "size 12345\n", "not ext-<digit>-<name>");
	expect_invalid(VERSION "ext-0--foo sha256:" HEX "\n" OID "size 12345\n",
	               "does not start with a letter or digit");
	expect_invalid(VERSION "ext-0-$$ sha256:" HEX "\n" OID "size 12345\n", "has characters");
	expect_invalid(VERSION "ext-0-foo sha256:boom\n" OID "size 12345\n",
	               "ext-0-foo 'sha256:boom' has a character that is not a hex digit");
	expect_invalid(VERSION "ext-0-foo boom:" HEX "\n" OID "size 12345\n",
	               "ext-0-foo hash method 'boom' is not sha256");
}

static void test_oid(void)
{
	static const char upper[] = VERSION
		"oid sha256:4D7A214614AB2935C943F9E0FF69D22EADBB8F32B1258DAAA5E2CA24D17E2393\n"
		"size 12345\n";

	expect_invalid(upper, "has uppercase hex digits");
	expect_invalid(VERSION "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e239\n"
	                       "size 12345\n",
	               "has 63 hex digits, not 64");
	expect_invalid(VERSION "oid sha256:" HEX "3\nsize 12345\n", "has 65 hex digits, not 64");
	expect_invalid(VERSION "oid sha256:\nsize 12345\n", "has 0 hex digits");
	expect_invalid(VERSION "oid sha1:4d7a214614ab2935c943f9e0ff69d22eadbb8f32\nsize 12345\n",
	               "oid hash method 'sha1' is not sha256");
	expect_invalid(VERSION "oid SHA256:" HEX "\nsize 12345\n", "hash method 'SHA256'");
	expect_invalid(VERSION "oid " HEX "\nsize 12345\n", "does not start with 'sha256:'");
	expect_invalid(VERSION "oid sha256 " HEX "\nsize 12345\n", "does not start with 'sha256:'");
	expect_invalid(VERSION "oid sha256:" HEX "&\nsize 12345\n", "not a hex digit");
	expect_invalid(VERSION "oid sha256:../../../../../../../../../../../../../../../../../../../"
	                       "etc/passwd\nsize 1\n",
	               "not a hex digit");
	expect_invalid(VERSION "oid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e239g\n"
	                       "size 12345\n",
	               "not a hex digit");
}

static void test_size(void)
{
	expect_invalid(VERSION OID "size +12345\n", "size '+12345' has a sign");
	expect_invalid(VERSION OID "size -1\n", "size '-1' has a sign");
	expect_invalid(VERSION OID "size -0\n", "has a sign");
	expect_invalid(VERSION OID "size 01\n", "size '01' has a leading zero");
	expect_invalid(VERSION OID "size 00\n", "size '00' has a leading zero");
	expect_invalid(VERSION OID "size 0x10\n", "size '0x10' is not a decimal number");
	expect_invalid(VERSION OID "size 12a\n", "is not a decimal number");
	expect_invalid(VERSION OID "size 1e5\n", "is not a decimal number");
	expect_invalid(VERSION OID "size 1,000\n", "is not a decimal number");
	expect_invalid(VERSION OID "size fif\n", "is not a decimal number");
	/* git-lfs reads sizes as int64: one past INT64_MAX is out, and so is anything of uint64. */
	expect_invalid(VERSION OID "size 9223372036854775808\n", "is larger than Git LFS allows");
	expect_invalid(VERSION OID "size 18446744073709551615\n", "is larger than Git LFS allows");
	expect_invalid(VERSION OID "size 18446744073709551616\n",
	               "size '18446744073709551616' is larger than Git LFS allows");
	expect_invalid(VERSION OID "size 99999999999999999999999999999999999999\n", "larger");
}

/* A pointer of `total` bytes whose ext- name fills what the other lines leave. */
static int make_long_pointer(char *text, size_t textsize, size_t total, const char *size)
{
	char name[HFGIT_LFS_POINTER_MAX];
	size_t fixed = strlen(VERSION "ext-0- sha256:" HEX "\n" OID "size \n") + strlen(size);
	size_t n = total - fixed;

	memset(name, 'a', n);
	name[n] = '\0';
	return snprintf(text, textsize, VERSION "ext-0-%s sha256:" HEX "\n" OID "size %s\n", name,
	                size);
}

static void test_length(void)
{
	hfgit_lfs_pointer p;
	char text[HFGIT_LFS_POINTER_MAX + 1], buf[HFGIT_LFS_POINTER_MAX];
	int n;

	/* The longest pointer is 1023 bytes: 1024 is git-lfs's cutoff. */
	n = make_long_pointer(text, sizeof(text), HFGIT_LFS_POINTER_MAX - 1, "1");
	CHECK(n == HFGIT_LFS_POINTER_MAX - 1);
	CHECK_MSG(hfgit_lfs__pointer_parse(&p, text, (size_t)n) == 0, "1023 bytes: %s",
	          hfgit_error_last());
	/* The size line is as short as it gets, so the ext text is as long as it can be. */
	CHECK(strlen(p.ext) == HFGIT_LFS_EXT_TEXT_MAX);
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == n);
	CHECK(memcmp(buf, text, (size_t)n) == 0);
	CHECK(hfgit_lfs__pointer_maybe(text, (size_t)n));

	/* One more digit of size makes 1024 bytes: not a pointer, and format refuses it too. */
	p.size = 10;
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == -1);
	n = make_long_pointer(text, sizeof(text), HFGIT_LFS_POINTER_MAX, "10");
	CHECK(n == HFGIT_LFS_POINTER_MAX);
	expect_invalid_len(text, (size_t)n, "1024 bytes; a pointer is shorter than 1024 bytes");
	CHECK(!hfgit_lfs__pointer_maybe(text, (size_t)n));
}

static void test_large_input(void)
{
	size_t len = 5000, used = strlen(CANONICAL);
	char *big = malloc(len);

	CHECK(big != NULL);
	if (!big)
		return;
	memcpy(big, CANONICAL, used);
	memset(big + used, 'x', len - used);
	expect_invalid_len(big, len, "5000 bytes");
	CHECK(!hfgit_lfs__pointer_maybe(big, len));
	free(big);
}

static void test_maybe(void)
{
	CHECK(hfgit_lfs__pointer_maybe(CANONICAL, strlen(CANONICAL)));
	CHECK(hfgit_lfs__pointer_maybe(NULL, 200));
	CHECK(hfgit_lfs__pointer_maybe(NULL, HFGIT_LFS_POINTER_MIN));
	CHECK(hfgit_lfs__pointer_maybe(NULL, HFGIT_LFS_POINTER_MAX - 1));
	CHECK(!hfgit_lfs__pointer_maybe(NULL, HFGIT_LFS_POINTER_MIN - 1));
	CHECK(!hfgit_lfs__pointer_maybe(NULL, HFGIT_LFS_POINTER_MAX));
	CHECK(!hfgit_lfs__pointer_maybe(NULL, 0));
	CHECK(!hfgit_lfs__pointer_maybe("", 0));
	CHECK(!hfgit_lfs__pointer_maybe("version ", 8));
	/* A size-0 pointer is the shortest there is. */
	CHECK(strlen(VERSION OID "size 0\n") == HFGIT_LFS_POINTER_MIN);
	CHECK(hfgit_lfs__pointer_maybe(VERSION OID "size 0\n", HFGIT_LFS_POINTER_MIN));
	/* Cheap, not exact: a later parse says no. */
	CHECK(hfgit_lfs__pointer_maybe("version " HEX HEX, 8 + 128));
	CHECK(!hfgit_lfs__pointer_maybe("\x89PNG\r\n\x1a\n" HEX HEX, 8 + 128));
	CHECK(!hfgit_lfs__pointer_maybe("Version " HEX HEX, 8 + 128));
}

static void test_oid_valid(void)
{
	static const char traversal[] =
		"../../etc/passwd////////////////////////////////////////////////";
	static const char traversal2[] =
		"../../../../../../../../../../../../../../../../../../../../a/b/";

	CHECK(hfgit_lfs__oid_valid(HEX, 64));
	CHECK(hfgit_lfs__oid_valid("0000000000000000000000000000000000000000000000000000000000000000", 64));
	CHECK(!hfgit_lfs__oid_valid(HEX, 63));
	CHECK(!hfgit_lfs__oid_valid(HEX "0", 65));
	CHECK(!hfgit_lfs__oid_valid("", 0));
	CHECK(!hfgit_lfs__oid_valid(NULL, 64));
	CHECK(!hfgit_lfs__oid_valid(NULL, 0));
	CHECK(!hfgit_lfs__oid_valid("4D7A214614AB2935C943F9E0FF69D22EADBB8F32B1258DAAA5E2CA24D17E2393", 64));
	CHECK(!hfgit_lfs__oid_valid("4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e239G", 64));
	CHECK(!hfgit_lfs__oid_valid("sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca2", 64));
	CHECK(strlen(traversal) == 64 && strlen(traversal2) == 64);
	CHECK(!hfgit_lfs__oid_valid(traversal, 64));
	CHECK(!hfgit_lfs__oid_valid(traversal2, 64));
	CHECK(!hfgit_lfs__oid_valid("4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e239\0", 64));
	CHECK(!hfgit_lfs__oid_valid("4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e239/", 64));
	CHECK(!hfgit_lfs__oid_valid(" d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393", 64));
	/* every byte value, first and last: only 0-9 and a-f are digits */
	for (int c = 0; c < 256; c++) {
		char oid[65];
		bool digit = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
		memcpy(oid, HEX, sizeof(oid));
		oid[63] = (char)c;
		CHECK(hfgit_lfs__oid_valid(oid, 64) == digit);
		memcpy(oid, HEX, sizeof(oid));
		oid[0] = (char)c;
		CHECK(hfgit_lfs__oid_valid(oid, 64) == digit);
	}
}

static void test_format(void)
{
	hfgit_lfs_pointer p = { "", 0, "" };
	char buf[HFGIT_LFS_POINTER_MAX], small[8];

	/* A pointer filled in by hand, as the clean side of a filter would. */
	memcpy(p.oid, HEX, sizeof(HEX));
	p.size = 12345;
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == (int)strlen(CANONICAL));
	CHECK_STR(buf, CANONICAL);
	CHECK(hfgit_lfs__pointer_format(small, sizeof(small), &p) == -1);
	CHECK(strstr(hfgit_error_last(), "too few") != NULL);
	CHECK(hfgit_lfs__pointer_format(buf, 0, &p) == -1);
	CHECK(hfgit_lfs__pointer_format(NULL, sizeof(buf), &p) == -1);
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), NULL) == -1);

	p.size = UINT64_MAX;
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == -1);
	p.size = HFGIT_LFS_SIZE_MAX;
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) > 0);

	/* Never writes an oid that is not one: it would become a path in the object store. */
	memcpy(p.oid, "../../etc/passwd", sizeof("../../etc/passwd"));
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == -1);
	memcpy(p.oid, HEX, sizeof(HEX));
	p.oid[0] = 'A';
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == -1);
	memset(p.oid, 'a', sizeof(p.oid)); /* unterminated */
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == -1);

	/* ext text that the parser would not accept back is refused. */
	memcpy(p.oid, HEX, sizeof(HEX));
	memcpy(p.ext, "zzz 1\n", sizeof("zzz 1\n"));
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == -1);
	CHECK_STR(hfgit_error_last(), "cannot write a Git LFS pointer: not a Git LFS pointer: "
	                              "unknown key 'zzz' (a pointer has only version, "
	                              "ext-<digit>-<name>, oid and size)");
	memcpy(p.ext, EXT0, sizeof(EXT0));
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) > 0);
	memset(p.ext, 'a', sizeof(p.ext)); /* unterminated */
	CHECK(hfgit_lfs__pointer_format(buf, sizeof(buf), &p) == -1);
}

/* Messages quote input bytes escaped and cut, so a binary blob cannot garble a terminal. */
static void test_messages(void)
{
	expect_invalid(VERSION OID "size \x1b[31m\n", "size '\\x1b[31m' is not a decimal number");
	expect_invalid(VERSION OID "size 1\xc3\xa9\n", "size '1\\xc3\\xa9'");
	expect_invalid(VERSION "oid sha256:" HEX HEX "\nsize 1\n", "...' has 128 hex digits");
	CHECK(strlen(hfgit_error_last()) < 300);
}

/* Items that share an object point at the first of them, whatever the order. */
static void test_first_of_each(void)
{
	static const size_t expected[] = { 0, 1, 0, 3, 1, 0 };
	static const char digits[] = "abacba";
	struct item {
		int tag;
		hfgit_lfs_pointer pointer;
	} items[6];
	size_t *first = NULL, i;

	memset(items, 0, sizeof(items));
	for (i = 0; i < 6; i++)
		memset(items[i].pointer.oid, digits[i], HFGIT_LFS_OID_HEXSZ);
	CHECK(hfgit_lfs__first_of_each(&first, items, 6, sizeof(*items),
	                               offsetof(struct item, pointer)) == 0);
	for (i = 0; first && i < 6; i++)
		CHECK_MSG(first[i] == expected[i], "item %zu: first is %zu, expected %zu", i, first[i],
		          expected[i]);
	free(first);
	CHECK(hfgit_lfs__first_of_each(&first, items, 0, sizeof(*items), 0) == 0 && first);
	free(first);
}

int main(void)
{
	test_valid();
	test_line_structure();
	test_version();
	test_keys();
	test_oid();
	test_size();
	test_length();
	test_large_input();
	test_maybe();
	test_oid_valid();
	test_format();
	test_messages();
	test_first_of_each();
	return check_finish();
}
