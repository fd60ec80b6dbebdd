/* hfgit_ls_remote: the refs a model repository advertises, as `git ls-remote` shows them. */
#include <stdlib.h>
#include <string.h>

#include "core/library.h"
#include "core/error.h"
#include "core/strbuf.h"
#include "refs/remote.h"

typedef struct {
	char *name;
	char *symref;
	char oid[GIT_OID_HEXSZ + 1];
} ref_entry;

struct hfgit_ref_list {
	ref_entry *refs;
	size_t count;
};

int hfgit_ls_remote(hfgit_ref_list **out, hfgit_ctx *ctx, const hfgit_model_id *id)
{
	hfgit_session *s = NULL;
	hfgit_ref_list *list = NULL;
	size_t i;
	int rc;

	if (hfgit_git__ready() < 0)
		return hfgit_error_last_code();

	*out = NULL;
	if ((rc = hfgit_session__open(&s, ctx, id, NULL, NULL)) < 0)
		return rc;
	if (!(list = calloc(1, sizeof(*list))) ||
	    (s->nheads && !(list->refs = calloc(s->nheads, sizeof(*list->refs))))) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (i = 0; i < s->nheads; i++) {
		ref_entry *e = &list->refs[list->count++];
		git_oid_tostr(e->oid, sizeof(e->oid), &s->heads[i]->oid);
		if (!(e->name = hfgit__strdup(s->heads[i]->name)) ||
		    (s->heads[i]->symref_target && !(e->symref = hfgit__strdup(s->heads[i]->symref_target)))) {
			rc = HFGIT_ERROR;
			goto out;
		}
	}
	*out = list;
	list = NULL;
out:
	hfgit_ref_list_free(list);
	hfgit_session__free(s);
	return rc;
}

size_t hfgit_ref_list_count(const hfgit_ref_list *refs)
{
	return refs->count;
}

const char *hfgit_ref_list_name(const hfgit_ref_list *refs, size_t i)
{
	return i < refs->count ? refs->refs[i].name : NULL;
}

const char *hfgit_ref_list_oid(const hfgit_ref_list *refs, size_t i)
{
	return i < refs->count ? refs->refs[i].oid : NULL;
}

const char *hfgit_ref_list_symref(const hfgit_ref_list *refs, size_t i)
{
	return i < refs->count ? refs->refs[i].symref : NULL;
}

void hfgit_ref_list_free(hfgit_ref_list *refs)
{
	size_t i;

	if (!refs)
		return;
	for (i = 0; i < refs->count; i++) {
		free(refs->refs[i].name);
		free(refs->refs[i].symref);
	}
	free(refs->refs);
	free(refs);
}
