/* What the subcommands of the hfgit tool share: global options, argument parsing, exit codes. */
#ifndef HFGIT_CLI_H
#define HFGIT_CLI_H

#include <signal.h>
#include <stdbool.h>
#include <stdio.h>

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

/* A subcommand: one line of the command table (main.c), which drives `hfgit --help`,
 * `hfgit help CMD`, the man pages and the bash completion. `usage` is the command's --help
 * text; its option lines ("  -j, --jobs N  text") are the options the command accepts. */
typedef struct {
	const char *name;
	int (*run)(int argc, char **argv, const cli_globals *g);
	const char *summary;  /* one line, lower case, no full stop */
	const char *usage;
} cli_command;

extern const cli_command cli_commands[];
extern const size_t cli_command_count;
const cli_command *cli_find_command(const char *name);

/* An option a usage text lists. `name` points into the usage text (not NUL-terminated). */
typedef struct {
	char shortname;     /* 'j' for -j, 0 for none */
	const char *name;   /* "--jobs", or NULL for a short option alone */
	size_t len;
	bool takes_value;
} cli_option;

#define CLI_MAX_OPTIONS 64

/* The options listed in `usage`, in order; how many. */
size_t cli_options_of(const char *usage, cli_option *out, size_t max);

/* The candidate closest to `word` when it is close enough to be a typo, else NULL. `lens`:
 * the candidates' lengths (NULL: NUL-terminated strings). */
const char *cli_suggest(const char *word, const char *const *candidates, size_t n,
                        const size_t *lens);

/* A global option at argv[*i] (advancing *i past its value): 1 when taken, 0 when it is none,
 * or minus an exit code after reporting a missing value. `cmd` names the command for
 * messages, NULL before the command. */
int cli_take_global(cli_globals *g, const char *cmd, int argc, char **argv, int *i);

/* A command's arguments after cli_normalize (args.c says what it does). */
typedef struct {
	int argc;
	char **argv;
	char **owned;
	size_t nowned;
} cli_args;

/* 0, or the exit code after reporting a usage error. */
int cli_normalize(cli_args *out, cli_globals *g, const cli_command *cmd, int argc, char **argv);
void cli_args_free(cli_args *a);

/* hfgit help [--man] [CMD], hfgit completion bash */
int cmd_help(int argc, char **argv, const cli_globals *g);
int cmd_completion(int argc, char **argv, const cli_globals *g);
/* The text of `hfgit --help`. */
void cli_print_main_usage(FILE *to);

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

/* The whole of file `path` (NULL or "-": standard input) as a string (free() it); the exit
 * code, with the error printed naming `what` the text is. */
int cli_read_text(char **out, const char *path, const char *what);

/* A float as --json prints it: 9 significant digits, and NaN, Infinity and -Infinity (which
 * JSON lacks) as Python's json module writes and reads them. */
void cli_json_number(char *buf, size_t size, double v);

/* A context for the global options; prints the error and returns non-zero on failure. */
int cli_context(hfgit_ctx **ctx, const cli_globals *g);

/* The commands' --help texts. */
extern const char cmd_clone_usage[], cmd_resolve_usage[], cmd_ls_remote_usage[],
	cmd_export_usage[], cmd_ls_usage[], cmd_verify_usage[], cmd_gc_usage[], cmd_update_usage[],
	cmd_inspect_usage[], cmd_help_usage[], cmd_completion_usage[], cmd_ls_files_usage[],
	cmd_download_usage[], cmd_rm_usage[], cmd_lock_usage[], cmd_sync_usage[], cmd_forward_usage[],
	cmd_tokenize_usage[], cmd_detokenize_usage[], cmd_run_usage[], cmd_chat_template_usage[];

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
int cmd_lock(int argc, char **argv, const cli_globals *g);
/* --lock FILE of the commands that load a model: the lockfile read, or the exit code. */
int cli_read_lock(hfgit_lock **out, const char *path);
int cmd_sync(int argc, char **argv, const cli_globals *g);
int cmd_ls_files(int argc, char **argv, const cli_globals *g);
int cmd_download(int argc, char **argv, const cli_globals *g);
int cmd_rm(int argc, char **argv, const cli_globals *g);
int cmd_forward(int argc, char **argv, const cli_globals *g);
int cmd_tokenize(int argc, char **argv, const cli_globals *g);
int cmd_detokenize(int argc, char **argv, const cli_globals *g);
int cmd_chat_template(int argc, char **argv, const cli_globals *g);

/* hfgit run's callbacks' payload. */
typedef struct {
	size_t first; /* the number of the input the library's input 0 is */
	bool midline; /* streamed text is on a line not ended yet */
} cli_run_state;

/* hfgit run --chat (run_chat.c): where the conversation comes from, and answering it. */
typedef struct {
	bool on;
	const char *system;        /* --system TEXT */
	const char *messages_path; /* --messages FILE ("-": standard input) */
	const char *template_name; /* --template NAME */
	const char *context;       /* --context JSON */
} cli_chat_args;

struct json_object;
/* The conversation of `c` and the MESSAGE arguments (user, assistant, user, ...) answered,
 * or without either a session on standard input; streamed through ro->on_text, or with
 * `all` an object per answer added to it. The exit code. */
int cli_run_chat(hfgit_pipeline *p, const cli_chat_args *c, char **args, size_t nargs,
                 hfgit_run_options *ro, struct json_object *all);

/* --auto: config, base, seq-cls, causal-lm or image-cls. */
bool cli_parse_auto(hfgit_auto_class *out, const char *value);
/* Load ID[@REV] (cloned, with progress unless quiet) or a directory; *ctx is made for an ID
 * (free it after the model). The exit code; the error is printed. */
int cli_load_model(hfgit_model **m, hfgit_ctx **ctx, const cli_globals *g, const char *spec,
                   hfgit_model_options *opts, bool quiet);
int cmd_run(int argc, char **argv, const cli_globals *g);

/* Progress on a terminal (stderr); silent when stderr is not one, when quiet, or when
 * HF_HUB_DISABLE_PROGRESS_BARS is true, unless cli_force_progress (--progress). */
extern bool cli_force_progress;
typedef struct cli_progress cli_progress;
cli_progress *cli_progress_new(bool quiet);
int cli_progress_cb(const hfgit_progress *p, void *payload);
void cli_progress_done(cli_progress *p);

/* "3.0 MiB": a byte count for people. */
void cli_human_bytes(char *out, size_t size, double bytes);

#endif
