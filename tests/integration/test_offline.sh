#!/bin/sh
# Offline use of the cache (--offline, HF_HUB_OFFLINE=1, HFGIT_OFFLINE=1): no request at all,
# branches and tags resolve to what was last fetched (with a note that they may be stale),
# an offline clone equals the online one, and what the cache lacks is a clear error.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-model.env"
MODEL=hfgit-test/tiny-model

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"

run_hfgit clone -q --no-lfs "$MODEL@v2.0.1" online
check_eq "online clone" "$RC" 0
run_hfgit resolve "$MODEL@dev"
check_eq "online resolve dev" "$OUT" "$DEV_COMMIT"

# With the hub still up, offline commands must not send a single request.
mark=$(log_mark "$hub_LOG")
HF_HUB_OFFLINE=1 run_hfgit resolve "$MODEL@v2.0.1"
check_eq "HF_HUB_OFFLINE resolve tag" "$OUT" "$V2_0_1_COMMIT"
check_contains "offline resolve says it may be stale" "$ERR" "may have moved"
HFGIT_OFFLINE=yes run_hfgit resolve "$MODEL@dev"
check_eq "HFGIT_OFFLINE resolve branch" "$OUT" "$DEV_COMMIT"
run_hfgit --offline resolve "$MODEL@$(echo "$V2_0_1_COMMIT" | cut -c1-8)"
check_eq "offline resolve short hash" "$OUT" "$V2_0_1_COMMIT"
check_eq "offline commands made no request" "$(log_since "$hub_LOG" "$mark")" ""

# Then with the hub gone.
stop_hub hub
HF_HUB_OFFLINE=1 run_hfgit clone -q --no-lfs "$MODEL@v2.0.1" offline
check_eq "offline clone exit code ($ERR)" "$RC" 0
check_eq "offline clone HEAD" "$(git -C offline rev-parse HEAD)" "$V2_0_1_COMMIT"
diff -r -x .git online offline >"$WORK/diff" 2>&1 && pass || fail "offline tree differs: $(cat "$WORK/diff")"
check_eq "offline clone: git status" "$(git -C offline status --porcelain)" ""
check_eq "offline clone: tag kept" "$(git -C offline describe --tags --exact-match)" v2.0.1
HF_HUB_OFFLINE=1 run_hfgit clone -q --no-lfs "$MODEL@$V2_0_1_COMMIT" byhash
check_eq "offline clone by full hash" "$(git -C byhash rev-parse HEAD)" "$V2_0_1_COMMIT"

# What the cache does not have is a clear error (exit 9) that says how to get it.
HF_HUB_OFFLINE=1 run_hfgit clone -q --no-lfs "$MODEL@main" nomain
check_eq "offline, never-fetched branch: exit code" "$RC" 9
check_contains "offline, never-fetched branch: message" "$ERR" "not in the cache"
check_eq "offline, never-fetched branch: no directory" "$(ls -d nomain 2>/dev/null || true)" ""
HF_HUB_OFFLINE=1 run_hfgit resolve "$MODEL@$DEEP_COMMIT"
check_eq "offline, uncached full hash: exit code" "$RC" 9
check_contains "offline, uncached full hash: message" "$ERR" "commit $DEEP_COMMIT of $MODEL is not in the cache"
HF_HUB_OFFLINE=1 run_hfgit resolve hfgit-test/never-cloned
check_eq "offline, unknown repo: exit code" "$RC" 9
check_contains "offline, unknown repo: message" "$ERR" "not in the cache and offline mode is on"
HF_HUB_OFFLINE=1 run_hfgit resolve "$MODEL@v9"
check_eq "offline, unknown revision: exit code" "$RC" 3
check_contains "offline, unknown revision lists tags" "$ERR" "tags: v1.0, v2.0.1"
HF_HUB_OFFLINE=0 run_hfgit resolve "$MODEL@dev"
check_eq "HF_HUB_OFFLINE=0 is online (hub down)" "$RC" 5

finish
