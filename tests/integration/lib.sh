# Shared by the integration tests: start the local test hub, run hfgit against it, assert.
#
# Each test script is called by ctest as: script HFGIT_BINARY FIXTURES_DIR
# and sources this file. Every hub runs on 127.0.0.1 with a port the kernel picks (or, where it
# must be known in advance, one that ports.py reserves); every test has its own cache and
# scratch directory, removed on exit.

set -eu

HFGIT=$1
FIXTURES=$2
TESTS_DIR=$(cd "$(dirname "$0")/.." && pwd)
HUB_PY=$TESTS_DIR/hub/hub.py
WORK=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-test.XXXXXX")
export HFGIT_HOME=$WORK/cache
unset HF_ENDPOINT HF_TOKEN HF_HOME HF_HUB_OFFLINE HFGIT_OFFLINE XDG_CACHE_HOME || true
# git must not read the developer's configuration.
export HOME=$WORK/home GIT_CONFIG_NOSYSTEM=1
mkdir -p "$HOME"

HUB_PIDS=
FAILURES=0
CHECKS=0

cleanup() {
	for pid in $HUB_PIDS; do kill "$pid" 2>/dev/null || true; done
	for pid in $HUB_PIDS; do wait "$pid" 2>/dev/null || true; done
	python3 "$TESTS_DIR/integration/ports.py" release "$WORK"
	rm -rf "$WORK"
}
trap cleanup EXIT

. "$TESTS_DIR/integration/net.sh"

# start_hub NAME [hub options...]: starts a hub and sets NAME_URL, NAME_LOG, NAME_PID.
# HFGIT_HUB_OPTS adds options to every hub: ctest runs the LFS tests once against the default,
# spec-minimal hub and once with every optional field on (--optional all).
start_hub() {
	name=$1
	shift
	portfile=$WORK/$name.port
	# A hub of this name stopped with SIGKILL (stop_hub) left its port files behind.
	rm -f "$portfile" "$WORK/$name.cdnport"
	net_hub_args "$name"
	python3 "$HUB_PY" --root "${HUB_ROOT:-$FIXTURES/hub}" --port-file "$portfile" --log "$WORK/$name.log" \
		--cdn-port-file "$WORK/$name.cdnport" ${HFGIT_HUB_OPTS:-} $NET_HUB_ARGS "$@" \
		>"$WORK/$name.out" 2>&1 &
	pid=$!
	HUB_PIDS="$HUB_PIDS $pid"
	i=0
	while [ ! -s "$portfile" ] || [ ! -s "$WORK/$name.cdnport" ]; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 "$pid" 2>/dev/null; then
			echo "hub $name did not start:" >&2
			cat "$WORK/$name.out" >&2
			exit 1
		fi
		sleep 0.05
	done
	eval "${name}_URL=http://127.0.0.1:$(cat "$portfile")"
	if [ -s "$WORK/$name.cdnport" ]; then
		eval "${name}_CDN=http://127.0.0.1:$(cat "$WORK/$name.cdnport")"
	fi
	eval "${name}_LOG=$WORK/$name.log"
	eval "${name}_PID=$pid"
	touch "$WORK/$name.log"
	net_hub_started "$name"
}

# stop_hub NAME: the hub goes away now, as a server that crashed does (SIGKILL: whether a hub
# exits cleanly on SIGTERM is hub.smoke's test; here the checks that follow need only that
# nothing answers at its ports any more, at once). Its log is flushed record by record.
stop_hub() {
	eval "stop_pid=\$${1}_PID"
	kill -9 "$stop_pid"
	wait "$stop_pid" 2>/dev/null || true
}

# log_settle LOG: wait until LOG stops growing. The hub writes a request's record after the
# response has gone out, so a client can finish before its last record is there.
log_settle() {
	python3 -c '
import os, sys, time
size, end = -1, time.time() + 2
while time.time() < end:
    now = os.path.getsize(sys.argv[1])
    if now == size:
        break
    size = now
    time.sleep(0.05)' "$1"
}

# The number of logged requests so far, to look only at what a command did afterwards. The
# log settles first: else the record of the request before may land after the mark.
log_mark() {
	log_settle "$1"
	wc -l <"$1" | tr -d ' '
}

# log_since LOG MARK: the requests after MARK, as "METHOD PATH STATUS" lines.
log_since() {
	log_settle "$1"
	tail -n +"$(($2 + 1))" "$1" | python3 -c '
import json, sys
for line in sys.stdin:
    r = json.loads(line)
    print(r["method"], r["path"], r["status"])'
}

# cdn_since LOG MARK [OID]: the CDN's requests after MARK as "OID RANGE STATUS" lines
# (RANGE is "-" for a whole-object GET).
cdn_since() {
	log_settle "$1"
	tail -n +"$(($2 + 1))" "$1" | python3 -c '
import json, sys
want = sys.argv[1] if len(sys.argv) > 1 else None
for line in sys.stdin:
    r = json.loads(line)
    if r.get("server") != "cdn":
        continue
    oid = r["path"].rsplit("/", 1)[-1]
    if want and oid != want:
        continue
    print(oid, r.get("range") or "-", r["status"])' ${3:-}
}

# batch_since LOG MARK: how many LFS batch requests were made after MARK.
batch_since() {
	log_since "$1" "$2" | grep -c '/info/lfs/objects/batch' || true
}

# set_faults URL JSON: replace the hub's fault rules.
set_faults() {
	python3 -c 'import os, ssl, sys, urllib.request
req = urllib.request.Request(sys.argv[1] + "/_control/faults", data=sys.argv[2].encode(),
                             method="POST", headers={"Content-Type": "application/json"})
ctx = ssl.create_default_context(cafile=os.environ.get("HFGIT_TEST_CA"))
urllib.request.urlopen(req, context=ctx).read()' "$1" "$2"
}

pass() { CHECKS=$((CHECKS + 1)); }
fail() {
	CHECKS=$((CHECKS + 1))
	FAILURES=$((FAILURES + 1))
	echo "FAIL: $*" >&2
}

# check_eq WHAT ACTUAL EXPECTED
check_eq() {
	if [ "$2" = "$3" ]; then pass; else fail "$1: got '$2', expected '$3'"; fi
}

# check_contains WHAT HAYSTACK NEEDLE
check_contains() {
	case "$2" in
	*"$3"*) pass ;;
	*) fail "$1: '$3' not in: $2" ;;
	esac
}

# run_hfgit: runs hfgit, capturing OUT, ERR and RC without stopping the test on failure.
run_hfgit() {
	set +e
	"$HFGIT" "$@" >"$WORK/out" 2>"$WORK/err"
	RC=$?
	set -e
	OUT=$(cat "$WORK/out")
	ERR=$(cat "$WORK/err")
	# In the sanitizer build a report fails the test even when the exit code looks right.
	case $ERR in
	*Sanitizer*|*"runtime error:"*) fail "sanitizer report from hfgit $*: $ERR" ;;
	esac
}

finish() {
	net_check
	echo "$((CHECKS - FAILURES)) passed, $FAILURES failed"
	[ "$FAILURES" -eq 0 ]
}
