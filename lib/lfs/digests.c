#define _GNU_SOURCE
#include "lfs/digests.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>

#include "core/error.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "lfs/pointer.h"

typedef struct {
	char oid[HFGIT_LFS_OID_HEXSZ + 1];
	uint64_t size;
	uint64_t xxh3;
	size_t line; /* position in the log: the later line for an oid wins */
} digest_entry;

struct hfgit_lfs_digests {
	digest_entry *entries; /* sorted by oid, one per oid */
	size_t count;
};

int hfgit_lfs__digests_append(const char *root, const char *lines, size_t len)
{
	char *path = hfgit_layout__lfs_digest_log(root);
	int fd, rc = 0;

	if (!path)
		return HFGIT_ERROR;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644)) < 0 ||
	    write(fd, lines, len) != (ssize_t)len)
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot record digests in '%s'", path);
	if (fd >= 0)
		close(fd);
	free(path);
	return rc;
}

size_t hfgit_lfs__digest_line(char *out, const char *oid, uint64_t size, uint64_t xxh3)
{
	int n = snprintf(out, 100, "%.64s %" PRIu64 " %016" PRIx64 "\n", oid, size, xxh3);
	return n > 0 ? (size_t)n : 0;
}

static int compare_oids(const void *a, const void *b)
{
	return strcmp(((const digest_entry *)a)->oid, ((const digest_entry *)b)->oid);
}

static int compare_entries(const void *a, const void *b)
{
	const digest_entry *x = a, *y = b;
	int c = strcmp(x->oid, y->oid);
	return c ? c : x->line < y->line ? -1 : x->line > y->line;
}

int hfgit_lfs__digests_load(hfgit_lfs_digests **out, const char *root)
{
	char *path = hfgit_layout__lfs_digest_log(root), *text = NULL, *line, *save = NULL;
	hfgit_lfs_digests *d;
	size_t len, cap = 0, i, kept;

	*out = NULL;
	if (!path || !(d = calloc(1, sizeof(*d)))) {
		free(path);
		return hfgit_error__oom();
	}
	if (hfgit_fs__read_file(&text, &len, path) < 0) {
		free(path);
		hfgit_error__clear();
		*out = d; /* no log yet */
		return 0;
	}
	for (line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		digest_entry e;
		if (strlen(line) < HFGIT_LFS_OID_HEXSZ + 2 || line[HFGIT_LFS_OID_HEXSZ] != ' ' ||
		    !hfgit_lfs__oid_valid(line, HFGIT_LFS_OID_HEXSZ) ||
		    sscanf(line + HFGIT_LFS_OID_HEXSZ + 1, "%" SCNu64 " %" SCNx64, &e.size, &e.xxh3) != 2)
			continue; /* a torn last line after a crash */
		memcpy(e.oid, line, HFGIT_LFS_OID_HEXSZ);
		e.oid[HFGIT_LFS_OID_HEXSZ] = '\0';
		e.line = d->count;
		if (d->count == cap) {
			digest_entry *grown;
			cap = cap ? cap * 2 : 256;
			if (!(grown = realloc(d->entries, cap * sizeof(*grown)))) {
				free(text);
				free(path);
				hfgit_lfs__digests_free(d);
				return hfgit_error__oom();
			}
			d->entries = grown;
		}
		d->entries[d->count++] = e;
	}
	qsort(d->entries, d->count, sizeof(*d->entries), compare_entries);
	for (i = 0, kept = 0; i < d->count; i++) {
		if (i + 1 < d->count && !strcmp(d->entries[i].oid, d->entries[i + 1].oid))
			continue; /* a later line for the same oid follows */
		d->entries[kept++] = d->entries[i];
	}
	d->count = kept;
	free(text);
	free(path);
	*out = d;
	return 0;
}

bool hfgit_lfs__digests_find(const hfgit_lfs_digests *d, const char *oid, uint64_t *size,
                             uint64_t *xxh3)
{
	digest_entry key, *found;

	if (!d->count || strlen(oid) != HFGIT_LFS_OID_HEXSZ)
		return false;
	memcpy(key.oid, oid, sizeof(key.oid));
	if (!(found = bsearch(&key, d->entries, d->count, sizeof(key), compare_oids)))
		return false;
	*size = found->size;
	*xxh3 = found->xxh3;
	return true;
}

void hfgit_lfs__digests_free(hfgit_lfs_digests *d)
{
	if (!d)
		return;
	free(d->entries);
	free(d);
}

int hfgit_xxh3__file(uint64_t *out, const char *path)
{
	XXH3_state_t *state = XXH3_createState();
	static const size_t chunk = 1 << 20;
	char *buf = malloc(chunk);
	int fd = -1, rc = 0;
	ssize_t n;

	if (!state || !buf) {
		rc = hfgit_error__oom();
		goto out;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = hfgit_error__set_errno(errno == ENOENT ? HFGIT_ENOTFOUND : HFGIT_EIO,
		                            "cannot open '%s'", path);
		goto out;
	}
	posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
	XXH3_64bits_reset(state);
	while ((n = read(fd, buf, chunk)) != 0) {
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			rc = hfgit_error__set_errno(HFGIT_EIO, "cannot read '%s'", path);
			goto out;
		}
		XXH3_64bits_update(state, buf, (size_t)n);
	}
	*out = XXH3_64bits_digest(state);
out:
	if (fd >= 0)
		close(fd);
	free(buf);
	XXH3_freeState(state);
	return rc;
}
