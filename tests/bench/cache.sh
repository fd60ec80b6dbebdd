#!/bin/sh
# The cache at work, in one run: a cold clone of the 1 GiB LFS repository, a warm clone into a
# new directory (ratio to the cold one), the disk used by the cache plus two checkouts (hard
# links counted once, as du does), and offline `hfgit resolve` of a cached tag.
# Usage: cache.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-20}
hfgit=$root/$build/hfgit
[ -x "$hfgit" ] || { echo "build hfgit first (cmake --build $build)" >&2; exit 1; }

fixtures=$root/$build/fixtures-bench
bash tests/fixtures/build-fixtures.sh "$fixtures" --bench
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-cache-bench.XXXXXX")
python3 tests/hub/hub.py --root "$fixtures/hub" --port-file "$work/port" \
	--cdn-port-file "$work/cdnport" >"$work/hub.out" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/port" ]; do sleep 0.05; done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$work/port")" HFGIT_HOME="$work/cache"

seconds() {
	python3 -c 'import subprocess, sys, time
t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print("%.4f" % (time.perf_counter() - t))' "$@"
}

sync
cold=$(seconds "$hfgit" clone -q hfgit-test/bench-big@v1.0 "$work/one")
sync
warm=$(seconds "$hfgit" clone -q hfgit-test/bench-big@v1.0 "$work/two")
bytes=$((1 << 30))
disk=$(du -scb "$work/cache" "$work/one" "$work/two" | tail -1 | cut -f1)
: >"$work/resolve"
i=0
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	HF_HUB_OFFLINE=1 seconds "$hfgit" resolve hfgit-test/bench-big@v1.0 >>"$work/resolve"
done
resolve=$(sort -n "$work/resolve" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')
awk -v c="$cold" -v w="$warm" -v d="$disk" -v b="$bytes" -v r="$resolve" -v n="$runs" 'BEGIN {
	printf "cold clone of 8 x 128 MiB       %7.3f s\n", c
	printf "warm clone into a new directory %7.3f s   %.1f%% of cold\n", w, 100 * w / c
	printf "disk: cache + 2 checkouts       %7.0f MiB  %.2f x the 1 GiB of content (extra: %.0f MiB)\n", d / 1048576, d / b, (d - b) / 1048576
	printf "offline resolve of a tag        %7.1f ms  (median of %d)\n", r * 1000, n }'
