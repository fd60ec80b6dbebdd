/* hfgit lock: pin model revisions in a lockfile; hfgit lock --check: what moved since. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_lock_usage[] =
	"usage: hfgit lock [-o FILE] [-f LIST] ID[@REV]...\n"
	"       hfgit lock --check [--json] [FILE]\n"
	"\n"
	"Resolve each ID[@REV] and write a lockfile (default hfgit.lock, replaced atomically)\n"
	"that records the commit, its tree and every file with its git blob id (and the sha256\n"
	"and size of LFS content): `hfgit sync` brings exactly those bytes back anywhere.\n"
	"\n"
	"  -o, --output FILE  the lockfile to write (default: hfgit.lock)\n"
	"  -f, --file LIST    read specs from LIST too, one a line ('#' comments, blank lines)\n"
	"  --check            compare the lockfile (default: hfgit.lock) with the hub: each entry\n"
	"                     unchanged, moved (the branch or tag names another commit), renamed\n"
	"                     (the repository redirects) or gone (repository, ref or commit);\n"
	"                     exit status 0 only when nothing drifted, 1 otherwise\n"
	"  --json             with --check: {lockfile, drifted, entries: [{spec, id, revision,\n"
	"                     kind, ref, commit, state, moved_to, renamed_to, hub_has_commit,\n"
	"                     cache_has_commit, message}]}\n";

typedef struct {
	const char **specs;
	size_t count;
	char *list_text;      /* the -f file, its lines pointed at by specs */
} spec_list;

static int add_spec(spec_list *l, const char *spec)
{
	const char **grown = realloc(l->specs, (l->count + 1) * sizeof(*grown));

	if (!grown)
		return -1;
	l->specs = grown;
	l->specs[l->count++] = spec;
	return 0;
}

static int read_list(spec_list *l, const char *path)
{
	char *line, *save = NULL;
	FILE *f = fopen(path, "r");
	long size;

	if (!f) {
		fprintf(stderr, "hfgit lock: cannot read '%s'\n", path);
		return EXIT_IO;
	}
	if (fseek(f, 0, SEEK_END) < 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) < 0 ||
	    !(l->list_text = calloc((size_t)size + 1, 1)) ||
	    fread(l->list_text, 1, (size_t)size, f) != (size_t)size) {
		fclose(f);
		fprintf(stderr, "hfgit lock: cannot read '%s'\n", path);
		return EXIT_IO;
	}
	fclose(f);
	for (line = strtok_r(l->list_text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *end = line + strlen(line);
		while (*line == ' ' || *line == '\t')
			line++;
		while (end > line && (end[-1] == ' ' || end[-1] == '\t' || end[-1] == '\r'))
			*--end = '\0';
		if (*line && *line != '#' && add_spec(l, line) < 0)
			return EXIT_FAILURE_OTHER;
	}
	return -1;
}

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static const char *const kind_names[] = { "branch", "tag", "ref", "commit" };

static void print_check(const hfgit_lock_report *r, const char *path, bool json)
{
	size_t i;

	if (json) {
		json_object *o = json_object_new_object(), *entries = json_object_new_array();
		for (i = 0; i < hfgit_lock_report_count(r); i++) {
			const hfgit_lock_status *st = hfgit_lock_report_at(r, i);
			const hfgit_lock_entry *e = st->entry;
			json_object *j = json_object_new_object();
			json_object_object_add(j, "spec", json_object_new_string(e->spec));
			json_object_object_add(j, "id", json_object_new_string(e->id));
			json_object_object_add(j, "revision", string_or_null(e->revision));
			json_object_object_add(j, "kind", json_object_new_string(kind_names[e->kind]));
			json_object_object_add(j, "ref", string_or_null(e->ref));
			json_object_object_add(j, "commit", json_object_new_string(e->commit));
			json_object_object_add(j, "state",
			                       json_object_new_string(hfgit_lock_state_name(st->state)));
			json_object_object_add(j, "moved_to", string_or_null(st->moved_to));
			json_object_object_add(j, "renamed_to", string_or_null(st->renamed_to));
			json_object_object_add(j, "hub_has_commit", st->hub_has_commit < 0 ? NULL :
			                       json_object_new_boolean(st->hub_has_commit));
			json_object_object_add(j, "cache_has_commit",
			                       json_object_new_boolean(st->cache_has_commit));
			json_object_object_add(j, "message", string_or_null(st->message));
			json_object_array_add(entries, j);
		}
		json_object_object_add(o, "lockfile", json_object_new_string(path));
		json_object_object_add(o, "drifted",
		                       json_object_new_int64((int64_t)hfgit_lock_report_drifted(r)));
		json_object_object_add(o, "entries", entries);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
		                                       JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		return;
	}
	for (i = 0; i < hfgit_lock_report_count(r); i++) {
		const hfgit_lock_status *st = hfgit_lock_report_at(r, i);
		printf("%-9s  %s  %s%s%s\n", hfgit_lock_state_name(st->state), st->entry->spec,
		       st->entry->commit, st->message ? ": " : "", st->message ? st->message : "");
	}
}

static int check(const cli_globals *g, const char *path, bool json)
{
	hfgit_lock_report *r = NULL;
	hfgit_lock *lock = NULL;
	hfgit_ctx *ctx = NULL;
	int rc;

	if (hfgit_lock_read(&lock, path) < 0)
		return cli_fail();
	if ((rc = cli_context(&ctx, g)) == 0) {
		if (hfgit_lock_check(&r, ctx, lock) < 0) {
			rc = cli_fail();
		} else {
			print_check(r, path, json);
			rc = hfgit_lock_report_drifted(r) ? EXIT_FAILURE_OTHER : EXIT_OK;
		}
	}
	hfgit_lock_report_free(r);
	hfgit_ctx_free(ctx);
	hfgit_lock_free(lock);
	return rc;
}

static int write_lock(const cli_globals *g, const spec_list *l, const char *output)
{
	hfgit_lock *lock = NULL;
	hfgit_ctx *ctx = NULL;
	size_t i;
	int rc;

	if ((rc = cli_context(&ctx, g)) != 0)
		return rc;
	if (hfgit_lock_create(&lock, ctx, l->specs, l->count, NULL) < 0 ||
	    hfgit_lock_write(lock, output) < 0) {
		rc = cli_fail();
	} else {
		for (i = 0; i < hfgit_lock_count(lock); i++) {
			const hfgit_lock_entry *e = hfgit_lock_entry_at(lock, i);
			printf("%s  %s  %s%s%s, %zu files\n", e->spec, e->commit, kind_names[e->kind],
			       e->ref ? " " : "", e->ref ? e->ref : "", e->file_count);
		}
		fprintf(stderr, "hfgit: wrote %s (%zu entr%s)\n", output, hfgit_lock_count(lock),
		        hfgit_lock_count(lock) == 1 ? "y" : "ies");
	}
	hfgit_lock_free(lock);
	hfgit_ctx_free(ctx);
	return rc;
}

int cli_read_lock(hfgit_lock **out, const char *path)
{
	return hfgit_lock_read(out, path) < 0 ? cli_fail() : 0;
}

int cmd_lock(int argc, char **argv, const cli_globals *g)
{
	const char *output = NULL, *value, *file = NULL;
	spec_list l = { NULL, 0, NULL };
	bool json = false, check_mode = false;
	int i, rc = -1;

	for (i = 1; i < argc && rc < 0; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_lock_usage, stdout);
			rc = EXIT_OK;
		} else if (!strcmp(argv[i], "--check")) {
			check_mode = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (cli_option_value(argc, argv, &i, "--output", &value) ||
		           cli_option_value(argc, argv, &i, "-o", &value)) {
			if (!value)
				rc = cli_usage_error("lock", "--output needs a file name");
			output = value;
		} else if (cli_option_value(argc, argv, &i, "--file", &value) ||
		           cli_option_value(argc, argv, &i, "-f", &value)) {
			if (!value)
				rc = cli_usage_error("lock", "--file needs a file name");
			else if (l.list_text)
				rc = cli_usage_error("lock", "--file is given once");
			else
				rc = read_list(&l, value);
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			rc = cli_usage_error("lock", "unknown option '%s'", argv[i]);
		} else if (check_mode && file) {
			rc = cli_usage_error("lock", "--check takes one lockfile ('%s')", argv[i]);
		} else if (check_mode) {
			file = argv[i];
		} else if (add_spec(&l, argv[i]) < 0) {
			rc = EXIT_FAILURE_OTHER;
		}
	}
	if (rc >= 0)
		goto out;
	if (check_mode) {
		/* Specs given before --check were taken as the lockfile's name. */
		if (l.count > 1 || l.list_text || output)
			rc = cli_usage_error("lock", "--check takes a lockfile, not specs, -f or -o");
		else
			rc = check(g, file ? file : l.count ? l.specs[0] : "hfgit.lock", json);
	} else if (json) {
		rc = cli_usage_error("lock", "--json goes with --check");
	} else if (l.count == 0) {
		rc = cli_usage_error("lock", "what to lock? give ID[@REV]... or -f LIST");
	} else {
		rc = write_lock(g, &l, output ? output : "hfgit.lock");
	}
out:
	free(l.specs);
	free(l.list_text);
	return rc;
}
