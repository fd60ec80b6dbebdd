/* Option values more than one subcommand takes: glob lists, --jobs, --link, text files. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

int cli_add_globs(const char ***list, size_t *count, char *arg)
{
	char *save = NULL, *p;

	for (p = strtok_r(arg, ",", &save); p; p = strtok_r(NULL, ",", &save)) {
		const char **grown = realloc(*list, (*count + 1) * sizeof(*grown));
		if (!grown)
			return -1;
		*list = grown;
		(*list)[(*count)++] = p;
	}
	return 0;
}

bool cli_parse_jobs(unsigned int *out, const char *value)
{
	char *end;
	long n;

	if (!value)
		return false;
	n = strtol(value, &end, 10);
	if (*end || n < 1 || n > 64)
		return false;
	*out = (unsigned int)n;
	return true;
}

bool cli_parse_link(hfgit_link_mode *out, const char *value)
{
	static const struct { const char *name; hfgit_link_mode mode; } modes[] = {
		{ "auto", HFGIT_LINK_AUTO }, { "reflink", HFGIT_LINK_REFLINK },
		{ "hardlink", HFGIT_LINK_HARDLINK }, { "copy", HFGIT_LINK_COPY },
	};
	size_t i;

	for (i = 0; value && i < sizeof(modes) / sizeof(*modes); i++) {
		if (!strcmp(value, modes[i].name)) {
			*out = modes[i].mode;
			return true;
		}
	}
	return false;
}

static int read_stream(char **out, FILE *f)
{
	size_t len = 0, cap = 0, n;
	char *buf = NULL, *p;

	do {
		if (cap - len < 4096) {
			cap = cap ? cap * 2 : 8192;
			if (!(p = realloc(buf, cap + 1))) {
				free(buf);
				return -1;
			}
			buf = p;
		}
		n = fread(buf + len, 1, cap - len, f);
		len += n;
	} while (n > 0);
	if (ferror(f)) {
		free(buf);
		return -1;
	}
	buf[len] = '\0';
	*out = buf;
	return 0;
}

void cli_json_number(char *buf, size_t size, double v)
{
	if (isnan(v))
		snprintf(buf, size, "NaN");
	else if (isinf(v))
		snprintf(buf, size, "%sInfinity", v < 0 ? "-" : "");
	else
		snprintf(buf, size, "%.9g", v);
}

int cli_read_text(char **out, const char *path, const char *what)
{
	bool std = !path || !strcmp(path, "-");
	FILE *f = std ? stdin : fopen(path, "rb");
	int rc;

	*out = NULL;
	if (!f) {
		fprintf(stderr, "hfgit: cannot open the %s file '%s'\n", what, path);
		return EXIT_IO;
	}
	rc = read_stream(out, f);
	if (!std)
		fclose(f);
	if (rc < 0) {
		fprintf(stderr, "hfgit: cannot read the %s from %s\n", what,
		        std ? "standard input" : path);
		return EXIT_IO;
	}
	return EXIT_OK;
}
