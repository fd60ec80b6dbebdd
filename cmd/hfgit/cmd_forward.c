/* hfgit forward ID[@REV]|DIR: one forward pass (and optionally greedy generation). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cli.h"

const char cmd_forward_usage[] =
	"usage: hfgit forward [--json] [--auto KIND] [--lock FILE] ID[@REV]|DIR\n"
	"                     (--input-ids IDS | --pixel-values FILE.npy)\n"
	"                     [--attention-mask IDS] [--token-type-ids IDS] [--generate N]\n"
	"\n"
	"Load the model as hfgit inspect does and run it on the CPU: print its outputs\n"
	"(last_hidden_state, pooler_output, logits), as transformers' model(**inputs) gives them.\n"
	"\n"
	"  --input-ids IDS        token ids: comma-separated integers, the sequences of a batch\n"
	"                         separated by ';', all of one length (\"101,7592,102;101,102,0\")\n"
	"  --attention-mask IDS   1 for a token, 0 for padding, the shape of --input-ids\n"
	"  --token-type-ids IDS   segment ids (BERT), the shape of --input-ids\n"
	"  --pixel-values FILE    a float32 .npy array [batch, channels, height, width] (ViT)\n"
	"  --generate N           append N greedily chosen tokens (causal LMs; KV cache); a batch\n"
	"                         must be left-padded\n"
	"  --hidden-states        also output hidden_states.0 .. hidden_states.<layers>\n"
	"  --auto KIND            the Auto class, as for hfgit inspect: config, base, seq-cls,\n"
	"                         causal-lm, image-cls\n"
	"  --lock FILE            an ID the lockfile has an entry for loads at the locked commit\n"
	"  --threads N            compute threads (default: the CPUs this process may use)\n"
	"  --json                 print {\"class\", \"outputs\": {NAME: {\"shape\", \"data\"}},\n"
	"                         \"generated_ids\"} with floats to 9 significant digits\n"
	"  -q, --quiet            no clone progress\n";

typedef struct {
	int64_t *v;
	size_t rows, cols;
} id_matrix;

typedef struct {
	const char *spec, *ids, *mask, *types, *pixels, *lock_path;
	bool json, quiet, hidden;
	long generate;
	int threads;
	hfgit_model_options opts;
} forward_args;

/* "1,2,3;4,5,6" -> a rows x cols matrix; the message names `what` on errors. */
static int parse_ids(id_matrix *m, const char *text, const char *what)
{
	size_t cap = 0, n = 0, row_len = 0;
	const char *p = text;

	m->v = NULL;
	m->rows = m->cols = 0;
	for (;;) {
		char *end;
		long long v;

		while (*p == ' ')
			p++;
		errno = 0;
		v = strtoll(p, &end, 10);
		if (end == p || errno)
			return cli_usage_error("forward", "%s: '%.20s' is not an integer (IDS is "
			                       "comma-separated integers, sequences separated by ';')",
			                       what, p);
		if (n == cap) {
			int64_t *grown = realloc(m->v, (cap = cap ? 2 * cap : 64) * sizeof(*grown));

			if (!grown) {
				free(m->v);
				m->v = NULL;
				return cli_usage_error("forward", "out of memory");
			}
			m->v = grown;
		}
		m->v[n++] = v;
		row_len++;
		p = end;
		while (*p == ' ')
			p++;
		if (*p == ',') {
			p++;
			continue;
		}
		if (*p != ';' && *p != '\0') {
			free(m->v);
			m->v = NULL;
			return cli_usage_error("forward", "%s: unexpected '%c'", what, *p);
		}
		if (m->rows && row_len != m->cols) {
			size_t rows = m->rows;

			free(m->v);
			m->v = NULL;
			return cli_usage_error("forward", "%s: a ragged batch: sequence %zu has %zu ids, "
			                       "the ones before %zu; pad them to one length and give "
			                       "--attention-mask", what, rows, row_len, m->cols);
		}
		m->cols = row_len;
		m->rows++;
		row_len = 0;
		if (*p == '\0')
			return 0;
		p++;
	}
}

static int parse_args(forward_args *a, int argc, char **argv)
{
	const char *value;
	char *end;
	int i;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_forward_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (!strcmp(argv[i], "--hidden-states")) {
			a->hidden = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			a->quiet = true;
		} else if (cli_option_value(argc, argv, &i, "--auto", &value)) {
			if (!cli_parse_auto(&a->opts.auto_class, value))
				return cli_usage_error("forward", "--auto takes config, base, seq-cls, "
				                       "causal-lm or image-cls");
		} else if (cli_option_value(argc, argv, &i, "--input-ids", &value)) {
			if (!(a->ids = value))
				return cli_usage_error("forward", "--input-ids needs IDS");
		} else if (cli_option_value(argc, argv, &i, "--attention-mask", &value)) {
			if (!(a->mask = value))
				return cli_usage_error("forward", "--attention-mask needs IDS");
		} else if (cli_option_value(argc, argv, &i, "--token-type-ids", &value)) {
			if (!(a->types = value))
				return cli_usage_error("forward", "--token-type-ids needs IDS");
		} else if (cli_option_value(argc, argv, &i, "--pixel-values", &value)) {
			if (!(a->pixels = value))
				return cli_usage_error("forward", "--pixel-values needs FILE.npy");
		} else if (cli_option_value(argc, argv, &i, "--generate", &value)) {
			a->generate = value ? strtol(value, &end, 10) : -1;
			if (!value || *end || a->generate < 1 || a->generate > 100000)
				return cli_usage_error("forward", "--generate takes a number of tokens, "
				                       "from 1");
		} else if (cli_option_value(argc, argv, &i, "--lock", &value)) {
			if (!value)
				return cli_usage_error("forward", "--lock needs a lockfile");
			a->lock_path = value;
		} else if (cli_option_value(argc, argv, &i, "--threads", &value)) {
			a->threads = value ? (int)strtol(value, &end, 10) : -1;
			if (!value || *end || a->threads < 1 || a->threads > 1024)
				return cli_usage_error("forward", "--threads takes a number from 1");
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("forward", "unknown option '%s'", argv[i]);
		} else if (!a->spec) {
			a->spec = argv[i];
		} else {
			return cli_usage_error("forward", "too many arguments ('%s')", argv[i]);
		}
	}
	if (!a->spec)
		return cli_usage_error("forward", "which model? give ID[@REV] or a directory");
	if (!a->ids == !a->pixels)
		return cli_usage_error("forward", "give either --input-ids or --pixel-values");
	if (a->pixels && (a->mask || a->types || a->generate))
		return cli_usage_error("forward", "--attention-mask, --token-type-ids and "
		                       "--generate go with --input-ids");
	return -1;
}

/* A text matrix of the shape of the ids, or an error naming the option. */
static int parse_like(id_matrix *m, const char *text, const char *what, const id_matrix *ids)
{
	int rc;

	if (!text)
		return 0;
	if ((rc = parse_ids(m, text, what)) != 0)
		return rc;
	if (m->rows != ids->rows || m->cols != ids->cols)
		return cli_usage_error("forward", "%s is %zux%zu, --input-ids %zux%zu: give one value "
		                       "per token", what, m->rows, m->cols, ids->rows, ids->cols);
	return 0;
}

static void print_floats(const float *v, size_t n)
{
	size_t i;

	char num[32];

	for (i = 0; i < n; i++) {
		cli_json_number(num, sizeof(num), (double)v[i]);
		printf("%s%s", i ? "," : "", num);
	}
}

static void print_json(const hfgit_model *m, const hfgit_outputs *o, const hfgit_generation *gen,
                       const id_matrix *ids)
{
	size_t i, d, b, j, len;

	printf("{\"class\":\"%s\",\"outputs\":{", hfgit_model_class(m));
	for (i = 0; i < hfgit_outputs_count(o); i++) {
		const hfgit_output *out = hfgit_outputs_at(o, i);

		printf("%s\"%s\":{\"shape\":[", i ? "," : "", out->name);
		for (d = 0; d < out->ndim; d++)
			printf("%s%lld", d ? "," : "", out->shape[d]);
		printf("],\"data\":[");
		print_floats(out->data, out->numel);
		printf("]}");
	}
	printf("}");
	if (gen) {
		printf(",\"generated_ids\":[");
		for (b = 0; b < hfgit_generation_count(gen); b++) {
			const int64_t *t = hfgit_generation_tokens(gen, b, &len);

			printf("%s[", b ? "," : "");
			for (j = 0; j < ids->cols; j++)
				printf("%s%lld", j ? "," : "", (long long)ids->v[b * ids->cols + j]);
			for (j = 0; j < len; j++)
				printf(",%lld", (long long)t[j]);
			printf("]");
		}
		printf("]");
	}
	printf("}\n");
}

static void print_text(const hfgit_model *m, const hfgit_outputs *o, const hfgit_generation *gen,
                       const id_matrix *ids, double load_ms, double run_ms, double gen_ms)
{
	size_t i, d, b, j, len;

	printf("%-18s%s\n", "class", hfgit_model_class(m));
	for (i = 0; i < hfgit_outputs_count(o); i++) {
		const hfgit_output *out = hfgit_outputs_at(o, i);
		size_t show = out->numel < 4 ? out->numel : 4;

		printf("%-18s[", out->name);
		for (d = 0; d < out->ndim; d++)
			printf("%s%lld", d ? ", " : "", out->shape[d]);
		printf("]  ");
		for (j = 0; j < show; j++)
			printf("%s%.6g", j ? " " : "", (double)out->data[j]);
		printf("%s\n", out->numel > show ? " ..." : "");
	}
	for (b = 0; gen && b < hfgit_generation_count(gen); b++) {
		const int64_t *t = hfgit_generation_tokens(gen, b, &len);

		printf("%-18s", b ? "" : "generated");
		for (j = 0; j < len; j++)
			printf("%s%lld", j ? "," : "", (long long)t[j]);
		printf("\n");
	}
	(void)ids;
	printf("%-18sload %.1f ms, forward %.1f ms", "time", load_ms, run_ms);
	if (gen)
		printf(", generate %.1f ms", gen_ms);
	printf("\n");
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

int cmd_forward(int argc, char **argv, const cli_globals *g)
{
	hfgit_model_options defaults = HFGIT_MODEL_OPTIONS_INIT;
	forward_args a = { 0 };
	hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
	id_matrix ids = { 0 }, mask = { 0 }, types = { 0 };
	hfgit_generation *gen = NULL;
	hfgit_outputs *out = NULL;
	hfgit_model *m = NULL;
	hfgit_lock *lock = NULL;
	hfgit_ctx *ctx = NULL;
	float *pixels = NULL;
	double t0, t1, t2, t3;
	int rc;

	a.opts = defaults;
	if ((rc = parse_args(&a, argc, argv)) >= 0)
		return rc;
	if (a.ids && ((rc = parse_ids(&ids, a.ids, "--input-ids")) != 0 ||
	              (rc = parse_like(&mask, a.mask, "--attention-mask", &ids)) != 0 ||
	              (rc = parse_like(&types, a.types, "--token-type-ids", &ids)) != 0))
		goto out;
	if (a.pixels) {
		long long shape[4];
		size_t ndim;

		if (hfgit_npy_read_f32(&pixels, &ndim, shape, 4, a.pixels) < 0) {
			rc = cli_fail();
			goto out;
		}
		if (ndim != 4) {
			rc = cli_usage_error("forward", "%s has %zu dimensions; --pixel-values takes "
			                     "[batch, channels, height, width]", a.pixels, ndim);
			goto out;
		}
		in.batch = (size_t)shape[0];
		in.channels = (size_t)shape[1];
		in.height = (size_t)shape[2];
		in.width = (size_t)shape[3];
		in.pixel_values = pixels;
	} else {
		in.batch = ids.rows;
		in.seq_len = ids.cols;
		in.input_ids = ids.v;
		in.attention_mask = mask.v;
		in.token_type_ids = types.v;
	}
	in.output_hidden_states = a.hidden;
	if (a.threads)
		hfgit_compute_threads_set(a.threads);
	t0 = now_ms();
	if (a.lock_path && (rc = cli_read_lock(&lock, a.lock_path)) != EXIT_OK)
		goto out;
	a.opts.lock = lock;
	if ((rc = cli_load_model(&m, &ctx, g, a.spec, &a.opts, a.quiet || a.json)) != EXIT_OK)
		goto out;
	t1 = now_ms();
	if (hfgit_model_forward(&out, m, &in) < 0) {
		rc = cli_fail();
		goto out;
	}
	t2 = now_ms();
	if (a.generate) {
		hfgit_generate_options gopts = HFGIT_GENERATE_OPTIONS_INIT;

		gopts.max_new_tokens = (size_t)a.generate;
		in.output_hidden_states = 0;
		if (hfgit_model_generate(&gen, m, &in, &gopts) < 0) {
			rc = cli_fail();
			goto out;
		}
	}
	t3 = now_ms();
	if (a.json)
		print_json(m, out, gen, &ids);
	else
		print_text(m, out, gen, &ids, t1 - t0, t2 - t1, t3 - t2);
	rc = EXIT_OK;
out:
	hfgit_lock_free(lock);
	hfgit_generation_free(gen);
	hfgit_outputs_free(out);
	hfgit_model_free(m);
	hfgit_ctx_free(ctx);
	free(pixels);
	free(ids.v);
	free(mask.v);
	free(types.v);
	return rc;
}
