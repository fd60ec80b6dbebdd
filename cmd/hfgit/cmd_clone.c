/* hfgit clone ID[@REV] [DIR] */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_clone_usage[] =
	"usage: hfgit clone [options] ID[@REV] [DIR]\n"
	"\n"
	"Shallow clone (depth 1) of exactly the revision REV of model ID into DIR (default: the\n"
	"repository name). DIR must not exist or be empty. A branch is checked out tracking\n"
	"origin, a tag stays a tag, a hash gives a detached HEAD. Git LFS files get their content,\n"
	"downloaded once per machine into the cache and verified (SHA-256) before use.\n"
	"\n"
	"  -q, --quiet          no progress display\n"
	"  --revision REV       the revision (instead of ID@REV)\n"
	"  --json               print one JSON object {id, revision, commit, kind, ref, path, lfs}\n"
	"  -n, --dry-run        say what the clone would download and how much of it is on this\n"
	"                       machine already; fetch only the git objects, write no checkout\n"
	"  -I, --include GLOBS  only these LFS files get content (comma-separated globs, e.g.\n"
	"                       '*.safetensors,config.json'); repeatable\n"
	"  -X, --exclude GLOBS  these LFS files keep their pointers; repeatable\n"
	"  --no-lfs             keep every LFS pointer file (also when GIT_LFS_SKIP_SMUDGE=1)\n"
	"  -j, --jobs N         parallel downloads (default 8)\n"
	"  --link MODE          how the working tree shares LFS content with the cache:\n"
	"                       auto (reflink, else read-only hard link, else copy), reflink,\n"
	"                       hardlink, copy (default auto)\n"
	"  --reference DIR      take LFS objects that DIR already holds (a git-lfs checkout,\n"
	"                       a bare repository, an LFS store, a huggingface_hub cache) after\n"
	"                       checking their SHA-256, as git clone --reference; repeatable\n"
	"  --no-hf-cache-reuse  do not take LFS objects from the huggingface_hub cache\n"
	"                       ($HF_HUB_CACHE, where blobs are named by their SHA-256), which\n"
	"                       is otherwise searched before downloading\n"
	"  --hf-cache           also publish the revision into the huggingface_hub cache (see\n"
	"                       `hfgit export --help`), LFS files as links to the same objects\n"
	"  --cache-dir-hf DIR   the huggingface_hub cache, for --hf-cache and for reuse\n"
	"                       (default: $HF_HUB_CACHE, else $HF_HOME/hub)\n";

static const char *kind_name(hfgit_rev_kind kind)
{
	switch (kind) {
	case HFGIT_REV_BRANCH: return "branch";
	case HFGIT_REV_TAG: return "tag";
	case HFGIT_REV_REF: return "ref";
	default: return "commit";
	}
}

static void print_json(const hfgit_model_id *id, const hfgit_resolved *r, const char *dir,
                       const hfgit_clone_stats *st)
{
	json_object *o = json_object_new_object(), *lfs = json_object_new_object();
	char *abs = realpath(dir, NULL);
	const char *rev = hfgit_model_id_revision(id);

	json_object_object_add(o, "id", json_object_new_string(hfgit_model_id_repo(id)));
	json_object_object_add(o, "revision", rev ? json_object_new_string(rev) : NULL);
	json_object_object_add(o, "commit", json_object_new_string(hfgit_resolved_commit(r)));
	json_object_object_add(o, "kind", json_object_new_string(kind_name(hfgit_resolved_kind(r))));
	json_object_object_add(o, "ref", hfgit_resolved_ref(r) ?
	                       json_object_new_string(hfgit_resolved_ref(r)) : NULL);
	json_object_object_add(o, "path", json_object_new_string(abs ? abs : dir));
	json_object_object_add(lfs, "files", json_object_new_int64((int64_t)st->lfs_files));
	json_object_object_add(lfs, "objects", json_object_new_int64((int64_t)st->lfs_objects));
	json_object_object_add(lfs, "objects_fetched", json_object_new_int64((int64_t)st->lfs_objects_fetched));
	json_object_object_add(lfs, "bytes", json_object_new_int64((int64_t)st->lfs_bytes));
	json_object_object_add(lfs, "bytes_fetched", json_object_new_int64((int64_t)st->lfs_bytes_fetched));
	json_object_object_add(lfs, "bytes_reused", json_object_new_int64((int64_t)st->lfs_bytes_reused));
	json_object_object_add(lfs, "objects_local", json_object_new_int64((int64_t)st->lfs_objects_local));
	json_object_object_add(lfs, "bytes_local", json_object_new_int64((int64_t)st->lfs_bytes_local));
	json_object_object_add(o, "lfs", lfs);
	json_object_object_add(o, "seconds", json_object_new_double(st->seconds));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
	free(abs);
}

/* Distinct LFS objects by where their content would come from. */
typedef struct {
	size_t objects;
	unsigned long long bytes;
} tally;

static void count_sources(tally out[HFGIT_FILE_SKIPPED + 1], const hfgit_file_list *l)
{
	size_t i, k, n = hfgit_file_list_count(l);

	for (i = 0; i < n; i++) {
		const hfgit_repo_file *f = hfgit_file_list_get(l, i);
		bool seen = false;
		for (k = 0; k < i && !seen; k++) {
			const hfgit_repo_file *o = hfgit_file_list_get(l, k);
			seen = o->lfs == f->lfs && !strcmp(o->oid, f->oid) && o->source == f->source;
		}
		if (!seen) {
			out[f->source].objects++;
			out[f->source].bytes += f->size;
		}
	}
}

static int dry_run(hfgit_ctx *ctx, const hfgit_model_id *id, const char *dir,
                   const hfgit_clone_options *opts, bool json)
{
	static const char *const keys[] = { "git", "stored", "local", "download", "skipped" };
	tally t[HFGIT_FILE_SKIPPED + 1];
	hfgit_file_list *list = NULL;
	hfgit_resolved *r = NULL;
	char b[5][32];
	size_t i;

	memset(t, 0, sizeof(t));
	if (hfgit_list_files(&list, &r, ctx, id, opts) < 0)
		return cli_fail();
	count_sources(t, list);
	for (i = 0; i <= HFGIT_FILE_SKIPPED; i++)
		cli_human_bytes(b[i], sizeof(b[i]), (double)t[i].bytes);
	if (json) {
		json_object *o = json_object_new_object(), *lfs = json_object_new_object();
		json_object_object_add(o, "id", json_object_new_string(hfgit_model_id_repo(id)));
		json_object_object_add(o, "commit", json_object_new_string(hfgit_resolved_commit(r)));
		json_object_object_add(o, "path", json_object_new_string(dir));
		json_object_object_add(o, "files", json_object_new_int64((int64_t)hfgit_file_list_count(list)));
		for (i = HFGIT_FILE_STORED; i <= HFGIT_FILE_SKIPPED; i++) {
			json_object *e = json_object_new_object();
			json_object_object_add(e, "objects", json_object_new_int64((int64_t)t[i].objects));
			json_object_object_add(e, "bytes", json_object_new_int64((int64_t)t[i].bytes));
			json_object_object_add(lfs, keys[i], e);
		}
		json_object_object_add(o, "lfs", lfs);
		json_object_object_add(o, "dry_run", json_object_new_boolean(1));
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(o);
	} else {
		printf("Would clone %s at %s into '%s': %zu files\n", hfgit_model_id_repo(id),
		       hfgit_resolved_commit(r), dir, hfgit_file_list_count(list));
		printf("  download:            %zu LFS objects, %s\n", t[HFGIT_FILE_DOWNLOAD].objects, b[HFGIT_FILE_DOWNLOAD]);
		printf("  in hfgit's cache:    %zu LFS objects, %s\n", t[HFGIT_FILE_STORED].objects, b[HFGIT_FILE_STORED]);
		printf("  elsewhere on this machine (huggingface_hub cache, references): %zu LFS objects, %s\n",
		       t[HFGIT_FILE_LOCAL].objects, b[HFGIT_FILE_LOCAL]);
		if (t[HFGIT_FILE_SKIPPED].objects)
			printf("  left as pointers:    %zu LFS objects, %s\n", t[HFGIT_FILE_SKIPPED].objects,
			       b[HFGIT_FILE_SKIPPED]);
	}
	hfgit_file_list_free(list);
	hfgit_resolved_free(r);
	return EXIT_OK;
}

int cmd_clone(int argc, char **argv, const cli_globals *g)
{
	hfgit_clone_options opts = HFGIT_CLONE_OPTIONS_INIT;
	hfgit_clone_stats stats;
	const char **include = NULL, **exclude = NULL, **references = NULL;
	size_t ninclude = 0, nexclude = 0, nreferences = 0;
	const char *spec = NULL, *dir = NULL, *value;
	hfgit_model_id *id = NULL;
	hfgit_resolved *r = NULL;
	hfgit_ctx *ctx = NULL;
	cli_progress *progress;
	bool quiet = false, json = false, hf_cache = false, dry = false;
	const char *hf_cache_dir = NULL;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_clone_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run")) {
			dry = true;
		} else if (!strcmp(argv[i], "--hf-cache")) {
			hf_cache = true;
		} else if (cli_option_value(argc, argv, &i, "--cache-dir-hf", &value)) {
			if (!value || !*value) {
				rc = cli_usage_error("clone", "--cache-dir-hf needs a directory");
				goto done;
			}
			hf_cache_dir = value;
		} else if (!strcmp(argv[i], "--no-lfs")) {
			opts.no_lfs = 1;
		} else if (!strcmp(argv[i], "--no-hf-cache-reuse")) {
			opts.no_hf_cache_reuse = 1;
		} else if (cli_option_value(argc, argv, &i, "--reference", &value)) {
			const char **grown;
			if (!value || !*value) {
				rc = cli_usage_error("clone", "--reference needs a directory");
				goto done;
			}
			if (!(grown = realloc(references, (nreferences + 1) * sizeof(*grown)))) {
				rc = cli_usage_error("clone", "out of memory");
				goto done;
			}
			references = grown;
			references[nreferences++] = value;
		} else if (cli_option_value(argc, argv, &i, "--include", &value) ||
		           cli_option_value(argc, argv, &i, "-I", &value)) {
			if (!value || cli_add_globs(&include, &ninclude, (char *)value) < 0) {
				rc = cli_usage_error("clone", "--include needs glob patterns");
				goto done;
			}
		} else if (cli_option_value(argc, argv, &i, "--exclude", &value) ||
		           cli_option_value(argc, argv, &i, "-X", &value)) {
			if (!value || cli_add_globs(&exclude, &nexclude, (char *)value) < 0) {
				rc = cli_usage_error("clone", "--exclude needs glob patterns");
				goto done;
			}
		} else if (cli_option_value(argc, argv, &i, "--jobs", &value) ||
		           cli_option_value(argc, argv, &i, "-j", &value)) {
			if (!cli_parse_jobs(&opts.jobs, value)) {
				rc = cli_usage_error("clone", "--jobs takes a number from 1 to 64");
				goto done;
			}
		} else if (cli_option_value(argc, argv, &i, "--link", &value)) {
			if (!cli_parse_link(&opts.link, value)) {
				rc = cli_usage_error("clone", "--link takes auto, reflink, hardlink or copy");
				goto done;
			}
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			rc = cli_usage_error("clone", "unknown option '%s'", argv[i]);
			goto done;
		} else if (!spec) {
			spec = argv[i];
		} else if (!dir) {
			dir = argv[i];
		} else {
			rc = cli_usage_error("clone", "too many arguments ('%s')", argv[i]);
			goto done;
		}
	}
	if (!spec) {
		rc = cli_usage_error("clone", "which model? give ID[@REV]");
		goto done;
	}
	if (hfgit_model_id_parse(&id, spec) < 0) {
		rc = cli_fail();
		goto done;
	}
	if (!dir)
		dir = hfgit_model_id_name(id);
	if ((rc = cli_context(&ctx, g)) != 0)
		goto done;
	progress = cli_progress_new(quiet || json);
	opts.progress = cli_progress_cb;
	opts.payload = progress;
	opts.lfs_include = include;
	opts.lfs_include_count = ninclude;
	opts.lfs_exclude = exclude;
	opts.lfs_exclude_count = nexclude;
	opts.stats = &stats;
	opts.references = references;
	opts.reference_count = nreferences;
	opts.hf_cache_dir = hf_cache_dir;
	if (dry) {
		cli_progress_done(progress);
		rc = dry_run(ctx, id, dir, &opts, json);
		goto done;
	}
	rc = hfgit_clone(&r, ctx, id, dir, &opts);
	cli_progress_done(progress);
	if (rc < 0) {
		rc = cli_fail();
	} else {
		cli_note_staleness(spec, r);
		if (json)
			print_json(id, r, dir, &stats);
		else if (!quiet) {
			if (stats.lfs_objects_local) {
				char bytes[32];
				cli_human_bytes(bytes, sizeof(bytes), (double)stats.lfs_bytes_local);
				fprintf(stderr, "Took %zu LFS object%s (%s) from this machine instead of "
				        "downloading\n", stats.lfs_objects_local,
				        stats.lfs_objects_local == 1 ? "" : "s", bytes);
			}
			fprintf(stderr, "Cloned %s at %s (%s) into '%s'\n", hfgit_model_id_repo(id),
			        hfgit_resolved_commit(r), hfgit_resolved_ref(r) ? hfgit_resolved_ref(r) :
			        "detached", dir);
		}
		rc = hf_cache ? cli_export_after_clone(ctx, id, r, &opts, hf_cache_dir, quiet || json) :
		                EXIT_OK;
	}
done:
	hfgit_resolved_free(r);
	hfgit_ctx_free(ctx);
	hfgit_model_id_free(id);
	free(include);
	free(exclude);
	free(references);
	return rc;
}
