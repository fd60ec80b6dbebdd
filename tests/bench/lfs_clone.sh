#!/bin/sh
# Cold and warm `hfgit clone` of LFS-heavy repositories against its peers, all in one run, on
# the local test hub with nginx as the CDN:
#
#   raw curl          the limit: the same objects fetched by 8 parallel curl processes to disk,
#                     no hashing, no git (the bytes may still be in the page cache when it ends)
#   raw curl + sync   the same, then sync: the limit for bytes that are really on disk, which
#                     hfgit guarantees (fsync before an object gets its name)
#   git + git-lfs     git clone --depth 1 --branch v1.0 with git-lfs's default settings
#   skip-smudge+pull  GIT_LFS_SKIP_SMUDGE=1 git clone --depth 1 ... && git lfs pull
#   hfgit cold        hfgit clone with an empty cache
#   hfgit warm        hfgit clone of the same revision into a new directory (the cache is warm)
#
# Cases: hfgit-test/bench-big (8 LFS files of 128 MiB) and hfgit-test/bench-small-lfs (2,000
# LFS files of 64 KiB). Prints wall times, ratios to raw curl, hfgit's peak RSS and the LFS
# requests of the warm clone. Usage: lfs_clone.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-3}
hfgit=$root/$build/hfgit
[ -x "$hfgit" ] || { echo "build hfgit first (cmake --build $build)" >&2; exit 1; }
command -v nginx >/dev/null || sh third_party/install-deps.sh --extra

fixtures=$root/$build/fixtures-bench
bash tests/fixtures/build-fixtures.sh "$fixtures" --bench
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-lfs-bench.XXXXXX")
. "$root/tests/bench/lib.sh"
hub=
cleanup() {
	stop_cdn
	[ -n "$hub" ] && kill "$hub" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# nginx on a free loopback port, serving the hub's object store in its own layout.
start_cdn "$fixtures/hub/lfs"
python3 tests/hub/hub.py --root "$fixtures/hub" --port-file "$work/port" \
	--cdn-port-file "$work/cdnport" --cdn-url "http://127.0.0.1:$cdn_port" >"$work/hub.out" 2>&1 &
hub=$!
while [ ! -s "$work/port" ]; do sleep 0.05; done
url="http://127.0.0.1:$(cat "$work/port")"

# git and git-lfs with their defaults, and nothing from this machine's configuration.
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"
git lfs install >/dev/null
git config --global advice.detachedHead false

bench_case() {
	repo=$1
	src=$fixtures/src/$repo
	git -C "$src" lfs ls-files -l -I '*' 2>/dev/null | awk '{ print $1 }' >"$work/oids" ||
		git -C "$src" lfs ls-files -l | awk '{ print $1 }' >"$work/oids"
	sed "s|^\(..\)\(..\)\(.*\)|http://127.0.0.1:$cdn_port/objects/\1/\2/\1\2\3|" "$work/oids" >"$work/urls"
	objects=$(wc -l <"$work/urls")
	bytes=$(du -cb $(sed "s|^\(..\)\(..\)\(.*\)|$fixtures/hub/lfs/objects/\1/\2/\1\2\3|" "$work/oids") | tail -1 | cut -f1)
	: >"$work/t.curl"; : >"$work/t.curlsync"; : >"$work/t.git"; : >"$work/t.skip"; : >"$work/t.cold"; : >"$work/t.warm"
	: >"$work/rss.cold"
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		d=$work/run
		rm -rf "$d"; mkdir -p "$d/curl"
		(cd "$d/curl" && seconds sh -c "xargs -P 8 -n $(( (objects + 7) / 8 )) curl -s --remote-name-all <'$work/urls'") >>"$work/t.curl"
		rm -rf "$d"; mkdir -p "$d/curl"
		(cd "$d/curl" && seconds sh -c "xargs -P 8 -n $(( (objects + 7) / 8 )) curl -s --remote-name-all <'$work/urls' && sync") >>"$work/t.curlsync"
		rm -rf "$d"; mkdir -p "$d"
		seconds env HF_ENDPOINT="$url" HFGIT_HOME="$d/cache" "$hfgit" clone -q "$repo@v1.0" "$d/cold" >>"$work/t.cold"
		cat "$work/rss" >>"$work/rss.cold"
		before=$(wc -l <"$work/nginx/access.log")
		seconds env HF_ENDPOINT="$url" HFGIT_HOME="$d/cache" "$hfgit" clone -q "$repo@v1.0" "$d/warm" >>"$work/t.warm"
		warm_requests=$(($(wc -l <"$work/nginx/access.log") - before))
		rm -rf "$d"; mkdir -p "$d"
		seconds git clone -q --depth 1 --branch v1.0 "$url/$repo" "$d/git" >>"$work/t.git"
		rm -rf "$d"; mkdir -p "$d"
		seconds sh -c "GIT_LFS_SKIP_SMUDGE=1 git clone -q --depth 1 --branch v1.0 '$url/$repo' '$d/skip' && cd '$d/skip' && git lfs pull" >>"$work/t.skip"
		rm -rf "$d"
	done
	c=$(median <"$work/t.curl"); cs=$(median <"$work/t.curlsync")
	g=$(median <"$work/t.git"); s=$(median <"$work/t.skip")
	h=$(median <"$work/t.cold"); w=$(median <"$work/t.warm"); rss=$(median <"$work/rss.cold")
	echo "$repo: $objects LFS objects, $bytes bytes; median of $runs runs"
	awk -v c="$c" -v cs="$cs" -v g="$g" -v s="$s" -v h="$h" -v w="$w" 'BEGIN {
		printf "  raw parallel curl (limit)      %7.3f s   1.00\n", c
		printf "  raw curl + sync (on disk)      %7.3f s  %5.2f x limit\n", cs, cs / c
		printf "  git clone + git-lfs            %7.3f s  %5.2f x limit\n", g, g / c
		printf "  skip-smudge clone + lfs pull   %7.3f s  %5.2f x limit\n", s, s / c
		printf "  hfgit clone, cold cache        %7.3f s  %5.2f x limit  %5.2f x on-disk limit  (%.2f x git-lfs)\n", h, h / c, h / cs, h / g
		printf "  hfgit clone, warm cache        %7.3f s  %5.2f x cold\n", w, w / h }'
	echo "  hfgit cold peak RSS: $((rss / 1024)) MiB; LFS requests of the warm clone: $warm_requests"
}

bench_case hfgit-test/bench-big
bench_case hfgit-test/bench-small-lfs
