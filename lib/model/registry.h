/*
 * The process-wide registry of architectures (the built-ins, then those registered through
 * hfgit_architecture_register), and the choice transformers' Auto classes make: which
 * architecture a config.json names, and which class of it to build.
 */
#ifndef HFGIT_MODEL_REGISTRY_H
#define HFGIT_MODEL_REGISTRY_H

#include "hfgit.h"

typedef struct {
	const hfgit_architecture *arch; /* owned by the registry */
	hfgit_auto_class head;          /* the class kind to build: never HFGIT_AUTO_CONFIG */
	const char *class_name;         /* arch->classes[head] */
	char *reason;                   /* why, in a sentence; free() it */
} hfgit_choice;

/*
 * Find the architecture of `cfg` (architectures[0] among every registered class name, then
 * model_type) and the class for `asked`. An unknown architecture is HFGIT_EINVALID with the
 * known model types listed, and auto_map named when the config has it.
 */
int hfgit_registry__choose(hfgit_choice *out, const hfgit_config *cfg, hfgit_auto_class asked);

#endif
