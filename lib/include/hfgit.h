/*
 * hfgit: Hugging Face model repositories as real git repositories.
 *
 * The one public header of libhfgit. Conventions follow libgit2's: opaque handles, functions
 * return 0 or a negative HFGIT_E* code with their result in the first pointer argument, every
 * allocation has a *_free, and hfgit_error_last() explains the most recent failure on the
 * calling thread in words a person can act on.
 */
#ifndef HFGIT_H
#define HFGIT_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(__GNUC__)
#define HFGIT_EXTERN __attribute__((visibility("default")))
#else
#define HFGIT_EXTERN
#endif

#define HFGIT_VERSION "0.1.0"

/* ---------------------------------------------------------------------------------------- */
/* Errors                                                                                    */

typedef enum {
	HFGIT_OK = 0,
	HFGIT_ERROR = -1,      /* failure of no more specific class */
	HFGIT_EINVALID = -2,   /* bad input: model id, revision, option */
	HFGIT_ENOTFOUND = -3,  /* repository or revision does not exist */
	HFGIT_EAMBIGUOUS = -4, /* abbreviated hash matches several commits */
	HFGIT_ENETWORK = -5,   /* the hub could not be reached or the transfer failed */
	HFGIT_EAUTH = -6,      /* the hub wants (other) credentials */
	HFGIT_EEXISTS = -7,    /* destination exists and is not empty */
	HFGIT_EIO = -8,        /* local file system trouble */
	HFGIT_EINTERRUPTED = -9, /* cancelled by a signal or a progress callback */
	HFGIT_EOFFLINE = -10,  /* needs the network but offline mode is on */
} hfgit_error_code;

/* The message of the last error on this thread; never NULL ("" when there is none). */
HFGIT_EXTERN const char *hfgit_error_last(void);

/* The code of the last error on this thread (HFGIT_OK when there is none). */
HFGIT_EXTERN int hfgit_error_last_code(void);

/* ---------------------------------------------------------------------------------------- */
/* Library lifetime                                                                          */

/* Initialise libhfgit (and libgit2, libcurl). Reference counted; call once per user. */
HFGIT_EXTERN int hfgit_init(void);
HFGIT_EXTERN void hfgit_shutdown(void);

/* ---------------------------------------------------------------------------------------- */
/* Model ids: [datasets/|spaces/]namespace/name[@revision], or a legacy name[@revision]       */

typedef enum {
	HFGIT_REPO_MODEL = 0,
	HFGIT_REPO_DATASET,
	HFGIT_REPO_SPACE,
} hfgit_repo_type;

typedef struct hfgit_model_id hfgit_model_id;

/*
 * Parse and validate `spec` with the Hub's rules for repository names (characters
 * [A-Za-z0-9_.-], name of 1 to 96 characters, no leading or trailing '-' or '.', no "--" or
 * "..", no trailing ".git") and git's rules for the revision after '@' (a ref name, a
 * refs/pr/N, or a hexadecimal commit hash). Returns HFGIT_EINVALID with a message that says
 * what is wrong.
 */
HFGIT_EXTERN int hfgit_model_id_parse(hfgit_model_id **out, const char *spec);
HFGIT_EXTERN void hfgit_model_id_free(hfgit_model_id *id);

HFGIT_EXTERN hfgit_repo_type hfgit_model_id_type(const hfgit_model_id *id);
/* The namespace ("google-bert"), or NULL for a legacy id without one. */
HFGIT_EXTERN const char *hfgit_model_id_namespace(const hfgit_model_id *id);
HFGIT_EXTERN const char *hfgit_model_id_name(const hfgit_model_id *id);
/* The repository path below the endpoint: "org/name", "name", "datasets/org/name". */
HFGIT_EXTERN const char *hfgit_model_id_repo(const hfgit_model_id *id);
/* The revision after '@', or NULL when none was given (the remote's default branch). */
HFGIT_EXTERN const char *hfgit_model_id_revision(const hfgit_model_id *id);

/* ---------------------------------------------------------------------------------------- */
/* Context: endpoint, cache and network policy shared by the operations below                */

typedef struct hfgit_ctx hfgit_ctx;

typedef struct {
	unsigned int version;
	/* Hub endpoint; NULL: $HF_ENDPOINT, else https://huggingface.co. */
	const char *endpoint;
	/* Cache root; NULL: $HFGIT_HOME, $HF_HOME/hfgit, $XDG_CACHE_HOME/hfgit, ~/.cache/hfgit.
	 * "~" and $VAR are expanded in all of them, as huggingface_hub expands its paths. */
	const char *cache_dir;
	/* Never touch the network: 1; 0: $HF_HUB_OFFLINE (else the older $TRANSFORMERS_OFFLINE)
	 * or $HFGIT_OFFLINE decide (1, ON, YES, TRUE, any case). Offline, revisions resolve from
	 * what the cache last saw. */
	int offline;
	/* Access token for private and gated repositories; NULL: $HF_TOKEN, else the older
	 * $HUGGING_FACE_HUB_TOKEN, else the token file $HF_TOKEN_PATH, else $HF_HOME/token
	 * ($XDG_CACHE_HOME/huggingface/token, ~/.cache/huggingface/token). Sent only to the endpoint's own origin (git
	 * and the LFS batch API), never to the hosts object bytes come from, never printed, never
	 * written into a checkout. */
	const char *token;
	/* Seconds to wait for a connection, and for the next byte of an answer, before giving
	 * up, for git and LFS traffic alike; 0: $HF_HUB_ETAG_TIMEOUT for refs, git objects and the
	 * batch API, $HF_HUB_DOWNLOAD_TIMEOUT for object bytes, 10 s each by default. Proxies
	 * ($https_proxy, $http_proxy, $all_proxy, upper case too, $no_proxy; git's http.proxy
	 * wins) and trusted CAs ($GIT_SSL_CAINFO, git's http.sslCAInfo, $CURL_CA_BUNDLE,
	 * $SSL_CERT_FILE; $GIT_SSL_CAPATH, http.sslCAPath, $SSL_CERT_DIR) come from the
	 * environment and git's configuration, for both halves of every transfer. */
	double timeout;
} hfgit_ctx_options;

#define HFGIT_CTX_OPTIONS_VERSION 1
#define HFGIT_CTX_OPTIONS_INIT { HFGIT_CTX_OPTIONS_VERSION, NULL, NULL, 0, NULL, 0 }

HFGIT_EXTERN int hfgit_ctx_new(hfgit_ctx **out, const hfgit_ctx_options *opts);
HFGIT_EXTERN void hfgit_ctx_free(hfgit_ctx *ctx);
HFGIT_EXTERN const char *hfgit_ctx_endpoint(const hfgit_ctx *ctx);
HFGIT_EXTERN const char *hfgit_ctx_cache_dir(const hfgit_ctx *ctx);
HFGIT_EXTERN int hfgit_ctx_offline(const hfgit_ctx *ctx);

/*
 * A boolean environment variable read as huggingface_hub reads its own (1, ON, YES, TRUE in
 * any case are true, anything else false): 1 or 0, or -1 when it is not set at all (for
 * variables like HF_HUB_DISABLE_PROGRESS_BARS, where "unset" and "false" differ).
 */
HFGIT_EXTERN int hfgit_env_flag(const char *name);

/* The git remote URL of a model id: endpoint + "/" + repository path. Free with free(). */
HFGIT_EXTERN int hfgit_remote_url(char **out, const hfgit_ctx *ctx, const hfgit_model_id *id);

/* ---------------------------------------------------------------------------------------- */
/* Remote refs (git ls-remote)                                                               */

typedef struct hfgit_ref_list hfgit_ref_list;

/* The refs the remote advertises, in its order; HEAD first when advertised. */
HFGIT_EXTERN int hfgit_ls_remote(hfgit_ref_list **out, hfgit_ctx *ctx, const hfgit_model_id *id);
HFGIT_EXTERN size_t hfgit_ref_list_count(const hfgit_ref_list *refs);
/* Name ("refs/tags/v1", "refs/tags/v1^{}" for a peeled tag, "HEAD") and 40-hex object id. */
HFGIT_EXTERN const char *hfgit_ref_list_name(const hfgit_ref_list *refs, size_t i);
HFGIT_EXTERN const char *hfgit_ref_list_oid(const hfgit_ref_list *refs, size_t i);
/* The symbolic target ("refs/heads/main" for HEAD), or NULL. */
HFGIT_EXTERN const char *hfgit_ref_list_symref(const hfgit_ref_list *refs, size_t i);
HFGIT_EXTERN void hfgit_ref_list_free(hfgit_ref_list *refs);

/* ---------------------------------------------------------------------------------------- */
/* Revision resolution                                                                       */

typedef enum {
	HFGIT_REV_BRANCH,   /* refs/heads/... (also the default branch when none was given) */
	HFGIT_REV_TAG,      /* refs/tags/..., annotated tags peeled */
	HFGIT_REV_REF,      /* any other ref, e.g. refs/pr/1 */
	HFGIT_REV_COMMIT,   /* a full or abbreviated commit hash */
} hfgit_rev_kind;

typedef struct hfgit_resolved hfgit_resolved;

/*
 * Resolve the revision of `id` (its default branch when it has none) to a commit, through the
 * remote's refs: a ref name wins over a hex prefix, as in git; an abbreviated hash is matched
 * against the advertised tips, then against history fetched as deep as needed; a full hash no
 * ref advertises is fetched directly where the server allows it, else found by deepening.
 */
HFGIT_EXTERN int hfgit_resolve(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id);
HFGIT_EXTERN const char *hfgit_resolved_commit(const hfgit_resolved *r); /* 40 hex */
HFGIT_EXTERN hfgit_rev_kind hfgit_resolved_kind(const hfgit_resolved *r);
/* The full ref name for branches, tags and other refs ("refs/tags/v2.0.1"), NULL for hashes. */
HFGIT_EXTERN const char *hfgit_resolved_ref(const hfgit_resolved *r);
/* Offline, a branch or tag resolves to what the hub advertised when last asked: the Unix time
 * of that, so a caller can say it may be stale. 0 when resolved online or by hash. */
HFGIT_EXTERN long long hfgit_resolved_cached_at(const hfgit_resolved *r);
/* When the hub could not be reached and the cache answered instead (a tag or a commit that the
 * cache holds cannot have changed), why the hub could not be reached; else NULL. A branch is
 * never answered this way: it may have moved (use offline mode to take the cached tip). */
HFGIT_EXTERN const char *hfgit_resolved_unreachable(const hfgit_resolved *r);
HFGIT_EXTERN void hfgit_resolved_free(hfgit_resolved *r);

/* ---------------------------------------------------------------------------------------- */
/* Clone                                                                                     */

typedef enum {
	HFGIT_STAGE_RESOLVE,
	HFGIT_STAGE_FETCH,    /* git objects */
	HFGIT_STAGE_CHECKOUT, /* files written */
	HFGIT_STAGE_LFS,      /* LFS objects downloaded */
	HFGIT_STAGE_VERIFY,   /* files re-hashed by hfgit_verify_* */
} hfgit_stage;

typedef struct {
	hfgit_stage stage;
	size_t done;               /* objects or files done */
	size_t total;              /* 0 when not known yet */
	unsigned long long bytes;  /* bytes done (LFS: verified bytes, resumed ones included) */
	unsigned long long bytes_total; /* 0 when not known */
	/* The file being worked on (LFS: one that bytes are arriving for; several download at
	 * once), relative to the repository; NULL when none. Valid during the callback. */
	const char *path;
} hfgit_progress;

/* Return non-zero to cancel the operation (it then fails with HFGIT_EINTERRUPTED). */
typedef int (*hfgit_progress_cb)(const hfgit_progress *progress, void *payload);

/*
 * How the working tree gets the content of LFS files from the shared object store:
 * AUTO reflinks where the file system can (one copy on disk, independent files), else makes a
 * read-only hard link (one copy on disk; an editor that replaces the file is safe, but writing
 * into it in place, which only root can, would change the cached object: `hfgit verify` finds
 * that), else copies.
 */
typedef enum {
	HFGIT_LINK_AUTO = 0,
	HFGIT_LINK_REFLINK,
	HFGIT_LINK_HARDLINK,
	HFGIT_LINK_COPY,
} hfgit_link_mode;

typedef struct {
	size_t lfs_files;               /* LFS files given their content */
	size_t lfs_objects;             /* distinct objects among them */
	size_t lfs_objects_fetched;     /* objects that had to be downloaded */
	unsigned long long lfs_bytes;   /* size of the distinct objects */
	unsigned long long lfs_bytes_fetched; /* bytes that crossed the network */
	unsigned long long lfs_bytes_reused;  /* bytes already in the store */
	double seconds;                 /* the whole clone, wall time */
	/* Objects found elsewhere on the machine (the huggingface_hub cache, references),
	 * verified and linked into the store instead of downloaded; their bytes. */
	size_t lfs_objects_local;
	unsigned long long lfs_bytes_local;
} hfgit_clone_stats;

typedef struct {
	unsigned int version;
	hfgit_progress_cb progress;
	void *payload;
	/* Which LFS files get content: glob patterns (fnmatch, '*' crosses '/'; a pattern without
	 * '/' also matches the base name), like huggingface_hub's allow/ignore_patterns. */
	const char *const *lfs_include;
	size_t lfs_include_count;
	const char *const *lfs_exclude;
	size_t lfs_exclude_count;
	int no_lfs;             /* keep pointer files; hfgit_clone also when GIT_LFS_SKIP_SMUDGE
	                         * is true (1, true, yes, on), as for git-lfs */
	unsigned int jobs;      /* parallel downloads; 0: 8 */
	hfgit_link_mode link;
	hfgit_clone_stats *stats; /* filled when not NULL */
	/*
	 * LFS objects already on the machine are taken instead of downloaded, after their SHA-256
	 * matched: the blobs of the huggingface_hub cache `hf_cache_dir` (NULL: the one
	 * hfgit_hf_cache_dir finds; `no_hf_cache_reuse` turns this off), and those of
	 * `references`, as `git clone --reference` takes them: git-lfs checkouts, bare
	 * repositories, LFS stores, huggingface_hub caches.
	 */
	const char *hf_cache_dir;
	int no_hf_cache_reuse;
	const char *const *references;
	size_t reference_count;
} hfgit_clone_options;

#define HFGIT_CLONE_OPTIONS_VERSION 1
#define HFGIT_CLONE_OPTIONS_INIT { HFGIT_CLONE_OPTIONS_VERSION }

/*
 * Clone exactly the revision of `id` into `dir` (a new or empty directory) as a shallow git
 * repository of depth 1 whose origin is the Hub URL. A branch becomes the checked-out tracking
 * branch, a tag stays a tag (detached HEAD at it), a hash gives a detached HEAD. Nothing is left
 * behind at `dir` when the clone fails or is interrupted. `out` (may be NULL) receives what was
 * resolved.
 */
HFGIT_EXTERN int hfgit_clone(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                             const char *dir, const hfgit_clone_options *opts);

/* ---------------------------------------------------------------------------------------- */
/* The files of a revision (hfgit ls-files, clone --dry-run) and single files (download)     */

typedef enum {
	HFGIT_FILE_GIT = 0,   /* an ordinary file: its content came with the git objects */
	HFGIT_FILE_STORED,    /* LFS content already in hfgit's store */
	HFGIT_FILE_LOCAL,     /* LFS content elsewhere on the machine (huggingface_hub cache, a
	                       * reference): taken after its SHA-256 matched, not downloaded */
	HFGIT_FILE_DOWNLOAD,  /* LFS content a clone would download */
	HFGIT_FILE_SKIPPED,   /* LFS content left out by the selection: the pointer is kept */
} hfgit_file_source;

typedef struct {
	const char *path;         /* relative to the repository, '/'-separated */
	unsigned long long size;  /* the content's size (an LFS file's object, not the pointer) */
	int lfs;                  /* Git LFS content */
	const char *oid;          /* LFS: the SHA-256 object id; else the git blob id */
	int executable;
	int symlink;
	hfgit_file_source source; /* where a clone with the given options gets the content */
} hfgit_repo_file;

typedef struct hfgit_file_list hfgit_file_list;

/*
 * Every file of the revision of `id`, in tree order, from a depth-1 fetch of the git objects
 * only (no LFS bytes move; nothing at all when the cache has the commit). `opts` (may be NULL)
 * is what a clone would be given: its selection, references and huggingface_hub cache decide
 * each file's `source`, so the list is also the dry run of that clone. `resolved` (may be
 * NULL) receives the revision.
 */
HFGIT_EXTERN int hfgit_list_files(hfgit_file_list **out, hfgit_resolved **resolved,
                                  hfgit_ctx *ctx, const hfgit_model_id *id,
                                  const hfgit_clone_options *opts);
HFGIT_EXTERN size_t hfgit_file_list_count(const hfgit_file_list *list);
HFGIT_EXTERN const hfgit_repo_file *hfgit_file_list_get(const hfgit_file_list *list, size_t i);
HFGIT_EXTERN void hfgit_file_list_free(hfgit_file_list *list);

/*
 * Only the files `paths` (repository paths) of the revision of `id`, into `dir` (created as
 * needed) under their repository paths, like huggingface_hub's `hf download --local-dir`:
 * LFS content through the store (verified, reused from the machine when there, downloaded
 * only when missing, shared with `opts->link`), other files from the git objects. Each file
 * appears by rename(2); an existing one is replaced. A path that is not a file of the
 * revision is an HFGIT_ENOTFOUND error before anything is written. `opts` may be NULL; its
 * selection is ignored (the paths are the selection).
 */
HFGIT_EXTERN int hfgit_download(hfgit_resolved **out, hfgit_ctx *ctx, const hfgit_model_id *id,
                                const char *dir, const char *const *paths, size_t count,
                                const hfgit_clone_options *opts);

/* ---------------------------------------------------------------------------------------- */
/* Export into the huggingface_hub cache                                                      */

/*
 * The huggingface_hub cache directory: `override`, else $HF_HUB_CACHE (or the older
 * $HUGGINGFACE_HUB_CACHE), else $HF_HOME/hub, else $XDG_CACHE_HOME/huggingface/hub, else
 * ~/.cache/huggingface/hub, as huggingface_hub decides it; absolute, '~' expanded. free() it.
 */
HFGIT_EXTERN int hfgit_hf_cache_dir(char **out, const char *override);

typedef struct {
	size_t files;            /* files in the snapshot */
	size_t lfs_files;        /* of which LFS content */
	size_t blobs_linked;     /* LFS blobs made hard links to objects of hfgit's LFS store */
	size_t blobs_copied;     /* LFS blobs copied: the hub cache is on another file system */
	size_t blobs_written;    /* other blobs written from the git objects */
	size_t blobs_kept;       /* blobs already in place, left as they were */
	size_t links_made;       /* snapshot symlinks created or corrected */
	int ref_written;         /* refs/<revision> created or changed */
	unsigned long long lfs_bytes_fetched; /* LFS bytes downloaded first: not in the cache yet */
} hfgit_export_stats;

typedef struct {
	unsigned int version;
	/* The huggingface_hub cache; NULL: see hfgit_hf_cache_dir. */
	const char *hf_cache_dir;
	/* Export this revision of `id` (what hfgit_clone or hfgit_resolve gave for the same id)
	 * instead of resolving it again: after a clone, no network at all. */
	const hfgit_resolved *resolved;
	/* Which LFS files the snapshot gets, with hfgit_clone_options' rules; LFS files left out
	 * are absent from the snapshot (as with huggingface_hub's ignore_patterns), never pointers. */
	const char *const *lfs_include;
	size_t lfs_include_count;
	const char *const *lfs_exclude;
	size_t lfs_exclude_count;
	int no_lfs;
	unsigned int jobs;       /* parallel downloads of missing LFS objects; 0: 8 */
	hfgit_progress_cb progress;
	void *payload;
	hfgit_export_stats *stats; /* filled when not NULL */
} hfgit_export_options;

#define HFGIT_EXPORT_OPTIONS_VERSION 1
#define HFGIT_EXPORT_OPTIONS_INIT { HFGIT_EXPORT_OPTIONS_VERSION }

typedef struct hfgit_hf_export hfgit_hf_export;

/*
 * Publish the revision of `id` into the huggingface_hub cache, so that huggingface_hub,
 * transformers and llama.cpp find it offline without downloading it again:
 *
 *     <hub cache>/models--<namespace>--<name>/     (datasets--..., spaces--...)
 *         blobs/<sha256>          an LFS file: a hard link to the verified object in hfgit's
 *                                 LFS store (a copy when on another file system)
 *         blobs/<git blob id>     any other file, written from the git object
 *         snapshots/<commit>/<path> -> ../../blobs/<name>   relative symlinks
 *         refs/<revision>         the commit hash (no newline), for a branch, tag, refs/pr/N or
 *                                 abbreviated hash as given; for the default branch, its name
 *                                 ("main"); none for a full hash
 *
 * Every file appears by rename(2), blobs and symlinks before the ref, so a reader never sees a
 * partial file or a ref to an incomplete snapshot; running it again changes nothing. What the
 * cache holds is used as is (offline too); a commit or LFS object it lacks is fetched as
 * hfgit_clone would, or is an HFGIT_EOFFLINE error offline. `out` (may be NULL) receives where
 * it went.
 */
HFGIT_EXTERN int hfgit_export_hf_cache(hfgit_hf_export **out, hfgit_ctx *ctx,
                                       const hfgit_model_id *id, const hfgit_export_options *opts);
HFGIT_EXTERN const char *hfgit_hf_export_commit(const hfgit_hf_export *e);   /* 40 hex */
/* The ref written as refs/<this> ("main", "v1.0", "refs/pr/1"), or NULL when none. */
HFGIT_EXTERN const char *hfgit_hf_export_ref(const hfgit_hf_export *e);
/* <hub cache>/models--<namespace>--<name> */
HFGIT_EXTERN const char *hfgit_hf_export_repo_dir(const hfgit_hf_export *e);
/* <repo dir>/snapshots/<commit>: what from_pretrained(..., local_files_only=True) reads. */
HFGIT_EXTERN const char *hfgit_hf_export_snapshot_dir(const hfgit_hf_export *e);
/* As hfgit_resolved_cached_at: offline, when the refs a branch or tag came from were
 * advertised; 0 when resolved online or by hash. */
HFGIT_EXTERN long long hfgit_hf_export_cached_at(const hfgit_hf_export *e);
HFGIT_EXTERN void hfgit_hf_export_free(hfgit_hf_export *e);

/* ---------------------------------------------------------------------------------------- */
/* What the cache holds (hfgit ls)                                                            */

typedef struct {
	const char *name;   /* "main", "v1.0", "refs/pr/1", or the commit for one fetched by hash */
	const char *ref;    /* the store's ref: "refs/heads/main" */
	hfgit_rev_kind kind;
	const char *commit; /* 40 hex; annotated tags peeled */
} hfgit_cached_revision;

typedef struct {
	const char *id;           /* "org/name", "datasets/org/name", "gpt2" */
	hfgit_repo_type type;
	const char *endpoint;     /* the cache's name for the hub: "huggingface.co", "127.0.0.1_8080" */
	const char *path;         /* the store: the bare repository in the cache */
	/* Bytes on disk (allocated blocks, as du counts them; a hard-linked file once): */
	unsigned long long repo_size;  /* the store repository */
	unsigned long long lfs_size;   /* the LFS objects its revisions refer to that the cache holds */
	unsigned long long size;       /* both */
	size_t lfs_objects;            /* how many such objects */
	long long last_used;      /* Unix time of the last clone, resolve or export; 0: never recorded */
	size_t revisions;
} hfgit_cached_model;

typedef struct hfgit_cached_models hfgit_cached_models;

/*
 * Every repository in the context's cache (all endpoints), sorted by endpoint then id, with the
 * revisions (refs) its store holds. Reads only, never the network. The LFS objects of a store
 * are those any blob of its refs' trees points at (as `hfgit gc` keeps them).
 */
HFGIT_EXTERN int hfgit_cache_list(hfgit_cached_models **out, hfgit_ctx *ctx);
HFGIT_EXTERN size_t hfgit_cached_models_count(const hfgit_cached_models *list);
HFGIT_EXTERN const hfgit_cached_model *hfgit_cached_models_get(const hfgit_cached_models *list,
                                                               size_t i);
/* The revisions of model i: branches, tags, other refs, then commits fetched by hash. */
HFGIT_EXTERN const hfgit_cached_revision *hfgit_cached_models_revision(
	const hfgit_cached_models *list, size_t i, size_t j);
/* Bytes on disk of everything listed, an LFS object shared by several models counted once. */
HFGIT_EXTERN unsigned long long hfgit_cached_models_total_size(const hfgit_cached_models *list);
HFGIT_EXTERN void hfgit_cached_models_free(hfgit_cached_models *list);

/*
 * Remove cached revisions of `id`: with a revision in `id`, the refs of the cache repository
 * that name it (a branch, tag or ref by name; a commit fetched by hash by its hash or a
 * prefix of it); without one, the whole cache repository. LFS objects that only those
 * revisions used are removed by the next hfgit_gc. `removed` (may be NULL) receives how many
 * revisions went. HFGIT_ENOTFOUND when the cache has no such model or revision.
 */
HFGIT_EXTERN int hfgit_cache_remove(size_t *removed, hfgit_ctx *ctx, const hfgit_model_id *id);

/* ---------------------------------------------------------------------------------------- */
/* Keeping the cache healthy: verify and gc                                                  */

typedef enum {
	HFGIT_DAMAGE_CONTENT = 1, /* the bytes do not hash (SHA-256) to the LFS object id */
	HFGIT_DAMAGE_SIZE,        /* not the size the LFS pointer gives */
	HFGIT_DAMAGE_MISSING,     /* a checkout's LFS file is gone */
	HFGIT_DAMAGE_UNREADABLE,  /* cannot be read (permissions, I/O error, not a regular file) */
} hfgit_damage;

typedef struct {
	hfgit_damage damage;
	int in_checkout;      /* 1: a file of a checkout's working tree; 0: an object of the store */
	const char *path;     /* the damaged file, absolute */
	const char *oid;      /* the LFS object id its content should hash to */
	/* For a store object, a file that uses it: the working-tree path (hfgit_verify_checkout)
	 * or "<path> (<ref>)" of a cached revision (hfgit_verify_model); NULL when not known. */
	const char *used_by;
	/* A damaged store object is moved aside, to <store>/damaged/<oid>, so that the next clone
	 * finds it missing and downloads it again instead of using it (hard links in checkouts
	 * keep their own copy of the damage: those are reported as checkout files). NULL for a
	 * checkout file, or when it could not be moved (`message` says why). */
	const char *moved_to;
	const char *message;  /* what is wrong and what to do, in one line */
} hfgit_verify_problem;

typedef struct hfgit_verify_report hfgit_verify_report;

typedef struct {
	unsigned int version;
	/* SHA-256 of every file against its object id, instead of the XXH3-64 digest recorded in
	 * <store>/xxh3.log when the object was downloaded (tens of times faster). Without a
	 * recorded digest, or when the XXH3 check fails, SHA-256 decides anyway: only content
	 * that does not hash to its oid is ever reported as damaged. */
	int deep;
	hfgit_progress_cb progress; /* stage HFGIT_STAGE_VERIFY: files and bytes checked */
	void *payload;
} hfgit_verify_options;

#define HFGIT_VERIFY_OPTIONS_VERSION 1
#define HFGIT_VERIFY_OPTIONS_INIT { HFGIT_VERIFY_OPTIONS_VERSION }

/*
 * Check every object of the context's LFS store (<cache>/lfs/objects). A verify returns 0 when
 * it could look, whatever it found: the report lists the damage. Objects found with no
 * recorded digest get one once SHA-256 confirmed them, so the next fast check covers them.
 */
HFGIT_EXTERN int hfgit_verify_store(hfgit_verify_report **out, hfgit_ctx *ctx,
                                    const hfgit_verify_options *opts);

/*
 * Check the store objects that the cached revisions of `id` use: the LFS files (as a checkout
 * sees them) in the trees of every ref of its cache repository, or with a revision in `id`
 * only that one (resolved from the cache, never the network). HFGIT_ENOTFOUND when the model
 * is not in the cache.
 */
HFGIT_EXTERN int hfgit_verify_model(hfgit_verify_report **out, hfgit_ctx *ctx,
                                    const hfgit_model_id *id, const hfgit_verify_options *opts);

/*
 * Check a checkout at `dir`: each LFS file in its index (the blob is a pointer, the attributes
 * say filter=lfs, and the working tree has content rather than the pointer text) against its
 * object id, and the store objects these files use (the store is the checkout's lfs.storage,
 * else .git/lfs as git-lfs keeps it). A file that shares its inode with the store object (a
 * hard link) is read once.
 */
HFGIT_EXTERN int hfgit_verify_checkout(hfgit_verify_report **out, hfgit_ctx *ctx,
                                       const char *dir, const hfgit_verify_options *opts);

HFGIT_EXTERN size_t hfgit_verify_report_problem_count(const hfgit_verify_report *r);
HFGIT_EXTERN const hfgit_verify_problem *hfgit_verify_report_problem(const hfgit_verify_report *r,
                                                                     size_t i);
/* Files checked (store objects and working-tree files) and their bytes. */
HFGIT_EXTERN size_t hfgit_verify_report_files(const hfgit_verify_report *r);
HFGIT_EXTERN unsigned long long hfgit_verify_report_bytes(const hfgit_verify_report *r);
/* Objects a revision or checkout refers to that the store does not hold (never downloaded,
 * left out with --include or --exclude, or removed by gc): not damage. */
HFGIT_EXTERN size_t hfgit_verify_report_absent(const hfgit_verify_report *r);
HFGIT_EXTERN void hfgit_verify_report_free(hfgit_verify_report *r);

typedef enum {
	HFGIT_GC_OBJECT,   /* an LFS object no cached revision and no registered checkout uses */
	HFGIT_GC_PARTIAL,  /* a partial download untouched for a day that no process is fetching */
	HFGIT_GC_DAMAGED,  /* a damaged object that a verify moved aside */
} hfgit_gc_kind;

typedef struct {
	hfgit_gc_kind kind;
	const char *path;   /* absolute */
	const char *oid;
	unsigned long long size;
	/* Other hard links to it remain (a checkout's file): removing it frees no space yet. */
	int linked;
} hfgit_gc_item;

typedef struct hfgit_gc_report hfgit_gc_report;

typedef struct {
	unsigned int version;
	int dry_run;        /* only report what would be removed */
} hfgit_gc_options;

#define HFGIT_GC_OPTIONS_VERSION 1
#define HFGIT_GC_OPTIONS_INIT { HFGIT_GC_OPTIONS_VERSION }

/*
 * Remove from the LFS store what nothing needs: objects that no ref of any cache repository
 * (<cache>/repos) and no registered checkout (each successful clone registers its directory;
 * directories that are gone or no longer such a checkout are forgotten here) refers to,
 * partial downloads older than a day that no process holds the lock of, and objects moved
 * aside by verify. Run it when no clone is running: a clone that starts to use an object gc
 * is removing fails and can simply be run again.
 */
HFGIT_EXTERN int hfgit_gc(hfgit_gc_report **out, hfgit_ctx *ctx, const hfgit_gc_options *opts);
/* What was removed (or would be), objects sorted by oid, then partial and damaged files. */
HFGIT_EXTERN size_t hfgit_gc_report_count(const hfgit_gc_report *r);
HFGIT_EXTERN const hfgit_gc_item *hfgit_gc_report_item(const hfgit_gc_report *r, size_t i);
HFGIT_EXTERN unsigned long long hfgit_gc_report_bytes(const hfgit_gc_report *r);
/* The objects kept and their bytes; the cache repositories and checkouts that needed them. */
HFGIT_EXTERN size_t hfgit_gc_report_kept(const hfgit_gc_report *r);
HFGIT_EXTERN unsigned long long hfgit_gc_report_kept_bytes(const hfgit_gc_report *r);
HFGIT_EXTERN size_t hfgit_gc_report_repositories(const hfgit_gc_report *r);
HFGIT_EXTERN size_t hfgit_gc_report_checkouts(const hfgit_gc_report *r);
HFGIT_EXTERN void hfgit_gc_report_free(hfgit_gc_report *r);

/*
 * Bring the checkout at `dir` (an hfgit clone of a branch) to the branch's current tip: a
 * depth-1 fetch, only the LFS objects that changed downloaded, working tree and index updated,
 * the branch and origin/<branch> moved. A checkout with local changes to tracked files is
 * refused (HFGIT_EEXISTS); one on a tag, a hash or a pull request is HFGIT_EINVALID. `out`
 * (may be NULL) receives what the branch resolved to; when that is HEAD already, nothing
 * changes. The options' LFS fields (include, exclude, no_lfs, jobs, link) apply as for clone.
 */
HFGIT_EXTERN int hfgit_update(hfgit_resolved **out, hfgit_ctx *ctx, const char *dir,
                              const hfgit_clone_options *opts);

/* ---------------------------------------------------------------------------------------- */
/* Lockfiles: a set of model revisions pinned to exact bytes                                  */

/*
 * A lockfile records, for each model spec, the commit its revision resolved to and every file
 * of that commit's tree (path, mode, git blob id; oid and size for LFS content), so that
 * hfgit_lock_sync can bring back exactly those bytes on any machine, years later, whatever the
 * tags and branches say by then. The text format ("# hfgit lockfile v1") is described in the
 * README and in lib/lock/format.c.
 */
typedef struct hfgit_lock hfgit_lock;

typedef struct {
	const char *path;         /* '/'-separated, relative to the top of the tree */
	unsigned int mode;        /* git's: 0100644, 0100755 (executable), 0120000 (symlink) */
	char blob[41];            /* the git blob id, 40 hex */
	int lfs;                  /* 1: Git LFS content (a checkout gets the object's bytes) */
	char lfs_oid[65];         /* the LFS object's sha256, 64 hex; "" for a git file */
	unsigned long long size;  /* the LFS object's size; 0 for a git file */
	size_t line;              /* its line in the lockfile; 0 when not read from one */
} hfgit_lock_file;

typedef struct {
	const char *spec;         /* as written: "bert-base-uncased@v2.0.1" */
	const char *id;           /* the repository after the hub's redirects:
	                           * "google-bert/bert-base-uncased" */
	const char *revision;     /* as asked; NULL: the default branch */
	hfgit_rev_kind kind;
	const char *ref;          /* the full ref name ("refs/tags/v2.0.1"); NULL for a hash */
	char commit[41];
	char tree[41];
	size_t file_count;
	size_t line;              /* where the entry starts in the lockfile; 0: not read */
	/* The directory name `hfgit sync --dir` gives the entry: the model's name, made unique
	 * within the lock ("bert-base-uncased", else "google-bert--bert-base-uncased", else with
	 * "@<revision>"). */
	const char *name;
} hfgit_lock_entry;

typedef struct {
	unsigned int version;
	hfgit_progress_cb progress; /* resolution and fetches of the specs' commits */
	void *payload;
} hfgit_lock_options;

#define HFGIT_LOCK_OPTIONS_VERSION 1
#define HFGIT_LOCK_OPTIONS_INIT { HFGIT_LOCK_OPTIONS_VERSION }

/*
 * Resolve each of `specs` ("ID[@REV]") through the hub (or, offline, the cache) and record
 * its commit and tree: the commit's git objects are fetched into the cache (no LFS content:
 * the pointers give oid and size). Entries are sorted by spec, files by path; a spec given
 * twice is one entry.
 */
HFGIT_EXTERN int hfgit_lock_create(hfgit_lock **out, hfgit_ctx *ctx, const char *const *specs,
                                   size_t count, const hfgit_lock_options *opts);

/*
 * Parse a lockfile strictly: an unknown version, a missing or malformed field, files out of
 * order, a path that leaves the tree are HFGIT_EINVALID errors that say "<name>:<line>: ...".
 * `name` (NULL: "lockfile") is only used in messages.
 */
HFGIT_EXTERN int hfgit_lock_parse(hfgit_lock **out, const char *text, size_t len,
                                  const char *name);
/* Read and parse the lockfile at `path`. */
HFGIT_EXTERN int hfgit_lock_read(hfgit_lock **out, const char *path);
/* The lockfile's text: what hfgit_lock_write writes. free() it. */
HFGIT_EXTERN int hfgit_lock_format(char **out, size_t *len, const hfgit_lock *lock);
/* Write the lockfile to `path` atomically (a temporary file renamed over it). */
HFGIT_EXTERN int hfgit_lock_write(const hfgit_lock *lock, const char *path);
HFGIT_EXTERN void hfgit_lock_free(hfgit_lock *lock);

HFGIT_EXTERN size_t hfgit_lock_count(const hfgit_lock *lock);
HFGIT_EXTERN const hfgit_lock_entry *hfgit_lock_entry_at(const hfgit_lock *lock, size_t i);
HFGIT_EXTERN const hfgit_lock_file *hfgit_lock_file_at(const hfgit_lock *lock, size_t i,
                                                       size_t j);

/*
 * The entry that `spec` ("ID[@REV]") names: ID is the entry's id or the id of its spec
 * (before redirects); REV, when given, is the revision the entry asked for or a prefix (4 hex
 * digits or more) of its commit. Without REV, the one entry of that id. HFGIT_ENOTFOUND when
 * the lock has none (not an error for callers that fall back to resolving), HFGIT_EAMBIGUOUS
 * when ID alone names several entries. This is what `--lock FILE` of the commands uses:
 *
 *     const hfgit_lock_entry *e;
 *     if (lock && hfgit_lock_lookup(&e, lock, spec) == 0)
 *         ... use e->id "@" e->commit instead of spec ...
 */
HFGIT_EXTERN int hfgit_lock_lookup(const hfgit_lock_entry **out, const hfgit_lock *lock,
                                   const char *spec);

/* How an entry compares with the hub now. */
typedef enum {
	HFGIT_LOCK_UNCHANGED = 0, /* the revision still names the locked commit */
	HFGIT_LOCK_MOVED,         /* the branch or tag now names another commit */
	HFGIT_LOCK_RENAMED,       /* the repository redirects to another id */
	HFGIT_LOCK_GONE,          /* the repository, the ref or the locked commit is gone */
} hfgit_lock_state;

/* "unchanged", "moved", "renamed", "gone". */
HFGIT_EXTERN const char *hfgit_lock_state_name(hfgit_lock_state state);

typedef struct {
	const hfgit_lock_entry *entry;
	hfgit_lock_state state;   /* the worst that applies: gone, renamed, moved, unchanged */
	const char *moved_to;     /* the commit the revision names now, when it moved; else NULL */
	const char *renamed_to;   /* the id the repository redirects to now; else NULL */
	int hub_has_commit;       /* 1: the hub still serves the locked commit; -1: not known */
	int cache_has_commit;     /* 1: the cache holds the locked commit */
	const char *dir;          /* hfgit_lock_sync: the checkout made or found; else NULL */
	int reused;               /* hfgit_lock_sync: `dir` was there already and verified */
	const char *message;      /* one line for people, NULL when unchanged */
} hfgit_lock_status;

typedef struct hfgit_lock_report hfgit_lock_report;

HFGIT_EXTERN size_t hfgit_lock_report_count(const hfgit_lock_report *r);
HFGIT_EXTERN const hfgit_lock_status *hfgit_lock_report_at(const hfgit_lock_report *r, size_t i);
/* Entries not HFGIT_LOCK_UNCHANGED. */
HFGIT_EXTERN size_t hfgit_lock_report_drifted(const hfgit_lock_report *r);
HFGIT_EXTERN void hfgit_lock_report_free(hfgit_lock_report *r);

/*
 * Compare every entry with the hub: is the repository where it was, does the revision still
 * name the locked commit, does the hub still have that commit. Needs the network
 * (HFGIT_EOFFLINE offline). Returns 0 when it could look, whatever it found.
 */
HFGIT_EXTERN int hfgit_lock_check(hfgit_lock_report **out, hfgit_ctx *ctx,
                                  const hfgit_lock *lock);

typedef struct {
	unsigned int version;
	/* NULL: each entry into the cache, as <cache>/checkouts/<id>/<commit> (the checkout
	 * hfgit_model_from_pretrained uses); else also a checkout at <dir>/<entry name>. */
	const char *dir;
	hfgit_progress_cb progress;
	void *payload;
	unsigned int jobs;        /* parallel LFS downloads; 0: 8 */
	hfgit_link_mode link;
	/* 1: SHA-256 of every LFS file. 0: a file whose XXH3-64 is the digest recorded when the
	 * object of its oid was downloaded and SHA-256-verified passes without SHA-256 (as
	 * hfgit_verify_options.deep = 0 does; any doubt goes to SHA-256). */
	int deep;
} hfgit_sync_options;

#define HFGIT_SYNC_OPTIONS_VERSION 1
#define HFGIT_SYNC_OPTIONS_INIT { HFGIT_SYNC_OPTIONS_VERSION }

/*
 * Bring every entry back at its locked commit, never at what its ref says now: the commit
 * into the cache (from the hub, or from the cache alone offline), a checkout made from it,
 * and every file of the checkout verified against the lock (git blob ids for git files,
 * size and SHA-256 for LFS content, see `deep`) before it gets its final name. Online, each
 * entry is compared with the hub as hfgit_lock_check does: a moved branch or tag is drift (in the
 * report) and the locked commit is used; a locked commit the hub no longer has is an
 * HFGIT_ENOTFOUND error that says whether the cache still holds it. A checkout that fails
 * leaves nothing at its final path. `out` (may be NULL) receives the report, also on failure
 * (with the entries done so far).
 */
HFGIT_EXTERN int hfgit_lock_sync(hfgit_lock_report **out, hfgit_ctx *ctx, const hfgit_lock *lock,
                                 const hfgit_sync_options *opts);

/* ---------------------------------------------------------------------------------------- */
/* Models: config.json + weights -> an architecture with every parameter bound and checked   */

/*
 * The C side of transformers' AutoModel.from_pretrained: config.json names the architecture
 * (architectures[0] first, then model_type), the Auto class asked for picks the head, and the
 * weights (model.safetensors, sharded safetensors, or pytorch_model.bin) are bound to the
 * parameters the config implies, by name, with shapes checked. Nothing from the repository is
 * ever executed: auto_map (custom Python code) is reported, not run.
 *
 *     hfgit_model_options opts = HFGIT_MODEL_OPTIONS_INIT;
 *     hfgit_model *m;
 *
 *     opts.auto_class = HFGIT_AUTO_SEQ_CLS;
 *     if (hfgit_model_from_pretrained(&m, ctx,
 *             "distilbert-base-uncased-finetuned-sst-2-english@f1b5512", &opts) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 *     ... hfgit_model_param_find(m, "classifier.weight")->data ...
 *     hfgit_model_free(m);
 */

typedef struct hfgit_model hfgit_model;
typedef struct hfgit_config hfgit_config;
typedef struct hfgit_binder hfgit_binder;

/* The Auto class asked for. */
typedef enum {
	HFGIT_AUTO_CONFIG = 0,  /* the class config.json's architectures[0] names when hfgit builds
	                         * it, else the architecture's base model */
	HFGIT_AUTO_BASE,        /* AutoModel */
	HFGIT_AUTO_SEQ_CLS,     /* AutoModelForSequenceClassification */
	HFGIT_AUTO_CAUSAL_LM,   /* AutoModelForCausalLM */
	HFGIT_AUTO_IMAGE_CLS,   /* AutoModelForImageClassification */
	HFGIT_AUTO_COUNT_
} hfgit_auto_class;

/* "config", "base", "seq-cls", "causal-lm", "image-cls" (the CLI's spelling); NULL when out of range. */
HFGIT_EXTERN const char *hfgit_auto_class_name(hfgit_auto_class auto_class);
/* transformers' name: "AutoModel", "AutoModelForSequenceClassification", ... */
HFGIT_EXTERN const char *hfgit_auto_class_transformers_name(hfgit_auto_class auto_class);

typedef enum {
	HFGIT_WEIGHTS_ANY = 0,     /* model.safetensors, else model.safetensors.index.json (shards),
	                            * else pytorch_model.bin, as transformers prefers them */
	HFGIT_WEIGHTS_SAFETENSORS, /* only safetensors (single or sharded) */
	HFGIT_WEIGHTS_PYTORCH,     /* only pytorch_model.bin (or its sharded index) */
} hfgit_weights_format;

typedef struct {
	unsigned int version;
	hfgit_auto_class auto_class;
	hfgit_weights_format format;
	/* 1: return the model even when the load report has errors (missing parameters, shape
	 * mismatches), so that they can be inspected; such parameters have data NULL. 0: those
	 * errors fail the load with a message that names them. */
	int allow_errors;
	/* For an id: how to clone it (progress, LFS patterns, jobs); NULL: the defaults. */
	const hfgit_clone_options *clone;
	/* An id this lock has an entry for (hfgit_lock_lookup) loads at the locked commit,
	 * whatever its revision names now; NULL: none. */
	const hfgit_lock *lock;
} hfgit_model_options;

#define HFGIT_MODEL_OPTIONS_VERSION 1
#define HFGIT_MODEL_OPTIONS_INIT { HFGIT_MODEL_OPTIONS_VERSION }

/*
 * Instantiate a model from `id_or_dir`: an existing directory is loaded as it is (a checkout,
 * a save_pretrained output); anything else is a model id[@revision], cloned (with its LFS
 * weights) into <cache>/checkouts/<repo>/<commit> through hfgit_clone, or reused from there
 * when that commit was checked out before (a full hash then needs no network at all). `ctx`
 * may be NULL for a directory. `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_model_from_pretrained(hfgit_model **out, hfgit_ctx *ctx,
                                             const char *id_or_dir,
                                             const hfgit_model_options *opts);
HFGIT_EXTERN void hfgit_model_free(hfgit_model *model);

/* The directory the model was loaded from (the checkout for an id). */
HFGIT_EXTERN const char *hfgit_model_dir(const hfgit_model *model);
/* The commit checked out for an id (40 hex); NULL when loaded from a directory. */
HFGIT_EXTERN const char *hfgit_model_commit(const hfgit_model *model);

/* The class built ("DistilBertForSequenceClassification"), its architecture's model_type
 * ("distilbert") and why it was chosen, in a sentence ("architectures[0] in config.json is
 * ... "). */
HFGIT_EXTERN const char *hfgit_model_class(const hfgit_model *model);
HFGIT_EXTERN const char *hfgit_model_model_type(const hfgit_model *model);
HFGIT_EXTERN const char *hfgit_model_class_reason(const hfgit_model *model);
HFGIT_EXTERN hfgit_auto_class hfgit_model_auto_class(const hfgit_model *model);

/* The config the model was built from; valid as long as the model. */
HFGIT_EXTERN const hfgit_config *hfgit_model_config(const hfgit_model *model);

/* Where the weights came from: "safetensors" or "pytorch", and the files (names relative to
 * the model directory, shards in order). */
HFGIT_EXTERN const char *hfgit_model_weights_format(const hfgit_model *model);
HFGIT_EXTERN size_t hfgit_model_weights_file_count(const hfgit_model *model);
HFGIT_EXTERN const char *hfgit_model_weights_file(const hfgit_model *model, size_t i);

/* --- Parameters ------------------------------------------------------------------------- */

#define HFGIT_PARAM_MAX_DIMS 8

enum {
	HFGIT_PARAM_TIED = 1u << 0,   /* shares its data with `tied_to` (GPT-2's lm_head) */
	HFGIT_PARAM_NEW = 1u << 1,    /* not in the checkpoint: zero-filled, to be trained (a head
	                               * on a base checkpoint); the report warns about it */
	HFGIT_PARAM_COPIED = 1u << 2, /* copied out of the file to be contiguous and aligned */
	HFGIT_PARAM_IN_OUT = 1u << 3, /* stored (in, out), as GPT-2's Conv1D: y = x W + b */
	HFGIT_PARAM_BROKEN = 1u << 4, /* missing or of the wrong shape or dtype: data is NULL
	                               * (only with allow_errors) */
};

typedef struct {
	const char *name;   /* in the built class: "bert.encoder.layer.0.attention.self.query.weight" */
	const char *source; /* the checkpoint key it was read from ("...LayerNorm.gamma"); NULL
	                     * for a new or tied parameter */
	const char *tied_to; /* the parameter whose data it shares, or NULL */
	const char *dtype;  /* safetensors' spelling: "F32", "F16", "BF16", "F64" */
	size_t itemsize;    /* bytes per element */
	size_t ndim;
	long long shape[HFGIT_PARAM_MAX_DIMS];
	size_t numel;
	/* Row-major, contiguous, little-endian, aligned to itemsize; read-only (usually the
	 * mapped file itself); valid as long as the model. NULL only when numel is 0 or the
	 * parameter is HFGIT_PARAM_BROKEN. */
	const void *data;
	size_t nbytes;
	unsigned int flags; /* HFGIT_PARAM_* */
} hfgit_param;

/* Parameters in the class's order (that of its state_dict()). */
HFGIT_EXTERN size_t hfgit_model_param_count(const hfgit_model *model);
HFGIT_EXTERN const hfgit_param *hfgit_model_param_at(const hfgit_model *model, size_t i);
/* The parameter called `name`, or NULL. */
HFGIT_EXTERN const hfgit_param *hfgit_model_param_find(const hfgit_model *model, const char *name);

typedef struct {
	unsigned long long parameters;   /* elements of distinct parameters (tied ones once), as
	                                  * transformers' num_parameters() counts them */
	unsigned long long param_bytes;  /* their bytes */
	size_t tensors;                  /* entries in the parameter table */
	unsigned long long mapped_bytes; /* weight files mapped read-only: page cache, shared */
	unsigned long long heap_bytes;   /* memory of our own: legacy storages, tensors copied to
	                                  * be contiguous or aligned, zero-filled new heads */
	const char *dtypes;              /* the parameters' dtypes: "F32", or "F16+F32" */
} hfgit_model_usage;

HFGIT_EXTERN int hfgit_model_usage_get(hfgit_model_usage *out, const hfgit_model *model);

/* --- The load report: what did not fit, by name ---------------------------------------- */

typedef enum {
	HFGIT_SEVERITY_INFO,
	HFGIT_SEVERITY_WARNING,
	HFGIT_SEVERITY_ERROR,
} hfgit_severity;

typedef enum {
	HFGIT_ISSUE_MISSING,     /* error: the class needs it, the checkpoint lacks it */
	HFGIT_ISSUE_NEW,         /* warning: a head (or pooler) the checkpoint lacks: zero-filled */
	HFGIT_ISSUE_SHAPE,       /* error: the checkpoint's shape is not the one the config implies */
	HFGIT_ISSUE_DTYPE,       /* error: not a floating-point tensor */
	HFGIT_ISSUE_UNEXPECTED,  /* warning: a checkpoint tensor the class does not use */
	HFGIT_ISSUE_BUFFER,      /* info: a buffer (position_ids, attn.bias), not a parameter */
	HFGIT_ISSUE_RENAMED,     /* info: a legacy name (LayerNorm.gamma/beta) read as weight/bias */
	HFGIT_ISSUE_CUSTOM_CODE, /* info: config.json's auto_map names Python code; never run */
} hfgit_issue_kind;

typedef struct {
	hfgit_issue_kind kind;
	hfgit_severity severity;
	const char *name;    /* the parameter or checkpoint key concerned; NULL if none */
	const char *message; /* one sentence */
} hfgit_load_issue;

/* "missing", "new", "shape", "dtype", "unexpected", "buffer", "renamed", "custom-code". */
HFGIT_EXTERN const char *hfgit_issue_kind_name(hfgit_issue_kind kind);
/* "info", "warning", "error". */
HFGIT_EXTERN const char *hfgit_severity_name(hfgit_severity severity);

/* Issues in the order found: errors and warnings by parameter order, then unexpected keys. */
HFGIT_EXTERN size_t hfgit_model_issue_count(const hfgit_model *model);
HFGIT_EXTERN const hfgit_load_issue *hfgit_model_issue_at(const hfgit_model *model, size_t i);
/* How many issues have `severity`. */
HFGIT_EXTERN size_t hfgit_model_issue_total(const hfgit_model *model, hfgit_severity severity);

/* --- Config: config.json, typed -------------------------------------------------------- */

/* The path of the config.json read. */
HFGIT_EXTERN const char *hfgit_config_path(const hfgit_config *cfg);
/* model_type, or NULL when config.json has none. */
HFGIT_EXTERN const char *hfgit_config_model_type(const hfgit_config *cfg);
HFGIT_EXTERN size_t hfgit_config_architecture_count(const hfgit_config *cfg);
HFGIT_EXTERN const char *hfgit_config_architecture(const hfgit_config *cfg, size_t i);
/* torch_dtype ("float32", "bfloat16", ...), or NULL. */
HFGIT_EXTERN const char *hfgit_config_torch_dtype(const hfgit_config *cfg);
/* The labels of id2label by id (num_labels of them; transformers' default is 2: LABEL_0,
 * LABEL_1), and the id of a label from label2id (HFGIT_ENOTFOUND when absent). */
HFGIT_EXTERN size_t hfgit_config_num_labels(const hfgit_config *cfg);
HFGIT_EXTERN const char *hfgit_config_label(const hfgit_config *cfg, size_t id);
HFGIT_EXTERN int hfgit_config_label_id(long long *out, const hfgit_config *cfg, const char *label);
/* auto_map's entries ("AutoModel" -> "modeling_x.XModel"); a list value is joined by ", ". */
HFGIT_EXTERN size_t hfgit_config_auto_map_count(const hfgit_config *cfg);
HFGIT_EXTERN const char *hfgit_config_auto_map_key(const hfgit_config *cfg, size_t i);
HFGIT_EXTERN const char *hfgit_config_auto_map_value(const hfgit_config *cfg, size_t i);

typedef enum {
	HFGIT_VALUE_INT,
	HFGIT_VALUE_FLOAT,
	HFGIT_VALUE_BOOL,
	HFGIT_VALUE_STRING,
} hfgit_value_type;

/* A hyperparameter the architecture read: the key hyperparameters of the model. */
typedef struct {
	const char *name;      /* the common name: "hidden_size", "num_hidden_layers", ... */
	const char *key;       /* the field it came from ("n_embd"), NULL when defaulted */
	hfgit_value_type type;
	long long i;           /* INT and BOOL */
	double f;              /* FLOAT */
	const char *s;         /* STRING */
} hfgit_hparam;

HFGIT_EXTERN size_t hfgit_config_hparam_count(const hfgit_config *cfg);
HFGIT_EXTERN const hfgit_hparam *hfgit_config_hparam_at(const hfgit_config *cfg, size_t i);

/*
 * A value by name: a hyperparameter the architecture read (by its common name: "hidden_size"
 * finds GPT-2's n_embd), else the field of config.json with that name. HFGIT_ENOTFOUND when
 * neither exists (or the field is null), HFGIT_EINVALID when it has another JSON type (an
 * integer is a valid float).
 */
HFGIT_EXTERN int hfgit_config_get_int(long long *out, const hfgit_config *cfg, const char *name);
HFGIT_EXTERN int hfgit_config_get_float(double *out, const hfgit_config *cfg, const char *name);
HFGIT_EXTERN int hfgit_config_get_bool(int *out, const hfgit_config *cfg, const char *name);
HFGIT_EXTERN int hfgit_config_get_string(const char **out, const hfgit_config *cfg,
                                         const char *name);

/* --- Running a model: forward passes and generation -------------------------------------- */

/*
 * The inputs of one forward pass, as transformers' model(**inputs) takes them: a batch of
 * token sequences, all padded to seq_len (attention_mask marks the real tokens), or a batch
 * of images. The arrays are row-major and borrowed for the call.
 *
 *     hfgit_forward_inputs in = HFGIT_FORWARD_INPUTS_INIT;
 *     int64_t ids[] = { 101, 7592, 102 };
 *     hfgit_outputs *out;
 *
 *     in.batch = 1, in.seq_len = 3, in.input_ids = ids;
 *     if (hfgit_model_forward(&out, model, &in) == 0) {
 *         const hfgit_output *h = hfgit_outputs_find(out, "last_hidden_state");
 *         ... h->data[(b * h->shape[1] + t) * h->shape[2] + i] ...
 *         hfgit_outputs_free(out);
 *     }
 */
typedef struct {
	unsigned int version;
	size_t batch;                  /* sequences or images, at least 1 */
	size_t seq_len;                /* tokens per sequence (text models) */
	const int64_t *input_ids;      /* [batch, seq_len] */
	const int64_t *attention_mask; /* [batch, seq_len] of 0 and 1; NULL: all ones */
	const int64_t *token_type_ids; /* [batch, seq_len]; NULL: zeros (BERT, GPT-2) */
	const float *pixel_values;     /* [batch, channels, height, width] (ViT), normalized */
	size_t channels, height, width;
	/* 1: also output "hidden_states.0" (the embeddings) to "hidden_states.<num_layers>", as
	 * transformers' output_hidden_states=True gives them */
	int output_hidden_states;
} hfgit_forward_inputs;

#define HFGIT_FORWARD_INPUTS_VERSION 1
#define HFGIT_FORWARD_INPUTS_INIT { HFGIT_FORWARD_INPUTS_VERSION }

#define HFGIT_OUTPUT_MAX_DIMS 4

/* One named F32 output: "last_hidden_state" [batch, seq, hidden], "pooler_output"
 * [batch, hidden], "logits" [batch, num_labels] or [batch, seq, vocab]. Row-major. Values at
 * padded positions (attention_mask 0) are unspecified, as in transformers. */
typedef struct {
	const char *name;
	size_t ndim;
	long long shape[HFGIT_OUTPUT_MAX_DIMS];
	size_t numel;
	const float *data;
} hfgit_output;

typedef struct hfgit_outputs hfgit_outputs;

/*
 * Run the model on `inputs`. The outputs are those of the class built
 * (hfgit_model_class): BertModel gives last_hidden_state and, when the checkpoint has a pooler,
 * pooler_output; the *ForSequenceClassification and *ForImageClassification classes give
 * logits; GPT2LMHeadModel and the Llama/Mistral/Qwen2 causal LMs give logits for every
 * position. Computation is F32 on the CPU; F16/BF16 weights are converted to F32 once, on the
 * first call (memory: 4 bytes per parameter beside the mapped file), F32 safetensors are used
 * in place; the Llama family reads its F16/BF16 matrices in place, widening them as it goes.
 *
 * Errors (HFGIT_EINVALID) name what is wrong: an id outside the vocabulary, a sequence longer
 * than max_position_embeddings, a mask value other than 0 and 1, an image size other than the
 * config's, and the config fields hfgit does not implement (an unknown activation,
 * position_embedding_type other than "absolute", is_decoder, add_cross_attention).
 *
 * Thread safety: a model may run forward passes from several threads at once (each call has
 * its own workspace); the model must outlive the calls. Each call uses hfgit_compute_threads.
 */
HFGIT_EXTERN int hfgit_model_forward(hfgit_outputs **out, hfgit_model *model,
                                     const hfgit_forward_inputs *inputs);
HFGIT_EXTERN size_t hfgit_outputs_count(const hfgit_outputs *outputs);
HFGIT_EXTERN const hfgit_output *hfgit_outputs_at(const hfgit_outputs *outputs, size_t i);
/* The output called `name`, or NULL. Valid until hfgit_outputs_free. */
HFGIT_EXTERN const hfgit_output *hfgit_outputs_find(const hfgit_outputs *outputs,
                                                    const char *name);
HFGIT_EXTERN void hfgit_outputs_free(hfgit_outputs *outputs);

/* Threads for forward passes (process-wide; 0: the CPUs the process may run on, as
 * sched_getaffinity reports them). Returns the count now in effect. The kernels run on hfgit's
 * own worker threads, which sleep between kernels (OpenMP's spin, which costs much on cores
 * shared with other busy processes); oneDNN runs on one thread inside each. A forward pass
 * sets the calling thread's OpenMP thread count to 1 for its duration and restores it. */
HFGIT_EXTERN int hfgit_compute_threads_set(int threads);

/* Called with each new token of sequence `sequence`; non-zero stops the generation (it then
 * fails with HFGIT_EINTERRUPTED, the tokens so far kept in the result). */
typedef int (*hfgit_token_cb)(size_t sequence, int64_t token, void *payload);

#define HFGIT_EOS_FROM_CONFIG (-1) /* config.json's eos_token_id (none when absent) */
#define HFGIT_EOS_NONE (-2)        /* never stop early */

typedef struct {
	unsigned int version;
	size_t max_new_tokens;  /* at most this many tokens per sequence (default 20) */
	int do_sample;          /* 0: greedy (argmax); 1: sample, after temperature/top_k/top_p */
	float temperature;      /* > 0; default 1 */
	size_t top_k;           /* keep the k most likely tokens; 0: all */
	float top_p;            /* keep the smallest set of tokens with this much probability; 1: all */
	unsigned long long seed; /* of hfgit's own generator (not torch's: samples differ from it) */
	long long eos_token_id; /* stop a sequence at this token; HFGIT_EOS_FROM_CONFIG, _NONE */
	int no_cache;           /* 1: recompute the whole sequence at every step, no KV cache
	                         * (same tokens, slower: for checking) */
	hfgit_token_cb on_token;
	void *payload;
	/* > 1 makes tokens already in the sequence (prompt included) less likely, as
	 * transformers' RepetitionPenaltyLogitsProcessor: their positive logits divided by it,
	 * negative ones multiplied; applied before sampling, greedy or not. 0 or 1: none. */
	float repetition_penalty;
} hfgit_generate_options;

#define HFGIT_GENERATE_OPTIONS_VERSION 1
#define HFGIT_GENERATE_OPTIONS_INIT { HFGIT_GENERATE_OPTIONS_VERSION, 20, 0, 1.0f, 0, 1.0f, 0, \
	HFGIT_EOS_FROM_CONFIG }

typedef struct hfgit_generation hfgit_generation;

/*
 * Fill `opts` (initialized with HFGIT_GENERATE_OPTIONS_INIT) with the defaults the model's
 * generation_config.json sets, as transformers' generate() takes them: do_sample,
 * temperature, top_k (50 when absent, GenerationConfig's default), top_p,
 * repetition_penalty, max_new_tokens. Fields the file lacks keep their values; no file is
 * not an error. The end-of-sequence ids (eos_token_id = HFGIT_EOS_FROM_CONFIG) are read from
 * the same file, an int or a list, at generation, else from config.json.
 */
HFGIT_EXTERN int hfgit_generate_options_from_model(hfgit_generate_options *opts,
                                                   const hfgit_model *model);

/*
 * Continue each sequence of `inputs` (input_ids and, for a batch of different lengths, an
 * attention_mask with the padding on the left, as transformers wants it for generation) with a
 * causal language model (GPT2LMHeadModel, LlamaForCausalLM, MistralForCausalLM,
 * Qwen2ForCausalLM), keeping the keys and values of past tokens (KV cache). A sequence ends
 * at an eos id (included; with HFGIT_EOS_FROM_CONFIG any of generation_config.json's or
 * config.json's) or after max_new_tokens. Same thread
 * safety as hfgit_model_forward.
 */
HFGIT_EXTERN int hfgit_model_generate(hfgit_generation **out, hfgit_model *model,
                                      const hfgit_forward_inputs *inputs,
                                      const hfgit_generate_options *opts);
HFGIT_EXTERN size_t hfgit_generation_count(const hfgit_generation *g);
/* The new tokens of sequence i (the prompt not included) and their number. */
HFGIT_EXTERN const int64_t *hfgit_generation_tokens(const hfgit_generation *g, size_t i,
                                                    size_t *len);
HFGIT_EXTERN void hfgit_generation_free(hfgit_generation *g);

/*
 * Read a numpy .npy file of little-endian float32 in C order (numpy.save of a float32 array)
 * into *data (free() it), its shape into shape[0 .. *ndim). HFGIT_EINVALID, naming the
 * problem, for another dtype, Fortran order, more than max_dims dimensions or a size that
 * does not match the shape.
 */
HFGIT_EXTERN int hfgit_npy_read_f32(float **data, size_t *ndim, long long *shape,
                                    size_t max_dims, const char *path);

/* --- Architectures: descriptors, and registering your own ------------------------------- */

/* Flags of hfgit_config_read_*. */
enum {
	HFGIT_READ_REQUIRED = 1u << 0, /* missing (or null) is an error; else `fallback` is used */
	HFGIT_READ_SIZE = 1u << 1,     /* integers: a size, from 1 to 2^31 - 1 */
};

/*
 * For an architecture's read_config: read field `key` of config.json (NULL: `name`) as the
 * hyperparameter `name`, check its JSON type, and record it (hfgit_config_hparam_at). Errors
 * (HFGIT_EINVALID) name the field and the file. Strings are owned by the config.
 */
HFGIT_EXTERN int hfgit_config_read_int(long long *out, hfgit_config *cfg, const char *name,
                                       const char *key, long long fallback, unsigned int flags);
HFGIT_EXTERN int hfgit_config_read_float(double *out, hfgit_config *cfg, const char *name,
                                         const char *key, double fallback, unsigned int flags);
HFGIT_EXTERN int hfgit_config_read_bool(int *out, hfgit_config *cfg, const char *name,
                                        const char *key, int fallback, unsigned int flags);
HFGIT_EXTERN int hfgit_config_read_string(const char **out, hfgit_config *cfg, const char *name,
                                          const char *key, const char *fallback,
                                          unsigned int flags);
/* An error about field `key` of the config ("<path>: field 'key' <problem>"); returns
 * HFGIT_EINVALID, for checks across fields (hidden_size a multiple of the heads). */
HFGIT_EXTERN int hfgit_config_invalid(const hfgit_config *cfg, const char *key, const char *fmt,
                                      ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 3, 4)))
#endif
	;

/* Flags of hfgit_binder_param. */
enum {
	HFGIT_BIND_OPTIONAL = 1u << 0, /* a head or pooler: when the checkpoint lacks it, a warning
	                                * and zeros instead of an error */
	HFGIT_BIND_IN_OUT = 1u << 1,   /* documents an (in, out) layout: HFGIT_PARAM_IN_OUT */
};

/*
 * The binder, in the spirit of candle's VarBuilder: scopes make names ("encoder" then
 * "layer.0" then "attention.self.query.weight"), each lookup checks the expected shape against
 * the checkpoint and records the key as used, so that the keys no lookup used are the
 * unexpected ones. Problems go to the load report, not to the return value: these return
 * negative only when out of memory or misused.
 *
 * hfgit_binder_push_base() enters the base model: inside it, parameter names get the
 * architecture's base prefix ("bert.") when the class is a head class, and checkpoint keys are
 * looked up with the prefix when the checkpoint has it, without it otherwise. Legacy names
 * LayerNorm.gamma/beta are accepted for .weight/.bias.
 */
HFGIT_EXTERN int hfgit_binder_push(hfgit_binder *b, const char *fmt, ...)
#if defined(__GNUC__)
	__attribute__((format(printf, 2, 3)))
#endif
	;
HFGIT_EXTERN int hfgit_binder_push_base(hfgit_binder *b);
HFGIT_EXTERN void hfgit_binder_pop(hfgit_binder *b);
HFGIT_EXTERN int hfgit_binder_param(hfgit_binder *b, const char *name, size_t ndim,
                                    const long long *shape, unsigned int flags);
/* HFGIT_DIMS(out, in) expands to the `ndim, shape` arguments of hfgit_binder_param (C99). */
#define HFGIT_DIMS(...) (sizeof((const long long[]){ __VA_ARGS__ }) / sizeof(long long)), \
	((const long long[]){ __VA_ARGS__ })
/* A buffer the class has (position_ids, attn.bias): consumed if the checkpoint has it,
 * reported as info, never a parameter. */
HFGIT_EXTERN int hfgit_binder_buffer(hfgit_binder *b, const char *name);
/* Parameter `name` (in the current scope) shares the data of the parameter `target` (a full
 * name, bound before); a checkpoint copy of `name`, if any, is consumed and its shape checked. */
HFGIT_EXTERN int hfgit_binder_tie(hfgit_binder *b, const char *name, const char *target);
/* The class being built (a head class or the base), e.g. to read num_labels. */
HFGIT_EXTERN hfgit_auto_class hfgit_binder_head(const hfgit_binder *b);

typedef struct {
	unsigned int version;
	const char *model_type;  /* config.json's model_type: "bert" */
	const char *base_prefix; /* the base model's attribute in head classes: "bert"; NULL: none */
	/* The class built for each Auto class ([HFGIT_AUTO_BASE] = "BertModel", ...); NULL where
	 * the architecture has none. [HFGIT_AUTO_CONFIG] is unused. */
	const char *classes[HFGIT_AUTO_COUNT_];
	/* Other classes of the family that config.json may name ("BertForMaskedLM"): they select
	 * this architecture and load as its base model. NULL-terminated, may be NULL. */
	const char *const *other_classes;
	/* Read and check the hyperparameters (hfgit_config_read_*). */
	int (*read_config)(hfgit_config *cfg, void *payload);
	/* Declare the parameters of the class for `hfgit_binder_head(b)`, reading the config
	 * values read_config recorded (hfgit_config_get_*). */
	int (*build)(hfgit_binder *b, const hfgit_config *cfg, void *payload);
	void *payload;
} hfgit_architecture;

#define HFGIT_ARCHITECTURE_VERSION 1
#define HFGIT_ARCHITECTURE_INIT { HFGIT_ARCHITECTURE_VERSION }

/*
 * Add an architecture to the process-wide registry (the strings are copied). HFGIT_EEXISTS
 * when its model_type or one of its class names is taken (the built-ins are bert, distilbert,
 * gpt2 and vit), HFGIT_EINVALID when it lacks a model_type, a base class or a callback.
 */
HFGIT_EXTERN int hfgit_architecture_register(const hfgit_architecture *arch);
/* Remove a registered architecture (not a built-in); no load may be running meanwhile. */
HFGIT_EXTERN int hfgit_architecture_unregister(const char *model_type);
/* The registered model types, built-ins first: "bert, distilbert, gpt2, vit". free() it. */
HFGIT_EXTERN char *hfgit_architecture_list(void);

/* ---------------------------------------------------------------------------------------- */
/* Tokenizers: text <-> ids exactly as Hugging Face's tokenizers library makes them          */

/*
 * A tokenizer from a model directory: tokenizer.json when there is one (normalizer,
 * pre-tokenizer, model, post-processor, decoder, added tokens, truncation and padding as the
 * Rust library reads them), else the pipeline transformers' convert_slow_tokenizer builds
 * from the legacy files: vocab.txt (BERT family) or vocab.json + merges.txt (GPT-2 family),
 * with tokenizer_config.json and special_tokens_map.json. A component hfgit does not
 * implement is an HFGIT_EINVALID error that names it.
 *
 *     hfgit_tokenizer *tok;
 *     hfgit_encoding *enc;
 *
 *     if (hfgit_tokenizer_from_dir(&tok, "./bert-base-uncased") < 0 ||
 *         hfgit_tokenizer_encode(&enc, tok, "Hello, my dog is cute", 21, NULL, 0, NULL) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 *     ... hfgit_encoding_ids(enc)[0] == 101 ...
 *
 * Offsets count characters (Unicode code points) of the text, as the Rust library's and
 * transformers' return_offsets_mapping do; tokens the post-processor adds have (0, 0).
 * A tokenizer is used by one thread at a time (it keeps scratch space); encodings stay valid
 * after further calls, but not after hfgit_tokenizer_free (their token strings are its own).
 */
typedef struct hfgit_tokenizer hfgit_tokenizer;
typedef struct hfgit_encoding hfgit_encoding;

typedef struct {
	unsigned int version;
	/* For an id: how to clone it (progress, jobs, LFS patterns); NULL: the defaults. The
	 * checkout is the one hfgit_model_from_pretrained uses for the same commit. */
	const hfgit_clone_options *clone;
} hfgit_tokenizer_options;

#define HFGIT_TOKENIZER_OPTIONS_VERSION 1
#define HFGIT_TOKENIZER_OPTIONS_INIT { HFGIT_TOKENIZER_OPTIONS_VERSION }

HFGIT_EXTERN int hfgit_tokenizer_from_dir(hfgit_tokenizer **out, const char *dir);
/* The content of a tokenizer.json file. */
HFGIT_EXTERN int hfgit_tokenizer_from_json(hfgit_tokenizer **out, const char *json, size_t len);
/*
 * `id_or_dir`: an existing directory, as hfgit_tokenizer_from_dir; else a model id[@revision],
 * checked out into the cache as hfgit_model_from_pretrained does (and reused from there).
 */
HFGIT_EXTERN int hfgit_tokenizer_from_pretrained(hfgit_tokenizer **out, hfgit_ctx *ctx,
                                                 const char *id_or_dir,
                                                 const hfgit_tokenizer_options *opts);
HFGIT_EXTERN void hfgit_tokenizer_free(hfgit_tokenizer *tok);

/* "tokenizer.json", or the legacy files the pipeline was built from ("vocab.txt"). */
HFGIT_EXTERN const char *hfgit_tokenizer_source(const hfgit_tokenizer *tok);
/* tokenizer_config.json's model_max_length; 0 when it gives none. */
HFGIT_EXTERN size_t hfgit_tokenizer_model_max_length(const hfgit_tokenizer *tok);
/* The model's vocabulary and the added tokens: one more than the largest id. */
HFGIT_EXTERN size_t hfgit_tokenizer_vocab_size(const hfgit_tokenizer *tok);
/* -1 when the token is not in the vocabulary. */
HFGIT_EXTERN int hfgit_tokenizer_token_to_id(const hfgit_tokenizer *tok, const char *token);
/* NULL for an id no token has. */
HFGIT_EXTERN const char *hfgit_tokenizer_id_to_token(const hfgit_tokenizer *tok, int id);

typedef struct {
	unsigned int version;
	int no_special_tokens;  /* 1: add_special_tokens=False (no [CLS]/[SEP], no template) */
	/* > 0: truncate to this many tokens, longest first (transformers' truncation=True with
	 * max_length), in place of tokenizer.json's truncation; 0: tokenizer.json's. */
	size_t max_length;
} hfgit_encode_options;

#define HFGIT_ENCODE_OPTIONS_VERSION 1
#define HFGIT_ENCODE_OPTIONS_INIT { HFGIT_ENCODE_OPTIONS_VERSION }

/*
 * Encode `len` bytes of UTF-8 text (NUL bytes included), and a second sequence when `pair`
 * is not NULL. Text that is not UTF-8 is an HFGIT_EINVALID error naming the byte offset.
 * `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_tokenizer_encode(hfgit_encoding **out, hfgit_tokenizer *tok,
                                        const char *text, size_t len, const char *pair,
                                        size_t pair_len, const hfgit_encode_options *opts);
/*
 * Encode `n` texts of lens[i] bytes (`lens` NULL: NUL-terminated), and with `pairs` (NULL or n
 * second sequences, NULL entries for none) of pair_lens[i] bytes, into out[0..n), padded
 * together when tokenizer.json asks for BatchLongest padding. On failure nothing is left in
 * `out`.
 */
HFGIT_EXTERN int hfgit_tokenizer_encode_batch(hfgit_encoding **out, hfgit_tokenizer *tok,
                                              const char *const *texts, const size_t *lens,
                                              const char *const *pairs,
                                              const size_t *pair_lens, size_t n,
                                              const hfgit_encode_options *opts);
/* Text for ids, through the decoder (free() it): NUL-terminated, and it may contain NUL
 * bytes (byte-level tokens can stand for any byte): *len (may be NULL) has its length.
 * skip_special_tokens leaves special added tokens out. An id no token has is skipped, as the
 * library skips it. */
HFGIT_EXTERN int hfgit_tokenizer_decode(char **out, size_t *len, hfgit_tokenizer *tok,
                                        const int *ids, size_t n, int skip_special_tokens);

HFGIT_EXTERN size_t hfgit_encoding_length(const hfgit_encoding *enc);
HFGIT_EXTERN const int32_t *hfgit_encoding_ids(const hfgit_encoding *enc);
HFGIT_EXTERN const uint32_t *hfgit_encoding_type_ids(const hfgit_encoding *enc);
HFGIT_EXTERN const uint32_t *hfgit_encoding_attention_mask(const hfgit_encoding *enc);
HFGIT_EXTERN const uint32_t *hfgit_encoding_special_tokens_mask(const hfgit_encoding *enc);
/* 2 per token: start and end, in characters of the text the token came from. */
HFGIT_EXTERN const size_t *hfgit_encoding_offsets(const hfgit_encoding *enc);
HFGIT_EXTERN const char *hfgit_encoding_token(const hfgit_encoding *enc, size_t i);
HFGIT_EXTERN void hfgit_encoding_free(hfgit_encoding *enc);

/* ---------------------------------------------------------------------------------------- */
/* Tasks: text or an image in, an answer out, as transformers' pipeline() gives it           */

/*
 * A pipeline is a model, its tokenizer (text tasks) and a task. The task is the one the head
 * config.json names (transformers' choice): *ForSequenceClassification -> text-classification,
 * the base model -> feature-extraction, *LMHeadModel -> text-generation,
 * *ForImageClassification -> image-classification; asking for another task loads the class
 * that task needs.
 *
 *     hfgit_pipeline *p;
 *     hfgit_results *res;
 *     const char *text = "a good film";
 *
 *     if (hfgit_pipeline_from_pretrained(&p, ctx, "distilbert-base-uncased-finetuned-sst-2-english",
 *                                        NULL) < 0 ||
 *         hfgit_pipeline_run(&res, p, &text, NULL, 1, NULL) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 *     ... hfgit_results_at(res, 0)->labels[0].label, .score ...
 *
 * A pipeline runs on one thread at a time (its tokenizer keeps scratch space). Results stay
 * valid after further runs, until hfgit_results_free, while the model lives (labels are its
 * config's strings).
 */
typedef struct hfgit_pipeline hfgit_pipeline;
typedef struct hfgit_results hfgit_results;

typedef enum {
	HFGIT_TASK_AUTO = 0,             /* the task of the head config.json names */
	HFGIT_TASK_TEXT_CLASSIFICATION,  /* labels and scores (AutoModelForSequenceClassification) */
	HFGIT_TASK_FEATURE_EXTRACTION,   /* per-token and pooled embeddings (AutoModel) */
	HFGIT_TASK_TEXT_GENERATION,      /* a continuation of the text (AutoModelForCausalLM) */
	HFGIT_TASK_IMAGE_CLASSIFICATION, /* labels and scores of an image file */
	HFGIT_TASK_COUNT_
} hfgit_task;

/* "text-classification", ... (transformers' names); "auto"; NULL when out of range. */
HFGIT_EXTERN const char *hfgit_task_name(hfgit_task task);
/* The task called `name`; HFGIT_EINVALID, listing the tasks, for another name. */
HFGIT_EXTERN int hfgit_task_from_name(hfgit_task *out, const char *name);

typedef struct {
	unsigned int version;
	hfgit_task task;              /* HFGIT_TASK_AUTO: the head's */
	hfgit_weights_format format;
	/* For an id: how to clone it; NULL: the defaults. */
	const hfgit_clone_options *clone;
	/* A lockfile: an id it has an entry for loads at the locked commit (as for
	 * hfgit_model_options.lock); NULL: none. */
	const hfgit_lock *lock;
} hfgit_pipeline_options;

#define HFGIT_PIPELINE_OPTIONS_VERSION 1
#define HFGIT_PIPELINE_OPTIONS_INIT { HFGIT_PIPELINE_OPTIONS_VERSION }

/*
 * Load the model (for the task's Auto class) and, for a text task, the tokenizer of the same
 * checkout from `id_or_dir` (as hfgit_model_from_pretrained: a directory, or an id cloned
 * once, its tokenizer read from that very commit). A task the architecture has no class for
 * is HFGIT_EINVALID, naming the classes it has. `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_pipeline_from_pretrained(hfgit_pipeline **out, hfgit_ctx *ctx,
                                                const char *id_or_dir,
                                                const hfgit_pipeline_options *opts);
/*
 * A pipeline over a model and tokenizer the caller keeps (both must outlive it; `tok` may be
 * NULL for image-classification). HFGIT_EINVALID when the model's class does not do `task`.
 */
HFGIT_EXTERN int hfgit_pipeline_new(hfgit_pipeline **out, hfgit_model *model,
                                    hfgit_tokenizer *tok, hfgit_task task);
HFGIT_EXTERN void hfgit_pipeline_free(hfgit_pipeline *p);

HFGIT_EXTERN hfgit_task hfgit_pipeline_task(const hfgit_pipeline *p);
HFGIT_EXTERN hfgit_model *hfgit_pipeline_model(const hfgit_pipeline *p);
/* NULL for an image task. */
HFGIT_EXTERN hfgit_tokenizer *hfgit_pipeline_tokenizer(const hfgit_pipeline *p);
/* The longest input in tokens: the tokenizer's model_max_length, bounded by the model's
 * max_position_embeddings (either alone when the other gives none). */
HFGIT_EXTERN size_t hfgit_pipeline_max_length(const hfgit_pipeline *p);

typedef enum {
	HFGIT_POOLING_CLS = 0, /* the first token's hidden state ([CLS]) */
	HFGIT_POOLING_MEAN,    /* the mean over the real tokens (attention_mask 1) */
} hfgit_pooling;

/* transformers' function_to_apply. */
typedef enum {
	HFGIT_SCORES_AUTO = 0, /* sigmoid for problem_type multi_label_classification or one
	                        * label, else softmax (single_label_classification or more than
	                        * one label), else config.json's function_to_apply, else none */
	HFGIT_SCORES_SOFTMAX,
	HFGIT_SCORES_SIGMOID,
	HFGIT_SCORES_NONE,     /* the logits themselves */
} hfgit_score_function;

#define HFGIT_TOP_K_ALL ((size_t)-1)

/* Text generation: called with each new piece of text of input `input` as it is made (whole
 * UTF-8 characters only: bytes of a character split across tokens wait for the rest);
 * non-zero stops the run (HFGIT_EINTERRUPTED). */
typedef int (*hfgit_text_cb)(size_t input, const char *text, size_t len, void *payload);
/* A warning about input `input` (truncated to fit the model), one sentence. */
typedef void (*hfgit_warning_cb)(size_t input, const char *message, void *payload);

typedef struct {
	unsigned int version;
	size_t batch_size;            /* inputs per forward pass, padded together; 0: 8 */
	/* Classification: the k best labels; 0: 1 for text, 5 for images (the pipelines'
	 * defaults); HFGIT_TOP_K_ALL: every label. Best first. */
	size_t top_k;
	hfgit_score_function function_to_apply;
	hfgit_pooling pooling;        /* feature-extraction */
	/* Text generation: max_new_tokens, do_sample, temperature, top_k, top_p, seed and
	 * eos_token_id as hfgit_model_generate takes them (on_token is the pipeline's own). */
	hfgit_generate_options generate;
	hfgit_text_cb on_text;
	hfgit_warning_cb on_warning;
	void *payload;                /* of both callbacks */
} hfgit_run_options;

#define HFGIT_RUN_OPTIONS_VERSION 1
#define HFGIT_RUN_OPTIONS_INIT { HFGIT_RUN_OPTIONS_VERSION, 0, 0, HFGIT_SCORES_AUTO, \
	HFGIT_POOLING_CLS, HFGIT_GENERATE_OPTIONS_INIT }

typedef struct {
	const char *label; /* id2label's */
	long long id;
	float score;
} hfgit_label_score;

/* The answer for one input. Valid until hfgit_results_free. */
typedef struct {
	const int32_t *input_ids;     /* the tokens the model saw (text tasks) */
	size_t input_tokens;
	size_t truncated_from;        /* the tokens before truncation; 0 when not truncated */
	/* text- and image-classification */
	const hfgit_label_score *labels;
	size_t nlabels;
	/* feature-extraction: embeddings [input_tokens, dim] (last_hidden_state without the
	 * padding), pooled [dim] */
	const float *embeddings;
	const float *pooled;
	size_t dim;
	/* text-generation: the continuation (without the prompt, as decoded from the prompt and
	 * the new tokens, special tokens skipped) and the new tokens (eos included) */
	const char *text;
	size_t text_len;
	const int64_t *generated_ids;
	size_t ngenerated;
	/* hfgit_pipeline_chat: the conversation as the chat template rendered it (NULL else) */
	const char *prompt;
	size_t prompt_len;
} hfgit_result;

/*
 * Run the pipeline on `n` inputs: texts of lens[i] bytes (`lens` NULL: NUL-terminated), or
 * for image-classification the paths of PNG or JPEG files. Texts are encoded with special
 * tokens, truncated to hfgit_pipeline_max_length (a warning), and run batch_size at a time,
 * padded (on the left for generation). `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_pipeline_run(hfgit_results **out, hfgit_pipeline *p,
                                    const char *const *inputs, const size_t *lens, size_t n,
                                    const hfgit_run_options *opts);

/* Chat: a conversation continued by a text-generation pipeline, as transformers' pipeline
 * does when given a list of messages. */
typedef struct {
	unsigned int version;
	/* A named chat template (tokenizer_config.json's list, additional_chat_templates/NAME.jinja);
	 * NULL: the default. */
	const char *template_name;
	/* More template variables as a JSON object ({"tools": [...], "documents": [...]}); NULL:
	 * none. */
	const char *extra_context_json;
} hfgit_pipeline_chat_options;

#define HFGIT_PIPELINE_CHAT_OPTIONS_VERSION 1
#define HFGIT_PIPELINE_CHAT_OPTIONS_INIT { HFGIT_PIPELINE_CHAT_OPTIONS_VERSION }

/*
 * Answer the conversation `messages_json` (a JSON list of {"role", "content", ...}): render
 * it with the chat template of the model's checkout and add_generation_prompt, encode the
 * prompt as it is (the template wrote the special tokens: add_special_tokens=False), and
 * generate as hfgit_pipeline_run does, streaming through opts->on_text, until an eos id
 * (generation_config.json's, else config.json's) or max_new_tokens. One result: the
 * assistant's reply as `text`, the rendered `prompt`, the ids. HFGIT_EINVALID for a pipeline
 * that is not text-generation, and for a prompt that leaves no room for max_new_tokens within
 * hfgit_pipeline_max_length (it is never truncated: its end is where the reply starts);
 * HFGIT_ENOTFOUND when the checkout has no chat template.
 * `chat` and `opts` may be NULL.
 */
HFGIT_EXTERN int hfgit_pipeline_chat(hfgit_results **out, hfgit_pipeline *p,
                                     const char *messages_json,
                                     const hfgit_pipeline_chat_options *chat,
                                     const hfgit_run_options *opts);
HFGIT_EXTERN size_t hfgit_results_count(const hfgit_results *r);
HFGIT_EXTERN const hfgit_result *hfgit_results_at(const hfgit_results *r, size_t i);
HFGIT_EXTERN void hfgit_results_free(hfgit_results *r);
/* Images for vision models: PNG/JPEG and the ViT image processor                            */

/*
 * An image as Pillow's Image.open(path).convert("RGB") gives it (8-bit RGB; alpha dropped,
 * palettes and gray expanded), decoded with libpng or libjpeg-turbo. EXIF orientation is not
 * applied.
 */
typedef struct hfgit_image hfgit_image;
typedef struct hfgit_image_processor hfgit_image_processor;

HFGIT_EXTERN int hfgit_image_load(hfgit_image **out, const char *path);
/* `name` (may be NULL) names the data in error messages. */
HFGIT_EXTERN int hfgit_image_from_memory(hfgit_image **out, const void *data, size_t len,
                                         const char *name);
HFGIT_EXTERN size_t hfgit_image_width(const hfgit_image *img);
HFGIT_EXTERN size_t hfgit_image_height(const hfgit_image *img);
/* width * height * 3 bytes, rows top to bottom, RGB. */
HFGIT_EXTERN const unsigned char *hfgit_image_pixels(const hfgit_image *img);
/* Image.resize((width, height), resample) pixel for pixel as Pillow computes it; resample is
 * PIL's code: 1 LANCZOS, 2 BILINEAR, 3 BICUBIC, 4 BOX, 5 HAMMING (0 NEAREST is refused). */
HFGIT_EXTERN int hfgit_image_resize(hfgit_image **out, const hfgit_image *img, size_t width,
                                    size_t height, int resample);
HFGIT_EXTERN void hfgit_image_free(hfgit_image *img);

/*
 * The image processor of a model directory (preprocessor_config.json; without one, the
 * defaults of transformers' ViTImageProcessor): do_resize to size {height, width} with
 * resample, do_rescale by rescale_factor, do_normalize with image_mean and image_std.
 */
HFGIT_EXTERN int hfgit_image_processor_from_dir(hfgit_image_processor **out, const char *dir);
HFGIT_EXTERN size_t hfgit_image_processor_height(const hfgit_image_processor *p);
HFGIT_EXTERN size_t hfgit_image_processor_width(const hfgit_image_processor *p);
/* pixel_values for one image: 3 x height x width floats, channels first (free() it). */
HFGIT_EXTERN int hfgit_image_preprocess(float **pixel_values, size_t *height, size_t *width,
                                        const hfgit_image_processor *p, const hfgit_image *img);
HFGIT_EXTERN void hfgit_image_processor_free(hfgit_image_processor *p);
/* Chat templates: tokenizer_config.json's chat_template (Jinja), as transformers renders it  */

/*
 * The Jinja subset Hub chat templates use: {% if/elif/else %}, {% for %} (loop.index,
 * loop.first, loop.last, ..., else, a filtering if), {% set %} (namespace() attributes,
 * block sets), {% macro %}, {% raw %}, {% break/continue %}, {% generation %}, whitespace
 * control, and transformers' settings (trim_blocks, lstrip_blocks); expressions with
 * Python's operators, attribute and item access, slices, filters (trim, tojson, length,
 * default, join, map, selectattr, ...), tests (defined, none, string, ...), string and dict
 * methods, raise_exception() and strftime_now(). Anything else fails to compile, naming the
 * construct and its line; raise_exception() fails the render with the template's message.
 * Undefined variables print as nothing and are false; using one further is an error.
 *
 *     hfgit_chat_template *t;
 *     char *prompt;
 *     if (hfgit_chat_template_from_dir(&t, "./Qwen2-0.5B-Instruct", NULL) < 0 ||
 *         hfgit_chat_apply(&prompt, t, "[{\"role\": \"user\", \"content\": \"Hi\"}]",
 *                          &opts) < 0)
 *         fprintf(stderr, "%s\n", hfgit_error_last());
 */
typedef struct hfgit_chat_template hfgit_chat_template;
struct json_object;

/* Compile template text (`len` bytes); HFGIT_EINVALID names what is wrong and where. */
HFGIT_EXTERN int hfgit_chat_template_compile(hfgit_chat_template **out, const char *source,
                                             size_t len);
/*
 * The chat template of a tokenizer_config.json's content (`config_json`, NUL-terminated):
 * `chat_template` a string, or a list of {"name", "template"} from which `name` is picked
 * (NULL: "default"). The file's special tokens (bos_token, eos_token, unk_token, sep_token,
 * pad_token, cls_token, mask_token: strings or {"content": ...} objects, and
 * additional_special_tokens) are kept for hfgit_chat_apply. `path` names the file in
 * messages (NULL: "tokenizer_config.json"). HFGIT_ENOTFOUND when there is no such template.
 */
HFGIT_EXTERN int hfgit_chat_template_from_config(hfgit_chat_template **out,
                                                 const char *config_json, const char *name,
                                                 const char *path);
/* The same from `dir`/tokenizer_config.json, or, as transformers reads a directory, from
 * `dir`/chat_template.jinja (which wins when present) for the default template and
 * `dir`/additional_chat_templates/NAME.jinja for a named one; the special tokens still come
 * from tokenizer_config.json. */
HFGIT_EXTERN int hfgit_chat_template_from_dir(hfgit_chat_template **out, const char *dir,
                                              const char *name);
/* `id_or_dir`: an existing directory, as hfgit_chat_template_from_dir; else a model
 * id[@revision], checked out into the cache as hfgit_model_from_pretrained does, and reused
 * from there (`clone`: how to clone it; NULL: the defaults). */
HFGIT_EXTERN int hfgit_chat_template_from_pretrained(hfgit_chat_template **out, hfgit_ctx *ctx,
                                                     const char *id_or_dir, const char *name,
                                                     const hfgit_clone_options *clone);
/* A compiled template is not changed by rendering: several threads may render it at once. */
HFGIT_EXTERN void hfgit_chat_template_free(hfgit_chat_template *t);
HFGIT_EXTERN const char *hfgit_chat_template_source(const hfgit_chat_template *t);

/* Render with the variables of `context` (a json-c object; NULL: none) into a new string
 * (free() it). */
HFGIT_EXTERN int hfgit_chat_template_render(char **out, const hfgit_chat_template *t,
                                            const struct json_object *context);
/* The same with the context as JSON text. */
HFGIT_EXTERN int hfgit_chat_template_render_json(char **out, const hfgit_chat_template *t,
                                                 const char *context_json);

typedef struct {
	unsigned int version;
	/* Append the prompt that opens the assistant's turn (add_generation_prompt=True). */
	int add_generation_prompt;
	/* More variables as a JSON object, e.g. {"tools": [...], "documents": [...]}; NULL: none.
	 * They override the special tokens of the same name. */
	const char *extra_context_json;
} hfgit_chat_options;

#define HFGIT_CHAT_OPTIONS_VERSION 1
#define HFGIT_CHAT_OPTIONS_INIT { HFGIT_CHAT_OPTIONS_VERSION, 0, NULL }

/*
 * transformers' tokenizer.apply_chat_template(messages, tokenize=False, ...): render
 * `messages_json` (a JSON list of {"role", "content", ...}) with add_generation_prompt, the
 * special tokens of the tokenizer_config.json the template came from, `tools` and `documents`
 * (none, as transformers passes them when the call gives none), and the extra context.
 * The result is text (free() it); tokenizing it is the tokenizer's business.
 */
HFGIT_EXTERN int hfgit_chat_apply(char **out, const hfgit_chat_template *t,
                                  const char *messages_json, const hfgit_chat_options *opts);

#ifdef __cplusplus
}
#endif

#endif
