/*
 * The progress display: one line on stderr rewritten in place, at most ten times a second,
 * never wider than the terminal (a line that wraps cannot be rewritten: each refresh would
 * leave a new line behind). Shown when stderr is a terminal unless HF_HUB_DISABLE_PROGRESS_BARS
 * is true, as huggingface_hub decides; `--progress` shows it anyway (logs of CI jobs).
 */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

bool cli_force_progress;

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
		p->enabled = cli_force_progress ||
		             (!quiet && isatty(STDERR_FILENO) &&
		              hfgit_env_flag("HF_HUB_DISABLE_PROGRESS_BARS") != 1);
		p->started = p->last_draw = p->stage_started = now();
	}
	return p;
}

/* COLUMNS first, as Python's shutil.get_terminal_size reads it, then the terminal's size,
 * else 80. */
static size_t terminal_width(void)
{
	const char *env = getenv("COLUMNS");
	struct winsize ws;
	char *end;
	long n;

	if (env && *env) {
		n = strtol(env, &end, 10);
		if (!*end && n > 0 && n < 10000)
			return (size_t)n;
	}
	if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0)
		return ws.ws_col;
	return 80;
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

/* The end of `path` that fits in `room` bytes after a space, "..." in front when cut, never
 * inside a UTF-8 character. */
static void add_path(char *line, size_t room, const char *path)
{
	size_t plen = strlen(path);
	const char *tail = path;

	if (plen + 1 > room) {
		tail = path + plen - (room - 4);
		while (((unsigned char)*tail & 0xC0) == 0x80)
			tail++;
		strcat(line, " ...");
	} else {
		strcat(line, " ");
	}
	strcat(line, tail);
}

enum { P_LABEL, P_COUNT, P_BYTES, P_RATE, P_ETA, P_COUNT_ };

/*
 * What fits in `width` columns, by importance: the stage and percentage, the bytes, the file
 * name (at least eight columns of it), the object count, the rate, the time left; shown in
 * reading order with the name last.
 */
static void draw(cli_progress *p, const hfgit_progress *pr)
{
	static const char *const labels[] = { "Resolving", "Receiving objects", "Checking out files",
		                                  "Downloading LFS objects", "Verifying" };
	static const char *const short_labels[] = { "Resolve", "Fetch", "Checkout", "LFS", "Verify" };
	static const int priority[] = { P_BYTES, P_COUNT, P_RATE, P_ETA };
	char parts[P_COUNT_][96], line[1100], done[32], total[32], rate[32];
	bool shown[P_COUNT_] = { true };
	double elapsed = now() - p->stage_started;
	double bps = elapsed > 0 ? (double)(pr->bytes - p->stage_bytes) / elapsed : 0;
	unsigned pct = pr->total ? (unsigned)(100.0 * (double)pr->done / (double)pr->total) : 0;
	/* one column short of the edge: writing the last column wraps on some terminals */
	size_t width = terminal_width() - 1, used, reserve = 0, i;
	const char *path = pr->path && *pr->path ? pr->path : NULL;

	if (width > 1000)
		width = 1000;
	if (width < 4)
		return; /* not even "100%" fits */
	if (pr->bytes_total)
		pct = (unsigned)(100.0 * (double)pr->bytes / (double)pr->bytes_total);
	memset(parts, 0, sizeof(parts));
	snprintf(parts[P_LABEL], sizeof(parts[P_LABEL]), "%s: %3u%%",
	         width >= 60 ? labels[pr->stage] : short_labels[pr->stage], pct);
	if (strlen(parts[P_LABEL]) > width)
		snprintf(parts[P_LABEL], sizeof(parts[P_LABEL]), "%u%%", pct);
	snprintf(parts[P_COUNT], sizeof(parts[P_COUNT]), " (%zu/%zu)", pr->done, pr->total);
	if (pr->bytes) {
		human_bytes(done, sizeof(done), (double)pr->bytes);
		human_bytes(rate, sizeof(rate), bps);
		if (pr->bytes_total) {
			human_bytes(total, sizeof(total), (double)pr->bytes_total);
			snprintf(parts[P_BYTES], sizeof(parts[P_BYTES]), ", %s / %s", done, total);
		} else {
			snprintf(parts[P_BYTES], sizeof(parts[P_BYTES]), ", %s", done);
		}
		snprintf(parts[P_RATE], sizeof(parts[P_RATE]), " | %s/s", rate);
		if (pr->bytes_total && bps > 0 && pr->bytes < pr->bytes_total) {
			unsigned long eta = (unsigned long)((double)(pr->bytes_total - pr->bytes) / bps);
			snprintf(parts[P_ETA], sizeof(parts[P_ETA]), " | ETA %lu:%02lu", eta / 60, eta % 60);
		}
	}
	used = strlen(parts[P_LABEL]);
	for (i = 0; i < sizeof(priority) / sizeof(*priority); i++) {
		size_t len = strlen(parts[priority[i]]);
		if (!len || used + reserve + len > width)
			continue;
		/* the name comes right after the bytes: twelve columns of it kept free (eight on a
		 * narrow terminal), and all the room the rest leaves */
		shown[priority[i]] = true;
		used += len;
		if (priority[i] == P_BYTES && path) {
			size_t want = strlen(path) + 1 < 13 ? strlen(path) + 1 : 13;
			reserve = used + want <= width ? want : used + 9 <= width ? 9 : 0;
			if (!reserve)
				path = NULL;
		}
	}
	if (path && !reserve)
		path = used + 9 <= width ? path : NULL; /* no bytes yet: the name after the count */
	line[0] = '\0';
	for (i = 0; i < P_COUNT_; i++)
		if (shown[i])
			strcat(line, parts[i]);
	if (path)
		add_path(line, width - used, path);
	fprintf(stderr, "\r%s\033[K", line);
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
