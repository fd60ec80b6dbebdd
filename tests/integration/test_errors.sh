#!/bin/sh
# Bad input and failures: each gives a clear message, the documented exit code, and leaves
# nothing half-made behind.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-model.env"
MODEL=hfgit-test/tiny-model

start_hub hub
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"

# check_fails WHAT EXPECTED_RC NEEDLE hfgit-args...
check_fails() {
	what=$1 want_rc=$2 needle=$3
	shift 3
	run_hfgit "$@"
	check_eq "$what: exit code ($ERR)" "$RC" "$want_rc"
	check_contains "$what: message" "$ERR" "$needle"
	check_eq "$what: nothing on stdout" "$OUT" ""
}

# Invalid ids and revisions never reach the network.
mark=$(log_mark "$hub_LOG")
check_fails "invalid id" 2 "'bad--id'" clone bad--id
check_fails "invalid id" 2 "org/na me" resolve "org/na me"
check_fails "invalid revision" 2 "v1..2" resolve "$MODEL@v1..2"
check_fails "empty revision" 2 "$MODEL@" clone "$MODEL@"
check_eq "invalid input made no request" "$(log_since "$hub_LOG" "$mark")" ""

# Usage errors.
check_fails "no id" 2 "which model" clone
check_fails "unknown option" 2 "--frobnicate" clone --frobnicate "$MODEL"
check_fails "unknown command" 2 "not an hfgit command" frobnicate

# An unknown revision names the branches and tags that exist.
check_fails "unknown revision" 3 "revision 'v9' not found in $MODEL" resolve "$MODEL@v9"
check_contains "unknown revision lists tags" "$ERR" "tags: v1.0, v2.0.1"
check_contains "unknown revision lists branches" "$ERR" "branches: "
check_contains "unknown revision lists main" "$ERR" "main"
check_fails "unknown hash" 3 "no commit of any branch or tag starts with it" \
	resolve "$MODEL@0000000"

# An ambiguous short hash lists the candidates.
check_fails "ambiguous hash" 4 "ambiguous" clone "$MODEL@$AMBIGUOUS_PREFIX" amb
check_contains "ambiguous: first candidate" "$ERR" "$AMBIGUOUS_A"
check_contains "ambiguous: second candidate" "$ERR" "$AMBIGUOUS_B"
check_eq "ambiguous: no directory" "$(ls -A)" ""

# A repository the hub does not have.
check_fails "missing repo" 3 "repository 'hfgit-test/no-such-model' not found" \
	clone hfgit-test/no-such-model
check_contains "missing repo: URL" "$ERR" "$hub_URL/hfgit-test/no-such-model"
check_eq "missing repo: no directory" "$(ls -A)" ""

# A hub that is not there: connection refused, with the URL in the message.
start_hub dead
stop_hub dead
HF_ENDPOINT=$dead_URL check_fails "hub down" 5 "$dead_URL/$MODEL" clone --no-lfs "$MODEL" down
check_eq "hub down: no directory" "$(ls -A)" ""
check_fails "--endpoint wins over HF_ENDPOINT" 5 "$dead_URL" --endpoint "$dead_URL" resolve "$MODEL"
HF_ENDPOINT=ftp://example check_fails "endpoint not http" 2 "ftp://example" resolve "$MODEL"

# A destination that exists and is not empty is refused and left untouched.
mkdir full
echo precious >full/file
check_fails "non-empty destination" 7 "'full' already exists" clone "$MODEL" full
check_eq "non-empty destination untouched" "$(ls -A full)" "file"
check_eq "non-empty destination content" "$(cat full/file)" "precious"
echo x >plainfile
check_fails "destination is a file" 7 "'plainfile' already exists" clone "$MODEL" plainfile

# Bad option values and commands given the wrong thing: usage errors that say what is wanted.
mark=$(log_mark "$hub_LOG")
check_fails "--jobs 0" 2 "--jobs takes a number from 1 to 64" clone --jobs 0 "$MODEL" j0
check_fails "--jobs not a number" 2 "--jobs takes a number from 1 to 64" clone -j many "$MODEL" jx
check_fails "--link unknown" 2 "--link takes auto, reflink, hardlink or copy" clone --link nope "$MODEL" ln
check_fails "--include without globs" 2 "--include needs glob patterns" clone "$MODEL" inc --include
check_fails "update --jobs 99" 2 "--jobs takes a number from 1 to 64" update --jobs 99
check_fails "update of no repository" 2 "is not a git repository" update "$WORK/no-such-dir"
check_fails "export without a target" 2 "--hf-cache" export "$MODEL"
check_fails "ls-remote with a revision" 2 "give the id without @REV" ls-remote "$MODEL@main"
check_fails "verify of no directory" 3 "is not a directory" verify "$WORK/no-such-dir"
check_fails "gc unknown option" 2 "unknown option '--bogus'" gc --bogus
check_fails "resolve without an id" 2 "which model" resolve
check_eq "bad options made no request" "$(log_since "$hub_LOG" "$mark")" ""

# Nothing half-made was left by any of the failures.
check_eq "no staging directories" "$(ls -A | grep -c '\.hfgit-' || true)" 0

finish
