/*
 * The LFS manifest of a tree, kept in the model's store: for every blob of the tree, in the
 * order a tree walk meets them, its path, mode, blob id and the LFS pointer the blob holds
 * (or none). A warm clone then learns which blobs are pointers without reading (inflating) a
 * single pointer blob again.
 *
 * The manifest is a hint, never the truth: each line is used only when its path, mode and
 * blob id equal the tree entry's at the same position, and the file is used only when its
 * header names the tree and its XXH3-64 trailer matches. A damaged, missing or stale
 * manifest costs the blob reads it would have saved, and is written anew after the walk.
 *
 *     hfgit lfs manifest 1 <tree hex>
 *     <mode octal> <blob hex> <oid hex | -> <size | -> <path>      one line per blob
 *     xxh3 <16 hex digits over every byte before this line>
 */
#ifndef HFGIT_CHECKOUT_MANIFEST_H
#define HFGIT_CHECKOUT_MANIFEST_H

#include <git2.h>
#include <stdbool.h>

#include "lfs/pointer.h"

typedef struct hfgit_manifest hfgit_manifest;

/* The manifest at `path` for `tree`, read when it is there and intact (else empty: every
 * lookup misses). Fails only when out of memory. */
int hfgit_manifest__open(hfgit_manifest **out, const char *path, const git_oid *tree);

/*
 * The next blob of the walk. When the manifest's line at this position describes the same
 * entry, returns true and says whether the blob is a pointer without extensions (`*pointer`
 * filled in). Either way the entry is recorded for the manifest to be written, which the
 * caller completes with hfgit_manifest__note_pointer when it had to read the blob itself.
 */
bool hfgit_manifest__next(hfgit_manifest *m, const char *path, const git_oid *blob,
                          git_filemode_t mode, bool *is_pointer, hfgit_lfs_pointer *pointer);

/* After a miss: what reading the blob said (`pointer` NULL: not an LFS pointer). */
void hfgit_manifest__note_pointer(hfgit_manifest *m, const hfgit_lfs_pointer *pointer);

/* After the whole walk: write the manifest if the one read did not describe the tree. A
 * failure is traced, not returned: without a manifest the next clone is only slower. */
void hfgit_manifest__finish(hfgit_manifest *m);

void hfgit_manifest__free(hfgit_manifest *m);

#endif
