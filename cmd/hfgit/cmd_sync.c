/* hfgit sync [FILE]: every entry of a lockfile back at its locked commit, verified. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_sync_usage[] =
	"usage: hfgit sync [--dir DIR] [--offline] [--deep] [-j N] [--link MODE] [-q] [--json]\n"
	"                  [FILE]\n"
	"\n"
	"Bring every entry of the lockfile FILE (default: hfgit.lock) back at its locked commit,\n"
	"never at what its branch or tag says now: into the cache (a checkout at\n"
	"<cache>/checkouts/<id>/<commit>, which `hfgit inspect --lock` and the library use), and\n"
	"with --dir into DIR/<name> too. Every file is verified against the lock (git blob ids;\n"
	"size and SHA-256 of LFS content) before the checkout gets its name: a failed entry\n"
	"leaves nothing at DIR/<name>. A branch or tag that moved is reported as drift and the\n"
	"locked commit is used; a locked commit the hub no longer has is an error (exit 3) that\n"
	"says whether the cache still holds it.\n"
	"\n"
	"  --dir DIR         also a checkout of each entry at DIR/<name> (the model's name, or\n"
	"                    org--name, or org--name@REV where names collide)\n"
	"  --offline         from the cache alone, no network (also the global --offline)\n"
	"  --deep            SHA-256 of every LFS file; without it, a file whose XXH3 is the\n"
	"                    digest recorded when its object was downloaded and verified passes\n"
	"                    at memory speed (as `hfgit verify` checks)\n"
	"  -j, --jobs N      parallel LFS downloads (default 8)\n"
	"  --link MODE       auto (default), reflink, hardlink or copy, as for clone\n"
	"  -q, --quiet       no progress display\n"
	"  --json            print {lockfile, entries: [{spec, id, commit, dir, reused, state,\n"
	"                    moved_to, renamed_to, message}]}\n";

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void print_json(const hfgit_lock_report *r, const char *path)
{
	json_object *o = json_object_new_object(), *entries = json_object_new_array();
	size_t i;

	for (i = 0; i < hfgit_lock_report_count(r); i++) {
		const hfgit_lock_status *st = hfgit_lock_report_at(r, i);
		json_object *j = json_object_new_object();
		json_object_object_add(j, "spec", json_object_new_string(st->entry->spec));
		json_object_object_add(j, "id", json_object_new_string(st->entry->id));
		json_object_object_add(j, "commit", json_object_new_string(st->entry->commit));
		json_object_object_add(j, "dir", string_or_null(st->dir));
		json_object_object_add(j, "reused", json_object_new_boolean(st->reused));
		json_object_object_add(j, "state", json_object_new_string(hfgit_lock_state_name(st->state)));
		json_object_object_add(j, "moved_to", string_or_null(st->moved_to));
		json_object_object_add(j, "renamed_to", string_or_null(st->renamed_to));
		json_object_object_add(j, "message", string_or_null(st->message));
		json_object_array_add(entries, j);
	}
	json_object_object_add(o, "lockfile", json_object_new_string(path));
	json_object_object_add(o, "entries", entries);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* Drift goes to stderr, the entries done to stdout. After a failure, the failed entry's
 * state is in the error message already. */
static void print_report(const hfgit_lock_report *r, bool json, const char *path, bool done)
{
	size_t i;

	for (i = 0; i < hfgit_lock_report_count(r); i++) {
		const hfgit_lock_status *st = hfgit_lock_report_at(r, i);
		if (st->message && (st->dir || st->state == HFGIT_LOCK_MOVED ||
		                    st->state == HFGIT_LOCK_RENAMED))
			fprintf(stderr, "hfgit: drift: %s: %s; using the locked commit\n", st->entry->spec,
			        st->message);
		if (!json && st->dir)
			printf("%s  %s  %s%s\n", st->entry->spec, st->entry->commit, st->dir,
			       st->reused ? " (verified, already there)" : "");
	}
	if (json && done)
		print_json(r, path);
}

int cmd_sync(int argc, char **argv, const cli_globals *g)
{
	hfgit_sync_options opts = HFGIT_SYNC_OPTIONS_INIT;
	const char *file = NULL, *value;
	hfgit_lock_report *report = NULL;
	hfgit_lock *lock = NULL;
	hfgit_ctx *ctx = NULL;
	cli_globals globals = *g;
	cli_progress *progress = NULL;
	bool json = false, quiet = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_sync_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--offline")) {
			globals.offline = true;
		} else if (!strcmp(argv[i], "--deep")) {
			opts.deep = 1;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (cli_option_value(argc, argv, &i, "--dir", &value)) {
			if (!value || !*value)
				return cli_usage_error("sync", "--dir needs a directory");
			opts.dir = value;
		} else if (cli_option_value(argc, argv, &i, "--jobs", &value) ||
		           cli_option_value(argc, argv, &i, "-j", &value)) {
			if (!cli_parse_jobs(&opts.jobs, value))
				return cli_usage_error("sync", "--jobs takes a number from 1 to 64");
		} else if (cli_option_value(argc, argv, &i, "--link", &value)) {
			if (!cli_parse_link(&opts.link, value))
				return cli_usage_error("sync", "--link takes auto, reflink, hardlink or copy");
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("sync", "unknown option '%s'", argv[i]);
		} else if (!file) {
			file = argv[i];
		} else {
			return cli_usage_error("sync", "too many arguments ('%s'): one lockfile", argv[i]);
		}
	}
	if (!file)
		file = "hfgit.lock";
	if (hfgit_lock_read(&lock, file) < 0)
		return cli_fail();
	if ((rc = cli_context(&ctx, &globals)) == 0) {
		progress = cli_progress_new(quiet || json);
		opts.progress = cli_progress_cb;
		opts.payload = progress;
		rc = hfgit_lock_sync(&report, ctx, lock, &opts);
		cli_progress_done(progress);
		if (rc < 0) {
			print_report(report, json, file, false);
			rc = cli_fail();
		} else {
			print_report(report, json, file, true);
		}
	}
	hfgit_lock_report_free(report);
	hfgit_ctx_free(ctx);
	hfgit_lock_free(lock);
	return rc;
}
