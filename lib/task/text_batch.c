/* Texts to one padded batch: encoded with special tokens, truncated to what the model takes. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/task.h"

void hfgit_task__batch_dispose(task_batch *b)
{
	free(b->ids);
	free(b->mask);
	free(b->types);
	free(b->lens);
	memset(b, 0, sizeof(*b));
}

/*
 * Encode one text; when it is longer than `limit` tokens, encode it again truncated (longest
 * first, as transformers' truncation=True) and say so: a silent cut would change the answer.
 */
static int encode_one(hfgit_encoding **enc, hfgit_pipeline *p, const char *text, size_t len,
                      size_t index, size_t limit, const task_encode *how,
                      const hfgit_run_options *o, task_item *it)
{
	hfgit_encode_options eo = HFGIT_ENCODE_OPTIONS_INIT;
	size_t got, reserve = how->reserve;
	int rc;

	eo.no_special_tokens = !how->special;
	if ((rc = hfgit_tokenizer_encode(enc, p->tok, text, len, NULL, 0, &eo)) < 0)
		return hfgit_error__set(rc, "input %zu: %s", index, hfgit_error_last());
	got = hfgit_encoding_length(*enc);
	if (limit && got > limit && how->whole) {
		hfgit_encoding_free(*enc);
		*enc = NULL;
		return hfgit_error__set(HFGIT_EINVALID, "the prompt is %zu tokens; with %zu new ones "
		                        "it exceeds the model's %zu positions: shorten the conversation "
		                        "or ask for fewer new tokens", got, reserve, p->max_length);
	}
	if (limit && got > limit) {
		hfgit_encoding_free(*enc);
		eo.max_length = limit;
		if ((rc = hfgit_tokenizer_encode(enc, p->tok, text, len, NULL, 0, &eo)) < 0)
			return hfgit_error__set(rc, "input %zu: %s", index, hfgit_error_last());
		it->pub.truncated_from = got;
		if (reserve)
			hfgit_task__warn(o, index, "%zu tokens, more than the %zu that leave room for %zu new "
			                 "ones within the model's %zu positions: truncated to %zu", got, limit,
			                 reserve, p->max_length, hfgit_encoding_length(*enc));
		else
			hfgit_task__warn(o, index, "%zu tokens, more than the %zu the model takes: truncated "
			                 "to %zu", got, limit, hfgit_encoding_length(*enc));
	}
	if (hfgit_encoding_length(*enc) == 0)
		return hfgit_error__set(HFGIT_EINVALID, "input %zu gives no tokens: the model needs "
		                        "at least one", index);
	return 0;
}

int hfgit_task__batch_encode(task_batch *b, hfgit_pipeline *p, const char *const *texts,
                             const size_t *lens, size_t n, const task_encode *how,
                             const hfgit_run_options *o, task_item *items)
{
	hfgit_encoding **enc;
	size_t i, j, limit = p->max_length, reserve = how->reserve;
	bool left = how->left;
	bool any_type = false;
	int rc = 0;

	memset(b, 0, sizeof(*b));
	if (limit && reserve) {
		if (reserve >= limit)
			return hfgit_error__set(HFGIT_EINVALID, "%zu new tokens do not fit the model's %zu "
			                        "positions beside a prompt: ask for fewer", reserve, limit);
		limit -= reserve;
	}
	if (!(enc = calloc(n, sizeof(*enc))))
		return hfgit_error__oom();
	for (i = 0; i < n && rc == 0; i++) {
		size_t len = lens ? lens[i] : strlen(texts[i]);

		rc = encode_one(&enc[i], p, texts[i], len, how->first + i, limit, how, o, &items[i]);
		if (rc == 0 && hfgit_encoding_length(enc[i]) > b->seq_len)
			b->seq_len = hfgit_encoding_length(enc[i]);
	}
	if (rc < 0)
		goto out;
	b->n = n;
	if (!(b->ids = calloc(n * b->seq_len, sizeof(*b->ids))) ||
	    !(b->mask = calloc(n * b->seq_len, sizeof(*b->mask))) ||
	    !(b->types = calloc(n * b->seq_len, sizeof(*b->types))) ||
	    !(b->lens = calloc(n, sizeof(*b->lens)))) {
		rc = hfgit_error__oom();
		goto out;
	}
	for (i = 0; i < n; i++) {
		size_t len = hfgit_encoding_length(enc[i]);
		size_t at = i * b->seq_len + (left ? b->seq_len - len : 0);
		const int32_t *ids = hfgit_encoding_ids(enc[i]);
		const uint32_t *types = hfgit_encoding_type_ids(enc[i]);
		const uint32_t *mask = hfgit_encoding_attention_mask(enc[i]);
		task_item *it = &items[i];

		for (j = 0; j < b->seq_len; j++)
			b->ids[i * b->seq_len + j] = p->pad_id;
		for (j = 0; j < len; j++) {
			b->ids[at + j] = ids[j];
			b->mask[at + j] = mask[j]; /* 0 where tokenizer.json pads */
			b->types[at + j] = types[j];
			any_type |= types[j] != 0;
		}
		b->lens[i] = len;
		if (!(it->ids = malloc(len * sizeof(*it->ids)))) {
			rc = hfgit_error__oom();
			goto out;
		}
		memcpy(it->ids, ids, len * sizeof(*it->ids));
		it->pub.input_ids = it->ids;
		it->pub.input_tokens = len;
	}
	/* Only BERT has segment embeddings; all zeros are its default. */
	if (!any_type || !p->token_types) {
		free(b->types);
		b->types = NULL;
	}
out:
	for (i = 0; i < n; i++)
		hfgit_encoding_free(enc[i]);
	free(enc);
	if (rc < 0)
		hfgit_task__batch_dispose(b);
	return rc;
}
