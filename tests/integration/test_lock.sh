#!/bin/sh
# hfgit lock / lock --check / sync / inspect --lock against a hub whose refs move.
#
# Three models locked at a tag, a short hash (of a renamed repository) and a branch; the tag
# and the branch moved on the hub; syncs into fresh caches give the locked commits, trees
# byte-identical to real git + git-lfs checkouts of those commits, and report the drift; a
# second machine (an empty HFGIT_HOME) syncs from the lockfile alone; with the hub stopped,
# --offline syncs from a populated cache. Damage (a store object, a lockfile edited by hand, a
# commit force-pushed away) gives clear errors and leaves nothing half-written.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
LFS_V1=$V1_COMMIT LFS_MAIN=$MAIN_COMMIT
. "$FIXTURES/facts/tiny-distilbert-sst2.env"
SST2_MAIN=$MAIN_COMMIT SST2_V1=$V1_0_COMMIT
. "$FIXTURES/facts/bert-base-uncased.env"
# A bert commit no ref points at: resolved by its short hash through history.
BERT_OLD=$(git -C "$FIXTURES/$SRC" rev-list main | grep -v -e "$MAIN_COMMIT" -e "$V2_0_1_COMMIT" | head -n 1)
BERT_SHORT=$(printf %.7s "$BERT_OLD")

# A hub of our own whose refs we can move.
HUB_ROOT=$WORK/root
mkdir -p "$HUB_ROOT/hfgit-test" "$HUB_ROOT/google-bert"
cp -a "$FIXTURES/hub/hfgit-test/lfs-model.git" "$FIXTURES/hub/hfgit-test/tiny-distilbert-sst2.git" \
	"$HUB_ROOT/hfgit-test/"
cp -a "$FIXTURES/hub/google-bert/bert-base-uncased.git" "$HUB_ROOT/google-bert/"
cp -al "$FIXTURES/hub/lfs" "$HUB_ROOT/lfs"
export HUB_ROOT
start_hub hub --redirect bert-base-uncased=google-bert/bert-base-uncased
export HF_ENDPOINT=$hub_URL
git lfs install >/dev/null
cd "$WORK"

SPECS="hfgit-test/lfs-model@v1.0 bert-base-uncased@$BERT_SHORT hfgit-test/tiny-distilbert-sst2@main"

# entry_field SPEC FIELD [LOCK]: a field of an entry, read with awk (an independent reader).
entry_field() {
	awk -v spec="$1" -v field="$2" '
		$1 == "model" { cur = $2 }
		cur == spec && $1 == field { print $2; exit }' "${3:-hfgit.lock}"
}

# modes DIR: "mode path" of every file below DIR except .git, sorted.
modes() { (cd "$1" && find . -path ./.git -prune -o ! -type d -printf '%M %P\n' | sort); }
# git_modes DIR: the type and executable bit only (what git records).
git_modes() { (cd "$1" && find . -path ./.git -prune -o ! -type d -printf '%y %P\n' -o -type f -perm -u+x -printf 'x %P\n' | sort); }

# same_tree WHAT DIR REF: byte-identical files and the same file types and modes as git's.
same_tree() {
	if diff -r -x .git "$2" "$3" >"$WORK/diff" 2>&1; then pass; else fail "$1: trees differ: $(cat "$WORK/diff")"; fi
	check_eq "$1: file types and executable bits" "$(git_modes "$2")" "$(git_modes "$3")"
}

# --- Lock ------------------------------------------------------------------------------
# shellcheck disable=SC2086
run_hfgit lock $SPECS
check_eq "lock: exit code ($ERR)" "$RC" 0
check_eq "lock: version line" "$(head -n 1 hfgit.lock)" "# hfgit lockfile v1"
check_eq "lock: three entries" "$(grep -c '^model ' hfgit.lock)" 3
check_eq "lock: tag commit" "$(entry_field hfgit-test/lfs-model@v1.0 commit)" "$LFS_V1"
check_eq "lock: tag kind" "$(entry_field hfgit-test/lfs-model@v1.0 kind)" tag
check_eq "lock: tag ref" "$(entry_field hfgit-test/lfs-model@v1.0 ref)" refs/tags/v1.0
check_eq "lock: short hash commit" "$(entry_field "bert-base-uncased@$BERT_SHORT" commit)" "$BERT_OLD"
check_eq "lock: short hash kind" "$(entry_field "bert-base-uncased@$BERT_SHORT" kind)" commit
check_eq "lock: id after the redirect" "$(entry_field "bert-base-uncased@$BERT_SHORT" id)" \
	google-bert/bert-base-uncased
check_eq "lock: branch commit" "$(entry_field hfgit-test/tiny-distilbert-sst2@main commit)" "$SST2_MAIN"
check_eq "lock: tree id as git has it" "$(entry_field hfgit-test/lfs-model@v1.0 tree)" \
	"$(git -C "$FIXTURES/src/hfgit-test/lfs-model" rev-parse "$LFS_V1^{tree}")"
# Every file with git's own blob ids and modes, and the LFS pointers' oids.
git -C "$FIXTURES/src/hfgit-test/lfs-model" ls-tree -r "$LFS_V1" |
	awk '{ printf "%s %s %s\n", $1, $3, $4 }' >"$WORK/ls-tree"
awk '$1 == "model" { cur = $2 } cur == "hfgit-test/lfs-model@v1.0" && $1 == "file" { print $2, $3, $4 }
	cur == "hfgit-test/lfs-model@v1.0" && $1 == "lfs" { print $2, $3, $6 }' hfgit.lock >"$WORK/lock-files"
check_eq "lock: files as git ls-tree lists them" "$(cat "$WORK/lock-files")" "$(sort -k3 "$WORK/ls-tree")"
check_contains "lock: LFS oid and size" "$(cat hfgit.lock)" "$V1_MODEL_OID $V1_MODEL_SIZE model.safetensors"
cp hfgit.lock "$WORK/first.lock"
# Writing it again gives the same bytes, whatever the order of the specs.
run_hfgit lock -o again.lock hfgit-test/tiny-distilbert-sst2@main "bert-base-uncased@$BERT_SHORT" \
	hfgit-test/lfs-model@v1.0
check_eq "lock again: exit code ($ERR)" "$RC" 0
cmp -s hfgit.lock again.lock && pass || fail "lock: a second lock of the same specs differs"
printf '# specs\n\nhfgit-test/lfs-model@v1.0\n  bert-base-uncased@%s\nhfgit-test/tiny-distilbert-sst2@main\n' \
	"$BERT_SHORT" >specs.txt
run_hfgit lock -f specs.txt -o list.lock
check_eq "lock -f: exit code ($ERR)" "$RC" 0
cmp -s hfgit.lock list.lock && pass || fail "lock -f: differs from the lock of the same specs"

run_hfgit lock --check
check_eq "check before any move: exit code ($OUT $ERR)" "$RC" 0
check_eq "check before any move: unchanged" "$(printf '%s\n' "$OUT" | grep -c '^unchanged')" 3

# Reference trees: real git + git-lfs checkouts of the locked commits.
mkdir -p ref
git clone -q "$hub_URL/hfgit-test/lfs-model" ref/lfs-model && git -C ref/lfs-model checkout -q "$LFS_V1"
git clone -q "$hub_URL/google-bert/bert-base-uncased" ref/bert-base-uncased &&
	git -C ref/bert-base-uncased checkout -q "$BERT_OLD"
git clone -q "$hub_URL/hfgit-test/tiny-distilbert-sst2" ref/tiny-distilbert-sst2 &&
	git -C ref/tiny-distilbert-sst2 checkout -q "$SST2_MAIN"
check_eq "reference: LFS content, not a pointer" "$(sha256sum ref/lfs-model/model.safetensors | cut -d' ' -f1)" \
	"$V1_MODEL_OID"

# --- Move the tag and the branch on the hub -------------------------------------------------
git -C "$HUB_ROOT/hfgit-test/lfs-model.git" update-ref refs/tags/v1.0 "$LFS_MAIN"
SST2_BARE=$HUB_ROOT/hfgit-test/tiny-distilbert-sst2.git
SST2_NEW=$(GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t \
	git -C "$SST2_BARE" commit-tree -p "$SST2_MAIN" -m "moved on" "$SST2_V1^{tree}")
git -C "$SST2_BARE" update-ref refs/heads/main "$SST2_NEW"

run_hfgit lock --check
check_eq "check after the moves: exit code" "$RC" 1
check_contains "check: the tag moved" "$OUT" "moved      hfgit-test/lfs-model@v1.0  $LFS_V1: refs/tags/v1.0 moved to $LFS_MAIN"
check_contains "check: the branch moved" "$OUT" "moved      hfgit-test/tiny-distilbert-sst2@main  $SST2_MAIN: refs/heads/main moved to $SST2_NEW"
check_contains "check: the hash is unchanged" "$OUT" "unchanged  bert-base-uncased@$BERT_SHORT  $BERT_OLD"
run_hfgit lock --check --json hfgit.lock
check_eq "check --json: exit code" "$RC" 1
check_eq "check --json: drifted" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["drifted"])')" 2
check_eq "check --json: states" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join(e["state"] + ":" + str(e["moved_to"]) for e in json.load(sys.stdin)["entries"]))')" \
	"unchanged:None moved:$LFS_MAIN moved:$SST2_NEW"

# Another hub where lfs-model was renamed and bert is gone.
mkdir -p "$WORK/root2/hfgit-test"
cp -a "$HUB_ROOT/hfgit-test/tiny-distilbert-sst2.git" "$WORK/root2/hfgit-test/"
cp -a "$HUB_ROOT/hfgit-test/lfs-model.git" "$WORK/root2/hfgit-test/lfs-renamed.git"
cp -al "$FIXTURES/hub/lfs" "$WORK/root2/lfs"
HUB_ROOT=$WORK/root2 start_hub hub2 --redirect hfgit-test/lfs-model=hfgit-test/lfs-renamed
export HUB_ROOT=$WORK/root
HF_ENDPOINT=$hub2_URL
run_hfgit lock --check --json
HF_ENDPOINT=$hub_URL
check_eq "renamed and gone: exit code" "$RC" 1
check_eq "renamed and gone: states" "$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(" ".join("%s:%s" % (e["state"], e["renamed_to"]) for e in json.load(sys.stdin)["entries"]))')" \
	"gone:None renamed:hfgit-test/lfs-renamed moved:None"
check_contains "renamed: says so" "$OUT" "hfgit-test/lfs-model is now hfgit-test/lfs-renamed on the hub"
check_contains "gone: says so" "$OUT" "the repository is gone from the hub"

# --- Sync into a fresh cache ----------------------------------------------------------------
export HFGIT_HOME=$WORK/cache-a
run_hfgit sync --dir synced -q
check_eq "sync: exit code ($ERR)" "$RC" 0
check_contains "sync: drift of the tag" "$ERR" "drift: hfgit-test/lfs-model@v1.0: refs/tags/v1.0 moved to $LFS_MAIN"
check_contains "sync: drift of the branch" "$ERR" "drift: hfgit-test/tiny-distilbert-sst2@main: refs/heads/main moved to $SST2_NEW"
check_eq "sync: no drift for the hash" "$(printf '%s\n' "$ERR" | grep -c bert-base-uncased || true)" 0
check_eq "sync: tag entry at the locked commit" "$(git -C synced/lfs-model rev-parse HEAD)" "$LFS_V1"
check_eq "sync: hash entry at the locked commit" "$(git -C synced/bert-base-uncased rev-parse HEAD)" "$BERT_OLD"
check_eq "sync: branch entry at the locked commit" "$(git -C synced/tiny-distilbert-sst2 rev-parse HEAD)" "$SST2_MAIN"
for m in lfs-model bert-base-uncased tiny-distilbert-sst2; do
	same_tree "sync $m" "synced/$m" "ref/$m"
	check_eq "sync $m: git status" "$(git -C "synced/$m" status --porcelain)" ""
done
check_eq "sync: the lockfile is untouched" "$(cmp hfgit.lock "$WORK/first.lock" && echo same)" same
# Again: everything is there and verifies.
run_hfgit sync --dir synced -q
check_eq "sync again: exit code ($ERR)" "$RC" 0
check_contains "sync again: verified in place" "$OUT" "synced/lfs-model (verified, already there)"

# Without --dir: the cache's own checkouts, which inspect --lock then uses.
run_hfgit sync -q
check_eq "sync into the cache: exit code ($ERR)" "$RC" 0
same_tree "cache checkout" "$HFGIT_HOME/checkouts/hfgit-test/tiny-distilbert-sst2/$SST2_MAIN" ref/tiny-distilbert-sst2
run_hfgit inspect --json --lock hfgit.lock hfgit-test/tiny-distilbert-sst2@main
check_eq "inspect --lock: exit code ($ERR)" "$RC" 0
check_eq "inspect --lock: the locked commit, not the branch's" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["commit"])')" "$SST2_MAIN"
run_hfgit inspect --json --lock hfgit.lock hfgit-test/tiny-distilbert-sst2
check_eq "inspect --lock without REV: the one entry" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["commit"])')" "$SST2_MAIN"
run_hfgit forward --json --lock hfgit.lock hfgit-test/tiny-distilbert-sst2@main --input-ids 1,2,3
check_eq "forward --lock: exit code ($ERR)" "$RC" 0
locked_forward=$OUT
run_hfgit forward --json "$HFGIT_HOME/checkouts/hfgit-test/tiny-distilbert-sst2/$SST2_MAIN" --input-ids 1,2,3
check_eq "forward --lock: the locked commit's model" "$locked_forward" "$OUT"
run_hfgit run --json -q --lock hfgit.lock hfgit-test/tiny-distilbert-sst2@main "a fine film"
check_eq "run --lock: exit code ($ERR)" "$RC" 0
locked_run=$OUT
run_hfgit run --json -q "$HFGIT_HOME/checkouts/hfgit-test/tiny-distilbert-sst2/$SST2_MAIN" "a fine film"
check_eq "run --lock: the locked commit's model and tokenizer" "$locked_run" "$OUT"
run_hfgit inspect --json hfgit-test/tiny-distilbert-sst2@main
check_eq "inspect without --lock: the branch now" \
	"$(printf '%s' "$OUT" | python3 -c 'import json,sys; print(json.load(sys.stdin)["commit"])')" "$SST2_NEW"

# --- A second machine: an empty cache, the lockfile alone -----------------------------------
mkdir -p machine2
cp hfgit.lock machine2/
(
	cd machine2
	HFGIT_HOME=$WORK/cache-b "$HFGIT" sync --dir models --link copy -q >"$WORK/m2.out" 2>"$WORK/m2.err"
) && pass || fail "second machine: sync failed: $(cat "$WORK/m2.err")"
for m in lfs-model bert-base-uncased tiny-distilbert-sst2; do
	same_tree "second machine $m" "machine2/models/$m" "ref/$m"
	check_eq "second machine $m: modes as git's checkout" "$(modes "machine2/models/$m")" "$(modes "ref/$m")"
done

# A checkout edited after its sync is found, by the fast check and by --deep alike.
(
	cd machine2
	HFGIT_HOME=$WORK/cache-b "$HFGIT" sync --dir models -q >"$WORK/m2.out" 2>"$WORK/m2.err"
) && pass || fail "second machine, again: $(cat "$WORK/m2.err")"
check_contains "second machine, again: verified in place" "$(cat "$WORK/m2.out")" "models/lfs-model (verified, already there)"
(
	cd machine2
	HFGIT_HOME=$WORK/cache-b "$HFGIT" sync --deep --dir models -q >"$WORK/m2.out" 2>"$WORK/m2.err"
) && pass || fail "second machine, --deep: $(cat "$WORK/m2.err")"
printf 'X' | dd of=machine2/models/lfs-model/pytorch_model.bin bs=1 seek=5 conv=notrunc 2>/dev/null
for deep in "" --deep; do
	set +e
	(cd machine2 && HFGIT_HOME=$WORK/cache-b "$HFGIT" sync $deep --dir models -q) >"$WORK/m2.out" 2>"$WORK/m2.err"
	rc=$?
	set -e
	check_eq "edited checkout ${deep:-fast}: exit code" "$rc" 7
	check_contains "edited checkout ${deep:-fast}: names the file" "$(cat "$WORK/m2.err")" \
		"models/lfs-model/pytorch_model.bin does not match the lock"
done

# --- Damage ---------------------------------------------------------------------------------
# A damaged object in the store: found before the checkout gets its name.
obj=$HFGIT_HOME/lfs/objects/$(printf %.2s "$V1_MODEL_OID")/$(printf %.4s "$V1_MODEL_OID" | cut -c3-4)/$V1_MODEL_OID
chmod u+w "$obj"
printf 'X' | dd of="$obj" bs=1 seek=1000 conv=notrunc 2>/dev/null
run_hfgit sync --dir damaged -q
check_eq "damaged object: exit code" "$RC" 2
check_contains "damaged object: names the file" "$ERR" "damaged/lfs-model/model.safetensors does not match the lock"
check_contains "damaged object: what to do" "$ERR" "hfgit verify"
check_eq "damaged object: no checkout left" "$(ls -A damaged | grep lfs-model || true)" ""
run_hfgit verify
check_eq "verify finds it" "$RC" 10
run_hfgit sync --dir damaged -q
check_eq "after verify: sync downloads it again ($ERR)" "$RC" 0
same_tree "after verify" damaged/lfs-model ref/lfs-model

# Lockfiles edited by hand: clear errors that name the line, nothing written.
line=$(grep -n "lfs .* model.safetensors" hfgit.lock | head -n 1 | cut -d: -f1)
sed "${line}s/$V1_MODEL_OID/$BIN_OID/" hfgit.lock >wrong-oid.lock
run_hfgit sync --dir edited wrong-oid.lock
check_eq "wrong oid: exit code" "$RC" 2
check_contains "wrong oid: names the line" "$ERR" "wrong-oid.lock:$line: the LFS pointer of 'model.safetensors' in commit $LFS_V1 names $V1_MODEL_OID"
check_eq "wrong oid: no checkout of that entry" "$(ls -A edited 2>/dev/null | grep lfs-model || true)" ""
line=$(grep -n "^tree " hfgit.lock | head -n 1 | cut -d: -f1)
sed "${line}d" hfgit.lock >missing.lock
run_hfgit sync --dir edited2 missing.lock
check_eq "missing field: exit code" "$RC" 2
check_contains "missing field: names the line" "$ERR" "missing.lock:$line: expected 'tree ...' after 'commit'"
check_eq "missing field: nothing written" "$(ls -d edited2 2>/dev/null || true)" ""
sed '1s/v1/v2/' hfgit.lock >v2.lock
run_hfgit sync v2.lock
check_eq "unknown version: exit code" "$RC" 2
check_contains "unknown version: message" "$ERR" "v2.lock:1: lockfile version 2 is not supported"
run_hfgit lock --check v2.lock
check_eq "unknown version, check: exit code" "$RC" 2

# --- A locked commit the hub no longer has ---------------------------------------------------
ORPHAN=$(GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@t GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@t \
	git -C "$SST2_BARE" commit-tree -m "history rewritten" "$SST2_V1^{tree}")
git -C "$SST2_BARE" update-ref refs/heads/main "$ORPHAN"
run_hfgit lock --check
check_eq "force-push: check exit code" "$RC" 1
check_contains "force-push: gone" "$OUT" "gone       hfgit-test/tiny-distilbert-sst2@main  $SST2_MAIN"
check_contains "force-push: says why" "$OUT" "the locked commit $SST2_MAIN is no longer on the hub"
HFGIT_HOME=$WORK/cache-c
run_hfgit sync --dir gone -q
HFGIT_HOME=$WORK/cache-a
check_eq "force-push, empty cache: exit code" "$RC" 3
check_contains "force-push, empty cache: message" "$ERR" "no longer on the hub, and the cache does not hold it either"
check_eq "force-push, empty cache: no checkout" "$(ls -A gone | grep tiny-distilbert || true)" ""
run_hfgit sync --dir gone2 -q
check_eq "force-push, populated cache: exit code" "$RC" 3
check_contains "force-push, populated cache: message" "$ERR" "the cache still holds the commit: \`hfgit sync --offline\`"
run_hfgit sync --offline --dir gone3 -q
check_eq "force-push, populated cache, offline: exit code ($ERR)" "$RC" 0
same_tree "force-push, offline" gone3/tiny-distilbert-sst2 ref/tiny-distilbert-sst2

# --- A sync killed half-way leaves no checkout; the next one cleans up and succeeds ---------
git -C "$SST2_BARE" update-ref refs/heads/main "$SST2_NEW"
set_faults "$hub_URL" "[{\"kind\":\"slow\",\"oid\":\"$V1_MODEL_OID\",\"bytes_per_sec\":1000000}]"
HFGIT_HOME=$WORK/cache-k
"$HFGIT" sync -q --dir killed >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(cat "$HFGIT_HOME"/lfs/incomplete/"$V1_MODEL_OID".*.part 2>/dev/null | wc -c)" -lt 100000 ] &&
	[ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
check_eq "killed sync: a staging directory while it runs" \
	"$(ls -A killed | grep -c '^\.lfs-model\.hfgit-sync-' || true)" 1
kill -9 $pid
wait $pid 2>/dev/null || true
set_faults "$hub_URL" "[]"
check_eq "killed sync: no checkout of the entry it was making" "$(ls killed | grep -c lfs-model || true)" 0
run_hfgit sync -q --dir killed
check_eq "after a killed sync: exit code ($ERR)" "$RC" 0
check_eq "after a killed sync: its staging directory removed" "$(ls -A killed | grep -c '^\.' || true)" 0
same_tree "after a killed sync" killed/lfs-model ref/lfs-model
HFGIT_HOME=$WORK/cache-a

# --- The hub stopped: offline from the populated cache --------------------------------------
stop_hub hub
run_hfgit sync --offline --dir offline -q
check_eq "offline: exit code ($ERR)" "$RC" 0
for m in lfs-model bert-base-uncased tiny-distilbert-sst2; do
	same_tree "offline $m" "offline/$m" "ref/$m"
done
export HF_HUB_OFFLINE=1
run_hfgit sync -q
unset HF_HUB_OFFLINE
check_eq "offline into the cache: exit code ($ERR)" "$RC" 0
check_contains "offline into the cache: reused" "$OUT" "(verified, already there)"
HFGIT_HOME=$WORK/cache-empty
run_hfgit sync --offline --dir nothing -q
HFGIT_HOME=$WORK/cache-a
check_eq "offline, empty cache: exit code" "$RC" 9
check_contains "offline, empty cache: message" "$ERR" "not in the cache and offline mode is on"

finish
