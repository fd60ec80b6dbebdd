#!/bin/sh
# Reuse of downloads already on the machine, in one run, on the 1 GiB LFS repository
# (8 x 128 MiB): a cold clone that downloads everything from the local hub, a clone whose
# objects are all in a huggingface_hub cache (written here in its layout: blobs named by their
# SHA-256), and peers on the same bytes: `openssl dgst -sha256` and `sha256sum` of the blobs
# (every byte must be hashed once before use: OpenSSL's is the floor, the library hfgit
# hashes with) and `cp` of them (what a copy costs where no reflink or hard link is possible).
# Ratios to the cold clone and to the hashing floor.
# Usage: reuse.sh [BUILD_DIR]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
hfgit=$root/$build/hfgit
[ -x "$hfgit" ] || { echo "build hfgit first (cmake --build $build)" >&2; exit 1; }

fixtures=$root/$build/fixtures-bench
bash tests/fixtures/build-fixtures.sh "$fixtures" --bench
. "$fixtures/facts/bench-big.env"
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-reuse-bench.XXXXXX")
python3 tests/hub/hub.py --root "$fixtures/hub" --port-file "$work/port" --log "$work/hub.log" \
	--cdn-port-file "$work/cdnport" >"$work/hub.out" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/port" ]; do sleep 0.05; done
export HF_ENDPOINT="http://127.0.0.1:$(cat "$work/port")"

seconds() {
	python3 -c 'import subprocess, sys, time
t = time.perf_counter(); subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
print("%.4f" % (time.perf_counter() - t))' "$@"
}

# The huggingface_hub cache, as transformers leaves it (only the blobs matter for reuse).
blobs=$work/hf/hub/models--hfgit-test--bench-big/blobs
mkdir -p "$blobs"
git -C "$fixtures/$SRC" lfs ls-files -l | while read -r oid _ _; do
	cp "$fixtures/lfs-objects/$oid" "$blobs/$oid"
done
[ "$(ls "$blobs" | wc -l)" -eq "$FILES" ] || { echo "bench-big: expected $FILES blobs" >&2; exit 1; }

sync
cold=$(HFGIT_HOME=$work/cold HF_HUB_CACHE=$work/none seconds "$hfgit" clone -q "$REPO_ID@v1.0" "$work/c1")
sync
mark=$(wc -l <"$work/hub.log")
reuse=$(HFGIT_HOME=$work/reuse HF_HUB_CACHE=$work/hf/hub seconds "$hfgit" clone -q "$REPO_ID@v1.0" "$work/c2")
cdn=$(tail -n +"$((mark + 1))" "$work/hub.log" | grep -c '"server": *"cdn"' || true)
[ "$cdn" -eq 0 ] || { echo "the clone from the hub cache made $cdn CDN requests" >&2; exit 1; }
sync
hash=$(seconds sh -c "openssl dgst -sha256 '$blobs'/* >/dev/null")
coreutils=$(seconds sh -c "sha256sum '$blobs'/* >/dev/null")
sync
copy=$(seconds sh -c "mkdir '$work/cp' && cp '$blobs'/* '$work/cp'/ && sync")
awk -v c="$cold" -v r="$reuse" -v h="$hash" -v u="$coreutils" -v p="$copy" 'BEGIN {
	printf "cold clone, everything downloaded        %7.3f s\n", c
	printf "clone from a huggingface_hub cache       %7.3f s   %.2f x cold, %.2f x the hashing floor\n", r, r / c, r / h
	printf "floor: openssl dgst -sha256 of the blobs %7.3f s\n", h
	printf "peer: sha256sum of the blobs             %7.3f s\n", u
	printf "peer: cp of the blobs (+ sync)           %7.3f s\n", p }'
