#include "forward/decoder.h"

#include <string.h>

int hfgit_decoder__cache_alloc(hfgit_kv_cache *c, size_t layers, size_t batch, size_t cap,
                               size_t width, bool bf16, hfgit_arena *a)
{
	const size_t n = layers * batch * cap * width;

	c->layers = layers;
	c->batch = batch;
	c->cap = cap;
	c->width = width;
	c->len = 0;
	c->k = c->v = NULL;
	c->kb = c->vb = NULL;
	if (bf16) {
		/* Two BF16 values per float-sized arena slot. */
		c->kb = (uint16_t *)(void *)hfgit_arena__floats(a, (n + 1) / 2);
		c->vb = (uint16_t *)(void *)hfgit_arena__floats(a, (n + 1) / 2);
	} else {
		c->k = hfgit_arena__floats(a, n);
		c->v = hfgit_arena__floats(a, n);
	}
	/* int64 masks in float-sized arena slots: two per value. */
	c->mask = (int64_t *)(void *)hfgit_arena__floats(a, 2 * batch * cap);
	return (c->k || c->kb) && (c->v || c->vb) && c->mask ? 0 : HFGIT_ERROR;
}

int64_t *hfgit_decoder__keys(hfgit_kv_cache *c, const int64_t *mask, size_t t, hfgit_arena *a)
{
	const size_t kv = c->len + t;
	int64_t *keys = (int64_t *)(void *)hfgit_arena__floats(a, 2 * c->batch * kv);
	size_t b, j;

	if (!keys)
		return NULL;
	for (b = 0; b < c->batch; b++) {
		for (j = 0; j < t; j++)
			c->mask[b * c->cap + c->len + j] = mask ? mask[b * t + j] : 1;
		memcpy(keys + b * kv, c->mask + b * c->cap, kv * sizeof(*keys));
	}
	return keys;
}

int hfgit_decoder__forward(const hfgit_decoder *d, hfgit_runner *r,
                           const hfgit_forward_inputs *in, hfgit_outputs *out, hfgit_arena *a,
                           bool lm)
{
	const size_t B = in->batch, S = in->seq_len, rows = B * S;
	long long vocab, positions_max, hidden;
	hfgit_kv_cache cache;
	int64_t *positions;
	float *h, *o;
	size_t row, H;
	int rc;

	d->dims(r, &vocab, &positions_max, &hidden);
	H = (size_t)hidden;
	if ((rc = d->cache_init(&cache, r, B, S, a)) < 0 ||
	    !(h = hfgit_arena__floats(a, rows * H)) ||
	    !(positions = (int64_t *)(void *)hfgit_arena__floats(a, 2 * rows)))
		return HFGIT_ERROR;
	for (row = 0; row < rows; row++)
		positions[row] = (int64_t)(row % S);
	if ((rc = d->step(r, &cache, in->input_ids, positions, in->attention_mask, S, h, a, in,
	                  out)) < 0)
		return rc;
	if (lm) {
		if (!(o = hfgit_outputs__add(out, "logits", 3,
		                             (const long long[]){ (long long)B, (long long)S, vocab })))
			return HFGIT_ERROR;
		return d->logits(r, o, h, H, rows);
	}
	if (!(o = hfgit_outputs__add(out, "last_hidden_state", 3,
	                             (const long long[]){ (long long)B, (long long)S, hidden })))
		return HFGIT_ERROR;
	memcpy(o, h, rows * H * sizeof(float));
	return 0;
}
