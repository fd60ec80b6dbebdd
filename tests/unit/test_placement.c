/*
 * Unit tests for checkout placement: hfgit_fs__place (lib/core/fs.c) and the link policy on
 * top of it, hfgit_worktree__place (lib/checkout/worktree.c). For every link mode and for
 * executable and plain files: the content, whether the file is a hard link of the object
 * (same inode, link count), and its permissions. Whether this file system has reflinks is asked
 * of coreutils (`cp --reflink=always`), not of the code under test, and the test says which
 * path it took. Then the errors: an existing destination, a missing object, and (where
 * /dev/shm is another file system) hard links across devices, which `auto` turns into copies.
 * And the same relative to directory descriptors (hfgit_fs__place_at), with the stat data
 * they report.
 */
#define _GNU_SOURCE
#include "checkout/worktree.h"
#include "core/fs.h"
#include "check.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CONTENT "the bytes of an LFS object\n"
#define OTHER "someone else's file\n"

static char scratch[256];
static bool have_reflinks;
static int case_number;

static void path_in(char *out, size_t size, const char *dir, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static void path_in(char *out, size_t size, const char *dir, const char *fmt, ...)
{
	char name[128];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(name, sizeof(name), fmt, ap);
	va_end(ap);
	snprintf(out, size, "%s/%s", dir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	if (!f || fputs(text, f) < 0 || fclose(f) != 0 || chmod(path, mode) < 0) {
		perror(path);
		exit(1);
	}
}

static bool has_content(const char *path, const char *text)
{
	char buf[256] = "";
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return false;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return strcmp(buf, text) == 0;
}

/* A store object as the store leaves it: read-only. */
static void make_object(char *out, size_t size, const char *dir)
{
	path_in(out, size, dir, "object-%d", ++case_number);
	write_file(out, CONTENT, 0444);
}

/* Whether cp (coreutils) can reflink in `dir`: the reference for what the code should do. */
static bool reflinks_in(const char *dir)
{
	char a[512], b[512], cmd[1200];
	bool ok;

	path_in(a, sizeof(a), dir, "probe-a");
	path_in(b, sizeof(b), dir, "probe-b");
	write_file(a, "probe\n", 0644);
	snprintf(cmd, sizeof(cmd), "cp --reflink=always '%s' '%s' 2>/dev/null", a, b);
	ok = system(cmd) == 0;
	unlink(a);
	unlink(b);
	return ok;
}

static const char *mode_name(hfgit_link_mode mode)
{
	switch (mode) {
	case HFGIT_LINK_AUTO: return "auto";
	case HFGIT_LINK_REFLINK: return "reflink";
	case HFGIT_LINK_HARDLINK: return "hardlink";
	case HFGIT_LINK_COPY: return "copy";
	}
	return "?";
}

/* What the file at `dst` should be after placing `object`, by the documented policy. */
typedef enum { PLACED_LINK, PLACED_COPY, PLACED_REFUSED } placed;

static placed expected_placement(hfgit_link_mode mode, bool executable, bool same_device)
{
	switch (mode) {
	case HFGIT_LINK_REFLINK:
		return have_reflinks && same_device ? PLACED_COPY : PLACED_REFUSED;
	case HFGIT_LINK_COPY:
		return PLACED_COPY;
	case HFGIT_LINK_AUTO:
	case HFGIT_LINK_HARDLINK:
		/* A reflink is an independent file, like a copy. An executable is never a hard link:
		 * it would share the object's read-only, non-executable mode. */
		if ((mode == HFGIT_LINK_AUTO && have_reflinks && same_device) || executable ||
		    !same_device)
			return PLACED_COPY;
		return PLACED_LINK;
	}
	return PLACED_REFUSED;
}

static void check_one(const char *objects_dir, const char *dst_dir, hfgit_link_mode mode,
                      unsigned int file_mode, bool same_device)
{
	bool executable = (file_mode & 0111) != 0, reflink_works = true;
	placed want = expected_placement(mode, executable, same_device);
	char object[512], dst[512];
	struct stat so, sd;
	int rc;

	make_object(object, sizeof(object), objects_dir);
	path_in(dst, sizeof(dst), dst_dir, "%s-%o-%d", mode_name(mode), file_mode, case_number);
	rc = hfgit_worktree__place(object, dst, mode, file_mode, &reflink_works);
	if (stat(object, &so) < 0) {
		CHECK_MSG(0, "the object vanished: %s", object);
		return;
	}
	printf("# %s%s, %o: %s\n", mode_name(mode), same_device ? "" : " across devices", file_mode,
	       want == PLACED_REFUSED ? "refused" : want == PLACED_LINK ? "hard link" :
	       (mode == HFGIT_LINK_AUTO || mode == HFGIT_LINK_REFLINK) && have_reflinks &&
	       same_device ? "reflink" : "copy");
	if (want == PLACED_REFUSED) {
		CHECK_MSG(rc == HFGIT_EIO, "%s %o: %d", mode_name(mode), file_mode, rc);
		CHECK_MSG(strstr(hfgit_error_last(), "cannot reflink") &&
		          strstr(hfgit_error_last(), "--link"), "message: %s", hfgit_error_last());
		CHECK_MSG(access(dst, F_OK) < 0 && errno == ENOENT, "%s left behind", dst);
		return;
	}
	CHECK_MSG(rc == 0, "%s %o: %d: %s", mode_name(mode), file_mode, rc, hfgit_error_last());
	if (rc < 0 || stat(dst, &sd) < 0)
		return;
	CHECK_MSG(has_content(dst, CONTENT), "%s %o: wrong content", mode_name(mode), file_mode);
	CHECK_MSG(S_ISREG(sd.st_mode), "%s is not a regular file", dst);
	if (want == PLACED_LINK) {
		CHECK_MSG(sd.st_ino == so.st_ino && sd.st_dev == so.st_dev && sd.st_nlink == 2,
		          "%s %o: not a hard link of the object (nlink %lu)", mode_name(mode),
		          file_mode, (unsigned long)sd.st_nlink);
		/* The object's read-only mode, shared with it. */
		CHECK_MSG((sd.st_mode & 07777) == 0444, "%s %o: mode %o", mode_name(mode), file_mode,
		          (unsigned)(sd.st_mode & 07777));
	} else {
		CHECK_MSG(sd.st_ino != so.st_ino || sd.st_dev != so.st_dev,
		          "%s %o: a hard link, expected an independent file", mode_name(mode), file_mode);
		CHECK_MSG(sd.st_nlink == 1 && so.st_nlink == 1, "%s %o: link counts %lu %lu",
		          mode_name(mode), file_mode, (unsigned long)sd.st_nlink,
		          (unsigned long)so.st_nlink);
		CHECK_MSG((sd.st_mode & 07777) == file_mode, "%s %o: mode %o", mode_name(mode),
		          file_mode, (unsigned)(sd.st_mode & 07777));
		/* An independent file: writing it leaves the object alone. */
		if (chmod(dst, 0644) == 0) {
			write_file(dst, OTHER, 0644);
			CHECK_MSG(has_content(object, CONTENT), "%s %o: writing the file changed the object",
			          mode_name(mode), file_mode);
		}
	}
	/* auto remembers that reflinks do not work here, so that it stops trying. */
	if (mode == HFGIT_LINK_AUTO)
		CHECK_MSG(reflink_works == (have_reflinks && same_device), "auto: reflink_works %d",
		          reflink_works);
}

static int count_entries(const char *dir)
{
	char cmd[600], line[64] = "";
	FILE *p;

	snprintf(cmd, sizeof(cmd), "ls -A '%s' | wc -l", dir);
	if (!(p = popen(cmd, "r")))
		return -1;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	pclose(p);
	return atoi(line);
}

static const hfgit_link_mode modes[] = { HFGIT_LINK_AUTO, HFGIT_LINK_REFLINK, HFGIT_LINK_HARDLINK,
	                                     HFGIT_LINK_COPY };
#define NMODES (sizeof(modes) / sizeof(*modes))

static void check_modes(const char *objects_dir, const char *dst_dir, bool same_device)
{
	size_t m;
	int before = count_entries(dst_dir), made = 0;

	for (m = 0; m < NMODES; m++) {
		check_one(objects_dir, dst_dir, modes[m], 0644, same_device);
		check_one(objects_dir, dst_dir, modes[m], 0755, same_device);
		made += expected_placement(modes[m], false, same_device) != PLACED_REFUSED;
		made += expected_placement(modes[m], true, same_device) != PLACED_REFUSED;
	}
	/* The files placed and no temporary file besides them. */
	CHECK_MSG(count_entries(dst_dir) == before + made, "%s: %d entries, expected %d", dst_dir,
	          count_entries(dst_dir), before + made);
}

/* An existing destination is HFGIT_EEXISTS in every mode, and is left as it was. */
static void check_existing_destination(void)
{
	size_t m;

	for (m = 0; m < NMODES; m++) {
		char object[512], dst[512];
		bool reflink_works = true;
		int rc;

		make_object(object, sizeof(object), scratch);
		path_in(dst, sizeof(dst), scratch, "existing-%s", mode_name(modes[m]));
		write_file(dst, OTHER, 0644);
		rc = hfgit_worktree__place(object, dst, modes[m], 0644, &reflink_works);
		CHECK_MSG(rc == HFGIT_EEXISTS, "%s onto an existing file: %d", mode_name(modes[m]), rc);
		CHECK_MSG(rc == 0 || strstr(hfgit_error_last(), dst), "message: %s", hfgit_error_last());
		CHECK_MSG(has_content(dst, OTHER), "%s replaced an existing file", mode_name(modes[m]));
	}
}

/* A missing object is HFGIT_ENOTFOUND in every mode that tries anything, and leaves nothing. */
static void check_missing_source(void)
{
	size_t m;

	for (m = 0; m < NMODES; m++) {
		char object[512], dst[512];
		bool reflink_works = true;
		int rc;

		path_in(object, sizeof(object), scratch, "no-such-object");
		path_in(dst, sizeof(dst), scratch, "from-nothing-%s", mode_name(modes[m]));
		rc = hfgit_worktree__place(object, dst, modes[m], 0644, &reflink_works);
		CHECK_MSG(rc == HFGIT_ENOTFOUND, "%s of a missing object: %d (%s)", mode_name(modes[m]),
		          rc, rc ? hfgit_error_last() : "");
		CHECK_MSG(rc == 0 || strstr(hfgit_error_last(), "no-such-object"), "message: %s",
		          hfgit_error_last());
		CHECK_MSG(access(dst, F_OK) < 0, "%s: %s was made", mode_name(modes[m]), dst);
	}
}

/* hfgit_fs__place itself: which way it says it took, and "every way refused" as 1. */
static void check_fs_place(const char *other_fs)
{
	hfgit_fs_place_ways link_only = { false, true, false, 0644, false };
	hfgit_fs_place_ways copy_only = { false, false, true, 0600, true };
	hfgit_fs_place_ways none = { false, false, false, 0644, false };
	char object[512], dst[512];
	const char *made = "unset";
	struct stat st;

	make_object(object, sizeof(object), scratch);
	path_in(dst, sizeof(dst), scratch, "fs-link");
	CHECK(hfgit_fs__place(&made, object, dst, &link_only) == 0);
	CHECK_STR(made, "hard-linked");
	path_in(dst, sizeof(dst), scratch, "fs-copy");
	CHECK(hfgit_fs__place(&made, object, dst, &copy_only) == 0);
	CHECK_STR(made, "copied");
	CHECK(stat(dst, &st) == 0 && (st.st_mode & 07777) == 0600 && has_content(dst, CONTENT));
	path_in(dst, sizeof(dst), scratch, "fs-none");
	made = "unset";
	CHECK(hfgit_fs__place(&made, object, dst, &none) == 1);
	CHECK(made == NULL && access(dst, F_OK) < 0);
	if (other_fs) {
		/* A hard link across devices is refused by the file system: 1, no error, nothing. */
		char far[512];
		make_object(far, sizeof(far), other_fs);
		path_in(dst, sizeof(dst), scratch, "fs-link-across");
		made = "unset";
		CHECK(hfgit_fs__place(&made, far, dst, &link_only) == 1);
		CHECK(made == NULL && access(dst, F_OK) < 0);
		unlink(far);
	}
}

/*
 * hfgit_fs__place_at and hfgit_worktree__place_at: names relative to directory descriptors
 * (the current directory is elsewhere), the stat data of a copy as lstat(2) sees the file,
 * and whether the file is a hard link, as its inode says.
 */
static void check_place_at(void)
{
	hfgit_fs_place_ways copy_only = { false, false, true, 0640, false };
	char objects[512], tree[512], object[512], path[600], *name;
	const char *made = "unset";
	bool reflink_works = true, linked = true;
	struct stat st, seen, obj;
	int objects_fd, tree_fd;

	path_in(objects, sizeof(objects), scratch, "at-objects");
	path_in(tree, sizeof(tree), scratch, "at-tree");
	CHECK(mkdir(objects, 0755) == 0 && mkdir(tree, 0755) == 0);
	CHECK((objects_fd = open(objects, O_PATH | O_DIRECTORY)) >= 0);
	CHECK((tree_fd = open(tree, O_PATH | O_DIRECTORY)) >= 0);
	make_object(object, sizeof(object), objects);
	name = strrchr(object, '/') + 1;
	CHECK(stat(object, &obj) == 0);

	/* a copy: its stat data are the new file's, after its rename into place */
	CHECK(hfgit_fs__place_at(&made, objects_fd, name, tree_fd, "copied", &copy_only, &st) == 0);
	CHECK_STR(made, "copied");
	snprintf(path, sizeof(path), "%s/copied", tree);
	CHECK(lstat(path, &seen) == 0 && has_content(path, CONTENT));
	CHECK(st.st_ino == seen.st_ino && st.st_ctim.tv_nsec == seen.st_ctim.tv_nsec &&
	      st.st_ctim.tv_sec == seen.st_ctim.tv_sec && (seen.st_mode & 07777) == 0640);
	/* the same name again: EEXIST, the file left alone */
	CHECK(hfgit_fs__place_at(&made, objects_fd, name, tree_fd, "copied", &copy_only, &st) ==
	      HFGIT_EEXISTS);
	CHECK(has_content(path, CONTENT));

	/* the link policy: hard-linked, said so, no stat data made up */
	CHECK(hfgit_worktree__place_at(objects_fd, name, tree_fd, "linked", HFGIT_LINK_HARDLINK, 0644,
	                               &reflink_works, &st, &linked) == 0);
	snprintf(path, sizeof(path), "%s/linked", tree);
	CHECK(linked && lstat(path, &seen) == 0 && seen.st_ino == obj.st_ino);
	/* an executable file is its own copy, not a link */
	CHECK(hfgit_worktree__place_at(objects_fd, name, tree_fd, "run", HFGIT_LINK_AUTO, 0755,
	                               &reflink_works, &st, &linked) == 0);
	snprintf(path, sizeof(path), "%s/run", tree);
	CHECK(!linked && lstat(path, &seen) == 0 && seen.st_ino != obj.st_ino &&
	      st.st_ino == seen.st_ino && (seen.st_mode & 07777) == 0755);
	/* a missing object: HFGIT_ENOTFOUND, nothing made */
	CHECK(hfgit_worktree__place_at(objects_fd, "no-such-object", tree_fd, "missing",
	                               HFGIT_LINK_AUTO, 0644, &reflink_works, &st, &linked) ==
	      HFGIT_ENOTFOUND);
	snprintf(path, sizeof(path), "%s/missing", tree);
	CHECK(access(path, F_OK) < 0);
	/* mkdir -p relative to a directory */
	CHECK(hfgit_fs__mkdir_p_at(tree_fd, "a/b/c") == 0 && hfgit_fs__mkdir_p_at(tree_fd, "a/b") == 0);
	snprintf(path, sizeof(path), "%s/a/b/c", tree);
	CHECK(stat(path, &seen) == 0 && S_ISDIR(seen.st_mode));
	close(objects_fd);
	close(tree_fd);
}

/* A second file system for the cross-device cases: /dev/shm where it is one (a tmpfs). */
static bool make_other_fs_dir(char *out, size_t size)
{
	struct stat a, b;

	if (stat("/dev/shm", &b) < 0 || stat(scratch, &a) < 0 || a.st_dev == b.st_dev)
		return false;
	snprintf(out, size, "/dev/shm/hfgit-test-placement-XXXXXX");
	return mkdtemp(out) != NULL;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char far[256], objects[300], tree[300], cmd[700];
	bool other_fs;

	umask(022);
	snprintf(scratch, sizeof(scratch), "%s/hfgit-test-placement-XXXXXX",
	         tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(scratch)) {
		perror("mkdtemp");
		return 1;
	}
	path_in(objects, sizeof(objects), scratch, "objects");
	path_in(tree, sizeof(tree), scratch, "tree");
	if (mkdir(objects, 0755) < 0 || mkdir(tree, 0755) < 0)
		return 1;
	have_reflinks = reflinks_in(scratch);
	printf("# %s: %s\n", scratch, have_reflinks ? "reflinks work (cp --reflink=always): "
	       "auto and reflink make reflinks" : "no reflinks here (cp --reflink=always refuses): "
	       "reflink mode must fail, auto hard-links or copies");

	check_modes(objects, tree, true);
	check_existing_destination();
	check_missing_source();
	other_fs = make_other_fs_dir(far, sizeof(far));
	check_fs_place(other_fs ? far : NULL);
	check_place_at();
	if (other_fs) {
		printf("# across devices: objects in %s, files in %s\n", far, tree);
		check_modes(far, tree, false);
	} else {
		printf("# across devices: skipped (/dev/shm is no other file system here)\n");
	}

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'%s%s%s", scratch, other_fs ? " '" : "",
	         other_fs ? far : "", other_fs ? "'" : "");
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove the scratch directories\n");
	return check_finish();
}
