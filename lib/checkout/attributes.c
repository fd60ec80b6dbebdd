#define _GNU_SOURCE
#include "checkout/attributes.h"

#include <fnmatch.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "core/git_error.h"

#define BLANKS " \t\r\n"
#define MAX_LINE 2048                 /* git ignores longer lines */
#define MAX_FILE_SIZE (100u << 20)    /* and larger files */
#define MACRO_PREFIX "[attr]"

enum {
	PATTERN_NODIR = 1,     /* no slash: matches the base name at any depth */
	PATTERN_ENDSWITH = 2   /* "*literal" */
};

typedef struct {
	unsigned attr;         /* index into hfgit_attrs.names */
	hfgit_attr_state state;
	char *value;           /* for HFGIT_ATTR_VALUE */
} assignment;

typedef struct {
	char *pattern;         /* NULL: the line defines the macro `macro` */
	size_t len, nowild;    /* length, and of its leading part without wildcards */
	unsigned flags;
	unsigned macro;
	assignment *set;
	size_t nset;
} rule;

typedef struct {
	char *dir;             /* "" or "a/b/" */
	size_t dirlen;
	rule *rules;
	size_t count, cap;
} attr_file;

typedef struct {
	char *name;
	const rule *macro;     /* the definition in force, when the name is a macro */
	/* the state of this name in the lookup numbered `generation` */
	unsigned generation;
	hfgit_attr_state state;
	const char *value;
} attr_name;

struct hfgit_attrs {
	attr_file *tree;       /* sorted by dir before the first lookup */
	size_t ntree, captree;
	attr_file info, global, builtin;
	attr_name *names;
	size_t nnames, capnames;
	bool ready;            /* tree sorted and macros resolved since the last add */
	unsigned generation;
};

/* ---------------------------------------------------------------------------------------- */
/* Parsing                                                                                   */

static int intern(hfgit_attrs *a, const char *name, size_t len, unsigned *out)
{
	size_t i;

	for (i = 0; i < a->nnames; i++) {
		if (strlen(a->names[i].name) == len && !memcmp(a->names[i].name, name, len)) {
			*out = (unsigned)i;
			return 0;
		}
	}
	if (a->nnames == a->capnames) {
		size_t cap = a->capnames ? a->capnames * 2 : 16;
		attr_name *grown = realloc(a->names, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		a->names = grown;
		a->capnames = cap;
	}
	memset(&a->names[a->nnames], 0, sizeof(*a->names));
	if (!(a->names[a->nnames].name = strndup(name, len)))
		return hfgit_error__oom();
	*out = (unsigned)a->nnames++;
	return 0;
}

/* git's attr_name_valid, and the names it reserves for itself. */
static bool name_valid(const char *name, size_t len)
{
	size_t i;

	if (!len || name[0] == '-' || (len >= 8 && !strncmp(name, "builtin_", 8)))
		return false;
	for (i = 0; i < len; i++) {
		char c = name[i];
		if (!(c == '-' || c == '.' || c == '_' || (c >= '0' && c <= '9') ||
		      (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')))
			return false;
	}
	return true;
}

/*
 * A C-quoted pattern ("a b\t\"c\""), as git's unquote_c_style reads it: false when `s`
 * is not well formed (git then takes the line as unquoted). *end is set past the quote.
 */
static bool unquote(hfgit_strbuf *out, const char *s, const char *limit, const char **end)
{
	static const char escapes[] = "a\ab\bf\fn\nr\rt\tv\v\\\\\"\"";
	const char *p = s + 1;

	while (p < limit && *p != '"') {
		const char *e;
		char c = *p++;
		if (c != '\\') {
			if (hfgit_strbuf__put(out, &c, 1) < 0)
				return false;
			continue;
		}
		if (p >= limit)
			return false;
		c = *p++;
		if (c >= '0' && c <= '3' && p + 1 < limit && p[0] >= '0' && p[0] <= '7' &&
		    p[1] >= '0' && p[1] <= '7') {
			c = (char)(((c - '0') << 6) | ((p[0] - '0') << 3) | (p[1] - '0'));
			p += 2;
		} else if (c && (e = strchr(escapes, c)) != NULL && (e - escapes) % 2 == 0) {
			c = e[1];
		} else {
			return false;
		}
		if (hfgit_strbuf__put(out, &c, 1) < 0)
			return false;
	}
	if (p >= limit)
		return false;
	*end = p + 1;
	return true;
}

static size_t span_not_blank(const char *p, const char *end)
{
	const char *q = p;
	while (q < end && !strchr(BLANKS, *q))
		q++;
	return (size_t)(q - p);
}

static const char *skip_blanks(const char *p, const char *end)
{
	while (p < end && strchr(BLANKS, *p))
		p++;
	return p;
}

static size_t simple_length(const char *p, size_t len)
{
	size_t i = 0;
	while (i < len && !strchr("*?[\\", p[i]))
		i++;
	return i;
}

static void rule_dispose(rule *r)
{
	size_t i;
	for (i = 0; i < r->nset; i++)
		free(r->set[i].value);
	free(r->set);
	free(r->pattern);
}

/* The attribute part of a line: false when git would reject the whole line. */
static int parse_assignments(hfgit_attrs *a, rule *r, const char *p, const char *end, bool *ok)
{
	*ok = true;
	for (p = skip_blanks(p, end); p < end; p = skip_blanks(p, end)) {
		size_t tok = span_not_blank(p, end), len;
		const char *eq = memchr(p, '=', tok);
		hfgit_attr_state state = HFGIT_ATTR_SET;
		const char *name = p;
		assignment *as;
		unsigned id;

		len = eq ? (size_t)(eq - p) : tok;
		if (*name == '-' || *name == '!') {
			state = *name == '-' ? HFGIT_ATTR_UNSET : HFGIT_ATTR_UNSPECIFIED;
			name++;
			len--;
		} else if (eq) {
			state = HFGIT_ATTR_VALUE;
		}
		if (!name_valid(name, len)) {
			*ok = false;
			return 0;
		}
		if (!(as = realloc(r->set, (r->nset + 1) * sizeof(*as))))
			return hfgit_error__oom();
		r->set = as;
		as = &r->set[r->nset];
		memset(as, 0, sizeof(*as));
		if (intern(a, name, len, &id) < 0)
			return HFGIT_ERROR;
		as->attr = id;
		as->state = state;
		if (state == HFGIT_ATTR_VALUE &&
		    !(as->value = strndup(eq + 1, (size_t)(p + tok - eq - 1))))
			return hfgit_error__oom();
		r->nset++;
		p += tok;
	}
	return 0;
}

static int add_rule(attr_file *f, rule *r)
{
	if (f->count == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 16;
		rule *grown = realloc(f->rules, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		f->rules = grown;
		f->cap = cap;
	}
	f->rules[f->count++] = *r;
	return 0;
}

/* One line, as git's parse_attr_line reads it; lines git ignores are dropped. */
static int parse_line(hfgit_attrs *a, attr_file *f, bool macros_ok, const char *line, size_t len)
{
	hfgit_strbuf quoted = HFGIT_STRBUF_INIT;
	const char *end = line + len, *p, *name, *states;
	size_t namelen;
	rule r;
	bool ok, macro;
	int rc = 0;

	memset(&r, 0, sizeof(r));
	if (len >= MAX_LINE)
		return 0;
	p = skip_blanks(line, end);
	if (p == end || *p == '#')
		return 0;
	if (*p == '"' && unquote(&quoted, p, end, &states)) {
		name = quoted.ptr ? quoted.ptr : "";
		namelen = quoted.len;
	} else {
		name = p;
		namelen = span_not_blank(p, end);
		states = p + namelen;
	}
	macro = namelen > strlen(MACRO_PREFIX) && !strncmp(name, MACRO_PREFIX, strlen(MACRO_PREFIX));
	if (macro) {
		name += strlen(MACRO_PREFIX);
		namelen -= strlen(MACRO_PREFIX);
		if (!macros_ok || !name_valid(name, namelen))
			goto out;
	}
	if ((rc = parse_assignments(a, &r, states, end, &ok)) < 0 || !ok)
		goto out;
	if (macro) {
		if ((rc = intern(a, name, namelen, &r.macro)) < 0)
			goto out;
	} else {
		/* Negative patterns are ignored in attributes; a pattern for directories only
		 * (trailing slash) never matches a file. */
		if (!namelen || name[0] == '!' || name[namelen - 1] == '/')
			goto out;
		if (!memchr(name, '/', namelen))
			r.flags |= PATTERN_NODIR;
		if (name[0] == '/') {
			name++;
			namelen--;
		}
		if (!(r.pattern = strndup(name, namelen))) {
			rc = hfgit_error__oom();
			goto out;
		}
		r.len = namelen;
		r.nowild = simple_length(r.pattern, r.len);
		if (r.pattern[0] == '*' && simple_length(r.pattern + 1, r.len - 1) == r.len - 1)
			r.flags |= PATTERN_ENDSWITH;
	}
	if ((rc = add_rule(f, &r)) == 0) {
		hfgit_strbuf__dispose(&quoted);
		return 0;
	}
out:
	rule_dispose(&r);
	hfgit_strbuf__dispose(&quoted);
	return rc;
}

static int parse_file(hfgit_attrs *a, attr_file *f, bool macros_ok, const char *text, size_t len)
{
	const char *p = text, *end;
	int rc = 0;

	/* As git: the text ends at a NUL, and a UTF-8 byte order mark is skipped. */
	end = memchr(text, '\0', len);
	end = end ? end : text + len;
	if (end - p >= 3 && !memcmp(p, "\xef\xbb\xbf", 3))
		p += 3;
	while (p < end && rc == 0) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *stop = nl ? nl : end;
		rc = parse_line(a, f, macros_ok, p, (size_t)(stop - p));
		p = nl ? nl + 1 : end;
	}
	a->ready = false;
	return rc;
}

int hfgit_attrs__new(hfgit_attrs **out)
{
	static const char binary[] = "[attr]binary -diff -merge -text";
	hfgit_attrs *a = calloc(1, sizeof(*a));

	*out = NULL;
	if (!a)
		return hfgit_error__oom();
	if (parse_file(a, &a->builtin, true, binary, strlen(binary)) < 0) {
		hfgit_attrs__free(a);
		return HFGIT_ERROR;
	}
	*out = a;
	return 0;
}

int hfgit_attrs__add(hfgit_attrs *a, hfgit_attrs_origin origin, const char *dir,
                     const char *text, size_t len)
{
	attr_file *f;

	if (origin == HFGIT_ATTRS_INFO)
		return parse_file(a, &a->info, true, text, len);
	if (origin == HFGIT_ATTRS_GLOBAL)
		return parse_file(a, &a->global, true, text, len);
	if (a->ntree == a->captree) {
		size_t cap = a->captree ? a->captree * 2 : 8;
		attr_file *grown = realloc(a->tree, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		a->tree = grown;
		a->captree = cap;
	}
	f = &a->tree[a->ntree];
	memset(f, 0, sizeof(*f));
	if (!(f->dir = hfgit__strdup(dir)))
		return HFGIT_ERROR;
	f->dirlen = strlen(dir);
	a->ntree++;
	/* [attr] lines count only at the top of the tree. */
	return parse_file(a, f, f->dirlen == 0, text, len);
}

/* ---------------------------------------------------------------------------------------- */
/* Matching                                                                                  */

static bool fnmatch_counted(const char *pattern, size_t plen, const char *s, size_t len, int flags)
{
	char small[512], *buf = small;
	bool matched;

	if (plen + len + 2 > sizeof(small) && !(buf = malloc(plen + len + 2)))
		return false;
	memcpy(buf, pattern, plen);
	buf[plen] = '\0';
	memcpy(buf + plen + 1, s, len);
	buf[plen + 1 + len] = '\0';
	matched = fnmatch(buf, buf + plen + 1, flags) == 0;
	if (buf != small)
		free(buf);
	return matched;
}

/*
 * The first run of asterisks in `p` that is a whole path component ("**" at the start, or
 * after a slash, and followed by a slash or the end): git's wildmatch lets those match any
 * number of directories; every other `*` stops at a slash, as fnmatch's FNM_PATHNAME does.
 */
static const char *component_stars(const char *p, size_t len, size_t *run)
{
	size_t i = 0;

	while (i < len) {
		if (p[i] == '\\') {
			i += 2;
		} else if (p[i] == '[') {
			size_t j = i + 1;
			if (j < len && (p[j] == '!' || p[j] == '^'))
				j++;
			if (j < len && p[j] == ']')
				j++;
			while (j < len && p[j] != ']')
				j++;
			i = j < len ? j + 1 : i + 1; /* an unclosed '[' is a plain character */
		} else if (p[i] == '*') {
			size_t j = i;
			while (j < len && p[j] == '*')
				j++;
			if (j - i >= 2 && (i == 0 || p[i - 1] == '/') && (j == len || p[j] == '/')) {
				*run = j - i;
				return p + i;
			}
			i = j;
		} else {
			i++;
		}
	}
	return NULL;
}

/* git's wildmatch with WM_PATHNAME, built on fnmatch for everything but component `**`. */
static bool match_path(const char *p, size_t plen, const char *t, size_t tlen)
{
	const char *stars;
	size_t run, head, i;

	if (!(stars = component_stars(p, plen, &run)))
		return fnmatch_counted(p, plen, t, tlen, FNM_PATHNAME);
	head = (size_t)(stars - p); /* "" or "dir/.../" */
	if (head) {
		/* Its slashes are matched one for one, so they say where it ends in the text. */
		size_t slashes = 0, k;
		for (i = 0; i < head; i++)
			slashes += p[i] == '/';
		for (k = 0; k < tlen; k++)
			if (t[k] == '/' && --slashes == 0)
				break;
		if (k == tlen || !fnmatch_counted(p, head - 1, t, k, FNM_PATHNAME))
			return false;
		t += k + 1;
		tlen -= k + 1;
	}
	p = stars + run;
	plen -= head + run;
	if (!plen)
		return true; /* a trailing "**" matches everything inside */
	p++;             /* past the slash: "**" then matches no directory, or any number */
	plen--;
	if (match_path(p, plen, t, tlen))
		return true;
	for (i = 0; i < tlen; i++)
		if (t[i] == '/' && match_path(p, plen, t + i + 1, tlen - i - 1))
			return true;
	return false;
}

/* `rel` is the path relative to the rule's directory, `base` its last component. */
static bool rule_matches(const rule *r, const char *rel, size_t rellen, const char *base,
                         size_t baselen)
{
	if (r->flags & PATTERN_NODIR) {
		if (r->nowild == r->len)
			return r->len == baselen && !memcmp(r->pattern, base, baselen);
		if (r->flags & PATTERN_ENDSWITH)
			return r->len - 1 <= baselen &&
			       !memcmp(r->pattern + 1, base + baselen - (r->len - 1), r->len - 1);
		return fnmatch_counted(r->pattern, r->len, base, baselen, 0);
	}
	if (r->nowild > rellen || memcmp(r->pattern, rel, r->nowild))
		return false;
	if (r->nowild == r->len)
		return rellen == r->len;
	return match_path(r->pattern, r->len, rel, rellen);
}

/* Give every still undecided name of `set` its state, last first; a macro that becomes set
 * expands in place (git's fill_one and macroexpand_one). */
static void fill_one(hfgit_attrs *a, const assignment *set, size_t n)
{
	while (n-- > 0) {
		attr_name *name = &a->names[set[n].attr];
		if (name->generation == a->generation)
			continue;
		name->generation = a->generation;
		name->state = set[n].state;
		name->value = set[n].value;
		if (name->state == HFGIT_ATTR_SET && name->macro)
			fill_one(a, name->macro->set, name->macro->nset);
	}
}

/* The rules of `f` for the file at `path`, the last first; true once `target` is decided. */
static bool fill_file(hfgit_attrs *a, const attr_file *f, const char *path, size_t pathlen,
                      const char *base, size_t baselen, unsigned target)
{
	const char *rel = path + f->dirlen;
	size_t rellen = pathlen - f->dirlen, i;

	for (i = f->count; i-- > 0;) {
		const rule *r = &f->rules[i];
		if (r->pattern && rule_matches(r, rel, rellen, base, baselen)) {
			fill_one(a, r->set, r->nset);
			if (a->names[target].generation == a->generation)
				return true;
		}
	}
	return false;
}

static int compare_dirs(const char *a, size_t alen, const char *b, size_t blen)
{
	int c = memcmp(a, b, alen < blen ? alen : blen);
	return c ? c : alen < blen ? -1 : alen > blen;
}

static int compare_files(const void *x, const void *y)
{
	const attr_file *a = x, *b = y;
	return compare_dirs(a->dir, a->dirlen, b->dir, b->dirlen);
}

static const attr_file *tree_file(const hfgit_attrs *a, const char *dir, size_t len)
{
	size_t lo = 0, hi = a->ntree;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = compare_dirs(a->tree[mid].dir, a->tree[mid].dirlen, dir, len);
		if (!c)
			return &a->tree[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Which definition of each macro is in force: the highest source, and in it the last line. */
static void resolve_macros(hfgit_attrs *a)
{
	const attr_file *top = tree_file(a, "", 0);
	const attr_file *order[] = { &a->builtin, &a->global, top, &a->info };
	size_t k, i;

	for (i = 0; i < a->nnames; i++)
		a->names[i].macro = NULL;
	for (k = 0; k < sizeof(order) / sizeof(*order); k++)
		for (i = 0; order[k] && i < order[k]->count; i++)
			if (!order[k]->rules[i].pattern)
				a->names[order[k]->rules[i].macro].macro = &order[k]->rules[i];
}

hfgit_attr_state hfgit_attrs__get(hfgit_attrs *a, const char *path, const char *name,
                                  const char **value)
{
	size_t pathlen = strlen(path), baselen, i;
	const char *base = strrchr(path, '/');
	unsigned target;
	bool done;

	*value = NULL;
	for (target = 0; target < a->nnames && strcmp(a->names[target].name, name); target++)
		;
	if (target == a->nnames)
		return HFGIT_ATTR_UNSPECIFIED; /* no line names it */
	if (!a->ready) {
		if (a->ntree)
			qsort(a->tree, a->ntree, sizeof(*a->tree), compare_files);
		resolve_macros(a);
		a->ready = true;
	}
	if (++a->generation == 0) { /* wrapped: forget every old lookup */
		for (i = 0; i < a->nnames; i++)
			a->names[i].generation = 0;
		a->generation = 1;
	}
	base = base ? base + 1 : path;
	baselen = pathlen - (size_t)(base - path);
	done = fill_file(a, &a->info, path, pathlen, base, baselen, target);
	/* The path's own directory first, then each parent up to the top. */
	for (i = (size_t)(base - path); !done; i--) {
		const attr_file *f;
		if (i > 0 && path[i - 1] != '/')
			continue;
		if ((f = tree_file(a, path, i)) != NULL)
			done = fill_file(a, f, path, pathlen, base, baselen, target);
		if (i == 0)
			break;
	}
	if (!done)
		done = fill_file(a, &a->global, path, pathlen, base, baselen, target);
	if (!done)
		return HFGIT_ATTR_UNSPECIFIED;
	*value = a->names[target].value;
	return a->names[target].state;
}

/* ---------------------------------------------------------------------------------------- */
/* Loading                                                                                   */

static void file_dispose(attr_file *f)
{
	size_t i;
	for (i = 0; i < f->count; i++)
		rule_dispose(&f->rules[i]);
	free(f->rules);
	free(f->dir);
}

void hfgit_attrs__free(hfgit_attrs *a)
{
	size_t i;

	if (!a)
		return;
	for (i = 0; i < a->ntree; i++)
		file_dispose(&a->tree[i]);
	free(a->tree);
	file_dispose(&a->info);
	file_dispose(&a->global);
	file_dispose(&a->builtin);
	for (i = 0; i < a->nnames; i++)
		free(a->names[i].name);
	free(a->names);
	free(a);
}

typedef struct {
	hfgit_attrs *attrs;
	git_repository *repo;
	int rc;
} loader;

static int on_entry(loader *l, const char *root, const git_tree_entry *entry)
{
	git_blob *blob = NULL;

	if (git_tree_entry_filemode(entry) == GIT_FILEMODE_LINK ||
	    strcmp(git_tree_entry_name(entry), ".gitattributes"))
		return 0;
	if (git_blob_lookup(&blob, l->repo, git_tree_entry_id(entry)) < 0) {
		l->rc = hfgit_error__set(HFGIT_ERROR, "cannot read '%s.gitattributes': %s", root,
		                         hfgit_git__message());
		return -1;
	}
	if (git_blob_rawsize(blob) <= MAX_FILE_SIZE)
		l->rc = hfgit_attrs__add(l->attrs, HFGIT_ATTRS_TREE, root, git_blob_rawcontent(blob),
		                         (size_t)git_blob_rawsize(blob));
	git_blob_free(blob);
	return l->rc < 0 ? -1 : 0;
}

/*
 * The .gitattributes files of `tree` (at `root`, "" or ending in '/') in the order a
 * pre-order git_tree_walk meets them, entering only the trees: the walk would build the path
 * of every file and call back for each, and a folder of 100,000 files is most of a warm
 * clone's planning.
 */
static int load_tree(loader *l, git_tree *tree, hfgit_strbuf *root)
{
	size_t i, count = git_tree_entrycount(tree);

	for (i = 0; i < count; i++) {
		const git_tree_entry *entry = git_tree_entry_byindex(tree, i);
		size_t len = root->len;
		git_tree *sub = NULL;
		int rc;

		if (git_tree_entry_type(entry) == GIT_OBJECT_BLOB) {
			if (on_entry(l, hfgit_strbuf__cstr(root), entry) < 0)
				return -1;
			continue;
		}
		if (git_tree_entry_type(entry) != GIT_OBJECT_TREE)
			continue;
		if (git_tree_lookup(&sub, l->repo, git_tree_entry_id(entry)) < 0 ||
		    hfgit_strbuf__puts(root, git_tree_entry_name(entry)) < 0 ||
		    hfgit_strbuf__put(root, "/", 1) < 0) {
			git_tree_free(sub);
			l->rc = hfgit_error__set(HFGIT_ERROR, "cannot read the attributes of the tree: %s",
			                         sub ? hfgit_error_last() : hfgit_git__message());
			return -1;
		}
		rc = load_tree(l, sub, root);
		git_tree_free(sub);
		root->len = len;
		root->ptr[len] = '\0';
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A file outside the tree; a missing one is no error. */
static int add_file(hfgit_attrs *a, hfgit_attrs_origin origin, const char *path)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (!path || !hfgit_fs__exists(path))
		return 0;
	/* As git, which warns and goes on: an unreadable one counts as empty. */
	if (hfgit_fs__read_file(&text, &len, path) < 0) {
		hfgit__trace("attributes: %s", hfgit_error_last());
		hfgit_error__clear();
		return 0;
	}
	rc = len <= MAX_FILE_SIZE ? hfgit_attrs__add(a, origin, "", text, len) : 0;
	free(text);
	return rc;
}

static char *global_file(git_repository *repo)
{
	git_config *cfg = NULL;
	git_buf buf = GIT_BUF_INIT;
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *path = NULL;

	if (git_repository_config_snapshot(&cfg, repo) == 0 &&
	    git_config_get_path(&buf, cfg, "core.attributesfile") == 0)
		path = hfgit__strdup(buf.ptr);
	else if (xdg && *xdg)
		path = hfgit__aprintf("%s/git/attributes", xdg);
	else if (home && *home)
		path = hfgit__aprintf("%s/.config/git/attributes", home);
	git_buf_dispose(&buf);
	git_config_free(cfg);
	return path;
}

int hfgit_attrs__from_tree(hfgit_attrs **out, git_repository *repo, git_tree *tree)
{
	loader l = { NULL, repo, 0 };
	hfgit_strbuf root = HFGIT_STRBUF_INIT;
	char *info = NULL, *global = NULL;
	int rc;

	*out = NULL;
	if ((rc = hfgit_attrs__new(&l.attrs)) < 0)
		return rc;
	rc = load_tree(&l, tree, &root);
	hfgit_strbuf__dispose(&root);
	if (rc < 0) {
		rc = l.rc;
		goto out;
	}
	if (!(info = hfgit__aprintf("%sinfo/attributes", git_repository_path(repo)))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	global = global_file(repo);
	if ((rc = add_file(l.attrs, HFGIT_ATTRS_INFO, info)) < 0 ||
	    (rc = add_file(l.attrs, HFGIT_ATTRS_GLOBAL, global)) < 0)
		goto out;
	*out = l.attrs;
	l.attrs = NULL;
out:
	hfgit_attrs__free(l.attrs);
	free(info);
	free(global);
	return rc;
}
