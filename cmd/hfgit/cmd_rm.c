/* hfgit rm ID[@REV]: cached revisions out of the cache. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_rm_usage[] =
	"usage: hfgit rm [--gc] ID[@REV]...\n"
	"\n"
	"Remove cached revisions: with REV the revisions of ID that it names (a branch, a tag,\n"
	"refs/pr/N, or a commit fetched by hash, by its hash or a prefix of it); without REV the\n"
	"model's whole cache repository. Checkouts are not touched. LFS objects that only the\n"
	"removed revisions used are removed by the next `hfgit gc`, or right away with --gc.\n"
	"\n"
	"  --gc            run `hfgit gc` afterwards\n"
	"  --revision REV  the revision (instead of ID@REV)\n"
	"  -q, --quiet     print nothing on success\n";

int cmd_rm(int argc, char **argv, const cli_globals *g)
{
	hfgit_ctx *ctx = NULL;
	bool gc = false, quiet = false;
	int i, rc = EXIT_OK, specs = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_rm_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--gc")) {
			gc = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else {
			specs++;
		}
	}
	if (!specs)
		return cli_usage_error("rm", "which model? give ID[@REV]");
	/* every id is checked before anything is removed */
	for (i = 1; i < argc; i++) {
		hfgit_model_id *id = NULL;
		if (argv[i][0] == '-' && argv[i][1] == '-')
			continue;
		if (!strcmp(argv[i], "-q"))
			continue;
		if (hfgit_model_id_parse(&id, argv[i]) < 0)
			return cli_fail();
		hfgit_model_id_free(id);
	}
	if ((rc = cli_context(&ctx, g)) != 0)
		return rc;
	for (i = 1; i < argc && rc == EXIT_OK; i++) {
		hfgit_model_id *id = NULL;
		size_t removed = 0;
		if (!strcmp(argv[i], "--gc") || !strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet"))
			continue;
		if (hfgit_model_id_parse(&id, argv[i]) < 0 || hfgit_cache_remove(&removed, ctx, id) < 0) {
			rc = cli_fail();
		} else if (!quiet) {
			printf("Removed %s (%zu revision%s)\n", argv[i], removed, removed == 1 ? "" : "s");
		}
		hfgit_model_id_free(id);
	}
	if (rc == EXIT_OK && gc) {
		hfgit_gc_options gopts = HFGIT_GC_OPTIONS_INIT;
		hfgit_gc_report *report = NULL;
		char bytes[32];
		if (hfgit_gc(&report, ctx, &gopts) < 0) {
			rc = cli_fail();
		} else if (!quiet) {
			cli_human_bytes(bytes, sizeof(bytes), (double)hfgit_gc_report_bytes(report));
			printf("gc: removed %zu LFS object%s and partial files, %s\n",
			       hfgit_gc_report_count(report), hfgit_gc_report_count(report) == 1 ? "" : "s",
			       bytes);
		}
		hfgit_gc_report_free(report);
	}
	hfgit_ctx_free(ctx);
	return rc;
}
