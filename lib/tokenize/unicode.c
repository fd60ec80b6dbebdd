/* Unicode classes and normalization for the tokenizer, through utf8proc. */
#include <string.h>
#include <utf8proc.h>

#include "tokenize/unicode.h"

ptrdiff_t hfgit_tk__utf8_decode(uint32_t *out, const char *s, size_t len, size_t *bad)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t i = 0, n = 0;

	while (i < len) {
		utf8proc_int32_t c;
		utf8proc_ssize_t k;

		if (p[i] < 0x80) {
			out[n++] = p[i++];
			continue;
		}
		k = utf8proc_iterate(p + i, (utf8proc_ssize_t)(len - i), &c);
		if (k < 0 || c < 0) {
			*bad = i;
			return -1;
		}
		out[n++] = (uint32_t)c;
		i += (size_t)k;
	}
	return (ptrdiff_t)n;
}

size_t hfgit_tk__utf8_put(char *out, uint32_t c)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	return (size_t)utf8proc_encode_char((utf8proc_int32_t)c, (utf8proc_uint8_t *)out);
}

static int category(uint32_t c)
{
	return utf8proc_category((utf8proc_int32_t)c);
}

/* The White_Space property of PropList.txt, which Rust's char::is_whitespace implements and
 * utf8proc does not carry (it is no general category: it mixes Cc, Zs, Zl and Zp). */
bool hfgit_tk__is_whitespace_slow(uint32_t c)
{
	switch (category(c)) {
	case UTF8PROC_CATEGORY_ZS:
	case UTF8PROC_CATEGORY_ZL:
	case UTF8PROC_CATEGORY_ZP:
		return true;
	default:
		return c == 0x85;
	}
}

bool hfgit_tk__is_punctuation(uint32_t c)
{
	if (c < 0x80)
		return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
		       (c >= 123 && c <= 126);
	switch (category(c)) {
	case UTF8PROC_CATEGORY_PC:
	case UTF8PROC_CATEGORY_PD:
	case UTF8PROC_CATEGORY_PS:
	case UTF8PROC_CATEGORY_PE:
	case UTF8PROC_CATEGORY_PI:
	case UTF8PROC_CATEGORY_PF:
	case UTF8PROC_CATEGORY_PO:
		return true;
	default:
		return false;
	}
}

bool hfgit_tk__is_other(uint32_t c)
{
	switch (category(c)) {
	case UTF8PROC_CATEGORY_CC:
	case UTF8PROC_CATEGORY_CF:
	case UTF8PROC_CATEGORY_CN:
	case UTF8PROC_CATEGORY_CO:
		return true;
	default:
		return false;
	}
}

bool hfgit_tk__is_mark_nonspacing(uint32_t c)
{
	return c >= 0x300 && category(c) == UTF8PROC_CATEGORY_MN;
}

bool hfgit_tk__is_mark(uint32_t c)
{
	int cat;

	if (c < 0x300)
		return false;
	cat = category(c);
	return cat == UTF8PROC_CATEGORY_MN || cat == UTF8PROC_CATEGORY_MC ||
	       cat == UTF8PROC_CATEGORY_ME;
}

bool hfgit_tk__is_numeric(uint32_t c)
{
	int cat;

	if (c < 0x80)
		return c >= '0' && c <= '9';
	cat = category(c);
	return cat == UTF8PROC_CATEGORY_ND || cat == UTF8PROC_CATEGORY_NL ||
	       cat == UTF8PROC_CATEGORY_NO;
}

bool hfgit_tk__is_alphanumeric_word(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		       c == '_';
	if (c == 0x200c || c == 0x200d) /* Join_Control */
		return true;
	switch (category(c)) {
	case UTF8PROC_CATEGORY_LU:
	case UTF8PROC_CATEGORY_LL:
	case UTF8PROC_CATEGORY_LT:
	case UTF8PROC_CATEGORY_LM:
	case UTF8PROC_CATEGORY_LO:
	case UTF8PROC_CATEGORY_MN:
	case UTF8PROC_CATEGORY_MC:
	case UTF8PROC_CATEGORY_ME:
	case UTF8PROC_CATEGORY_ND:
	case UTF8PROC_CATEGORY_NL:
	case UTF8PROC_CATEGORY_PC:
		return true;
	default:
		return false;
	}
}

/* The ranges of normalizers/bert.rs (the "CJK Unified Ideographs" blocks BERT was trained
 * with). They are a definition of the BERT tokenizer, not Unicode data. */
bool hfgit_tk__is_chinese_slow(uint32_t c)
{
	return (c >= 0x4E00 && c <= 0x9FFF) || (c >= 0x3400 && c <= 0x4DBF) ||
	       (c >= 0x20000 && c <= 0x2A6DF) || (c >= 0x2A700 && c <= 0x2B73F) ||
	       (c >= 0x2B740 && c <= 0x2B81F) || (c >= 0x2B920 && c <= 0x2CEAF) ||
	       (c >= 0xF900 && c <= 0xFAFF) || (c >= 0x2F800 && c <= 0x2FA1F);
}

size_t hfgit_tk__lowercase(uint32_t c, uint32_t out[2])
{
	if (c < 0x80) {
		out[0] = (c >= 'A' && c <= 'Z') ? c + 32 : c;
		return 1;
	}
	/* The one unconditional multi-character lowercase mapping of SpecialCasing.txt;
	 * utf8proc_tolower gives the simple mapping only. */
	if (c == 0x130) {
		out[0] = 'i';
		out[1] = 0x307;
		return 2;
	}
	out[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
	return 1;
}

static int ccc(uint32_t c)
{
	return c < 0x300 ? 0 : utf8proc_get_property((utf8proc_int32_t)c)->combining_class;
}

/* The primary composite of a pair, or 0. utf8proc composes whole buffers only: a buffer of
 * two answers for the pair. */
static uint32_t compose_pair(uint32_t a, uint32_t b)
{
	utf8proc_int32_t buf[2] = { (utf8proc_int32_t)a, (utf8proc_int32_t)b };

	if (utf8proc_normalize_utf32(buf, 2, UTF8PROC_STABLE | UTF8PROC_COMPOSE) == 1)
		return (uint32_t)buf[0];
	return 0;
}

typedef struct {
	uint32_t c;
	uint32_t consumed;   /* input code points this output stands for */
	bool gone;           /* absorbed into a composite */
} entry;

/* Decomposition into e (room for cap): the first code point of each stands for its input,
 * the others are insertions. The number of entries, -1 without room, -2 on a utf8proc error. */
static ptrdiff_t decompose(entry *e, size_t cap, const uint32_t *in, size_t n,
                           utf8proc_option_t opts)
{
	size_t len = 0, i, k;
	int boundclass = 0;

	for (i = 0; i < n; i++) {
		utf8proc_int32_t buf[32];
		utf8proc_ssize_t r;

		if (in[i] < 0x80) { /* ASCII is its own decomposition */
			if (len + 1 > cap)
				return -1;
			e[len++] = (entry){ in[i], 1, false };
			continue;
		}
		r = utf8proc_decompose_char((utf8proc_int32_t)in[i], buf, 32, opts, &boundclass);
		if (r < 0 || r > 32)
			return -2;
		if (len + (size_t)r > cap)
			return -1;
		for (k = 0; k < (size_t)r; k++)
			e[len++] = (entry){ (uint32_t)buf[k], k == 0, false };
	}
	return (ptrdiff_t)len;
}

/* Canonical ordering: a stable sort of each run of non-starters by combining class. */
static void reorder(entry *e, size_t len)
{
	size_t i;

	for (i = 1; i < len; i++) {
		int cc = ccc(e[i].c);
		size_t j = i;

		while (cc && j > 0 && ccc(e[j - 1].c) > cc) {
			entry t = e[j];

			e[j] = e[j - 1];
			e[j - 1] = t;
			j--;
		}
	}
}

/* Canonical composition (UAX #15): a code point joins the last starter when nothing between
 * them blocks it. */
static void compose(entry *e, size_t len)
{
	size_t starter = (size_t)-1, i;
	int last_cc = -1;      /* -1: the last kept code point is the starter itself */

	for (i = 0; i < len; i++) {
		int cc = ccc(e[i].c);
		uint32_t p;

		/* Below U+0300 nothing is the second of a composition. */
		if (e[i].c >= 0x300 && starter != (size_t)-1 &&
		    (last_cc == -1 || (last_cc != 0 && last_cc < cc)) &&
		    (p = compose_pair(e[starter].c, e[i].c))) {
			e[starter].c = p;
			e[starter].consumed += e[i].consumed;
			e[i].gone = true;
			continue;
		}
		if (cc == 0) {
			starter = i;
			last_cc = -1;
		} else {
			last_cc = cc;
		}
	}
}

ptrdiff_t hfgit_tk__normalize_changes(uint32_t *out, int *change, size_t cap, const uint32_t *in,
                                      size_t n, tk_norm_form form)
{
	utf8proc_option_t opts = UTF8PROC_STABLE | UTF8PROC_DECOMPOSE;
	entry *e = malloc((cap + 1) * sizeof(*e));
	ptrdiff_t len;
	size_t i, k;

	if (!e)
		return -2;
	if (form == TK_NFKC || form == TK_NFKD)
		opts |= UTF8PROC_COMPAT;
	if ((len = decompose(e, cap, in, n, opts)) < 0) {
		free(e);
		return len;
	}
	reorder(e, (size_t)len);
	if (form == TK_NFC || form == TK_NFKC)
		compose(e, (size_t)len);
	for (i = 0, k = 0; i < (size_t)len; i++) {
		if (e[i].gone)
			continue;
		out[k] = e[i].c;
		change[k] = e[i].consumed ? -(int)(e[i].consumed - 1) : 1;
		k++;
	}
	free(e);
	return (ptrdiff_t)k;
}
