#!/bin/sh
# A modern causal LM at memory speed: hfgit on a random model of Qwen2-0.5B's shape in BF16
# (tests/bench/llm_model.py, about 1 GB, written to a temporary folder), in one run:
#
#   decode tokens/s (16-token prompt, NEW greedy tokens, KV cache) against the limit of this
#     machine's memory: weight bytes per token / the streaming-read bandwidth measured now
#     (tests/bench/stream_read.c: a 2 GB buffer summed on the same threads); goal >= 70%
#   prefill of 512 tokens against PyTorch at its best here (tests/bench/lib.sh: OpenBLAS for
#     this CPU, OMP_WAIT_POLICY=PASSIVE), in float32 (the weights upcast) and in bfloat16;
#     the better one; goal <= 0.5x its time. Both are the prefill of generation: the prompt
#     through the model and the LM head on its last position only (transformers'
#     logits_to_keep=1 in generate())
#   peak RSS of hfgit against the weights mapped once + the KV cache; goal < +64 MiB
#
# The sides take turns for ROUNDS rounds and each keeps its best round (a burst of load
# elsewhere then does not land on one side only). The cores may be shared with other
# processes: the load average is printed before and after, and figures under load are noisy.
# No assertions: figures only.
#
#   tests/bench/llm.sh [BUILD_DIR] [RUNS] [NEW] [ROUNDS]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-2}
new=${3:-32}
rounds=${4:-3}
lib=$root/$build/libhfgit.so
[ -f "$lib" ] || { echo "build libhfgit first (cmake --build $build)" >&2; exit 1; }
threads=$(nproc)
[ "$threads" -gt 2 ] && threads=2

work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-llm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

. tests/bench/lib.sh
torch_setup
cc_driver "$work/driver" tests/bench/llm_driver.c
cc -O3 -march=native -fopenmp -o "$work/stream" tests/bench/stream_read.c
echo "writing a random Qwen2-0.5B-shaped BF16 model ..."
$py tests/bench/llm_model.py "$work/qwen2"

echo "load average before: $(load_average)"
echo "running $rounds rounds, each side in turn ($threads threads, median of $runs after a warm-up) ..."
echo "  streaming read ..."
"$work/stream" 2048 "$threads" 5 >"$work/stream.out"
r=1
while [ "$r" -le "$rounds" ]; do
	echo "  round $r: hfgit, PyTorch float32, PyTorch bfloat16 ..."
	"$work/driver" "$work/qwen2" "$threads" 512 "$new" "$runs" >"$work/hfgit.$r"
	torch_best "$threads" tests/bench/llm_torch.py "$work/qwen2" float32 512 "$runs" \
		>"$work/f32.$r"
	torch_best "$threads" tests/bench/llm_torch.py "$work/qwen2" bfloat16 512 "$runs" \
		>"$work/bf16.$r"
	r=$((r + 1))
done
"$work/stream" 2048 "$threads" 5 >"$work/stream2.out"
echo "load average after: $(load_average)"
# What hfgit runs BF16 weights with on this CPU (lib/tensor/hlinear.h).
if grep -q avx512_bf16 /proc/cpuinfo; then
	kernels="BF16 products, activations rounded to BF16 (oneDNN matmul for a prefill$(
		grep -q amx_bf16 /proc/cpuinfo && echo ' on AMX'), vdpbf16ps for a decode step)"
else
	kernels="F32 products of the widened BF16 weights"
fi

$py - "$work" "$threads" "$new" "$rounds" "$kernels" <<'PY'
import sys
work, threads, new, rounds = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
kernels = sys.argv[5]
def fields(name):
    return dict(l.strip().split("=", 1) for l in open("%s/%s" % (work, name)) if "=" in l)
def best_round(side, key, pick):
    """The round of `side` with the best `key`."""
    return pick((fields("%s.%d" % (side, r)) for r in range(1, rounds + 1)),
                key=lambda f: float(f[key]))
h = best_round("hfgit", "prefill_ms", min)
h["decode_tokens_per_s"] = best_round("hfgit", "decode_tokens_per_s", max)["decode_tokens_per_s"]
h["peak_rss_kb"] = str(max(int(fields("hfgit.%d" % r)["peak_rss_kb"])
                           for r in range(1, rounds + 1)))
f32, bf16 = best_round("f32", "prefill_ms", min), best_round("bf16", "prefill_ms", min)
gbs = max(float(fields("stream.out")["gb_per_s"]), float(fields("stream2.out")["gb_per_s"]))
wbytes = int(h["weight_bytes"])
limit = gbs * 1e9 / wbytes
tps = float(h["decode_tokens_per_s"])
print()
print("model: %s, %.1f MB of BF16 weights read per decode step; %s threads; best of %d "
      "rounds" % (h["class"], wbytes / 1e6, threads, rounds))
print("hfgit: %s" % kernels)
print("torch BLAS: %s" % f32.get("blas"))
print("streaming read: %.1f GB/s (best of two runs) -> limit %.1f tokens/s" % (gbs, limit))
print("decode (16 + %d greedy, KV cache):   %7.2f tok/s = %5.1f%% of the limit  (goal >= 70%%)"
      % (new, tps, 100 * tps / limit))
best = min((float(f32["prefill_ms"]), "float32"), (float(bf16["prefill_ms"]), "bfloat16"))
hp = float(h["prefill_ms"])
print("prefill 512 = generation's: the prompt, then the LM head on the last position only")
print("prefill 512: hfgit %.0f ms, torch float32 %.0f ms, bfloat16 %.0f ms: %.2fx of torch's "
      "best (%s)  (goal <= 0.5)" % (hp, float(f32["prefill_ms"]), float(bf16["prefill_ms"]),
                                    hp / best[0], best[1]))
# The KV cache of the largest run (the 512-token prefill + 1): 24 layers, K and V, 2 heads
# of 64; BF16 where the products are BF16 (lib/forward/llama.c), F32 otherwise.
kv = 24 * 2 * 2 * 64 * (2 if kernels.startswith("BF16") else 4) * 513
import os
mapped = os.path.getsize("%s/qwen2/model.safetensors" % work)
rss = int(h["peak_rss_kb"]) * 1024
print("peak RSS %.1f MB = file %.1f MB + KV %.1f MB + %.1f MiB  (goal < 64 MiB beyond)" % (
    rss / 1e6, mapped / 1e6, kv / 1e6, (rss - mapped - kv) / 2**20))
PY
