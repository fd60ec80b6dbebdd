#!/bin/sh
# Every revision kind resolves to the commit `git rev-parse` gives on the fixture's source
# repository, against hubs that advertise, silently allow, or refuse fetching by hash.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-model.env"
SRC=$FIXTURES/src/hfgit-test/tiny-model
MODEL=hfgit-test/tiny-model

expect() { git -C "$SRC" rev-parse --verify -q "$1^{commit}"; }

for mode in advertise default refuse; do
	start_hub "hub_$mode" --sha1-in-want "$mode"
	eval "url=\$hub_${mode}_URL log=\$hub_${mode}_LOG"
	export HF_ENDPOINT=$url HFGIT_HOME=$WORK/cache-$mode

	check_rev() { # REV EXPECTED
		run_hfgit resolve "$MODEL${1:+@$1}"
		check_eq "[$mode] resolve '$1' exit code ($ERR)" "$RC" 0
		check_eq "[$mode] resolve '$1'" "$OUT" "$2"
	}
	# First, with an empty cache: a full hash that no ref advertises: fetched directly where the server serves it (one
	# info/refs, one negotiation), found by deepening history where it refuses.
	mark=$(log_mark "$log")
	check_rev "$DEEP_COMMIT" "$DEEP_COMMIT"
	gets=$(log_since "$log" "$mark" | grep -c '^GET .*/info/refs' || true)
	if [ "$mode" = refuse ]; then
		[ "$gets" -ge 2 ] && pass || fail "[$mode] deep hash should deepen: $gets info/refs"
	else
		check_eq "[$mode] deep hash fetched directly: info/refs requests" "$gets" 1
		posts=$(log_since "$log" "$mark" | grep -c '^POST .*/git-upload-pack' || true)
		[ "$posts" -ge 1 ] && pass || fail "[$mode] deep hash: no upload-pack request"
	fi
	check_rev "" "$(expect main)"
	check_rev main "$(expect main)"
	check_rev refs/heads/main "$(expect main)"
	check_rev dev "$(expect dev)"
	check_rev feature/x "$(expect feature/x)"
	check_rev v1.0 "$(expect v1.0)"
	check_rev v2.0.1 "$(expect v2.0.1)"
	check_rev refs/pr/1 "$(expect refs/pr/1)"
	check_rev "$MAIN_COMMIT" "$MAIN_COMMIT"
	check_rev "$(echo "$DEV_COMMIT" | cut -c1-7)" "$DEV_COMMIT"
	check_rev "$(echo "$PR1_COMMIT" | cut -c1-4)" "$PR1_COMMIT"
	check_rev "$(echo "$DEEP_COMMIT" | cut -c1-9 | tr a-f A-F)" "$DEEP_COMMIT"
	check_rev "$HEXREF_BRANCH" "$HEXREF_TARGET"   # a ref name wins over a hex prefix

	# The same full hash again comes from the cache: a hash names one commit forever, so
	# no request at all.
	mark=$(log_mark "$log")
	check_rev "$DEEP_COMMIT" "$DEEP_COMMIT"
	check_eq "[$mode] cached deep hash: requests" "$(log_since "$log" "$mark" | wc -l | tr -d ' ')" 0

	# Resolving a branch costs exactly one request: GET info/refs.
	mark=$(log_mark "$log")
	check_rev dev "$(expect dev)"
	check_eq "[$mode] requests for a branch" "$(log_since "$log" "$mark")" \
		"GET /hfgit-test/tiny-model/info/refs 200"
done

# Other id shapes: legacy name, dataset, and a renamed repository (same-host redirect).
start_hub hub --redirect bert-base-uncased=google-bert/bert-base-uncased
export HF_ENDPOINT=$hub_URL HFGIT_HOME=$WORK/cache
run_hfgit resolve gpt2@v1
check_eq "legacy id gpt2@v1" "$OUT" "$(git -C "$FIXTURES/src/gpt2" rev-parse 'v1^{commit}')"
run_hfgit resolve datasets/hfgit-test/tiny-data
check_eq "dataset" "$OUT" "$(git -C "$FIXTURES/src/datasets/hfgit-test/tiny-data" rev-parse main)"
mark=$(log_mark "$hub_LOG")
run_hfgit resolve bert-base-uncased@v2.0.1
check_eq "renamed repo" "$OUT" \
	"$(git -C "$FIXTURES/src/google-bert/bert-base-uncased" rev-parse 'v2.0.1^{commit}')"
check_contains "redirect followed" "$(log_since "$hub_LOG" "$mark")" \
	"GET /bert-base-uncased/info/refs 307"

# --json names the kind and the full ref.
run_hfgit resolve --json "$MODEL@v2.0.1"
check_contains "json kind" "$OUT" '"kind":"tag"'
check_contains "json ref" "$OUT" '"ref":"refs/tags/v2.0.1"'
check_contains "json commit" "$OUT" "\"commit\":\"$V2_0_1_COMMIT\""

# ls-remote prints what git ls-remote prints.
run_hfgit ls-remote "$MODEL"
check_eq "ls-remote" "$OUT" "$(git ls-remote "$hub_URL/$MODEL")"
run_hfgit ls-remote --tags "$MODEL"
check_eq "ls-remote --tags" "$OUT" "$(git ls-remote --tags "$hub_URL/$MODEL")"
run_hfgit ls-remote --symref "$MODEL"
check_contains "ls-remote --symref" "$OUT" "$(printf 'ref: refs/heads/main\tHEAD')"

finish
