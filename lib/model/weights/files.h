/*
 * Finding and loading a model directory's weights the way transformers does: model.safetensors,
 * else the shards named by model.safetensors.index.json, else pytorch_model.bin (or its
 * sharded index). A weight file that is still a Git LFS pointer (a clone without LFS content)
 * is named as such instead of failing as a corrupt file.
 */
#ifndef HFGIT_MODEL_WEIGHTS_FILES_H
#define HFGIT_MODEL_WEIGHTS_FILES_H

#include <stddef.h>

#include "hfgit.h"
#include "model/weights/weights.h"

#define HFGIT_SAFETENSORS_NAME "model.safetensors"
#define HFGIT_SAFETENSORS_INDEX_NAME "model.safetensors.index.json"
#define HFGIT_PYTORCH_NAME "pytorch_model.bin"
#define HFGIT_PYTORCH_INDEX_NAME "pytorch_model.bin.index.json"

typedef struct {
	const char *format; /* "safetensors" or "pytorch" */
	char **files;       /* relative to the directory, in load order */
	size_t nfiles;
} hfgit_weight_files;

/* Load the weights of `dir` into `w`. On failure `w` may be partly filled: free it. */
int hfgit_weight_files__load(hfgit_weights *w, hfgit_weight_files *out, const char *dir,
                             hfgit_weights_format format);
void hfgit_weight_files__dispose(hfgit_weight_files *files);

#endif
