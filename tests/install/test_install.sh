#!/bin/sh
# Installs the build into a temporary prefix, as `cmake --install` does for a user, then builds
# and runs a small C program against it: with pkg-config (shared and --static) and with a
# CMake project that uses find_package(hfgit). Also checks that the tool, the man pages and
# the bash completion were installed. Called by ctest: test_install.sh BUILD_DIR SOURCE_DIR [CFLAGS]
set -eu

BUILD=$1
SRC=$2
EXTRA_CFLAGS=${3:-}
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-install.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
PREFIX=$WORK/prefix
FAILURES=0
CHECKS=0
check() { # WHAT COMMAND...
	what=$1
	shift
	CHECKS=$((CHECKS + 1))
	if ! "$@" >"$WORK/check.out" 2>&1; then
		FAILURES=$((FAILURES + 1))
		echo "FAIL: $what" >&2
		cat "$WORK/check.out" >&2
	fi
}
expect_output() { # WHAT EXPECTED COMMAND...
	what=$1
	expected=$2
	shift 2
	CHECKS=$((CHECKS + 1))
	got=$("$@" 2>&1) || true
	if [ "$got" != "$expected" ]; then
		FAILURES=$((FAILURES + 1))
		echo "FAIL: $what: got '$got', expected '$expected'" >&2
	fi
}

cmake --install "$BUILD" --prefix "$PREFIX" >"$WORK/install.log"
version=$(sed -n 's/^#define HFGIT_VERSION "\(.*\)"/\1/p' "$SRC/lib/include/hfgit/common.h")
want="$version google-bert/bert-base-uncased v1.0"

for f in bin/hfgit include/hfgit.h include/hfgit/common.h include/hfgit/sys/architecture.h \
         share/doc/hfgit/LICENSE share/man/man1/hfgit.1 \
         share/man/man1/hfgit-clone.1 share/bash-completion/completions/hfgit; do
	check "installed $f" test -s "$PREFIX/$f"
done
libdir=$(dirname "$(find "$PREFIX" -name hfgit.pc | head -n 1)")/..
check "shared library installed with its soname link" test -e "$libdir/libhfgit.so.0"
check "static library installed" test -e "$libdir/libhfgit.a"
expect_output "installed tool runs" "hfgit $version" "$PREFIX/bin/hfgit" --version

# pkg-config, as a Makefile would use it; the prefix is found from the .pc file's location.
export PKG_CONFIG_PATH="$libdir/pkgconfig"
expect_output "pkg-config --modversion" "$version" pkg-config --modversion hfgit
# shellcheck disable=SC2046
check "compile and link with pkg-config (shared)" \
	cc $EXTRA_CFLAGS -o "$WORK/pc_shared" "$SRC/tests/install/consumer.c" \
		$(pkg-config --cflags --libs hfgit)
expect_output "run the pkg-config program (shared)" "$want" \
	env LD_LIBRARY_PATH="$libdir" "$WORK/pc_shared"
# The static libhfgit with the shared libraries of its dependencies (`pkg-config --static`
# would also want the static archives of libcurl's own dependencies, which Debian's -dev
# packages do not all ship). hfgit.pc's Requires.private names exactly these modules.
deps=$(pkg-config --print-requires-private hfgit | tr '\n' ' ')
check "hfgit.pc names its dependencies" test "$deps" = "libgit2 libcurl json-c libxxhash libcrypto libutf8proc libpcre2-32 libpng libjpeg "
# shellcheck disable=SC2046,SC2086
check "compile and link against the static library" \
	cc $EXTRA_CFLAGS -o "$WORK/pc_static" "$SRC/tests/install/consumer.c" \
		$(pkg-config --cflags hfgit) "$libdir/libhfgit.a" $(pkg-config --libs $deps) -lpthread -lm
expect_output "run the pkg-config program (static)" "$want" "$WORK/pc_static"
check "the static program does not need libhfgit.so" sh -c "! ldd '$WORK/pc_static' | grep -q libhfgit"

# CMake: find_package(hfgit) with the imported targets hfgit::hfgit and hfgit::hfgit_static.
check "configure a CMake project with find_package(hfgit)" \
	cmake -S "$SRC/tests/install" -B "$WORK/consumer" -DCMAKE_PREFIX_PATH="$PREFIX" \
		-DCMAKE_C_FLAGS="$EXTRA_CFLAGS" -DCMAKE_EXE_LINKER_FLAGS="$EXTRA_CFLAGS"
check "build the CMake project" cmake --build "$WORK/consumer"
expect_output "run the CMake program (hfgit::hfgit)" "$want" "$WORK/consumer/consumer_shared"
expect_output "run the CMake program (hfgit::hfgit_static)" "$want" "$WORK/consumer/consumer_static"
expect_output "an invalid id is an error through the installed library" "error: " \
	sh -c "'$WORK/consumer/consumer_shared' 'bad--id' 2>&1 | cut -c1-7"

echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
[ "$FAILURES" -eq 0 ]
