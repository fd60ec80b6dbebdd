#!/bin/sh
# Several processes cloning at once into one cache: all succeed, and each LFS object crosses
# the network once. A lock left by a killed process never blocks anyone.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"
sha() { sha256sum "$1" | cut -d' ' -f1; }

# Slow the largest object down so that the four clones really overlap.
set_faults "$hub_URL" "[{\"kind\":\"slow\",\"oid\":\"$MODEL_OID\",\"bytes_per_sec\":3000000}]"
mark=$(log_mark "$hub_LOG")
pids=
for n in 1 2 3 4; do
	"$HFGIT" clone -q "$MODEL" "c$n" >"$WORK/c$n.out" 2>&1 &
	pids="$pids $!"
done
# ... and another model at the same time, sharing the cache.
"$HFGIT" clone -q --no-lfs hfgit-test/tiny-model other >"$WORK/other.out" 2>&1 &
pids="$pids $!"
n=0
for pid in $pids; do
	n=$((n + 1))
	if wait "$pid"; then pass; else fail "concurrent clone $n failed: $(cat "$WORK"/*.out)"; fi
done
for n in 1 2 3 4; do
	check_eq "c$n: model.safetensors" "$(sha "c$n/model.safetensors")" "$MODEL_OID"
	check_eq "c$n: pytorch_model.bin" "$(sha "c$n/pytorch_model.bin")" "$BIN_OID"
	check_eq "c$n: git status" "$(git -C "c$n" status --porcelain)" ""
done
check_eq "other model cloned" "$(git -C other rev-parse HEAD)" \
	"$(git -C "$FIXTURES/src/hfgit-test/tiny-model" rev-parse main)"
# Each object was downloaded by exactly one of the four.
for oid in $MODEL_OID $BIN_OID $SUB_OID $ONE_OID; do
	check_eq "object $oid fetched once" "$(cdn_since "$hub_LOG" "$mark" "$oid" | wc -l | tr -d ' ')" 1
done
check_eq "no partial files left" "$(ls "$HFGIT_HOME/lfs/incomplete" | grep -c '\.part$' || true)" 0

# A clone killed while holding an object's lock does not block the next one.
export HFGIT_HOME=$WORK/cache-killed
"$HFGIT" clone -q "$MODEL" killed >/dev/null 2>&1 &
pid=$!
i=0
while [ "$(cat "$HFGIT_HOME"/lfs/incomplete/"$MODEL_OID".*.part 2>/dev/null | wc -c)" -lt 100000 ] &&
	[ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null || true
set_faults "$hub_URL" "[]"
run_hfgit clone -q "$MODEL" after-kill
check_eq "after a killed lock holder: clone succeeds ($ERR)" "$RC" 0
check_eq "after a killed lock holder: content" "$(sha after-kill/model.safetensors)" "$MODEL_OID"

finish
