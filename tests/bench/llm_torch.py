#!/usr/bin/python3
"""PyTorch's side of tests/bench/llm.sh: the prefill of PROMPT tokens through the model of DIR
(Qwen2ForCausalLM, BF16 safetensors) with the forward of tests/data/llm/make.py (transformers'
modeling_qwen2, eager attention) and the logits of the last position only, as generate()
needs them; under torch.no_grad() with torch.set_num_threads(THREADS), in DTYPE float32 (the
weights upcast once) or bfloat16 (as stored). Prints the median of RUNS after a warm-up, and
which BLAS library torch has mapped.

    llm_torch.py DIR DTYPE PROMPT RUNS
"""
import importlib.util
import os
import statistics
import sys
import time

import torch

import torch_peer

HERE = os.path.dirname(os.path.abspath(__file__))
spec = importlib.util.spec_from_file_location(
    "llm_make", os.path.join(HERE, "..", "data", "llm", "make.py"))
ref = importlib.util.module_from_spec(spec)
spec.loader.exec_module(ref)


def main():
    d, dtype, prompt, runs = sys.argv[1], ref.TORCH_DTYPES[sys.argv[2]], int(sys.argv[3]), \
        int(sys.argv[4])
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    sd, c = torch_peer.read_model(d, dtype)
    ids = (torch.arange(prompt) * 7919 + 13) % 150000
    ids, mask = ids[None], torch.ones(1, prompt, dtype=torch.long)
    times = []
    with torch.no_grad():
        for r in range(runs + 1):
            t0 = time.perf_counter()
            h, _ = ref.llama(sd, c, "qwen2", ids, mask, torch.arange(prompt)[None])
            logits = ref.lm_head(sd, c, h[:, -1])
            int(torch.argmax(logits))
            if r:
                times.append((time.perf_counter() - t0) * 1e3)
    print("prefill_ms=%.1f" % statistics.median(times))
    print("blas=%s" % torch_peer.blas())


if __name__ == "__main__":
    main()
