/*
 * The lock in memory: entries and their files, their order, their names for `sync --dir`,
 * lookups by spec, and the reports of check and sync.
 */
#include "lock/lock.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"

int hfgit_lock__new(hfgit_lock **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return hfgit_error__oom();
	return 0;
}

static void item_dispose(hfgit_lock_item *item)
{
	size_t j;

	for (j = 0; j < item->pub.file_count; j++)
		free((char *)item->files[j].path);
	free(item->files);
	free((char *)item->pub.spec);
	free((char *)item->pub.id);
	free((char *)item->pub.revision);
	free((char *)item->pub.ref);
	free((char *)item->pub.name);
}

void hfgit_lock_free(hfgit_lock *lock)
{
	size_t i;

	if (!lock)
		return;
	for (i = 0; i < lock->count; i++)
		item_dispose(&lock->items[i]);
	free(lock->items);
	free(lock->name);
	free(lock);
}

static int dup_or_null(const char **out, const char *s)
{
	*out = NULL;
	if (s && !(*out = hfgit__strdup(s)))
		return HFGIT_ERROR;
	return 0;
}

int hfgit_lock__add(hfgit_lock_item **out, hfgit_lock *lock, const char *spec, const char *id,
                    const char *revision, hfgit_rev_kind kind, const char *ref,
                    const char *commit, const char *tree)
{
	hfgit_lock_item *item;

	if (lock->count == lock->cap) {
		size_t cap = lock->cap ? lock->cap * 2 : 8;
		hfgit_lock_item *grown = realloc(lock->items, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		lock->items = grown;
		lock->cap = cap;
	}
	item = &lock->items[lock->count];
	memset(item, 0, sizeof(*item));
	item->pub.kind = kind;
	snprintf(item->pub.commit, sizeof(item->pub.commit), "%s", commit);
	snprintf(item->pub.tree, sizeof(item->pub.tree), "%s", tree);
	if (dup_or_null(&item->pub.spec, spec) < 0 || dup_or_null(&item->pub.id, id) < 0 ||
	    dup_or_null(&item->pub.revision, revision) < 0 || dup_or_null(&item->pub.ref, ref) < 0) {
		item_dispose(item);
		return HFGIT_ERROR;
	}
	lock->count++;
	*out = item;
	return 0;
}

int hfgit_lock__item_add_file(hfgit_lock_item *item, const hfgit_lock_file *file)
{
	hfgit_lock_file *f;

	if (item->pub.file_count == item->cap) {
		size_t cap = item->cap ? item->cap * 2 : 16;
		hfgit_lock_file *grown = realloc(item->files, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		item->files = grown;
		item->cap = cap;
	}
	f = &item->files[item->pub.file_count];
	*f = *file;
	if (!(f->path = hfgit__strdup(file->path)))
		return HFGIT_ERROR;
	item->pub.file_count++;
	return 0;
}

static int compare_files(const void *a, const void *b)
{
	return strcmp(((const hfgit_lock_file *)a)->path, ((const hfgit_lock_file *)b)->path);
}

static int compare_items(const void *a, const void *b)
{
	return strcmp(((const hfgit_lock_item *)a)->pub.spec, ((const hfgit_lock_item *)b)->pub.spec);
}

/* The model's name: the last component of the id. */
static const char *base_name(const char *id)
{
	const char *slash = strrchr(id, '/');
	return slash ? slash + 1 : id;
}

static size_t count_named(const hfgit_lock *lock, const char *name, size_t upto)
{
	size_t i, n = 0;

	for (i = 0; i < upto; i++)
		n += lock->items[i].pub.name && !strcmp(lock->items[i].pub.name, name);
	return n;
}

/* `s` with each "/" written as `slash`. */
static char *replace_slashes(const char *s, const char *slash)
{
	hfgit_strbuf b = HFGIT_STRBUF_INIT;

	for (; *s; s++)
		if (hfgit_strbuf__put(&b, *s == '/' ? slash : s, *s == '/' ? strlen(slash) : 1) < 0)
			break;
	if (*s) {
		hfgit_strbuf__dispose(&b);
		return NULL;
	}
	return b.ptr ? hfgit_strbuf__detach(&b) : hfgit__strdup("");
}

/*
 * Names for `sync --dir`: the model's name where it is unique in the lock, else the id with
 * "--" for "/" (huggingface_hub's folder style), else that with "@<revision>" ("/" in a ref
 * made "-"), else with the commit. Decided on the sorted lock, so the same lock always gives
 * the same names.
 */
static int assign_name(hfgit_lock *lock, size_t i)
{
	hfgit_lock_entry *e = &lock->items[i].pub;
	size_t j, same_base = 0, same_id = 0;
	char *folder, *rev, *name;

	for (j = 0; j < lock->count; j++) {
		same_base += !strcmp(base_name(lock->items[j].pub.id), base_name(e->id));
		same_id += !strcmp(lock->items[j].pub.id, e->id);
	}
	if (same_base <= 1)
		return (e->name = hfgit__strdup(base_name(e->id))) ? 0 : HFGIT_ERROR;
	if (!(folder = replace_slashes(e->id, "--")))
		return HFGIT_ERROR;
	if (same_id <= 1) {
		e->name = folder;
		return 0;
	}
	rev = replace_slashes(e->revision ? e->revision : "default", "-");
	name = rev ? hfgit__aprintf("%s@%s", folder, rev) : NULL;
	if (name && count_named(lock, name, i)) {
		free(name);
		name = hfgit__aprintf("%s@%s", folder, e->commit);
	}
	free(rev);
	free(folder);
	e->name = name;
	return name ? 0 : HFGIT_ERROR;
}

static int assign_names(hfgit_lock *lock)
{
	size_t i;

	for (i = 0; i < lock->count; i++) {
		free((char *)lock->items[i].pub.name);
		lock->items[i].pub.name = NULL;
	}
	for (i = 0; i < lock->count; i++)
		if (assign_name(lock, i) < 0)
			return HFGIT_ERROR;
	return 0;
}

int hfgit_lock__seal(hfgit_lock *lock)
{
	size_t i;

	/* qsort wants a non-NULL base even for nothing to sort. */
	if (lock->count > 1)
		qsort(lock->items, lock->count, sizeof(*lock->items), compare_items);
	for (i = 0; i < lock->count; i++)
		if (lock->items[i].pub.file_count > 1)
			qsort(lock->items[i].files, lock->items[i].pub.file_count,
			      sizeof(*lock->items[i].files), compare_files);
	return assign_names(lock);
}

const char *hfgit_lock__kind_name(hfgit_rev_kind kind)
{
	switch (kind) {
	case HFGIT_REV_BRANCH: return "branch";
	case HFGIT_REV_TAG: return "tag";
	case HFGIT_REV_REF: return "ref";
	default: return "commit";
	}
}

const hfgit_lock_file *hfgit_lock__item_find(const hfgit_lock_item *item, const char *path)
{
	hfgit_lock_file key;

	memset(&key, 0, sizeof(key));
	key.path = path;
	if (!item->pub.file_count)
		return NULL;
	return bsearch(&key, item->files, item->pub.file_count, sizeof(*item->files), compare_files);
}

size_t hfgit_lock_count(const hfgit_lock *lock)
{
	return lock ? lock->count : 0;
}

const hfgit_lock_entry *hfgit_lock_entry_at(const hfgit_lock *lock, size_t i)
{
	return lock && i < lock->count ? &lock->items[i].pub : NULL;
}

const hfgit_lock_file *hfgit_lock_file_at(const hfgit_lock *lock, size_t i, size_t j)
{
	if (!lock || i >= lock->count || j >= lock->items[i].pub.file_count)
		return NULL;
	return &lock->items[i].files[j];
}

/* ---------------------------------------------------------------------------------------- */
/* Lookup                                                                                    */

/* The id of a spec without its revision: "org/name@rev" -> "org/name". */
static bool same_id(const char *spec, size_t len, const char *id)
{
	return strlen(id) == len && !strncmp(spec, id, len);
}

static bool id_matches(const hfgit_lock_entry *e, const char *id, size_t len)
{
	const char *at = strchr(e->spec, '@');
	size_t spec_len = at ? (size_t)(at - e->spec) : strlen(e->spec);

	return same_id(id, len, e->id) || (spec_len == len && !strncmp(e->spec, id, len));
}

static bool is_hex_prefix(const char *rev, const char *commit)
{
	size_t n = strlen(rev), i;

	if (n < 4 || n > 40)
		return false;
	for (i = 0; i < n; i++)
		if (!isxdigit((unsigned char)rev[i]) || tolower((unsigned char)rev[i]) != commit[i])
			return false;
	return true;
}

int hfgit_lock_lookup(const hfgit_lock_entry **out, const hfgit_lock *lock, const char *spec)
{
	const char *at = strchr(spec, '@'), *rev = at ? at + 1 : NULL;
	size_t len = at ? (size_t)(at - spec) : strlen(spec), i, found = 0;
	hfgit_strbuf list = HFGIT_STRBUF_INIT;
	int rc;

	*out = NULL;
	if (!lock)
		return hfgit_error__set(HFGIT_ENOTFOUND, "no lock");
	for (i = 0; i < lock->count; i++) {
		const hfgit_lock_entry *e = &lock->items[i].pub;
		if (!id_matches(e, spec, len))
			continue;
		if (rev && !(e->revision && !strcmp(e->revision, rev)) && !is_hex_prefix(rev, e->commit))
			continue;
		/* An exact revision match wins over others of the same id. */
		if (rev && e->revision && !strcmp(e->revision, rev)) {
			*out = e;
			hfgit_strbuf__dispose(&list);
			return 0;
		}
		hfgit_strbuf__printf(&list, "%s%s", found ? ", " : "", e->spec);
		if (!found++)
			*out = e;
	}
	if (found == 1) {
		hfgit_strbuf__dispose(&list);
		return 0;
	}
	*out = NULL;
	if (found == 0)
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s has no entry for '%s'",
		                      lock->name ? lock->name : "the lock", spec);
	else
		rc = hfgit_error__set(HFGIT_EAMBIGUOUS, "%s has %zu entries for '%s' (%s): say which "
		                      "with ID@REV", lock->name ? lock->name : "the lock", found, spec,
		                      hfgit_strbuf__cstr(&list));
	hfgit_strbuf__dispose(&list);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Reports                                                                                   */

int hfgit_lock__report_new(hfgit_lock_report **out)
{
	if (!(*out = calloc(1, sizeof(**out))))
		return hfgit_error__oom();
	return 0;
}

int hfgit_lock__report_add(hfgit_lock_status **out, hfgit_lock_report *r,
                           const hfgit_lock_entry *entry)
{
	if (r->count == r->cap) {
		size_t cap = r->cap ? r->cap * 2 : 8;
		hfgit_lock_status *grown = realloc(r->statuses, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		r->statuses = grown;
		r->cap = cap;
	}
	*out = &r->statuses[r->count++];
	memset(*out, 0, sizeof(**out));
	(*out)->entry = entry;
	(*out)->hub_has_commit = -1;
	return 0;
}

int hfgit_lock__status_set(const char **field, const char *value)
{
	char *copy = NULL;

	if (value && !(copy = hfgit__strdup(value)))
		return HFGIT_ERROR;
	free((char *)*field);
	*field = copy;
	return 0;
}

size_t hfgit_lock_report_count(const hfgit_lock_report *r)
{
	return r ? r->count : 0;
}

const hfgit_lock_status *hfgit_lock_report_at(const hfgit_lock_report *r, size_t i)
{
	return r && i < r->count ? &r->statuses[i] : NULL;
}

size_t hfgit_lock_report_drifted(const hfgit_lock_report *r)
{
	size_t i, n = 0;

	for (i = 0; r && i < r->count; i++)
		n += r->statuses[i].state != HFGIT_LOCK_UNCHANGED;
	return n;
}

void hfgit_lock_report_free(hfgit_lock_report *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->count; i++) {
		free((char *)r->statuses[i].moved_to);
		free((char *)r->statuses[i].renamed_to);
		free((char *)r->statuses[i].dir);
		free((char *)r->statuses[i].message);
	}
	free(r->statuses);
	free(r);
}

const char *hfgit_lock_state_name(hfgit_lock_state state)
{
	switch (state) {
	case HFGIT_LOCK_UNCHANGED: return "unchanged";
	case HFGIT_LOCK_MOVED: return "moved";
	case HFGIT_LOCK_RENAMED: return "renamed";
	case HFGIT_LOCK_GONE: return "gone";
	}
	return "unknown";
}
