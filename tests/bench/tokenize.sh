#!/bin/sh
# Tokenizer speed: tokens per second encoding ~10 MB of mixed text (English prose, accents,
# CJK, emoji, code, numbers) in chunks of ~4 KB, one thread, for bert-base-uncased and gpt2,
# against Hugging Face's Rust tokenizers (the npm Node binding, one batch on a one-thread
# pool) and the pure-JS @huggingface/tokenizers, all measured in this run.
# Usage: tokenize.sh [BUILD_DIR] [MEGABYTES]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
mb=${2:-10}
lib=$root/$build/libhfgit.so
[ -f "$lib" ] || { echo "build libhfgit first (cmake --build $build)" >&2; exit 1; }
work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-tokenize-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT
# The driver, linked against the static library like any C program would be.
driver=$work/driver
. tests/bench/lib.sh
cc_driver "$driver" tests/bench/tokenize_driver.c
sh tests/tokenize/setup.sh tests/tokenize "$build" >/dev/null
modules=$root/$build/tokenize-ref/node_modules
fx=$root/$build/tokenize-fixtures
text=$work/text.txt

# The text: the tests' corpus and training text, shuffled into chunks (seeded, so every run
# encodes the same bytes).
node -e '
const fs = require("fs");
const mb = Number(process.argv[1]);
const train = fs.readFileSync(process.argv[2], "utf8").split("\n");
import(process.argv[3]).then(({ samples }) => {
  const lines = [...train, ...samples.filter(s => s.length > 0)];
  let seed = 12345, size = 0, chunk = [], out = [];
  const rnd = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  while (size < mb * 1e6) {
    const l = lines[Math.floor(rnd() * lines.length)];
    chunk.push(l);
    size += Buffer.byteLength(l) + 1;
    if (chunk.join("\n").length > 4000) { out.push(chunk.join("\n")); chunk = []; }
  }
  out.push(chunk.join("\n"));
  fs.writeFileSync(process.argv[4], out.join("\f"));
});' "$mb" "$root/tests/tokenize/train.txt" "$root/tests/tokenize/corpus.mjs" "$text"

export RAYON_NUM_THREADS=1 RAYON_RS_NUM_CPUS=1 TOKENIZERS_PARALLELISM=false UV_THREADPOOL_SIZE=1
printf '%s\n' "text: $(wc -c <"$text") bytes, $(tr -cd '\f' <"$text" | wc -c) chunks"
printf '%-18s %10s %10s %12s %8s %8s\n' tokenizer tokens seconds tokens/s "vs Rust" "vs JS"
for model in bert-base-uncased gpt2; do
	ours=$("$driver" "$fx/$model" "$text")
	peers=$(node tests/bench/tokenize_peers.mjs "$modules" "$fx/$model" "$text")
	rust=$(printf '%s\n' "$peers" | awk '$1 == "rust" { print $2, $3 }')
	js=$(printf '%s\n' "$peers" | awk '$1 == "js" { print $2, $3 }')
	echo "$ours $rust $js" | awk -v m="$model" '{
		h = $1 / $2; r = $3 / $4; j = $5 / $6
		printf "%-18s %10d %10.3f %12.0f %7.2fx %7.2fx  hfgit\n", m, $1, $2, h, h / r, h / j
		printf "%-18s %10d %10.3f %12.0f %8s %8s  tokenizers (Rust, npm binding)\n", m, $3, $4, r, "", ""
		printf "%-18s %10d %10.3f %12.0f %8s %8s  @huggingface/tokenizers (JS)\n", m, $5, $6, j, "", ""
		if ($1 != $3) printf "  note: token counts differ from the Rust library (%d vs %d)\n", $1, $3 }'
done
