/*
 * Unicode for the tokenizer: UTF-8 decoding, the character classes Hugging Face's tokenizers
 * test (as Rust's char methods define them), and the normalization forms, all from utf8proc.
 */
#ifndef HFGIT_TOKENIZE_UNICODE_H
#define HFGIT_TOKENIZE_UNICODE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Decode `len` bytes of UTF-8 into `out` (room for `len` code points); the count, or -1 with
 * *bad set to the offset of the first invalid byte (overlong forms, surrogates and code
 * points past U+10FFFF are invalid, as for Rust's str). */
ptrdiff_t hfgit_tk__utf8_decode(uint32_t *out, const char *s, size_t len, size_t *bad);
/* Encode one code point; the number of bytes written (1-4) to `out`. */
size_t hfgit_tk__utf8_put(char *out, uint32_t c);
static inline size_t tk_utf8_len(uint32_t c)
{
	return c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4;
}

bool hfgit_tk__is_whitespace_slow(uint32_t c);
/* Rust's char::is_whitespace (the White_Space property). */
static inline bool tk_is_whitespace(uint32_t c)
{
	if (c < 0x80)
		return c == ' ' || (c >= 0x09 && c <= 0x0d);
	return hfgit_tk__is_whitespace_slow(c);
}
/* ASCII punctuation or a Unicode P* category (tokenizers' is_bert_punc / is_punc). */
bool hfgit_tk__is_punctuation(uint32_t c);
/* Cc, Cf, Cn, Co: what BertNormalizer's clean_text removes (\t \n \r excepted by the caller). */
bool hfgit_tk__is_other(uint32_t c);
bool hfgit_tk__is_mark_nonspacing(uint32_t c); /* Mn */
bool hfgit_tk__is_mark(uint32_t c);            /* Mn, Mc, Me */
bool hfgit_tk__is_numeric(uint32_t c);         /* Nd, Nl, No (Rust's char::is_numeric) */
bool hfgit_tk__is_alphanumeric_word(uint32_t c); /* \w of Rust's regex crate */
bool hfgit_tk__is_chinese_slow(uint32_t c);
/* The CJK blocks BertNormalizer pads with spaces. */
static inline bool tk_is_chinese(uint32_t c)
{
	return c >= 0x3400 && hfgit_tk__is_chinese_slow(c);
}

/* Full lowercase mapping as Rust's char::to_lowercase: 1 or 2 code points into out[2]. */
size_t hfgit_tk__lowercase(uint32_t c, uint32_t out[2]);

typedef enum { TK_NFC, TK_NFD, TK_NFKC, TK_NFKD } tk_norm_form;

/*
 * Normalize `n` code points into out[] (capacity `cap`) with, for each output code point, the
 * change it makes in tokenizers' terms: 0 it replaces one input code point, -k it replaces
 * one and k more, 1 it is inserted. The count, -1 when `cap` is too small, -2 on failure.
 */
ptrdiff_t hfgit_tk__normalize_changes(uint32_t *out, int *change, size_t cap, const uint32_t *in,
                                             size_t n, tk_norm_form form);

#endif
