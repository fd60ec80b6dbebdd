/* hfgit update [DIR]: a checkout of a branch brought to the branch's current tip. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_update_usage[] =
	"usage: hfgit update [-q] [--json] [-j N] [DIR]\n"
	"\n"
	"Bring the checkout DIR (default: the current directory), a clone of a branch, to the\n"
	"branch's current tip: a depth-1 fetch; only the LFS files that changed are downloaded.\n"
	"A checkout with local changes is refused.\n"
	"\n"
	"  -q, --quiet   no progress display\n"
	"  --json        print {path, commit, ref, lfs}\n"
	"  -j, --jobs N  parallel downloads (default 8)\n";

int cmd_update(int argc, char **argv, const cli_globals *g)
{
	hfgit_clone_options opts = HFGIT_CLONE_OPTIONS_INIT;
	hfgit_clone_stats stats;
	hfgit_resolved *r = NULL;
	hfgit_ctx *ctx = NULL;
	cli_progress *progress;
	const char *dir = NULL, *value;
	bool quiet = false, json = false;
	int i, rc;

	memset(&stats, 0, sizeof(stats));
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_update_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (cli_option_value(argc, argv, &i, "--jobs", &value) ||
		           cli_option_value(argc, argv, &i, "-j", &value)) {
			if (!cli_parse_jobs(&opts.jobs, value))
				return cli_usage_error("update", "--jobs takes a number from 1 to 64");
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("update", "unknown option '%s'", argv[i]);
		} else if (!dir) {
			dir = argv[i];
		} else {
			return cli_usage_error("update", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!dir)
		dir = ".";
	if ((rc = cli_context(&ctx, g)) != 0)
		return rc;
	progress = cli_progress_new(quiet || json);
	opts.progress = cli_progress_cb;
	opts.payload = progress;
	opts.stats = &stats;
	rc = hfgit_update(&r, ctx, dir, &opts);
	cli_progress_done(progress);
	if (rc < 0) {
		rc = cli_fail();
	} else if (json) {
		json_object *o = json_object_new_object(), *lfs = json_object_new_object();
		json_object_object_add(o, "path", json_object_new_string(dir));
		json_object_object_add(o, "commit", json_object_new_string(hfgit_resolved_commit(r)));
		json_object_object_add(o, "ref", json_object_new_string(hfgit_resolved_ref(r)));
		json_object_object_add(lfs, "objects_fetched", json_object_new_int64((int64_t)stats.lfs_objects_fetched));
		json_object_object_add(lfs, "bytes_fetched", json_object_new_int64((int64_t)stats.lfs_bytes_fetched));
		json_object_object_add(o, "lfs", lfs);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
		rc = EXIT_OK;
	} else {
		if (!quiet)
			fprintf(stderr, "'%s' is at %s (%s)\n", dir, hfgit_resolved_commit(r),
			        hfgit_resolved_ref(r));
		rc = EXIT_OK;
	}
	hfgit_resolved_free(r);
	hfgit_ctx_free(ctx);
	return rc;
}
