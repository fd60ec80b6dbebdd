/*
 * The model object behind hfgit_model: where it came from, the class chosen and why, the
 * parameter table, and the load report. The binder fills the table and the report; the
 * loader (pretrained.c) puts the pieces together.
 */
#ifndef HFGIT_MODEL_MODEL_H
#define HFGIT_MODEL_MODEL_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>

#include "hfgit.h"
#include "core/error.h"
#include "model/weights/weights.h"

struct hfgit_model {
	char *dir;
	char *commit;
	hfgit_config *cfg;
	hfgit_weights *weights; /* the checkpoint; owns the mappings and every copy we made */

	char *class_name;
	char *model_type;
	char *reason;
	hfgit_auto_class auto_class;

	const char *format; /* "safetensors" or "pytorch" */
	char **files;
	size_t nfiles;

	hfgit_param *params; /* name, source and tied_to owned */
	size_t nparams, params_cap;
	size_t *slots;       /* open-addressing index of param names: position + 1 */
	size_t nslots;

	hfgit_load_issue *issues; /* name and message owned */
	size_t nissues, issues_cap;

	char *dtypes;

	/* The forward-pass state (lib/forward), made on first use under runner_lock, and how to
	 * free it: the factory knows nothing of forward passes. */
	struct hfgit_runner *runner;
	void (*runner_free)(struct hfgit_runner *runner);
	pthread_mutex_t runner_lock;
};

int hfgit_model__new(hfgit_model **out);

/* Add a parameter (strings copied); HFGIT_EINVALID when the name is taken. */
int hfgit_model__add_param(hfgit_model *m, const hfgit_param *p);

/* Add an issue to the report; `name` may be NULL. */
int hfgit_model__add_issue(hfgit_model *m, hfgit_issue_kind kind, hfgit_severity severity,
                           const char *name, const char *fmt, ...) HFGIT_PRINTF(5, 6);

/* Once the table is complete: the dtype summary. */
int hfgit_model__finish(hfgit_model *m);

#endif
