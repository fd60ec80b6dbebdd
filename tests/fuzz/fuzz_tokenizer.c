/*
 * Fuzz target for the tokenizer. An input that starts with '{' is a tokenizer.json: it must be
 * refused with a message, or load and then encode and decode a few texts. Any other input is
 * text (any bytes) for three small built-in tokenizers (byte-level BPE, BERT WordPiece,
 * Metaspace + Unigram): it must be refused as not UTF-8 with a message, or encode into ids
 * whose offsets lie inside the text, and decode.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"

static volatile size_t sink;

static void refused(int rc)
{
	if (rc >= 0 || hfgit_error_last()[0] == '\0')
		abort();
}

static size_t utf8_chars(const char *s, size_t len)
{
	size_t i, n = 0;

	for (i = 0; i < len; i++)
		n += ((unsigned char)s[i] & 0xC0) != 0x80;
	return n;
}

static void exercise(hfgit_tokenizer *tok, const char *text, size_t len, const char *pair)
{
	hfgit_encode_options opts = HFGIT_ENCODE_OPTIONS_INIT;
	hfgit_encoding *enc = NULL;
	int special, rc;

	for (special = 0; special < 2; special++) {
		size_t i, n, chars = utf8_chars(text, len);
		char *out = NULL;
		size_t out_len;

		opts.no_special_tokens = special;
		opts.max_length = special ? 0 : 64;
		rc = hfgit_tokenizer_encode(&enc, tok, text, len, pair, pair ? strlen(pair) : 0, &opts);
		if (rc < 0) {
			refused(rc);
			continue;
		}
		n = hfgit_encoding_length(enc);
		for (i = 0; i < n; i++) {
			const size_t *o = hfgit_encoding_offsets(enc) + 2 * i;

			/* Offsets are characters of the text (or of the pair: at most its length). */
			if (o[0] > o[1] || (!pair && o[1] > chars))
				abort();
			sink += strlen(hfgit_encoding_token(enc, i) ? hfgit_encoding_token(enc, i) : "");
		}
		if (hfgit_tokenizer_decode(&out, &out_len, tok, (const int *)hfgit_encoding_ids(enc), n,
		                           special) == 0)
			sink += out_len;
		else
			refused(-1);
		free(out);
		hfgit_encoding_free(enc);
	}
}

static const char bpe_json[] =
	"{\"version\":\"1.0\",\"added_tokens\":[{\"id\":6,\"content\":\"<|e|>\",\"special\":true,"
	"\"normalized\":false,\"lstrip\":true,\"rstrip\":true,\"single_word\":false}],"
	"\"normalizer\":{\"type\":\"NFKC\"},"
	"\"pre_tokenizer\":{\"type\":\"ByteLevel\",\"add_prefix_space\":true,\"use_regex\":true},"
	"\"post_processor\":{\"type\":\"RobertaProcessing\",\"sep\":[\"<|e|>\",6],\"cls\":[\"<|e|>\",6]},"
	"\"decoder\":{\"type\":\"ByteLevel\"},\"model\":{\"type\":\"BPE\",\"byte_fallback\":true,"
	"\"vocab\":{\"\\u0120\":0,\"a\":1,\"b\":2,\"\\u0120a\":3,\"ab\":4,\"<0x41>\":5},"
	"\"merges\":[\"\\u0120 a\",[\"a\",\"b\"]]}}";
static const char wp_json[] =
	"{\"normalizer\":{\"type\":\"BertNormalizer\"},\"pre_tokenizer\":{\"type\":\"BertPreTokenizer\"},"
	"\"post_processor\":{\"type\":\"BertProcessing\",\"sep\":[\"[SEP]\",2],\"cls\":[\"[CLS]\",1]},"
	"\"truncation\":{\"max_length\":8,\"strategy\":\"LongestFirst\",\"stride\":0},"
	"\"padding\":{\"strategy\":{\"Fixed\":10},\"pad_id\":0,\"pad_token\":\"[UNK]\"},"
	"\"decoder\":{\"type\":\"WordPiece\"},\"model\":{\"type\":\"WordPiece\",\"max_input_chars_per_word\":5,"
	"\"vocab\":{\"[UNK]\":0,\"[CLS]\":1,\"[SEP]\":2,\"a\":3,\"##b\":4,\"e\":5,\"##\\u00e9\":6}}}";
static const char uni_json[] =
	"{\"normalizer\":{\"type\":\"Sequence\",\"normalizers\":[{\"type\":\"NFD\"},{\"type\":\"Lowercase\"},"
	"{\"type\":\"Replace\",\"pattern\":{\"Regex\":\"\\\\s+\"},\"content\":\" \"},{\"type\":\"Strip\"}]},"
	"\"pre_tokenizer\":{\"type\":\"Sequence\",\"pretokenizers\":[{\"type\":\"Digits\"},"
	"{\"type\":\"Split\",\"pattern\":{\"String\":\"x\"},\"behavior\":\"MergedWithPrevious\",\"invert\":false},"
	"{\"type\":\"Metaspace\",\"prepend_scheme\":\"first\"}]},"
	"\"decoder\":{\"type\":\"Sequence\",\"decoders\":[{\"type\":\"ByteFallback\"},{\"type\":\"Metaspace\"}]},"
	"\"model\":{\"type\":\"Unigram\",\"unk_id\":0,\"byte_fallback\":true,\"vocab\":[[\"<unk>\",0],"
	"[\"\\u2581\",-1],[\"a\",-2],[\"\\u2581a\",-1.5],[\"<0xC3>\",-5],[\"<0xA9>\",-5],[\"1\",-3]]}}";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data;
	hfgit_tokenizer *tok;
	int rc;

	if (size && data[0] == '{') {
		if ((rc = hfgit_tokenizer_from_json(&tok, text, size)) < 0) {
			refused(rc);
			return 0;
		}
		exercise(tok, "Hello, world! caf\xc3\xa9 \xe6\x97\xa5 <|e|> [SEP] 123", 40, NULL);
		exercise(tok, "a b", 3, "ab");
		hfgit_tokenizer_free(tok);
		return 0;
	}
	{
		const char *jsons[] = { bpe_json, wp_json, uni_json };
		size_t k;

		for (k = 0; k < 3; k++) {
			if (hfgit_tokenizer_from_json(&tok, jsons[k], strlen(jsons[k])) < 0)
				abort(); /* the built-in tokenizers must load */
			exercise(tok, text, size, NULL);
			exercise(tok, text, size, "ab");
			hfgit_tokenizer_free(tok);
		}
	}
	return 0;
}
