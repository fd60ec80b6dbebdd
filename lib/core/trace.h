/*
 * HFGIT_TRACE=1: one line per step on stderr with the milliseconds since the process started
 * tracing, in the spirit of GIT_TRACE_PERFORMANCE. For profiling and bug reports.
 */
#ifndef HFGIT_CORE_TRACE_H
#define HFGIT_CORE_TRACE_H

#include "core/error.h"

void hfgit__trace(const char *fmt, ...) HFGIT_PRINTF(1, 2);

#endif
