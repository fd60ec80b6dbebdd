#include "forward/forward.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "core/error.h"
#include "model/model.h"
#include "model/registry.h"
#include "tensor/matmul.h"
#include "tensor/onednn.h"
#include "tensor/threads.h"

static const hfgit_runner_arch *const runners[] = {
	&hfgit_run__bert, &hfgit_run__distilbert, &hfgit_run__gpt2, &hfgit_run__vit,
	&hfgit_run__llama, &hfgit_run__mistral, &hfgit_run__qwen2,
};

#define MAX_OUTPUTS 40

struct hfgit_outputs {
	size_t n;
	hfgit_output items[MAX_OUTPUTS];
};

/* ---------------------------------------------------------------------------------------- */
/* The runner                                                                                */

void hfgit_runner__free(hfgit_runner *r)
{
	size_t i;

	if (!r)
		return;
	if (r->state && r->arch->free_state)
		r->arch->free_state(r->state);
	for (i = 0; i < r->ncopies; i++)
		free(r->copies[i]);
	free(r->copies);
	free(r->packable);
	hfgit_arena__release(&r->spare);
	pthread_mutex_destroy(&r->spare_lock);
	free(r);
}

static int runner_new(hfgit_runner **out, hfgit_model *m)
{
	const hfgit_runner_arch *arch = NULL;
	hfgit_choice choice = { 0 };
	hfgit_runner *r;
	size_t i;
	int rc;

	for (i = 0; i < sizeof(runners) / sizeof(*runners); i++)
		if (!strcmp(runners[i]->model_type, m->model_type))
			arch = runners[i];
	if (!arch)
		return hfgit_error__set(HFGIT_EINVALID, "%s (model_type '%s') has no forward pass in "
		                       "hfgit; it runs bert, distilbert, gpt2, vit, llama, mistral and qwen2 models",
		                       m->class_name, m->model_type);
	if (hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR))
		return hfgit_error__set(HFGIT_EINVALID, "%s: the load report has errors (see hfgit "
		                       "inspect); a model with missing or mismatched weights cannot "
		                       "run", m->dir);
	/* The base prefix of head classes ("bert."), as the binder named the parameters. */
	if ((rc = hfgit_registry__choose(&choice, m->cfg, m->auto_class)) < 0)
		return rc;
	if (!(r = calloc(1, sizeof(*r)))) {
		free(choice.reason);
		return hfgit_error__oom();
	}
	pthread_mutex_init(&r->spare_lock, NULL);
	r->arch = arch;
	r->model = m;
	r->cfg = m->cfg;
	r->head = m->auto_class;
	if (r->head != HFGIT_AUTO_BASE && choice.arch->base_prefix)
		snprintf(r->prefix, sizeof(r->prefix), "%s.", choice.arch->base_prefix);
	free(choice.reason);
	if ((rc = arch->prepare(r)) < 0) {
		hfgit_runner__free(r);
		return rc;
	}
	*out = r;
	return 0;
}

static void pack_layers(hfgit_runner *r);

int hfgit_runner__get(hfgit_runner **out, hfgit_model *m)
{
	int rc;

	/* Every pass runs products: a oneDNN that cannot be loaded is said here, before a
	 * product's failure in a worker would be reported as something else. */
	if ((rc = hfgit_onednn__load()) < 0)
		return rc;
	pthread_mutex_lock(&m->runner_lock);
	if (!m->runner && (rc = runner_new(&m->runner, m)) == 0)
		m->runner_free = hfgit_runner__free;
	else if (m->runner && !m->runner->packed)
		pack_layers(m->runner);
	*out = m->runner;
	pthread_mutex_unlock(&m->runner_lock);
	return rc;
}

static const hfgit_param *find_param(hfgit_runner *r, bool base, const char *name, char *full,
                                     size_t size)
{
	snprintf(full, size, "%s%s", base ? r->prefix : "", name);
	return hfgit_model_param_find(r->model, full);
}

bool hfgit_runner__has(hfgit_runner *r, bool base, const char *name)
{
	char full[256];
	const hfgit_param *p = find_param(r, base, name, full, sizeof(full));

	return p && !(p->flags & (HFGIT_PARAM_NEW | HFGIT_PARAM_BROKEN));
}

static size_t page_size(void)
{
	const long n = sysconf(_SC_PAGESIZE);

	return n > 0 ? (size_t)n : 4096;
}

/* Drop this process's mapping of the whole pages inside p's data: a later read maps them
 * again from the page cache. */
static void give_back(const hfgit_param *p)
{
	const size_t page = page_size();
	const uintptr_t from = ((uintptr_t)p->data + page - 1) / page * page,
			to = ((uintptr_t)p->data + p->nbytes) / page * page;

	if (to > from)
		madvise((void *)from, to - from, MADV_DONTNEED);
}

/* Whether p is F32 in a mapping of its file, whose pages may be given back: not a copy the
 * loader made (a legacy .bin's storages are copies, with no flag on the parameter; dropping
 * their pages would zero them). */
static bool mapped(const hfgit_runner *r, const hfgit_param *p)
{
	return p && !strcmp(p->dtype, "F32") &&
	       !(p->flags & (HFGIT_PARAM_COPIED | HFGIT_PARAM_NEW | HFGIT_PARAM_TIED)) &&
	       hfgit_weights__in_mapping(r->model->weights, p->data, p->nbytes);
}

static int keep_copy(hfgit_runner *r, float *copy, size_t bytes)
{
	float **grown = realloc(r->copies, (r->ncopies + 1) * sizeof(*grown));

	if (!grown) {
		free(copy);
		return hfgit_error__oom();
	}
	r->copies = grown;
	r->copies[r->ncopies++] = copy;
	r->copied_bytes += bytes;
	return 0;
}

int hfgit_runner__tensor(const float **out, hfgit_runner *r, bool base, size_t numel,
                        const char *fmt, ...)
{
	char name[192], full[256];
	const hfgit_param *p;
	float *copy;
	va_list ap;
	size_t i;
	int rc;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	p = find_param(r, base, name, full, sizeof(full));
	if (!p || (p->flags & HFGIT_PARAM_BROKEN) || (!p->data && p->numel))
		return hfgit_error__set(HFGIT_EINVALID, "%s: parameter '%s' is not loaded; %s cannot "
		                       "run without it", r->model->dir, full, r->model->class_name);
	if (p->numel != numel)
		return hfgit_error__set(HFGIT_EINVALID, "%s: parameter '%s' has %zu elements, the "
		                       "forward pass needs %zu", r->model->dir, full, p->numel, numel);
	/* F32 matrices are read where they are mapped. F32 vectors (biases, norms) are copied:
	 * they sit in the file between matrices, and a read of one maps the whole page-cache
	 * folio (2 MB for a file read in one go) it shares with a matrix whose pages a packed
	 * layer gave back (pack_layers): ViT-base's RSS went from 1.07 to 1.55 times its file. */
	if (!strcmp(p->dtype, "F32") && p->ndim != 1) {
		*out = p->data;
		return 0;
	}
	/* F16, BF16 and F64 are converted once, exactly (F64 rounded), as
	 * from_pretrained(torch_dtype=torch.float32) does. */
	if (!(copy = malloc((numel ? numel : 1) * sizeof(float))))
		return hfgit_error__oom();
	if (!strcmp(p->dtype, "F32")) {
		memcpy(copy, p->data, numel * sizeof(float));
	} else if (!strcmp(p->dtype, "F16")) {
		hfgit_f16__to_f32(copy, p->data, numel);
	} else if (!strcmp(p->dtype, "BF16")) {
		hfgit_bf16__to_f32(copy, p->data, numel);
	} else if (!strcmp(p->dtype, "F64")) {
		for (i = 0; i < numel; i++)
			copy[i] = (float)((const double *)p->data)[i];
	} else {
		free(copy);
		return hfgit_error__set(HFGIT_EINVALID, "%s: parameter '%s' is %s; the forward pass "
		                       "takes F32, F16, BF16 or F64", r->model->dir, full, p->dtype);
	}
	if ((rc = keep_copy(r, copy, numel * sizeof(float))) < 0)
		return rc;
	*out = copy;
	return 0;
}

/*
 * nn.Linear weights that are F32 in a mapped file are packed into the kernels' layout
 * (tensor/matmul.h), and their pages of the mapping given back: passes then read the packed
 * copy, and memory stays at the file's size. The mapping stays valid (a one-row product or
 * hfgit_model_param reads it again from the page cache). This happens on the runner's second
 * use, not its first: packing BERT-base costs about 100 ms of fresh memory, more than a pass
 * gains from it (nothing measurable with one sequence of 128, whose products then stream the
 * weights from memory; 4-8% with eight), which a model run once should not pay. A pass running meanwhile on another thread reads each layer's packed pointer
 * atomically: either way is the same product. Weights converted from F16/BF16 are not
 * packed, so as not to hold two copies; a layer the packing fails for (memory) stays as it
 * is.
 */
static int want_packed(hfgit_runner *r, hfgit_linear *l, bool base, const char *name)
{
	char weight[192], full[256];
	const hfgit_param *p;
	struct hfgit_packable *grown;

	snprintf(weight, sizeof(weight), "%s.weight", name);
	p = find_param(r, base, weight, full, sizeof(full));
	if (l->in_out || l->out < 2 || !mapped(r, p))
		return 0;
	if (!(grown = realloc(r->packable, (r->npackable + 1) * sizeof(*grown))))
		return hfgit_error__oom();
	r->packable = grown;
	r->packable[r->npackable++] = (struct hfgit_packable){ l, p };
	return 0;
}

int hfgit_runner__table(const float **out, hfgit_runner *r, bool base, size_t numel,
                       const char *name)
{
	char full[256];
	const hfgit_param *p = find_param(r, base, name, full, sizeof(full));
	int rc;

	if ((rc = hfgit_runner__tensor(out, r, base, numel, "%s", name)) < 0)
		return rc;
	r->table = mapped(r, p) ? p : NULL;
	return 0;
}

/* One row from the file: false when the read fails, and the mapping is read instead. */
static bool read_row(int fd, float *out, size_t bytes, uint64_t at)
{
	size_t done = 0;
	ssize_t n;

	while (done < bytes) {
		n = pread(fd, (char *)out + done, bytes - done, (off_t)(at + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

void hfgit_runner__table_gather(hfgit_runner *r, float *out, const float *table,
                                const int64_t *ids, size_t n, size_t width)
{
	const size_t bytes = width * sizeof(float);
	uint64_t at = 0;
	int fd = -1;
	size_t i;

	if (r->table && r->table->data == (const void *)table &&
	    !hfgit_weights__file_of(r->model->weights, table, r->table->nbytes, &fd, &at))
		fd = -1;
	for (i = 0; i < n; i++)
		if (fd < 0 || !read_row(fd, out + i * width, bytes, at + (uint64_t)ids[i] * bytes))
			memcpy(out + i * width, table + (size_t)ids[i] * width, bytes);
}

static void pack_layers(hfgit_runner *r)
{
	size_t i, bytes;
	float *packed;

	r->packed = true;
	for (i = 0; i < r->npackable; i++) {
		hfgit_linear *l = r->packable[i].l;

		if (hfgit_matmul__prepack(&packed, &bytes, l->weight, l->out, l->in) < 0 ||
		    !packed || keep_copy(r, packed, 0) < 0)
			continue;
		r->packed_bytes += bytes;
		__atomic_store_n(&l->packed, packed, __ATOMIC_RELEASE);
		give_back(r->packable[i].p);
	}
}

int hfgit_runner__linear(hfgit_linear *out, hfgit_runner *r, bool base, size_t in, size_t outn,
                        bool bias, bool in_out, const char *name)
{
	int rc;

	out->in = in;
	out->out = outn;
	out->in_out = in_out;
	out->bias = NULL;
	out->packed = NULL;
	if ((rc = hfgit_runner__tensor(&out->weight, r, base, in * outn, "%s.weight", name)) < 0 ||
	    (rc = want_packed(r, out, base, name)) < 0)
		return rc;
	if (bias && (rc = hfgit_runner__tensor(&out->bias, r, base, outn, "%s.bias", name)) < 0)
		return rc;
	return 0;
}

int hfgit_runner__norm(hfgit_norm *out, hfgit_runner *r, bool base, size_t dim, const char *name)
{
	int rc;

	if ((rc = hfgit_runner__tensor(&out->gamma, r, base, dim, "%s.weight", name)) < 0)
		return rc;
	return hfgit_runner__tensor(&out->beta, r, base, dim, "%s.bias", name);
}

int hfgit_runner__int(long long *out, hfgit_runner *r, const char *name)
{
	return hfgit_config_get_int(out, r->cfg, name);
}

int hfgit_runner__activation(hfgit_activation *out, hfgit_runner *r, const char *name,
                            const char *key)
{
	const char *s;
	int rc;

	if ((rc = hfgit_config_get_string(&s, r->cfg, name)) < 0)
		return rc;
	if (!hfgit_activation__parse(out, s))
		return hfgit_config_invalid(r->cfg, key, "is \"%.40s\", an activation hfgit does not "
		                            "implement (it knows %s)", s, hfgit_activation__names());
	return 0;
}

int hfgit_runner__refuse_flag(hfgit_runner *r, const char *key, const char *what)
{
	int v = 0;

	if (hfgit_config_get_bool(&v, r->cfg, key) < 0)
		hfgit_error__clear(); /* absent: false, as in transformers' PretrainedConfig */
	if (v)
		return hfgit_config_invalid(r->cfg, key, "is true: %s is not implemented by hfgit's "
		                            "forward pass", what);
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Inputs and outputs                                                                        */

int hfgit_check__text(const hfgit_forward_inputs *in, long long vocab, long long max_positions,
                     long long types)
{
	size_t i, n;

	if (!in->input_ids || !in->seq_len)
		return hfgit_error__set(HFGIT_EINVALID, "the model takes input_ids: give at least one "
		                       "token per sequence");
	if (in->pixel_values)
		return hfgit_error__set(HFGIT_EINVALID, "the model takes input_ids, not pixel_values");
	if (max_positions > 0 && in->seq_len > (size_t)max_positions)
		return hfgit_error__set(HFGIT_EINVALID, "sequences of %zu tokens are longer than "
		                       "max_position_embeddings (%lld) of the model: truncate them",
		                       in->seq_len, max_positions);
	n = in->batch * in->seq_len;
	for (i = 0; i < n; i++) {
		if (in->input_ids[i] < 0 || in->input_ids[i] >= vocab)
			return hfgit_error__set(HFGIT_EINVALID, "input_ids[%zu][%zu] is %lld, outside the "
			                       "vocabulary (vocab_size %lld)", i / in->seq_len,
			                       i % in->seq_len, (long long)in->input_ids[i], vocab);
		if (in->attention_mask && in->attention_mask[i] != 0 && in->attention_mask[i] != 1)
			return hfgit_error__set(HFGIT_EINVALID, "attention_mask[%zu][%zu] is %lld; a mask "
			                       "holds 0 (padding) and 1 (token)", i / in->seq_len,
			                       i % in->seq_len, (long long)in->attention_mask[i]);
		if (in->token_type_ids && (in->token_type_ids[i] < 0 || in->token_type_ids[i] >= types))
			return hfgit_error__set(HFGIT_EINVALID, "token_type_ids[%zu][%zu] is %lld; the "
			                       "model has %lld token type%s", i / in->seq_len,
			                       i % in->seq_len, (long long)in->token_type_ids[i], types,
			                       types == 1 ? "" : "s");
	}
	return 0;
}

float *hfgit_outputs__add(hfgit_outputs *o, const char *name, size_t ndim,
                         const long long *shape)
{
	hfgit_output *item;
	size_t numel = 1, d;
	float *data;

	if (o->n == MAX_OUTPUTS || ndim > HFGIT_OUTPUT_MAX_DIMS) {
		hfgit_error__set(HFGIT_ERROR, "too many outputs");
		return NULL;
	}
	for (d = 0; d < ndim; d++)
		numel *= (size_t)shape[d];
	item = &o->items[o->n];
	if (!(data = malloc((numel ? numel : 1) * sizeof(float))) ||
	    !(item->name = strdup(name))) {
		free(data);
		hfgit_error__oom();
		return NULL;
	}
	item->ndim = ndim;
	memcpy(item->shape, shape, ndim * sizeof(*shape));
	item->numel = numel;
	item->data = data;
	o->n++;
	return data;
}

int hfgit_outputs__hidden(hfgit_outputs *o, const hfgit_forward_inputs *in, size_t i,
                         const float *h, size_t batch, size_t seq, size_t hidden)
{
	char name[40];
	float *data;

	if (!in->output_hidden_states)
		return 0;
	snprintf(name, sizeof(name), "hidden_states.%zu", i);
	if (!(data = hfgit_outputs__add(o, name, 3,
	                               (const long long[]){ (long long)batch, (long long)seq,
	                                                    (long long)hidden })))
		return HFGIT_ERROR;
	memcpy(data, h, batch * seq * hidden * sizeof(float));
	return 0;
}

size_t hfgit_outputs_count(const hfgit_outputs *o)
{
	return o ? o->n : 0;
}

const hfgit_output *hfgit_outputs_at(const hfgit_outputs *o, size_t i)
{
	return o && i < o->n ? &o->items[i] : NULL;
}

const hfgit_output *hfgit_outputs_find(const hfgit_outputs *o, const char *name)
{
	size_t i;

	for (i = 0; o && name && i < o->n; i++)
		if (!strcmp(o->items[i].name, name))
			return &o->items[i];
	return NULL;
}

void hfgit_outputs_free(hfgit_outputs *o)
{
	size_t i;

	if (!o)
		return;
	for (i = 0; i < o->n; i++) {
		free((char *)o->items[i].name);
		free((float *)o->items[i].data);
	}
	free(o);
}

/* ---------------------------------------------------------------------------------------- */
/* The entry point                                                                           */

int hfgit_model_forward(hfgit_outputs **out, hfgit_model *model,
                        const hfgit_forward_inputs *in)
{
	hfgit_arena ws;
	hfgit_outputs *o;
	hfgit_runner *r;
	int rc, omp_threads;
	bool kept = false;

	if (!out || !model || !in)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_model_forward: NULL argument");
	*out = NULL;
	if (in->version != HFGIT_FORWARD_INPUTS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_forward_inputs version %u is not %d: "
		                       "initialize with HFGIT_FORWARD_INPUTS_INIT", in->version,
		                       HFGIT_FORWARD_INPUTS_VERSION);
	if (!in->batch)
		return hfgit_error__set(HFGIT_EINVALID, "an empty batch: give at least one sequence "
		                       "or image");
	if ((rc = hfgit_runner__get(&r, model)) < 0)
		return rc;
	if (!(o = calloc(1, sizeof(*o))))
		return hfgit_error__oom();
	/* The last pass's workspace: its pages are there already (BERT-base with 8 sequences
	 * faulted in and zeroed 28 MB a pass). */
	pthread_mutex_lock(&r->spare_lock);
	ws = r->spare;
	r->spare = (hfgit_arena)HFGIT_ARENA_INIT;
	pthread_mutex_unlock(&r->spare_lock);
	omp_threads = hfgit_threads__enter();
	rc = r->arch->forward(r, in, o, &ws);
	hfgit_threads__leave(omp_threads);
	hfgit_arena__reset(&ws);
	pthread_mutex_lock(&r->spare_lock);
	if (!r->spare.blocks && !r->spare.want) {
		r->spare = ws;
		kept = true;
	}
	pthread_mutex_unlock(&r->spare_lock);
	if (!kept)
		hfgit_arena__release(&ws);
	if (rc < 0) {
		hfgit_outputs_free(o);
		return rc;
	}
	*out = o;
	return 0;
}
