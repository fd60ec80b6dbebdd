/*
 * Unit tests for the LFS transfer engine (lib/lfs/transfer.c, hfgit_lfs__download) against
 * the test hub's CDN (tests/hub/cdn.py), a real HTTP server on loopback with single-range
 * support and fault injection (tests/hub/faults.py). The jobs' hrefs point straight at the CDN,
 * as a batch answer's download actions do; no batch API is involved.
 *
 * What the engine did is read from the hub's JSON request log (the Range header, the status
 * and the fault of every request), and what it produced from the store: every object there
 * must be byte for byte the one the CDN holds.
 *
 * Usage: test_lfs_engine HUB_PY
 */
#define _GNU_SOURCE
#include "core/layout.h"
#include "lfs/objects.h"
#include "lfs/transfer.h"
#include "check.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <json-c/json.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define MAX_JOBS 8
#define MAX_REQUESTS 64

static char scratch[256], hub_root[300], log_path[300];
static char hub_url[64], cdn_url[64];
static pid_t hub_pid = -1;
static int case_number;
static unsigned rng_state = 12345;

/* ------------------------------------------------------------------------------------------ */
/* Small helpers                                                                               */

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (hub_pid > 0)
		kill(hub_pid, SIGTERM);
	exit(1);
}

static char *path_of(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static char *path_of(const char *fmt, ...)
{
	char *out = NULL;
	va_list ap;

	va_start(ap, fmt);
	if (vasprintf(&out, fmt, ap) < 0)
		die("out of memory");
	va_end(ap);
	return out;
}

static void mkdir_p(const char *path)
{
	char cmd[1024];
	snprintf(cmd, sizeof(cmd), "mkdir -p '%s'", path);
	if (system(cmd) != 0)
		die("cannot make %s", path);
}

static void write_bytes(const char *path, const unsigned char *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s", path);
}

/* The whole file, or NULL; `*len` its size. */
static unsigned char *read_bytes(const char *path, size_t *len)
{
	struct stat st;
	unsigned char *data;
	FILE *f = fopen(path, "rb");

	if (!f)
		return NULL;
	if (fstat(fileno(f), &st) < 0 || !(data = malloc((size_t)st.st_size + 1)) ||
	    fread(data, 1, (size_t)st.st_size, f) != (size_t)st.st_size)
		die("cannot read %s", path);
	fclose(f);
	*len = (size_t)st.st_size;
	return data;
}

static void sha256_hex(char out[65], const unsigned char *data, size_t len)
{
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int n = 0, i;

	if (!EVP_Digest(data, len, digest, &n, EVP_sha256(), NULL) || n != 32)
		die("sha256 failed");
	for (i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", digest[i]);
}

/* Regular files below `dir`, recursively. */
static size_t count_files(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (!d)
		return 0;
	while ((e = readdir(d)) != NULL) {
		char *sub;
		struct stat st;
		if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
			continue;
		sub = path_of("%s/%s", dir, e->d_name);
		if (lstat(sub, &st) == 0)
			n += S_ISDIR(st.st_mode) ? count_files(sub) : 1;
		free(sub);
	}
	closedir(d);
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* The hub                                                                                     */

static void read_port(char *url, size_t size, const char *port_file)
{
	char port[32] = "";
	FILE *f = fopen(port_file, "r");

	if (f) {
		if (!fgets(port, sizeof(port), f))
			port[0] = '\0';
		fclose(f);
	}
	port[strcspn(port, "\r\n")] = '\0';
	url[0] = '\0';
	if (port[0])
		snprintf(url, size, "http://127.0.0.1:%s", port);
}

static void start_hub(const char *hub_py)
{
	char *port_file = path_of("%s/hub.port", scratch), *cdn_port_file = path_of("%s/cdn.port", scratch);
	char *out = path_of("%s/hub.out", scratch);
	int i;

	hub_pid = fork();
	if (hub_pid < 0)
		die("fork: %s", strerror(errno));
	if (hub_pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		prctl(PR_SET_PDEATHSIG, SIGTERM); /* a crashed test leaves no hub behind */
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("python3", "python3", hub_py, "--root", hub_root, "--port-file", port_file,
		       "--cdn-port-file", cdn_port_file, "--log", log_path, (char *)NULL);
		_exit(127);
	}
	for (i = 0; i < 200; i++) {
		int status;
		read_port(hub_url, sizeof(hub_url), port_file);
		read_port(cdn_url, sizeof(cdn_url), cdn_port_file);
		if (hub_url[0] && cdn_url[0])
			break;
		if (waitpid(hub_pid, &status, WNOHANG) == hub_pid) {
			hub_pid = -1;
			die("the hub did not start (see %s)", out);
		}
		usleep(50 * 1000);
	}
	if (!hub_url[0] || !cdn_url[0])
		die("the hub did not start in time (see %s)", out);
	free(port_file);
	free(cdn_port_file);
	free(out);
}

static void stop_hub(void)
{
	int status;

	if (hub_pid <= 0)
		return;
	kill(hub_pid, SIGTERM);
	waitpid(hub_pid, &status, 0);
	hub_pid = -1;
}

static size_t discard(char *data, size_t size, size_t n, void *payload)
{
	(void)data;
	(void)payload;
	return size * n;
}

/* Replace the hub's fault rules (POST /_control/faults, a JSON list). */
static void set_faults(const char *json)
{
	char *url = path_of("%s/_control/faults", hub_url);
	CURL *c = curl_easy_init();
	long status = 0;

	if (!c)
		die("curl_easy_init");
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, json);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(c, CURLOPT_PROXY, "");
	if (curl_easy_perform(c) != CURLE_OK ||
	    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status) != CURLE_OK || status != 200)
		die("cannot set the faults %s (HTTP %ld)", json, status);
	curl_easy_cleanup(c);
	free(url);
}

/* ------------------------------------------------------------------------------------------ */
/* The request log                                                                             */

typedef struct {
	char range[64];   /* the Range header, "" when none */
	char fault[32];   /* the faults the CDN applied, "" when none */
	int status;
	double t;
} request;

/* The hub writes a request's record after its response went out: wait until the log stops
 * growing before reading what a download did. */
static bool log_unsettled;

static void log_settle(void)
{
	struct stat st;
	off_t last = -1;
	int still = 0, i;

	if (!log_unsettled)
		return;
	log_unsettled = false;
	for (i = 0; i < 100 && still < 3; i++) {
		off_t size = stat(log_path, &st) == 0 ? st.st_size : 0;
		still = size == last ? still + 1 : 0;
		last = size;
		usleep(50 * 1000);
	}
}

static void copy_field(char *out, size_t size, json_object *record, const char *key)
{
	json_object *v;
	out[0] = '\0';
	if (json_object_object_get_ex(record, key, &v) && json_object_is_type(v, json_type_string))
		snprintf(out, size, "%s", json_object_get_string(v));
}

/* The CDN's GET requests for `oid`, in the order they were logged. */
static size_t requests_for(request *out, size_t max, const char *oid)
{
	FILE *f;
	char line[4096];
	size_t n = 0;

	log_settle();
	if (!(f = fopen(log_path, "r")))
		die("no request log");
	while (fgets(line, sizeof(line), f)) {
		json_object *record = json_tokener_parse(line), *v;
		char path[256], server[16], method[16];
		if (!record)
			continue;
		copy_field(path, sizeof(path), record, "path");
		copy_field(server, sizeof(server), record, "server");
		copy_field(method, sizeof(method), record, "method");
		if (!strcmp(server, "cdn") && !strcmp(method, "GET") && strstr(path, oid) && n < max) {
			request *r = &out[n++];
			copy_field(r->range, sizeof(r->range), record, "range");
			copy_field(r->fault, sizeof(r->fault), record, "fault");
			r->status = json_object_object_get_ex(record, "status", &v) ? json_object_get_int(v) : 0;
			r->t = json_object_object_get_ex(record, "t", &v) ? json_object_get_double(v) : 0;
		}
		json_object_put(record);
	}
	fclose(f);
	return n;
}

/* "bytes=A-B" -> A and B; false when there is no such header. */
static bool parse_range(const request *r, unsigned long long *a, unsigned long long *b)
{
	return sscanf(r->range, "bytes=%llu-%llu", a, b) == 2;
}

/* ------------------------------------------------------------------------------------------ */
/* Objects and downloads                                                                       */

typedef struct {
	char oid[65];
	unsigned char *data;
	size_t size;
} object;

/* Random bytes (a fixed seed: the same run every time), put on the CDN unless `hidden`. */
static void make_object(object *o, size_t size, bool hidden)
{
	size_t i;
	char *dir, *path;

	o->data = malloc(size ? size : 1);
	o->size = size;
	if (!o->data)
		die("out of memory");
	for (i = 0; i < size; i++) {
		rng_state = rng_state * 1103515245u + 12345u;
		o->data[i] = (unsigned char)(rng_state >> 16);
	}
	sha256_hex(o->oid, o->data, size);
	if (hidden)
		return;
	dir = path_of("%s/lfs/objects/%.2s/%.2s", hub_root, o->oid, o->oid + 2);
	path = path_of("%s/%s", dir, o->oid);
	mkdir_p(dir);
	write_bytes(path, o->data, size);
	free(dir);
	free(path);
}

static void object_dispose(object *o)
{
	free(o->data);
	o->data = NULL;
}

typedef struct {
	char *root; /* the store, a fresh one per case */
	hfgit_lfs_objects *store;
	hfgit_lfs_job jobs[MAX_JOBS];
	size_t count;
	hfgit_lfs_transfer_options opts;
} download;

static void download_init(download *d)
{
	hfgit_lfs_transfer_options init = HFGIT_LFS_TRANSFER_OPTIONS_INIT;

	memset(d, 0, sizeof(*d));
	d->root = path_of("%s/store-%d", scratch, ++case_number);
	if (hfgit_lfs__objects_open(&d->store, d->root) < 0)
		die("cannot open the store: %s", hfgit_error_last());
	d->opts = init;
	d->opts.max_backoff = 0.05; /* retries at once, unless the server says when */
}

static void download_add(download *d, const object *o, const char *name)
{
	hfgit_lfs_job *job = &d->jobs[d->count++];

	memcpy(job->oid, o->oid, sizeof(job->oid));
	job->size = o->size;
	job->name = name;
	job->href = path_of("%s/objects/%.2s/%.2s/%s", cdn_url, o->oid, o->oid + 2, o->oid);
}

static int download_run(download *d)
{
	log_unsettled = true;
	return hfgit_lfs__download(d->store, d->jobs, d->count, &d->opts);
}

static void download_dispose(download *d)
{
	size_t i;
	for (i = 0; i < d->count; i++)
		hfgit_lfs__job_dispose(&d->jobs[i]);
	hfgit_lfs__objects_free(d->store);
	free(d->root);
}

/* The store holds exactly `o`'s bytes, read-only, under git-lfs's layout. */
static void check_stored(const download *d, const object *o)
{
	char *path = hfgit_layout__lfs_object(d->root, o->oid);
	unsigned char *data;
	struct stat st;
	size_t len = 0;

	data = read_bytes(path, &len);
	CHECK_MSG(data != NULL, "%s is not in the store", o->oid);
	if (data) {
		CHECK_MSG(len == o->size && !memcmp(data, o->data, len), "%s: wrong bytes in the store",
		          o->oid);
		CHECK(stat(path, &st) == 0 && (st.st_mode & 0222) == 0);
	}
	CHECK(hfgit_lfs__object_present(d->store, o->oid, o->size));
	free(data);
	free(path);
}

static size_t partials_left(const download *d)
{
	char *dir = hfgit_layout__lfs_incomplete_dir(d->root);
	DIR *dh = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	while (dh && (e = readdir(dh)) != NULL)
		n += hfgit_layout__lfs_partial_name(e->d_name, NULL);
	if (dh)
		closedir(dh);
	free(dir);
	return n;
}

/* ------------------------------------------------------------------------------------------ */
/* Cases                                                                                       */

static void check_plain(void)
{
	static const size_t sizes[] = { 0, 1, 1000, 70000, 300000 };
	object objs[5];
	download d;
	size_t i;
	int rc;

	set_faults("[]");
	download_init(&d);
	for (i = 0; i < 5; i++) {
		make_object(&objs[i], sizes[i], false);
		download_add(&d, &objs[i], "plain");
	}
	rc = download_run(&d);
	CHECK_MSG(rc == 0, "plain download: %d: %s", rc, hfgit_error_last());
	for (i = 0; i < 5; i++) {
		request reqs[MAX_REQUESTS];
		size_t n;
		check_stored(&d, &objs[i]);
		CHECK_MSG(d.jobs[i].error == 0 && d.jobs[i].fetched == sizes[i],
		          "object of %zu bytes: error %d, fetched %llu", sizes[i], d.jobs[i].error,
		          (unsigned long long)d.jobs[i].fetched);
		/* One plain GET each: no Range for a whole object; none for an empty one, whose
		 * hash is known without asking. */
		n = requests_for(reqs, MAX_REQUESTS, objs[i].oid);
		if (sizes[i] == 0)
			CHECK_MSG(n == 0, "%zu requests for an empty object", n);
		else
			CHECK_MSG(n == 1 && !reqs[0].range[0] && reqs[0].status == 200,
		          "object of %zu bytes: %zu requests, range '%s'", sizes[i], n,
		          n ? reqs[0].range : "");
	}
	CHECK(partials_left(&d) == 0);
	/* Again: everything is in the store, nothing crosses the network. */
	for (i = 0; i < 5; i++)
		d.jobs[i].fetched = 0;
	rc = download_run(&d);
	CHECK(rc == 0);
	for (i = 0; i < 5; i++) {
		request reqs[MAX_REQUESTS];
		CHECK(d.jobs[i].fetched == 0 &&
		      requests_for(reqs, MAX_REQUESTS, objs[i].oid) == (sizes[i] ? 1u : 0u));
		object_dispose(&objs[i]);
	}
	download_dispose(&d);
}

/* A large object over several connections: ranges of `chunk` bytes covering it exactly. */
static void check_ranges(void)
{
	const size_t size = (1u << 20) + 12345, chunk = 64 * 1024;
	request reqs[MAX_REQUESTS];
	unsigned long long covered = 0, a, b;
	bool seen[64] = { false };
	object o;
	download d;
	size_t i, n;
	int rc;

	set_faults("[]");
	download_init(&d);
	d.opts.chunk = chunk;
	d.opts.jobs = 4;
	make_object(&o, size, false);
	download_add(&d, &o, "ranges");
	rc = download_run(&d);
	CHECK_MSG(rc == 0, "split download: %d: %s", rc, hfgit_error_last());
	check_stored(&d, &o);
	n = requests_for(reqs, MAX_REQUESTS, o.oid);
	CHECK_MSG(n == (size + chunk - 1) / chunk, "%zu requests for %zu chunks", n,
	          (size + chunk - 1) / chunk);
	for (i = 0; i < n; i++) {
		bool ranged = parse_range(&reqs[i], &a, &b);
		CHECK_MSG(ranged && reqs[i].status == 206 && a % chunk == 0 && b >= a &&
		          b - a + 1 <= chunk && a / chunk < 64 && !seen[a / chunk],
		          "request %zu: range '%s', status %d", i, reqs[i].range, reqs[i].status);
		if (ranged && a / chunk < 64 && b >= a) {
			seen[a / chunk] = true;
			covered += b - a + 1;
		}
	}
	CHECK_MSG(covered == size, "the ranges cover %llu of %zu bytes", covered, size);
	CHECK(d.jobs[0].fetched == size);
	object_dispose(&o);
	download_dispose(&d);
}

/* A dropped connection: the next request starts where the bytes stopped. */
static void check_drop_resume(void)
{
	const size_t size = 512 * 1024, after = 100000;
	request reqs[MAX_REQUESTS];
	char faults[256], want[64];
	object o;
	download d;
	size_t n;
	int rc;

	download_init(&d);
	make_object(&o, size, false);
	snprintf(faults, sizeof(faults), "[{\"kind\": \"drop\", \"oid\": \"%s\", \"after\": %zu, "
	         "\"times\": 1}]", o.oid, after);
	set_faults(faults);
	download_add(&d, &o, "dropped");
	rc = download_run(&d);
	CHECK_MSG(rc == 0, "after a drop: %d: %s", rc, hfgit_error_last());
	check_stored(&d, &o);
	n = requests_for(reqs, MAX_REQUESTS, o.oid);
	snprintf(want, sizeof(want), "bytes=%zu-%zu", after, size - 1);
	CHECK_MSG(n == 2, "%zu requests", n);
	if (n == 2) {
		CHECK_MSG(!reqs[0].range[0] && !strcmp(reqs[0].fault, "drop"), "first: '%s' '%s'",
		          reqs[0].range, reqs[0].fault);
		CHECK_MSG(!strcmp(reqs[1].range, want) && reqs[1].status == 206,
		          "second: range '%s' (want '%s'), status %d", reqs[1].range, want, reqs[1].status);
	}
	/* Every byte crossed the network once. */
	CHECK_MSG(d.jobs[0].fetched == size, "fetched %llu", (unsigned long long)d.jobs[0].fetched);
	object_dispose(&o);
	download_dispose(&d);
}

/* A partial file an earlier process left in incomplete/ (another host and pid in its name):
 * adopted, its bytes hashed again, the rest fetched with one Range request. A partial whose
 * bytes are wrong fails the hash and the object is fetched whole. */
static void check_partial_resume(bool damaged)
{
	const size_t size = 400000, have = 150000;
	request reqs[MAX_REQUESTS];
	char want[64];
	object o;
	download d;
	char *partial, *incomplete;
	size_t n;
	int rc;

	set_faults("[]");
	download_init(&d);
	make_object(&o, size, false);
	incomplete = hfgit_layout__lfs_incomplete_dir(d.root);
	partial = path_of("%s/%s.earlier-host-99999.part", incomplete, o.oid);
	CHECK(hfgit_layout__lfs_partial_name(strrchr(partial, '/') + 1, NULL));
	if (damaged)
		o.data[1000] ^= 0x55;
	write_bytes(partial, o.data, have);
	if (damaged)
		o.data[1000] ^= 0x55;
	download_add(&d, &o, damaged ? "damaged partial" : "partial");
	rc = download_run(&d);
	CHECK_MSG(rc == 0, "resuming a partial: %d: %s", rc, hfgit_error_last());
	check_stored(&d, &o);
	CHECK_MSG(access(partial, F_OK) < 0, "%s is still there", partial);
	CHECK(partials_left(&d) == 0);
	n = requests_for(reqs, MAX_REQUESTS, o.oid);
	snprintf(want, sizeof(want), "bytes=%zu-%zu", have, size - 1);
	CHECK_MSG(n == (damaged ? 2u : 1u), "%zu requests", n);
	if (n >= 1)
		CHECK_MSG(!strcmp(reqs[0].range, want) && reqs[0].status == 206,
		          "range '%s' (want '%s'), status %d", reqs[0].range, want, reqs[0].status);
	if (damaged && n == 2)
		CHECK_MSG(!reqs[1].range[0] && reqs[1].status == 200, "then '%s'", reqs[1].range);
	CHECK_MSG(d.jobs[0].fetched == (damaged ? size - have + size : size - have),
	          "fetched %llu", (unsigned long long)d.jobs[0].fetched);
	free(partial);
	free(incomplete);
	object_dispose(&o);
	download_dispose(&d);
}

/* 503 with Retry-After: 1, then the object: the engine waits as told, then succeeds. */
static void check_retry_after(void)
{
	request reqs[MAX_REQUESTS];
	char faults[256];
	object o;
	download d;
	size_t n;
	int rc;

	download_init(&d);
	make_object(&o, 5000, false);
	snprintf(faults, sizeof(faults), "[{\"kind\": \"status\", \"oid\": \"%s\", \"status\": 503, "
	         "\"retry_after\": 1, \"times\": 1}]", o.oid);
	set_faults(faults);
	download_add(&d, &o, "busy");
	rc = download_run(&d);
	CHECK_MSG(rc == 0, "after a 503: %d: %s", rc, hfgit_error_last());
	check_stored(&d, &o);
	n = requests_for(reqs, MAX_REQUESTS, o.oid);
	CHECK_MSG(n == 2, "%zu requests", n);
	if (n == 2) {
		CHECK(reqs[0].status == 503 && reqs[1].status == 200);
		/* max_backoff is 0.05 s: only Retry-After makes the wait a second. */
		CHECK_MSG(reqs[1].t - reqs[0].t >= 0.9, "retried after %.3f s, Retry-After said 1",
		          reqs[1].t - reqs[0].t);
	}
	object_dispose(&o);
	download_dispose(&d);
}

/* A 404 is final: no retry; the other object of the download still arrives. */
static void check_not_found(void)
{
	request reqs[MAX_REQUESTS];
	object gone, here;
	download d;
	int rc;

	set_faults("[]");
	download_init(&d);
	make_object(&gone, 3000, true);
	make_object(&here, 3000, false);
	download_add(&d, &gone, "gone.bin");
	download_add(&d, &here, "here.bin");
	rc = download_run(&d);
	CHECK_MSG(rc == HFGIT_ENOTFOUND, "a missing object: %d", rc);
	CHECK_MSG(strstr(hfgit_error_last(), "gone.bin") && strstr(hfgit_error_last(), "404") &&
	          strstr(hfgit_error_last(), "1 of 2"), "message: %s", hfgit_error_last());
	CHECK(d.jobs[0].error == HFGIT_ENOTFOUND && d.jobs[1].error == 0);
	CHECK_MSG(requests_for(reqs, MAX_REQUESTS, gone.oid) == 1, "a 404 was retried");
	check_stored(&d, &here);
	CHECK(!hfgit_lfs__object_present(d.store, gone.oid, gone.size));
	object_dispose(&gone);
	object_dispose(&here);
	download_dispose(&d);
}

/* A client error other than 404 (400 here) is final too: transfer.h retries only 429 and
 * 5xx, which can get better by waiting. */
static void check_client_error(void)
{
	request reqs[MAX_REQUESTS];
	char faults[256];
	object o;
	download d;
	size_t n;
	int rc;

	download_init(&d);
	make_object(&o, 3000, false);
	snprintf(faults, sizeof(faults), "[{\"kind\": \"status\", \"oid\": \"%s\", \"status\": 400}]",
	         o.oid);
	set_faults(faults);
	download_add(&d, &o, "bad-request.bin");
	rc = download_run(&d);
	CHECK_MSG(rc < 0 && strstr(hfgit_error_last(), "HTTP 400") &&
	          strstr(hfgit_error_last(), "bad-request.bin"), "a 400: %d: %s", rc,
	          hfgit_error_last());
	n = requests_for(reqs, MAX_REQUESTS, o.oid);
	CHECK_MSG(n == 1, "a 400 was asked %zu times", n);
	CHECK(!hfgit_lfs__object_present(d.store, o.oid, o.size));
	object_dispose(&o);
	download_dispose(&d);
}

/* A flipped byte: the hash fails, the object is fetched again and ends verified. */
static void check_corrupt(void)
{
	const size_t size = 200000;
	request reqs[MAX_REQUESTS];
	char faults[256];
	object o;
	download d;
	size_t n;
	int rc;

	download_init(&d);
	make_object(&o, size, false);
	snprintf(faults, sizeof(faults), "[{\"kind\": \"corrupt\", \"oid\": \"%s\", \"offset\": 4321, "
	         "\"times\": 1}]", o.oid);
	set_faults(faults);
	download_add(&d, &o, "corrupt");
	rc = download_run(&d);
	CHECK_MSG(rc == 0, "after a corrupted byte: %d: %s", rc, hfgit_error_last());
	check_stored(&d, &o);
	n = requests_for(reqs, MAX_REQUESTS, o.oid);
	CHECK_MSG(n == 2 && !strcmp(reqs[0].fault, "corrupt") && !reqs[1].fault[0] &&
	          !reqs[1].range[0], "%zu requests", n);
	CHECK(d.jobs[0].fetched == 2 * size);
	object_dispose(&o);
	download_dispose(&d);
}

/* The server's object is always 10 bytes longer than the pointer says: a clear failure, and
 * nothing in objects/. */
static void check_size_mismatch(void)
{
	const size_t size = 10000;
	char faults[256], expected[128];
	object o;
	download d;
	char *objects;
	int rc;

	download_init(&d);
	make_object(&o, size, false);
	snprintf(faults, sizeof(faults), "[{\"kind\": \"size\", \"oid\": \"%s\", \"extra\": 10}]",
	         o.oid);
	set_faults(faults);
	download_add(&d, &o, "wrong-size.bin");
	rc = download_run(&d);
	CHECK_MSG(rc < 0, "a size mismatch: %d", rc);
	snprintf(expected, sizeof(expected), "the pointer says %zu bytes but the server has %zu",
	         size, size + 10);
	CHECK_MSG(strstr(hfgit_error_last(), expected) && strstr(hfgit_error_last(), "wrong-size.bin"),
	          "message: %s", hfgit_error_last());
	objects = hfgit_layout__lfs_objects_dir(d.root);
	CHECK_MSG(count_files(objects) == 0, "%zu files in %s", count_files(objects), objects);
	free(objects);
	object_dispose(&o);
	download_dispose(&d);
}

/* A server that ignores where a range starts (bad_range), and one that compresses the body
 * unasked (gzip): the first is worked around with a whole GET, the second refused. */
static void check_bad_servers(void)
{
	const size_t size = 300000;
	request reqs[MAX_REQUESTS];
	char faults[256];
	object o, g;
	download d;
	size_t n, i, whole = 0;
	int rc;

	download_init(&d);
	d.opts.chunk = 64 * 1024;
	d.opts.jobs = 4;
	make_object(&o, size, false);
	snprintf(faults, sizeof(faults), "[{\"kind\": \"bad_range\", \"oid\": \"%s\"}]", o.oid);
	set_faults(faults);
	download_add(&d, &o, "bad-range");
	rc = download_run(&d);
	CHECK_MSG(rc == 0, "past a server that ignores ranges: %d: %s", rc, hfgit_error_last());
	check_stored(&d, &o);
	n = requests_for(reqs, MAX_REQUESTS, o.oid);
	for (i = 0; i < n; i++)
		whole += !reqs[i].range[0];
	CHECK_MSG(whole == 1, "%zu whole-object requests among %zu", whole, n);
	object_dispose(&o);
	download_dispose(&d);

	download_init(&d);
	make_object(&g, 20000, false);
	snprintf(faults, sizeof(faults), "[{\"kind\": \"gzip\", \"oid\": \"%s\"}]", g.oid);
	set_faults(faults);
	download_add(&d, &g, "gzipped.bin");
	rc = download_run(&d);
	CHECK_MSG(rc < 0 && strstr(hfgit_error_last(), "Content-Encoding"), "gzip: %d: %s", rc,
	          hfgit_error_last());
	CHECK(!hfgit_lfs__object_present(d.store, g.oid, g.size));
	object_dispose(&g);
	download_dispose(&d);
}

int main(int argc, char **argv)
{
	static const char *const proxies[] = { "http_proxy", "HTTP_PROXY", "https_proxy",
		                                   "HTTPS_PROXY", "all_proxy", "ALL_PROXY" };
	const char *tmp = getenv("TMPDIR");
	char cmd[600];
	size_t i;

	if (argc != 2) {
		fprintf(stderr, "usage: %s HUB_PY\n", argv[0]);
		return 2;
	}
	/* Loopback only: no proxy from the environment in between. */
	for (i = 0; i < sizeof(proxies) / sizeof(*proxies); i++)
		unsetenv(proxies[i]);
	snprintf(scratch, sizeof(scratch), "%s/hfgit-test-lfs-engine-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch))
		die("mkdtemp: %s", strerror(errno));
	snprintf(hub_root, sizeof(hub_root), "%s/hub", scratch);
	snprintf(log_path, sizeof(log_path), "%s/hub.log", scratch);
	mkdir_p(hub_root);
	if (hfgit_init() < 0)
		die("%s", hfgit_error_last());
	start_hub(argv[1]);

	check_plain();
	check_ranges();
	check_drop_resume();
	check_partial_resume(false);
	check_partial_resume(true);
	check_retry_after();
	check_not_found();
	check_client_error();
	check_corrupt();
	check_size_mismatch();
	check_bad_servers();

	stop_hub();
	hfgit_shutdown();
	if (!check_failures) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", scratch);
	} else {
		fprintf(stderr, "kept %s (the hub's log is hub.log)\n", scratch);
	}
	return check_finish();
}
