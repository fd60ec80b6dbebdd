/* hfgit: the command-line tool. Parses arguments, prints, and calls libhfgit. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted;

static const char usage_head[] =
	"usage: hfgit [global options] <command> [<args>]\n"
	"\n"
	"Hugging Face model repositories as real git repositories.\n"
	"\n"
	"commands:\n";

static const char usage_tail[] =
	"\n"
	"ID is [datasets/|spaces/]namespace/name or a legacy name (gpt2); REV is a branch, a\n"
	"tag, refs/pr/N, or a full or abbreviated (>= 4 hex digits) commit hash; without REV\n"
	"the repository's default branch. `--revision REV` may stand for @REV.\n"
	"\n"
	"global options (before or after the command):\n"
	"  --endpoint URL   the hub (default: $HF_ENDPOINT, else https://huggingface.co)\n"
	"  --cache-dir DIR  hfgit's cache (default: $HFGIT_HOME, $HF_HOME/hfgit,\n"
	"                   $XDG_CACHE_HOME/hfgit, ~/.cache/hfgit)\n"
	"  --token TOKEN    access token for private and gated repositories (default:\n"
	"                   $HF_TOKEN, else the token file); sent only to the hub\n"
	"  --offline        never use the network (also HF_HUB_OFFLINE=1): revisions\n"
	"                   resolve from what the cache last saw\n"
	"  --timeout SECONDS  give up on a server that does not connect, or stops sending,\n"
	"                   for this long (default: $HF_HUB_ETAG_TIMEOUT for refs, git\n"
	"                   objects and the LFS batch API, $HF_HUB_DOWNLOAD_TIMEOUT for\n"
	"                   LFS bytes; 10 s each)\n"
	"  --progress       show progress even when stderr is not a terminal, or when -q\n"
	"                   or HF_HUB_DISABLE_PROGRESS_BARS would hide it\n"
	"  -h, --help       this text; `hfgit help <command>` for a command's options\n"
	"  --version        the version\n"
	"\n"
	"Short options may be grouped (-qj4); `--` ends the options.\n"
	"\n"
	"environment:\n"
	"  HF_ENDPOINT      the hub, as for huggingface_hub\n"
	"  HF_HOME          huggingface_hub's home (default: $XDG_CACHE_HOME/huggingface,\n"
	"                   else ~/.cache/huggingface); '~' and $VAR are expanded\n"
	"  HF_HUB_CACHE     the huggingface_hub cache (default: $HF_HOME/hub; also the older\n"
	"                   HUGGINGFACE_HUB_CACHE)\n"
	"  HF_TOKEN         the access token (also the older HUGGING_FACE_HUB_TOKEN)\n"
	"  HF_TOKEN_PATH    the token file `hf auth login` writes (default: $HF_HOME/token)\n"
	"  HFGIT_HOME       hfgit's cache (see --cache-dir)\n"
	"  HF_HUB_OFFLINE   1, ON, YES or TRUE: offline (also TRANSFORMERS_OFFLINE when\n"
	"                   HF_HUB_OFFLINE is unset, and HFGIT_OFFLINE)\n"
	"  HF_HUB_DISABLE_PROGRESS_BARS\n"
	"                   1, ON, YES or TRUE: no progress display (--progress still shows it)\n"
	"  COLUMNS          the width of the progress line (default: the terminal's)\n"
	"  HFGIT_TRACE      1: trace what hfgit does on stderr\n"	"  HF_HUB_ETAG_TIMEOUT, HF_HUB_DOWNLOAD_TIMEOUT\n"
	"                   seconds (see --timeout)\n"
	"  https_proxy, http_proxy, all_proxy (upper case too), no_proxy\n"
	"                   the proxy for git and LFS traffic alike; git's http.proxy wins\n"
	"  GIT_SSL_CAINFO, CURL_CA_BUNDLE, SSL_CERT_FILE (GIT_SSL_CAPATH, SSL_CERT_DIR)\n"
	"                   CAs to trust instead of the system's; git's http.sslCAInfo too\n"
	"\n"
	"When the hub cannot be reached, a tag or commit the cache holds is used with a\n"
	"warning; a branch needs --offline.\n"
	"\n"
	"exit codes:\n"
	"  0    success\n"
	"  1    failure of no more specific class\n"
	"  2    usage error or invalid input (model id, revision, option)\n"
	"  3    repository or revision not found\n"
	"  4    abbreviated hash is ambiguous\n"
	"  5    the hub could not be reached or a transfer failed\n"
	"  6    authentication needed or refused\n"
	"  7    destination exists and is not empty (update: the checkout has local changes)\n"
	"  8    local file-system error\n"
	"  9    needs the network but offline mode is on\n"
	"  10   hfgit verify found damaged files\n"
	"  130  interrupted\n";

/*
 * The commands. One line each: name, function, summary for `hfgit --help`, and the usage
 * text that is the command's --help, its man page, the options it accepts and its bash
 * completion.
 */
const cli_command cli_commands[] = {
	{ "clone", cmd_clone, "shallow clone of exactly one revision, LFS content included", cmd_clone_usage },
	{ "resolve", cmd_resolve, "print the full commit hash a revision names", cmd_resolve_usage },
	{ "ls-remote", cmd_ls_remote, "list the repository's refs, like git ls-remote", cmd_ls_remote_usage },
	{ "export", cmd_export, "publish a revision into the huggingface_hub cache", cmd_export_usage },
	{ "ls", cmd_ls, "list the cached models: revisions, size on disk, last use", cmd_ls_usage },
	{ "verify", cmd_verify, "check cached or checked-out LFS content against its digests", cmd_verify_usage },
	{ "gc", cmd_gc, "remove cached LFS objects nothing needs any more", cmd_gc_usage },
	{ "update", cmd_update, "bring a clone of a branch to the branch's current tip", cmd_update_usage },
	{ "inspect", cmd_inspect, "the model config.json asks for: class, parameters, load report", cmd_inspect_usage },
	{ "tokenize", cmd_tokenize, "the token ids of a text, as Hugging Face's tokenizers make them", cmd_tokenize_usage },
	{ "detokenize", cmd_detokenize, "the text token ids stand for", cmd_detokenize_usage },
	{ "forward", cmd_forward, "run the model on the CPU: hidden states, logits; --generate N", cmd_forward_usage },
	{ "chat-template", cmd_chat_template, "the prompt tokenizer_config.json's chat template makes", cmd_chat_template_usage },
	{ "run", cmd_run, "the answer of the model's task for a text or an image, like pipeline()", cmd_run_usage },
	{ "lock", cmd_lock, "pin revisions in hfgit.lock; --check: what moved on the hub since", cmd_lock_usage },
	{ "sync", cmd_sync, "every locked commit back into the cache (and DIR), verified", cmd_sync_usage },
	{ "ls-files", cmd_ls_files, "list a revision's files, sizes and LFS ones, downloading no LFS bytes", cmd_ls_files_usage },
	{ "download", cmd_download, "download single files of a revision, like hf download", cmd_download_usage },
	{ "rm", cmd_rm, "remove cached revisions of a model", cmd_rm_usage },
	{ "help", cmd_help, "a command's help text, or its man page", cmd_help_usage },
	{ "completion", cmd_completion, "print the bash completion script", cmd_completion_usage },
};
const size_t cli_command_count = sizeof(cli_commands) / sizeof(*cli_commands);

const cli_command *cli_find_command(const char *name)
{
	size_t i;

	for (i = 0; i < cli_command_count; i++)
		if (!strcmp(cli_commands[i].name, name))
			return &cli_commands[i];
	return NULL;
}

void cli_print_main_usage(FILE *to)
{
	size_t i, width = 0;

	/* One column for the names, as wide as the longest. */
	for (i = 0; i < cli_command_count; i++)
		if (strlen(cli_commands[i].name) > width)
			width = strlen(cli_commands[i].name);
	fputs(usage_head, to);
	for (i = 0; i < cli_command_count; i++)
		fprintf(to, "  %-*s  %s\n", (int)width, cli_commands[i].name,
		        cli_commands[i].summary);
	fputs(usage_tail, to);
}

int cli_fail(void)
{
	int code = hfgit_error_last_code();

	fprintf(stderr, "hfgit: %s\n", *hfgit_error_last() ? hfgit_error_last() : "failed");
	if (cli_interrupted)
		return EXIT_INTERRUPTED;
	switch (code) {
	case HFGIT_EINVALID: return EXIT_USAGE;
	case HFGIT_ENOTFOUND: return EXIT_NOT_FOUND;
	case HFGIT_EAMBIGUOUS: return EXIT_AMBIGUOUS;
	case HFGIT_ENETWORK: return EXIT_NETWORK;
	case HFGIT_EAUTH: return EXIT_AUTH;
	case HFGIT_EEXISTS: return EXIT_EXISTS;
	case HFGIT_EIO: return EXIT_IO;
	case HFGIT_EOFFLINE: return EXIT_OFFLINE;
	case HFGIT_EINTERRUPTED: return EXIT_INTERRUPTED;
	default: return EXIT_FAILURE_OTHER;
	}
}

int cli_usage_error(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hfgit %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (see `hfgit %s --help`)\n", cmd);
	return EXIT_USAGE;
}

bool cli_option_value(int argc, char **argv, int *i, const char *name, const char **value)
{
	size_t len = strlen(name);
	const char *arg = argv[*i];

	if (strncmp(arg, name, len))
		return false;
	if (arg[len] == '=') {
		*value = arg + len + 1;
		return true;
	}
	if (arg[len] != '\0')
		return false;
	if (*i + 1 >= argc) {
		*value = NULL; /* the caller reports the missing value */
		return true;
	}
	*value = argv[++*i];
	return true;
}

int cli_context(hfgit_ctx **ctx, const cli_globals *g)
{
	hfgit_ctx_options opts = HFGIT_CTX_OPTIONS_INIT;

	opts.endpoint = g->endpoint;
	opts.cache_dir = g->cache_dir;
	opts.offline = g->offline;
	opts.token = g->token;
	opts.timeout = g->timeout;
	return hfgit_ctx_new(ctx, &opts) < 0 ? cli_fail() : 0;
}

void cli_note_staleness(const char *spec, const hfgit_resolved *r)
{
	if (hfgit_resolved_unreachable(r))
		fprintf(stderr, "hfgit: warning: %s; using %s from the cache (commit %s, which cannot "
		        "have changed)\n", hfgit_resolved_unreachable(r), spec, hfgit_resolved_commit(r));
	cli_note_staleness_at(spec, hfgit_resolved_cached_at(r));
}

void cli_note_staleness_at(const char *spec, long long at)
{
	long long age = (long long)time(NULL) - at;

	if (!at)
		return;
	if (age < 0)
		age = 0;
	fprintf(stderr, "hfgit: offline: %s resolved from the refs the hub advertised %lld %s ago; "
	        "it may have moved since\n", spec, age < 7200 ? age / 60 : age / 3600,
	        age < 7200 ? "minutes" : "hours");
}

static void on_signal(int sig)
{
	cli_interrupted = 1;
}

/* No SA_RESTART: a read blocked on the network returns EINTR and the operation unwinds,
 * removing what it had half made. */
static void install_signal_handlers(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}

static int unknown_command(const char *name)
{
	const char *names[64];
	const char *pick;
	size_t i;

	for (i = 0; i < cli_command_count && i < 64; i++)
		names[i] = cli_commands[i].name;
	pick = cli_suggest(name, names, i, NULL);
	if (pick)
		fprintf(stderr, "hfgit: '%s' is not an hfgit command; did you mean '%s'?\n", name, pick);
	else
		fprintf(stderr, "hfgit: '%s' is not an hfgit command (see `hfgit --help`)\n", name);
	return EXIT_USAGE;
}

static int unknown_global(const char *arg)
{
	static const char *const names[] = { "--endpoint", "--cache-dir", "--token", "--offline",
		                                 "--progress", "--timeout", "--help", "--version" };
	size_t len = strcspn(arg, "=");
	char word[64];
	const char *pick;

	snprintf(word, sizeof(word), "%.*s", (int)(len < 63 ? len : 63), arg);
	pick = cli_suggest(word, names, sizeof(names) / sizeof(*names), NULL);
	if (pick)
		fprintf(stderr, "hfgit: unknown option '%s'; did you mean '%s'?\n", word, pick);
	else
		fprintf(stderr, "hfgit: unknown option '%s' (see `hfgit --help`)\n", word);
	return EXIT_USAGE;
}

int main(int argc, char **argv)
{
	cli_globals g = { NULL, NULL, false, NULL, 0 };
	const cli_command *cmd;
	cli_args args;
	int i, rc;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			cli_print_main_usage(stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("hfgit %s\n", HFGIT_VERSION);
			return EXIT_OK;
		}
		if ((rc = cli_take_global(&g, NULL, argc, argv, &i)) < 0)
			return -rc;
		if (rc == 0)
			return unknown_global(argv[i]);
	}
	if (i >= argc) {
		cli_print_main_usage(stderr);
		return EXIT_USAGE;
	}
	if (!(cmd = cli_find_command(argv[i])))
		return unknown_command(argv[i]);
	if ((rc = cli_normalize(&args, &g, cmd, argc - i, argv + i)) != 0)
		return rc;
	install_signal_handlers();
	if (hfgit_init() < 0) {
		rc = cli_fail();
	} else {
		rc = cmd->run(args.argc, args.argv, &g);
		hfgit_shutdown();
	}
	cli_args_free(&args);
	return rc;
}
