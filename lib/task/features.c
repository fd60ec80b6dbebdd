/* last_hidden_state to embeddings: every real token's, and one pooled vector per input. */
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "task/task.h"

int hfgit_task__features(task_item *items, const task_batch *b, const float *hidden, size_t dim,
                         hfgit_pooling pooling)
{
	size_t i, j, d;

	for (i = 0; i < b->n; i++) {
		const float *h = hidden + i * b->seq_len * dim; /* right-padded: tokens first */
		const int64_t *mask = b->mask + i * b->seq_len;
		size_t len = b->lens[i], real = 0;
		task_item *it = &items[i];
		double *sum;

		if (!(it->embeddings = malloc(len * dim * sizeof(float))) ||
		    !(it->pooled = malloc(dim * sizeof(float))))
			return hfgit_error__oom();
		memcpy(it->embeddings, h, len * dim * sizeof(float));
		if (pooling == HFGIT_POOLING_CLS) {
			memcpy(it->pooled, h, dim * sizeof(float));
		} else {
			/* sentence-transformers' mean: sum(h * mask) / max(sum(mask), 1e-9) */
			if (!(sum = calloc(dim, sizeof(*sum))))
				return hfgit_error__oom();
			for (j = 0; j < len; j++) {
				if (!mask[j])
					continue;
				real++;
				for (d = 0; d < dim; d++)
					sum[d] += h[j * dim + d];
			}
			for (d = 0; d < dim; d++)
				it->pooled[d] = real ? (float)(sum[d] / (double)real) : 0.0f;
			free(sum);
		}
		it->pub.embeddings = it->embeddings;
		it->pub.pooled = it->pooled;
		it->pub.dim = dim;
	}
	return 0;
}
