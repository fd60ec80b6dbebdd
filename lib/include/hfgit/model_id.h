/* Model ids: [datasets/|spaces/]namespace/name[@revision], or a legacy name[@revision]. */
#ifndef HFGIT_MODEL_ID_H
#define HFGIT_MODEL_ID_H

#include "hfgit/common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Model ids: [datasets/|spaces/]namespace/name[@revision], or a legacy name[@revision]       */

typedef enum {
	HFGIT_REPO_MODEL = 0,
	HFGIT_REPO_DATASET,
	HFGIT_REPO_SPACE,
} hfgit_repo_type;

typedef struct hfgit_model_id hfgit_model_id;

/*
 * Parse and validate `spec` with the Hub's rules for repository names (characters
 * [A-Za-z0-9_.-], name of 1 to 96 characters, no leading or trailing '-' or '.', no "--" or
 * "..", no trailing ".git") and git's rules for the revision after '@' (a ref name, a
 * refs/pr/N, or a hexadecimal commit hash). Returns HFGIT_EINVALID with a message that says
 * what is wrong.
 */
HFGIT_EXTERN int hfgit_model_id_parse(hfgit_model_id **out, const char *spec);
HFGIT_EXTERN void hfgit_model_id_free(hfgit_model_id *id);

HFGIT_EXTERN hfgit_repo_type hfgit_model_id_type(const hfgit_model_id *id);
/* The namespace ("google-bert"), or NULL for a legacy id without one. */
HFGIT_EXTERN const char *hfgit_model_id_namespace(const hfgit_model_id *id);
HFGIT_EXTERN const char *hfgit_model_id_name(const hfgit_model_id *id);
/* The repository path below the endpoint: "org/name", "name", "datasets/org/name". */
HFGIT_EXTERN const char *hfgit_model_id_repo(const hfgit_model_id *id);
/* The revision after '@', or NULL when none was given (the remote's default branch). */
HFGIT_EXTERN const char *hfgit_model_id_revision(const hfgit_model_id *id);

#ifdef __cplusplus
}
#endif

#endif
