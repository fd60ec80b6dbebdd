/*
 * hfgit: Hugging Face model repositories as real git repositories.
 *
 * The public API of libhfgit, one header per concept (hfgit/NAME.h); this umbrella includes them
 * all. Conventions follow libgit2's: opaque handles, functions return 0 or a negative HFGIT_E*
 * code with their result in the first pointer argument, every allocation has a *_free, options
 * structs carry a version (their *_OPTIONS_INIT sets it), and hfgit_error_last() explains the
 * most recent failure on the calling thread in words a person can act on. hfgit/sys/ holds the
 * plug-in API (registering architectures), which users of the built-in models do not need.
 */
#ifndef HFGIT_H
#define HFGIT_H

#include "hfgit/common.h"
#include "hfgit/model_id.h"
#include "hfgit/context.h"
#include "hfgit/refs.h"
#include "hfgit/clone.h"
#include "hfgit/files.h"
#include "hfgit/export.h"
#include "hfgit/cache.h"
#include "hfgit/lock.h"
#include "hfgit/model.h"
#include "hfgit/forward.h"
#include "hfgit/sys/architecture.h"
#include "hfgit/tokenizer.h"
#include "hfgit/task.h"
#include "hfgit/image.h"
#include "hfgit/chat.h"

#endif
