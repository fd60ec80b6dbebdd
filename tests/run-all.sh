#!/bin/sh
# The test command of the README: installs what is needed (Debian 12, as root), then builds
# and runs every test twice: a normal build, and one with AddressSanitizer,
# UndefinedBehaviorSanitizer and LeakSanitizer (any report fails). Idempotent.
set -eu
cd "$(dirname "$0")/.."

sh third_party/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

run_build() { # DIR CMAKE_ARGS...
	dir=$1
	shift
	cmake -S . -B "$dir" "$@" >/dev/null
	cmake --build "$dir" -j "$jobs"
	ctest --test-dir "$dir" -j "$jobs" --output-on-failure
}

echo "== normal build"
run_build build -DCMAKE_BUILD_TYPE=RelWithDebInfo
echo "== sanitizer build (ASan + UBSan + LSan)"
ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:halt_on_error=1 \
UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	run_build build-sanitize -DCMAKE_BUILD_TYPE=Debug -DHFGIT_SANITIZE=ON
