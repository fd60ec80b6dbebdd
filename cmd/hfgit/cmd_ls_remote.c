/* hfgit ls-remote ID: the refs of a model repository, as git ls-remote prints them. */
#include <stdio.h>
#include <string.h>

#include "cli.h"

const char cmd_ls_remote_usage[] =
	"usage: hfgit ls-remote [--heads] [--tags] [--symref] ID\n"
	"\n"
	"List the refs the repository advertises: \"<hash> TAB <ref>\" per line.\n"
	"\n"
	"  --heads   only branches (refs/heads/)\n"
	"  --tags    only tags (refs/tags/)\n"
	"  --symref  also show what HEAD points at (\"ref: refs/heads/main TAB HEAD\")\n";

static bool wanted(const char *name, bool heads, bool tags)
{
	if (!heads && !tags)
		return true;
	return (heads && !strncmp(name, "refs/heads/", 11)) || (tags && !strncmp(name, "refs/tags/", 10));
}

int cmd_ls_remote(int argc, char **argv, const cli_globals *g)
{
	bool heads = false, tags = false, symref = false;
	const char *spec = NULL;
	hfgit_model_id *id = NULL;
	hfgit_ref_list *refs = NULL;
	hfgit_ctx *ctx = NULL;
	size_t n;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_ls_remote_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--heads")) {
			heads = true;
		} else if (!strcmp(argv[i], "--tags")) {
			tags = true;
		} else if (!strcmp(argv[i], "--symref")) {
			symref = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("ls-remote", "unknown option '%s'", argv[i]);
		} else if (!spec) {
			spec = argv[i];
		} else {
			return cli_usage_error("ls-remote", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!spec)
		return cli_usage_error("ls-remote", "which model? give ID");
	if (hfgit_model_id_parse(&id, spec) < 0)
		return cli_fail();
	if (hfgit_model_id_revision(id)) {
		hfgit_model_id_free(id);
		return cli_usage_error("ls-remote", "'%s': ls-remote lists every ref, give the id "
		                       "without @REV", spec);
	}
	if ((rc = cli_context(&ctx, g)) == 0) {
		if (hfgit_ls_remote(&refs, ctx, id) < 0) {
			rc = cli_fail();
		} else {
			for (n = 0; n < hfgit_ref_list_count(refs); n++) {
				const char *name = hfgit_ref_list_name(refs, n);
				if (!wanted(name, heads, tags))
					continue;
				if (symref && hfgit_ref_list_symref(refs, n))
					printf("ref: %s\t%s\n", hfgit_ref_list_symref(refs, n), name);
				printf("%s\t%s\n", hfgit_ref_list_oid(refs, n), name);
			}
		}
	}
	hfgit_ref_list_free(refs);
	hfgit_ctx_free(ctx);
	hfgit_model_id_free(id);
	return rc;
}
