/*
 * PyTorch checkpoints (pytorch_model.bin and other torch.save files of a state dict) into a
 * table of tensors, without Python and without running anything from the file.
 *
 * Two formats exist on the Hub: the zip format of torch >= 1.6 (an uncompressed zip with
 * data.pkl and one record per storage), and the legacy format of older torch (a sequence of
 * pickles followed by the raw storages). Both go through the restricted unpickler of
 * unpickle.h, so only the allow-listed globals of a state dict are accepted.
 *
 * The state dict's values that are tensors become the table's tensors; nested dicts of
 * tensors ({"model": {...}}) are flattened with '.'-joined names; other values (ints,
 * strings, lists) are skipped, since the table only holds tensors. A refused file adds
 * nothing to the table.
 */
#ifndef HFGIT_MODEL_WEIGHTS_TORCH_LOAD_H
#define HFGIT_MODEL_WEIGHTS_TORCH_LOAD_H

#include <stddef.h>

#include "model/weights/weights.h"

/*
 * Load a state dict from `path` into w. Tensors of the zip format point into a read-only
 * mmap of the file, which w keeps (zero-copy: PyTorch stores records uncompressed, and a
 * compressed record is refused); storages of the legacy format are copied into memory w
 * keeps. Errors: HFGIT_EINVALID for anything wrong with the file (with a message naming the
 * file and the record, global or tensor at fault), HFGIT_ENOTFOUND / HFGIT_EIO when it
 * cannot be read.
 */
int hfgit_torch__load(hfgit_weights *w, const char *path);

/* The same from memory, either format. Zip-format tensors point into `data`, which must
 * outlive w; legacy storages are copied. */
int hfgit_torch__load_buffer(hfgit_weights *w, const void *data, size_t len,
                             const char *display_name);

/* Only the zip format (the fuzz target of the zip reader). */
int hfgit_torch__load_zip_buffer(hfgit_weights *w, const void *data, size_t len,
                                 const char *display_name);

/*
 * Run a bare state-dict pickle (a data.pkl) whose every storage key resolves to the one
 * record `storage` of `storage_len` bytes: persistent ids, their sizes and the tensor views
 * are checked as for a real archive. Tensors point into `storage`. For the unpickler's fuzz
 * target, and for tests that write pickles by hand.
 */
int hfgit_unpickle__state_dict_buffer(hfgit_weights *w, const void *pickle, size_t pickle_len,
                                      const void *storage, size_t storage_len,
                                      const char *display_name);

#endif
