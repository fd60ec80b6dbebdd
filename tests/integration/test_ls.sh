#!/bin/sh
# hfgit ls: the cached models with the revisions their stores hold, commits, size on disk (the
# store plus the LFS objects its revisions point at, as du counts them) and last use (marked by
# clone, resolve and export, not by ls). Reads only and needs no network.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
SRC=$FIXTURES/src/$MODEL
TINY_V2_COMMIT=$(. "$FIXTURES/facts/tiny-model.env" && echo "$V2_0_1_COMMIT")
TINY_V2_TAG_OBJECT=$(. "$FIXTURES/facts/tiny-model.env" && echo "$V2_0_1_TAG")
# A commit no ref advertises: fetched by hash, kept as refs/hfgit/commits/<hash>.
OLD_COMMIT=$(git -C "$SRC" rev-parse main~1)

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"

# --- An empty cache: nothing listed, nothing created -----------------------------------------
run_hfgit ls --json
check_eq "empty: exit code ($ERR)" "$RC" 0
check_contains "empty: no models" "$OUT" '"models":[]'
check_contains "empty: no bytes" "$OUT" '"size_on_disk":0,'
run_hfgit ls
check_eq "empty: human output" "$OUT" ""
check_eq "ls creates no cache" "$(ls -d "$HFGIT_HOME" 2>/dev/null || true)" ""

# --- Fill it ---------------------------------------------------------------------------------
t0=$(date +%s)
run_hfgit clone -q "$MODEL" main
check_eq "clone main ($ERR)" "$RC" 0
run_hfgit clone -q "$MODEL@v1.0" v1
run_hfgit clone -q --no-lfs "$MODEL@$OLD_COMMIT" old
check_eq "clone by unadvertised hash ($ERR)" "$RC" 0
run_hfgit clone -q --no-lfs hfgit-test/tiny-model@v2.0.1 tiny
run_hfgit clone -q datasets/hfgit-test/tiny-data data
t1=$(date +%s)
STORE=$HFGIT_HOME/repos/$(echo "$hub_URL" | sed 's|^http://||; s|[^A-Za-z0-9.-]|_|g')/$MODEL.git

# check_ls WHAT PYTHON: runs PYTHON with `d` the parsed `ls --json` and `m(id)` its model.
check_ls() {
	if out=$(python3 -c '
import json, sys
d = json.loads(sys.argv[1])
def m(id, endpoint=None):
    found = [x for x in d["models"] if x["id"] == id and endpoint in (None, x["endpoint"])]
    assert len(found) == 1, "%s listed %d times" % (id, len(found))
    return found[0]
exec(sys.argv[2])' "$OUT" "$2" 2>&1); then pass; else fail "$1: $out"; fi
}
# du's view of the store and of a list of LFS objects (a file with several links once).
du_bytes() { du -sB1 "$1" | cut -f1; }
objects_of() {
	for oid in "$@"; do
		echo "$HFGIT_HOME/lfs/objects/$(echo "$oid" | cut -c1-2)/$(echo "$oid" | cut -c3-4)/$oid"
	done
}
du_total() { du -cB1 "$@" | tail -1 | cut -f1; }

run_hfgit ls --json
check_eq "ls --json: exit code ($ERR)" "$RC" 0
check_ls "models, sorted" 'assert [x["id"] for x in d["models"]] == ["datasets/hfgit-test/tiny-data", "hfgit-test/lfs-model", "hfgit-test/tiny-model"], d["models"]'
check_ls "types" 'assert [x["type"] for x in d["models"]] == ["dataset", "model", "model"]'
check_ls "store path" "assert m('$MODEL')['path'] == '$STORE', m('$MODEL')['path']"
check_ls "revisions of $MODEL" "
revs = [(r['name'], r['kind'], r['ref'], r['commit']) for r in m('$MODEL')['revisions']]
assert revs == [('main', 'branch', 'refs/heads/main', '$MAIN_COMMIT'),
                ('v1.0', 'tag', 'refs/tags/v1.0', '$V1_COMMIT'),
                ('$OLD_COMMIT', 'commit', 'refs/hfgit/commits/$OLD_COMMIT', '$OLD_COMMIT')], revs"
check_ls "annotated tag peeled" "
r = m('hfgit-test/tiny-model')['revisions']
assert [(x['name'], x['commit']) for x in r] == [('v2.0.1', '$TINY_V2_COMMIT')], r
assert '$TINY_V2_COMMIT' != '$TINY_V2_TAG_OBJECT'"

# Sizes, against du: main and v1.0 point at 5 distinct objects (the hash-fetched commit's are
# among them); tiny-model was cloned without LFS content, so none of its objects are here.
repo_bytes=$(du_bytes "$STORE")
lfs_bytes=$(du_total $(objects_of "$MODEL_OID" "$BIN_OID" "$SUB_OID" "$ONE_OID" "$V1_MODEL_OID"))
check_ls "LFS objects" "assert m('$MODEL')['lfs_objects'] == 5, m('$MODEL')"
check_ls "repo size is du's" "assert m('$MODEL')['repo_size'] == $repo_bytes, (m('$MODEL')['repo_size'], $repo_bytes)"
check_ls "LFS size is du's" "assert m('$MODEL')['lfs_size'] == $lfs_bytes, (m('$MODEL')['lfs_size'], $lfs_bytes)"
check_ls "size on disk is both" "assert m('$MODEL')['size_on_disk'] == $repo_bytes + $lfs_bytes"
check_ls "no LFS content, no LFS size" "
t = m('hfgit-test/tiny-model')
assert t['lfs_objects'] == 0 and t['lfs_size'] == 0 and t['size_on_disk'] == t['repo_size'] > 0, t"
check_ls "total" 'assert d["size_on_disk"] == sum(x["size_on_disk"] for x in d["models"]), d["size_on_disk"]'
check_ls "last used by the clones" "
for x in d['models']:
    assert $t0 <= x['last_used'] <= $t1 + 1, (x['id'], x['last_used'])"

# The human form: one line per model, its revisions under it, a total.
run_hfgit ls
check_contains "human: model line" "$OUT" "hfgit-test/lfs-model  "
check_contains "human: last use" "$OUT" "used just now"
# The commit and kind of revision $1 of $MODEL, from the lines under the model's line.
revision_line() {
	echo "$OUT" | awk -v n="$1" -v id="$MODEL" '/^[^ ]/ { in_model = ($1 == id) }
		in_model && /^    / && $1 == n { print $2, $3 }'
}
check_eq "human: branch" "$(revision_line main)" "$MAIN_COMMIT branch"
check_eq "human: tag" "$(revision_line v1.0)" "$V1_COMMIT tag"
check_eq "human: hash, abbreviated" "$(revision_line "$(echo "$OLD_COMMIT" | cut -c1-12)")" \
	"$OLD_COMMIT commit"
check_contains "human: total" "$OUT" "3 repositories,"

# --- Last use: clone, resolve and export mark it; ls does not ---------------------------------
mark_old() { touch -d '2020-01-02 03:04:05' "$STORE/hfgit/last-used"; }
last_used() { run_hfgit ls --json; python3 -c 'import json, sys
print([x for x in json.loads(sys.argv[1])["models"] if x["id"] == sys.argv[2]][0]["last_used"])' "$OUT" "$MODEL"; }
mark_old
old=$(last_used)
check_eq "ls leaves last use alone" "$(last_used)" "$old"
run_hfgit ls
check_contains "human: an old use as a date" "$OUT" "used 2020-01-02"
run_hfgit resolve "$MODEL@v1.0"
now=$(last_used)
[ "$now" -ge "$t0" ] && pass || fail "resolve marks last use: $now < $t0"
mark_old
HF_HOME=$WORK/hf run_hfgit export --hf-cache -q "$MODEL@v1.0"
now=$(last_used)
[ "$now" -ge "$t0" ] && pass || fail "export marks last use: $now < $t0"

# --- Offline and on several hubs -------------------------------------------------------------
stop_hub hub
run_hfgit ls --json
check_eq "ls with the hub gone: exit code ($ERR)" "$RC" 0
check_ls "ls with the hub gone: still lists" 'assert len(d["models"]) == 3'

start_hub mirror
HF_ENDPOINT=$mirror_URL run_hfgit clone -q "$MODEL" mirror-main
check_eq "clone from a second hub ($ERR)" "$RC" 0
run_hfgit ls --json
check_ls "two hubs: the model twice, one per endpoint" "
e = sorted(x['endpoint'] for x in d['models'] if x['id'] == '$MODEL')
assert len(e) == 2 and e[0] != e[1], e"
# Both stores point at the same LFS objects: each model counts them, the total once.
check_ls "two hubs: total counts shared objects once" "
lfs = max(x['lfs_size'] for x in d['models'])
assert d['size_on_disk'] == sum(x['repo_size'] for x in d['models']) + lfs, d['size_on_disk']"
run_hfgit ls
check_contains "human: endpoints shown when several" "$OUT" "[127.0.0.1_"

run_hfgit ls extra
check_eq "ls takes no argument" "$RC" 2

finish
