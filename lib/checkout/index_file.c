/* The index file in git's format (see index_file.h). */
#define _GNU_SOURCE
#include "checkout/index_file.h"

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <openssl/evp.h>

#include "core/error.h"
#include "core/git_error.h"
#include "core/strbuf.h"

#define EXTENDED_FLAGS (GIT_INDEX_ENTRY_INTENT_TO_ADD | GIT_INDEX_ENTRY_SKIP_WORKTREE)
#define ENTRY_FIXED 62          /* the bytes of an entry before its path (64 when extended) */
#define SHA1_LEN 20

static int compare_paths(const void *a, const void *b)
{
	return strcmp(((const git_index_entry *)a)->path, ((const git_index_entry *)b)->path);
}

static bool sorted(const git_index_entry *entries, size_t count)
{
	size_t i;

	for (i = 1; i < count; i++)
		if (strcmp(entries[i - 1].path, entries[i].path) > 0)
			return false;
	return true;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = (unsigned char)(v >> 24);
	p[1] = (unsigned char)(v >> 16);
	p[2] = (unsigned char)(v >> 8);
	p[3] = (unsigned char)v;
}

/* One entry: ten 32-bit stat and mode fields, the object id, the flags, the path, and 1 to 8
 * NULs so that the entry's length is a multiple of 8. */
static int put_entry(hfgit_strbuf *out, const git_index_entry *e)
{
	size_t len = strlen(e->path);
	bool extended = (e->flags_extended & EXTENDED_FLAGS) != 0;
	size_t fixed = ENTRY_FIXED + (extended ? 2 : 0), size = (fixed + len + 8) & ~(size_t)7;
	uint32_t fields[10] = { (uint32_t)e->ctime.seconds, e->ctime.nanoseconds,
		                    (uint32_t)e->mtime.seconds, e->mtime.nanoseconds, e->dev, e->ino,
		                    e->mode, e->uid, e->gid, e->file_size };
	uint16_t flags = (uint16_t)((e->flags & (GIT_INDEX_ENTRY_VALID | GIT_INDEX_ENTRY_STAGEMASK)) |
	                            (extended ? GIT_INDEX_ENTRY_EXTENDED : 0) |
	                            (len < 0xFFF ? len : 0xFFF));
	unsigned char *p;
	int i;

	if (hfgit_strbuf__grow(out, size) < 0)
		return HFGIT_ERROR;
	p = (unsigned char *)out->ptr + out->len;
	memset(p, 0, size);
	for (i = 0; i < 10; i++)
		put32(p + 4 * i, fields[i]);
	memcpy(p + 40, e->id.id, SHA1_LEN);
	p[60] = (unsigned char)(flags >> 8);
	p[61] = (unsigned char)flags;
	if (extended) {
		p[62] = (unsigned char)((e->flags_extended & EXTENDED_FLAGS) >> 8);
		p[63] = (unsigned char)(e->flags_extended & EXTENDED_FLAGS);
	}
	memcpy(p + fixed, e->path, len);
	out->len += size;
	out->ptr[out->len] = '\0';
	return 0;
}

/* The header and every entry: the index's own (those at none of `ours`' paths) merged with
 * `ours` (sorted) in path order. */
static int build(hfgit_strbuf *out, git_index *index, const git_index_entry *ours, size_t n)
{
	size_t theirs = git_index_entrycount(index), i = 0, j = 0, kept = 0, version = 2;
	unsigned char header[12];
	int rc = 0;

	for (i = 0; i < theirs; i++)
		if (git_index_get_byindex(index, i)->flags_extended & EXTENDED_FLAGS)
			version = 3;
	memcpy(header, "DIRC", 4);
	put32(header + 4, (uint32_t)version);
	if ((rc = hfgit_strbuf__put(out, (const char *)header, sizeof(header))) < 0)
		return rc;
	for (i = 0; rc == 0 && (i < theirs || j < n);) {
		const git_index_entry *e = i < theirs ? git_index_get_byindex(index, i) : NULL;
		int cmp = !e ? 1 : j == n ? -1 : strcmp(e->path, ours[j].path);
		if (cmp < 0) {
			rc = put_entry(out, e);
			kept++;
			i++;
		} else {
			if (cmp == 0) {
				i++; /* ours replaces it */
				continue;
			}
			rc = put_entry(out, &ours[j++]);
			kept++;
		}
	}
	put32((unsigned char *)out->ptr + 8, (uint32_t)kept);
	return rc;
}

static int write_locked(const char *path, const hfgit_strbuf *data)
{
	char *lock = hfgit__aprintf("%s.lock", path);
	unsigned char sum[EVP_MAX_MD_SIZE];
	unsigned int sum_len = 0;
	size_t off = 0;
	int fd, rc = 0;

	if (!lock)
		return HFGIT_ERROR;
	if (!EVP_Digest(data->ptr, data->len, sum, &sum_len, EVP_sha1(), NULL) || sum_len != SHA1_LEN) {
		free(lock);
		return hfgit_error__set(HFGIT_ERROR, "cannot compute the index checksum");
	}
	if ((fd = open(lock, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666)) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, errno == EEXIST ?
		                            "cannot lock the index: '%s' exists (another git process "
		                            "may be running; if not, remove it)" :
		                            "cannot lock the index: '%s'", lock);
		free(lock);
		return rc;
	}
	while (rc == 0 && off < data->len + SHA1_LEN) {
		ssize_t w = off < data->len ? write(fd, data->ptr + off, data->len - off)
		                            : write(fd, sum + (off - data->len), SHA1_LEN - (off - data->len));
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot write '%s'", lock);
		else
			off += (size_t)w;
	}
	if (close(fd) < 0 && rc == 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot write '%s'", lock);
	if (rc == 0 && rename(lock, path) < 0)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot move '%s' into place", lock);
	if (rc < 0)
		unlink(lock);
	free(lock);
	return rc;
}

int hfgit_index_file__write(git_index *index, git_index_entry *entries, size_t count)
{
	hfgit_strbuf data = HFGIT_STRBUF_INIT;
	const char *path = git_index_path(index);
	int rc;

	if (!path)
		return hfgit_error__set(HFGIT_ERROR, "the index has no file to write");
	if (!sorted(entries, count)) /* tree order mostly is path order already */
		qsort(entries, count, sizeof(*entries), compare_paths);
	if ((rc = build(&data, index, entries, count)) == 0)
		rc = write_locked(path, &data);
	hfgit_strbuf__dispose(&data);
	return rc;
}
