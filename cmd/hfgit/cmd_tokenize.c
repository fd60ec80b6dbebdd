/* hfgit tokenize / detokenize: text to ids and back with a repository's own tokenizer. */
#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "cli.h"

static const char tokenize_usage[] =
	"usage: hfgit tokenize [--json] [--pair TEXT] [--no-special-tokens] [--max-length N]\n"
	"                      [--stdin] ID[@REV]|DIR [TEXT]\n"
	"\n"
	"Tokenize TEXT with the repository's tokenizer, exactly as Hugging Face's tokenizers\n"
	"library does: tokenizer.json when the repository has one, else the pipeline\n"
	"transformers builds from vocab.txt (BERT) or vocab.json + merges.txt (GPT-2) with\n"
	"tokenizer_config.json. Prints the ids, separated by spaces. An ID is cloned into the\n"
	"cache first (reused when that commit was checked out before).\n"
	"\n"
	"  --json               print {\"input_ids\", \"tokens\", \"token_type_ids\",\n"
	"                       \"attention_mask\", \"offsets\"}; offsets are [start, end) in\n"
	"                       characters (Unicode code points) of the text, as the Rust\n"
	"                       library and transformers' return_offsets_mapping count them;\n"
	"                       tokens the template adds ([CLS], [SEP]) have [0, 0]\n"
	"  --pair TEXT          a second sequence (sentence pairs: token_type_ids 1)\n"
	"  --no-special-tokens  add_special_tokens=False: no [CLS]/[SEP] or template tokens\n"
	"  --max-length N       truncate to N tokens, longest sequence first\n"
	"  --stdin              read the text from standard input, all of it as one text\n"
	"                       (any bytes; it must be UTF-8)\n"
	"  -q, --quiet          no clone progress\n";

static const char detokenize_usage[] =
	"usage: hfgit detokenize [--skip-special-tokens] ID[@REV]|DIR IDS...\n"
	"\n"
	"Print the text the ids stand for, through the tokenizer's decoder. IDS are numbers,\n"
	"separated by spaces or commas, in one argument or several.\n"
	"\n"
	"  --skip-special-tokens  leave special tokens ([CLS], <|endoftext|>) out\n"
	"  -q, --quiet            no clone progress\n";

static bool is_dir(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISDIR(st.st_mode);
}

static int load(hfgit_tokenizer **tok, const char *spec, bool quiet, const cli_globals *g)
{
	hfgit_tokenizer_options opts = HFGIT_TOKENIZER_OPTIONS_INIT;
	hfgit_clone_options clone_opts = HFGIT_CLONE_OPTIONS_INIT;
	cli_progress *progress = NULL;
	hfgit_ctx *ctx = NULL;
	int rc;

	if (!is_dir(spec)) {
		if ((rc = cli_context(&ctx, g)) != 0)
			return rc;
		progress = cli_progress_new(quiet);
		clone_opts.progress = cli_progress_cb;
		clone_opts.payload = progress;
		opts.clone = &clone_opts;
	}
	rc = hfgit_tokenizer_from_pretrained(tok, ctx, spec, &opts);
	if (progress)
		cli_progress_done(progress);
	hfgit_ctx_free(ctx);
	return rc < 0 ? cli_fail() : 0;
}

static int read_stdin(char **out, size_t *len)
{
	size_t cap = 65536, n = 0, r;
	char *buf = malloc(cap);

	while (buf && (r = fread(buf + n, 1, cap - n, stdin)) > 0) {
		n += r;
		if (n == cap) {
			char *more = realloc(buf, cap * 2);

			if (!more) {
				free(buf);
				buf = NULL;
				break;
			}
			buf = more;
			cap *= 2;
		}
	}
	if (!buf || ferror(stdin)) {
		fprintf(stderr, "hfgit tokenize: cannot read standard input: %s\n",
		        buf ? strerror(errno) : "out of memory");
		free(buf);
		return EXIT_IO;
	}
	*out = buf;
	*len = n;
	return 0;
}

static void print_json(const hfgit_encoding *e)
{
	json_object *o = json_object_new_object(), *ids = json_object_new_array(),
	            *toks = json_object_new_array(), *types = json_object_new_array(),
	            *mask = json_object_new_array(), *offs = json_object_new_array();
	const size_t *off = hfgit_encoding_offsets(e);
	size_t i, n = hfgit_encoding_length(e);

	for (i = 0; i < n; i++) {
		json_object *pair = json_object_new_array();
		const char *t = hfgit_encoding_token(e, i);

		json_object_array_add(ids, json_object_new_int64(hfgit_encoding_ids(e)[i]));
		json_object_array_add(toks, json_object_new_string(t ? t : ""));
		json_object_array_add(types, json_object_new_int64(hfgit_encoding_type_ids(e)[i]));
		json_object_array_add(mask, json_object_new_int64(hfgit_encoding_attention_mask(e)[i]));
		json_object_array_add(pair, json_object_new_int64((int64_t)off[2 * i]));
		json_object_array_add(pair, json_object_new_int64((int64_t)off[2 * i + 1]));
		json_object_array_add(offs, pair);
	}
	json_object_object_add(o, "input_ids", ids);
	json_object_object_add(o, "tokens", toks);
	json_object_object_add(o, "token_type_ids", types);
	json_object_object_add(o, "attention_mask", mask);
	json_object_object_add(o, "offsets", offs);
	puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(o);
}

int cmd_tokenize(int argc, char **argv, const cli_globals *g)
{
	hfgit_encode_options opts = HFGIT_ENCODE_OPTIONS_INIT;
	const char *spec = NULL, *text = NULL, *pair = NULL, *value;
	bool json = false, from_stdin = false, quiet = false;
	hfgit_tokenizer *tok = NULL;
	hfgit_encoding *enc = NULL;
	char *input = NULL;
	size_t len = 0, i;
	int rc;

	for (i = 1; i < (size_t)argc; i++) {
		int k = (int)i;

		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(tokenize_usage, stdout);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--stdin")) {
			from_stdin = true;
		} else if (!strcmp(argv[i], "--no-special-tokens")) {
			opts.no_special_tokens = 1;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (cli_option_value(argc, argv, &k, "--pair", &value)) {
			if (!value)
				return cli_usage_error("tokenize", "--pair needs a text");
			pair = value;
			i = (size_t)k;
		} else if (cli_option_value(argc, argv, &k, "--max-length", &value)) {
			char *end;
			unsigned long n = value ? strtoul(value, &end, 10) : 0;

			if (!value || !*value || *end || n == 0 || n > 1000000000ul)
				return cli_usage_error("tokenize", "--max-length takes a positive number");
			opts.max_length = n;
			i = (size_t)k;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			return cli_usage_error("tokenize", "unknown option '%s'", argv[i]);
		} else if (!spec) {
			spec = argv[i];
		} else if (!text) {
			text = argv[i];
		} else {
			return cli_usage_error("tokenize", "too many arguments ('%s'); quote the text",
			                       argv[i]);
		}
	}
	if (!spec)
		return cli_usage_error("tokenize", "which tokenizer? give ID[@REV] or a directory");
	if (from_stdin && text)
		return cli_usage_error("tokenize", "give the text as an argument or with --stdin, "
		                       "not both");
	if (!from_stdin && !text)
		return cli_usage_error("tokenize", "no text: give it as an argument or use --stdin");
	if ((rc = load(&tok, spec, quiet || json, g)) != 0)
		return rc;
	if (from_stdin) {
		if ((rc = read_stdin(&input, &len)) != 0) {
			hfgit_tokenizer_free(tok);
			return rc;
		}
		text = input;
	} else {
		len = strlen(text);
	}
	if (hfgit_tokenizer_encode(&enc, tok, text, len, pair, pair ? strlen(pair) : 0, &opts) < 0) {
		rc = cli_fail();
	} else if (json) {
		print_json(enc);
	} else {
		for (i = 0; i < hfgit_encoding_length(enc); i++)
			printf("%s%d", i ? " " : "", hfgit_encoding_ids(enc)[i]);
		putchar('\n');
	}
	hfgit_encoding_free(enc);
	hfgit_tokenizer_free(tok);
	free(input);
	return rc;
}

/* "101, 7592 1010": numbers separated by spaces or commas, appended to ids. */
static int parse_ids(const char *arg, int **ids, size_t *n, size_t *cap)
{
	const char *p = arg;

	while (*p) {
		char *end;
		long v;

		if (*p == ' ' || *p == ',' || *p == '\t' || *p == '\n' || *p == '[' || *p == ']') {
			p++;
			continue;
		}
		errno = 0;
		v = strtol(p, &end, 10);
		if (end == p || errno || v < 0 || v > 0x7fffffff)
			return -1;
		if (*n == *cap) {
			size_t c = *cap ? *cap * 2 : 64;
			int *q = realloc(*ids, c * sizeof(*q));

			if (!q)
				return -1;
			*ids = q;
			*cap = c;
		}
		(*ids)[(*n)++] = (int)v;
		p = end;
	}
	return 0;
}

int cmd_detokenize(int argc, char **argv, const cli_globals *g)
{
	const char *spec = NULL;
	bool skip = false, quiet = false;
	hfgit_tokenizer *tok = NULL;
	int *ids = NULL, i, rc;
	size_t n = 0, cap = 0;
	char *text = NULL;
	size_t len = 0;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
			fputs(detokenize_usage, stdout);
			free(ids);
			return EXIT_OK;
		} else if (!strcmp(argv[i], "--skip-special-tokens")) {
			skip = true;
		} else if (!strcmp(argv[i], "-q") || !strcmp(argv[i], "--quiet")) {
			quiet = true;
		} else if (argv[i][0] == '-' && argv[i][1] != '\0') {
			free(ids);
			return cli_usage_error("detokenize", "unknown option '%s'", argv[i]);
		} else if (!spec) {
			spec = argv[i];
		} else if (parse_ids(argv[i], &ids, &n, &cap) < 0) {
			free(ids);
			return cli_usage_error("detokenize", "'%s' is not a list of token ids", argv[i]);
		}
	}
	if (!spec) {
		free(ids);
		return cli_usage_error("detokenize", "which tokenizer? give ID[@REV] or a directory");
	}
	if ((rc = load(&tok, spec, quiet, g)) != 0) {
		free(ids);
		return rc;
	}
	if (hfgit_tokenizer_decode(&text, &len, tok, ids, n, skip) < 0) {
		rc = cli_fail();
	} else {
		fwrite(text, 1, len, stdout);
		putchar('\n');
	}
	free(text);
	free(ids);
	hfgit_tokenizer_free(tok);
	return rc;
}
