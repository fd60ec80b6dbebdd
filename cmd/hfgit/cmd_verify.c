/* hfgit verify [ID[@REV] | DIR] */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

const char cmd_verify_usage[] =
	"usage: hfgit verify [options] [ID[@REV] | DIR]\n"
	"\n"
	"Checks that LFS content is intact: without an argument every object of the cache's LFS\n"
	"store; with ID the store objects the cached revisions of that model use (with @REV only\n"
	"that revision, resolved from the cache); with DIR (an existing directory: a checkout) its\n"
	"LFS files and the store objects they use. Each file is compared with the XXH3 digest\n"
	"recorded when it was downloaded; without one, or when that differs, SHA-256 against its\n"
	"object id decides. Every damaged file is named. A damaged store object is moved to\n"
	"<cache>/lfs/damaged/, so that the next clone downloads it again instead of using it;\n"
	"`hfgit gc` removes it for good. Exits with 10 when damage was found.\n"
	"\n"
	"  --deep       SHA-256 of every file instead of the recorded digests (slower)\n"
	"  --json       print one JSON object {target, deep, files, bytes, absent, damaged}\n"
	"  -q, --quiet  no progress display\n";

static const char *damage_name(hfgit_damage d)
{
	switch (d) {
	case HFGIT_DAMAGE_SIZE: return "size";
	case HFGIT_DAMAGE_MISSING: return "missing";
	case HFGIT_DAMAGE_UNREADABLE: return "unreadable";
	default: return "content";
	}
}

static json_object *json_string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static void print_json(const hfgit_verify_report *r, const char *target, const char *what,
                       bool deep)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	size_t i;

	json_object_object_add(o, "target", json_object_new_string(target));
	if (what)
		json_object_object_add(o, target[0] == 'c' ? "path" : "id", json_object_new_string(what));
	json_object_object_add(o, "deep", json_object_new_boolean(deep));
	json_object_object_add(o, "files", json_object_new_int64((int64_t)hfgit_verify_report_files(r)));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)hfgit_verify_report_bytes(r)));
	json_object_object_add(o, "absent", json_object_new_int64((int64_t)hfgit_verify_report_absent(r)));
	for (i = 0; i < hfgit_verify_report_problem_count(r); i++) {
		const hfgit_verify_problem *p = hfgit_verify_report_problem(r, i);
		json_object *d = json_object_new_object();
		json_object_object_add(d, "path", json_object_new_string(p->path));
		json_object_object_add(d, "where", json_object_new_string(p->in_checkout ? "checkout" : "store"));
		json_object_object_add(d, "oid", json_object_new_string(p->oid));
		json_object_object_add(d, "damage", json_object_new_string(damage_name(p->damage)));
		json_object_object_add(d, "used_by", json_string_or_null(p->used_by));
		json_object_object_add(d, "moved_to", json_string_or_null(p->moved_to));
		json_object_object_add(d, "message", json_object_new_string(p->message));
		json_object_array_add(list, d);
	}
	json_object_object_add(o, "damaged", list);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_text(const hfgit_verify_report *r)
{
	size_t i, n = hfgit_verify_report_problem_count(r), absent = hfgit_verify_report_absent(r);
	char bytes[32];

	for (i = 0; i < n; i++) {
		const hfgit_verify_problem *p = hfgit_verify_report_problem(r, i);
		printf("damaged: %s: %s\n", p->path, p->message);
	}
	cli_human_bytes(bytes, sizeof(bytes), (double)hfgit_verify_report_bytes(r));
	printf("checked %zu file%s (%s): ", hfgit_verify_report_files(r),
	       hfgit_verify_report_files(r) == 1 ? "" : "s", bytes);
	if (n)
		printf("%zu damaged", n);
	else
		printf("all intact");
	if (absent)
		printf("; %zu object%s not in the store (not downloaded, or removed by gc)", absent,
		       absent == 1 ? "" : "s");
	putchar('\n');
}

/* An existing directory is a checkout (as `hfgit clone gpt2` leaves ./gpt2, the directory
 * wins over the model id of the same name); a path that names none is a mistake to report. */
static bool looks_like_path(const char *arg, bool *is_dir)
{
	struct stat st;

	*is_dir = stat(arg, &st) == 0 && S_ISDIR(st.st_mode);
	return *is_dir || arg[0] == '.' || arg[0] == '/';
}

static int run_verify(hfgit_verify_report **r, hfgit_ctx *ctx, const char *arg,
                      const hfgit_verify_options *opts, const char **target)
{
	hfgit_model_id *id = NULL;
	bool is_dir;
	int rc;

	if (!arg) {
		*target = "store";
		return hfgit_verify_store(r, ctx, opts) < 0 ? cli_fail() : 0;
	}
	if (looks_like_path(arg, &is_dir)) {
		*target = "checkout";
		if (!is_dir) {
			fprintf(stderr, "hfgit verify: '%s' is not a directory: give a checkout or a model id\n", arg);
			return EXIT_NOT_FOUND;
		}
		return hfgit_verify_checkout(r, ctx, arg, opts) < 0 ? cli_fail() : 0;
	}
	*target = "model";
	if (hfgit_model_id_parse(&id, arg) < 0)
		return cli_fail();
	rc = hfgit_verify_model(r, ctx, id, opts) < 0 ? cli_fail() : 0;
	hfgit_model_id_free(id);
	return rc;
}

int cmd_verify(int argc, char **argv, const cli_globals *g)
{
	hfgit_verify_options opts = HFGIT_VERIFY_OPTIONS_INIT;
	hfgit_verify_report *r = NULL;
	const char *arg = NULL, *target = "store";
	hfgit_ctx *ctx = NULL;
	cli_progress *progress;
	bool quiet = false, json = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_verify_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--deep")) {
			opts.deep = 1;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("verify", "unknown option '%s'", argv[i]);
		} else if (!arg) {
			arg = argv[i];
		} else {
			return cli_usage_error("verify", "one model id or directory at most");
		}
	}
	if ((rc = cli_context(&ctx, g)) != 0)
		return rc;
	progress = cli_progress_new(quiet);
	opts.progress = cli_progress_cb;
	opts.payload = progress;
	rc = run_verify(&r, ctx, arg, &opts, &target);
	cli_progress_done(progress);
	if (rc == 0) {
		if (json)
			print_json(r, target, arg, opts.deep);
		else
			print_text(r);
		rc = hfgit_verify_report_problem_count(r) ? EXIT_DAMAGED : EXIT_OK;
	}
	hfgit_verify_report_free(r);
	hfgit_ctx_free(ctx);
	return rc;
}
