/*
 * Fast digests of the objects in the LFS store: XXH3-64 of each object's bytes, computed while
 * it downloaded and appended to <root>/xxh3.log ("<oid> <size> <xxh3 hex>" per line) when it
 * entered the store. `hfgit verify` re-hashes with XXH3 (tens of GB/s) instead of SHA-256 to
 * find damaged files quickly; `--deep` checks SHA-256 against the oid itself.
 *
 * One write(2) per batch of lines with O_APPEND keeps concurrent writers from interleaving
 * within a line; a later line for the same oid wins.
 */
#ifndef HFGIT_LFS_DIGESTS_H
#define HFGIT_LFS_DIGESTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hfgit.h"

/* Append `len` bytes of complete lines to the log of the store at `root`. */
int hfgit_lfs__digests_append(const char *root, const char *lines, size_t len);

/* One log line for an object. `out` must hold 100 bytes. */
size_t hfgit_lfs__digest_line(char *out, const char *oid, uint64_t size, uint64_t xxh3);

typedef struct hfgit_lfs_digests hfgit_lfs_digests;

/* Read the log of the store at `root` (a missing log is an empty set). */
int hfgit_lfs__digests_load(hfgit_lfs_digests **out, const char *root);
/* The recorded digest of `oid`; false when none is recorded. */
bool hfgit_lfs__digests_find(const hfgit_lfs_digests *d, const char *oid, uint64_t *size,
                             uint64_t *xxh3);
void hfgit_lfs__digests_free(hfgit_lfs_digests *d);

/* XXH3-64 of a whole file. */
int hfgit_xxh3__file(uint64_t *out, const char *path);

#endif
