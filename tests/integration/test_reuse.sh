#!/bin/sh
# Downloads already on the machine are reused, never fetched again: the blobs of a
# huggingface_hub cache (written here by the test in huggingface_hub's layout, as transformers
# leaves it, not by hfgit) and `--reference DIR` (a checkout made by real git + git-lfs). Each
# is verified by SHA-256 first: a damaged blob is not used.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
SRC_DIR=$FIXTURES/$SRC

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"
sha() { sha256sum "$1" | cut -d' ' -f1; }
lfs_count=$(git -C "$SRC_DIR" lfs ls-files -n | wc -l | tr -d ' ')

# write_hf_cache HUB_DIR: the main revision of the model as huggingface_hub stores it:
#   models--<org>--<name>/blobs/<sha256 of an LFS file | git blob id of another file>
#   models--<org>--<name>/snapshots/<commit>/<path> -> ../../blobs/<name> (relative)
#   models--<org>--<name>/refs/main            the commit, no newline
write_hf_cache() {
	repo=$1/models--hfgit-test--lfs-model
	mkdir -p "$repo/blobs" "$repo/refs" "$repo/snapshots/$MAIN_COMMIT"
	git -C "$SRC_DIR" lfs ls-files -n >"$WORK/lfs-paths"
	git -C "$SRC_DIR" ls-files | while IFS= read -r path; do
		if grep -qxF -e "$path" "$WORK/lfs-paths"; then
			name=$(sha "$SRC_DIR/$path")
		else
			name=$(git -C "$SRC_DIR" hash-object -- "$path")
		fi
		cp "$SRC_DIR/$path" "$repo/blobs/$name"
		up=../..
		rest=$path
		while [ "${rest#*/}" != "$rest" ]; do up=$up/..; rest=${rest#*/}; done
		mkdir -p "$(dirname "$repo/snapshots/$MAIN_COMMIT/$path")"
		ln -s "$up/blobs/$name" "$repo/snapshots/$MAIN_COMMIT/$path"
	done
	printf '%s' "$MAIN_COMMIT" >"$repo/refs/main"
}

export HF_HUB_CACHE=$WORK/hf/hub
write_hf_cache "$HF_HUB_CACHE"
check_eq "the test's cache: a snapshot file reads through its symlink" \
	"$(sha "$HF_HUB_CACHE/models--hfgit-test--lfs-model/snapshots/$MAIN_COMMIT/model.safetensors")" "$MODEL_OID"

# A clone with every LFS object in the hub cache: no CDN request at all.
mark=$(log_mark "$hub_LOG")
run_hfgit clone --json "$MODEL" fromhf
check_eq "clone from the hub cache ($ERR)" "$RC" 0
check_eq "no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""
check_eq "no LFS batch request" "$(batch_since "$hub_LOG" "$mark")" 0
check_contains "json: objects_local" "$OUT" "\"objects_local\":$((lfs_count - 2))"
check_contains "json: nothing fetched" "$OUT" "\"bytes_fetched\":0"
check_eq "content" "$(sha fromhf/model.safetensors)" "$MODEL_OID"
check_eq "content in a subdirectory" "$(sha fromhf/$SUB_PATH)" "$SUB_OID"
check_eq "git status clean" "$(git -C fromhf status --porcelain)" ""
out=$(git -C fromhf lfs fsck 2>&1) && check_contains "git lfs fsck" "$out" "OK" || fail "git lfs fsck: $out"
run_hfgit verify --deep
check_eq "hfgit verify --deep of the store afterwards ($OUT)" "$RC" 0
# Nothing in the hub cache changed.
check_eq "hub cache blob intact" "$(sha "$HF_HUB_CACHE/models--hfgit-test--lfs-model/blobs/$MODEL_OID")" "$MODEL_OID"

# Offline: the git objects in hfgit's cache and the LFS content in the hub cache make a clone
# with no network at all.
rm -rf "$HFGIT_HOME/lfs"
mark=$(log_mark "$hub_LOG")
HF_HUB_OFFLINE=1 run_hfgit clone -q "$MODEL" offline
check_eq "offline clone from the hub cache's blobs ($ERR)" "$RC" 0
check_eq "offline clone: no request at all" "$(log_since "$hub_LOG" "$mark")" ""
check_eq "offline clone: content" "$(sha offline/copy.safetensors)" "$COPY_OID"

# A blob of the hub cache is hard-linked only when it is the user's own (the store marks its
# objects read-only); another user's is copied, and keeps its mode.
ino() { stat -c %i "$1"; }
store_obj() { echo "$HFGIT_HOME/lfs/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-4)/$1"; }
# (where the file system reflinks, the store gets a reflink instead: one copy, two inodes)
if ! cp --reflink=always "$SRC_DIR/config.json" "$WORK/reflink-probe" 2>/dev/null; then
	check_eq "own blob: hard-linked into the store" "$(ino "$(store_obj "$MODEL_OID")")" \
		"$(ino "$HF_HUB_CACHE/models--hfgit-test--lfs-model/blobs/$MODEL_OID")"
fi
if [ "$(id -u)" = 0 ]; then
	rm -rf "$HFGIT_HOME"
	other=$HF_HUB_CACHE/models--hfgit-test--lfs-model/blobs/$SUB_OID
	chown nobody "$other"
	chmod 0664 "$other"
	run_hfgit clone -q "$MODEL" others
	check_eq "another user's blob: clone ($ERR)" "$RC" 0
	if [ "$(ino "$(store_obj "$SUB_OID")")" != "$(ino "$other")" ]; then pass; else fail "another user's blob was hard-linked"; fi
	check_eq "another user's blob keeps its mode" "$(stat -c %a "$other")" 664
	check_eq "another user's blob: content in the checkout" "$(sha "others/$SUB_PATH")" "$SUB_OID"
fi

# A damaged blob (right name and size, wrong bytes) is not used: only that object is fetched.
rm -rf "$HFGIT_HOME"
blob=$HF_HUB_CACHE/models--hfgit-test--lfs-model/blobs/$BIN_OID
chmod u+w "$blob"
printf 'X' | dd of="$blob" bs=1 seek=100 conv=notrunc 2>/dev/null
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q "$MODEL" damaged
check_eq "clone with a damaged hub-cache blob ($ERR)" "$RC" 0
check_eq "the damaged one is downloaded, the others are not" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1 | sort -u | tr '\n' ' ')" "$BIN_OID "
check_eq "content of the re-downloaded file" "$(sha damaged/pytorch_model.bin)" "$BIN_OID"

# Without reuse, everything is downloaded.
rm -rf "$HFGIT_HOME"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q --no-hf-cache-reuse "$MODEL" noreuse
check_eq "--no-hf-cache-reuse ($ERR)" "$RC" 0
check_eq "--no-hf-cache-reuse downloads every object" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1 | sort -u | wc -l | tr -d ' ')" "$((lfs_count - 2))"

# hfgit export --hf-cache into that cache takes its blobs instead of downloading first.
rm -rf "$HFGIT_HOME"
mark=$(log_mark "$hub_LOG")
run_hfgit export -q --hf-cache "$MODEL"
check_eq "export into the hub cache that has the blobs ($ERR)" "$RC" 0
check_eq "export: only the damaged blob is downloaded" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1 | sort -u | tr '\n' ' ')" "$BIN_OID "

# --reference: a checkout made by real git and git-lfs, with the hub cache out of the way.
unset HF_HUB_CACHE
export HF_HOME=$WORK/empty-hf
rm -rf "$HFGIT_HOME"
git lfs install --skip-repo >/dev/null 2>&1 || true
git clone -q "$hub_URL/$MODEL" gitlfs 2>"$WORK/git.err" || fail "git clone with git-lfs: $(cat "$WORK/git.err")"
check_eq "the git-lfs checkout has its objects" "$(test -d gitlfs/.git/lfs/objects && echo yes)" yes
mark=$(log_mark "$hub_LOG")
run_hfgit clone --json --reference gitlfs "$MODEL" fromref
check_eq "clone --reference ($ERR)" "$RC" 0
check_eq "--reference: no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""
check_eq "--reference: content" "$(sha fromref/model.safetensors)" "$MODEL_OID"
check_contains "--reference: json" "$OUT" "\"objects_local\":$((lfs_count - 2))"
check_eq "--reference: the reference is untouched" "$(git -C gitlfs status --porcelain)" ""

# A reference that holds nothing is a clear usage error, and the clone leaves nothing.
mkdir -p "$WORK/nothing"
run_hfgit clone -q --reference "$WORK/nothing" "$MODEL" badref
check_eq "--reference of an empty directory: exit code" "$RC" 2
check_contains "--reference of an empty directory: message" "$ERR" "holds no LFS objects"
check_eq "--reference of an empty directory: no directory left" "$(test -e badref && echo yes)" ""
run_hfgit clone -q --reference "$WORK/absent" "$MODEL" badref
check_contains "--reference of a missing directory" "$ERR" "is not a directory"
# '~' in --reference=~/DIR (no shell expands it there)
rm -rf "$HFGIT_HOME"
mv gitlfs "$HOME/gitlfs"
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q --reference='~/gitlfs' "$MODEL" tilde
check_eq "--reference=~/DIR ($ERR)" "$RC" 0
check_eq "--reference=~/DIR: no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""

finish
