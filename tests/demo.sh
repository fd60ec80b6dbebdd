#!/bin/sh
# The main job of the README: installs what is needed (Debian 12, as root), builds hfgit,
# starts the local test hub on loopback with the small bundled model repository, clones
# hfgit-test/tiny-distilbert-sst2@v1.0 from it (git + Git LFS content, verified), checks the
# checkout with real git and git-lfs, instantiates the model from it with `hfgit inspect`, and
# runs it on a sentence with `hfgit run` (its tokenizer comes from the same commit).
# Idempotent. Override the model with: demo.sh ID@REV
set -eu
cd "$(dirname "$0")/.."
root=$(pwd)
spec=${1:-hfgit-test/tiny-distilbert-sst2@v1.0}

sh third_party/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$(nproc 2>/dev/null || echo 2)" >/dev/null
bash tests/fixtures/build-fixtures.sh build/fixtures

work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-demo.XXXXXX")
python3 tests/hub/hub.py --root build/fixtures/hub --port-file "$work/port" --log "$work/hub.log" \
	--redirect bert-base-uncased=google-bert/bert-base-uncased >"$work/hub.out" 2>&1 &
hub=$!
trap 'kill $hub 2>/dev/null; wait $hub 2>/dev/null; rm -rf "$work"' EXIT
while [ ! -s "$work/port" ]; do
	kill -0 $hub 2>/dev/null || { cat "$work/hub.out" >&2; exit 1; }
	sleep 0.05
done

export HF_ENDPOINT="http://127.0.0.1:$(cat "$work/port")" HFGIT_HOME="$work/cache"
echo "local test hub: $HF_ENDPOINT"
echo "\$ hfgit ls-remote ${spec%@*}"
"$root/build/hfgit" ls-remote "${spec%@*}"
echo "\$ hfgit resolve $spec"
"$root/build/hfgit" resolve "$spec"
echo "\$ hfgit clone $spec $work/clone"
"$root/build/hfgit" clone "$spec" "$work/clone"
echo "\$ git -C clone log --stat"
git -C "$work/clone" log --stat --decorate
echo "\$ git -C clone status"
git -C "$work/clone" status
if command -v git-lfs >/dev/null; then
	echo "\$ git -C clone lfs ls-files"
	git -C "$work/clone" lfs ls-files
fi
echo "\$ hfgit inspect clone"
"$root/build/hfgit" inspect "$work/clone"
echo "\$ hfgit run $spec \"This film was really good!\""
"$root/build/hfgit" run "$spec" "This film was really good!"
