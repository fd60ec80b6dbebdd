/* hfgit gc [--dry-run] */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_gc_usage[] =
	"usage: hfgit gc [options]\n"
	"\n"
	"Removes from the cache's LFS store what nothing needs: objects that no cached revision\n"
	"(the refs of every model in the cache) and no checkout made by `hfgit clone` (while it\n"
	"exists) uses, partial downloads untouched for a day that no process is fetching, and\n"
	"objects `hfgit verify` set aside as damaged. Run it when no clone is running; a clone\n"
	"that races with it fails cleanly and can be run again.\n"
	"\n"
	"  -n, --dry-run  list what would be removed, and how many bytes; remove nothing\n"
	"  --json         print one JSON object {dry_run, removed, bytes, kept, kept_bytes,\n"
	"                 repositories, checkouts}\n";

static const char *kind_name(hfgit_gc_kind kind)
{
	switch (kind) {
	case HFGIT_GC_PARTIAL: return "partial";
	case HFGIT_GC_DAMAGED: return "damaged";
	default: return "object";
	}
}

static void print_json(const hfgit_gc_report *r, bool dry_run)
{
	json_object *o = json_object_new_object(), *list = json_object_new_array();
	size_t i;

	json_object_object_add(o, "dry_run", json_object_new_boolean(dry_run));
	for (i = 0; i < hfgit_gc_report_count(r); i++) {
		const hfgit_gc_item *it = hfgit_gc_report_item(r, i);
		json_object *item = json_object_new_object();
		json_object_object_add(item, "kind", json_object_new_string(kind_name(it->kind)));
		json_object_object_add(item, "path", json_object_new_string(it->path));
		json_object_object_add(item, "oid", json_object_new_string(it->oid));
		json_object_object_add(item, "bytes", json_object_new_int64((int64_t)it->size));
		json_object_object_add(item, "linked", json_object_new_boolean(it->linked));
		json_object_array_add(list, item);
	}
	json_object_object_add(o, "removed", list);
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)hfgit_gc_report_bytes(r)));
	json_object_object_add(o, "kept", json_object_new_int64((int64_t)hfgit_gc_report_kept(r)));
	json_object_object_add(o, "kept_bytes", json_object_new_int64((int64_t)hfgit_gc_report_kept_bytes(r)));
	json_object_object_add(o, "repositories",
	                       json_object_new_int64((int64_t)hfgit_gc_report_repositories(r)));
	json_object_object_add(o, "checkouts", json_object_new_int64((int64_t)hfgit_gc_report_checkouts(r)));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

static const char *plural(size_t n)
{
	return n == 1 ? "" : "s";
}

static void print_text(const hfgit_gc_report *r, bool dry_run)
{
	size_t i, n = hfgit_gc_report_count(r), linked = 0;
	size_t repos = hfgit_gc_report_repositories(r), checkouts = hfgit_gc_report_checkouts(r);
	char size[32];

	for (i = 0; i < n; i++) {
		const hfgit_gc_item *it = hfgit_gc_report_item(r, i);
		cli_human_bytes(size, sizeof(size), (double)it->size);
		printf("%s %s %s (%s%s)\n", dry_run ? "would remove" : "removed", kind_name(it->kind),
		       it->path, size, it->linked ? ", still linked from a checkout" : "");
		linked += it->linked != 0;
	}
	cli_human_bytes(size, sizeof(size), (double)hfgit_gc_report_bytes(r));
	printf("%s %zu file%s, %s", dry_run ? "would remove" : "removed", n, plural(n), size);
	if (linked)
		printf(" (%zu still linked from checkouts: their space is freed with those)", linked);
	cli_human_bytes(size, sizeof(size), (double)hfgit_gc_report_kept_bytes(r));
	printf("; kept %zu object%s, %s, used by %zu cached repositor%s and %zu checkout%s\n",
	       hfgit_gc_report_kept(r), plural(hfgit_gc_report_kept(r)), size, repos,
	       repos == 1 ? "y" : "ies", checkouts, plural(checkouts));
}

int cmd_gc(int argc, char **argv, const cli_globals *g)
{
	hfgit_gc_options opts = HFGIT_GC_OPTIONS_INIT;
	hfgit_gc_report *r = NULL;
	hfgit_ctx *ctx = NULL;
	bool json = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_gc_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "-n") || !strcmp(argv[i], "--dry-run")) {
			opts.dry_run = 1;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else {
			return cli_usage_error("gc", argv[i][0] == '-' ? "unknown option '%s'" :
			                       "unexpected argument '%s'", argv[i]);
		}
	}
	if ((rc = cli_context(&ctx, g)) != 0)
		return rc;
	if (hfgit_gc(&r, ctx, &opts) < 0) {
		rc = cli_fail();
	} else if (json) {
		print_json(r, opts.dry_run);
	} else {
		print_text(r, opts.dry_run);
	}
	hfgit_gc_report_free(r);
	hfgit_ctx_free(ctx);
	return rc;
}
