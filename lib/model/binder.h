/*
 * Binding a checkpoint to an architecture: runs the architecture's build function with a
 * binder over the checkpoint's tensors, which fills the model's parameter table and load
 * report (missing, new, shape, dtype, buffers, legacy names), then reports every tensor no
 * lookup used as unexpected.
 */
#ifndef HFGIT_MODEL_BINDER_H
#define HFGIT_MODEL_BINDER_H

#include "hfgit.h"
#include "model/model.h"

/* `head` is the class kind being built (never HFGIT_AUTO_CONFIG). Fails only on misuse or
 * out of memory; what does not fit goes to the report. */
int hfgit_binder__bind(hfgit_model *m, const hfgit_architecture *arch, hfgit_auto_class head);

#endif
