#define _POSIX_C_SOURCE 200809L
#include "core/trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

void hfgit__trace(const char *fmt, ...)
{
	static int enabled = -1;
	static double start;
	va_list ap;

	if (enabled < 0) {
		const char *env = getenv("HFGIT_TRACE");
		enabled = env && *env && *env != '0';
		start = now_ms();
	}
	if (!enabled)
		return;
	fprintf(stderr, "hfgit: trace: %9.3f ms  ", now_ms() - start);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}
