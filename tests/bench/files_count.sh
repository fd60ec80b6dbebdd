#!/bin/sh
# How hfgit clone scales with the number of files, against its peers in the same run, on the
# local test hub with nginx as the CDN. Three repositories of LFS files in one folder:
#
#   files-2k     2,000 x 64 KiB
#   files-20k   20,000 x 4 KiB
#   files-100k 100,000 x 1 KiB
#
# For each: cold and warm wall times of
#   raw curl        the limit: 8 parallel curl processes fetching the objects to disk
#                   (warm: the same again, the bytes are then in the server's page cache)
#   git + git-lfs   git clone --depth 1 --branch v1.0 with git-lfs's defaults (warm: a
#                   second clone; git-lfs keeps no store shared between clones). It is
#                   stopped after GIT_LFS_LIMIT seconds (default 600) and reported as such.
#   hfgit           hfgit clone with an empty cache, then into a new directory (warm cache)
#   cp -al          a hard-link copy of hfgit's cold checkout: what making N files costs at
#                   least, the floor of any warm clone
# with the ratios, hfgit's time per file, the load average before and after each case (the
# machine may be shared), and at the end how that time per file grows from the smallest to the
# largest count. The big-file goal (8 x 128 MiB against raw curl and curl + sync, peak RSS) is
# lfs_clone.sh's bench-big case.
#
# The fixtures are made like build-fixtures.sh's bench repositories (tests/fixtures/gen.py
# writes the objects and canonical pointers by the LFS spec, real git commits them); real
# git-lfs then checks every pointer and object of each source repository (`git lfs fsck`).
# They are kept in BUILD_DIR/fixtures-files between runs.
# Usage: files_count.sh [BUILD_DIR] [RUNS] [CASES]   (CASES: e.g. "2k 20k"; default all)
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-1}
cases=${3:-"2k 20k 100k"}
limit=${GIT_LFS_LIMIT:-600}
hfgit=$root/$build/hfgit
[ -x "$hfgit" ] || { echo "build hfgit first (cmake --build $build)" >&2; exit 1; }
command -v nginx >/dev/null || sh third_party/install-deps.sh --extra

fixtures=$root/$build/fixtures-files
# A fixture is remade when the generator or the recipe (this version) changes.
stamp="1 $(sha256sum <tests/fixtures/gen.py | cut -c1-16)"
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-files-bench.XXXXXX")
. "$root/tests/bench/lib.sh"
hub=
cleanup() {
	stop_cdn
	[ -n "$hub" ] && kill "$hub" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT

# git and git-lfs with their defaults, and nothing from this machine's configuration.
export HOME=$work/home GIT_CONFIG_NOSYSTEM=1 LC_ALL=C
mkdir -p "$HOME"
git lfs install >/dev/null
git config --global advice.detachedHead false
git config --global lfs.locksverify false

# make_fixture NAME FILES SIZE: the source repo and the hub's bare copy, once.
make_fixture() {
	dir=$fixtures/$1
	[ "$(cat "$dir/.complete" 2>/dev/null)" = "$stamp" ] && return 0
	rm -rf "$dir"
	mkdir -p "$dir/hub/hfgit-test"
	echo "files_count: making $1 ($2 files of $3 bytes)" >&2
	(
		export GIT_AUTHOR_NAME="HF Git Fixtures" GIT_AUTHOR_EMAIL=fixtures@hfgit.test
		export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
		git -c init.defaultBranch=main init -q "$dir/src"
		cd "$dir/src"
		python3 "$root/tests/fixtures/gen.py" bench-lfs --name "hfgit-test/$1" --files "$2" \
			--size "$3" --per-dir "$2" --timestamp 1780000000 --store "$dir/hub/lfs/objects" \
			--link "$dir/src/.git/lfs/objects" --list "$dir/list" | git fast-import --quiet
		git reset -q --hard main
		git lfs fsck >/dev/null || { echo "git lfs fsck failed on $1" >&2; exit 1; }
		[ "$(git lfs ls-files | wc -l)" = "$2" ] || { echo "git-lfs does not see $2 files in $1" >&2; exit 1; }
		git clone -q --bare "$dir/src" "$dir/hub/hfgit-test/$1.git"
	)
	echo "$stamp" >"$dir/.complete"
}

# timed_or_limit OUT COMMAND...: seconds, or "stopped" past the limit
timed_or_limit() {
	out=$1
	shift
	if seconds timeout "$limit" "$@" >"$work/t.one" 2>/dev/null; then
		cat "$work/t.one" >>"$out"
	else
		echo ">$limit" >>"$out"
	fi
}

bench_case() {
	name=$1 files=$2 size=$3
	make_fixture "$name" "$files" "$size"
	load_before=$(cut -d' ' -f1-3 /proc/loadavg)
	dir=$fixtures/$name
	start_cdn "$dir/hub/lfs"
	rm -f "$work/port"
	python3 tests/hub/hub.py --root "$dir/hub" --port-file "$work/port" \
		--cdn-port-file "$work/cdnport" --cdn-url "http://127.0.0.1:$cdn_port" >"$work/hub.out" 2>&1 &
	hub=$!
	while [ ! -s "$work/port" ]; do sleep 0.05; done
	url="http://127.0.0.1:$(cat "$work/port")"
	awk -v p="$cdn_port" '{ o = $2; printf "http://127.0.0.1:%s/objects/%s/%s/%s\n", p, substr(o, 1, 2), substr(o, 3, 2), o }' \
		"$dir/list" >"$work/urls"
	per=$(( (files + 7) / 8 ))
	for f in curl curl.w git git.w cold warm links; do : >"$work/t.$f"; done
	i=0
	while [ $i -lt "$runs" ]; do
		i=$((i + 1))
		d=$work/run
		rm -rf "$d"; mkdir -p "$d/curl"
		(cd "$d/curl" && seconds sh -c "xargs -P 8 -n $per curl -s --remote-name-all <'$work/urls'") >>"$work/t.curl"
		(cd "$d/curl" && seconds sh -c "xargs -P 8 -n $per curl -s --remote-name-all <'$work/urls'") >>"$work/t.curl.w"
		rm -rf "$d"; mkdir -p "$d"
		seconds env HF_ENDPOINT="$url" HFGIT_HOME="$d/cache" "$hfgit" clone -q "hfgit-test/$name@v1.0" "$d/cold" >>"$work/t.cold"
		seconds env HF_ENDPOINT="$url" HFGIT_HOME="$d/cache" "$hfgit" clone -q "hfgit-test/$name@v1.0" "$d/warm" >>"$work/t.warm"
		seconds cp -al "$d/cold" "$d/links" >>"$work/t.links"
		rm -rf "$d"; mkdir -p "$d"
		timed_or_limit "$work/t.git" git clone -q --depth 1 --branch v1.0 "$url/hfgit-test/$name" "$d/git"
		if grep -q '>' "$work/t.git"; then
			echo ">$limit" >>"$work/t.git.w"
		else
			timed_or_limit "$work/t.git.w" git clone -q --depth 1 --branch v1.0 "$url/hfgit-test/$name" "$d/git2"
		fi
		rm -rf "$d"
	done
	kill "$hub" 2>/dev/null; wait "$hub" 2>/dev/null || true
	hub=
	stop_cdn
	c=$(median <"$work/t.curl"); cw=$(median <"$work/t.curl.w")
	h=$(median <"$work/t.cold"); w=$(median <"$work/t.warm"); l=$(median <"$work/t.links")
	g=$(grep -v '>' "$work/t.git" | median); gw=$(grep -v '>' "$work/t.git.w" | median)
	echo "$name: $files LFS files of $size bytes in one folder; median of $runs run(s)"
	echo "  load average before: $load_before, after: $(cut -d' ' -f1-3 /proc/loadavg)"
	awk -v c="$c" -v cw="$cw" -v h="$h" -v w="$w" -v l="$l" -v g="${g:-0}" -v gw="${gw:-0}" -v n="$files" -v lim="$limit" 'BEGIN {
		printf "                           cold          warm\n"
		printf "  raw parallel curl     %8.3f s    %8.3f s\n", c, cw
		if (g > 0) printf "  git clone + git-lfs   %8.3f s    %8.3f s\n", g, gw
		else printf "  git clone + git-lfs   stopped after %d s (not measured)\n", lim
		printf "  hfgit clone           %8.3f s    %8.3f s   (warm: %.1f%% of cold)\n", h, w, 100 * w / h
		printf "  cp -al of the checkout             %8.3f s   (hfgit warm: %.2f x that floor)\n", l, w / l
		printf "  hfgit cold: %.2f x raw curl", h / c
		if (g > 0) printf ", %.2f x git + git-lfs (warm: %.3f x git + git-lfs warm)", h / g, w / gw
		printf "\n  hfgit per file: cold %.1f us, warm %.1f us\n", 1e6 * h / n, 1e6 * w / n }'
	echo "$name $(awk -v h="$h" -v n="$files" 'BEGIN { print 1e6 * h / n }') $(awk -v w="$w" -v n="$files" 'BEGIN { print 1e6 * w / n }')" >>"$work/per-file"
}

: >"$work/per-file"
for c in $cases; do
	case $c in
	2k) bench_case files-2k 2000 $((64 << 10)) ;;
	20k) bench_case files-20k 20000 $((4 << 10)) ;;
	100k) bench_case files-100k 100000 1024 ;;
	*) echo "unknown case $c (2k, 20k, 100k)" >&2; exit 2 ;;
	esac
done
if [ "$(wc -l <"$work/per-file")" -gt 1 ]; then
	awk 'NR == 1 { n0 = $1; c0 = $2; w0 = $3 } { n = $1; c = $2; w = $3 }
	END { printf "hfgit time per file, %s -> %s: cold %.2f x, warm %.2f x\n", n0, n, c / c0, w / w0 }' "$work/per-file"
fi
