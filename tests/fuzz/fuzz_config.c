/*
 * Fuzz target for config.json: parsing, the Auto choice for every Auto class, and every
 * built-in architecture's reading of its hyperparameters. Any input must be refused with a
 * message naming the file, or give a config whose accessors all answer.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "hfgit.h"
#include "model/architectures.h"
#include "model/config.h"
#include "model/registry.h"

static volatile size_t sink;

static void refused(int rc)
{
	if (rc >= 0 || hfgit_error_last()[0] == '\0' || hfgit_error_last_code() != rc)
		abort();
}

static void touch(const hfgit_config *cfg)
{
	long long i;
	double f;
	int b;
	const char *s;
	size_t n;

	for (n = 0; n < hfgit_config_architecture_count(cfg); n++)
		sink += strlen(hfgit_config_architecture(cfg, n));
	for (n = 0; n < hfgit_config_num_labels(cfg); n++)
		sink += strlen(hfgit_config_label(cfg, n));
	for (n = 0; n < hfgit_config_auto_map_count(cfg); n++)
		sink += strlen(hfgit_config_auto_map_key(cfg, n)) +
		        strlen(hfgit_config_auto_map_value(cfg, n));
	for (n = 0; n < hfgit_config_hparam_count(cfg); n++) {
		const hfgit_hparam *h = hfgit_config_hparam_at(cfg, n);

		sink += strlen(h->name) + (h->key ? strlen(h->key) : 0) + (h->s ? strlen(h->s) : 0);
	}
	if (hfgit_config_get_int(&i, cfg, "hidden_size") == 0)
		sink += (size_t)i;
	if (hfgit_config_get_float(&f, cfg, "layer_norm_eps") == 0)
		sink += f > 0;
	if (hfgit_config_get_bool(&b, cfg, "qkv_bias") == 0)
		sink += (size_t)b;
	if (hfgit_config_get_string(&s, cfg, "model_type") == 0)
		sink += strlen(s);
	if (hfgit_config_label_id(&i, cfg, "LABEL_0") == 0)
		sink += (size_t)i;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const hfgit_architecture *const archs[] = {
		&hfgit_arch__bert, &hfgit_arch__distilbert, &hfgit_arch__gpt2, &hfgit_arch__vit,
	};
	hfgit_config *cfg = NULL;
	hfgit_choice choice;
	size_t a;
	int k, rc;

	rc = hfgit_config__parse(&cfg, (const char *)data, size, "fuzz/config.json");
	if (rc < 0) {
		refused(rc);
		if (cfg || !strstr(hfgit_error_last(), "fuzz/config.json"))
			abort();
		return 0;
	}
	for (k = 0; k < HFGIT_AUTO_COUNT_; k++) {
		rc = hfgit_registry__choose(&choice, cfg, (hfgit_auto_class)k);
		if (rc < 0) {
			refused(rc);
			continue;
		}
		if (!choice.class_name || !choice.reason || choice.head == HFGIT_AUTO_CONFIG)
			abort();
		free(choice.reason);
	}
	for (a = 0; a < sizeof(archs) / sizeof(*archs); a++) {
		if (hfgit_config__set_reader(cfg, archs[a]->classes[HFGIT_AUTO_BASE]) < 0)
			break;
		rc = archs[a]->read_config(cfg, NULL);
		if (rc < 0)
			refused(rc);
		touch(cfg);
	}
	hfgit_config__free(cfg);
	return 0;
}
