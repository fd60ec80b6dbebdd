/* hfgit: the command-line tool. Parses arguments, prints, and calls libhfgit. */
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

volatile sig_atomic_t cli_interrupted;

static const char usage[] =
	"usage: hfgit [--endpoint URL] [--cache-dir DIR] [--token TOKEN] [--offline]\n"
	"             [--timeout SECONDS] <command> [<args>]\n"
	"\n"
	"Hugging Face model repositories as real git repositories.\n"
	"\n"
	"commands:\n"
	"  clone ID[@REV] [DIR]   shallow clone of exactly that revision into DIR\n"
	"                         (default: the repository name)\n"
	"  resolve ID[@REV]       print the full commit hash the revision names\n"
	"  ls-remote ID           list the repository's refs, like git ls-remote\n"
	"  export --hf-cache ID[@REV]\n"
	"                         publish a revision into the huggingface_hub cache\n"
	"  ls                     list the cached models: revisions, size on disk, last use\n"
	"  verify [ID|DIR]        check LFS content in the cache (or one model's, or a\n"
	"                         checkout's) against its digests; names damaged files\n"
	"  gc                     remove cached LFS objects nothing needs any more\n"
	"  update [DIR]           bring a clone of a branch to the branch's current tip\n"
	"  inspect ID[@REV]|DIR   the model config.json asks for: class and why, key\n"
	"                         hyperparameters, parameters, dtypes, bytes, load report\n"
	"  chat-template DIR|ID[@REV] [MESSAGES.json|-]\n"
	"                         the prompt tokenizer_config.json's chat template makes\n"
	"\n"
	"ID is [datasets/|spaces/]namespace/name or a legacy name (gpt2); REV is a branch, a\n"
	"tag, refs/pr/N, or a full or abbreviated (>= 4 hex digits) commit hash; without REV\n"
	"the repository's default branch.\n"
	"\n"
	"global options:\n"
	"  --endpoint URL   the hub (default: $HF_ENDPOINT, else https://huggingface.co)\n"
	"  --cache-dir DIR  the cache (default: $HFGIT_HOME, $HF_HOME/hfgit,\n"
	"                   $XDG_CACHE_HOME/hfgit, ~/.cache/hfgit)\n"
	"  --token TOKEN    access token for private and gated repositories (default:\n"
	"                   $HF_TOKEN, else the file $HF_HOME/token); sent only to the hub\n"
	"  --offline        never use the network (also HF_HUB_OFFLINE=1 or HFGIT_OFFLINE=1):\n"
	"                   revisions resolve from what the cache last saw\n"
	"  --timeout SECONDS  give up on a server that does not connect, or stops sending,\n"
	"                   for this long (default: $HF_HUB_ETAG_TIMEOUT for refs, git\n"
	"                   objects and the LFS batch API, $HF_HUB_DOWNLOAD_TIMEOUT for\n"
	"                   LFS bytes; 10 s each)\n"
	"\n"
	"network: proxies from $https_proxy, $http_proxy, $all_proxy (upper case too) and\n"
	"git's http.proxy, $no_proxy exempts hosts; trusted CAs from $GIT_SSL_CAINFO,\n"
	"git's http.sslCAInfo, $CURL_CA_BUNDLE, $SSL_CERT_FILE ($GIT_SSL_CAPATH,\n"
	"http.sslCAPath, $SSL_CERT_DIR): the same for git and LFS traffic. When the hub\n"
	"cannot be reached, a tag or commit the cache holds is used with a warning.\n"
	"  -h, --help       this text; `hfgit <command> --help` for a command's options\n"
	"  --version        the version\n"
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

static const struct {
	const char *name;
	int (*run)(int argc, char **argv, const cli_globals *g);
} commands[] = {
	{ "clone", cmd_clone },
	{ "resolve", cmd_resolve },
	{ "ls-remote", cmd_ls_remote },
	{ "export", cmd_export },
	{ "ls", cmd_ls },
	{ "verify", cmd_verify },
	{ "gc", cmd_gc },
	{ "update", cmd_update },
	{ "inspect", cmd_inspect },
	{ "chat-template", cmd_chat_template },
};

int main(int argc, char **argv)
{
	cli_globals g = { NULL, NULL, false, NULL, 0 };
	int i, rc;
	size_t c;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		const char *value;
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--version")) {
			printf("hfgit %s\n", HFGIT_VERSION);
			return EXIT_OK;
		}
		if (!strcmp(argv[i], "--offline")) {
			g.offline = true;
			continue;
		}
		if (cli_option_value(argc, argv, &i, "--endpoint", &value))
			g.endpoint = value;
		else if (cli_option_value(argc, argv, &i, "--cache-dir", &value))
			g.cache_dir = value;
		else if (cli_option_value(argc, argv, &i, "--token", &value))
			g.token = value;
		else if (cli_option_value(argc, argv, &i, "--timeout", &value)) {
			char *end = NULL;
			if (value && (!(g.timeout = strtod(value, &end)) || *end || g.timeout < 0 ||
			              g.timeout > 86400)) {
				fprintf(stderr, "hfgit: --timeout wants seconds (e.g. --timeout 30), not '%s'\n",
				        value);
				return EXIT_USAGE;
			}
		}
		else {
			fprintf(stderr, "hfgit: unknown option '%s'\n\n%s", argv[i], usage);
			return EXIT_USAGE;
		}
		if (!value) {
			fprintf(stderr, "hfgit: %s needs a value\n", argv[i]);
			return EXIT_USAGE;
		}
	}
	if (i >= argc) {
		fputs(usage, stderr);
		return EXIT_USAGE;
	}
	for (c = 0; c < sizeof(commands) / sizeof(*commands); c++) {
		if (strcmp(argv[i], commands[c].name))
			continue;
		install_signal_handlers();
		if (hfgit_init() < 0)
			return cli_fail();
		rc = commands[c].run(argc - i, argv + i, &g);
		hfgit_shutdown();
		return rc;
	}
	fprintf(stderr, "hfgit: '%s' is not an hfgit command\n\n%s", argv[i], usage);
	return EXIT_USAGE;
}
