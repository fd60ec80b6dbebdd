#!/bin/sh
# hfgit tokenize / detokenize of a model id: the revision is resolved and checked out into
# <cache>/checkouts/<repo>/<commit> (as hfgit inspect does) and its tokenizer files are the ones
# used; a full hash is served from that checkout offline. The repository (a legacy BERT
# tokenizer: vocab.txt and tokenizer_config.json, changed between two tags) is made here with
# real git and served by the test hub. The tokens themselves are checked against Hugging
# Face's tokenizers by tests/tokenize; here the id must give what its checkout's files give.
. "$(dirname "$0")/lib.sh"

src=$WORK/src
root=$WORK/hubroot
mkdir -p "$src" "$root/hfgit-test"
git -c init.defaultBranch=main init -q "$src"
cd "$src"
git config user.name test && git config user.email test@example.com
printf '%s\n' '[PAD]' '[UNK]' '[CLS]' '[SEP]' '[MASK]' hello world , '!' token '##izer' '##s' \
	cafe caf '##e' >vocab.txt
printf '{"do_lower_case": true, "model_max_length": 16}\n' >tokenizer_config.json
git add -A && git commit -qm "A tiny BERT tokenizer" && git tag v1.0
# v2.0: cased, accents kept: the same text tokenizes differently.
printf '{"do_lower_case": false, "strip_accents": false}\n' >tokenizer_config.json
printf '%s\n' Hello Café >>vocab.txt
git add -A && git commit -qm "Cased" && git tag v2.0
V1=$(git rev-parse v1.0)
git clone -q --bare "$src" "$root/hfgit-test/tiny-tokenizer.git"
cd "$WORK"

HUB_ROOT=$root start_hub hub
export HF_ENDPOINT=$hub_URL
ID=hfgit-test/tiny-tokenizer
TEXT="Hello, Café tokenizers!"

git -C "$src" checkout -q v1.0
run_hfgit tokenize "$src" "$TEXT"
want_v1=$OUT
check_eq "v1 from its directory ($ERR)" "$want_v1" "2 5 7 12 9 10 11 8 3"
run_hfgit tokenize -q "$ID@v1.0" "$TEXT"
check_eq "v1.0 by id ($ERR)" "$OUT" "$want_v1"
check_eq "v1.0 exit code" "$RC" 0
[ -d "$HFGIT_HOME/checkouts/$ID/$V1" ] && pass || fail "no checkout at checkouts/$ID/$V1"

git -C "$src" checkout -q v2.0
run_hfgit tokenize "$src" "$TEXT"
want_v2=$OUT
run_hfgit tokenize -q "$ID@v2.0" "$TEXT"
check_eq "v2.0 by id ($ERR)" "$OUT" "$want_v2"
[ "$want_v1" != "$want_v2" ] && pass || fail "v1.0 and v2.0 tokenize alike: the fixture tests nothing"

run_hfgit tokenize --json "$ID@v1.0" "$TEXT"
check_contains "--json by id" "$OUT" '"tokens":["[CLS]","hello",",","cafe","token","##izer","##s","!","[SEP]"]'
run_hfgit detokenize --skip-special-tokens "$ID@v1.0" "$want_v1"
check_eq "detokenize by id ($ERR)" "$OUT" "hello, cafe tokenizers!"

# A full hash: the checkout alone, no hub needed.
stop_hub hub
run_hfgit --offline tokenize "$ID@$V1" "$TEXT"
check_eq "offline full hash ($ERR)" "$OUT" "$want_v1"
run_hfgit --offline tokenize "$ID@v9.9" "$TEXT"
[ "$RC" -ne 0 ] && [ -n "$ERR" ] && pass || fail "an unknown revision tokenized ($RC)"

finish
