#!/bin/sh
# The store's LFS manifest (lib/checkout/manifest.h): the first clone writes one line per blob
# of the tree with the pointer real git-lfs reads in that blob; a warm clone takes every answer
# from it; a damaged, missing or stale manifest gives the same checkout and is written anew.
# And the index a clone writes equals the one real git + git-lfs write (git ls-files --stage).
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model

start_hub hub
export HF_ENDPOINT=$hub_URL HFGIT_TRACE=1
mkdir -p "$WORK/clones"
cd "$WORK/clones"

sha() { sha256sum "$1" | cut -d' ' -f1; }

# check_clone DIR: the content, a clean status, and git-lfs content with the checkout.
check_clone() {
	check_eq "$1: exit code ($ERR)" "$RC" 0
	check_eq "$1: model.safetensors" "$(sha "$1/model.safetensors")" "$MODEL_OID"
	check_eq "$1: $SUB_PATH" "$(sha "$1/$SUB_PATH")" "$SUB_OID"
	check_eq "$1: pointer look-alike untouched" "$(sha "$1/pointer-lookalike.txt")" "$LOOKALIKE_SHA256"
	check_eq "$1: git status" "$(git -C "$1" status --porcelain)" ""
	out=$(git -C "$1" lfs fsck 2>&1) && check_contains "$1: git lfs fsck" "$out" "OK" ||
		fail "$1: git lfs fsck: $out"
}

# The manifest's lines as real git and git-lfs see the tree: each blob in tree order, with the
# pointer `git lfs pointer --check` accepts in it.
expected_lines() {
	git -C "$1" ls-tree -r HEAD | while read -r mode type blob path; do
		[ "$type" = blob ] || continue
		# (git-lfs takes an empty file for an empty pointer; its content is itself either way)
		if [ "$mode" != 120000 ] && git -C "$1" cat-file blob "$blob" >"$WORK/blob" && [ -s "$WORK/blob" ] &&
		   git lfs pointer --check --file="$WORK/blob" >/dev/null 2>&1 &&
		   ! grep -q '^ext-' "$WORK/blob"; then
			echo "$mode $blob $(sed -n 's/^oid sha256://p' "$WORK/blob") $(sed -n 's/^size //p' "$WORK/blob") $path"
		else
			echo "$mode $blob - - $path"
		fi
	done
}

# The XXH3-64 trailer, computed with libxxhash itself.
reseal() { # FILE: recompute the trailer of a manifest whose lines were edited
	/usr/bin/python3 - "$1" <<'PY'
import ctypes, sys
lib = ctypes.CDLL("libxxhash.so.0")
lib.XXH3_64bits.restype = ctypes.c_uint64
lib.XXH3_64bits.argtypes = [ctypes.c_char_p, ctypes.c_size_t]
body = open(sys.argv[1], "rb").read().split(b"\n")
body = b"\n".join(body[:-2]) + b"\n"
open(sys.argv[1], "wb").write(body + b"xxh3 %016x\n" % lib.XXH3_64bits(body, len(body)))
PY
}

# --- The first clone writes it -----------------------------------------------------------
run_hfgit clone -q "$MODEL" first
check_clone first
tree=$(git -C first rev-parse 'HEAD^{tree}')
manifest=$(find "$HFGIT_HOME/repos" -path "*/hfgit/lfs-manifests/$tree")
check_contains "first clone: wrote the manifest" "$ERR" "lfs manifest: wrote"
[ -f "$manifest" ] && pass || fail "no manifest for tree $tree in the store"
cp "$manifest" "$WORK/manifest.good"
check_eq "header names the tree" "$(head -n 1 "$manifest")" "hfgit lfs manifest 1 $tree"
check_eq "lines: every blob with git-lfs's pointer" "$(sed '1d;$d' "$manifest")" "$(expected_lines first)"
cp "$WORK/manifest.good" "$WORK/resealed" && reseal "$WORK/resealed"
check_eq "trailer: XXH3-64 of the rest (libxxhash)" "$(tail -n 1 "$WORK/resealed")" "$(tail -n 1 "$manifest")"

# --- A warm clone reads it, and writes nothing ----------------------------------------
run_hfgit clone -q "$MODEL" warm
check_clone warm
check_contains "warm clone: every answer from the manifest" "$ERR" "lfs manifest: all"
case $ERR in *"lfs manifest: wrote"*) fail "warm clone rewrote an intact manifest" ;; *) pass ;; esac

# --- Damaged: one byte of an oid changed, the trailer no longer matches -----------------
sed -i "s/$MODEL_OID/$(echo "$MODEL_OID" | tr 0-9a-f 1-9a-f0)/" "$manifest"
run_hfgit clone -q "$MODEL" damaged
check_clone damaged
check_contains "damaged: not used" "$ERR" "is not intact; not used"
check_eq "damaged: written anew" "$(cat "$manifest")" "$(cat "$WORK/manifest.good")"

# --- Cut short ---------------------------------------------------------------------------
head -c 200 "$WORK/manifest.good" >"$manifest"
run_hfgit clone -q "$MODEL" truncated
check_clone truncated
check_eq "truncated: written anew" "$(cat "$manifest")" "$(cat "$WORK/manifest.good")"

# --- Missing -----------------------------------------------------------------------------
rm -f "$manifest"
run_hfgit clone -q "$MODEL" missing
check_clone missing
check_eq "missing: written anew" "$(cat "$manifest")" "$(cat "$WORK/manifest.good")"

# --- Stale: intact (resealed), but a line names another blob, and one line is gone -------
other=$(git -C first rev-parse HEAD:.gitattributes)
awk -v other="$other" -v oid="$MODEL_OID" '$3 == oid && !done { $2 = other; done = 1 } { print }' \
	"$WORK/manifest.good" >"$manifest"
reseal "$manifest"
run_hfgit clone -q "$MODEL" stale
check_clone stale
case $ERR in *"not intact"*) fail "stale: the resealed manifest was not taken as intact" ;; *) pass ;; esac
check_eq "stale: written anew" "$(cat "$manifest")" "$(cat "$WORK/manifest.good")"
# a line whose mode is another, or whose size is not a number: not that entry's
for edit in '$1 = "100755"' '$4 = $4 "x"' '$4 = ""'; do
	awk -v oid="$MODEL_OID" "\$3 == oid && !done { $edit; done = 1 } { print }" \
		"$WORK/manifest.good" >"$manifest"
	reseal "$manifest"
	run_hfgit clone -q "$MODEL" "edit-$(echo "$edit" | tr -dc 0-9a-z)"
	check_clone "edit-$(echo "$edit" | tr -dc 0-9a-z)"
	check_eq "a line edited ($edit): written anew" "$(cat "$manifest")" "$(cat "$WORK/manifest.good")"
done
sed '$d' "$WORK/manifest.good" | sed '$d' >"$manifest"
echo "xxh3 0000000000000000" >>"$manifest"
reseal "$manifest"
run_hfgit clone -q "$MODEL" short
check_clone short
check_eq "a line short: written anew" "$(cat "$manifest")" "$(cat "$WORK/manifest.good")"

# --- Another revision has its own manifest -----------------------------------------------
run_hfgit clone -q "$MODEL@v1.0" v1
check_eq "v1.0: exit code ($ERR)" "$RC" 0
check_eq "v1.0: model.safetensors" "$(sha v1/model.safetensors)" "$V1_MODEL_OID"
v1tree=$(git -C v1 rev-parse 'HEAD^{tree}')
check_eq "v1.0: its manifest" "$(sed '1d;$d' "$(dirname "$manifest")/$v1tree")" "$(expected_lines v1)"
check_eq "main's manifest untouched" "$(cat "$manifest")" "$(cat "$WORK/manifest.good")"

# --- The index equals real git + git-lfs's -----------------------------------------------
git clone -q "$hub_URL/$MODEL" gitclone 2>"$WORK/git.err" || fail "git clone: $(cat "$WORK/git.err")"
check_eq "index: git ls-files --stage as git + git-lfs" "$(git -C warm ls-files --stage)" \
	"$(git -C gitclone ls-files --stage)"
check_eq "index: no entry needs a refresh" "$(git -C warm diff-files --name-only)" ""

finish
