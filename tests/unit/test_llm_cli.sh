#!/bin/sh
# hfgit inspect and hfgit forward on the Llama, Mistral and Qwen2 test models: inspect shows
# the hyperparameters, the dtype and the memory (mapped, nothing copied); forward --generate
# gives torch's logits and tokens (tests/data/llm/reference.json); a malformed config is a
# clear error with exit status 2.
#
#   test_llm_cli.sh HFGIT TESTS_DATA
set -u
HFGIT=$1
DATA=$2
REF=$DATA/llm/reference.json
fails=0 passes=0
ok() { passes=$((passes + 1)); }
bad() { fails=$((fails + 1)); echo "FAIL: $*" >&2; }

# inspect: hyperparameters, dtype, memory
out=$("$HFGIT" inspect "$DATA/llm/models/llama-bf16-sharded" 2>&1) || bad "inspect failed: $out"
for want in "LlamaForCausalLM (model_type llama)" "num_key_value_heads=1" "head_dim=16" \
	"rope_theta=500000" "tie_word_embeddings=true" "BF16, 44,352 bytes" \
	"47,744 bytes mapped from the weight files, 0 bytes in memory of our own" \
	"model-00001-of-00002.safetensors"; do
	case $out in *"$want"*) ok ;; *) bad "inspect lacks '$want': $out" ;; esac
done
out=$("$HFGIT" inspect --json "$DATA/llm/models/qwen2-bf16") || bad "inspect --json failed"
printf '%s' "$out" | python3 -c '
import json, sys
j = json.load(sys.stdin)
h = j["hyperparameters"]
assert j["class"] == "Qwen2ForCausalLM" and j["dtypes"] == "BF16", j
assert h["num_key_value_heads"] == 2 and h["max_position_embeddings"] == 8, h
assert j["memory"]["heap"] == 0 and j["report"]["errors"] == 0, j
' && ok || bad "inspect --json of qwen2-bf16: $out"

# forward --generate against the reference, one case per model
for name in "llama-f32 generate b1" "llama-bf16-sharded generate b1" "mistral-f16 generate b1" \
	"qwen2-bf16 generate b1" "qwen2-f32 generate b1"; do
	dir=$(python3 -c 'import json,sys; print([c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2]][0]["dir"])' "$REF" "$name")
	steps=$(python3 -c 'import json,sys; print([c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2]][0]["generate"]["max_new_tokens"])' "$REF" "$name")
	out=$("$HFGIT" forward --json "$DATA/$dir" --input-ids 5,17,33,8 --generate "$steps" 2>&1) ||
		{ bad "$name: $out"; continue; }
	printf '%s' "$out" | python3 -c '
import json, sys
got = json.load(sys.stdin)
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2]][0]
want = [case["inputs"]["input_ids"][0] + case["generate"]["tokens"][0]]
assert got["generated_ids"] == want, (got["generated_ids"], want)
' "$REF" "$name" && ok || bad "$name: generated ids differ: $out"
done

# a malformed config: a failure status (the CLI's 2 for invalid input), the field named
out=$("$HFGIT" inspect "$DATA/llm/bad/heads" 2>&1)
[ $? -eq 2 ] && ok || bad "bad/heads: status not 2"
case $out in *"not a multiple of num_key_value_heads 3"*) ok ;; *) bad "bad/heads: $out" ;; esac
out=$("$HFGIT" forward "$DATA/llm/bad/rope-type" --input-ids 1,2 2>&1)
[ $? -eq 2 ] && ok || bad "bad/rope-type: status not 2"
case $out in *'rope_type "yarn"'*) ok ;; *) bad "bad/rope-type: $out" ;; esac

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
