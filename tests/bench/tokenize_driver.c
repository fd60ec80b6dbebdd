/*
 * Benchmark driver: encodes every chunk of a text file (chunks separated by form feeds) with
 * libhfgit's tokenizer, one thread, and prints "tokens seconds" for the encoding alone.
 *
 *   tokenize_driver DIR TEXT_FILE
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hfgit.h"

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
	hfgit_tokenizer *tok;
	FILE *f;
	char *text;
	long size;
	size_t tokens = 0;
	double t0, t1;
	char *p, *end;

	if (argc != 3) {
		fprintf(stderr, "usage: tokenize_driver DIR TEXT_FILE\n");
		return 2;
	}
	if (hfgit_tokenizer_from_dir(&tok, argv[1]) < 0) {
		fprintf(stderr, "tokenize_driver: %s\n", hfgit_error_last());
		return 1;
	}
	if (!(f = fopen(argv[2], "rb")) || fseek(f, 0, SEEK_END) || (size = ftell(f)) < 0 ||
	    fseek(f, 0, SEEK_SET) || !(text = malloc((size_t)size + 1)) ||
	    fread(text, 1, (size_t)size, f) != (size_t)size) {
		fprintf(stderr, "tokenize_driver: cannot read %s\n", argv[2]);
		return 1;
	}
	fclose(f);
	text[size] = '\0';
	t0 = now();
	for (p = text; p < text + size; p = end + 1) {
		hfgit_encoding *enc;

		if (!(end = memchr(p, '\f', (size_t)(text + size - p))))
			end = text + size;
		if (hfgit_tokenizer_encode(&enc, tok, p, (size_t)(end - p), NULL, 0, NULL) < 0) {
			fprintf(stderr, "tokenize_driver: %s\n", hfgit_error_last());
			return 1;
		}
		tokens += hfgit_encoding_length(enc);
		hfgit_encoding_free(enc);
	}
	t1 = now();
	printf("%zu %.4f\n", tokens, t1 - t0);
	free(text);
	hfgit_tokenizer_free(tok);
	return 0;
}
