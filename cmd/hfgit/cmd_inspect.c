/* hfgit inspect ID[@REV]|DIR: the model transformers' Auto classes would build, checked. */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static const char usage[] =
	"usage: hfgit inspect [--json] [--auto KIND] [--weights FORMAT] [--params] ID[@REV]|DIR\n"
	"\n"
	"Build the model from config.json and bind its weights, as transformers'\n"
	"AutoModel.from_pretrained would, without running anything from the repository; print\n"
	"the class chosen and why, the key hyperparameters, the parameter count, dtypes, bytes\n"
	"and the load report (missing, unexpected and mismatched weights, by name). An ID is\n"
	"cloned into the cache first (reused when that commit was checked out before).\n"
	"\n"
	"  --auto KIND       the Auto class: config (default: the class config.json names),\n"
	"                    base (AutoModel), seq-cls (AutoModelForSequenceClassification),\n"
	"                    causal-lm (AutoModelForCausalLM), image-cls\n"
	"                    (AutoModelForImageClassification)\n"
	"  --weights FORMAT  any (default: safetensors, else pytorch_model.bin), safetensors,\n"
	"                    pytorch\n"
	"  --params          list every parameter: name, shape, dtype\n"
	"  --json            print one JSON object\n"
	"  -q, --quiet       no clone progress\n"
	"\n"
	"Exit status 1 when the load report has errors (the report is printed all the same).\n";

static const char *const weights_names[] = { "any", "safetensors", "pytorch" };

typedef struct {
	const char *spec;
	bool json, params, quiet;
	hfgit_model_options opts;
} inspect_args;

static bool parse_weights(const char *value, hfgit_weights_format *out)
{
	size_t k;

	for (k = 0; k < sizeof(weights_names) / sizeof(*weights_names); k++) {
		if (!strcmp(value, weights_names[k])) {
			*out = (hfgit_weights_format)k;
			return true;
		}
	}
	return false;
}

/* -1: go on; else the exit code. */
static int parse_args(inspect_args *a, int argc, char **argv)
{
	const char *value;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (!strcmp(argv[i], "--params")) {
			a->params = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			a->quiet = true;
		} else if (cli_option_value(argc, argv, &i, "--auto", &value)) {
			if (!value || !cli_parse_auto(&a->opts.auto_class, value))
				return cli_usage_error("inspect", "--auto takes config, base, seq-cls, "
				                       "causal-lm or image-cls");
		} else if (cli_option_value(argc, argv, &i, "--weights", &value)) {
			if (!value || !parse_weights(value, &a->opts.format))
				return cli_usage_error("inspect", "--weights takes any, safetensors or pytorch");
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("inspect", "unknown option '%s'", argv[i]);
		} else if (!a->spec) {
			a->spec = argv[i];
		} else {
			return cli_usage_error("inspect", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!a->spec)
		return cli_usage_error("inspect", "which model? give ID[@REV] or a directory");
	return -1;
}

/* ---------------------------------------------------------------------------------------- */
/* Text                                                                                      */

static void print_shape(FILE *f, const hfgit_param *p)
{
	size_t d;

	fputc('[', f);
	for (d = 0; d < p->ndim; d++)
		fprintf(f, "%s%lld", d ? ", " : "", p->shape[d]);
	fputc(']', f);
}

static void format_value(char *buf, size_t size, const hfgit_hparam *h)
{
	switch (h->type) {
	case HFGIT_VALUE_INT: snprintf(buf, size, "%lld", h->i); break;
	case HFGIT_VALUE_FLOAT: snprintf(buf, size, "%g", h->f); break;
	case HFGIT_VALUE_BOOL: snprintf(buf, size, "%s", h->i ? "true" : "false"); break;
	case HFGIT_VALUE_STRING: snprintf(buf, size, "%s", h->s ? h->s : "null"); break;
	}
}

/* "12,345": counts people read at a glance. */
static const char *grouped(char *buf, size_t size, unsigned long long n)
{
	char digits[32];
	size_t len, i, o = 0;

	len = (size_t)snprintf(digits, sizeof(digits), "%llu", n);
	for (i = 0; i < len && o + 2 < size; i++) {
		if (i && (len - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = digits[i];
	}
	buf[o] = '\0';
	return buf;
}

/* name=value pairs, wrapped under the label column. */
static void print_hparams(const hfgit_config *cfg)
{
	size_t i, col = 12, len;

	printf("%-12s", "config");
	for (i = 0; i < hfgit_config_hparam_count(cfg); i++) {
		const hfgit_hparam *h = hfgit_config_hparam_at(cfg, i);
		char value[64], text[200];

		format_value(value, sizeof(value), h);
		if (h->key && strcmp(h->key, h->name))
			snprintf(text, sizeof(text), "%s=%s (%s)", h->name, value, h->key);
		else
			snprintf(text, sizeof(text), "%s=%s", h->name, value);
		len = strlen(text);
		if (col > 12 && col + 2 + len > 96) {
			printf("\n%-12s", "");
			col = 12;
		}
		printf("%s%s", col > 12 ? "  " : "", text);
		col += (col > 12 ? 2 : 0) + len;
	}
	putchar('\n');
}

/* Buffers and legacy names are routine: one line per kind (--json has them all). */
static bool summarized(hfgit_issue_kind kind)
{
	return kind == HFGIT_ISSUE_BUFFER || kind == HFGIT_ISSUE_RENAMED;
}

static void print_summary(const hfgit_model *m, hfgit_issue_kind kind)
{
	const char *first = NULL;
	size_t n = 0, i;

	for (i = 0; i < hfgit_model_issue_count(m); i++) {
		const hfgit_load_issue *issue = hfgit_model_issue_at(m, i);

		if (issue->kind == kind && !n++)
			first = issue->name;
	}
	if (!n)
		return;
	if (kind == HFGIT_ISSUE_BUFFER)
		printf("  %-8s %-12s%zu buffer%s in the checkpoint, not parameters (%s%s)\n", "info",
		       "buffer", n, n == 1 ? "" : "s", first, n > 1 ? ", ..." : "");
	else
		printf("  %-8s %-12s%zu legacy name%s read as .weight/.bias (%s%s)\n", "info",
		       "renamed", n, n == 1 ? "" : "s", first, n > 1 ? ", ..." : "");
}

static void print_issues(const hfgit_model *m)
{
	size_t i;

	print_summary(m, HFGIT_ISSUE_BUFFER);
	print_summary(m, HFGIT_ISSUE_RENAMED);
	for (i = 0; i < hfgit_model_issue_count(m); i++) {
		const hfgit_load_issue *issue = hfgit_model_issue_at(m, i);

		if (summarized(issue->kind))
			continue;
		printf("  %-8s %-12s%s%s%s\n", hfgit_severity_name(issue->severity),
		       hfgit_issue_kind_name(issue->kind), issue->name ? issue->name : "",
		       issue->name ? ": " : "", issue->message);
	}
}

static void print_text(const hfgit_model *m, const inspect_args *a)
{
	const hfgit_config *cfg = hfgit_model_config(m);
	hfgit_model_usage u;
	size_t i, n, errors, warnings;
	char b1[32], b2[32], b3[32], b4[32];

	hfgit_model_usage_get(&u, m);
	printf("%-12s%s\n", "model", hfgit_model_dir(m));
	if (hfgit_model_commit(m))
		printf("%-12s%s\n", "commit", hfgit_model_commit(m));
	printf("%-12s%s (model_type %s)\n", "class", hfgit_model_class(m), hfgit_model_model_type(m));
	printf("%-12s%s\n", "why", hfgit_model_class_reason(m));
	print_hparams(cfg);
	n = hfgit_config_num_labels(cfg);
	printf("%-12s%zu:", "labels", n);
	for (i = 0; i < n && i < 10; i++)
		printf("%s %s", i ? "," : "", hfgit_config_label(cfg, i));
	printf("%s\n", n > 10 ? ", ..." : "");
	if (hfgit_config_torch_dtype(cfg))
		printf("%-12s%s\n", "torch_dtype", hfgit_config_torch_dtype(cfg));
	printf("%-12s", "weights");
	for (i = 0; i < hfgit_model_weights_file_count(m); i++)
		printf("%s%s", i ? ", " : "", hfgit_model_weights_file(m, i));
	printf(" (%s)\n", hfgit_model_weights_format(m));
	printf("%-12s%s in %zu tensors, %s, %s bytes\n", "parameters",
	       grouped(b1, sizeof(b1), u.parameters), u.tensors, u.dtypes,
	       grouped(b2, sizeof(b2), u.param_bytes));
	printf("%-12s%s bytes mapped from the weight files, %s bytes in memory of our own\n",
	       "memory", grouped(b3, sizeof(b3), u.mapped_bytes), grouped(b4, sizeof(b4), u.heap_bytes));
	errors = hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR);
	warnings = hfgit_model_issue_total(m, HFGIT_SEVERITY_WARNING);
	if (!errors && !warnings)
		printf("%-12sok: every parameter found, no unexpected weights\n", "report");
	else
		printf("%-12s%zu error%s, %zu warning%s\n", "report", errors, errors == 1 ? "" : "s",
		       warnings, warnings == 1 ? "" : "s");
	print_issues(m);
	if (!a->params)
		return;
	printf("%-12s\n", "params");
	for (i = 0; i < hfgit_model_param_count(m); i++) {
		const hfgit_param *p = hfgit_model_param_at(m, i);

		printf("  %s ", p->name);
		print_shape(stdout, p);
		printf(" %s%s%s%s\n", p->dtype, p->tied_to ? " tied to " : "",
		       p->tied_to ? p->tied_to : "", p->flags & HFGIT_PARAM_NEW ? " (new)" : "");
	}
}

/* ---------------------------------------------------------------------------------------- */
/* JSON                                                                                      */

static json_object *string_or_null(const char *s)
{
	return s ? json_object_new_string(s) : NULL;
}

static json_object *hparam_json(const hfgit_hparam *h)
{
	switch (h->type) {
	case HFGIT_VALUE_INT: return json_object_new_int64(h->i);
	case HFGIT_VALUE_FLOAT: {
		/* Shortest round trip as Python writes it (1e-12, not 9.9999999999999998e-13). */
		char text[32];

		snprintf(text, sizeof(text), "%.15g", h->f);
		if (strtod(text, NULL) != h->f)
			snprintf(text, sizeof(text), "%.17g", h->f);
		return json_object_new_double_s(h->f, text);
	}
	case HFGIT_VALUE_BOOL: return json_object_new_boolean((json_bool)h->i);
	case HFGIT_VALUE_STRING: return string_or_null(h->s);
	}
	return NULL;
}

static json_object *config_json(const hfgit_config *cfg, json_object *o)
{
	json_object *arr = json_object_new_array(), *hp = json_object_new_object(), *map = NULL;
	size_t i;

	for (i = 0; i < hfgit_config_architecture_count(cfg); i++)
		json_object_array_add(arr, json_object_new_string(hfgit_config_architecture(cfg, i)));
	json_object_object_add(o, "architectures", arr);
	json_object_object_add(o, "config_model_type", string_or_null(hfgit_config_model_type(cfg)));
	json_object_object_add(o, "torch_dtype", string_or_null(hfgit_config_torch_dtype(cfg)));
	for (i = 0; i < hfgit_config_hparam_count(cfg); i++) {
		const hfgit_hparam *h = hfgit_config_hparam_at(cfg, i);

		json_object_object_add(hp, h->name, hparam_json(h));
	}
	json_object_object_add(o, "hyperparameters", hp);
	arr = json_object_new_array();
	for (i = 0; i < hfgit_config_num_labels(cfg); i++)
		json_object_array_add(arr, json_object_new_string(hfgit_config_label(cfg, i)));
	json_object_object_add(o, "labels", arr);
	if (hfgit_config_auto_map_count(cfg)) {
		map = json_object_new_object();
		for (i = 0; i < hfgit_config_auto_map_count(cfg); i++)
			json_object_object_add(map, hfgit_config_auto_map_key(cfg, i),
			                       json_object_new_string(hfgit_config_auto_map_value(cfg, i)));
	}
	json_object_object_add(o, "auto_map", map);
	return o;
}

static json_object *params_json(const hfgit_model *m)
{
	json_object *arr = json_object_new_array();
	size_t i, d;

	for (i = 0; i < hfgit_model_param_count(m); i++) {
		const hfgit_param *p = hfgit_model_param_at(m, i);
		json_object *o = json_object_new_object(), *shape = json_object_new_array();

		for (d = 0; d < p->ndim; d++)
			json_object_array_add(shape, json_object_new_int64(p->shape[d]));
		json_object_object_add(o, "name", json_object_new_string(p->name));
		json_object_object_add(o, "shape", shape);
		json_object_object_add(o, "dtype", json_object_new_string(p->dtype));
		json_object_object_add(o, "source", string_or_null(p->source));
		json_object_object_add(o, "tied_to", string_or_null(p->tied_to));
		json_object_object_add(o, "new", json_object_new_boolean(!!(p->flags & HFGIT_PARAM_NEW)));
		json_object_array_add(arr, o);
	}
	return arr;
}

static json_object *report_json(const hfgit_model *m)
{
	json_object *o = json_object_new_object(), *arr = json_object_new_array();
	size_t i;

	json_object_object_add(o, "errors", json_object_new_int64(
		(int64_t)hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR)));
	json_object_object_add(o, "warnings", json_object_new_int64(
		(int64_t)hfgit_model_issue_total(m, HFGIT_SEVERITY_WARNING)));
	for (i = 0; i < hfgit_model_issue_count(m); i++) {
		const hfgit_load_issue *issue = hfgit_model_issue_at(m, i);
		json_object *it = json_object_new_object();

		json_object_object_add(it, "severity",
		                       json_object_new_string(hfgit_severity_name(issue->severity)));
		json_object_object_add(it, "kind", json_object_new_string(hfgit_issue_kind_name(issue->kind)));
		json_object_object_add(it, "name", string_or_null(issue->name));
		json_object_object_add(it, "message", json_object_new_string(issue->message));
		json_object_array_add(arr, it);
	}
	json_object_object_add(o, "issues", arr);
	return o;
}

static void print_json(const hfgit_model *m, const inspect_args *a)
{
	json_object *o = json_object_new_object(), *weights = json_object_new_object(), *files,
	            *memory = json_object_new_object();
	hfgit_model_usage u;
	size_t i;

	hfgit_model_usage_get(&u, m);
	json_object_object_add(o, "source", json_object_new_string(a->spec));
	json_object_object_add(o, "dir", json_object_new_string(hfgit_model_dir(m)));
	json_object_object_add(o, "commit", string_or_null(hfgit_model_commit(m)));
	json_object_object_add(o, "class", json_object_new_string(hfgit_model_class(m)));
	json_object_object_add(o, "model_type", json_object_new_string(hfgit_model_model_type(m)));
	json_object_object_add(o, "auto", json_object_new_string(
		hfgit_auto_class_name(hfgit_model_auto_class(m))));
	json_object_object_add(o, "reason", json_object_new_string(hfgit_model_class_reason(m)));
	config_json(hfgit_model_config(m), o);
	json_object_object_add(weights, "format", json_object_new_string(hfgit_model_weights_format(m)));
	files = json_object_new_array();
	for (i = 0; i < hfgit_model_weights_file_count(m); i++)
		json_object_array_add(files, json_object_new_string(hfgit_model_weights_file(m, i)));
	json_object_object_add(weights, "files", files);
	json_object_object_add(o, "weights", weights);
	json_object_object_add(o, "parameters", json_object_new_int64((int64_t)u.parameters));
	json_object_object_add(o, "tensors", json_object_new_int64((int64_t)u.tensors));
	json_object_object_add(o, "dtypes", json_object_new_string(u.dtypes));
	json_object_object_add(o, "bytes", json_object_new_int64((int64_t)u.param_bytes));
	json_object_object_add(memory, "mapped", json_object_new_int64((int64_t)u.mapped_bytes));
	json_object_object_add(memory, "heap", json_object_new_int64((int64_t)u.heap_bytes));
	json_object_object_add(o, "memory", memory);
	json_object_object_add(o, "report", report_json(m));
	if (a->params)
		json_object_object_add(o, "params", params_json(m));
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

/* ---------------------------------------------------------------------------------------- */

int cmd_inspect(int argc, char **argv, const cli_globals *g)
{
	hfgit_model_options defaults = HFGIT_MODEL_OPTIONS_INIT;
	inspect_args a = { NULL, false, false, false, defaults };
	hfgit_model *m = NULL;
	hfgit_ctx *ctx = NULL;
	int rc;

	if ((rc = parse_args(&a, argc, argv)) >= 0)
		return rc;
	/* The report is the point: load even when it has errors, and say so in the exit code. */
	a.opts.allow_errors = 1;
	if ((rc = cli_load_model(&m, &ctx, g, a.spec, &a.opts, a.quiet || a.json)) == EXIT_OK) {
		if (a.json)
			print_json(m, &a);
		else
			print_text(m, &a);
		rc = hfgit_model_issue_total(m, HFGIT_SEVERITY_ERROR) ? EXIT_FAILURE_OTHER : EXIT_OK;
	}
	hfgit_model_free(m);
	hfgit_ctx_free(ctx);
	return rc;
}
