/*
 * PyTorch checkpoints into a tensor table (see torch_load.h).
 *
 * Both formats come down to the same steps: unpickle the state dict with a resolver that
 * turns each persistent id ('storage', class, key, location, numel) into a storage of known
 * size, collect the tensor views the pickle built (each already checked to lie inside its
 * storage), check their names, and only then hand memory and tensors to the table, so that
 * a refused file leaves the table as it was.
 */
#include "model/weights/torch_load.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "model/weights/unpickle.h"
#include "model/weights/zip.h"

#define QUOTED_SIZE 128
/* {"model": {"encoder": {...}}} is as deep as checkpoints go. */
#define MAX_NESTING 16
#define LEGACY_PROTOCOL_VERSION 1001

/* 0x1950a86a20f9469cfc6c, the first pickle of a legacy file, as LONG1 stores it. */
static const unsigned char legacy_magic[] = { 0x6c, 0xfc, 0x9c, 0x46, 0xf9,
	                                          0x20, 0x6a, 0xa8, 0x50, 0x19 };

struct storage {
	char *key;
	hfgit_dtype dtype;
	uint64_t nbytes;
	const unsigned char *data; /* zip: in the archive; legacy: the copy, once read */
	unsigned char *owned;      /* legacy: the copy, until the table takes it */
	struct storage *root;      /* legacy views: the storage this one is a slice of */
	uint64_t root_offset;      /* bytes */
	bool filled;               /* legacy roots: their bytes were read */
};

/* A tensor the pickle built, under its full name. */
struct found {
	char *name;
	const hfgit_pickle_tensor *tensor;
};

enum source {
	FROM_ZIP,        /* storages are records data/<key> of an archive */
	FROM_ONE_RECORD, /* every key is the same record (hfgit_unpickle__state_dict_buffer) */
	FROM_LEGACY,     /* storages follow the pickles, read once the pickles are done */
};

struct loader {
	const char *name; /* the file, for messages */
	enum source source;
	const hfgit_zip *zip;
	const char *prefix; /* the archive's top folder, not NUL-terminated */
	size_t prefix_len;
	const unsigned char *record;
	size_t record_len;
	/* key -> storage, open addressing */
	struct storage **slots;
	size_t nslots, nstorages;
	struct found *found;
	size_t nfound, found_cap;
};

/* A file mapping that the table takes over once the load succeeds. */
struct mapping {
	void *ptr;
	size_t len;
	int fd; /* the file mapped, which goes to the table with the mapping */
	bool taken;
};

static const char *quote(char *out, const void *bytes, size_t len)
{
	hfgit_quote__bytes(out, QUOTED_SIZE, bytes, len);
	return out;
}

/* ---------------------------------------------------------------------------------------- */
/* Storages by key                                                                           */

static size_t hash_key(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

static struct storage **storage_slot(const struct loader *l, const char *key)
{
	size_t i = hash_key(key) & (l->nslots - 1);

	while (l->slots[i] && strcmp(l->slots[i]->key, key))
		i = (i + 1) & (l->nslots - 1);
	return &l->slots[i];
}

static struct storage *find_storage(const struct loader *l, const char *key)
{
	return l->nslots ? *storage_slot(l, key) : NULL;
}

static int grow_storage_table(struct loader *l)
{
	size_t nslots = l->nslots ? l->nslots * 2 : 64, i;
	struct storage **old = l->slots, **slots = calloc(nslots, sizeof(*slots));
	size_t old_n = l->nslots;

	if (!slots)
		return hfgit_error__oom();
	l->slots = slots;
	l->nslots = nslots;
	for (i = 0; i < old_n; i++) {
		if (old[i])
			*storage_slot(l, old[i]->key) = old[i];
	}
	free(old);
	return 0;
}

static int add_storage(struct loader *l, struct storage **out, const char *key, hfgit_dtype dtype,
                       uint64_t nbytes)
{
	struct storage *s;
	int rc;

	if ((l->nstorages + 1) * 2 > l->nslots && (rc = grow_storage_table(l)) < 0)
		return rc;
	if (!(s = calloc(1, sizeof(*s))) || !(s->key = hfgit__strdup(key))) {
		free(s);
		return hfgit_error__oom();
	}
	s->dtype = dtype;
	s->nbytes = nbytes;
	*storage_slot(l, key) = s;
	l->nstorages++;
	*out = s;
	return 0;
}

static const unsigned char *storage_bytes(const struct storage *s)
{
	return s->root ? s->root->data + s->root_offset : s->data;
}

/* The same key must mean the same storage every time (torch would keep the first). */
static int check_same_storage(const struct loader *l, const struct storage *s, hfgit_dtype dtype,
                              uint64_t nbytes)
{
	char quoted[QUOTED_SIZE];

	if (s->dtype == dtype && s->nbytes == nbytes)
		return 0;
	return hfgit_error__set(HFGIT_EINVALID,
	                        "%s: storage '%s' is referenced as %s of %llu bytes and as %s of %llu "
	                        "bytes: refusing to load",
	                        l->name, quote(quoted, s->key, strlen(s->key)),
	                        hfgit_dtype__name(s->dtype), (unsigned long long)s->nbytes,
	                        hfgit_dtype__name(dtype), (unsigned long long)nbytes);
}

/* ---------------------------------------------------------------------------------------- */
/* Resolving persistent ids                                                                  */

static int check_stored(const struct loader *l, const hfgit_zip_entry *e)
{
	char quoted[QUOTED_SIZE];

	if (e->method != 0)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: record '%s' is compressed (zip method %u); PyTorch stores "
		                        "records uncompressed and hfgit reads them in place: save the "
		                        "checkpoint again with torch.save",
		                        l->name, quote(quoted, e->name, e->name_len), e->method);
	if (e->compressed_size != e->size)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: record '%s' is stored but its sizes disagree (%llu and %llu "
		                        "bytes)",
		                        l->name, quote(quoted, e->name, e->name_len),
		                        (unsigned long long)e->compressed_size,
		                        (unsigned long long)e->size);
	return 0;
}

/* The record "<prefix>/<name>": *out is NULL when there is none; an error when it is not
 * stored as PyTorch stores records. */
static int find_record(const struct loader *l, const char *name, const hfgit_zip_entry **out)
{
	hfgit_strbuf path = HFGIT_STRBUF_INIT;
	int rc;

	*out = NULL;
	if ((rc = hfgit_strbuf__put(&path, l->prefix, l->prefix_len)) == 0 &&
	    (rc = hfgit_strbuf__printf(&path, "/%s", name)) == 0) {
		*out = hfgit_zip__find(l->zip, path.ptr, path.len);
		if (*out && (rc = check_stored(l, *out)) < 0)
			*out = NULL;
	}
	hfgit_strbuf__dispose(&path);
	return rc;
}

static int record_of_key(const struct loader *l, const hfgit_pickle_storage_ref *ref,
                         const unsigned char **data, uint64_t *size)
{
	const hfgit_zip_entry *e;
	hfgit_strbuf name = HFGIT_STRBUF_INIT;
	char quoted[QUOTED_SIZE];
	int rc;

	*data = NULL;
	*size = 0;
	if (l->source == FROM_ONE_RECORD) {
		*data = l->record;
		*size = l->record_len;
		return 0;
	}
	if ((rc = hfgit_strbuf__printf(&name, "data/%s", ref->key)) == 0)
		rc = find_record(l, name.ptr, &e);
	hfgit_strbuf__dispose(&name);
	if (rc < 0)
		return rc;
	if (!e)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: the state dict uses storage '%s', but the archive has no "
		                        "record data/%s for it (the file is damaged or incomplete)",
		                        l->name, quote(quoted, ref->key, ref->key_len), quoted);
	*data = e->data;
	*size = e->size;
	return 0;
}

/*
 * A storage's size comes from the pickle (numel x element size); its bytes from a record.
 * The record must hold at least that many, or tensor views checked against the pickle's size
 * would read past the record (the storage size mismatch of CVE-2026-24747).
 */
static int resolve_record_storage(struct loader *l, const hfgit_pickle_storage_ref *ref,
                                  struct storage **out)
{
	const unsigned char *data;
	char quoted[QUOTED_SIZE];
	uint64_t size;
	int rc;

	if (ref->is_view)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: storage '%s' is a view, which only the legacy format has",
		                        l->name, quote(quoted, ref->key, ref->key_len));
	if ((*out = find_storage(l, ref->key)))
		return check_same_storage(l, *out, ref->dtype, ref->nbytes);
	if ((rc = record_of_key(l, ref, &data, &size)) < 0)
		return rc;
	if (size < ref->nbytes)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: storage '%s' claims %llu elements of %s (%llu bytes) but its "
		                        "record holds only %llu bytes: refusing to load",
		                        l->name, quote(quoted, ref->key, ref->key_len),
		                        (unsigned long long)ref->numel, hfgit_dtype__name(ref->dtype),
		                        (unsigned long long)ref->nbytes, (unsigned long long)size);
	if ((rc = add_storage(l, out, ref->key, ref->dtype, ref->nbytes)) < 0)
		return rc;
	(*out)->data = data;
	return 0;
}

static int add_legacy_view(struct loader *l, const hfgit_pickle_storage_ref *ref,
                           struct storage *root, struct storage **out)
{
	uint64_t esize = hfgit_dtype__size(ref->dtype);
	struct storage *view = find_storage(l, ref->view_key);
	char quoted[QUOTED_SIZE];
	int rc;

	/* The unpickler checked that offset + numel of the view lie within the root. */
	if (view && (view->root != root || view->root_offset != ref->view_offset * esize ||
	             view->nbytes != ref->view_numel * esize))
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: storage view '%s' is described in two different ways: "
		                        "refusing to load",
		                        l->name, quote(quoted, ref->view_key, ref->view_key_len));
	if (!view) {
		if ((rc = add_storage(l, &view, ref->view_key, ref->dtype, ref->view_numel * esize)) < 0)
			return rc;
		view->root = root;
		view->root_offset = ref->view_offset * esize;
	}
	*out = view;
	return 0;
}

/* The legacy format names storages first and stores their bytes after the pickle. */
static int resolve_legacy_storage(struct loader *l, const hfgit_pickle_storage_ref *ref,
                                  struct storage **out)
{
	struct storage *root = find_storage(l, ref->key);
	char quoted[QUOTED_SIZE];
	int rc;

	if (root && root->root)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: storage '%s' is used both as a view and as a storage of its "
		                        "own: refusing to load",
		                        l->name, quote(quoted, ref->key, ref->key_len));
	if (root && (rc = check_same_storage(l, root, ref->dtype, ref->nbytes)) < 0)
		return rc;
	if (!root && (rc = add_storage(l, &root, ref->key, ref->dtype, ref->nbytes)) < 0)
		return rc;
	if (ref->is_view)
		return add_legacy_view(l, ref, root, out);
	*out = root;
	return 0;
}

static int resolve_storage(void *payload, const hfgit_pickle_storage_ref *ref, void **handle,
                           uint64_t *nbytes)
{
	struct loader *l = payload;
	struct storage *s = NULL;
	int rc;

	rc = l->source == FROM_LEGACY ? resolve_legacy_storage(l, ref, &s)
	                              : resolve_record_storage(l, ref, &s);
	if (rc < 0)
		return rc;
	*handle = s;
	*nbytes = s->nbytes;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* From the pickle's result to tensors                                                       */

static bool is_valid_utf8(const unsigned char *s, size_t len)
{
	size_t i = 0;

	while (i < len) {
		unsigned char c = s[i];
		size_t n = c < 0x80 ? 0 : (c & 0xe0) == 0xc0 ? 1 : (c & 0xf0) == 0xe0 ? 2
		                     : (c & 0xf8) == 0xf0   ? 3 : 4;
		uint32_t cp = c & (0x7f >> n);
		size_t k;

		if (c == 0 || n == 4 || (n == 1 && c < 0xc2) || len - i - 1 < n)
			return false;
		for (k = 1; k <= n; k++) {
			if ((s[i + k] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + k] & 0x3f);
		}
		if ((n == 2 && cp < 0x800) || (n == 3 && (cp < 0x10000 || cp > 0x10ffff)) ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		i += n + 1;
	}
	return true;
}

static int add_found(struct loader *l, const char *name, const hfgit_pickle_tensor *t)
{
	if (l->nfound == l->found_cap) {
		size_t cap = l->found_cap ? l->found_cap * 2 : 64;
		struct found *grown = realloc(l->found, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		l->found = grown;
		l->found_cap = cap;
	}
	if (!(l->found[l->nfound].name = hfgit__strdup(name)))
		return HFGIT_ERROR;
	l->found[l->nfound++].tensor = t;
	return 0;
}

static int collect_tensors(struct loader *l, hfgit_pickle_value *dict, hfgit_strbuf *path,
                           int depth);

static int collect_entry(struct loader *l, const hfgit_pickle_value *key, hfgit_pickle_value *value,
                         hfgit_strbuf *path, int depth)
{
	char quoted[QUOTED_SIZE];
	int rc;

	if (key->kind != HFGIT_PICKLE_STR)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: the state dict has a key that is not a string where a tensor "
		                        "name is expected",
		                        l->name);
	if (!is_valid_utf8((const unsigned char *)key->as.bytes.ptr, key->as.bytes.len))
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: tensor name '%s' is not valid UTF-8 text", l->name,
		                        quote(quoted, key->as.bytes.ptr, key->as.bytes.len));
	if ((rc = hfgit_strbuf__put(path, key->as.bytes.ptr, key->as.bytes.len)) < 0)
		return rc;
	if (value->kind == HFGIT_PICKLE_TENSOR)
		return add_found(l, path->ptr, value->as.tensor);
	/* A dict reached twice (or inside itself) would repeat names, or never end. */
	if (value->walk_mark)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: the dict under '%s' appears more than once in the state dict",
		                        l->name, quote(quoted, path->ptr, path->len));
	if (depth >= MAX_NESTING)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: dicts under '%s' nest more than %d deep", l->name,
		                        quote(quoted, path->ptr, path->len), MAX_NESTING);
	value->walk_mark = 1;
	if ((rc = hfgit_strbuf__puts(path, ".")) < 0)
		return rc;
	return collect_tensors(l, value, path, depth + 1);
}

static int collect_tensors(struct loader *l, hfgit_pickle_value *dict, hfgit_strbuf *path,
                           int depth)
{
	size_t i, mark = path->len;
	int rc;

	for (i = 0; i + 1 < dict->as.seq.len; i += 2) {
		hfgit_pickle_value *value = dict->as.seq.items[i + 1];
		if (value->kind != HFGIT_PICKLE_TENSOR && value->kind != HFGIT_PICKLE_DICT)
			continue;
		if ((rc = collect_entry(l, dict->as.seq.items[i], value, path, depth)) < 0)
			return rc;
		path->len = mark;
		if (path->ptr)
			path->ptr[mark] = '\0';
	}
	return 0;
}

static int collect_state_dict(struct loader *l, hfgit_pickle_value *root)
{
	hfgit_strbuf path = HFGIT_STRBUF_INIT;
	int rc;

	if (root->kind != HFGIT_PICKLE_DICT)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: the checkpoint holds a single object that is not a dict of "
		                        "tensors (a state dict)",
		                        l->name);
	root->walk_mark = 1;
	rc = collect_tensors(l, root, &path, 0);
	hfgit_strbuf__dispose(&path);
	return rc;
}

static int compare_found(const void *a, const void *b)
{
	return strcmp(((const struct found *)a)->name, ((const struct found *)b)->name);
}

/* Checked before anything is added, so that a refused file adds nothing. */
static int check_names(struct loader *l, const hfgit_weights *w)
{
	char quoted[QUOTED_SIZE];
	size_t i;

	if (l->nfound > 1)
		qsort(l->found, l->nfound, sizeof(*l->found), compare_found);
	for (i = 0; i < l->nfound; i++) {
		const char *name = l->found[i].name;
		if (i && !strcmp(l->found[i - 1].name, name))
			return hfgit_error__set(HFGIT_EINVALID, "%s: tensor '%s' appears twice", l->name,
			                        quote(quoted, name, strlen(name)));
		if (hfgit_weights__find(w, name))
			return hfgit_error__set(HFGIT_EINVALID,
			                        "%s: tensor '%s' was already loaded from another file", l->name,
			                        quote(quoted, name, strlen(name)));
	}
	return 0;
}

static void describe_tensor(hfgit_tensor *out, const struct found *f)
{
	const hfgit_pickle_tensor *t = f->tensor;

	memset(out, 0, sizeof(*out));
	out->name = f->name;
	out->dtype = t->dtype;
	out->ndim = t->ndim;
	memcpy(out->shape, t->shape, sizeof(out->shape));
	memcpy(out->strides, t->strides, sizeof(out->strides));
	out->contiguous = t->contiguous;
	if (t->numel) {
		out->data = storage_bytes(t->storage) + t->byte_offset;
		out->nbytes = (size_t)t->nbytes;
	}
}

static void unmap(void *ptr, size_t len)
{
	munmap(ptr, len);
}

/* The memory the tensors point into goes to the table before the tensors do. */
static int hand_over_memory(struct loader *l, hfgit_weights *w, struct mapping *map)
{
	size_t i;
	int rc;

	if (map && !map->taken) {
		rc = hfgit_weights__keep_file(w, map->ptr, map->len, unmap, map->fd);
		map->fd = -1;
		if (rc < 0)
			return rc;
		map->taken = true;
	}
	for (i = 0; i < l->nslots; i++) {
		struct storage *s = l->slots[i];
		if (!s || !s->owned)
			continue;
		if ((rc = hfgit_weights__keep(w, s->owned, (size_t)s->nbytes, NULL)) < 0)
			return rc;
		s->owned = NULL;
	}
	return 0;
}

static int add_tensors(struct loader *l, hfgit_weights *w, struct mapping *map)
{
	hfgit_tensor t;
	size_t i;
	int rc;

	if ((rc = check_names(l, w)) < 0 || (rc = hand_over_memory(l, w, map)) < 0)
		return rc;
	for (i = 0; i < l->nfound; i++) {
		describe_tensor(&t, &l->found[i]);
		if ((rc = hfgit_weights__add(w, &t)) < 0)
			return rc;
	}
	return 0;
}

static void loader_dispose(struct loader *l)
{
	size_t i;

	for (i = 0; i < l->nslots; i++) {
		if (l->slots[i]) {
			free(l->slots[i]->key);
			free(l->slots[i]->owned);
			free(l->slots[i]);
		}
	}
	free(l->slots);
	for (i = 0; i < l->nfound; i++)
		free(l->found[i].name);
	free(l->found);
}

/* ---------------------------------------------------------------------------------------- */
/* The zip format                                                                            */

static int find_prefix(struct loader *l)
{
	const hfgit_zip_entry *first = hfgit_zip__entry_at(l->zip, 0), *e;
	const char *slash;
	char quoted[QUOTED_SIZE], quoted_prefix[QUOTED_SIZE];
	size_t i;

	if (!first)
		return hfgit_error__set(HFGIT_EINVALID, "%s: the zip archive is empty", l->name);
	slash = memchr(first->name, '/', first->name_len);
	if (!slash || slash == first->name)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: zip entry '%s' is not in a top folder, as PyTorch's records "
		                        "are: not a PyTorch checkpoint",
		                        l->name, quote(quoted, first->name, first->name_len));
	l->prefix = first->name;
	l->prefix_len = (size_t)(slash - first->name);
	for (i = 1; (e = hfgit_zip__entry_at(l->zip, i)); i++) {
		if (e->name_len <= l->prefix_len || memcmp(e->name, l->prefix, l->prefix_len) ||
		    e->name[l->prefix_len] != '/')
			return hfgit_error__set(HFGIT_EINVALID,
			                        "%s: zip entry '%s' is outside the top folder '%s' of the "
			                        "others: not a PyTorch checkpoint",
			                        l->name, quote(quoted, e->name, e->name_len),
			                        quote(quoted_prefix, l->prefix, l->prefix_len));
	}
	return 0;
}

/*
 * The small records are read whole, so their checksum costs nothing; storages are not (they
 * are used in place, and the Hub's LFS layer has already checked the file's SHA-256). Fuzzing
 * builds skip it, or mutations of data.pkl would never get past it.
 */
static int check_crc(const struct loader *l, const hfgit_zip_entry *e)
{
	char quoted[QUOTED_SIZE];

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
	return 0;
#endif
	if (hfgit_zip__crc32(e->data, (size_t)e->size) == e->crc32)
		return 0;
	return hfgit_error__set(HFGIT_EINVALID, "%s: record '%s' is damaged (its CRC-32 does not match)",
	                        l->name, quote(quoted, e->name, e->name_len));
}

/* Byte-swapping every storage would end zero-copy loading, for files nobody publishes. */
static int refuse_big_endian(const struct loader *l)
{
	return hfgit_error__set(HFGIT_EINVALID,
	                        "%s: the checkpoint was saved big-endian; hfgit reads little-endian "
	                        "checkpoints only (load it and save it again on a little-endian "
	                        "machine)",
	                        l->name);
}

static int check_byteorder(const struct loader *l)
{
	const hfgit_zip_entry *e;
	char quoted[QUOTED_SIZE];
	int rc;

	if ((rc = find_record(l, "byteorder", &e)) < 0)
		return rc;
	if (!e) /* absent in files of older torch, which were all little-endian */
		return 0;
	if ((rc = check_crc(l, e)) < 0)
		return rc;
	if (e->size == 6 && !memcmp(e->data, "little", 6))
		return 0;
	if (e->size == 3 && !memcmp(e->data, "big", 3))
		return refuse_big_endian(l);
	return hfgit_error__set(HFGIT_EINVALID, "%s: record byteorder says '%s', not 'little' or 'big'",
	                        l->name, quote(quoted, e->data, (size_t)e->size));
}

static int unpickle_state_dict(struct loader *l, const void *pkl, size_t len, hfgit_pickle **pickle)
{
	hfgit_unpickle_options opts = { 0 };
	hfgit_pickle_value *root;
	int rc;

	opts.display_name = l->name;
	opts.storage = resolve_storage;
	opts.payload = l;
	if ((rc = hfgit_unpickle__load(pickle, &root, pkl, len, NULL, &opts)) < 0)
		return rc;
	return collect_state_dict(l, root);
}

static int load_zip(hfgit_weights *w, const void *data, size_t len, const char *name,
                    struct mapping *map)
{
	struct loader l = { 0 };
	hfgit_pickle *pickle = NULL;
	hfgit_zip *zip = NULL;
	const hfgit_zip_entry *pkl;
	int rc;

	l.name = name;
	l.source = FROM_ZIP;
	if ((rc = hfgit_zip__open(&zip, data, len, name)) < 0)
		goto out;
	l.zip = zip;
	if ((rc = find_prefix(&l)) < 0 || (rc = check_byteorder(&l)) < 0)
		goto out;
	if ((rc = find_record(&l, "data.pkl", &pkl)) < 0)
		goto out;
	if (!pkl) {
		rc = hfgit_error__set(HFGIT_EINVALID,
		                      "%s: the archive has no data.pkl record: not a PyTorch checkpoint",
		                      name);
		goto out;
	}
	if ((rc = check_crc(&l, pkl)) < 0 ||
	    (rc = unpickle_state_dict(&l, pkl->data, (size_t)pkl->size, &pickle)) < 0)
		goto out;
	rc = add_tensors(&l, w, map);
out:
	hfgit_pickle__free(pickle);
	hfgit_zip__free(zip);
	loader_dispose(&l);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* The legacy format                                                                         */

/* One of the small pickles before the state dict; *pos moves past it. */
static int unpickle_plain(const struct loader *l, const unsigned char *data, size_t len,
                          size_t *pos, hfgit_pickle **pickle, hfgit_pickle_value **root)
{
	hfgit_unpickle_options opts = { 0 };
	size_t used;
	int rc;

	opts.display_name = l->name;
	if ((rc = hfgit_unpickle__load(pickle, root, data + *pos, len - *pos, &used, &opts)) < 0)
		return rc;
	*pos += used;
	return 0;
}

static bool is_legacy_magic(const hfgit_pickle_value *v)
{
	return v->kind == HFGIT_PICKLE_BIGINT && v->as.bytes.len == sizeof(legacy_magic) &&
	       !memcmp(v->as.bytes.ptr, legacy_magic, sizeof(legacy_magic));
}

/* Magic number, protocol version and the saving machine's description. */
static int read_legacy_header(const struct loader *l, const unsigned char *data, size_t len,
                              size_t *pos)
{
	hfgit_pickle *p = NULL;
	hfgit_pickle_value *v;
	const hfgit_pickle_value *little;
	int rc;

	if ((rc = unpickle_plain(l, data, len, pos, &p, &v)) < 0)
		return rc;
	rc = is_legacy_magic(v) ? 0
	                        : hfgit_error__set(HFGIT_EINVALID,
	                                           "%s: not a PyTorch checkpoint: a pickle, but without "
	                                           "torch.save's magic number",
	                                           l->name);
	hfgit_pickle__free(p);
	if (rc < 0 || (rc = unpickle_plain(l, data, len, pos, &p, &v)) < 0)
		return rc;
	if (v->kind != HFGIT_PICKLE_INT || v->as.integer != LEGACY_PROTOCOL_VERSION)
		rc = hfgit_error__set(HFGIT_EINVALID,
		                      "%s: legacy checkpoint with an unknown protocol version (expected %d)",
		                      l->name, LEGACY_PROTOCOL_VERSION);
	hfgit_pickle__free(p);
	if (rc < 0 || (rc = unpickle_plain(l, data, len, pos, &p, &v)) < 0)
		return rc;
	little = hfgit_pickle__dict_get(v, "little_endian");
	if (v->kind != HFGIT_PICKLE_DICT)
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: legacy checkpoint without its system information",
		                      l->name);
	else if (little && little->kind == HFGIT_PICKLE_BOOL && !little->as.boolean)
		rc = refuse_big_endian(l);
	hfgit_pickle__free(p);
	return rc;
}

static uint64_t read_le64(const unsigned char *p)
{
	uint64_t v = 0;
	int i;

	for (i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int read_one_storage(struct loader *l, const hfgit_pickle_value *key,
                            const unsigned char *data, size_t len, size_t *pos)
{
	char quoted[QUOTED_SIZE];
	struct storage *s;
	uint64_t count, esize;

	if (key->kind != HFGIT_PICKLE_STR || memchr(key->as.bytes.ptr, '\0', key->as.bytes.len))
		return hfgit_error__set(HFGIT_EINVALID, "%s: the list of storage keys holds a non-string",
		                        l->name);
	s = find_storage(l, key->as.bytes.ptr);
	if (!s || s->root || s->filled)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: the file stores storage '%s', which the state dict %s", l->name,
		                        quote(quoted, key->as.bytes.ptr, key->as.bytes.len),
		                        !s ? "never uses" : s->root ? "uses as a view" : "has already");
	esize = hfgit_dtype__size(s->dtype);
	if (len - *pos < 8)
		return hfgit_error__set(HFGIT_EINVALID, "%s: the file ends before storage '%s' (truncated?)",
		                        l->name, quote(quoted, s->key, strlen(s->key)));
	count = read_le64(data + *pos);
	*pos += 8;
	if (count != s->nbytes / esize)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: storage '%s' has %llu elements in the file but %llu in the "
		                        "state dict: refusing to load",
		                        l->name, quote(quoted, s->key, strlen(s->key)),
		                        (unsigned long long)count, (unsigned long long)(s->nbytes / esize));
	if (len - *pos < s->nbytes)
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: the file ends inside storage '%s' (truncated?)", l->name,
		                        quote(quoted, s->key, strlen(s->key)));
	/* A copy, not a pointer into the file: the legacy layout leaves storages unaligned. */
	if (!(s->owned = malloc(s->nbytes ? (size_t)s->nbytes : 1)))
		return hfgit_error__oom();
	memcpy(s->owned, data + *pos, (size_t)s->nbytes);
	*pos += (size_t)s->nbytes;
	s->data = s->owned;
	s->filled = true;
	return 0;
}

static int read_legacy_storages(struct loader *l, const unsigned char *data, size_t len,
                                size_t *pos)
{
	hfgit_pickle *p = NULL;
	hfgit_pickle_value *keys;
	char quoted[QUOTED_SIZE];
	size_t i;
	int rc;

	if ((rc = unpickle_plain(l, data, len, pos, &p, &keys)) < 0)
		return rc;
	if (keys->kind != HFGIT_PICKLE_LIST)
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: the list of storage keys is missing", l->name);
	for (i = 0; rc == 0 && i < keys->as.seq.len; i++)
		rc = read_one_storage(l, keys->as.seq.items[i], data, len, pos);
	hfgit_pickle__free(p);
	for (i = 0; rc == 0 && i < l->nslots; i++) {
		const struct storage *s = l->slots[i];
		if (s && !s->root && !s->filled)
			rc = hfgit_error__set(HFGIT_EINVALID,
			                      "%s: storage '%s' has no data in the file (truncated or damaged)",
			                      l->name, quote(quoted, s->key, strlen(s->key)));
	}
	return rc;
}

/* The state dict, then the storages its persistent ids named. */
static int read_legacy_state_dict(struct loader *l, const unsigned char *data, size_t len,
                                  size_t *pos, hfgit_pickle **pickle)
{
	hfgit_unpickle_options opts = { 0 };
	hfgit_pickle_value *root;
	size_t used;
	int rc;

	opts.display_name = l->name;
	opts.storage = resolve_storage;
	opts.payload = l;
	if ((rc = hfgit_unpickle__load(pickle, &root, data + *pos, len - *pos, &used, &opts)) < 0)
		return rc;
	*pos += used;
	if ((rc = read_legacy_storages(l, data, len, pos)) < 0)
		return rc;
	return collect_state_dict(l, root);
}

static int load_legacy(hfgit_weights *w, const void *data, size_t len, const char *name)
{
	struct loader l = { 0 };
	hfgit_pickle *pickle = NULL;
	size_t pos = 0;
	int rc;

	l.name = name;
	l.source = FROM_LEGACY;
	if ((rc = read_legacy_header(&l, data, len, &pos)) == 0 &&
	    (rc = read_legacy_state_dict(&l, data, len, &pos, &pickle)) == 0)
		rc = add_tensors(&l, w, NULL);
	hfgit_pickle__free(pickle);
	loader_dispose(&l);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Entry points                                                                              */

static bool starts_with(const void *data, size_t len, const char *prefix, size_t prefix_len)
{
	return len >= prefix_len && !memcmp(data, prefix, prefix_len);
}

static int load_any(hfgit_weights *w, const void *data, size_t len, const char *name,
                    struct mapping *map)
{
	const unsigned char *p = data;

	if (starts_with(data, len, "PK\3\4", 4) || starts_with(data, len, "PK\5\6", 4))
		return load_zip(w, data, len, name, map);
	if (len > 0 && p[0] == 0x80)
		return load_legacy(w, data, len, name);
	if (len >= 262 && !memcmp(p + 257, "ustar", 5))
		return hfgit_error__set(HFGIT_EINVALID,
		                        "%s: a checkpoint in the tar format of PyTorch before 0.4, which "
		                        "hfgit does not read: load and save it again with a newer torch",
		                        name);
	return hfgit_error__set(HFGIT_EINVALID,
	                        "%s: not a PyTorch checkpoint (neither a zip archive nor a pickle)",
	                        name);
}

int hfgit_torch__load_buffer(hfgit_weights *w, const void *data, size_t len,
                             const char *display_name)
{
	return load_any(w, data, len, display_name, NULL);
}

int hfgit_torch__load_zip_buffer(hfgit_weights *w, const void *data, size_t len,
                                 const char *display_name)
{
	return load_zip(w, data, len, display_name, NULL);
}

int hfgit_unpickle__state_dict_buffer(hfgit_weights *w, const void *pickle, size_t pickle_len,
                                      const void *storage, size_t storage_len,
                                      const char *display_name)
{
	struct loader l = { 0 };
	hfgit_pickle *p = NULL;
	int rc;

	l.name = display_name;
	l.source = FROM_ONE_RECORD;
	l.record = storage;
	l.record_len = storage_len;
	if ((rc = unpickle_state_dict(&l, pickle, pickle_len, &p)) == 0)
		rc = add_tensors(&l, w, NULL);
	hfgit_pickle__free(p);
	loader_dispose(&l);
	return rc;
}

int hfgit_torch__load(hfgit_weights *w, const char *path)
{
	struct mapping map = { 0 };
	struct stat st;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hfgit_error__set_errno(errno == ENOENT ? HFGIT_ENOTFOUND : HFGIT_EIO,
		                              "cannot open %s", path);
	if (fstat(fd, &st) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot read %s", path);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size == 0) {
		close(fd);
		return hfgit_error__set(HFGIT_EINVALID, "%s: %s, not a PyTorch checkpoint", path,
		                        S_ISREG(st.st_mode) ? "an empty file" : "not a regular file");
	}
	map.len = (size_t)st.st_size;
	map.ptr = mmap(NULL, map.len, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map.ptr == MAP_FAILED) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot map %s", path);
		close(fd);
		return rc;
	}
	map.fd = fd;
	rc = load_any(w, map.ptr, map.len, path, &map);
	if (!map.taken)
		munmap(map.ptr, map.len);
	if (map.fd >= 0)
		close(map.fd);
	return rc;
}
