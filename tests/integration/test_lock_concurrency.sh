#!/bin/sh
# Concurrent syncs of lockfiles into one cache, as on a cluster whose cache is shared: four
# syncs of one lockfile at once all succeed and download each LFS object once; then many
# offline readers (compute nodes) run while one writer (the node with network) syncs a new
# lockfile into the same cache: every reader succeeds or, for what is not there yet, fails
# cleanly as offline, and never sees a half-made checkout.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"

start_hub hub
export HF_ENDPOINT=$hub_URL
cd "$WORK"
sha() { sha256sum "$1" | cut -d' ' -f1; }

run_hfgit lock -o first.lock hfgit-test/lfs-model hfgit-test/tiny-distilbert-sst2@v1.0 gpt2@v1
check_eq "lock: exit code ($ERR)" "$RC" 0
# The new entry of the second lock has objects of its own (lfs-model's older weights).
run_hfgit lock -o second.lock hfgit-test/lfs-model@v1.0 hfgit-test/tiny-model@v2.0.1
check_eq "lock second: exit code ($ERR)" "$RC" 0
export HFGIT_HOME=$WORK/shared-cache

# --- Four syncs of one lockfile at once -----------------------------------------------------
set_faults "$hub_URL" "[{\"kind\":\"slow\",\"oid\":\"$MODEL_OID\",\"bytes_per_sec\":3000000}]"
mark=$(log_mark "$hub_LOG")
pids=
for n in 1 2 3 4; do
	"$HFGIT" sync -q first.lock >"$WORK/s$n.out" 2>&1 &
	pids="$pids $!"
done
n=0
for pid in $pids; do
	n=$((n + 1))
	if wait "$pid"; then pass; else fail "concurrent sync $n failed: $(cat "$WORK/s$n.out")"; fi
done
for oid in $MODEL_OID $BIN_OID $SUB_OID $ONE_OID; do
	check_eq "object $oid fetched once" "$(cdn_since "$hub_LOG" "$mark" "$oid" | wc -l | tr -d ' ')" 1
done
CO=$HFGIT_HOME/checkouts/hfgit-test/lfs-model/$MAIN_COMMIT
check_eq "the shared checkout: content" "$(sha "$CO/model.safetensors")" "$MODEL_OID"
check_eq "the shared checkout: git status" "$(git -C "$CO" status --porcelain)" ""
check_eq "no staging directories left" \
	"$(find "$HFGIT_HOME/checkouts" -maxdepth 3 -name '.*.hfgit-sync-*' | wc -l | tr -d ' ')" 0
check_eq "no partial downloads left" "$(ls "$HFGIT_HOME/lfs/incomplete" | grep -c '\.part$' || true)" 0

# --- Many offline readers, one writer -------------------------------------------------------
set_faults "$hub_URL" "[{\"kind\":\"slow\",\"oid\":\"$V1_MODEL_OID\",\"bytes_per_sec\":2000000}]"
# The writer leaves its exit code in writer.rc when done (a finished child not yet waited
# for still answers kill -0).
(code=0; "$HFGIT" sync -q second.lock >"$WORK/writer.out" 2>&1 || code=$?; echo $code >"$WORK/writer.rc") &
writer=$!
# reader N LOCK ROUNDS [UNTIL]: offline syncs, one line per round with its exit code: as long
# as the file UNTIL does not exist (when given), then ROUNDS more.
reader() {
	i=0
	extra=0
	while [ $extra -lt "$3" ] && [ $i -lt 500 ]; do
		done_before=0
		if [ -z "${4:-}" ] || [ -e "$4" ]; then done_before=1; fi
		code=0
		HF_HUB_OFFLINE=1 "$HFGIT" sync -q "$2" >"$WORK/r$1.$i.out" 2>&1 || code=$?
		echo $code
		i=$((i + 1))
		extra=$((extra + done_before))
	done >"$WORK/r$1.codes"
}
pids=
for n in 1 2 3 4 5 6; do
	reader "$n" first.lock 5 &
	pids="$pids $!"
done
for n in 7 8 9 10; do
	reader "$n" second.lock 2 "$WORK/writer.rc" &
	pids="$pids $!"
done
for pid in $pids; do wait "$pid" || fail "a reader stopped early"; done
wait "$writer"
check_eq "the writer succeeded ($(cat "$WORK/writer.out"))" "$(cat "$WORK/writer.rc")" 0
for n in 1 2 3 4 5 6; do
	check_eq "reader $n of the synced lock: every round succeeded" "$(sort -u "$WORK/r$n.codes")" 0
done
for n in 7 8 9 10; do
	codes=$(sort -u "$WORK/r$n.codes" | tr '\n' ' ')
	# Offline failures while the writer works, then success: never anything else.
	case $codes in
	"0 9 ") pass ;;
	*) fail "reader $n of the lock being written: exit codes $codes: $(cat "$WORK"/r$n.*.out)" ;;
	esac
	for f in "$WORK"/r$n.*.out; do
		if grep -q "hfgit:" "$f" && ! grep -q "offline mode is on" "$f"; then
			fail "reader $n: an error other than offline: $(cat "$f")"
		fi
	done
done
# After the writer, the second lock syncs offline too, from what the writer left.
export HF_HUB_OFFLINE=1
run_hfgit sync -q second.lock
check_eq "after the writer: offline sync of its lock ($ERR)" "$RC" 0
unset HF_HUB_OFFLINE
check_eq "after the writer: the older weights" \
	"$(sha "$HFGIT_HOME/checkouts/hfgit-test/lfs-model/$V1_COMMIT/model.safetensors")" "$V1_MODEL_OID"

finish
