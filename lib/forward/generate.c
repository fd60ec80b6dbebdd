/*
 * Generation with a causal language model (GPT2LMHeadModel), as transformers' generate():
 * the prompt in one step, then one token per step against the KV cache; greedy or sampled
 * after temperature, top-k and top-p (in that order, as its logits warpers); a sequence stops
 * at eos_token_id or after max_new_tokens. Batches are left-padded: position ids are
 * cumsum(attention_mask) - 1, as prepare_inputs_for_generation derives them.
 */
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "forward/generation_config.h"
#include "forward/decoder.h"
#include "tensor/threads.h"

struct hfgit_generation {
	size_t batch, cap;
	int64_t *tokens; /* [batch][cap] */
	size_t *len;
};

size_t hfgit_generation_count(const hfgit_generation *g)
{
	return g ? g->batch : 0;
}

const int64_t *hfgit_generation_tokens(const hfgit_generation *g, size_t i, size_t *len)
{
	if (!g || i >= g->batch) {
		if (len)
			*len = 0;
		return NULL;
	}
	if (len)
		*len = g->len[i];
	return g->tokens + i * g->cap;
}

void hfgit_generation_free(hfgit_generation *g)
{
	if (!g)
		return;
	free(g->tokens);
	free(g->len);
	free(g);
}

/* splitmix64: small, seedable, good enough to draw tokens. */
static double uniform(unsigned long long *state)
{
	unsigned long long z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	z ^= z >> 31;
	return (double)(z >> 11) / 9007199254740992.0;
}

static size_t argmax(const float *x, size_t n)
{
	size_t best = 0, i;

	for (i = 1; i < n; i++)
		if (x[i] > x[best])
			best = i;
	return best;
}

typedef struct {
	float p;
	size_t id;
} candidate;

static int by_prob(const void *a, const void *b)
{
	const candidate *x = a, *y = b;

	if (x->p != y->p)
		return x->p < y->p ? 1 : -1;
	return x->id < y->id ? -1 : x->id > y->id;
}

/* Temperature, top-k, top-p, then a draw; `c` has room for n. */
static size_t sample(const float *logits, size_t n, const hfgit_generate_options *o,
                     candidate *c, unsigned long long *rng)
{
	size_t keep = n, i;
	double sum = 0.0, cum = 0.0, u;
	float max = -FLT_MAX;

	for (i = 0; i < n; i++) {
		c[i].id = i;
		c[i].p = logits[i] / o->temperature;
		if (c[i].p > max)
			max = c[i].p;
	}
	for (i = 0; i < n; i++) {
		c[i].p = expf(c[i].p - max);
		sum += c[i].p;
	}
	for (i = 0; i < n; i++)
		c[i].p = (float)(c[i].p / sum);
	qsort(c, n, sizeof(*c), by_prob);
	if (o->top_k && o->top_k < keep)
		keep = o->top_k;
	if (o->top_p < 1.0f) {
		/* The smallest prefix whose probability reaches top_p (at least one token). The
		 * probabilities are renormalized after top-k first, as chained warpers see them. */
		double total = 0.0;

		for (i = 0; i < keep; i++)
			total += c[i].p;
		for (i = 0; i < keep; i++) {
			cum += c[i].p / total;
			if (cum >= o->top_p) {
				keep = i + 1;
				break;
			}
		}
	}
	sum = 0.0;
	for (i = 0; i < keep; i++)
		sum += c[i].p;
	u = uniform(rng) * sum;
	for (i = 0, cum = 0.0; i + 1 < keep; i++) {
		cum += c[i].p;
		if (u < cum)
			break;
	}
	return c[i].id;
}

static int check_options(const hfgit_generate_options *o)
{
	if (o->version != HFGIT_GENERATE_OPTIONS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_generate_options version %u is not %d: "
		                       "initialize with HFGIT_GENERATE_OPTIONS_INIT", o->version,
		                       HFGIT_GENERATE_OPTIONS_VERSION);
	if (o->do_sample && !(o->temperature > 0.0f))
		return hfgit_error__set(HFGIT_EINVALID, "temperature must be positive (it is %g)",
		                       (double)o->temperature);
	if (o->do_sample && !(o->top_p > 0.0f && o->top_p <= 1.0f))
		return hfgit_error__set(HFGIT_EINVALID, "top_p must be in (0, 1] (it is %g)",
		                       (double)o->top_p);
	return 0;
}

/* Left padding only: once a sequence has a token, the rest are tokens. */
static int check_left_padded(const hfgit_forward_inputs *in)
{
	size_t b, j;

	for (b = 0; in->attention_mask && b < in->batch; b++) {
		const int64_t *m = in->attention_mask + b * in->seq_len;
		bool seen = false;

		for (j = 0; j < in->seq_len; j++) {
			if (m[j])
				seen = true;
			else if (seen)
				return hfgit_error__set(HFGIT_EINVALID, "attention_mask[%zu] has padding "
				                       "after tokens: generation needs the padding on the "
				                       "left", b);
		}
		if (!seen)
			return hfgit_error__set(HFGIT_EINVALID, "attention_mask[%zu] is all padding: "
			                       "nothing to continue", b);
	}
	return 0;
}

/* RepetitionPenaltyLogitsProcessor: every token of the sequence so far (padding ids too,
 * as torch gathers over input_ids) gets its logit divided by the penalty when positive,
 * multiplied when negative. Like torch's gather then scatter, all new values are computed
 * from the old ones first, so a token that occurs twice is penalized once. */
static void penalize(float *logits, const int64_t *ids, size_t n, float penalty, float *tmp)
{
	size_t i;

	for (i = 0; i < n; i++) {
		float x = logits[ids[i]];

		tmp[i] = x < 0 ? x * penalty : x / penalty;
	}
	for (i = 0; i < n; i++)
		logits[ids[i]] = tmp[i];
}

typedef struct {
	const hfgit_decoder *dec;
	hfgit_runner *r;
	const hfgit_forward_inputs *in;
	const hfgit_generate_options *o;
	size_t B, S, total; /* prompt length, room for prompt + new tokens */
	long long vocab, hidden;
	int64_t *ids, *pos, *mask; /* [B][total]: the whole sequences so far */
	size_t len;                /* their length */
	float *logits;             /* [B][vocab] */
	hfgit_arena ws;            /* a step's workspace, reset for the next */
} run;

/* Run the tokens [from, len) of every sequence (the cache holds those before) and leave the
 * logits of the last position in r->logits. */
static int step(run *g, hfgit_kv_cache *cache, size_t from)
{
	const size_t B = g->B, t = g->len - from, H = (size_t)g->hidden;
	hfgit_arena *ws = &g->ws;
	int64_t *ids, *pos, *mask;
	float *h;
	size_t b;
	int rc = HFGIT_ERROR;

	/* The prompt's step takes the most; the decode steps then reuse its pages. */
	hfgit_arena__reset(ws);
	ids = (int64_t *)(void *)hfgit_arena__floats(ws, 2 * B * t);
	pos = (int64_t *)(void *)hfgit_arena__floats(ws, 2 * B * t);
	mask = (int64_t *)(void *)hfgit_arena__floats(ws, 2 * B * t);
	h = hfgit_arena__floats(ws, B * t * H);
	if (ids && pos && mask && h) {
		for (b = 0; b < B; b++) {
			memcpy(ids + b * t, g->ids + b * g->total + from, t * sizeof(*ids));
			memcpy(pos + b * t, g->pos + b * g->total + from, t * sizeof(*pos));
			memcpy(mask + b * t, g->mask + b * g->total + from, t * sizeof(*mask));
		}
		rc = g->dec->step(g->r, cache, ids, pos, mask, t, h, ws, NULL, NULL);
		if (rc == 0)
			rc = g->dec->logits(g->r, g->logits, h + (t - 1) * H, t * H, B);
	}
	return rc;
}

static int generate(hfgit_generation *out, run *g)
{
	const hfgit_generate_options *o = g->o;
	const size_t B = g->B, V = (size_t)g->vocab;
	hfgit_arena cache_ws = HFGIT_ARENA_INIT;
	unsigned long long rng = o->seed;
	long long eos[HFGIT_MAX_EOS] = { o->eos_token_id };
	size_t neos = o->eos_token_id >= 0, e;
	float penalty = o->repetition_penalty > 0.0f ? o->repetition_penalty : 1.0f;
	hfgit_kv_cache cache;
	candidate *cand = NULL;
	size_t done = 0, n, b;
	bool *finished;
	float *tmp = NULL;
	int rc = 0;

	if (o->eos_token_id == HFGIT_EOS_FROM_CONFIG &&
	    (rc = hfgit_generation__eos(eos, &neos, g->r->model)) < 0)
		return rc;
	if (!(finished = calloc(B, sizeof(*finished))) ||
	    !(tmp = malloc(g->total * sizeof(*tmp))) ||
	    (o->do_sample && !(cand = malloc(V * sizeof(*cand))))) {
		free(finished);
		free(tmp);
		return hfgit_error__oom();
	}
	if (!o->no_cache && (rc = g->dec->cache_init(&cache, g->r, B, g->total, &cache_ws)) < 0)
		goto out;
	for (n = 0; n < o->max_new_tokens && done < B; n++) {
		if (o->no_cache) {
			/* Everything again, through a cache that lives for this step only. */
			hfgit_arena once = HFGIT_ARENA_INIT;

			rc = g->dec->cache_init(&cache, g->r, B, g->len, &once);
			rc = rc ? rc : step(g, &cache, 0);
			hfgit_arena__release(&once);
		} else {
			rc = step(g, &cache, n ? g->len - 1 : 0);
		}
		if (rc < 0)
			goto out;
		for (b = 0; b < B; b++) {
			float *logits = g->logits + b * V;
			size_t at = b * g->total + g->len;
			int64_t token;

			if (penalty != 1.0f && !finished[b])
				penalize(logits, g->ids + b * g->total, g->len, penalty, tmp);
			/* A finished sequence is padded with the (first) eos id, as generate() pads
			 * with pad_token_id, here the eos. */
			token = finished[b] ? (neos ? eos[0] : 0)
			                    : (int64_t)(o->do_sample ? sample(logits, V, o, cand, &rng)
			                                            : argmax(logits, V));
			g->ids[at] = token;
			g->mask[at] = 1;
			g->pos[at] = g->pos[at - 1] + 1;
			if (finished[b])
				continue;
			out->tokens[b * out->cap + out->len[b]++] = token;
			for (e = 0; e < neos; e++) {
				if (token == eos[e]) {
					finished[b] = true;
					done++;
					break;
				}
			}
			if (o->on_token && o->on_token(b, token, o->payload)) {
				rc = hfgit_error__set(HFGIT_EINTERRUPTED, "generation stopped by the "
				                     "token callback");
				goto out;
			}
		}
		g->len++;
	}
out:
	hfgit_arena__release(&g->ws);
	hfgit_arena__release(&cache_ws);
	free(finished);
	free(tmp);
	free(cand);
	return rc;
}

/* The decoder of the model behind `g->r`, and the prompt checked against its limits. */
static int pick_decoder(run *g, hfgit_model *model, const hfgit_forward_inputs *in,
                        const hfgit_generate_options *opts)
{
	long long positions;
	int rc;

	if (g->r->arch == &hfgit_run__gpt2)
		g->dec = &hfgit_gpt2__decoder;
	else if (g->r->arch == &hfgit_run__llama || g->r->arch == &hfgit_run__mistral ||
	         g->r->arch == &hfgit_run__qwen2)
		g->dec = &hfgit_llama__decoder;
	if (!g->dec || g->r->head != HFGIT_AUTO_CAUSAL_LM)
		return hfgit_error__set(HFGIT_EINVALID, "%s cannot generate: generation needs a causal "
		                       "language model (GPT2LMHeadModel, LlamaForCausalLM, "
		                       "MistralForCausalLM, Qwen2ForCausalLM; --auto causal-lm)",
		                       hfgit_model_class(model));
	g->dec->dims(g->r, &g->vocab, &positions, &g->hidden);
	if (in->token_type_ids)
		return hfgit_error__set(HFGIT_EINVALID, "generation takes no token_type_ids");
	/* The Llama family's limit is a sliding window, checked below with its own name. */
	if ((rc = hfgit_check__text(in, g->vocab, g->dec == &hfgit_gpt2__decoder ? positions : 0,
	                            0)) < 0 ||
	    (rc = check_left_padded(in)) < 0)
		return rc;
	if (positions && g->dec != &hfgit_gpt2__decoder &&
	    in->seq_len + opts->max_new_tokens > (size_t)positions)
		return hfgit_error__set(HFGIT_EINVALID, "%zu prompt tokens + %zu new ones exceed the "
		                       "model's sliding window (sliding_window %lld), which hfgit "
		                       "does not implement", in->seq_len, opts->max_new_tokens,
		                       positions);
	if (positions && in->seq_len + opts->max_new_tokens > (size_t)positions)
		return hfgit_error__set(HFGIT_EINVALID, "%zu prompt tokens + %zu new ones exceed the "
		                       "model's %lld positions (n_positions)", in->seq_len,
		                       opts->max_new_tokens, positions);
	return 0;
}

/* The prompts into g's sequences, with their position ids. */
static void copy_prompts(run *g, const hfgit_forward_inputs *in)
{
	size_t b, j;

	for (b = 0; b < g->B; b++) {
		int64_t seen = 0;

		for (j = 0; j < g->S; j++) {
			int64_t m = in->attention_mask ? in->attention_mask[b * g->S + j] : 1;

			g->ids[b * g->total + j] = in->input_ids[b * g->S + j];
			g->mask[b * g->total + j] = m;
			seen += m;
			/* cumsum(mask) - 1, and 1 where masked, as prepare_inputs_for_generation */
			g->pos[b * g->total + j] = m ? seen - 1 : 1;
		}
	}
}

int hfgit_model_generate(hfgit_generation **out, hfgit_model *model,
                         const hfgit_forward_inputs *in, const hfgit_generate_options *opts)
{
	hfgit_generate_options defaults = HFGIT_GENERATE_OPTIONS_INIT;
	hfgit_generation *res;
	run g = { 0 };
	int rc, omp_threads;

	if (!out || !model || !in)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_model_generate: NULL argument");
	*out = NULL;
	if (!opts)
		opts = &defaults;
	if ((rc = check_options(opts)) < 0)
		return rc;
	if (in->version != HFGIT_FORWARD_INPUTS_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_forward_inputs version %u is not %d: "
		                       "initialize with HFGIT_FORWARD_INPUTS_INIT", in->version,
		                       HFGIT_FORWARD_INPUTS_VERSION);
	if (!in->batch)
		return hfgit_error__set(HFGIT_EINVALID, "an empty batch: give at least one sequence");
	if ((rc = hfgit_runner__get(&g.r, model)) < 0 ||
	    (rc = pick_decoder(&g, model, in, opts)) < 0)
		return rc;
	g.in = in;
	g.o = opts;
	g.B = in->batch;
	g.S = in->seq_len;
	g.total = g.S + opts->max_new_tokens;
	g.len = g.S;
	if (!(res = calloc(1, sizeof(*res))))
		return hfgit_error__oom();
	res->batch = g.B;
	res->cap = opts->max_new_tokens ? opts->max_new_tokens : 1;
	res->tokens = malloc(g.B * res->cap * sizeof(*res->tokens));
	res->len = calloc(g.B, sizeof(*res->len));
	g.ids = malloc(g.B * g.total * sizeof(*g.ids));
	g.pos = malloc(g.B * g.total * sizeof(*g.pos));
	g.mask = malloc(g.B * g.total * sizeof(*g.mask));
	g.logits = malloc(g.B * (size_t)g.vocab * sizeof(*g.logits));
	if (!res->tokens || !res->len || !g.ids || !g.pos || !g.mask || !g.logits) {
		rc = hfgit_error__oom();
		goto out;
	}
	copy_prompts(&g, in);
	omp_threads = hfgit_threads__enter();
	rc = generate(res, &g);
	hfgit_threads__leave(omp_threads);
out:
	free(g.ids);
	free(g.pos);
	free(g.mask);
	free(g.logits);
	if (rc < 0 && rc != HFGIT_EINTERRUPTED) {
		hfgit_generation_free(res);
		return rc;
	}
	*out = res;
	return rc;
}
