/*
 * huggingface_hub's environment, read once and the same way everywhere: where its home, its
 * hub cache and its token file are, the token, and its boolean variables. Every path is
 * expanded as huggingface_hub expands it (os.path.expanduser, then os.path.expandvars) and
 * made absolute, so HF_HOME='~/x' means $HOME/x for every command, never a directory named '~'.
 *
 * Precedence (huggingface_hub's constants.py and utils/_auth.py):
 *
 *     HF_HOME        $HF_HOME, else $XDG_CACHE_HOME/huggingface, else ~/.cache/huggingface
 *     hub cache      $HF_HUB_CACHE, else $HUGGINGFACE_HUB_CACHE, else $HF_HOME/hub
 *     token file     $HF_TOKEN_PATH, else $HF_HOME/token
 *     token          $HF_TOKEN, else $HUGGING_FACE_HUB_TOKEN, else the token file
 *     offline        $HF_HUB_OFFLINE, else $TRANSFORMERS_OFFLINE (the first one set decides)
 *
 * One difference, on purpose: a variable set to the empty string counts as unset (Python would
 * take "" as the current directory).
 */
#ifndef HFGIT_HUB_HF_ENV_H
#define HFGIT_HUB_HF_ENV_H

#include <stdbool.h>

#include "hfgit.h"

/* `path` with a leading "~" or "~user" and $VAR / ${VAR} expanded (unknown variables left as
 * they are, as Python does), made absolute. free() it. */
int hfgit_env__expand_path(char **out, const char *path);

/* The value of environment variable `name`, or NULL when it is unset or empty. */
const char *hfgit_env__get(const char *name);

/* The user's home directory ($HOME, else the password database), or NULL. */
const char *hfgit_env__home(void);

/* huggingface_hub's home directory (see above), absolute. free() it. */
int hfgit_env__hf_home(char **out);

/* The file `hf auth login` writes the token to. free() it. */
int hfgit_env__token_path(char **out);

/* The cache root: `override`, else $HFGIT_HOME, $HF_HOME/hfgit, $XDG_CACHE_HOME/hfgit, ~/.cache/hfgit. */
int hfgit_cache__root(char **out, const char *override);

/* The token: `given` when not NULL or empty, else from the environment or the token file,
 * surrounding whitespace removed; *out is NULL when there is none. free() it. */
int hfgit_env__token(char **out, const char *given);

/* Offline as huggingface_hub decides it (HF_HUB_OFFLINE, TRANSFORMERS_OFFLINE), or hfgit's
 * own HFGIT_OFFLINE. */
bool hfgit_env__offline(void);

#endif
