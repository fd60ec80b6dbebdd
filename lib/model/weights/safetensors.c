#include "model/weights/safetensors.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/error.h"
#include "core/strbuf.h"

#define LENGTH_FIELD 8

/* Advice appended to messages, by what the problem says about the file. */
#define TRUNCATED_HINT "; the file is truncated or not a safetensors file: download it again"
#define MALFORMED_HINT "; the file is not valid safetensors: download it again, or save it again with the safetensors library"

/* A key of the header's top-level object as it appears in the text (see scan_header). */
typedef struct {
	size_t start, len;  /* the raw text between the quotes, as offsets into the header */
	size_t nested_keys; /* object keys anywhere inside the value that follows */
} raw_key;

typedef struct {
	hfgit_tensor tensor; /* name borrowed from the parsed header */
	uint64_t begin, end;
} entry;

typedef struct {
	const char *name; /* for messages */
	const unsigned char *header;
	size_t header_len;
	const unsigned char *buffer; /* the data buffer after the header */
	size_t buffer_len;

	/* What scan_header saw in the text, to find the duplicate keys json-c merges away. */
	raw_key *keys;
	size_t nkeys, keys_cap;
	size_t all_keys;

	json_object *root;
	json_object *metadata; /* NULL when absent or null */
	entry *entries;
	size_t nentries;
} parser;

/* "<name>: <problem>", always HFGIT_EINVALID: every caller describes something wrong with the bytes. */
static int invalid(const char *name, const char *fmt, ...) HFGIT_PRINTF(2, 3);
static int invalid(const char *name, const char *fmt, ...)
{
	char problem[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(problem, sizeof(problem), fmt, ap);
	va_end(ap);
	return hfgit_error__set(HFGIT_EINVALID, "%s: %s", name, problem);
}

typedef struct {
	char text[100];
} shown;

/*
 * Names and strings come from the file: cut long ones (at a character boundary) and blank out
 * control characters, so that a message stays readable and cannot garble a terminal.
 */
static const char *show(shown *out, const char *s, size_t len)
{
	size_t cap = sizeof(out->text) - 4, n = len < cap ? len : cap, i;

	if (n < len)
		while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
			n--;
	for (i = 0; i < n; i++)
		out->text[i] = (unsigned char)s[i] < 0x20 || s[i] == 0x7f ? '?' : s[i];
	strcpy(out->text + n, n < len ? "..." : "");
	return out->text;
}

static const char *show_str(shown *out, const char *s)
{
	return show(out, s, strlen(s));
}

/* A JSON value as compact text, cut for a message. */
static const char *show_json(shown *out, json_object *value)
{
	return show_str(out, json_object_to_json_string_ext(value, JSON_C_TO_STRING_PLAIN));
}

static int too_short(const char *name, size_t len)
{
	return invalid(name, "only %zu bytes long, shorter than the %d-byte header length that starts "
	               "every safetensors file" TRUNCATED_HINT, len, LENGTH_FIELD);
}

static int read_layout(parser *p, const unsigned char *data, size_t len)
{
	uint64_t n = 0;
	int i;

	if (len < LENGTH_FIELD)
		return too_short(p->name, len);
	for (i = LENGTH_FIELD - 1; i >= 0; i--)
		n = n << 8 | data[i];
	/* Before anything is allocated for the header: a hostile length must cost nothing. */
	if (n > HFGIT_SAFETENSORS_MAX_HEADER)
		return invalid(p->name, "header length %" PRIu64 " is over the limit of %u bytes"
		               "; this is not a safetensors file (or a hostile one)",
		               n, HFGIT_SAFETENSORS_MAX_HEADER);
	if (n > len - LENGTH_FIELD)
		return invalid(p->name, "header length %" PRIu64 " runs past the end of the file "
		               "(only %zu bytes follow the length field)" TRUNCATED_HINT,
		               n, len - LENGTH_FIELD);
	p->header = data + LENGTH_FIELD;
	p->header_len = (size_t)n;
	p->buffer = p->header + p->header_len;
	p->buffer_len = len - LENGTH_FIELD - p->header_len;
	return 0;
}

/* The length of the well-formed UTF-8 sequence at `s` (RFC 3629: no overlong forms, no
 * surrogates, nothing past U+10FFFF), or 0. json-c's own check lets all of those through. */
static size_t utf8_sequence(const unsigned char *s, size_t avail)
{
	unsigned char lo = 0x80, hi = 0xBF;
	size_t n, i;

	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xC2 && s[0] <= 0xDF)
		n = 2;
	else if (s[0] >= 0xE0 && s[0] <= 0xEF)
		n = 3;
	else if (s[0] >= 0xF0 && s[0] <= 0xF4)
		n = 4;
	else
		return 0;
	if (s[0] == 0xE0)
		lo = 0xA0;
	else if (s[0] == 0xED)
		hi = 0x9F;
	else if (s[0] == 0xF0)
		lo = 0x90;
	else if (s[0] == 0xF4)
		hi = 0x8F;
	if (n > avail)
		return 0;
	for (i = 1; i < n; i++) {
		if (s[i] < lo || s[i] > hi)
			return 0;
		lo = 0x80;
		hi = 0xBF;
	}
	return n;
}

static bool is_json_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

static int remember_key(parser *p, size_t start, size_t len)
{
	if (p->nkeys == p->keys_cap) {
		size_t cap = p->keys_cap ? p->keys_cap * 2 : 64;
		raw_key *grown = realloc(p->keys, cap * sizeof(*grown));
		if (!grown)
			return hfgit_error__oom();
		p->keys = grown;
		p->keys_cap = cap;
	}
	p->keys[p->nkeys].start = start;
	p->keys[p->nkeys].len = len;
	p->keys[p->nkeys].nested_keys = 0;
	p->nkeys++;
	return 0;
}

/*
 * One pass over the header text before json-c sees it, for what json-c does not do:
 *  - strict UTF-8, and no raw control characters (json-c stops at a NUL byte and takes
 *    control characters inside strings);
 *  - no escaped NUL (\u0000): json-c cuts object keys there, so "a\u0000b" would become "a";
 *  - outside strings, only what JSON allows there (json-c takes 'single-quoted' keys);
 *  - a count of object keys (each is followed by the only ':' outside strings), in total and
 *    per top-level key, because json-c keeps the last of duplicate keys without a word. When
 *    json-c then holds fewer keys than the text has, a key was repeated.
 * The text may be any bytes here: the counts mean something only once json-c accepted it.
 */
static int scan_header(parser *p)
{
	const unsigned char *h = p->header;
	size_t n = p->header_len, i = 0, depth = 0, key_start = 0, step;
	bool in_string = false, expect_key = false, is_key = false;
	shown start;
	int rc;

	while (i < n && is_json_space(h[i]))
		i++;
	if (i == n || h[i] != '{')
		return invalid(p->name, "the header is not a JSON object (it starts with '%s')"
		               MALFORMED_HINT, show(&start, (const char *)h + i, n - i < 16 ? n - i : 16));
	while (i < n) {
		unsigned char c = h[i];

		if (c >= 0x80) {
			if (!(step = utf8_sequence(h + i, n - i)))
				return invalid(p->name, "the header is not valid UTF-8 (byte %zu of the header)"
				               MALFORMED_HINT, i);
			i += step;
			continue;
		}
		if (in_string) {
			if (c == '"') {
				in_string = false;
				if (is_key && (rc = remember_key(p, key_start, i - key_start)) < 0)
					return rc;
			} else if (c == '\\') {
				if (n - i >= 6 && !memcmp(h + i + 1, "u0000", 5))
					return invalid(p->name, "the header has an escaped NUL character (\\u0000, "
					               "byte %zu of the header), which names and metadata cannot "
					               "hold" MALFORMED_HINT, i);
				/* Step over the escaped character so that \" does not end the string. */
				if (i + 1 < n && h[i + 1] < 0x80)
					i++;
			} else if (c < 0x20) {
				return invalid(p->name, "the header has a raw control character 0x%02x inside a "
				               "string (byte %zu of the header); JSON requires it escaped"
				               MALFORMED_HINT, c, i);
			}
			i++;
			continue;
		}
		switch (c) {
		case '"':
			in_string = true;
			is_key = depth == 1 && expect_key;
			expect_key = false;
			key_start = i + 1;
			break;
		case '{':
			depth++;
			expect_key = depth == 1;
			break;
		case '[':
			depth++;
			expect_key = false;
			break;
		case '}':
		case ']':
			/* The end of the top-level object: parse_json checks what follows. */
			if (--depth == 0)
				return 0;
			break;
		case ':':
			p->all_keys++;
			if (depth >= 2 && p->nkeys > 0)
				p->keys[p->nkeys - 1].nested_keys++;
			break;
		case ',':
			expect_key = depth == 1;
			break;
		default:
			if (c < 0x20 && !is_json_space(c))
				return invalid(p->name, "the header has a control character 0x%02x (byte %zu "
				               "of the header)" MALFORMED_HINT, c, i);
			/* Only numbers, true, false and null remain. json-c would take more, even in
			 * strict mode ('single-quoted' keys), and would then count keys differently. */
			if (!is_json_space(c) && !strchr("0123456789+-.eEtrufalsn", c))
				return invalid(p->name, "the header is not valid JSON: unexpected '%c' (byte "
				               "%zu of the header)" MALFORMED_HINT, c, i);
		}
		i++;
	}
	return 0;
}

static int parse_json(parser *p)
{
	json_tokener *tok = json_tokener_new();
	enum json_tokener_error error;
	size_t end;

	if (!tok)
		return hfgit_error__oom();
	/* Trailing bytes are checked below, to allow the reference's space padding and name the rest. */
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_ALLOW_TRAILING_CHARS);
	p->root = json_tokener_parse_ex(tok, (const char *)p->header, (int)p->header_len);
	error = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	json_tokener_free(tok);
	if (error == json_tokener_continue)
		return invalid(p->name, "the header's JSON ends before its object is complete"
		               MALFORMED_HINT);
	if (!p->root || error != json_tokener_success)
		return invalid(p->name, "the header is not valid JSON: %s (byte %zu of the header)"
		               MALFORMED_HINT, json_tokener_error_desc(error), end);
	if (!json_object_is_type(p->root, json_type_object))
		return invalid(p->name, "the header is not a JSON object" MALFORMED_HINT);
	for (; end < p->header_len; end++)
		if (!is_json_space(p->header[end]))
			return invalid(p->name, "the header has bytes after its JSON object (byte %zu of "
			               "the header); only space padding may follow it" MALFORMED_HINT, end);
	return 0;
}

/* Keys in `value` and everything inside it; only for headers nested deeper than valid ones.
 * Recursion is bounded by json-c's nesting limit. */
static size_t count_keys(json_object *value)
{
	size_t n = 0, i, len;

	if (json_object_is_type(value, json_type_object)) {
		json_object_object_foreach(value, key, child) {
			(void)key;
			n += 1 + count_keys(child);
		}
	} else if (json_object_is_type(value, json_type_array)) {
		len = json_object_array_length(value);
		for (i = 0; i < len; i++)
			n += count_keys(json_object_array_get_idx(value, i));
	}
	return n;
}

/* The top-level key `k` as json-c reads it (escapes resolved), or NULL. Free it. */
static char *decode_key(const parser *p, const raw_key *k)
{
	json_tokener *tok = json_tokener_new();
	json_object *s = NULL;
	char *out = NULL;

	/* The raw text with its quotes is a JSON document of its own. */
	if (tok)
		s = json_tokener_parse_ex(tok, (const char *)p->header + k->start - 1, (int)k->len + 2);
	if (s && json_object_is_type(s, json_type_string))
		out = hfgit__strdup(json_object_get_string(s));
	json_object_put(s);
	json_tokener_free(tok);
	return out;
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Names the repeated key, once check_duplicates knows there is one: only on the error path. */
static int report_duplicate(parser *p)
{
	char **names = calloc(p->nkeys ? p->nkeys : 1, sizeof(*names));
	char **sorted = calloc(p->nkeys ? p->nkeys : 1, sizeof(*sorted));
	shown name;
	size_t i;
	int rc = 0;

	if (!names || !sorted)
		rc = hfgit_error__oom();
	for (i = 0; !rc && i < p->nkeys; i++)
		if (!(names[i] = sorted[i] = decode_key(p, &p->keys[i])))
			rc = hfgit_error__oom();
	if (!rc) {
		qsort(sorted, p->nkeys, sizeof(*sorted), compare_names);
		for (i = 1; !rc && i < p->nkeys; i++)
			if (!strcmp(sorted[i - 1], sorted[i]))
				rc = invalid(p->name, "the header lists '%s' twice" MALFORMED_HINT,
				             show_str(&name, sorted[i]));
	}
	/* Top-level keys are unique: the repeat is inside one of their values. */
	for (i = 0; !rc && i < p->nkeys; i++) {
		if (count_keys(json_object_object_get(p->root, names[i])) == p->keys[i].nested_keys)
			continue;
		if (!strcmp(names[i], "__metadata__"))
			rc = invalid(p->name, "__metadata__ lists a key twice" MALFORMED_HINT);
		else
			rc = invalid(p->name, "the description of tensor '%s' has a key twice" MALFORMED_HINT,
			             show_str(&name, names[i]));
	}
	if (!rc)
		rc = invalid(p->name, "the header lists a key twice in one object" MALFORMED_HINT);
	for (i = 0; names && i < p->nkeys; i++)
		free(names[i]);
	free(names);
	free(sorted);
	return rc;
}

/*
 * json-c keeps the last of repeated keys silently, which would let a file say two things.
 * The text has at least as many keys in each value as json-c kept, and a valid header nests
 * objects only one level below the top; so when the totals agree at that depth, no value lost
 * a key anywhere, and the common case costs one look at each top-level value.
 */
static int check_duplicates(parser *p)
{
	size_t shallow = 0;

	if ((size_t)json_object_object_length(p->root) != p->nkeys)
		return report_duplicate(p);
	json_object_object_foreach(p->root, name, value) {
		(void)name;
		if (json_object_is_type(value, json_type_object))
			shallow += (size_t)json_object_object_length(value);
	}
	if (shallow == p->all_keys - p->nkeys || count_keys(p->root) == p->all_keys)
		return 0;
	return report_duplicate(p);
}

static int check_metadata(parser *p, json_object *metadata)
{
	shown key_shown, value_shown;

	/* The reference implementation reads a null __metadata__ as none. */
	if (!metadata)
		return 0;
	if (!json_object_is_type(metadata, json_type_object))
		return invalid(p->name, "__metadata__ is %s, not an object of strings" MALFORMED_HINT,
		               show_json(&value_shown, metadata));
	json_object_object_foreach(metadata, key, value) {
		if (!json_object_is_type(value, json_type_string))
			return invalid(p->name, "__metadata__ maps '%s' to %s, not to a string; safetensors "
			               "metadata maps strings to strings" MALFORMED_HINT,
			               show_str(&key_shown, key), show_json(&value_shown, value));
	}
	p->metadata = metadata;
	return 0;
}

/* A JSON integer in [0, INT64_MAX] (larger ones cannot describe a real file or shape either). */
static bool read_count(json_object *value, uint64_t *out)
{
	if (!json_object_is_type(value, json_type_int) || json_object_get_int64(value) < 0)
		return false;
	*out = json_object_get_uint64(value);
	return *out <= INT64_MAX;
}

static int read_dtype(parser *p, const char *name, json_object *value, hfgit_dtype *out)
{
	char known[256] = "";
	shown tensor, dtype;
	size_t used = 0;
	int i;

	if (!json_object_is_type(value, json_type_string))
		return invalid(p->name, "tensor '%s' has dtype %s, not a string such as \"F32\""
		               MALFORMED_HINT, show_str(&tensor, name), show_json(&dtype, value));
	if (hfgit_dtype__parse(out, json_object_get_string(value),
	                       (size_t)json_object_get_string_len(value)))
		return 0;
	for (i = 0; i < HFGIT_DTYPE_COUNT_; i++)
		used += (size_t)snprintf(known + used, sizeof(known) - used, "%s%s", i ? ", " : "",
		                         hfgit_dtype__name((hfgit_dtype)i));
	return invalid(p->name, "tensor '%s' has dtype '%s', which hfgit does not read (it reads %s)",
	               show_str(&tensor, name),
	               show(&dtype, json_object_get_string(value),
	                    (size_t)json_object_get_string_len(value)),
	               known);
}

static int read_shape(parser *p, const char *name, json_object *value, hfgit_tensor *t)
{
	shown tensor, json;
	uint64_t dim;
	size_t i;

	if (!json_object_is_type(value, json_type_array))
		return invalid(p->name, "tensor '%s' has shape %s, not an array of non-negative "
		               "integers" MALFORMED_HINT, show_str(&tensor, name), show_json(&json, value));
	t->ndim = json_object_array_length(value);
	if (t->ndim > HFGIT_MAX_DIMS)
		return invalid(p->name, "tensor '%s' has %zu dimensions; hfgit supports at most %d",
		               show_str(&tensor, name), t->ndim, HFGIT_MAX_DIMS);
	for (i = 0; i < t->ndim; i++) {
		if (!read_count(json_object_array_get_idx(value, i), &dim))
			return invalid(p->name, "tensor '%s' has shape %s, not an array of non-negative "
			               "integers" MALFORMED_HINT, show_str(&tensor, name),
			               show_json(&json, value));
		t->shape[i] = (int64_t)dim;
	}
	return 0;
}

static int read_offsets(parser *p, const char *name, json_object *value, entry *e)
{
	shown tensor, json;

	if (!json_object_is_type(value, json_type_array) || json_object_array_length(value) != 2 ||
	    !read_count(json_object_array_get_idx(value, 0), &e->begin) ||
	    !read_count(json_object_array_get_idx(value, 1), &e->end))
		return invalid(p->name, "tensor '%s' has data_offsets %s, not [begin, end] with two "
		               "non-negative integers" MALFORMED_HINT, show_str(&tensor, name),
		               show_json(&json, value));
	if (e->begin > e->end)
		return invalid(p->name, "tensor '%s' has data_offsets [%" PRIu64 ", %" PRIu64 "] that "
		               "end before they begin" MALFORMED_HINT, show_str(&tensor, name),
		               e->begin, e->end);
	return 0;
}

/* The element count times the element size must be exactly the bytes the offsets span. */
static int check_size(parser *p, entry *e)
{
	hfgit_tensor *t = &e->tensor;
	size_t elements, size = hfgit_dtype__size(t->dtype);
	shown tensor;
	hfgit_shape_text shape;

	if (!hfgit_tensor__contiguous_strides(t->strides, t->shape, t->ndim, &elements) ||
	    elements > SIZE_MAX / size)
		return invalid(p->name, "tensor '%s' has shape %s, too many elements to address"
		               MALFORMED_HINT, show_str(&tensor, t->name),
		               hfgit_shape__show(&shape, t->shape, t->ndim));
	t->nbytes = elements * size;
	if ((uint64_t)t->nbytes != e->end - e->begin)
		return invalid(p->name, "tensor '%s' is %s %s, which takes %zu bytes, but its "
		               "data_offsets [%" PRIu64 ", %" PRIu64 "] span %" PRIu64 " bytes" MALFORMED_HINT,
		               show_str(&tensor, t->name), hfgit_dtype__name(t->dtype),
		               hfgit_shape__show(&shape, t->shape, t->ndim), t->nbytes, e->begin, e->end,
		               e->end - e->begin);
	if (e->end > p->buffer_len)
		return invalid(p->name, "tensor '%s' has data_offsets [%" PRIu64 ", %" PRIu64 "], past "
		               "the end of the %zu-byte data buffer" TRUNCATED_HINT,
		               show_str(&tensor, t->name), e->begin, e->end, p->buffer_len);
	return 0;
}

static int check_entry(parser *p, const char *name, json_object *value, entry *e)
{
	json_object *dtype = NULL, *shape = NULL, *offsets = NULL;
	bool has_dtype = false, has_shape = false, has_offsets = false;
	shown tensor, json;
	int rc;

	if (!json_object_is_type(value, json_type_object))
		return invalid(p->name, "tensor '%s' is described by %s, not by an object with dtype, "
		               "shape and data_offsets" MALFORMED_HINT, show_str(&tensor, name),
		               show_json(&json, value));
	/* Flags, not pointers: json-c stores a JSON null as a NULL value. */
	json_object_object_foreach(value, key, field) {
		if (!strcmp(key, "dtype")) {
			dtype = field;
			has_dtype = true;
		} else if (!strcmp(key, "shape")) {
			shape = field;
			has_shape = true;
		} else if (!strcmp(key, "data_offsets")) {
			offsets = field;
			has_offsets = true;
		} else {
			return invalid(p->name, "tensor '%s' has an unexpected field '%s' (a tensor has "
			               "exactly dtype, shape and data_offsets)" MALFORMED_HINT,
			               show_str(&tensor, name), show_str(&json, key));
		}
	}
	if (!has_dtype || !has_shape || !has_offsets)
		return invalid(p->name, "tensor '%s' has no '%s'" MALFORMED_HINT, show_str(&tensor, name),
		               !has_dtype ? "dtype" : !has_shape ? "shape" : "data_offsets");
	memset(e, 0, sizeof(*e));
	e->tensor.name = name;
	e->tensor.contiguous = true;
	if ((rc = read_dtype(p, name, dtype, &e->tensor.dtype)) < 0 ||
	    (rc = read_shape(p, name, shape, &e->tensor)) < 0 ||
	    (rc = read_offsets(p, name, offsets, e)) < 0 || (rc = check_size(p, e)) < 0)
		return rc;
	/* No pointer for a tensor without bytes: one at the buffer's end would point past it. */
	e->tensor.data = e->tensor.nbytes ? p->buffer + e->begin : NULL;
	return 0;
}

static int collect_entries(parser *p)
{
	size_t count = (size_t)json_object_object_length(p->root);
	int rc;

	if (!(p->entries = calloc(count ? count : 1, sizeof(*p->entries))))
		return hfgit_error__oom();
	json_object_object_foreach(p->root, name, value) {
		if (!strcmp(name, "__metadata__"))
			rc = check_metadata(p, value);
		else if ((rc = check_entry(p, name, value, &p->entries[p->nentries])) == 0)
			p->nentries++;
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* Zero-size tensors sort before a tensor that starts where they do; names settle the rest. */
static int by_offsets(const void *a, const void *b)
{
	const entry *x = a, *y = b;

	if (x->begin != y->begin)
		return x->begin < y->begin ? -1 : 1;
	if (x->end != y->end)
		return x->end < y->end ? -1 : 1;
	return strcmp(x->tensor.name, y->tensor.name);
}

/* In data order, every tensor must start where the previous ended, the first at 0, and the
 * last must end at the end of the file: no byte is unaccounted for or shared. */
static int check_tiling(parser *p)
{
	const entry *prev = NULL;
	uint64_t at = 0;
	shown a, b;
	size_t i;

	qsort(p->entries, p->nentries, sizeof(*p->entries), by_offsets);
	for (i = 0; i < p->nentries; i++) {
		const entry *e = &p->entries[i];

		if (e->begin < at)
			return invalid(p->name, "tensors '%s' (data_offsets [%" PRIu64 ", %" PRIu64 "]) "
			               "and '%s' ([%" PRIu64 ", %" PRIu64 "]) overlap" MALFORMED_HINT,
			               show_str(&a, prev->tensor.name), prev->begin, prev->end,
			               show_str(&b, e->tensor.name), e->begin, e->end);
		if (e->begin > at)
			return invalid(p->name, "bytes %" PRIu64 " to %" PRIu64 " of the data buffer belong "
			               "to no tensor (a hole before '%s')" MALFORMED_HINT, at, e->begin,
			               show_str(&a, e->tensor.name));
		at = e->end;
		prev = e;
	}
	if (at != p->buffer_len) {
		if (!prev)
			return invalid(p->name, "%zu bytes follow the header, which lists no tensors"
			               MALFORMED_HINT, p->buffer_len);
		return invalid(p->name, "%" PRIu64 " trailing bytes follow the last tensor ('%s' ends "
		               "at byte %" PRIu64 " of the %zu-byte data buffer)" MALFORMED_HINT,
		               (uint64_t)p->buffer_len - at, show_str(&a, prev->tensor.name), at,
		               p->buffer_len);
	}
	return 0;
}

static int report_metadata(parser *p, const hfgit_safetensors_options *opts)
{
	if (!opts || !opts->metadata || !p->metadata)
		return 0;
	json_object_object_foreach(p->metadata, key, value) {
		if (opts->metadata(key, json_object_get_string(value), opts->payload))
			return hfgit_error__set(HFGIT_EINTERRUPTED, "%s: loading was cancelled while "
			                        "reading its metadata", p->name);
	}
	return 0;
}

static int add_entries(parser *p, hfgit_weights *w)
{
	size_t i;
	int rc;

	for (i = 0; i < p->nentries; i++) {
		if ((rc = hfgit_weights__add(w, &p->entries[i].tensor)) == HFGIT_EINVALID)
			return hfgit_error__set(rc, "%s: %s (a file loaded earlier into the same table has "
			                        "it too)", p->name, hfgit_error_last());
		if (rc < 0)
			return rc;
	}
	return 0;
}

static void unmap_region(void *ptr, size_t len)
{
	munmap(ptr, len);
}

/*
 * Everything is validated before `w` is touched. `mapping` (the mmap behind `data`, or NULL)
 * and `fd` (the file mapped, or -1) belong to this function: they go to `w` once the file is
 * known good, else they are unmapped and closed.
 */
static int load_buffer(hfgit_weights *w, const unsigned char *data, size_t len, const char *name,
                       const hfgit_safetensors_options *opts, void *mapping, int fd)
{
	parser p;
	int rc;

	memset(&p, 0, sizeof(p));
	p.name = name;
	if ((rc = read_layout(&p, data, len)) == 0 && (rc = scan_header(&p)) == 0 &&
	    (rc = parse_json(&p)) == 0 && (rc = check_duplicates(&p)) == 0 &&
	    (rc = collect_entries(&p)) == 0 && (rc = check_tiling(&p)) == 0)
		rc = report_metadata(&p, opts);
	if (rc == 0 && mapping) {
		rc = hfgit_weights__keep_file(w, mapping, len, unmap_region, fd);
		fd = -1;
		if (rc == 0)
			mapping = NULL;
	}
	if (rc == 0)
		rc = add_entries(&p, w);
	if (mapping)
		munmap(mapping, len);
	if (fd >= 0)
		close(fd);
	free(p.entries);
	free(p.keys);
	json_object_put(p.root);
	return rc;
}

static int check_options(const hfgit_safetensors_options *opts)
{
	if (opts && opts->version != HFGIT_SAFETENSORS_OPTIONS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_safetensors_options version %u is not "
		                        "supported (this library has version %d); build with "
		                        "HFGIT_SAFETENSORS_OPTIONS_INIT", opts->version,
		                        HFGIT_SAFETENSORS_OPTIONS_VERSION);
	return 0;
}

int hfgit_safetensors__parse_ext(hfgit_weights *w, const void *data, size_t len,
                                 const char *display_name, const hfgit_safetensors_options *opts)
{
	int rc = check_options(opts);

	return rc < 0 ? rc : load_buffer(w, data, len, display_name ? display_name : "<memory>",
	                                 opts, NULL, -1);
}

int hfgit_safetensors__parse(hfgit_weights *w, const void *data, size_t len,
                             const char *display_name)
{
	return hfgit_safetensors__parse_ext(w, data, len, display_name, NULL);
}

int hfgit_safetensors__load_ext(hfgit_weights *w, const char *path,
                                const hfgit_safetensors_options *opts)
{
	struct stat st;
	void *map;
	int fd, rc, saved;

	if ((rc = check_options(opts)) < 0)
		return rc;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return hfgit_error__set_errno(HFGIT_EIO, "cannot open weight file '%s'", path);
	if (fstat(fd, &st) < 0) {
		rc = hfgit_error__set_errno(HFGIT_EIO, "cannot stat weight file '%s'", path);
		close(fd);
		return rc;
	}
	if (!S_ISREG(st.st_mode) || st.st_size < LENGTH_FIELD || (uintmax_t)st.st_size > SIZE_MAX) {
		close(fd);
		if (!S_ISREG(st.st_mode))
			return invalid(path, "not a regular file; give the path of a .safetensors file");
		if (st.st_size < LENGTH_FIELD) /* mmap refuses an empty file: say what parsing would */
			return too_short(path, (size_t)st.st_size);
		return hfgit_error__set(HFGIT_EIO, "%s: too large to map on this system", path);
	}
	/* Read-only and private: the table hands out const pointers, and no write reaches the file. */
	map = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		saved = errno;
		close(fd);
		errno = saved;
		return hfgit_error__set_errno(HFGIT_EIO, "cannot map weight file '%s'", path);
	}
	/* The descriptor stays with the mapping: a few rows of a table are read with pread
	 * (hfgit_weights__file_of). */
	return load_buffer(w, map, (size_t)st.st_size, path, opts, map, fd);
}

int hfgit_safetensors__load(hfgit_weights *w, const char *path)
{
	return hfgit_safetensors__load_ext(w, path, NULL);
}
