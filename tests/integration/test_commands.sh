#!/bin/sh
# The everyday commands: ls-files (checked against real git and git-lfs on the fixture's
# source), clone --dry-run, download, rm; failed commands leave nothing in the cache;
# GIT_LFS_SKIP_SMUDGE=1.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
SRC_DIR=$FIXTURES/$SRC

start_hub hub
export HF_ENDPOINT=$hub_URL
export HF_HUB_CACHE=$WORK/hf/hub
mkdir -p "$WORK/clones"
cd "$WORK/clones"
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ls-files: every file with its size and LFS flag, as git and git-lfs see the same commit
# (LFS content: a pointer git-lfs knows that the attributes give filter=lfs, which is what a
# checkout smudges), and no LFS byte moved.
git -C "$SRC_DIR" lfs ls-files -n | sort >"$WORK/lfs-expected"
git -C "$SRC_DIR" ls-files | while IFS= read -r p; do
	if grep -qxF -e "$p" "$WORK/lfs-expected" &&
	   [ "$(git -C "$SRC_DIR" check-attr filter -- "$p" | sed 's/.*: filter: //')" = lfs ]; then
		printf '%s %s lfs\n' "$p" "$(wc -c <"$SRC_DIR/$p" | tr -d ' ')"
	else
		printf '%s %s -\n' "$p" "$(git -C "$SRC_DIR" cat-file -s "HEAD:$p")"
	fi
done | sort >"$WORK/expected"
mark=$(log_mark "$hub_LOG")
run_hfgit ls-files --json "$MODEL"
check_eq "ls-files ($ERR)" "$RC" 0
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)
for f in d["files"]:
    print(f["path"], f["size"], "lfs" if f["lfs"] else "-")' | sort >"$WORK/got"
check_eq "ls-files lists what git and git-lfs list" "$(diff "$WORK/expected" "$WORK/got" && echo same)" same
check_contains "ls-files: the commit" "$OUT" "\"commit\":\"$MAIN_COMMIT\""
check_contains "ls-files: an LFS oid" "$OUT" "\"oid\":\"$MODEL_OID\""
check_eq "ls-files: no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""
check_eq "ls-files: no LFS batch request" "$(batch_since "$hub_LOG" "$mark")" 0
run_hfgit ls-files "$MODEL@$V1_TAG"
check_eq "ls-files of a tag ($ERR)" "$RC" 0
check_contains "ls-files human output: an LFS file" "$OUT" "lfs  model.safetensors"
check_contains "ls-files human output: the total" "$OUT" "files ("

# clone --dry-run: nothing written, the numbers of a real clone. One object in the hub cache.
repo=$HF_HUB_CACHE/models--hfgit-test--lfs-model
mkdir -p "$repo/blobs"
cp "$SRC_DIR/pytorch_model.bin" "$repo/blobs/$BIN_OID"
mark=$(log_mark "$hub_LOG")
run_hfgit clone --dry-run --json "$MODEL" dry
check_eq "dry run ($ERR)" "$RC" 0
check_eq "dry run: no directory" "$(test -e dry && echo yes)" ""
check_eq "dry run: no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""
printf '%s' "$OUT" | python3 -c '
import json, sys
d = json.load(sys.stdin)["lfs"]
print(d["download"]["objects"], d["local"]["objects"], d["local"]["bytes"], d["stored"]["objects"])' >"$WORK/dry"
check_eq "dry run: to download, on the machine, in the store" "$(cat "$WORK/dry")" "3 1 $BIN_SIZE 0"
run_hfgit clone --json "$MODEL" real
check_eq "the clone the dry run described ($ERR)" "$RC" 0
check_contains "the clone took what the dry run said was on the machine" "$OUT" "\"objects_local\":1"
check_contains "the clone fetched what the dry run said" "$OUT" "\"objects_fetched\":3"
run_hfgit clone -n "$MODEL" dry2
check_contains "dry run after the clone: all in the store" "$OUT" "in hfgit's cache:    4 LFS objects"
run_hfgit clone -n -X '*.safetensors' "$MODEL" dry3
check_contains "dry run with --exclude: pointers" "$OUT" "left as pointers:    1 LFS objects"

# download: the files only, LFS through the store, others from git.
rm -rf "$HFGIT_HOME" "$HF_HUB_CACHE"
mark=$(log_mark "$hub_LOG")
run_hfgit download --local-dir "$WORK/dl" "$MODEL" config.json "$SUB_PATH" -q
check_eq "download ($ERR)" "$RC" 0
check_eq "download: prints the paths" "$OUT" "$(printf '%s\n%s' "$WORK/dl/config.json" "$WORK/dl/$SUB_PATH")"
check_eq "download: the LFS file" "$(sha "$WORK/dl/$SUB_PATH")" "$SUB_OID"
check_eq "download: the git file" "$(cat "$WORK/dl/config.json")" "$(cat "$SRC_DIR/config.json")"
check_eq "download: only that object crossed the network" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1 | sort -u | tr '\n' ' ')" "$SUB_OID "
check_eq "download: nothing else written" "$(cd "$WORK/dl" && find . -type f | sort | tr '\n' ' ')" \
	"./config.json ./$SUB_PATH "
run_hfgit download --local-dir "$WORK/dl" --revision "$V1_TAG" "$MODEL" model.safetensors
check_eq "download --revision ($ERR)" "$RC" 0
check_eq "download of the tag's file" "$(sha "$WORK/dl/model.safetensors")" \
	"$(git -C "$SRC_DIR" show "$V1_TAG:model.safetensors" | sed -n 's/^oid sha256://p')"
check_eq "download: the store is verified" "$("$HFGIT" verify --deep -q >/dev/null 2>&1; echo $?)" 0
run_hfgit download --local-dir "$WORK/dl2" "$MODEL" config.json nope.bin
check_eq "download of a missing path: exit code" "$RC" 3
check_contains "download of a missing path: message" "$ERR" "'nope.bin' is not a file of"
check_eq "download of a missing path: nothing written" "$(test -e "$WORK/dl2" && echo yes)" ""
run_hfgit download "$MODEL"
check_eq "download without files: exit code" "$RC" 2

# rm: a revision, then the model; --gc removes the objects only they used.
run_hfgit clone -q "$MODEL@$V1_TAG" v1
run_hfgit ls --json
check_contains "before rm: two revisions" "$OUT" "\"name\":\"$V1_TAG\""
run_hfgit rm "$MODEL@$V1_TAG"
check_eq "rm a tag ($ERR)" "$RC" 0
run_hfgit ls --json
check_eq "rm a tag: the tag is gone" "$(printf '%s' "$OUT" | grep -c "\"name\":\"$V1_TAG\"" || true)" 0
check_contains "rm a tag: main stays" "$OUT" "\"name\":\"main\""
run_hfgit rm "$MODEL@$V1_TAG"
check_eq "rm a revision the cache lacks: exit code" "$RC" 3
rm -rf v1 # the checkout that used the tag's objects
run_hfgit rm --gc "$MODEL"
check_eq "rm the model --gc ($ERR)" "$RC" 0
check_contains "rm --gc: gc ran" "$OUT" "gc: removed"
run_hfgit ls --json
check_contains "rm: the cache is empty" "$OUT" "\"models\":[]"
check_eq "rm --gc: no LFS object left" "$(find "$HFGIT_HOME/lfs/objects" -type f 2>/dev/null | wc -l | tr -d ' ')" 0
run_hfgit rm "$MODEL"
check_eq "rm a model the cache lacks: exit code" "$RC" 3

# Failed commands leave no entries behind.
rm -rf "$HFGIT_HOME"
run_hfgit resolve hfgit-test/nope
check_eq "not found: exit code" "$RC" 3
run_hfgit clone -q hfgit-test/nope nope
run_hfgit --endpoint http://127.0.0.1:1 resolve gpt2
check_eq "unreachable hub: exit code" "$RC" 5
run_hfgit ls-files hfgit-test/nope
run_hfgit export -q --hf-cache hfgit-test/nope
run_hfgit ls --json
check_contains "no entries after failures" "$OUT" "\"models\":[]"
check_eq "no folders after failures" "$(find "$HFGIT_HOME/repos" -mindepth 1 2>/dev/null | wc -l | tr -d ' ')" 0

# GIT_LFS_SKIP_SMUDGE=1 is --no-lfs; =0 is not.
mark=$(log_mark "$hub_LOG")
GIT_LFS_SKIP_SMUDGE=1 run_hfgit clone -q "$MODEL" skip
check_eq "GIT_LFS_SKIP_SMUDGE=1 clone ($ERR)" "$RC" 0
check_contains "GIT_LFS_SKIP_SMUDGE=1 keeps pointers" "$(head -c 200 skip/model.safetensors)" "oid sha256:$MODEL_OID"
check_eq "GIT_LFS_SKIP_SMUDGE=1: no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""
GIT_LFS_SKIP_SMUDGE=0 run_hfgit clone -q "$MODEL" noskip
check_eq "GIT_LFS_SKIP_SMUDGE=0 gives content" "$(sha noskip/model.safetensors)" "$MODEL_OID"

finish
