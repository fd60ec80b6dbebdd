#!/bin/sh
# Git LFS content in clones: the right bytes, a clean git status, a checkout real git-lfs
# accepts, objects fetched once, --include/--exclude/--no-lfs/--link, and the faults the hub
# injects (corrupted byte, dropped connection, 503/429, expired href, missing object, wrong
# size, hub gone, kill -9 and re-run).
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
SRC=$FIXTURES/src/$MODEL

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"

sha() { sha256sum "$1" | cut -d' ' -f1; }
fresh_cache() { export HFGIT_HOME="$WORK/cache-$1"; }

# check_content DIR: every LFS file has its object's bytes; the look-alike stays as committed.
check_content() {
	check_eq "$1: model.safetensors" "$(sha "$1/model.safetensors")" "$MODEL_OID"
	check_eq "$1: copy.safetensors" "$(sha "$1/copy.safetensors")" "$COPY_OID"
	check_eq "$1: pytorch_model.bin" "$(sha "$1/pytorch_model.bin")" "$BIN_OID"
	check_eq "$1: $SUB_PATH" "$(sha "$1/$SUB_PATH")" "$SUB_OID"
	check_eq "$1: one.bin" "$(sha "$1/one.bin")" "$ONE_OID"
	check_eq "$1: pointer look-alike untouched" "$(sha "$1/pointer-lookalike.txt")" "$LOOKALIKE_SHA256"
}

# check_git DIR: real git and git-lfs are content with the checkout.
check_git() {
	check_eq "$1: git status" "$(git -C "$1" status --porcelain)" ""
	git -C "$1" fsck >"$WORK/fsck" 2>&1 && pass || fail "$1: git fsck: $(cat "$WORK/fsck")"
	out=$(git -C "$1" lfs fsck 2>&1) && check_contains "$1: git lfs fsck" "$out" "OK" ||
		fail "$1: git lfs fsck: $out"
	check_eq "$1: git lfs ls-files: objects present" \
		"$(git -C "$1" lfs ls-files | grep -v pointer-lookalike | grep -c ' \* ')" 5
}

# The store never holds an object whose bytes do not hash to its name.
check_store() {
	for f in $(find "$HFGIT_HOME/lfs/objects" -type f 2>/dev/null); do
		check_eq "store object $(basename "$f")" "$(sha "$f")" "$(basename "$f")"
	done
}

# --- A clone gets the content, once ------------------------------------------------------
fresh_cache basic
mark=$(log_mark "$hub_LOG")
run_hfgit clone --json "$MODEL" full
check_eq "clone exit code ($ERR)" "$RC" 0
check_content full
check_git full
check_contains "json: objects" "$OUT" "\"objects\":$MAIN_OBJECTS,"
check_contains "json: bytes" "$OUT" "\"bytes\":$MAIN_OBJECT_BYTES,"
check_contains "json: bytes fetched" "$OUT" "\"bytes_fetched\":$MAIN_OBJECT_BYTES,"
check_eq "one CDN request per distinct object" "$(cdn_since "$hub_LOG" "$mark" | wc -l | tr -d ' ')" \
	"$MAIN_OBJECTS"
check_eq "one batch request" "$(batch_since "$hub_LOG" "$mark")" 1
check_store

# A second clone of the same revision makes no LFS request at all.
mark=$(log_mark "$hub_LOG")
run_hfgit clone --json "$MODEL" again
check_content again
check_eq "second clone: no batch request" "$(batch_since "$hub_LOG" "$mark")" 0
check_eq "second clone: no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""
check_contains "second clone: nothing fetched" "$OUT" '"bytes_fetched":0,'
check_contains "second clone: all reused" "$OUT" "\"bytes_reused\":$MAIN_OBJECT_BYTES,"

# Another revision fetches only what it does not share.
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL@v1.0" v1
check_eq "v1.0: model.safetensors" "$(sha v1/model.safetensors)" "$V1_MODEL_OID"
check_eq "v1.0: only the new object crossed the network" "$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1)" \
	"$V1_MODEL_OID"

# --- Which files: --include, --exclude, --no-lfs ------------------------------------------
pointer_of() { git -C "$SRC" cat-file blob "main:$1" | sha256sum | cut -d' ' -f1; }
run_hfgit clone -q --include '*.safetensors' "$MODEL" inc
check_eq "include: safetensors content" "$(sha inc/model.safetensors)" "$MODEL_OID"
check_eq "include: .bin keeps its pointer" "$(sha inc/pytorch_model.bin)" "$(pointer_of pytorch_model.bin)"
check_eq "include: git status" "$(git -C inc status --porcelain)" ""
run_hfgit clone -q --exclude 'sub/*' --exclude one.bin "$MODEL" exc
check_eq "exclude: sub keeps its pointer" "$(sha "exc/$SUB_PATH")" "$(pointer_of "$SUB_PATH")"
check_eq "exclude: one.bin keeps its pointer" "$(sha exc/one.bin)" "$(pointer_of one.bin)"
check_eq "exclude: others get content" "$(sha exc/pytorch_model.bin)" "$BIN_OID"
run_hfgit clone -q --no-lfs "$MODEL" nolfs
check_eq "no-lfs: pointer" "$(sha nolfs/model.safetensors)" "$(pointer_of model.safetensors)"
check_eq "no-lfs: git status" "$(git -C nolfs status --porcelain)" ""
(cd nolfs && git lfs pull >/dev/null 2>&1) && check_eq "git lfs pull in a --no-lfs clone" \
	"$(sha nolfs/model.safetensors)" "$MODEL_OID" || fail "git lfs pull in a --no-lfs clone failed"

# --- How files share the store: --link ----------------------------------------------------
links() { stat -c %h "$1"; }
run_hfgit clone -q --link copy "$MODEL" copied
check_eq "copy: a file of its own" "$(links copied/model.safetensors)" 1
[ -w copied/model.safetensors ] && pass || fail "copy: the file should be writable"
check_content copied
run_hfgit clone -q --link hardlink "$MODEL" linked
[ "$(links linked/model.safetensors)" -ge 2 ] && pass || fail "hardlink: not linked to the store"
check_eq "hardlink: read-only" "$(stat -c %a linked/model.safetensors)" 444
check_git linked

# --- Faults -------------------------------------------------------------------------------
# A corrupted byte is detected, the object fetched again, and never visible.
fresh_cache corrupt
set_faults "$hub_URL" "[{\"kind\":\"corrupt\",\"oid\":\"$BIN_OID\",\"offset\":1000,\"times\":1}]"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL" corrupt
check_eq "corrupt byte: clone succeeds ($ERR)" "$RC" 0
check_eq "corrupt byte: right content" "$(sha corrupt/pytorch_model.bin)" "$BIN_OID"
check_eq "corrupt byte: fetched twice" "$(cdn_since "$hub_LOG" "$mark" "$BIN_OID" | wc -l | tr -d ' ')" 2
check_store

# A dropped connection resumes with Range where it broke: bytes before it are not fetched again.
fresh_cache drop
set_faults "$hub_URL" "[{\"kind\":\"drop\",\"oid\":\"$MODEL_OID\",\"after\":300000,\"times\":1}]"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL" drop
check_eq "drop: clone succeeds ($ERR)" "$RC" 0
check_eq "drop: right content" "$(sha drop/model.safetensors)" "$MODEL_OID"
check_eq "drop: resumed at the byte it broke" "$(cdn_since "$hub_LOG" "$mark" "$MODEL_OID" | sed -n 2p)" \
	"$MODEL_OID bytes=300000-$((MODEL_SIZE - 1)) 206"

# Fewer objects than connections: a large object is split into ranges fetched over several
# connections at once, and still hashed in order; a drop in one range resumes only that range.
fresh_cache split
set_faults "$hub_URL" "[{\"kind\":\"drop\",\"oid\":\"$MODEL_OID\",\"after\":100000,\"times\":1}]"
mark=$(log_mark "$hub_LOG")
HFGIT_LFS_CHUNK=262144 run_hfgit clone -q --include model.safetensors "$MODEL" split
check_eq "split: clone succeeds ($ERR)" "$RC" 0
check_eq "split: right content" "$(sha split/model.safetensors)" "$MODEL_OID"
ranges=$(cdn_since "$hub_LOG" "$mark" "$MODEL_OID" | grep -c ' bytes=' || true)
[ "$ranges" -ge 12 ] && pass || fail "split: expected many range requests, saw $ranges"
check_eq "split: every range request answered 206" \
	"$(cdn_since "$hub_LOG" "$mark" "$MODEL_OID" | grep ' bytes=' | grep -vc ' 206$' || true)" 0
# The range that dropped after 100000 bytes was asked again from its 100000th byte on.
resumed=$(cdn_since "$hub_LOG" "$mark" "$MODEL_OID" | sed -n 's/.* bytes=\([0-9]*\)-.*/\1/p' |
	awk '$1 % 262144 == 100000' | wc -l | tr -d ' ')
check_eq "split: the dropped range resumed where it broke" "$resumed" 1
check_store

# 503 and 429 with Retry-After are retried.
fresh_cache busy
set_faults "$hub_URL" "[{\"kind\":\"status\",\"oid\":\"$BIN_OID\",\"status\":503,\"retry_after\":1,\"times\":1},
 {\"kind\":\"status\",\"oid\":\"$SUB_OID\",\"status\":429,\"retry_after\":1,\"times\":2},
 {\"kind\":\"batch_status\",\"status\":503,\"retry_after\":1,\"times\":1}]"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL" busy
check_eq "503/429: clone succeeds ($ERR)" "$RC" 0
check_content busy
check_eq "503: retried once" "$(cdn_since "$hub_LOG" "$mark" "$BIN_OID" | cut -d' ' -f3 | tr '\n' ' ')" "503 200 "
check_eq "429: retried twice" "$(cdn_since "$hub_LOG" "$mark" "$SUB_OID" | cut -d' ' -f3 | tr '\n' ' ')" "429 429 200 "
check_eq "batch 503: retried" "$(batch_since "$hub_LOG" "$mark")" 2

# An expired href is renewed with a new batch call.
fresh_cache expired
set_faults "$hub_URL" "[{\"kind\":\"expired\",\"oid\":\"$ONE_OID\",\"times\":1}]"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL" expired
check_eq "expired href: clone succeeds ($ERR)" "$RC" 0
check_eq "expired href: one.bin" "$(sha expired/one.bin)" "$ONE_OID"
check_eq "expired href: renewed with a second batch" "$(batch_since "$hub_LOG" "$mark")" 2

# A missing object fails the clone with its file name; what arrived stays for the next run.
fresh_cache missing
set_faults "$hub_URL" "[{\"kind\":\"missing\",\"oid\":\"$BIN_OID\"}]"
run_hfgit clone -q "$MODEL" missing
check_eq "missing object: exit code" "$RC" 3
check_contains "missing object: names the file" "$ERR" "pytorch_model.bin"
check_eq "missing object: no directory" "$(ls -d missing 2>/dev/null || true)" ""
[ -f "$HFGIT_HOME/lfs/objects/3b/4b/$MODEL_OID" ] && pass || fail "missing object: the others were not kept"
set_faults "$hub_URL" "[]"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL" missing
check_eq "missing object, re-run: succeeds" "$RC" 0
check_eq "missing object, re-run: only the missing object is fetched" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1)" "$BIN_OID"

# Many objects go in groups whose batch requests run ahead of the downloads: the same bytes,
# one batch request per group, and a missing object in a later group still named.
fresh_cache groups
mark=$(log_mark "$hub_LOG")
HFGIT_LFS_GROUP=1 run_hfgit clone -q "$MODEL" groups
check_eq "groups: exit code ($ERR)" "$RC" 0
check_content groups
check_git groups
check_eq "groups: a batch request per group (1, then 3)" "$(batch_since "$hub_LOG" "$mark")" 2
check_eq "groups: one CDN request per distinct object" \
	"$(cdn_since "$hub_LOG" "$mark" | wc -l | tr -d ' ')" "$MAIN_OBJECTS"
fresh_cache groups-missing
set_faults "$hub_URL" "[{\"kind\":\"missing\",\"oid\":\"$BIN_OID\"}]"
HFGIT_LFS_GROUP=1 run_hfgit clone -q "$MODEL" groups-missing
check_eq "groups, missing object: exit code" "$RC" 3
check_contains "groups, missing object: names the file" "$ERR" "pytorch_model.bin"
[ -f "$HFGIT_HOME/lfs/objects/3b/4b/$MODEL_OID" ] && pass ||
	fail "groups, missing object: the others were not kept"
set_faults "$hub_URL" "[]"

# A pointer whose size disagrees with the bytes served.
fresh_cache size
set_faults "$hub_URL" "[{\"kind\":\"size\",\"oid\":\"$SUB_OID\",\"extra\":10}]"
run_hfgit clone -q "$MODEL" size
check_eq "size mismatch: exit code" "$RC" 5
check_contains "size mismatch: names the file" "$ERR" "$SUB_PATH"
check_contains "size mismatch: says why" "$ERR" "disagree"
check_store
set_faults "$hub_URL" "[]"

# kill -9 in the middle of a transfer, then a re-run: it completes, objects finished before
# the kill are not fetched again, the partial one resumes, and no partial file is ever at
# an object's final path.
fresh_cache kill
set_faults "$hub_URL" "[{\"kind\":\"slow\",\"oid\":\"$MODEL_OID\",\"bytes_per_sec\":400000}]"
"$HFGIT" clone -q "$MODEL" killed >/dev/null 2>&1 &
pid=$!
# partial_size OID: bytes in the object's partial download(s) ("<oid>.<host>-<pid>.part").
partial_size() {
	cat "$HFGIT_HOME"/lfs/incomplete/"$1".*.part 2>/dev/null | wc -c | tr -d ' '
}
i=0
while [ "$(partial_size "$MODEL_OID")" -lt 500000 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -9 $pid
wait $pid 2>/dev/null || true
check_store
check_eq "kill -9: no directory" "$(ls -d killed 2>/dev/null || true)" ""
have=$(partial_size "$MODEL_OID")
[ "$have" -ge 500000 ] && pass || fail "kill -9: the partial file has $have bytes"
set_faults "$hub_URL" "[]"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL" killed
check_eq "after kill -9: re-run succeeds ($ERR)" "$RC" 0
check_eq "after kill -9: the dead clone's staging directory is gone" \
	"$(ls -A | grep -c '^\.killed\.hfgit-' || true)" 0
check_content killed
check_eq "after kill -9: finished objects not fetched again" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1 | sort -u)" "$MODEL_OID"
range=$(cdn_since "$hub_LOG" "$mark" "$MODEL_OID" | head -1 | cut -d' ' -f2)
case $range in
bytes=0-*|-) fail "after kill -9: the partial object was fetched from the start ($range)" ;;
bytes=*) pass ;;
*) fail "after kill -9: unexpected request $range" ;;
esac
check_store

# Ctrl-C: exit 130, nothing half-made at the destination.
fresh_cache sigint
set_faults "$hub_URL" "[{\"kind\":\"slow\",\"oid\":\"$MODEL_OID\",\"bytes_per_sec\":400000}]"
"$HFGIT" clone -q "$MODEL" interrupted >/dev/null 2>"$WORK/sigint.err" &
pid=$!
i=0
while [ "$(partial_size "$MODEL_OID")" -lt 100000 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
kill -INT $pid
set +e
wait $pid
rc=$?
set -e
check_eq "SIGINT: exit code ($(cat "$WORK/sigint.err"))" "$rc" 130
check_eq "SIGINT: no directory" "$(ls -d interrupted 2>/dev/null || true)" ""
check_eq "SIGINT: no staging directory" "$(ls -A | grep -c '^\.interrupted\.hfgit-' || true)" 0
set_faults "$hub_URL" "[]"

# The hub going away mid-way: a clear error, nothing half-made, what arrived kept.
fresh_cache down
start_hub doomed
# Slow enough (the object's ranges take over 10 s together) that a test shell starved of the
# CPU for a second or two still kills the hub before the last byte: at 200 kB/s a range each
# on 8 connections, the whole object could arrive between two polls on a loaded machine.
set_faults "$doomed_URL" "[{\"kind\":\"slow\",\"oid\":\"$MODEL_OID\",\"bytes_per_sec\":30000}]"
HF_ENDPOINT=$doomed_URL "$HFGIT" clone -q "$MODEL" down >/dev/null 2>"$WORK/down.err" &
pid=$!
i=0
while [ "$(partial_size "$MODEL_OID")" -eq 0 ] && [ $i -lt 200 ]; do
	sleep 0.05
	i=$((i + 1))
done
stop_hub doomed
set +e
wait $pid
rc=$?
set -e
check_eq "hub down mid-way: exit code ($(cat "$WORK/down.err"))" "$rc" 5
check_contains "hub down mid-way: names the file" "$(cat "$WORK/down.err")" ".safetensors: "
check_eq "hub down mid-way: no directory" "$(ls -d down 2>/dev/null || true)" ""
check_store

finish
