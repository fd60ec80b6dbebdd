/*
 * The huggingface_hub environment (lib/hub/hf_env.c) against huggingface_hub's own rules
 * (constants.py, utils/_auth.py): which variable wins, how "~" and $VAR are expanded, which
 * values are true.
 */
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "check.h"
#include "hub/hf_env.h"
#include "hub/hf_env.h"

static const char *const vars[] = {
	"HF_HOME", "HF_HUB_CACHE", "HUGGINGFACE_HUB_CACHE", "HF_TOKEN", "HUGGING_FACE_HUB_TOKEN",
	"HF_TOKEN_PATH", "XDG_CACHE_HOME", "HFGIT_HOME", "HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE",
	"HFGIT_OFFLINE", "HF_HUB_DISABLE_PROGRESS_BARS", "HFGIT_TEST_VAR",
};

static void reset(void)
{
	size_t i;
	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++)
		unsetenv(vars[i]);
	setenv("HOME", "/home/u", 1);
}

static char buf[4096];

static const char *hub_cache(void)
{
	char *s;
	if (hfgit_hf_cache_dir(&s, NULL) < 0)
		return "(error)";
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static const char *hf_home(void)
{
	char *s;
	if (hfgit_env__hf_home(&s) < 0)
		return "(error)";
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static const char *token_path(void)
{
	char *s;
	if (hfgit_env__token_path(&s) < 0)
		return "(error)";
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static const char *cache_root(const char *override)
{
	char *s;
	if (hfgit_cache__root(&s, override) < 0)
		return "(error)";
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static const char *token(const char *given)
{
	char *s;
	if (hfgit_env__token(&s, given) < 0)
		return "(error)";
	if (!s)
		return NULL;
	snprintf(buf, sizeof(buf), "%s", s);
	free(s);
	return buf;
}

static void test_paths(void)
{
	reset();
	CHECK_STR(hf_home(), "/home/u/.cache/huggingface");
	CHECK_STR(hub_cache(), "/home/u/.cache/huggingface/hub");
	CHECK_STR(token_path(), "/home/u/.cache/huggingface/token");
	CHECK_STR(cache_root(NULL), "/home/u/.cache/hfgit");

	setenv("XDG_CACHE_HOME", "/xdg", 1);
	CHECK_STR(hf_home(), "/xdg/huggingface");
	CHECK_STR(hub_cache(), "/xdg/huggingface/hub");
	CHECK_STR(token_path(), "/xdg/huggingface/token");
	CHECK_STR(cache_root(NULL), "/xdg/hfgit");
	/* huggingface_hub expands the whole HF_HOME default, XDG_CACHE_HOME included */
	setenv("XDG_CACHE_HOME", "~/xdg", 1);
	CHECK_STR(hf_home(), "/home/u/xdg/huggingface");
	CHECK_STR(cache_root(NULL), "/home/u/xdg/hfgit");

	setenv("HF_HOME", "~/hf", 1); /* HF_HOME wins over XDG_CACHE_HOME */
	CHECK_STR(hf_home(), "/home/u/hf");
	CHECK_STR(hub_cache(), "/home/u/hf/hub");
	CHECK_STR(token_path(), "/home/u/hf/token");
	CHECK_STR(cache_root(NULL), "/home/u/hf/hfgit");

	setenv("HUGGINGFACE_HUB_CACHE", "/legacy", 1);
	CHECK_STR(hub_cache(), "/legacy");
	setenv("HF_HUB_CACHE", "~/hub", 1); /* the new name wins over the legacy one */
	CHECK_STR(hub_cache(), "/home/u/hub");
	CHECK_STR(hf_home(), "/home/u/hf"); /* and does not move HF_HOME */
	setenv("HF_TOKEN_PATH", "~/secret/token", 1);
	CHECK_STR(token_path(), "/home/u/secret/token");

	setenv("HFGIT_HOME", "~/mine", 1);
	CHECK_STR(cache_root(NULL), "/home/u/mine");
	CHECK_STR(cache_root("~/given"), "/home/u/given");
	CHECK_STR(cache_root("/abs"), "/abs");

	/* an empty variable is unset */
	reset();
	setenv("HF_HOME", "", 1);
	setenv("HF_HUB_CACHE", "", 1);
	CHECK_STR(hub_cache(), "/home/u/.cache/huggingface/hub");
}

static void test_expansion(void)
{
	char *s, cwd[2048];

	reset();
	setenv("HFGIT_TEST_VAR", "/v", 1);
	setenv("HF_HOME", "$HFGIT_TEST_VAR/a/${HFGIT_TEST_VAR}", 1);
	CHECK_STR(hf_home(), "/v/a//v");
	/* as os.path.expandvars: unknown names and lone '$' stay as written */
	setenv("HF_HOME", "/x/$HFGIT_UNSET_VAR/${HFGIT_UNSET_VAR}/$/${", 1);
	CHECK_STR(hf_home(), "/x/$HFGIT_UNSET_VAR/${HFGIT_UNSET_VAR}/$/${");
	/* expanduser then expandvars: a '~' that a variable brings is not a home */
	setenv("HFGIT_TEST_VAR", "~", 1);
	setenv("HF_HOME", "/y/$HFGIT_TEST_VAR", 1);
	CHECK_STR(hf_home(), "/y/~");
	/* "~root" is root's home; "~x" of no such user stays as written (relative) */
	setenv("HF_HOME", "~root/z", 1);
	CHECK_STR(hf_home(), "/root/z");
	CHECK(getcwd(cwd, sizeof(cwd)) != NULL);
	CHECK(hfgit_env__expand_path(&s, "~no-such-user-hfgit/q") == 0);
	snprintf(buf, sizeof(buf), "%s/~no-such-user-hfgit/q", cwd);
	CHECK_STR(s, buf);
	free(s);
	/* relative paths become absolute */
	CHECK(hfgit_env__expand_path(&s, "rel") == 0);
	snprintf(buf, sizeof(buf), "%s/rel", cwd);
	CHECK_STR(s, buf);
	free(s);
	CHECK(hfgit_env__expand_path(&s, "~") == 0);
	CHECK_STR(s, "/home/u");
	free(s);
}

static void test_token(void)
{
	char dir[] = "/tmp/hfgit-env-XXXXXX", path[4200];
	FILE *f;

	reset();
	CHECK(mkdtemp(dir) != NULL);
	snprintf(path, sizeof(path), "%s/token", dir);
	setenv("HF_HOME", dir, 1);
	CHECK_STR(token(NULL), NULL); /* no file, no token */
	f = fopen(path, "w");
	CHECK(f != NULL);
	if (f) {
		fputs("  hf_fromfile\n", f);
		fclose(f);
	}
	CHECK_STR(token(NULL), "hf_fromfile");
	setenv("HUGGING_FACE_HUB_TOKEN", "hf_legacy", 1);
	CHECK_STR(token(NULL), "hf_legacy");
	setenv("HF_TOKEN", " hf_env \n", 1);
	CHECK_STR(token(NULL), "hf_env");
	CHECK_STR(token("hf_given"), "hf_given");
	/* HF_TOKEN of only whitespace is no token; it does not fall back to the file */
	setenv("HF_TOKEN", "  ", 1);
	CHECK_STR(token(NULL), NULL);
	unsetenv("HF_TOKEN");
	unsetenv("HUGGING_FACE_HUB_TOKEN");
	/* HF_TOKEN_PATH moves the file */
	setenv("HF_TOKEN_PATH", "/nonexistent/hfgit/token", 1);
	CHECK_STR(token(NULL), NULL);
	setenv("HF_TOKEN_PATH", path, 1);
	unsetenv("HF_HOME");
	CHECK_STR(token(NULL), "hf_fromfile");
	unlink(path);
	rmdir(dir);
}

static void test_flags(void)
{
	static const char *const truthy[] = { "1", "ON", "on", "Yes", "TRUE", "true" };
	static const char *const falsy[] = { "0", "off", "no", "false", "", "2", "y" };
	size_t i;

	reset();
	CHECK(hfgit_env_flag("HF_HUB_DISABLE_PROGRESS_BARS") == -1);
	for (i = 0; i < sizeof(truthy) / sizeof(*truthy); i++) {
		setenv("HF_HUB_DISABLE_PROGRESS_BARS", truthy[i], 1);
		CHECK_MSG(hfgit_env_flag("HF_HUB_DISABLE_PROGRESS_BARS") == 1, "'%s' is true", truthy[i]);
	}
	for (i = 0; i < sizeof(falsy) / sizeof(*falsy); i++) {
		setenv("HF_HUB_DISABLE_PROGRESS_BARS", falsy[i], 1);
		CHECK_MSG(hfgit_env_flag("HF_HUB_DISABLE_PROGRESS_BARS") == 0, "'%s' is false", falsy[i]);
	}

	CHECK(!hfgit_env__offline());
	setenv("TRANSFORMERS_OFFLINE", "1", 1);
	CHECK(hfgit_env__offline());
	/* `HF_HUB_OFFLINE or TRANSFORMERS_OFFLINE`: a set HF_HUB_OFFLINE decides alone */
	setenv("HF_HUB_OFFLINE", "0", 1);
	CHECK(!hfgit_env__offline());
	setenv("HF_HUB_OFFLINE", "yes", 1);
	unsetenv("TRANSFORMERS_OFFLINE");
	CHECK(hfgit_env__offline());
	reset();
	setenv("HFGIT_OFFLINE", "true", 1);
	CHECK(hfgit_env__offline());
}

int main(void)
{
	test_paths();
	test_expansion();
	test_token();
	test_flags();
	return check_finish();
}
