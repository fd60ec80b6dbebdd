/* The answers' storage: one item per input, each owning what its public view points into. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "core/error.h"
#include "task/task.h"

int hfgit_task__results_new(hfgit_results **out, size_t n)
{
	hfgit_results *r;

	if (!(r = calloc(1, sizeof(*r))) || (n && !(r->items = calloc(n, sizeof(*r->items))))) {
		free(r);
		return hfgit_error__oom();
	}
	r->n = n;
	*out = r;
	return 0;
}

size_t hfgit_results_count(const hfgit_results *r)
{
	return r ? r->n : 0;
}

const hfgit_result *hfgit_results_at(const hfgit_results *r, size_t i)
{
	return r && i < r->n ? &r->items[i].pub : NULL;
}

void hfgit_results_free(hfgit_results *r)
{
	size_t i;

	if (!r)
		return;
	for (i = 0; i < r->n; i++) {
		task_item *it = &r->items[i];

		free(it->ids);
		free(it->labels);
		free(it->embeddings);
		free(it->pooled);
		free(it->text);
		free(it->generated);
		free(it->prompt);
	}
	free(r->items);
	free(r);
}

void hfgit_task__warn(const hfgit_run_options *o, size_t input, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	if (!o->on_warning)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	o->on_warning(input, msg, o->payload);
}
