#!/bin/sh
# hfgit clone against git clone --depth 1 --branch TAG, on the same local hub, in one run:
# a repository of ~200 commits and ~100 small files (fixture hfgit-test/bench-small, tag v1.0).
# Prints the median wall time of each and their ratio. Usage: clone_small.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/../.."
build=${1:-build}
runs=${2:-7}
hfgit=$(pwd)/$build/hfgit
[ -x "$hfgit" ] || { echo "build hfgit first (cmake --build $build)" >&2; exit 1; }

fixtures=$build/fixtures-bench
bash tests/fixtures/build-fixtures.sh "$fixtures" --bench
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-bench.XXXXXX")
python3 tests/hub/hub.py --root "$fixtures/hub" --port-file "$work/port" >"$work/hub.out" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null; wait $hub 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/port" ]; do sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")"
export HOME=$work GIT_CONFIG_NOSYSTEM=1

# seconds COMMAND...: wall time of one run, in seconds.
seconds() {
	python3 -c 'import subprocess, sys, time
t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print("%.4f" % (time.perf_counter() - t))' "$@"
}
median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

i=0
: >"$work/git" ; : >"$work/cold" ; : >"$work/warm"
while [ $i -lt "$runs" ]; do
	i=$((i + 1))
	seconds git clone -q --depth 1 --branch v1.0 "$url/hfgit-test/bench-small" "$work/g$i" >>"$work/git"
	seconds env HF_ENDPOINT="$url" HFGIT_HOME="$work/cache$i" "$hfgit" clone -q \
		hfgit-test/bench-small@v1.0 "$work/c$i" >>"$work/cold"
	seconds env HF_ENDPOINT="$url" HFGIT_HOME="$work/cache$i" "$hfgit" clone -q \
		hfgit-test/bench-small@v1.0 "$work/w$i" >>"$work/warm"
done
g=$(median <"$work/git"); c=$(median <"$work/cold"); w=$(median <"$work/warm")
files=$(git -C "$work/g1" ls-files | wc -l)
echo "bench-small: $files files, tag v1.0, $runs runs, medians:"
printf '  git clone --depth 1 --branch v1.0   %.3f s\n' "$g"
awk -v g="$g" -v c="$c" -v w="$w" 'BEGIN {
	printf "  hfgit clone (cold cache)             %.3f s   ratio %.2f\n", c, c / g
	printf "  hfgit clone (warm cache)             %.3f s   ratio %.2f\n", w, w / g }'
