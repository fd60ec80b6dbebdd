/*
 * Test helper: encodes every sample of a JSON file with libhfgit's public tokenizer API and
 * prints the encodings as JSON, for compare.mjs to check against Hugging Face's tokenizers.
 *
 *   tokenize_dump [--no-special] [--batch] [--decode] DIR SAMPLES.json
 *
 * SAMPLES.json is an array of strings, or of [text, pair] arrays. --batch encodes them all in
 * one hfgit_tokenizer_encode_batch call (padding to the batch's longest); --decode adds the
 * decoded text of each encoding's ids.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"

static json_object *encoding_json(const hfgit_encoding *e)
{
	json_object *o = json_object_new_object(), *ids = json_object_new_array(),
	            *toks = json_object_new_array(), *types = json_object_new_array(),
	            *mask = json_object_new_array(), *offs = json_object_new_array();
	size_t i;

	for (i = 0; i < hfgit_encoding_length(e); i++) {
		json_object *p = json_object_new_array();

		json_object_array_add(ids, json_object_new_int(hfgit_encoding_ids(e)[i]));
		json_object_array_add(toks, json_object_new_string(hfgit_encoding_token(e, i)));
		json_object_array_add(types, json_object_new_int((int)hfgit_encoding_type_ids(e)[i]));
		json_object_array_add(mask, json_object_new_int((int)hfgit_encoding_attention_mask(e)[i]));
		json_object_array_add(p, json_object_new_int64((int64_t)hfgit_encoding_offsets(e)[2 * i]));
		json_object_array_add(p, json_object_new_int64((int64_t)hfgit_encoding_offsets(e)[2 * i + 1]));
		json_object_array_add(offs, p);
	}
	json_object_object_add(o, "ids", ids);
	json_object_object_add(o, "tokens", toks);
	json_object_object_add(o, "type_ids", types);
	json_object_object_add(o, "attention_mask", mask);
	json_object_object_add(o, "offsets", offs);
	return o;
}

int main(int argc, char **argv)
{
	hfgit_encode_options opts = HFGIT_ENCODE_OPTIONS_INIT;
	int batch = 0, decode = 0, a = 1;
	hfgit_tokenizer *tok;
	json_object *samples, *out = json_object_new_array();
	size_t n, i;

	for (; a < argc && argv[a][0] == '-'; a++) {
		if (!strcmp(argv[a], "--no-special"))
			opts.no_special_tokens = 1;
		else if (!strcmp(argv[a], "--batch"))
			batch = 1;
		else if (!strcmp(argv[a], "--decode"))
			decode = 1;
	}
	if (argc - a != 2) {
		fprintf(stderr, "usage: tokenize_dump [--no-special] [--batch] [--decode] DIR SAMPLES.json\n");
		return 2;
	}
	if (hfgit_tokenizer_from_dir(&tok, argv[a]) < 0) {
		fprintf(stderr, "tokenize_dump: %s\n", hfgit_error_last());
		return 1;
	}
	if (!(samples = json_object_from_file(argv[a + 1]))) {
		fprintf(stderr, "tokenize_dump: cannot read %s\n", argv[a + 1]);
		return 1;
	}
	n = json_object_array_length(samples);
	{
		const char **texts = calloc(n + 1, sizeof(*texts)), **pairs = calloc(n + 1, sizeof(*pairs));
		size_t *lens = calloc(n + 1, sizeof(*lens)), *plens = calloc(n + 1, sizeof(*plens));
		hfgit_encoding **encs = calloc(n + 1, sizeof(*encs));
		char **errs = calloc(n + 1, sizeof(*errs));
		int any_pair = 0;

		for (i = 0; i < n; i++) {
			json_object *s = json_object_array_get_idx(samples, i);

			if (json_object_is_type(s, json_type_array)) {
				json_object *x = json_object_array_get_idx(s, 0), *y = json_object_array_get_idx(s, 1);

				texts[i] = json_object_get_string(x);
				lens[i] = (size_t)json_object_get_string_len(x);
				pairs[i] = json_object_get_string(y);
				plens[i] = (size_t)json_object_get_string_len(y);
				any_pair = 1;
			} else {
				texts[i] = json_object_get_string(s);
				lens[i] = (size_t)json_object_get_string_len(s);
			}
		}
		if (batch) {
			if (hfgit_tokenizer_encode_batch(encs, tok, texts, lens, any_pair ? pairs : NULL,
			                                 plens, n, &opts) < 0)
				for (i = 0; i < n; i++)
					errs[i] = strdup(hfgit_error_last());
		} else {
			for (i = 0; i < n; i++) {
				if (hfgit_tokenizer_encode(&encs[i], tok, texts[i], lens[i], pairs[i], plens[i],
				                           &opts) < 0)
					errs[i] = strdup(hfgit_error_last());
			}
		}
		for (i = 0; i < n; i++) {
			json_object *o;

			if (!encs[i]) {
				/* The error of that sample: the encodings before it went fine. */
				o = json_object_new_object();
				json_object_object_add(o, "error", json_object_new_string(errs[i]));
				free(errs[i]);
				json_object_array_add(out, o);
				continue;
			}
			o = encoding_json(encs[i]);
			if (decode) {
				char *text;
				size_t len;

				if (hfgit_tokenizer_decode(&text, &len, tok, hfgit_encoding_ids(encs[i]),
				                           hfgit_encoding_length(encs[i]), 0) == 0) {
					json_object_object_add(o, "decoded", json_object_new_string_len(text, (int)len));
					free(text);
				}
				if (hfgit_tokenizer_decode(&text, &len, tok, hfgit_encoding_ids(encs[i]),
				                           hfgit_encoding_length(encs[i]), 1) == 0) {
					json_object_object_add(o, "decoded_skip",
					                       json_object_new_string_len(text, (int)len));
					free(text);
				}
			}
			json_object_array_add(out, o);
			hfgit_encoding_free(encs[i]);
		}
		free(texts);
		free(pairs);
		free(lens);
		free(plens);
		free(encs);
		free(errs);
	}
	puts(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(out);
	json_object_put(samples);
	hfgit_tokenizer_free(tok);
	return 0;
}
