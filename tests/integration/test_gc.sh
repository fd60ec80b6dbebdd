#!/bin/sh
# hfgit gc: --dry-run lists what nothing needs and removes nothing; gc removes it and keeps
# what cached revisions and registered checkouts use (an offline clone still works); stale
# unlocked partial downloads go, locked or recent ones stay; damaged objects set aside by
# verify go.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"
CLONES=$(pwd -P)

sha() { sha256sum "$1" | cut -d' ' -f1; }
obj() { echo "$HFGIT_HOME/lfs/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-4)/$1"; }
store_repo() { echo "$HFGIT_HOME"/repos/*/"$MODEL".git; }
objects() { find "$HFGIT_HOME/lfs/objects" -type f | wc -l | tr -d ' '; }

run_hfgit clone -q "$MODEL" main
check_eq "clone main ($ERR)" "$RC" 0
run_hfgit clone -q --link copy "$MODEL@v1.0" v1
check_eq "clone v1.0 ($ERR)" "$RC" 0
check_eq "checkouts registered" "$(cat "$HFGIT_HOME/checkouts.log")" "$CLONES/main
$CLONES/v1"

# Everything is needed: nothing to do.
run_hfgit gc --dry-run
check_eq "all needed: exit code ($ERR)" "$RC" 0
check_contains "all needed: nothing to remove" "$OUT" "would remove 0 files"
check_contains "all needed: counts what it kept" "$OUT" \
	"kept $((MAIN_OBJECTS + 1)) objects, 6.7 MiB, used by 1 cached repository and 2 checkouts"

# An orphan object (no tree names it) and the v1.0 object once neither the cache's refs nor a
# checkout need it: the tag is dropped from the cache repository, then the checkout goes.
orphan_oid=$(printf 'orphan object' | sha256sum | cut -d' ' -f1)
orphan=$(obj "$orphan_oid")
mkdir -p "$(dirname "$orphan")"
printf 'orphan object' >"$orphan"
chmod 444 "$orphan"
git --git-dir="$(store_repo)" update-ref -d refs/tags/v1.0 || true
run_hfgit gc --dry-run
check_contains "orphan: listed" "$OUT" "would remove object $orphan (13 B)"
case $OUT in
*"$V1_MODEL_OID"*) fail "a registered checkout's object is listed: $OUT" ;;
*) pass ;;
esac
rm -rf v1
before=$(objects)
run_hfgit gc --dry-run --json
check_eq "dry run: exit code ($ERR)" "$RC" 0
check_contains "dry run: json" "$OUT" '"dry_run":true,'
check_contains "dry run: the v1.0 object once its checkout is gone" "$OUT" \
	"{\"kind\":\"object\",\"path\":\"$(obj "$V1_MODEL_OID")\",\"oid\":\"$V1_MODEL_OID\",\"bytes\":$V1_MODEL_SIZE,"
check_contains "dry run: bytes" "$OUT" "\"bytes\":$((V1_MODEL_SIZE + 13)),"
check_contains "dry run: kept" "$OUT" "\"kept\":$MAIN_OBJECTS,\"kept_bytes\":$MAIN_OBJECT_BYTES,"
check_eq "dry run: nothing removed" "$(objects)" "$before"

run_hfgit gc
check_eq "gc: exit code ($ERR)" "$RC" 0
check_contains "gc: says what it removed" "$OUT" "removed 2 files"
[ ! -e "$orphan" ] && [ ! -e "$(obj "$V1_MODEL_OID")" ] && pass || fail "gc: unneeded objects remain"
[ ! -d "$(dirname "$orphan")" ] && pass || fail "gc: the emptied fan-out folder remains"
check_eq "gc: needed objects kept" "$(objects)" "$MAIN_OBJECTS"
check_eq "gc: the gone checkout is forgotten" "$(cat "$HFGIT_HOME/checkouts.log")" "$CLONES/main"
run_hfgit verify
check_eq "gc: the store verifies ($OUT)" "$RC" 0

# The cache still serves the kept revision with no network at all.
mark=$(log_mark "$hub_LOG")
HF_HUB_OFFLINE=1 run_hfgit clone -q "$MODEL" offline
check_eq "offline clone after gc: exit code ($ERR)" "$RC" 0
check_eq "offline clone after gc: content" "$(sha offline/model.safetensors)" "$MODEL_OID"
check_eq "offline clone after gc: no request" "$(log_since "$hub_LOG" "$mark")" ""

# A checkout keeps its objects even when the cache's refs moved on; a directory that is no
# longer such a checkout does not.
run_hfgit clone -q --link copy "$MODEL@v1.0" v1b
git --git-dir="$(store_repo)" update-ref -d refs/tags/v1.0 || true
run_hfgit gc
check_eq "registered checkout: its object is kept" "$(sha "$(obj "$V1_MODEL_OID")")" "$V1_MODEL_OID"
rm -rf v1b
mkdir v1b
run_hfgit gc
[ ! -e "$(obj "$V1_MODEL_OID")" ] && pass || fail "a plain directory at a checkout's path kept its objects"

# --- Partial downloads ------------------------------------------------------------------------
inc=$HFGIT_HOME/lfs/incomplete
stale=$inc/$V1_MODEL_OID.deadhost-1.part
locked=$inc/$BIN_OID.otherhost-2.part
recent=$inc/$SUB_OID.thishost-3.part
for f in "$stale" "$locked" "$recent"; do head -c 1000 /dev/zero >"$f"; done
touch -d '2 days ago' "$stale" "$locked"
# A live download holds its object's byte of incomplete/locks (a POSIX lock conflicts with the
# OFD lock gc asks for).
python3 -c 'import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT)
fcntl.lockf(fd, fcntl.LOCK_EX, 1, int(sys.argv[2][:10], 16), 0)
open(sys.argv[3], "w").close()
time.sleep(120)' "$inc/locks" "$BIN_OID" "$WORK/locked" &
holder=$!
i=0
while [ ! -e "$WORK/locked" ] && [ $i -lt 100 ]; do sleep 0.05; i=$((i + 1)); done
run_hfgit gc --dry-run
check_contains "partial: the stale one is listed" "$OUT" "would remove partial $stale"
[ -e "$stale" ] && pass || fail "partial: dry run removed it"
run_hfgit gc --json
kill "$holder" 2>/dev/null || true
wait "$holder" 2>/dev/null || true
check_contains "partial: reported" "$OUT" "{\"kind\":\"partial\",\"path\":\"$stale\""
[ ! -e "$stale" ] && pass || fail "partial: a stale unlocked partial download remains"
[ -e "$locked" ] && pass || fail "partial: a locked partial download was removed"
[ -e "$recent" ] && pass || fail "partial: a recent partial download was removed"
run_hfgit gc
[ ! -e "$locked" ] && pass || fail "partial: no longer locked, still there"

# --- Damaged objects set aside by verify -------------------------------------------------------
bin=$(obj "$BIN_OID")
chmod u+w "$bin"
printf 'X' | dd of="$bin" bs=1 seek=10 conv=notrunc 2>/dev/null
run_hfgit verify
check_eq "verify finds the damage" "$RC" 10
run_hfgit gc
check_contains "damaged: removed" "$OUT" "removed damaged $HFGIT_HOME/lfs/damaged/$BIN_OID"
[ ! -e "$HFGIT_HOME/lfs/damaged/$BIN_OID" ] && pass || fail "damaged: still there"

# --- Usage ------------------------------------------------------------------------------------
run_hfgit gc extra
check_eq "gc with an argument: usage error" "$RC" 2
run_hfgit gc --help
check_contains "gc --help" "$OUT" "--dry-run"

finish
