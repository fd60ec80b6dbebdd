/*
 * Fuzz target for the lockfile parser (lib/lock/format.c).
 *
 * Besides "no crash, no read past the input", it checks what sync relies on: an accepted
 * lock formats to a text that parses to the same lock (same entries, same files, same paths
 * byte for byte, whatever bytes they hold), formatting is stable, and a rejection is an
 * HFGIT_EINVALID that names the line ("fuzz.lock:<n>: ...").
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"

static void require(int cond)
{
	if (!cond)
		abort();
}

static void same_lock(const hfgit_lock *a, const hfgit_lock *b)
{
	size_t i, j;

	require(hfgit_lock_count(a) == hfgit_lock_count(b));
	for (i = 0; i < hfgit_lock_count(a); i++) {
		const hfgit_lock_entry *x = hfgit_lock_entry_at(a, i), *y = hfgit_lock_entry_at(b, i);
		require(!strcmp(x->spec, y->spec) && !strcmp(x->id, y->id) && x->kind == y->kind);
		require(!x->revision == !y->revision && (!x->revision || !strcmp(x->revision, y->revision)));
		require(!x->ref == !y->ref && (!x->ref || !strcmp(x->ref, y->ref)));
		require(!strcmp(x->commit, y->commit) && !strcmp(x->tree, y->tree));
		require(!strcmp(x->name, y->name) && x->file_count == y->file_count);
		for (j = 0; j < x->file_count; j++) {
			const hfgit_lock_file *f = hfgit_lock_file_at(a, i, j), *g = hfgit_lock_file_at(b, i, j);
			require(!strcmp(f->path, g->path) && f->mode == g->mode && !strcmp(f->blob, g->blob));
			require(f->lfs == g->lfs && !strcmp(f->lfs_oid, g->lfs_oid) && f->size == g->size);
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hfgit_lock *lock = NULL, *again = NULL;
	char *text = NULL, *text2 = NULL;
	size_t len = 0, len2 = 0;

	if (hfgit_lock_parse(&lock, (const char *)data, size, "fuzz.lock") < 0) {
		require(lock == NULL);
		require(hfgit_error_last_code() == HFGIT_EINVALID || hfgit_error_last_code() == HFGIT_ERROR);
		require(hfgit_error_last_code() != HFGIT_EINVALID ||
		        strncmp(hfgit_error_last(), "fuzz.lock:", 10) == 0);
		return 0;
	}
	require(hfgit_lock_format(&text, &len, lock) == 0);
	require(hfgit_lock_parse(&again, text, len, "fuzz.lock") == 0);
	same_lock(lock, again);
	require(hfgit_lock_format(&text2, &len2, again) == 0);
	require(len == len2 && memcmp(text, text2, len) == 0);
	free(text);
	free(text2);
	hfgit_lock_free(lock);
	hfgit_lock_free(again);
	return 0;
}
