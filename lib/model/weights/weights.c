#include "model/weights/weights.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "core/strbuf.h"

typedef struct {
	void *ptr;
	size_t len;
	void (*release)(void *ptr, size_t len);
	int fd; /* of the file mapped at ptr from its start, or -1 */
} kept_region;

struct hfgit_weights {
	hfgit_tensor *tensors;
	size_t count, cap;
	kept_region *regions;
	size_t nregions, regions_cap;
	/* Open-addressing index of tensor names, rebuilt as the table grows. */
	size_t *slots;
	size_t nslots;
};

static const struct {
	const char *name;
	size_t size;
} dtypes[HFGIT_DTYPE_COUNT_] = {
	[HFGIT_DTYPE_BOOL] = { "BOOL", 1 },   [HFGIT_DTYPE_U8] = { "U8", 1 },
	[HFGIT_DTYPE_I8] = { "I8", 1 },       [HFGIT_DTYPE_I16] = { "I16", 2 },
	[HFGIT_DTYPE_U16] = { "U16", 2 },     [HFGIT_DTYPE_F16] = { "F16", 2 },
	[HFGIT_DTYPE_BF16] = { "BF16", 2 },   [HFGIT_DTYPE_I32] = { "I32", 4 },
	[HFGIT_DTYPE_U32] = { "U32", 4 },     [HFGIT_DTYPE_F32] = { "F32", 4 },
	[HFGIT_DTYPE_F64] = { "F64", 8 },     [HFGIT_DTYPE_I64] = { "I64", 8 },
	[HFGIT_DTYPE_U64] = { "U64", 8 },     [HFGIT_DTYPE_F8_E4M3] = { "F8_E4M3", 1 },
	[HFGIT_DTYPE_F8_E5M2] = { "F8_E5M2", 1 },
};

size_t hfgit_dtype__size(hfgit_dtype dtype)
{
	return (unsigned)dtype < HFGIT_DTYPE_COUNT_ ? dtypes[dtype].size : 0;
}

const char *hfgit_dtype__name(hfgit_dtype dtype)
{
	return (unsigned)dtype < HFGIT_DTYPE_COUNT_ ? dtypes[dtype].name : "?";
}

bool hfgit_dtype__parse(hfgit_dtype *out, const char *name, size_t len)
{
	int i;

	for (i = 0; i < HFGIT_DTYPE_COUNT_; i++) {
		if (strlen(dtypes[i].name) == len && !memcmp(dtypes[i].name, name, len)) {
			*out = (hfgit_dtype)i;
			return true;
		}
	}
	return false;
}

const char *hfgit_shape__show(hfgit_shape_text *out, const int64_t *shape, size_t ndim)
{
	size_t used = 0, i;

	out->text[used++] = '[';
	for (i = 0; i < ndim && i < HFGIT_MAX_DIMS; i++)
		used += (size_t)snprintf(out->text + used, sizeof(out->text) - used, "%s%" PRId64,
		                         i ? ", " : "", shape[i]);
	snprintf(out->text + used, sizeof(out->text) - used, "]");
	return out->text;
}

bool hfgit_tensor__contiguous_strides(int64_t *strides, const int64_t *shape, size_t ndim,
                                      size_t *elements)
{
	size_t n = 1, i;

	for (i = ndim; i-- > 0;) {
		if (shape[i] < 0)
			return false;
		strides[i] = (int64_t)n;
		if (shape[i] != 0 && n > SIZE_MAX / (size_t)shape[i])
			return false;
		n *= (size_t)shape[i];
	}
	if (n > (size_t)INT64_MAX)
		return false;
	*elements = n;
	return true;
}

int hfgit_weights__new(hfgit_weights **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : hfgit_error__oom();
}

void hfgit_weights__free(hfgit_weights *w)
{
	size_t i;

	if (!w)
		return;
	for (i = 0; i < w->count; i++)
		free((char *)w->tensors[i].name);
	for (i = 0; i < w->nregions; i++) {
		if (w->regions[i].release)
			w->regions[i].release(w->regions[i].ptr, w->regions[i].len);
		else
			free(w->regions[i].ptr);
		if (w->regions[i].fd >= 0)
			close(w->regions[i].fd);
	}
	free(w->tensors);
	free(w->regions);
	free(w->slots);
	free(w);
}

/* The kept region that holds all of [ptr, ptr + len), or NULL. */
static const kept_region *region_of(const hfgit_weights *w, const void *ptr, size_t len)
{
	const uintptr_t at = (uintptr_t)ptr;
	size_t i;

	for (i = 0; i < w->nregions; i++) {
		const uintptr_t from = (uintptr_t)w->regions[i].ptr;

		if (at >= from && at - from <= w->regions[i].len &&
		    len <= w->regions[i].len - (at - from))
			return &w->regions[i];
	}
	return NULL;
}

int hfgit_weights__keep_file(hfgit_weights *w, void *ptr, size_t len,
                             void (*release)(void *, size_t), int fd)
{
	if (w->nregions == w->regions_cap) {
		size_t cap = w->regions_cap ? w->regions_cap * 2 : 4;
		kept_region *grown = realloc(w->regions, cap * sizeof(*grown));
		if (!grown) {
			if (fd >= 0)
				close(fd);
			return hfgit_error__oom();
		}
		w->regions = grown;
		w->regions_cap = cap;
	}
	w->regions[w->nregions].ptr = ptr;
	w->regions[w->nregions].len = len;
	w->regions[w->nregions].release = release;
	w->regions[w->nregions].fd = fd;
	w->nregions++;
	return 0;
}

int hfgit_weights__keep(hfgit_weights *w, void *ptr, size_t len, void (*release)(void *, size_t))
{
	return hfgit_weights__keep_file(w, ptr, len, release, -1);
}

bool hfgit_weights__file_of(const hfgit_weights *w, const void *ptr, size_t len, int *fd,
                            uint64_t *offset)
{
	const kept_region *r = region_of(w, ptr, len);

	if (!r || r->fd < 0)
		return false;
	*fd = r->fd;
	*offset = (uintptr_t)ptr - (uintptr_t)r->ptr;
	return true;
}

void hfgit_weights__memory(const hfgit_weights *w, size_t *mapped, size_t *heap)
{
	size_t i;

	*mapped = *heap = 0;
	for (i = 0; i < w->nregions; i++) {
		if (w->regions[i].release)
			*mapped += w->regions[i].len;
		else
			*heap += w->regions[i].len;
	}
}

bool hfgit_weights__in_mapping(const hfgit_weights *w, const void *ptr, size_t len)
{
	const kept_region *r = region_of(w, ptr, len);

	return r && r->release;
}

/* FNV-1a: names are short, and the table only needs a decent spread. */
static size_t hash_name(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

static size_t *find_slot(const hfgit_weights *w, const char *name)
{
	size_t i = hash_name(name) & (w->nslots - 1);

	while (w->slots[i] != 0 && strcmp(w->tensors[w->slots[i] - 1].name, name))
		i = (i + 1) & (w->nslots - 1);
	return &w->slots[i];
}

static int rebuild_index(hfgit_weights *w, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots)), i;

	if (!slots)
		return hfgit_error__oom();
	free(w->slots);
	w->slots = slots;
	w->nslots = nslots;
	for (i = 0; i < w->count; i++)
		*find_slot(w, w->tensors[i].name) = i + 1;
	return 0;
}

int hfgit_weights__add(hfgit_weights *w, const hfgit_tensor *t)
{
	size_t *slot;
	char *name;
	int rc;

	if ((w->count + 1) * 2 > w->nslots &&
	    (rc = rebuild_index(w, w->nslots ? w->nslots * 2 : 64)) < 0)
		return rc;
	slot = find_slot(w, t->name);
	if (*slot)
		return hfgit_error__set(HFGIT_EINVALID, "tensor '%s' appears twice", t->name);
	if (w->count == w->cap) {
		size_t cap = w->cap ? w->cap * 2 : 64;
		hfgit_tensor *grown = realloc(w->tensors, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		w->tensors = grown;
		w->cap = cap;
	}
	if (!(name = hfgit__strdup(t->name)))
		return HFGIT_ERROR;
	w->tensors[w->count] = *t;
	w->tensors[w->count].name = name;
	w->count++;
	*slot = w->count;
	return 0;
}

size_t hfgit_weights__count(const hfgit_weights *w)
{
	return w->count;
}

const hfgit_tensor *hfgit_weights__at(const hfgit_weights *w, size_t i)
{
	return i < w->count ? &w->tensors[i] : NULL;
}

const hfgit_tensor *hfgit_weights__find(const hfgit_weights *w, const char *name)
{
	size_t slot;

	if (!w->nslots)
		return NULL;
	slot = *find_slot(w, name);
	return slot ? &w->tensors[slot - 1] : NULL;
}

bool hfgit_weights__index(const hfgit_weights *w, const char *name, size_t *index)
{
	size_t slot;

	if (!w->nslots || !(slot = *find_slot(w, name)))
		return false;
	*index = slot - 1;
	return true;
}
