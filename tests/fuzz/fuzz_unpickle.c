/*
 * Fuzz target for the restricted unpickler: the input runs as a state-dict pickle whose every
 * storage key resolves to the input itself, and, when it starts like a pickle, as a legacy
 * checkpoint (a sequence of pickles and storages). Any input must be refused with a message
 * and leave the table empty, or give tensors whose views agree with their strides and lie
 * inside their storage. Every tensor's first and last byte is read, so ASan reports a pointer
 * that escapes.
 */
#include <stdint.h>
#include <stdlib.h>

#include "hfgit.h"
#include "model/weights/torch_load.h"
#include "model/weights/weights.h"
#include "tensor_check.h"

static void check_result(int rc, const hfgit_weights *w, const uint8_t *inside, size_t inside_len)
{
	size_t i;

	if (rc < 0) {
		/* A refusal explains itself and leaves nothing behind. */
		if (hfgit_error_last()[0] == '\0' || hfgit_error_last_code() != rc ||
		    hfgit_weights__count(w) != 0)
			abort();
		return;
	}
	for (i = 0; i < hfgit_weights__count(w); i++)
		check_tensor(hfgit_weights__at(w, i), inside, inside_len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	hfgit_weights *w = NULL;
	int rc;

	if (hfgit_weights__new(&w) < 0)
		return 0;
	rc = hfgit_unpickle__state_dict_buffer(w, data, size, data, size, "fuzz");
	check_result(rc, w, data, size);
	hfgit_weights__free(w);

	if (size && data[0] == 0x80 && hfgit_weights__new(&w) == 0) {
		/* Legacy storages are copies: only ASan watches where they point. */
		rc = hfgit_torch__load_buffer(w, data, size, "fuzz");
		check_result(rc, w, NULL, 0);
		hfgit_weights__free(w);
	}
	return 0;
}
