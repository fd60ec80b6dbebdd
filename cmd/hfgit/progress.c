/*
 * The progress display: one line on stderr rewritten in place, at most ten times a second,
 * only when stderr is a terminal (nothing noisy in logs and pipes).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

struct cli_progress {
	bool enabled;
	bool line_open;
	double started;
	double last_draw;
	double stage_started;        /* the rate counts from the start of the stage */
	unsigned long long stage_bytes;
	hfgit_stage stage;
};

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

cli_progress *cli_progress_new(bool quiet)
{
	cli_progress *p = calloc(1, sizeof(*p));

	if (p) {
		p->enabled = !quiet && isatty(STDERR_FILENO) && !getenv("HF_HUB_DISABLE_PROGRESS_BARS");
		p->started = p->last_draw = p->stage_started = now();
	}
	return p;
}

static void human_bytes(char *out, size_t size, double bytes)
{
	static const char *const units[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	size_t u = 0;

	while (bytes >= 1024 && u + 1 < sizeof(units) / sizeof(*units)) {
		bytes /= 1024;
		u++;
	}
	snprintf(out, size, u ? "%.1f %s" : "%.0f %s", bytes, units[u]);
}

static void draw(cli_progress *p, const hfgit_progress *pr)
{
	static const char *const labels[] = { "Resolving", "Receiving objects", "Checking out files",
		                                  "Downloading LFS objects", "Verifying" };
	char done[32], total[32], rate[32];
	double elapsed = now() - p->stage_started;
	double bps = elapsed > 0 ? (double)(pr->bytes - p->stage_bytes) / elapsed : 0;
	unsigned pct = pr->total ? (unsigned)(100.0 * (double)pr->done / (double)pr->total) : 0;

	if (pr->bytes_total)
		pct = (unsigned)(100.0 * (double)pr->bytes / (double)pr->bytes_total);
	fprintf(stderr, "\r%s: %3u%% (%zu/%zu)", labels[pr->stage], pct, pr->done, pr->total);
	if (pr->bytes) {
		human_bytes(done, sizeof(done), (double)pr->bytes);
		human_bytes(rate, sizeof(rate), bps);
		if (pr->bytes_total) {
			human_bytes(total, sizeof(total), (double)pr->bytes_total);
			fprintf(stderr, ", %s / %s | %s/s", done, total, rate);
			if (bps > 0 && pr->bytes < pr->bytes_total) {
				unsigned long eta = (unsigned long)((double)(pr->bytes_total - pr->bytes) / bps);
				fprintf(stderr, " | ETA %lu:%02lu", eta / 60, eta % 60);
			}
		} else {
			fprintf(stderr, ", %s | %s/s", done, rate);
		}
	}
	fputs("\033[K", stderr);
	p->line_open = true;
}

int cli_progress_cb(const hfgit_progress *pr, void *payload)
{
	cli_progress *p = payload;
	double t;

	if (cli_interrupted)
		return 1;
	if (!p || !p->enabled)
		return 0;
	t = now();
	if (pr->stage != p->stage) {
		if (p->line_open)
			fputc('\n', stderr);
		p->line_open = false;
		p->stage_started = t;
		p->stage_bytes = pr->bytes;
	}
	p->stage = pr->stage;
	if (t - p->last_draw >= 0.1 || (pr->total && pr->done == pr->total)) {
		p->last_draw = t;
		draw(p, pr);
	}
	return 0;
}

void cli_progress_done(cli_progress *p)
{
	if (p && p->line_open)
		fputc('\n', stderr);
	free(p);
}

void cli_human_bytes(char *out, size_t size, double bytes)
{
	human_bytes(out, size, bytes);
}
