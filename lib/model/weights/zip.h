/*
 * A minimal read-only ZIP reader for PyTorch checkpoints. The whole archive is one buffer
 * (usually a read-only mmap); entries are found through the central directory, ZIP64
 * included, and nothing is ever decompressed: PyTorch stores its records uncompressed, so the
 * bytes of an entry are a slice of the buffer.
 */
#ifndef HFGIT_MODEL_WEIGHTS_ZIP_H
#define HFGIT_MODEL_WEIGHTS_ZIP_H

#include <stddef.h>
#include <stdint.h>

typedef struct {
	const char *name;          /* points into the archive: not NUL-terminated */
	size_t name_len;
	const unsigned char *data; /* the stored bytes, compressed_size of them */
	uint64_t compressed_size;
	uint64_t size;             /* after decompression; equals compressed_size when stored */
	uint16_t method;           /* 0 stored, 8 deflate, ... */
	uint32_t crc32;
} hfgit_zip_entry;

typedef struct hfgit_zip hfgit_zip;

/*
 * Index the archive in `data`, which must stay valid while the result is used. Every entry
 * is bounds-checked here (central directory, local header, data), so the entries handed out
 * later are safe to read. Encrypted, multi-part and duplicate-named entries are refused.
 * `display_name` names the archive in messages.
 */
int hfgit_zip__open(hfgit_zip **out, const void *data, size_t len, const char *display_name);
void hfgit_zip__free(hfgit_zip *zip);

size_t hfgit_zip__count(const hfgit_zip *zip);
/* Entries in central-directory order. */
const hfgit_zip_entry *hfgit_zip__entry_at(const hfgit_zip *zip, size_t i);
/* The entry called exactly `name`, or NULL. */
const hfgit_zip_entry *hfgit_zip__find(const hfgit_zip *zip, const char *name, size_t name_len);

/* CRC-32 as ZIP uses it (the IEEE 802.3 polynomial). */
uint32_t hfgit_zip__crc32(const void *data, size_t len);

/*
 * Untrusted bytes (a name read from an archive or a pickle) in a form fit for a message:
 * printable ASCII kept, anything else as \xNN, cut with "..." to fit `size`.
 */
void hfgit_quote__bytes(char *out, size_t size, const void *bytes, size_t len);

#endif
