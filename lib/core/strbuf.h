/* A growable NUL-terminated string, for building paths, URLs and messages. */
#ifndef HFGIT_CORE_STRBUF_H
#define HFGIT_CORE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "core/error.h"

typedef struct {
	char *ptr;
	size_t len;
	size_t cap;
} hfgit_strbuf;

#define HFGIT_STRBUF_INIT { NULL, 0, 0 }

int hfgit_strbuf__grow(hfgit_strbuf *buf, size_t extra);
int hfgit_strbuf__put(hfgit_strbuf *buf, const char *data, size_t len);
int hfgit_strbuf__puts(hfgit_strbuf *buf, const char *s);
int hfgit_strbuf__printf(hfgit_strbuf *buf, const char *fmt, ...) HFGIT_PRINTF(2, 3);
int hfgit_strbuf__vprintf(hfgit_strbuf *buf, const char *fmt, va_list ap);
void hfgit_strbuf__clear(hfgit_strbuf *buf);
/* Never NULL: "" for an empty buffer. */
const char *hfgit_strbuf__cstr(const hfgit_strbuf *buf);
/* Hands the string to the caller (free() it); the buffer is empty afterwards. */
char *hfgit_strbuf__detach(hfgit_strbuf *buf);
void hfgit_strbuf__dispose(hfgit_strbuf *buf);

/* A new formatted string (free() it), or NULL with the out-of-memory error set. */
char *hfgit__aprintf(const char *fmt, ...) HFGIT_PRINTF(1, 2);
char *hfgit__strdup(const char *s);

#endif
