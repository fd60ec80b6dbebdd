/*
 * The tokenizer pipeline as Hugging Face's tokenizers library runs it (tokenizer.json):
 *
 *   text ─▶ added tokens split off ─▶ normalizer ─▶ pre-tokenizer ─▶ model ─▶ post-processor
 *        ─▶ truncation, padding ─▶ encoding            ids ─▶ decoder ─▶ text
 *
 * Text is handled as code points. Each code point of a normalized piece carries the span of
 * original code points it came from (the library's alignments), so offsets come out as
 * code-point indices into the input, as the library reports them.
 */
#ifndef HFGIT_TOKENIZE_TOKENIZE_H
#define HFGIT_TOKENIZE_TOKENIZE_H

#define PCRE2_CODE_UNIT_WIDTH 32
#include <pcre2.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hfgit.h"
#include "tokenize/vocab.h"

typedef struct {
	uint32_t s, e; /* original code points [s, e) */
} tk_span;

/* A piece of text: code points [off, off + n) of the work pool. */
typedef struct {
	size_t off, n;
	int32_t added;   /* an added token's id when the piece is one, else -1 */
} tk_split;

typedef struct {
	int32_t id;
	uint32_t s, e;         /* original code points */
	const char *value;     /* NUL-terminated, owned by the tokenizer */
} tk_token;

/* Per-call scratch space, reused between calls. */
typedef struct {
	uint32_t *c;
	tk_span *al;
	size_t len, cap;
	tk_split *splits, *next;
	size_t nsplits, nnext, cap_splits, cap_next;
	tk_token *toks;
	size_t ntoks, cap_toks;
	char *u8;             /* a piece in UTF-8 */
	uint32_t *u8_cp;      /* for each byte of u8, the code point index it belongs to */
	size_t u8_cap, u8_len;
	void *scratch;        /* model-private scratch (BPE symbols and heap, Unigram lattice) */
	size_t scratch_cap;
	pcre2_match_data_32 *md;
} tk_work;

/* --- Patterns (a literal or a regex), matched with PCRE2 over code points ---------------- */

typedef struct {
	pcre2_code_32 *re;
	uint32_t *literal;     /* a string pattern, matched literally */
	size_t literal_len;
	bool empty;            /* a literal "" (matches nothing) */
} tk_pattern;

/* --- Normalizers ------------------------------------------------------------------------- */

typedef enum {
	TK_N_BERT, TK_N_LOWERCASE, TK_N_STRIP_ACCENTS, TK_N_NFC, TK_N_NFD, TK_N_NFKC, TK_N_NFKD,
	TK_N_REPLACE, TK_N_PREPEND, TK_N_STRIP, TK_N_SEQUENCE,
} tk_normalizer_type;

typedef struct tk_normalizer {
	tk_normalizer_type type;
	bool clean_text, handle_chinese_chars, strip_accents, lowercase; /* Bert */
	bool strip_left, strip_right;                                     /* Strip */
	tk_pattern pattern;                                               /* Replace */
	uint32_t *content;                                                /* Replace, Prepend */
	size_t content_len;
	struct tk_normalizer **items;                                     /* Sequence */
	size_t nitems;
} tk_normalizer;

/* --- Pre-tokenizers ---------------------------------------------------------------------- */

typedef enum {
	TK_P_BERT, TK_P_BYTE_LEVEL, TK_P_WHITESPACE, TK_P_WHITESPACE_SPLIT, TK_P_PUNCTUATION,
	TK_P_DIGITS, TK_P_METASPACE, TK_P_SPLIT, TK_P_SEQUENCE,
} tk_pretok_type;

typedef enum {
	TK_REMOVED, TK_ISOLATED, TK_MERGED_WITH_PREVIOUS, TK_MERGED_WITH_NEXT, TK_CONTIGUOUS,
} tk_behavior;

typedef enum { TK_PREPEND_ALWAYS, TK_PREPEND_FIRST, TK_PREPEND_NEVER } tk_prepend_scheme;

typedef struct tk_pretok {
	tk_pretok_type type;
	bool add_prefix_space, use_regex, trim_offsets;  /* ByteLevel */
	bool individual_digits;                           /* Digits */
	uint32_t replacement;                             /* Metaspace */
	tk_prepend_scheme prepend_scheme;
	bool split;
	tk_pattern pattern;                               /* Split */
	bool invert;
	tk_behavior behavior;                             /* Split, Punctuation */
	struct tk_pretok **items;
	size_t nitems;
} tk_pretok;

/* --- Models ------------------------------------------------------------------------------ */

typedef enum { TK_M_WORDPIECE, TK_M_BPE, TK_M_UNIGRAM } tk_model_type;

typedef struct tk_bpe_cache tk_bpe_cache;

typedef struct {
	tk_model_type type;
	tk_vocab vocab;
	int32_t unk_id;              /* -1: none */
	char *unk_token;
	char *prefix;                /* continuing_subword_prefix ("##" for WordPiece) */
	char *suffix;                /* end_of_word_suffix (BPE) */
	size_t max_input_chars_per_word;
	bool byte_fallback, fuse_unk, ignore_merges;
	/* BPE: merge ranks, (left id, right id) -> rank and merged id */
	tk_pair_map merges;
	int32_t byte_ids[256];       /* "<0x41>" tokens for byte_fallback, -1 when absent */
	tk_bpe_cache *cache;
	/* Unigram */
	double *scores;
	double min_score;
	size_t max_piece_bytes;
} tk_model;

/* --- Post-processors ----------------------------------------------------------------------- */

typedef enum { TK_PP_TEMPLATE, TK_PP_BERT, TK_PP_ROBERTA, TK_PP_BYTE_LEVEL, TK_PP_SEQUENCE } tk_pp_type;

typedef struct {
	bool special;          /* a special token (else a sequence) */
	int seq;               /* 0: A, 1: B */
	size_t special_index;  /* into tk_post.specials */
	uint32_t type_id;
} tk_piece;

typedef struct {
	char *name;
	int32_t *ids;
	char **tokens;
	size_t n;
} tk_special;

typedef struct tk_post {
	tk_pp_type type;
	tk_piece *single, *pair;
	size_t nsingle, npair;
	tk_special *specials;
	size_t nspecials;
	char *cls, *sep;       /* Bert, Roberta */
	int32_t cls_id, sep_id;
	bool trim_offsets, add_prefix_space;
	struct tk_post **items;
	size_t nitems;
} tk_post;

/* --- Decoders ---------------------------------------------------------------------------- */

typedef enum {
	TK_D_WORDPIECE, TK_D_BYTE_LEVEL, TK_D_METASPACE, TK_D_BPE, TK_D_SEQUENCE, TK_D_REPLACE,
	TK_D_BYTE_FALLBACK, TK_D_FUSE, TK_D_STRIP,
} tk_decoder_type;

typedef struct tk_decoder {
	tk_decoder_type type;
	char *prefix;            /* WordPiece */
	bool cleanup;
	uint32_t replacement;    /* Metaspace */
	tk_prepend_scheme prepend_scheme;
	char *suffix;            /* BPEDecoder */
	char *pattern, *content; /* Replace (a literal pattern) */
	uint32_t strip_content;  /* Strip */
	size_t strip_start, strip_stop;
	struct tk_decoder **items;
	size_t nitems;
} tk_decoder;

/* --- Added tokens ------------------------------------------------------------------------ */

typedef struct {
	int32_t id;
	char *content;
	uint32_t *cps, *norm_cps;  /* content, and content as the normalizer makes it */
	size_t ncps, nnorm;
	bool single_word, lstrip, rstrip, normalized, special;
} tk_added;

/* --- Truncation and padding ---------------------------------------------------------------- */

typedef enum { TK_LONGEST_FIRST, TK_ONLY_FIRST, TK_ONLY_SECOND } tk_trunc_strategy;

typedef struct {
	bool enabled;
	size_t max_length, stride;
	tk_trunc_strategy strategy;
	bool left;               /* direction */
} tk_truncation;

typedef struct {
	bool enabled;
	bool fixed;              /* {Fixed: n}, else BatchLongest */
	size_t length, multiple;
	bool left;
	int32_t pad_id;
	uint32_t pad_type_id;
	char *pad_token;
} tk_padding;

struct hfgit_tokenizer {
	tk_normalizer *normalizer;
	tk_pretok *pretok;
	tk_model model;
	tk_post *post;
	tk_decoder *decoder;
	tk_added *added;
	size_t nadded;
	bool any_raw_added, any_norm_added;
	bool added_first[256];     /* some added token starts with a code point of this low byte */
	tk_truncation truncation;
	tk_padding padding;
	size_t model_max_length;   /* tokenizer_config.json; 0 when unknown */
	char *source;              /* "tokenizer.json" or the legacy files it was built from */
	tk_work work;              /* one caller at a time (the handle is not thread-safe) */
};

struct hfgit_encoding {
	size_t n, cap;
	int32_t *ids;
	uint32_t *type_ids;
	uint32_t *attention;
	uint32_t *special;
	int32_t *seq;            /* 0, 1, or -1 for tokens the post-processor added */
	size_t *offsets;         /* 2 per token */
	const char **tokens;
	char **owned;            /* token strings that are the encoding's own (an added token's
	                          * text with the spaces lstrip/rstrip took) */
	size_t nowned, cap_owned;
};

/* --- Internal API between the files of lib/tokenize ---------------------------------------- */

int hfgit_tk__pattern_compile(tk_pattern *p, const char *regex, const char *literal, const char *what);
void hfgit_tk__pattern_dispose(tk_pattern *p);
/* Matches of `p` in s[0..n): (start, end) pairs appended to *m (count *nm); 0 or an error. */
int hfgit_tk__pattern_find(const tk_pattern *p, tk_work *w, const uint32_t *s, size_t n,
                           size_t **m, size_t *nm, size_t *cap);

int hfgit_tk__work_reserve(tk_work *w, size_t extra);
int hfgit_tk__work_push_split(tk_work *w, size_t off, size_t n, int32_t added);
void hfgit_tk__work_dispose(tk_work *w);

/* A transform of code points [off, off + n) by (char, change) pairs, as tokenizers'
 * NormalizedString::transform_range; the result is appended to the pool and *off, *n updated. */
typedef struct {
	uint32_t *c;
	int *change;
	size_t n, cap;
} tk_changes;
int hfgit_tk__changes_push(tk_changes *t, uint32_t c, int change);
int hfgit_tk__apply_changes(tk_work *w, size_t *off, size_t *n, const tk_changes *t,
                            size_t initial_offset);

int hfgit_tk__normalize(const tk_normalizer *nz, tk_work *w, size_t *off, size_t *n);
void hfgit_tk__normalizer_free(tk_normalizer *nz);

/* Split every piece of w->splits that is not an added token. */
int hfgit_tk__pretokenize(const tk_pretok *pt, tk_work *w);
/* GPT-2's split rule, for ByteLevel pre-tokenizers. */
int hfgit_tk__pretok_gpt2_pattern(tk_pattern *p);
/* The character GPT-2's bytes_to_unicode gives byte `b`. */
uint32_t hfgit_tk__byte_char(unsigned b);
void hfgit_tk__pretok_free(tk_pretok *pt);

/* Tokens of one piece appended to w->toks. */
int hfgit_tk__model_tokenize(tk_model *m, tk_work *w, const tk_split *sp);
int hfgit_tk__model_init(tk_model *m);
/* Merge `rank`: a + b, with b's continuing_subword_prefix dropped, must be in the vocabulary. */
int hfgit_tk__bpe_add_merge(tk_model *m, const char *a, size_t al, const char *b, size_t bl,
                            uint32_t rank);
void hfgit_tk__model_dispose(tk_model *m);
const char *hfgit_tk__model_id_to_token(const tk_model *m, int32_t id);

void hfgit_tk__post_free(tk_post *pp);
int hfgit_tk__post_process(const hfgit_tokenizer *t, hfgit_encoding **enc, hfgit_encoding *pair,
                           bool add_special);

void hfgit_tk__decoder_free(tk_decoder *d);
/* Decode token strings into text (free() it; NUL-terminated, and it may hold NUL bytes:
 * *out_len has its length). */
int hfgit_tk__decode(const tk_decoder *d, char **out, size_t *out_len, const char **tokens, size_t n);

/* Encodings */
hfgit_encoding *hfgit_tk__encoding_new(void);
int hfgit_tk__encoding_push(hfgit_encoding *e, int32_t id, uint32_t type_id, const char *token,
                            size_t s, size_t end, uint32_t special, int32_t seq);
/* A copy of `s` owned by the encoding (NULL without memory). */
const char *hfgit_tk__encoding_own(hfgit_encoding *e, const char *s, size_t len);
int hfgit_tk__pad(hfgit_encoding *e, size_t length, const tk_padding *p);

/* Loading */
int hfgit_tk__load_json(hfgit_tokenizer *t, const char *json, size_t len, const char *name);
int hfgit_tk__load_legacy(hfgit_tokenizer *t, const char *dir);
/* Added tokens: content normalized with the tokenizer's normalizer, ready to match. */
int hfgit_tk__added_prepare(hfgit_tokenizer *t);
int hfgit_tk__added_split(const hfgit_tokenizer *t, tk_work *w, bool normalized);
const tk_added *hfgit_tk__added_by_id(const hfgit_tokenizer *t, int32_t id);

#endif
