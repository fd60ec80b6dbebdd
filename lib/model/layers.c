#include "model/layers.h"

int hfgit_layer__linear(hfgit_binder *b, const char *name, long long out, long long in, bool bias,
                        unsigned int flags)
{
	int rc;

	if ((rc = hfgit_binder_push(b, "%s", name)) < 0)
		return rc;
	rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(out, in), flags);
	if (rc == 0 && bias)
		rc = hfgit_binder_param(b, "bias", HFGIT_DIMS(out), flags);
	hfgit_binder_pop(b);
	return rc;
}

int hfgit_layer__norm(hfgit_binder *b, const char *name, long long dim)
{
	int rc;

	if ((rc = hfgit_binder_push(b, "%s", name)) < 0)
		return rc;
	rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(dim), 0);
	if (rc == 0)
		rc = hfgit_binder_param(b, "bias", HFGIT_DIMS(dim), 0);
	hfgit_binder_pop(b);
	return rc;
}

int hfgit_layer__norm_weight(hfgit_binder *b, const char *name, long long dim)
{
	int rc;

	if ((rc = hfgit_binder_push(b, "%s", name)) < 0)
		return rc;
	rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(dim), 0);
	hfgit_binder_pop(b);
	return rc;
}

int hfgit_layer__embedding(hfgit_binder *b, const char *name, long long count, long long dim)
{
	int rc;

	if ((rc = hfgit_binder_push(b, "%s", name)) < 0)
		return rc;
	rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(count, dim), 0);
	hfgit_binder_pop(b);
	return rc;
}

int hfgit_layer__conv1d(hfgit_binder *b, const char *name, long long in, long long out)
{
	int rc;

	if ((rc = hfgit_binder_push(b, "%s", name)) < 0)
		return rc;
	rc = hfgit_binder_param(b, "weight", HFGIT_DIMS(in, out), HFGIT_BIND_IN_OUT);
	if (rc == 0)
		rc = hfgit_binder_param(b, "bias", HFGIT_DIMS(out), 0);
	hfgit_binder_pop(b);
	return rc;
}
