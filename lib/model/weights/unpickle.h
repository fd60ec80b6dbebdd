/*
 * A restricted unpickler for PyTorch checkpoints.
 *
 * It builds plain values (None, bool, int, float, str, bytes, tuple, list, dict) and, from a
 * short allow-list of globals that a state dict needs, storages and tensor views. It never
 * imports or calls anything: a GLOBAL outside the allow-list is refused the moment it is read,
 * REDUCE only runs the allow-listed rebuild functions (implemented here), SETITEM only works on
 * dicts, APPEND only on lists and BUILD only on an OrderedDict. Stack, memo, nesting and memory
 * are bounded, so no input can crash it or make it allocate without limit.
 *
 * Opcodes: protocols 2 to 5 as torch.save writes them (PROTO, FRAME, MARK, STOP, the binary
 * ints, LONG1/LONG4, BINFLOAT, the binary strings and bytes, NONE/NEWTRUE/NEWFALSE, the tuple,
 * list and dict opcodes, memo PUT/GET/MEMOIZE, GLOBAL/STACK_GLOBAL, REDUCE, NEWOBJ, BUILD,
 * BINPERSID, POP, POP_MARK, DUP). Text-mode protocol 0 opcodes are refused.
 */
#ifndef HFGIT_MODEL_WEIGHTS_UNPICKLE_H
#define HFGIT_MODEL_WEIGHTS_UNPICKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "model/weights/weights.h"

typedef enum {
	HFGIT_PICKLE_NONE,
	HFGIT_PICKLE_BOOL,
	HFGIT_PICKLE_INT,
	HFGIT_PICKLE_BIGINT,  /* beyond int64: as.bytes holds little-endian two's complement */
	HFGIT_PICKLE_FLOAT,
	HFGIT_PICKLE_STR,
	HFGIT_PICKLE_BYTES,
	HFGIT_PICKLE_TUPLE,
	HFGIT_PICKLE_LIST,
	HFGIT_PICKLE_DICT,
	HFGIT_PICKLE_GLOBAL,  /* one of the allow-listed names */
	HFGIT_PICKLE_STORAGE, /* what a persistent id resolved to */
	HFGIT_PICKLE_TENSOR,
} hfgit_pickle_kind;

typedef enum {
	HFGIT_GLOBAL_ORDERED_DICT,
	HFGIT_GLOBAL_REBUILD_TENSOR,
	HFGIT_GLOBAL_REBUILD_TENSOR_V2,
	HFGIT_GLOBAL_REBUILD_TENSOR_V3,
	HFGIT_GLOBAL_REBUILD_PARAMETER,
	HFGIT_GLOBAL_STORAGE_CLASS, /* torch.FloatStorage, ...; torch.UntypedStorage counts bytes */
	HFGIT_GLOBAL_DTYPE,         /* torch.float32, ... */
} hfgit_pickle_global;

/* A view into a storage, bounds-checked against it when it was built. */
typedef struct {
	void *storage;         /* the handle the storage callback gave */
	const char *storage_key;
	hfgit_dtype dtype;
	size_t ndim;
	int64_t shape[HFGIT_MAX_DIMS];
	int64_t strides[HFGIT_MAX_DIMS]; /* row-major when contiguous (torch's sense) */
	bool contiguous;
	uint64_t numel;
	uint64_t byte_offset;  /* of the first element in the storage; 0 when numel is 0 */
	uint64_t nbytes;       /* from the first element to one past the last it spans */
} hfgit_pickle_tensor;

typedef struct hfgit_pickle_value hfgit_pickle_value;

struct hfgit_pickle_value {
	hfgit_pickle_kind kind;
	/* Free for the caller's walks over the result (e.g. to notice a dict reached twice). */
	unsigned walk_mark;
	union {
		bool boolean;
		int64_t integer;
		double real;
		/* STR (bytes as in the file, meant to be UTF-8), BYTES, BIGINT; NUL-terminated */
		struct {
			const char *ptr;
			size_t len;
		} bytes;
		/* TUPLE, LIST; DICT as key, value, key, value, ... in insertion order */
		struct {
			hfgit_pickle_value **items;
			size_t len;
		} seq;
		struct {
			hfgit_pickle_global which;
			hfgit_dtype dtype;
			bool untyped;
		} global;
		struct {
			void *handle;
			const char *key;
			hfgit_dtype dtype;
			uint64_t nbytes;
		} storage;
		hfgit_pickle_tensor *tensor;
	} as;
	/* Private to the unpickler. */
	size_t cap;
	bool ordered_dict;
};

/* A persistent id ('storage', <torch.XStorage>, key, location, numel[, view]) as read. */
typedef struct {
	const char *key; /* NUL-terminated; key_len excludes the NUL */
	size_t key_len;
	hfgit_dtype dtype;
	bool untyped;       /* torch.UntypedStorage: dtype U8, numel counts bytes */
	uint64_t numel;
	uint64_t nbytes;    /* numel x element size, checked for overflow */
	const char *location; /* "cpu", "cuda:0", ...: hfgit loads everything into host memory */
	/* The legacy format can reference a slice of a storage as a storage of its own. */
	bool is_view;
	const char *view_key;
	size_t view_key_len;
	uint64_t view_offset; /* elements into the storage above */
	uint64_t view_numel;
} hfgit_pickle_storage_ref;

/*
 * Resolve a persistent id to the caller's storage: set *handle, and *nbytes to the bytes the
 * storage holds (which tensor views are checked against). Return 0, or a negative code with
 * the error set.
 */
typedef int (*hfgit_pickle_storage_fn)(void *payload, const hfgit_pickle_storage_ref *ref,
                                       void **handle, uint64_t *nbytes);

typedef struct {
	const char *display_name;        /* the file, for messages */
	hfgit_pickle_storage_fn storage; /* NULL: persistent ids are refused */
	void *payload;
} hfgit_unpickle_options;

/* Owns every value of one load. */
typedef struct hfgit_pickle hfgit_pickle;

/*
 * Run one pickle from the start of `data` up to its STOP. *root is the result, owned by
 * *out; *consumed (may be NULL) the bytes read, so that a sequence of pickles (the legacy
 * format) can be read one after the other. Errors are HFGIT_EINVALID with a message naming
 * the file, what was refused or malformed and where.
 */
int hfgit_unpickle__load(hfgit_pickle **out, hfgit_pickle_value **root, const void *data,
                         size_t len, size_t *consumed, const hfgit_unpickle_options *opts);
void hfgit_pickle__free(hfgit_pickle *pickle);

/* The value for `key` in a DICT whose keys are strings, or NULL. */
const hfgit_pickle_value *hfgit_pickle__dict_get(const hfgit_pickle_value *dict, const char *key);

#endif
