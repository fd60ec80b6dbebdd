/*
 * The plug-in API: architecture descriptors, and registering your own. Users of the
 * built-in models do not need it.
 */
#ifndef HFGIT_SYS_ARCHITECTURE_H
#define HFGIT_SYS_ARCHITECTURE_H

#include "hfgit/common.h"
#include "hfgit/model.h"

#ifdef __cplusplus
extern "C" {
#endif

/* --- Architectures: descriptors, and registering your own ------------------------------- */

/* Flags of hfgit_config_read_*. */
enum {
	HFGIT_READ_REQUIRED = 1u << 0, /* missing (or null) is an error; else `fallback` is used */
	HFGIT_READ_SIZE = 1u << 1,     /* integers: a size, from 1 to 2^31 - 1 */
};

/*
 * For an architecture's read_config: read field `key` of config.json (NULL: `name`) as the
 * hyperparameter `name`, check its JSON type, and record it (hfgit_config_hparam_at). Errors
 * (HFGIT_EINVALID) name the field and the file. Strings are owned by the config.
 */
HFGIT_EXTERN int hfgit_config_read_int(long long *out, hfgit_config *cfg, const char *name,
                                       const char *key, long long fallback, unsigned int flags);
HFGIT_EXTERN int hfgit_config_read_float(double *out, hfgit_config *cfg, const char *name,
                                         const char *key, double fallback, unsigned int flags);
HFGIT_EXTERN int hfgit_config_read_bool(int *out, hfgit_config *cfg, const char *name,
                                        const char *key, int fallback, unsigned int flags);
HFGIT_EXTERN int hfgit_config_read_string(const char **out, hfgit_config *cfg, const char *name,
                                          const char *key, const char *fallback,
                                          unsigned int flags);
/* An error about field `key` of the config ("<path>: field 'key' <problem>"); returns
 * HFGIT_EINVALID, for checks across fields (hidden_size a multiple of the heads). */
HFGIT_EXTERN int hfgit_config_invalid(const hfgit_config *cfg, const char *key, const char *fmt,
                                      ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Flags of hfgit_binder_param. */
enum {
	HFGIT_BIND_OPTIONAL = 1u << 0, /* a head or pooler: when the checkpoint lacks it, a warning
	                                * and zeros instead of an error */
	HFGIT_BIND_IN_OUT = 1u << 1,   /* documents an (in, out) layout: HFGIT_PARAM_IN_OUT */
};

/*
 * The binder, in the spirit of candle's VarBuilder: scopes make names ("encoder" then
 * "layer.0" then "attention.self.query.weight"), each lookup checks the expected shape against
 * the checkpoint and records the key as used, so that the keys no lookup used are the
 * unexpected ones. Problems go to the load report, not to the return value: these return
 * negative only when out of memory or misused.
 *
 * hfgit_binder_push_base() enters the base model: inside it, parameter names get the
 * architecture's base prefix ("bert.") when the class is a head class, and checkpoint keys are
 * looked up with the prefix when the checkpoint has it, without it otherwise. Legacy names
 * LayerNorm.gamma/beta are accepted for .weight/.bias.
 */
HFGIT_EXTERN int hfgit_binder_push(hfgit_binder *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
HFGIT_EXTERN int hfgit_binder_push_base(hfgit_binder *b);
HFGIT_EXTERN void hfgit_binder_pop(hfgit_binder *b);
HFGIT_EXTERN int hfgit_binder_param(hfgit_binder *b, const char *name, size_t ndim,
                                    const long long *shape, unsigned int flags);
/* HFGIT_DIMS(out, in) expands to the `ndim, shape` arguments of hfgit_binder_param (C99). */
#define HFGIT_DIMS(...) (sizeof((const long long[]){ __VA_ARGS__ }) / sizeof(long long)), \
	((const long long[]){ __VA_ARGS__ })
/* A buffer the class has (position_ids, attn.bias): consumed if the checkpoint has it,
 * reported as info, never a parameter. */
HFGIT_EXTERN int hfgit_binder_buffer(hfgit_binder *b, const char *name);
/* Parameter `name` (in the current scope) shares the data of the parameter `target` (a full
 * name, bound before); a checkpoint copy of `name`, if any, is consumed and its shape checked. */
HFGIT_EXTERN int hfgit_binder_tie(hfgit_binder *b, const char *name, const char *target);
/* The class being built (a head class or the base), e.g. to read num_labels. */
HFGIT_EXTERN hfgit_auto_class hfgit_binder_head(const hfgit_binder *b);

typedef struct {
	unsigned int version;
	const char *model_type;  /* config.json's model_type: "bert" */
	const char *base_prefix; /* the base model's attribute in head classes: "bert"; NULL: none */
	/* The class built for each Auto class ([HFGIT_AUTO_BASE] = "BertModel", ...); NULL where
	 * the architecture has none. [HFGIT_AUTO_CONFIG] is unused. */
	const char *classes[HFGIT_AUTO_COUNT_];
	/* Other classes of the family that config.json may name ("BertForMaskedLM"): they select
	 * this architecture and load as its base model. NULL-terminated, may be NULL. */
	const char *const *other_classes;
	/* Read and check the hyperparameters (hfgit_config_read_*). */
	int (*read_config)(hfgit_config *cfg, void *payload);
	/* Declare the parameters of the class for `hfgit_binder_head(b)`, reading the config
	 * values read_config recorded (hfgit_config_get_*). */
	int (*build)(hfgit_binder *b, const hfgit_config *cfg, void *payload);
	void *payload;
} hfgit_architecture;

#define HFGIT_ARCHITECTURE_VERSION 1
#define HFGIT_ARCHITECTURE_INIT { HFGIT_ARCHITECTURE_VERSION }

/*
 * Add an architecture to the process-wide registry (the strings are copied). HFGIT_EEXISTS
 * when its model_type or one of its class names is taken (the built-ins are bert, distilbert,
 * gpt2 and vit), HFGIT_EINVALID when it lacks a model_type, a base class or a callback.
 */
HFGIT_EXTERN int hfgit_architecture_register(const hfgit_architecture *arch);
/* Remove a registered architecture (not a built-in); no load may be running meanwhile. */
HFGIT_EXTERN int hfgit_architecture_unregister(const char *model_type);
/* The registered model types, built-ins first: "bert, distilbert, gpt2, vit". free() it. */
HFGIT_EXTERN char *hfgit_architecture_list(void);

#ifdef __cplusplus
}
#endif

#endif
