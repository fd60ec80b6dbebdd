/*
 * Fuzz target for Git LFS pointer parsing (lib/lfs/pointer.c).
 *
 * Besides "no crash, no read past the input", it checks the properties the rest of hfgit relies
 * on: an accepted pointer is canonical but for CR LF line ends, which git-lfs also reads
 * (formatting it gives back the input byte for byte once each CR before an LF is dropped), its oid is safe to build a path
 * from, the quick pre-check never rules out a real pointer, and a rejection always explains
 * itself and leaves nothing behind in the result.
 */
#include "lfs/pointer.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

static void require(int cond)
{
	if (!cond)
		abort();
}

static void check_rejection(const hfgit_lfs_pointer *p)
{
	static const hfgit_lfs_pointer zero;

	require(hfgit_error_last_code() == HFGIT_EINVALID);
	require(strncmp(hfgit_error_last(), "not a Git LFS pointer: ", 23) == 0);
	require(memcmp(p, &zero, sizeof(*p)) == 0);
}

static void check_round_trip(const hfgit_lfs_pointer *p, const uint8_t *input, size_t len)
{
	hfgit_lfs_pointer again;
	char buf[HFGIT_LFS_POINTER_MAX], data[HFGIT_LFS_POINTER_MAX];
	size_t i, size = 0;
	int n = hfgit_lfs__pointer_format(buf, sizeof(buf), p);

	require(len < sizeof(data));
	for (i = 0; i < len; i++)
		if (!(input[i] == '\r' && i + 1 < len && input[i + 1] == '\n'))
			data[size++] = (char)input[i];
	require(n >= 0 && (size_t)n == size && memcmp(buf, data, size) == 0);
	require(hfgit_lfs__pointer_parse(&again, buf, (size_t)n) == 0);
	require(strcmp(again.oid, p->oid) == 0);
	require(again.size == p->size);
	require(strcmp(again.ext, p->ext) == 0);
	/* A buffer one byte short of the text and its NUL is refused, not overrun. */
	require(hfgit_lfs__pointer_format(buf, (size_t)n, p) == -1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hfgit_lfs_pointer p;

	if (hfgit_lfs__pointer_parse(&p, (const char *)data, size) != 0) {
		check_rejection(&p);
		return 0;
	}
	require(hfgit_lfs__pointer_maybe((const char *)data, size));
	require(hfgit_lfs__pointer_maybe(NULL, size));
	require(hfgit_lfs__oid_valid(p.oid, strlen(p.oid)));
	require(p.size <= HFGIT_LFS_SIZE_MAX);
	check_round_trip(&p, data, size);
	return 0;
}
