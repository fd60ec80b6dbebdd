#!/usr/bin/python3
"""The peer of tests/bench/run.sh: the same text-classification in PyTorch, in one process
(as transformers' pipeline would run it): read model.safetensors into tensors, then the
forward pass of tests/data/forward/make.py (BertModel + classifier) and the softmax, on the
ids hfgit's tokenizer gave. Prints "load_ms forward_ms label score".

    run_torch.py DIR IDS THREADS
"""
import os
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "data", "forward"))

t0 = time.perf_counter()
import torch  # noqa: E402
import make as fwd  # noqa: E402

torch.set_num_threads(int(sys.argv[3]))
d = sys.argv[1]
c = fwd.read_config(d)
sd = fwd.read_safetensors(os.path.join(d, "model.safetensors"))
t1 = time.perf_counter()
with torch.no_grad():
    ids = torch.tensor([[int(x) for x in sys.argv[2].split(",")]])
    _, pooled, _ = fwd.bert(fwd.Weights(sd, "bert."), c, ids, torch.ones_like(ids), None)
    logits = pooled @ sd["classifier.weight"].T + sd["classifier.bias"]
    scores = torch.softmax(logits, dim=-1)[0]
t2 = time.perf_counter()
best = int(torch.argmax(scores))
print("%.1f %.1f %s %.6f" % ((t1 - t0) * 1e3, (t2 - t1) * 1e3, c["id2label"][str(best)],
                             float(scores[best])))
