#!/bin/sh
# hfgit run of a small model (MiniLM-L6-sized BERT classifier over bert-base-uncased's vocabulary,
# tests/bench/run_models.py) on one sentence: time to first output, split into loading (config,
# weights mapped, tokenizer) and the task (encoding, forward pass, softmax), as hfgit run reports
# it on standard error, and the whole process's wall time; against PyTorch in the same run
# (Debian's python3-torch: import + reading the safetensors, then the forward pass and softmax,
# tests/bench/run_torch.py), on the ids hfgit's tokenizer gave. Medians of RUNS runs.
# Usage: run.sh [BUILD_DIR] [RUNS] [THREADS]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-7}
threads=${3:-1}
hfgit=$root/$build/hfgit
[ -x "$hfgit" ] || { echo "build hfgit first (cmake --build $build)" >&2; exit 1; }
py=/usr/bin/python3
$py -c 'import torch' 2>/dev/null || sh third_party/install-deps.sh --extra
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-run-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The model, and bert-base-uncased's vocab.txt from the tokenizer tests' fixtures.
sh tests/tokenize/setup.sh tests/tokenize "$build" >/dev/null
model=$work/minilm-sst2
$py tests/bench/run_models.py "$model"
cp "$root/$build/tokenize-fixtures/bert-base-uncased/vocab.txt" "$model/"
printf '{"do_lower_case": true, "model_max_length": 512}\n' >"$model/tokenizer_config.json"
sentence="hfgit makes every model repository a real git repository, and this film was good."
export OMP_WAIT_POLICY=passive

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$hfgit" run --threads "$threads" "$model" "$sentence" >/dev/null 2>&1 # page cache warm
: >"$work/ours"
# Each run timed from the outside too (process start to exit), in one Python loop.
$py -c '
import re, subprocess, sys, time
for _ in range(int(sys.argv[1])):
    t = time.perf_counter()
    p = subprocess.run(sys.argv[3:], capture_output=True, text=True)
    wall = (time.perf_counter() - t) * 1e3
    m = re.search(r"load ([0-9.]+) ms, run ([0-9.]+) ms", p.stderr)
    open(sys.argv[2] + "/out", "w").write(p.stdout)
    print(m.group(1), m.group(2), "%.1f" % wall)' "$runs" "$work" \
	"$hfgit" run --threads "$threads" "$model" "$sentence" >>"$work/ours"
# The load split: the model alone (hfgit inspect) and the tokenizer alone (hfgit tokenize),
# each a whole process, wall time.
$py -c '
import subprocess, sys, time
def wall(args):
    best = []
    for _ in range(int(sys.argv[1])):
        t = time.perf_counter()
        subprocess.run(args, capture_output=True, check=True)
        best.append((time.perf_counter() - t) * 1e3)
    return sorted(best)[len(best) // 2]
h, m, s = sys.argv[2], sys.argv[3], sys.argv[4]
print("%.1f %.1f %.1f" % (wall([h, "--version"]), wall([h, "inspect", m]),
                          wall([h, "tokenize", m, s])))' "$runs" "$hfgit" "$model" "$sentence" >"$work/split"
ids=$("$hfgit" run --json -q "$model" "$sentence" | $py -c '
import json, sys; print(",".join(map(str, json.load(sys.stdin)[0]["input_ids"])))')
: >"$work/torch"
i=0
while [ $i -lt "$runs" ]; do
	$py tests/bench/run_torch.py "$model" "$ids" "$threads" >>"$work/torch"
	i=$((i + 1))
done
label=$(cut -f1 "$work/out")
tlabel=$(awk 'NR == 1 { print $3 }' "$work/torch")
hl=$(awk '{ print $1 }' "$work/ours" | median)
hr=$(awk '{ print $2 }' "$work/ours" | median)
hw=$(awk '{ print $3 }' "$work/ours" | median)
tl=$(awk '{ print $1 }' "$work/torch" | median)
tr=$(awk '{ print $2 }' "$work/torch" | median)

echo "model: BertForSequenceClassification, 6 x 384, vocab 30522, $(du -h "$model/model.safetensors" | cut -f1) F32; $(echo "$ids" | tr ',' '\n' | wc -l) tokens; $threads thread(s); medians of $runs"
printf '%-34s %10s %10s %10s\n' "" "load ms" "task ms" "wall ms"
printf '%-34s %10.1f %10.1f %10.1f\n' "hfgit run" "$hl" "$hr" "$hw"
printf '%-34s %10.1f %10.1f %10s\n' "PyTorch (import + read, forward)" "$tl" "$tr" "-"
awk -v hl="$hl" -v hr="$hr" -v tl="$tl" -v tr="$tr" 'BEGIN {
	printf "%-34s %9.2fx %9.2fx\n", "PyTorch / hfgit", tl / hl, tr / hr
	printf "hfgit: loading is %.0f%% of load + task\n", 100 * hl / (hl + hr) }'
read -r empty inspect tokenize <"$work/split"
awk -v e="$empty" -v i="$inspect" -v t="$tokenize" 'BEGIN {
	printf "load split (whole processes, wall, minus an empty one of %.1f ms): model %.1f ms (hfgit inspect), tokenizer %.1f ms (hfgit tokenize)\n", e, i - e, t - e }'
[ "$label" = "$tlabel" ] || echo "note: labels differ: hfgit $label, torch $tlabel"
