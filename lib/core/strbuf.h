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

int hfgit_strbuf_grow(hfgit_strbuf *buf, size_t extra);
int hfgit_strbuf_put(hfgit_strbuf *buf, const char *data, size_t len);
int hfgit_strbuf_puts(hfgit_strbuf *buf, const char *s);
int hfgit_strbuf_printf(hfgit_strbuf *buf, const char *fmt, ...) HFGIT_PRINTF(2, 3);
int hfgit_strbuf_vprintf(hfgit_strbuf *buf, const char *fmt, va_list ap);
void hfgit_strbuf_clear(hfgit_strbuf *buf);
/* Never NULL: "" for an empty buffer. */
const char *hfgit_strbuf_cstr(const hfgit_strbuf *buf);
/* Hands the string to the caller (free() it); the buffer is empty afterwards. */
char *hfgit_strbuf_detach(hfgit_strbuf *buf);
void hfgit_strbuf_dispose(hfgit_strbuf *buf);

/* A new formatted string (free() it), or NULL with the out-of-memory error set. */
char *hfgit_aprintf(const char *fmt, ...) HFGIT_PRINTF(1, 2);
char *hfgit_strdup(const char *s);

#endif
