/* hfgit ls: the models in the cache, their revisions, size on disk and last use. */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char cmd_ls_usage[] =
	"usage: hfgit ls [--json]\n"
	"\n"
	"List the models in the cache: the revisions (branches, tags, refs/pr/N, commits fetched\n"
	"by hash) each holds with their commits, the size on disk (the model's git repository\n"
	"plus the LFS objects its revisions refer to, each counted once) and when it was last\n"
	"cloned, resolved or exported. Needs no network.\n"
	"\n"
	"  --json  print {cache, size_on_disk, models: [{id, type, endpoint, path, size_on_disk,\n"
	"          repo_size, lfs_size, lfs_objects, last_used, revisions: [{name, kind, ref,\n"
	"          commit}]}]}; sizes in bytes, last_used in Unix seconds or null\n";

#define SHORT_HASH 12

static const char *const kind_names[] = { "branch", "tag", "ref", "commit" };
static const char *const type_names[] = { "model", "dataset", "space" };

static void human_age(char *buf, size_t n, long long at)
{
	long long age = (long long)time(NULL) - at;
	time_t t = (time_t)at;
	struct tm tm;

	if (!at)
		snprintf(buf, n, "last use unknown");
	else if (age < 60)
		snprintf(buf, n, "used just now");
	else if (age < 7200)
		snprintf(buf, n, "used %lld minutes ago", age / 60);
	else if (age < 2 * 86400)
		snprintf(buf, n, "used %lld hours ago", age / 3600);
	else if (age < 30 * 86400)
		snprintf(buf, n, "used %lld days ago", age / 86400);
	else if (localtime_r(&t, &tm))
		strftime(buf, n, "used %Y-%m-%d", &tm);
	else
		snprintf(buf, n, "used at %lld", at);
}

/* The endpoint is worth showing only when the cache holds more than one hub. */
static bool several_endpoints(const hfgit_cached_models *list)
{
	size_t i, n = hfgit_cached_models_count(list);

	for (i = 1; i < n; i++)
		if (strcmp(hfgit_cached_models_get(list, i)->endpoint,
		           hfgit_cached_models_get(list, 0)->endpoint))
			return true;
	return false;
}

/* A commit fetched by hash is named by its hash: abbreviated here, as git log --oneline does. */
static int name_width(const hfgit_cached_revision *r)
{
	int len = (int)strlen(r->name);

	return r->kind == HFGIT_REV_COMMIT && len > SHORT_HASH ? SHORT_HASH : len;
}

static void print_human(const hfgit_cached_models *list)
{
	size_t i, j, n = hfgit_cached_models_count(list);
	bool endpoints = several_endpoints(list);
	char size[32], age[48];

	for (i = 0; i < n; i++) {
		const hfgit_cached_model *m = hfgit_cached_models_get(list, i);
		int width = 0;
		cli_human_bytes(size, sizeof(size), (double)m->size);
		human_age(age, sizeof(age), m->last_used);
		printf("%s  %s  %s%s%s%s\n", m->id, size, age, endpoints ? "  [" : "",
		       endpoints ? m->endpoint : "", endpoints ? "]" : "");
		for (j = 0; j < m->revisions; j++) {
			int len = name_width(hfgit_cached_models_revision(list, i, j));
			width = len > width ? len : width;
		}
		for (j = 0; j < m->revisions; j++) {
			const hfgit_cached_revision *r = hfgit_cached_models_revision(list, i, j);
			printf("    %-*.*s  %s  %s\n", width, name_width(r), r->name, r->commit,
			       kind_names[r->kind]);
		}
	}
	if (n) {
		cli_human_bytes(size, sizeof(size), (double)hfgit_cached_models_total_size(list));
		printf("\n%zu repositor%s, %s on disk\n", n, n == 1 ? "y" : "ies", size);
	}
}

static json_object *model_json(const hfgit_cached_models *list, size_t i)
{
	const hfgit_cached_model *m = hfgit_cached_models_get(list, i);
	json_object *o = json_object_new_object(), *revs = json_object_new_array();
	size_t j;

	json_object_object_add(o, "id", json_object_new_string(m->id));
	json_object_object_add(o, "type", json_object_new_string(type_names[m->type]));
	json_object_object_add(o, "endpoint", json_object_new_string(m->endpoint));
	json_object_object_add(o, "path", json_object_new_string(m->path));
	json_object_object_add(o, "size_on_disk", json_object_new_int64((int64_t)m->size));
	json_object_object_add(o, "repo_size", json_object_new_int64((int64_t)m->repo_size));
	json_object_object_add(o, "lfs_size", json_object_new_int64((int64_t)m->lfs_size));
	json_object_object_add(o, "lfs_objects", json_object_new_int64((int64_t)m->lfs_objects));
	json_object_object_add(o, "last_used", m->last_used ? json_object_new_int64(m->last_used) : NULL);
	for (j = 0; j < m->revisions; j++) {
		const hfgit_cached_revision *r = hfgit_cached_models_revision(list, i, j);
		json_object *rev = json_object_new_object();
		json_object_object_add(rev, "name", json_object_new_string(r->name));
		json_object_object_add(rev, "kind", json_object_new_string(kind_names[r->kind]));
		json_object_object_add(rev, "ref", json_object_new_string(r->ref));
		json_object_object_add(rev, "commit", json_object_new_string(r->commit));
		json_object_array_add(revs, rev);
	}
	json_object_object_add(o, "revisions", revs);
	return o;
}

static void print_json(const hfgit_cached_models *list, const hfgit_ctx *ctx)
{
	json_object *o = json_object_new_object(), *models = json_object_new_array();
	size_t i;

	json_object_object_add(o, "cache", json_object_new_string(hfgit_ctx_cache_dir(ctx)));
	json_object_object_add(o, "size_on_disk",
	                       json_object_new_int64((int64_t)hfgit_cached_models_total_size(list)));
	for (i = 0; i < hfgit_cached_models_count(list); i++)
		json_object_array_add(models, model_json(list, i));
	json_object_object_add(o, "models", models);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_ls(int argc, char **argv, const cli_globals *g)
{
	hfgit_cached_models *list = NULL;
	hfgit_ctx *ctx = NULL;
	bool json = false;
	int i, rc;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_ls_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("ls", "unknown option '%s'", argv[i]);
		} else {
			return cli_usage_error("ls", "takes no arguments ('%s')", argv[i]);
		}
	}
	if ((rc = cli_context(&ctx, g)) != 0)
		return rc;
	if (hfgit_cache_list(&list, ctx) < 0) {
		rc = cli_fail();
	} else {
		if (json)
			print_json(list, ctx);
		else
			print_human(list);
		rc = EXIT_OK;
	}
	hfgit_cached_models_free(list);
	hfgit_ctx_free(ctx);
	return rc;
}
