#!/bin/sh
# hfgit clone of each revision kind gives a real, shallow, depth-1 git repository, checked
# with the real git: HEAD, one commit, .git/shallow, origin, how the revision is recorded,
# git fsck, a clean git status, the source's tree, and that git itself can fetch into it.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-model.env"
SRC=$FIXTURES/src/hfgit-test/tiny-model
MODEL=hfgit-test/tiny-model

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"

expect() { git -C "$SRC" rev-parse --verify -q "$1^{commit}"; }

# check_clone DIR REV KIND: the checks every clone must pass.
check_clone() {
	dir=$1 rev=$2 kind=$3
	want=$(expect "$rev")
	check_eq "$dir: HEAD" "$(git -C "$dir" rev-parse HEAD)" "$want"
	check_eq "$dir: commits in log" "$(git -C "$dir" log --oneline | wc -l | tr -d ' ')" 1
	check_eq "$dir: .git/shallow" "$(cat "$dir/.git/shallow" 2>/dev/null)" "$want"
	check_eq "$dir: origin" "$(git -C "$dir" remote get-url origin)" "$hub_URL/$MODEL"
	check_eq "$dir: tree" "$(git -C "$dir" rev-parse 'HEAD^{tree}')" "$(git -C "$SRC" rev-parse "$want^{tree}")"
	check_eq "$dir: git status" "$(git -C "$dir" status --porcelain)" ""
	if fsck=$(git -C "$dir" fsck --full 2>&1); then
		check_eq "$dir: git fsck output" "$fsck" ""
	else
		fail "$dir: git fsck failed: $fsck"
	fi
	for f in $(git -C "$SRC" ls-tree -r --name-only "$want"); do
		if ! git -C "$SRC" cat-file blob "$want:$f" | cmp -s - "$dir/$f"; then
			fail "$dir: working file $f differs from the source"
		fi
	done
	case $kind in
	branch)
		check_eq "$dir: checked-out branch" "$(git -C "$dir" symbolic-ref HEAD)" "refs/heads/$rev"
		check_eq "$dir: upstream" "$(git -C "$dir" rev-parse --abbrev-ref '@{upstream}')" "origin/$rev" ;;
	tag)
		check_eq "$dir: detached" "$(git -C "$dir" symbolic-ref -q HEAD || echo detached)" detached
		check_eq "$dir: tag" "$(git -C "$dir" describe --tags --exact-match HEAD)" "$rev"
		check_eq "$dir: tag object type" "$(git -C "$dir" cat-file -t "refs/tags/$rev")" \
			"$(git -C "$SRC" cat-file -t "refs/tags/$rev")" ;;
	ref)
		check_eq "$dir: detached" "$(git -C "$dir" symbolic-ref -q HEAD || echo detached)" detached
		check_eq "$dir: ref kept" "$(git -C "$dir" rev-parse "$rev")" "$want" ;;
	commit)
		check_eq "$dir: detached" "$(git -C "$dir" symbolic-ref -q HEAD || echo detached)" detached ;;
	esac
}

# clone_ok REV DIR [KIND]
clone_ok() {
	run_hfgit clone -q --no-lfs "$MODEL${1:+@$1}" "$2"
	check_eq "clone '$1' exit code ($ERR)" "$RC" 0
}

mark=$(log_mark "$hub_LOG")
clone_ok "" default
check_clone default main branch
# The fetch reads the refs the resolution listed, as git does: one GET, then the POSTs.
check_eq "first clone: one info/refs, then upload-pack" \
	"$(log_since "$hub_LOG" "$mark" | awk '$1 != "POST" || last != "POST" { print $1, $2 } { last = $1 }')" \
	"GET /hfgit-test/tiny-model/info/refs
POST /hfgit-test/tiny-model/git-upload-pack"
clone_ok dev dev
check_clone dev dev branch
clone_ok feature/x featx
check_clone featx feature/x branch
clone_ok v1.0 v1
check_clone v1 v1.0 tag
clone_ok v2.0.1 v2
check_clone v2 v2.0.1 tag
clone_ok refs/pr/1 pr1
check_clone pr1 refs/pr/1 ref
clone_ok "$DEEP_COMMIT" deep
check_clone deep "$DEEP_COMMIT" commit
clone_ok "$(echo "$DEV_COMMIT" | cut -c1-8)" short
check_clone short "$DEV_COMMIT" commit

# Without DIR the clone goes to the repository's name; an existing empty directory is fine.
run_hfgit clone -q --no-lfs "$MODEL@v1.0"
check_eq "default directory name" "$(git -C tiny-model rev-parse HEAD)" "$(expect v1.0)"
mkdir empty
clone_ok v2.0.1 empty
check_clone empty v2.0.1 tag

# --json prints one object naming what was cloned where.
run_hfgit clone --json --no-lfs "$MODEL@dev" jsonclone
check_contains "json commit" "$OUT" "\"commit\":\"$DEV_COMMIT\""
check_contains "json path" "$OUT" "\"path\":\"$WORK/clones/jsonclone\""
check_contains "json kind" "$OUT" '"kind":"branch"'
check_eq "json stderr is quiet" "$ERR" ""

# The clone is a repository git itself keeps working with: fetch and pull from the hub.
(cd dev && git fetch -q --depth 1 origin && git pull -q --ff-only) >"$WORK/git-fetch.log" 2>&1 &&
	pass || fail "git fetch/pull in a clone: $(cat "$WORK/git-fetch.log")"

# A second clone of a cached revision reuses the store: no pack is fetched again.
mark=$(log_mark "$hub_LOG")
clone_ok v2.0.1 again
check_eq "second clone: requests" "$(log_since "$hub_LOG" "$mark")" \
	"GET /hfgit-test/tiny-model/info/refs 200"

# Nor is a temporary repository made for it: with no room for one (the cache's tmp a file),
# a clone of a cached revision still succeeds, one that must fetch says why it cannot.
rm -rf "$HFGIT_HOME/tmp"
: >"$HFGIT_HOME/tmp"
clone_ok v2.0.1 no-tmp
check_clone no-tmp v2.0.1 tag
rm -f "$HFGIT_HOME/tmp"
mkdir -p "$WORK/cache-no-tmp"
: >"$WORK/cache-no-tmp/tmp"
HFGIT_HOME=$WORK/cache-no-tmp run_hfgit clone -q --no-lfs "$MODEL@v2.0.1" fetch-no-tmp
[ "$RC" -ne 0 ] && pass || fail "a fetch needs the cache's tmp: exit code 0"
check_contains "a fetch needs the cache's tmp: message" "$ERR" \
	"cannot create a temporary directory '$WORK/cache-no-tmp/tmp/fetch-"
check_eq "a fetch needs the cache's tmp: nothing left" "$(ls -A | grep -c 'fetch-no-tmp' || true)" 0

# git's url.<base>.insteadOf in the user's config does not redirect hfgit: the refs and the
# objects both come from the hub's own URL (an endpoint is hfgit's setting, HF_ENDPOINT).
printf '[url "http://127.0.0.1:1/"]\n\tinsteadOf = %s/\n' "$hub_URL" >"$HOME/.gitconfig"
HFGIT_HOME=$WORK/cache-instead-of run_hfgit clone -q --no-lfs "$MODEL@v2.0.1" instead-of
check_eq "insteadOf: exit code ($ERR)" "$RC" 0
rm -f "$HOME/.gitconfig"
check_clone instead-of v2.0.1 tag

# Nothing temporary is left behind.
check_eq "no staging directories" "$(ls -A | grep -c '\.hfgit-' || true)" 0
check_eq "no temporary fetch repositories" "$(ls -A "$HFGIT_HOME/tmp" 2>/dev/null | wc -l | tr -d ' ')" 0

finish
