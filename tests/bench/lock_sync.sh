#!/bin/sh
# Lockfiles at work on the 1 GiB LFS repository (8 x 128 MiB), in one run:
#   - cold `hfgit sync --dir` (download, SHA-256 as it streams, checkout, every file verified
#     against the lock) against `git clone` + git-lfs of the same commit;
#   - a warm `hfgit sync` of the synced checkout (verification, and online the questions to
#     the hub): the XXH3 fast check (online, and offline as on a compute node) and --deep
#     (SHA-256) against their limits, `cat` (reading the bytes) and `sha256sum`.
# Usage: lock_sync.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
hfgit=$root/$build/hfgit
[ -x "$hfgit" ] || { echo "build hfgit first (cmake --build $build)" >&2; exit 1; }

fixtures=$root/$build/fixtures-bench
bash tests/fixtures/build-fixtures.sh "$fixtures" --bench
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-lock-bench.XXXXXX")
python3 tests/hub/hub.py --root "$fixtures/hub" --port-file "$work/port" \
	--cdn-port-file "$work/cdnport" >"$work/hub.out" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/port" ]; do sleep 0.05; done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$work/port")" HFGIT_HOME="$work/cache"
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git lfs install >/dev/null

seconds() {
	python3 -c 'import subprocess, sys, time
t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print("%.4f" % (time.perf_counter() - t))' "$@"
}

cd "$work"
"$hfgit" lock -o bench.lock hfgit-test/bench-big@v1.0 >/dev/null 2>&1
commit=$(awk '$1 == "commit" { print $2; exit }' bench.lock)
sync
cold=$(seconds "$hfgit" sync -q --dir synced bench.lock)
sync
git_cold=$(seconds sh -c "git clone -q '$HF_ENDPOINT/hfgit-test/bench-big' gitclone && git -C gitclone checkout -q $commit")
sync
files=$(find synced/bench-big -path '*/.git' -prune -o -name '*.bin' -print | sort | tr '\n' ' ')
fast=$(seconds "$hfgit" sync -q --dir synced bench.lock)
fast_offline=$(seconds "$hfgit" sync -q --offline --dir synced bench.lock)
deep=$(seconds "$hfgit" sync -q --deep --dir synced bench.lock)
# shellcheck disable=SC2086
read_all=$(seconds sh -c "cat $files >/dev/null")
# shellcheck disable=SC2086
sha=$(seconds sh -c "sha256sum $files >/dev/null")
awk -v c="$cold" -v g="$git_cold" -v f="$fast" -v o="$fast_offline" -v d="$deep" -v r="$read_all" -v s="$sha" 'BEGIN {
	printf "cold sync --dir (1 GiB LFS)        %7.3f s   git clone + git-lfs %7.3f s   ratio %.2f\n", c, g, c / g
	printf "warm sync, XXH3 fast check         %7.3f s   cat of the files     %7.3f s   ratio %.2f\n", f, r, f / r
	printf "warm sync --offline, XXH3          %7.3f s   cat of the files     %7.3f s   ratio %.2f\n", o, r, o / r
	printf "warm sync --deep (SHA-256)         %7.3f s   sha256sum            %7.3f s   ratio %.2f\n", d, s, d / s }'
