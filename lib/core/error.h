/* Internal error reporting: one message per thread, set where the failure is understood. */
#ifndef HFGIT_CORE_ERROR_H
#define HFGIT_CORE_ERROR_H

#include "hfgit.h"

#if defined(__GNUC__)
#define HFGIT_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define HFGIT_PRINTF(a, b)
#endif

/* Record `code` and a formatted message for hfgit_error_last(); returns `code`. */
int hfgit_error__set(int code, const char *fmt, ...) HFGIT_PRINTF(2, 3);

/* Like hfgit_error__set, with ": <strerror(errno)>" appended. */
int hfgit_error__set_errno(int code, const char *fmt, ...) HFGIT_PRINTF(2, 3);

/* Out of memory: sets a fixed message (no allocation) and returns HFGIT_ERROR. */
int hfgit_error__oom(void);

void hfgit_error__clear(void);

#endif
