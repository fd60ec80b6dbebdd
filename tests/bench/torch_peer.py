"""What the PyTorch sides of the benchmarks share (forward_torch.py, llm_torch.py): the
weights of a model folder read from its safetensors file, and the BLAS library torch runs."""
import json
import os
import struct
import warnings

import torch

warnings.filterwarnings("ignore", message="The given buffer is not writable")
DTYPES = {"F32": torch.float32, "BF16": torch.bfloat16, "F16": torch.float16}


def read_model(d, dtype):
    """The tensors of DIR/model.safetensors in `dtype` (converted once, or copied out of the
    file's buffer), and DIR/config.json."""
    with open(os.path.join(d, "model.safetensors"), "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = memoryview(blob)[8 + n:]
    sd = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        t = torch.frombuffer(data[a:b], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        sd[name] = t.to(dtype) if t.dtype != dtype else t.clone()
    del blob, data
    with open(os.path.join(d, "config.json")) as f:
        return sd, json.load(f)


def blas():
    """The BLAS torch calls (Debian's torch links libblas.so.3, an alternative)."""
    paths = sorted({os.path.realpath(line.split()[-1]) for line in open("/proc/self/maps")
                    if "blas" in line.split()[-1]})
    return ", ".join(paths) or "none mapped"
