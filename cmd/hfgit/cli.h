/* What the subcommands of the hfgit tool share: global options, argument parsing, exit codes. */
#ifndef HFGIT_CLI_H
#define HFGIT_CLI_H

#include <signal.h>
#include <stdbool.h>

#include "hfgit.h"

/* Exit codes, documented in `hfgit --help`. */
enum {
	EXIT_OK = 0,
	EXIT_FAILURE_OTHER = 1,
	EXIT_USAGE = 2,
	EXIT_NOT_FOUND = 3,
	EXIT_AMBIGUOUS = 4,
	EXIT_NETWORK = 5,
	EXIT_AUTH = 6,
	EXIT_EXISTS = 7,
	EXIT_IO = 8,
	EXIT_OFFLINE = 9,
	EXIT_DAMAGED = 10,  /* hfgit verify found damaged files */
	EXIT_INTERRUPTED = 130,
};

typedef struct {
	const char *endpoint;
	const char *cache_dir;
	bool offline;
	const char *token;
	double timeout; /* --timeout; 0: the environment's */
} cli_globals;

/* Offline, tell the user how old the refs a branch or tag was resolved from are. */
void cli_note_staleness(const char *spec, const hfgit_resolved *r);
/* The same for refs advertised at Unix time `at` (0: resolved online, nothing to say). */
void cli_note_staleness_at(const char *spec, long long at);

/* Set by SIGINT/SIGTERM; long operations poll it through their progress callbacks. */
extern volatile sig_atomic_t cli_interrupted;

/* Prints "hfgit: <message of the last library error>" and returns the matching exit code. */
int cli_fail(void);

/* Prints "hfgit <cmd>: <message>" for a usage error and returns EXIT_USAGE. */
int cli_usage_error(const char *cmd, const char *fmt, ...);

/* Matches "--name VALUE" and "--name=VALUE" at argv[*i]; advances *i past the value. */
bool cli_option_value(int argc, char **argv, int *i, const char *name, const char **value);

/* "a,b" appended to a growing list of glob patterns (pointers into argv); -1 without memory. */
int cli_add_globs(const char ***list, size_t *count, char *arg);
/* --jobs: a number from 1 to 64. */
bool cli_parse_jobs(unsigned int *out, const char *value);
/* --link: auto, reflink, hardlink or copy. */
bool cli_parse_link(hfgit_link_mode *out, const char *value);

/* A context for the global options; prints the error and returns non-zero on failure. */
int cli_context(hfgit_ctx **ctx, const cli_globals *g);

int cmd_clone(int argc, char **argv, const cli_globals *g);
int cmd_resolve(int argc, char **argv, const cli_globals *g);
int cmd_ls_remote(int argc, char **argv, const cli_globals *g);
int cmd_export(int argc, char **argv, const cli_globals *g);
int cmd_ls(int argc, char **argv, const cli_globals *g);

/* clone --hf-cache: export the revision just cloned (`r`) into the huggingface_hub cache with
 * the clone's LFS selection; the exit code. */
int cli_export_after_clone(hfgit_ctx *ctx, const hfgit_model_id *id, const hfgit_resolved *r,
                           const hfgit_clone_options *clone_opts, const char *hf_cache_dir,
                           bool quiet);
int cmd_verify(int argc, char **argv, const cli_globals *g);
int cmd_gc(int argc, char **argv, const cli_globals *g);
int cmd_update(int argc, char **argv, const cli_globals *g);
int cmd_inspect(int argc, char **argv, const cli_globals *g);
int cmd_chat_template(int argc, char **argv, const cli_globals *g);

/* Progress on a terminal (stderr); silent when stderr is not one or when quiet. */
typedef struct cli_progress cli_progress;
cli_progress *cli_progress_new(bool quiet);
int cli_progress_cb(const hfgit_progress *p, void *payload);
void cli_progress_done(cli_progress *p);

/* "3.0 MiB": a byte count for people. */
void cli_human_bytes(char *out, size_t size, double bytes);

#endif
