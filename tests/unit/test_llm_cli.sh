#!/bin/sh
# hfgit inspect and hfgit forward on the Llama, Mistral and Qwen2 test models: inspect shows
# the hyperparameters (GQA heads, head_dim, tie, sliding window, rope scaling with each type's
# fields), the dtype and the memory (mapped, nothing copied); forward --generate
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
	"model-00001-of-00002.safetensors" "torch_dtype bfloat16" "rope_scaling.rope_type=llama3" \
	"rope_scaling.factor=8" "rope_scaling.low_freq_factor=1" "rope_scaling.high_freq_factor=4" \
	"rope_scaling.original_max_position_embeddings=16"; do
	case $out in *"$want"*) ok ;; *) bad "inspect lacks '$want': $out" ;; esac
done
# Mistral: linear scaling, the sliding window, a KV head per head, F16
out=$("$HFGIT" inspect "$DATA/llm/models/mistral-f16" 2>&1) || bad "inspect failed: $out"
for want in "MistralForCausalLM (model_type mistral)" "num_attention_heads=4" \
	"num_key_value_heads=4" "head_dim=8" "sliding_window=16" "rope_scaling.rope_type=linear" \
	"rope_scaling.factor=2" "tie_word_embeddings=false" "torch_dtype float16" \
	"F16, 43,328 bytes" "45,424 bytes mapped from the weight files, 0 bytes in memory of our own"; do
	case $out in *"$want"*) ok ;; *) bad "mistral inspect lacks '$want': $out" ;; esac
done
case $out in *original_max_position_embeddings*) bad "linear scaling shows a length: $out" ;; *) ok ;; esac
# Qwen2 F32, default rope: no rope_scaling fields
out=$("$HFGIT" inspect "$DATA/llm/models/qwen2-f32" 2>&1) || bad "inspect failed: $out"
case $out in *rope_scaling*) bad "default rope shows rope_scaling: $out" ;; *) ok ;; esac
out=$("$HFGIT" inspect --json "$DATA/llm/models/qwen2-bf16") || bad "inspect --json failed"
printf '%s' "$out" | python3 -c '
import json, sys
j = json.load(sys.stdin)
h = j["hyperparameters"]
assert j["class"] == "Qwen2ForCausalLM" and j["dtypes"] == "BF16", j
assert h["num_key_value_heads"] == 2 and h["max_position_embeddings"] == 8, h
assert h["head_dim"] == 8 and h["tie_word_embeddings"] is True, h
assert h["use_sliding_window"] is False and h["sliding_window"] == 4096, h
assert h["rope_scaling.rope_type"] == "dynamic" and h["rope_scaling.factor"] == 2, h
assert h["rope_scaling.original_max_position_embeddings"] == 8, h
assert j["torch_dtype"] == "bfloat16" and j["memory"]["mapped"] == 38016, j
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

# hfgit run takes generation_config.json's defaults, as transformers' pipeline does: a copy of
# qwen2-f32 whose generation_config.json says do_sample (eos only at 63, so it runs on).
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-llm-cli.XXXXXX")
trap 'rm -rf "$work"' EXIT
cp -r "$DATA/llm/models/qwen2-f32" "$work/sampling"
printf '{"do_sample": true, "temperature": 3.0, "top_k": 20, "eos_token_id": 63}\n' \
	>"$work/sampling/generation_config.json"
ids() { "$HFGIT" run --json -q --max-new-tokens 10 "$@" "hello" 2>&1 |
	python3 -c 'import json, sys; print(json.load(sys.stdin)[0]["generated_ids"])' 2>&1; }
from_config=$(ids "$work/sampling")
from_flags=$(ids --temperature 3.0 --top-k 20 --seed 0 "$work/sampling")
greedy=$(ids --greedy "$work/sampling")
printf '{"eos_token_id": 63}\n' >"$work/sampling/generation_config.json"
no_sampling=$(ids "$work/sampling")
[ "$from_config" = "$from_flags" ] && ok ||
	bad "generation_config's sampling ($from_config) is not the flags' ($from_flags)"
[ "$greedy" = "$no_sampling" ] && ok || bad "--greedy ($greedy) is not greedy ($no_sampling)"
[ "$from_config" != "$greedy" ] && ok || bad "do_sample in generation_config was ignored: $from_config"
case $greedy in "["*) ok ;; *) bad "run failed: $greedy" ;; esac

echo "$passes passed, $fails failed"
[ "$fails" -eq 0 ]
