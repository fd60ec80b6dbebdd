#!/usr/bin/python3
"""Writes the reference outputs of hfgit's forward passes (reference.json), the config variants
they need (models/), and the images they feed to ViT (pixels-*.npy).

Run with Debian's python3 and python3-torch, from anywhere, after tests/data/models/make.py:

    /usr/bin/python3 tests/data/forward/make.py

transformers cannot be installed here, so the forward passes below are written with torch
from transformers' modeling files (modeling_bert, modeling_distilbert, modeling_gpt2,
modeling_vit), line by line where it matters: the order of additions, BERT's additive
finfo.min mask, DistilBERT's q / sqrt(d) before q.k and its masked_fill, GPT-2's Conv1D
(x W + b), torch.where causal mask and scalings, ViT's Conv2d patches and pre-LN. The weights
are read back from the committed files (safetensors, or torch.load for the legacy .bin) and
upcast to float32, as from_pretrained(torch_dtype=torch.float32) does.

Each case of reference.json names a model directory (relative to tests/data), the Auto class
and the weight formats to load it in, the inputs, every output of the class, the hidden
states (transformers' output_hidden_states=True) for batches of one, and for GPT-2 the
greedily generated tokens (recomputed without a cache at every step, as generate() with
use_cache=False does).
"""
import collections
import json
import math
import os
import struct
import sys

import numpy
import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(DATA, "models"))
import make as tiny  # noqa: E402  (the tiny models' writer: names, fills, safetensors)

MIN = torch.finfo(torch.float32).min
ST_DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


# ------------------------------------------------------------------------------------------
# Reading the committed weights


def read_safetensors(path):
    with open(path, "rb") as f:
        blob = f.read()
    (n,) = struct.unpack("<Q", blob[:8])
    header = json.loads(blob[8:8 + n])
    data = blob[8 + n:]
    sd = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        a, b = info["data_offsets"]
        dtype = ST_DTYPES.get(info["dtype"])
        if dtype is None:
            continue  # buffers (attn.bias as BOOL/U8) are not parameters
        t = torch.frombuffer(bytearray(data[a:b]), dtype=dtype).reshape(info["shape"])
        sd[name] = t.float()
    return sd


def read_weights(repo):
    d = os.path.join(DATA, repo)
    if os.path.exists(os.path.join(d, "model.safetensors")):
        return read_safetensors(os.path.join(d, "model.safetensors"))
    index = os.path.join(d, "model.safetensors.index.json")
    if os.path.exists(index):
        sd = {}
        for f in sorted(set(json.load(open(index))["weight_map"].values())):
            sd.update(read_safetensors(os.path.join(d, f)))
        return sd
    sd = torch.load(os.path.join(d, "pytorch_model.bin"), map_location="cpu")
    legacy = {"gamma": "weight", "beta": "bias"}
    return {".".join(n.split(".")[:-1] + [legacy.get(n.split(".")[-1], n.split(".")[-1])]):
            t.float() for n, t in sd.items() if t.is_floating_point()}


def read_config(repo):
    return json.load(open(os.path.join(DATA, repo, "config.json")))


# ------------------------------------------------------------------------------------------
# Layers (activations.py, torch.nn)


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3.0))))


ACT = {"gelu": F.gelu, "relu": F.relu, "gelu_new": gelu_new}


class Weights:
    def __init__(self, sd, prefix=""):
        self.sd, self.prefix = sd, prefix

    def __call__(self, name):
        return self.sd[self.prefix + name]

    def has(self, name):
        return self.prefix + name in self.sd

    def linear(self, x, name, bias=True):
        y = x @ self(name + ".weight").T
        return y + self(name + ".bias") if bias else y

    def conv1d(self, x, name):
        """transformers' Conv1D: addmm(bias, x, weight), weight [in, out]."""
        size_out = x.size()[:-1] + (self(name + ".weight").size(-1),)
        y = torch.addmm(self(name + ".bias"), x.view(-1, x.size(-1)), self(name + ".weight"))
        return y.view(size_out)

    def norm(self, x, name, eps):
        return F.layer_norm(x, (x.shape[-1],), self(name + ".weight"), self(name + ".bias"), eps)


def heads(x, n):
    b, s, h = x.shape
    return x.view(b, s, n, h // n).permute(0, 2, 1, 3)


def merge(x):
    b, n, s, d = x.shape
    return x.permute(0, 2, 1, 3).contiguous().view(b, s, n * d)


# ------------------------------------------------------------------------------------------
# The models


def bert(w, c, ids, mask, types):
    """BertModel.forward: BertEmbeddings, BertEncoder (BertSelfAttention eager), BertPooler."""
    B, S = ids.shape
    eps, n, act = c["layer_norm_eps"], c["num_attention_heads"], ACT[c["hidden_act"]]
    if types is None:
        types = torch.zeros_like(ids)
    emb = w("embeddings.word_embeddings.weight")[ids] + w("embeddings.token_type_embeddings.weight")[types]
    emb = emb + w("embeddings.position_embeddings.weight")[torch.arange(S)][None]
    h = w.norm(emb, "embeddings.LayerNorm", eps)
    ext = (1.0 - mask[:, None, None, :].float()) * MIN
    hidden = [h]
    for i in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        q = heads(w.linear(h, p + "attention.self.query"), n)
        k = heads(w.linear(h, p + "attention.self.key"), n)
        v = heads(w.linear(h, p + "attention.self.value"), n)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        probs = F.softmax(scores + ext, dim=-1)
        ctx = merge(torch.matmul(probs, v))
        a = w.norm(w.linear(ctx, p + "attention.output.dense") + h, p + "attention.output.LayerNorm", eps)
        inter = act(w.linear(a, p + "intermediate.dense"))
        h = w.norm(w.linear(inter, p + "output.dense") + a, p + "output.LayerNorm", eps)
        hidden.append(h)
    pooled = torch.tanh(w.linear(h[:, 0], "pooler.dense")) if w.has("pooler.dense.weight") else None
    return h, pooled, hidden


def distilbert(w, c, ids, mask):
    """DistilBertModel.forward: Embeddings (LayerNorm eps 1e-12), MultiHeadSelfAttention,
    TransformerBlock (post-LN, eps 1e-12)."""
    B, S = ids.shape
    n, act = c["n_heads"], ACT[c["activation"]]
    emb = w("embeddings.word_embeddings.weight")[ids] + w("embeddings.position_embeddings.weight")[torch.arange(S)][None]
    h = w.norm(emb, "embeddings.LayerNorm", 1e-12)
    hidden = [h]
    for i in range(c["n_layers"]):
        p = "transformer.layer.%d." % i
        q = heads(w.linear(h, p + "attention.q_lin"), n)
        k = heads(w.linear(h, p + "attention.k_lin"), n)
        v = heads(w.linear(h, p + "attention.v_lin"), n)
        q = q / math.sqrt(q.shape[-1])
        scores = torch.matmul(q, k.transpose(2, 3))
        scores = scores.masked_fill((mask == 0).view(B, 1, 1, S).expand_as(scores), MIN)
        ctx = merge(torch.matmul(F.softmax(scores, dim=-1), v))
        sa = w.norm(w.linear(ctx, p + "attention.out_lin") + h, p + "sa_layer_norm", 1e-12)
        ffn = w.linear(act(w.linear(sa, p + "ffn.lin1")), p + "ffn.lin2")
        h = w.norm(ffn + sa, p + "output_layer_norm", 1e-12)
        hidden.append(h)
    return h, hidden


def gpt2(w, c, ids, mask, positions):
    """GPT2Model.forward (GPT2Attention eager: _attn with the torch.where causal mask)."""
    B, S = ids.shape
    n, eps = c["n_head"], c["layer_norm_epsilon"]
    act = ACT[c["activation_function"]]
    h = w("wte.weight")[ids] + w("wpe.weight")[positions]
    ext = (1.0 - mask[:, None, None, :].float()) * MIN
    causal = torch.tril(torch.ones((S, S), dtype=torch.bool)).view(1, 1, S, S)
    hidden = []
    for i in range(c["n_layer"]):
        p = "h.%d." % i
        hidden.append(h)
        x = w.norm(h, p + "ln_1", eps)
        q, k, v = w.conv1d(x, p + "attn.c_attn").split(c["n_embd"], dim=2)
        q, k, v = heads(q, n), heads(k, n), heads(v, n)
        aw = torch.matmul(q, k.transpose(-1, -2))
        if c.get("scale_attn_weights", True):
            aw = aw / torch.full([], v.size(-1) ** 0.5, dtype=aw.dtype)
        if c.get("scale_attn_by_inverse_layer_idx", False):
            aw = aw / float(i + 1)
        aw = torch.where(causal, aw, torch.full([], MIN, dtype=aw.dtype))
        aw = F.softmax(aw + ext, dim=-1)
        a = w.conv1d(merge(torch.matmul(aw, v)), p + "attn.c_proj")
        h = a + h
        x = w.norm(h, p + "ln_2", eps)
        h = h + w.conv1d(act(w.conv1d(x, p + "mlp.c_fc")), p + "mlp.c_proj")
    h = w.norm(h, "ln_f", eps)
    hidden.append(h)
    return h, hidden


def vit(w, c, pixels):
    """ViTModel.forward: ViTPatchEmbeddings (Conv2d), class token, position embeddings, ViTLayer
    (pre-LN), final layernorm."""
    B = pixels.shape[0]
    n, eps, act = c["num_attention_heads"], c["layer_norm_eps"], ACT[c["hidden_act"]]
    patches = F.conv2d(pixels, w("embeddings.patch_embeddings.projection.weight"),
                       w("embeddings.patch_embeddings.projection.bias"), stride=c["patch_size"])
    patches = patches.flatten(2).transpose(1, 2)
    h = torch.cat((w("embeddings.cls_token").expand(B, -1, -1), patches), dim=1)
    h = h + w("embeddings.position_embeddings")
    hidden = [h]
    bias = c.get("qkv_bias", True)
    for i in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        x = w.norm(h, p + "layernorm_before", eps)
        q = heads(w.linear(x, p + "attention.attention.query", bias), n)
        k = heads(w.linear(x, p + "attention.attention.key", bias), n)
        v = heads(w.linear(x, p + "attention.attention.value", bias), n)
        scores = torch.matmul(q, k.transpose(-1, -2)) / math.sqrt(q.shape[-1])
        ctx = merge(torch.matmul(F.softmax(scores, dim=-1), v))
        h = w.linear(ctx, p + "attention.output.dense") + h
        x = w.norm(h, p + "layernorm_after", eps)
        h = w.linear(act(w.linear(x, p + "intermediate.dense")), p + "output.dense") + h
        hidden.append(h)
    seq = w.norm(h, "layernorm", eps)
    return seq, hidden


# ------------------------------------------------------------------------------------------
# Cases


def tensor_json(t):
    t = t.detach().float().contiguous()
    return {"shape": list(t.shape), "data": [float("%.9g" % x) for x in t.flatten().tolist()]}


def text_inputs(batch, vocab):
    """Batch 1: one sequence of 7; batch 4: lengths 7, 3, 5, 1, right-padded with id 0."""
    gen = torch.Generator().manual_seed(1000 + batch + vocab)
    lengths = [7] if batch == 1 else [7, 3, 5, 1]
    ids = torch.zeros((batch, 7), dtype=torch.long)
    mask = torch.zeros((batch, 7), dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, :n] = torch.randint(1, vocab, (n,), generator=gen)
        mask[b, :n] = 1
    return ids, mask


def inputs_json(ids=None, mask=None, types=None, pixels=None):
    j = {}
    if ids is not None:
        j["input_ids"] = ids.tolist()
        j["attention_mask"] = mask.tolist()
    if types is not None:
        j["token_type_ids"] = types.tolist()
    if pixels is not None:
        j["pixel_values"] = pixels
    return j


def case(name, repo, auto, formats, cls, inputs, outputs, hidden=None, **extra):
    c = {"name": name, "dir": repo, "auto": auto, "formats": formats, "class": cls,
         "inputs": inputs, "outputs": {k: tensor_json(v) for k, v in outputs.items()}}
    if hidden is not None:
        c["hidden_states"] = [tensor_json(h) for h in hidden]
    c.update(extra)
    return c


def bert_cases(cases, repo, formats, head, label):
    c = read_config(repo)
    sd = read_weights(repo)
    prefix = "bert." if any(n.startswith("bert.") for n in sd) else ""
    w = Weights(sd, prefix)
    for batch in (1, 4):
        ids, mask = text_inputs(batch, c["vocab_size"])
        types = None
        if batch == 1:
            types = torch.tensor([[0, 0, 0, 0, 1, 1, 1]])
        h, pooled, hidden = bert(w, c, ids, mask, types)
        inputs = inputs_json(ids, mask, types)
        keep = hidden if batch == 1 else None
        if head:
            logits = (pooled @ sd["classifier.weight"].T + sd["classifier.bias"])
            cases.append(case("%s b%d" % (label, batch), repo, "config", formats,
                              "BertForSequenceClassification", inputs, {"logits": logits}, keep))
            cases.append(case("%s base b%d" % (label, batch), repo, "base", formats, "BertModel",
                              inputs, {"last_hidden_state": h, "pooler_output": pooled}, keep))
        else:
            outs = {"last_hidden_state": h}
            if pooled is not None:
                outs["pooler_output"] = pooled
            cases.append(case("%s b%d" % (label, batch), repo, "config", formats, "BertModel",
                              inputs, outs, keep))


def distilbert_cases(cases, repo, formats, head, label):
    c = read_config(repo)
    sd = read_weights(repo)
    prefix = "distilbert." if any(n.startswith("distilbert.") for n in sd) else ""
    w = Weights(sd, prefix)
    for batch in (1, 4):
        ids, mask = text_inputs(batch, c["vocab_size"])
        h, hidden = distilbert(w, c, ids, mask)
        inputs = inputs_json(ids, mask)
        keep = hidden if batch == 1 else None
        if head:
            pooled = F.relu(h[:, 0] @ sd["pre_classifier.weight"].T + sd["pre_classifier.bias"])
            logits = pooled @ sd["classifier.weight"].T + sd["classifier.bias"]
            cases.append(case("%s b%d" % (label, batch), repo, "config", formats,
                              "DistilBertForSequenceClassification", inputs, {"logits": logits},
                              keep))
        else:
            cases.append(case("%s b%d" % (label, batch), repo, "config", formats,
                              "DistilBertModel", inputs, {"last_hidden_state": h}, keep))


def greedy(w, c, ids, mask, steps):
    """generate(do_sample=False, use_cache=False): the whole sequence at every step, position
    ids from the mask as prepare_inputs_for_generation derives them; stops a sequence at
    eos_token_id. Returns the new tokens per sequence and the smallest gap between the two
    best logits met (a near tie would make the test depend on rounding)."""
    eos = c.get("eos_token_id")
    out = [[] for _ in range(ids.shape[0])]
    done = [False] * ids.shape[0]
    gap = float("inf")
    for _ in range(steps):
        positions = mask.cumsum(-1) - 1
        positions = positions.masked_fill(mask == 0, 1)
        h, _ = gpt2(w, c, ids, mask, positions)
        logits = h[:, -1] @ w("wte.weight").T
        top = torch.topk(logits, 2, dim=-1).values
        nxt = torch.argmax(logits, dim=-1)
        for b in range(ids.shape[0]):
            if not done[b]:
                gap = min(gap, (top[b, 0] - top[b, 1]).item())
                out[b].append(nxt[b].item())
                done[b] = nxt[b].item() == eos
            else:
                nxt[b] = eos
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        if all(done):
            break
    return out, gap


def gpt2_cases(cases, repo, formats_lm, formats_base, label):
    c = read_config(repo)
    sd = read_weights(repo)
    w = Weights(sd, "")
    for batch in (1, 4):
        ids, mask = text_inputs(batch, c["vocab_size"])
        positions = torch.arange(ids.shape[1])[None].expand_as(ids)
        h, hidden = gpt2(w, c, ids, mask, positions)
        logits = h @ sd["wte.weight"].T
        inputs = inputs_json(ids, mask)
        keep = hidden if batch == 1 else None
        cases.append(case("%s b%d" % (label, batch), repo, "config", formats_lm,
                          "GPT2LMHeadModel", inputs, {"logits": logits}, keep))
        if formats_base:
            cases.append(case("%s base b%d" % (label, batch), repo, "base", formats_base,
                              "GPT2Model", inputs, {"last_hidden_state": h}, keep))
    prompts = [
        (torch.tensor([[5, 17, 33, 8]]), torch.tensor([[1, 1, 1, 1]])),
        (torch.tensor([[0, 0, 5, 17], [9, 3, 12, 40]]), torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]])),
    ]
    for ids, mask in prompts:
        tokens, gap = greedy(w, c, ids, mask, 10)
        assert gap > 1e-3, "near tie in greedy generation (gap %g): pick another prompt" % gap
        cases.append(case("%s generate b%d" % (label, ids.shape[0]), repo, "config", formats_lm,
                          "GPT2LMHeadModel", inputs_json(ids, mask), {},
                          generate={"max_new_tokens": 10, "tokens": tokens,
                                    "min_logit_gap": gap}))


def vit_cases(cases, repo, formats, image_head, label, pixel_files):
    c = read_config(repo)
    sd = read_weights(repo)
    prefix = "vit." if any(n.startswith("vit.") for n in sd) else ""
    w = Weights(sd, prefix)
    for batch, (fname, pixels) in pixel_files.items():
        seq, hidden = vit(w, c, pixels)
        inputs = inputs_json(pixels="forward/" + fname)
        keep = hidden if batch == 1 else None
        if image_head:
            logits = seq[:, 0] @ sd["classifier.weight"].T + sd["classifier.bias"]
            cases.append(case("%s b%d" % (label, batch), repo, "config", formats,
                              "ViTForImageClassification", inputs, {"logits": logits}, keep))
            cases.append(case("%s base b%d" % (label, batch), repo, "base", formats, "ViTModel",
                              inputs, {"last_hidden_state": seq}, keep))
        else:
            outs = {"last_hidden_state": seq}
            if w.has("pooler.dense.weight"):
                outs["pooler_output"] = torch.tanh(w.linear(seq[:, 0], "pooler.dense"))
            cases.append(case("%s b%d" % (label, batch), repo, "config", formats, "ViTModel",
                              inputs, outs, keep))


# ------------------------------------------------------------------------------------------
# Config variants: the tiny models with the fields that change the math set otherwise


def write_variant(name, config, sd):
    repo = os.path.join("forward", "models", name)
    d = os.path.join(DATA, repo)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(tiny.safetensors_bytes(sd, {"format": "pt"}))
    return repo


def sinusoidal(n_pos, dim):
    """create_sinusoidal_embeddings of modeling_distilbert."""
    enc = numpy.array([[pos / numpy.power(10000, 2 * (j // 2) / dim) for j in range(dim)]
                       for pos in range(n_pos)])
    out = torch.zeros(n_pos, dim)
    out[:, 0::2] = torch.FloatTensor(numpy.sin(enc[:, 0::2]))
    out[:, 1::2] = torch.FloatTensor(numpy.cos(enc[:, 1::2]))
    return out


def strong(sd, scale=8.0):
    """The tiny models' weights (std 0.05) leave activations near 0 and attention near uniform,
    where gelu and gelu_new, or two attention scalings, hardly differ: the variants scale the
    matrices and embeddings up so that the field they vary shows in the outputs."""
    return collections.OrderedDict((n, t * scale if t.dim() >= 2 else t) for n, t in sd.items())


def make_variants():
    v = {}
    v["bert-relu"] = write_variant("bert-relu", tiny.bert_config(["BertModel"], hidden_act="relu"),
                                   strong(tiny.fill(tiny.bert_model(tiny.BERT), 111, torch.float32)))
    v["bert-gelu-new"] = write_variant(
        "bert-gelu-new", tiny.bert_config(["BertModel"], hidden_act="gelu_new", layer_norm_eps=1e-5),
        strong(tiny.fill(tiny.bert_model(tiny.BERT), 112, torch.float32)))
    sd = strong(tiny.fill(tiny.distilbert_model(tiny.DISTILBERT), 113, torch.float32))
    sd["embeddings.position_embeddings.weight"] = sinusoidal(20, 24)
    v["distilbert-sinusoidal"] = write_variant(
        "distilbert-sinusoidal",
        tiny.distilbert_config(["DistilBertModel"], torch.float32, sinusoidal_pos_embds=True,
                               activation="relu"), sd)
    # Layers as wide as the kernels' blocks (64 columns): their weights are packed once for
    # the kernels (tensor/matmul.h), which the 24-wide models never are.
    wide = dict(tiny.BERT, hidden_size=64, intermediate_size=128)
    v["bert-wide"] = write_variant("bert-wide", tiny.bert_config(["BertModel"], **wide),
                                   strong(tiny.fill(tiny.bert_model(wide), 118, torch.float32), 2.0))
    # Heads of 64, the kernels' block: the projections write each head's rows as a dense
    # block for attention (hfgit_linear__apply_heads), which heads of 6 and 16 never do.
    heads64 = dict(tiny.BERT, hidden_size=128, num_attention_heads=2, intermediate_size=128)
    v["bert-wide-heads"] = write_variant(
        "bert-wide-heads", tiny.bert_config(["BertModel"], **heads64),
        strong(tiny.fill(tiny.bert_model(heads64), 119, torch.float32), 2.0))
    # Relative positions, with their distance embeddings: hfgit must refuse the config field,
    # not compute something else (no reference outputs).
    names = list(tiny.bert_model(tiny.BERT))
    names += [("encoder.layer.%d.attention.self.distance_embedding.weight" % i, [39, 6])
              for i in range(2)]
    write_variant("bert-relative", tiny.bert_config(["BertModel"],
                                                    position_embedding_type="relative_key"),
                  tiny.fill(names, 117, torch.float32))
    gc = read_config("models/gpt2")
    gc.update({"scale_attn_by_inverse_layer_idx": True, "activation_function": "gelu",
               "layer_norm_epsilon": 1e-6})
    v["gpt2-inverse"] = write_variant("gpt2-inverse", gc,
                                      strong(tiny.fill(tiny.gpt2_model(tiny.GPT2), 114, torch.float32)))
    gc = dict(gc, scale_attn_weights=False, scale_attn_by_inverse_layer_idx=False,
              activation_function="relu")
    v["gpt2-unscaled"] = write_variant("gpt2-unscaled", gc,
                                       strong(tiny.fill(tiny.gpt2_model(tiny.GPT2), 115, torch.float32)))
    vc = read_config("models/vit")
    vc.update({"architectures": ["ViTModel"], "torch_dtype": "float32", "qkv_bias": False,
               "hidden_act": "gelu_new", "layer_norm_eps": 1e-6})
    for k in ("id2label", "label2id"):
        vc.pop(k)
    vit_conf = dict(tiny.VIT, qkv_bias=False)
    v["vit-pooler"] = write_variant("vit-pooler", vc,
                                    strong(tiny.fill(tiny.vit_model(vit_conf, pooler=True), 116,
                                                     torch.float32)))
    return v


def main():
    v = make_variants()
    gen = torch.Generator().manual_seed(2024)
    pixel_files = {}
    for batch in (1, 4):
        pixels = torch.randn((batch, 3, 16, 16), generator=gen)
        fname = "pixels-%d.npy" % batch
        numpy.save(os.path.join(HERE, fname), pixels.numpy().astype("<f4"))
        pixel_files[batch] = (fname, pixels)
    cases = []
    bert_cases(cases, "models/bert-base", ["safetensors", "pytorch"], False, "bert-base")
    bert_cases(cases, "models/bert-sst2", ["any"], True, "bert-sst2")
    bert_cases(cases, "models/bert-legacy", ["pytorch"], False, "bert-legacy")
    bert_cases(cases, v["bert-relu"], ["any"], False, "bert-relu")
    bert_cases(cases, v["bert-gelu-new"], ["any"], False, "bert-gelu-new")
    bert_cases(cases, v["bert-wide"], ["any"], False, "bert-wide")
    bert_cases(cases, v["bert-wide-heads"], ["any"], False, "bert-wide-heads")
    distilbert_cases(cases, "models/distilbert-base", ["any"], False, "distilbert-base-bf16")
    distilbert_cases(cases, "models/distilbert-sst2", ["any"], True, "distilbert-sst2")
    distilbert_cases(cases, v["distilbert-sinusoidal"], ["any"], False, "distilbert-sinusoidal")
    gpt2_cases(cases, "models/gpt2", ["safetensors", "pytorch"], ["pytorch"], "gpt2")
    gpt2_cases(cases, v["gpt2-inverse"], ["any"], None, "gpt2-inverse")
    gpt2_cases(cases, v["gpt2-unscaled"], ["any"], None, "gpt2-unscaled")
    vit_cases(cases, "models/vit", ["any"], True, "vit-f16", pixel_files)
    vit_cases(cases, v["vit-pooler"], ["any"], False, "vit-pooler", pixel_files)
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    print("forward/make.py: %d cases, reference.json %d bytes"
          % (len(cases), os.path.getsize(os.path.join(HERE, "reference.json"))))


if __name__ == "__main__":
    main()
