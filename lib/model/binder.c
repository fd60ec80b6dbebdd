#include "model/binder.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/strbuf.h"

/* Scopes deeper than any architecture needs are a bug in its build function. */
#define MAX_DEPTH 32

enum { UNUSED = 0, USED_PARAM, USED_BUFFER };

struct hfgit_binder {
	hfgit_model *m;
	const hfgit_architecture *arch;
	hfgit_auto_class head;
	unsigned char *used; /* per checkpoint tensor */

	const char *prefix;  /* the base prefix, NULL when the architecture has none */
	bool class_prefixed; /* names inside the base get "prefix." (a head class) */
	bool ckpt_prefixed;  /* the checkpoint's keys of the base carry "prefix." */

	hfgit_strbuf scope;  /* "bert.encoder.layer.0.": every level ends with '.' */
	size_t stack[MAX_DEPTH];
	size_t depth;
	size_t base_depth;   /* the depth inside the base model, 0 outside */
	size_t base_len;     /* scope length where the base's own names start */

	hfgit_dtype dtype;   /* of the first parameter found: new heads get it too */
	bool have_dtype;
	int failure;         /* the first hard error, so a build that ignores returns still fails */
};

static int fail(hfgit_binder *b, int rc)
{
	if (!b->failure)
		b->failure = rc;
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Scopes and names                                                                          */

static int push_text(hfgit_binder *b, const char *text)
{
	if (b->depth == MAX_DEPTH)
		return fail(b, hfgit_error__set(HFGIT_EINVALID, "the architecture nests scopes deeper "
		                                "than %d at '%s'", MAX_DEPTH, b->scope.ptr));
	b->stack[b->depth++] = b->scope.len;
	if (*text && (hfgit_strbuf__puts(&b->scope, text) < 0 || hfgit_strbuf__puts(&b->scope, ".") < 0))
		return fail(b, HFGIT_ERROR);
	return 0;
}

int hfgit_binder_push(hfgit_binder *b, const char *fmt, ...)
{
	hfgit_strbuf text = HFGIT_STRBUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hfgit_strbuf__vprintf(&text, fmt, ap);
	va_end(ap);
	if (rc == 0 && text.len == 0)
		rc = hfgit_error__set(HFGIT_EINVALID, "hfgit_binder_push: an empty scope name");
	if (rc == 0)
		rc = push_text(b, text.ptr);
	hfgit_strbuf__dispose(&text);
	return rc < 0 ? fail(b, rc) : 0;
}

int hfgit_binder_push_base(hfgit_binder *b)
{
	int rc;

	if (b->base_depth)
		return fail(b, hfgit_error__set(HFGIT_EINVALID, "hfgit_binder_push_base: already "
		                                "inside the base model"));
	if ((rc = push_text(b, b->class_prefixed ? b->prefix : "")) < 0)
		return rc;
	b->base_depth = b->depth;
	b->base_len = b->scope.len;
	return 0;
}

void hfgit_binder_pop(hfgit_binder *b)
{
	if (!b->depth) {
		fail(b, hfgit_error__set(HFGIT_EINVALID, "hfgit_binder_pop: no scope to leave"));
		return;
	}
	b->scope.len = b->stack[--b->depth];
	if (b->scope.ptr)
		b->scope.ptr[b->scope.len] = '\0';
	if (b->base_depth > b->depth)
		b->base_depth = 0;
}

hfgit_auto_class hfgit_binder_head(const hfgit_binder *b)
{
	return b->head;
}

/* The parameter's name in the class. */
static int model_name(hfgit_binder *b, const char *name, hfgit_strbuf *out)
{
	return hfgit_strbuf__put(out, b->scope.ptr ? b->scope.ptr : "", b->scope.len) < 0 ||
	       hfgit_strbuf__puts(out, name) < 0 ? HFGIT_ERROR : 0;
}

/* Its key in the checkpoint: inside the base model the prefix is the checkpoint's, not the
 * class's (a base checkpoint for a head class, a head checkpoint for a base class). */
static int checkpoint_name(hfgit_binder *b, const char *name, hfgit_strbuf *out)
{
	if (!b->base_depth)
		return model_name(b, name, out);
	if (b->ckpt_prefixed && (hfgit_strbuf__puts(out, b->prefix) < 0 || hfgit_strbuf__puts(out, ".") < 0))
		return HFGIT_ERROR;
	return hfgit_strbuf__put(out, b->scope.ptr + b->base_len, b->scope.len - b->base_len) < 0 ||
	       hfgit_strbuf__puts(out, name) < 0 ? HFGIT_ERROR : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Lookups                                                                                   */

static bool ends_with(const char *s, size_t len, const char *suffix)
{
	size_t n = strlen(suffix);

	return len >= n && !memcmp(s + len - n, suffix, n);
}

/*
 * The checkpoint tensor for `key`: the key itself, else its legacy spelling (TensorFlow-era
 * BERT checkpoints call LayerNorm's weight and bias gamma and beta; transformers renames them
 * on load). `found` receives the key that matched.
 */
static bool lookup(hfgit_binder *b, const hfgit_strbuf *key, hfgit_strbuf *found, size_t *index,
                   int *rc)
{
	const hfgit_weights *w = b->m->weights;
	const char *legacy = NULL;
	size_t stem;

	*rc = 0;
	if (hfgit_weights__index(w, key->ptr, index))
		return (*rc = hfgit_strbuf__put(found, key->ptr, key->len)) == 0;
	if (ends_with(key->ptr, key->len, ".weight")) {
		stem = key->len - strlen("weight");
		legacy = "gamma";
	} else if (ends_with(key->ptr, key->len, ".bias")) {
		stem = key->len - strlen("bias");
		legacy = "beta";
	}
	if (!legacy)
		return false;
	if (hfgit_strbuf__put(found, key->ptr, stem) < 0 || hfgit_strbuf__puts(found, legacy) < 0) {
		*rc = HFGIT_ERROR;
		return false;
	}
	return hfgit_weights__index(w, found->ptr, index);
}

static bool is_float(hfgit_dtype dtype)
{
	return dtype == HFGIT_DTYPE_F32 || dtype == HFGIT_DTYPE_F16 || dtype == HFGIT_DTYPE_BF16 ||
	       dtype == HFGIT_DTYPE_F64;
}

/* Copy a strided or misaligned tensor into contiguous memory the weights table keeps. */
static int copy_contiguous(hfgit_binder *b, const hfgit_tensor *t, size_t numel, const void **out)
{
	size_t itemsize = hfgit_dtype__size(t->dtype), idx[HFGIT_MAX_DIMS] = { 0 }, n, d;
	unsigned char *dst = malloc(numel * itemsize);
	int rc;

	if (!dst)
		return hfgit_error__oom();
	for (n = 0; n < numel; n++) {
		int64_t offset = 0;

		for (d = 0; d < t->ndim; d++)
			offset += (int64_t)idx[d] * t->strides[d];
		memcpy(dst + n * itemsize, (const unsigned char *)t->data + offset * (int64_t)itemsize,
		       itemsize);
		for (d = t->ndim; d-- > 0;) {
			if (++idx[d] < (size_t)t->shape[d])
				break;
			idx[d] = 0;
		}
	}
	if ((rc = hfgit_weights__keep(b->m->weights, dst, numel * itemsize, NULL)) < 0) {
		free(dst);
		return rc;
	}
	*out = dst;
	return 0;
}

static int add_new_param(hfgit_binder *b, hfgit_param *p)
{
	hfgit_dtype dtype = b->have_dtype ? b->dtype : HFGIT_DTYPE_F32;
	void *zeros = NULL;
	int rc;

	p->dtype = hfgit_dtype__name(dtype);
	p->itemsize = hfgit_dtype__size(dtype);
	p->nbytes = p->numel * p->itemsize;
	if (p->nbytes) {
		if (!(zeros = calloc(p->numel, p->itemsize)))
			return hfgit_error__oom();
		if ((rc = hfgit_weights__keep(b->m->weights, zeros, p->nbytes, NULL)) < 0) {
			free(zeros);
			return rc;
		}
	}
	p->data = zeros;
	p->flags |= HFGIT_PARAM_NEW;
	if ((rc = hfgit_model__add_param(b->m, p)) < 0)
		return rc;
	return hfgit_model__add_issue(b->m, HFGIT_ISSUE_NEW, HFGIT_SEVERITY_WARNING, p->name,
	                              "not in the checkpoint: initialized to zeros; train it before use");
}

static int add_broken_param(hfgit_binder *b, hfgit_param *p)
{
	p->dtype = hfgit_dtype__name(b->have_dtype ? b->dtype : HFGIT_DTYPE_F32);
	p->itemsize = hfgit_dtype__size(b->have_dtype ? b->dtype : HFGIT_DTYPE_F32);
	p->data = NULL;
	p->nbytes = 0;
	p->flags |= HFGIT_PARAM_BROKEN;
	return hfgit_model__add_param(b->m, p);
}

/* A checkpoint tensor found for `p`: check it, then point the parameter at its bytes. */
static int bind_found(hfgit_binder *b, hfgit_param *p, const int64_t *shape, size_t index)
{
	const hfgit_tensor *t = hfgit_weights__at(b->m->weights, index);
	hfgit_shape_text have, want;
	size_t itemsize = hfgit_dtype__size(t->dtype), d;
	bool same = t->ndim == p->ndim;
	int rc;

	for (d = 0; same && d < p->ndim; d++)
		same = t->shape[d] == shape[d];
	if (!is_float(t->dtype)) {
		if ((rc = add_broken_param(b, p)) < 0)
			return rc;
		return hfgit_model__add_issue(b->m, HFGIT_ISSUE_DTYPE, HFGIT_SEVERITY_ERROR, p->name,
		                              "the checkpoint's '%s' is %s, not a floating-point type",
		                              t->name, hfgit_dtype__name(t->dtype));
	}
	if (!same) {
		if ((rc = add_broken_param(b, p)) < 0)
			return rc;
		return hfgit_model__add_issue(b->m, HFGIT_ISSUE_SHAPE, HFGIT_SEVERITY_ERROR, p->name,
		                              "the checkpoint's '%s' has shape %s, the config implies %s",
		                              t->name, hfgit_shape__show(&have, t->shape, t->ndim),
		                              hfgit_shape__show(&want, shape, p->ndim));
	}
	if (!b->have_dtype) {
		b->dtype = t->dtype;
		b->have_dtype = true;
	}
	p->dtype = hfgit_dtype__name(t->dtype);
	p->itemsize = itemsize;
	p->nbytes = p->numel * itemsize;
	p->data = NULL;
	if (p->numel) {
		/* Consumers may cast to the element type: the pointer must be aligned for it. */
		if (t->contiguous && (uintptr_t)t->data % itemsize == 0) {
			p->data = t->data;
		} else {
			if ((rc = copy_contiguous(b, t, p->numel, &p->data)) < 0)
				return rc;
			p->flags |= HFGIT_PARAM_COPIED;
		}
	}
	return hfgit_model__add_param(b->m, p);
}

int hfgit_binder_param(hfgit_binder *b, const char *name, size_t ndim, const long long *shape,
                       unsigned int flags)
{
	hfgit_strbuf full = HFGIT_STRBUF_INIT, key = HFGIT_STRBUF_INIT, found = HFGIT_STRBUF_INIT;
	int64_t dims[HFGIT_MAX_DIMS] = { 0 }, strides[HFGIT_MAX_DIMS];
	hfgit_param p;
	hfgit_shape_text want;
	size_t index, numel = 0, d;
	bool sized;
	int rc = 0;

	if (!name || !*name || ndim > HFGIT_MAX_DIMS || (ndim && !shape))
		return fail(b, hfgit_error__set(HFGIT_EINVALID, "hfgit_binder_param: '%s' needs a name "
		                                "and at most %d dimensions", name ? name : "(null)",
		                                HFGIT_MAX_DIMS));
	for (d = 0; d < ndim; d++) {
		if (shape[d] < 0)
			return fail(b, hfgit_error__set(HFGIT_EINVALID, "hfgit_binder_param: '%s' has a "
			                                "negative dimension", name));
		dims[d] = shape[d];
	}
	memset(&p, 0, sizeof(p));
	sized = hfgit_tensor__contiguous_strides(strides, dims, ndim, &numel) &&
	        numel <= SIZE_MAX / sizeof(double);
	p.ndim = ndim;
	for (d = 0; d < ndim; d++)
		p.shape[d] = shape[d];
	p.numel = numel;
	p.flags = flags & HFGIT_BIND_IN_OUT ? HFGIT_PARAM_IN_OUT : 0;
	if (model_name(b, name, &full) < 0 || checkpoint_name(b, name, &key) < 0) {
		rc = HFGIT_ERROR;
		goto done;
	}
	p.name = full.ptr;
	if (!sized) {
		if ((rc = add_broken_param(b, &p)) == 0)
			rc = hfgit_model__add_issue(b->m, HFGIT_ISSUE_SHAPE, HFGIT_SEVERITY_ERROR, p.name,
			                            "the config implies the impossibly large shape %s",
			                            hfgit_shape__show(&want, dims, ndim));
		goto done;
	}
	if (lookup(b, &key, &found, &index, &rc)) {
		b->used[index] = USED_PARAM;
		p.source = found.ptr;
		if (strcmp(found.ptr, key.ptr) &&
		    (rc = hfgit_model__add_issue(b->m, HFGIT_ISSUE_RENAMED, HFGIT_SEVERITY_INFO, found.ptr,
		                                 "legacy name, read as '%s'", p.name)) < 0)
			goto done;
		rc = bind_found(b, &p, dims, index);
	} else if (rc == 0 && (flags & HFGIT_BIND_OPTIONAL)) {
		rc = add_new_param(b, &p);
	} else if (rc == 0 && (rc = add_broken_param(b, &p)) == 0) {
		if (strcmp(key.ptr, p.name))
			rc = hfgit_model__add_issue(b->m, HFGIT_ISSUE_MISSING, HFGIT_SEVERITY_ERROR, p.name,
			                            "not in the checkpoint (looked for '%s')", key.ptr);
		else
			rc = hfgit_model__add_issue(b->m, HFGIT_ISSUE_MISSING, HFGIT_SEVERITY_ERROR, p.name,
			                            "not in the checkpoint");
	}
done:
	hfgit_strbuf__dispose(&full);
	hfgit_strbuf__dispose(&key);
	hfgit_strbuf__dispose(&found);
	return rc < 0 ? fail(b, rc) : 0;
}

int hfgit_binder_buffer(hfgit_binder *b, const char *name)
{
	hfgit_strbuf key = HFGIT_STRBUF_INIT;
	size_t index;
	int rc = 0;

	if (!name || !*name)
		return fail(b, hfgit_error__set(HFGIT_EINVALID, "hfgit_binder_buffer: no name given"));
	if (checkpoint_name(b, name, &key) < 0)
		rc = HFGIT_ERROR;
	else if (hfgit_weights__index(b->m->weights, key.ptr, &index) && b->used[index] == UNUSED) {
		b->used[index] = USED_BUFFER;
		rc = hfgit_model__add_issue(b->m, HFGIT_ISSUE_BUFFER, HFGIT_SEVERITY_INFO, key.ptr,
		                            "a buffer of %s, not a parameter: not loaded",
		                            b->m->class_name);
	}
	hfgit_strbuf__dispose(&key);
	return rc < 0 ? fail(b, rc) : 0;
}

int hfgit_binder_tie(hfgit_binder *b, const char *name, const char *target)
{
	hfgit_strbuf full = HFGIT_STRBUF_INIT, key = HFGIT_STRBUF_INIT;
	const hfgit_param *to;
	const hfgit_tensor *t;
	hfgit_param p;
	hfgit_shape_text have, want;
	int64_t dims[HFGIT_MAX_DIMS];
	size_t index, d;
	int rc = 0;

	if (!name || !*name || !target || !(to = hfgit_model_param_find(b->m, target)))
		return fail(b, hfgit_error__set(HFGIT_EINVALID, "hfgit_binder_tie: '%s' is tied to '%s', "
		                                "which is not bound (yet)", name ? name : "(null)",
		                                target ? target : "(null)"));
	if (model_name(b, name, &full) < 0 || checkpoint_name(b, name, &key) < 0) {
		rc = HFGIT_ERROR;
		goto done;
	}
	p = *to;
	p.name = full.ptr;
	p.source = NULL;
	p.tied_to = to->name;
	p.flags = (to->flags & (HFGIT_PARAM_BROKEN | HFGIT_PARAM_IN_OUT)) | HFGIT_PARAM_TIED;
	for (d = 0; d < to->ndim; d++)
		dims[d] = to->shape[d];
	/* A checkpoint copy (torch.save keeps both names of a shared storage) is consumed: the
	 * tie decides, as in transformers. Only a shape that cannot be the same tensor is wrong. */
	if (hfgit_weights__index(b->m->weights, key.ptr, &index)) {
		b->used[index] = USED_PARAM;
		t = hfgit_weights__at(b->m->weights, index);
		if (t->ndim != to->ndim || memcmp(t->shape, dims, to->ndim * sizeof(*dims))) {
			rc = hfgit_model__add_issue(b->m, HFGIT_ISSUE_SHAPE, HFGIT_SEVERITY_ERROR, p.name,
			                            "the checkpoint's '%s' has shape %s, but it is tied to "
			                            "'%s' of shape %s", key.ptr,
			                            hfgit_shape__show(&have, t->shape, t->ndim), to->name,
			                            hfgit_shape__show(&want, dims, to->ndim));
			if (rc < 0)
				goto done;
		}
	}
	rc = hfgit_model__add_param(b->m, &p);
done:
	hfgit_strbuf__dispose(&full);
	hfgit_strbuf__dispose(&key);
	return rc < 0 ? fail(b, rc) : 0;
}

/* ---------------------------------------------------------------------------------------- */
/* A whole binding                                                                           */

static bool any_key_has_prefix(const hfgit_weights *w, const char *prefix)
{
	size_t len = strlen(prefix), i, n = hfgit_weights__count(w);

	for (i = 0; i < n; i++) {
		const char *name = hfgit_weights__at(w, i)->name;

		if (!strncmp(name, prefix, len) && name[len] == '.')
			return true;
	}
	return false;
}

static int report_unused(hfgit_binder *b)
{
	size_t i, n = hfgit_weights__count(b->m->weights);
	int rc;

	for (i = 0; i < n; i++) {
		if (b->used[i] != UNUSED)
			continue;
		if ((rc = hfgit_model__add_issue(b->m, HFGIT_ISSUE_UNEXPECTED, HFGIT_SEVERITY_WARNING,
		                                 hfgit_weights__at(b->m->weights, i)->name,
		                                 "in the checkpoint, not used by %s",
		                                 b->m->class_name)) < 0)
			return rc;
	}
	return 0;
}

int hfgit_binder__bind(hfgit_model *m, const hfgit_architecture *arch, hfgit_auto_class head)
{
	hfgit_binder b;
	size_t n = hfgit_weights__count(m->weights);
	int rc;

	memset(&b, 0, sizeof(b));
	b.m = m;
	b.arch = arch;
	b.head = head;
	b.prefix = arch->base_prefix && *arch->base_prefix ? arch->base_prefix : NULL;
	b.class_prefixed = b.prefix && head != HFGIT_AUTO_BASE;
	b.ckpt_prefixed = b.prefix && any_key_has_prefix(m->weights, b.prefix);
	if (!(b.used = calloc(n ? n : 1, 1)) || hfgit_strbuf__grow(&b.scope, 64) < 0) {
		free(b.used);
		return hfgit_error__oom();
	}
	b.scope.ptr[0] = '\0';
	hfgit_error__clear();
	rc = arch->build(&b, m->cfg, arch->payload);
	/* The binder's own failure explains itself best, even when the build ignored it. */
	if (b.failure)
		rc = b.failure;
	if (rc == 0 && b.depth)
		rc = hfgit_error__set(HFGIT_EINVALID, "the %s architecture's build function leaves %zu "
		                      "scope(s) open", arch->model_type, b.depth);
	if (rc == 0)
		rc = report_unused(&b);
	else if (!hfgit_error_last()[0])
		rc = hfgit_error__set(rc, "the %s architecture's build function failed (%d)",
		                      arch->model_type, rc);
	free(b.used);
	hfgit_strbuf__dispose(&b.scope);
	return rc;
}
