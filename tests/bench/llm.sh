#!/bin/sh
# A modern causal LM at memory speed: hfgit on a random model of Qwen2-0.5B's shape in BF16
# (tests/bench/llm_model.py, about 1 GB, written to a temporary folder), in one run:
#
#   decode tokens/s (16-token prompt, NEW greedy tokens, KV cache) against the limit of this
#     machine's memory: weight bytes per token / the streaming-read bandwidth measured now
#     (tests/bench/stream_read.c: a 2 GB buffer summed on the same threads); goal >= 70%
#   prefill of 512 tokens (to the first token's logits) against PyTorch at its best here:
#     OpenBLAS (Debian's libopenblas0-pthread, unpacked into the build folder as
#     forward.sh does), OPENBLAS_CORETYPE set for this CPU, OMP_WAIT_POLICY=PASSIVE, in
#     float32 (the weights upcast) and in bfloat16; the better one; goal <= 0.5x its time
#   peak RSS of hfgit against the weights mapped once + the KV cache; goal < +64 MiB
#
# The cores may be shared with other processes: the load average is printed before and
# after, and figures under load are noisy. No assertions: figures only.
#
#   tests/bench/llm.sh [BUILD_DIR] [RUNS] [NEW]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-3}
new=${3:-32}
lib=$root/$build/libhfgit.so
[ -f "$lib" ] || { echo "build libhfgit first (cmake --build $build)" >&2; exit 1; }
py=/usr/bin/python3
$py -c 'import torch' 2>/dev/null || sh third_party/install-deps.sh --extra
threads=$(nproc)
[ "$threads" -gt 2 ] && threads=2

work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-llm-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

. tests/bench/lib.sh
cc_driver "$work/driver" tests/bench/llm_driver.c
cc -O3 -march=native -fopenmp -o "$work/stream" tests/bench/stream_read.c
echo "writing a random Qwen2-0.5B-shaped BF16 model ..."
$py tests/bench/llm_model.py "$work/qwen2"

openblas=$root/$build/bench-openblas
if [ ! -f "$openblas/usr/lib/x86_64-linux-gnu/openblas-pthread/libblas.so.3" ]; then
	mkdir -p "$openblas"
	(cd "$openblas" && apt-get download -q libopenblas0-pthread >/dev/null 2>&1 &&
		dpkg -x libopenblas0-pthread_*.deb .) ||
		{ echo "cannot fetch libopenblas0-pthread (apt-get download)" >&2; exit 1; }
fi
openblas_lib=$openblas/usr/lib/x86_64-linux-gnu/openblas-pthread
if grep -q avx512f /proc/cpuinfo; then coretype=SkylakeX
elif grep -q avx2 /proc/cpuinfo; then coretype=Haswell
else coretype=; fi
torch_best() {
	LD_LIBRARY_PATH=$openblas_lib OPENBLAS_CORETYPE=$coretype OMP_WAIT_POLICY=PASSIVE \
		THREADS=$threads $py tests/bench/llm_torch.py "$@"
}
field() { sed -n "s/^$1=//p" "$2"; }

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "running ($threads threads, median of $runs after a warm-up) ..."
echo "  streaming read ..."
"$work/stream" 2048 "$threads" 5 >"$work/stream.out"
echo "  hfgit ..."
"$work/driver" "$work/qwen2" "$threads" 512 "$new" "$runs" >"$work/hfgit.out"
echo "  PyTorch float32 ..."
torch_best "$work/qwen2" float32 512 "$runs" >"$work/f32.out"
echo "  PyTorch bfloat16 ..."
torch_best "$work/qwen2" bfloat16 512 "$runs" >"$work/bf16.out"
"$work/stream" 2048 "$threads" 5 >"$work/stream2.out"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

$py - "$work" "$threads" "$new" <<'PY'
import sys
work, threads, new = sys.argv[1], sys.argv[2], int(sys.argv[3])
def fields(name):
    return dict(l.strip().split("=", 1) for l in open("%s/%s" % (work, name)) if "=" in l)
h, f32, bf16 = fields("hfgit.out"), fields("f32.out"), fields("bf16.out")
gbs = max(float(fields("stream.out")["gb_per_s"]), float(fields("stream2.out")["gb_per_s"]))
wbytes = int(h["weight_bytes"])
limit = gbs * 1e9 / wbytes
tps = float(h["decode_tokens_per_s"])
print()
print("model: %s, %.1f MB of BF16 weights read per decode step; %s threads" % (
    h["class"], wbytes / 1e6, threads))
print("torch BLAS: %s" % f32.get("blas"))
print("streaming read: %.1f GB/s (best of two runs) -> limit %.1f tokens/s" % (gbs, limit))
print("decode (16 + %d greedy, KV cache):   %7.2f tok/s = %5.1f%% of the limit  (goal >= 70%%)"
      % (new, tps, 100 * tps / limit))
best = min((float(f32["prefill_ms"]), "float32"), (float(bf16["prefill_ms"]), "bfloat16"))
hp = float(h["prefill_ms"])
print("prefill 512: hfgit %.0f ms, torch float32 %.0f ms, bfloat16 %.0f ms: %.2fx of torch's "
      "best (%s)  (goal <= 0.5)" % (hp, float(f32["prefill_ms"]), float(bf16["prefill_ms"]),
                                    hp / best[0], best[1]))
# The KV cache of the largest run (the 512-token prefill + 1): 24 layers, K and V, 2 heads
# of 64, F32.
kv = 24 * 2 * 2 * 64 * 4 * 513
import os
mapped = os.path.getsize("%s/qwen2/model.safetensors" % work)
rss = int(h["peak_rss_kb"]) * 1024
print("peak RSS %.1f MB = file %.1f MB + KV %.1f MB + %.1f MB  (goal < 64 MiB beyond)" % (
    rss / 1e6, mapped / 1e6, kv / 1e6, (rss - mapped - kv) / 2**20 * 1.048576))
PY
