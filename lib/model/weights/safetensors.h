/*
 * The safetensors format: an 8-byte little-endian header length N, N bytes of UTF-8 JSON that
 * describe every tensor (dtype, shape, data_offsets relative to the data buffer) plus optional
 * "__metadata__" string pairs, then the data buffer, which the tensors tile exactly.
 *
 * Loading validates the whole header before a tensor reaches the table, then hands out
 * pointers into the file's bytes: nothing is copied. The format does not align tensor data
 * (a writer may pad the header so that it is, but nothing guarantees it), so a tensor's
 * `data` may sit at any byte address: consumers must memcpy elements out, or check
 * ((uintptr_t)data % alignof(T)) == 0 before casting to a T pointer. Elements are
 * little-endian, rows are C order (`contiguous` is always true).
 */
#ifndef HFGIT_MODEL_WEIGHTS_SAFETENSORS_H
#define HFGIT_MODEL_WEIGHTS_SAFETENSORS_H

#include <stddef.h>

#include "model/weights/weights.h"

/* Larger headers are refused before anything is allocated, as the reference implementation does. */
#define HFGIT_SAFETENSORS_MAX_HEADER 100000000u

/*
 * Receives one "__metadata__" pair (e.g. "format" -> "pt"), in file order. Called only once the
 * whole file validated and before any tensor is added; return non-zero to cancel the load,
 * which then fails with HFGIT_EINTERRUPTED and adds nothing.
 */
typedef int (*hfgit_safetensors_metadata_cb)(const char *key, const char *value, void *payload);

typedef struct {
	unsigned int version;
	hfgit_safetensors_metadata_cb metadata; /* NULL: metadata is validated, then dropped */
	void *payload;
} hfgit_safetensors_options;

#define HFGIT_SAFETENSORS_OPTIONS_VERSION 1
#define HFGIT_SAFETENSORS_OPTIONS_INIT { HFGIT_SAFETENSORS_OPTIONS_VERSION, NULL, NULL }

/*
 * Map `path` read-only and add every tensor to `w`, in data order. The mapping belongs to `w`
 * from then on and tensor data points into it; the file must not be truncated while `w` lives
 * (hfgit's cache never rewrites a blob). A malformed file gives HFGIT_EINVALID with a message
 * naming `path` and the problem; an unreadable one HFGIT_EIO. The header is validated in full
 * before `w` is touched; only adding to `w` can then fail (a name that an earlier shard already
 * added, out of memory), and leaves `w` partly filled: free it.
 */
int hfgit_safetensors__load(hfgit_weights *w, const char *path);
int hfgit_safetensors__load_ext(hfgit_weights *w, const char *path,
                                const hfgit_safetensors_options *opts);

/*
 * The same on `len` bytes at `data`, which need not be aligned or NUL-terminated and must
 * outlive `w` (it is not kept). `display_name` names the bytes in messages (NULL: "<memory>").
 */
int hfgit_safetensors__parse(hfgit_weights *w, const void *data, size_t len,
                             const char *display_name);
int hfgit_safetensors__parse_ext(hfgit_weights *w, const void *data, size_t len,
                                 const char *display_name, const hfgit_safetensors_options *opts);

#endif
