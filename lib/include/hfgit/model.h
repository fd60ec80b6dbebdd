/* Models: config.json + weights -> an architecture with every parameter bound and checked. */
#ifndef HFGIT_MODEL_H
#define HFGIT_MODEL_H

#include "hfgit/common.h"
#include "hfgit/context.h"
#include "hfgit/clone.h"
#include "hfgit/lock.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---------------------------------------------------------------------------------------- */
/* Models: config.json + weights -> an architecture with every parameter bound and checked   */

/*
 * The C side of transformers' AutoModel.from_pretrained: config.json names the architecture
 * (architectures[0] first, then model_type), the Auto class asked for picks the head, and the
 * weights (model.safetensors, sharded safetensors, or pytorch_model.bin) are bound to the
 * parameters the config implies, by name, with shapes checked. Nothing from the repository is
 * ever executed: auto_map (custom Python code) is reported, not run.
 *
 *     hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
 *     hfgit_model *m;
 *
 *     opts.auto_class = HFGIT_AUTO_SEQ_CLS;
 *     if (hfgit_model_from_pretrained(&m, ctx,
 *             "distilbert-base-uncased-finetuned-sst-2-english@f1b5512", &opts) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 *     ... hfgit_model_param_find(m, "classifier.weight")->data ...
 *     hfgit_model_free(m);
 */

typedef struct hfgit_model hfgit_model;
typedef struct hfgit_config hfgit_config;
typedef struct hfgit_binder hfgit_binder;

/* The Auto class asked for. */
typedef enum {
	HFGIT_AUTO_CONFIG = 0,  /* the class config.json's architectures[0] names when hfgit builds
	                         * it, else the architecture's base model */
	HFGIT_AUTO_BASE,        /* AutoModel */
	HFGIT_AUTO_SEQ_CLS,     /* AutoModelForSequenceClassification */
	HFGIT_AUTO_CAUSAL_LM,   /* AutoModelForCausalLM */
	HFGIT_AUTO_IMAGE_CLS,   /* AutoModelForImageClassification */
	HFGIT_AUTO_COUNT_
} hfgit_auto_class;

/* "config", "base", "seq-cls", "causal-lm", "image-cls" (the CLI's spelling); NULL when out of range. */
HFGIT_EXTERN const char *hfgit_auto_class_name(hfgit_auto_class auto_class);
/* transformers' name: "AutoModel", "AutoModelForSequenceClassification", ... */
HFGIT_EXTERN const char *hfgit_auto_class_transformers_name(hfgit_auto_class auto_class);

typedef enum {
	HFGIT_WEIGHTS_ANY = 0,     /* model.safetensors, else model.safetensors.index.json (shards),
	                            * else pytorch_model.bin, as transformers prefers them */
	HFGIT_WEIGHTS_SAFETENSORS, /* only safetensors (single or sharded) */
	HFGIT_WEIGHTS_PYTORCH,     /* only pytorch_model.bin (or its sharded index) */
} hfgit_weights_format;

typedef struct {
	unsigned int version;
	hfgit_auto_class auto_class;
	hfgit_weights_format format;
	/* 1: return the model even when the load report has errors (missing parameters, shape
	 * mismatches), so that they can be inspected; such parameters have data NULL. 0: those
	 * errors fail the load with a message that names them. */
	int allow_errors;
	/* For an id: how to clone it (progress, LFS patterns, jobs); NULL: the defaults. */
	const hfgit_clone_options *clone;
	/* An id this lock has an entry for (hfgit_lock_lookup) loads at the locked commit,
	 * whatever its revision names now; NULL: none. */
	const hfgit_lock *lock;
} hfgit_model_options;

#define HFGIT_MODEL_OPTIONS_VERSION 1
#define HFGIT_MODEL_OPTIONS_INIT { HFGIT_MODEL_OPTIONS_VERSION }

/*
 * Instantiate a model from `id_or_dir`: an existing directory is loaded as it is (a checkout,
 * a save_pretrained output); anything else is a model id[@revision], cloned (with its LFS
 * weights) into <cache>/checkouts/<repo>/<commit> through hfgit_clone, or reused from there
 * when that commit was checked out before (a full hash then needs no network at all). `ctx`
 * may be NULL for a directory. `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_model_from_pretrained(hfgit_model **out, hfgit_ctx *ctx,
                                             const char *id_or_dir,
                                             const hfgit_model_options *opts);
HFGIT_EXTERN void hfgit_model_free(hfgit_model *model);

/* The directory the model was loaded from (the checkout for an id). */
HFGIT_EXTERN const char *hfgit_model_dir(const hfgit_model *model);
/* The commit checked out for an id (40 hex); NULL when loaded from a directory. */
HFGIT_EXTERN const char *hfgit_model_commit(const hfgit_model *model);

/* The class built ("DistilBertForSequenceClassification"), its architecture's model_type
 * ("distilbert") and why it was chosen, in a sentence ("architectures[0] in config.json is
 * ... "). */
HFGIT_EXTERN const char *hfgit_model_class(const hfgit_model *model);
HFGIT_EXTERN const char *hfgit_model_model_type(const hfgit_model *model);
HFGIT_EXTERN const char *hfgit_model_class_reason(const hfgit_model *model);
HFGIT_EXTERN hfgit_auto_class hfgit_model_auto_class(const hfgit_model *model);

/* The config the model was built from; valid as long as the model. */
HFGIT_EXTERN const hfgit_config *hfgit_model_config(const hfgit_model *model);

/* Where the weights came from: "safetensors" or "pytorch", and the files (names relative to
 * the model directory, shards in order). */
HFGIT_EXTERN const char *hfgit_model_weights_format(const hfgit_model *model);
HFGIT_EXTERN size_t hfgit_model_weights_file_count(const hfgit_model *model);
HFGIT_EXTERN const char *hfgit_model_weights_file(const hfgit_model *model, size_t i);

/* --- Parameters ------------------------------------------------------------------------- */

#define HFGIT_PARAM_MAX_DIMS 8

enum {
	HFGIT_PARAM_TIED = 1u << 0,   /* shares its data with `tied_to` (GPT-2's lm_head) */
	HFGIT_PARAM_NEW = 1u << 1,    /* not in the checkpoint: zero-filled, to be trained (a head
	                               * on a base checkpoint); the report warns about it */
	HFGIT_PARAM_COPIED = 1u << 2, /* copied out of the file to be contiguous and aligned */
	HFGIT_PARAM_IN_OUT = 1u << 3, /* stored (in, out), as GPT-2's Conv1D: y = x W + b */
	HFGIT_PARAM_BROKEN = 1u << 4, /* missing or of the wrong shape or dtype: data is NULL
	                               * (only with allow_errors) */
};

typedef struct {
	const char *name;   /* in the built class: "bert.encoder.layer.0.attention.self.query.weight" */
	const char *source; /* the checkpoint key it was read from ("...LayerNorm.gamma"); NULL
	                     * for a new or tied parameter */
	const char *tied_to; /* the parameter whose data it shares, or NULL */
	const char *dtype;  /* safetensors' spelling: "F32", "F16", "BF16", "F64" */
	size_t itemsize;    /* bytes per element */
	size_t ndim;
	long long shape[HFGIT_PARAM_MAX_DIMS];
	size_t numel;
	/* Row-major, contiguous, little-endian, aligned to itemsize; read-only (usually the
	 * mapped file itself); valid as long as the model. NULL only when numel is 0 or the
	 * parameter is HFGIT_PARAM_BROKEN. */
	const void *data;
	size_t nbytes;
	unsigned int flags; /* HFGIT_PARAM_* */
} hfgit_param;

/* Parameters in the class's order (that of its state_dict()). */
HFGIT_EXTERN size_t hfgit_model_param_count(const hfgit_model *model);
HFGIT_EXTERN const hfgit_param *hfgit_model_param_at(const hfgit_model *model, size_t i);
/* The parameter called `name`, or NULL. */
HFGIT_EXTERN const hfgit_param *hfgit_model_param_find(const hfgit_model *model, const char *name);

typedef struct {
	unsigned long long parameters;   /* elements of distinct parameters (tied ones once), as
	                                  * transformers' num_parameters() counts them */
	unsigned long long param_bytes;  /* their bytes */
	size_t tensors;                  /* entries in the parameter table */
	unsigned long long mapped_bytes; /* weight files mapped read-only: page cache, shared */
	unsigned long long heap_bytes;   /* memory of our own: legacy storages, tensors copied to
	                                  * be contiguous or aligned, zero-filled new heads */
	const char *dtypes;              /* the parameters' dtypes: "F32", or "F16+F32" */
} hfgit_model_usage;

HFGIT_EXTERN int hfgit_model_usage_get(hfgit_model_usage *out, const hfgit_model *model);

/* --- The load report: what did not fit, by name ---------------------------------------- */

typedef enum {
	HFGIT_SEVERITY_INFO,
	HFGIT_SEVERITY_WARNING,
	HFGIT_SEVERITY_ERROR,
} hfgit_severity;

typedef enum {
	HFGIT_ISSUE_MISSING,     /* error: the class needs it, the checkpoint lacks it */
	HFGIT_ISSUE_NEW,         /* warning: a head (or pooler) the checkpoint lacks: zero-filled */
	HFGIT_ISSUE_SHAPE,       /* error: the checkpoint's shape is not the one the config implies */
	HFGIT_ISSUE_DTYPE,       /* error: not a floating-point tensor */
	HFGIT_ISSUE_UNEXPECTED,  /* warning: a checkpoint tensor the class does not use */
	HFGIT_ISSUE_BUFFER,      /* info: a buffer (position_ids, attn.bias), not a parameter */
	HFGIT_ISSUE_RENAMED,     /* info: a legacy name (LayerNorm.gamma/beta) read as weight/bias */
	HFGIT_ISSUE_CUSTOM_CODE, /* info: config.json's auto_map names Python code; never run */
} hfgit_issue_kind;

typedef struct {
	hfgit_issue_kind kind;
	hfgit_severity severity;
	const char *name;    /* the parameter or checkpoint key concerned; NULL if none */
	const char *message; /* one sentence */
} hfgit_load_issue;

/* "missing", "new", "shape", "dtype", "unexpected", "buffer", "renamed", "custom-code". */
HFGIT_EXTERN const char *hfgit_issue_kind_name(hfgit_issue_kind kind);
/* "info", "warning", "error". */
HFGIT_EXTERN const char *hfgit_severity_name(hfgit_severity severity);

/* Issues in the order found: errors and warnings by parameter order, then unexpected keys. */
HFGIT_EXTERN size_t hfgit_model_issue_count(const hfgit_model *model);
HFGIT_EXTERN const hfgit_load_issue *hfgit_model_issue_at(const hfgit_model *model, size_t i);
/* How many issues have `severity`. */
HFGIT_EXTERN size_t hfgit_model_issue_total(const hfgit_model *model, hfgit_severity severity);

/* --- Config: config.json, typed -------------------------------------------------------- */

/* The path of the config.json read. */
HFGIT_EXTERN const char *hfgit_config_path(const hfgit_config *cfg);
/* model_type, or NULL when config.json has none. */
HFGIT_EXTERN const char *hfgit_config_model_type(const hfgit_config *cfg);
HFGIT_EXTERN size_t hfgit_config_architecture_count(const hfgit_config *cfg);
HFGIT_EXTERN const char *hfgit_config_architecture(const hfgit_config *cfg, size_t i);
/* torch_dtype ("float32", "bfloat16", ...), or NULL. */
HFGIT_EXTERN const char *hfgit_config_torch_dtype(const hfgit_config *cfg);
/* The labels of id2label by id (num_labels of them; transformers' default is 2: LABEL_0,
 * LABEL_1), and the id of a label from label2id (HFGIT_ENOTFOUND when absent). */
HFGIT_EXTERN size_t hfgit_config_num_labels(const hfgit_config *cfg);
HFGIT_EXTERN const char *hfgit_config_label(const hfgit_config *cfg, size_t id);
HFGIT_EXTERN int hfgit_config_label_id(long long *out, const hfgit_config *cfg, const char *label);
/* auto_map's entries ("AutoModel" -> "modeling_x.XModel"); a list value is joined by ", ". */
HFGIT_EXTERN size_t hfgit_config_auto_map_count(const hfgit_config *cfg);
HFGIT_EXTERN const char *hfgit_config_auto_map_key(const hfgit_config *cfg, size_t i);
HFGIT_EXTERN const char *hfgit_config_auto_map_value(const hfgit_config *cfg, size_t i);

typedef enum {
	HFGIT_VALUE_INT,
	HFGIT_VALUE_FLOAT,
	HFGIT_VALUE_BOOL,
	HFGIT_VALUE_STRING,
} hfgit_value_type;

/* A hyperparameter the architecture read: the key hyperparameters of the model. */
typedef struct {
	const char *name;      /* the common name: "hidden_size", "num_hidden_layers", ... */
	const char *key;       /* the field it came from ("n_embd"), NULL when defaulted */
	hfgit_value_type type;
	long long i;           /* INT and BOOL */
	double f;              /* FLOAT */
	const char *s;         /* STRING */
} hfgit_hparam;

HFGIT_EXTERN size_t hfgit_config_hparam_count(const hfgit_config *cfg);
HFGIT_EXTERN const hfgit_hparam *hfgit_config_hparam_at(const hfgit_config *cfg, size_t i);

/*
 * A value by name: a hyperparameter the architecture read (by its common name: "hidden_size"
 * finds GPT-2's n_embd), else the field of config.json with that name. HFGIT_ENOTFOUND when
 * neither exists (or the field is null), HFGIT_EINVALID when it has another JSON type (an
 * integer is a valid float).
 */
HFGIT_EXTERN int hfgit_config_get_int(long long *out, const hfgit_config *cfg, const char *name);
HFGIT_EXTERN int hfgit_config_get_float(double *out, const hfgit_config *cfg, const char *name);
HFGIT_EXTERN int hfgit_config_get_bool(int *out, const hfgit_config *cfg, const char *name);
HFGIT_EXTERN int hfgit_config_get_string(const char **out, const hfgit_config *cfg,
                                         const char *name);

#ifdef __cplusplus
}
#endif

#endif
