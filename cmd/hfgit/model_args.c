/* What the subcommands that load a model share: --auto, and loading ID[@REV]|DIR. */
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

bool cli_parse_auto(hfgit_auto_class *out, const char *value)
{
	int k;

	for (k = 0; value && k < HFGIT_AUTO_COUNT_; k++) {
		if (!strcmp(value, hfgit_auto_class_name((hfgit_auto_class)k))) {
			*out = (hfgit_auto_class)k;
			return true;
		}
	}
	return false;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

int cli_load_model(hfgit_model **m, hfgit_ctx **ctx, const cli_globals *g, const char *spec,
                   hfgit_model_options *opts, bool quiet)
{
	hfgit_clone_options clone_opts = HFGIT_CLONE_OPTIONS_INIT;
	cli_progress *progress = NULL;
	int rc;

	*m = NULL;
	*ctx = NULL;
	/* A directory is loaded as it is; anything else is a model id, cloned into the cache. */
	if (!is_dir(spec)) {
		if ((rc = cli_context(ctx, g)) != 0)
			return rc;
		progress = cli_progress_new(quiet);
		clone_opts.progress = cli_progress_cb;
		clone_opts.payload = progress;
		opts->clone = &clone_opts;
	}
	rc = hfgit_model_from_pretrained(m, *ctx, spec, opts);
	opts->clone = NULL;
	if (progress)
		cli_progress_done(progress);
	return rc < 0 ? cli_fail() : EXIT_OK;
}
