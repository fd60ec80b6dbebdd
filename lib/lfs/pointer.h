/*
 * Git LFS pointer files (spec v1): the small text blobs that stand in a git tree for a large
 * file whose bytes live in the LFS object store.
 *
 * Only the one canonical encoding is accepted, because a blob that is taken for a pointer is
 * replaced by other bytes on checkout: a loose parser would replace files that real git-lfs
 * leaves alone, and a pointer that does not re-encode byte for byte would make `git status`
 * report the file as modified once the clean filter writes it back.
 *
 * Rules beyond the spec's text follow the reference client (git-lfs, lfs/pointer.go):
 *   - a pointer is shorter than HFGIT_LFS_POINTER_MAX bytes: git-lfs never looks at a blob of
 *     1024 bytes or more, so neither do we;
 *   - only the version URL https://git-lfs.github.com/spec/v1 is accepted. The spec says git-lfs
 *     "can read" the pre-release https://hawser.github.com/spec/v1, not that clients must, and a
 *     pointer with that URL would not re-encode to itself;
 *   - the only keys are version, ext-<digit>-<name>, oid and size. The spec asks tools that
 *     regenerate pointers to preserve unknown keys; git-lfs instead rejects them, so a blob with
 *     other keys is not a pointer to git-lfs either and must stay as it is;
 *   - extension priorities are unique, and an extension's value is an oid like the pointer's;
 *   - size is at most HFGIT_LFS_SIZE_MAX (git-lfs reads it as a signed 64-bit number, and so do
 *     off_t, curl_off_t and json-c's integers downstream).
 *   - a line may end in CR LF instead of LF: git-lfs reads lines with Go's bufio.ScanLines and
 *     smudges such a pointer, so the checkout has the content (the committed blob is kept in the
 *     index, as git does after git-lfs's smudge).
 */
#ifndef HFGIT_LFS_POINTER_H
#define HFGIT_LFS_POINTER_H

#include "hfgit.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A sha256 in hex, without the "sha256:" of the pointer text. */
#define HFGIT_LFS_OID_HEXSZ 64

/* Blobs of this size or larger are never pointers (git-lfs's BlobSizeCutoff). */
#define HFGIT_LFS_POINTER_MAX 1024

/* The shortest pointer: version line, oid line and "size 0\n". */
#define HFGIT_LFS_POINTER_MIN 126

/* The largest size a pointer may give. */
#define HFGIT_LFS_SIZE_MAX ((uint64_t)INT64_MAX)

/*
 * What the ext- lines of a pointer can take: everything a pointer may hold beside its version
 * line, its oid line and the shortest size line.
 */
#define HFGIT_LFS_EXT_TEXT_MAX (HFGIT_LFS_POINTER_MAX - 1 - HFGIT_LFS_POINTER_MIN)

typedef struct {
	char oid[HFGIT_LFS_OID_HEXSZ + 1]; /* 64 lowercase hex digits */
	uint64_t size;
	/*
	 * The pointer's "ext-<digit>-<name> sha256:<hex>\n" lines as they appeared (validated and in
	 * canonical order), "" when there are none, so that a pointer re-encodes to itself. A
	 * pointer with extensions names the object that the extensions' clean programs made, not
	 * the file's content: such a file cannot be checked out without running those programs.
	 * Zero-initialise a pointer that is filled in by hand.
	 */
	char ext[HFGIT_LFS_EXT_TEXT_MAX + 1];
} hfgit_lfs_pointer;

/*
 * 0 when `data` is a canonical Git LFS v1 pointer, with the result in `out` (may be NULL to
 * only check); HFGIT_EINVALID with a message saying why ("not a Git LFS pointer: size '01' has
 * a leading zero") otherwise, and then `out` is zeroed. `data` need not be NUL-terminated.
 */
int hfgit_lfs__pointer_parse(hfgit_lfs_pointer *out, const char *data, size_t len);

/*
 * A quick check before reading or parsing a blob: true when `len` is within the sizes a pointer
 * can have and `data` starts with "version ". `data` may be NULL to judge by the size alone
 * (from an object header, before the blob is read).
 */
bool hfgit_lfs__pointer_maybe(const char *data, size_t len);

/* Exactly 64 lowercase hex digits. Check this before any path is built from an oid. */
bool hfgit_lfs__oid_valid(const char *oid, size_t len);

/*
 * The canonical text of `p` into `buf`, NUL-terminated; returns its length (without the NUL),
 * or -1 if `bufsize` is too small or `p` does not make a valid pointer (then with a message).
 * HFGIT_LFS_POINTER_MAX bytes are always enough.
 */
int hfgit_lfs__pointer_format(char *buf, size_t bufsize, const hfgit_lfs_pointer *p);

/*
 * For `n` items of `stride` bytes, each holding an oid (64 hex digits and a NUL, like a
 * pointer's first member) at byte `offset`: *first (free() it) gets, for every item, the index
 * of the first item with the same oid.
 * Sorting makes it N log N: files that share an object are found without comparing each
 * file with every earlier one.
 */
int hfgit_lfs__first_of_each(size_t **first, const void *items, size_t n, size_t stride,
                             size_t offset);

#endif
