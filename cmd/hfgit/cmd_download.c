/* hfgit download [--local-dir DIR] ID[@REV] FILE...: single files, like `hf download`. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

const char cmd_download_usage[] =
	"usage: hfgit download [options] ID[@REV] FILE...\n"
	"\n"
	"Download only the files FILE... (paths in the repository) of revision REV of ID into\n"
	"DIR under their repository paths, like huggingface_hub's `hf download --local-dir`.\n"
	"LFS content goes through the same verified store as a clone (taken from the machine when\n"
	"it is there already, downloaded only when missing); other files come from a depth-1\n"
	"fetch of the git objects. Prints the path of each file written.\n"
	"\n"
	"  --local-dir DIR  where the files go (default: the current directory)\n"
	"  --revision REV   the revision (instead of ID@REV)\n"
	"  -q, --quiet      no progress display\n"
	"  -j, --jobs N     parallel downloads (default 8)\n"
	"  --link MODE      auto (a read-only hard link to the cached object, else a copy),\n"
	"                   hardlink, copy (default auto)\n";

int cmd_download(int argc, char **argv, const cli_globals *g)
{
	hfgit_clone_options opts = HFGIT_CLONE_OPTIONS_INIT;
	const char *spec = NULL, *dir = ".", *value;
	const char **paths = NULL;
	size_t npaths = 0, k;
	hfgit_model_id *id = NULL;
	hfgit_resolved *r = NULL;
	hfgit_ctx *ctx = NULL;
	cli_progress *progress;
	bool quiet = false;
	int i, rc;

	if (!(paths = calloc((size_t)argc, sizeof(*paths))))
		return cli_usage_error("download", "out of memory");
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_download_usage, stdout);
			rc = EXIT_OK;
			goto done;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (cli_option_value(argc, argv, &i, "--local-dir", &value)) {
			if (!value || !*value) {
				rc = cli_usage_error("download", "--local-dir needs a directory");
				goto done;
			}
			dir = value;
		} else if (cli_option_value(argc, argv, &i, "--jobs", &value) ||
		           cli_option_value(argc, argv, &i, "-j", &value)) {
			if (!cli_parse_jobs(&opts.jobs, value)) {
				rc = cli_usage_error("download", "--jobs takes a number from 1 to 64");
				goto done;
			}
		} else if (cli_option_value(argc, argv, &i, "--link", &value)) {
			if (!cli_parse_link(&opts.link, value) || opts.link == HFGIT_LINK_REFLINK) {
				rc = cli_usage_error("download", "--link takes auto, hardlink or copy");
				goto done;
			}
		} else if (!spec) {
			spec = argv[i];
		} else {
			paths[npaths++] = argv[i];
		}
	}
	if (!spec) {
		rc = cli_usage_error("download", "which model? give ID[@REV] FILE...");
		goto done;
	}
	if (!npaths) {
		rc = cli_usage_error("download", "which files? give their paths in the repository "
		                     "(`hfgit ls-files %s` lists them)", spec);
		goto done;
	}
	if (hfgit_model_id_parse(&id, spec) < 0) {
		rc = cli_fail();
		goto done;
	}
	if ((rc = cli_context(&ctx, g)) != 0)
		goto done;
	progress = cli_progress_new(quiet);
	opts.progress = cli_progress_cb;
	opts.payload = progress;
	rc = hfgit_download(&r, ctx, id, dir, paths, npaths, &opts);
	cli_progress_done(progress);
	if (rc < 0) {
		rc = cli_fail();
		goto done;
	}
	cli_note_staleness(spec, r);
	for (k = 0; k < npaths; k++) {
		const char *p = paths[k];
		while (p[0] == '.' && p[1] == '/')
			p += 2;
		printf("%s/%s\n", dir, p);
	}
	rc = EXIT_OK;
done:
	hfgit_resolved_free(r);
	hfgit_ctx_free(ctx);
	hfgit_model_id_free(id);
	free(paths);
	return rc;
}
