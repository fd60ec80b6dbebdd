#include "core/strbuf.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hfgit_strbuf__grow(hfgit_strbuf *buf, size_t extra)
{
	size_t need, cap;
	char *p;

	if (extra > SIZE_MAX - buf->len - 1)
		return hfgit_error__oom();
	need = buf->len + extra + 1;
	if (need <= buf->cap)
		return 0;
	cap = buf->cap ? buf->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	if (!(p = realloc(buf->ptr, cap)))
		return hfgit_error__oom();
	buf->ptr = p;
	buf->cap = cap;
	return 0;
}

int hfgit_strbuf__put(hfgit_strbuf *buf, const char *data, size_t len)
{
	if (hfgit_strbuf__grow(buf, len) < 0)
		return HFGIT_ERROR;
	memcpy(buf->ptr + buf->len, data, len);
	buf->len += len;
	buf->ptr[buf->len] = '\0';
	return 0;
}

int hfgit_strbuf__puts(hfgit_strbuf *buf, const char *s)
{
	return hfgit_strbuf__put(buf, s, strlen(s));
}

int hfgit_strbuf__vprintf(hfgit_strbuf *buf, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	va_copy(again, ap);
	n = vsnprintf(NULL, 0, fmt, again);
	va_end(again);
	if (n < 0)
		return hfgit_error__set(HFGIT_ERROR, "cannot format '%s'", fmt);
	if (hfgit_strbuf__grow(buf, (size_t)n) < 0)
		return HFGIT_ERROR;
	vsnprintf(buf->ptr + buf->len, (size_t)n + 1, fmt, ap);
	buf->len += (size_t)n;
	return 0;
}

int hfgit_strbuf__printf(hfgit_strbuf *buf, const char *fmt, ...)
{
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hfgit_strbuf__vprintf(buf, fmt, ap);
	va_end(ap);
	return rc;
}

void hfgit_strbuf__clear(hfgit_strbuf *buf)
{
	buf->len = 0;
	if (buf->ptr)
		buf->ptr[0] = '\0';
}

const char *hfgit_strbuf__cstr(const hfgit_strbuf *buf)
{
	return buf->ptr ? buf->ptr : "";
}

char *hfgit_strbuf__detach(hfgit_strbuf *buf)
{
	char *s = buf->ptr ? buf->ptr : hfgit__strdup("");
	buf->ptr = NULL;
	buf->len = buf->cap = 0;
	return s;
}

void hfgit_strbuf__dispose(hfgit_strbuf *buf)
{
	free(buf->ptr);
	buf->ptr = NULL;
	buf->len = buf->cap = 0;
}

char *hfgit__aprintf(const char *fmt, ...)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = hfgit_strbuf__vprintf(&buf, fmt, ap);
	va_end(ap);
	if (rc < 0) {
		hfgit_strbuf__dispose(&buf);
		return NULL;
	}
	return hfgit_strbuf__detach(&buf);
}

char *hfgit__strdup(const char *s)
{
	char *copy = strdup(s);
	if (!copy)
		hfgit_error__oom();
	return copy;
}
