/* tokenizer.json (tokenizers' tokenizer/serialization.rs) into the pipeline's components.
 * A component or option hfgit does not implement is an error that names it: a tokenizer that
 * silently tokenizes differently is worse than none. */
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "tokenize/tokenize.h"
#include "tokenize/unicode.h"

static json_object *get(json_object *o, const char *key)
{
	json_object *v = NULL;

	if (!o || !json_object_object_get_ex(o, key, &v) || json_object_is_type(v, json_type_null))
		return NULL;
	return v;
}

static bool get_bool(json_object *o, const char *key, bool dflt)
{
	json_object *v = get(o, key);

	return v ? json_object_get_boolean(v) : dflt;
}

static const char *get_str(json_object *o, const char *key)
{
	json_object *v = get(o, key);

	return v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : NULL;
}

static int bad(const char *what, const char *detail)
{
	return hfgit_error__set(HFGIT_EINVALID, "%s: %s", what, detail);
}

static const char *type_of(json_object *o)
{
	return get_str(o, "type");
}

static int utf32_dup(const char *s, uint32_t **out, size_t *n)
{
	size_t len = strlen(s), bad_at;
	ptrdiff_t k;

	if (!(*out = malloc((len + 1) * sizeof(**out))))
		return hfgit_error__oom();
	if ((k = tk_utf8_decode(*out, s, len, &bad_at)) < 0)
		return hfgit_error__set(HFGIT_EINVALID, "string is not valid UTF-8");
	*n = (size_t)k;
	return 0;
}

static int one_char(const char *s, uint32_t *c, const char *what)
{
	uint32_t *cps = NULL;
	size_t n = 0;
	int rc = utf32_dup(s, &cps, &n);

	if (rc == 0 && n != 1)
		rc = bad(what, "must be a single character");
	if (rc == 0)
		*c = cps[0];
	free(cps);
	return rc;
}

/* {"String": "..."} or {"Regex": "..."} */
static int pattern(tk_pattern *p, json_object *o, const char *what)
{
	const char *s;

	if (!o)
		return bad(what, "pattern missing");
	if ((s = get_str(o, "String")))
		return tk_pattern_compile(p, NULL, s, what);
	if ((s = get_str(o, "Regex")))
		return tk_pattern_compile(p, s, NULL, what);
	return bad(what, "pattern must be {\"String\": ...} or {\"Regex\": ...}");
}

static int behavior(tk_behavior *b, const char *s, const char *what)
{
	static const char *const names[] = { "Removed", "Isolated", "MergedWithPrevious",
	                                     "MergedWithNext", "Contiguous" };
	size_t i;

	if (!s) {
		*b = TK_ISOLATED;
		return 0;
	}
	for (i = 0; i < 5; i++)
		if (!strcmp(s, names[i])) {
			*b = (tk_behavior)i;
			return 0;
		}
	return hfgit_error__set(HFGIT_EINVALID, "%s: unknown behavior '%s'", what, s);
}

static int prepend_scheme(tk_prepend_scheme *p, json_object *o)
{
	const char *s = get_str(o, "prepend_scheme");

	*p = TK_PREPEND_ALWAYS;
	if (s && !strcmp(s, "first"))
		*p = TK_PREPEND_FIRST;
	else if (s && !strcmp(s, "never"))
		*p = TK_PREPEND_NEVER;
	else if (s && strcmp(s, "always"))
		return bad("Metaspace", "prepend_scheme must be always, first or never");
	if (get(o, "add_prefix_space") && !get_bool(o, "add_prefix_space", true))
		*p = TK_PREPEND_NEVER;
	return 0;
}

/* --- Normalizers -------------------------------------------------------------------------- */

static int normalizer(tk_normalizer **out, json_object *o)
{
	const char *type = type_of(o);
	tk_normalizer *nz;
	int rc = 0;

	*out = NULL;
	if (!type)
		return bad("normalizer", "no type");
	if (!(nz = calloc(1, sizeof(*nz))))
		return hfgit_error__oom();
	*out = nz;
	if (!strcmp(type, "BertNormalizer")) {
		nz->type = TK_N_BERT;
		nz->clean_text = get_bool(o, "clean_text", true);
		nz->handle_chinese_chars = get_bool(o, "handle_chinese_chars", true);
		nz->lowercase = get_bool(o, "lowercase", true);
		/* null: strip accents when lowercasing (normalizers/bert.rs) */
		nz->strip_accents = get_bool(o, "strip_accents", nz->lowercase);
	} else if (!strcmp(type, "Lowercase")) {
		nz->type = TK_N_LOWERCASE;
	} else if (!strcmp(type, "StripAccents")) {
		nz->type = TK_N_STRIP_ACCENTS;
	} else if (!strcmp(type, "NFC")) {
		nz->type = TK_N_NFC;
	} else if (!strcmp(type, "NFD")) {
		nz->type = TK_N_NFD;
	} else if (!strcmp(type, "NFKC")) {
		nz->type = TK_N_NFKC;
	} else if (!strcmp(type, "NFKD")) {
		nz->type = TK_N_NFKD;
	} else if (!strcmp(type, "Replace")) {
		const char *content = get_str(o, "content");

		nz->type = TK_N_REPLACE;
		if (!content)
			return bad("Replace", "no content");
		if ((rc = pattern(&nz->pattern, get(o, "pattern"), "Replace normalizer")) < 0)
			return rc;
		rc = utf32_dup(content, &nz->content, &nz->content_len);
	} else if (!strcmp(type, "Prepend")) {
		const char *content = get_str(o, "prepend");

		nz->type = TK_N_PREPEND;
		if (!content)
			return bad("Prepend", "no prepend string");
		rc = utf32_dup(content, &nz->content, &nz->content_len);
	} else if (!strcmp(type, "Strip")) {
		nz->type = TK_N_STRIP;
		nz->strip_left = get_bool(o, "strip_left", true);
		nz->strip_right = get_bool(o, "strip_right", true);
	} else if (!strcmp(type, "Sequence")) {
		json_object *arr = get(o, "normalizers");
		size_t i, n;

		nz->type = TK_N_SEQUENCE;
		if (!arr || !json_object_is_type(arr, json_type_array))
			return bad("normalizer Sequence", "no normalizers array");
		n = json_object_array_length(arr);
		if (!(nz->items = calloc(n + 1, sizeof(*nz->items))))
			return hfgit_error__oom();
		for (i = 0; rc == 0 && i < n; i++) {
			rc = normalizer(&nz->items[i], json_object_array_get_idx(arr, i));
			nz->nitems = i + 1;
		}
	} else {
		return hfgit_error__set(HFGIT_EINVALID, "normalizer '%s' is not "
		                        "implemented by hfgit (it knows BertNormalizer, Lowercase, "
		                        "StripAccents, NFC, NFD, NFKC, NFKD, Replace, Prepend, Strip, "
		                        "Sequence)", type);
	}
	return rc;
}

/* --- Pre-tokenizers ----------------------------------------------------------------------- */

static int pretok(tk_pretok **out, json_object *o)
{
	const char *type = type_of(o);
	tk_pretok *pt;
	int rc = 0;

	*out = NULL;
	if (!type)
		return bad("pre_tokenizer", "no type");
	if (!(pt = calloc(1, sizeof(*pt))))
		return hfgit_error__oom();
	*out = pt;
	if (!strcmp(type, "BertPreTokenizer")) {
		pt->type = TK_P_BERT;
	} else if (!strcmp(type, "ByteLevel")) {
		pt->type = TK_P_BYTE_LEVEL;
		pt->add_prefix_space = get_bool(o, "add_prefix_space", true);
		pt->trim_offsets = get_bool(o, "trim_offsets", true);
		pt->use_regex = get_bool(o, "use_regex", true);
		if (pt->use_regex)
			rc = tk_pretok_gpt2_pattern(&pt->pattern);
	} else if (!strcmp(type, "Whitespace")) {
		pt->type = TK_P_WHITESPACE;
	} else if (!strcmp(type, "WhitespaceSplit")) {
		pt->type = TK_P_WHITESPACE_SPLIT;
	} else if (!strcmp(type, "Punctuation")) {
		pt->type = TK_P_PUNCTUATION;
		rc = behavior(&pt->behavior, get_str(o, "behavior"), "Punctuation");
	} else if (!strcmp(type, "Digits")) {
		pt->type = TK_P_DIGITS;
		pt->individual_digits = get_bool(o, "individual_digits", false);
	} else if (!strcmp(type, "Metaspace")) {
		const char *r = get_str(o, "replacement");

		pt->type = TK_P_METASPACE;
		pt->split = get_bool(o, "split", true);
		pt->replacement = 0x2581;
		if (r && (rc = one_char(r, &pt->replacement, "Metaspace replacement")) < 0)
			return rc;
		rc = prepend_scheme(&pt->prepend_scheme, o);
	} else if (!strcmp(type, "Split")) {
		pt->type = TK_P_SPLIT;
		pt->invert = get_bool(o, "invert", false);
		if ((rc = behavior(&pt->behavior, get_str(o, "behavior"), "Split")) < 0)
			return rc;
		rc = pattern(&pt->pattern, get(o, "pattern"), "Split pre-tokenizer");
	} else if (!strcmp(type, "Sequence")) {
		json_object *arr = get(o, "pretokenizers");
		size_t i, n;

		pt->type = TK_P_SEQUENCE;
		if (!arr || !json_object_is_type(arr, json_type_array))
			return bad("pre_tokenizer Sequence", "no pretokenizers array");
		n = json_object_array_length(arr);
		if (!(pt->items = calloc(n + 1, sizeof(*pt->items))))
			return hfgit_error__oom();
		for (i = 0; rc == 0 && i < n; i++) {
			rc = pretok(&pt->items[i], json_object_array_get_idx(arr, i));
			pt->nitems = i + 1;
		}
	} else {
		return hfgit_error__set(HFGIT_EINVALID, "pre_tokenizer '%s' is not "
		                        "implemented by hfgit (it knows BertPreTokenizer, ByteLevel, "
		                        "Whitespace, WhitespaceSplit, Punctuation, Digits, Metaspace, "
		                        "Split, Sequence)", type);
	}
	return rc;
}

/* --- Models --------------------------------------------------------------------------------- */

static int vocab_object(tk_model *m, json_object *v)
{
	int rc = 0;

	if (!v || !json_object_is_type(v, json_type_object))
		return bad("model", "vocab must be an object of token: id");
	json_object_object_foreach(v, key, val) {
		int64_t id;

		if (!json_object_is_type(val, json_type_int))
			return bad("model vocab", "ids must be integers");
		id = json_object_get_int64(val);
		if (id < 0 || id > INT32_MAX)
			return bad("model vocab", "id out of range");
		if ((rc = tk_vocab_add(&m->vocab, key, strlen(key), (int32_t)id)) < 0)
			return rc;
	}
	return 0;
}

/* A merge "a b" or ["a", "b"]: both parts, pointers into the JSON or into `buf`. */
static int merge_parts(json_object *e, const char **a, size_t *al, const char **b, size_t *bl)
{
	if (json_object_is_type(e, json_type_string)) {
		const char *s = json_object_get_string(e), *sp = strchr(s, ' ');

		if (!sp || strchr(sp + 1, ' '))
			return bad("BPE merges", "a merge string must be two tokens separated by one space");
		*a = s;
		*al = (size_t)(sp - s);
		*b = sp + 1;
		*bl = strlen(sp + 1);
		return 0;
	}
	if (json_object_is_type(e, json_type_array) && json_object_array_length(e) == 2) {
		json_object *x = json_object_array_get_idx(e, 0), *y = json_object_array_get_idx(e, 1);

		if (json_object_is_type(x, json_type_string) && json_object_is_type(y, json_type_string)) {
			*a = json_object_get_string(x);
			*al = (size_t)json_object_get_string_len(x);
			*b = json_object_get_string(y);
			*bl = (size_t)json_object_get_string_len(y);
			return 0;
		}
	}
	return bad("BPE merges", "each merge must be \"a b\" or [\"a\", \"b\"]");
}

int tk_bpe_add_merge(tk_model *m, const char *a, size_t al, const char *b, size_t bl,
                     uint32_t rank)
{
	size_t plen = m->prefix ? strlen(m->prefix) : 0;
	int32_t ia = tk_vocab_get(&m->vocab, a, al), ib = tk_vocab_get(&m->vocab, b, bl), id;
	char stack[256], *buf = stack;
	size_t nl;

	if (ia < 0 || ib < 0)
		return hfgit_error__set(HFGIT_EINVALID, "BPE merge %u: '%.*s' is not in the vocabulary",
		                        rank, (int)(ia < 0 ? al : bl), ia < 0 ? a : b);
	/* The merged token drops the right part's continuing_subword_prefix. */
	if (plen > bl)
		plen = bl;
	nl = al + bl - plen;
	if (nl > sizeof(stack) && !(buf = malloc(nl)))
		return hfgit_error__oom();
	memcpy(buf, a, al);
	memcpy(buf + al, b + plen, bl - plen);
	id = tk_vocab_get(&m->vocab, buf, nl);
	if (id < 0) {
		int rc = hfgit_error__set(HFGIT_EINVALID, "BPE merge %u: the merged token '%.*s' is not "
		                          "in the vocabulary", rank, (int)nl, buf);

		if (buf != stack)
			free(buf);
		return rc;
	}
	if (buf != stack)
		free(buf);
	return tk_pair_map_put(&m->merges, ia, ib, rank, id);
}

static int model(tk_model *m, json_object *o)
{
	const char *type = type_of(o), *s;
	int rc;

	if (!o)
		return bad("model", "missing");
	if (!type) {
		/* Old files leave out the type: tell the models apart by their fields. */
		type = get(o, "merges") ? "BPE" : get(o, "continuing_subword_prefix") ? "WordPiece" :
		       json_object_is_type(get(o, "vocab"), json_type_array) ? "Unigram" : "?";
	}
	if ((s = get_str(o, "unk_token")) && !(m->unk_token = strdup(s)))
		return hfgit_error__oom();
	m->unk_id = -1;
	if (!strcmp(type, "WordPiece")) {
		m->type = TK_M_WORDPIECE;
		s = get_str(o, "continuing_subword_prefix");
		if (!(m->prefix = strdup(s ? s : "##")))
			return hfgit_error__oom();
		m->max_input_chars_per_word = get(o, "max_input_chars_per_word") ?
			(size_t)json_object_get_int64(get(o, "max_input_chars_per_word")) : 100;
		if (!m->unk_token && !(m->unk_token = strdup("[UNK]")))
			return hfgit_error__oom();
		if ((rc = vocab_object(m, get(o, "vocab"))) < 0)
			return rc;
	} else if (!strcmp(type, "BPE")) {
		json_object *merges = get(o, "merges"), *d = get(o, "dropout");
		size_t i, n;

		m->type = TK_M_BPE;
		if (d && json_object_get_double(d) > 0.0)
			return bad("BPE", "dropout is random; hfgit tokenizes deterministically only");
		if ((s = get_str(o, "continuing_subword_prefix")) && !(m->prefix = strdup(s)))
			return hfgit_error__oom();
		if ((s = get_str(o, "end_of_word_suffix")) && !(m->suffix = strdup(s)))
			return hfgit_error__oom();
		m->fuse_unk = get_bool(o, "fuse_unk", false);
		m->byte_fallback = get_bool(o, "byte_fallback", false);
		m->ignore_merges = get_bool(o, "ignore_merges", false);
		if ((rc = vocab_object(m, get(o, "vocab"))) < 0)
			return rc;
		if (merges && !json_object_is_type(merges, json_type_array))
			return bad("BPE", "merges must be an array");
		n = merges ? json_object_array_length(merges) : 0;
		for (i = 0; i < n; i++) {
			const char *a = NULL, *b = NULL;
			size_t al = 0, bl = 0;

			if ((rc = merge_parts(json_object_array_get_idx(merges, i), &a, &al, &b, &bl)) < 0 ||
			    (rc = tk_bpe_add_merge(m, a, al, b, bl, (uint32_t)i)) < 0)
				return rc;
		}
	} else if (!strcmp(type, "Unigram")) {
		json_object *v = get(o, "vocab"), *u = get(o, "unk_id");
		size_t i, n;

		m->type = TK_M_UNIGRAM;
		m->byte_fallback = get_bool(o, "byte_fallback", false);
		if (!v || !json_object_is_type(v, json_type_array))
			return bad("Unigram", "vocab must be an array of [piece, score]");
		n = json_object_array_length(v);
		if (!(m->scores = calloc(n + 1, sizeof(*m->scores))))
			return hfgit_error__oom();
		for (i = 0; i < n; i++) {
			json_object *e = json_object_array_get_idx(v, i), *p, *sc;

			if (!json_object_is_type(e, json_type_array) || json_object_array_length(e) != 2 ||
			    !json_object_is_type(p = json_object_array_get_idx(e, 0), json_type_string) ||
			    !(sc = json_object_array_get_idx(e, 1)))
				return bad("Unigram", "each vocab entry must be [piece, score]");
			m->scores[i] = json_object_get_double(sc);
			if ((rc = tk_vocab_add(&m->vocab, json_object_get_string(p),
			                       (size_t)json_object_get_string_len(p), (int32_t)i)) < 0)
				return rc;
		}
		if (m->vocab.size != n)
			return bad("Unigram", "a piece appears twice in the vocabulary");
		if (u) {
			int64_t id = json_object_get_int64(u);

			if (id < 0 || (size_t)id >= n)
				return bad("Unigram", "unk_id is not in the vocabulary");
			m->unk_id = (int32_t)id;
			free(m->unk_token);
			if (!(m->unk_token = strdup(m->vocab.strings[id])))
				return hfgit_error__oom();
		}
	} else {
		return hfgit_error__set(HFGIT_EINVALID, "model '%s' is not implemented "
		                        "by hfgit (it knows WordPiece, BPE, Unigram)", type);
	}
	if ((rc = tk_model_init(m)) < 0)
		return rc;
	if (m->type == TK_M_UNIGRAM && get(o, "unk_id"))
		m->unk_id = (int32_t)json_object_get_int64(get(o, "unk_id"));
	return 0;
}

/* --- Post-processors ------------------------------------------------------------------------ */

static int token_pair(json_object *o, const char *key, char **tok, int32_t *id, const char *what)
{
	json_object *v = get(o, key), *t, *i;

	if (!v || !json_object_is_type(v, json_type_array) || json_object_array_length(v) != 2 ||
	    !json_object_is_type(t = json_object_array_get_idx(v, 0), json_type_string) ||
	    !json_object_is_type(i = json_object_array_get_idx(v, 1), json_type_int))
		return hfgit_error__set(HFGIT_EINVALID, "%s: %s must be [token, id]",
		                        what, key);
	if (!(*tok = strdup(json_object_get_string(t))))
		return hfgit_error__oom();
	*id = (int32_t)json_object_get_int64(i);
	return 0;
}

static int template_pieces(tk_post *pp, json_object *arr, tk_piece **out, size_t *nout)
{
	size_t i, n;

	if (!arr || !json_object_is_type(arr, json_type_array))
		return bad("TemplateProcessing", "single and pair must be arrays");
	n = json_object_array_length(arr);
	if (!(*out = calloc(n + 1, sizeof(**out))))
		return hfgit_error__oom();
	*nout = n;
	for (i = 0; i < n; i++) {
		json_object *e = json_object_array_get_idx(arr, i), *x;
		tk_piece *p = &(*out)[i];

		if ((x = get(e, "SpecialToken"))) {
			const char *id = get_str(x, "id");
			size_t k;

			p->special = true;
			p->type_id = (uint32_t)json_object_get_int64(get(x, "type_id"));
			for (k = 0; id && k < pp->nspecials; k++)
				if (!strcmp(pp->specials[k].name, id))
					break;
			if (!id || k == pp->nspecials)
				return hfgit_error__set(HFGIT_EINVALID, "TemplateProcessing: "
				                        "special token '%s' is not in special_tokens",
				                        id ? id : "(none)");
			p->special_index = k;
		} else if ((x = get(e, "Sequence"))) {
			const char *id = get_str(x, "id");

			p->type_id = (uint32_t)json_object_get_int64(get(x, "type_id"));
			if (!id || (strcmp(id, "A") && strcmp(id, "B")))
				return bad("TemplateProcessing", "a Sequence id must be A or B");
			p->seq = id[0] == 'B';
		} else {
			return bad("TemplateProcessing", "a piece must be SpecialToken or Sequence");
		}
	}
	return 0;
}

static int post(tk_post **out, json_object *o)
{
	const char *type = type_of(o);
	tk_post *pp;
	int rc = 0;

	*out = NULL;
	if (!type)
		return bad("post_processor", "no type");
	if (!(pp = calloc(1, sizeof(*pp))))
		return hfgit_error__oom();
	*out = pp;
	if (!strcmp(type, "TemplateProcessing")) {
		json_object *sp = get(o, "special_tokens");

		pp->type = TK_PP_TEMPLATE;
		if (sp && json_object_is_type(sp, json_type_object)) {
			size_t n = (size_t)json_object_object_length(sp), k = 0;

			if (!(pp->specials = calloc(n + 1, sizeof(*pp->specials))))
				return hfgit_error__oom();
			json_object_object_foreach(sp, name, val) {
				tk_special *s = &pp->specials[k++];
				json_object *ids = get(val, "ids"), *toks = get(val, "tokens");
				size_t j, m;

				pp->nspecials = k;
				if (!(s->name = strdup(name)))
					return hfgit_error__oom();
				if (!ids || !toks || !json_object_is_type(ids, json_type_array) ||
				    !json_object_is_type(toks, json_type_array) ||
				    json_object_array_length(ids) != json_object_array_length(toks))
					return bad("TemplateProcessing", "special token without ids and tokens");
				m = json_object_array_length(ids);
				s->ids = calloc(m + 1, sizeof(*s->ids));
				s->tokens = calloc(m + 1, sizeof(*s->tokens));
				if (!s->ids || !s->tokens)
					return hfgit_error__oom();
				s->n = m;
				for (j = 0; j < m; j++) {
					s->ids[j] = (int32_t)json_object_get_int64(json_object_array_get_idx(ids, j));
					if (!(s->tokens[j] = strdup(json_object_get_string(
						json_object_array_get_idx(toks, j)))))
						return hfgit_error__oom();
				}
			}
		}
		if ((rc = template_pieces(pp, get(o, "single"), &pp->single, &pp->nsingle)) < 0)
			return rc;
		rc = template_pieces(pp, get(o, "pair"), &pp->pair, &pp->npair);
	} else if (!strcmp(type, "BertProcessing")) {
		pp->type = TK_PP_BERT;
		if ((rc = token_pair(o, "sep", &pp->sep, &pp->sep_id, type)) < 0)
			return rc;
		rc = token_pair(o, "cls", &pp->cls, &pp->cls_id, type);
	} else if (!strcmp(type, "RobertaProcessing")) {
		pp->type = TK_PP_ROBERTA;
		pp->trim_offsets = get_bool(o, "trim_offsets", true);
		pp->add_prefix_space = get_bool(o, "add_prefix_space", true);
		if ((rc = token_pair(o, "sep", &pp->sep, &pp->sep_id, type)) < 0)
			return rc;
		rc = token_pair(o, "cls", &pp->cls, &pp->cls_id, type);
	} else if (!strcmp(type, "ByteLevel")) {
		pp->type = TK_PP_BYTE_LEVEL;
		pp->trim_offsets = get_bool(o, "trim_offsets", true);
		pp->add_prefix_space = get_bool(o, "add_prefix_space", true);
	} else if (!strcmp(type, "Sequence")) {
		json_object *arr = get(o, "processors");
		size_t i, n;

		pp->type = TK_PP_SEQUENCE;
		if (!arr || !json_object_is_type(arr, json_type_array))
			return bad("post_processor Sequence", "no processors array");
		n = json_object_array_length(arr);
		if (!(pp->items = calloc(n + 1, sizeof(*pp->items))))
			return hfgit_error__oom();
		for (i = 0; rc == 0 && i < n; i++) {
			rc = post(&pp->items[i], json_object_array_get_idx(arr, i));
			pp->nitems = i + 1;
		}
	} else {
		return hfgit_error__set(HFGIT_EINVALID, "post_processor '%s' is not "
		                        "implemented by hfgit (it knows TemplateProcessing, "
		                        "BertProcessing, RobertaProcessing, ByteLevel, Sequence)", type);
	}
	return rc;
}

/* --- Decoders ------------------------------------------------------------------------------ */

static int decoder(tk_decoder **out, json_object *o)
{
	const char *type = type_of(o), *s;
	tk_decoder *d;
	int rc = 0;

	*out = NULL;
	if (!type)
		return bad("decoder", "no type");
	if (!(d = calloc(1, sizeof(*d))))
		return hfgit_error__oom();
	*out = d;
	if (!strcmp(type, "WordPiece")) {
		d->type = TK_D_WORDPIECE;
		s = get_str(o, "prefix");
		d->cleanup = get_bool(o, "cleanup", true);
		if (!(d->prefix = strdup(s ? s : "##")))
			return hfgit_error__oom();
	} else if (!strcmp(type, "ByteLevel")) {
		d->type = TK_D_BYTE_LEVEL;
	} else if (!strcmp(type, "Metaspace")) {
		const char *r = get_str(o, "replacement");

		d->type = TK_D_METASPACE;
		d->replacement = 0x2581;
		if (r && (rc = one_char(r, &d->replacement, "Metaspace replacement")) < 0)
			return rc;
		rc = prepend_scheme(&d->prepend_scheme, o);
	} else if (!strcmp(type, "BPEDecoder")) {
		d->type = TK_D_BPE;
		s = get_str(o, "suffix");
		if (!(d->suffix = strdup(s ? s : "</w>")))
			return hfgit_error__oom();
	} else if (!strcmp(type, "Replace")) {
		json_object *p = get(o, "pattern");

		d->type = TK_D_REPLACE;
		s = get_str(o, "content");
		if (!p || !get_str(p, "String") || !s)
			return bad("Replace decoder", "hfgit supports a String pattern and a content");
		if (!(d->pattern = strdup(get_str(p, "String"))) || !(d->content = strdup(s)))
			return hfgit_error__oom();
	} else if (!strcmp(type, "ByteFallback")) {
		d->type = TK_D_BYTE_FALLBACK;
	} else if (!strcmp(type, "Fuse")) {
		d->type = TK_D_FUSE;
	} else if (!strcmp(type, "Strip")) {
		d->type = TK_D_STRIP;
		s = get_str(o, "content");
		if (!s || (rc = one_char(s, &d->strip_content, "Strip decoder content")) < 0)
			return rc < 0 ? rc : bad("Strip decoder", "no content");
		d->strip_start = (size_t)json_object_get_int64(get(o, "start"));
		d->strip_stop = (size_t)json_object_get_int64(get(o, "stop"));
	} else if (!strcmp(type, "Sequence")) {
		json_object *arr = get(o, "decoders");
		size_t i, n;

		d->type = TK_D_SEQUENCE;
		if (!arr || !json_object_is_type(arr, json_type_array))
			return bad("decoder Sequence", "no decoders array");
		n = json_object_array_length(arr);
		if (!(d->items = calloc(n + 1, sizeof(*d->items))))
			return hfgit_error__oom();
		for (i = 0; rc == 0 && i < n; i++) {
			rc = decoder(&d->items[i], json_object_array_get_idx(arr, i));
			d->nitems = i + 1;
		}
	} else {
		return hfgit_error__set(HFGIT_EINVALID, "decoder '%s' is not "
		                        "implemented by hfgit (it knows WordPiece, ByteLevel, Metaspace, "
		                        "BPEDecoder, Replace, ByteFallback, Fuse, Strip, Sequence)", type);
	}
	return rc;
}

/* --- Added tokens, truncation, padding ------------------------------------------------------- */

static int added_tokens(hfgit_tokenizer *t, json_object *arr)
{
	size_t i, n;

	if (!arr)
		return 0;
	if (!json_object_is_type(arr, json_type_array))
		return bad("added_tokens", "must be an array");
	n = json_object_array_length(arr);
	if (!(t->added = calloc(n + 1, sizeof(*t->added))))
		return hfgit_error__oom();
	for (i = 0; i < n; i++) {
		json_object *o = json_object_array_get_idx(arr, i), *id = get(o, "id");
		const char *content = get_str(o, "content");
		tk_added *a = &t->added[t->nadded];

		if (!content || !id || !json_object_is_type(id, json_type_int))
			return bad("added_tokens", "each needs an id and a content");
		if (!(a->content = strdup(content)))
			return hfgit_error__oom();
		a->id = (int32_t)json_object_get_int64(id);
		a->single_word = get_bool(o, "single_word", false);
		a->lstrip = get_bool(o, "lstrip", false);
		a->rstrip = get_bool(o, "rstrip", false);
		a->special = get_bool(o, "special", false);
		a->normalized = get_bool(o, "normalized", !a->special);
		t->nadded++;
	}
	return 0;
}

static int truncation(tk_truncation *tr, json_object *o)
{
	const char *s;

	if (!o)
		return 0;
	tr->enabled = true;
	tr->max_length = (size_t)json_object_get_int64(get(o, "max_length"));
	tr->stride = (size_t)json_object_get_int64(get(o, "stride"));
	tr->left = (s = get_str(o, "direction")) && !strcmp(s, "Left");
	s = get_str(o, "strategy");
	tr->strategy = !s || !strcmp(s, "LongestFirst") ? TK_LONGEST_FIRST :
	               !strcmp(s, "OnlyFirst") ? TK_ONLY_FIRST : TK_ONLY_SECOND;
	if (s && strcmp(s, "LongestFirst") && strcmp(s, "OnlyFirst") && strcmp(s, "OnlySecond"))
		return bad("truncation", "strategy must be LongestFirst, OnlyFirst or OnlySecond");
	return 0;
}

static int padding(tk_padding *p, json_object *o)
{
	json_object *st;
	const char *s;

	if (!o)
		return 0;
	p->enabled = true;
	st = get(o, "strategy");
	if (st && json_object_is_type(st, json_type_object) && get(st, "Fixed")) {
		p->fixed = true;
		p->length = (size_t)json_object_get_int64(get(st, "Fixed"));
	} else if (st && !(json_object_is_type(st, json_type_string) &&
	                   !strcmp(json_object_get_string(st), "BatchLongest"))) {
		return bad("padding", "strategy must be BatchLongest or {\"Fixed\": n}");
	}
	p->left = (s = get_str(o, "direction")) && !strcmp(s, "Left");
	p->multiple = (size_t)json_object_get_int64(get(o, "pad_to_multiple_of"));
	p->pad_id = (int32_t)json_object_get_int64(get(o, "pad_id"));
	p->pad_type_id = (uint32_t)json_object_get_int64(get(o, "pad_type_id"));
	s = get_str(o, "pad_token");
	if (!(p->pad_token = strdup(s ? s : "[PAD]")))
		return hfgit_error__oom();
	return 0;
}

int tk_load_json(hfgit_tokenizer *t, const char *json, size_t len, const char *name)
{
	struct json_tokener *tok = json_tokener_new_ex(64);
	json_object *root;
	const char *v;
	int rc = 0;

	if (!tok)
		return hfgit_error__oom();
	root = json_tokener_parse_ex(tok, json, (int)len);
	if (!root || json_tokener_get_error(tok) != json_tokener_success) {
		rc = hfgit_error__set(HFGIT_EINVALID, "%s is not valid JSON (%s at byte %zu)", name,
		                      json_tokener_error_desc(json_tokener_get_error(tok)),
		                      json_tokener_get_parse_end(tok));
		json_tokener_free(tok);
		json_object_put(root);
		return rc;
	}
	json_tokener_free(tok);
	if (!json_object_is_type(root, json_type_object)) {
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: the top level must be an object", name);
		goto out;
	}
	if ((v = get_str(root, "version")) && strcmp(v, "1.0")) {
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: version '%s' is not 1.0", name, v);
		goto out;
	}
	if ((rc = model(&t->model, get(root, "model"))) < 0 ||
	    (get(root, "normalizer") && (rc = normalizer(&t->normalizer, get(root, "normalizer"))) < 0) ||
	    (get(root, "pre_tokenizer") && (rc = pretok(&t->pretok, get(root, "pre_tokenizer"))) < 0) ||
	    (get(root, "post_processor") && (rc = post(&t->post, get(root, "post_processor"))) < 0) ||
	    (get(root, "decoder") && (rc = decoder(&t->decoder, get(root, "decoder"))) < 0) ||
	    (rc = added_tokens(t, get(root, "added_tokens"))) < 0 ||
	    (rc = truncation(&t->truncation, get(root, "truncation"))) < 0 ||
	    (rc = padding(&t->padding, get(root, "padding"))) < 0)
		goto out;
out:
	json_object_put(root);
	if (rc < 0 && strncmp(hfgit_error_last(), name, strlen(name))) {
		char *msg = strdup(hfgit_error_last());

		if (msg)
			hfgit_error__set(rc, "%s: %s", name, msg);
		free(msg);
	}
	return rc;
}
