/*
 * hfgit_model_from_pretrained: a directory, or a model id cloned into the cache, to a model.
 *
 * An id's checkout lives at <cache>/checkouts/<repo>/<commit>, cloned at exactly the resolved
 * commit (so a branch that moves meanwhile cannot give a directory the wrong name) and reused
 * whenever that commit is asked for again. hfgit_clone builds it aside and renames it into
 * place, so an existing directory is always a complete checkout. Only the public clone API is
 * used: lib/model does not depend on lib/git.
 */
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/options.h"
#include "core/layout.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "core/trace.h"
#include "model/binder.h"
#include "model/config.h"
#include "model/model.h"
#include "model/registry.h"
#include "model/weights/files.h"

/* How many report errors a failed load names in its message. */
#define ERRORS_NAMED 3

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static bool is_full_hash(const char *rev)
{
	size_t i;

	for (i = 0; rev && rev[i]; i++)
		if (!isxdigit((unsigned char)rev[i]))
			return false;
	return rev && i == 40;
}

/* A path the user meant as one, which must then exist: never tried as a model id. */
static bool looks_like_path(const char *s)
{
	return s[0] == '/' || s[0] == '.' || s[0] == '~';
}

/* ---------------------------------------------------------------------------------------- */
/* Checkouts in the cache                                                                    */

static char *checkout_dir(const hfgit_ctx *ctx, const hfgit_model_id *id, const char *commit)
{
	return hfgit_layout__checkout_dir(hfgit_ctx_cache_dir(ctx), hfgit_model_id_repo(id),
	                     commit);
}

static int clone_commit(hfgit_ctx *ctx, const hfgit_model_id *id, const char *commit,
                        const char *dir, const hfgit_clone_options *clone_opts)
{
	char *spec = hfgit__aprintf("%s@%s", hfgit_model_id_repo(id), commit), *parent = NULL, *slash;
	hfgit_model_id *exact = NULL;
	int rc;

	if (!spec || !(parent = hfgit__strdup(dir))) {
		free(spec);
		return HFGIT_ERROR;
	}
	if ((slash = strrchr(parent, '/')))
		*slash = '\0';
	if ((rc = hfgit_fs__mkdir_p(parent)) == 0 && (rc = hfgit_model_id_parse(&exact, spec)) == 0) {
		hfgit__trace("model: cloning %s into %s", spec, dir);
		rc = hfgit_clone(NULL, ctx, exact, dir, clone_opts);
		/* Another process got there first: its checkout is complete (clones are renamed
		 * into place), so use it. */
		if (rc == HFGIT_EEXISTS && !hfgit_fs__is_absent_or_empty_dir(dir)) {
			hfgit_error__clear();
			rc = 0;
		}
	}
	hfgit_model_id_free(exact);
	free(parent);
	free(spec);
	return rc;
}

/* `*id` replaced by "<locked id>@<locked commit>" when the lock has an entry for `spec`. */
static int use_lock(hfgit_model_id **id, const hfgit_lock *lock, const char *spec)
{
	const hfgit_lock_entry *e;
	hfgit_model_id *locked = NULL;
	char *exact;
	int rc = hfgit_lock_lookup(&e, lock, spec);

	if (rc == HFGIT_ENOTFOUND) {
		hfgit_error__clear();
		return 0;
	}
	if (rc < 0)
		return rc;
	if (!(exact = hfgit__aprintf("%s@%s", e->id, e->commit)))
		return HFGIT_ERROR;
	if ((rc = hfgit_model_id_parse(&locked, exact)) == 0) {
		hfgit__trace("model: %s is locked at %s", spec, exact);
		hfgit_model_id_free(*id);
		*id = locked;
	}
	free(exact);
	return rc;
}

/* The checkout of `spec` (an id[@rev]) in the cache, cloned when it is not there yet; an id
 * that `lock` (may be NULL) pins is taken at its locked commit. */
static int fetch_checkout(char **dir_out, char **commit_out, hfgit_ctx *ctx, const char *spec,
                          const hfgit_clone_options *clone_opts, const hfgit_lock *lock)
{
	hfgit_model_id *id = NULL;
	hfgit_resolved *r = NULL;
	const char *rev;
	char *commit = NULL, *dir = NULL;
	int rc;

	if ((rc = hfgit_model_id_parse(&id, spec)) < 0)
		return hfgit_error__set(rc, "'%s' is not a directory, nor a model id: %s", spec,
		                        hfgit_error_last());
	if (!ctx) {
		rc = hfgit_error__set(HFGIT_EINVALID, "loading the model id '%s' needs a context "
		                      "(hfgit_ctx_new) for the hub and the cache", spec);
		goto out;
	}
	/* An id the lock pins loads at the locked commit, under the id the lock recorded. */
	if (lock && (rc = use_lock(&id, lock, spec)) < 0)
		goto out;
	rev = hfgit_model_id_revision(id);
	/* A full hash names its directory itself: no network when it was checked out before. */
	if (is_full_hash(rev)) {
		if ((commit = hfgit__strdup(rev)))
			for (char *p = commit; *p; p++)
				*p = (char)tolower((unsigned char)*p);
	} else {
		if ((rc = hfgit_resolve(&r, ctx, id)) < 0)
			goto out;
		commit = hfgit__strdup(hfgit_resolved_commit(r));
	}
	if (!commit || !(dir = checkout_dir(ctx, id, commit))) {
		rc = HFGIT_ERROR;
		goto out;
	}
	if (hfgit_fs__is_absent_or_empty_dir(dir)) {
		if ((rc = clone_commit(ctx, id, commit, dir, clone_opts)) < 0)
			goto out;
	} else {
		hfgit__trace("model: reusing the checkout %s", dir);
	}
	*dir_out = dir;
	*commit_out = commit;
	dir = commit = NULL;
out:
	free(dir);
	free(commit);
	hfgit_resolved_free(r);
	hfgit_model_id_free(id);
	return rc;
}

/* The chat template of the same checkout: lib/chat knows directories only. */
int hfgit_chat_template_from_pretrained(hfgit_chat_template **out, hfgit_ctx *ctx,
                                        const char *id_or_dir, const char *name,
                                        const hfgit_clone_options *clone)
{
	char *dir = NULL, *commit = NULL;
	int rc;

	*out = NULL;
	if (HFGIT_OPTIONS__CHECK(clone, HFGIT_CLONE_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (!id_or_dir || !*id_or_dir)
		return hfgit_error__set(HFGIT_EINVALID, "which chat template? give a directory or a "
		                        "model id");
	if (is_dir(id_or_dir))
		return hfgit_chat_template_from_dir(out, id_or_dir, name);
	if (looks_like_path(id_or_dir))
		return hfgit_error__set(HFGIT_ENOTFOUND, "no directory '%s'", id_or_dir);
	if ((rc = fetch_checkout(&dir, &commit, ctx, id_or_dir, clone, NULL)) == 0)
		rc = hfgit_chat_template_from_dir(out, dir, name);
	free(dir);
	free(commit);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Loading a directory                                                                       */

static int read_config(hfgit_model *m)
{
	char *path = hfgit__aprintf("%s/config.json", m->dir);
	int rc;

	if (!path)
		return HFGIT_ERROR;
	rc = hfgit_config__load(&m->cfg, path);
	if (rc == HFGIT_ENOTFOUND)
		rc = hfgit_error__set(rc, "no config.json in %s: not a transformers model directory "
		                      "(save_pretrained writes one)", m->dir);
	free(path);
	return rc;
}

static int report_custom_code(hfgit_model *m)
{
	const hfgit_config *cfg = m->cfg;
	hfgit_strbuf what = HFGIT_STRBUF_INIT;
	size_t i;
	int rc = 0;

	if (!hfgit_config_auto_map_count(cfg))
		return 0;
	for (i = 0; rc == 0 && i < hfgit_config_auto_map_count(cfg); i++)
		rc = hfgit_strbuf__printf(&what, "%s%s: %s", i ? ", " : "",
		                          hfgit_config_auto_map_key(cfg, i),
		                          hfgit_config_auto_map_value(cfg, i));
	if (rc == 0)
		rc = hfgit_model__add_issue(m, HFGIT_ISSUE_CUSTOM_CODE, HFGIT_SEVERITY_INFO, NULL,
		                            "config.json's auto_map names Python code in the repository "
		                            "(%s); hfgit never runs it, and builds the registered %s",
		                            what.ptr, m->class_name);
	hfgit_strbuf__dispose(&what);
	return rc;
}

static int choose_class(hfgit_model *m, const hfgit_model_options *opts,
                        const hfgit_architecture **arch)
{
	hfgit_choice choice;
	int rc;

	if ((rc = hfgit_registry__choose(&choice, m->cfg, opts->auto_class)) < 0)
		return rc;
	*arch = choice.arch;
	m->auto_class = choice.head;
	m->reason = choice.reason;
	if (!(m->class_name = hfgit__strdup(choice.class_name)) ||
	    !(m->model_type = hfgit__strdup(choice.arch->model_type)) ||
	    hfgit_config__set_reader(m->cfg, choice.class_name) < 0)
		return HFGIT_ERROR;
	hfgit_error__clear();
	if ((rc = choice.arch->read_config(m->cfg, choice.arch->payload)) < 0)
		return hfgit_error_last()[0] ? rc :
		       hfgit_error__set(rc, "%s: the %s architecture refused the config",
		                        hfgit_config_path(m->cfg), choice.arch->model_type);
	return 0;
}

static int load_weights(hfgit_model *m, const hfgit_model_options *opts)
{
	hfgit_weight_files files;
	int rc = hfgit_weight_files__load(m->weights, &files, m->dir, opts->format);

	m->format = files.format;
	m->files = files.files;
	m->nfiles = files.nfiles;
	return rc;
}

/* Without allow_errors, report errors fail the load: name the first few. */
static int fail_with_errors(const hfgit_model *m, size_t errors)
{
	hfgit_strbuf msg = HFGIT_STRBUF_INIT;
	size_t named = 0, i;
	int rc;

	rc = hfgit_strbuf__printf(&msg, "%s: the weights do not fit %s (%zu error%s): ", m->dir,
	                          m->class_name, errors, errors == 1 ? "" : "s");
	for (i = 0; rc == 0 && i < m->nissues && named < ERRORS_NAMED; i++) {
		if (m->issues[i].severity != HFGIT_SEVERITY_ERROR)
			continue;
		rc = hfgit_strbuf__printf(&msg, "%s'%s' %s", named ? "; " : "", m->issues[i].name,
		                          m->issues[i].message);
		named++;
	}
	if (rc == 0 && errors > named)
		rc = hfgit_strbuf__printf(&msg, "; and %zu more", errors - named);
	if (rc == 0)
		rc = hfgit_strbuf__puts(&msg, " (hfgit inspect shows the whole load report)");
	if (rc == 0)
		rc = hfgit_error__set(HFGIT_EINVALID, "%s", msg.ptr);
	hfgit_strbuf__dispose(&msg);
	return rc;
}

static int load_dir(hfgit_model *m, const hfgit_model_options *opts)
{
	const hfgit_architecture *arch = NULL;
	size_t errors;
	int rc;

	if ((rc = read_config(m)) < 0 || (rc = choose_class(m, opts, &arch)) < 0 ||
	    (rc = report_custom_code(m)) < 0)
		return rc;
	hfgit__trace("model: %s chosen", m->class_name);
	if ((rc = load_weights(m, opts)) < 0)
		return rc;
	hfgit__trace("model: %zu tensors in %zu file(s)", hfgit_weights__count(m->weights), m->nfiles);
	if ((rc = hfgit_binder__bind(m, arch, m->auto_class)) < 0 || (rc = hfgit_model__finish(m)) < 0)
		return rc;
	hfgit__trace("model: %zu parameters bound", m->nparams);
	errors = hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR);
	if (errors && !opts->allow_errors)
		return fail_with_errors(m, errors);
	return 0;
}

int hfgit_model_from_pretrained(hfgit_model **out, hfgit_ctx *ctx, const char *id_or_dir,
                                const hfgit_model_options *opts)
{
	hfgit_model_options defaults = HFGIT_MODEL_OPTIONS_INIT;
	hfgit_model *m = NULL;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_MODEL_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (!id_or_dir || !*id_or_dir)
		return hfgit_error__set(HFGIT_EINVALID, "which model? give a directory or a model id");
	if ((rc = hfgit_model__new(&m)) < 0)
		return rc;
	if (is_dir(id_or_dir)) {
		if (!(m->dir = hfgit__strdup(id_or_dir)))
			rc = HFGIT_ERROR;
	} else if (looks_like_path(id_or_dir)) {
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "no directory '%s'", id_or_dir);
	} else {
		rc = fetch_checkout(&m->dir, &m->commit, ctx, id_or_dir, opts->clone, opts->lock);
	}
	if (rc == 0)
		rc = load_dir(m, opts);
	if (rc < 0) {
		hfgit_model_free(m);
		return rc;
	}
	*out = m;
	return 0;
}

/* The tokenizer of the same checkout: lib/tokenize knows directories only. */
int hfgit_tokenizer_from_pretrained(hfgit_tokenizer **out, hfgit_ctx *ctx, const char *id_or_dir,
                                    const hfgit_tokenizer_options *opts)
{
	hfgit_tokenizer_options defaults = HFGIT_TOKENIZER_OPTIONS_INIT;
	char *dir = NULL, *commit = NULL;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_TOKENIZER_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if (!id_or_dir || !*id_or_dir)
		return hfgit_error__set(HFGIT_EINVALID, "which tokenizer? give a directory or a model id");
	if (is_dir(id_or_dir))
		return hfgit_tokenizer_from_dir(out, id_or_dir);
	if (looks_like_path(id_or_dir))
		return hfgit_error__set(HFGIT_ENOTFOUND, "no directory '%s'", id_or_dir);
	if ((rc = fetch_checkout(&dir, &commit, ctx, id_or_dir, opts->clone, NULL)) == 0)
		rc = hfgit_tokenizer_from_dir(out, dir);
	free(dir);
	free(commit);
	return rc;
}
