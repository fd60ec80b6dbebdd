#!/bin/sh
# Forward passes, hfgit against PyTorch, in one run on the same random base-size weights
# (tests/bench/forward_models.py: BERT-base, GPT-2 small, ViT-base/16-224, F32 safetensors):
#
#   BERT-base, seq 128, batch 1 and 8       median ms of one forward pass
#   GPT-2 small, 16-token prompt + 64 greedy tokens, KV cache: new tokens per second
#   ViT-base 224, batch 1                    median ms
#   peak RSS of hfgit running BERT-base      against the size of its weights file
#
# PyTorch (Debian's python3-torch, 1.13, torch.set_num_threads = the threads below) runs
#   - at its best here: with OpenBLAS, OMP_WAIT_POLICY=PASSIVE (else torch's OpenMP threads
#     spin against OpenBLAS's on the cores), once with OPENBLAS_CORETYPE set for this CPU
#     (OpenBLAS 0.3.21 misdetects it and runs old kernels) and once auto-detected; the better
#     of the two for each figure. OpenBLAS is Debian's libopenblas0-pthread, fetched with
#     apt-get download and unpacked into the build folder, and given to torch through
#     LD_LIBRARY_PATH: installing it would re-point the system's libblas.so.3 alternative
#     and change torch for everyone (and the tests);
#   - as Debian installs it (the libblas.so.3 alternative as it is, normally the reference
#     BLAS): one run each, BERT batch 8 left out (about 8 x batch 1).
# Which BLAS torch had mapped is printed. Ratios are hfgit / PyTorch's best (times: lower is
# better, goal <= 0.7; tokens/s: higher is better, goal >= 2). The machine's cores may be
# shared: the load average is printed before and after, and figures under load are noisy.
# No assertions: figures only.
#
#   tests/bench/forward.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-5}
lib=$root/$build/libhfgit.a
[ -f "$lib" ] || { echo "build libhfgit first (cmake --build $build)" >&2; exit 1; }
py=/usr/bin/python3
$py -c 'import torch' 2>/dev/null || sh third_party/install-deps.sh --extra
threads=$(nproc)

work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-forward-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

cc -O2 -o "$work/driver" tests/bench/forward_driver.c -I lib/include "$lib" \
	$(pkg-config --libs libgit2 libcurl json-c libxxhash libcrypto) -ldnnl -fopenmp -lpthread -lm
echo "writing random base-size models ..."
$py tests/bench/forward_models.py "$work"

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

# field KEY FILE
field() { sed -n "s/^$1=//p" "$2"; }

hfgit() { "$work/driver" "$@"; }
torch_skx() {
	LD_LIBRARY_PATH=$openblas_lib OPENBLAS_CORETYPE=$coretype OMP_WAIT_POLICY=PASSIVE \
		THREADS=$threads $py tests/bench/forward_torch.py "$@"
}
torch_auto() {
	LD_LIBRARY_PATH=$openblas_lib OMP_WAIT_POLICY=PASSIVE THREADS=$threads \
		$py tests/bench/forward_torch.py "$@"
}
torch_debian() { THREADS=$threads $py tests/bench/forward_torch.py "$@"; }

# measure NAME ARGS...: each side on one workload, results in $work/<side>.<NAME>
measure() {
	name=$1
	shift
	echo "  $name ..."
	hfgit "$work/$@" >"$work/hfgit.$name"
	torch_skx "$work/$@" >"$work/skx.$name"
	torch_auto "$work/$@" >"$work/auto.$name"
}

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "running (median of $runs after a warm-up, $threads threads) ..."
measure bert1 bert-base encode 1 128 "$runs"
measure bert8 bert-base encode 8 128 "$((runs < 3 ? runs : 3))"
measure gpt2 gpt2 decode 16 64 "$((runs < 3 ? runs : 3))"
measure vit1 vit-base image 1 "$runs"
echo "  PyTorch as Debian installs it (one run each) ..."
torch_debian "$work/bert-base" encode 1 128 1 >"$work/deb.bert1"
torch_debian "$work/gpt2" decode 16 64 1 >"$work/deb.gpt2"
torch_debian "$work/vit-base" image 1 1 >"$work/deb.vit1"
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

# row LABEL NAME KEY: hfgit, torch's best of the two OpenBLAS set-ups, as installed, ratio
row() {
	label=$1 name=$2 key=$3
	h=$(field "$key" "$work/hfgit.$name")
	s=$(field "$key" "$work/skx.$name")
	a=$(field "$key" "$work/auto.$name")
	d=$( [ -f "$work/deb.$name" ] && field "$key" "$work/deb.$name" || echo "-")
	$py - "$label" "$key" "$h" "$s" "$a" "$d" <<'PY'
import sys
label, key, h, s, a, d = sys.argv[1:]
h, s, a = float(h), float(s), float(a)
if key == "ms":
    best, which = min((s, "coretype"), (a, "auto"))
    ratio, goal = h / best, "<= 0.7"
else:
    best, which = max((s, "coretype"), (a, "auto"))
    ratio, goal = h / best, ">= 2"
unit = "ms" if key == "ms" else "tok/s"
print("%-34s %9.1f %9.1f %-9s %10s %7.2fx  (goal %s)" % (label, h, best, "(" + which + ")", d, ratio, goal))
PY
}

echo
echo "PyTorch $($py -c 'import torch; print(torch.__version__)'); OpenBLAS coretype ${coretype:-none}"
echo "BLAS mapped by torch at its best:   $(field blas "$work/skx.bert1")"
echo "BLAS mapped by torch as installed:  $(field blas "$work/deb.bert1")"
echo "hfgit: oneDNN sgemm + own vector loops for one-row products, OpenMP, $threads threads"
echo
printf '%-34s %9s %9s %-9s %10s %8s\n' "" "hfgit" "torch" "best" "installed" "ratio"
row "BERT-base seq128 b1 (ms)" bert1 ms
row "BERT-base seq128 b8 (ms)" bert8 ms
row "GPT-2 small 16+64 greedy (tok/s)" gpt2 tokens_per_s
row "ViT-base 224 b1 (ms)" vit1 ms
size=$(stat -c %s "$work/bert-base/model.safetensors")
rss=$(field peak_rss_kb "$work/hfgit.bert1")
$py -c "
size, rss = $size, $rss * 1024
print('%-34s %9.1f MB RSS for %.1f MB of F32 safetensors: %.3fx  (goal <= 1.15)' % (
    'peak RSS, BERT-base b1', rss / 1e6, size / 1e6, rss / size))"
size=$(stat -c %s "$work/gpt2/model.safetensors")
rss=$(field peak_rss_kb "$work/hfgit.gpt2")
$py -c "
size, rss = $size, $rss * 1024
print('%-34s %9.1f MB RSS for %.1f MB of F32 safetensors: %.3fx  (goal <= 1.15)' % (
    'peak RSS, GPT-2 decode', rss / 1e6, size / 1e6, rss / size))"
