#!/bin/sh
# Interoperability with conforming servers that are not shaped like our hub, and with what real
# repositories hold: checkouts equal to real git + git-lfs (against the spec-minimal hub and the
# full-featured one), executable LFS files, CR LF pointers, symlinks, batch redirects, 413,
# wrong ranges, unasked compression, sizes that differ from the pointer, tags of trees, 401 for
# a missing repository, servers that never answer, and a hub that cannot be reached.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/interop.env"
ID=hfgit-test/interop
cd "$WORK"
umask 022

# The reference: real git with real git-lfs, configured as `git lfs install` does.
git lfs install --skip-repo >/dev/null

# tree_listing DIR: every path with its type, permission bits and content hash (symlinks:
# their target), without .git. Equal listings are byte-identical trees with equal modes.
tree_listing() {
	(cd "$1" && find . -path ./.git -prune -o ! -name . -print | LC_ALL=C sort | while read -r p; do
		if [ -L "$p" ]; then
			printf '%s link %s\n' "$p" "$(readlink "$p")"
		elif [ -d "$p" ]; then
			printf '%s dir %s\n' "$p" "$(stat -c %a "$p")"
		else
			printf '%s file %s %s\n' "$p" "$(stat -c %a "$p")" "$(sha256sum <"$p" | cut -c1-64)"
		fi
	done)
}
# git's notion of a mode: 755 or 644 for files, whatever the write bits (hfgit's hard links
# to the store are read-only by design).
git_modes() { tree_listing "$1" | sed -e 's/ file 7[0-7][0-7] / file x /' -e 's/ file [0-6][0-7][0-7] / file - /'; }

for mode in minimal full; do
	if [ $mode = full ]; then start_hub "$mode" --optional all; else start_hub "$mode"; fi
	eval "url=\$${mode}_URL"
	git clone -q "$url/$ID" "ref-$mode" 2>"$WORK/git.err" || { cat "$WORK/git.err"; exit 1; }
	run_hfgit --endpoint "$url" clone -q "$ID" "ours-$mode"
	check_eq "$mode hub: clone ($ERR)" "$RC" 0
	check_eq "$mode hub: same files, bytes and exec bits as git + git-lfs" \
		"$(git_modes "ours-$mode")" "$(git_modes "ref-$mode")"
	run_hfgit --endpoint "$url" clone -q --link copy "$ID" "copy-$mode"
	check_eq "$mode hub: --link copy: same modes to the bit" \
		"$(tree_listing "copy-$mode")" "$(tree_listing "ref-$mode")"
	check_eq "$mode hub: git status clean" "$(git -C "ours-$mode" status --porcelain)" ""
	check_eq "$mode hub: executable LFS file" "$(stat -c %a "ours-$mode/tools/run.bin")" 755
	check_eq "$mode hub: CR LF pointer has its content" \
		"$(sha256sum <"ours-$mode/crlf.bin" | cut -c1-64)" "$CRLF_OID"
	check_eq "$mode hub: symlink named like LFS content stays a link" \
		"$(readlink "ours-$mode/link.safetensors")" model.safetensors
	check_eq "$mode hub: git lfs fsck --objects" \
		"$(git -C "ours-$mode" lfs fsck --objects >/dev/null 2>&1 && echo ok)" ok
	# Both report the CR LF pointer as not canonical, and nothing else.
	check_eq "$mode hub: git lfs fsck says what it says for git-lfs's checkout" \
		"$(git -C "ours-$mode" lfs fsck 2>&1)" "$(git -C "ref-$mode" lfs fsck 2>&1)"
done
check_eq "minimal and full hub give identical trees" "$(tree_listing ours-minimal)" \
	"$(tree_listing ours-full)"

export HF_ENDPOINT=$minimal_URL
HUB_LOG=$minimal_LOG

# A tag of a tree (annotated or not) has nothing to check out.
for tag in tree-tag lightweight-tree-tag; do
	run_hfgit clone -q "$ID@$tag" "t-$tag"
	check_eq "$tag: exit code" "$RC" 2
	check_contains "$tag: message" "$ERR" "points at a tree"
	check_eq "$tag: nothing left" "$(ls -d "t-$tag" 2>/dev/null || true)" ""
done

# 413: the batch is split until the server takes it.
start_hub small --batch-limit 2
mark=$(log_mark "$small_LOG")
HFGIT_HOME=$WORK/caches/c413 run_hfgit --endpoint "$small_URL" clone -q "$ID" c413
check_eq "413: clone ($ERR)" "$RC" 0
check_contains "413: answered" "$(log_since "$small_LOG" "$mark" | grep batch)" "POST /$ID.git/info/lfs/objects/batch 413"
check_eq "413: then batches of 2 or fewer" \
	"$(log_since "$small_LOG" "$mark" | grep -c 'batch 200')" 5
check_eq "413: content" "$(sha256sum <c413/model.safetensors | cut -c1-64)" "$MODEL_OID"

# Redirects of the batch endpoint keep the POST, whatever their status.
for status in 301 302 303 307 308; do
	start_hub "r$status" --batch-redirect "$status"
	eval "rurl=\$r${status}_URL rlog=\$r${status}_LOG"
	HFGIT_HOME=$WORK/caches/cr$status run_hfgit --endpoint "$rurl" clone -q "$ID" "cr$status"
	check_eq "batch $status: clone ($ERR)" "$RC" 0
	check_contains "batch $status: POST kept" "$(log_since "$rlog" 0)" \
		"POST /$ID.git/info/lfs/objects/batch 200"
done
# A redirect that still fails names the chain.
set_faults "$r302_URL" '[{"kind":"batch_status","status":403}]'
HFGIT_HOME=$WORK/caches/cr302b run_hfgit --endpoint "$r302_URL" clone -q "$ID" cr302b
check_eq "batch redirect then 403: exit code" "$RC" 6
check_contains "batch redirect then 403: chain named" "$ERR" "-> 302 /$ID.git/info/lfs/objects/batch?moved=1"

# A 206 for another range than asked: the whole object with a plain GET.
mark=$(log_mark "$HUB_LOG")
set_faults "$minimal_URL" "[{\"kind\":\"bad_range\",\"oid\":\"$MODEL_OID\",\"times\":1}]"
HFGIT_LFS_CHUNK=16384 HFGIT_HOME=$WORK/caches/crange run_hfgit clone -q "$ID" crange
check_eq "bad range: clone ($ERR)" "$RC" 0
check_eq "bad range: content" "$(sha256sum <crange/model.safetensors | cut -c1-64)" "$MODEL_OID"
check_contains "bad range: then a whole GET" "$(cdn_since "$HUB_LOG" "$mark" "$MODEL_OID")" \
	"$MODEL_OID - 200"

# Content-Encoding nobody asked for, and a batch size other than the pointer's: said as such.
set_faults "$minimal_URL" "[{\"kind\":\"gzip\",\"oid\":\"$RUN_OID\"}]"
HFGIT_HOME=$WORK/caches/cgz run_hfgit clone -q "$ID" cgz
check_eq "gzip: exit code" "$RC" 5
check_contains "gzip: message" "$ERR" "tools/run.bin: the server sent the object with Content-Encoding: gzip"
set_faults "$minimal_URL" "[{\"kind\":\"batch_size\",\"oid\":\"$RUN_OID\",\"extra\":7}]"
HFGIT_HOME=$WORK/caches/csz run_hfgit clone -q "$ID" csz
check_eq "batch size: exit code" "$RC" 5
check_contains "batch size: message" "$ERR" "with size 4103, but the pointer says 4096 bytes"
set_faults "$minimal_URL" '[]'

# The Hub answers 401 to an anonymous request for a repository that does not exist.
start_hub hub401 --unknown-repo-status 401
run_hfgit --endpoint "$hub401_URL" clone -q hfgit-test/no-such-model nope
check_eq "401 unknown repo: exit code" "$RC" 6
check_contains "401 unknown repo: message" "$ERR" "does not exist, or it is private or gated and needs a token"

# A server that accepts connections and never answers: the timeout, the URL, what to change.
python3 -c '
import socket, sys, time
s = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen(16)
open(sys.argv[1], "w").write(str(s.getsockname()[1]))
held = []
end = time.time() + 120
while time.time() < end:
    s.settimeout(1)
    try:
        held.append(s.accept()[0])
    except socket.timeout:
        pass' "$WORK/hang.port" &
HUB_PIDS="$HUB_PIDS $!"
while [ ! -s "$WORK/hang.port" ]; do sleep 0.05; done
hang=http://127.0.0.1:$(cat "$WORK/hang.port")
start=$(date +%s)
run_hfgit --endpoint "$hang" --timeout 2 resolve "$ID"
elapsed=$(($(date +%s) - start))
check_eq "no answer: exit code" "$RC" 5
check_contains "no answer: URL and timeout" "$ERR" "$hang/$ID/info/refs?service=git-upload-pack: no answer within 2 s"
check_eq "no answer: gave up within the timeout (took ${elapsed}s)" "$([ "$elapsed" -le 8 ] && echo yes)" yes
HF_HUB_ETAG_TIMEOUT=1 run_hfgit --endpoint "$hang" resolve "$ID"
check_contains "HF_HUB_ETAG_TIMEOUT: named" "$ERR" "no answer within 1 s"
check_contains "HF_HUB_ETAG_TIMEOUT: how to change it" "$ERR" "HF_HUB_ETAG_TIMEOUT"
HF_HUB_ETAG_TIMEOUT=soon run_hfgit --endpoint "$hang" resolve "$ID"
check_eq "bad HF_HUB_ETAG_TIMEOUT: exit code" "$RC" 2
run_hfgit --timeout -3 resolve "$ID"
check_eq "bad --timeout: exit code" "$RC" 2

# The hub cannot be reached: a cached tag or commit is used with a warning, a branch is not.
export HFGIT_HOME=$WORK/caches/cache-down
run_hfgit clone -q "$ID@v1.0" warm
check_eq "warm-up clone ($ERR)" "$RC" 0
run_hfgit clone -q "$ID" warm-main
stop_hub minimal
run_hfgit clone -q "$ID@v1.0" down-tag
check_eq "hub down, cached tag: clone ($ERR)" "$RC" 0
check_contains "hub down, cached tag: warning" "$ERR" "warning:"
check_eq "hub down, cached tag: commit" "$(git -C down-tag rev-parse HEAD)" "$V1_COMMIT"
run_hfgit resolve "$ID@$(echo "$MAIN_COMMIT" | cut -c1-10)"
check_eq "hub down, cached short hash: resolve ($ERR)" "$RC:$OUT" "0:$MAIN_COMMIT"
run_hfgit clone -q "$ID@main" down-branch
check_eq "hub down, branch: exit code" "$RC" 5
check_contains "hub down, branch: may be stale" "$ERR" "may be stale: --offline or HF_HUB_OFFLINE=1 uses it"
run_hfgit --offline clone -q "$ID@main" offline-branch
check_eq "hub down, branch with --offline ($ERR)" "$RC" 0
run_hfgit clone -q hfgit-test/never-cloned never
check_eq "hub down, nothing cached: exit code" "$RC" 5

finish
