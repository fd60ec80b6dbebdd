#include "model/registry.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/strbuf.h"
#include "model/architectures.h"

typedef struct {
	hfgit_architecture arch;
	bool builtin;
	/* A registered architecture's strings are copies owned here. */
	char *strings[2 + HFGIT_AUTO_COUNT_];
	char **others;
	size_t nothers;
} entry;

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static entry **entries;
static size_t nentries, entries_cap;

static const hfgit_architecture *const builtins[] = {
	&hfgit_arch__bert, &hfgit_arch__distilbert, &hfgit_arch__gpt2, &hfgit_arch__vit,
	&hfgit_arch__llama, &hfgit_arch__mistral, &hfgit_arch__qwen2,
};

static const char *const auto_names[HFGIT_AUTO_COUNT_] = {
	[HFGIT_AUTO_CONFIG] = "config", [HFGIT_AUTO_BASE] = "base",
	[HFGIT_AUTO_SEQ_CLS] = "seq-cls", [HFGIT_AUTO_CAUSAL_LM] = "causal-lm",
	[HFGIT_AUTO_IMAGE_CLS] = "image-cls",
};

static const char *const auto_transformers_names[HFGIT_AUTO_COUNT_] = {
	[HFGIT_AUTO_CONFIG] = "the class config.json names",
	[HFGIT_AUTO_BASE] = "AutoModel",
	[HFGIT_AUTO_SEQ_CLS] = "AutoModelForSequenceClassification",
	[HFGIT_AUTO_CAUSAL_LM] = "AutoModelForCausalLM",
	[HFGIT_AUTO_IMAGE_CLS] = "AutoModelForImageClassification",
};

const char *hfgit_auto_class_name(hfgit_auto_class auto_class)
{
	return (unsigned)auto_class < HFGIT_AUTO_COUNT_ ? auto_names[auto_class] : NULL;
}

const char *hfgit_auto_class_transformers_name(hfgit_auto_class auto_class)
{
	return (unsigned)auto_class < HFGIT_AUTO_COUNT_ ? auto_transformers_names[auto_class] : NULL;
}

/* ---------------------------------------------------------------------------------------- */
/* The table                                                                                 */

static int append_locked(entry *e)
{
	if (nentries == entries_cap) {
		size_t cap = entries_cap ? entries_cap * 2 : 8;
		entry **grown = realloc(entries, cap * sizeof(*grown));

		if (!grown)
			return hfgit_error__oom();
		entries = grown;
		entries_cap = cap;
	}
	entries[nentries++] = e;
	return 0;
}

/* Built-ins go in on first use, so a program that never loads a model pays nothing. The
 * table is process-wide and lives until exit, like libgit2's registered filters. */
static int ensure_builtins_locked(void)
{
	size_t i;
	entry *e;

	if (nentries)
		return 0;
	for (i = 0; i < sizeof(builtins) / sizeof(*builtins); i++) {
		if (!(e = calloc(1, sizeof(*e))))
			return hfgit_error__oom();
		e->arch = *builtins[i];
		e->builtin = true;
		if (append_locked(e) < 0) {
			free(e);
			return HFGIT_ERROR;
		}
	}
	return 0;
}

static bool in_list(const char *const *list, const char *name)
{
	for (; list && *list; list++)
		if (!strcmp(*list, name))
			return true;
	return false;
}

/* Does `a` have the class `name`? *kind receives its Auto class, HFGIT_AUTO_CONFIG for one of
 * the other classes of the family. */
static bool has_class(const hfgit_architecture *a, const char *name, hfgit_auto_class *kind)
{
	int k;

	for (k = HFGIT_AUTO_BASE; k < HFGIT_AUTO_COUNT_; k++) {
		if (a->classes[k] && !strcmp(a->classes[k], name)) {
			*kind = (hfgit_auto_class)k;
			return true;
		}
	}
	*kind = HFGIT_AUTO_CONFIG;
	return in_list(a->other_classes, name);
}

static entry *find_model_type_locked(const char *model_type)
{
	size_t i;

	for (i = 0; i < nentries; i++)
		if (!strcmp(entries[i]->arch.model_type, model_type))
			return entries[i];
	return NULL;
}

static entry *find_class_locked(const char *name, hfgit_auto_class *kind)
{
	size_t i;

	for (i = 0; i < nentries; i++)
		if (has_class(&entries[i]->arch, name, kind))
			return entries[i];
	return NULL;
}

static int list_locked(hfgit_strbuf *buf)
{
	size_t i;

	for (i = 0; i < nentries; i++)
		if ((i && hfgit_strbuf__puts(buf, ", ") < 0) ||
		    hfgit_strbuf__puts(buf, entries[i]->arch.model_type) < 0)
			return HFGIT_ERROR;
	return 0;
}

char *hfgit_architecture_list(void)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	int rc;

	pthread_mutex_lock(&lock);
	rc = ensure_builtins_locked();
	if (rc == 0)
		rc = list_locked(&buf);
	pthread_mutex_unlock(&lock);
	if (rc < 0) {
		hfgit_strbuf__dispose(&buf);
		return NULL;
	}
	return buf.len ? hfgit_strbuf__detach(&buf) : hfgit__strdup("");
}

/* ---------------------------------------------------------------------------------------- */
/* Registering                                                                               */

static void free_entry(entry *e)
{
	size_t i;

	if (!e)
		return;
	for (i = 0; i < sizeof(e->strings) / sizeof(*e->strings); i++)
		free(e->strings[i]);
	for (i = 0; i < e->nothers; i++)
		free(e->others[i]);
	free(e->others);
	free(e);
}

static int copy_string(entry *e, size_t slot, const char *s, const char **field)
{
	if (!s) {
		*field = NULL;
		return 0;
	}
	if (!(e->strings[slot] = hfgit__strdup(s)))
		return HFGIT_ERROR;
	*field = e->strings[slot];
	return 0;
}

static int copy_architecture(entry **out, const hfgit_architecture *arch)
{
	entry *e = calloc(1, sizeof(*e));
	size_t n = 0, i;
	int k;

	if (!e)
		return hfgit_error__oom();
	e->arch = *arch;
	if (copy_string(e, 0, arch->model_type, &e->arch.model_type) < 0 ||
	    copy_string(e, 1, arch->base_prefix, &e->arch.base_prefix) < 0)
		goto fail;
	for (k = 0; k < HFGIT_AUTO_COUNT_; k++)
		if (copy_string(e, 2 + (size_t)k, k == HFGIT_AUTO_CONFIG ? NULL : arch->classes[k],
		                &e->arch.classes[k]) < 0)
			goto fail;
	while (arch->other_classes && arch->other_classes[n])
		n++;
	if (!(e->others = calloc(n + 1, sizeof(*e->others))))
		goto fail;
	for (i = 0; i < n; i++, e->nothers++)
		if (!(e->others[i] = hfgit__strdup(arch->other_classes[i])))
			goto fail;
	e->arch.other_classes = (const char *const *)e->others;
	*out = e;
	return 0;
fail:
	free_entry(e);
	return hfgit_error__oom();
}

static int check_architecture(const hfgit_architecture *arch)
{
	if (!arch || arch->version != HFGIT_ARCHITECTURE_VERSION)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_architecture_register: version %u is not "
		                        "supported (this library has %d); start from "
		                        "HFGIT_ARCHITECTURE_INIT", arch ? arch->version : 0,
		                        HFGIT_ARCHITECTURE_VERSION);
	if (!arch->model_type || !*arch->model_type || !arch->classes[HFGIT_AUTO_BASE] ||
	    !arch->read_config || !arch->build)
		return hfgit_error__set(HFGIT_EINVALID, "hfgit_architecture_register: '%s' needs a "
		                        "model_type, a base class (classes[HFGIT_AUTO_BASE]), read_config "
		                        "and build", arch->model_type ? arch->model_type : "(null)");
	return 0;
}

/* A class name already taken by a registered architecture, or NULL. */
static const char *taken_class_locked(const hfgit_architecture *arch)
{
	hfgit_auto_class kind;
	const char *const *other;
	int k;

	for (k = HFGIT_AUTO_BASE; k < HFGIT_AUTO_COUNT_; k++)
		if (arch->classes[k] && find_class_locked(arch->classes[k], &kind))
			return arch->classes[k];
	for (other = arch->other_classes; other && *other; other++)
		if (find_class_locked(*other, &kind))
			return *other;
	return NULL;
}

int hfgit_architecture_register(const hfgit_architecture *arch)
{
	const char *taken;
	entry *e = NULL;
	int rc;

	if ((rc = check_architecture(arch)) < 0)
		return rc;
	if ((rc = copy_architecture(&e, arch)) < 0)
		return rc;
	pthread_mutex_lock(&lock);
	if ((rc = ensure_builtins_locked()) == 0) {
		if (find_model_type_locked(arch->model_type))
			rc = hfgit_error__set(HFGIT_EEXISTS, "model_type '%s' is registered already",
			                      arch->model_type);
		else if ((taken = taken_class_locked(arch)))
			rc = hfgit_error__set(HFGIT_EEXISTS, "class '%s' belongs to another registered "
			                      "architecture", taken);
		else
			rc = append_locked(e);
	}
	pthread_mutex_unlock(&lock);
	if (rc < 0)
		free_entry(e);
	return rc;
}

int hfgit_architecture_unregister(const char *model_type)
{
	size_t i;
	int rc = 0;

	pthread_mutex_lock(&lock);
	for (i = 0; i < nentries && strcmp(entries[i]->arch.model_type, model_type ? model_type : "");
	     i++)
		;
	if (i == nentries) {
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "no architecture '%s' is registered",
		                      model_type ? model_type : "(null)");
	} else if (entries[i]->builtin) {
		rc = hfgit_error__set(HFGIT_EINVALID, "'%s' is built in and cannot be unregistered",
		                      model_type);
	} else {
		free_entry(entries[i]);
		memmove(&entries[i], &entries[i + 1], (nentries - i - 1) * sizeof(*entries));
		nentries--;
	}
	pthread_mutex_unlock(&lock);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Choosing                                                                                  */

static int unknown(const hfgit_config *cfg, const char *arch0, const char *model_type)
{
	hfgit_strbuf msg = HFGIT_STRBUF_INIT;
	size_t i;
	int rc;

	if (model_type)
		rc = hfgit_strbuf__printf(&msg, "%s: model_type '%.60s'", hfgit_config_path(cfg), model_type);
	else
		rc = hfgit_strbuf__printf(&msg, "%s: no model_type", hfgit_config_path(cfg));
	if (rc == 0 && arch0)
		rc = hfgit_strbuf__printf(&msg, " (architectures[0] '%.60s')", arch0);
	if (rc == 0)
		rc = hfgit_strbuf__puts(&msg, " is not a known architecture; known model types: ");
	if (rc == 0)
		rc = list_locked(&msg);
	if (rc == 0 && hfgit_config_auto_map_count(cfg)) {
		rc = hfgit_strbuf__puts(&msg, ". config.json's auto_map names Python code in the "
		                        "repository (");
		for (i = 0; rc == 0 && i < hfgit_config_auto_map_count(cfg) && i < 3; i++)
			rc = hfgit_strbuf__printf(&msg, "%s%.40s: %.60s", i ? ", " : "",
			                          hfgit_config_auto_map_key(cfg, i),
			                          hfgit_config_auto_map_value(cfg, i));
		if (rc == 0)
			rc = hfgit_strbuf__puts(&msg, "), which hfgit never runs");
	}
	if (rc == 0)
		rc = hfgit_strbuf__puts(&msg, ". Register the architecture with "
		                        "hfgit_architecture_register()");
	if (rc == 0)
		rc = hfgit_error__set(HFGIT_EINVALID, "%s", msg.ptr);
	hfgit_strbuf__dispose(&msg);
	return rc;
}

static int no_such_class(const hfgit_config *cfg, const hfgit_architecture *a,
                         hfgit_auto_class asked)
{
	hfgit_strbuf have = HFGIT_STRBUF_INIT;
	int k, rc = 0;

	for (k = HFGIT_AUTO_BASE; rc == 0 && k < HFGIT_AUTO_COUNT_; k++)
		if (a->classes[k])
			rc = hfgit_strbuf__printf(&have, "%s%s (%s)", have.len ? ", " : "", a->classes[k],
			                          auto_names[k]);
	if (rc == 0)
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: %s asked for, but model_type '%s' has no such "
		                      "class in hfgit; it builds %s", hfgit_config_path(cfg),
		                      auto_transformers_names[asked], a->model_type, have.ptr);
	hfgit_strbuf__dispose(&have);
	return rc;
}

/* How the architecture was found, for the reason. */
static int describe_match(hfgit_strbuf *why, const hfgit_architecture *a, const char *arch0,
                          bool by_class, const char *model_type)
{
	int rc;

	if (by_class)
		rc = hfgit_strbuf__printf(why, "architectures[0] in config.json is \"%s\"", arch0);
	else if (arch0)
		rc = hfgit_strbuf__printf(why, "architectures[0] in config.json is \"%s\", which no "
		                          "registered architecture has; model_type \"%s\" names the "
		                          "architecture", arch0, a->model_type);
	else
		rc = hfgit_strbuf__printf(why, "config.json names no architectures; model_type \"%s\" "
		                          "names the architecture", a->model_type);
	if (rc == 0 && by_class && model_type && strcmp(model_type, a->model_type))
		rc = hfgit_strbuf__printf(why, " (a %s class, although model_type is \"%s\")",
		                          a->model_type, model_type);
	return rc;
}

static int choose_locked(hfgit_choice *out, const hfgit_config *cfg, hfgit_auto_class asked,
                         hfgit_strbuf *why)
{
	const char *arch0 = hfgit_config_architecture(cfg, 0);
	const char *model_type = hfgit_config_model_type(cfg);
	hfgit_auto_class kind = HFGIT_AUTO_CONFIG;
	entry *e = NULL;
	bool by_class = false;
	int rc;

	if (arch0 && (e = find_class_locked(arch0, &kind)))
		by_class = true;
	else if (model_type)
		e = find_model_type_locked(model_type);
	if (!e)
		return unknown(cfg, arch0, model_type);
	out->arch = &e->arch;
	if ((rc = describe_match(why, &e->arch, arch0, by_class, model_type)) < 0)
		return rc;
	if (asked == HFGIT_AUTO_CONFIG) {
		out->head = by_class && kind != HFGIT_AUTO_CONFIG ? kind : HFGIT_AUTO_BASE;
		out->class_name = e->arch.classes[out->head];
		if (by_class && kind == HFGIT_AUTO_CONFIG)
			return hfgit_strbuf__printf(why, ", a %s class hfgit does not build: its base model "
			                            "%s is built instead, and the checkpoint's head weights "
			                            "are unexpected keys", e->arch.model_type,
			                            out->class_name);
		if (!by_class)
			return hfgit_strbuf__printf(why, "; its base model is %s", out->class_name);
		return 0;
	}
	if (!e->arch.classes[asked])
		return no_such_class(cfg, &e->arch, asked);
	out->head = asked;
	out->class_name = e->arch.classes[asked];
	return hfgit_strbuf__printf(why, "; %s was asked for: %s", auto_transformers_names[asked],
	                            out->class_name);
}

int hfgit_registry__choose(hfgit_choice *out, const hfgit_config *cfg, hfgit_auto_class asked)
{
	hfgit_strbuf why = HFGIT_STRBUF_INIT;
	int rc;

	memset(out, 0, sizeof(*out));
	if ((unsigned)asked >= HFGIT_AUTO_COUNT_)
		return hfgit_error__set(HFGIT_EINVALID, "unknown Auto class %d", (int)asked);
	pthread_mutex_lock(&lock);
	rc = ensure_builtins_locked();
	if (rc == 0)
		rc = choose_locked(out, cfg, asked, &why);
	pthread_mutex_unlock(&lock);
	if (rc < 0) {
		hfgit_strbuf__dispose(&why);
		memset(out, 0, sizeof(*out));
		return rc;
	}
	out->reason = hfgit_strbuf__detach(&why);
	return out->reason ? 0 : hfgit_error__oom();
}
