#!/usr/bin/python3
"""PyTorch's side of tests/bench/forward.sh: the same models as hfgit from the same files,
computed the way transformers' modeling files do on CPU in fp32 (nn.Linear = F.linear,
GPT-2's Conv1D = addmm, eager attention, GPT-2's past_key_values concatenated per step),
under torch.no_grad() with torch.set_num_threads(THREADS). Prints key=value lines like
forward_driver.c (median of RUNS after one warm-up), and which BLAS library torch has mapped.

    forward_torch.py DIR encode BATCH SEQ RUNS
    forward_torch.py DIR image BATCH RUNS
    forward_torch.py DIR decode PROMPT NEW RUNS
"""
import math
import os
import resource
import statistics
import sys
import time

import torch
import torch.nn.functional as F

import torch_peer


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


def split(x, n):
    b, s, h = x.shape
    return x.view(b, s, n, h // n).permute(0, 2, 1, 3)


def merge(x):
    b, n, s, d = x.shape
    return x.permute(0, 2, 1, 3).contiguous().view(b, s, n * d)


def encoder(sd, pre, h, n, eps, layers, pre_ln, names, ext=None):
    lin = lambda x, k: F.linear(x, sd[pre + k + ".weight"], sd.get(pre + k + ".bias"))
    norm = lambda x, k: F.layer_norm(x, (x.shape[-1],), sd[pre + k + ".weight"], sd[pre + k + ".bias"], eps)
    q_, k_, v_, o_, up_, down_, n1, n2 = names
    for i in range(layers):
        p = "encoder.layer.%d." % i
        x = norm(h, p + n1) if pre_ln else h
        q, k, v = (split(lin(x, p + t), n) for t in (q_, k_, v_))
        s = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        if ext is not None:
            s = s + ext
        ctx = merge(torch.matmul(F.softmax(s, dim=-1), v))
        a = lin(ctx, p + o_)
        if pre_ln:
            h = a + h
            h = lin(F.gelu(lin(norm(h, p + n2), p + up_)), p + down_) + h
        else:
            a = norm(a + h, p + n1)
            h = norm(lin(F.gelu(lin(a, p + up_)), p + down_) + a, p + n2)
    return h


def bert(sd, c, ids):
    B, S = ids.shape
    e = "embeddings."
    h = sd[e + "word_embeddings.weight"][ids] + sd[e + "token_type_embeddings.weight"][torch.zeros_like(ids)]
    h = h + sd[e + "position_embeddings.weight"][:S]
    h = F.layer_norm(h, (h.shape[-1],), sd[e + "LayerNorm.weight"], sd[e + "LayerNorm.bias"], c["layer_norm_eps"])
    ext = torch.zeros((B, 1, 1, S))
    h = encoder(sd, "", h, c["num_attention_heads"], c["layer_norm_eps"], c["num_hidden_layers"], False,
                ("attention.self.query", "attention.self.key", "attention.self.value",
                 "attention.output.dense", "intermediate.dense", "output.dense",
                 "attention.output.LayerNorm", "output.LayerNorm"), ext)
    return torch.tanh(F.linear(h[:, 0], sd["pooler.dense.weight"], sd["pooler.dense.bias"]))


def vit(sd, c, pixels):
    e = "embeddings."
    x = F.conv2d(pixels, sd[e + "patch_embeddings.projection.weight"],
                 sd[e + "patch_embeddings.projection.bias"], stride=c["patch_size"]).flatten(2).transpose(1, 2)
    h = torch.cat((sd[e + "cls_token"].expand(x.shape[0], -1, -1), x), dim=1) + sd[e + "position_embeddings"]
    h = encoder(sd, "", h, c["num_attention_heads"], c["layer_norm_eps"], c["num_hidden_layers"], True,
                ("attention.attention.query", "attention.attention.key", "attention.attention.value",
                 "attention.output.dense", "intermediate.dense", "output.dense",
                 "layernorm_before", "layernorm_after"))
    return F.layer_norm(h, (h.shape[-1],), sd["layernorm.weight"], sd["layernorm.bias"], c["layer_norm_eps"])


def gpt2_step(sd, c, ids, past, start):
    """GPT2LMHeadModel.forward with past_key_values: logits of the last position."""
    n, eps, E = c["n_head"], c["layer_norm_epsilon"], c["n_embd"]
    conv = lambda x, k: torch.addmm(sd[k + ".bias"], x.view(-1, x.size(-1)), sd[k + ".weight"]).view(x.shape[:-1] + (-1,))
    norm = lambda x, k: F.layer_norm(x, (E,), sd[k + ".weight"], sd[k + ".bias"], eps)
    T = ids.shape[1]
    h = sd["wte.weight"][ids] + sd["wpe.weight"][start:start + T]
    for i in range(c["n_layer"]):
        p = "h.%d." % i
        q, k, v = conv(norm(h, p + "ln_1"), p + "attn.c_attn").split(E, dim=2)
        q, k, v = split(q, n), split(k, n), split(v, n)
        if past[i] is not None:
            k = torch.cat((past[i][0], k), dim=-2)
            v = torch.cat((past[i][1], v), dim=-2)
        past[i] = (k, v)
        w = torch.matmul(q, k.transpose(-1, -2)) / (v.size(-1) ** 0.5)
        L = k.shape[-2]
        causal = torch.tril(torch.ones((L, L), dtype=torch.bool))[L - T:L, :L]
        w = torch.where(causal, w, torch.tensor(torch.finfo(w.dtype).min))
        a = conv(merge(torch.matmul(F.softmax(w, dim=-1), v)), p + "attn.c_proj")
        h = a + h
        h = h + conv(gelu_new(conv(norm(h, p + "ln_2"), p + "mlp.c_fc")), p + "mlp.c_proj")
    h = norm(h[:, -1:], "ln_f")
    return F.linear(h, sd["wte.weight"])[:, -1]


def decode(sd, c, ids, new):
    past = [None] * c["n_layer"]
    logits = gpt2_step(sd, c, ids, past, 0)
    pos = ids.shape[1]
    for _ in range(new):
        nxt = torch.argmax(logits, dim=-1, keepdim=True)
        logits = gpt2_step(sd, c, nxt, past, pos)
        pos += 1


def main():
    d, mode = sys.argv[1], sys.argv[2]
    torch.set_num_threads(int(os.environ.get("THREADS", "2")))
    sd, c = torch_peer.read_model(d, torch.float32)
    gen = torch.Generator().manual_seed(1)
    if mode == "encode":
        ids = torch.randint(1000, 21000, (int(sys.argv[3]), int(sys.argv[4])), generator=gen)
        run, runs = (lambda: bert(sd, c, ids)), int(sys.argv[5])
    elif mode == "image":
        pixels = torch.rand((int(sys.argv[3]), 3, 224, 224), generator=gen) * 2 - 1
        run, runs = (lambda: vit(sd, c, pixels)), int(sys.argv[4])
    else:
        ids = torch.randint(1000, 21000, (1, int(sys.argv[3])), generator=gen)
        new = int(sys.argv[4])
        run, runs = (lambda: decode(sd, c, ids, new)), int(sys.argv[5])
    times = []
    with torch.no_grad():
        for r in range(runs + 1):
            t = time.perf_counter()
            run()
            if r:
                times.append((time.perf_counter() - t) * 1e3)
    ms = statistics.median(times)
    print("ms=%.1f" % ms)
    if mode == "decode":
        print("tokens_per_s=%.1f" % (int(sys.argv[4]) / (ms / 1e3)))
    print("peak_rss_kb=%d" % resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
    print("blas=%s" % torch_peer.blas())


if __name__ == "__main__":
    main()
