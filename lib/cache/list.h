/*
 * What the cache holds (hfgit_cache_list, in the public header), and the "last used" mark it
 * reports: <store>/hfgit/last-used, whose mtime is the last clone, resolve or export of the
 * model. A file's mtime rather than a log, so that marking costs one open and no lock.
 */
#ifndef HFGIT_CACHE_LIST_H
#define HFGIT_CACHE_LIST_H

/*
 * Mark the store (its git directory, as git_repository_path gives it) as used now. Best
 * effort: a cache that cannot record it (read-only, full) must still serve clones, so this
 * neither fails nor leaves an error message behind.
 */
void hfgit_cache_mark_used(const char *store_path);

#endif
