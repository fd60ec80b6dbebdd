/* hfgit clone ID[@REV] [DIR] */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: hfgit clone [--quiet] [--json] ID[@REV] [DIR]\n"
	"\n"
	"Shallow clone (depth 1) of exactly the revision REV of model ID into DIR (default: the\n"
	"repository name). DIR must not exist or be empty. A branch is checked out tracking\n"
	"origin, a tag stays a tag, a hash gives a detached HEAD.\n"
	"\n"
	"  -q, --quiet  no progress display\n"
	"  --json       print one JSON object {id, revision, commit, kind, ref, path}\n";

static const char *kind_name(hfgit_rev_kind kind)
{
	switch (kind) {
	case HFGIT_REV_BRANCH: return "branch";
	case HFGIT_REV_TAG: return "tag";
	case HFGIT_REV_REF: return "ref";
	default: return "commit";
	}
}

static void print_json(const hfgit_model_id *id, const hfgit_resolved *r, const char *dir)
{
	json_object *o = json_object_new_object();
	char *abs = realpath(dir, NULL);
	const char *rev = hfgit_model_id_revision(id);

	json_object_object_add(o, "id", json_object_new_string(hfgit_model_id_repo(id)));
	json_object_object_add(o, "revision", rev ? json_object_new_string(rev) : NULL);
	json_object_object_add(o, "commit", json_object_new_string(hfgit_resolved_commit(r)));
	json_object_object_add(o, "kind", json_object_new_string(kind_name(hfgit_resolved_kind(r))));
	json_object_object_add(o, "ref", hfgit_resolved_ref(r) ?
	                       json_object_new_string(hfgit_resolved_ref(r)) : NULL);
	json_object_object_add(o, "path", json_object_new_string(abs ? abs : dir));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	free(abs);
}

int cmd_clone(int argc, char **argv, const cli_globals *g)
{
	hfgit_clone_options opts = HFGIT_CLONE_OPTIONS_INIT;
	const char *spec = NULL, *dir = NULL;
	hfgit_model_id *id = NULL;
	hfgit_resolved *r = NULL;
	hfgit_ctx *ctx = NULL;
	cli_progress *progress;
	bool quiet = false, json = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("clone", "unknown option '%s'", argv[i]);
		} else if (!spec) {
			spec = argv[i];
		} else if (!dir) {
			dir = argv[i];
		} else {
			return cli_usage_error("clone", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!spec)
		return cli_usage_error("clone", "which model? give ID[@REV]");
	if (hfgit_model_id_parse(&id, spec) < 0)
		return cli_fail();
	if (!dir)
		dir = hfgit_model_id_name(id);
	if ((rc = cli_context(&ctx, g)) != 0) {
		hfgit_model_id_free(id);
		return rc;
	}
	progress = cli_progress_new(quiet || json);
	opts.progress = cli_progress_cb;
	opts.payload = progress;
	rc = hfgit_clone(&r, ctx, id, dir, &opts);
	cli_progress_done(progress);
	if (rc < 0) {
		rc = cli_fail();
	} else {
		if (json)
			print_json(id, r, dir);
		else if (!quiet)
			fprintf(stderr, "Cloned %s at %s (%s) into '%s'\n", hfgit_model_id_repo(id),
			        hfgit_resolved_commit(r), hfgit_resolved_ref(r) ? hfgit_resolved_ref(r) :
			        "detached", dir);
		rc = EXIT_OK;
	}
	hfgit_resolved_free(r);
	hfgit_ctx_free(ctx);
	hfgit_model_id_free(id);
	return rc;
}
