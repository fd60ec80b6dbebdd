/*
 * The restricted unpickler (see unpickle.h). Opcode semantics follow CPython's pickle
 * machine (Lib/pickletools.py documents each opcode); what a state dict may do with them
 * follows PyTorch's weights_only unpickler, tightened where it was found wanting: SETITEM
 * only on dicts and persistent ids only as storages whose size is checked (CVE-2026-24747).
 *
 * Every value lives in an arena owned by the hfgit_pickle, so values can be shared freely
 * (the memo, BINGET, a dict that contains itself) and everything goes in one free. The
 * machine is a loop over opcodes with explicit stacks: no recursion anywhere.
 */
#include "model/weights/unpickle.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "model/weights/zip.h"

/* Far beyond what torch.save writes (a few entries per tensor), far below harm. */
#define STACK_LIMIT ((size_t)1 << 20)
#define MARK_LIMIT ((size_t)1 << 16)
#define MEMO_LIMIT ((size_t)1 << 24)
/* The data.pkl of a large checkpoint builds a few MB of values. */
#define ARENA_LIMIT ((size_t)1 << 30)
#define ARENA_CHUNK ((size_t)64 << 10)
#define ARENA_ALIGN 16
#define HIGHEST_PROTOCOL 5
#define QUOTED_SIZE 128

/* Opcodes, named as in CPython's pickle.py. */
enum {
	OP_MARK = '(',
	OP_STOP = '.',
	OP_POP = '0',
	OP_POP_MARK = '1',
	OP_DUP = '2',
	OP_BININT = 'J',
	OP_BININT1 = 'K',
	OP_BININT2 = 'M',
	OP_NONE = 'N',
	OP_BINPERSID = 'Q',
	OP_REDUCE = 'R',
	OP_BINSTRING = 'T',
	OP_SHORT_BINSTRING = 'U',
	OP_BINUNICODE = 'X',
	OP_APPEND = 'a',
	OP_BUILD = 'b',
	OP_GLOBAL = 'c',
	OP_DICT = 'd',
	OP_EMPTY_DICT = '}',
	OP_APPENDS = 'e',
	OP_BINGET = 'h',
	OP_LONG_BINGET = 'j',
	OP_LIST = 'l',
	OP_EMPTY_LIST = ']',
	OP_BINPUT = 'q',
	OP_LONG_BINPUT = 'r',
	OP_SETITEM = 's',
	OP_TUPLE = 't',
	OP_EMPTY_TUPLE = ')',
	OP_SETITEMS = 'u',
	OP_BINFLOAT = 'G',
	OP_BINBYTES = 'B',
	OP_SHORT_BINBYTES = 'C',
	OP_PROTO = 0x80,
	OP_NEWOBJ = 0x81,
	OP_TUPLE1 = 0x85,
	OP_TUPLE2 = 0x86,
	OP_TUPLE3 = 0x87,
	OP_NEWTRUE = 0x88,
	OP_NEWFALSE = 0x89,
	OP_LONG1 = 0x8a,
	OP_LONG4 = 0x8b,
	OP_SHORT_BINUNICODE = 0x8c,
	OP_BINUNICODE8 = 0x8d,
	OP_BINBYTES8 = 0x8e,
	OP_STACK_GLOBAL = 0x93,
	OP_MEMOIZE = 0x94,
	OP_FRAME = 0x95,
	OP_BYTEARRAY8 = 0x96,
};

struct chunk {
	struct chunk *next;
	unsigned char *mem;
	size_t size, used;
};

struct hfgit_pickle {
	struct chunk *chunks;
	size_t total;
	/* Immutable values every load needs many of: one each. */
	hfgit_pickle_value none, yes, no, empty_tuple;
};

struct machine {
	const unsigned char *data;
	size_t len, pos;
	size_t op_at; /* where the current opcode starts, for messages */
	const hfgit_unpickle_options *opts;
	hfgit_pickle *pickle;
	hfgit_pickle_value **stack;
	size_t depth, stack_cap;
	size_t *marks; /* stack depths at each open MARK */
	size_t nmarks, marks_cap;
	hfgit_pickle_value **memo;
	size_t memo_cap, memo_count;
};

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                    */

static const char *display_name(const struct machine *m)
{
	return m->opts && m->opts->display_name ? m->opts->display_name : "pickle";
}

/* "<file>: <what> (pickle byte N)": every message names the file and the place. */
static int fail(const struct machine *m, const char *fmt, ...) HFGIT_PRINTF(2, 3);
static int fail(const struct machine *m, const char *fmt, ...)
{
	char what[768];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	return hfgit_error__set(HFGIT_EINVALID, "%s: %s (pickle byte %zu)", display_name(m), what,
	                        m->op_at);
}

static int truncated(const struct machine *m)
{
	return fail(m, "the pickle ends in the middle of an opcode: the file is truncated or damaged");
}

static const char *kind_name(hfgit_pickle_kind kind)
{
	static const char *const names[] = {
		[HFGIT_PICKLE_NONE] = "None",       [HFGIT_PICKLE_BOOL] = "a bool",
		[HFGIT_PICKLE_INT] = "an int",      [HFGIT_PICKLE_BIGINT] = "a big int",
		[HFGIT_PICKLE_FLOAT] = "a float",   [HFGIT_PICKLE_STR] = "a str",
		[HFGIT_PICKLE_BYTES] = "bytes",     [HFGIT_PICKLE_TUPLE] = "a tuple",
		[HFGIT_PICKLE_LIST] = "a list",     [HFGIT_PICKLE_DICT] = "a dict",
		[HFGIT_PICKLE_GLOBAL] = "a global", [HFGIT_PICKLE_STORAGE] = "a storage",
		[HFGIT_PICKLE_TENSOR] = "a tensor",
	};
	return (unsigned)kind < sizeof(names) / sizeof(names[0]) ? names[kind] : "?";
}

/* ---------------------------------------------------------------------------------------- */
/* Memory                                                                                    */

/* What a function that returned NULL from an allocation had already reported. */
static int allocation_error(void)
{
	int rc = hfgit_error_last_code();

	return rc < 0 ? rc : HFGIT_ERROR;
}

static void *arena_alloc(struct machine *m, size_t size)
{
	hfgit_pickle *p = m->pickle;
	struct chunk *c = p->chunks;
	void *at;

	size = (size + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	if (size == 0)
		size = ARENA_ALIGN;
	if (!c || c->size - c->used < size) {
		size_t want = size > ARENA_CHUNK ? size : ARENA_CHUNK;
		if (want > ARENA_LIMIT - p->total) {
			fail(m, "the pickle needs more than %zu MiB of memory, far more than a state dict",
			     ARENA_LIMIT >> 20);
			return NULL;
		}
		if (!(c = calloc(1, sizeof(*c))) || !(c->mem = malloc(want))) {
			free(c);
			hfgit_error__oom();
			return NULL;
		}
		c->size = want;
		c->next = p->chunks;
		p->chunks = c;
		p->total += want;
	}
	at = c->mem + c->used;
	c->used += size;
	return at;
}

static hfgit_pickle_value *new_value(struct machine *m, hfgit_pickle_kind kind)
{
	hfgit_pickle_value *v = arena_alloc(m, sizeof(*v));

	if (v) {
		memset(v, 0, sizeof(*v));
		v->kind = kind;
	}
	return v;
}

static hfgit_pickle_value *new_bytes(struct machine *m, hfgit_pickle_kind kind, const void *ptr,
                                     size_t len)
{
	hfgit_pickle_value *v;
	char *copy;

	if (len == SIZE_MAX || !(copy = arena_alloc(m, len + 1)) || !(v = new_value(m, kind)))
		return NULL;
	memcpy(copy, ptr, len);
	copy[len] = '\0';
	v->as.bytes.ptr = copy;
	v->as.bytes.len = len;
	return v;
}

/* A tuple, list or dict holding `count` items copied from `items`. */
static hfgit_pickle_value *new_seq(struct machine *m, hfgit_pickle_kind kind,
                                   hfgit_pickle_value *const *items, size_t count)
{
	hfgit_pickle_value *v = new_value(m, kind);

	if (!v)
		return NULL;
	if (count) {
		if (!(v->as.seq.items = arena_alloc(m, count * sizeof(*items))))
			return NULL;
		memcpy(v->as.seq.items, items, count * sizeof(*items));
	}
	v->as.seq.len = v->cap = count;
	return v;
}

/* Room for `extra` more items; the old array stays in the arena (at most the size of the
 * final one, since arrays double). */
static int seq_reserve(struct machine *m, hfgit_pickle_value *v, size_t extra)
{
	hfgit_pickle_value **grown;
	size_t cap = v->cap ? v->cap : 4;

	if (v->cap - v->as.seq.len >= extra)
		return 0;
	while (cap - v->as.seq.len < extra) {
		if (cap > STACK_LIMIT * 4)
			return fail(m, "a container grows beyond %zu items", STACK_LIMIT * 4);
		cap *= 2;
	}
	if (!(grown = arena_alloc(m, cap * sizeof(*grown))))
		return allocation_error();
	if (v->as.seq.len)
		memcpy(grown, v->as.seq.items, v->as.seq.len * sizeof(*grown));
	v->as.seq.items = grown;
	v->cap = cap;
	return 0;
}

static int seq_extend(struct machine *m, hfgit_pickle_value *v, hfgit_pickle_value *const *items,
                      size_t count)
{
	int rc;

	if (!count)
		return 0;
	if ((rc = seq_reserve(m, v, count)) < 0)
		return rc;
	memcpy(v->as.seq.items + v->as.seq.len, items, count * sizeof(*items));
	v->as.seq.len += count;
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Stack, marks and memo                                                                     */

static int push(struct machine *m, hfgit_pickle_value *v)
{
	if (!v)
		return allocation_error();
	if (m->depth == m->stack_cap) {
		size_t cap = m->stack_cap ? m->stack_cap * 2 : 64;
		hfgit_pickle_value **grown;
		if (m->depth >= STACK_LIMIT)
			return fail(m, "the pickle stack grows beyond %zu items", STACK_LIMIT);
		if (!(grown = realloc(m->stack, cap * sizeof(*grown))))
			return hfgit_error__oom();
		m->stack = grown;
		m->stack_cap = cap;
	}
	m->stack[m->depth++] = v;
	return 0;
}

/* Items below the innermost MARK belong to an enclosing frame and are out of reach. */
static size_t frame_base(const struct machine *m)
{
	return m->nmarks ? m->marks[m->nmarks - 1] : 0;
}

/*
 * The helpers below that hand back a value through a pointer write it on failure too (NULL,
 * 0, an empty range), so that no caller is ever left with an uninitialised variable: the
 * compiler cannot tell that fail() returns a negative code.
 */
static int pop(struct machine *m, hfgit_pickle_value **v)
{
	*v = NULL;
	if (m->depth <= frame_base(m))
		return fail(m, "an opcode takes more items than the stack holds");
	*v = m->stack[--m->depth];
	return 0;
}

static int peek(struct machine *m, hfgit_pickle_value **v)
{
	*v = NULL;
	if (m->depth <= frame_base(m))
		return fail(m, "an opcode needs an item the stack does not hold");
	*v = m->stack[m->depth - 1];
	return 0;
}

static int push_mark(struct machine *m)
{
	if (m->nmarks == m->marks_cap) {
		size_t cap = m->marks_cap ? m->marks_cap * 2 : 16;
		size_t *grown;
		if (m->nmarks >= MARK_LIMIT)
			return fail(m, "the pickle nests more than %zu MARKs", MARK_LIMIT);
		if (!(grown = realloc(m->marks, cap * sizeof(*grown))))
			return hfgit_error__oom();
		m->marks = grown;
		m->marks_cap = cap;
	}
	m->marks[m->nmarks++] = m->depth;
	return 0;
}

/* Close the innermost MARK: the items above it are stack[*start .. depth). */
static int pop_mark(struct machine *m, size_t *start)
{
	*start = m->depth; /* no items */
	if (!m->nmarks)
		return fail(m, "an opcode takes the items above a MARK, but there is no MARK");
	*start = m->marks[--m->nmarks];
	return 0;
}

static int memo_put(struct machine *m, uint64_t index)
{
	hfgit_pickle_value *v;
	int rc;

	if ((rc = peek(m, &v)) < 0)
		return rc;
	/* Pickles number memo entries 0, 1, 2, ...: an index beyond the pickle's own length
	 * could only serve to make the memo big. */
	if (index >= MEMO_LIMIT || index > m->len + 256)
		return fail(m, "memo index %llu is out of range", (unsigned long long)index);
	if (index >= m->memo_cap) {
		size_t cap = m->memo_cap ? m->memo_cap : 64;
		hfgit_pickle_value **grown;
		while (cap <= index)
			cap *= 2;
		if (!(grown = realloc(m->memo, cap * sizeof(*grown))))
			return hfgit_error__oom();
		memset(grown + m->memo_cap, 0, (cap - m->memo_cap) * sizeof(*grown));
		m->memo = grown;
		m->memo_cap = cap;
	}
	if (!m->memo[index])
		m->memo_count++;
	m->memo[index] = v;
	return 0;
}

static int memo_get(struct machine *m, uint64_t index)
{
	if (index >= m->memo_cap || !m->memo[index])
		return fail(m, "the pickle uses memo entry %llu before storing it",
		            (unsigned long long)index);
	return push(m, m->memo[index]);
}

/* ---------------------------------------------------------------------------------------- */
/* Reading operands                                                                          */

static int take(struct machine *m, size_t n, const unsigned char **p)
{
	*p = NULL;
	if (m->len - m->pos < n)
		return truncated(m);
	*p = m->data + m->pos;
	m->pos += n;
	return 0;
}

static uint64_t read_le(const unsigned char *p, size_t n)
{
	uint64_t v = 0;

	while (n--)
		v = v << 8 | p[n];
	return v;
}

static int take_le(struct machine *m, size_t n, uint64_t *v)
{
	const unsigned char *p;
	int rc;

	*v = 0;
	if ((rc = take(m, n, &p)) < 0)
		return rc;
	*v = read_le(p, n);
	return 0;
}

/* A newline-terminated line of GLOBAL, without the newline. */
static int take_line(struct machine *m, const char **line, size_t *len)
{
	const unsigned char *start = m->data + m->pos;
	const unsigned char *nl = memchr(start, '\n', m->len - m->pos);

	*line = NULL;
	*len = 0;
	if (!nl)
		return truncated(m);
	*line = (const char *)start;
	*len = (size_t)(nl - start);
	m->pos += *len + 1;
	return 0;
}

static hfgit_pickle_value *new_int(struct machine *m, int64_t i)
{
	hfgit_pickle_value *v = new_value(m, HFGIT_PICKLE_INT);

	if (v)
		v->as.integer = i;
	return v;
}

/* LONG1/LONG4: little-endian two's complement of any length. */
static hfgit_pickle_value *new_long(struct machine *m, const unsigned char *b, size_t n)
{
	uint64_t u;
	int64_t i;

	/* Bytes that only repeat the sign are not needed to hold the value. */
	while (n > 8 && ((b[n - 1] == 0 && !(b[n - 2] & 0x80)) ||
	                 (b[n - 1] == 0xff && (b[n - 2] & 0x80))))
		n--;
	if (n > 8)
		return new_bytes(m, HFGIT_PICKLE_BIGINT, b, n);
	u = read_le(b, n);
	if (n > 0 && n < 8 && (b[n - 1] & 0x80))
		u |= ~(uint64_t)0 << (8 * n);
	memcpy(&i, &u, sizeof(i));
	return new_int(m, i);
}

static int op_long(struct machine *m, size_t length_bytes)
{
	const unsigned char *b;
	uint64_t n;
	int rc;

	if ((rc = take_le(m, length_bytes, &n)) < 0)
		return rc;
	if (length_bytes == 4 && (n & 0x80000000u))
		return fail(m, "LONG4 has a negative length");
	if (n > m->len - m->pos)
		return truncated(m);
	if ((rc = take(m, (size_t)n, &b)) < 0)
		return rc;
	return push(m, new_long(m, b, (size_t)n));
}

static int op_binint(struct machine *m, size_t n)
{
	uint64_t u;
	int rc;

	if ((rc = take_le(m, n, &u)) < 0)
		return rc;
	/* BININT is signed 32-bit; BININT1 and BININT2 are unsigned. */
	if (n == 4)
		return push(m, new_int(m, (int32_t)(uint32_t)u));
	return push(m, new_int(m, (int64_t)u));
}

static int op_binfloat(struct machine *m)
{
	const unsigned char *p;
	hfgit_pickle_value *v;
	uint64_t bits = 0;
	int rc, i;

	if ((rc = take(m, 8, &p)) < 0)
		return rc;
	for (i = 0; i < 8; i++) /* big-endian, unlike everything else */
		bits = bits << 8 | p[i];
	if ((v = new_value(m, HFGIT_PICKLE_FLOAT)))
		memcpy(&v->as.real, &bits, sizeof(bits));
	return push(m, v);
}

static int op_counted_bytes(struct machine *m, size_t length_bytes, hfgit_pickle_kind kind)
{
	const unsigned char *b;
	uint64_t n;
	int rc;

	if ((rc = take_le(m, length_bytes, &n)) < 0)
		return rc;
	if (n > m->len - m->pos)
		return truncated(m);
	if ((rc = take(m, (size_t)n, &b)) < 0)
		return rc;
	return push(m, new_bytes(m, kind, b, (size_t)n));
}

/* ---------------------------------------------------------------------------------------- */
/* Containers                                                                                */

static int op_build_seq(struct machine *m, hfgit_pickle_kind kind)
{
	hfgit_pickle_value *v;
	size_t start;
	int rc;

	if ((rc = pop_mark(m, &start)) < 0)
		return rc;
	if (kind == HFGIT_PICKLE_DICT && (m->depth - start) % 2)
		return fail(m, "DICT has a key without a value");
	if (start == m->depth && kind == HFGIT_PICKLE_TUPLE)
		v = &m->pickle->empty_tuple;
	else
		v = new_seq(m, kind, m->stack + start, m->depth - start);
	m->depth = start;
	return push(m, v);
}

static int op_small_tuple(struct machine *m, size_t n)
{
	hfgit_pickle_value *v;
	size_t start;

	if (m->depth - frame_base(m) < n)
		return fail(m, "TUPLE%zu needs %zu items on the stack", n, n);
	start = m->depth - n;
	v = new_seq(m, HFGIT_PICKLE_TUPLE, m->stack + start, n);
	m->depth = start;
	return push(m, v);
}

static int expect_container(struct machine *m, const hfgit_pickle_value *v,
                            hfgit_pickle_kind kind, const char *opcode)
{
	if (v->kind != kind)
		return fail(m, "%s on %s: only %s can take it", opcode, kind_name(v->kind),
		            kind_name(kind));
	return 0;
}

static int op_append(struct machine *m)
{
	hfgit_pickle_value *item, *list;
	int rc;

	if ((rc = pop(m, &item)) < 0 || (rc = peek(m, &list)) < 0 ||
	    (rc = expect_container(m, list, HFGIT_PICKLE_LIST, "APPEND")) < 0)
		return rc;
	return seq_extend(m, list, &item, 1);
}

static int op_appends(struct machine *m)
{
	hfgit_pickle_value *list;
	size_t start, count;
	int rc;

	if ((rc = pop_mark(m, &start)) < 0)
		return rc;
	count = m->depth - start;
	m->depth = start;
	if ((rc = peek(m, &list)) < 0 ||
	    (rc = expect_container(m, list, HFGIT_PICKLE_LIST, "APPENDS")) < 0)
		return rc;
	return seq_extend(m, list, m->stack + start, count);
}

/* SETITEM on anything but a dict is how a pickle reaches object internals
 * (CVE-2026-24747): only dicts take items. */
static int op_setitem(struct machine *m)
{
	hfgit_pickle_value *pair[2], *dict;
	int rc;

	if ((rc = pop(m, &pair[1])) < 0 || (rc = pop(m, &pair[0])) < 0 || (rc = peek(m, &dict)) < 0 ||
	    (rc = expect_container(m, dict, HFGIT_PICKLE_DICT, "SETITEM")) < 0)
		return rc;
	return seq_extend(m, dict, pair, 2);
}

static int op_setitems(struct machine *m)
{
	hfgit_pickle_value *dict;
	size_t start, count;
	int rc;

	if ((rc = pop_mark(m, &start)) < 0)
		return rc;
	count = m->depth - start;
	m->depth = start;
	if ((rc = peek(m, &dict)) < 0 ||
	    (rc = expect_container(m, dict, HFGIT_PICKLE_DICT, "SETITEMS")) < 0)
		return rc;
	if (count % 2)
		return fail(m, "SETITEMS has a key without a value");
	return seq_extend(m, dict, m->stack + start, count);
}

/* ---------------------------------------------------------------------------------------- */
/* Globals: the allow-list                                                                   */

struct allowed_global {
	const char *module, *name;
	hfgit_pickle_global which;
	hfgit_dtype dtype;
	bool untyped;
};

#define STORAGE(name, dtype) { "torch", name, HFGIT_GLOBAL_STORAGE_CLASS, dtype, false }
#define DTYPE(name, dtype) { "torch", name, HFGIT_GLOBAL_DTYPE, dtype, false }
#define REBUILD(name, which) { "torch._utils", name, which, HFGIT_DTYPE_U8, false }

static const struct allowed_global allowed_globals[] = {
	{ "collections", "OrderedDict", HFGIT_GLOBAL_ORDERED_DICT, HFGIT_DTYPE_U8, false },
	REBUILD("_rebuild_tensor", HFGIT_GLOBAL_REBUILD_TENSOR),
	REBUILD("_rebuild_tensor_v2", HFGIT_GLOBAL_REBUILD_TENSOR_V2),
	REBUILD("_rebuild_tensor_v3", HFGIT_GLOBAL_REBUILD_TENSOR_V3),
	REBUILD("_rebuild_parameter", HFGIT_GLOBAL_REBUILD_PARAMETER),
	STORAGE("FloatStorage", HFGIT_DTYPE_F32),
	STORAGE("HalfStorage", HFGIT_DTYPE_F16),
	STORAGE("BFloat16Storage", HFGIT_DTYPE_BF16),
	STORAGE("DoubleStorage", HFGIT_DTYPE_F64),
	STORAGE("LongStorage", HFGIT_DTYPE_I64),
	STORAGE("IntStorage", HFGIT_DTYPE_I32),
	STORAGE("ShortStorage", HFGIT_DTYPE_I16),
	STORAGE("CharStorage", HFGIT_DTYPE_I8),
	STORAGE("ByteStorage", HFGIT_DTYPE_U8),
	STORAGE("BoolStorage", HFGIT_DTYPE_BOOL),
	{ "torch", "UntypedStorage", HFGIT_GLOBAL_STORAGE_CLASS, HFGIT_DTYPE_U8, true },
	DTYPE("float32", HFGIT_DTYPE_F32),
	DTYPE("float16", HFGIT_DTYPE_F16),
	DTYPE("bfloat16", HFGIT_DTYPE_BF16),
	DTYPE("float64", HFGIT_DTYPE_F64),
	DTYPE("int64", HFGIT_DTYPE_I64),
	DTYPE("int32", HFGIT_DTYPE_I32),
	DTYPE("int16", HFGIT_DTYPE_I16),
	DTYPE("int8", HFGIT_DTYPE_I8),
	DTYPE("uint8", HFGIT_DTYPE_U8),
	DTYPE("bool", HFGIT_DTYPE_BOOL),
	DTYPE("uint16", HFGIT_DTYPE_U16),
	DTYPE("uint32", HFGIT_DTYPE_U32),
	DTYPE("uint64", HFGIT_DTYPE_U64),
	DTYPE("float8_e4m3fn", HFGIT_DTYPE_F8_E4M3),
	DTYPE("float8_e5m2", HFGIT_DTYPE_F8_E5M2),
};

static bool same_text(const char *a, size_t a_len, const char *b)
{
	return strlen(b) == a_len && memcmp(a, b, a_len) == 0;
}

/* "module.name", quoted for a message. */
static void quote_global(char *out, size_t size, const char *module, size_t module_len,
                         const char *name, size_t name_len)
{
	char m_quoted[QUOTED_SIZE], n_quoted[QUOTED_SIZE];

	hfgit_quote__bytes(m_quoted, sizeof(m_quoted), module, module_len);
	hfgit_quote__bytes(n_quoted, sizeof(n_quoted), name, name_len);
	snprintf(out, size, "%s.%s", m_quoted, n_quoted);
}

/*
 * The only place a name from the pickle turns into something: a lookup in the allow-list.
 * Nothing is imported, so refusing here is early enough to keep any code from running.
 */
static int push_global(struct machine *m, const char *module, size_t module_len, const char *name,
                       size_t name_len)
{
	char quoted[2 * QUOTED_SIZE + 2];
	hfgit_pickle_value *v;
	size_t i;

	for (i = 0; i < sizeof(allowed_globals) / sizeof(allowed_globals[0]); i++) {
		const struct allowed_global *g = &allowed_globals[i];
		if (!same_text(module, module_len, g->module) || !same_text(name, name_len, g->name))
			continue;
		if ((v = new_value(m, HFGIT_PICKLE_GLOBAL))) {
			v->as.global.which = g->which;
			v->as.global.dtype = g->dtype;
			v->as.global.untyped = g->untyped;
		}
		return push(m, v);
	}
	quote_global(quoted, sizeof(quoted), module, module_len, name, name_len);
	if (module_len >= 5 && !memcmp(module, "torch", 5) && (module_len == 5 || module[5] == '.'))
		return fail(m,
		            "pickle asks for %s, which hfgit does not load (it reads dense tensors of "
		            "the usual dtypes): refusing to load",
		            quoted);
	return fail(m, "pickle asks for %s, which a state dict never needs: refusing to load",
	            quoted);
}

static int op_global(struct machine *m)
{
	const char *module, *name;
	size_t module_len, name_len;
	int rc;

	if ((rc = take_line(m, &module, &module_len)) < 0 || (rc = take_line(m, &name, &name_len)) < 0)
		return rc;
	return push_global(m, module, module_len, name, name_len);
}

static int op_stack_global(struct machine *m)
{
	hfgit_pickle_value *module, *name;
	int rc;

	if ((rc = pop(m, &name)) < 0 || (rc = pop(m, &module)) < 0)
		return rc;
	if (module->kind != HFGIT_PICKLE_STR || name->kind != HFGIT_PICKLE_STR)
		return fail(m, "STACK_GLOBAL needs two strings, got %s and %s", kind_name(module->kind),
		            kind_name(name->kind));
	return push_global(m, module->as.bytes.ptr, module->as.bytes.len, name->as.bytes.ptr,
	                   name->as.bytes.len);
}

/* ---------------------------------------------------------------------------------------- */
/* Storages and tensors                                                                      */

static bool is_str(const hfgit_pickle_value *v, const char *s)
{
	return v->kind == HFGIT_PICKLE_STR && same_text(v->as.bytes.ptr, v->as.bytes.len, s);
}

static bool as_count(const hfgit_pickle_value *v, uint64_t *out)
{
	if (v->kind != HFGIT_PICKLE_INT || v->as.integer < 0)
		return false;
	*out = (uint64_t)v->as.integer;
	return true;
}

/* A storage key becomes a record name and a C string: no NUL inside. */
static bool is_key(const hfgit_pickle_value *v)
{
	return v->kind == HFGIT_PICKLE_STR && !memchr(v->as.bytes.ptr, '\0', v->as.bytes.len);
}

/* Storage keys come from the file: quoted before they go into a message. */
static const char *quote_key(char *out, size_t size, const char *key)
{
	hfgit_quote__bytes(out, size, key, strlen(key));
	return out;
}

static int read_view_metadata(struct machine *m, const hfgit_pickle_value *view,
                              hfgit_pickle_storage_ref *ref)
{
	char quoted[QUOTED_SIZE];

	if (view->kind == HFGIT_PICKLE_NONE)
		return 0;
	if (view->kind != HFGIT_PICKLE_TUPLE || view->as.seq.len != 3 ||
	    !is_key(view->as.seq.items[0]) ||
	    !as_count(view->as.seq.items[1], &ref->view_offset) ||
	    !as_count(view->as.seq.items[2], &ref->view_numel))
		return fail(m, "storage view metadata is not (key, offset, size)");
	if (ref->view_offset > ref->numel || ref->view_numel > ref->numel - ref->view_offset)
		return fail(m, "a view of storage '%s' reaches past its %llu elements",
		            quote_key(quoted, sizeof(quoted), ref->key), (unsigned long long)ref->numel);
	ref->is_view = true;
	ref->view_key = view->as.seq.items[0]->as.bytes.ptr;
	ref->view_key_len = view->as.seq.items[0]->as.bytes.len;
	return 0;
}

/* BINPERSID: ('storage', <torch.XStorage>, key, location, numel[, view metadata]). */
static int op_binpersid(struct machine *m)
{
	hfgit_pickle_storage_ref ref = { 0 };
	hfgit_pickle_value *pid, *v, **item;
	char quoted[QUOTED_SIZE];
	void *handle = NULL;
	uint64_t nbytes = 0;
	size_t esize;
	int rc;

	if ((rc = pop(m, &pid)) < 0)
		return rc;
	if (!m->opts || !m->opts->storage)
		return fail(m, "a persistent id appears where no storage can be: refusing to load");
	if (pid->kind != HFGIT_PICKLE_TUPLE || pid->as.seq.len < 1 ||
	    !is_str(pid->as.seq.items[0], "storage"))
		return fail(m, "a persistent id is not a ('storage', ...) tuple, the only kind a "
		               "state dict has: refusing to load");
	item = pid->as.seq.items;
	if (pid->as.seq.len != 5 && pid->as.seq.len != 6)
		return fail(m, "a storage persistent id has %zu fields, not 5 (or 6 in the legacy format)",
		            pid->as.seq.len);
	if (item[1]->kind != HFGIT_PICKLE_GLOBAL ||
	    item[1]->as.global.which != HFGIT_GLOBAL_STORAGE_CLASS ||
	    !is_key(item[2]) || item[3]->kind != HFGIT_PICKLE_STR || !as_count(item[4], &ref.numel))
		return fail(m, "a storage persistent id is not (storage class, key, location, numel)");
	ref.key = item[2]->as.bytes.ptr;
	ref.key_len = item[2]->as.bytes.len;
	ref.location = item[3]->as.bytes.ptr;
	ref.dtype = item[1]->as.global.dtype;
	ref.untyped = item[1]->as.global.untyped;
	esize = hfgit_dtype__size(ref.dtype);
	if (ref.numel > SIZE_MAX / esize)
		return fail(m, "storage '%s' claims %llu elements, more than memory can hold",
		            quote_key(quoted, sizeof(quoted), ref.key), (unsigned long long)ref.numel);
	ref.nbytes = ref.numel * esize;
	if (pid->as.seq.len == 6 && (rc = read_view_metadata(m, item[5], &ref)) < 0)
		return rc;
	if ((rc = m->opts->storage(m->opts->payload, &ref, &handle, &nbytes)) < 0)
		return rc;
	if ((v = new_value(m, HFGIT_PICKLE_STORAGE))) {
		v->as.storage.handle = handle;
		v->as.storage.key = ref.is_view ? ref.view_key : ref.key;
		v->as.storage.dtype = ref.dtype;
		v->as.storage.nbytes = nbytes;
	}
	return push(m, v);
}

static bool as_dims(const hfgit_pickle_value *v, int64_t *dims, size_t *ndim)
{
	size_t i;

	if ((v->kind != HFGIT_PICKLE_TUPLE && v->kind != HFGIT_PICKLE_LIST) ||
	    v->as.seq.len > HFGIT_MAX_DIMS)
		return false;
	for (i = 0; i < v->as.seq.len; i++) {
		if (v->as.seq.items[i]->kind != HFGIT_PICKLE_INT || v->as.seq.items[i]->as.integer < 0)
			return false;
		dims[i] = v->as.seq.items[i]->as.integer;
	}
	*ndim = v->as.seq.len;
	return true;
}

static void format_dims(char *out, size_t size, const int64_t *dims, size_t ndim)
{
	size_t o = 0, i;

	o += (size_t)snprintf(out, size, "[");
	for (i = 0; i < ndim && o < size; i++)
		o += (size_t)snprintf(out + o, size - o, "%s%lld", i ? ", " : "", (long long)dims[i]);
	if (o < size)
		snprintf(out + o, size - o, "]");
}

/* The last element a strided view reaches, in elements from its first; false on overflow. */
static bool view_extent(const hfgit_pickle_tensor *t, uint64_t *last)
{
	uint64_t sum = 0, step;
	size_t i;

	for (i = 0; i < t->ndim; i++) {
		if (__builtin_mul_overflow((uint64_t)(t->shape[i] - 1), (uint64_t)t->strides[i], &step) ||
		    __builtin_add_overflow(sum, step, &sum))
			return false;
	}
	*last = sum;
	return true;
}

/* torch's is_contiguous: row-major strides, where dimensions of size 1 may have any. */
static bool is_row_major(const hfgit_pickle_tensor *t, const int64_t *row_major)
{
	size_t i;

	for (i = 0; i < t->ndim; i++) {
		if (t->shape[i] != 1 && t->strides[i] != row_major[i])
			return false;
	}
	return true;
}

static int check_view_in_storage(struct machine *m, hfgit_pickle_tensor *t, uint64_t offset,
                                 const hfgit_pickle_value *storage)
{
	uint64_t last, end, esize = hfgit_dtype__size(t->dtype);
	char shape[160], strides[160], quoted[QUOTED_SIZE];
	bool ok;

	ok = view_extent(t, &last) && !__builtin_mul_overflow(offset, esize, &t->byte_offset) &&
	     !__builtin_mul_overflow(last + 1, esize, &t->nbytes) &&
	     !__builtin_add_overflow(t->byte_offset, t->nbytes, &end) &&
	     end <= storage->as.storage.nbytes;
	if (ok)
		return 0;
	format_dims(shape, sizeof(shape), t->shape, t->ndim);
	format_dims(strides, sizeof(strides), t->strides, t->ndim);
	return fail(m,
	            "a tensor of %s (offset %llu, shape %s, strides %s) reaches past the %llu bytes of "
	            "storage '%s': refusing to load",
	            hfgit_dtype__name(t->dtype), (unsigned long long)offset, shape, strides,
	            (unsigned long long)storage->as.storage.nbytes,
	            quote_key(quoted, sizeof(quoted), storage->as.storage.key));
}

/*
 * torch._utils._rebuild_tensor: tensor.set_(storage, offset, size, stride), done here as a
 * bounds-checked description of the view. `dtype` is the storage's unless _rebuild_tensor_v3
 * names one (its storage is then untyped bytes).
 */
static int rebuild_tensor(struct machine *m, hfgit_pickle_value **result,
                          hfgit_pickle_value *const *args, const hfgit_pickle_value *dtype)
{
	const hfgit_pickle_value *storage = args[0];
	int64_t row_major[HFGIT_MAX_DIMS];
	char quoted[QUOTED_SIZE];
	hfgit_pickle_tensor *t;
	size_t nstrides = 0, numel;
	uint64_t offset;
	int rc;

	if (storage->kind != HFGIT_PICKLE_STORAGE)
		return fail(m, "a tensor is rebuilt from %s instead of a storage",
		            kind_name(storage->kind));
	if (!(t = arena_alloc(m, sizeof(*t))))
		return allocation_error();
	memset(t, 0, sizeof(*t));
	t->storage = storage->as.storage.handle;
	t->storage_key = storage->as.storage.key;
	t->dtype = dtype ? dtype->as.global.dtype : storage->as.storage.dtype;
	if (!as_count(args[1], &offset) || !as_dims(args[2], t->shape, &t->ndim) ||
	    !as_dims(args[3], t->strides, &nstrides) || nstrides != t->ndim)
		return fail(m,
		            "a tensor of storage '%s' does not have a non-negative offset and at most %d "
		            "non-negative sizes with as many strides",
		            quote_key(quoted, sizeof(quoted), storage->as.storage.key), HFGIT_MAX_DIMS);
	if (!hfgit_tensor__contiguous_strides(row_major, t->shape, t->ndim, &numel) ||
	    numel > UINT64_MAX / hfgit_dtype__size(t->dtype))
		return fail(m, "a tensor of storage '%s' has more elements than memory can hold",
		            quote_key(quoted, sizeof(quoted), storage->as.storage.key));
	t->numel = numel;
	if (numel && (rc = check_view_in_storage(m, t, offset, storage)) < 0)
		return rc;
	t->contiguous = numel == 0 || is_row_major(t, row_major);
	if (t->contiguous)
		memcpy(t->strides, row_major, sizeof(row_major));
	if ((*result = new_value(m, HFGIT_PICKLE_TENSOR)))
		(*result)->as.tensor = t;
	return *result ? 0 : allocation_error();
}

static bool is_flag(const hfgit_pickle_value *v)
{
	return v->kind == HFGIT_PICKLE_BOOL || v->kind == HFGIT_PICKLE_INT;
}

/* Backward hooks are never saved (torch writes an empty OrderedDict); metadata only
 * marks conjugate or negative views of complex tensors, which hfgit does not have. */
static int check_tensor_extras(struct machine *m, hfgit_pickle_value *const *args, size_t n,
                               size_t metadata_at)
{
	if (!is_flag(args[4]) ||
	    (args[5]->kind != HFGIT_PICKLE_DICT && args[5]->kind != HFGIT_PICKLE_NONE))
		return fail(m, "a tensor's requires_grad or backward hooks are not a bool and a dict");
	if (n > metadata_at && args[metadata_at]->kind != HFGIT_PICKLE_NONE &&
	    !(args[metadata_at]->kind == HFGIT_PICKLE_DICT && args[metadata_at]->as.seq.len == 0))
		return fail(m, "a tensor carries metadata (conjugate or negative bits), which hfgit "
		               "does not support: refusing to load");
	return 0;
}

static int call_rebuild(struct machine *m, hfgit_pickle_global which,
                        hfgit_pickle_value *const *args, size_t n, hfgit_pickle_value **result)
{
	int rc;

	switch (which) {
	case HFGIT_GLOBAL_REBUILD_TENSOR:
		if (n != 4)
			break;
		return rebuild_tensor(m, result, args, NULL);
	case HFGIT_GLOBAL_REBUILD_TENSOR_V2:
		if (n != 6 && n != 7)
			break;
		if ((rc = check_tensor_extras(m, args, n, 6)) < 0)
			return rc;
		return rebuild_tensor(m, result, args, NULL);
	case HFGIT_GLOBAL_REBUILD_TENSOR_V3:
		if (n != 7 && n != 8)
			break;
		if (args[6]->kind != HFGIT_PICKLE_GLOBAL || args[6]->as.global.which != HFGIT_GLOBAL_DTYPE)
			return fail(m, "_rebuild_tensor_v3 is given %s instead of a dtype",
			            kind_name(args[6]->kind));
		if ((rc = check_tensor_extras(m, args, n, 7)) < 0)
			return rc;
		return rebuild_tensor(m, result, args, args[6]);
	case HFGIT_GLOBAL_REBUILD_PARAMETER:
		if (n != 3)
			break;
		if (args[0]->kind != HFGIT_PICKLE_TENSOR || !is_flag(args[1]))
			return fail(m, "_rebuild_parameter is not given a tensor and a bool");
		*result = args[0]; /* a Parameter is its tensor, for hfgit */
		return 0;
	default:
		return fail(m, "internal: %d is not a rebuild function", (int)which);
	}
	return fail(m, "a torch._utils rebuild function is called with %zu arguments", n);
}

/* REDUCE: only the allow-listed callables, each implemented here. */
static int op_reduce(struct machine *m)
{
	hfgit_pickle_value *args, *fn, *result = NULL;
	int rc;

	if ((rc = pop(m, &args)) < 0 || (rc = peek(m, &fn)) < 0)
		return rc;
	if (fn->kind != HFGIT_PICKLE_GLOBAL)
		return fail(m, "REDUCE calls %s, which is not callable: refusing to load",
		            kind_name(fn->kind));
	if (args->kind != HFGIT_PICKLE_TUPLE)
		return fail(m, "REDUCE's arguments are %s, not a tuple", kind_name(args->kind));
	switch (fn->as.global.which) {
	case HFGIT_GLOBAL_ORDERED_DICT:
		if (args->as.seq.len != 0)
			return fail(m, "OrderedDict is called with arguments, which torch.save never writes");
		if ((result = new_value(m, HFGIT_PICKLE_DICT)))
			result->ordered_dict = true;
		rc = result ? 0 : allocation_error();
		break;
	case HFGIT_GLOBAL_STORAGE_CLASS:
	case HFGIT_GLOBAL_DTYPE:
		return fail(m, "REDUCE calls a torch storage class or dtype, which a state dict "
		               "never does: refusing to load");
	default:
		rc = call_rebuild(m, fn->as.global.which, args->as.seq.items, args->as.seq.len, &result);
	}
	if (rc < 0)
		return rc;
	m->stack[m->depth - 1] = result;
	return 0;
}

/* NEWOBJ (cls.__new__(cls, *args)): only an empty OrderedDict is harmless enough. */
static int op_newobj(struct machine *m)
{
	hfgit_pickle_value *args, *cls, *v;
	int rc;

	if ((rc = pop(m, &args)) < 0 || (rc = pop(m, &cls)) < 0)
		return rc;
	if (cls->kind != HFGIT_PICKLE_GLOBAL || cls->as.global.which != HFGIT_GLOBAL_ORDERED_DICT ||
	    args->kind != HFGIT_PICKLE_TUPLE || args->as.seq.len != 0)
		return fail(m, "NEWOBJ builds something other than an empty OrderedDict: refusing to load");
	if ((v = new_value(m, HFGIT_PICKLE_DICT)))
		v->ordered_dict = true;
	return push(m, v);
}

/*
 * BUILD sets an object's state. The one object of a state dict that has state is the
 * OrderedDict of model.state_dict(), whose _metadata (module versions) hfgit does not need.
 */
static int op_build(struct machine *m)
{
	hfgit_pickle_value *state, *inst;
	int rc;

	if ((rc = pop(m, &state)) < 0 || (rc = peek(m, &inst)) < 0)
		return rc;
	if (inst->kind != HFGIT_PICKLE_DICT || !inst->ordered_dict)
		return fail(m, "BUILD sets the state of %s; only an OrderedDict's may be set: "
		               "refusing to load",
		            kind_name(inst->kind));
	if (state->kind != HFGIT_PICKLE_DICT && state->kind != HFGIT_PICKLE_NONE)
		return fail(m, "BUILD gives an OrderedDict %s as its state instead of a dict",
		            kind_name(state->kind));
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* The machine                                                                               */

static int op_proto(struct machine *m)
{
	const unsigned char *p;
	int rc;

	if ((rc = take(m, 1, &p)) < 0)
		return rc;
	if (*p > HIGHEST_PROTOCOL)
		return fail(m, "pickle protocol %u is newer than %d, the newest hfgit reads", *p,
		            HIGHEST_PROTOCOL);
	return 0;
}

static int op_dup(struct machine *m)
{
	hfgit_pickle_value *v;
	int rc;

	if ((rc = peek(m, &v)) < 0)
		return rc;
	return push(m, v);
}

static int op_pop_mark(struct machine *m)
{
	size_t start;
	int rc;

	if ((rc = pop_mark(m, &start)) < 0)
		return rc;
	m->depth = start;
	return 0;
}

static int op_memo(struct machine *m, size_t index_bytes)
{
	uint64_t index;
	int rc;

	if ((rc = take_le(m, index_bytes, &index)) < 0)
		return rc;
	return memo_put(m, index);
}

static int op_get(struct machine *m, size_t index_bytes)
{
	uint64_t index;
	int rc;

	if ((rc = take_le(m, index_bytes, &index)) < 0)
		return rc;
	return memo_get(m, index);
}

static int unsupported_opcode(struct machine *m, unsigned op)
{
	if (op >= 0x20 && op < 0x7f)
		return fail(m, "pickle opcode '%c' (0x%02x) is not one a state dict uses: refusing to load",
		            (int)op, op);
	return fail(m, "pickle opcode 0x%02x is not one a state dict uses: refusing to load", op);
}

static int step(struct machine *m, unsigned op)
{
	hfgit_pickle_value *v;
	uint64_t skip;

	switch (op) {
	case OP_PROTO: return op_proto(m);
	case OP_FRAME: return take_le(m, 8, &skip); /* frames only help buffered readers */
	case OP_MARK: return push_mark(m);
	case OP_POP: return pop(m, &v);
	case OP_POP_MARK: return op_pop_mark(m);
	case OP_DUP: return op_dup(m);
	case OP_NONE: return push(m, &m->pickle->none);
	case OP_NEWTRUE: return push(m, &m->pickle->yes);
	case OP_NEWFALSE: return push(m, &m->pickle->no);
	case OP_BININT: return op_binint(m, 4);
	case OP_BININT1: return op_binint(m, 1);
	case OP_BININT2: return op_binint(m, 2);
	case OP_LONG1: return op_long(m, 1);
	case OP_LONG4: return op_long(m, 4);
	case OP_BINFLOAT: return op_binfloat(m);
	case OP_SHORT_BINUNICODE: return op_counted_bytes(m, 1, HFGIT_PICKLE_STR);
	case OP_BINUNICODE: return op_counted_bytes(m, 4, HFGIT_PICKLE_STR);
	case OP_BINUNICODE8: return op_counted_bytes(m, 8, HFGIT_PICKLE_STR);
	/* Python 2's str: torch reads it as ASCII text. */
	case OP_SHORT_BINSTRING: return op_counted_bytes(m, 1, HFGIT_PICKLE_STR);
	case OP_BINSTRING: return op_counted_bytes(m, 4, HFGIT_PICKLE_STR);
	case OP_SHORT_BINBYTES: return op_counted_bytes(m, 1, HFGIT_PICKLE_BYTES);
	case OP_BINBYTES: return op_counted_bytes(m, 4, HFGIT_PICKLE_BYTES);
	case OP_BINBYTES8: return op_counted_bytes(m, 8, HFGIT_PICKLE_BYTES);
	case OP_BYTEARRAY8: return op_counted_bytes(m, 8, HFGIT_PICKLE_BYTES);
	case OP_EMPTY_TUPLE: return push(m, &m->pickle->empty_tuple);
	case OP_EMPTY_LIST: return push(m, new_value(m, HFGIT_PICKLE_LIST));
	case OP_EMPTY_DICT: return push(m, new_value(m, HFGIT_PICKLE_DICT));
	case OP_TUPLE: return op_build_seq(m, HFGIT_PICKLE_TUPLE);
	case OP_LIST: return op_build_seq(m, HFGIT_PICKLE_LIST);
	case OP_DICT: return op_build_seq(m, HFGIT_PICKLE_DICT);
	case OP_TUPLE1: return op_small_tuple(m, 1);
	case OP_TUPLE2: return op_small_tuple(m, 2);
	case OP_TUPLE3: return op_small_tuple(m, 3);
	case OP_APPEND: return op_append(m);
	case OP_APPENDS: return op_appends(m);
	case OP_SETITEM: return op_setitem(m);
	case OP_SETITEMS: return op_setitems(m);
	case OP_BINPUT: return op_memo(m, 1);
	case OP_LONG_BINPUT: return op_memo(m, 4);
	case OP_MEMOIZE: return memo_put(m, m->memo_count);
	case OP_BINGET: return op_get(m, 1);
	case OP_LONG_BINGET: return op_get(m, 4);
	case OP_GLOBAL: return op_global(m);
	case OP_STACK_GLOBAL: return op_stack_global(m);
	case OP_REDUCE: return op_reduce(m);
	case OP_NEWOBJ: return op_newobj(m);
	case OP_BUILD: return op_build(m);
	case OP_BINPERSID: return op_binpersid(m);
	default: return unsupported_opcode(m, op);
	}
}

static int run(struct machine *m, hfgit_pickle_value **root)
{
	hfgit_pickle_value *result;
	int rc;

	for (;;) {
		unsigned op;
		m->op_at = m->pos;
		if (m->pos == m->len)
			return fail(m, "the pickle ends without STOP: the file is truncated or damaged");
		op = m->data[m->pos++];
		if (op == OP_STOP) {
			if ((rc = pop(m, &result)) < 0)
				return rc;
			*root = result;
			return 0;
		}
		if ((rc = step(m, op)) < 0)
			return rc;
	}
}

static void init_singletons(hfgit_pickle *p)
{
	p->none.kind = HFGIT_PICKLE_NONE;
	p->yes.kind = HFGIT_PICKLE_BOOL;
	p->yes.as.boolean = true;
	p->no.kind = HFGIT_PICKLE_BOOL;
	p->empty_tuple.kind = HFGIT_PICKLE_TUPLE;
}

int hfgit_unpickle__load(hfgit_pickle **out, hfgit_pickle_value **root, const void *data,
                         size_t len, size_t *consumed, const hfgit_unpickle_options *opts)
{
	struct machine m = { 0 };
	int rc;

	*out = NULL;
	*root = NULL;
	if (!(m.pickle = calloc(1, sizeof(*m.pickle))))
		return hfgit_error__oom();
	init_singletons(m.pickle);
	/* Never NULL, so that the items above a MARK are an array even when there are none. */
	if (!(m.stack = malloc(64 * sizeof(*m.stack)))) {
		hfgit_pickle__free(m.pickle);
		return hfgit_error__oom();
	}
	m.stack_cap = 64;
	m.data = data;
	m.len = len;
	m.opts = opts;
	rc = run(&m, root);
	free(m.stack);
	free(m.marks);
	free(m.memo);
	if (rc < 0) {
		hfgit_pickle__free(m.pickle);
		*root = NULL;
		return rc;
	}
	if (consumed)
		*consumed = m.pos;
	*out = m.pickle;
	return 0;
}

void hfgit_pickle__free(hfgit_pickle *pickle)
{
	struct chunk *c, *next;

	if (!pickle)
		return;
	for (c = pickle->chunks; c; c = next) {
		next = c->next;
		free(c->mem);
		free(c);
	}
	free(pickle);
}

const hfgit_pickle_value *hfgit_pickle__dict_get(const hfgit_pickle_value *dict, const char *key)
{
	size_t i;

	if (dict->kind != HFGIT_PICKLE_DICT)
		return NULL;
	for (i = 0; i + 1 < dict->as.seq.len; i += 2) {
		if (is_str(dict->as.seq.items[i], key))
			return dict->as.seq.items[i + 1];
	}
	return NULL;
}
