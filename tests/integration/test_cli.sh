#!/bin/sh
# Command-line habits: global options after the command, --revision, `--`, grouped short
# options, `hfgit help CMD`, suggestions for typos; the man pages and the bash completion
# generated from the same command table as --help.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-model.env"
MODEL=hfgit-test/tiny-model
MAN_DIR=$(dirname "$HFGIT")/man
COMPLETION=$(dirname "$HFGIT")/completion/hfgit

start_hub hub
mkdir -p "$WORK/clones"
cd "$WORK/clones"

# Global options after the command (none in the environment: they must come from argv).
run_hfgit resolve "$MODEL@v2.0.1" --endpoint "$hub_URL" --cache-dir "$WORK/after"
check_eq "--endpoint/--cache-dir after the command ($ERR)" "$OUT" "$V2_0_1_COMMIT"
check_eq "--cache-dir after the command is used" "$(test -d "$WORK/after/repos" && echo yes)" yes
run_hfgit clone --cache-dir="$WORK/after" -q --no-lfs --endpoint="$hub_URL" "$MODEL@v2.0.1" after
check_eq "clone with global options among its own ($ERR)" "$RC" 0
mark=$(log_mark "$hub_LOG")
run_hfgit resolve --cache-dir "$WORK/after" "$MODEL@v2.0.1" --offline --endpoint "$hub_URL"
check_eq "--offline after the command" "$OUT" "$V2_0_1_COMMIT"
check_eq "--offline after the command made no request" "$(log_since "$hub_LOG" "$mark")" ""
run_hfgit resolve "$MODEL" --endpoint
check_eq "a global option without its value: exit code" "$RC" 2
check_contains "a global option without its value: message" "$ERR" "--endpoint needs a value"

export HF_ENDPOINT=$hub_URL
# --revision REV is @REV.
run_hfgit resolve --revision v2.0.1 "$MODEL"
check_eq "--revision REV" "$OUT" "$V2_0_1_COMMIT"
run_hfgit resolve "$MODEL" --revision=dev
check_eq "--revision=REV after the id" "$OUT" "$DEV_COMMIT"
run_hfgit resolve --revision dev "$MODEL@v2.0.1"
check_eq "--revision with @REV too: exit code" "$RC" 2
check_contains "--revision with @REV too: message" "$ERR" "give it once"
run_hfgit clone -q --no-lfs --revision v2.0.1 "$MODEL" byrev
check_eq "clone --revision: HEAD" "$(git -C byrev rev-parse HEAD)" "$V2_0_1_COMMIT"
run_hfgit ls-remote --revision v1 "$MODEL"
check_eq "--revision where the command has none: exit code" "$RC" 2

# Grouped short options and `--`.
run_hfgit clone -qj2 -X'*' "$MODEL@v2.0.1" grouped
check_eq "-qj2 -X'*' ($ERR)" "$RC" 0
check_eq "-qj2: quiet" "$ERR" ""
run_hfgit clone -qj 2 --no-lfs -- "$MODEL@v2.0.1" -dashdir
check_eq "clone -- ID -DIR ($ERR)" "$RC" 0
check_eq "-- makes '-dashdir' a directory" "$(git -C ./-dashdir rev-parse HEAD)" "$V2_0_1_COMMIT"
run_hfgit clone -qqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqqq --no-lfs "$MODEL@v2.0.1" many
check_eq "a long group of one letter ($ERR)" "$RC" 0
run_hfgit clone -qz "$MODEL" z
check_eq "unknown letter in a group: exit code" "$RC" 2
check_contains "unknown letter in a group: message" "$ERR" "unknown option '-z'"
run_hfgit clone -j "$MODEL"
check_eq "-j takes the next word as its value" "$RC" 2
check_contains "-j with a non-number" "$ERR" "--jobs takes a number"
run_hfgit clone --quiet=yes "$MODEL" q
check_eq "--flag=VALUE for a flag: exit code" "$RC" 2

# Suggestions.
run_hfgit clon "$MODEL"
check_eq "mistyped command: exit code" "$RC" 2
check_contains "mistyped command: suggestion" "$ERR" "did you mean 'clone'?"
run_hfgit resovle "$MODEL"
check_contains "transposed letters: suggestion" "$ERR" "did you mean 'resolve'?"
run_hfgit frobnicate
check_eq "unrelated word: no suggestion" "$(printf '%s' "$ERR" | grep -c 'did you mean' || true)" 0
run_hfgit clone --jbos 2 "$MODEL"
check_contains "mistyped option: suggestion" "$ERR" "did you mean '--jobs'?"
run_hfgit clone --cahce-dir x "$MODEL"
check_contains "mistyped global option after the command" "$ERR" "did you mean '--cache-dir'?"
run_hfgit --ofline ls
check_contains "mistyped global option before the command" "$ERR" "did you mean '--offline'?"

# hfgit help CMD is CMD --help; every command has one.
for cmd in $("$HFGIT" --help | sed -n '/^commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }'); do
	"$HFGIT" help "$cmd" >"$WORK/help.txt"
	"$HFGIT" "$cmd" --help >"$WORK/dashhelp.txt"
	check_eq "help $cmd is $cmd --help" "$(cmp -s "$WORK/help.txt" "$WORK/dashhelp.txt" && echo same)" same
	check_contains "help $cmd: usage line" "$(head -n 1 "$WORK/help.txt")" "usage: hfgit $cmd"

	# The man page, rendered by groff, lists every option --help lists.
	page=$MAN_DIR/hfgit-$cmd.1
	if [ -s "$page" ]; then
		pass
		LC_ALL=C groff -man -Tascii -P-cbu "$page" 2>"$WORK/groff.err" >"$WORK/man.txt"
		check_eq "man page of $cmd renders without warnings" "$(cat "$WORK/groff.err")" ""
		grep -o -- '--[a-z][a-z-]*' "$WORK/help.txt" | sort -u >"$WORK/help-opts"
		grep -o -- '--[a-z][a-z-]*' "$WORK/man.txt" | sort -u >"$WORK/man-opts"
		check_eq "man page of $cmd has the options of its --help" \
			"$(comm -23 "$WORK/help-opts" "$WORK/man-opts" | tr '\n' ' ')" ""
		check_contains "man page of $cmd: NAME" "$(tr -s " " <"$WORK/man.txt")" "hfgit-$cmd -"
	else
		fail "no man page $page"
	fi
done
"$HFGIT" help --man >"$WORK/hfgit.1"
check_eq "hfgit.1 is what help --man prints" "$(cmp -s "$WORK/hfgit.1" "$MAN_DIR/hfgit.1" && echo same)" same
LC_ALL=C groff -man -Tascii -P-cbu "$MAN_DIR/hfgit.1" >"$WORK/man.txt" 2>&1
for word in HF_HOME HF_TOKEN_PATH HF_HUB_CACHE --cache-dir "EXIT CODES" "SEE ALSO"; do
	check_contains "hfgit(1) mentions $word" "$(cat "$WORK/man.txt")" "$word"
done
run_hfgit help clonee
check_contains "help of a mistyped command" "$ERR" "did you mean 'clone'?"

# The bash completion script, from the same table.
"$HFGIT" completion bash >"$WORK/completion.bash"
check_eq "installed completion is what completion bash prints" \
	"$(cmp -s "$WORK/completion.bash" "$COMPLETION" && echo same)" same
complete_words() { # WORDS...: what bash completes for the last word
	bash -c '. "$1"; shift; COMP_WORDS=("$@"); COMP_CWORD=$(($# - 1)); _hfgit; printf "%s\n" "${COMPREPLY[@]}"' \
		_ "$WORK/completion.bash" "$@" | sort | tr '\n' ' '
}
check_eq "complete a command" "$(complete_words hfgit cl)" "clone "
check_eq "complete an option of clone" "$(complete_words hfgit clone --jo)" "--jobs "
check_eq "complete --link's value" "$(complete_words hfgit clone --link h)" "hardlink "
check_eq "complete after a global option" "$(complete_words hfgit --offline ver)" "verify "
check_eq "complete help's argument" "$(complete_words hfgit help ls)" "ls ls-files ls-remote "
check_contains "complete a global option after the command" "$(complete_words hfgit ls --of)" "--offline"
# an ID from the cache (this test's cache holds the tiny model), for commands that take one
check_eq "complete a cached model id" "$(complete_words "$HFGIT" resolve hfgit-test/ti)" "hfgit-test/tiny-model "
check_eq "no ids where the command takes none" "$(complete_words "$HFGIT" update hfgit-test/ti | tr -d ' ')" ""

finish
