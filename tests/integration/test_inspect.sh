#!/bin/sh
# hfgit inspect: the class config.json asks for and why, hyperparameters, parameters, dtypes,
# bytes and the load report, on the committed tiny models (tests/data/models) and on a model
# repository served by the test hub: cloned into <cache>/checkouts/<repo>/<commit> once,
# reused afterwards (no LFS download, and with a full hash no request at all).
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-distilbert-sst2.env"
MODELS=$TESTS_DIR/data/models

# json_get EXPR: a value of the JSON in $OUT, by a Python expression on `j`.
json_get() {
	printf '%s' "$OUT" | python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$1"
}

# --- Local directories ---------------------------------------------------------------------
run_hfgit inspect "$MODELS/bert-sst2"
check_eq "bert-sst2 exit code ($ERR)" "$RC" 0
check_contains "bert-sst2: class" "$OUT" "class       BertForSequenceClassification (model_type bert)"
check_contains "bert-sst2: why" "$OUT" 'why         architectures[0] in config.json is "BertForSequenceClassification"'
check_contains "bert-sst2: hyperparameters" "$OUT" "hidden_size=24  num_hidden_layers=2"
check_contains "bert-sst2: labels" "$OUT" "labels      3: negative, neutral, positive"
check_contains "bert-sst2: parameters" "$OUT" "parameters  11,411 in 41 tensors, F32, 45,644 bytes"
check_contains "bert-sst2: weights" "$OUT" "weights     model.safetensors (safetensors)"
check_contains "bert-sst2: report" "$OUT" "report      ok"

run_hfgit inspect --json --params "$MODELS/bert-sst2"
check_eq "json exit code ($ERR)" "$RC" 0
check_eq "json: class" "$(json_get 'j["class"]')" BertForSequenceClassification
check_eq "json: auto" "$(json_get 'j["auto"]')" seq-cls
check_eq "json: parameters" "$(json_get 'j["parameters"]')" 11411
check_eq "json: bytes" "$(json_get 'j["bytes"]')" 45644
check_eq "json: hidden_size" "$(json_get 'j["hyperparameters"]["hidden_size"]')" 24
check_eq "json: layer_norm_eps as written" "$(json_get 'j["hyperparameters"]["layer_norm_eps"]')" 1e-12
check_eq "json: no errors" "$(json_get 'j["report"]["errors"]')" 0
check_eq "json: params listed" "$(json_get 'len(j["params"])')" 41
check_eq "json: first param" "$(json_get 'j["params"][0]["name"]')" bert.embeddings.word_embeddings.weight
check_eq "json: mapped, not copied" "$(json_get 'j["memory"]["heap"]')" 0

# AutoModel on a head checkpoint: unexpected keys are warnings, by name.
run_hfgit inspect --auto base "$MODELS/bert-sst2"
check_eq "base exit code" "$RC" 0
check_contains "base: class" "$OUT" "class       BertModel"
check_contains "base: unexpected key" "$OUT" "warning  unexpected  classifier.weight: in the checkpoint, not used by BertModel"

# A head on a base checkpoint: a warning and zeros; GPT-2's tied head and buffers.
run_hfgit inspect --auto seq-cls "$MODELS/bert-base"
check_eq "seq-cls on base exit code" "$RC" 0
check_contains "new head" "$OUT" "warning  new         classifier.weight: not in the checkpoint: initialized to zeros"
run_hfgit inspect --weights pytorch --params "$MODELS/gpt2"
check_eq "gpt2 pytorch exit code ($ERR)" "$RC" 0
check_contains "gpt2: tied lm_head" "$OUT" "lm_head.weight [50, 24] F32 tied to transformer.wte.weight"
check_contains "gpt2: buffers" "$OUT" "4 buffers in the checkpoint, not parameters"
check_contains "gpt2: pytorch_model.bin" "$OUT" "weights     pytorch_model.bin (pytorch)"
run_hfgit inspect "$MODELS/bert-legacy"
check_contains "legacy names" "$OUT" "10 legacy names read as .weight/.bias"
check_contains "legacy: chosen base" "$OUT" "a bert class hfgit does not build"
run_hfgit inspect --auto base "$MODELS/vit"
check_contains "vit: F16" "$OUT" "F16"
check_contains "vit: new pooler" "$OUT" "pooler.dense.weight: not in the checkpoint"
run_hfgit inspect "$MODELS/distilbert-base"
check_contains "distilbert: BF16 and aliases" "$OUT" "hidden_size=24 (dim)"

# Custom code is named and never run.
run_hfgit inspect "$MODELS/custom-code"
check_eq "custom code exit code" "$RC" 2
check_contains "custom code: auto_map" "$ERR" "AutoModel: modeling_tiny.TinyModel), which hfgit never runs"
case "$OUT$ERR" in *"must never run"*) fail "modeling_tiny.py ran" ;; *) pass ;; esac

# Errors in the report: printed in full, exit status 1.
mkdir -p "$WORK/bad"
cp "$MODELS/bert-base/model.safetensors" "$WORK/bad/"
sed 's/"vocab_size": 50/"vocab_size": 60/' "$MODELS/bert-base/config.json" >"$WORK/bad/config.json"
run_hfgit inspect "$WORK/bad"
check_eq "shape mismatch exit code" "$RC" 1
check_contains "shape mismatch reported" "$OUT" "error    shape       embeddings.word_embeddings.weight: the checkpoint's 'embeddings.word_embeddings.weight' has shape [50, 24], the config implies [60, 24]"
check_contains "report counts" "$OUT" "report      1 error, 0 warnings"
printf '{"model_type": "bert",' >"$WORK/bad/config.json"
run_hfgit inspect "$WORK/bad"
check_eq "not JSON exit code" "$RC" 2
check_contains "not JSON" "$ERR" "bad/config.json: not valid JSON"

run_hfgit inspect --auto bogus "$MODELS/bert-base"
check_eq "bad --auto" "$RC" 2
run_hfgit inspect
check_eq "no argument" "$RC" 2
run_hfgit inspect ./no/such/dir
check_eq "missing directory" "$RC" 3

# --- A model repository on the hub ------------------------------------------------------------
start_hub hub
export HF_ENDPOINT=$hub_URL
CHECKOUTS=$HFGIT_HOME/checkouts/$REPO_ID

run_hfgit inspect -q "$REPO_ID@v1.0"
check_eq "hub: exit code ($ERR)" "$RC" 0
check_contains "hub: class" "$OUT" "class       DistilBertForSequenceClassification (model_type distilbert)"
check_contains "hub: commit" "$OUT" "commit      $V1_0_COMMIT"
check_contains "hub: checkout" "$OUT" "model       $CHECKOUTS/$V1_0_COMMIT"
check_contains "hub: sharded weights" "$OUT" "model.safetensors.index.json, model-00001-of-00002.safetensors, model-00002-of-00002.safetensors (safetensors)"
check_contains "hub: labels" "$OUT" "labels      2: NEGATIVE, POSITIVE"
check_eq "hub: checkout is clean" "$(git -C "$CHECKOUTS/$V1_0_COMMIT" status --porcelain)" ""
cmp -s "$CHECKOUTS/$V1_0_COMMIT/model-00001-of-00002.safetensors" \
	"$MODELS/distilbert-sst2/model-00001-of-00002.safetensors" && pass ||
	fail "hub: the checkout's shard differs from the committed one"

# Again: the checkout is reused; only the revision is resolved.
mark=$(log_mark "$hub_LOG")
run_hfgit inspect --json "$REPO_ID@v1.0"
check_eq "hub again: exit code ($ERR)" "$RC" 0
check_eq "hub again: commit" "$(json_get 'j["commit"]')" "$V1_0_COMMIT"
check_eq "hub again: no LFS batch" "$(batch_since "$hub_LOG" "$mark")" 0
check_eq "hub again: no object download" "$(cdn_since "$hub_LOG" "$mark" | wc -l | tr -d ' ')" 0
check_eq "hub again: no fetch" "$(log_since "$hub_LOG" "$mark" | grep -c git-upload-pack || true)" 0

# A full hash of a checked-out commit: no request at all, even online.
mark=$(log_mark "$hub_LOG")
run_hfgit inspect --json "$REPO_ID@$V1_0_COMMIT"
check_eq "by hash: exit code ($ERR)" "$RC" 0
check_eq "by hash: class" "$(json_get 'j["class"]')" DistilBertForSequenceClassification
check_eq "by hash: no request" "$(log_since "$hub_LOG" "$mark")" ""

# Another revision, another checkout.
run_hfgit inspect -q --auto base "$REPO_ID"
check_eq "main: exit code ($ERR)" "$RC" 0
check_contains "main: commit" "$OUT" "commit      $MAIN_COMMIT"
check_contains "main: base class" "$OUT" "class       DistilBertModel"
[ -f "$CHECKOUTS/$MAIN_COMMIT/README.md" ] && pass || fail "main: no checkout at $CHECKOUTS/$MAIN_COMMIT"

# With the hub gone, offline: the tag resolves from the cache, the checkout is there.
stop_hub hub
run_hfgit --offline inspect "$REPO_ID@v1.0"
check_eq "offline: exit code ($ERR)" "$RC" 0
check_contains "offline: commit" "$OUT" "commit      $V1_0_COMMIT"
run_hfgit --offline inspect "$REPO_ID@0000000000000000000000000000000000000000"
[ "$RC" -ne 0 ] && pass || fail "offline: an unknown commit loaded"

finish
