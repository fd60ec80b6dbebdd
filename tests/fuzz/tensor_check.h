/*
 * What every tensor a PyTorch loader returns must satisfy, whatever the input: shape, strides
 * and byte span agree, the data lies inside `inside` (when given), and its first and last bytes
 * can be read (AddressSanitizer catches anything outside the buffer).
 */
#ifndef HFGIT_FUZZ_TENSOR_CHECK_H
#define HFGIT_FUZZ_TENSOR_CHECK_H

#include <stdint.h>
#include <stdlib.h>

#include "model/weights/weights.h"

/* Stops the build from dropping the reads. */
static volatile unsigned char sink;

/* nbytes must be exactly the span of the strided view: (sum of (size-1) x stride + 1) elements. */
static inline void check_tensor(const hfgit_tensor *t, const uint8_t *inside, size_t inside_len)
{
	int64_t row_major[HFGIT_MAX_DIMS];
	uint64_t last = 0;
	size_t elements, d;
	const uint8_t *p = t->data;

	if (t->ndim > HFGIT_MAX_DIMS ||
	    !hfgit_tensor__contiguous_strides(row_major, t->shape, t->ndim, &elements))
		abort();
	if (elements == 0) {
		if (p || t->nbytes || !t->contiguous)
			abort();
		return;
	}
	for (d = 0; d < t->ndim; d++) {
		if (t->strides[d] < 0 || (t->contiguous && t->strides[d] != row_major[d]))
			abort();
		last += (uint64_t)(t->shape[d] - 1) * (uint64_t)t->strides[d];
	}
	if (!p || t->nbytes != (last + 1) * hfgit_dtype__size(t->dtype))
		abort();
	if (inside && (p < inside || t->nbytes > inside_len ||
	               (size_t)(p - inside) > inside_len - t->nbytes))
		abort();
	sink = p[0];
	sink = p[t->nbytes - 1];
}

#endif
