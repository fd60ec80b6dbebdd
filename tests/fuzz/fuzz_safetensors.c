/*
 * Fuzz target for the safetensors loader: any input must be refused with a message or give
 * tensors that lie inside the input, agree with their shape and dtype, and tile the data
 * buffer. Every tensor's first and last byte is read, so ASan reports a pointer that escapes.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"
#include "model/weights/safetensors.h"
#include "model/weights/weights.h"

/* Stops the build from dropping the reads. */
static volatile unsigned char sink;

static int touch_metadata(const char *key, const char *value, void *payload)
{
	size_t *total = payload;

	*total += strlen(key) + strlen(value);
	return 0;
}

static void check_tensor(const hfgit_tensor *t, const uint8_t *data, size_t size)
{
	size_t elements;
	int64_t strides[HFGIT_MAX_DIMS];
	const uint8_t *p = t->data;

	if (t->ndim > HFGIT_MAX_DIMS || !t->contiguous ||
	    !hfgit_tensor__contiguous_strides(strides, t->shape, t->ndim, &elements) ||
	    memcmp(strides, t->strides, t->ndim * sizeof(*strides)) != 0 ||
	    elements * hfgit_dtype__size(t->dtype) != t->nbytes || (t->nbytes == 0) != (p == NULL))
		abort();
	if (!p)
		return;
	if (p < data || t->nbytes > size || (size_t)(p - data) > size - t->nbytes)
		abort();
	sink = p[0];
	sink = p[t->nbytes - 1];
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hfgit_safetensors_options opts = HFGIT_SAFETENSORS_OPTIONS_INIT;
	hfgit_weights *w = NULL;
	const uint8_t *end = NULL;
	size_t metadata_chars = 0, i;
	int rc;

	if (hfgit_weights__new(&w) < 0)
		return 0;
	opts.metadata = touch_metadata;
	opts.payload = &metadata_chars;
	rc = hfgit_safetensors__parse_ext(w, data, size, "fuzz", &opts);
	if (rc < 0) {
		/* A refusal explains itself and leaves nothing behind. */
		if (hfgit_error_last()[0] == '\0' || hfgit_error_last_code() != rc ||
		    hfgit_weights__count(w) != 0)
			abort();
	} else {
		/* In table (data) order the tensors with bytes must follow each other and end the
		 * input: every byte after the header belongs to exactly one tensor. */
		for (i = 0; i < hfgit_weights__count(w); i++) {
			const hfgit_tensor *t = hfgit_weights__at(w, i);

			check_tensor(t, data, size);
			if (hfgit_weights__find(w, t->name) != t)
				abort();
			if (!t->data)
				continue;
			if (end && (const uint8_t *)t->data != end)
				abort();
			end = (const uint8_t *)t->data + t->nbytes;
		}
		if (end && end != data + size)
			abort();
	}
	hfgit_weights__free(w);
	return 0;
}
