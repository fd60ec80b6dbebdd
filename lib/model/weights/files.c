#include "model/weights/files.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <json-c/json.h>

#include "core/error.h"
#include "core/fs.h"
#include "core/strbuf.h"
#include "model/weights/safetensors.h"
#include "model/weights/torch_load.h"

/* Real indexes list a few thousand tensors in well under a megabyte. */
#define MAX_INDEX_BYTES (64u << 20)
#define LFS_POINTER_PREFIX "version https://git-lfs.github.com/spec/"

typedef int (*load_fn)(hfgit_weights *w, const char *path);

static char *join(const char *dir, const char *name)
{
	return hfgit__aprintf("%s/%s", dir, name);
}

static bool is_file(const char *path)
{
	struct stat st;

	return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

/* A pointer file where the weights should be: say so, rather than "not a safetensors file". */
static int check_not_lfs_pointer(const char *path)
{
	char head[sizeof(LFS_POINTER_PREFIX) - 1];
	struct stat st;
	ssize_t n;
	int fd;

	if (stat(path, &st) < 0 || st.st_size >= 1024 || (fd = open(path, O_RDONLY | O_CLOEXEC)) < 0)
		return 0;
	n = read(fd, head, sizeof(head));
	close(fd);
	if (n == (ssize_t)sizeof(head) && !memcmp(head, LFS_POINTER_PREFIX, sizeof(head)))
		return hfgit_error__set(HFGIT_EINVALID, "%s is a Git LFS pointer, not the weights: the "
		                        "clone left out its LFS content (--no-lfs, or an --include or "
		                        "--exclude pattern); clone again with it", path);
	return 0;
}

static int add_file(hfgit_weight_files *out, const char *name)
{
	char **grown = realloc(out->files, (out->nfiles + 1) * sizeof(*grown));

	if (!grown)
		return hfgit_error__oom();
	out->files = grown;
	if (!(out->files[out->nfiles] = hfgit__strdup(name)))
		return HFGIT_ERROR;
	out->nfiles++;
	return 0;
}

static int load_one(hfgit_weights *w, hfgit_weight_files *out, const char *dir, const char *name,
                    load_fn load)
{
	char *path = join(dir, name);
	int rc;

	if (!path)
		return HFGIT_ERROR;
	if ((rc = check_not_lfs_pointer(path)) == 0 && (rc = load(w, path)) == 0)
		rc = add_file(out, name);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Sharded checkpoints                                                                       */

/* A shard is a file next to the index: a plain name, never a path that could leave the model
 * directory (or reach a device). */
static int check_shard_name(const char *index, const char *tensor, const char *file)
{
	const char *p;

	if (!*file || !strcmp(file, ".") || !strcmp(file, "..") || strchr(file, '/') ||
	    strchr(file, '\\') || strlen(file) > 255)
		goto bad;
	for (p = file; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			goto bad;
	return 0;
bad:
	return hfgit_error__set(HFGIT_EINVALID, "%s: weight_map puts '%.80s' in '%.80s', which is "
	                        "not a file name next to the index (no '/', '\\' or '..')", index,
	                        tensor, file);
}

static int compare_strings(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int read_index(json_object **root, json_object **map, const char *path)
{
	json_tokener *tok;
	char *text;
	size_t len;
	int rc;

	*root = NULL;
	if ((rc = hfgit_fs__read_file(&text, &len, path)) < 0)
		return rc;
	if (len > MAX_INDEX_BYTES) {
		free(text);
		return hfgit_error__set(HFGIT_EINVALID, "%s: %zu bytes, more than an index may have",
		                        path, len);
	}
	if (!(tok = json_tokener_new())) {
		free(text);
		return hfgit_error__oom();
	}
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
	*root = json_tokener_parse_ex(tok, text, (int)len);
	if (json_tokener_get_error(tok) != json_tokener_success) {
		json_object_put(*root);
		*root = NULL;
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: not valid JSON: %s", path,
		                      json_tokener_error_desc(json_tokener_get_error(tok)));
	}
	json_tokener_free(tok);
	free(text);
	if (rc == 0 && (!json_object_is_type(*root, json_type_object) ||
	                !json_object_object_get_ex(*root, "weight_map", map) ||
	                !json_object_is_type(*map, json_type_object)))
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: no \"weight_map\" object of tensor names to "
		                      "shard files", path);
	return rc;
}

/* The distinct shard names of `map`, checked and sorted (shards are numbered). */
static int shard_names(char ***out, size_t *count, json_object *map, const char *path)
{
	size_t n = (size_t)json_object_object_length(map), k = 0, i, j;
	const char **names = calloc(n ? n : 1, sizeof(*names));
	int rc = 0;

	*out = NULL;
	*count = 0;
	if (!names)
		return hfgit_error__oom();
	json_object_object_foreach(map, tensor, file) {
		if (!json_object_is_type(file, json_type_string)) {
			rc = hfgit_error__set(HFGIT_EINVALID, "%s: weight_map's '%.80s' is not a file name",
			                      path, tensor);
			break;
		}
		if ((rc = check_shard_name(path, tensor, json_object_get_string(file))) < 0)
			break;
		names[k++] = json_object_get_string(file);
	}
	if (rc == 0 && k == 0)
		rc = hfgit_error__set(HFGIT_EINVALID, "%s: weight_map is empty", path);
	if (rc == 0) {
		qsort(names, k, sizeof(*names), compare_strings);
		for (i = j = 0; i < k; i++)
			if (!j || strcmp(names[j - 1], names[i]))
				names[j++] = names[i];
		if (!(*out = calloc(j, sizeof(**out))))
			rc = hfgit_error__oom();
		for (i = 0; rc == 0 && i < j; i++, (*count)++)
			if (!((*out)[i] = hfgit__strdup(names[i])))
				rc = HFGIT_ERROR;
	}
	free(names);
	return rc;
}

/* Every tensor the index names must be in the shard it names. */
static int check_placement(const hfgit_weights *w, json_object *map, char **shards,
                           const size_t *first_of_shard, size_t nshards, const char *path)
{
	size_t index, s;

	json_object_object_foreach(map, tensor, file) {
		const char *want = json_object_get_string(file);

		if (!hfgit_weights__index(w, tensor, &index))
			return hfgit_error__set(HFGIT_EINVALID, "%s: weight_map puts '%.80s' in '%.80s', "
			                        "which does not have it; the index and the shards do not "
			                        "match: download them again", path, tensor, want);
		for (s = nshards; s-- > 0 && index < first_of_shard[s];)
			;
		if (strcmp(shards[s], want))
			return hfgit_error__set(HFGIT_EINVALID, "%s: weight_map puts '%.80s' in '%.80s', but "
			                        "it is in '%.80s'", path, tensor, want, shards[s]);
	}
	return 0;
}

static int load_sharded(hfgit_weights *w, hfgit_weight_files *out, const char *dir,
                        const char *index_name, load_fn load)
{
	json_object *root = NULL, *map = NULL;
	char *path = join(dir, index_name), **shards = NULL;
	size_t nshards = 0, *first = NULL, i;
	int rc;

	if (!path)
		return HFGIT_ERROR;
	/* The index first: it is what names the shards. */
	if ((rc = read_index(&root, &map, path)) == 0 && (rc = add_file(out, index_name)) == 0 &&
	    (rc = shard_names(&shards, &nshards, map, path)) == 0 &&
	    !(first = calloc(nshards, sizeof(*first))))
		rc = hfgit_error__oom();
	for (i = 0; rc == 0 && i < nshards; i++) {
		char *shard = join(dir, shards[i]);

		if (!shard) {
			rc = HFGIT_ERROR;
			break;
		}
		first[i] = hfgit_weights__count(w);
		if (!is_file(shard))
			rc = hfgit_error__set(HFGIT_ENOTFOUND, "%s names the shard '%s', which is not in %s",
			                      path, shards[i], dir);
		else
			rc = load_one(w, out, dir, shards[i], load);
		free(shard);
	}
	if (rc == 0)
		rc = check_placement(w, map, shards, first, nshards, path);
	for (i = 0; i < nshards; i++)
		free(shards[i]);
	free(shards);
	free(first);
	json_object_put(root);
	free(path);
	return rc;
}

/* ---------------------------------------------------------------------------------------- */
/* Choosing the files                                                                        */

static bool has(const char *dir, const char *name)
{
	char *path = join(dir, name);
	bool found = path && is_file(path);

	free(path);
	return found;
}

/* Weights hfgit cannot read, to name in the "no weights" message. */
static const char *const foreign[] = {
	"tf_model.h5", "flax_model.msgpack", "model.ckpt.index", "pytorch_model.bin.zst", NULL,
};

static int no_weights(const char *dir, hfgit_weights_format format)
{
	hfgit_strbuf others = HFGIT_STRBUF_INIT;
	const char *expected =
		format == HFGIT_WEIGHTS_SAFETENSORS ?
		HFGIT_SAFETENSORS_NAME " or " HFGIT_SAFETENSORS_INDEX_NAME :
		format == HFGIT_WEIGHTS_PYTORCH ? HFGIT_PYTORCH_NAME " or " HFGIT_PYTORCH_INDEX_NAME :
		HFGIT_SAFETENSORS_NAME ", " HFGIT_SAFETENSORS_INDEX_NAME ", " HFGIT_PYTORCH_NAME " or "
		HFGIT_PYTORCH_INDEX_NAME;
	const char *const *f;
	int rc = 0;

	for (f = foreign; *f && rc == 0; f++)
		if (has(dir, *f))
			rc = hfgit_strbuf__printf(&others, "%s%s", others.len ? ", " : "", *f);
	if (rc == 0)
		rc = hfgit_error__set(HFGIT_ENOTFOUND, "no weights in %s: expected %s%s%s%s", dir,
		                      expected, others.len ? " (it has " : "", hfgit_strbuf__cstr(&others),
		                      others.len ? ", which hfgit does not read)" : "");
	hfgit_strbuf__dispose(&others);
	return rc;
}

int hfgit_weight_files__load(hfgit_weights *w, hfgit_weight_files *out, const char *dir,
                             hfgit_weights_format format)
{
	memset(out, 0, sizeof(*out));
	if ((unsigned)format > HFGIT_WEIGHTS_PYTORCH)
		return hfgit_error__set(HFGIT_EINVALID, "unknown weights format %d", (int)format);
	if (format != HFGIT_WEIGHTS_PYTORCH) {
		out->format = "safetensors";
		if (has(dir, HFGIT_SAFETENSORS_NAME))
			return load_one(w, out, dir, HFGIT_SAFETENSORS_NAME, hfgit_safetensors__load);
		if (has(dir, HFGIT_SAFETENSORS_INDEX_NAME))
			return load_sharded(w, out, dir, HFGIT_SAFETENSORS_INDEX_NAME,
			                    hfgit_safetensors__load);
	}
	if (format != HFGIT_WEIGHTS_SAFETENSORS) {
		out->format = "pytorch";
		if (has(dir, HFGIT_PYTORCH_NAME))
			return load_one(w, out, dir, HFGIT_PYTORCH_NAME, hfgit_torch__load);
		if (has(dir, HFGIT_PYTORCH_INDEX_NAME))
			return load_sharded(w, out, dir, HFGIT_PYTORCH_INDEX_NAME, hfgit_torch__load);
	}
	out->format = NULL;
	return no_weights(dir, format);
}

void hfgit_weight_files__dispose(hfgit_weight_files *files)
{
	size_t i;

	for (i = 0; i < files->nfiles; i++)
		free(files->files[i]);
	free(files->files);
	memset(files, 0, sizeof(*files));
}
