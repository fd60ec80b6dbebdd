#include "forward/encoder.h"

#include <math.h>
#include <stdio.h>

int hfgit_encoder__ws_alloc(hfgit_encoder_ws *ws, const hfgit_encoder_shape *s, hfgit_arena *a)
{
	size_t rows = s->batch * s->seq;
	hfgit_attention_shape as = { .batch = s->batch, .q_len = s->seq, .kv_len = s->seq };

	ws->q = hfgit_arena__floats(a, rows * s->hidden);
	ws->k = hfgit_arena__floats(a, rows * s->hidden);
	ws->v = hfgit_arena__floats(a, rows * s->hidden);
	ws->ctx = hfgit_arena__floats(a, rows * s->hidden);
	ws->tmp = hfgit_arena__floats(a, rows * s->hidden);
	ws->up = hfgit_arena__floats(a, rows * s->intermediate);
	ws->scratch = hfgit_arena__floats(a, hfgit_attention__scratch(&as));
	return ws->q && ws->k && ws->v && ws->ctx && ws->tmp && ws->up && ws->scratch ? 0
	                                                                             : HFGIT_ERROR;
}

static void scale(float *x, size_t n, float by)
{
	size_t i;

	for (i = 0; i < n; i++)
		x[i] = x[i] / by;
}

int hfgit_encoder__layer_run(float *h, const hfgit_encoder_layer *l, const hfgit_encoder_shape *s,
                            hfgit_encoder_ws *ws)
{
	const size_t rows = s->batch * s->seq, H = s->hidden, d = H / s->heads;
	const float root = sqrtf((float)d);
	const float *x = h;
	hfgit_attention_shape as = {
		.batch = s->batch, .q_len = s->seq, .kv_len = s->seq, .heads = s->heads,
		.head_dim = d, .ld = H, .ctx_ld = H, .q_batch = s->seq * H, .kv_batch = s->seq * H,
		.scale = s->prescale_q ? 1.0f : 1.0f / root, .key_mask = s->mask,
	};
	/* The projections write each head's rows as a dense block, and attention reads them
	 * there: gathering them from the rows took BERT-base with 8 sequences of 128 12 ms a
	 * pass. */
	const hfgit_linear *qkv[3] = { &l->q, &l->k, &l->v };
	int rc;

	as.head_major = s->seq > 1 && hfgit_linear__heads_ok(&l->q, rows, d) &&
	                hfgit_linear__heads_ok(&l->k, rows, d) &&
	                hfgit_linear__heads_ok(&l->v, rows, d);
	if (s->pre_norm) {
		hfgit_norm__rows(ws->tmp, h, NULL, rows, H, l->norm1.gamma, l->norm1.beta, s->eps);
		x = ws->tmp;
	}
	if ((rc = as.head_major
	                  ? hfgit_linear__apply_heads(qkv, 3, (float *const[]){ ws->q, ws->k, ws->v },
	                                              d, x, H, rows)
	                  : hfgit_linear__apply_many(qkv, 3, (float *const[]){ ws->q, ws->k, ws->v },
	                                             (const size_t[]){ H, H, H }, x, H, rows)) < 0)
		return rc;
	if (s->prescale_q)
		scale(ws->q, rows * H, root);
	if ((rc = hfgit__attention(ws->ctx, ws->q, ws->k, ws->v, &as, ws->scratch)) < 0 ||
	    (rc = hfgit_linear__apply(&l->o, ws->tmp, H, ws->ctx, H, rows)) < 0)
		return rc;
	if (s->pre_norm) {
		hfgit__add(h, ws->tmp, rows * H);
		hfgit_norm__rows(ws->tmp, h, NULL, rows, H, l->norm2.gamma, l->norm2.beta, s->eps);
		x = ws->tmp;
	} else {
		hfgit_norm__rows(h, ws->tmp, h, rows, H, l->norm1.gamma, l->norm1.beta, s->eps);
		x = h;
	}
	if ((rc = hfgit_linear__apply_act(&l->up, ws->up, s->intermediate, x, H, rows,
	                                  s->act)) < 0)
		return rc;
	if ((rc = hfgit_linear__apply(&l->down, ws->tmp, H, ws->up, s->intermediate, rows)) < 0)
		return rc;
	if (s->pre_norm)
		hfgit__add(h, ws->tmp, rows * H);
	else
		hfgit_norm__rows(h, ws->tmp, h, rows, H, l->norm2.gamma, l->norm2.beta, s->eps);
	return 0;
}

int hfgit_encoder__layer_get(hfgit_encoder_layer *l, hfgit_runner *r, const char *prefix,
                            const hfgit_encoder_names *n, size_t hidden, size_t intermediate,
                            bool qkv_bias)
{
	char name[160];
	int rc;

#define LIN(field, in, out, bias)                                                            \
	(snprintf(name, sizeof(name), "%s%s", prefix, n->field),                              \
	 hfgit_runner__linear(&l->field, r, true, in, out, bias, false, name))
#define NORM(field)                                                                          \
	(snprintf(name, sizeof(name), "%s%s", prefix, n->field),                              \
	 hfgit_runner__norm(&l->field, r, true, hidden, name))
	if ((rc = LIN(q, hidden, hidden, qkv_bias)) < 0 || (rc = LIN(k, hidden, hidden, qkv_bias)) < 0 ||
	    (rc = LIN(v, hidden, hidden, qkv_bias)) < 0 || (rc = LIN(o, hidden, hidden, true)) < 0 ||
	    (rc = LIN(up, hidden, intermediate, true)) < 0 ||
	    (rc = LIN(down, intermediate, hidden, true)) < 0 || (rc = NORM(norm1)) < 0 ||
	    (rc = NORM(norm2)) < 0)
		return rc;
#undef LIN
#undef NORM
	return 0;
}
