/* Tokenizers: text <-> ids exactly as Hugging Face's tokenizers library makes them. */
#ifndef HFGIT_TOKENIZER_H
#define HFGIT_TOKENIZER_H

#include "hfgit/common.h"
#include "hfgit/context.h"
#include "hfgit/clone.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Tokenizers: text <-> ids exactly as Hugging Face's tokenizers library makes them          */

/*
 * A tokenizer from a model directory: tokenizer.json when there is one (normalizer,
 * pre-tokenizer, model, post-processor, decoder, added tokens, truncation and padding as the
 * Rust library reads them), else the pipeline transformers' convert_slow_tokenizer builds
 * from the legacy files: vocab.txt (BERT family) or vocab.json + merges.txt (GPT-2 family),
 * with tokenizer_config.json and special_tokens_map.json. A component hfgit does not
 * implement is an HFGIT_EINVALID error that names it.
 *
 *     hfgit_tokenizer *tok;
 *     hfgit_encoding *enc;
 *
 *     if (hfgit_tokenizer_from_dir(&tok, "./bert-base-uncased") < 0 ||
 *         hfgit_tokenizer_encode(&enc, tok, "Hello, my dog is cute", 21, NULL, 0, NULL) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 *     ... hfgit_encoding_ids(enc)[0] == 101 ...
 *
 * Offsets count characters (Unicode code points) of the text, as the Rust library's and
 * transformers' return_offsets_mapping do; tokens the post-processor adds have (0, 0).
 * A tokenizer is used by one thread at a time (it keeps scratch space); encodings stay valid
 * after further calls, but not after hfgit_tokenizer_free (their token strings are its own).
 */
typedef struct hfgit_tokenizer hfgit_tokenizer;
typedef struct hfgit_encoding hfgit_encoding;

typedef struct {
	unsigned int version;
	/* For an id: how to clone it (progress, jobs, LFS patterns); NULL: the defaults. The
	 * checkout is the one hfgit_model_from_pretrained uses for the same commit. */
	const hfgit_clone_options *clone;
} hfgit_tokenizer_options;

#define HFGIT_TOKENIZER_OPTIONS_VERSION 1
#define HFGIT_TOKENIZER_OPTIONS_INIT { HFGIT_TOKENIZER_OPTIONS_VERSION }

HFGIT_EXTERN int hfgit_tokenizer_from_dir(hfgit_tokenizer **out, const char *dir);
/* The content of a tokenizer.json file. */
HFGIT_EXTERN int hfgit_tokenizer_from_json(hfgit_tokenizer **out, const char *json, size_t len);
/*
 * `id_or_dir`: an existing directory, as hfgit_tokenizer_from_dir; else a model id[@revision],
 * checked out into the cache as hfgit_model_from_pretrained does (and reused from there).
 */
HFGIT_EXTERN int hfgit_tokenizer_from_pretrained(hfgit_tokenizer **out, hfgit_ctx *ctx,
                                                 const char *id_or_dir,
                                                 const hfgit_tokenizer_options *opts);
HFGIT_EXTERN void hfgit_tokenizer_free(hfgit_tokenizer *tok);

/* "tokenizer.json", or the legacy files the pipeline was built from ("vocab.txt"). */
HFGIT_EXTERN const char *hfgit_tokenizer_source(const hfgit_tokenizer *tok);
/* tokenizer_config.json's model_max_length; 0 when it gives none. */
HFGIT_EXTERN size_t hfgit_tokenizer_model_max_length(const hfgit_tokenizer *tok);
/* The model's vocabulary and the added tokens: one more than the largest id. */
HFGIT_EXTERN size_t hfgit_tokenizer_vocab_size(const hfgit_tokenizer *tok);
/* -1 when the token is not in the vocabulary. */
HFGIT_EXTERN int hfgit_tokenizer_token_to_id(const hfgit_tokenizer *tok, const char *token);
/* NULL for an id no token has. */
HFGIT_EXTERN const char *hfgit_tokenizer_id_to_token(const hfgit_tokenizer *tok, int id);

typedef struct {
	unsigned int version;
	int no_special_tokens;  /* 1: add_special_tokens=False (no [CLS]/[SEP], no template) */
	/* > 0: truncate to this many tokens, longest first (transformers' truncation=True with
	 * max_length), in place of tokenizer.json's truncation; 0: tokenizer.json's. */
	size_t max_length;
} hfgit_encode_options;

#define HFGIT_ENCODE_OPTIONS_VERSION 1
#define HFGIT_ENCODE_OPTIONS_INIT { HFGIT_ENCODE_OPTIONS_VERSION }

/*
 * Encode `len` bytes of UTF-8 text (NUL bytes included), and a second sequence when `pair`
 * is not NULL. Text that is not UTF-8 is an HFGIT_EINVALID error naming the byte offset.
 * `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_tokenizer_encode(hfgit_encoding **out, hfgit_tokenizer *tok,
                                        const char *text, size_t len, const char *pair,
                                        size_t pair_len, const hfgit_encode_options *opts);
/*
 * Encode `n` texts of lens[i] bytes (`lens` NULL: NUL-terminated), and with `pairs` (NULL or n
 * second sequences, NULL entries for none) of pair_lens[i] bytes, into out[0..n), padded
 * together when tokenizer.json asks for BatchLongest padding. On failure nothing is left in
 * `out`.
 */
HFGIT_EXTERN int hfgit_tokenizer_encode_batch(hfgit_encoding **out, hfgit_tokenizer *tok,
                                              const char *const *texts, const size_t *lens,
                                              const char *const *pairs,
                                              const size_t *pair_lens, size_t n,
                                              const hfgit_encode_options *opts);
/* Text for ids, through the decoder (free() it): NUL-terminated, and it may contain NUL
 * bytes (byte-level tokens can stand for any byte): *len (may be NULL) has its length.
 * skip_special_tokens leaves special added tokens out. An id no token has is skipped, as the
 * library skips it. */
HFGIT_EXTERN int hfgit_tokenizer_decode(char **out, size_t *len, hfgit_tokenizer *tok,
                                        const int *ids, size_t n, int skip_special_tokens);

HFGIT_EXTERN size_t hfgit_encoding_length(const hfgit_encoding *enc);
HFGIT_EXTERN const int32_t *hfgit_encoding_ids(const hfgit_encoding *enc);
HFGIT_EXTERN const uint32_t *hfgit_encoding_type_ids(const hfgit_encoding *enc);
HFGIT_EXTERN const uint32_t *hfgit_encoding_attention_mask(const hfgit_encoding *enc);
HFGIT_EXTERN const uint32_t *hfgit_encoding_special_tokens_mask(const hfgit_encoding *enc);
/* 2 per token: start and end, in characters of the text the token came from. */
HFGIT_EXTERN const size_t *hfgit_encoding_offsets(const hfgit_encoding *enc);
HFGIT_EXTERN const char *hfgit_encoding_token(const hfgit_encoding *enc, size_t i);
HFGIT_EXTERN void hfgit_encoding_free(hfgit_encoding *enc);

#ifdef __cplusplus
}
#endif

#endif
