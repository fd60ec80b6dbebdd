#!/bin/sh
# hfgit run of a small model (MiniLM-L6-sized BERT classifier over bert-base-uncased's vocabulary,
# tests/bench/run_models.py) on one sentence: time to first output, split into loading (config,
# weights mapped, tokenizer) and the task (encoding, forward pass, softmax), as hfgit run reports
# it on standard error, and the whole process's wall time ("other": process start-up, dynamic
# linking and exit); with the legacy vocab.txt and with tokenizer.json; against PyTorch in the same run
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

# The model, twice: with bert-base-uncased's legacy vocab.txt (the tokenizer transformers'
# BertConverter builds) and with its tokenizer.json, from the tokenizer tests' fixtures.
sh tests/tokenize/setup.sh tests/tokenize "$build" >/dev/null
model=$work/minilm-sst2
$py tests/bench/run_models.py "$model"
printf '{"do_lower_case": true, "model_max_length": 512}\n' >"$model/tokenizer_config.json"
cp -r "$model" "$work/minilm-sst2-json"
cp "$root/$build/tokenize-fixtures/bert-base-uncased/vocab.txt" "$model/"
cp "$root/$build/tokenize-fixtures/bert-base-uncased/tokenizer.json" "$work/minilm-sst2-json/"
sentence="hfgit makes every model repository a real git repository, and this film was good."
export OMP_WAIT_POLICY=passive

median() { sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }

"$hfgit" run --threads "$threads" "$model" "$sentence" >/dev/null 2>&1 # page cache warm
# Each run timed from the outside too (process start to exit), in one Python loop; lines of
# "load task wall" into OUT. A second input of the same length (--batch-size 1) gives the
# forward pass once the first has paid for oneDNN's kernel generation and the weights' page
# faults: "task" of two inputs minus "task" of one.
runs_of() { # OUT MODEL INPUTS...
	out=$1
	shift
	$py -c '
import re, subprocess, sys, time
for _ in range(int(sys.argv[1])):
    t = time.perf_counter()
    p = subprocess.run(sys.argv[3:], capture_output=True, text=True)
    wall = (time.perf_counter() - t) * 1e3
    m = re.search(r"load ([0-9.]+) ms, run ([0-9.]+) ms", p.stderr)
    open(sys.argv[2] + "/out", "w").write(p.stdout)
    print(m.group(1), m.group(2), "%.1f" % wall)' "$runs" "$work" \
		"$hfgit" run --threads "$threads" --batch-size 1 "$@" >"$out"
}
runs_of "$work/ours-json" "$work/minilm-sst2-json" "$sentence"
runs_of "$work/ours2" "$model" "$sentence" "$sentence"
runs_of "$work/ours" "$model" "$sentence"
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
h, m, s, j = sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
print("%.1f %.1f %.1f %.1f" % (wall([h, "--version"]), wall([h, "inspect", m]),
                               wall([h, "tokenize", m, s]), wall([h, "tokenize", j, s])))' \
	"$runs" "$hfgit" "$model" "$sentence" "$work/minilm-sst2-json" >"$work/split"
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
col() { awk -v c="$2" '{ print $c }' "$1" | median; }
hl=$(col "$work/ours" 1) hr=$(col "$work/ours" 2) hw=$(col "$work/ours" 3)
jl=$(col "$work/ours-json" 1) jr=$(col "$work/ours-json" 2) jw=$(col "$work/ours-json" 3)
r2=$(col "$work/ours2" 2)
tl=$(col "$work/torch" 1) tr=$(col "$work/torch" 2)

echo "model: BertForSequenceClassification, 6 x 384, vocab 30522, $(du -h "$model/model.safetensors" | cut -f1) F32; $(echo "$ids" | tr ',' '\n' | wc -l) tokens; $threads thread(s); medians of $runs"
echo "load: config, weights mapped, tokenizer built; task: encoding, forward pass, scores; wall: the whole process"
printf '%-34s %10s %10s %10s %10s\n' "" "load ms" "task ms" "other ms" "wall ms"
printf '%-34s %10.1f %10.1f %10.1f %10.1f\n' "hfgit run (vocab.txt)" "$hl" "$hr" "$(echo "$hw $hl $hr" | awk '{ print $1 - $2 - $3 }')" "$hw"
printf '%-34s %10.1f %10.1f %10.1f %10.1f\n' "hfgit run (tokenizer.json)" "$jl" "$jr" "$(echo "$jw $jl $jr" | awk '{ print $1 - $2 - $3 }')" "$jw"
printf '%-34s %10.1f %10.1f %10s %10s\n' "PyTorch (import + read, forward)" "$tl" "$tr" "-" "-"
awk -v hl="$hl" -v hr="$hr" -v jl="$jl" -v jr="$jr" -v tl="$tl" -v tr="$tr" -v r2="$r2" 'BEGIN {
	printf "%-34s %9.2fx %9.2fx\n", "PyTorch / hfgit (vocab.txt)", tl / hl, tr / hr
	printf "hfgit: loading is %.0f%% of load + task with vocab.txt, %.0f%% with tokenizer.json\n", 100 * hl / (hl + hr), 100 * jl / (jl + jr)
	printf "hfgit: task of a second input %.1f ms (the first one %.1f ms: oneDNN kernel generation and the page faults of the weights are %.1f ms of it)\n", r2 - hr, hr, hr - (r2 - hr) }'
read -r empty inspect tokenize tokjson <"$work/split"
awk -v e="$empty" -v i="$inspect" -v t="$tokenize" -v j="$tokjson" 'BEGIN {
	printf "load split (whole processes, wall, minus an empty one of %.1f ms): model %.1f ms (hfgit inspect), tokenizer %.1f ms from vocab.txt, %.1f ms from tokenizer.json (hfgit tokenize)\n", e, i - e, t - e, j - e }'
[ "$label" = "$tlabel" ] || echo "note: labels differ: hfgit $label, torch $tlabel"
