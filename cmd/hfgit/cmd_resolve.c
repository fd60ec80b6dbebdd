/* hfgit resolve ID[@REV]: the full commit hash a revision names. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_resolve_usage[] =
	"usage: hfgit resolve [--json] ID[@REV]\n"
	"\n"
	"Print the full commit hash that REV (default: the default branch) of model ID names.\n"
	"\n"
	"  --json          print {id, revision, commit, kind, ref}\n"
	"  --revision REV  the revision (instead of ID@REV)\n";

static const char *const kind_names[] = { "branch", "tag", "ref", "commit" };

static void print_resolved(const hfgit_model_id *id, const hfgit_resolved *r, bool json)
{
	const char *rev = hfgit_model_id_revision(id), *ref = hfgit_resolved_ref(r);
	json_object *o;

	if (!json) {
		puts(hfgit_resolved_commit(r));
		return;
	}
	o = json_object_new_object();
	json_object_object_add(o, "id", json_object_new_string(hfgit_model_id_repo(id)));
	json_object_object_add(o, "revision", rev ? json_object_new_string(rev) : NULL);
	json_object_object_add(o, "commit", json_object_new_string(hfgit_resolved_commit(r)));
	json_object_object_add(o, "kind", json_object_new_string(kind_names[hfgit_resolved_kind(r)]));
	json_object_object_add(o, "ref", ref ? json_object_new_string(ref) : NULL);
	json_object_object_add(o, "cached_at", hfgit_resolved_cached_at(r) ?
	                       json_object_new_int64(hfgit_resolved_cached_at(r)) : NULL);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_resolve(int argc, char **argv, const cli_globals *g)
{
	const char *spec = NULL;
	hfgit_model_id *id = NULL;
	hfgit_resolved *r = NULL;
	hfgit_ctx *ctx = NULL;
	bool json = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_resolve_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("resolve", "unknown option '%s'", argv[i]);
		} else if (!spec) {
			spec = argv[i];
		} else {
			return cli_usage_error("resolve", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!spec)
		return cli_usage_error("resolve", "which model? give ID[@REV]");
	if (hfgit_model_id_parse(&id, spec) < 0)
		return cli_fail();
	if ((rc = cli_context(&ctx, g)) == 0) {
		if (hfgit_resolve(&r, ctx, id) < 0) {
			rc = cli_fail();
		} else {
			cli_note_staleness(spec, r);
			print_resolved(id, r, json);
		}
	}
	hfgit_resolved_free(r);
	hfgit_ctx_free(ctx);
	hfgit_model_id_free(id);
	return rc;
}
