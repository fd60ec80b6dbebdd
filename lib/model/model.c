#include "model.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/strbuf.h"
#include "model/config.h"
#include "forward/forward.h"

int hfgit_model_new(hfgit_model **out)
{
	*out = calloc(1, sizeof(**out));
	if (!*out)
		return hfgit_error_oom();
	if (hfgit_weights_new(&(*out)->weights) < 0) {
		free(*out);
		*out = NULL;
		return HFGIT_ERROR;
	}
	pthread_mutex_init(&(*out)->runner_lock, NULL);
	return 0;
}

void hfgit_model_free(hfgit_model *m)
{
	size_t i;

	if (!m)
		return;
	for (i = 0; i < m->nparams; i++) {
		free((char *)m->params[i].name);
		free((char *)m->params[i].source);
		free((char *)m->params[i].tied_to);
	}
	for (i = 0; i < m->nissues; i++) {
		free((char *)m->issues[i].name);
		free((char *)m->issues[i].message);
	}
	for (i = 0; i < m->nfiles; i++)
		free(m->files[i]);
	free(m->files);
	free(m->params);
	free(m->slots);
	free(m->issues);
	free(m->dtypes);
	free(m->class_name);
	free(m->model_type);
	free(m->reason);
	free(m->dir);
	free(m->commit);
	hfgit_config_free(m->cfg);
	hfgit_runner__free(m->runner);
	pthread_mutex_destroy(&m->runner_lock);
	hfgit_weights_free(m->weights);
	free(m);
}

/* ---------------------------------------------------------------------------------------- */
/* The parameter table                                                                       */

/* FNV-1a, as the weights table: names are short and only need a decent spread. */
static size_t hash_name(const char *s)
{
	size_t h = (size_t)14695981039346656037ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * (size_t)1099511628211ULL;
	return h;
}

static size_t *find_slot(const hfgit_model *m, const char *name)
{
	size_t i = hash_name(name) & (m->nslots - 1);

	while (m->slots[i] && strcmp(m->params[m->slots[i] - 1].name, name))
		i = (i + 1) & (m->nslots - 1);
	return &m->slots[i];
}

static int rebuild_index(hfgit_model *m, size_t nslots)
{
	size_t *slots = calloc(nslots, sizeof(*slots)), i;

	if (!slots)
		return hfgit_error_oom();
	free(m->slots);
	m->slots = slots;
	m->nslots = nslots;
	for (i = 0; i < m->nparams; i++)
		*find_slot(m, m->params[i].name) = i + 1;
	return 0;
}

static char *dup_or_null(const char *s, bool *failed)
{
	char *copy;

	if (!s)
		return NULL;
	if (!(copy = hfgit_strdup(s)))
		*failed = true;
	return copy;
}

int hfgit_model_add_param(hfgit_model *m, const hfgit_param *p)
{
	hfgit_param copy = *p;
	bool failed = false;
	size_t *slot;
	int rc;

	if ((m->nparams + 1) * 2 > m->nslots &&
	    (rc = rebuild_index(m, m->nslots ? m->nslots * 2 : 256)) < 0)
		return rc;
	slot = find_slot(m, p->name);
	if (*slot)
		return hfgit_error_set(HFGIT_EINVALID, "the architecture declares parameter '%s' twice",
		                       p->name);
	if (m->nparams == m->params_cap) {
		size_t cap = m->params_cap ? m->params_cap * 2 : 128;
		hfgit_param *grown = realloc(m->params, cap * sizeof(*grown));

		if (!grown)
			return hfgit_error_oom();
		m->params = grown;
		m->params_cap = cap;
	}
	copy.name = dup_or_null(p->name, &failed);
	copy.source = dup_or_null(p->source, &failed);
	copy.tied_to = dup_or_null(p->tied_to, &failed);
	if (failed) {
		free((char *)copy.name);
		free((char *)copy.source);
		free((char *)copy.tied_to);
		return HFGIT_ERROR;
	}
	m->params[m->nparams++] = copy;
	*slot = m->nparams;
	return 0;
}

size_t hfgit_model_param_count(const hfgit_model *m)
{
	return m->nparams;
}

const hfgit_param *hfgit_model_param_at(const hfgit_model *m, size_t i)
{
	return i < m->nparams ? &m->params[i] : NULL;
}

const hfgit_param *hfgit_model_param_find(const hfgit_model *m, const char *name)
{
	size_t slot;

	if (!m->nslots || !name)
		return NULL;
	slot = *find_slot(m, name);
	return slot ? &m->params[slot - 1] : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The report                                                                                */

int hfgit_model_add_issue(hfgit_model *m, hfgit_issue_kind kind, hfgit_severity severity,
                          const char *name, const char *fmt, ...)
{
	hfgit_load_issue issue = { kind, severity, NULL, NULL };
	hfgit_strbuf msg = HFGIT_STRBUF_INIT;
	bool failed = false;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hfgit_strbuf_vprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return rc;
	issue.message = hfgit_strbuf_detach(&msg);
	issue.name = dup_or_null(name, &failed);
	if (failed || !issue.message)
		goto oom;
	if (m->nissues == m->issues_cap) {
		size_t cap = m->issues_cap ? m->issues_cap * 2 : 32;
		hfgit_load_issue *grown = realloc(m->issues, cap * sizeof(*grown));

		if (!grown)
			goto oom;
		m->issues = grown;
		m->issues_cap = cap;
	}
	m->issues[m->nissues++] = issue;
	return 0;
oom:
	free((char *)issue.name);
	free((char *)issue.message);
	return hfgit_error_oom();
}

size_t hfgit_model_issue_count(const hfgit_model *m)
{
	return m->nissues;
}

const hfgit_load_issue *hfgit_model_issue_at(const hfgit_model *m, size_t i)
{
	return i < m->nissues ? &m->issues[i] : NULL;
}

size_t hfgit_model_issue_total(const hfgit_model *m, hfgit_severity severity)
{
	size_t n = 0, i;

	for (i = 0; i < m->nissues; i++)
		n += m->issues[i].severity == severity;
	return n;
}

const char *hfgit_issue_kind_name(hfgit_issue_kind kind)
{
	static const char *const names[] = {
		[HFGIT_ISSUE_MISSING] = "missing",       [HFGIT_ISSUE_NEW] = "new",
		[HFGIT_ISSUE_SHAPE] = "shape",           [HFGIT_ISSUE_DTYPE] = "dtype",
		[HFGIT_ISSUE_UNEXPECTED] = "unexpected", [HFGIT_ISSUE_BUFFER] = "buffer",
		[HFGIT_ISSUE_RENAMED] = "renamed",       [HFGIT_ISSUE_CUSTOM_CODE] = "custom-code",
	};

	return (unsigned)kind < sizeof(names) / sizeof(*names) ? names[kind] : "?";
}

const char *hfgit_severity_name(hfgit_severity severity)
{
	static const char *const names[] = {
		[HFGIT_SEVERITY_INFO] = "info", [HFGIT_SEVERITY_WARNING] = "warning",
		[HFGIT_SEVERITY_ERROR] = "error",
	};

	return (unsigned)severity < sizeof(names) / sizeof(*names) ? names[severity] : "?";
}

/* ---------------------------------------------------------------------------------------- */
/* Summary and accessors                                                                     */

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int hfgit_model_finish(hfgit_model *m)
{
	const char *seen[16];
	size_t nseen = 0, i, j;
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;

	for (i = 0; i < m->nparams; i++) {
		const char *dtype = m->params[i].dtype;

		if (m->params[i].flags & HFGIT_PARAM_BROKEN)
			continue;
		for (j = 0; j < nseen && strcmp(seen[j], dtype); j++)
			;
		if (j == nseen && nseen < sizeof(seen) / sizeof(*seen))
			seen[nseen++] = dtype;
	}
	qsort(seen, nseen, sizeof(*seen), compare_strings);
	for (i = 0; i < nseen; i++) {
		if ((i && hfgit_strbuf_puts(&buf, "+") < 0) || hfgit_strbuf_puts(&buf, seen[i]) < 0) {
			hfgit_strbuf_dispose(&buf);
			return HFGIT_ERROR;
		}
	}
	free(m->dtypes);
	m->dtypes = buf.len ? hfgit_strbuf_detach(&buf) : hfgit_strdup("none");
	return m->dtypes ? 0 : HFGIT_ERROR;
}

int hfgit_model_usage_get(hfgit_model_usage *out, const hfgit_model *m)
{
	size_t mapped, heap, i;

	memset(out, 0, sizeof(*out));
	for (i = 0; i < m->nparams; i++) {
		const hfgit_param *p = &m->params[i];

		if (p->flags & (HFGIT_PARAM_TIED | HFGIT_PARAM_BROKEN))
			continue;
		out->parameters += p->numel;
		out->param_bytes += p->nbytes;
	}
	out->tensors = m->nparams;
	hfgit_weights_memory(m->weights, &mapped, &heap);
	out->mapped_bytes = mapped;
	out->heap_bytes = heap;
	out->dtypes = m->dtypes ? m->dtypes : "none";
	return 0;
}

const char *hfgit_model_dir(const hfgit_model *m)
{
	return m->dir;
}

const char *hfgit_model_commit(const hfgit_model *m)
{
	return m->commit;
}

const char *hfgit_model_class(const hfgit_model *m)
{
	return m->class_name;
}

const char *hfgit_model_model_type(const hfgit_model *m)
{
	return m->model_type;
}

const char *hfgit_model_class_reason(const hfgit_model *m)
{
	return m->reason;
}

hfgit_auto_class hfgit_model_auto_class(const hfgit_model *m)
{
	return m->auto_class;
}

const hfgit_config *hfgit_model_config(const hfgit_model *m)
{
	return m->cfg;
}

const char *hfgit_model_weights_format(const hfgit_model *m)
{
	return m->format;
}

size_t hfgit_model_weights_file_count(const hfgit_model *m)
{
	return m->nfiles;
}

const char *hfgit_model_weights_file(const hfgit_model *m, size_t i)
{
	return i < m->nfiles ? m->files[i] : NULL;
}
