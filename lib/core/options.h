/*
 * The version check every public function that takes an options struct makes first: a caller
 * compiled against another hfgit.h (a field added, a struct grown) gets a clear error instead
 * of fields read from the wrong place.
 */
#ifndef HFGIT_CORE_OPTIONS_H
#define HFGIT_CORE_OPTIONS_H

/* HFGIT_OPTIONS__CHECK(opts, HFGIT_CLONE_OPTIONS): 0, or HFGIT_EINVALID when `opts` is given
 * and its version is not HFGIT_CLONE_OPTIONS_VERSION. */
#define HFGIT_OPTIONS__CHECK(opts, NAME)                                                      \
	((opts) && (opts)->version != NAME##_VERSION ?                                            \
	 hfgit_options__mismatch(#NAME, (unsigned int)(opts)->version, NAME##_VERSION) : 0)

int hfgit_options__mismatch(const char *name, unsigned int given, unsigned int known);

#endif
