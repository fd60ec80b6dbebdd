/*
 * ZIP reading for PyTorch checkpoints (APPNOTE.TXT 6.3: end of central directory, ZIP64
 * end of central directory locator and record, central directory file headers, local file
 * headers).
 *
 * The input is untrusted: every offset and length read from it is checked against the part
 * of the buffer it may point into before anything is read there, with 64-bit arithmetic that
 * cannot wrap. Data must lie before the central directory and the central directory before
 * its end record, which is how every writer lays an archive out.
 */
#include "model/weights/zip.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"

#define EOCD_SIGNATURE 0x06054b50u
#define EOCD_SIZE 22
#define ZIP64_LOCATOR_SIGNATURE 0x07064b50u
#define ZIP64_LOCATOR_SIZE 20
#define ZIP64_EOCD_SIGNATURE 0x06064b50u
#define ZIP64_EOCD_SIZE 56
#define CENTRAL_SIGNATURE 0x02014b50u
#define CENTRAL_SIZE 46
#define LOCAL_SIGNATURE 0x04034b50u
#define LOCAL_SIZE 30
#define ZIP64_EXTRA_ID 0x0001
#define MAX_COMMENT 0xffff
#define FLAG_ENCRYPTED 0x0001

#define QUOTED_SIZE 96

struct hfgit_zip {
	const unsigned char *base;
	size_t len;
	const char *display_name;
	hfgit_zip_entry *entries;
	size_t count;
	size_t *by_name; /* entry indices sorted by name, for hfgit_zip__find */
};

/* Where the central directory is, from the end records. */
struct directory {
	uint64_t offset, size, count;
	uint64_t end; /* where the end records start: the directory must stop before */
};

static uint16_t le16(const unsigned char *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const unsigned char *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t le64(const unsigned char *p)
{
	return (uint64_t)le32(p) | (uint64_t)le32(p + 4) << 32;
}

/* True when [offset, offset + size) lies inside [0, limit). */
static bool fits(uint64_t offset, uint64_t size, uint64_t limit)
{
	return offset <= limit && size <= limit - offset;
}

void hfgit_quote__bytes(char *out, size_t size, const void *bytes, size_t len)
{
	const unsigned char *s = bytes;
	size_t o = 0, i;

	if (size < 8) {
		if (size)
			out[0] = '\0';
		return;
	}
	for (i = 0; i < len; i++) {
		/* Room for the longest piece (\xNN) and for "..." with the NUL after it. */
		if (o + 4 + 4 > size) {
			memcpy(out + o, "...", 4);
			return;
		}
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\') {
			out[o++] = (char)s[i];
		} else {
			snprintf(out + o, size - o, "\\x%02x", s[i]);
			o += 4;
		}
	}
	out[o] = '\0';
}

static int malformed(const hfgit_zip *zip, const char *what)
{
	return hfgit_error__set(HFGIT_EINVALID, "%s: not a readable zip archive: %s",
	                        zip->display_name, what);
}

/*
 * The end of central directory record is the last thing in the file, followed only by its
 * comment; the comment length must reach the end exactly, so that a signature that happens
 * to sit inside a comment or in data is not taken for it.
 */
static bool find_end_record(const hfgit_zip *zip, size_t *at)
{
	size_t pos, lowest;

	if (zip->len < EOCD_SIZE)
		return false;
	lowest = zip->len - EOCD_SIZE > MAX_COMMENT ? zip->len - EOCD_SIZE - MAX_COMMENT : 0;
	for (pos = zip->len - EOCD_SIZE + 1; pos-- > lowest;) {
		const unsigned char *p = zip->base + pos;
		if (le32(p) == EOCD_SIGNATURE && (size_t)le16(p + 20) == zip->len - pos - EOCD_SIZE) {
			*at = pos;
			return true;
		}
	}
	return false;
}

static int read_zip64_end(const hfgit_zip *zip, size_t locator, struct directory *dir)
{
	const unsigned char *l = zip->base + locator, *r;
	uint64_t record = le64(l + 8);

	if (le32(l + 4) != 0 || le32(l + 16) > 1)
		return malformed(zip, "multi-part archives are not supported");
	if (!fits(record, ZIP64_EOCD_SIZE, locator))
		return malformed(zip, "the ZIP64 end of central directory record lies outside the file");
	r = zip->base + record;
	if (le32(r) != ZIP64_EOCD_SIGNATURE)
		return malformed(zip, "the ZIP64 end of central directory record is missing");
	if (le32(r + 16) != 0 || le32(r + 20) != 0 || le64(r + 24) != le64(r + 32))
		return malformed(zip, "multi-part archives are not supported");
	dir->count = le64(r + 32);
	dir->size = le64(r + 40);
	dir->offset = le64(r + 48);
	dir->end = record;
	return 0;
}

static int read_directory_location(const hfgit_zip *zip, struct directory *dir)
{
	const unsigned char *e;
	size_t eocd;

	/* Written on failure too: the compiler cannot tell that the error codes are negative. */
	*dir = (struct directory){ 0 };
	if (!find_end_record(zip, &eocd))
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: no zip end of central directory record: the file is "
		                        "truncated or not a zip archive",
		                        zip->display_name);
	if (eocd >= ZIP64_LOCATOR_SIZE &&
	    le32(zip->base + eocd - ZIP64_LOCATOR_SIZE) == ZIP64_LOCATOR_SIGNATURE)
		return read_zip64_end(zip, eocd - ZIP64_LOCATOR_SIZE, dir);

	e = zip->base + eocd;
	if (le16(e + 4) != 0 || le16(e + 6) != 0 || le16(e + 8) != le16(e + 10))
		return malformed(zip, "multi-part archives are not supported");
	if (le16(e + 10) == 0xffff || le32(e + 12) == 0xffffffffu || le32(e + 16) == 0xffffffffu)
		return malformed(zip, "it needs ZIP64 but has no ZIP64 end of central directory locator");
	dir->count = le16(e + 10);
	dir->size = le32(e + 12);
	dir->offset = le32(e + 16);
	dir->end = eocd;
	return 0;
}

/*
 * Sizes and offsets that did not fit in 32 bits are 0xffffffff in the header and follow, in
 * a fixed order and only for those fields, in the ZIP64 extra field.
 */
static int apply_zip64_extra(const hfgit_zip *zip, const unsigned char *extra, size_t extra_len,
                             uint64_t *size, uint64_t *compressed, uint64_t *local)
{
	uint64_t *fields[3] = { size, compressed, local };
	size_t pos = 0, i;

	while (extra_len - pos >= 4) {
		uint16_t id = le16(extra + pos), len = le16(extra + pos + 2);
		size_t at;

		pos += 4;
		if (len > extra_len - pos)
			return malformed(zip, "an extra field runs past its header");
		if (id == ZIP64_EXTRA_ID) {
			at = pos;
			for (i = 0; i < 3; i++) {
				if (*fields[i] != 0xffffffffu)
					continue;
				if (at + 8 > pos + len)
					return malformed(zip, "a ZIP64 extra field is too short");
				*fields[i] = le64(extra + at);
				at += 8;
			}
			return 0;
		}
		pos += len;
	}
	for (i = 0; i < 3; i++) {
		if (*fields[i] == 0xffffffffu)
			return malformed(zip, "a ZIP64 size or offset has no ZIP64 extra field");
	}
	return 0;
}

/* The data starts after the local header, whose name and extra lengths are its own. */
static int locate_data(const hfgit_zip *zip, hfgit_zip_entry *entry, uint64_t local,
                       uint64_t data_limit)
{
	const unsigned char *h;
	uint64_t data;
	char quoted[QUOTED_SIZE];

	hfgit_quote__bytes(quoted, sizeof(quoted), entry->name, entry->name_len);
	if (!fits(local, LOCAL_SIZE, data_limit) || le32(zip->base + local) != LOCAL_SIGNATURE)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: not a readable zip archive: the local header of '%s' is "
		                        "missing",
		                        zip->display_name, quoted);
	h = zip->base + local;
	data = local + LOCAL_SIZE + le16(h + 26) + le16(h + 28);
	if (le16(h + 26) != entry->name_len ||
	    !fits(local + LOCAL_SIZE, entry->name_len, data_limit) ||
	    memcmp(h + LOCAL_SIZE, entry->name, entry->name_len) != 0)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: not a readable zip archive: the local header of '%s' "
		                        "names another file",
		                        zip->display_name, quoted);
	if (!fits(data, entry->compressed_size, data_limit))
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: not a readable zip archive: the data of '%s' runs past "
		                        "the end of the file (truncated?)",
		                        zip->display_name, quoted);
	entry->data = zip->base + data;
	return 0;
}

static int read_central_entry(const hfgit_zip *zip, hfgit_zip_entry *entry, uint64_t *pos,
                              const struct directory *dir)
{
	uint64_t dir_end = dir->offset + dir->size, local;
	const unsigned char *c;
	size_t name_len, extra_len, comment_len;
	int rc;

	if (!fits(*pos, CENTRAL_SIZE, dir_end) || le32(zip->base + *pos) != CENTRAL_SIGNATURE)
		return malformed(zip, "the central directory is cut short or damaged");
	c = zip->base + *pos;
	name_len = le16(c + 28);
	extra_len = le16(c + 30);
	comment_len = le16(c + 32);
	if (!fits(*pos + CENTRAL_SIZE, (uint64_t)name_len + extra_len + comment_len, dir_end))
		return malformed(zip, "a central directory entry runs past the directory");
	entry->name = (const char *)c + CENTRAL_SIZE;
	entry->name_len = name_len;
	entry->method = le16(c + 10);
	entry->crc32 = le32(c + 16);
	entry->compressed_size = le32(c + 20);
	entry->size = le32(c + 24);
	local = le32(c + 42);
	if ((rc = apply_zip64_extra(zip, c + CENTRAL_SIZE + name_len, extra_len, &entry->size,
	                            &entry->compressed_size, &local)) < 0)
		return rc;
	if (le16(c + 8) & FLAG_ENCRYPTED) {
		char quoted[QUOTED_SIZE];
		hfgit_quote__bytes(quoted, sizeof(quoted), entry->name, name_len);
		return hfgit_error__set(HFGIT_EINVALID, "%s: zip entry '%s' is encrypted",
		                        zip->display_name, quoted);
	}
	*pos += CENTRAL_SIZE + name_len + extra_len + comment_len;
	return locate_data(zip, entry, local, dir->offset);
}

static int compare_names(const hfgit_zip_entry *a, const hfgit_zip_entry *b)
{
	size_t n = a->name_len < b->name_len ? a->name_len : b->name_len;
	int c = memcmp(a->name, b->name, n);

	if (c)
		return c;
	return a->name_len < b->name_len ? -1 : a->name_len > b->name_len;
}

/* qsort has no context argument: the entries being sorted, for compare_indices. */
static _Thread_local const hfgit_zip_entry *sorting;

static int compare_indices(const void *a, const void *b)
{
	return compare_names(&sorting[*(const size_t *)a], &sorting[*(const size_t *)b]);
}

/* Two entries of one name would make "which one is data/0" a question for the attacker. */
static int index_names(hfgit_zip *zip)
{
	size_t i;

	if (!(zip->by_name = malloc((zip->count ? zip->count : 1) * sizeof(*zip->by_name))))
		return hfgit_error__oom();
	for (i = 0; i < zip->count; i++)
		zip->by_name[i] = i;
	sorting = zip->entries;
	qsort(zip->by_name, zip->count, sizeof(*zip->by_name), compare_indices);
	sorting = NULL;
	for (i = 1; i < zip->count; i++) {
		const hfgit_zip_entry *e = &zip->entries[zip->by_name[i]];
		if (compare_names(&zip->entries[zip->by_name[i - 1]], e) == 0) {
			char quoted[QUOTED_SIZE];
			hfgit_quote__bytes(quoted, sizeof(quoted), e->name, e->name_len);
			return hfgit_error__set(HFGIT_EINVALID, "%s: zip entry '%s' appears twice",
			                        zip->display_name, quoted);
		}
	}
	return 0;
}

static int read_entries(hfgit_zip *zip)
{
	struct directory dir;
	uint64_t pos;
	size_t i;
	int rc;

	if ((rc = read_directory_location(zip, &dir)) < 0)
		return rc;
	if (!fits(dir.offset, dir.size, dir.end))
		return malformed(zip, "the central directory lies outside the file");
	/* Each entry takes at least CENTRAL_SIZE bytes: a count beyond that is a lie, and
	 * believing it would allocate whatever the file asks for. */
	if (dir.count > dir.size / CENTRAL_SIZE)
		return malformed(zip, "the central directory is smaller than its entry count");
	zip->count = (size_t)dir.count;
	if (!(zip->entries = calloc(zip->count ? zip->count : 1, sizeof(*zip->entries))))
		return hfgit_error__oom();
	pos = dir.offset;
	for (i = 0; i < zip->count; i++) {
		if ((rc = read_central_entry(zip, &zip->entries[i], &pos, &dir)) < 0)
			return rc;
	}
	return index_names(zip);
}

int hfgit_zip__open(hfgit_zip **out, const void *data, size_t len, const char *display_name)
{
	hfgit_zip *zip;
	int rc;

	*out = NULL;
	if (!(zip = calloc(1, sizeof(*zip))))
		return hfgit_error__oom();
	zip->base = data;
	zip->len = len;
	zip->display_name = display_name;
	if ((rc = read_entries(zip)) < 0) {
		hfgit_zip__free(zip);
		return rc;
	}
	*out = zip;
	return 0;
}

void hfgit_zip__free(hfgit_zip *zip)
{
	if (!zip)
		return;
	free(zip->entries);
	free(zip->by_name);
	free(zip);
}

size_t hfgit_zip__count(const hfgit_zip *zip)
{
	return zip->count;
}

const hfgit_zip_entry *hfgit_zip__entry_at(const hfgit_zip *zip, size_t i)
{
	return i < zip->count ? &zip->entries[i] : NULL;
}

const hfgit_zip_entry *hfgit_zip__find(const hfgit_zip *zip, const char *name, size_t name_len)
{
	hfgit_zip_entry key = { 0 };
	size_t lo = 0, hi = zip->count;

	key.name = name;
	key.name_len = name_len;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const hfgit_zip_entry *e = &zip->entries[zip->by_name[mid]];
		int c = compare_names(e, &key);
		if (c == 0)
			return e;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

/* Four bits at a time: small enough to write out, fast enough for the few small records
 * whose checksum is verified. */
static const uint32_t crc_nibble[16] = {
	0x00000000, 0x1db71064, 0x3b6e20c8, 0x26d930ac, 0x76dc4190, 0x6b6b51f4, 0x4db26158, 0x5005713c,
	0xedb88320, 0xf00f9344, 0xd6d6a3e8, 0xcb61b38c, 0x9b64c2b0, 0x86d3d2d4, 0xa00ae278, 0xbdbdf21c,
};

uint32_t hfgit_zip__crc32(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint32_t c = 0xffffffffu;

	while (len--) {
		c ^= *p++;
		c = crc_nibble[c & 0xf] ^ (c >> 4);
		c = crc_nibble[c & 0xf] ^ (c >> 4);
	}
	return c ^ 0xffffffffu;
}
