#!/bin/sh
# huggingface_hub's environment, read the same way by every command: '~' in HF_HOME, the token
# from HF_TOKEN_PATH, $XDG_CACHE_HOME/huggingface/token and HUGGING_FACE_HUB_TOKEN (private
# repository on the test hub), TRANSFORMERS_OFFLINE.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/lfs-model.env"
MODEL=hfgit-test/lfs-model
SECRET=hf_envT0ken

start_hub hub --private "$MODEL=$SECRET"
export HF_ENDPOINT=$hub_URL
unset HFGIT_HOME
mkdir -p "$WORK/clones"
cd "$WORK/clones"

# HF_HOME='~/x' is $HOME/x for hfgit's own cache and for the hub cache; no './~' appears.
printf '%s\n' "$SECRET" >"$WORK/token-file"
HF_HOME='~/hfhome' HF_TOKEN_PATH="$WORK/token-file" run_hfgit clone -q --no-lfs "$MODEL" tilde
check_eq "HF_HOME=~/x: clone ($ERR)" "$RC" 0
check_eq "HF_HOME=~/x: no literal '~' directory" "$(ls -A | grep -c '^~' || true)" 0
check_eq "HF_HOME=~/x: hfgit's cache under \$HOME/x" "$(test -d "$HOME/hfhome/hfgit/repos" && echo yes)" yes
HF_HOME='~/hfhome' run_hfgit ls --json
check_contains "hfgit ls names the expanded cache" "$OUT" "\"cache\":\"$HOME/hfhome/hfgit\""
HF_HOME='~/hfhome' HF_TOKEN_PATH="$WORK/token-file" run_hfgit export -q --hf-cache --no-lfs "$MODEL"
check_eq "HF_HOME=~/x: export ($ERR)" "$RC" 0
check_eq "HF_HOME=~/x: hub cache under \$HOME/x/hub" \
	"$(test -d "$HOME/hfhome/hub/models--hfgit-test--lfs-model/snapshots" && echo yes)" yes
check_eq "still no literal '~' directory" "$(ls -A | grep -c '^~' || true)" 0

# Without HF_TOKEN_PATH the token is not found (the file is elsewhere): a clear auth error.
HF_HOME='~/hfhome' run_hfgit resolve "$MODEL"
check_eq "no token file at \$HF_HOME/token: exit code" "$RC" 6

# $XDG_CACHE_HOME/huggingface/token, as huggingface_hub finds it when HF_HOME is unset.
mkdir -p "$WORK/xdg/huggingface"
printf '%s\n' "$SECRET" >"$WORK/xdg/huggingface/token"
XDG_CACHE_HOME=$WORK/xdg run_hfgit resolve "$MODEL"
check_eq "token from \$XDG_CACHE_HOME/huggingface/token ($ERR)" "$OUT" "$MAIN_COMMIT"
check_eq "XDG: hfgit's cache at \$XDG_CACHE_HOME/hfgit" "$(test -d "$WORK/xdg/hfgit/repos" && echo yes)" yes

# The legacy HUGGING_FACE_HUB_TOKEN; HF_TOKEN wins over it.
HUGGING_FACE_HUB_TOKEN=$SECRET run_hfgit resolve "$MODEL"
check_eq "HUGGING_FACE_HUB_TOKEN ($ERR)" "$OUT" "$MAIN_COMMIT"
HF_TOKEN=wrong HUGGING_FACE_HUB_TOKEN=$SECRET run_hfgit resolve "$MODEL"
check_eq "HF_TOKEN wins over HUGGING_FACE_HUB_TOKEN" "$RC" 6

# TRANSFORMERS_OFFLINE=1 is offline: no request; HF_HUB_OFFLINE=0 set beside it decides.
mark=$(log_mark "$hub_LOG")
HF_TOKEN=$SECRET TRANSFORMERS_OFFLINE=1 run_hfgit resolve "$MODEL"
check_eq "TRANSFORMERS_OFFLINE=1 resolves from the cache ($ERR)" "$OUT" "$MAIN_COMMIT"
check_eq "TRANSFORMERS_OFFLINE=1 made no request" "$(log_since "$hub_LOG" "$mark")" ""
HF_TOKEN=$SECRET TRANSFORMERS_OFFLINE=1 HF_HUB_OFFLINE=0 run_hfgit resolve "$MODEL"
check_eq "HF_HUB_OFFLINE=0 wins over TRANSFORMERS_OFFLINE=1" \
	"$(log_since "$hub_LOG" "$mark" | grep -c info/refs || true)" 1

finish
