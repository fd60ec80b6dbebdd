/*
 * Text generation: prompts continued by the causal LM, the text streamed as it is made.
 *
 * Text is decoded from the prompt and all the new tokens at every step and the continuation
 * taken after the prompt's own decoding, as transformers' pipeline cuts it: decoders that
 * join words (WordPiece's "##", Metaspace's "▁") then space it as the whole text would be. A
 * byte-level token may hold part of a character; the lossy decoding shows that as U+FFFD at
 * the end, which waits until the next tokens complete the character (or the end).
 */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/task.h"

typedef struct {
	hfgit_pipeline *p;
	const hfgit_run_options *o;
	task_stream *s;
	size_t first;
	int rc;            /* an error of ours inside the callback */
} gen_state;

/* Bytes of `text` without a trailing run of U+FFFD (EF BF BD): a character still coming. */
static size_t complete_prefix(const char *text, size_t len)
{
	while (len >= 3 && !memcmp(text + len - 3, "\xef\xbf\xbd", 3))
		len -= 3;
	return len;
}

int hfgit_task__stream_init(task_stream *s, hfgit_tokenizer *tok, const int32_t *prompt, size_t n,
                            size_t expect)
{
	char *text;
	size_t j;
	int rc;

	memset(s, 0, sizeof(*s));
	s->tok = tok;
	s->prompt = s->len = n;
	s->cap = n + expect + 1;
	if (!(s->ids = malloc(s->cap * sizeof(*s->ids))))
		return hfgit_error__oom();
	for (j = 0; j < n; j++)
		s->ids[j] = prompt[j];
	if ((rc = hfgit_tokenizer_decode(&text, &s->prompt_text, tok, s->ids, s->len, 1)) < 0)
		return rc;
	free(text);
	return 0;
}

void hfgit_task__stream_dispose(task_stream *s)
{
	free(s->ids);
	s->ids = NULL;
}

int hfgit_task__stream_emit(task_stream *s, bool final, hfgit_text_cb cb, size_t index,
                            void *payload, char **out, size_t *out_len)
{
	size_t len, cont, end, skip;
	char *text;
	int rc;

	if ((rc = hfgit_tokenizer_decode(&text, &len, s->tok, s->ids, s->len, 1)) < 0)
		return rc;
	skip = len > s->prompt_text ? s->prompt_text : len;
	cont = len - skip;
	end = final ? cont : complete_prefix(text + skip, cont);
	if (end > s->printed && cb && cb(index, text + skip + s->printed, end - s->printed,
	                                 payload)) {
		free(text);
		return hfgit_error__set(HFGIT_EINTERRUPTED, "text generation stopped by the text "
		                        "callback");
	}
	if (end > s->printed)
		s->printed = end;
	if (out) {
		memmove(text, text + skip, cont);
		text[cont] = '\0';
		*out = text;
		*out_len = cont;
	} else {
		free(text);
	}
	return 0;
}

int hfgit_task__stream_push(task_stream *s, int64_t token)
{
	if (s->len == s->cap) {
		size_t cap = s->cap * 2;
		int *grown = realloc(s->ids, cap * sizeof(*grown));

		if (!grown)
			return hfgit_error__oom();
		s->ids = grown;
		s->cap = cap;
	}
	s->ids[s->len++] = (int)token;
	return 0;
}

static int on_token(size_t seq, int64_t token, void *payload)
{
	gen_state *g = payload;
	task_stream *s = &g->s[seq];

	if ((g->rc = hfgit_task__stream_push(s, token)) < 0)
		return 1;
	if (g->o->on_text &&
	    (g->rc = hfgit_task__stream_emit(s, false, g->o->on_text, g->first + seq, g->o->payload,
	                                     NULL, NULL)) < 0)
		return 1;
	return 0;
}

int hfgit_task__generate(task_item *items, hfgit_pipeline *p, const task_batch *b, size_t first,
                         const hfgit_run_options *o)
{
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	hfgit_generate_options go = o->generate;
	hfgit_generation *gen = NULL;
	gen_state g = { p, o, NULL, first, 0 };
	size_t i, n;
	int rc = 0;

	if (!(g.s = calloc(b->n, sizeof(*g.s))))
		return hfgit_error__oom();
	for (i = 0; i < b->n && rc == 0; i++)
		rc = hfgit_task__stream_init(&g.s[i], p->tok, items[i].ids, items[i].pub.input_tokens,
		                             go.max_new_tokens);
	if (rc < 0)
		goto out;
	in.batch = b->n;
	in.seq_len = b->seq_len;
	in.input_ids = b->ids;
	in.attention_mask = b->mask;
	go.on_token = on_token;
	go.payload = &g;
	if (go.max_new_tokens && (rc = hfgit_model_generate(&gen, p->model, &in, &go)) < 0) {
		if (g.rc < 0)
			rc = g.rc;
		goto out;
	}
	for (i = 0; i < b->n; i++) {
		task_item *it = &items[i];
		const int64_t *t = gen ? hfgit_generation_tokens(gen, i, &n) : NULL;

		if (!gen)
			n = 0;
		if (!(it->generated = malloc((n ? n : 1) * sizeof(*it->generated)))) {
			rc = hfgit_error__oom();
			goto out;
		}
		if (n)
			memcpy(it->generated, t, n * sizeof(*t));
		it->pub.generated_ids = it->generated;
		it->pub.ngenerated = n;
		if ((rc = hfgit_task__stream_emit(&g.s[i], true, o->on_text, first + i, o->payload, &it->text,
		                                  &it->pub.text_len)) < 0)
			goto out;
		it->pub.text = it->text;
	}
out:
	for (i = 0; i < b->n; i++)
		hfgit_task__stream_dispose(&g.s[i]);
	free(g.s);
	hfgit_generation_free(gen);
	return rc;
}
