#!/bin/sh
# Private repositories and tokens: without a token a clear message; a token from HF_TOKEN, the
# token file or --token opens git and the LFS batch API; the CDN never sees the token; it is
# never printed and never written into the checkout.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
SECRET=hf_s3cretT0ken

start_hub hub --private "$MODEL=$SECRET" --redirect-downloads
export HF_ENDPOINT=$hub_URL
mkdir -p "$WORK/clones"
cd "$WORK/clones"
sha() { sha256sum "$1" | cut -d' ' -f1; }

run_hfgit clone -q "$MODEL" none
check_eq "no token: exit code" "$RC" 6
check_contains "no token: message" "$ERR" "does not exist, or it is private or gated and needs a token"
check_eq "no token: no directory" "$(ls -A)" ""

HF_TOKEN=wrong run_hfgit clone -q "$MODEL" wrong
check_eq "wrong token: exit code" "$RC" 6
check_contains "wrong token: message" "$ERR" "token was refused"

mark=$(log_mark "$hub_LOG")
HF_TOKEN=$SECRET run_hfgit clone --json "$MODEL" env
check_eq "HF_TOKEN: exit code ($ERR)" "$RC" 0
check_eq "HF_TOKEN: content" "$(sha env/model.safetensors)" "$MODEL_OID"
check_eq "HF_TOKEN: git status" "$(git -C env status --porcelain)" ""
check_eq "the token is never printed" "$(printf '%s%s' "$OUT" "$ERR" | grep -c "$SECRET" || true)" 0
check_eq "the token is not in the checkout" "$(grep -rl "$SECRET" env/.git 2>/dev/null | wc -l | tr -d ' ')" 0
# Every CDN request came without the token; the hub's own requests carried it.
tail -n +"$((mark + 1))" "$hub_LOG" | python3 -c '
import json, sys
cdn = hub = 0
for line in sys.stdin:
    r = json.loads(line)
    if r.get("server") == "cdn":
        cdn += 1
        assert not r["auth"], "the CDN saw an Authorization header: %r" % r
    elif "/info/lfs/" in r["path"] or "git-upload-pack" in r["path"] or "info/refs" in r["path"]:
        hub += 1
assert cdn >= 4, "expected CDN downloads, saw %d" % cdn
print("ok", cdn, hub)' >"$WORK/authcheck" 2>&1 && pass || fail "token leak check: $(cat "$WORK/authcheck")"

# The token file, and --token.
mkdir -p "$WORK/hfhome"
printf '%s\n' "$SECRET" >"$WORK/hfhome/token"
HF_HOME=$WORK/hfhome run_hfgit --cache-dir "$WORK/cache2" clone -q "$MODEL" tokenfile
check_eq "token file: exit code ($ERR)" "$RC" 0
run_hfgit --token "$SECRET" --cache-dir "$WORK/cache3" clone -q "$MODEL" option
check_eq "--token: exit code ($ERR)" "$RC" 0
check_eq "--token: content" "$(sha option/pytorch_model.bin)" "$BIN_OID"

# A token with a control character is refused before anything is sent.
HF_TOKEN="$(printf 'bad\ttoken')" run_hfgit resolve "$MODEL"
check_eq "token with a tab: exit code" "$RC" 2

finish
