#!/bin/sh
# hfgit update: a clone of a branch follows the branch when it moves, fetching only the LFS
# objects that changed; local changes, detached checkouts and an up-to-date checkout.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model

# A hub of our own whose branch we can move with a real push (git + git-lfs).
HUB_ROOT=$WORK/root
mkdir -p "$HUB_ROOT/hfgit-test"
cp -a "$FIXTURES/hub/hfgit-test/lfs-model.git" "$HUB_ROOT/hfgit-test/"
cp -al "$FIXTURES/hub/lfs" "$HUB_ROOT/lfs"
export HUB_ROOT
start_hub hub --allow-push
export HF_ENDPOINT=$hub_URL
git config --global user.name tester
git config --global user.email tester@hfgit.test
git lfs install >/dev/null
mkdir -p "$WORK/clones"
cd "$WORK/clones"
sha() { sha256sum "$1" | cut -d' ' -f1; }

run_hfgit clone -q "$MODEL" follow
check_eq "clone exit code ($ERR)" "$RC" 0
run_hfgit clone -q "$MODEL@v1.0" pinned
run_hfgit update follow
check_eq "up to date: exit code ($ERR)" "$RC" 0
check_eq "up to date: HEAD unchanged" "$(git -C follow rev-parse HEAD)" "$MAIN_COMMIT"

# Move main: a new model.safetensors and a deleted file, pushed with git and git-lfs.
git clone -q "$hub_URL/$MODEL" pusher
(cd pusher && head -c 200000 /dev/urandom >model.safetensors && git rm -q one.bin &&
	git add model.safetensors && git commit -qm "new weights" && git push -q origin main) \
	>"$WORK/push.log" 2>&1 || fail "push: $(cat "$WORK/push.log")"
new_commit=$(git -C pusher rev-parse HEAD)
new_oid=$(sha pusher/model.safetensors)

mark=$(log_mark "$hub_LOG")
run_hfgit update --json follow
check_eq "update: exit code ($ERR)" "$RC" 0
check_eq "update: HEAD is the new tip" "$(git -C follow rev-parse HEAD)" "$new_commit"
check_eq "update: still on main" "$(git -C follow symbolic-ref HEAD)" refs/heads/main
check_eq "update: origin/main moved" "$(git -C follow rev-parse origin/main)" "$new_commit"
check_eq "update: new content" "$(sha follow/model.safetensors)" "$new_oid"
check_eq "update: unchanged LFS file kept" "$(sha follow/pytorch_model.bin)" "$BIN_OID"
check_eq "update: deleted file gone" "$(ls follow/one.bin 2>/dev/null || true)" ""
check_eq "update: git status" "$(git -C follow status --porcelain)" ""
git -C follow fsck >"$WORK/fsck" 2>&1 && pass || fail "update: git fsck: $(cat "$WORK/fsck")"
check_eq "update: only the changed object crossed the network" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1)" "$new_oid"

# Refusals: a checkout with local changes, a checkout of a tag.
echo "local edit" >>follow/README.md
run_hfgit update follow
check_eq "local changes: exit code" "$RC" 7
check_contains "local changes: names the file" "$ERR" "README.md"
run_hfgit update pinned
check_eq "tag checkout: exit code" "$RC" 2
check_contains "tag checkout: message" "$ERR" "not on a branch"

finish
