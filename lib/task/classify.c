/* Logits to labels with scores, as transformers' text- and image-classification pipelines. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/task.h"

/* The score function config.json implies for HFGIT_SCORES_AUTO. */
static hfgit_score_function score_function(const hfgit_config *cfg)
{
	const char *problem = NULL, *fn = NULL;
	size_t labels = hfgit_config_num_labels(cfg);

	hfgit_config_get_string(&problem, cfg, "problem_type");
	/* The order of TextClassificationPipeline.postprocess: sigmoid first. */
	if ((problem && !strcmp(problem, "multi_label_classification")) || labels == 1)
		return HFGIT_SCORES_SIGMOID;
	if ((problem && !strcmp(problem, "single_label_classification")) || labels > 1)
		return HFGIT_SCORES_SOFTMAX;
	if (hfgit_config_get_string(&fn, cfg, "function_to_apply") == 0 && fn) {
		if (!strcmp(fn, "sigmoid"))
			return HFGIT_SCORES_SIGMOID;
		if (!strcmp(fn, "softmax"))
			return HFGIT_SCORES_SOFTMAX;
	}
	hfgit_error__clear();
	return HFGIT_SCORES_NONE;
}

/* The pipeline's numpy softmax: shifted by the maximum, in double here. */
static void softmax(float *out, const float *x, size_t n)
{
	double max = x[0], sum = 0;
	size_t i;

	for (i = 1; i < n; i++)
		if (x[i] > max)
			max = x[i];
	for (i = 0; i < n; i++)
		sum += exp((double)x[i] - max);
	for (i = 0; i < n; i++)
		out[i] = (float)(exp((double)x[i] - max) / sum);
}

/* Best first; equal scores keep id order, as Python's stable sort(reverse=True) does. */
static int by_score(const void *a, const void *b)
{
	const hfgit_label_score *x = a, *y = b;

	if (x->score != y->score)
		return x->score > y->score ? -1 : 1;
	return x->id < y->id ? -1 : x->id > y->id;
}

int hfgit_task__classify(task_item *items, size_t n, const float *logits, size_t nlabels,
                         const hfgit_config *cfg, const hfgit_run_options *o, size_t default_top_k)
{
	hfgit_score_function fn = o->function_to_apply;
	size_t i, j, k = o->top_k ? o->top_k : default_top_k;
	float *scores;

	if (fn == HFGIT_SCORES_AUTO)
		fn = score_function(cfg);
	if (k > nlabels)
		k = nlabels;
	if (!(scores = malloc(nlabels * sizeof(*scores))))
		return hfgit_error__oom();
	for (i = 0; i < n; i++) {
		const float *x = logits + i * nlabels;
		hfgit_label_score *ls;

		if (fn == HFGIT_SCORES_SOFTMAX)
			softmax(scores, x, nlabels);
		else if (fn == HFGIT_SCORES_SIGMOID)
			for (j = 0; j < nlabels; j++)
				scores[j] = (float)(1.0 / (1.0 + exp(-(double)x[j])));
		else
			memcpy(scores, x, nlabels * sizeof(*scores));
		if (!(ls = malloc(nlabels * sizeof(*ls)))) {
			free(scores);
			return hfgit_error__oom();
		}
		for (j = 0; j < nlabels; j++) {
			const char *label = hfgit_config_label(cfg, j);

			ls[j].label = label ? label : "";
			ls[j].id = (long long)j;
			ls[j].score = scores[j];
		}
		qsort(ls, nlabels, sizeof(*ls), by_score);
		items[i].labels = ls;
		items[i].pub.labels = ls;
		items[i].pub.nlabels = k;
	}
	free(scores);
	return 0;
}
