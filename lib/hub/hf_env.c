/* huggingface_hub's environment variables, read in one place (see hf_env.h). */
#include "hub/hf_env.h"

#include <ctype.h>
#include <pwd.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"

const char *hfgit_env__get(const char *name)
{
	const char *v = getenv(name);
	return v && *v ? v : NULL;
}

const char *hfgit_env__home(void)
{
	const char *home = hfgit_env__get("HOME");
	struct passwd *pw;

	if (home)
		return home;
	pw = getpwuid(getuid());
	return pw && pw->pw_dir && *pw->pw_dir ? pw->pw_dir : NULL;
}

/* os.path.expanduser: "~" and "~/x" from HOME, "~user/x" from the password database. */
static int expand_user(hfgit_strbuf *buf, const char *path, const char **rest)
{
	const char *end = strchr(path, '/'), *home;
	struct passwd *pw;
	char *user;

	*rest = path;
	if (path[0] != '~')
		return 0;
	if (!end)
		end = path + strlen(path);
	if (end == path + 1) {
		home = hfgit_env__home();
	} else {
		if (!(user = hfgit__aprintf("%.*s", (int)(end - path - 1), path + 1)))
			return HFGIT_ERROR;
		pw = getpwnam(user);
		free(user);
		home = pw ? pw->pw_dir : NULL;
		if (!home)
			return 0; /* as Python: an unknown user leaves the path as it is */
	}
	if (!home)
		return hfgit_error__set(HFGIT_EIO, "cannot expand '%s': HOME is not set", path);
	*rest = end;
	return hfgit_strbuf__puts(buf, home);
}

/* os.path.expandvars: $NAME and ${NAME}; unset variables stay as written. */
static int expand_vars(hfgit_strbuf *buf, const char *s)
{
	while (*s) {
		const char *start = s, *name, *value;
		size_t len = 0;
		bool braced;
		char *key;

		if (*s != '$') {
			if (hfgit_strbuf__put(buf, s, 1) < 0)
				return HFGIT_ERROR;
			s++;
			continue;
		}
		braced = s[1] == '{';
		name = s + (braced ? 2 : 1);
		while (isalnum((unsigned char)name[len]) || name[len] == '_')
			len++;
		if (len == 0 || (braced && name[len] != '}')) {
			if (hfgit_strbuf__put(buf, s, 1) < 0)
				return HFGIT_ERROR;
			s++;
			continue;
		}
		s = name + len + (braced ? 1 : 0);
		if (!(key = hfgit__aprintf("%.*s", (int)len, name)))
			return HFGIT_ERROR;
		value = getenv(key);
		free(key);
		if (value ? hfgit_strbuf__puts(buf, value) : hfgit_strbuf__put(buf, start, (size_t)(s - start)))
			return HFGIT_ERROR;
	}
	return 0;
}

int hfgit_env__expand_path(char **out, const char *path)
{
	hfgit_strbuf buf = HFGIT_STRBUF_INIT;
	const char *rest;
	int rc;

	*out = NULL;
	if ((rc = expand_user(&buf, path, &rest)) < 0 || (rc = expand_vars(&buf, rest)) < 0) {
		hfgit_strbuf__dispose(&buf);
		return rc;
	}
	*out = hfgit_fs__absolute(hfgit_strbuf__cstr(&buf));
	hfgit_strbuf__dispose(&buf);
	return *out ? 0 : HFGIT_ERROR;
}

int hfgit_env__hf_home(char **out)
{
	const char *env;
	char *joined;
	int rc;

	if ((env = hfgit_env__get("HF_HOME")))
		return hfgit_env__expand_path(out, env);
	if ((env = hfgit_env__get("XDG_CACHE_HOME")))
		joined = hfgit__aprintf("%s/huggingface", env);
	else
		joined = hfgit__strdup("~/.cache/huggingface");
	if (!joined)
		return HFGIT_ERROR;
	rc = hfgit_env__expand_path(out, joined);
	free(joined);
	return rc;
}

/* `$HF_HOME/<leaf>`, or the expanded `value` of a variable that overrides it. */
static int under_hf_home(char **out, const char *value, const char *leaf)
{
	char *home;
	int rc;

	if (value)
		return hfgit_env__expand_path(out, value);
	if ((rc = hfgit_env__hf_home(&home)) < 0)
		return rc;
	*out = hfgit__aprintf("%s/%s", home, leaf);
	free(home);
	return *out ? 0 : HFGIT_ERROR;
}

int hfgit_hf_cache_dir(char **out, const char *override)
{
	const char *env = override && *override ? override : hfgit_env__get("HF_HUB_CACHE");

	*out = NULL;
	if (!env)
		env = hfgit_env__get("HUGGINGFACE_HUB_CACHE");
	return under_hf_home(out, env, "hub");
}

int hfgit_env__token_path(char **out)
{
	return under_hf_home(out, hfgit_env__get("HF_TOKEN_PATH"), "token");
}

/* What _clean_token does: surrounding whitespace goes; nothing left means no token. */
static char *clean_token(const char *s)
{
	size_t len;

	while (*s && isspace((unsigned char)*s))
		s++;
	len = strlen(s);
	while (len > 0 && isspace((unsigned char)s[len - 1]))
		len--;
	return len ? hfgit__aprintf("%.*s", (int)len, s) : NULL;
}

int hfgit_env__token(char **out, const char *given)
{
	const char *env;
	char *path = NULL, *text = NULL;
	size_t len;
	int rc;

	*out = NULL;
	if (given && *given)
		env = given;
	else if (!(env = hfgit_env__get("HF_TOKEN")))
		env = hfgit_env__get("HUGGING_FACE_HUB_TOKEN");
	if (env) {
		*out = clean_token(env);
		return 0;
	}
	if ((rc = hfgit_env__token_path(&path)) < 0)
		return rc;
	/* No token file (never logged in) is no token; an unreadable one is the same, as for
	 * huggingface_hub: anonymous access still works for public repositories. */
	if (hfgit_fs__read_file(&text, &len, path) < 0) {
		hfgit_error__clear();
		free(path);
		return 0;
	}
	free(path);
	*out = clean_token(text);
	memset(text, 0, len);
	free(text);
	return 0;
}

int hfgit_env_flag(const char *name)
{
	const char *v = getenv(name);

	if (!v)
		return -1;
	return !strcasecmp(v, "1") || !strcasecmp(v, "on") || !strcasecmp(v, "yes") ||
	       !strcasecmp(v, "true");
}

bool hfgit_env__offline(void)
{
	/* `HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE` in Python: the first non-empty one decides. */
	const char *name = hfgit_env__get("HF_HUB_OFFLINE") ? "HF_HUB_OFFLINE" : "TRANSFORMERS_OFFLINE";

	return hfgit_env_flag(name) == 1 || hfgit_env_flag("HFGIT_OFFLINE") == 1;
}

/* Paths from options and variables are expanded as huggingface_hub expands its own, so
 * HF_HOME='~/x' is $HOME/x here too. */
int hfgit_cache__root(char **out, const char *override)
{
	const char *env;
	char *base;
	int rc;

	*out = NULL;
	if (override && *override)
		return hfgit_env__expand_path(out, override);
	if ((env = hfgit_env__get("HFGIT_HOME")))
		return hfgit_env__expand_path(out, env);
	if ((env = hfgit_env__get("HF_HOME"))) {
		if ((rc = hfgit_env__expand_path(&base, env)) < 0)
			return rc;
	} else if ((env = hfgit_env__get("XDG_CACHE_HOME"))) {
		if ((rc = hfgit_env__expand_path(&base, env)) < 0)
			return rc;
	} else {
		if (!hfgit_env__home())
			return hfgit_error__set(HFGIT_EIO, "cannot find a cache directory: set HFGIT_HOME or HOME");
		if ((rc = hfgit_env__expand_path(&base, "~/.cache")) < 0)
			return rc;
	}
	*out = hfgit__aprintf("%s/hfgit", base);
	free(base);
	return *out ? 0 : HFGIT_ERROR;
}
