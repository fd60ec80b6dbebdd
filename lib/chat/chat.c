/*
 * The public side of chat templates: compile, render with a JSON context, and the
 * tokenizer_config.json helper that renders messages as transformers' apply_chat_template
 * does (the special tokens of the file, add_generation_prompt, tools and documents).
 */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "chat/ast.h"
#include "chat/render.h"
#include "core/error.h"
#include "core/options.h"
#include "core/fs.h"
#include "core/strbuf.h"

struct hfgit_chat_template {
	node_list *body;
	char *source;
	/* From tokenizer_config.json: the special tokens ("bos_token" -> "<s>"), a JSON object. */
	json_object *tokens;
};

int hfgit_chat__render_body(hfgit_strbuf *out, const node_list *body, scope *globals);

/* The special-token fields transformers passes to the template. */
static const char *const token_fields[] = {
	"bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token",
};

int hfgit_chat_template_compile(hfgit_chat_template **out, const char *source, size_t len)
{
	hfgit_chat_template *t;

	*out = NULL;
	if (!source)
		return hfgit_error__set(HFGIT_EINVALID, "no chat template given");
	if (!(t = calloc(1, sizeof(*t))) || !(t->source = malloc(len + 1))) {
		free(t);
		return hfgit_error__oom();
	}
	memcpy(t->source, source, len);
	t->source[len] = '\0';
	if (!(t->body = hfgit_chat__parse(t->source, len, NULL))) {
		int rc = hfgit_error_last_code();
		free(t->source);
		free(t);
		return rc < 0 ? rc : HFGIT_EINVALID;
	}
	*out = t;
	return 0;
}

void hfgit_chat_template_free(hfgit_chat_template *t)
{
	if (!t)
		return;
	if (t->body) {
		hfgit_chat__node_list_dispose(t->body);
		free(t->body);
	}
	free(t->source);
	json_object_put(t->tokens);
	free(t);
}

const char *hfgit_chat_template_source(const hfgit_chat_template *t)
{
	return t->source;
}

int hfgit_chat_template_render(char **out, const hfgit_chat_template *t,
                               const struct json_object *context)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	scope builtins = { NULL }, globals = { &builtins };
	int rc;

	*out = NULL;
	if (context && !json_object_is_type((json_object *)context, json_type_object))
		return hfgit_error__set(HFGIT_EINVALID, "the chat template's context must be a JSON "
		                        "object ({\"messages\": [...], ...})");
	if ((rc = hfgit_chat__builtin_globals(&builtins)) < 0)
		goto done;
	if (context) {
		json_object_object_foreach((json_object *)context, key, val) {
			jv *v = hfgit_jv__from_json(val);
			rc = v ? hfgit_chat__scope_set(&globals, key, v) : HFGIT_ERROR;
			hfgit_jv__unref(v);
			if (rc < 0)
				goto done;
		}
	}
	if ((rc = hfgit_chat__render_body(&buf, t->body, &globals)) == 0 &&
	    !(*out = buf.ptr ? hfgit_strbuf__detach(&buf) : strdup("")))
		rc = hfgit_error__oom();
done:
	hfgit_strbuf__dispose(&buf);
	hfgit_chat__scope_dispose(&globals);
	hfgit_chat__scope_dispose(&builtins);
	return rc;
}

static int parse_json_text(json_object **out, const char *text, const char *what)
{
	enum json_tokener_error jerr = json_tokener_success;
	json_tokener *tok = json_tokener_new_ex(JSON_TOKENER_DEFAULT_DEPTH);
	size_t len = strlen(text);

	*out = NULL;
	if (!tok)
		return hfgit_error__oom();
	*out = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	if (jerr == json_tokener_success && json_tokener_get_parse_end(tok) < len &&
	    text[json_tokener_get_parse_end(tok) + strspn(text + json_tokener_get_parse_end(tok),
	                                                  " \t\r\n")] != '\0') {
		json_tokener_free(tok);
		json_object_put(*out);
		*out = NULL;
		return hfgit_error__set(HFGIT_EINVALID, "%s: text after the JSON value", what);
	}
	json_tokener_free(tok);
	if (jerr != json_tokener_success || !*out) {
		json_object_put(*out);
		*out = NULL;
		return hfgit_error__set(HFGIT_EINVALID, "%s is not valid JSON: %s", what,
		                        jerr == json_tokener_continue ? "unexpected end"
		                                                     : json_tokener_error_desc(jerr));
	}
	return 0;
}

int hfgit_chat_template_render_json(char **out, const hfgit_chat_template *t,
                                    const char *context_json)
{
	json_object *ctx = NULL;
	int rc;

	*out = NULL;
	if (context_json && (rc = parse_json_text(&ctx, context_json, "the chat template context")) < 0)
		return rc;
	rc = hfgit_chat_template_render(out, t, ctx);
	json_object_put(ctx);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* tokenizer_config.json                                                                     */

/* "chat_template": a string, or [{"name": ..., "template": ...}]; `name` NULL is "default". */
static int pick_template(json_object **out, json_object *field, const char *name, const char *path)
{
	const char *want = name ? name : "default";
	hfgit_strbuf names = HFGIT_STRBUF_INIT;
	size_t i, n;

	if (json_object_is_type(field, json_type_string)) {
		if (name && strcmp(name, "default"))
			return hfgit_error__set(HFGIT_ENOTFOUND, "%s has a single chat template, not one "
			                        "named '%s'", path, name);
		*out = field;
		return 0;
	}
	if (!json_object_is_type(field, json_type_array))
		return hfgit_error__set(HFGIT_EINVALID, "%s: chat_template must be a string or a list "
		                        "of {\"name\", \"template\"}", path);
	n = json_object_array_length(field);
	for (i = 0; i < n; i++) {
		json_object *item = json_object_array_get_idx(field, i), *jn, *jt;
		if (!json_object_object_get_ex(item, "name", &jn) ||
		    !json_object_object_get_ex(item, "template", &jt) ||
		    !json_object_is_type(jn, json_type_string) || !json_object_is_type(jt, json_type_string)) {
			hfgit_strbuf__dispose(&names);
			return hfgit_error__set(HFGIT_EINVALID, "%s: chat_template[%zu] is not a "
			                        "{\"name\": ..., \"template\": ...} object", path, i);
		}
		if (!strcmp(json_object_get_string(jn), want)) {
			hfgit_strbuf__dispose(&names);
			*out = jt;
			return 0;
		}
		hfgit_strbuf__printf(&names, "%s%s", i ? ", " : "", json_object_get_string(jn));
	}
	hfgit_error__set(HFGIT_ENOTFOUND, "%s has no chat template named '%s'%s; it has: %s (choose "
	                 "one by name)", path, want, name ? "" : " (the one used by default)",
	                 names.len ? names.ptr : "none");
	hfgit_strbuf__dispose(&names);
	return HFGIT_ENOTFOUND;
}

/* The special tokens of a tokenizer_config.json: a string, or an AddedToken {"content": ...}. */
static int read_tokens(json_object **out, json_object *cfg, const char *path)
{
	json_object *tokens = json_object_new_object(), *field;

	*out = NULL;
	if (!tokens)
		return hfgit_error__oom();
	for (size_t i = 0; i < sizeof(token_fields) / sizeof(*token_fields); i++) {
		json_object *tok, *content;
		if (!json_object_object_get_ex(cfg, token_fields[i], &tok) || !tok)
			continue;
		if (json_object_is_type(tok, json_type_object) &&
		    json_object_object_get_ex(tok, "content", &content))
			tok = content;
		if (!json_object_is_type(tok, json_type_string)) {
			json_object_put(tokens);
			return hfgit_error__set(HFGIT_EINVALID, "%s: %s must be a string or an object with "
			                        "\"content\"", path, token_fields[i]);
		}
		json_object_object_add(tokens, token_fields[i], json_object_get(tok));
	}
	if (json_object_object_get_ex(cfg, "additional_special_tokens", &field) &&
	    json_object_is_type(field, json_type_array))
		json_object_object_add(tokens, "additional_special_tokens", json_object_get(field));
	*out = tokens;
	return 0;
}

/*
 * A template from `file` (its text and path; NULL: the config's chat_template field, picked by
 * `name`), with the special tokens of `config_json` (NULL: none).
 */
static int load(hfgit_chat_template **out, const char *config_json, const char *name,
                const char *path, const char *file, size_t file_len, const char *file_path)
{
	json_object *cfg = NULL, *field, *tokens = NULL, *source = NULL;
	const char *text = file, *where = file ? file_path : path;
	size_t len = file_len;
	int rc = 0;

	*out = NULL;
	if (config_json) {
		if ((rc = parse_json_text(&cfg, config_json, path)) < 0)
			return rc;
		if (!json_object_is_type(cfg, json_type_object)) {
			rc = hfgit_error__set(HFGIT_EINVALID, "%s is not a JSON object", path);
			goto out;
		}
		if ((rc = read_tokens(&tokens, cfg, path)) < 0)
			goto out;
	}
	if (!file) {
		if (!cfg || !json_object_object_get_ex(cfg, "chat_template", &field) || !field) {
			rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s has no chat_template: this tokenizer "
			                      "defines no chat format (base models often do not)", path);
			goto out;
		}
		if ((rc = pick_template(&source, field, name, path)) < 0)
			goto out;
		text = json_object_get_string(source);
		len = (size_t)json_object_get_string_len(source);
	}
	if ((rc = hfgit_chat_template_compile(out, text, len)) == 0) {
		(*out)->tokens = tokens;
		tokens = NULL;
	} else {
		rc = hfgit_error__set(rc, "%s: %s", where, hfgit_error_last());
	}
out:
	json_object_put(tokens);
	json_object_put(cfg);
	return rc;
}

int hfgit_chat_template_from_config(hfgit_chat_template **out, const char *config_json,
                                    const char *name, const char *path)
{
	*out = NULL;
	if (!config_json)
		return hfgit_error__set(HFGIT_EINVALID, "no tokenizer_config.json content given");
	return load(out, config_json, name, path ? path : "tokenizer_config.json", NULL, 0, NULL);
}

/* A file that may be absent: *text NULL then. */
static int read_optional(char **text, size_t *len, const char *path)
{
	*text = NULL;
	*len = 0;
	return hfgit_fs__exists(path) ? hfgit_fs__read_file(text, len, path) : 0;
}

/* A template name that can be a file name under additional_chat_templates/. */
static bool plain_name(const char *name)
{
	return *name && !strchr(name, '/') && strcmp(name, ".") && strcmp(name, "..");
}

/*
 * As transformers reads a tokenizer's directory: chat_template.jinja, when present, is the
 * default template and wins over tokenizer_config.json's chat_template; a named one may be
 * additional_chat_templates/NAME.jinja. The special tokens come from tokenizer_config.json.
 */
int hfgit_chat_template_from_dir(hfgit_chat_template **out, const char *dir, const char *name)
{
	char *config_path = hfgit__aprintf("%s/tokenizer_config.json", dir), *file_path = NULL;
	char *config = NULL, *file = NULL;
	size_t config_len = 0, file_len = 0;
	int rc;

	*out = NULL;
	if (!config_path)
		return HFGIT_ERROR;
	if (!name || !strcmp(name, "default"))
		file_path = hfgit__aprintf("%s/chat_template.jinja", dir);
	else if (plain_name(name))
		file_path = hfgit__aprintf("%s/additional_chat_templates/%s.jinja", dir, name);
	if (((!name || !strcmp(name, "default") || plain_name(name)) && !file_path) ||
	    (rc = read_optional(&config, &config_len, config_path)) < 0 ||
	    (file_path && (rc = read_optional(&file, &file_len, file_path)) < 0)) {
		rc = hfgit_error_last_code() < 0 ? hfgit_error_last_code() : HFGIT_ERROR;
		goto out;
	}
	if (config && strlen(config) != config_len) {
		rc = hfgit_error__set(HFGIT_EINVALID, "%s contains a NUL byte", config_path);
	} else if (!config && !file) {
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s has no tokenizer_config.json (nor "
		                      "chat_template.jinja), where chat templates are kept", dir);
	} else {
		rc = load(out, config, name, config_path, file, file_len, file_path);
	}
out:
	free(file);
	free(config);
	free(file_path);
	free(config_path);
	return rc;
}

static int check_options(const hfgit_chat_options *opts)
{
	return HFGIT_OPTIONS__CHECK(opts, HFGIT_CHAT_OPTIONS) < 0 ? HFGIT_EINVALID : 0;
}

int hfgit_chat_apply(char **out, const hfgit_chat_template *t, const char *messages_json,
                     const hfgit_chat_options *opts)
{
	hfgit_chat_options defaults = HFGIT_CHAT_OPTIONS_INIT;
	json_object *ctx = NULL, *messages = NULL, *extra = NULL;
	int rc;

	*out = NULL;
	if (!opts)
		opts = &defaults;
	if ((rc = check_options(opts)) < 0)
		return rc;
	if (!messages_json)
		return hfgit_error__set(HFGIT_EINVALID, "no messages given");
	if ((rc = parse_json_text(&messages, messages_json, "the messages")) < 0)
		return rc;
	if (!json_object_is_type(messages, json_type_array)) {
		json_object_put(messages);
		return hfgit_error__set(HFGIT_EINVALID, "the messages must be a JSON list of "
		                        "{\"role\": ..., \"content\": ...} objects");
	}
	if (opts->extra_context_json &&
	    (rc = parse_json_text(&extra, opts->extra_context_json, "the extra context")) < 0)
		goto out;
	if (extra && !json_object_is_type(extra, json_type_object)) {
		rc = hfgit_error__set(HFGIT_EINVALID, "the extra context must be a JSON object "
		                      "({\"tools\": [...], ...})");
		goto out;
	}
	if (!(ctx = json_object_new_object())) {
		rc = hfgit_error__oom();
		goto out;
	}
	/* As apply_chat_template: the special tokens, then the call's own variables on top. */
	if (t->tokens) {
		json_object_object_foreach(t->tokens, key, val)
			json_object_object_add(ctx, key, json_object_get(val));
	}
	/* transformers passes tools and documents always, None when the call has none: templates
	 * test `tools is not none`. */
	json_object_object_add(ctx, "tools", NULL);
	json_object_object_add(ctx, "documents", NULL);
	json_object_object_add(ctx, "messages", json_object_get(messages));
	json_object_object_add(ctx, "add_generation_prompt",
	                       json_object_new_boolean(opts->add_generation_prompt != 0));
	if (extra) {
		json_object_object_foreach(extra, xkey, xval)
			json_object_object_add(ctx, xkey, json_object_get(xval));
	}
	rc = hfgit_chat_template_render(out, t, ctx);
out:
	json_object_put(ctx);
	json_object_put(extra);
	json_object_put(messages);
	return rc;
}
