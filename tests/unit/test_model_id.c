/* Unit tests for model id parsing: lib/hub/model_id.c. */
#include "hfgit.h"
#include "check.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>

/* Stored in *out before a call, to see that a failing parse resets it. */
static max_align_t not_null_marker;
#define NOT_NULL ((hfgit_model_id *)&not_null_marker)

/* Reports which input a failed check was about; the checks themselves name only the field. */
static void note_input_on_failure(int failures_before, const char *spec)
{
	if (check_failures > failures_before)
		fprintf(stderr, "  (while checking model id '%s')\n", spec);
}

static void expect_valid(const char *spec, hfgit_repo_type type, const char *ns,
                         const char *name, const char *repo, const char *revision)
{
	int failures_before = check_failures;
	hfgit_model_id *id = NULL;
	int error = hfgit_model_id_parse(&id, spec);

	CHECK_MSG(error == 0, "'%s' was rejected: %s", spec, hfgit_error_last());
	if (error == 0 && id) {
		CHECK(hfgit_model_id_type(id) == type);
		CHECK_STR(hfgit_model_id_namespace(id), ns);
		CHECK_STR(hfgit_model_id_name(id), name);
		CHECK_STR(hfgit_model_id_repo(id), repo);
		CHECK_STR(hfgit_model_id_revision(id), revision);
	}
	hfgit_model_id_free(id);
	note_input_on_failure(failures_before, spec);
}

/* A valid model id without namespace, type prefix or revision: only the name matters. */
static void expect_valid_name(const char *spec)
{
	expect_valid(spec, HFGIT_REPO_MODEL, NULL, spec, spec, NULL);
}

/* A valid "org/name@<revision>": only the revision matters. */
static void expect_valid_revision(const char *revision)
{
	char spec[512];

	snprintf(spec, sizeof(spec), "org/name@%s", revision);
	expect_valid(spec, HFGIT_REPO_MODEL, "org", "name", "org/name", revision);
}

/*
 * `spec` must be rejected with HFGIT_EINVALID, *out reset to NULL, and a message that contains
 * `reason` and quotes the input: whole when `quoted` is NULL, else starting with `quoted` (for
 * inputs the message escapes or cuts).
 */
static void expect_invalid_quoted(const char *spec, const char *quoted, const char *reason)
{
	int failures_before = check_failures;
	hfgit_model_id *id = NOT_NULL;
	int error = hfgit_model_id_parse(&id, spec);
	const char *message = hfgit_error_last();
	char expected_quote[512];

	if (quoted)
		snprintf(expected_quote, sizeof(expected_quote), "'%s", quoted);
	else
		snprintf(expected_quote, sizeof(expected_quote), "'%s'", spec);

	CHECK_MSG(error == HFGIT_EINVALID, "'%s' gave %d, expected HFGIT_EINVALID", spec, error);
	CHECK_MSG(id == NULL, "'%s': *out was not reset to NULL", spec);
	CHECK(hfgit_error_last_code() == HFGIT_EINVALID);
	CHECK_MSG(strstr(message, expected_quote) != NULL, "message \"%s\" does not quote %s",
	          message, expected_quote);
	CHECK_MSG(strstr(message, reason) != NULL, "message \"%s\" does not say \"%s\"",
	          message, reason);
	if (error == 0)
		hfgit_model_id_free(id);
	note_input_on_failure(failures_before, quoted ? quoted : spec);
}

static void expect_invalid(const char *spec, const char *reason)
{
	expect_invalid_quoted(spec, NULL, reason);
}

static char *repeat_char(char c, size_t n)
{
	char *s = malloc(n + 1);

	if (!s) {
		fprintf(stderr, "out of memory\n");
		exit(2);
	}
	memset(s, c, n);
	s[n] = '\0';
	return s;
}

static void test_legacy_ids(void)
{
	expect_valid_name("gpt2");
	expect_valid_name("bert-base-uncased");
	expect_valid_name("t5-small");
	expect_valid_name("distilbert-base-uncased-finetuned-sst-2-english");
	expect_valid_name("x");
	expect_valid_name("7");
	expect_valid_name("_");
	expect_valid_name("_private_");
	expect_valid_name("a.b-c_d");
	expect_valid_name("datasetsfoo"); /* a type word without its '/' is an ordinary name */
	expect_valid("gpt2@main", HFGIT_REPO_MODEL, NULL, "gpt2", "gpt2", "main");
	expect_valid("bert-base-uncased@v2.0.1", HFGIT_REPO_MODEL, NULL, "bert-base-uncased",
	             "bert-base-uncased", "v2.0.1");
}

static void test_namespaced_ids(void)
{
	expect_valid("google-bert/bert-base-uncased", HFGIT_REPO_MODEL, "google-bert",
	             "bert-base-uncased", "google-bert/bert-base-uncased", NULL);
	expect_valid("openai-community/gpt2", HFGIT_REPO_MODEL, "openai-community", "gpt2",
	             "openai-community/gpt2", NULL);
	expect_valid("meta-llama/Llama-3.1-8B", HFGIT_REPO_MODEL, "meta-llama", "Llama-3.1-8B",
	             "meta-llama/Llama-3.1-8B", NULL);
	expect_valid("Qwen/Qwen2.5-0.5B_v2", HFGIT_REPO_MODEL, "Qwen", "Qwen2.5-0.5B_v2",
	             "Qwen/Qwen2.5-0.5B_v2", NULL);
	expect_valid("a/b", HFGIT_REPO_MODEL, "a", "b", "a/b", NULL);
	expect_valid("_org_/_name_", HFGIT_REPO_MODEL, "_org_", "_name_", "_org_/_name_", NULL);
	expect_valid("org/name.gitx", HFGIT_REPO_MODEL, "org", "name.gitx", "org/name.gitx", NULL);
	expect_valid("org/git", HFGIT_REPO_MODEL, "org", "git", "org/git", NULL);
	expect_valid("org/models", HFGIT_REPO_MODEL, "org", "models", "org/models", NULL);
}

static void test_length_limits(void)
{
	char *name96 = repeat_char('a', 96);
	char *name97 = repeat_char('a', 97);
	char *revision255 = repeat_char('r', 255);
	char *revision256 = repeat_char('r', 256);
	char spec[1024], repo[256];

	expect_valid_name(name96);
	expect_invalid(name97, "97 characters long (at most 96 allowed)");

	snprintf(spec, sizeof(spec), "org/%s", name96);
	expect_valid(spec, HFGIT_REPO_MODEL, "org", name96, spec, NULL);
	snprintf(spec, sizeof(spec), "org/%s", name97);
	expect_invalid(spec, "repository name is 97 characters long");

	/* Namespaces are held to the same limit. */
	snprintf(spec, sizeof(spec), "%s/name", name96);
	expect_valid(spec, HFGIT_REPO_MODEL, name96, "name", spec, NULL);
	snprintf(spec, sizeof(spec), "%s/name", name97);
	expect_invalid(spec, "namespace is 97 characters long");

	/* The longest id there is: every part at its limit. */
	snprintf(spec, sizeof(spec), "datasets/%s/%s@%s", name96, name96, revision255);
	snprintf(repo, sizeof(repo), "datasets/%s/%s", name96, name96);
	expect_valid(spec, HFGIT_REPO_DATASET, name96, name96, repo, revision255);

	snprintf(spec, sizeof(spec), "org/name@%s", revision256);
	expect_invalid_quoted(spec, "org/name@rrr", "256 characters long (at most 255 allowed)");

	free(name96);
	free(name97);
	free(revision255);
	free(revision256);
}

static void test_repo_types(void)
{
	expect_valid("datasets/rajpurkar/squad", HFGIT_REPO_DATASET, "rajpurkar", "squad",
	             "datasets/rajpurkar/squad", NULL);
	expect_valid("datasets/org/data@refs/convert/parquet", HFGIT_REPO_DATASET, "org", "data",
	             "datasets/org/data", "refs/convert/parquet");
	expect_valid("spaces/gradio/hello_world", HFGIT_REPO_SPACE, "gradio", "hello_world",
	             "spaces/gradio/hello_world", NULL);
	expect_valid("spaces/org/app@main", HFGIT_REPO_SPACE, "org", "app", "spaces/org/app",
	             "main");
	/* "models/" is accepted and dropped: models live at the top of the endpoint. */
	expect_valid("models/google-bert/bert-base-uncased", HFGIT_REPO_MODEL, "google-bert",
	             "bert-base-uncased", "google-bert/bert-base-uncased", NULL);
	expect_valid("models/gpt2@v1", HFGIT_REPO_MODEL, NULL, "gpt2", "gpt2", "v1");
	/* Legacy datasets without a namespace still exist (and redirect). */
	expect_valid("datasets/squad", HFGIT_REPO_DATASET, NULL, "squad", "datasets/squad", NULL);

	expect_invalid("datasets", "'datasets' is a repository type, not a repository");
	expect_invalid("spaces", "'spaces' is a repository type");
	expect_invalid("models", "'models' is a repository type");
	expect_invalid("datasets@main", "'datasets' is a repository type");
	expect_invalid("datasets/", "nothing after 'datasets/'");
	expect_invalid("spaces/@main", "nothing after 'spaces/'");
	expect_invalid("datasets/org/", "empty repository name after '/'");
	expect_invalid("datasets/a/b/c", "too many '/'");
	expect_invalid("Datasets/org/name", "too many '/'"); /* the prefixes are lower case */
	expect_invalid("models/datasets/x", "'datasets' is a repository type, not a namespace");
	expect_invalid("datasets/spaces/x", "'spaces' is a repository type, not a namespace");
}

static void test_revisions(void)
{
	expect_valid_revision("main");
	expect_valid_revision("v2.0.1");
	expect_valid_revision("feature/x");
	expect_valid_revision("refs/pr/1");
	expect_valid_revision("refs/heads/main");
	expect_valid_revision("refs/tags/v1.0");
	expect_valid_revision("HEAD");
	expect_valid_revision("0123456789abcdef0123456789abcdef01234567");
	expect_valid_revision("f1b5512");
	expect_valid_revision("ABCDEF12"); /* kept as written: case is the resolver's business */
	expect_valid_revision("cafe");
	expect_valid_revision("a");
	expect_valid_revision("-dash");
	expect_valid_revision("a.b");
	expect_valid_revision("a@b");         /* only the first '@' splits */
	expect_valid_revision("a{b}");
	expect_valid_revision("x.locked");
	expect_valid_revision("lock");
	expect_valid_revision("br\xc3\xa4nch"); /* git allows non-ASCII in ref names */
	expect_valid_revision("50%");
	expect_valid_revision("issue#1");
	expect_valid("org/name@a@b@c", HFGIT_REPO_MODEL, "org", "name", "org/name", "a@b@c");
}

static void test_invalid_ids(void)
{
	expect_invalid("", "empty (expected");
	expect_invalid("@main", "no repository before '@'");
	expect_invalid("@", "no repository before '@'");
	expect_invalid("org/", "empty repository name after '/'");
	expect_invalid("/name", "empty namespace before '/'");
	expect_invalid("/", "empty namespace before '/'");
	expect_invalid("org//name", "\"//\" is not allowed");
	expect_invalid("a/b/c", "too many '/'");
	expect_invalid("org/name/", "too many '/'");
	expect_invalid("-name", "cannot begin with '-'");
	expect_invalid("name-", "cannot end with '-'");
	expect_invalid(".name", "cannot begin with '.'");
	expect_invalid("name.", "cannot end with '.'");
	expect_invalid("org/-name", "a repository name cannot begin with '-'");
	expect_invalid("-org/name", "a namespace cannot begin with '-'");
	expect_invalid("org./name", "a namespace cannot end with '.'");
	expect_invalid("na--me", "\"--\" is not allowed in a repository name (allowed: letters, "
	                         "digits, '-', '_', '.')");
	expect_invalid("na..me", "\"..\" is not allowed in a repository name");
	expect_invalid("o--rg/name", "\"--\" is not allowed in a namespace");
	expect_invalid("name.git", "cannot end with \".git\" (write 'name')");
	expect_invalid("org/name.GIT", "cannot end with \".git\"");
	expect_invalid("org/.git", "cannot begin with '.'");
	expect_invalid("na me", "a space is not allowed in a repository name");
	expect_invalid("na/me@", "empty after '@'");
	expect_invalid("org/name@", "empty after '@'");
	expect_invalid("na\xc3\xa4me", "non-ASCII character '\xc3\xa4' is not allowed");
	expect_invalid("org/na\xffme", "non-ASCII byte 0xff is not allowed");
	expect_invalid("na#me", "'#' is not allowed in a repository name");
	expect_invalid("na%me", "'%' is not allowed");
	expect_invalid("org/na+me", "'+' is not allowed");
	expect_invalid("org:name", "':' is not allowed");
	expect_invalid("org\\name", "'\\' is not allowed");
	expect_invalid("https://huggingface.co/gpt2", "a URL, not a model id");
	expect_invalid("hf://org/name", "a URL, not a model id");
	/* Control characters are shown escaped, never sent raw to a terminal. */
	expect_invalid_quoted("na\x01me", "na\\x01me", "control character 0x01 is not allowed");
	expect_invalid_quoted("na\x1b[31mme", "na\\x1b[31mme", "control character 0x1b");
	expect_invalid_quoted("name\x7f", "name\\x7f", "control character 0x7f");
	expect_invalid_quoted("org/name@ma\tin", "org/name@ma\\x09in", "control character 0x09");
}

static void test_invalid_revisions(void)
{
	expect_invalid("org/m@v1..2", "invalid revision 'v1..2' in 'org/m@v1..2': \"..\" is not "
	                              "allowed in a ref name");
	expect_invalid("org/name@v1..2", "\"..\" is not allowed in a ref name");
	expect_invalid("org/name@.hidden", "cannot begin with '.' ('.hidden')");
	expect_invalid("org/name@refs/.x", "cannot begin with '.' ('.x')");
	expect_invalid("org/name@a.lock", "cannot end with \".lock\" ('a.lock')");
	expect_invalid("org/name@a.lock/b", "cannot end with \".lock\"");
	expect_invalid("org/name@feature/", "cannot end with '/'");
	expect_invalid("org/name@/main", "cannot begin with '/'");
	expect_invalid("org/name@a//b", "\"//\" is not allowed in a ref name");
	expect_invalid("org/name@main.", "cannot end with '.'");
	expect_invalid("org/name@ma~in", "'~' is not allowed in a ref name");
	expect_invalid("org/name@ma^in", "'^' is not allowed");
	expect_invalid("org/name@ma:in", "':' is not allowed");
	expect_invalid("org/name@ma?in", "'?' is not allowed");
	expect_invalid("org/name@ma*in", "'*' is not allowed");
	expect_invalid("org/name@ma[in", "'[' is not allowed");
	expect_invalid("org/name@ma\\in", "'\\' is not allowed");
	expect_invalid("org/name@ma in", "a space is not allowed in a ref name");
	expect_invalid("org/name@@{u}", "\"@{\" is not allowed");
	expect_invalid("org/name@main@{1}", "\"@{\" is not allowed");
	expect_invalid("org/name@@", "\"@\" alone is not a ref name");
	expect_invalid("gpt2@HEAD~1", "'~' is not allowed");
	expect_invalid("org/name@..", "\"..\" is not allowed");
	expect_invalid("org/name@.", "cannot end with '.'");
}

static void test_null_arguments(void)
{
	hfgit_model_id *id = NOT_NULL;

	CHECK(hfgit_model_id_parse(&id, NULL) == HFGIT_EINVALID);
	CHECK(id == NULL);
	CHECK(strstr(hfgit_error_last(), "invalid model id") != NULL);
	CHECK(hfgit_model_id_parse(NULL, "gpt2") == HFGIT_EINVALID);
	hfgit_model_id_free(NULL);
}

/* A long garbage input must give a message that is short, still quotes it and gives a reason. */
static void test_long_garbage(void)
{
	char *spec = repeat_char('\x01', 100000);
	hfgit_model_id *id = NULL;

	CHECK(hfgit_model_id_parse(&id, spec) == HFGIT_EINVALID);
	CHECK(id == NULL);
	CHECK(strlen(hfgit_error_last()) < 512);
	CHECK(strstr(hfgit_error_last(), "'\\x01\\x01") != NULL);
	CHECK(strstr(hfgit_error_last(), "...'") != NULL);
	CHECK(strstr(hfgit_error_last(), "100000 characters long") != NULL);
	free(spec);

	/* A long run of multi-byte characters is cut between characters, not inside one. */
	spec = malloc(2 * 500 + 1);
	CHECK(spec != NULL);
	if (spec) {
		size_t i;
		const char *message, *cut;

		for (i = 0; i < 500; i++)
			memcpy(spec + 2 * i, "\xc3\xa4", 2);
		spec[1000] = '\0';
		CHECK(hfgit_model_id_parse(&id, spec) == HFGIT_EINVALID);
		message = hfgit_error_last();
		cut = strstr(message, "...'");
		CHECK(cut != NULL);
		if (cut)
			CHECK(cut - message >= 2 && memcmp(cut - 2, "\xc3\xa4", 2) == 0);
		free(spec);
	}
}

/* Every single byte in the middle of a name: only [A-Za-z0-9_.-] may pass. */
static void test_every_byte_in_name(void)
{
	int c;

	for (c = 1; c < 256; c++) {
		char spec[4] = { 'a', (char)c, 'b', '\0' };
		bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		               (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.';
		hfgit_model_id *id = NULL;
		int error;

		if (c == '/' || c == '@') /* separators, covered elsewhere */
			continue;
		error = hfgit_model_id_parse(&id, spec);
		CHECK_MSG(allowed ? error == 0 : error == HFGIT_EINVALID,
		          "byte 0x%02x in a name gave %d", c, error);
		hfgit_model_id_free(id);
	}
}

/* Every single byte in the middle of a revision: git's forbidden set is rejected, no more. */
static void test_every_byte_in_revision(void)
{
	int c;

	for (c = 1; c < 256; c++) {
		char spec[] = { 'o', '/', 'n', '@', 'a', (char)c, 'b', '\0' };
		bool allowed = c > 0x20 && c != 0x7f && !strchr("~^:?*[\\", c);
		hfgit_model_id *id = NULL;
		int error = hfgit_model_id_parse(&id, spec);

		CHECK_MSG(allowed ? error == 0 : error == HFGIT_EINVALID,
		          "byte 0x%02x in a revision gave %d", c, error);
		if (id)
			CHECK_MSG(strcmp(hfgit_model_id_revision(id), spec + 4) == 0,
			          "byte 0x%02x: revision not kept as given", c);
		hfgit_model_id_free(id);
	}
}

/* xorshift32: deterministic, so a failure found here is found again on the next run. */
static uint32_t prng_state = 0x2545f491;

static uint32_t prng_next(void)
{
	prng_state ^= prng_state << 13;
	prng_state ^= prng_state >> 17;
	prng_state ^= prng_state << 5;
	return prng_state;
}

static size_t prng_below(size_t n)
{
	return (size_t)(prng_next() % (uint32_t)n);
}

/* Characters that matter to the parser, so that random strings often get far into it. */
static const char interesting[] = "aZ09_-./@{}~^:?*[\\ #%\x01\x7f\xc3\xa4\xff";

static void random_string(char *buf, size_t size)
{
	size_t len = prng_below(size), i;

	for (i = 0; i < len; i++) {
		switch (prng_below(3)) {
		case 0:
			buf[i] = (char)(1 + prng_below(255));
			break;
		case 1:
			buf[i] = interesting[prng_below(sizeof(interesting) - 1)];
			break;
		default:
			buf[i] = "abcxyz0123"[prng_below(10)];
			break;
		}
	}
	buf[len] = '\0';
}

/* Insert, delete or replace a few bytes of a good id: the inputs just next to valid ones. */
static void mutate(char *buf, size_t size)
{
	size_t rounds = 1 + prng_below(3), r;

	for (r = 0; r < rounds; r++) {
		size_t len = strlen(buf), pos = prng_below(len + 1);
		char c = prng_below(2) ? interesting[prng_below(sizeof(interesting) - 1)]
		                       : (char)(1 + prng_below(255));

		switch (prng_below(3)) {
		case 0:
			if (len + 1 < size) {
				memmove(buf + pos + 1, buf + pos, len - pos + 1);
				buf[pos] = c;
			}
			break;
		case 1:
			if (pos < len)
				memmove(buf + pos, buf + pos + 1, len - pos);
			break;
		default:
			if (pos < len)
				buf[pos] = c;
			break;
		}
	}
}

/*
 * What must hold for any input: a failure leaves *out NULL with HFGIT_EINVALID and a message;
 * a success gives a repository path that parses back to the same id.
 */
static bool parse_is_consistent(const char *spec)
{
	hfgit_model_id *id = NOT_NULL, *again = NULL;
	int error = hfgit_model_id_parse(&id, spec);
	char respec[1024];
	bool ok;

	if (error < 0)
		return error == HFGIT_EINVALID && id == NULL && hfgit_error_last()[0] != '\0';
	if (error != 0 || !id)
		return false;

	if (hfgit_model_id_revision(id))
		snprintf(respec, sizeof(respec), "%s@%s", hfgit_model_id_repo(id),
		         hfgit_model_id_revision(id));
	else
		snprintf(respec, sizeof(respec), "%s", hfgit_model_id_repo(id));

	ok = hfgit_model_id_parse(&again, respec) == 0 &&
	     hfgit_model_id_type(again) == hfgit_model_id_type(id) &&
	     strcmp(hfgit_model_id_repo(again), hfgit_model_id_repo(id)) == 0 &&
	     strcmp(hfgit_model_id_name(again), hfgit_model_id_name(id)) == 0 &&
	     (hfgit_model_id_namespace(id) == NULL) == (hfgit_model_id_namespace(again) == NULL);
	hfgit_model_id_free(again);
	hfgit_model_id_free(id);
	return ok;
}

static void test_garbage_never_crashes(void)
{
	static const char *const seeds[] = {
		"gpt2", "org/name", "datasets/org/data@main", "spaces/o/a@refs/pr/1",
		"models/x@f1b5512", "org/name@feature/x", "a.b_c-d/e.f@v1.0",
	};
	char buf[300];
	int inconsistent = 0, i;

	for (i = 0; i < 200000; i++) {
		if (i % 2) {
			random_string(buf, sizeof(buf) / 4);
		} else {
			snprintf(buf, sizeof(buf), "%s", seeds[prng_below(sizeof(seeds) / sizeof(seeds[0]))]);
			mutate(buf, sizeof(buf));
		}
		if (!parse_is_consistent(buf) && inconsistent++ < 5)
			fprintf(stderr, "inconsistent result for input %d\n", i);
	}
	CHECK_MSG(inconsistent == 0, "%d random inputs gave inconsistent results", inconsistent);
}

int main(void)
{
	test_legacy_ids();
	test_namespaced_ids();
	test_length_limits();
	test_repo_types();
	test_revisions();
	test_invalid_ids();
	test_invalid_revisions();
	test_null_arguments();
	test_long_garbage();
	test_every_byte_in_name();
	test_every_byte_in_revision();
	test_garbage_never_crashes();
	return check_finish();
}
