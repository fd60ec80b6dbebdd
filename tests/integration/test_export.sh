#!/bin/sh
# hfgit export --hf-cache and clone --hf-cache: the huggingface_hub cache layout
# (models--org--name/{blobs,refs,snapshots}) checked the way huggingface_hub reads it; LFS blobs
# are hard links to hfgit's store (a copy across file systems), symlinks are relative, refs hold
# the bare commit hash; a second export changes nothing; it works offline with the hub gone.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
LFS_MAIN="model.safetensors copy.safetensors pytorch_model.bin sub/dir/weights.bin one.bin"
LFS_V1="model.safetensors pytorch_model.bin"

start_hub hub
export HF_ENDPOINT=$hub_URL
export HF_HOME=$WORK/hf
HUB=$HF_HOME/hub
REPO=$HUB/models--hfgit-test--lfs-model
mkdir -p "$WORK/clones"
cd "$WORK/clones"

# The layout as huggingface_hub reads it: try_to_load_from_cache's walk (refs/<rev> -> commit
# -> snapshots/<commit>/<file>), scan_cache_dir's rules (every ref names a snapshot, no broken
# link), huggingface_hub's relative links and blob names (sha256 for LFS files, the git blob id
# for the others), and the bytes of every file against a checkout of the same revision.
cat >"$WORK/check_hf_cache.py" <<'EOF'
import hashlib, os, re, sys

hub, repo_type, repo_id, revision, expected_dir = sys.argv[1:6]
lfs = set(sys.argv[6].split())
errors = []
folder = os.path.join(hub, "--".join([repo_type + "s"] + repo_id.split("/")))
refs, snapshots, blobs = (os.path.join(folder, d) for d in ("refs", "snapshots", "blobs"))

rev = "main" if revision == "-" else revision
ref_file = os.path.join(refs, rev)
commit = rev
if os.path.isfile(ref_file):
    with open(ref_file) as f:
        commit = f.read()
if not re.fullmatch(r"[0-9a-f]{40}", commit):
    errors.append("refs/%s holds %r, not a bare commit hash" % (rev, commit))
elif commit not in os.listdir(snapshots):
    errors.append("no snapshot for %s" % commit)

def sha256(data): return hashlib.sha256(data).hexdigest()
def git_blob_id(data): return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()

wanted = {}
for root, dirs, files in os.walk(expected_dir):
    dirs[:] = [d for d in dirs if d != ".git"]
    for name in files:
        path = os.path.join(root, name)
        wanted[os.path.relpath(path, expected_dir)] = open(path, "rb").read()

snapshot = os.path.join(snapshots, commit)
present = set()
for root, dirs, files in os.walk(snapshot):
    for name in files:
        present.add(os.path.relpath(os.path.join(root, name), snapshot))
if present != set(wanted):
    errors.append("snapshot files %s differ from the checkout's %s" % (sorted(present), sorted(wanted)))

for rel, data in sorted(wanted.items()):
    cached = os.path.join(snapshot, *rel.split("/"))
    if not os.path.islink(cached):
        errors.append("%s is not a symlink" % rel)
        continue
    target = os.readlink(cached)
    blob = os.path.basename(target)
    if target != "../" * (rel.count("/") + 2) + "blobs/" + blob:
        errors.append("%s -> %s is not huggingface_hub's relative link" % (rel, target))
    if os.path.realpath(cached) != os.path.join(os.path.realpath(blobs), blob):
        errors.append("%s does not resolve into blobs/" % rel)
    content = open(cached, "rb").read()
    if sha256(content) != sha256(data):
        errors.append("%s: content differs from the checkout" % rel)
    want_name = sha256(data) if rel in lfs else git_blob_id(data)
    if blob != want_name:
        errors.append("%s: blob %s, expected %s" % (rel, blob, want_name))

for root, dirs, files in os.walk(refs):
    for name in files:
        held = open(os.path.join(root, name)).read()
        if not os.path.isdir(os.path.join(snapshots, held)):
            errors.append("ref %s names missing snapshot %s" % (name, held))
for entry in os.listdir(snapshots):
    if os.path.isfile(os.path.join(snapshots, entry)):
        errors.append("a file in snapshots/: %s" % entry)

print("\n".join(errors) if errors else "OK %d files" % len(wanted))
sys.exit(1 if errors else 0)
EOF

# check_layout WHAT REVISION|- CHECKOUT LFS_PATHS [HUB] [TYPE] [ID]
check_layout() {
	if out=$(python3 "$WORK/check_hf_cache.py" "${5:-$HUB}" "${6:-model}" "${7:-$MODEL}" "$2" \
		"$3" "$4" 2>&1); then pass; else fail "$1: $out"; fi
}
store_object() { echo "$HFGIT_HOME/lfs/objects/$(echo "$1" | cut -c1-2)/$(echo "$1" | cut -c3-4)/$1"; }
inode() { stat -c %i "$1"; }
json_field() { python3 -c 'import json, sys; v = json.loads(sys.argv[1])
for k in sys.argv[2].split("."): v = v[k]
print(v)' "$OUT" "$1"; }
# Everything under the hub cache: type, name, inode, link target, size, mtime.
layout_listing() { (cd "$1" && find . -printf '%y %p %i %l %s %T@\n' | sort); }

# Checkouts of the same revisions to compare the snapshots with.
run_hfgit clone -q "$MODEL" main-co
check_eq "reference clone of main ($ERR)" "$RC" 0
run_hfgit clone -q "$MODEL@v1.0" v1-co
check_eq "reference clone of v1.0 ($ERR)" "$RC" 0

# --- Export of the default branch: from the cache, no LFS request ---------------------------
mark=$(log_mark "$hub_LOG")
run_hfgit export --hf-cache --json "$MODEL"
check_eq "export main: exit code ($ERR)" "$RC" 0
check_eq "export main: commit" "$(json_field commit)" "$MAIN_COMMIT"
check_eq "export main: ref" "$(json_field ref)" main
check_eq "export main: snapshot" "$(json_field snapshot)" "$REPO/snapshots/$MAIN_COMMIT"
check_eq "export main: files" "$(json_field files)" 10
check_eq "export main: LFS files" "$(json_field lfs_files)" 5
check_eq "export main: blobs linked" "$(json_field blobs.linked)" "$MAIN_OBJECTS"
check_eq "export main: nothing fetched" "$(json_field lfs_bytes_fetched)" 0
check_eq "export main: no LFS request" "$(batch_since "$hub_LOG" "$mark")" 0
check_eq "export main: no CDN request" "$(cdn_since "$hub_LOG" "$mark")" ""
check_layout "layout of main" - main-co "$LFS_MAIN"
check_layout "layout of main by name" main main-co "$LFS_MAIN"
check_eq "refs/main: the bare hash" "$(od -An -c "$REPO/refs/main" | tr -d ' \n')" "$MAIN_COMMIT"
check_eq "refs/main: 40 bytes, no newline" "$(wc -c <"$REPO/refs/main" | tr -d ' ')" 40

# LFS blobs share the store's inode; other blobs are files of their own.
for oid in "$MODEL_OID" "$BIN_OID" "$SUB_OID" "$ONE_OID"; do
	check_eq "blob $oid is the store's object" "$(inode "$REPO/blobs/$oid")" \
		"$(inode "$(store_object "$oid")")"
done
lookalike=$(git -C main-co rev-parse HEAD:pointer-lookalike.txt)
check_eq "look-alike stays a regular blob" "$(stat -c %h "$REPO/blobs/$lookalike")" 1
check_eq "nested link" "$(readlink "$REPO/snapshots/$MAIN_COMMIT/$SUB_PATH")" "../../../../blobs/$SUB_OID"
check_eq "top-level link" "$(readlink "$REPO/snapshots/$MAIN_COMMIT/model.safetensors")" \
	"../../blobs/$MODEL_OID"
check_eq "regular blob readable by all (umask 022)" "$(stat -c %a "$REPO/blobs/$lookalike")" 644
check_eq "no temporary file left" "$(find "$HUB" -name '.hfgit-*' -o -name '*.tmp*')" ""

# --- A tag: its own ref and snapshot, blobs shared with main ----------------------------------
run_hfgit export --hf-cache "$MODEL@$V1_TAG"
check_eq "export tag: exit code ($ERR)" "$RC" 0
check_eq "export tag: prints the snapshot" "$OUT" "$REPO/snapshots/$V1_COMMIT"
check_contains "export tag: summary" "$ERR" "1 linked to hfgit's store"
check_layout "layout of v1.0" "$V1_TAG" v1-co "$LFS_V1"
check_eq "refs/v1.0" "$(cat "$REPO/refs/$V1_TAG")" "$V1_COMMIT"
check_eq "refs/main untouched" "$(cat "$REPO/refs/main")" "$MAIN_COMMIT"
check_eq "shared blob: one file" "$(ls "$REPO/blobs" | grep -c "$BIN_OID")" 1
check_eq "v1.0 model blob is the store's" "$(inode "$REPO/blobs/$V1_MODEL_OID")" \
	"$(inode "$(store_object "$V1_MODEL_OID")")"

# --- Again: nothing changes, not even an inode or an mtime ----------------------------------
layout_listing "$HUB" >"$WORK/before"
mark=$(log_mark "$hub_LOG")
run_hfgit export --hf-cache --json "$MODEL"
check_eq "re-export: exit code ($ERR)" "$RC" 0
check_eq "re-export: all blobs kept" "$(json_field blobs.kept)" 10
check_eq "re-export: no link made" "$(json_field links_made)" 0
check_eq "re-export: ref unchanged" "$(json_field ref_written)" False
run_hfgit export --hf-cache -q "$MODEL@$V1_TAG"
layout_listing "$HUB" >"$WORK/after"
diff "$WORK/before" "$WORK/after" >"$WORK/diff" && pass || fail "re-export changed: $(cat "$WORK/diff")"
check_eq "re-export: only the ref listings" "$(log_since "$hub_LOG" "$mark" | cut -d' ' -f2 | sort -u)" \
	"/$MODEL/info/refs"

# A blob replaced by another file of the same content (huggingface_hub's own download)
# becomes the store's link again; a damaged link target is repaired.
rm "$REPO/blobs/$BIN_OID"
cp "$(store_object "$BIN_OID")" "$REPO/blobs/$BIN_OID"
ln -sfn ../../blobs/nowhere "$REPO/snapshots/$MAIN_COMMIT/config.json"
run_hfgit export --hf-cache -q "$MODEL"
check_eq "repair: blob relinked" "$(inode "$REPO/blobs/$BIN_OID")" "$(inode "$(store_object "$BIN_OID")")"
check_layout "repair: layout" main main-co "$LFS_MAIN"

# Leftovers of a killed export are removed by the next one.
# Another machine's (a hub cache on NFS) are not this machine's to judge.
dead_pid=$(($(cat /proc/sys/kernel/pid_max) + 1))
mkdir -p "$REPO/blobs/.hfgit-$(hostname)-$dead_pid-abcdef" "$REPO/blobs/.hfgit-elsewhere-$dead_pid-abcdef"
touch "$REPO/blobs/.hfgit-$(hostname)-$dead_pid-abcdef/0"
run_hfgit export --hf-cache -q "$MODEL"
check_eq "stale temporary directory removed, another host's kept" "$(ls -A "$REPO/blobs" | grep '^\.hfgit-')" \
	".hfgit-elsewhere-$dead_pid-abcdef"
rm -r "$REPO/blobs/.hfgit-elsewhere-$dead_pid-abcdef"

# --- Cold: nothing cached yet, it fetches like clone -----------------------------------------
export HFGIT_HOME=$WORK/cache-cold
mark=$(log_mark "$hub_LOG")
run_hfgit export --hf-cache --json --cache-dir-hf "$WORK/hub-cold" "$MODEL"
check_eq "cold export: exit code ($ERR)" "$RC" 0
check_eq "cold export: LFS bytes fetched" "$(json_field lfs_bytes_fetched)" "$MAIN_OBJECT_BYTES"
check_eq "cold export: one CDN request per object" "$(cdn_since "$hub_LOG" "$mark" | wc -l | tr -d ' ')" \
	"$MAIN_OBJECTS"
check_layout "cold export: layout" - main-co "$LFS_MAIN" "$WORK/hub-cold"
check_eq "cold export: blob linked to the new store" \
	"$(inode "$WORK/hub-cold/models--hfgit-test--lfs-model/blobs/$MODEL_OID")" "$(inode "$(store_object "$MODEL_OID")")"

# --clone --hf-cache: the clone and the export, with no second download.
mark=$(log_mark "$hub_LOG")
run_hfgit clone -q --hf-cache --cache-dir-hf "$WORK/hub-clone" "$MODEL@$V1_TAG" v1-hf
check_eq "clone --hf-cache: exit code ($ERR)" "$RC" 0
check_eq "clone --hf-cache: the checkout" "$(git -C v1-hf rev-parse HEAD)" "$V1_COMMIT"
check_layout "clone --hf-cache: layout" "$V1_TAG" v1-co "$LFS_V1" "$WORK/hub-clone"
check_eq "clone --hf-cache: one CDN request, for the one new object" \
	"$(cdn_since "$hub_LOG" "$mark" | cut -d' ' -f1)" "$V1_MODEL_OID"
check_eq "clone --hf-cache: checkout, store and hub cache share the object" \
	"$(inode "$WORK/hub-clone/models--hfgit-test--lfs-model/blobs/$V1_MODEL_OID")" \
	"$(inode "$(store_object "$V1_MODEL_OID")")"
# --cache-dir-hf without --hf-cache names the cache whose blobs are reused: nothing written.
run_hfgit clone -q --cache-dir-hf "$WORK/x" "$MODEL" nohf
check_eq "clone --cache-dir-hf alone: a clone ($ERR)" "$RC" 0
check_eq "clone --cache-dir-hf alone: nothing exported" "$(test -e "$WORK/x" && echo yes)" ""

# --include/--exclude: LFS files left out are absent from the snapshot, not pointers.
run_hfgit export --hf-cache -q --exclude '*.bin' --cache-dir-hf "$WORK/hub-excl" "$MODEL"
check_eq "exclude: exit code ($ERR)" "$RC" 0
snap=$WORK/hub-excl/models--hfgit-test--lfs-model/snapshots/$MAIN_COMMIT
check_eq "exclude: .bin files absent" "$(cd "$snap" && find . -name '*.bin' | sort | tr '\n' ' ')" "./empty.bin "
check_eq "exclude: safetensors present" "$(sha256sum <"$snap/model.safetensors" | cut -d' ' -f1)" "$MODEL_OID"

# --- A dataset: datasets--org--name ----------------------------------------------------------
DATA_COMMIT=$(. "$FIXTURES/facts/tiny-data.env" && echo "$MAIN_COMMIT")
run_hfgit clone -q datasets/hfgit-test/tiny-data data-co
run_hfgit export --hf-cache -q datasets/hfgit-test/tiny-data
check_eq "dataset export: exit code ($ERR)" "$RC" 0
check_layout "dataset layout" - data-co "" "$HUB" dataset hfgit-test/tiny-data
check_eq "dataset refs/main" "$(cat "$HUB/datasets--hfgit-test--tiny-data/refs/main")" "$DATA_COMMIT"

# --- Across file systems: copies, still idempotent -------------------------------------------
if [ -d /dev/shm ] && [ -w /dev/shm ] && [ "$(stat -c %d /dev/shm)" != "$(stat -c %d "$WORK")" ]; then
	SHM=$(mktemp -d /dev/shm/hfgit-export.XXXXXX)
	run_hfgit export --hf-cache --json --cache-dir-hf "$SHM" "$MODEL"
	check_eq "other file system: exit code ($ERR)" "$RC" 0
	check_eq "other file system: blobs copied" "$(json_field blobs.copied)" "$MAIN_OBJECTS"
	check_layout "other file system: layout" - main-co "$LFS_MAIN" "$SHM"
	run_hfgit export --hf-cache --json --cache-dir-hf "$SHM" "$MODEL"
	check_eq "other file system: second export copies nothing" "$(json_field blobs.copied)" 0
	rm -rf "$SHM"
fi

# --- Offline: the hub is gone ----------------------------------------------------------------
export HFGIT_HOME=$WORK/cache
stop_hub hub
rm -rf "$HUB"
HF_HUB_OFFLINE=1 run_hfgit export --hf-cache -q "$MODEL"
check_eq "offline export of main: exit code ($ERR)" "$RC" 0
check_contains "offline export says it may be stale" "$ERR" "may have moved"
check_layout "offline layout of main" - main-co "$LFS_MAIN"
HF_HUB_OFFLINE=1 run_hfgit export --hf-cache -q "$MODEL@$V1_TAG"
check_eq "offline export of v1.0: exit code ($ERR)" "$RC" 0
check_layout "offline layout of v1.0" "$V1_TAG" v1-co "$LFS_V1"
check_eq "offline: blobs still the store's" "$(inode "$REPO/blobs/$MODEL_OID")" "$(inode "$(store_object "$MODEL_OID")")"
run_hfgit export --hf-cache -q "$MODEL@$MAIN_COMMIT"
check_eq "full hash in the cache needs no hub: exit code ($ERR)" "$RC" 0
check_eq "full hash: no ref written for it" "$(ls "$REPO/refs")" "main
$V1_TAG"
HF_HUB_OFFLINE=1 run_hfgit export --hf-cache hfgit-test/tiny-model
check_eq "offline, not cached: exit code" "$RC" 9
check_contains "offline, not cached: message" "$ERR" "offline mode is on"

# --- Bad input -------------------------------------------------------------------------------
run_hfgit export "$MODEL"
check_eq "no target: usage error" "$RC" 2
check_contains "no target: message" "$ERR" "--hf-cache"
run_hfgit export --hf-cache "bad..id"
check_eq "bad id: exit code" "$RC" 2
# (A file where a directory must go: refused even for root.)
touch "$WORK/not-a-dir"
run_hfgit export --hf-cache --cache-dir-hf "$WORK/not-a-dir/hub" "$MODEL@$MAIN_COMMIT"
check_eq "unusable hub cache: exit code" "$RC" 8
check_contains "unusable hub cache: says what to do" "$ERR" "--cache-dir-hf"

finish
