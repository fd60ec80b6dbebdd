/*
 * A table of named tensors read from one weight file (or several shards), with the memory that
 * backs them. The loaders (safetensors.c, torch_load.c) fill it; architectures bind to it.
 * Tensor data is borrowed from the backing memory (a read-only mmap for safetensors and for
 * PyTorch's zip format), so a view stays valid as long as its hfgit_weights lives.
 */
#ifndef HFGIT_MODEL_WEIGHTS_WEIGHTS_H
#define HFGIT_MODEL_WEIGHTS_WEIGHTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hfgit.h"

typedef enum {
	HFGIT_DTYPE_BOOL,
	HFGIT_DTYPE_U8,
	HFGIT_DTYPE_I8,
	HFGIT_DTYPE_I16,
	HFGIT_DTYPE_U16,
	HFGIT_DTYPE_F16,
	HFGIT_DTYPE_BF16,
	HFGIT_DTYPE_I32,
	HFGIT_DTYPE_U32,
	HFGIT_DTYPE_F32,
	HFGIT_DTYPE_F64,
	HFGIT_DTYPE_I64,
	HFGIT_DTYPE_U64,
	HFGIT_DTYPE_F8_E4M3,
	HFGIT_DTYPE_F8_E5M2,
	HFGIT_DTYPE_COUNT_
} hfgit_dtype;

/* Bytes per element. */
size_t hfgit_dtype__size(hfgit_dtype dtype);
/* safetensors' spelling: "F32", "BF16", "F8_E4M3", ... */
const char *hfgit_dtype__name(hfgit_dtype dtype);
/* Parse safetensors' spelling; false for an unknown name. */
bool hfgit_dtype__parse(hfgit_dtype *out, const char *name, size_t len);

#define HFGIT_MAX_DIMS 8

typedef struct {
	const char *name;       /* owned by the table */
	hfgit_dtype dtype;
	size_t ndim;
	int64_t shape[HFGIT_MAX_DIMS];
	int64_t strides[HFGIT_MAX_DIMS]; /* in elements; row-major contiguous unless the file said otherwise */
	const void *data;       /* the first element; NULL only for a tensor with no elements */
	size_t nbytes;          /* bytes from `data` to one past the last element it spans */
	bool contiguous;
} hfgit_tensor;

typedef struct hfgit_weights hfgit_weights;

/* An empty table; the loaders add to it. */
int hfgit_weights__new(hfgit_weights **out);
void hfgit_weights__free(hfgit_weights *w);

/* Hand memory to the table, released with it: release(ptr, len) (e.g. munmap), or free(ptr)
 * when release is NULL. */
int hfgit_weights__keep(hfgit_weights *w, void *ptr, size_t len, void (*release)(void *ptr, size_t len));

/* The same for a mapping of a whole file from its start, with the file's descriptor `fd`,
 * which the table then owns (and closes, even when this fails). */
int hfgit_weights__keep_file(hfgit_weights *w, void *ptr, size_t len,
                             void (*release)(void *ptr, size_t len), int fd);

/* Where [ptr, ptr + len) of a mapping kept with its file lies in that file: its descriptor
 * and the offset, for pread. A few rows of a large table read through the mapping mapped the
 * page-cache folios around them too (hfgit_runner__table_gather); false when the memory is
 * no such mapping. */
bool hfgit_weights__file_of(const hfgit_weights *w, const void *ptr, size_t len, int *fd,
                            uint64_t *offset);

/* Bytes of the kept memory: `mapped` for regions with a release function (file mappings),
 * `heap` for those released with free() (copies). */
void hfgit_weights__memory(const hfgit_weights *w, size_t *mapped, size_t *heap);

/* Whether [ptr, ptr + len) lies in a kept region with a release function: a read-only
 * mapping of a file, whose pages may be dropped (madvise) and read again from it. */
bool hfgit_weights__in_mapping(const hfgit_weights *w, const void *ptr, size_t len);

/* Add a tensor (copied, name included); HFGIT_EINVALID on a duplicate name. */
int hfgit_weights__add(hfgit_weights *w, const hfgit_tensor *t);

size_t hfgit_weights__count(const hfgit_weights *w);
const hfgit_tensor *hfgit_weights__at(const hfgit_weights *w, size_t i);
/* The tensor called `name`, or NULL. */
const hfgit_tensor *hfgit_weights__find(const hfgit_weights *w, const char *name);
/* The position (for hfgit_weights__at) of the tensor called `name`; false when absent. */
bool hfgit_weights__index(const hfgit_weights *w, const char *name, size_t *index);

/* A shape as text for messages: "[3, 768]". */
typedef struct {
	char text[HFGIT_MAX_DIMS * 22 + 3];
} hfgit_shape_text;

const char *hfgit_shape__show(hfgit_shape_text *out, const int64_t *shape, size_t ndim);

/* Row-major strides for `shape`; false when the element count overflows. */
bool hfgit_tensor__contiguous_strides(int64_t *strides, const int64_t *shape, size_t ndim,
                                      size_t *elements);

#endif
