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
	/* Cache root; NULL: $HFGIT_HOME, $HF_HOME/hfgit, $XDG_CACHE_HOME/hfgit, ~/.cache/hfgit. */
	const char *cache_dir;
	/* Never touch the network: 1; 0: $HF_HUB_OFFLINE or $HFGIT_OFFLINE decide (1, ON, YES,
	 * TRUE, any case). Offline, revisions resolve from what the cache last saw. */
	int offline;
	/* Access token for private and gated repositories; NULL: $HF_TOKEN, else the token file
	 * $HF_HOME/token (~/.cache/huggingface/token). Sent only to the endpoint's own origin (git
	 * and the LFS batch API), never to the hosts object bytes come from, never printed, never
	 * written into a checkout. */
	const char *token;
} hfgit_ctx_options;

#define HFGIT_CTX_OPTIONS_VERSION 1
#define HFGIT_CTX_OPTIONS_INIT { HFGIT_CTX_OPTIONS_VERSION, NULL, NULL, 0, NULL }

HFGIT_EXTERN int hfgit_ctx_new(hfgit_ctx **out, const hfgit_ctx_options *opts);
HFGIT_EXTERN void hfgit_ctx_free(hfgit_ctx *ctx);
HFGIT_EXTERN const char *hfgit_ctx_endpoint(const hfgit_ctx *ctx);
HFGIT_EXTERN const char *hfgit_ctx_cache_dir(const hfgit_ctx *ctx);
HFGIT_EXTERN int hfgit_ctx_offline(const hfgit_ctx *ctx);

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
HFGIT_EXTERN void hfgit_resolved_free(hfgit_resolved *r);

/* ---------------------------------------------------------------------------------------- */
/* Clone                                                                                     */

typedef enum {
	HFGIT_STAGE_RESOLVE,
	HFGIT_STAGE_FETCH,    /* git objects */
	HFGIT_STAGE_CHECKOUT, /* files written */
	HFGIT_STAGE_LFS,      /* LFS objects downloaded */
} hfgit_stage;

typedef struct {
	hfgit_stage stage;
	size_t done;               /* objects or files done */
	size_t total;              /* 0 when not known yet */
	unsigned long long bytes;  /* bytes done (LFS: verified bytes, resumed ones included) */
	unsigned long long bytes_total; /* 0 when not known */
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
	int no_lfs;             /* keep pointer files (like GIT_LFS_SKIP_SMUDGE=1) */
	unsigned int jobs;      /* parallel downloads; 0: 8 */
	hfgit_link_mode link;
	hfgit_clone_stats *stats; /* filled when not NULL */
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

#ifdef __cplusplus
}
#endif

#endif
