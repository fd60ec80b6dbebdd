/*
 * The basics every part of the API uses: the export macro, the version, error codes and
 * messages, and the library lifetime.
 */
#ifndef HFGIT_COMMON_H
#define HFGIT_COMMON_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HFGIT_EXTERN __attribute__((visibility("default")))
#else
#define HFGIT_EXTERN
#endif

#define HFGIT_VERSION "0.1.0"

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                    */

typedef enum {
	HFGIT_OK = 0,
	HFGIT_ERROR = -1,      /* failure of no more specific class */
	HFGIT_EINVALID = -2,   /* bad input: model id, revision, option */
	HFGIT_ENOTFOUND = -3,  /* repository or revision does not exist */
	HFGIT_EAMBIGUOUS = -4, /* abbreviated hash matches several commits */
	HFGIT_ENETWORK = -5,   /* the hub could not be reached or the transfer failed */
	HFGIT_EAUTH = -6,      /* the hub wants (other) credentials */
	HFGIT_EEXISTS = -7,    /* destination exists and is not empty */
	HFGIT_EIO = -8,        /* local file system trouble */
	HFGIT_EINTERRUPTED = -9, /* cancelled by a signal or a progress callback */
	HFGIT_EOFFLINE = -10,  /* needs the network but offline mode is on */
} hfgit_error_code;

/* The message of the last error on this thread; never NULL ("" when there is none). */
HFGIT_EXTERN const char *hfgit_error_last(void);

/* The code of the last error on this thread (HFGIT_OK when there is none). */
HFGIT_EXTERN int hfgit_error_last_code(void);

/* ---------------------------------------------------------------------------------------- */
/* Library lifetime                                                                          */

/* Initialise libhfgit (and libgit2, libcurl). Reference counted; call once per user. */
HFGIT_EXTERN int hfgit_init(void);
HFGIT_EXTERN void hfgit_shutdown(void);

#ifdef __cplusplus
}
#endif

#endif
