/* Chat templates: tokenizer_config.json's chat_template (Jinja), as transformers renders it. */
#ifndef HFGIT_CHAT_H
#define HFGIT_CHAT_H

#include "hfgit/common.h"
#include "hfgit/context.h"
#include "hfgit/clone.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Chat templates: tokenizer_config.json's chat_template (Jinja), as transformers renders it  */

/*
 * The Jinja subset Hub chat templates use: {% if/elif/else %}, {% for %} (loop.index,
 * loop.first, loop.last, ..., else, a filtering if), {% set %} (namespace() attributes,
 * block sets), {% macro %}, {% raw %}, {% break/continue %}, {% generation %}, whitespace
 * control, and transformers' settings (trim_blocks, lstrip_blocks); expressions with
 * Python's operators, attribute and item access, slices, filters (trim, tojson, length,
 * default, join, map, selectattr, ...), tests (defined, none, string, ...), string and dict
 * methods, raise_exception() and strftime_now(). Anything else fails to compile, naming the
 * construct and its line; raise_exception() fails the render with the template's message.
 * Undefined variables print as nothing and are false; using one further is an error.
 *
 *     hfgit_chat_template *t;
 *     char *prompt;
 *     if (hfgit_chat_template_from_dir(&t, "./Qwen2-0.5B-Instruct", NULL) < 0 ||
 *         hfgit_chat_apply(&prompt, t, "[{\"role\": \"user\", \"content\": \"Hi\"}]",
 *                          &opts) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 */
typedef struct hfgit_chat_template hfgit_chat_template;
struct json_object;

/* Compile template text (`len` bytes); HFGIT_EINVALID names what is wrong and where. */
HFGIT_EXTERN int hfgit_chat_template_compile(hfgit_chat_template **out, const char *source,
                                             size_t len);
/*
 * The chat template of a tokenizer_config.json's content (`config_json`, NUL-terminated):
 * `chat_template` a string, or a list of {"name", "template"} from which `name` is picked
 * (NULL: "default"). The file's special tokens (bos_token, eos_token, unk_token, sep_token,
 * pad_token, cls_token, mask_token: strings or {"content": ...} objects, and
 * additional_special_tokens) are kept for hfgit_chat_apply. `path` names the file in
 * messages (NULL: "tokenizer_config.json"). HFGIT_ENOTFOUND when there is no such template.
 */
HFGIT_EXTERN int hfgit_chat_template_from_config(hfgit_chat_template **out,
                                                 const char *config_json, const char *name,
                                                 const char *path);
/* The same from `dir`/tokenizer_config.json, or, as transformers reads a directory, from
 * `dir`/chat_template.jinja (which wins when present) for the default template and
 * `dir`/additional_chat_templates/NAME.jinja for a named one; the special tokens still come
 * from tokenizer_config.json. */
HFGIT_EXTERN int hfgit_chat_template_from_dir(hfgit_chat_template **out, const char *dir,
                                              const char *name);
/* `id_or_dir`: an existing directory, as hfgit_chat_template_from_dir; else a model
 * id[@revision], checked out into the cache as hfgit_model_from_pretrained does, and reused
 * from there (`clone`: how to clone it; NULL: the defaults). */
HFGIT_EXTERN int hfgit_chat_template_from_pretrained(hfgit_chat_template **out, hfgit_ctx *ctx,
                                                     const char *id_or_dir, const char *name,
                                                     const hfgit_clone_options *clone);
/* A compiled template is not changed by rendering: several threads may render it at once. */
HFGIT_EXTERN void hfgit_chat_template_free(hfgit_chat_template *t);
HFGIT_EXTERN const char *hfgit_chat_template_source(const hfgit_chat_template *t);

/* Render with the variables of `context` (a json-c object; NULL: none) into a new string
 * (free() it). */
HFGIT_EXTERN int hfgit_chat_template_render(char **out, const hfgit_chat_template *t,
                                            const struct json_object *context);
/* The same with the context as JSON text. */
HFGIT_EXTERN int hfgit_chat_template_render_json(char **out, const hfgit_chat_template *t,
                                                 const char *context_json);

typedef struct {
	unsigned int version;
	/* Append the prompt that opens the assistant's turn (add_generation_prompt=True). */
	int add_generation_prompt;
	/* More variables as a JSON object, e.g. {"tools": [...], "documents": [...]}; NULL: none.
	 * They override the special tokens of the same name. */
	const char *extra_context_json;
} hfgit_chat_options;

#define HFGIT_CHAT_OPTIONS_VERSION 1
#define HFGIT_CHAT_OPTIONS_INIT { HFGIT_CHAT_OPTIONS_VERSION, 0, NULL }

/*
 * transformers' tokenizer.apply_chat_template(messages, tokenize=False, ...): render
 * `messages_json` (a JSON list of {"role", "content", ...}) with add_generation_prompt, the
 * special tokens of the tokenizer_config.json the template came from, `tools` and `documents`
 * (none, as transformers passes them when the call gives none), and the extra context.
 * The result is text (free() it); tokenizing it is the tokenizer's business.
 */
HFGIT_EXTERN int hfgit_chat_apply(char **out, const hfgit_chat_template *t,
                                  const char *messages_json, const hfgit_chat_options *opts);

#ifdef __cplusplus
}
#endif

#endif
