#include "tensor/smm.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "tensor/ops.h"

#ifdef HFGIT_HAVE_LIBXSMM
#include <libxsmm_cpuid.h>
#include <libxsmm_generator.h>
#include <sys/mman.h>
#include <unistd.h>

/* The columns of a block of packed weights (hfgit_matmul__prepack's BA16a64b layout: each
 * block is k rows of 64), and the rows of x a kernel call takes: 64 rows of 768 inputs are
 * 192 KB, which stay in the core's L2 cache beside the weights' panel. */
#define PANEL 64
#define ROWS 64

/*
 * The kernels come from libxsmm's code generator alone (libxsmmgen): its runtime's registry
 * of kernels takes 11 MB of locked memory when it starts, more than the 15% of a model's size
 * a forward pass may take beside it. The shapes of a model are few (its projections' panels,
 * the last rows of a batch, attention's heads); each kernel is a few KB of code on pages of
 * its own, kept for the process's life, as oneDNN keeps its primitives. Lookups read the
 * published entries without the lock: an entry is written once, before the count that
 * publishes it.
 */
#define MAX_KERNELS 256
/* The buffer a kernel is generated into. The generator exits the process when its code
 * passes the buffer: the kernels asked for are a few KB (2.7 KB for a panel of 64 rows of
 * 768, 4.3 KB for 197 x 64 x 197), and a column count past WIDEST, whose register blocks
 * make the code grow, goes to oneDNN instead. */
#define CODE_MAX (256 * 1024)
#define WIDEST 256

typedef void (*kernel_fn)(const float *a, const float *b, float *c);

typedef struct {
	size_t m, n, k, lda, ldb, ldc;
	kernel_fn fn;
} kernel_entry;

static struct {
	pthread_mutex_t lock;
	kernel_entry e[MAX_KERNELS];
	size_t n; /* published entries */
} kernels = { .lock = PTHREAD_MUTEX_INITIALIZER };

static pthread_once_t once = PTHREAD_ONCE_INIT;
static int arch;

static void probe(void)
{
	const char *env = getenv("HFGIT_KERNELS");

	if (env && (!strcmp(env, "onednn") || !strcmp(env, "portable")))
		return;
	/* Below AVX2 the generator's kernels would not be faster than oneDNN's. */
	if ((arch = libxsmm_cpuid()) < LIBXSMM_X86_AVX2)
		arch = 0;
}

bool hfgit_smm__available(void)
{
	pthread_once(&once, probe);
	return arch != 0;
}

/* libxsmm's column-major c (m x n) = a (m x k) b (k x n), into pages of its own made
 * executable once written; NULL when the generator does not take the shape. */
static kernel_fn generate(size_t m, size_t n, size_t k, size_t lda, size_t ldb, size_t ldc)
{
	const long page = sysconf(_SC_PAGESIZE);
	libxsmm_descriptor_blob blob;
	const libxsmm_gemm_descriptor *d = libxsmm_sgemm_descriptor_init(
		&blob, (libxsmm_blasint)m, (libxsmm_blasint)n, (libxsmm_blasint)k,
		(libxsmm_blasint)lda, (libxsmm_blasint)ldb, (libxsmm_blasint)ldc, 1.0f, 0.0f,
		LIBXSMM_GEMM_FLAG_NONE, LIBXSMM_GEMM_PREFETCH_NONE);
	libxsmm_generated_code code = { 0 };
	size_t size;
	void *at;

	if (!d || page <= 0 || !(code.generated_code = malloc(CODE_MAX)))
		return NULL;
	code.buffer_size = CODE_MAX;
	code.code_type = 2; /* machine code */
	code.arch = (unsigned)arch;
	libxsmm_generator_gemm_kernel(&code, d);
	size = ((size_t)code.code_size + (size_t)page - 1) / (size_t)page * (size_t)page;
	at = code.last_error || !code.code_size
		     ? MAP_FAILED
		     : mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (at != MAP_FAILED) {
		memcpy(at, code.generated_code, code.code_size);
		if (mprotect(at, size, PROT_READ | PROT_EXEC)) {
			munmap(at, size);
			at = MAP_FAILED;
		}
	}
	free(code.generated_code);
	return at == MAP_FAILED ? NULL : (kernel_fn)at;
}

/* The entry of key's shape among entries [from, to), or NULL. */
static const kernel_entry *find(const kernel_entry *key, size_t from, size_t to)
{
	size_t i;

	for (i = from; i < to; i++) {
		const kernel_entry *e = &kernels.e[i];

		if (e->m == key->m && e->n == key->n && e->k == key->k && e->lda == key->lda &&
		    e->ldb == key->ldb && e->ldc == key->ldc)
			return e;
	}
	return NULL;
}

/* libxsmm's column-major c (m x n) = a (m x k) b (k x n) is row-major c^T = b^T a^T: the
 * row-major product c[m][n] = a[m][k] b[k][n] is its kernel of (n, m, k) on (b, a). */
static kernel_fn kernel(size_t ldc, size_t lda, size_t ldb, size_t m, size_t n, size_t k)
{
	const kernel_entry key = { n, m, k, ldb, lda, ldc, NULL };
	size_t seen = __atomic_load_n(&kernels.n, __ATOMIC_ACQUIRE), now;
	const kernel_entry *e;
	kernel_fn fn = NULL;

	if ((e = find(&key, 0, seen)))
		return e->fn;
	if (n > WIDEST)
		return NULL;
	pthread_mutex_lock(&kernels.lock);
	now = kernels.n;
	if ((e = find(&key, seen, now))) {
		fn = e->fn;
	} else if (now < MAX_KERNELS) {
		/* A shape the generator refuses is kept too (fn NULL): it is not tried again. */
		kernels.e[now] = key;
		kernels.e[now].fn = fn =
			generate(key.m, key.n, key.k, key.lda, key.ldb, key.ldc);
		__atomic_store_n(&kernels.n, now + 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&kernels.lock);
	return fn;
}

bool hfgit_smm__product(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                        size_t ldb, size_t m, size_t n, size_t k)
{
	kernel_fn f;

	if (!hfgit_smm__available() || !(f = kernel(ldc, lda, ldb, m, n, k)))
		return false;
	f(b, a, c);
	return true;
}

bool hfgit_smm__packed_linear(float *y, size_t ldy, const float *x, size_t ldx, size_t rows,
                              const float *packed, size_t n, size_t k, const float *bias,
                              hfgit_matmul_post post)
{
	static const hfgit_activation acts[] = {
		[HFGIT_MATMUL_GELU] = HFGIT_ACT_GELU,
		[HFGIT_MATMUL_GELU_TANH] = HFGIT_ACT_GELU_NEW,
		[HFGIT_MATMUL_RELU] = HFGIT_ACT_RELU,
	};
	/* The rows of the first calls, and of the last (fewer when ROWS does not divide them). */
	const size_t first = rows < ROWS ? rows : ROWS, last = rows ? (rows - 1) % ROWS + 1 : 0;
	kernel_fn full, tail;
	size_t c, r;

	if (!hfgit_smm__available() || !rows || n % PANEL ||
	    !(full = kernel(ldy, ldx, PANEL, first, PANEL, k)) ||
	    !(tail = last == first ? full : kernel(ldy, ldx, PANEL, last, PANEL, k)))
		return false;
	/* Panel by panel: its weights are read from memory once, for all the rows. */
	for (c = 0; c < n; c += PANEL) {
		const float *w = packed + c * k;

		for (r = 0; r < rows; r += ROWS) {
			const size_t m = rows - r < ROWS ? rows - r : ROWS;
			float *out = y + r * ldy + c;

			(m == first ? full : tail)(w, x + r * ldx, out);
			/* While the block is in the core's L1 cache. */
			if (bias || post)
				hfgit__bias_activate_rows(out, ldy, m, PANEL, bias ? bias + c : NULL,
				                          post ? &acts[post] : NULL);
		}
	}
	return true;
}

#else /* no libxsmm */

bool hfgit_smm__available(void)
{
	return false;
}

bool hfgit_smm__product(float *c, size_t ldc, const float *a, size_t lda, const float *b,
                        size_t ldb, size_t m, size_t n, size_t k)
{
	(void)c, (void)ldc, (void)a, (void)lda, (void)b, (void)ldb, (void)m, (void)n, (void)k;
	return false;
}

bool hfgit_smm__packed_linear(float *y, size_t ldy, const float *x, size_t ldx, size_t rows,
                              const float *packed, size_t n, size_t k, const float *bias,
                              hfgit_matmul_post post)
{
	(void)y, (void)ldy, (void)x, (void)ldx, (void)rows, (void)packed, (void)n, (void)k;
	(void)bias, (void)post;
	return false;
}

#endif

const char *hfgit_smm__kernel(void)
{
	return hfgit_smm__available() ? "libxsmm" : "onednn";
}
