#!/bin/sh
# hfgit verify: a clean store and clean checkouts pass; a damaged store object is named, moved
# aside and fetched again by the next clone instead of being used; --deep finds damage that the
# fast XXH3 digests cannot; a modified or missing checkout file is named by its working-tree
# path; objects without a recorded digest are checked with SHA-256 (and get one).
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
# flip_byte FILE OFFSET: one byte changed in place (same size, same inode: hard links see it).
flip_byte() {
	python3 -c 'import sys
with open(sys.argv[1], "r+b") as f:
    f.seek(int(sys.argv[2])); b = f.read(1); f.seek(int(sys.argv[2])); f.write(bytes([b[0] ^ 0xff]))' "$1" "$2"
}
# xxh3_line FILE OID: the digest-log line for FILE's bytes, computed with libxxhash itself.
xxh3_line() {
	python3 -c 'import ctypes, sys
lib = ctypes.CDLL("libxxhash.so.0")
lib.XXH3_64bits.restype = ctypes.c_uint64
lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
data = open(sys.argv[1], "rb").read()
print("%s %d %016x" % (sys.argv[2], len(data), lib.XXH3_64bits(data, len(data))))' "$1" "$2"
}
count_lines() { printf '%s\n' "$1" | grep -c "$2" || true; }

# --- Clean: everything verifies -----------------------------------------------------------
run_hfgit clone -q "$MODEL" linked
check_eq "clone (default link mode) ($ERR)" "$RC" 0
run_hfgit clone -q --link copy "$MODEL" copied
run_hfgit clone -q --link copy "$MODEL@v1.0" v1
run_hfgit clone -q --no-lfs "$MODEL" nolfs

run_hfgit verify
check_eq "clean store: exit code ($ERR)" "$RC" 0
check_contains "clean store: summary" "$OUT" "checked $((MAIN_OBJECTS + 1)) files"
check_contains "clean store: intact" "$OUT" "all intact"
run_hfgit verify --deep --json
check_eq "clean store, deep: exit code" "$RC" 0
check_contains "clean store, deep: json" "$OUT" '"deep":true,'
check_contains "clean store, deep: nothing damaged" "$OUT" '"damaged":[]'
run_hfgit verify "$MODEL"
check_eq "clean model: exit code ($ERR)" "$RC" 0
check_contains "clean model: every object of its revisions" "$OUT" "checked $((MAIN_OBJECTS + 1)) files"
run_hfgit verify "$MODEL@v1.0" --json
check_eq "clean model@v1.0: exit code ($ERR)" "$RC" 0
check_contains "clean model@v1.0: only that revision's objects" "$OUT" '"files":2,'
for dir in linked copied v1; do
	run_hfgit verify "$dir"
	check_eq "clean checkout $dir: exit code ($ERR)" "$RC" 0
	check_contains "clean checkout $dir: intact" "$OUT" "all intact"
done
run_hfgit verify nolfs
check_eq "--no-lfs checkout (pointers only): exit code" "$RC" 0
check_contains "--no-lfs checkout: no content to check" "$OUT" "checked 0 files"

# --- Usage and input errors ------------------------------------------------------------------
run_hfgit verify a b
check_eq "two arguments: usage error" "$RC" 2
run_hfgit verify ./no-such-dir
check_eq "missing directory: exit code" "$RC" 3
check_contains "missing directory: says so" "$ERR" "not a directory"
run_hfgit verify hfgit-test/never-cloned
check_eq "model not in the cache: exit code" "$RC" 3
check_contains "model not in the cache: says so" "$ERR" "not in the cache"
mkdir plain
run_hfgit verify plain
check_eq "not a checkout: exit code" "$RC" 2
run_hfgit --help
check_contains "--help lists the damage exit code" "$OUT" "10   hfgit verify found damaged files"

# --- A damaged store object: named, moved aside, fetched again by the next clone -----------
bin=$(obj "$BIN_OID")
chmod u+w "$bin"
flip_byte "$bin" 1000
chmod a-w "$bin"
run_hfgit verify --json
check_eq "damaged object: exit code" "$RC" 10
check_contains "damaged object: names the store object" "$OUT" "\"path\":\"$bin\",\"where\":\"store\""
check_contains "damaged object: moved aside" "$OUT" "\"moved_to\":\"$HFGIT_HOME/lfs/damaged/$BIN_OID\""
check_eq "damaged object: only that one" "$(count_lines "$(echo "$OUT" | tr '{' '\n')" '"where":')" 1
[ ! -e "$bin" ] && pass || fail "damaged object: still in the store"
[ -f "$HFGIT_HOME/lfs/damaged/$BIN_OID" ] && pass || fail "damaged object: not in lfs/damaged"

# The default clone shares the object's inode: its file carries the same damage, and says so.
run_hfgit verify linked
check_eq "hard-linked checkout of a damaged object: exit code" "$RC" 10
check_contains "hard-linked checkout: names the working-tree file" "$OUT" \
	"damaged: $CLONES/linked/pytorch_model.bin: content differs from LFS object $BIN_OID"
check_contains "hard-linked checkout: the object is no longer in the store" "$OUT" \
	"1 object not in the store"
# A --link copy clone has its own bytes: intact.
run_hfgit verify copied
check_eq "copied checkout: unaffected ($OUT)" "$RC" 0

# The next clone does not use the damage: it downloads the object again.
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q --link copy "$MODEL" after
check_eq "clone after verify: exit code ($ERR)" "$RC" 0
check_eq "clone after verify: the damaged object was fetched again" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1)" "$BIN_OID"
check_eq "clone after verify: right content" "$(sha after/pytorch_model.bin)" "$BIN_OID"
check_eq "clone after verify: store object right again" "$(sha "$bin")" "$BIN_OID"
run_hfgit verify
check_eq "store after the re-fetch: intact ($OUT)" "$RC" 0

# A damaged object that only a model's revisions name is found through the model id.
sub=$(obj "$SUB_OID")
chmod u+w "$sub"
flip_byte "$sub" 5
run_hfgit verify "$MODEL"
check_eq "verify ID, damaged object: exit code" "$RC" 10
check_contains "verify ID: names the object" "$OUT" "damaged: $sub:"
check_contains "verify ID: and the file of the revision that uses it" "$OUT" \
	"used by $SUB_PATH (refs/heads/main)"
[ ! -e "$sub" ] && pass || fail "verify ID: the damaged object stayed in the store"
run_hfgit clone -q --link copy "$MODEL" after-id
check_eq "clone after verify ID: right content" "$(sha "after-id/$SUB_PATH")" "$SUB_OID"

# A truncated object (wrong size) is damage too.
one=$(obj "$V1_MODEL_OID")
chmod u+w "$one"
truncate -s 1000 "$one"
run_hfgit verify "$MODEL@v1.0"
check_eq "truncated object: exit code" "$RC" 10
check_contains "truncated object: named" "$OUT" "damaged: $one:"
run_hfgit clone -q --link copy "$MODEL@v1.0" v1-again
check_eq "truncated object: fetched again" "$(sha v1-again/model.safetensors)" "$V1_MODEL_OID"

# --- --deep: damage whose digest line was rewritten to match ------------------------------
model=$(obj "$MODEL_OID")
chmod u+w "$model"
flip_byte "$model" 4096
xxh3_line "$model" "$MODEL_OID" >>"$HFGIT_HOME/lfs/xxh3.log"
run_hfgit verify "$MODEL"
check_eq "forged digest: the fast check trusts it" "$RC" 0
run_hfgit verify --deep "$MODEL"
check_eq "forged digest: --deep finds the damage" "$RC" 10
check_contains "forged digest: --deep names the object" "$OUT" "damaged: $model:"
run_hfgit clone -q --link copy "$MODEL" after-deep
check_eq "after --deep: right content" "$(sha after-deep/model.safetensors)" "$MODEL_OID"

# A wrong digest line on a good object is not damage: SHA-256 decides, the line is corrected.
echo "$BIN_OID $BIN_SIZE 0123456789abcdef" >>"$HFGIT_HOME/lfs/xxh3.log"
run_hfgit verify
check_eq "wrong digest, good object: not damage ($OUT)" "$RC" 0
check_eq "wrong digest, good object: corrected" \
	"$(grep "^$BIN_OID" "$HFGIT_HOME/lfs/xxh3.log" | tail -1)" "$(xxh3_line "$bin" "$BIN_OID")"

# --- Checkout files ---------------------------------------------------------------------------
flip_byte copied/model.safetensors 100
rm copied/one.bin
run_hfgit verify --json copied
check_eq "modified checkout: exit code" "$RC" 10
check_contains "modified checkout: names the working-tree file" "$OUT" \
	"\"path\":\"$CLONES/copied/model.safetensors\",\"where\":\"checkout\",\"oid\":\"$MODEL_OID\",\"damage\":\"content\""
check_contains "missing checkout file: named" "$OUT" \
	"\"path\":\"$CLONES/copied/one.bin\",\"where\":\"checkout\",\"oid\":\"$ONE_OID\",\"damage\":\"missing\""
check_eq "modified checkout: the store is not blamed" "$(count_lines "$(echo "$OUT" | tr '{' '\n')" '"where":"store"')" 0
check_eq "modified checkout: the copy with the same object is fine" \
	"$(count_lines "$(echo "$OUT" | tr '{' '\n')" 'copy.safetensors')" 0

# --- Objects without a recorded digest: SHA-256, and a digest recorded for next time ------------
rm "$HFGIT_HOME/lfs/xxh3.log"
run_hfgit verify
check_eq "no digests: exit code ($OUT)" "$RC" 0
check_eq "no digests: one recorded per object" "$(wc -l <"$HFGIT_HOME/lfs/xxh3.log" | tr -d ' ')" \
	"$(find "$HFGIT_HOME/lfs/objects" -type f | wc -l | tr -d ' ')"
rm "$HFGIT_HOME/lfs/xxh3.log"
chmod u+w "$bin"
flip_byte "$bin" 7
run_hfgit verify
check_eq "no digest, damaged: exit code" "$RC" 10
check_contains "no digest, damaged: named" "$OUT" "damaged: $bin:"

finish
