/*
 * What every command's arguments get before the command sees them, driven by the options its
 * usage text lists (the one description of a command's options, shared with --help, the man
 * pages and the bash completion):
 *
 *   - the global options (--endpoint, --cache-dir, --token, --offline, --progress, --timeout)
 *     anywhere, as git takes
 *     `-c` only before but most tools (gh, hf) take their global flags anywhere;
 *   - clustered short options (-qj4 is -q -j 4), "--opt=VALUE" and "--opt VALUE";
 *   - `--revision REV`, for commands that list it, as "@REV" on the first operand;
 *   - `--`: what follows is an operand even when it starts with '-';
 *   - an unknown option is an error that names the closest known one.
 *
 * The command then parses a plain list of known options and operands.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const cli_option global_options[] = {
	{ 0, "--endpoint", 10, true },
	{ 0, "--cache-dir", 11, true },
	{ 0, "--token", 7, true },
	{ 0, "--offline", 9, false },
	{ 0, "--progress", 10, false },
	{ 0, "--timeout", 9, true },
	{ 'h', "--help", 6, false },
};

/* One option line of a usage text: "  -j, --jobs N   text", "  --link MODE  text",
 * "  --json   text". A value is a word in capitals right after the name. */
static int parse_option_line(const char *line, cli_option *out, size_t max)
{
	const char *p = line;
	size_t n = 0;
	char shortname = 0;

	while (*p == ' ')
		p++;
	while (*p == '-' && n < max) {
		const char *name = p;
		size_t len = 0;
		bool value = false;

		while (name[len] && name[len] != ',' && name[len] != ' ' && name[len] != '\n' &&
		       name[len] != '=')
			len++;
		p = name + len;
		if (*p == ' ' && p[1] >= 'A' && p[1] <= 'Z') {
			value = true;
			for (p++; *p && *p != ' ' && *p != '\n' && *p != ','; p++)
				;
		}
		if (len == 2 && name[1] != '-') {
			shortname = name[1];
		} else if (len > 2 && name[1] == '-') {
			out[n].shortname = shortname;
			out[n].name = name;
			out[n].len = len;
			out[n].takes_value = value;
			n++;
			shortname = 0;
		}
		if (shortname && (*p != ',' || p[1] != ' ')) {
			/* a short option without a long one */
			out[n].shortname = shortname;
			out[n].name = NULL;
			out[n].len = 0;
			out[n].takes_value = value;
			n++;
			shortname = 0;
		}
		if (*p == ',' && p[1] == ' ')
			p += 2;
		else
			break;
	}
	return (int)n;
}

size_t cli_options_of(const char *usage, cli_option *out, size_t max)
{
	const char *line = usage;
	size_t n = 0;

	while (line && *line && n < max) {
		const char *p = line;
		while (*p == ' ')
			p++;
		/* option lines are indented by two, continuation lines by more */
		if (p - line == 2 && *p == '-')
			n += (size_t)parse_option_line(line, out + n, max - n);
		line = strchr(line, '\n');
		if (line)
			line++;
	}
	return n;
}

/* Damerau-Levenshtein distance (with adjacent transpositions), for suggestions. */
static size_t distance(const char *a, size_t la, const char *b, size_t lb)
{
	size_t *d = calloc((la + 1) * (lb + 1), sizeof(*d)), i, j, r;
#define D(x, y) d[(x) * (lb + 1) + (y)]

	if (!d)
		return (size_t)-1;
	for (i = 0; i <= la; i++)
		D(i, 0) = i;
	for (j = 0; j <= lb; j++)
		D(0, j) = j;
	for (i = 1; i <= la; i++) {
		for (j = 1; j <= lb; j++) {
			size_t cost = a[i - 1] != b[j - 1], best = D(i - 1, j - 1) + cost;
			if (D(i - 1, j) + 1 < best)
				best = D(i - 1, j) + 1;
			if (D(i, j - 1) + 1 < best)
				best = D(i, j - 1) + 1;
			if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] &&
			    D(i - 2, j - 2) + 1 < best)
				best = D(i - 2, j - 2) + 1;
			D(i, j) = best;
		}
	}
	r = D(la, lb);
#undef D
	free(d);
	return r;
}

const char *cli_suggest(const char *word, const char *const *candidates, size_t n,
                        const size_t *len_out)
{
	size_t i, best = (size_t)-1, wl = strlen(word), limit;
	const char *pick = NULL;

	/* close enough to be a typo: one edit for short words, about a third of a long one */
	limit = wl < 6 ? 1 : wl / 3;
	for (i = 0; i < n; i++) {
		size_t cl = len_out ? len_out[i] : strlen(candidates[i]);
		size_t dist = distance(word, wl, candidates[i], cl);
		bool prefix = wl >= 3 && cl > wl && !strncmp(candidates[i], word, wl);
		if (prefix)
			dist = 1;
		if (dist <= limit && dist < best) {
			best = dist;
			pick = candidates[i];
		}
	}
	return pick;
}

static const cli_option *find_long(const cli_option *opts, size_t n, const char *arg, size_t len)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (opts[i].name && opts[i].len == len && !strncmp(opts[i].name, arg, len))
			return &opts[i];
	return NULL;
}

static const cli_option *find_short(const cli_option *opts, size_t n, char c)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (opts[i].shortname == c)
			return &opts[i];
	return NULL;
}

static int unknown_option(const char *cmd, const cli_option *opts, size_t n, const char *arg,
                          size_t len)
{
	const char *names[CLI_MAX_OPTIONS];
	size_t lens[CLI_MAX_OPTIONS], i, k = 0;
	const char *pick;
	char *word = malloc(len + 1);

	if (!word)
		return cli_usage_error(cmd, "unknown option '%s'", arg);
	memcpy(word, arg, len);
	word[len] = '\0';
	for (i = 0; i < n && k < CLI_MAX_OPTIONS; i++)
		if (opts[i].name) {
			names[k] = opts[i].name;
			lens[k++] = opts[i].len;
		}
	pick = cli_suggest(word, names, k, lens);
	if (pick) {
		for (i = 0; i < k && names[i] != pick; i++)
			;
		cli_usage_error(cmd, "unknown option '%s'; did you mean '%.*s'?", word, (int)lens[i], pick);
	} else {
		cli_usage_error(cmd, "unknown option '%s'", word);
	}
	free(word);
	return EXIT_USAGE;
}

/* A global option at argv[*i] (for the command `cmd`, or before any command when NULL):
 * 1 when taken, 0 when it is not one, or an exit code. */
int cli_take_global(cli_globals *g, const char *cmd, int argc, char **argv, int *i)
{
	const char *value;
	const char *where = cmd ? cmd : "";

	if (!strcmp(argv[*i], "--offline")) {
		g->offline = true;
		return 1;
	}
	if (!strcmp(argv[*i], "--progress")) {
		cli_force_progress = true;
		return 1;
	}
	if (cli_option_value(argc, argv, i, "--endpoint", &value))
		g->endpoint = value;
	else if (cli_option_value(argc, argv, i, "--cache-dir", &value))
		g->cache_dir = value;
	else if (cli_option_value(argc, argv, i, "--token", &value))
		g->token = value;
	else if (cli_option_value(argc, argv, i, "--timeout", &value)) {
		char *end = NULL;
		if (value && *value && (!((g->timeout = strtod(value, &end)) > 0) || *end ||
		                        g->timeout > 86400)) {
			fprintf(stderr, "hfgit: --timeout wants seconds (e.g. --timeout 30), not '%s'\n",
			        value);
			return -EXIT_USAGE;
		}
	} else
		return 0;
	if (!value || !*value) {
		if (cmd)
			return -cli_usage_error(where, "%s needs a value", argv[*i]);
		fprintf(stderr, "hfgit: %s needs a value (see `hfgit --help`)\n", argv[*i]);
		return -EXIT_USAGE;
	}
	return 1;
}

struct args_out {
	char **argv;
	int argc;
	char **owned;   /* strings made here, freed with the list */
	size_t nowned;
};

static void push(struct args_out *o, char *arg)
{
	o->argv[o->argc++] = arg;
}

static char *own(struct args_out *o, char *s)
{
	if (s)
		o->owned[o->nowned++] = s;
	return s;
}

/* a followed by b, in a new string */
static char *concat(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);
	char *s = malloc(la + lb + 1);

	if (s) {
		memcpy(s, a, la);
		memcpy(s + la, b, lb + 1);
	}
	return s;
}

int cli_normalize(cli_args *out, cli_globals *g, const cli_command *cmd, int argc, char **argv)
{
	cli_option opts[CLI_MAX_OPTIONS];
	size_t nopts = cli_options_of(cmd->usage, opts, CLI_MAX_OPTIONS - 6), k;
	struct args_out o;
	const char *revision = NULL;
	int first_operand = -1, i, rc;
	size_t room = 2;
	bool operands_only = false;
	bool has_revision = find_long(opts, nopts, "--revision", 10) != NULL;

	for (k = 0; k < sizeof(global_options) / sizeof(*global_options); k++)
		opts[nopts++] = global_options[k];
	memset(out, 0, sizeof(*out));
	/* an argument gives at most one per character (-qqq, -j4), plus one made string */
	for (i = 0; i < argc; i++)
		room += strlen(argv[i]) + 1;
	o.argv = calloc(room, sizeof(char *));
	o.owned = calloc(room, sizeof(char *));
	o.argc = 0;
	o.nowned = 0;
	if (!o.argv || !o.owned) {
		free(o.argv);
		free(o.owned);
		fprintf(stderr, "hfgit: out of memory\n");
		return EXIT_FAILURE_OTHER;
	}
	out->argv = o.argv;
	out->owned = o.owned;
	push(&o, argv[0]);
	for (i = 1; i < argc; i++) {
		char *arg = argv[i];
		const cli_option *opt;

		if (operands_only || arg[0] != '-' || !arg[1]) {
			/* "./-x" names the same file as "-x" and cannot be taken for an option */
			if (operands_only && arg[0] == '-' && !(arg = own(&o, concat("./", arg))))
				goto oom;
			if (first_operand < 0)
				first_operand = o.argc;
			push(&o, arg);
			continue;
		}
		if (!strcmp(arg, "--")) {
			operands_only = true;
			continue;
		}
		if ((rc = cli_take_global(g, cmd->name, argc, argv, &i)) != 0) {
			if (rc < 0)
				goto fail_rc;
			continue;
		}
		if (arg[1] == '-') {
			size_t len = strcspn(arg, "=");
			if (!(opt = find_long(opts, nopts, arg, len))) {
				rc = unknown_option(cmd->name, opts, nopts, arg, len);
				goto fail_rc_pos;
			}
			if (has_revision && len == 10 && !strncmp(arg, "--revision", 10)) {
				if (arg[len] == '=')
					revision = arg + len + 1;
				else if (i + 1 < argc)
					revision = argv[++i];
				else
					revision = NULL;
				if (!revision || !*revision) {
					rc = cli_usage_error(cmd->name, "--revision needs a revision");
					goto fail_rc_pos;
				}
				continue;
			}
			if (!opt->takes_value && arg[len] == '=') {
				rc = cli_usage_error(cmd->name, "%.*s takes no value", (int)len, arg);
				goto fail_rc_pos;
			}
			push(&o, arg);
			if (opt->takes_value && arg[len] != '=' && i + 1 < argc)
				push(&o, argv[++i]);
			continue;
		}
		/* -abc: each letter an option; the first that takes a value takes the rest */
		for (k = 1; arg[k]; k++) {
			char flag[3] = { '-', arg[k], '\0' };
			if (!(opt = find_short(opts, nopts, arg[k]))) {
				rc = cli_usage_error(cmd->name, "unknown option '-%c'%s", arg[k],
				                     k > 1 ? " (in a group of short options)" : "");
				goto fail_rc_pos;
			}
			if (!own(&o, strdup(flag)))
				goto oom;
			push(&o, o.owned[o.nowned - 1]);
			if (opt->takes_value) {
				if (arg[k + 1])
					push(&o, arg + k + 1);
				else if (i + 1 < argc)
					push(&o, argv[++i]);
				break;
			}
		}
	}
	if (revision) {
		char *spec;
		if (first_operand < 0) {
			rc = cli_usage_error(cmd->name, "--revision %s: which model? give ID", revision);
			goto fail_rc_pos;
		}
		if (strchr(o.argv[first_operand], '@')) {
			rc = cli_usage_error(cmd->name, "'%s' already names a revision; give it once, as "
			                     "ID@REV or with --revision", o.argv[first_operand]);
			goto fail_rc_pos;
		}
		spec = malloc(strlen(o.argv[first_operand]) + strlen(revision) + 2);
		if (!spec)
			goto oom;
		sprintf(spec, "%s@%s", o.argv[first_operand], revision);
		o.argv[first_operand] = own(&o, spec);
	}
	out->argc = o.argc;
	out->nowned = o.nowned;
	return 0;
oom:
	fprintf(stderr, "hfgit: out of memory\n");
	rc = EXIT_FAILURE_OTHER;
	goto fail_rc_pos;
fail_rc:
	rc = -rc;
fail_rc_pos:
	out->nowned = o.nowned;
	cli_args_free(out);
	return rc;
}

void cli_args_free(cli_args *a)
{
	size_t i;

	for (i = 0; a->owned && i < a->nowned; i++)
		free(a->owned[i]);
	free(a->owned);
	free(a->argv);
	memset(a, 0, sizeof(*a));
}
