/*
 * Repositories without tokenizer.json: the pipeline transformers' convert_slow_tokenizer.py
 * builds from the slow tokenizer's files (BertConverter for vocab.txt, GPT2Converter for
 * vocab.json + merges.txt), with the options of tokenizer_config.json and the special tokens
 * of special_tokens_map.json.
 */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "tokenize/tokenize.h"


typedef struct {
	json_object *config, *map;
} settings;

static json_object *lookup(const settings *s, const char *key)
{
	json_object *v = NULL;

	if (s->map && json_object_object_get_ex(s->map, key, &v) && v)
		return v;
	if (s->config && json_object_object_get_ex(s->config, key, &v) && v)
		return v;
	return NULL;
}

static bool flag(const settings *s, const char *key, bool dflt)
{
	json_object *v = NULL;

	if (!s->config || !json_object_object_get_ex(s->config, key, &v) || !v)
		return dflt;
	return json_object_get_boolean(v);
}

/* A special token: a string, or an AddedToken object {"content": ...}. */
static const char *special(const settings *s, const char *key, const char *dflt)
{
	json_object *v = lookup(s, key), *c;

	if (v && json_object_is_type(v, json_type_string))
		return json_object_get_string(v);
	if (v && json_object_is_type(v, json_type_object) &&
	    json_object_object_get_ex(v, "content", &c) && json_object_is_type(c, json_type_string))
		return json_object_get_string(c);
	return dflt;
}

static json_object *read_json(const char *dir, const char *name)
{
	char *path = hfgit__aprintf("%s/%s", dir, name);
	json_object *o = NULL;

	if (path && hfgit_fs__exists(path))
		o = json_object_from_file(path);
	free(path);
	return o && json_object_is_type(o, json_type_object) ? o : (json_object_put(o), NULL);
}

/* The special tokens that exist in the vocabulary become special added tokens, in id order
 * of their appearance (transformers adds them so; they are never split by the model). */
static int add_specials(hfgit_tokenizer *t, const char *const *names, size_t n)
{
	size_t i, j;

	if (!(t->added = calloc(n + 1, sizeof(*t->added))))
		return hfgit_error__oom();
	for (i = 0; i < n; i++) {
		int32_t id;

		if (!names[i] || (id = tk_vocab_get(&t->model.vocab, names[i], strlen(names[i]))) < 0)
			continue;
		for (j = 0; j < t->nadded; j++)
			if (t->added[j].id == id)
				break;
		if (j < t->nadded)
			continue;
		if (!(t->added[t->nadded].content = strdup(names[i])))
			return hfgit_error__oom();
		t->added[t->nadded].id = id;
		t->added[t->nadded].special = true;
		t->nadded++;
	}
	return 0;
}

static int template_post(hfgit_tokenizer *t, const char *first, const char *last,
                         bool with_last)
{
	tk_post *pp = calloc(1, sizeof(*pp));
	const char *names[2] = { first, last };
	size_t i, k = 0;

	if (!pp)
		return hfgit_error__oom();
	t->post = pp;
	pp->type = TK_PP_TEMPLATE;
	pp->specials = calloc(2, sizeof(*pp->specials));
	pp->single = calloc(3, sizeof(*pp->single));
	pp->pair = calloc(5, sizeof(*pp->pair));
	if (!pp->specials || !pp->single || !pp->pair)
		return hfgit_error__oom();
	for (i = 0; i < (with_last ? 2u : 1u); i++) {
		tk_special *s = &pp->specials[k];
		int32_t id = tk_vocab_get(&t->model.vocab, names[i], strlen(names[i]));

		if (id < 0)
			return hfgit_error__set(HFGIT_EINVALID, "the special token '%s' is not in the "
			                        "vocabulary", names[i]);
		if (k == 1 && !strcmp(names[0], names[1]))
			break;
		s->name = strdup(names[i]);
		s->ids = malloc(sizeof(*s->ids));
		s->tokens = malloc(sizeof(*s->tokens));
		if (!s->name || !s->ids || !s->tokens || !(s->tokens[0] = strdup(names[i])))
			return hfgit_error__oom();
		s->ids[0] = id;
		s->n = 1;
		pp->nspecials = ++k;
	}
	/* BERT: [CLS]:0 $A:0 [SEP]:0 / [CLS]:0 $A:0 [SEP]:0 $B:1 [SEP]:1;
	 * GPT-2 with add_bos_token: bos:0 $A:0 / bos:0 $A:0 $B:1 */
	pp->single[0] = (tk_piece){ true, 0, 0, 0 };
	pp->single[1] = (tk_piece){ false, 0, 0, 0 };
	pp->pair[0] = (tk_piece){ true, 0, 0, 0 };
	pp->pair[1] = (tk_piece){ false, 0, 0, 0 };
	if (with_last) {
		size_t li = pp->nspecials - 1;

		pp->single[2] = (tk_piece){ true, 0, li, 0 };
		pp->pair[2] = (tk_piece){ true, 0, li, 0 };
		pp->pair[3] = (tk_piece){ false, 1, 0, 1 };
		pp->pair[4] = (tk_piece){ true, 0, li, 1 };
		pp->nsingle = 3;
		pp->npair = 5;
	} else {
		pp->pair[2] = (tk_piece){ false, 1, 0, 1 };
		pp->nsingle = 2;
		pp->npair = 3;
	}
	return 0;
}

static int bert(hfgit_tokenizer *t, const char *dir, const settings *s)
{
	char *path = hfgit__aprintf("%s/vocab.txt", dir), *text = NULL, *line, *end;
	const char *specials[5];
	json_object *sa;
	size_t len;
	int32_t id = 0;
	int rc;

	if (!path)
		return HFGIT_ERROR;
	rc = hfgit_fs__read_file(&text, &len, path);
	free(path);
	if (rc < 0)
		return rc;
	t->model.type = TK_M_WORDPIECE;
	t->model.max_input_chars_per_word = 100;
	/* load_vocab: one token per line, id = line number, only "\n" stripped. */
	for (line = text; rc == 0 && line < text + len; line = end + 1, id++) {
		end = memchr(line, '\n', (size_t)(text + len - line));
		if (!end)
			end = text + len;
		rc = tk_vocab_add(&t->model.vocab, line, (size_t)(end - line), id);
	}
	free(text);
	if (rc < 0)
		return rc;
	specials[0] = special(s, "unk_token", "[UNK]");
	specials[1] = special(s, "sep_token", "[SEP]");
	specials[2] = special(s, "pad_token", "[PAD]");
	specials[3] = special(s, "cls_token", "[CLS]");
	specials[4] = special(s, "mask_token", "[MASK]");
	if (!(t->model.unk_token = strdup(specials[0])) || !(t->model.prefix = strdup("##")))
		return hfgit_error__oom();
	if ((rc = tk_model_init(&t->model)) < 0)
		return rc;
	if (!(t->normalizer = calloc(1, sizeof(*t->normalizer))) ||
	    !(t->pretok = calloc(1, sizeof(*t->pretok))) ||
	    !(t->decoder = calloc(1, sizeof(*t->decoder))))
		return hfgit_error__oom();
	t->normalizer->type = TK_N_BERT;
	t->normalizer->clean_text = true;
	t->normalizer->handle_chinese_chars = flag(s, "tokenize_chinese_chars", true);
	t->normalizer->lowercase = flag(s, "do_lower_case", true);
	sa = NULL;
	if (s->config && json_object_object_get_ex(s->config, "strip_accents", &sa) && sa)
		t->normalizer->strip_accents = json_object_get_boolean(sa);
	else
		t->normalizer->strip_accents = t->normalizer->lowercase;
	t->pretok->type = TK_P_BERT;
	t->decoder->type = TK_D_WORDPIECE;
	t->decoder->cleanup = flag(s, "clean_up_tokenization_spaces", true);
	if (!(t->decoder->prefix = strdup("##")))
		return hfgit_error__oom();
	if ((rc = template_post(t, specials[3], specials[1], true)) < 0)
		return rc;
	return add_specials(t, specials, 5);
}

static int gpt2(hfgit_tokenizer *t, const char *dir, const settings *s)
{
	char *path = hfgit__aprintf("%s/vocab.json", dir), *text = NULL, *line, *end;
	json_object *vocab;
	const char *specials[4];
	size_t len;
	uint32_t rank = 0;
	int rc = 0;
	bool first = true;

	if (!path)
		return HFGIT_ERROR;
	vocab = json_object_from_file(path);
	free(path);
	if (!vocab || !json_object_is_type(vocab, json_type_object)) {
		json_object_put(vocab);
		return hfgit_error__set(HFGIT_EINVALID, "%s/vocab.json is not a JSON object of token: id",
		                        dir);
	}
	t->model.type = TK_M_BPE;
	{
		json_object_object_foreach(vocab, key, val) {
			if (rc == 0 && json_object_is_type(val, json_type_int))
				rc = tk_vocab_add(&t->model.vocab, key, strlen(key),
				                  (int32_t)json_object_get_int64(val));
		}
	}
	json_object_put(vocab);
	if (rc < 0)
		return rc;
	if (!(path = hfgit__aprintf("%s/merges.txt", dir)))
		return HFGIT_ERROR;
	rc = hfgit_fs__read_file(&text, &len, path);
	free(path);
	if (rc < 0)
		return rc;
	/* GPT2Tokenizer: split("\n")[1:-1]: the "#version" line and the last one are not
	 * merges; each merge is two tokens separated by whitespace. */
	for (line = text; rc == 0 && line < text + len; line = end + 1) {
		char *sp, *stop;

		end = memchr(line, '\n', (size_t)(text + len - line));
		if (!end)
			break; /* the last piece ([-1]) */
		if (first) {
			first = false;
			continue;
		}
		stop = end;
		if (stop > line && stop[-1] == '\r')
			stop--;
		sp = memchr(line, ' ', (size_t)(stop - line));
		if (!sp)
			continue;
		rc = tk_bpe_add_merge(&t->model, line, (size_t)(sp - line), sp + 1,
		                      (size_t)(stop - sp - 1), rank++);
	}
	free(text);
	if (rc < 0)
		return rc;
	if ((rc = tk_model_init(&t->model)) < 0)
		return rc;
	if (!(t->pretok = calloc(1, sizeof(*t->pretok))) ||
	    !(t->decoder = calloc(1, sizeof(*t->decoder))))
		return hfgit_error__oom();
	t->pretok->type = TK_P_BYTE_LEVEL;
	t->pretok->add_prefix_space = flag(s, "add_prefix_space", false);
	t->pretok->use_regex = true;
	if ((rc = tk_pretok_gpt2_pattern(&t->pretok->pattern)) < 0)
		return rc;
	t->decoder->type = TK_D_BYTE_LEVEL;
	specials[0] = special(s, "bos_token", "<|endoftext|>");
	specials[1] = special(s, "eos_token", "<|endoftext|>");
	specials[2] = special(s, "unk_token", "<|endoftext|>");
	specials[3] = special(s, "pad_token", NULL);
	if (flag(s, "add_bos_token", false)) {
		if ((rc = template_post(t, specials[0], specials[0], false)) < 0)
			return rc;
	} else {
		if (!(t->post = calloc(1, sizeof(*t->post))))
			return hfgit_error__oom();
		t->post->type = TK_PP_BYTE_LEVEL;
		t->post->trim_offsets = false;
	}
	return add_specials(t, specials, 4);
}

int tk_load_legacy(hfgit_tokenizer *t, const char *dir)
{
	settings s = { read_json(dir, "tokenizer_config.json"), read_json(dir, "special_tokens_map.json") };
	char *vt = hfgit__aprintf("%s/vocab.txt", dir), *vj = hfgit__aprintf("%s/vocab.json", dir),
	     *mg = hfgit__aprintf("%s/merges.txt", dir);
	int rc;

	if (!vt || !vj || !mg)
		rc = HFGIT_ERROR;
	else if (hfgit_fs__exists(vj) && hfgit_fs__exists(mg)) {
		rc = gpt2(t, dir, &s);
		t->source = strdup("vocab.json + merges.txt");
	} else if (hfgit_fs__exists(vt)) {
		rc = bert(t, dir, &s);
		t->source = strdup("vocab.txt");
	} else {
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s has no tokenizer: no tokenizer.json, and none "
		                      "of the legacy vocab.txt (BERT) or vocab.json + merges.txt (GPT-2)",
		                      dir);
	}
	free(vt);
	free(vj);
	free(mg);
	json_object_put(s.config);
	json_object_put(s.map);
	return rc;
}
