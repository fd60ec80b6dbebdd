#!/bin/sh
# Which files are LFS content under nested .gitattributes (deeper files win, -filter, !filter,
# [attr] macros, the built-in `binary`): hfgit's checkout must be byte for byte the one real
# git + git-lfs make from the same hub, pointer-text files outside filter=lfs included.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-attributes.env"
MODEL=$REPO_ID

start_hub hub
export HF_ENDPOINT=$hub_URL
git lfs install >/dev/null
git config --global advice.detachedHead false
mkdir -p "$WORK/clones"
cd "$WORK/clones"

run_hfgit clone --json "$MODEL@v1.0" hfgit
check_eq "hfgit clone exit code ($ERR)" "$RC" 0
check_contains "json: LFS files" "$OUT" "\"files\":$LFS_FILES,"
git clone -q --depth 1 --branch v1.0 "$hub_URL/$MODEL" git 2>"$WORK/git.err" && pass ||
	fail "git clone: $(cat "$WORK/git.err")"
out=$(diff -r -x .git hfgit git 2>&1) && pass || fail "hfgit and git + git-lfs differ: $out"
for f in $(echo "$POINTER_TEXT_FILES" | tr : " "); do
	git -C hfgit show "HEAD:$f" | cmp -s - "hfgit/$f" && pass ||
		fail "$f (pointer text under no filter=lfs) was replaced"
done
check_eq "git status" "$(git -C hfgit status --porcelain)" ""
# --objects only: git-lfs's own pointer check reads .gitattributes itself and misses the
# `-weights` of sub/deep (real git, the clone above, does not).
out=$(git -C hfgit lfs fsck --objects 2>&1) && check_contains "git lfs fsck" "$out" "OK" ||
	fail "git lfs fsck --objects: $out"
check_eq "git lfs ls-files: the same files" "$(git -C hfgit lfs ls-files -n | sort)" \
	"$(git -C git lfs ls-files -n | sort)"

finish
