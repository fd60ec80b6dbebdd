#!/bin/sh
# hfgit forward: the CLI's outputs against the PyTorch reference (tests/data/forward), for
# text batches with padding and token types, images from .npy, greedy generation, and a model
# given by id (cloned from the test hub); then bad input of every kind: a clear error, exit
# status 2 for usage and 1 otherwise, never a crash.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-distilbert-sst2.env"
DATA=$TESTS_DIR/data
MODELS=$DATA/models
REF=$DATA/forward/reference.json

# against_reference CASE: the JSON in $OUT holds the outputs (or generated ids) of CASE
# within 1e-4, with floats to at most 9 significant digits; prints what differs.
against_reference() {
	printf '%s' "$OUT" | python3 -c '
import json, re, sys
raw = sys.stdin.read()
got = json.loads(raw)
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2]][0]
problems = []
if got["class"] != case["class"]:
    problems.append("class %s, want %s" % (got["class"], case["class"]))
for name, want in case["outputs"].items():
    out = got["outputs"].get(name)
    if out is None:
        problems.append("no output " + name)
        continue
    if out["shape"] != want["shape"]:
        problems.append("%s shape %s, want %s" % (name, out["shape"], want["shape"]))
        continue
    diff = max(abs(a - b) for a, b in zip(out["data"], want["data"]))
    if diff > 1e-4:
        problems.append("%s differs by %g" % (name, diff))
if "generate" in case:
    prompts = case["inputs"]["input_ids"]
    want = [p + t for p, t in zip(prompts, case["generate"]["tokens"])]
    if got.get("generated_ids") != want:
        problems.append("generated %s, want %s" % (got.get("generated_ids"), want))
digits = [len(re.sub(r"^0*", "", m.replace(".", "").lstrip("-"))) for m in
          re.findall(r"-?[0-9]+\.[0-9]+(?=e|,|\])", raw)]
if digits and max(digits) > 9:
    problems.append("a float printed with %d significant digits" % max(digits))
print("; ".join(problems) or "ok")
' "$REF" "$1"
}

# ids FIELD CASE: a matrix of the inputs of CASE as the CLI takes it ("1,2;3,4").
ids() {
	python3 -c '
import json, sys
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[3]][0]
print(";".join(",".join(str(v) for v in row) for row in case["inputs"][sys.argv[2]]))
' "$REF" "$1" "$2"
}

# forward_case CASE DIR [options]: run the case's text inputs through the CLI and compare.
forward_case() {
	name=$1
	dir=$2
	shift 2
	run_hfgit forward --json "$@" "$dir" --input-ids "$(ids input_ids "$name")" \
		--attention-mask "$(ids attention_mask "$name")"
	check_eq "$name: exit code ($ERR)" "$RC" 0
	check_eq "$name: against torch" "$(against_reference "$name")" ok
}

# --- Outputs against the reference ----------------------------------------------------------
forward_case "bert-base b4" "$MODELS/bert-base"
forward_case "bert-base b4" "$MODELS/bert-base"            # the same again: no state kept
forward_case "bert-sst2 b4" "$MODELS/bert-sst2"
forward_case "bert-sst2 base b4" "$MODELS/bert-sst2" --auto base
forward_case "distilbert-base-bf16 b4" "$MODELS/distilbert-base"
forward_case "gpt2 b4" "$MODELS/gpt2"
forward_case "gpt2 base b4" "$MODELS/gpt2" --auto base

run_hfgit forward --json "$MODELS/bert-base" --input-ids "$(ids input_ids "bert-base b1")" \
	--token-type-ids "$(ids token_type_ids "bert-base b1")"
check_eq "token types: against torch" "$(against_reference "bert-base b1")" ok

for b in 1 4; do
	run_hfgit forward --json "$MODELS/vit" --pixel-values "$DATA/forward/pixels-$b.npy"
	check_eq "vit b$b: exit code ($ERR)" "$RC" 0
	check_eq "vit b$b: against torch" "$(against_reference "vit-f16 b$b")" ok
done

run_hfgit forward --json "$MODELS/gpt2" --input-ids "$(ids input_ids "gpt2 generate b1")" --generate 10
check_eq "generate: exit code ($ERR)" "$RC" 0
check_eq "generate: tokens of torch" "$(against_reference "gpt2 generate b1")" ok
run_hfgit forward --json "$MODELS/gpt2" --input-ids "$(ids input_ids "gpt2 generate b2")" \
	--attention-mask "$(ids attention_mask "gpt2 generate b2")" --generate 10
check_eq "generate left-padded batch: tokens of torch" "$(against_reference "gpt2 generate b2")" ok

# The human summary: class, shapes, timing.
run_hfgit forward "$MODELS/bert-sst2" --input-ids 1,2,3 --threads 1
check_eq "text: exit code ($ERR)" "$RC" 0
check_contains "text: class" "$OUT" "BertForSequenceClassification"
check_contains "text: logits" "$OUT" "logits            [1, 3]"
check_contains "text: time" "$OUT" "forward"

# Outputs that are not numbers (a NaN and an infinity in the last LayerNorm's weight): JSON has
# no word for them, so --json writes NaN and Infinity as Python's json module reads them.
mkdir -p "$WORK/bert-nan"
cp "$MODELS/bert-base/config.json" "$WORK/bert-nan/"
python3 - "$MODELS/bert-base/model.safetensors" "$WORK/bert-nan/model.safetensors" <<'PY'
import json, struct, sys
raw = bytearray(open(sys.argv[1], "rb").read())
n = struct.unpack("<Q", raw[:8])[0]
start = json.loads(raw[8:8 + n])["encoder.layer.1.output.LayerNorm.weight"]["data_offsets"][0]
at = 8 + n + start
raw[at:at + 8] = struct.pack("<ff", float("nan"), float("-inf"))
open(sys.argv[2], "wb").write(raw)
PY
run_hfgit forward --json "$WORK/bert-nan" --input-ids 1,2,3
check_eq "NaN outputs: exit code ($ERR)" "$RC" 0
check_eq "NaN outputs: JSON Python reads" "$(printf '%s' "$OUT" | python3 -c '
import json, math, sys
h = json.load(sys.stdin)["outputs"]["last_hidden_state"]["data"]
print(math.isnan(h[0]), math.isinf(h[1]), all(math.isfinite(v) for i, v in enumerate(h) if i % 24 > 1))
')" "True True True"

# A model id: cloned from the hub, then run.
start_hub hub
export HF_ENDPOINT=$hub_URL
run_hfgit forward --json -q "$REPO_ID@v1.0" --input-ids "$(ids input_ids "distilbert-sst2 b4")" \
	--attention-mask "$(ids attention_mask "distilbert-sst2 b4")"
check_eq "hub id: exit code ($ERR)" "$RC" 0
check_eq "hub id: against torch" "$(against_reference "distilbert-sst2 b4")" ok
unset HF_ENDPOINT

# --- Bad input: usage errors (exit 2) --------------------------------------------------------
usage_error() { # LABEL NEEDLE ARGS...
	label=$1
	needle=$2
	shift 2
	run_hfgit forward "$@"
	check_eq "$label: exit code" "$RC" 2
	check_contains "$label: message" "$ERR" "$needle"
}
usage_error "ragged" "a ragged batch: sequence 1 has 1 ids, the ones before 2" \
	"$MODELS/bert-base" --input-ids "1,2;3"
usage_error "mask length" "--attention-mask is 1x2, --input-ids 1x3" \
	"$MODELS/bert-base" --input-ids 1,2,3 --attention-mask 1,1
usage_error "not a number" "--input-ids: 'x' is not an integer" "$MODELS/bert-base" --input-ids 1,x
usage_error "no inputs" "give either --input-ids or --pixel-values" "$MODELS/bert-base"
usage_error "both inputs" "give either --input-ids or --pixel-values" \
	"$MODELS/bert-base" --input-ids 1 --pixel-values "$DATA/forward/pixels-1.npy"
usage_error "generate count" "--generate takes a number of tokens" \
	"$MODELS/gpt2" --input-ids 1 --generate 0
usage_error "auto" "--auto takes config" "$MODELS/gpt2" --input-ids 1 --auto nope

# --- Bad input the library refuses (HFGIT_EINVALID: exit 2) ----------------------------------
refused() { # LABEL NEEDLE ARGS...
	label=$1
	needle=$2
	shift 2
	run_hfgit forward "$@"
	check_eq "$label: exit code" "$RC" 2
	check_contains "$label: message" "$ERR" "$needle"
}
refused "out of vocabulary" "input_ids[1][0] is 50, outside the vocabulary (vocab_size 50)" \
	"$MODELS/bert-base" --input-ids "1,2;50,3"
refused "too long" "sequences of 21 tokens are longer than max_position_embeddings (20)" \
	"$MODELS/bert-base" --input-ids "$(python3 -c 'print(",".join(["1"] * 21))')"
refused "mask value" "attention_mask[0][0] is 3" "$MODELS/bert-base" --input-ids 1 --attention-mask 3
refused "token type" "token_type_ids[0][1] is 2; the model has 2 token types" \
	"$MODELS/bert-base" --input-ids 1,2 --token-type-ids 0,2
refused "generate a BERT" "BertModel cannot generate" "$MODELS/bert-base" --input-ids 1 --generate 2
refused "generate too far" "3 prompt tokens + 18 new ones exceed the model's 20 positions" \
	"$MODELS/gpt2" --input-ids 1,2,3 --generate 18
refused "text to ViT" "ViT takes pixel_values" "$MODELS/vit" --input-ids 1

# .npy files numpy would write, but not what ViT takes; written here byte by byte.
npy() { # FILE DESCR SHAPE COUNT [FORTRAN]: a .npy with COUNT float32 (or float64) zeros
	python3 - "$@" <<'PY'
import struct, sys
path, descr, shape, count = sys.argv[1:5]
fortran = "True" if len(sys.argv) > 5 else "False"
header = "{'descr': '%s', 'fortran_order': %s, 'shape': %s, }" % (descr, fortran, shape)
header += " " * (-(len(header) + 11) % 64) + "\n"
size = 8 if descr.endswith("8") else 4
with open(path, "wb") as f:
    f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header.encode())
    f.write(b"\0" * (size * int(count)))
PY
}
npy "$WORK/f8.npy" '<f8' '(1, 3, 16, 16)' 768
refused "npy dtype" "the array's dtype is '<f8'; hfgit takes little-endian float32" \
	"$MODELS/vit" --pixel-values "$WORK/f8.npy"
npy "$WORK/be.npy" '>f4' '(1, 3, 16, 16)' 768
refused "npy big-endian" "the array's dtype is '>f4'" "$MODELS/vit" --pixel-values "$WORK/be.npy"
npy "$WORK/fortran.npy" '<f4' '(1, 3, 16, 16)' 768 fortran
refused "npy fortran" "Fortran order" "$MODELS/vit" --pixel-values "$WORK/fortran.npy"
npy "$WORK/short.npy" '<f4' '(1, 3, 16, 16)' 700
refused "npy truncated" "2800 bytes of data for a shape of 768 floats" \
	"$MODELS/vit" --pixel-values "$WORK/short.npy"
npy "$WORK/small.npy" '<f4' '(1, 3, 8, 8)' 192
refused "image size" "the image is 8x8; the model takes image_size 16x16" \
	"$MODELS/vit" --pixel-values "$WORK/small.npy"
npy "$WORK/gray.npy" '<f4' '(1, 1, 16, 16)' 256
refused "channels" "1 channels; the model takes num_channels = 3" \
	"$MODELS/vit" --pixel-values "$WORK/gray.npy"
npy "$WORK/3d.npy" '<f4' '(3, 16, 16)' 768
usage_error "npy dims" "has 3 dimensions; --pixel-values takes [batch, channels, height, width]" \
	"$MODELS/vit" --pixel-values "$WORK/3d.npy"
printf 'not numpy' >"$WORK/junk.npy"
refused "not npy" "not a .npy file" "$MODELS/vit" --pixel-values "$WORK/junk.npy"
run_hfgit forward "$MODELS/vit" --pixel-values "$WORK/none.npy"
check_eq "no file: exit code" "$RC" 3
check_contains "no file: message" "$ERR" "cannot open $WORK/none.npy"

# Config fields whose math hfgit does not implement: refused by name.
variant() { # NAME SOURCE SED
	mkdir -p "$WORK/$1"
	cp "$2"/*.safetensors "$WORK/$1/"
	sed "$3" "$2/config.json" >"$WORK/$1/config.json"
}
refused "relative positions" "field 'position_embedding_type' is \"relative_key\"" \
	"$DATA/forward/models/bert-relative" --input-ids 1,2
variant decoder "$MODELS/bert-base" 's/"use_cache": true/"use_cache": true, "is_decoder": true/'
refused "is_decoder" "field 'is_decoder' is true" "$WORK/decoder" --input-ids 1,2
variant act "$MODELS/bert-base" 's/"hidden_act": "gelu"/"hidden_act": "swiglu"/'
refused "unknown activation" "field 'hidden_act' is \"swiglu\", an activation hfgit does not implement" \
	"$WORK/act" --input-ids 1,2
variant gact "$MODELS/gpt2" 's/"activation_function": "gelu_new"/"activation_function": "mish"/'
refused "unknown GPT-2 activation" "field 'activation_function' is \"mish\"" "$WORK/gact" --input-ids 1,2
variant noclassifier "$MODELS/bert-base" 's/"BertModel"/"BertForSequenceClassification"/'
refused "head without weights" "the checkpoint has no classifier" "$WORK/noclassifier" --input-ids 1,2

# oneDNN is loaded on a model's first product: without it a forward pass says what to
# install, and a command that computes nothing (inspect binds the same weights) runs as ever.
export HFGIT_ONEDNN=libdnnl-missing.so.9
run_hfgit forward "$MODELS/bert-sst2" --input-ids 1,2,3
check_eq "no oneDNN: exit code" "$RC" 1
check_contains "no oneDNN: what to install" "$ERR" \
	"cannot load oneDNN (libdnnl-missing.so.9), which products need: install it (Debian: apt-get install libdnnl2)"
run_hfgit inspect "$MODELS/bert-sst2"
check_eq "no oneDNN: inspect ($ERR)" "$RC" 0
check_contains "no oneDNN: inspect's class" "$OUT" "BertForSequenceClassification"
unset HFGIT_ONEDNN

# Help.
run_hfgit forward --help
check_contains "help" "$OUT" "--pixel-values FILE"
run_hfgit --help
check_contains "listed in hfgit --help" "$OUT" "  forward        run the model on the CPU"

finish
