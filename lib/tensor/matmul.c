#include "tensor/matmul.h"

#include <immintrin.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tensor/onednn.h"
#include "tensor/pack.h"
#include "tensor/pool.h"
#include "tensor/scratch.h"
#include "tensor/smm.h"

static struct {
	pthread_once_t once;
	bool bf16;
	dnnl_engine_t engine;
} cpu = { .once = PTHREAD_ONCE_INIT };

static void probe(void)
{
	const char *env = getenv("HFGIT_KERNELS");
	dnnl_cpu_isa_t isa;

	if (hfgit_onednn__load() < 0 ||
	    dnnl_engine_create(&cpu.engine, dnnl_cpu, 0) != dnnl_success) {
		cpu.engine = NULL;
		return;
	}
	__builtin_cpu_init();
	if ((env && (!strcmp(env, "portable") || !strcmp(env, "avx512"))) ||
	    !__builtin_cpu_supports("avx512bf16"))
		return;
	/* oneDNN would emulate BF16 on a plain AVX-512 CPU, slower than widening to F32. */
	isa = dnnl_get_effective_cpu_isa();
	cpu.bf16 = (isa & dnnl_cpu_isa_avx512_core_bf16) == dnnl_cpu_isa_avx512_core_bf16;
}

bool hfgit_matmul__bf16(void)
{
	pthread_once(&cpu.once, probe);
	return cpu.bf16;
}

__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static void round_bf16(uint16_t *out, const float *x, size_t n)
{
	size_t i = 0;

	for (; i + 16 <= n; i += 16)
		_mm256_storeu_si256((__m256i *)(out + i),
		                    (__m256i)_mm512_cvtneps_pbh(_mm512_loadu_ps(x + i)));
	if (i < n) {
		const __mmask16 m = (__mmask16)((1u << (n - i)) - 1);

		_mm256_mask_storeu_epi16(out + i, m,
		                         (__m256i)_mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(m, x + i)));
	}
}

void hfgit_matmul__round_bf16(uint16_t *out, const float *x, size_t n)
{
	size_t i;

	if (hfgit_matmul__bf16()) {
		round_bf16(out, x, n);
		return;
	}
	for (i = 0; i < n; i++) {
		uint32_t bits;

		memcpy(&bits, &x[i], sizeof(bits));
		if ((bits & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it one, quiet */
			out[i] = (uint16_t)((bits >> 16) | 0x40);
		else
			out[i] = (uint16_t)((bits + 0x7fffu + ((bits >> 16) & 1)) >> 16);
	}
}

/*
 * The primitives made so far, one per shape: making one costs far more than running a
 * prefill-sized product (oneDNN generates its kernels then). The shapes of a model are few
 * (its projections times the row counts of a prompt's chunks); past MAX_SHAPES a primitive is
 * made for the call and dropped after it.
 */
#define MAX_SHAPES 128

typedef struct {
	size_t rows, n, k, ldx, ldw;
	bool bf16, in_out, bias, packed;
	hfgit_matmul_post post;
	dnnl_primitive_t prim;
	size_t scratch;
	/* packed: the weights are first reordered into the layout the product reads best,
	 * wmd, from their place (wplain), in a buffer of packed_size bytes. */
	dnnl_primitive_t reorder; /* NULL when own_pack: tensor/pack.c writes it */
	dnnl_memory_desc_t wplain, wmd;
	size_t packed_size;
	bool own_pack;
} shape;

static struct {
	pthread_mutex_t lock;
	shape s[MAX_SHAPES];
	size_t n;
} shapes = { .lock = PTHREAD_MUTEX_INITIALIZER };

/* The reorder of a packed shape's weights into what its product `pd` reads. */
static dnnl_status_t make_reorder(shape *s, const_dnnl_primitive_desc_t pd)
{
	dnnl_primitive_desc_t rpd = NULL;
	dnnl_status_t st;

	s->wmd = *dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
	s->packed_size = dnnl_memory_desc_get_size(&s->wmd);
	/* A BF16 row stride must be even for pack.c's pairs. */
	if ((s->own_pack = hfgit_pack__fits(&s->wmd, s->n, s->k) &&
	                   (!s->bf16 || s->ldw % 2 == 0)))
		return dnnl_success;
	if (!(st = dnnl_reorder_primitive_desc_create(&rpd, &s->wplain, cpu.engine, &s->wmd,
	                                              cpu.engine, NULL)))
		st = dnnl_primitive_create(&s->reorder, rpd);
	dnnl_primitive_desc_destroy(rpd);
	return st;
}

static int make(shape *s)
{
	dnnl_memory_desc_t src, wei, bia, dst;
	dnnl_matmul_desc_t md;
	static const dnnl_alg_kind_t algs[] = {
		[HFGIT_MATMUL_GELU] = dnnl_eltwise_gelu_erf,
		[HFGIT_MATMUL_GELU_TANH] = dnnl_eltwise_gelu_tanh,
		[HFGIT_MATMUL_RELU] = dnnl_eltwise_relu,
	};
	dnnl_primitive_attr_t attr = NULL;
	dnnl_primitive_desc_t pd = NULL;
	dnnl_post_ops_t post = NULL;
	dnnl_status_t st;
	const dnnl_data_type_t in = s->bf16 ? dnnl_bf16 : dnnl_f32;
	const dnnl_dims_t sd = { (dnnl_dim_t)s->rows, (dnnl_dim_t)s->k },
			  ss = { (dnnl_dim_t)s->ldx, 1 }, wd = { (dnnl_dim_t)s->k, (dnnl_dim_t)s->n },
			  ws_rows = { 1, (dnnl_dim_t)s->ldw }, ws_in_out = { (dnnl_dim_t)s->ldw, 1 },
			  dd = { (dnnl_dim_t)s->rows, (dnnl_dim_t)s->n }, ds = { (dnnl_dim_t)s->n, 1 },
			  bd = { 1, (dnnl_dim_t)s->n };

	/* Weights [k, n]: strides (1, ldw) for the checkpoint's [n, k] rows, (ldw, 1) for
	 * Conv1D's [k, n]; either unmoved. */
	if ((st = dnnl_memory_desc_init_by_strides(&src, 2, sd, in, ss)) ||
	    (st = dnnl_memory_desc_init_by_strides(&s->wplain, 2, wd, in,
	                                           s->in_out ? ws_in_out : ws_rows)) ||
	    (st = s->packed ? dnnl_memory_desc_init_by_tag(&wei, 2, wd, in, dnnl_format_tag_any)
	                    : (wei = s->wplain, dnnl_success)) ||
	    (st = dnnl_memory_desc_init_by_strides(&dst, 2, dd, dnnl_f32, ds)) ||
	    (st = dnnl_memory_desc_init_by_tag(&bia, 2, bd, dnnl_f32, dnnl_ab)) ||
	    (st = dnnl_matmul_desc_init(&md, &src, &wei, s->bias ? &bia : NULL, &dst)) ||
	    (st = dnnl_primitive_attr_create(&attr)) ||
	    (st = dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user)) ||
	    (s->post && ((st = dnnl_post_ops_create(&post)) ||
	                 (st = dnnl_post_ops_append_eltwise(post, 1.0f, algs[s->post], 0.0f,
	                                                    0.0f)) ||
	                 (st = dnnl_primitive_attr_set_post_ops(attr, post)))) ||
	    (st = dnnl_primitive_desc_create(&pd, &md, attr, cpu.engine, NULL)) ||
	    (st = dnnl_primitive_create(&s->prim, pd)))
		s->prim = NULL;
	else
		s->scratch = dnnl_memory_desc_get_size(
			dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0));
	if (!st && s->packed && (st = make_reorder(s, pd)) != dnnl_success) {
		dnnl_primitive_destroy(s->prim);
		s->prim = NULL;
	}
	dnnl_primitive_desc_destroy(pd);
	dnnl_post_ops_destroy(post);
	dnnl_primitive_attr_destroy(attr);
	if (st)
		return hfgit_error__set(HFGIT_ERROR, "oneDNN has no %s matmul for %zux%zux%zu "
		                       "(status %d)", s->bf16 ? "BF16" : "F32", s->rows, s->n, s->k,
		                       (int)st);
	return 0;
}

/* The cached primitive of `key`'s shape into key->prim, made if new; *owned when the caller
 * must destroy it (the cache is full). */
static int find(shape *key, bool *owned)
{
	size_t i;
	int rc = 0;

	*owned = false;
	pthread_mutex_lock(&shapes.lock);
	for (i = 0; i < shapes.n; i++) {
		const shape *s = &shapes.s[i];

		if (s->rows == key->rows && s->n == key->n && s->k == key->k && s->ldx == key->ldx &&
		    s->ldw == key->ldw && s->bf16 == key->bf16 && s->in_out == key->in_out &&
		    s->bias == key->bias && s->post == key->post && s->packed == key->packed) {
			*key = *s;
			goto out;
		}
	}
	if ((rc = make(key)) < 0)
		goto out;
	if (shapes.n < MAX_SHAPES)
		shapes.s[shapes.n++] = *key;
	else
		*owned = true;
out:
	pthread_mutex_unlock(&shapes.lock);
	return rc;
}

/* Per thread: a stream (one must not be shared between threads), destroyed when the thread
 * exits. */
static pthread_key_t stream_key;
static pthread_once_t stream_once = PTHREAD_ONCE_INIT;
static int stream_key_rc = -1;

static void stream_destroy(void *stream)
{
	dnnl_stream_destroy(stream);
}

static void stream_key_make(void)
{
	stream_key_rc = pthread_key_create(&stream_key, stream_destroy);
}

static dnnl_stream_t thread_stream(void)
{
	dnnl_stream_t stream;

	pthread_once(&stream_once, stream_key_make);
	if (stream_key_rc)
		return NULL;
	if ((stream = pthread_getspecific(stream_key)))
		return stream;
	if (dnnl_stream_create(&stream, cpu.engine, dnnl_stream_default_flags))
		return NULL;
	if (pthread_setspecific(stream_key, stream)) {
		dnnl_stream_destroy(stream);
		return NULL;
	}
	return stream;
}

static int execute(const shape *s, dnnl_stream_t stream, float *y, const void *x,
                   const void *w, const float *bias, void *scratch)
{
	const struct {
		int arg;
		dnnl_query_t what;
		int index;
		void *data;
	} io[5] = {
		{ DNNL_ARG_SRC, dnnl_query_src_md, 0, (void *)x },
		{ DNNL_ARG_WEIGHTS, dnnl_query_weights_md, 0, (void *)w },
		{ DNNL_ARG_DST, dnnl_query_dst_md, 0, y },
		{ DNNL_ARG_BIAS, dnnl_query_weights_md, 1, (void *)bias },
		{ DNNL_ARG_SCRATCHPAD, dnnl_query_scratchpad_md, 0, scratch },
	};
	dnnl_exec_arg_t args[5];
	const_dnnl_primitive_desc_t pd;
	dnnl_status_t st;
	int i, n = 0;

	st = dnnl_primitive_get_primitive_desc(s->prim, &pd);
	for (i = 0; i < 5 && !st; i++) {
		if ((io[i].arg == DNNL_ARG_BIAS && !bias) ||
		    (io[i].arg == DNNL_ARG_SCRATCHPAD && !s->scratch))
			continue;
		args[n].arg = io[i].arg;
		st = dnnl_memory_create(&args[n].memory,
		                        dnnl_primitive_desc_query_md(pd, io[i].what, io[i].index),
		                        cpu.engine, io[i].data);
		if (!st)
			n++;
	}
	if (!st)
		st = dnnl_primitive_execute(s->prim, stream, n, args);
	if (!st)
		st = dnnl_stream_wait(stream);
	for (i = 0; i < n; i++)
		dnnl_memory_destroy(args[i].memory);
	if (st)
		return hfgit_error__set(HFGIT_ERROR, "oneDNN %s matmul %zux%zux%zu failed (status "
		                       "%d)", s->bf16 ? "BF16" : "F32", s->rows, s->n, s->k, (int)st);
	return 0;
}

/*
 * From this many rows, nn.Linear weights are packed once per call into the layout the
 * kernels read (tensor/pack.h for BF16, a oneDNN reorder otherwise, into a per-thread
 * buffer) instead of being read as the checkpoint stores them: oneDNN then copies and
 * transposes them into that layout itself for every 128 rows of x, which on a 512-row BF16
 * prefill cost more than the products (F32: BERT-base with 8 sequences of 128 spent 7% of
 * its time in those copies, 4.7% in the one reorder per call). Below, a call copies them
 * once either way. HFGIT_PACK_ROWS overrides it (tests: the packed path on the tiny models).
 */
#define PACK_MIN_ROWS 256

static size_t pack_min_rows = PACK_MIN_ROWS;
static pthread_once_t pack_once = PTHREAD_ONCE_INIT;

static void pack_rows_read(void)
{
	const char *env = getenv("HFGIT_PACK_ROWS");

	if (env && *env)
		pack_min_rows = (size_t)strtoul(env, NULL, 10);
}

/* Read once: it is asked for every product of a prefill. */
static size_t pack_rows(void)
{
	pthread_once(&pack_once, pack_rows_read);
	return pack_min_rows;
}

/* A packed shape's weights w reordered into this thread's buffer, *packed. */
static int pack(const shape *s, dnnl_stream_t stream, const void *w, const void **packed)
{
	dnnl_memory_t from = NULL, to = NULL;
	void *buf = hfgit_scratch__get(HFGIT_SCRATCH_MATMUL_PACKED, s->packed_size);
	dnnl_status_t st;

	if (!buf)
		return hfgit_error__oom();
	if (s->own_pack) {
		hfgit_pack__weights(buf, &s->wmd, w, s->n, s->k, s->ldw);
		*packed = buf;
		return 0;
	}
	if (!(st = dnnl_memory_create(&from, &s->wplain, cpu.engine, (void *)w)) &&
	    !(st = dnnl_memory_create(&to, &s->wmd, cpu.engine, buf))) {
		dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, from }, { DNNL_ARG_TO, to } };

		if (!(st = dnnl_primitive_execute(s->reorder, stream, 2, args)))
			st = dnnl_stream_wait(stream);
	}
	dnnl_memory_destroy(from);
	dnnl_memory_destroy(to);
	if (st)
		return hfgit_error__set(HFGIT_ERROR, "oneDNN could not pack %zux%zu BF16 weights "
		                       "(status %d)", s->n, s->k, (int)st);
	*packed = buf;
	return 0;
}

int hfgit_matmul__run(float *y, size_t ldy, const void *x, size_t ldx, size_t rows,
                      const hfgit_matmul_block *b)
{
	/* oneDNN 2.6 runs its best kernels (brgemm, AMX) only for an output whose rows are
	 * dense, and falls back to a slower GEMM for a block of columns of a wider one: such a
	 * block goes through a dense buffer (a copy of rows * n floats, small beside the
	 * product). */
	const bool dense = ldy == b->n;
	shape s = { rows, b->n, b->k, ldx, b->ldw, b->bf16, b->in_out, b->bias != NULL,
		    !b->in_out && (b->packed || rows >= pack_rows()), b->post, NULL, 0 };
	dnnl_stream_t stream;
	float *out = y;
	const void *w = b->w;
	void *scratch;
	int saved, rc;
	size_t r;
	bool owned;

	if (!rows || !b->n)
		return 0;
	/* F32 weights packed once: libxsmm's kernels read them in place and write any stride. */
	if (!b->bf16 && b->packed && !b->in_out &&
	    hfgit_smm__packed_linear(y, ldy, x, ldx, rows, b->packed, b->n, b->k, b->bias, b->post))
		return 0;
	pthread_once(&cpu.once, probe);
	if ((rc = hfgit_onednn__load()) < 0)
		return rc;
	if (!cpu.engine || (b->bf16 && !cpu.bf16))
		return hfgit_error__set(HFGIT_ERROR, "no oneDNN %s matmul on this CPU",
		                       b->bf16 ? "BF16" : "F32");
	if (!(stream = thread_stream()))
		return hfgit_error__set(HFGIT_ERROR, "cannot create a oneDNN stream");
	if (!dense && !(out = hfgit_scratch__get(HFGIT_SCRATCH_MATMUL_DENSE,
	                                         rows * b->n * sizeof(float))))
		return hfgit_error__oom();
	/* One thread: the primitive is made for, and runs on, this thread alone. */
	saved = hfgit_omp__max_threads();
	if (saved != 1)
		hfgit_omp__set_threads(1);
	if ((rc = find(&s, &owned)) < 0)
		goto out;
	/* Weights prepacked in the layout this product reads are read as they are. */
	if (s.packed && b->packed && s.own_pack && !b->bf16)
		w = b->packed;
	else if (s.packed && (rc = pack(&s, stream, b->w, &w)) < 0)
		goto done;
	if (!(scratch = hfgit_scratch__get(HFGIT_SCRATCH_MATMUL_PAD, s.scratch)))
		rc = hfgit_error__oom();
	else
		rc = execute(&s, stream, out, x, w, b->bias, scratch);
done:
	if (owned) {
		dnnl_primitive_destroy(s.prim);
		dnnl_primitive_destroy(s.reorder);
	}
	for (r = 0; rc == 0 && !dense && r < rows; r++)
		memcpy(y + r * ldy, out + r * b->n, b->n * sizeof(float));
out:
	if (saved != 1)
		hfgit_omp__set_threads(saved);
	return rc;
}

/* Columns per block: as many blocks as workers (or a multiple of them when a block would pass
 * BLOCK_MAX, which keeps the dense buffer of a block small), each layer cut into blocks of
 * equal width in multiples of BLOCK_MIN (the kernels' tile width). Equal shares matter more
 * than anything else here: a 896-column layer cut into 192-column blocks gave one worker 576
 * columns and the other 320. */
#define BLOCK_MIN 64
#define BLOCK_MAX 1024

typedef struct {
	float *dst;
	const float *w;
	size_t k;
	dnnl_memory_desc_t md;
} prepack_job;

static void prepack_chunk(void *arg, size_t worker, size_t begin, size_t end)
{
	const prepack_job *j = arg;
	const size_t first = begin * BLOCK_MIN * j->k;

	(void)worker;
	hfgit_pack__weights(j->dst + first, &j->md, j->w + first, (end - begin) * BLOCK_MIN, j->k,
	                    j->k);
}

int hfgit_matmul__prepack(float **out, size_t *bytes, const float *w, size_t n, size_t k)
{
	const dnnl_dims_t dims = { (dnnl_dim_t)k, (dnnl_dim_t)n };
	const size_t size = n * k * sizeof(float);
	prepack_job j = { NULL, w, k, { 0 } };
	void *buf;

	*out = NULL;
	*bytes = 0;
	pthread_once(&cpu.once, probe);
	/* A block of it, from any multiple of BLOCK_MIN columns, is then the same layout for
	 * the block's columns: what hfgit_matmul__run hands the product. */
	if (!cpu.engine || !n || !k ||
	    dnnl_memory_desc_init_by_tag(&j.md, 2, dims, dnnl_f32, dnnl_BA16a64b) ||
	    !hfgit_pack__fits(&j.md, n, k) || n % BLOCK_MIN)
		return 0;
	/* Not on huge pages: on a virtual machine whose memory the host has not backed yet,
	 * the first touch of 340 MB of them took 2.5 s (4 KiB pages: 0.14 s). */
	if (posix_memalign(&buf, 64, size))
		return hfgit_error__oom();
	j.dst = buf;
	hfgit_pool__run(n / BLOCK_MIN, 1, prepack_chunk, &j);
	*out = buf;
	*bytes = size;
	return 0;
}

typedef struct {
	const hfgit_matmul_layer *ls;
	const void *x;
	size_t ldx, rows;
	size_t first[HFGIT_MATMUL_MAX_LAYERS + 1]; /* the first block of each layer */
	size_t block[HFGIT_MATMUL_MAX_LAYERS];     /* the columns of each layer's blocks */
	bool bf16;
	hfgit_matmul_post post;
	atomic_int failed;
} layers_job;

/* Each layer cut into blocks of about `share` columns, in multiples of BLOCK_MIN; the number
 * of blocks in all. */
/* The widest block of layer i: BLOCK_MAX, or for weights packed per call (matmul_run) a
 * packed block of at most PACKED_MAX bytes, half a core's L2 here, so that the product reads
 * what the packing just wrote from there (down_proj's 448 x 4864 BF16 block was 4.4 MB). */
#define PACKED_MAX (1u << 20)

size_t hfgit_matmul__widest_block(size_t k, size_t rows, bool bf16, bool in_out)
{
	size_t cap;

	if (in_out || rows < pack_rows() || !k)
		return BLOCK_MAX;
	cap = PACKED_MAX / (k * (bf16 ? 2 : 4)) / BLOCK_MIN * BLOCK_MIN;
	return cap < BLOCK_MIN ? BLOCK_MIN : cap > BLOCK_MAX ? BLOCK_MAX : cap;
}

static size_t layer_block_max(const layers_job *j, size_t i)
{
	if (j->ls[i].packed)
		return BLOCK_MAX;
	return hfgit_matmul__widest_block(j->ls[i].k, j->rows, j->bf16, j->ls[i].in_out);
}

static size_t cut_layers(layers_job *j, size_t n, size_t share)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const size_t out = j->ls[i].out;
		size_t blocks = (out + share / 2) / share, b;

		blocks = blocks ? blocks : 1;
		b = (out + blocks - 1) / blocks;
		b = b ? (b + BLOCK_MIN - 1) / BLOCK_MIN * BLOCK_MIN : BLOCK_MIN;
		j->block[i] = b > layer_block_max(j, i) ? layer_block_max(j, i) : b;
		j->first[i + 1] = j->first[i] + (out + j->block[i] - 1) / j->block[i];
	}
	return j->first[n];
}

/* The blocks of every layer: the fewest tasks, a multiple of the workers, of about equal
 * width (3 layers of 768 on 2 workers: 6 blocks of 384, not 3 of 768). */
static void cut_blocks(layers_job *j, size_t n, size_t width)
{
	size_t i, cols = 0, tasks;

	for (i = 0; i < n; i++)
		cols += j->ls[i].out;
	width = width ? width : 1;
	tasks = width * ((cols + width * BLOCK_MAX - 1) / (width * BLOCK_MAX));
	for (tasks = tasks ? tasks : width; tasks <= 8 * width; tasks += width)
		if (cut_layers(j, n, (cols + tasks - 1) / tasks) % width == 0)
			return;
	cut_layers(j, n, (cols + width - 1) / width);
}

/* Columns [o, o + n) of layer l for rows [r0, r1) of x (of `rows` in all): one product, or
 * with a head-major output one per head, each into its dense block. */
static int layer_columns(const hfgit_matmul_layer *l, size_t o, size_t n, const void *x,
                         size_t ldx, size_t r0, size_t r1, size_t rows, bool bf16,
                         hfgit_matmul_post post)
{
	const size_t elem = bf16 ? 2 : 4, hd = l->head_dim, step = hd ? hd : n;
	const char *xr = (const char *)x + r0 * ldx * elem;
	size_t c;
	int rc;

	for (c = o; c < o + n; c += step) {
		const hfgit_matmul_block b = {
			.w = (const char *)l->w + (l->in_out ? c : c * l->k) * elem,
			.packed = l->packed ? (const float *)l->packed + c * l->k : NULL,
			.bf16 = bf16, .in_out = l->in_out, .n = o + n - c < step ? o + n - c : step,
			.k = l->k, .ldw = l->in_out ? l->out : l->k,
			.bias = l->bias ? l->bias + c : NULL, .post = post,
		};
		float *y = hd ? l->y + (c / hd * rows + r0) * hd : l->y + r0 * l->ldy + c;

		if ((rc = hfgit_matmul__run(y, hd ? hd : l->ldy, xr, ldx, r1 - r0, &b)) < 0)
			return rc;
	}
	return 0;
}

static void block_task(void *arg, size_t t)
{
	layers_job *j = arg;
	const hfgit_matmul_layer *l;
	size_t i = 0, o;

	while (t >= j->first[i + 1])
		i++;
	l = &j->ls[i];
	o = (t - j->first[i]) * j->block[i];
	if (layer_columns(l, o, l->out - o < j->block[i] ? l->out - o : j->block[i], j->x,
	                  j->ldx, 0, j->rows, j->rows, j->bf16, j->post) < 0)
		atomic_store(&j->failed, 1);
}

/*
 * From pack_rows() rows a worker (256; HFGIT_PACK_ROWS moves both), layers whose weights are
 * all packed are cut by rows instead: each worker runs whole layers on its rows, with the
 * layer's own output as the product's dense one (no copy out of a block's buffer: 4% of
 * BERT-base with 8 sequences of 128), and reads all the weights, which for that many rows
 * costs less than the copies.
 */
typedef struct {
	const hfgit_matmul_layer *ls;
	size_t n;
	const void *x;
	size_t ldx, rows, width;
	hfgit_matmul_post post;
	atomic_int failed;
} rows_job;

static void rows_task(void *arg, size_t t)
{
	rows_job *j = arg;
	const size_t r0 = j->rows * t / j->width, r1 = j->rows * (t + 1) / j->width;
	size_t i;

	for (i = 0; i < j->n; i++)
		if (layer_columns(&j->ls[i], 0, j->ls[i].out, j->x, j->ldx, r0, r1, j->rows, false,
		                  j->post) < 0)
			atomic_store(&j->failed, 1);
}

/* Whether hfgit_matmul__layers cuts this run by rows. */
static bool by_rows(const hfgit_matmul_layer *ls, size_t n, size_t rows, bool bf16,
                    size_t width)
{
	size_t i;

	if (bf16 || width < 2 || rows < pack_rows() * width)
		return false;
	for (i = 0; i < n; i++)
		if (!ls[i].packed)
			return false;
	return true;
}

int hfgit_matmul__layers(const hfgit_matmul_layer *ls, size_t n, const void *x, size_t ldx,
                         size_t rows, bool bf16, hfgit_matmul_post post)
{
	layers_job j = { ls, x, ldx, rows, { 0 }, { 0 }, bf16, post, 0 };
	const size_t width = hfgit_pool__width();
	int failed;

	size_t i;

	if (n > HFGIT_MATMUL_MAX_LAYERS)
		return hfgit_error__set(HFGIT_EINVALID, "%zu layers in one run: at most %d", n,
		                       HFGIT_MATMUL_MAX_LAYERS);
	for (i = 0; i < n; i++)
		if (ls[i].head_dim && (ls[i].head_dim != HFGIT_MATMUL_HEAD_DIM || bf16 ||
		                       ls[i].out % ls[i].head_dim))
			return hfgit_error__set(HFGIT_EINVALID, "a head-major output of %zu columns "
			                       "in heads of %zu (%s): F32 heads of %d only", ls[i].out,
			                       ls[i].head_dim, bf16 ? "BF16" : "F32",
			                       HFGIT_MATMUL_HEAD_DIM);
	if (by_rows(ls, n, rows, bf16, width)) {
		rows_job r = { ls, n, x, ldx, rows, width, post, 0 };

		hfgit_pool__each(width, rows_task, &r);
		failed = atomic_load(&r.failed);
	} else {
		cut_blocks(&j, n, width);
		hfgit_pool__each(j.first[n], block_task, &j);
		failed = atomic_load(&j.failed);
	}
	if (failed)
		return hfgit_error__set(HFGIT_ERROR, "a %s product of %zu rows failed (out of "
		                       "memory?)", bf16 ? "BF16" : "F32", rows);
	return 0;
}
