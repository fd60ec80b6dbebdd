#!/bin/sh
# hfgit tokenize / detokenize on the fixture directories: the known answers, --json, --pair,
# --no-special-tokens, --stdin with any bytes, and bad input (clear errors, right exit codes).
# Expected ids not given as known answers come from the Rust library's Node binding.
#
#   test_cli.sh HFGIT FIXTURES NODE_MODULES
set -eu
hfgit=$1
fx=$2
modules=$3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fails=0

fail() {
	echo "FAIL: $*" >&2
	fails=$((fails + 1))
}

expect() { # WHAT EXPECTED ACTUAL
	[ "$2" = "$3" ] || fail "$1: expected '$2', got '$3'"
}

# The reference's ids for a text read from a file (any bytes, given as UTF-8 to it).
reference_ids() { # TOKENIZER_JSON FILE [PAIR]
	node -e '
const { Tokenizer } = require(process.argv[1] + "/tokenizers");
const fs = require("fs");
const t = Tokenizer.fromFile(process.argv[2]);
t.encode(fs.readFileSync(process.argv[3], "utf8"), process.argv[4] || null)
  .then(e => console.log(e.getIds().join(" ")));' "$modules" "$@"
}

# Known answers (MODELS.md, transformers' own tests)
for d in bert-base-uncased bert-legacy; do
	expect "$d" "101 7592 1010 2026 3899 2003 10140 102" "$("$hfgit" tokenize "$fx/$d" "Hello, my dog is cute")"
done
for d in gpt2 gpt2-legacy; do
	expect "$d" "15496 11 616 3290 318 13779" "$("$hfgit" tokenize "$fx/$d" "Hello, my dog is cute")"
done

# --json: the five fields, offsets in characters
out=$("$hfgit" tokenize --json "$fx/bert-base-uncased" "Café, 日本")
expect "bert --json" '{"input_ids":[101,7668,1010,1864,1876,102],"tokens":["[CLS]","cafe",",","日","本","[SEP]"],"token_type_ids":[0,0,0,0,0,0],"attention_mask":[1,1,1,1,1,1],"offsets":[[0,0],[0,4],[4,5],[6,7],[7,8],[0,0]]}' "$out"
out=$("$hfgit" tokenize --json --pair "And mine." "$fx/bert-base-uncased" "Hi")
expect "bert --pair type ids" '[0,0,0,1,1,1,1]' "$(printf '%s' "$out" | python3 -c 'import json,sys; print(json.dumps(json.load(sys.stdin)["token_type_ids"], separators=(",",":")))')"
expect "bert --no-special-tokens" "7592 1010 2026 3899 2003 10140" \
	"$("$hfgit" tokenize --no-special-tokens "$fx/bert-base-uncased" "Hello, my dog is cute")"
expect "bert --max-length" "101 7592 1010 102" \
	"$("$hfgit" tokenize --max-length 4 "$fx/bert-base-uncased" "Hello, my dog is cute")"

# --stdin: the whole input as one text, NUL bytes, newlines and all
printf 'line one\nline two\0with a NUL <|endoftext|>\n\n' >"$tmp/in.txt"
expect "gpt2 --stdin" "$(reference_ids "$fx/gpt2/tokenizer.json" "$tmp/in.txt")" \
	"$("$hfgit" tokenize --stdin "$fx/gpt2" <"$tmp/in.txt")"
expect "bert --stdin" "$(reference_ids "$fx/bert-base-uncased/tokenizer.json" "$tmp/in.txt")" \
	"$("$hfgit" tokenize --stdin "$fx/bert-base-uncased" <"$tmp/in.txt")"

# detokenize
expect "bert detokenize" "[CLS] hello, my dog is cute [SEP]" \
	"$("$hfgit" detokenize "$fx/bert-base-uncased" 101 7592 1010 2026 3899 2003 10140 102)"
expect "bert detokenize --skip-special-tokens" "hello, my dog is cute" \
	"$("$hfgit" detokenize --skip-special-tokens "$fx/bert-legacy" "101,7592,1010,2026,3899,2003,10140,102")"
expect "gpt2 detokenize" "Hello, my dog is cute<|endoftext|>" \
	"$("$hfgit" detokenize "$fx/gpt2" "15496 11 616 3290 318 13779 50256")"

# Bad input: a clear message and the usage/invalid exit code
check_error() { # WHAT CODE PATTERN COMMAND...
	what=$1 code=$2 pattern=$3
	shift 3
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	set -e
	[ "$rc" = "$code" ] || fail "$what: exit $rc, expected $code ($(cat "$tmp/err"))"
	grep -q -- "$pattern" "$tmp/err" || fail "$what: message '$(cat "$tmp/err")' lacks '$pattern'"
	[ ! -s "$tmp/out" ] || fail "$what: printed '$(cat "$tmp/out")' on stdout"
}
printf 'ok \377\376 bytes' >"$tmp/bad.txt"
check_error "invalid UTF-8" 2 "not valid UTF-8 (byte 3: 0xff)" sh -c "\"$hfgit\" tokenize --stdin \"$fx/gpt2\" <\"$tmp/bad.txt\""
mkdir -p "$tmp/broken" "$tmp/unknown" "$tmp/empty" "$tmp/bad-merge"
printf '{"model": {"type": "BPE", "vocab": {' >"$tmp/broken/tokenizer.json"
check_error "truncated tokenizer.json" 2 "is not valid JSON" "$hfgit" tokenize "$tmp/broken" "x"
printf '{"normalizer": {"type": "Precompiled", "precompiled_charsmap": ""}, "model": {"type": "Unigram", "vocab": [["a", 0.0]]}}' >"$tmp/unknown/tokenizer.json"
check_error "unknown normalizer" 2 "normalizer 'Precompiled' is not implemented" "$hfgit" tokenize "$tmp/unknown" "x"
printf '{"model": {"type": "WordLevel", "vocab": {}, "unk_token": "x"}}' >"$tmp/unknown/tokenizer.json"
check_error "unknown model" 2 "model 'WordLevel' is not implemented" "$hfgit" tokenize "$tmp/unknown" "x"
printf '{"model": {"type": "BPE", "vocab": {"a": 0, "b": 1}, "merges": ["a b"]}}' >"$tmp/bad-merge/tokenizer.json"
check_error "merge out of vocabulary" 2 "merged token 'ab' is not in the vocabulary" "$hfgit" tokenize "$tmp/bad-merge" "x"
check_error "no tokenizer files" 3 "has no tokenizer" "$hfgit" tokenize "$tmp/empty" "x"
check_error "no text" 2 "no text" "$hfgit" tokenize "$fx/gpt2"
check_error "text and --stdin" 2 "not both" "$hfgit" tokenize --stdin "$fx/gpt2" "x"
check_error "bad ids" 2 "is not a list of token ids" "$hfgit" detokenize "$fx/gpt2" "1 two 3"
check_error "bad --max-length" 2 "positive number" "$hfgit" tokenize --max-length 0 "$fx/gpt2" "x"

# --help names the unit of the offsets; hfgit --help lists the commands
"$hfgit" tokenize --help | grep -q "characters (Unicode code points)" || fail "tokenize --help: offsets unit"
"$hfgit" --help | grep -q "tokenize ID" || fail "hfgit --help lacks tokenize"
"$hfgit" --help | grep -q "detokenize ID" || fail "hfgit --help lacks detokenize"

[ "$fails" = 0 ] || { echo "$fails failure(s)" >&2; exit 1; }
echo "tokenize CLI: all checks passed"
