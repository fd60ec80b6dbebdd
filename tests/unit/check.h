/*
 * A minimal unit-test harness: CHECK records a failure with its location and goes on, so one
 * run reports every broken case; the test's main returns check_finish().
 */
#ifndef HFGIT_TESTS_CHECK_H
#define HFGIT_TESTS_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures;
static int check_count;

#define CHECK(cond) CHECK_MSG(cond, "%s", #cond)

#define CHECK_MSG(cond, ...)                                                   \
	do {                                                                       \
		check_count++;                                                         \
		if (!(cond)) {                                                         \
			check_failures++;                                                  \
			fprintf(stderr, "%s:%d: check failed: ", __FILE__, __LINE__);     \
			fprintf(stderr, __VA_ARGS__);                                      \
			fputc('\n', stderr);                                               \
		}                                                                      \
	} while (0)

#define CHECK_STR(actual, expected)                                            \
	do {                                                                       \
		const char *a_ = (actual), *e_ = (expected);                           \
		CHECK_MSG((a_ == NULL && e_ == NULL) ||                                \
		              (a_ != NULL && e_ != NULL && strcmp(a_, e_) == 0),       \
		          "%s is \"%s\", expected \"%s\"", #actual, a_ ? a_ : "(null)", \
		          e_ ? e_ : "(null)");                                         \
	} while (0)

static inline int check_finish(void)
{
	printf("%d passed, %d failed\n", check_count - check_failures, check_failures);
	return check_failures ? 1 : 0;
}

#endif
