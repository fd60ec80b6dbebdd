/* hfgit ls-files ID[@REV]: the files of a revision, their sizes and which are LFS. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_ls_files_usage[] =
	"usage: hfgit ls-files [--json] ID[@REV]\n"
	"\n"
	"List every file of revision REV of ID with its size and whether it is Git LFS content,\n"
	"from a depth-1 fetch of the git objects alone: no LFS bytes are downloaded (nothing at\n"
	"all when the cache has the commit). Sizes of LFS files are their content's, not the\n"
	"pointer's.\n"
	"\n"
	"  --json          print {id, commit, files: [{path, size, lfs, oid, executable}],\n"
	"                  size}; oid is the LFS SHA-256 or the git blob id\n"
	"  --revision REV  the revision (instead of ID@REV)\n";

static void print_json(const hfgit_model_id *id, const hfgit_resolved *r, const hfgit_file_list *l)
{
	json_object *o = json_object_new_object(), *files = json_object_new_array();
	unsigned long long total = 0;
	size_t i;

	json_object_object_add(o, "id", json_object_new_string(hfgit_model_id_repo(id)));
	json_object_object_add(o, "commit", json_object_new_string(hfgit_resolved_commit(r)));
	for (i = 0; i < hfgit_file_list_count(l); i++) {
		const hfgit_repo_file *f = hfgit_file_list_get(l, i);
		json_object *e = json_object_new_object();
		json_object_object_add(e, "path", json_object_new_string(f->path));
		json_object_object_add(e, "size", json_object_new_int64((int64_t)f->size));
		json_object_object_add(e, "lfs", json_object_new_boolean(f->lfs));
		json_object_object_add(e, "oid", json_object_new_string(f->oid));
		json_object_object_add(e, "executable", json_object_new_boolean(f->executable));
		json_object_array_add(files, e);
		total += f->size;
	}
	json_object_object_add(o, "files", files);
	json_object_object_add(o, "size", json_object_new_int64((int64_t)total));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static void print_human(const hfgit_file_list *l)
{
	unsigned long long total = 0;
	size_t i, lfs = 0;
	char size[32];

	for (i = 0; i < hfgit_file_list_count(l); i++) {
		const hfgit_repo_file *f = hfgit_file_list_get(l, i);
		cli_human_bytes(size, sizeof(size), (double)f->size);
		printf("%10s  %-3s  %s\n", size, f->lfs ? "lfs" : "", f->path);
		total += f->size;
		lfs += f->lfs != 0;
	}
	cli_human_bytes(size, sizeof(size), (double)total);
	printf("%zu files (%zu LFS), %s\n", hfgit_file_list_count(l), lfs, size);
}

int cmd_ls_files(int argc, char **argv, const cli_globals *g)
{
	const char *spec = NULL;
	hfgit_model_id *id = NULL;
	hfgit_resolved *r = NULL;
	hfgit_file_list *list = NULL;
	hfgit_ctx *ctx = NULL;
	bool json = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_ls_files_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!spec) {
			spec = argv[i];
		} else {
			return cli_usage_error("ls-files", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!spec)
		return cli_usage_error("ls-files", "which model? give ID[@REV]");
	if (hfgit_model_id_parse(&id, spec) < 0)
		return cli_fail();
	if ((rc = cli_context(&ctx, g)) != 0)
		goto done;
	if (hfgit_list_files(&list, &r, ctx, id, NULL) < 0) {
		rc = cli_fail();
		goto done;
	}
	cli_note_staleness(spec, r);
	if (json)
		print_json(id, r, list);
	else
		print_human(list);
	rc = EXIT_OK;
done:
	hfgit_file_list_free(list);
	hfgit_resolved_free(r);
	hfgit_ctx_free(ctx);
	hfgit_model_id_free(id);
	return rc;
}
