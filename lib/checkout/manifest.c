/* The LFS manifest of a tree (see manifest.h). */
#define _GNU_SOURCE
#include "checkout/manifest.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"

#define HEADER "hfgit lfs manifest 1 "
#define TRAILER "xxh3 "
#define TRAILER_LEN (sizeof(TRAILER) - 1 + 16 + 1)

struct hfgit_manifest {
	char *path;
	char tree[GIT_OID_HEXSZ + 1];
	char *text;             /* the manifest read, when intact */
	size_t *lines;          /* offsets of its entry lines; lines[count] is the trailer's */
	size_t count;
	size_t pos;             /* entries of the walk so far */
	bool diverged;          /* the walk left the manifest read: a new one is being built */
	bool unwritable;        /* a path a line cannot hold, or no memory: write nothing */
	hfgit_strbuf out;       /* the new manifest, once diverged */
	bool pending;           /* a missed entry waits for hfgit_manifest__note_pointer */
	git_filemode_t pending_mode;
	git_oid pending_blob;
	hfgit_strbuf pending_path;
};

/* The text is used only when its header names the tree and its trailer is its digest. */
static bool intact(const char *text, size_t len, const char *tree)
{
	size_t head = sizeof(HEADER) - 1;
	char expect[TRAILER_LEN + 1];

	if (len < head + GIT_OID_HEXSZ + 1 + TRAILER_LEN || memcmp(text, HEADER, head) ||
	    memcmp(text + head, tree, GIT_OID_HEXSZ) || text[head + GIT_OID_HEXSZ] != '\n')
		return false;
	snprintf(expect, sizeof(expect), TRAILER "%016" PRIx64 "\n",
	         (uint64_t)XXH3_64bits(text, len - TRAILER_LEN));
	return !memcmp(text + len - TRAILER_LEN, expect, TRAILER_LEN);
}

static int index_lines(hfgit_manifest *m, size_t len)
{
	size_t off = sizeof(HEADER) - 1 + GIT_OID_HEXSZ + 1, end = len - TRAILER_LEN, n = 0, cap = 0;

	while (off < end) {
		const char *nl = memchr(m->text + off, '\n', end - off);
		if (!nl)
			return -1;
		if (n + 1 >= cap) {
			size_t grown_cap = cap ? cap * 2 : 1024;
			size_t *grown = realloc(m->lines, grown_cap * sizeof(*grown));
			if (!grown)
				return hfgit_error__oom();
			m->lines = grown;
			cap = grown_cap;
		}
		m->lines[n++] = off;
		off = (size_t)(nl - m->text) + 1;
	}
	if (!m->lines && !(m->lines = malloc(sizeof(*m->lines))))
		return hfgit_error__oom();
	m->lines[n] = end;
	m->count = n;
	return 0;
}

int hfgit_manifest__open(hfgit_manifest **out, const char *path, const git_oid *tree)
{
	hfgit_manifest *m = calloc(1, sizeof(*m));
	size_t len = 0;

	*out = NULL;
	if (!m || !(m->path = hfgit__strdup(path))) {
		free(m);
		return hfgit_error__oom();
	}
	git_oid_tostr(m->tree, sizeof(m->tree), tree);
	if (hfgit_fs__read_file(&m->text, &len, path) == 0 && intact(m->text, len, m->tree)) {
		if (index_lines(m, len) == 0) {
			*out = m;
			return 0;
		}
		hfgit__trace("lfs manifest: %s: a line without its end; not used", path);
	} else if (m->text) {
		hfgit__trace("lfs manifest: %s is not intact; not used", path);
	}
	hfgit_error__clear();
	free(m->text);
	free(m->lines);
	m->text = NULL;
	m->lines = NULL;
	m->count = 0;
	*out = m;
	return 0;
}

/* The number of up to `max` digits of `base` at *p (none: false), *p moved past them. */
static bool read_number(const char **p, const char *end, unsigned base, size_t max,
                        unsigned long long *out)
{
	const char *q = *p;
	unsigned long long v = 0;

	while (q < end && (size_t)(q - *p) < max && *q >= '0' && *q < (char)('0' + base))
		v = v * base + (unsigned)(*q++ - '0');
	if (q == *p)
		return false;
	*out = v;
	*p = q;
	return true;
}

/*
 * Line `i` of the manifest read, when it describes exactly this entry. Compared as text (the
 * blob id formatted once, numbers read digit by digit): a warm clone of many files spends
 * its planning here.
 */
static bool line_matches(const hfgit_manifest *m, size_t i, const char *path,
                         const git_oid *blob, git_filemode_t mode, bool *is_pointer,
                         hfgit_lfs_pointer *pointer)
{
	const char *p = m->text + m->lines[i], *end = m->text + m->lines[i + 1] - 1, *sp;
	unsigned long long number;
	char hex[GIT_OID_HEXSZ];
	size_t plen = strlen(path);

	if (!read_number(&p, end, 8, 7, &number) || number != (unsigned long long)mode ||
	    p == end || *p++ != ' ')
		return false;
	git_oid_fmt(hex, blob);
	if (end - p < GIT_OID_HEXSZ + 1 || memcmp(p, hex, GIT_OID_HEXSZ) || p[GIT_OID_HEXSZ] != ' ')
		return false;
	p += GIT_OID_HEXSZ + 1;
	if (!(sp = memchr(p, ' ', (size_t)(end - p))))
		return false;
	if (sp - p == 1 && *p == '-') {
		*is_pointer = false;
		if (sp[1] != '-' || sp[2] != ' ')
			return false;
		p = sp + 3;
	} else {
		if (sp - p != HFGIT_LFS_OID_HEXSZ || !hfgit_lfs__oid_valid(p, HFGIT_LFS_OID_HEXSZ))
			return false;
		/* not the whole pointer: its room for extension text is a kilobyte per blob */
		memcpy(pointer->oid, p, HFGIT_LFS_OID_HEXSZ);
		pointer->oid[HFGIT_LFS_OID_HEXSZ] = '\0';
		pointer->ext[0] = '\0';
		p = sp + 1;
		/* 19 digits cannot overflow (a larger size misses, and the blob is read) */
		if (!read_number(&p, end, 10, 19, &number) || p == end || *p++ != ' ')
			return false;
		pointer->size = number;
		*is_pointer = true;
	}
	return (size_t)(end - p) == plen && !memcmp(p, path, plen);
}

/* The walk leaves the manifest read: the new one starts with the lines that still held. */
static void diverge(hfgit_manifest *m)
{
	m->diverged = true;
	if (hfgit_strbuf__printf(&m->out, HEADER "%s\n", m->tree) < 0 ||
	    (m->pos && hfgit_strbuf__put(&m->out, m->text + m->lines[0],
	                                 m->lines[m->pos] - m->lines[0]) < 0))
		m->unwritable = true;
}

static void put_line(hfgit_manifest *m, git_filemode_t mode, const git_oid *blob,
                     const hfgit_lfs_pointer *pointer, const char *path, size_t plen)
{
	char hex[GIT_OID_HEXSZ + 1];

	if (m->unwritable)
		return;
	if (memchr(path, '\n', plen)) {
		m->unwritable = true; /* a line cannot hold it; git allows it, manifests do without */
		return;
	}
	git_oid_tostr(hex, sizeof(hex), blob);
	if ((pointer ? hfgit_strbuf__printf(&m->out, "%06o %s %s %" PRIu64 " ", (unsigned)mode, hex,
	                                    pointer->oid, pointer->size)
	             : hfgit_strbuf__printf(&m->out, "%06o %s - - ", (unsigned)mode, hex)) < 0 ||
	    hfgit_strbuf__put(&m->out, path, plen) < 0 || hfgit_strbuf__put(&m->out, "\n", 1) < 0)
		m->unwritable = true;
}

bool hfgit_manifest__next(hfgit_manifest *m, const char *path, const git_oid *blob,
                          git_filemode_t mode, bool *is_pointer, hfgit_lfs_pointer *pointer)
{
	if (!m->diverged && m->pos < m->count &&
	    line_matches(m, m->pos, path, blob, mode, is_pointer, pointer)) {
		m->pos++;
		return true;
	}
	if (!m->diverged)
		diverge(m);
	m->pos++;
	m->pending = true;
	m->pending_mode = mode;
	git_oid_cpy(&m->pending_blob, blob);
	hfgit_strbuf__clear(&m->pending_path);
	if (hfgit_strbuf__puts(&m->pending_path, path) < 0)
		m->unwritable = true;
	return false;
}

void hfgit_manifest__note_pointer(hfgit_manifest *m, const hfgit_lfs_pointer *pointer)
{
	if (!m->pending)
		return;
	m->pending = false;
	put_line(m, m->pending_mode, &m->pending_blob, pointer, hfgit_strbuf__cstr(&m->pending_path),
	         m->pending_path.len);
}

void hfgit_manifest__finish(hfgit_manifest *m)
{
	int rc;

	if (!m->diverged && m->pos == m->count) {
		/* the manifest read described the tree: no pointer blob was read */
		hfgit__trace("lfs manifest: all %zu blobs from %s", m->count, m->path);
		return;
	}
	if (!m->diverged)
		diverge(m); /* the tree ended before the manifest did */
	if (m->unwritable || m->pending)
		return;
	if (hfgit_strbuf__printf(&m->out, TRAILER "%016" PRIx64 "\n",
	                         (uint64_t)XXH3_64bits(m->out.ptr, m->out.len)) < 0)
		return;
	if ((rc = hfgit_fs__mkdir_parent(m->path)) == 0)
		rc = hfgit_fs__write_atomic(m->path, m->out.ptr, m->out.len);
	if (rc == 0)
		hfgit__trace("lfs manifest: wrote %s", m->path);
	else
		hfgit__trace("lfs manifest: cannot write %s: %s", m->path, hfgit_error_last());
	hfgit_error__clear();
}

void hfgit_manifest__free(hfgit_manifest *m)
{
	if (!m)
		return;
	free(m->path);
	free(m->text);
	free(m->lines);
	hfgit_strbuf__dispose(&m->out);
	hfgit_strbuf__dispose(&m->pending_path);
	free(m);
}
