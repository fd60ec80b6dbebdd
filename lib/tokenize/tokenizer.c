/* The tokenizer pipeline (tokenizers' tokenizer/mod.rs encode_char_offsets) and its API. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "core/error.h"
#include "core/options.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

static void tokenizer_free(hfgit_tokenizer *t)
{
	size_t i;

	hfgit_tk__normalizer_free(t->normalizer);
	hfgit_tk__pretok_free(t->pretok);
	hfgit_tk__model_dispose(&t->model);
	hfgit_tk__post_free(t->post);
	hfgit_tk__decoder_free(t->decoder);
	for (i = 0; i < t->nadded; i++) {
		free(t->added[i].content);
		free(t->added[i].cps);
		free(t->added[i].norm_cps);
	}
	free(t->added);
	free(t->padding.pad_token);
	free(t->source);
	hfgit_tk__work_dispose(&t->work);
	free(t);
}

void hfgit_tokenizer_free(hfgit_tokenizer *t)
{
	if (t)
		tokenizer_free(t);
}

/* tokenizer_config.json's model_max_length: transformers writes a huge sentinel
 * (int(1e30)) when there is none. */
static void read_model_max_length(hfgit_tokenizer *t, const char *dir)
{
	char *path = hfgit__aprintf("%s/tokenizer_config.json", dir);
	json_object *o, *v;

	if (!path)
		return;
	o = json_object_from_file(path);
	free(path);
	if (o && json_object_object_get_ex(o, "model_max_length", &v) &&
	    (json_object_is_type(v, json_type_int) || json_object_is_type(v, json_type_double))) {
		double d = json_object_get_double(v);

		if (d > 0 && d < 1e15)
			t->model_max_length = (size_t)d;
	}
	json_object_put(o);
}

static int finish(hfgit_tokenizer *t)
{
	return hfgit_tk__added_prepare(t);
}

int hfgit_tokenizer_from_json(hfgit_tokenizer **out, const char *json, size_t len)
{
	hfgit_tokenizer *t = calloc(1, sizeof(*t));
	int rc;

	*out = NULL;
	if (!t)
		return hfgit_error__oom();
	if ((rc = hfgit_tk__load_json(t, json, len, "tokenizer.json")) < 0 || (rc = finish(t)) < 0 ||
	    !(t->source = strdup("tokenizer.json"))) {
		tokenizer_free(t);
		return rc < 0 ? rc : hfgit_error__oom();
	}
	*out = t;
	return 0;
}

int hfgit_tokenizer_from_dir(hfgit_tokenizer **out, const char *dir)
{
	char *path = hfgit__aprintf("%s/tokenizer.json", dir), *json = NULL;
	hfgit_tokenizer *t = NULL;
	size_t len = 0;
	struct stat st;
	int rc;

	*out = NULL;
	if (!path)
		return HFGIT_ERROR;
	if (stat(dir, &st) < 0 || !S_ISDIR(st.st_mode)) {
		free(path);
		return hfgit_error__set(HFGIT_ENOTFOUND, "%s is not a directory", dir);
	}
	if (hfgit_fs__exists(path)) {
		if ((rc = hfgit_fs__read_file(&json, &len, path)) == 0) {
			if (!(t = calloc(1, sizeof(*t))))
				rc = hfgit_error__oom();
			else if ((rc = hfgit_tk__load_json(t, json, len, path)) == 0)
				t->source = strdup("tokenizer.json");
		}
		free(json);
	} else {
		if (!(t = calloc(1, sizeof(*t))))
			rc = hfgit_error__oom();
		else
			rc = hfgit_tk__load_legacy(t, dir);
	}
	free(path);
	if (rc == 0 && t && !t->source)
		rc = hfgit_error__oom();
	if (rc == 0)
		rc = finish(t);
	if (rc < 0) {
		if (t)
			tokenizer_free(t);
		return rc;
	}
	read_model_max_length(t, dir);
	*out = t;
	return 0;
}

const char *hfgit_tokenizer_source(const hfgit_tokenizer *t)
{
	return t->source;
}

size_t hfgit_tokenizer_model_max_length(const hfgit_tokenizer *t)
{
	return t->model_max_length;
}

size_t hfgit_tokenizer_vocab_size(const hfgit_tokenizer *t)
{
	size_t n = t->model.vocab.size, i;

	for (i = 0; i < t->nadded; i++)
		if ((size_t)t->added[i].id + 1 > n)
			n = (size_t)t->added[i].id + 1;
	return n;
}

int hfgit_tokenizer_token_to_id(const hfgit_tokenizer *t, const char *token)
{
	size_t i;

	for (i = 0; i < t->nadded; i++)
		if (!strcmp(t->added[i].content, token))
			return t->added[i].id;
	return hfgit_tk__vocab_get(&t->model.vocab, token, strlen(token));
}

const char *hfgit_tokenizer_id_to_token(const hfgit_tokenizer *t, int id)
{
	const tk_added *a = hfgit_tk__added_by_id(t, id);

	return a ? a->content : hfgit_tk__model_id_to_token(&t->model, id);
}

/* --- Encoding --------------------------------------------------------------------------- */

/* An added token found in the text: its id, and as its token the text matched, with the
 * spaces lstrip/rstrip took (as the library reports it). */
static int push_added(const hfgit_tokenizer *t, hfgit_encoding *e, const tk_work *w,
                      const tk_split *sp, uint32_t type_id)
{
	const tk_added *a = hfgit_tk__added_by_id(t, sp->added);
	const char *value = a ? a->content : "";

	if (!a || sp->n != a->ncps || memcmp(w->c + sp->off, a->cps, sp->n * sizeof(*w->c))) {
		char *u8 = malloc(sp->n * 4 + 1);
		size_t k, len8 = 0;

		if (!u8)
			return hfgit_error__oom();
		for (k = 0; k < sp->n; k++)
			len8 += hfgit_tk__utf8_put(u8 + len8, w->c[sp->off + k]);
		value = hfgit_tk__encoding_own(e, u8, len8);
		free(u8);
		if (!value)
			return HFGIT_ERROR;
	}
	return hfgit_tk__encoding_push(e, sp->added, type_id, value, w->al[sp->off].s,
	                               w->al[sp->off + sp->n - 1].e, 0, (int32_t)type_id);
}

/* The whole text (n code points) as the one split the stages start from. */
static int split_whole(tk_work *w, size_t n)
{
	tk_split *tmp;
	size_t cap;
	int rc;

	w->nnext = 0;
	if ((rc = hfgit_tk__work_push_split(w, 0, n, -1)) < 0)
		return rc;
	tmp = w->splits;
	cap = w->cap_splits;
	w->splits = w->next;
	w->nsplits = 1;
	w->cap_splits = w->cap_next;
	w->next = tmp;
	w->cap_next = cap;
	w->nnext = 0;
	return 0;
}

static int encode_one(hfgit_tokenizer *t, hfgit_encoding **out, const char *text, size_t len,
                      uint32_t type_id)
{
	tk_work *w = &t->work;
	hfgit_encoding *e;
	size_t i, bad;
	ptrdiff_t n;
	int rc = 0;

	*out = NULL;
	w->len = 0;
	w->nsplits = 0;
	w->ntoks = 0;
	if (hfgit_tk__work_reserve(w, len + 1) < 0)
		return HFGIT_ERROR;
	if ((n = hfgit_tk__utf8_decode(w->c, text, len, &bad)) < 0)
		return hfgit_error__set(HFGIT_EINVALID, "the %s is not valid UTF-8 (byte %zu: 0x%02x)",
		                       type_id ? "pair text" : "text", bad, (unsigned char)text[bad]);
	for (i = 0; i < (size_t)n; i++)
		w->al[i] = (tk_span){ (uint32_t)i, (uint32_t)i + 1 };
	w->len = (size_t)n;
	if (!(e = hfgit_tk__encoding_new()))
		return HFGIT_ERROR;
	if (n == 0) {
		*out = e;
		return 0;
	}
	if ((rc = split_whole(w, (size_t)n)) < 0 || (rc = hfgit_tk__added_split(t, w, false)) < 0)
		goto fail;
	for (i = 0; t->normalizer && i < w->nsplits; i++) {
		if (w->splits[i].added >= 0)
			continue;
		if ((rc = hfgit_tk__normalize(t->normalizer, w, &w->splits[i].off, &w->splits[i].n)) < 0)
			goto fail;
	}
	if ((rc = hfgit_tk__added_split(t, w, true)) < 0 || (rc = hfgit_tk__pretokenize(t->pretok, w)) < 0)
		goto fail;
	for (i = 0; i < w->nsplits; i++) {
		const tk_split *sp = &w->splits[i];
		size_t k;

		w->ntoks = 0;
		if (!sp->n)
			continue;
		if (sp->added >= 0) {
			rc = push_added(t, e, w, sp, type_id);
		} else {
			rc = hfgit_tk__model_tokenize(&t->model, w, sp);
			for (k = 0; rc == 0 && k < w->ntoks; k++)
				rc = hfgit_tk__encoding_push(e, w->toks[k].id, type_id, w->toks[k].value,
				                             w->toks[k].s, w->toks[k].e, 0, (int32_t)type_id);
		}
		if (rc < 0)
			goto fail;
	}
	*out = e;
	return 0;
fail:
	hfgit_encoding_free(e);
	return rc;
}

static int encode(hfgit_tokenizer *t, hfgit_encoding **out, const char *text, size_t len,
                  const char *pair, size_t pair_len, const hfgit_encode_options *opts)
{
	hfgit_encoding *a = NULL, *b = NULL;
	tk_truncation saved = t->truncation;
	bool add_special = !(opts && opts->no_special_tokens);
	int rc;

	*out = NULL;
	if (HFGIT_OPTIONS__CHECK(opts, HFGIT_ENCODE_OPTIONS) < 0)
		return HFGIT_EINVALID;
	if ((rc = encode_one(t, &a, text, len, 0)) < 0)
		return rc;
	if (pair && (rc = encode_one(t, &b, pair, pair_len, 1)) < 0) {
		hfgit_encoding_free(a);
		return rc;
	}
	if (opts && opts->max_length) {
		t->truncation.enabled = true;
		t->truncation.max_length = opts->max_length;
		t->truncation.strategy = TK_LONGEST_FIRST;
		t->truncation.left = false;
	}
	rc = hfgit_tk__post_process(t, &a, b, add_special);
	t->truncation = saved;
	if (rc < 0) {
		hfgit_encoding_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

int hfgit_tokenizer_encode(hfgit_encoding **out, hfgit_tokenizer *t, const char *text,
                           size_t len, const char *pair, size_t pair_len,
                           const hfgit_encode_options *opts)
{
	int rc = encode(t, out, text, len, pair, pair_len, opts);

	if (rc == 0 && t->padding.enabled && t->padding.fixed &&
	    (rc = hfgit_tk__pad(*out, t->padding.length, &t->padding)) < 0) {
		hfgit_encoding_free(*out);
		*out = NULL;
	} else if (rc == 0 && t->padding.enabled && !t->padding.fixed &&
	           (rc = hfgit_tk__pad(*out, (*out)->n, &t->padding)) < 0) {
		hfgit_encoding_free(*out);
		*out = NULL;
	}
	return rc;
}

int hfgit_tokenizer_encode_batch(hfgit_encoding **out, hfgit_tokenizer *t,
                                 const char *const *texts, const size_t *lens,
                                 const char *const *pairs, const size_t *pair_lens, size_t n,
                                 const hfgit_encode_options *opts)
{
	size_t i, longest = 0;
	int rc = 0;

	for (i = 0; i < n; i++)
		out[i] = NULL;
	for (i = 0; rc == 0 && i < n; i++) {
		const char *pair = pairs ? pairs[i] : NULL;

		rc = encode(t, &out[i], texts[i], lens ? lens[i] : strlen(texts[i]), pair,
		            !pair ? 0 : pair_lens ? pair_lens[i] : strlen(pair), opts);
		if (rc == 0 && out[i]->n > longest)
			longest = out[i]->n;
	}
	for (i = 0; rc == 0 && t->padding.enabled && i < n; i++)
		rc = hfgit_tk__pad(out[i], t->padding.fixed ? t->padding.length : longest, &t->padding);
	if (rc < 0)
		for (i = 0; i < n; i++) {
			hfgit_encoding_free(out[i]);
			out[i] = NULL;
		}
	return rc;
}

int hfgit_tokenizer_decode(char **out, size_t *out_len, hfgit_tokenizer *t, const int *ids,
                           size_t n, int skip_special_tokens)
{
	const char **tokens = calloc(n + 1, sizeof(*tokens));
	size_t i, k = 0;
	int rc;

	*out = NULL;
	if (!tokens)
		return hfgit_error__oom();
	for (i = 0; i < n; i++) {
		const tk_added *a = hfgit_tk__added_by_id(t, ids[i]);
		const char *s = a ? a->content : hfgit_tk__model_id_to_token(&t->model, ids[i]);

		if (!s || (skip_special_tokens && a && a->special))
			continue;
		tokens[k++] = s;
	}
	rc = hfgit_tk__decode(t->decoder, out, out_len ? out_len : &k, tokens, k);
	free(tokens);
	return rc;
}
