/*
 * The lockfile's text, version 1:
 *
 *     # hfgit lockfile v1                              the first line, exactly
 *     # ...                                            comments (whole lines) and blank lines
 *
 *     model google-bert/bert-base-uncased@v2.0.1       the spec as written: starts an entry
 *     id google-bert/bert-base-uncased                 the repository after the hub's redirects
 *     revision v2.0.1                                  as asked; absent when the spec has none
 *     kind tag                                         branch, tag, ref or commit
 *     ref refs/tags/v2.0.1                             the full ref; absent for kind commit
 *     commit <40 hex>
 *     tree <40 hex>                                    the commit's tree
 *     files <N>                                        then exactly N lines, sorted by path:
 *     file <mode> <blob> <path>                        a git file: 100644, 100755 or 120000
 *     lfs <mode> <blob> <sha256> <size> <path>         Git LFS content: the pointer's blob, the
 *                                                      object's oid and size
 *
 * Fields come in this order, each once; entries follow each other (sorted by spec when
 * hfgit writes them). The path is the rest of the line; one that has a '"', a backslash, a
 * control character or a byte above 0x7f, or begins or ends with a space, is quoted as git
 * quotes paths (C-style escapes \a \b \t \n \v \f \r \" \\ and \ooo for other bytes), so any
 * path round-trips and the file stays line-based for diff. Parsing is strict: anything else
 * is an error naming its line, because a lock that is read loosely pins nothing.
 */
#define _GNU_SOURCE
#include "lock/lock.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lfs/pointer.h"

#define VERSION_PREFIX "# hfgit lockfile v"
#define VERSION 1

static const char header[] =
	"# hfgit lockfile v1\n"
	"#\n"
	"# Written by `hfgit lock`: `hfgit sync` brings back exactly these files, at these\n"
	"# commits, whatever the branches and tags say later; `hfgit lock --check` tells what moved.\n"
	"# One entry per model spec; each lists every file of the commit's tree (LFS content with\n"
	"# its sha256 and size). See the README of hfgit for the format.\n";

/* ---------------------------------------------------------------------------------------- */
/* Quoting                                                                                   */

static bool needs_quotes(const char *path)
{
	const unsigned char *p = (const unsigned char *)path;
	size_t len = strlen(path);

	if (len == 0 || p[0] == ' ' || p[len - 1] == ' ')
		return true;
	for (; *p; p++)
		if (*p == '"' || *p == '\\' || *p < 0x20 || *p >= 0x7f)
			return true;
	return false;
}

int hfgit_lock__quote_path(hfgit_strbuf *out, const char *path)
{
	static const char escapes[] = "\a\b\t\n\v\f\r";
	static const char letters[] = "abtnvfr";
	const unsigned char *p;
	int rc = 0;

	if (!needs_quotes(path))
		return hfgit_strbuf__puts(out, path);
	rc = hfgit_strbuf__puts(out, "\"");
	for (p = (const unsigned char *)path; rc == 0 && *p; p++) {
		const char *e = *p ? strchr(escapes, *p) : NULL;
		if (*p == '"' || *p == '\\')
			rc = hfgit_strbuf__printf(out, "\\%c", *p);
		else if (e)
			rc = hfgit_strbuf__printf(out, "\\%c", letters[e - escapes]);
		else if (*p < 0x20 || *p >= 0x7f)
			rc = hfgit_strbuf__printf(out, "\\%03o", *p);
		else
			rc = hfgit_strbuf__put(out, (const char *)p, 1);
	}
	return rc == 0 ? hfgit_strbuf__puts(out, "\"") : rc;
}

/* The path a field gives (quoted or not); NULL with `*why` set when it is malformed. */
static char *unquote_path(const char *field, const char **why)
{
	static const char letters[] = "abtnvfr\"\\";
	static const char values[] = "\a\b\t\n\v\f\r\"\\";
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	const char *p;

	*why = NULL;
	if (field[0] != '"')
		return hfgit__strdup(field);
	for (p = field + 1; *p && *p != '"'; p++) {
		char c = *p;
		if (c == '\\') {
			const char *l = p[1] ? strchr(letters, p[1]) : NULL;
			if (l) {
				c = values[l - letters];
				p++;
			} else if (p[1] >= '0' && p[1] <= '3' && p[2] >= '0' && p[2] <= '7' &&
			           p[3] >= '0' && p[3] <= '7') {
				c = (char)((p[1] - '0') * 64 + (p[2] - '0') * 8 + (p[3] - '0'));
				p += 3;
				if (c == '\0') {
					*why = "a quoted path holds \\000";
					break;
				}
			} else {
				*why = "a quoted path has an unknown escape";
				break;
			}
		}
		if (hfgit_strbuf__put(&b, &c, 1) < 0) {
			*why = "out of memory";
			break;
		}
	}
	if (!*why && *p != '"')
		*why = "a quoted path has no closing '\"'";
	else if (!*why && p[1] != '\0')
		*why = "text after a quoted path";
	if (*why) {
		hfgit_strbuf__dispose(&b);
		return NULL;
	}
	return b.ptr ? hfgit_strbuf__detach(&b) : hfgit__strdup("");
}

/* A path that stays inside the tree: relative, no empty, "." or ".." component, no ".git". */
static bool safe_path(const char *path)
{
	const char *p = path;

	if (*p == '\0' || *p == '/')
		return false;
	while (*p) {
		size_t n = strcspn(p, "/");
		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.') ||
		    (n == 4 && !strncasecmp(p, ".git", 4)))
			return false;
		p += n;
		if (*p == '/' && *++p == '\0')
			return false;
	}
	return true;
}

/* ---------------------------------------------------------------------------------------- */
/* Writing                                                                                   */

static int format_entry(hfgit_strbuf *b, const hfgit_lock_item *item)
{
	const hfgit_lock_entry *e = &item->pub;
	size_t j;
	int rc;

	rc = hfgit_strbuf__printf(b, "\nmodel %s\nid %s\n", e->spec, e->id);
	if (rc == 0 && e->revision)
		rc = hfgit_strbuf__printf(b, "revision %s\n", e->revision);
	if (rc == 0)
		rc = hfgit_strbuf__printf(b, "kind %s\n", hfgit_lock__kind_name(e->kind));
	if (rc == 0 && e->ref)
		rc = hfgit_strbuf__printf(b, "ref %s\n", e->ref);
	if (rc == 0)
		rc = hfgit_strbuf__printf(b, "commit %s\ntree %s\nfiles %zu\n", e->commit, e->tree,
		                          e->file_count);
	for (j = 0; rc == 0 && j < e->file_count; j++) {
		const hfgit_lock_file *f = &item->files[j];
		if (f->lfs)
			rc = hfgit_strbuf__printf(b, "lfs %06o %s %s %llu ", f->mode, f->blob, f->lfs_oid,
			                          f->size);
		else
			rc = hfgit_strbuf__printf(b, "file %06o %s ", f->mode, f->blob);
		if (rc == 0)
			rc = hfgit_lock__quote_path(b, f->path);
		if (rc == 0)
			rc = hfgit_strbuf__puts(b, "\n");
	}
	return rc;
}

int hfgit_lock_format(char **out, size_t *len, const hfgit_lock *lock)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;
	size_t i;
	int rc = hfgit_strbuf__puts(&b, header);

	*out = NULL;
	for (i = 0; rc == 0 && i < lock->count; i++)
		rc = format_entry(&b, &lock->items[i]);
	if (rc < 0) {
		hfgit_strbuf__dispose(&b);
		return rc;
	}
	*len = b.len;
	*out = hfgit_strbuf__detach(&b);
	return 0;
}

int hfgit_lock_write(const hfgit_lock *lock, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if ((rc = hfgit_lock_format(&text, &len, lock)) < 0)
		return rc;
	rc = hfgit_fs__write_atomic(path, text, len);
	free(text);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Reading                                                                                   */

typedef struct {
	const char *name;     /* for messages */
	const char *text;
	size_t len, pos;
	size_t lineno;
	char *line;           /* the current line, NUL-terminated, without its '\n' */
	hfgit_lock *lock;
} parser;

static int bad(parser *p, const char *fmt, ...) HFGIT_PRINTF(2, 3);
static int bad(parser *p, const char *fmt, ...)
{
	char what[600];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return hfgit_error__set(HFGIT_EINVALID, "%s:%zu: %s (the lockfile was edited or damaged: "
	                        "write it again with `hfgit lock`)", p->name, p->lineno, what);
}

/* The next line into p->line; 0 at the end of the text, 1 when there is one. */
static int next_line(parser *p)
{
	const char *start, *nl;
	size_t n;

	free(p->line);
	p->line = NULL;
	if (p->pos >= p->len)
		return 0;
	start = p->text + p->pos;
	nl = memchr(start, '\n', p->len - p->pos);
	n = nl ? (size_t)(nl - start) : p->len - p->pos;
	p->pos += n + (nl ? 1 : 0);
	p->lineno++;
	if (memchr(start, '\0', n))
		return bad(p, "the line holds a NUL byte");
	if (n && start[n - 1] == '\r')
		return bad(p, "the line ends with a carriage return (CRLF): the format is LF-only");
	if (!(p->line = malloc(n + 1)))
		return hfgit_error__oom();
	memcpy(p->line, start, n);
	p->line[n] = '\0';
	return 1;
}

/* The next line that is not blank or a comment. */
static int next_data_line(parser *p)
{
	int rc;

	while ((rc = next_line(p)) == 1)
		if (p->line[0] != '\0' && p->line[0] != '#')
			return 1;
	return rc;
}

static bool is_hex(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return false;
	return s[n] == '\0' || s[n] == ' ';
}

/* "key value": the value, when the line is that key; NULL otherwise. */
static const char *value_of(const char *line, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(line, key, n) && line[n] == ' ' && line[n + 1] != '\0' ? line + n + 1 : NULL;
}

/* The next data line must be `key value`: its value, or an error. */
static int expect(parser *p, const char **value, const char *key, const char *after)
{
	int rc = next_data_line(p);

	if (rc < 0)
		return rc;
	if (rc == 0)
		return bad(p, "the file ends where '%s' should follow '%s'", key, after);
	if (!(*value = value_of(p->line, key)))
		return bad(p, "expected '%s ...' after '%s', found '%.80s'", key, after, p->line);
	return 0;
}

static int parse_kind(hfgit_rev_kind *out, const char *s)
{
	static const hfgit_rev_kind kinds[] = { HFGIT_REV_BRANCH, HFGIT_REV_TAG, HFGIT_REV_REF,
		                                    HFGIT_REV_COMMIT };
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		if (!strcmp(s, hfgit_lock__kind_name(kinds[i]))) {
			*out = kinds[i];
			return 0;
		}
	}
	return -1;
}

/* A decimal without sign or leading zeros, at most `max`; `end` is where it stopped. */
static bool parse_u64(unsigned long long *out, const char *s, const char **end,
                      unsigned long long max)
{
	unsigned long long v = 0;
	const char *p = s;

	if (!isdigit((unsigned char)*p) || (p[0] == '0' && isdigit((unsigned char)p[1])))
		return false;
	for (; isdigit((unsigned char)*p); p++) {
		unsigned d = (unsigned)(*p - '0');
		if (v > (max - d) / 10)
			return false;
		v = v * 10 + d;
	}
	*out = v;
	*end = p;
	return true;
}

static int parse_mode(unsigned int *out, const char *s)
{
	if (!strncmp(s, "100644 ", 7))
		*out = 0100644;
	else if (!strncmp(s, "100755 ", 7))
		*out = 0100755;
	else if (!strncmp(s, "120000 ", 7))
		*out = 0120000;
	else
		return -1;
	return 0;
}

/* "file <mode> <blob> <path>" or "lfs <mode> <blob> <oid> <size> <path>". */
static int parse_file(parser *p, hfgit_lock_item *item, const hfgit_lock_file *prev,
                      unsigned long long nfiles)
{
	hfgit_lock_file f;
	const char *s = p->line, *why = NULL, *end;
	char *path;
	int rc;

	memset(&f, 0, sizeof(f));
	f.line = p->lineno;
	if (!strncmp(s, "lfs ", 4)) {
		f.lfs = 1;
		s += 4;
	} else if (!strncmp(s, "file ", 5)) {
		s += 5;
	} else {
		return bad(p, "expected a 'file' or 'lfs' line (%zu of %llu), found '%.80s'",
		           item->pub.file_count + 1, nfiles, p->line);
	}
	if (parse_mode(&f.mode, s) < 0)
		return bad(p, "the mode must be 100644, 100755 or 120000");
	s += 7;
	if (!is_hex(s, 40) || s[40] != ' ')
		return bad(p, "the blob id must be 40 lowercase hex digits");
	memcpy(f.blob, s, 40);
	s += 41;
	if (f.lfs) {
		if (f.mode == 0120000)
			return bad(p, "a symbolic link cannot be LFS content");
		if (!is_hex(s, 64) || s[64] != ' ' || !hfgit_lfs__oid_valid(s, 64))
			return bad(p, "the LFS oid must be 64 lowercase hex digits (a sha256)");
		memcpy(f.lfs_oid, s, 64);
		s += 65;
		if (!parse_u64(&f.size, s, &end, HFGIT_LFS_SIZE_MAX) || *end != ' ')
			return bad(p, "the LFS size must be a decimal number of bytes");
		s = end + 1;
	}
	if (*s == '\0')
		return bad(p, "the path is missing");
	if (!(path = unquote_path(s, &why)))
		return why ? bad(p, "%s", why) : HFGIT_ERROR;
	if (!safe_path(path)) {
		rc = bad(p, "the path '%.200s' leaves the tree or names .git", path);
		free(path);
		return rc;
	}
	if (prev && strcmp(prev->path, path) >= 0) {
		rc = bad(p, "'%.200s' is not after '%.200s': files are sorted by path, each once",
		         path, prev->path);
		free(path);
		return rc;
	}
	f.path = path;
	rc = hfgit_lock__item_add_file(item, &f);
	free(path);
	return rc;
}

/* One entry, from its "model" line (the current line) to its last file. */
static int parse_entry(parser *p)
{
	char *spec = NULL, *id = NULL, *revision = NULL, *ref = NULL, commit[41], tree[41];
	const char *v, *at, *last = "model";
	hfgit_model_id *parsed = NULL;
	hfgit_lock_item *item = NULL;
	hfgit_rev_kind kind;
	unsigned long long nfiles;
	size_t start = p->lineno, j;
	int rc;

	if (!(v = value_of(p->line, "model")))
		return bad(p, "expected 'model ID[@REV]' to start an entry, found '%.80s'", p->line);
	if (hfgit_model_id_parse(&parsed, v) < 0)
		return bad(p, "%s", hfgit_error_last());
	hfgit_model_id_free(parsed);
	parsed = NULL;
	if (!(spec = hfgit__strdup(v)))
		return HFGIT_ERROR;
	at = strchr(spec, '@');
	if ((rc = expect(p, &v, "id", last)) < 0)
		goto out;
	last = "id";
	if (hfgit_model_id_parse(&parsed, v) < 0 || hfgit_model_id_revision(parsed)) {
		rc = bad(p, "'%.80s' is not a model id without revision", v);
		goto out;
	}
	if (!(id = hfgit__strdup(v))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = next_data_line(p)) <= 0) {
		rc = rc < 0 ? rc : bad(p, "the file ends inside the entry of line %zu", start);
		goto out;
	}
	if ((v = value_of(p->line, "revision"))) {
		if (!at || strcmp(v, at + 1)) {
			rc = bad(p, "revision '%.80s' is not the one the spec '%s' asks for", v, spec);
			goto out;
		}
		if (!(revision = hfgit__strdup(v))) {
			rc = HFGIT_ERROR;
			goto out;
		}
		last = "revision";
		if ((rc = expect(p, &v, "kind", last)) < 0)
			goto out;
	} else if (at) {
		rc = bad(p, "expected 'revision %s' after 'id', found '%.80s'", at + 1, p->line);
		goto out;
	} else if (!(v = value_of(p->line, "kind"))) {
		rc = bad(p, "expected 'kind ...' after 'id', found '%.80s'", p->line);
		goto out;
	}
	if (parse_kind(&kind, v) < 0) {
		rc = bad(p, "kind must be branch, tag, ref or commit, not '%.40s'", v);
		goto out;
	}
	last = "kind";
	if (kind != HFGIT_REV_COMMIT) {
		if ((rc = expect(p, &v, "ref", last)) < 0)
			goto out;
		if (strncmp(v, "refs/", 5) || strchr(v, ' ') ||
		    (kind == HFGIT_REV_BRANCH && strncmp(v, "refs/heads/", 11)) ||
		    (kind == HFGIT_REV_TAG && strncmp(v, "refs/tags/", 10))) {
			rc = bad(p, "'%.80s' is not a full ref name of a %s", v, hfgit_lock__kind_name(kind));
			goto out;
		}
		if (!(ref = hfgit__strdup(v))) {
			rc = HFGIT_ERROR;
			goto out;
		}
		last = "ref";
	}
	if ((rc = expect(p, &v, "commit", last)) < 0)
		goto out;
	if (!is_hex(v, 40) || v[40]) {
		rc = bad(p, "the commit must be 40 lowercase hex digits");
		goto out;
	}
	memcpy(commit, v, 41);
	if ((rc = expect(p, &v, "tree", "commit")) < 0)
		goto out;
	if (!is_hex(v, 40) || v[40]) {
		rc = bad(p, "the tree must be 40 lowercase hex digits");
		goto out;
	}
	memcpy(tree, v, 41);
	if ((rc = expect(p, &v, "files", "tree")) < 0)
		goto out;
	{
		const char *end;
		if (!parse_u64(&nfiles, v, &end, 10000000) || *end) {
			rc = bad(p, "'files' must be followed by the number of files");
			goto out;
		}
	}
	if ((rc = hfgit_lock__add(&item, p->lock, spec, id, revision, kind, ref, commit, tree)) < 0)
		goto out;
	item->pub.line = start;
	for (j = 0; j < nfiles; j++) {
		if ((rc = next_line(p)) <= 0) {
			rc = rc < 0 ? rc : bad(p, "the file ends after %zu of the %llu files of the entry "
			                        "of line %zu", j, nfiles, start);
			goto out;
		}
		if ((rc = parse_file(p, item, j ? &item->files[j - 1] : NULL, nfiles)) < 0)
			goto out;
	}
	rc = 0;
out:
	hfgit_model_id_free(parsed);
	free(spec);
	free(id);
	free(revision);
	free(ref);
	return rc;
}

int hfgit_lock_parse(hfgit_lock **out, const char *text, size_t len, const char *name)
{
	parser p;
	size_t i, j;
	int rc;

	*out = NULL;
	memset(&p, 0, sizeof(p));
	p.name = name ? name : "lockfile";
	p.text = text;
	p.len = len;
	if ((rc = hfgit_lock__new(&p.lock)) < 0)
		return rc;
	if (!(p.lock->name = hfgit__strdup(p.name))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if ((rc = next_line(&p)) <= 0) {
		rc = rc < 0 ? rc : bad(&p, "empty: not an hfgit lockfile");
		goto out;
	}
	if (strncmp(p.line, VERSION_PREFIX, strlen(VERSION_PREFIX))) {
		rc = hfgit_error__set(HFGIT_EINVALID, "%s:1: not an hfgit lockfile: the first line "
		                      "must be '# hfgit lockfile v%d'", p.name, VERSION);
		goto out;
	}
	{
		const char *v = p.line + strlen(VERSION_PREFIX), *end;
		unsigned long long version;
		if (!parse_u64(&version, v, &end, 1000000) || *end) {
			rc = bad(&p, "the version line must be '# hfgit lockfile v<number>'");
			goto out;
		}
		if (version != VERSION) {
			rc = hfgit_error__set(HFGIT_EINVALID, "%s:1: lockfile version %llu is not supported: "
			                      "this hfgit reads version %d (a newer hfgit wrote it: upgrade)",
			                      p.name, version, VERSION);
			goto out;
		}
	}
	while ((rc = next_data_line(&p)) == 1)
		if ((rc = parse_entry(&p)) < 0)
			goto out;
	if (rc < 0)
		goto out;
	for (i = 0; i < p.lock->count; i++)
		for (j = 0; j < i; j++)
			if (!strcmp(p.lock->items[i].pub.spec, p.lock->items[j].pub.spec)) {
				rc = hfgit_error__set(HFGIT_EINVALID, "%s:%zu: '%s' has an entry already, at "
				                      "line %zu", p.name, p.lock->items[i].pub.line,
				                      p.lock->items[i].pub.spec, p.lock->items[j].pub.line);
				goto out;
			}
	rc = hfgit_lock__seal(p.lock);
out:
	free(p.line);
	if (rc < 0) {
		hfgit_lock_free(p.lock);
		return rc;
	}
	*out = p.lock;
	return 0;
}

int hfgit_lock_read(hfgit_lock **out, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	*out = NULL;
	if (hfgit_fs__read_file(&text, &len, path) < 0)
		return hfgit_error__set(hfgit_fs__exists(path) ? HFGIT_EIO : HFGIT_ENOTFOUND,
		                        "cannot read the lockfile '%s': %s (write one with `hfgit lock "
		                        "ID[@REV]...`)", path, hfgit_error_last());
	rc = hfgit_lock_parse(out, text, len, path);
	free(text);
	return rc;
}
