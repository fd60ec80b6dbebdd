#!/bin/sh
# hfgit run: the CLI's answers against the PyTorch reference of the task tests (tests/data/task)
# for model directories (a tiny model beside its tokenizer), arguments and stdin batches,
# text and --json output, streamed generation; the bundled tiny model by ID@REV and by full
# hash from the test hub, with the tokenizer of the very commit; then bad input of every kind:
# a clear error, exit status 2 for usage and 1 otherwise, never a crash.
. "$(dirname "$0")/lib.sh"
. "$FIXTURES/facts/tiny-distilbert-sst2.env"
DATA=$TESTS_DIR/data
REF=$DATA/task/reference.json

# model_dir NAME MODEL TOKENIZER: a directory with the model's files and the tokenizer's.
model_dir() {
	mkdir -p "$WORK/models/$1"
	ln -sf "$DATA/models/$2"/* "$DATA/task/tokenizers/$3"/* "$WORK/models/$1/"
	echo "$WORK/models/$1"
}
DISTIL=$(model_dir distilbert-sst2 distilbert-sst2 bert)
BERT=$(model_dir bert-sst2 bert-sst2 bert)
BASE=$(model_dir bert-base bert-base bert)
GPT2=$(model_dir gpt2 gpt2 gpt2)

# texts CASE: the case's texts, one per line.
texts() {
	python3 -c '
import json, sys
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2]][0]
print("\n".join(case["texts"]))' "$REF" "$1"
}

# against CASE [partial]: the --json answers in $OUT are those of CASE (its first ones):
# ids, truncation, labels in order, scores / embeddings within 1e-4, generated ids and text.
against() {
	printf '%s' "$OUT" | python3 -c '
import json, sys
got = json.load(sys.stdin)
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == sys.argv[2]][0]
want = case["results"]
if sys.argv[3] == "partial":  # the first inputs only
    want = want[:len(got)]
problems = []
if len(got) != len(want):
    problems.append("%d answers, want %d" % (len(got), len(want)))
def close(a, b):
    return len(a) == len(b) and all(abs(x - y) <= 1e-4 for x, y in zip(a, b))
for i, (g, w) in enumerate(zip(got, want)):
    if "input_ids" in w and g["input_ids"] != w["input_ids"]:
        problems.append("%d: ids %s, want %s" % (i, g["input_ids"], w["input_ids"]))
    if g.get("truncated_from", 0) != w.get("truncated_from", 0):
        problems.append("%d: truncated_from %s" % (i, g.get("truncated_from")))
    if "labels" in w:
        if [l["label"] for l in g["labels"]] != [l["label"] for l in w["labels"]]:
            problems.append("%d: labels %s" % (i, g["labels"]))
        elif not close([l["score"] for l in g["labels"]], [l["score"] for l in w["labels"]]):
            problems.append("%d: scores %s, torch %s" % (i, g["labels"], w["labels"]))
    if "pooled" in w and not close(g["pooled"], w["pooled"]):
        problems.append("%d: pooled differs" % i)
    if "embeddings" in w and not all(close(a, b) for a, b in zip(g["embeddings"], w["embeddings"])):
        problems.append("%d: embeddings differ" % i)
    if "generated_ids" in w:
        if g["generated_ids"] != w["generated_ids"]:
            problems.append("%d: generated %s, torch %s" % (i, g["generated_ids"], w["generated_ids"]))
        if g["generated_text"] != w["generated_text"]:
            problems.append("%d: text %r, want %r" % (i, g["generated_text"], w["generated_text"]))
print("; ".join(problems) or "ok")
' "$REF" "$1" "${2:-all}"
}

# --- Directories, against torch -----------------------------------------------------------
texts "distilbert-sst2 softmax" >"$WORK/sst2.txt"
run_hfgit run --json --top-k all "$DISTIL" "$(sed -n 1p "$WORK/sst2.txt")" \
	"$(sed -n 2p "$WORK/sst2.txt")"
check_eq "classification, arguments: exit code ($ERR)" "$RC" 0
check_eq "classification, arguments: against torch" "$(against "distilbert-sst2 softmax" partial)" ok

set +e
"$HFGIT" run --json --top-k all --batch-size 4 "$DISTIL" <"$WORK/sst2.txt" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
OUT=$(cat "$WORK/out")
check_eq "classification, stdin in batches of 4: exit code" "$RC" 0
check_eq "classification, stdin: against torch" "$(against "distilbert-sst2 softmax")" ok
check_contains "truncation warned about" "$(cat "$WORK/err")" \
	"input 6: 24 tokens, more than the 20 the model takes: truncated to 20"

# Text output: the best label and its score, one line per input.
set +e
"$HFGIT" run -q "$DISTIL" <"$WORK/sst2.txt" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check_eq "classification, text: exit code" "$RC" 0
check_eq "classification, text: one line per input" "$(wc -l <"$WORK/out" | tr -d ' ')" 6
check_eq "classification, text: label and score" "$(sed -n 1p "$WORK/out")" "$(python3 -c '
import json, sys
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == "distilbert-sst2 softmax"][0]
l = case["results"][0]["labels"][0]
print("%s\t%.6f" % (l["label"], l["score"]))' "$REF")"

# BERT with three labels; sigmoid asked for, then chosen by problem_type.
texts "bert-sst2 softmax" >"$WORK/bert.txt"
run_hfgit run --json --top-k all --function-to-apply sigmoid "$BERT" "$(sed -n 1p "$WORK/bert.txt")"
check_eq "sigmoid asked for" "$(against "bert-sst2 sigmoid" partial)" ok
mkdir -p "$WORK/models/bert-multi"
ln -sf "$BERT"/* "$WORK/models/bert-multi/"
rm "$WORK/models/bert-multi/config.json"
python3 -c '
import json, sys
c = json.load(open(sys.argv[1])); c["problem_type"] = "multi_label_classification"
json.dump(c, open(sys.argv[2], "w"))' "$DATA/models/bert-sst2/config.json" "$WORK/models/bert-multi/config.json"
set +e
"$HFGIT" run --json --top-k all "$WORK/models/bert-multi" <"$WORK/bert.txt" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
OUT=$(cat "$WORK/out")
check_eq "multi_label_classification: exit code" "$RC" 0
check_eq "multi_label_classification: sigmoid, as transformers" "$(against "bert-sst2 sigmoid")" ok

# Feature extraction: the base model of a classifier checkpoint, and BertModel, both poolings.
texts "distilbert-sst2 base mean" >"$WORK/feat.txt"
set +e
"$HFGIT" run --json --task feature-extraction --pooling mean "$DISTIL" <"$WORK/feat.txt" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
OUT=$(cat "$WORK/out")
check_eq "feature-extraction --task: exit code ($(cat "$WORK/err"))" "$RC" 0
check_eq "feature-extraction mean: against torch" "$(against "distilbert-sst2 base mean")" ok
set +e
"$HFGIT" run --json "$BASE" <"$WORK/feat.txt" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
OUT=$(cat "$WORK/out")
check_eq "feature-extraction of BertModel: exit code" "$RC" 0
check_eq "feature-extraction cls: against torch" "$(against "bert-base cls")" ok

# Generation: streamed text is the prompt and torch's greedy continuation.
run_hfgit run -q --max-new-tokens 9 "$GPT2" "hello world"
check_eq "generation, text: exit code ($ERR)" "$RC" 0
check_eq "generation, text: torch's greedy text" "$OUT" "$(python3 -c '
import json, sys
case = [c for c in json.load(open(sys.argv[1]))["cases"] if c["name"] == "gpt2 greedy b1"][0]
print(case["results"][0]["generated_text"])' "$REF")"
texts "gpt2 greedy b2" >"$WORK/gen.txt"
set +e
"$HFGIT" run --json --max-new-tokens 7 "$GPT2" <"$WORK/gen.txt" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
OUT=$(cat "$WORK/out")
check_eq "generation, stdin batch (left-padded): exit code" "$RC" 0
check_eq "generation, batch: against torch" "$(against "gpt2 greedy b2")" ok
run_hfgit run -q --max-new-tokens 7 --seed 3 --temperature 2 "$GPT2" "the dog"
first=$OUT
run_hfgit run -q --max-new-tokens 7 --seed 3 --temperature 2 "$GPT2" "the dog"
check_eq "sampling: one seed, one text" "$OUT" "$first"

# Image classification: PNG and JPEG files through Pillow's preprocessing, the tiny ViT.
VIT=$(model_dir vit vit ../images)
rm -f "$VIT"/*.png "$VIT"/*.jpg
IMAGES=$DATA/task/images
run_hfgit run --json --top-k all "$VIT" "$IMAGES/stripes.png" "$IMAGES/noise.jpg" "$IMAGES/small.png"
check_eq "image-classification: exit code ($ERR)" "$RC" 0
check_eq "image-classification: against Pillow + torch" "$(against "vit images")" ok
run_hfgit run -q "$VIT" "$IMAGES/stripes.png"
check_eq "image-classification, text: every label of three (top_k 5)" "$(printf '%s' "$OUT" | awk -F '\t' '{ print NF }')" 6
printf 'not an image\n' >"$WORK/text.png"
run_hfgit run "$VIT" "$WORK/text.png"
check_eq "a file that is not an image: exit code" "$RC" 2
check_contains "a file that is not an image: says so" "$ERR" "is neither PNG nor JPEG"
head -c 100 "$IMAGES/stripes.png" >"$WORK/cut.png"
run_hfgit run "$VIT" "$WORK/cut.png"
check_eq "a truncated PNG: exit code" "$RC" 2
check_contains "a truncated PNG: says so" "$ERR" "not a readable PNG"
run_hfgit run "$VIT" "$WORK/none.png"
check_eq "a missing image: exit code" "$RC" 3
run_hfgit run --task text-classification "$VIT" "a text"
check_eq "text task on ViT: exit code" "$RC" 2
mkdir -p "$WORK/models/vit-224"
ln -sf "$DATA/models/vit"/* "$WORK/models/vit-224/"
run_hfgit run "$WORK/models/vit-224" "$IMAGES/stripes.png"
check_eq "no preprocessor_config.json (224 x 224) for a 16 x 16 ViT: exit code" "$RC" 2

# --- The bundled model from the test hub, tokenizer from the same commit ---------------------
start_hub hub
export HF_ENDPOINT=$hub_URL
run_hfgit run --json --top-k all "$REPO_ID@v1.0" "$(sed -n 1p "$WORK/sst2.txt")"
check_eq "ID@REV: exit code ($ERR)" "$RC" 0
check_eq "ID@REV: against torch" "$(against "distilbert-sst2 softmax" partial)" ok
mark=$(log_mark "$hub_LOG")
run_hfgit run -q "$REPO_ID@$V1_0_COMMIT" <"$WORK/sst2.txt"
check_eq "full hash from the cache: exit code ($ERR)" "$RC" 0
check_eq "full hash from the cache: six answers" "$(printf '%s\n' "$OUT" | wc -l | tr -d ' ')" 6
check_eq "full hash from the cache: no request" "$(log_since "$hub_LOG" "$mark")" ""
run_hfgit run "$REPO_ID@no-such-branch" "text"
check_eq "unknown revision: exit code" "$RC" 3
unset HF_ENDPOINT

# --- Bad input ------------------------------------------------------------------------------
run_hfgit run --task text-generation "$DISTIL" "hello"
check_eq "task the head does not do: exit code" "$RC" 2
check_contains "task the head does not do: names the classes" "$ERR" "AutoModelForCausalLM"
check_contains "task the head does not do: names the classes" "$ERR" "DistilBertForSequenceClassification (seq-cls)"
run_hfgit run --task summarization "$DISTIL" "hello"
check_eq "unknown task: exit code" "$RC" 2
check_contains "unknown task: lists the tasks" "$ERR" "text-classification, feature-extraction"
run_hfgit run --task image-classification "$DISTIL" "hello"
check_eq "image task on a text model: exit code" "$RC" 2
run_hfgit run --pooling mean "$DISTIL" "hello"
check_eq "--pooling with a classifier: exit code" "$RC" 2
check_contains "--pooling with a classifier: says why" "$ERR" "feature-extraction, not text-classification"
run_hfgit run --max-new-tokens 3 "$DISTIL" "hello"
check_eq "--max-new-tokens with a classifier: exit code" "$RC" 2
run_hfgit run --max-new-tokens 20 "$GPT2" "hello"
check_eq "more new tokens than positions: exit code" "$RC" 2
check_contains "more new tokens than positions: says what to do" "$ERR" "ask for fewer"
run_hfgit run --max-new-tokens 3 "$GPT2" ""
check_eq "empty prompt: exit code" "$RC" 2
check_contains "empty prompt: says so" "$ERR" "no tokens"
run_hfgit run "$DATA/models/distilbert-sst2" "hello"
check_ne_rc=$RC
check_contains "no tokenizer: says so" "$ERR" "has no tokenizer hfgit can read"
[ "$check_ne_rc" -ne 0 ] && pass || fail "no tokenizer: exit code 0"
run_hfgit run --top-k 0 "$DISTIL" "hello"
check_eq "--top-k 0: exit code" "$RC" 2
run_hfgit run --temperature -1 "$GPT2" "hello"
check_eq "--temperature -1: exit code" "$RC" 2
run_hfgit run --bogus "$DISTIL"
check_eq "unknown option: exit code" "$RC" 2
run_hfgit run
check_eq "no model: exit code" "$RC" 2
run_hfgit run "$DISTIL" -- "-a text that starts with a dash"
check_eq "an input after --: exit code ($ERR)" "$RC" 0
run_hfgit run "$WORK/nope" "hello"
check_eq "missing directory: exit code" "$RC" 3
check_contains "missing directory: says so" "$ERR" "no directory"
printf '\377\376 not utf-8\n' >"$WORK/bad.txt"
set +e
"$HFGIT" run "$DISTIL" <"$WORK/bad.txt" >"$WORK/out" 2>"$WORK/err"
RC=$?
set -e
check_eq "input that is not UTF-8: exit code" "$RC" 2
check_contains "input that is not UTF-8: says where" "$(cat "$WORK/err")" "UTF-8"

# --- Help -----------------------------------------------------------------------------------
run_hfgit run --help
check_eq "help: exit code" "$RC" 0
check_contains "help" "$OUT" "--max-new-tokens N"
check_contains "help" "$OUT" "--pooling cls|mean"
run_hfgit --help
check_contains "listed in hfgit --help" "$OUT" "  run            the answer of the model's task"

finish
