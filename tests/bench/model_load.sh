#!/bin/sh
# Loading a ~500 MB F32 model (GPT-2 small's shapes: 124M parameters) against its peers, in
# one run, from a warm page cache:
#
#   cat                    the file read once (cat > /dev/null): the cost of touching the bytes
#   C read loop            the same with read(2) into one 1 MiB buffer, no output
#   hfgit load             hfgit_model_from_pretrained on model.safetensors: config, header,
#                          mmap, binding, checks; the file's bytes are not read yet
#   hfgit load + touch     the same, then one byte of every page of every parameter: every
#                          page is now mapped in (from the page cache)
#   ... + read every byte  then every byte of every parameter summed, as a forward pass
#                          would read them (the pages are mapped by then)
#   hfgit .bin             the same on pytorch_model.bin (zip format, also mmap'ed)
#   torch.load             Python torch.load(map_location="cpu") of that pytorch_model.bin,
#                          and with weights_only=True
#
# Prints best-of-RUNS times, ratios to cat, and peak RSS (hfgit's and Python's). The model
# is generated into a temporary directory and removed afterwards. No assertions: figures only.
# Needs /usr/bin/python3 with python3-torch and python3-numpy.
#
#   tests/bench/model_load.sh [BUILD_DIR] [RUNS]
set -eu
cd "$(dirname "$0")/../.."
root=$(pwd)
build=${1:-build}
runs=${2:-5}
lib=$root/$build/libhfgit.so
[ -f "$lib" ] || { echo "build libhfgit first (cmake --build $build)" >&2; exit 1; }
py=/usr/bin/python3
$py -c 'import torch, numpy' 2>/dev/null || sh third_party/install-deps.sh --extra

work=$(mktemp -d "${TMPDIR:-/tmp}/hfgit-model-bench.XXXXXX")
trap 'rm -rf "$work"' EXIT

# The driver, linked against the static library like any C program would be.
. tests/bench/lib.sh
cc_driver "$work/driver" tests/bench/model_load_driver.c
cat >"$work/readloop.c" <<'EOF'
#include <fcntl.h>
#include <stdio.h>
#include <unistd.h>
int main(int argc, char **argv)
{
	static char buf[1 << 20];
	unsigned long sum = 0;
	ssize_t n;
	int fd = open(argv[1], O_RDONLY);
	while ((n = read(fd, buf, sizeof(buf))) > 0)
		sum += (unsigned char)buf[n - 1];
	printf("%lu\n", sum);
	return fd < 0;
}
EOF
cc -O2 -o "$work/readloop" "$work/readloop.c"

echo "generating a GPT-2-small-shaped F32 model in $work/model ..."
$py - "$work/model" <<'EOF'
import collections, json, os, struct, sys
import numpy as np
import torch

out = sys.argv[1]
os.makedirs(out)
E, L, V, P = 768, 12, 50257, 1024
rng = np.random.default_rng(0)
shapes = [("wte.weight", (V, E)), ("wpe.weight", (P, E))]
for i in range(L):
    p = "h.%d." % i
    shapes += [(p + "ln_1.weight", (E,)), (p + "ln_1.bias", (E,)),
               (p + "attn.c_attn.weight", (E, 3 * E)), (p + "attn.c_attn.bias", (3 * E,)),
               (p + "attn.c_proj.weight", (E, E)), (p + "attn.c_proj.bias", (E,)),
               (p + "ln_2.weight", (E,)), (p + "ln_2.bias", (E,)),
               (p + "mlp.c_fc.weight", (E, 4 * E)), (p + "mlp.c_fc.bias", (4 * E,)),
               (p + "mlp.c_proj.weight", (4 * E, E)), (p + "mlp.c_proj.bias", (E,))]
shapes += [("ln_f.weight", (E,)), ("ln_f.bias", (E,))]
sd = collections.OrderedDict(
    (n, rng.standard_normal(s, dtype=np.float32) * np.float32(0.02)) for n, s in shapes)
config = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2", "vocab_size": V,
          "n_embd": E, "n_layer": L, "n_head": 12, "n_positions": P, "n_ctx": P,
          "n_inner": None, "layer_norm_epsilon": 1e-5, "activation_function": "gelu_new",
          "torch_dtype": "float32"}
with open(os.path.join(out, "config.json"), "w") as f:
    json.dump(config, f, indent=2)
header, offset = {"__metadata__": {"format": "pt"}}, 0
for n in sorted(sd):
    header[n] = {"dtype": "F32", "shape": list(sd[n].shape),
                 "data_offsets": [offset, offset + sd[n].nbytes]}
    offset += sd[n].nbytes
head = json.dumps(header, separators=(",", ":")).encode()
head += b" " * (-len(head) % 8)
with open(os.path.join(out, "model.safetensors"), "wb") as f:
    f.write(struct.pack("<Q", len(head)) + head)
    for n in sorted(sd):
        f.write(sd[n].tobytes())
torch.save(collections.OrderedDict((n, torch.from_numpy(a)) for n, a in sd.items()),
           os.path.join(out, "pytorch_model.bin"))
EOF
sf=$work/model/model.safetensors
bin=$work/model/pytorch_model.bin
printf 'model.safetensors: %s bytes; pytorch_model.bin: %s bytes\n' "$(stat -c %s "$sf")" "$(stat -c %s "$bin")"
cat "$sf" "$bin" >/dev/null # warm the page cache

# best_ms CMD...: the best wall time of RUNS runs, in milliseconds.
best_ms() {
	$py - "$runs" "$@" <<'EOF'
import subprocess, sys, time
runs, cmd = int(sys.argv[1]), sys.argv[2:]
best = min((lambda t: (subprocess.run(cmd, stdout=subprocess.DEVNULL, check=True),
                       time.perf_counter() - t)[1])(time.perf_counter()) for _ in range(runs))
print("%.2f" % (best * 1e3))
EOF
}

cat_ms=$(best_ms sh -c "cat '$sf' >/dev/null")
read_ms=$(best_ms "$work/readloop" "$sf")
# In-process figures (no process start-up): the driver's own timers, best of RUNS.
sf_line=$("$work/driver" "$work/model" safetensors "$runs")
bin_line=$("$work/driver" "$work/model" pytorch "$runs")
# Peak RSS of a single load and touch, in a fresh process each.
sf_rss=$("$work/driver" "$work/model" safetensors 1 | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')
bin_rss=$("$work/driver" "$work/model" pytorch 1 | sed 's/.*maxrss_kb=\([0-9]*\).*/\1/')
# The whole CLI, process start-up included.
inspect_ms=$(best_ms "$root/$build/hfgit" inspect "$work/model")

field() { printf '%s\n' "$1" | sed "s/.*$2=\([0-9.]*\).*/\1/"; }
sf_load=$(field "$sf_line" load_ms)
sf_touch=$(field "$sf_line" touch_ms)
sf_read=$(field "$sf_line" read_ms)
bin_load=$(field "$bin_line" load_ms)
bin_touch=$(field "$bin_line" touch_ms)

torch_line=$($py - "$bin" "$runs" <<'EOF'
import resource, sys, time
import torch
path, runs = sys.argv[1], int(sys.argv[2])
def best(**kw):
    t = []
    for _ in range(runs):
        t0 = time.perf_counter()
        sd = torch.load(path, map_location="cpu", **kw)
        t.append(time.perf_counter() - t0)
        del sd
    return min(t) * 1e3
plain, safe = best(), best(weights_only=True)
print("%.2f %.2f %d" % (plain, safe, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss))
EOF
)
set -- $torch_line
torch_ms=$1 torch_safe_ms=$2 torch_rss=$3

ratio() { $py -c "import sys; print('%.3f' % (float(sys.argv[1]) / float(sys.argv[2])))" "$1" "$2"; }
echo
echo "best of $runs runs, warm page cache; ratios to cat"
printf '%-34s %10s %8s\n' "" "ms" "x cat"
printf '%-34s %10s %8s\n' "cat model.safetensors > /dev/null" "$cat_ms" 1.000
printf '%-34s %10s %8s\n' "C read loop (1 MiB read(2))" "$read_ms" "$(ratio "$read_ms" "$cat_ms")"
printf '%-34s %10s %8s\n' "hfgit load (safetensors)" "$sf_load" "$(ratio "$sf_load" "$cat_ms")"
printf '%-34s %10s %8s\n' "hfgit load + touch every page" \
	"$($py -c "print('%.2f' % ($sf_load + $sf_touch))")" \
	"$(ratio "$($py -c "print($sf_load + $sf_touch)")" "$cat_ms")"
printf '%-34s %10s %8s\n' "  ... + then read every byte" \
	"$($py -c "print('%.2f' % ($sf_load + $sf_touch + $sf_read))")" \
	"$(ratio "$($py -c "print($sf_load + $sf_touch + $sf_read)")" "$cat_ms")"
printf '%-34s %10s %8s\n' "hfgit inspect (whole CLI process)" "$inspect_ms" "$(ratio "$inspect_ms" "$cat_ms")"
echo
printf '%-34s %10s %8s\n' "" "ms" "x torch"
printf '%-34s %10s %8s\n' "torch.load pytorch_model.bin" "$torch_ms" 1.000
printf '%-34s %10s %8s\n' "torch.load weights_only=True" "$torch_safe_ms" "$(ratio "$torch_safe_ms" "$torch_ms")"
printf '%-34s %10s %8s\n' "hfgit load (pytorch_model.bin)" "$bin_load" "$(ratio "$bin_load" "$torch_ms")"
printf '%-34s %10s %8s\n' "hfgit load + touch (.bin)" \
	"$($py -c "print('%.2f' % ($bin_load + $bin_touch))")" \
	"$(ratio "$($py -c "print($bin_load + $bin_touch)")" "$torch_ms")"
echo
echo "peak RSS (KiB): hfgit safetensors load+touch $sf_rss, hfgit .bin load+touch $bin_rss," \
	"python torch.load $torch_rss"
echo "(hfgit's RSS after touching is the file's page-cache pages mapped read-only: shared with"
echo " the cache and other processes, not private copies)"
echo "hfgit safetensors: $sf_line"
echo "hfgit pytorch:     $bin_line"
