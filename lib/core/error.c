#include "core/error.h"
#include "core/options.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/*
 * A fixed buffer per thread: setting an error never allocates, so it works when memory ran
 * out and needs no cleanup at thread exit.
 */
static _Thread_local char last_message[1024];
static _Thread_local int last_code;

/*
 * Formats into a scratch buffer first, so that the previous message may be one of the
 * arguments (hfgit_error__set(rc, "cannot clone: %s", hfgit_error_last())).
 */
static void set_message(const char *fmt, va_list ap, const char *suffix)
{
	char scratch[sizeof(last_message)];
	int n = vsnprintf(scratch, sizeof(scratch), fmt, ap);

	if (suffix && n >= 0 && (size_t)n < sizeof(scratch))
		snprintf(scratch + n, sizeof(scratch) - (size_t)n, ": %s", suffix);
	memcpy(last_message, scratch, sizeof(last_message));
}

int hfgit_error__set(int code, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	set_message(fmt, ap, NULL);
	va_end(ap);
	last_code = code;
	return code;
}

int hfgit_error__set_errno(int code, const char *fmt, ...)
{
	int saved = errno;
	va_list ap;
	va_start(ap, fmt);
	set_message(fmt, ap, strerror(saved));
	va_end(ap);
	last_code = code;
	errno = saved;
	return code;
}

int hfgit_error__oom(void)
{
	snprintf(last_message, sizeof(last_message), "out of memory");
	last_code = HFGIT_ERROR;
	return HFGIT_ERROR;
}

void hfgit_error__clear(void)
{
	last_message[0] = '\0';
	last_code = HFGIT_OK;
}

const char *hfgit_error_last(void)
{
	return last_message;
}

int hfgit_error_last_code(void)
{
	return last_code;
}

int hfgit_options__mismatch(const char *name, unsigned int given, unsigned int known)
{
	return hfgit_error__set(HFGIT_EINVALID, "options of version %u given where this libhfgit "
	                        "knows version %u: initialise them with %s_INIT and rebuild against "
	                        "this library's headers", given, known, name);
}
