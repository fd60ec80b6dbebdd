/*
 * Git LFS pointer files: strict parsing of the one canonical encoding, and that encoding.
 * See pointer.h for the rules and why each one is there.
 *
 * The input is arbitrary bytes of a blob that may or may not be a pointer: it is read in place,
 * never past `len`, and whatever of it a message quotes is cut and escaped.
 */
#include "lfs/pointer.h"
#include "core/error.h"

#include <inttypes.h>
#include <stdlib.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <xxhash.h>

#define VERSION_URL "https://git-lfs.github.com/spec/v1"
#define VERSION_LINE "version " VERSION_URL "\n"
#define OID_PREFIX "sha256:"
#define EXT_PREFIX "ext-"
#define NOT_A_POINTER "not a Git LFS pointer: "

/* Version URLs of Git LFS pre-releases, which git-lfs still reads: named, never accepted. */
static const char *const legacy_versions[] = {
	"https://hawser.github.com/spec/v1",
	"http://git-media.io/v/2",
};

_Static_assert(HFGIT_LFS_POINTER_MIN ==
                   sizeof(VERSION_LINE) - 1 + sizeof("oid " OID_PREFIX) - 1 +
                       HFGIT_LFS_OID_HEXSZ + 1 + sizeof("size 0\n") - 1,
               "HFGIT_LFS_POINTER_MIN is the length of the shortest pointer");

/* Long enough for a whole oid value; longer quotes are cut so the reason still shows. */
#define QUOTE_MAX 80

typedef struct {
	char s[QUOTE_MAX * 4 + 4];
} quoted;

/* A piece of the input, not NUL-terminated. */
typedef struct {
	const char *ptr;
	size_t len;
} span;

struct line {
	unsigned number; /* from 1, for messages */
	span key;
	span value;
};

/* ---------------------------------------------------------------------------------------- */
/* Messages                                                                                  */

/* Control bytes and non-ASCII shown as escapes: the input may be any binary blob. */
static const char *quote(quoted *q, span s)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, n = s.len < QUOTE_MAX ? s.len : QUOTE_MAX;
	char *o = q->s;

	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s.ptr[i];

		if (c == '\n') {
			*o++ = '\\';
			*o++ = 'n';
		} else if (c == '\r') {
			*o++ = '\\';
			*o++ = 'r';
		} else if (c == '\t') {
			*o++ = '\\';
			*o++ = 't';
		} else if (c < 0x20 || c >= 0x7f || c == '\\') {
			*o++ = '\\';
			*o++ = 'x';
			*o++ = hex[c >> 4];
			*o++ = hex[c & 0xf];
		} else {
			*o++ = (char)c;
		}
	}
	if (n < s.len) {
		memcpy(o, "...", 3);
		o += 3;
	}
	*o = '\0';
	return q->s;
}

static int not_a_pointer(const char *fmt, ...) HFGIT_PRINTF(1, 2);

static int not_a_pointer(const char *fmt, ...)
{
	char reason[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(reason, sizeof(reason), fmt, ap);
	va_end(ap);
	return hfgit_error__set(HFGIT_EINVALID, NOT_A_POINTER "%s", reason);
}

/* ---------------------------------------------------------------------------------------- */
/* Pieces                                                                                    */

static span make_span(const char *ptr, size_t len)
{
	span s = { ptr, len };
	return s;
}

static bool span_is(span s, const char *word)
{
	size_t n = strlen(word);
	return s.len == n && memcmp(s.ptr, word, n) == 0;
}

static bool span_starts(span s, const char *prefix)
{
	size_t n = strlen(prefix);
	return s.len >= n && memcmp(s.ptr, prefix, n) == 0;
}

/* Byte order, as the spec's "sorted alphabetically" means for keys of ASCII characters. */
static int span_cmp(span a, span b)
{
	int c = memcmp(a.ptr, b.ptr, a.len < b.len ? a.len : b.len);

	if (c != 0)
		return c;
	return a.len < b.len ? -1 : a.len > b.len;
}

/* strnlen, which C11 lacks: fields of a pointer filled in by hand may be unterminated. */
static size_t bounded_len(const char *s, size_t max)
{
	const char *end = memchr(s, '\0', max);
	return end ? (size_t)(end - s) : max;
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_lower_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool is_key_char(char c)
{
	return (c >= 'a' && c <= 'z') || is_digit(c) || c == '.' || c == '-';
}

/* ---------------------------------------------------------------------------------------- */
/* Lines: "{key} {value}\n"                                                                  */

/*
 * Splits off the line at *pos and checks its shape, leaving the meaning of key and value to the
 * caller. The checks go from the end of the line to its inside.
 */
static int read_line(struct line *l, const char *data, size_t len, size_t *pos)
{
	const char *start = data + *pos;
	const char *nl = memchr(start, '\n', len - *pos);
	const char *space, *tab;
	size_t n;
	quoted q;

	if (!nl)
		return not_a_pointer("line %u does not end in a newline (LF)", l->number);
	n = (size_t)(nl - start);
	if (n == 0)
		return not_a_pointer("line %u is empty", l->number);
	/* The spec says LF, but git-lfs reads lines with Go's bufio.ScanLines, which drops a CR
	 * before the LF: it smudges a CRLF pointer (one written on Windows, say), so we do too. */
	if (start[n - 1] == '\r' && --n == 0)
		return not_a_pointer("line %u is empty", l->number);

	space = memchr(start, ' ', n);
	tab = memchr(start, '\t', n);
	if (tab && (!space || tab < space))
		return not_a_pointer("line %u separates key and value with a tab, not a space",
		                     l->number);
	if (!space)
		return not_a_pointer("line %u '%s' has no space between key and value", l->number,
		                     quote(&q, make_span(start, n)));
	if (space == start)
		return not_a_pointer("line %u starts with a space", l->number);

	l->key = make_span(start, (size_t)(space - start));
	l->value = make_span(space + 1, n - l->key.len - 1);
	if (l->value.len > 0 && l->value.ptr[0] == ' ')
		return not_a_pointer("more than one space after key '%s' on line %u",
		                     quote(&q, l->key), l->number);
	for (n = 0; n < l->key.len; n++) {
		if (!is_key_char(l->key.ptr[n]))
			return not_a_pointer("key '%s' on line %u has characters other than a-z, 0-9, "
			                     "'.' and '-'", quote(&q, l->key), l->number);
	}
	*pos += (size_t)(nl - start) + 1;
	return 0;
}

/*
 * The version line decides whether the blob is a pointer at all, so it is looked at before
 * anything else: most blobs that reach the parser fail here and should say so plainly.
 */
static int check_version(const char *data, size_t len, size_t *pos)
{
	static const char key[] = "version";
	struct line l = { 1, { NULL, 0 }, { NULL, 0 } };
	size_t i;
	int error;
	quoted q;

	if (len >= sizeof(VERSION_LINE) - 1 && memcmp(data, VERSION_LINE, sizeof(VERSION_LINE) - 1) == 0) {
		*pos = sizeof(VERSION_LINE) - 1;
		return 0;
	}
	if (len <= sizeof(key) - 1 || memcmp(data, key, sizeof(key) - 1) != 0 ||
	    (data[sizeof(key) - 1] != ' ' && data[sizeof(key) - 1] != '\t'))
		return not_a_pointer("the first line is not 'version " VERSION_URL "'");

	if ((error = read_line(&l, data, len, pos)) < 0)
		return error;
	if (span_is(l.value, VERSION_URL))
		return 0; /* the version line in CR LF */
	for (i = 0; i < sizeof(legacy_versions) / sizeof(legacy_versions[0]); i++) {
		if (span_is(l.value, legacy_versions[i]))
			return not_a_pointer("version '%s' is that of a Git LFS pre-release and not "
			                     "supported (expected '" VERSION_URL "')", legacy_versions[i]);
	}
	return not_a_pointer("unknown version '%s' (expected '" VERSION_URL "')",
	                     quote(&q, l.value));
}

/* "sha256:" and 64 lowercase hex digits, the form of both the oid and extension values. */
static int parse_oid(char *out, span key, span value)
{
	span hex;
	const char *colon;
	size_t i;
	quoted q, q2;

	if (!span_starts(value, OID_PREFIX)) {
		colon = memchr(value.ptr, ':', value.len);
		if (colon)
			return not_a_pointer("%s hash method '%s' is not sha256", quote(&q, key),
			                     quote(&q2, make_span(value.ptr, (size_t)(colon - value.ptr))));
		return not_a_pointer("%s '%s' does not start with '" OID_PREFIX "'", quote(&q, key),
		                     quote(&q2, value));
	}
	hex = make_span(value.ptr + strlen(OID_PREFIX), value.len - strlen(OID_PREFIX));
	for (i = 0; i < hex.len; i++) {
		char c = hex.ptr[i];

		if (c >= 'A' && c <= 'F')
			return not_a_pointer("%s '%s' has uppercase hex digits (pointers use lowercase)",
			                     quote(&q, key), quote(&q2, value));
		if (!is_lower_hex(c))
			return not_a_pointer("%s '%s' has a character that is not a hex digit",
			                     quote(&q, key), quote(&q2, value));
	}
	if (hex.len != HFGIT_LFS_OID_HEXSZ)
		return not_a_pointer("%s '%s' has %zu hex digits, not %d", quote(&q, key),
		                     quote(&q2, value), hex.len, HFGIT_LFS_OID_HEXSZ);
	if (out) {
		memcpy(out, hex.ptr, HFGIT_LFS_OID_HEXSZ);
		out[HFGIT_LFS_OID_HEXSZ] = '\0';
	}
	return 0;
}

/* One encoding per number: no sign, no leading zeros, no value git-lfs could not read. */
static int parse_size(uint64_t *out, span value)
{
	uint64_t size = 0;
	size_t i;
	quoted q;

	if (value.len == 0)
		return not_a_pointer("size is empty");
	if (value.ptr[0] == '+' || value.ptr[0] == '-')
		return not_a_pointer("size '%s' has a sign", quote(&q, value));
	for (i = 0; i < value.len; i++) {
		if (!is_digit(value.ptr[i]))
			return not_a_pointer("size '%s' is not a decimal number", quote(&q, value));
	}
	if (value.len > 1 && value.ptr[0] == '0')
		return not_a_pointer("size '%s' has a leading zero", quote(&q, value));
	for (i = 0; i < value.len; i++) {
		unsigned digit = (unsigned)(value.ptr[i] - '0');

		if (size > (HFGIT_LFS_SIZE_MAX - digit) / 10)
			return not_a_pointer("size '%s' is larger than Git LFS allows (%" PRIu64 ")",
			                     quote(&q, value), HFGIT_LFS_SIZE_MAX);
		size = size * 10 + digit;
	}
	*out = size;
	return 0;
}

/*
 * "ext-<digit>-<name>", as git-lfs matches it (`ext-\d-\w+` within the key characters). Keys
 * that start with "ext-" but miss this form are reported as such rather than as unknown.
 */
static int check_ext_key(span key)
{
	quoted q;
	char c;

	if (key.len < strlen(EXT_PREFIX) + 3 || !is_digit(key.ptr[4]) || key.ptr[5] != '-')
		return not_a_pointer("extension key '%s' is not ext-<digit>-<name>", quote(&q, key));
	c = key.ptr[6];
	if (c == '.' || c == '-')
		return not_a_pointer("extension key '%s' has a name that does not start with a "
		                     "letter or digit", quote(&q, key));
	return 0;
}

/* ---------------------------------------------------------------------------------------- */
/* Pointers                                                                                  */

enum key_kind { KEY_EXT, KEY_OID, KEY_SIZE };

static int classify_key(enum key_kind *kind, span key)
{
	quoted q;

	if (span_is(key, "oid"))
		*kind = KEY_OID;
	else if (span_is(key, "size"))
		*kind = KEY_SIZE;
	else if (span_starts(key, EXT_PREFIX)) {
		*kind = KEY_EXT;
		return check_ext_key(key);
	} else if (span_is(key, "version"))
		return not_a_pointer("duplicate key 'version'");
	else
		return not_a_pointer("unknown key '%s' (a pointer has only version, "
		                     "ext-<digit>-<name>, oid and size)", quote(&q, key));
	return 0;
}

static int check_order(span key, span previous, bool has_previous)
{
	quoted q, q2;
	int c;

	if (!has_previous)
		return 0;
	c = span_cmp(key, previous);
	if (c == 0)
		return not_a_pointer("duplicate key '%s'", quote(&q, key));
	if (c < 0)
		return not_a_pointer("keys out of order: '%s' after '%s' (keys after version are "
		                     "sorted)", quote(&q, key), quote(&q2, previous));
	return 0;
}

/* What the lines after the version line have said so far. */
struct parse_state {
	hfgit_lfs_pointer p;
	bool has_oid, has_size;
	int last_ext_priority;
	size_t ext_start, ext_end; /* the ext- lines are all between the version and oid lines */
};

static int take_value(struct parse_state *st, enum key_kind kind, const struct line *l,
                      size_t line_end)
{
	int error, priority;

	switch (kind) {
	case KEY_EXT:
		priority = l->key.ptr[4] - '0';
		/* Sorted keys put equal priorities next to each other. */
		if (priority == st->last_ext_priority)
			return not_a_pointer("two extensions have priority %d", priority);
		if ((error = parse_oid(NULL, l->key, l->value)) < 0)
			return error;
		st->last_ext_priority = priority;
		st->ext_end = line_end;
		break;
	case KEY_OID:
		if ((error = parse_oid(st->p.oid, l->key, l->value)) < 0)
			return error;
		st->has_oid = true;
		break;
	case KEY_SIZE:
		if ((error = parse_size(&st->p.size, l->value)) < 0)
			return error;
		st->has_size = true;
		break;
	}
	return 0;
}

static int parse_pointer(struct parse_state *st, const char *data, size_t len)
{
	span previous = { NULL, 0 };
	const char *nul;
	size_t pos = 0;
	unsigned number = 1;
	int error;
	quoted q;

	if (len == 0)
		return not_a_pointer("the blob is empty");
	if (len >= HFGIT_LFS_POINTER_MAX)
		return not_a_pointer("%zu bytes; a pointer is shorter than %d bytes", len,
		                     HFGIT_LFS_POINTER_MAX);
	if ((error = check_version(data, len, &pos)) < 0)
		return error;
	if ((nul = memchr(data, '\0', len)) != NULL)
		return not_a_pointer("NUL byte at offset %zu", (size_t)(nul - data));

	st->ext_start = st->ext_end = pos;
	while (pos < len) {
		struct line l = { ++number, { NULL, 0 }, { NULL, 0 } };
		size_t line_start = pos;
		enum key_kind kind;

		if ((error = read_line(&l, data, len, &pos)) < 0) {
			/* size sorts last among the keys: what follows it can only be junk. */
			if (st->has_size)
				return not_a_pointer("%zu byte%s of trailing data after the size line: '%s'",
				                     len - line_start, len - line_start == 1 ? "" : "s",
				                     quote(&q, make_span(data + line_start, len - line_start)));
			return error;
		}
		/* An unknown key says more than its place in the order. */
		if ((error = classify_key(&kind, l.key)) < 0 ||
		    (error = check_order(l.key, previous, previous.ptr != NULL)) < 0 ||
		    (error = take_value(st, kind, &l, pos)) < 0)
			return error;
		previous = l.key;
	}
	if (!st->has_oid)
		return not_a_pointer("the oid line is missing");
	if (!st->has_size)
		return not_a_pointer("the size line is missing");
	return 0;
}

int hfgit_lfs__pointer_parse(hfgit_lfs_pointer *out, const char *data, size_t len)
{
	struct parse_state st;
	size_t ext_len;
	int error;

	memset(&st, 0, sizeof(st));
	st.last_ext_priority = -1;
	if (out)
		memset(out, 0, sizeof(*out));
	if (!data && len > 0)
		return hfgit_error__set(HFGIT_EINVALID, NOT_A_POINTER "no data (NULL) of %zu bytes", len);
	if ((error = parse_pointer(&st, data, len)) < 0)
		return error;

	/* Cannot overflow: the required lines and the length cutoff leave exactly this room. */
	ext_len = st.ext_end - st.ext_start;
	if (ext_len > HFGIT_LFS_EXT_TEXT_MAX)
		return not_a_pointer("extension lines too long");
	{
		/* The lines as they appeared, less the CR of a CR LF end: canonical text. */
		size_t i, n = 0;
		for (i = st.ext_start; i < st.ext_end; i++)
			if (!(data[i] == '\r' && i + 1 < st.ext_end && data[i + 1] == '\n'))
				st.p.ext[n++] = data[i];
		st.p.ext[n] = '\0';
	}
	if (out)
		*out = st.p;
	return 0;
}

bool hfgit_lfs__pointer_maybe(const char *data, size_t len)
{
	if (len < HFGIT_LFS_POINTER_MIN || len >= HFGIT_LFS_POINTER_MAX)
		return false;
	return !data || memcmp(data, "version ", 8) == 0;
}

/* The bytes of lowercase hex: a clone checks two oids per file, and the two ranges of
 * is_lower_hex are a branch the CPU cannot predict on random digits. */
static const bool lower_hex[256] = {
	['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1, ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1,
	['8'] = 1, ['9'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
};

bool hfgit_lfs__oid_valid(const char *oid, size_t len)
{
	size_t i;

	if (!oid || len != HFGIT_LFS_OID_HEXSZ)
		return false;
	/* stops at the first other byte: a caller's string may end there, before `len` */
	for (i = 0; i < len; i++) {
		if (!lower_hex[(unsigned char)oid[i]])
			return false;
	}
	return true;
}

int hfgit_lfs__pointer_format(char *buf, size_t bufsize, const hfgit_lfs_pointer *p)
{
	int n;

	if (!buf || !p || bufsize == 0)
		return -1;
	if (!hfgit_lfs__oid_valid(p->oid, bounded_len(p->oid, sizeof(p->oid)))) {
		hfgit_error__set(HFGIT_EINVALID, "cannot write a Git LFS pointer: invalid oid");
		return -1;
	}
	if (bounded_len(p->ext, sizeof(p->ext)) == sizeof(p->ext)) {
		hfgit_error__set(HFGIT_EINVALID, "cannot write a Git LFS pointer: unterminated ext text");
		return -1;
	}
	n = snprintf(buf, bufsize, VERSION_LINE "%soid " OID_PREFIX "%s\nsize %" PRIu64 "\n",
	             p->ext, p->oid, p->size);
	if (n < 0 || (size_t)n >= bufsize) {
		hfgit_error__set(HFGIT_EINVALID, "cannot write a Git LFS pointer: %zu bytes of buffer "
		                 "are too few", bufsize);
		return -1;
	}
	/*
	 * A pointer filled in by hand could carry a bad size or ext text; what is written must be
	 * what the parser accepts, or a checkout would write a pointer nobody can read back.
	 */
	if (hfgit_lfs__pointer_parse(NULL, buf, (size_t)n) < 0) {
		hfgit_error__set(HFGIT_EINVALID, "cannot write a Git LFS pointer: %s", hfgit_error_last());
		return -1;
	}
	return n;
}

/* The oid at item `i`. */
#define OID_AT(items, i, stride, offset) ((const char *)(items) + (i) * (stride) + (offset))

/*
 * One pass with a hash table of item indices (open addressing, at most half full): a sort
 * cost N log N string comparisons, a tenth of the look for 100,000 files in the store.
 */
int hfgit_lfs__first_of_each(size_t **out, const void *items, size_t n, size_t stride,
                             size_t offset)
{
	size_t cap = 16, mask, i, *slots, *first;

	*out = NULL;
	while (cap < 2 * n)
		cap *= 2;
	mask = cap - 1;
	slots = malloc(cap * sizeof(*slots));
	first = malloc((n ? n : 1) * sizeof(*first));
	if (!slots || !first) {
		free(slots);
		free(first);
		return hfgit_error__oom();
	}
	for (i = 0; i < cap; i++)
		slots[i] = SIZE_MAX;
	for (i = 0; i < n; i++) {
		const char *oid = OID_AT(items, i, stride, offset);
		size_t h = (size_t)XXH3_64bits(oid, bounded_len(oid, HFGIT_LFS_OID_HEXSZ + 1)) & mask;
		while (slots[h] != SIZE_MAX && strcmp(OID_AT(items, slots[h], stride, offset), oid))
			h = (h + 1) & mask;
		if (slots[h] == SIZE_MAX)
			slots[h] = i;
		first[i] = slots[h];
	}
	free(slots);
	*out = first;
	return 0;
}
