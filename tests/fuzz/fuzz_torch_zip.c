/*
 * Fuzz target for the zip format of PyTorch checkpoints: the ZIP/ZIP64 reader, the records of
 * the archive and the state dict in data.pkl. Any input must be refused with a message and
 * leave the table empty, or give tensors that lie inside the input (the format is zero-copy)
 * and whose bytes agree with their strides. Every tensor's first and last byte is read, so
 * ASan reports a pointer that escapes.
 *
 * data.pkl's CRC-32 is checked before it is unpickled, except in builds with
 * -DFUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION, where mutations of the pickle get through too.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hfgit.h"
#include "model/weights/torch_load.h"
#include "model/weights/weights.h"
#include "tensor_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hfgit_weights *w = NULL;
	size_t i;
	int rc;

	if (hfgit_weights__new(&w) < 0)
		return 0;
	rc = hfgit_torch__load_zip_buffer(w, data, size, "fuzz");
	if (rc < 0) {
		/* A refusal explains itself and leaves nothing behind. */
		if (hfgit_error_last()[0] == '\0' || hfgit_error_last_code() != rc ||
		    hfgit_weights__count(w) != 0)
			abort();
	} else {
		for (i = 0; i < hfgit_weights__count(w); i++)
			check_tensor(hfgit_weights__at(w, i), data, size);
	}
	hfgit_weights__free(w);
	return 0;
}
