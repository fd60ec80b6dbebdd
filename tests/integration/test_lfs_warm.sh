#!/bin/sh
# A clone places what the store holds before it fetches anything (lib/checkout/lfs_files.c,
# placement.c): each LFS file is looked for by placing it. Checked against real git + git-lfs
# on a generated repository of 40 LFS files (more than the 32 a cold clone probes before it
# lets the fetch look): a cold, a warm and a partly warm store, a store whose first 32 objects
# are missing, a damaged object, and copies instead of links; each checkout has the content,
# a clean `git status`, passes `git lfs fsck`, and its index equals git + git-lfs's; the
# --json counts say what came from where. And the lfs-model fixture, whose two files share
# one object, counted once.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
MODEL=hfgit-test/warm-files
N=40

# --- A repository of N LFS files, made like the benchmarks' and checked by git-lfs ----------
mkdir -p "$WORK/hubroot/hfgit-test" "$WORK/clones"
(
	export GIT_AUTHOR_NAME="HF Git Tests" GIT_AUTHOR_EMAIL=tests@hfgit.test
	export GIT_COMMITTER_NAME=$GIT_AUTHOR_NAME GIT_COMMITTER_EMAIL=$GIT_AUTHOR_EMAIL
	git -c init.defaultBranch=main init -q "$WORK/src"
	cd "$WORK/src"
	python3 "$ROOT/tests/fixtures/gen.py" bench-lfs --name "$MODEL" --files $N --size 3000 \
		--per-dir 16 --timestamp 1780000000 --store "$WORK/hubroot/lfs/objects" \
		--link "$WORK/src/.git/lfs/objects" --list "$WORK/list" | git fast-import --quiet
	git reset -q --hard main
	git lfs fsck >/dev/null
	git clone -q --bare "$WORK/src" "$WORK/hubroot/$MODEL.git"
) || { echo "cannot make the test repository" >&2; exit 1; }
[ "$(git -C "$WORK/src" lfs ls-files | wc -l)" -eq $N ] && pass || fail "git-lfs does not see $N files"

objects=$HFGIT_HOME/lfs/objects
object_of() { awk -v n="$1" 'NR == n { print $2 }' "$WORK/list"; } # the Nth file's oid
path_of() { o=$(object_of "$1"); echo "$objects/$(echo "$o" | cut -c1-2)/$(echo "$o" | cut -c3-4)/$o"; }

HUB_ROOT=$WORK/hubroot
start_hub hub
export HF_ENDPOINT=$hub_URL HFGIT_TRACE=1
cd "$WORK/clones"
git lfs install >/dev/null # in this test's own HOME: git clone then smudges with git-lfs
git clone -q "$hub_URL/$MODEL" gitclone 2>"$WORK/git.err" || fail "git clone: $(cat "$WORK/git.err")"
check_eq "git + git-lfs: content, not pointers" "$(sha256sum gitclone/data/000/file-00000.bin | cut -d' ' -f1)" \
	"$(object_of 1)"

# json FIELD: a number of the last --json output's "lfs" object
json() {
	printf '%s' "$OUT" | python3 -c 'import json, sys; print(json.load(sys.stdin)["lfs"][sys.argv[1]])' "$1"
}

# check_clone DIR: as real git + git-lfs check it
check_clone() {
	check_eq "$1: exit code ($ERR)" "$RC" 0
	check_eq "$1: every file's content" \
		"$(cd "$1" && git ls-files -z | xargs -0 sha256sum)" \
		"$(cd gitclone && git ls-files -z | xargs -0 sha256sum)"
	check_eq "$1: git status" "$(git -C "$1" status --porcelain)" ""
	check_eq "$1: index as git + git-lfs's" "$(git -C "$1" ls-files --stage)" \
		"$(git -C gitclone ls-files --stage)"
	check_eq "$1: no entry needs a refresh" "$(git -C "$1" diff-files --name-only)" ""
	out=$(git -C "$1" lfs fsck 2>&1) && check_contains "$1: git lfs fsck" "$out" "OK" ||
		fail "$1: git lfs fsck: $out"
}

# counts: "objects fetched reused-bytes" of the last --json output
counts() { echo "$(json objects) $(json objects_fetched) $(json bytes_reused)"; }
# --- Cold: nothing in the store; the probe gives up, every object is downloaded ------------
run_hfgit clone --json "$MODEL" cold
check_clone cold
check_eq "cold: counts" "$(counts)" "$N $N 0"
case $ERR in *"files from the store"*) fail "cold: placed files from an empty store" ;; *) pass ;; esac

# --- Warm: every file from the store, no batch request --------------------------------------
mark=$(log_mark "$hub_LOG")
run_hfgit clone --json "$MODEL" warm
check_clone warm
check_contains "warm: placed before any fetch" "$ERR" "lfs: $N files from the store"
check_eq "warm: counts" "$(counts)" "$N 0 $((N * 3000))"
check_eq "warm: no batch request" "$(batch_since "$hub_LOG" "$mark")" 0
check_eq "warm: hard links to the store" "$(stat -c %i warm/"$(git -C warm ls-files | grep bin | head -n 1)")" \
	"$(stat -c %i "$(path_of 1)")"

# --- Partly warm: every eighth object gone; those are downloaded, the rest linked ----------
for i in 1 9 17 25 33; do rm -f "$(path_of $i)"; done
run_hfgit clone --json "$MODEL" partly
check_clone partly
check_contains "partly: the others from the store" "$ERR" "lfs: $((N - 5)) files from the store"
check_eq "partly: counts" "$(counts)" "$N 5 $(((N - 5) * 3000))"

# --- The first 32 files' objects gone: the probe stops, the fetch finds the other 8 --------
i=1
while [ $i -le 32 ]; do rm -f "$(path_of $i)"; i=$((i + 1)); done
run_hfgit clone --json "$MODEL" probe
check_clone probe
case $ERR in *"files from the store"*) fail "probe: placed files after 32 misses" ;; *) pass ;; esac
check_eq "probe: counts" "$(counts)" "$N 32 $(((N - 32) * 3000))"

# --- A damaged object (wrong size) is not placed: it is downloaded again -------------------
victim=$(path_of 40)
chmod u+w "$victim" && head -c 100 /dev/zero >"$victim"
run_hfgit clone --json "$MODEL" damaged
check_clone damaged
check_eq "damaged: counts" "$(counts)" "$N 1 $(((N - 1) * 3000))"
check_eq "damaged: the object is whole again" "$(stat -c %s "$victim")" 3000

# --- Copies instead of links, from a warm store --------------------------------------------
run_hfgit clone --json --link copy "$MODEL" copies
check_clone copies
check_contains "copies: placed before any fetch" "$ERR" "lfs: $N files from the store"
[ "$(stat -c %h copies/"$(git -C copies ls-files | grep bin | head -n 1)")" = 1 ] && pass ||
	fail "copies: a file is linked"

# --- Two files with one object (lfs-model), warm: counted once -----------------------------
HUB_ROOT=$FIXTURES/hub
start_hub fixtures
run_hfgit clone --json --endpoint "$fixtures_URL" hfgit-test/lfs-model model-cold
check_eq "lfs-model cold: exit code ($ERR)" "$RC" 0
run_hfgit clone --json --endpoint "$fixtures_URL" hfgit-test/lfs-model model-warm
check_eq "lfs-model warm: exit code ($ERR)" "$RC" 0
check_eq "lfs-model warm: files, objects, fetched, reused bytes" \
	"$(json files) $(counts)" "$MAIN_POINTERS $MAIN_OBJECTS 0 $MAIN_OBJECT_BYTES"
check_eq "lfs-model warm: git status" "$(git -C model-warm status --porcelain)" ""

finish
