/* hfgit run ID[@REV]|DIR [INPUT...]: a task on texts or images, as transformers' pipeline;
 * with --chat a conversation (run_chat.c). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include <json-c/json.h>

#include "cli.h"

const char cmd_run_usage[] =
	"usage: hfgit run [--json] [--task TASK] [options] ID[@REV]|DIR [INPUT...]\n"
	"       hfgit run --chat [--system TEXT] [options] ID[@REV]|DIR [MESSAGE...]\n"
	"       hfgit run --chat --messages FILE|- [options] ID[@REV]|DIR\n"
	"\n"
	"Run the model on each INPUT (else on each line of standard input), batched, and print\n"
	"the answer as transformers' pipeline() gives it. The task is the one of the head\n"
	"config.json names (DistilBertForSequenceClassification: text-classification, GPT2LMHeadModel:\n"
	"text-generation, BertModel: feature-extraction, ViTForImageClassification:\n"
	"image-classification); --task loads the class another task needs. The tokenizer is the\n"
	"one of the same checkout. Inputs longer than the model takes (tokenizer_config.json's\n"
	"model_max_length, bounded by max_position_embeddings) are truncated, with a warning.\n"
	"\n"
	"  --task TASK            text-classification, feature-extraction, text-generation or\n"
	"                         image-classification (INPUTs are then PNG or JPEG files)\n"
	"  --top-k N              classification: the N best labels (default 1 for text, 5 for\n"
	"                         images; 'all': every label); text-generation: sample from the N\n"
	"                         most likely tokens\n"
	"  --function-to-apply F  classification scores: softmax, sigmoid or none (default: as\n"
	"                         transformers chooses from problem_type and num_labels)\n"
	"  --pooling cls|mean     feature-extraction: the pooled vector is the first token's\n"
	"                         (default) or the mean over the real tokens\n"
	"  --max-new-tokens N     text-generation: at most N new tokens (default 20); stops at eos\n"
	"  --temperature T        text-generation: sample, logits divided by T (> 0)\n"
	"  --top-p P              text-generation: sample from the smallest set of tokens with\n"
	"                         probability P (0 < P <= 1)\n"
	"  --seed N               text-generation: sample with hfgit's generator seeded with N\n"
	"  --greedy               text-generation: always the most likely token. Without this\n"
	"                         and the four above, generation_config.json decides (do_sample,\n"
	"                         temperature, top_k, top_p, repetition_penalty, max_new_tokens),\n"
	"                         as in transformers; a model without one is greedy\n"
	"  --batch-size N         inputs per forward pass (default 8); text-generation without\n"
	"                         --json runs one input at a time, to stream it\n"
	"  --threads N            compute threads (default: the CPUs this process may use)\n"
	"  --lock FILE            an ID the lockfile has an entry for loads at the locked commit\n"
	"  --json                 print one JSON array, an object per input: \"input_ids\", and\n"
	"                         \"labels\" [{\"label\", \"id\", \"score\"}], or \"embeddings\"\n"
	"                         [tokens][dim] and \"pooled\", or \"generated_text\" (prompt and\n"
	"                         continuation) and \"generated_ids\"; \"truncated_from\" when cut\n"
	"  -q, --quiet            no clone progress, no timing\n"
	"\n"
	"Chat (text-generation with the chat template of tokenizer_config.json or\n"
	"chat_template.jinja, as pipeline() given a list of messages):\n"
	"  --chat                 the MESSAGEs are a conversation: user, assistant, user, ... (an\n"
	"                         odd number, ending with the user's turn), answered once;\n"
	"                         without MESSAGEs each line of standard input is the user's next\n"
	"                         turn, answered in turn, the replies kept in the conversation\n"
	"  --system TEXT          a system message first\n"
	"  --messages FILE        the conversation as a JSON list ([{\"role\": \"user\", \"content\":\n"
	"                         \"Hi\"}, ...]; '-': standard input), answered once\n"
	"  --template NAME        one of several named chat templates (default: \"default\")\n"
	"  --context JSON         more template variables, a JSON object: '{\"tools\": [...]}'\n"
	"The prompt is rendered with add_generation_prompt and encoded without adding special\n"
	"tokens (the template writes them); generation stops at generation_config.json's eos ids\n"
	"(else config.json's). The reply is streamed, one line per answer; --json prints an\n"
	"object per answer: \"input_ids\", \"prompt\", \"generated_text\" (the conversation with\n"
	"the reply as the assistant's message) and \"generated_ids\".\n"
	"\n"
	"Without --json: one line per input: classification prints LABEL<TAB>SCORE for each label\n"
	"asked for, feature-extraction the pooled vector, text-generation the prompt and the\n"
	"continuation, streamed as it is made. Timing (load, run) goes to standard error.\n";

typedef struct {
	const char *spec, *task, *pooling, *fn;
	bool json, quiet, sample, greedy;
	bool temperature_given, top_p_given, seed_given;
	long top_k;           /* -1: all; 0: default */
	long max_new, batch;
	double temperature, top_p;
	unsigned long long seed;
	int threads;
	const char *lock_path;  /* --lock FILE */
	cli_chat_args chat;
	char **inputs;
	size_t ninputs;
} run_args;

static bool parse_long(long *out, const char *value, long min, long max)
{
	char *end;

	if (!value)
		return false;
	errno = 0;
	*out = strtol(value, &end, 10);
	return *value && !*end && !errno && *out >= min && *out <= max;
}

static bool parse_double(double *out, const char *value)
{
	char *end;

	if (!value)
		return false;
	errno = 0;
	*out = strtod(value, &end);
	return *value && !*end && !errno && isfinite(*out);
}

/* What --chat and its options allow, before anything is loaded. */
static int check_chat_args(const run_args *a)
{
	const cli_chat_args *c = &a->chat;

	if (!c->on) {
		if (c->system || c->messages_path || c->template_name || c->context)
			return cli_usage_error("run", "--system, --messages, --template and --context "
			                       "go with --chat");
		return -1;
	}
	if (a->task && strcmp(a->task, "text-generation"))
		return cli_usage_error("run", "--chat goes with text-generation, not %s", a->task);
	if (c->messages_path && a->ninputs)
		return cli_usage_error("run", "--messages FILE is the whole conversation: no MESSAGE "
		                       "arguments with it");
	if (a->ninputs % 2 == 0 && a->ninputs)
		return cli_usage_error("run", "--chat: %zu MESSAGEs end with the assistant's turn; "
		                       "give user, assistant, user, ... ending with the user's",
		                       a->ninputs);
	return -1;
}

static int parse_args(run_args *a, int argc, char **argv)
{
	const char *value;
	size_t npos = 0;
	long v;
	int i;

	a->temperature = 1.0;
	a->top_p = 1.0;
	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(cmd_run_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			a->json = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			a->quiet = true;
		} else if (cli_option_value(argc, argv, &i, "--task", &value)) {
			if (!(a->task = value))
				return cli_usage_error("run", "--task needs a task");
		} else if (cli_option_value(argc, argv, &i, "--pooling", &value)) {
			if (!value || (strcmp(value, "cls") && strcmp(value, "mean")))
				return cli_usage_error("run", "--pooling takes cls or mean");
			a->pooling = value;
		} else if (cli_option_value(argc, argv, &i, "--function-to-apply", &value)) {
			if (!value || (strcmp(value, "softmax") && strcmp(value, "sigmoid") &&
			               strcmp(value, "none")))
				return cli_usage_error("run", "--function-to-apply takes softmax, sigmoid "
				                       "or none");
			a->fn = value;
		} else if (cli_option_value(argc, argv, &i, "--top-k", &value)) {
			if (value && !strcmp(value, "all"))
				a->top_k = -1;
			else if (!parse_long(&a->top_k, value, 1, 1L << 30))
				return cli_usage_error("run", "--top-k takes a number from 1 (or 'all')");
		} else if (cli_option_value(argc, argv, &i, "--max-new-tokens", &value)) {
			if (!parse_long(&a->max_new, value, 0, 1L << 20))
				return cli_usage_error("run", "--max-new-tokens takes a number of tokens");
			a->max_new++; /* 0 means: the default */
		} else if (cli_option_value(argc, argv, &i, "--batch-size", &value)) {
			if (!parse_long(&a->batch, value, 1, 1L << 16))
				return cli_usage_error("run", "--batch-size takes a number from 1");
		} else if (cli_option_value(argc, argv, &i, "--temperature", &value)) {
			if (!parse_double(&a->temperature, value) || !(a->temperature > 0))
				return cli_usage_error("run", "--temperature takes a number above 0");
			a->sample = a->temperature_given = true;
		} else if (cli_option_value(argc, argv, &i, "--top-p", &value)) {
			if (!parse_double(&a->top_p, value) || !(a->top_p > 0) || a->top_p > 1)
				return cli_usage_error("run", "--top-p takes a number above 0, at most 1");
			a->sample = a->top_p_given = true;
		} else if (cli_option_value(argc, argv, &i, "--seed", &value)) {
			char *end;

			errno = 0;
			a->seed = value ? strtoull(value, &end, 10) : 0;
			if (!value || !*value || *end || errno || *value == '-')
				return cli_usage_error("run", "--seed takes a non-negative integer");
			a->sample = a->seed_given = true;
		} else if (!strcmp(argv[i], "--greedy")) {
			a->greedy = true;
		} else if (cli_option_value(argc, argv, &i, "--lock", &value)) {
			if (!value)
				return cli_usage_error("run", "--lock needs a lockfile");
			a->lock_path = value;
		} else if (!strcmp(argv[i], "--chat")) {
			a->chat.on = true;
		} else if (cli_option_value(argc, argv, &i, "--system", &value)) {
			if (!(a->chat.system = value))
				return cli_usage_error("run", "--system needs the system message");
		} else if (cli_option_value(argc, argv, &i, "--messages", &value)) {
			if (!(a->chat.messages_path = value))
				return cli_usage_error("run", "--messages needs a JSON file (or '-')");
		} else if (cli_option_value(argc, argv, &i, "--template", &value)) {
			if (!(a->chat.template_name = value))
				return cli_usage_error("run", "--template needs a name");
		} else if (cli_option_value(argc, argv, &i, "--context", &value)) {
			if (!(a->chat.context = value))
				return cli_usage_error("run", "--context needs a JSON object");
		} else if (cli_option_value(argc, argv, &i, "--threads", &value)) {
			if (!parse_long(&v, value, 1, 1024))
				return cli_usage_error("run", "--threads takes a number from 1");
			a->threads = (int)v;
		} else if (!strcmp(argv[i], "--")) {
			while (++i < argc)
				argv[npos++] = argv[i];
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("run", "unknown option '%s' (an input that starts with "
			                       "'-' goes after --)", argv[i]);
		} else {
			argv[npos++] = argv[i]; /* positionals gathered at the front, in order */
		}
	}
	if (npos == 0)
		return cli_usage_error("run", "which model? give ID[@REV] or a directory");
	a->spec = argv[0];
	a->inputs = argv + 1;
	a->ninputs = npos - 1;
	return check_chat_args(a);
}

typedef struct {
	char **lines;
	size_t n;
} line_list;

static void lines_free(line_list *l)
{
	size_t i;

	for (i = 0; i < l->n; i++)
		free(l->lines[i]);
	free(l->lines);
}

/* One input per line of standard input (LF or CR LF line ends). */
static int read_lines(line_list *l)
{
	size_t cap = 0, len;
	char *line = NULL;
	size_t lcap = 0;
	ssize_t got;

	memset(l, 0, sizeof(*l));
	while ((got = getline(&line, &lcap, stdin)) >= 0) {
		len = (size_t)got;
		if (len && line[len - 1] == '\n')
			len--;
		if (len && line[len - 1] == '\r')
			len--;
		line[len] = '\0';
		if (l->n == cap) {
			char **grown = realloc(l->lines, (cap = cap ? 2 * cap : 16) * sizeof(*grown));

			if (!grown)
				goto oom;
			l->lines = grown;
		}
		if (!(l->lines[l->n] = strdup(line)))
			goto oom;
		l->n++;
	}
	free(line);
	if (ferror(stdin)) {
		fprintf(stderr, "hfgit: reading standard input: %s\n", strerror(errno));
		lines_free(l);
		return EXIT_IO;
	}
	return 0;
oom:
	free(line);
	lines_free(l);
	fprintf(stderr, "hfgit: out of memory\n");
	return EXIT_FAILURE_OTHER;
}

static void on_warning(size_t input, const char *message, void *payload)
{
	const cli_run_state *st = payload;

	fprintf(stderr, "hfgit: warning: input %zu: %s\n", st->first + input + 1, message);
}

static int on_text(size_t input, const char *text, size_t len, void *payload)
{
	((cli_run_state *)payload)->midline = true;
	fwrite(text, 1, len, stdout);
	fflush(stdout);
	return cli_interrupted ? 1 : 0;
}

static json_object *json_float(double v)
{
	char buf[32];

	cli_json_number(buf, sizeof(buf), v);
	return json_object_new_double_s(v, buf);
}

static json_object *json_floats(const float *v, size_t n)
{
	json_object *a = json_object_new_array_ext((int)n);
	size_t i;

	for (i = 0; i < n; i++)
		json_object_array_add(a, json_float(v[i]));
	return a;
}

static json_object *result_json(const hfgit_result *r, hfgit_task task, const char *input)
{
	json_object *o = json_object_new_object(), *a;
	size_t i;

	if (task != HFGIT_TASK_IMAGE_CLASSIFICATION) {
		a = json_object_new_array();
		for (i = 0; i < r->input_tokens; i++)
			json_object_array_add(a, json_object_new_int(r->input_ids[i]));
		json_object_object_add(o, "input_ids", a);
	}
	if (r->truncated_from)
		json_object_object_add(o, "truncated_from", json_object_new_uint64(r->truncated_from));
	switch (task) {
	case HFGIT_TASK_TEXT_CLASSIFICATION:
	case HFGIT_TASK_IMAGE_CLASSIFICATION:
		a = json_object_new_array();
		for (i = 0; i < r->nlabels; i++) {
			json_object *l = json_object_new_object();

			json_object_object_add(l, "label", json_object_new_string(r->labels[i].label));
			json_object_object_add(l, "id", json_object_new_int64(r->labels[i].id));
			json_object_object_add(l, "score", json_float(r->labels[i].score));
			json_object_array_add(a, l);
		}
		json_object_object_add(o, "labels", a);
		break;
	case HFGIT_TASK_FEATURE_EXTRACTION:
		a = json_object_new_array();
		for (i = 0; i < r->input_tokens; i++)
			json_object_array_add(a, json_floats(r->embeddings + i * r->dim, r->dim));
		json_object_object_add(o, "embeddings", a);
		json_object_object_add(o, "pooled", json_floats(r->pooled, r->dim));
		break;
	case HFGIT_TASK_TEXT_GENERATION: {
		size_t plen = strlen(input);
		char *full = malloc(plen + r->text_len + 1);

		if (full) {
			memcpy(full, input, plen);
			memcpy(full + plen, r->text, r->text_len);
			json_object_object_add(o, "generated_text",
			                       json_object_new_string_len(full, (int)(plen + r->text_len)));
			free(full);
		}
		a = json_object_new_array();
		for (i = 0; i < r->ngenerated; i++)
			json_object_array_add(a, json_object_new_int64(r->generated_ids[i]));
		json_object_object_add(o, "generated_ids", a);
		break;
	}
	default:
		break;
	}
	return o;
}

static void print_text(const hfgit_result *r, hfgit_task task)
{
	size_t i;

	switch (task) {
	case HFGIT_TASK_TEXT_CLASSIFICATION:
	case HFGIT_TASK_IMAGE_CLASSIFICATION:
		for (i = 0; i < r->nlabels; i++)
			printf("%s%s\t%.6f", i ? "\t" : "", r->labels[i].label, (double)r->labels[i].score);
		printf("\n");
		break;
	case HFGIT_TASK_FEATURE_EXTRACTION:
		for (i = 0; i < r->dim; i++)
			printf("%s%.6g", i ? " " : "", (double)r->pooled[i]);
		printf("\n");
		break;
	default:
		break;
	}
}

static double now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int load(hfgit_pipeline **p, hfgit_ctx **ctx, const cli_globals *g, const run_args *a,
                hfgit_task task)
{
	hfgit_pipeline_options opts = HFGIT_PIPELINE_OPTIONS_INIT;
	hfgit_clone_options clone_opts = HFGIT_CLONE_OPTIONS_INIT;
	cli_progress *progress = NULL;
	hfgit_lock *lock = NULL;
	int rc;

	opts.task = task;
	/* A directory is loaded as it is; anything else is a model id, cloned into the cache. */
	if (!is_dir(a->spec) && a->lock_path && (rc = cli_read_lock(&lock, a->lock_path)) != 0)
		return rc;
	opts.lock = lock;
	if (!is_dir(a->spec)) {
		if ((rc = cli_context(ctx, g)) != 0)
			return rc;
		progress = cli_progress_new(a->quiet || a->json);
		clone_opts.progress = cli_progress_cb;
		clone_opts.payload = progress;
		opts.clone = &clone_opts;
	}
	rc = hfgit_pipeline_from_pretrained(p, *ctx, a->spec, &opts);
	if (progress)
		cli_progress_done(progress);
	rc = rc < 0 ? cli_fail() : EXIT_OK;
	hfgit_lock_free(lock); /* the pipeline keeps nothing of it */
	return rc;
}

/* Run and print: with --json the whole array at the end, else each answer when it is made. */
static int run_inputs(hfgit_pipeline *p, const run_args *a, hfgit_run_options *ro,
                      const char *const *inputs, size_t n, json_object *all)
{
	hfgit_task task = hfgit_pipeline_task(p);
	bool stream = task == HFGIT_TASK_TEXT_GENERATION && !a->json;
	size_t step = stream ? 1 : (ro->batch_size ? ro->batch_size : 8);
	size_t i, j;

	for (i = 0; i < n; i += step) {
		size_t k = n - i < step ? n - i : step;
		hfgit_results *res;

		if (stream) {
			fputs(inputs[i], stdout);
			fflush(stdout);
		}
		((cli_run_state *)ro->payload)->first = i;
		if (hfgit_pipeline_run(&res, p, inputs + i, NULL, k, ro) < 0) {
			/* The library counts the inputs of its call; say which of ours failed. */
			if (stream) {
				putchar('\n');
				fflush(stdout);
				fprintf(stderr, "hfgit: input %zu failed:\n", i + 1);
			}
			return cli_fail();
		}
		for (j = 0; j < k; j++) {
			const hfgit_result *r = hfgit_results_at(res, j);

			if (all)
				json_object_array_add(all, result_json(r, task, inputs[i + j]));
			else if (stream)
				putchar('\n');
			else
				print_text(r, task);
		}
		hfgit_results_free(res);
		fflush(stdout);
	}
	return EXIT_OK;
}

int cmd_run(int argc, char **argv, const cli_globals *g)
{
	hfgit_run_options ro = HFGIT_RUN_OPTIONS_INIT;
	hfgit_task task = HFGIT_TASK_AUTO;
	cli_run_state state = { 0 };
	run_args a = { 0 };
	line_list lines = { 0 };
	hfgit_pipeline *p = NULL;
	hfgit_ctx *ctx = NULL;
	json_object *all = NULL;
	const char *const *inputs;
	size_t n;
	double t0, t1, t2;
	int rc;

	if ((rc = parse_args(&a, argc, argv)) >= 0)
		return rc;
	if (a.task && hfgit_task_from_name(&task, a.task) < 0)
		return cli_usage_error("run", "%s", hfgit_error_last());
	if (a.ninputs || a.chat.on) {
		/* A chat reads standard input itself, a turn at a time. */
		inputs = (const char *const *)a.inputs;
		n = a.ninputs;
	} else {
		if ((rc = read_lines(&lines)) != 0)
			return rc;
		inputs = (const char *const *)lines.lines;
		n = lines.n;
	}
	if (a.threads)
		hfgit_compute_threads_set(a.threads);
	t0 = now_ms();
	if ((rc = load(&p, &ctx, g, &a, task)) != EXIT_OK)
		goto out;
	t1 = now_ms();
	task = hfgit_pipeline_task(p);
	if (a.chat.on && task != HFGIT_TASK_TEXT_GENERATION) {
		rc = cli_usage_error("run", "--chat goes with text-generation; %s does %s",
		                     hfgit_model_class(hfgit_pipeline_model(p)), hfgit_task_name(task));
		goto out;
	}
	if (a.pooling && task != HFGIT_TASK_FEATURE_EXTRACTION) {
		rc = cli_usage_error("run", "--pooling goes with feature-extraction, not %s",
		                     hfgit_task_name(task));
		goto out;
	}
	if ((a.max_new || a.sample) && task != HFGIT_TASK_TEXT_GENERATION) {
		rc = cli_usage_error("run", "--max-new-tokens, --temperature, --top-p and --seed go "
		                     "with text-generation, not %s", hfgit_task_name(task));
		goto out;
	}
	if (a.fn && task != HFGIT_TASK_TEXT_CLASSIFICATION &&
	    task != HFGIT_TASK_IMAGE_CLASSIFICATION) {
		rc = cli_usage_error("run", "--function-to-apply goes with classification, not %s",
		                     hfgit_task_name(task));
		goto out;
	}
	ro.batch_size = (size_t)a.batch;
	ro.pooling = a.pooling && !strcmp(a.pooling, "mean") ? HFGIT_POOLING_MEAN
	                                                      : HFGIT_POOLING_CLS;
	if (a.fn)
		ro.function_to_apply = !strcmp(a.fn, "softmax") ? HFGIT_SCORES_SOFTMAX
		                     : !strcmp(a.fn, "sigmoid") ? HFGIT_SCORES_SIGMOID
		                                                : HFGIT_SCORES_NONE;
	if (task == HFGIT_TASK_TEXT_GENERATION) {
		/* As transformers' pipeline: generation_config.json's defaults, then the flags. */
		if (hfgit_generate_options_from_model(&ro.generate, hfgit_pipeline_model(p)) < 0) {
			rc = cli_fail();
			goto out;
		}
		if (a.max_new)
			ro.generate.max_new_tokens = (size_t)(a.max_new - 1);
		if (a.top_k > 0) {
			a.sample = true;
			ro.generate.top_k = (size_t)a.top_k;
		}
		if (a.sample)
			ro.generate.do_sample = 1;
		if (a.greedy)
			ro.generate.do_sample = 0;
		if (a.temperature_given)
			ro.generate.temperature = (float)a.temperature;
		if (a.top_p_given)
			ro.generate.top_p = (float)a.top_p;
		if (a.seed_given)
			ro.generate.seed = a.seed;
		if (!a.json)
			ro.on_text = on_text;
	} else {
		ro.top_k = a.top_k < 0 ? HFGIT_TOP_K_ALL : (size_t)a.top_k;
	}
	ro.on_warning = on_warning;
	ro.payload = &state;
	if (a.json)
		all = json_object_new_array();
	if (a.chat.on)
		rc = cli_run_chat(p, &a.chat, a.inputs, a.ninputs, &ro, all);
	else
		rc = run_inputs(p, &a, &ro, inputs, n, all);
	t2 = now_ms();
	if (rc != EXIT_OK)
		goto out;
	if (all)
		puts(json_object_to_json_string_ext(all, JSON_C_TO_STRING_PLAIN |
		                                    JSON_C_TO_STRING_NOSLASHESCAPE));
	if (!a.quiet && !a.json)
		fprintf(stderr, "hfgit: %s, %s: load %.1f ms, run %.1f ms (%zu %s%s)\n",
		        hfgit_model_class(hfgit_pipeline_model(p)), hfgit_task_name(task), t1 - t0,
		        t2 - t1, a.chat.on ? state.first : n, a.chat.on ? "answer" : "input",
		        (a.chat.on ? state.first : n) == 1 ? "" : "s");
out:
	json_object_put(all);
	hfgit_pipeline_free(p);
	hfgit_ctx_free(ctx);
	lines_free(&lines);
	return rc;
}
