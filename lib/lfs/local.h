/*
 * LFS objects already on this machine outside the store, taken instead of downloaded:
 *
 *   - the blobs of the huggingface_hub cache: <hub cache>/<type>s--<ns>--<name>/blobs/<sha256>
 *     (an LFS file's blob is named by its SHA-256, which is its LFS oid), of every repository
 *     there, since the same weights often sit under several names;
 *   - references, as `git clone --reference` takes them: a git-lfs checkout (.git/lfs/objects),
 *     a bare repository or an hfgit cache (lfs/objects), an LFS store itself (objects/), a
 *     huggingface_hub cache or one repository folder of it (blobs/).
 *
 * Nothing is trusted: a candidate of the right size is linked into the store's incomplete/
 * folder (reflink, else hard link when it is ours, else a copy), hashed there (SHA-256 against
 * the oid, and XXH3 for `hfgit verify`), and only then renamed into place; one that does not
 * hash to its name is left alone and the object is downloaded as usual.
 */
#ifndef HFGIT_LFS_LOCAL_H
#define HFGIT_LFS_LOCAL_H

#include <stdint.h>

#include "hfgit.h"
#include "lfs/objects.h"

typedef struct hfgit_lfs_local hfgit_lfs_local;

int hfgit_lfs__local_new(hfgit_lfs_local **out);
void hfgit_lfs__local_free(hfgit_lfs_local *l);

/* Every repository folder's blobs/ of the huggingface_hub cache `hub_dir`; a cache that does
 * not exist adds nothing. */
int hfgit_lfs__local_add_hf_cache(hfgit_lfs_local *l, const char *hub_dir);

/* A reference directory (see above). HFGIT_EINVALID when it is none of those. */
int hfgit_lfs__local_add_reference(hfgit_lfs_local *l, const char *dir);

/* The sources a clone uses: `references`, then the huggingface_hub cache `hf_cache_dir` (NULL:
 * hfgit_hf_cache_dir's default) unless `no_hf_cache`. */
int hfgit_lfs__local_for_clone(hfgit_lfs_local **out, const char *hf_cache_dir, int no_hf_cache,
                               const char *const *references, size_t reference_count);

/* How many places will be searched. */
size_t hfgit_lfs__local_count(const hfgit_lfs_local *l);

/* Whether some source has a file that may be `oid` (the right size; not hashed yet). */
bool hfgit_lfs__local_has(const hfgit_lfs_local *l, const char *oid, uint64_t size);

/*
 * Put `oid` of `size` bytes into `store` from a local source: 1 when it is there now, 0 when
 * no source has it intact (damaged candidates are skipped, with a trace), negative when the
 * store could not be written.
 */
int hfgit_lfs__local_import(const hfgit_lfs_local *l, hfgit_lfs_objects *store, const char *oid,
                            uint64_t size);

/*
 * hfgit_lfs__local_import for each of `n` objects, on up to `threads` threads (0: one per core,
 * at most 8): hashing is the whole cost of reuse, and one core hashes far slower than a disk
 * reads. taken[i] is set to 1 for each object now in the store. Negative when the store could
 * not be written (the first such error, with its message).
 */
int hfgit_lfs__local_import_many(const hfgit_lfs_local *l, hfgit_lfs_objects *store,
                                 const char *const *oids, const uint64_t *sizes, size_t n,
                                 unsigned threads, unsigned char *taken);

#endif
