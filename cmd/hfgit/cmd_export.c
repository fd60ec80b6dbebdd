/* hfgit export --hf-cache ID[@REV], and the export behind `hfgit clone --hf-cache`. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_export_usage[] =
	"usage: hfgit export --hf-cache [options] ID[@REV]\n"
	"\n"
	"Publish revision REV of ID into the huggingface_hub cache, where huggingface_hub,\n"
	"transformers and llama.cpp find it offline: snapshots/<commit>/<file> are symlinks into\n"
	"blobs/, LFS files are hard links to hfgit's verified objects (copies only across file\n"
	"systems), refs/<REV> names the commit. Uses what hfgit's cache holds, offline too, and\n"
	"what the huggingface_hub cache holds already (blobs checked against their SHA-256), and\n"
	"fetches only what both lack, as clone does. Running it again changes nothing. Prints\n"
	"the snapshot directory.\n"
	"\n"
	"  --hf-cache            export into the huggingface_hub cache (the one target so far)\n"
	"  --cache-dir-hf DIR    that cache (default: $HF_HUB_CACHE, else $HF_HOME/hub, else\n"
	"                        ~/.cache/huggingface/hub)\n"
	"  -q, --quiet           no progress display, no summary\n"
	"  --revision REV        the revision (instead of ID@REV)\n"
	"  --json                print {id, revision, commit, ref, repo_dir, snapshot, files, ...}\n"
	"  -I, --include GLOBS   only these LFS files (comma-separated globs); repeatable\n"
	"  -X, --exclude GLOBS   leave these LFS files out of the snapshot; repeatable\n"
	"  --no-lfs              leave every LFS file out of the snapshot\n"
	"  -j, --jobs N          parallel downloads of missing LFS objects (default 8)\n";

static void print_json(const hfgit_model_id *id, const hfgit_hf_export *e,
                       const hfgit_export_stats *st)
{
	json_object *o = json_object_new_object(), *blobs = json_object_new_object();
	const char *rev = hfgit_model_id_revision(id), *ref = hfgit_hf_export_ref(e);

	json_object_object_add(o, "id", json_object_new_string(hfgit_model_id_repo(id)));
	json_object_object_add(o, "revision", rev ? json_object_new_string(rev) : NULL);
	json_object_object_add(o, "commit", json_object_new_string(hfgit_hf_export_commit(e)));
	json_object_object_add(o, "ref", ref ? json_object_new_string(ref) : NULL);
	json_object_object_add(o, "repo_dir", json_object_new_string(hfgit_hf_export_repo_dir(e)));
	json_object_object_add(o, "snapshot", json_object_new_string(hfgit_hf_export_snapshot_dir(e)));
	json_object_object_add(o, "files", json_object_new_int64((int64_t)st->files));
	json_object_object_add(o, "lfs_files", json_object_new_int64((int64_t)st->lfs_files));
	json_object_object_add(blobs, "linked", json_object_new_int64((int64_t)st->blobs_linked));
	json_object_object_add(blobs, "copied", json_object_new_int64((int64_t)st->blobs_copied));
	json_object_object_add(blobs, "written", json_object_new_int64((int64_t)st->blobs_written));
	json_object_object_add(blobs, "kept", json_object_new_int64((int64_t)st->blobs_kept));
	json_object_object_add(o, "blobs", blobs);
	json_object_object_add(o, "links_made", json_object_new_int64((int64_t)st->links_made));
	json_object_object_add(o, "ref_written", json_object_new_boolean(st->ref_written));
	json_object_object_add(o, "lfs_bytes_fetched",
	                       json_object_new_int64((int64_t)st->lfs_bytes_fetched));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_summary(const hfgit_model_id *id, const hfgit_hf_export *e,
                          const hfgit_export_stats *st)
{
	fprintf(stderr, "Exported %s at %s: %zu files; blobs: %zu linked to hfgit's store, %zu "
	        "copied, %zu written, %zu already in place%s%s\n", hfgit_model_id_repo(id),
	        hfgit_hf_export_commit(e), st->files, st->blobs_linked, st->blobs_copied, st->blobs_written, st->blobs_kept,
	        hfgit_hf_export_ref(e) ? " as refs/" : "",
	        hfgit_hf_export_ref(e) ? hfgit_hf_export_ref(e) : "");
}

int cli_export_after_clone(hfgit_ctx *ctx, const hfgit_model_id *id, const hfgit_resolved *r,
                           const hfgit_clone_options *clone_opts, const char *hf_cache_dir,
                           bool quiet)
{
	hfgit_export_options opts = HFGIT_EXPORT_OPTIONS_INIT;
	hfgit_export_stats stats;
	hfgit_hf_export *e = NULL;

	opts.hf_cache_dir = hf_cache_dir;
	opts.resolved = r;
	opts.lfs_include = clone_opts->lfs_include;
	opts.lfs_include_count = clone_opts->lfs_include_count;
	opts.lfs_exclude = clone_opts->lfs_exclude;
	opts.lfs_exclude_count = clone_opts->lfs_exclude_count;
	opts.no_lfs = clone_opts->no_lfs;
	opts.jobs = clone_opts->jobs;
	opts.stats = &stats;
	if (hfgit_export_hf_cache(&e, ctx, id, &opts) < 0) {
		fprintf(stderr, "hfgit: the clone is complete, but not its export to the "
		        "huggingface_hub cache:\n");
		return cli_fail();
	}
	if (!quiet)
		print_summary(id, e, &stats);
	hfgit_hf_export_free(e);
	return EXIT_OK;
}

typedef struct {
	bool hf_cache, quiet, json;
	const char *hf_cache_dir;
	const char *spec;
	const char **include, **exclude;
	size_t ninclude, nexclude;
	int no_lfs;
	unsigned int jobs;
} export_args;

/* EXIT_OK, or the exit code of a usage error (already reported); -1 for --help. */
static int parse_args(export_args *a, int argc, char **argv)
{
	const char *value;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_export_usage, stdout);
			return -1;
		} else if (!strcmp(argv[i], "--hf-cache")) {
			a->hf_cache = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			a->quiet = true;
		} else if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (!strcmp(argv[i], "--no-lfs")) {
			a->no_lfs = 1;
		} else if (cli_option_value(argc, argv, &i, "--cache-dir-hf", &value)) {
			if (!value || !*value)
				return cli_usage_error("export", "--cache-dir-hf needs a directory");
			a->hf_cache_dir = value;
		} else if (cli_option_value(argc, argv, &i, "--include", &value) ||
		           cli_option_value(argc, argv, &i, "-I", &value)) {
			if (!value || cli_add_globs(&a->include, &a->ninclude, (char *)value) < 0)
				return cli_usage_error("export", "--include needs glob patterns");
		} else if (cli_option_value(argc, argv, &i, "--exclude", &value) ||
		           cli_option_value(argc, argv, &i, "-X", &value)) {
			if (!value || cli_add_globs(&a->exclude, &a->nexclude, (char *)value) < 0)
				return cli_usage_error("export", "--exclude needs glob patterns");
		} else if (cli_option_value(argc, argv, &i, "--jobs", &value) ||
		           cli_option_value(argc, argv, &i, "-j", &value)) {
			if (!cli_parse_jobs(&a->jobs, value))
				return cli_usage_error("export", "--jobs takes a number from 1 to 64");
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("export", "unknown option '%s'", argv[i]);
		} else if (!a->spec) {
			a->spec = argv[i];
		} else {
			return cli_usage_error("export", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!a->hf_cache)
		return cli_usage_error("export", "export where? --hf-cache (the huggingface_hub cache) "
		                       "is the one target so far");
	if (!a->spec)
		return cli_usage_error("export", "which model? give ID[@REV]");
	return EXIT_OK;
}

static int run(const export_args *a, const cli_globals *g)
{
	hfgit_export_options opts = HFGIT_EXPORT_OPTIONS_INIT;
	hfgit_export_stats stats;
	hfgit_model_id *id = NULL;
	hfgit_hf_export *e = NULL;
	hfgit_ctx *ctx = NULL;
	cli_progress *progress;
	int rc;

	if (hfgit_model_id_parse(&id, a->spec) < 0)
		return cli_fail();
	if ((rc = cli_context(&ctx, g)) != 0) {
		hfgit_model_id_free(id);
		return rc;
	}
	progress = cli_progress_new(a->quiet || a->json);
	opts.hf_cache_dir = a->hf_cache_dir;
	opts.lfs_include = a->include;
	opts.lfs_include_count = a->ninclude;
	opts.lfs_exclude = a->exclude;
	opts.lfs_exclude_count = a->nexclude;
	opts.no_lfs = a->no_lfs;
	opts.jobs = a->jobs;
	opts.progress = cli_progress_cb;
	opts.payload = progress;
	opts.stats = &stats;
	rc = hfgit_export_hf_cache(&e, ctx, id, &opts);
	cli_progress_done(progress);
	if (rc < 0) {
		rc = cli_fail();
	} else {
		cli_note_staleness_at(a->spec, hfgit_hf_export_cached_at(e));
		if (a->json) {
			print_json(id, e, &stats);
		} else {
			puts(hfgit_hf_export_snapshot_dir(e));
			if (!a->quiet)
				print_summary(id, e, &stats);
		}
		rc = EXIT_OK;
	}
	hfgit_hf_export_free(e);
	hfgit_ctx_free(ctx);
	hfgit_model_id_free(id);
	return rc;
}

int cmd_export(int argc, char **argv, const cli_globals *g)
{
	export_args a;
	int rc;

	memset(&a, 0, sizeof(a));
	rc = parse_args(&a, argc, argv);
	if (rc == EXIT_OK)
		rc = run(&a, g);
	else if (rc < 0)
		rc = EXIT_OK;
	free(a.include);
	free(a.exclude);
	return rc;
}
