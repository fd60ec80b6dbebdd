/*
 * Model ids: "[datasets/|spaces/|models/]namespace/name[@revision]", or a legacy
 * "name[@revision]" from before the Hub had namespaces.
 *
 * The repository part is held to the Hub's naming rules, so that a typo is reported here, in
 * words, rather than as a 404 after a round trip. The revision is held to git's ref name rules
 * (check-ref-format with one-level names allowed), so that whatever is accepted here can later
 * go into a refspec without surprises.
 *
 * Everything is read in place from the caller's string; the strings of the result are copied
 * into one allocation, so a parsed id is freed with a single free().
 */
#include "core/error.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The Hub's limit for a repository name; namespaces are held to the same. */
#define MAX_PART_LENGTH 96

/* Ref names have no limit in git; this keeps garbage out of URLs and file names. */
#define MAX_REVISION_LENGTH 255

/* Big enough for a quoted input in a message; longer ones are cut so the reason still shows. */
#define QUOTED_SIZE 128

#define EXPECTED_FORM \
	"[datasets/|spaces/|models/]namespace/name[@revision], or name[@revision]"
#define ALLOWED_CHARS "(allowed: letters, digits, '-', '_', '.')"
#define EXPECTED_REVISION "a branch, tag, refs/pr/N or commit hash"
#define REF_RULES "(a revision must be a git ref name or a commit hash)"

struct hfgit_model_id {
	hfgit_repo_type type;
	const char *owner;    /* the namespace (user or organisation); NULL for a legacy id */
	const char *name;
	const char *repo;     /* the path below the endpoint */
	const char *revision; /* NULL when none was given */
	char strings[];       /* the strings above point into this */
};

/* A piece of the spec, not NUL-terminated: the spec is only ever read in place. */
typedef struct {
	const char *ptr;
	size_t len;
} span;

struct repo_type {
	const char *word;       /* as written before the first '/' of a spec */
	hfgit_repo_type type;
	const char *url_prefix; /* as it appears in the path below the endpoint */
};

static const struct repo_type repo_types[] = {
	{ "datasets", HFGIT_REPO_DATASET, "datasets/" },
	{ "spaces", HFGIT_REPO_SPACE, "spaces/" },
	/* Models live at the top of the Hub's URL space: the prefix is only accepted, never kept. */
	{ "models", HFGIT_REPO_MODEL, "" },
};

static const struct repo_type default_repo_type = { NULL, HFGIT_REPO_MODEL, "" };

/* What the parser found in a spec, still pointing into it. */
struct parsed_spec {
	const struct repo_type *type;
	span owner;           /* empty for a legacy id */
	span name;
	const char *revision; /* NULL when there is no '@' */
};

/* ---------------------------------------------------------------------------------------- */
/* Error messages                                                                            */

static bool is_utf8_continuation(unsigned char c)
{
	return (c & 0xc0) == 0x80;
}

/*
 * Copy `s` into `buf` for a message. Control characters become \xNN so that a garbage id
 * cannot play tricks on the user's terminal; a long input is cut, with "...", at a character
 * boundary.
 */
static const char *quote_for_message(char *buf, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t out = 0;

	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		/*
		 * Keep room for "..." and the NUL, and at the start of a character also for the
		 * longest thing a character turns into (\xNN, or four bytes of UTF-8).
		 */
		size_t needed = is_utf8_continuation(c) ? 1 + 3 + 1 : 4 + 3 + 1;

		if (size - out < needed) {
			memcpy(buf + out, "...", 3);
			out += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f) {
			buf[out++] = '\\';
			buf[out++] = 'x';
			buf[out++] = hex[c >> 4];
			buf[out++] = hex[c & 0xf];
		} else {
			buf[out++] = (char)c;
		}
	}
	buf[out] = '\0';
	return buf;
}

/* The length of the UTF-8 sequence that starts with `c`, or 0 when `c` cannot start one. */
static size_t utf8_sequence_length(unsigned char c)
{
	if (c >= 0xc2 && c <= 0xdf)
		return 2;
	if (c >= 0xe0 && c <= 0xef)
		return 3;
	if (c >= 0xf0 && c <= 0xf4)
		return 4;
	return 0;
}

/*
 * Name the character at `s` (with `len` bytes left) the way a person would: "'#'", "a space",
 * "control character 0x01", "non-ASCII character 'ä'", "non-ASCII byte 0xff".
 */
static const char *describe_char(char *buf, size_t size, const char *s, size_t len)
{
	unsigned char c = (unsigned char)s[0];
	size_t sequence = utf8_sequence_length(c), i;

	if (c == ' ') {
		snprintf(buf, size, "a space");
	} else if (c < 0x20 || c == 0x7f) {
		snprintf(buf, size, "control character 0x%02x", c);
	} else if (c < 0x80) {
		snprintf(buf, size, "'%c'", c);
	} else {
		for (i = 1; i < sequence; i++) {
			if (i >= len || !is_utf8_continuation((unsigned char)s[i]))
				sequence = 0;
		}
		if (sequence)
			snprintf(buf, size, "non-ASCII character '%.*s'", (int)sequence, s);
		else
			snprintf(buf, size, "non-ASCII byte 0x%02x", c);
	}
	return buf;
}

static int invalid_id(const char *spec, const char *fmt, ...) HFGIT_PRINTF(2, 3);

static int invalid_id(const char *spec, const char *fmt, ...)
{
	char quoted[QUOTED_SIZE], reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	return hfgit_error__set(HFGIT_EINVALID, "invalid model id '%s': %s",
	                        quote_for_message(quoted, sizeof(quoted), spec), reason);
}

static int invalid_revision(const char *spec, const char *revision, const char *fmt, ...)
	HFGIT_PRINTF(3, 4);

static int invalid_revision(const char *spec, const char *revision, const char *fmt, ...)
{
	char quoted_revision[QUOTED_SIZE], quoted_spec[QUOTED_SIZE], reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);

	return hfgit_error__set(HFGIT_EINVALID, "invalid revision '%s' in '%s': %s",
	                        quote_for_message(quoted_revision, sizeof(quoted_revision), revision),
	                        quote_for_message(quoted_spec, sizeof(quoted_spec), spec), reason);
}

/* ---------------------------------------------------------------------------------------- */
/* Repository names                                                                          */

/* Spelled out rather than isalnum(): the Hub's rule is ASCII, whatever the locale. */
static bool is_repo_name_char(unsigned char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	       c == '-' || c == '_' || c == '.';
}

static bool span_equals(span s, const char *word)
{
	return s.len == strlen(word) && memcmp(s.ptr, word, s.len) == 0;
}

static bool span_contains(span s, const char *needle)
{
	size_t n = strlen(needle), i;

	for (i = 0; i + n <= s.len; i++) {
		if (memcmp(s.ptr + i, needle, n) == 0)
			return true;
	}
	return false;
}

/* ".git" in any case: on a case-insensitive file system "x.GIT" is as confusing as "x.git". */
static bool ends_with_dot_git(span s)
{
	static const char suffix[] = ".git";
	size_t n = sizeof(suffix) - 1, i;

	if (s.len < n)
		return false;
	for (i = 0; i < n; i++) {
		char c = s.ptr[s.len - n + i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c - 'A' + 'a');
		if (c != suffix[i])
			return false;
	}
	return true;
}

/* The rules a namespace and a name share. `what` names the part for the message. */
static int check_repo_name_part(const char *spec, span part, const char *what)
{
	char described[48];
	size_t i;

	/* Empty parts were reported with their context by the caller. */
	if (part.len > MAX_PART_LENGTH)
		return invalid_id(spec, "the %s is %zu characters long (at most %d allowed)",
		                  what, part.len, MAX_PART_LENGTH);

	for (i = 0; i < part.len; i++) {
		if (!is_repo_name_char((unsigned char)part.ptr[i]))
			return invalid_id(spec, "%s is not allowed in a %s " ALLOWED_CHARS,
			                  describe_char(described, sizeof(described), part.ptr + i,
			                                part.len - i),
			                  what);
	}

	if (part.ptr[0] == '-' || part.ptr[0] == '.')
		return invalid_id(spec, "a %s cannot begin with '%c' (it must begin with a letter, "
		                  "a digit or '_')", what, part.ptr[0]);
	if (part.ptr[part.len - 1] == '-' || part.ptr[part.len - 1] == '.')
		return invalid_id(spec, "a %s cannot end with '%c' (it must end with a letter, "
		                  "a digit or '_')", what, part.ptr[part.len - 1]);
	if (span_contains(part, "--"))
		return invalid_id(spec, "\"--\" is not allowed in a %s " ALLOWED_CHARS, what);
	if (span_contains(part, ".."))
		return invalid_id(spec, "\"..\" is not allowed in a %s " ALLOWED_CHARS, what);

	return 0;
}

static int check_owner(const char *spec, span owner)
{
	size_t i;

	/*
	 * The Hub reserves the type words as namespaces, and a model "datasets/x" would be read
	 * back as the dataset "x": such an id can only come from a doubled prefix.
	 */
	for (i = 0; i < sizeof(repo_types) / sizeof(repo_types[0]); i++) {
		if (span_equals(owner, repo_types[i].word))
			return invalid_id(spec, "'%s' is a repository type, not a namespace "
			                  "(expected " EXPECTED_FORM ")", repo_types[i].word);
	}
	return check_repo_name_part(spec, owner, "namespace");
}

static int check_name(const char *spec, span name)
{
	int error;

	if ((error = check_repo_name_part(spec, name, "repository name")) < 0)
		return error;

	/* The Hub would serve the git remote of "x" there: the user most likely pasted a URL. */
	if (ends_with_dot_git(name))
		return invalid_id(spec, "a repository name cannot end with \".git\" (write '%.*s')",
		                  (int)(name.len - 4), name.ptr);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Revisions                                                                                 */

/* Bytes git refuses anywhere in a ref name; bytes >= 0x80 are fine, as in git. */
static bool is_forbidden_in_ref(unsigned char c)
{
	return c < 0x20 || c == 0x7f || c == ' ' || strchr("~^:?*[\\", c) != NULL;
}

/* The rules git applies to each '/'-separated component. */
static int check_ref_components(const char *spec, const char *revision)
{
	const char *component = revision;

	while (*component) {
		size_t len = strcspn(component, "/");

		if (component[0] == '.')
			return invalid_revision(spec, revision, "a ref name component cannot begin "
			                        "with '.' ('%.*s') " REF_RULES, (int)len, component);
		if (len >= 5 && memcmp(component + len - 5, ".lock", 5) == 0)
			return invalid_revision(spec, revision, "a ref name component cannot end with "
			                        "\".lock\" ('%.*s') " REF_RULES, (int)len, component);

		component += len;
		if (*component == '/')
			component++;
	}
	return 0;
}

/*
 * A commit hash (4 to 40 hex digits, either case) is itself a valid ref name, so it needs no
 * rule of its own here: whether "cafe" names a branch or a commit is for the resolver to
 * decide against the remote's refs, as git does.
 */
static int check_revision(const char *spec, const char *revision)
{
	size_t len = strlen(revision), i;
	char described[48];

	if (len == 0)
		return invalid_revision(spec, revision, "empty after '@' (expected "
		                        EXPECTED_REVISION ")");
	if (len > MAX_REVISION_LENGTH)
		return invalid_revision(spec, revision, "%zu characters long (at most %d allowed)",
		                        len, MAX_REVISION_LENGTH);

	for (i = 0; i < len; i++) {
		if (is_forbidden_in_ref((unsigned char)revision[i]))
			return invalid_revision(spec, revision, "%s is not allowed in a ref name "
			                        REF_RULES, describe_char(described, sizeof(described),
			                                                 revision + i, len - i));
	}

	/* "@" alone is git's shorthand for HEAD, not a name. */
	if (strcmp(revision, "@") == 0)
		return invalid_revision(spec, revision, "\"@\" alone is not a ref name (expected "
		                        EXPECTED_REVISION ")");
	if (strstr(revision, ".."))
		return invalid_revision(spec, revision, "\"..\" is not allowed in a ref name "
		                        REF_RULES);
	if (strstr(revision, "@{"))
		return invalid_revision(spec, revision, "\"@{\" is not allowed in a ref name "
		                        REF_RULES);
	if (revision[0] == '/')
		return invalid_revision(spec, revision, "a ref name cannot begin with '/' "
		                        REF_RULES);
	if (revision[len - 1] == '/')
		return invalid_revision(spec, revision, "a ref name cannot end with '/' "
		                        REF_RULES);
	if (strstr(revision, "//"))
		return invalid_revision(spec, revision, "\"//\" is not allowed in a ref name "
		                        REF_RULES);
	if (revision[len - 1] == '.')
		return invalid_revision(spec, revision, "a ref name cannot end with '.' "
		                        REF_RULES);

	return check_ref_components(spec, revision);
}

/* ---------------------------------------------------------------------------------------- */
/* Parsing                                                                                   */

/* Take a "datasets/", "spaces/" or "models/" off the front of `path`. */
static int split_repo_type(struct parsed_spec *p, const char *spec, span *path)
{
	size_t i;

	p->type = &default_repo_type;

	for (i = 0; i < sizeof(repo_types) / sizeof(repo_types[0]); i++) {
		const struct repo_type *t = &repo_types[i];
		size_t n = strlen(t->word);

		if (path->len < n || memcmp(path->ptr, t->word, n) != 0)
			continue;
		if (path->len == n)
			return invalid_id(spec, "'%s' is a repository type, not a repository "
			                  "(expected %s/namespace/name)", t->word, t->word);
		if (path->ptr[n] != '/')
			continue; /* "datasetsfoo" is an ordinary name */

		p->type = t;
		path->ptr += n + 1;
		path->len -= n + 1;
		if (path->len == 0)
			return invalid_id(spec, "nothing after '%s/' (expected %s/namespace/name)",
			                  t->word, t->word);
		return 0;
	}
	return 0;
}

/* Split "namespace/name" or a legacy "name". */
static int split_owner_and_name(struct parsed_spec *p, const char *spec, span path)
{
	const char *slash = memchr(path.ptr, '/', path.len);

	if (!slash) {
		p->owner.ptr = NULL;
		p->owner.len = 0;
		p->name = path;
		return 0;
	}

	p->owner.ptr = path.ptr;
	p->owner.len = (size_t)(slash - path.ptr);
	p->name.ptr = slash + 1;
	p->name.len = path.len - p->owner.len - 1;

	if (p->owner.len == 0)
		return invalid_id(spec, "empty namespace before '/' (expected " EXPECTED_FORM ")");
	if (p->name.len == 0)
		return invalid_id(spec, "empty repository name after '/' (expected "
		                  EXPECTED_FORM ")");
	if (p->name.ptr[0] == '/')
		return invalid_id(spec, "\"//\" is not allowed (expected one '/' between namespace "
		                  "and name)");
	if (memchr(p->name.ptr, '/', p->name.len))
		return invalid_id(spec, "too many '/' (expected " EXPECTED_FORM ")");
	return 0;
}

static int parse_spec(struct parsed_spec *p, const char *spec)
{
	const char *at = strchr(spec, '@');
	span path;
	int error;

	memset(p, 0, sizeof(*p));

	if (*spec == '\0')
		return invalid_id(spec, "empty (expected " EXPECTED_FORM ")");

	/* Names cannot contain '@', so the first one starts the revision. */
	path.ptr = spec;
	path.len = at ? (size_t)(at - spec) : strlen(spec);
	p->revision = at ? at + 1 : NULL;

	if (path.len == 0)
		return invalid_id(spec, "no repository before '@' (expected " EXPECTED_FORM ")");

	/* Pasted from a browser: say so rather than complain about the ':'. */
	if (span_contains(path, "://"))
		return invalid_id(spec, "a URL, not a model id (expected the path after the host, "
		                  "as " EXPECTED_FORM ")");

	if ((error = split_repo_type(p, spec, &path)) < 0 ||
	    (error = split_owner_and_name(p, spec, path)) < 0)
		return error;

	if ((p->owner.len && (error = check_owner(spec, p->owner)) < 0) ||
	    (error = check_name(spec, p->name)) < 0 ||
	    (p->revision && (error = check_revision(spec, p->revision)) < 0))
		return error;

	return 0;
}

static void append(char **cursor, const char *s, size_t len)
{
	memcpy(*cursor, s, len);
	*cursor += len;
}

/* Append `len` bytes and a NUL at *cursor; returns where the string started. */
static const char *append_string(char **cursor, const char *s, size_t len)
{
	char *start = *cursor;

	append(cursor, s, len);
	append(cursor, "", 1);
	return start;
}

static int model_id_new(hfgit_model_id **out, const struct parsed_spec *p)
{
	const char *prefix = p->type->url_prefix;
	size_t prefix_len = strlen(prefix);
	size_t revision_len = p->revision ? strlen(p->revision) : 0;
	size_t repo_len = prefix_len + (p->owner.len ? p->owner.len + 1 : 0) + p->name.len;
	/* Every part was held to its maximum length, so these sums cannot overflow. */
	size_t size = sizeof(hfgit_model_id) + repo_len + 1 + p->owner.len + 1 +
	              p->name.len + 1 + revision_len + 1;
	hfgit_model_id *id = malloc(size);
	char *cursor;

	if (!id)
		return hfgit_error__oom();

	cursor = id->strings;
	id->type = p->type->type;

	id->repo = cursor;
	append(&cursor, prefix, prefix_len);
	if (p->owner.len) {
		append(&cursor, p->owner.ptr, p->owner.len);
		append(&cursor, "/", 1);
	}
	append_string(&cursor, p->name.ptr, p->name.len);

	id->owner = p->owner.len ? append_string(&cursor, p->owner.ptr, p->owner.len) : NULL;
	id->name = append_string(&cursor, p->name.ptr, p->name.len);
	id->revision = p->revision ? append_string(&cursor, p->revision, revision_len) : NULL;

	*out = id;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Public API                                                                                */

int hfgit_model_id_parse(hfgit_model_id **out, const char *spec)
{
	struct parsed_spec parsed;
	int error;

	if (!out)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "hfgit_model_id_parse: no place for the result (out is NULL)");
	*out = NULL;

	if (!spec)
		return hfgit_error__set(HFGIT_EINVALID, "invalid model id: none given (expected "
		                        EXPECTED_FORM ")");

	if ((error = parse_spec(&parsed, spec)) < 0)
		return error;

	return model_id_new(out, &parsed);
}

void hfgit_model_id_free(hfgit_model_id *id)
{
	free(id);
}

hfgit_repo_type hfgit_model_id_type(const hfgit_model_id *id)
{
	return id ? id->type : HFGIT_REPO_MODEL;
}

const char *hfgit_model_id_namespace(const hfgit_model_id *id)
{
	return id ? id->owner : NULL;
}

const char *hfgit_model_id_name(const hfgit_model_id *id)
{
	return id ? id->name : NULL;
}

const char *hfgit_model_id_repo(const hfgit_model_id *id)
{
	return id ? id->repo : NULL;
}

const char *hfgit_model_id_revision(const hfgit_model_id *id)
{
	return id ? id->revision : NULL;
}
