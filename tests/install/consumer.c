/* A program a user of the installed libhfgit writes: parse a model id, print its parts. */
#include <stdio.h>

#include <hfgit.h>

int main(int argc, char **argv)
{
	hfgit_model_id *id;
	const char *spec = argc > 1 ? argv[1] : "google-bert/bert-base-uncased@v1.0";

	if (hfgit_init() < 0)
		return 1;
	if (hfgit_model_id_parse(&id, spec) < 0) {
		fprintf(stderr, "error: %s\n", hfgit_error_last());
		hfgit_shutdown();
		return 2;
	}
	printf("%s %s %s\n", HFGIT_VERSION, hfgit_model_id_repo(id), hfgit_model_id_revision(id));
	hfgit_model_id_free(id);
	hfgit_shutdown();
	return 0;
}
