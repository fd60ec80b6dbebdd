#!/usr/bin/python3
"""Writes the tiny transformers-style model repositories that tests/unit/test_model_load.c,
tests/integration/test_inspect.sh and the fixture builder use, and expected.json.

Run with Debian's python3 and python3-torch (1.13 on bookworm), from anywhere:

    /usr/bin/python3 tests/data/models/make.py

transformers itself is not needed (nor installed): the state dicts are written here with the
parameter names and shapes transformers' classes have, filled with small random values from a
seeded generator. Each directory is a model repository as the Hub serves it (config.json with
the fields save_pretrained writes, and weights):

    bert-base/         BertModel, no prefix: model.safetensors and a pytorch_model.bin (zip
                       format) that also holds the old position_ids buffer
    bert-sst2/         BertForSequenceClassification ("bert." prefix), three labels
    bert-legacy/       BertForPreTraining in torch's legacy (pre-1.6) format only: "bert."
                       prefix, LayerNorm.gamma/beta, the cls.* pretraining heads
    distilbert-base/   DistilBertModel, no prefix, BF16 safetensors
    distilbert-sst2/   DistilBertForSequenceClassification ("distilbert." prefix), sharded
                       safetensors with model.safetensors.index.json
    gpt2/              GPT2LMHeadModel: model.safetensors as on the Hub (GPT2Model names, no
                       prefix, no lm_head, attn.bias buffers) and a pytorch_model.bin of the
                       LMHead state dict ("transformer." prefix, lm_head.weight sharing wte's
                       storage, attn.bias and attn.masked_bias buffers)
    vit/               ViTForImageClassification ("vit." prefix, no pooler), F16 safetensors
    custom-code/       a config with auto_map naming Python code in the repo (never run), and
                       a safetensors header of odd length: every tensor is misaligned

expected.json lists load cases (directory, Auto class, weight format) with what the loader
must produce: the class, every parameter (dtype, shape, SHA-256 of its little-endian bytes, a
few values and their sum), the tied ones, the zero-filled new heads, and the checkpoint keys
that are unexpected, buffers or legacy names.
"""
import collections
import hashlib
import json
import os
import shutil
import struct

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

DTYPES = {torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16",
          torch.int64: "I64", torch.bool: "BOOL", torch.uint8: "U8"}
TORCH_DTYPE_NAMES = {torch.float32: "float32", torch.float16: "float16",
                     torch.bfloat16: "bfloat16"}
TRANSFORMERS_VERSION = "4.40.0"


# ------------------------------------------------------------------------------------------
# Parameter names and shapes, as transformers' classes name them


def linear(name, out_f, in_f, bias=True):
    yield name + ".weight", [out_f, in_f]
    if bias:
        yield name + ".bias", [out_f]


def layer_norm(name, dim):
    yield name + ".weight", [dim]
    yield name + ".bias", [dim]


def conv1d(name, in_f, out_f):
    """GPT-2's Conv1D keeps its weight as (in, out): y = x W + b."""
    yield name + ".weight", [in_f, out_f]
    yield name + ".bias", [out_f]


def bert_model(c, pooler=True):
    h, inter = c["hidden_size"], c["intermediate_size"]
    yield "embeddings.word_embeddings.weight", [c["vocab_size"], h]
    yield "embeddings.position_embeddings.weight", [c["max_position_embeddings"], h]
    yield "embeddings.token_type_embeddings.weight", [c["type_vocab_size"], h]
    yield from layer_norm("embeddings.LayerNorm", h)
    for i in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for part in ("query", "key", "value"):
            yield from linear(p + "attention.self." + part, h, h)
        yield from linear(p + "attention.output.dense", h, h)
        yield from layer_norm(p + "attention.output.LayerNorm", h)
        yield from linear(p + "intermediate.dense", inter, h)
        yield from linear(p + "output.dense", h, inter)
        yield from layer_norm(p + "output.LayerNorm", h)
    if pooler:
        yield from linear("pooler.dense", h, h)


def distilbert_model(c):
    d, hid = c["dim"], c["hidden_dim"]
    yield "embeddings.word_embeddings.weight", [c["vocab_size"], d]
    yield "embeddings.position_embeddings.weight", [c["max_position_embeddings"], d]
    yield from layer_norm("embeddings.LayerNorm", d)
    for i in range(c["n_layers"]):
        p = "transformer.layer.%d." % i
        for part in ("q_lin", "k_lin", "v_lin", "out_lin"):
            yield from linear(p + "attention." + part, d, d)
        yield from layer_norm(p + "sa_layer_norm", d)
        yield from linear(p + "ffn.lin1", hid, d)
        yield from linear(p + "ffn.lin2", d, hid)
        yield from layer_norm(p + "output_layer_norm", d)


def gpt2_model(c):
    e = c["n_embd"]
    inner = c["n_inner"] or 4 * e
    yield "wte.weight", [c["vocab_size"], e]
    yield "wpe.weight", [c["n_positions"], e]
    for i in range(c["n_layer"]):
        p = "h.%d." % i
        yield from layer_norm(p + "ln_1", e)
        yield from conv1d(p + "attn.c_attn", e, 3 * e)
        yield from conv1d(p + "attn.c_proj", e, e)
        yield from layer_norm(p + "ln_2", e)
        yield from conv1d(p + "mlp.c_fc", e, inner)
        yield from conv1d(p + "mlp.c_proj", inner, e)
    yield from layer_norm("ln_f", e)


def vit_model(c, pooler=True):
    h, inter = c["hidden_size"], c["intermediate_size"]
    patches = (c["image_size"] // c["patch_size"]) ** 2
    yield "embeddings.cls_token", [1, 1, h]
    yield "embeddings.position_embeddings", [1, patches + 1, h]
    yield "embeddings.patch_embeddings.projection.weight", [h, c["num_channels"],
                                                            c["patch_size"], c["patch_size"]]
    yield "embeddings.patch_embeddings.projection.bias", [h]
    for i in range(c["num_hidden_layers"]):
        p = "encoder.layer.%d." % i
        for part in ("query", "key", "value"):
            yield from linear(p + "attention.attention." + part, h, h, c["qkv_bias"])
        yield from linear(p + "attention.output.dense", h, h)
        yield from linear(p + "intermediate.dense", inter, h)
        yield from linear(p + "output.dense", h, inter)
        yield from layer_norm(p + "layernorm_before", h)
        yield from layer_norm(p + "layernorm_after", h)
    yield from layer_norm("layernorm", h)
    if pooler:
        yield from linear("pooler.dense", h, h)


def prefixed(prefix, names):
    for name, shape in names:
        yield prefix + "." + name, shape


# ------------------------------------------------------------------------------------------
# Values and files


def fill(names, seed, dtype):
    """Small random values; LayerNorm weights near 1 as after training."""
    gen = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for name, shape in names:
        t = torch.randn(shape, generator=gen) * 0.05
        if name.endswith(".weight") and len(shape) == 1:
            t += 1.0
        sd[name] = t.to(dtype)
    return sd


def le_bytes(t):
    """The tensor's elements in C order, little-endian, as a loader must see them."""
    t = t.detach().contiguous()
    if t.dtype == torch.bfloat16:
        t = t.view(torch.int16)
    return t.numpy().astype(t.numpy().dtype.newbyteorder("<")).tobytes()


def safetensors_bytes(sd, metadata=None, aligned=True):
    """The safetensors format written by hand: 8-byte little-endian header length, the JSON
    header (space-padded so that the data starts 8-byte aligned, as the safetensors library
    does; with aligned=False padded to an odd length instead, which the format allows: a
    loader must then copy before handing out typed pointers), then the tensors tiling the
    data buffer in name order."""
    header, blobs, offset = {}, [], 0
    if metadata is not None:
        header["__metadata__"] = metadata
    for name in sorted(sd):
        blob = le_bytes(sd[name])
        header[name] = {"dtype": DTYPES[sd[name].dtype], "shape": list(sd[name].shape),
                        "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * ((-len(head) % 8) if aligned else (len(head) % 2 == 0))
    return struct.pack("<Q", len(head)) + head + b"".join(blobs)


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)


def write_config(repo, config):
    text = json.dumps(config, indent=2, sort_keys=True) + "\n"
    write(os.path.join(HERE, repo, "config.json"), text.encode())


def write_safetensors(repo, sd, name="model.safetensors", aligned=True):
    write(os.path.join(HERE, repo, name), safetensors_bytes(sd, {"format": "pt"}, aligned))


def write_sharded(repo, sd, shards):
    """transformers' sharding: consecutive tensors per file, an index naming each one's file."""
    names = list(sd)
    per = -(-len(names) // shards)
    weight_map, total = {}, 0
    for s in range(shards):
        file = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
        part = collections.OrderedDict((n, sd[n]) for n in names[s * per:(s + 1) * per])
        write_safetensors(repo, part, file)
        for n, t in part.items():
            weight_map[n] = file
            total += t.numel() * t.element_size()
    index = {"metadata": {"total_size": total}, "weight_map": dict(sorted(weight_map.items()))}
    write(os.path.join(HERE, repo, "model.safetensors.index.json"),
          (json.dumps(index, indent=2) + "\n").encode())


def write_bin(repo, sd, legacy=False):
    path = os.path.join(HERE, repo, "pytorch_model.bin")
    os.makedirs(os.path.dirname(path), exist_ok=True)
    torch.save(sd, path, _use_new_zipfile_serialization=not legacy)


# ------------------------------------------------------------------------------------------
# Expected results


def describe(t):
    flat = t.detach().float().flatten()
    return {
        "dtype": DTYPES[t.dtype],
        "shape": list(t.shape),
        "sha256": hashlib.sha256(le_bytes(t)).hexdigest(),
        "first": flat[:3].tolist(),
        "last": flat[-1].item() if flat.numel() else None,
        "sum": flat.double().sum().item(),
    }


def case(repo, auto, fmt, cls, params, *, tied=None, new=(), unexpected=(), buffers=(),
         renamed=(), labels=None, copied=()):
    """One load: `params` maps the loaded class's parameter names to the tensors they must
    hold, in the class's order; `new` are zero-filled heads (their tensors are zeros)."""
    return {
        "dir": repo, "auto": auto, "format": fmt, "class": cls,
        "params": collections.OrderedDict((n, describe(t)) for n, t in params.items()),
        "tied": tied or {}, "new": sorted(new), "unexpected": sorted(unexpected),
        "buffers": sorted(buffers), "renamed": sorted(renamed), "labels": labels,
        "copied": sorted(copied),
    }


def strip(prefix, sd):
    return collections.OrderedDict((n[len(prefix) + 1:], t) for n, t in sd.items())


def add(prefix, sd):
    return collections.OrderedDict((prefix + "." + n, t) for n, t in sd.items())


def zeros_like_names(names, dtype):
    return collections.OrderedDict((n, torch.zeros(s, dtype=dtype)) for n, s in names)


# ------------------------------------------------------------------------------------------
# The repositories


BERT = {"vocab_size": 50, "hidden_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4,
        "intermediate_size": 40, "max_position_embeddings": 20, "type_vocab_size": 2}


def bert_config(architectures, **extra):
    c = {"architectures": architectures, "model_type": "bert",
         "attention_probs_dropout_prob": 0.1, "classifier_dropout": None,
         "hidden_act": "gelu", "hidden_dropout_prob": 0.1, "initializer_range": 0.02,
         "layer_norm_eps": 1e-12, "pad_token_id": 0, "position_embedding_type": "absolute",
         "torch_dtype": "float32", "transformers_version": TRANSFORMERS_VERSION,
         "use_cache": True}
    c.update(BERT)
    c.update(extra)
    return c


def labels(names):
    return ({str(i): n for i, n in enumerate(names)}, {n: i for i, n in enumerate(names)})


def make_bert_base(cases):
    repo = "bert-base"
    write_config(repo, bert_config(["BertModel"]))
    sd = fill(bert_model(BERT), 101, torch.float32)
    write_safetensors(repo, sd)
    with_buffer = collections.OrderedDict(sd)
    with_buffer["embeddings.position_ids"] = torch.arange(20).expand((1, -1))
    # A transposed view (torch.save keeps its strides): the same values, not C order in the
    # file, so the loader must copy it.
    query = "encoder.layer.0.attention.self.query.weight"
    with_buffer[query] = sd[query].t().contiguous().t()
    assert not with_buffer[query].is_contiguous()
    write_bin(repo, with_buffer)
    cases.append(case(repo, "config", "any", "BertModel", sd))
    cases.append(case(repo, "config", "pytorch", "BertModel", sd,
                      buffers=["embeddings.position_ids"], copied=[query]))
    head = [("classifier.weight", [2, 24]), ("classifier.bias", [2])]
    params = add("bert", sd)
    params.update(zeros_like_names(head, torch.float32))
    cases.append(case(repo, "seq-cls", "any", "BertForSequenceClassification", params,
                      new=[n for n, _ in head], labels=["LABEL_0", "LABEL_1"]))


def make_bert_sst2(cases):
    repo = "bert-sst2"
    id2label, label2id = labels(["negative", "neutral", "positive"])
    write_config(repo, bert_config(["BertForSequenceClassification"], id2label=id2label,
                                   label2id=label2id, problem_type="single_label_classification"))
    names = list(prefixed("bert", bert_model(BERT))) + list(linear("classifier", 3, 24))
    sd = fill(names, 202, torch.float32)
    write_safetensors(repo, sd)
    names3 = ["negative", "neutral", "positive"]
    cases.append(case(repo, "config", "any", "BertForSequenceClassification", sd, labels=names3))
    body = collections.OrderedDict((n, t) for n, t in sd.items() if n.startswith("bert."))
    cases.append(case(repo, "base", "any", "BertModel", strip("bert", body),
                      unexpected=["classifier.weight", "classifier.bias"], labels=names3))


def legacy_name(name):
    return name.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias",
                                                                      "LayerNorm.beta")


def make_bert_legacy(cases):
    repo = "bert-legacy"
    write_config(repo, bert_config(["BertForPreTraining"]))
    names = list(prefixed("bert", bert_model(BERT)))
    heads = (list(linear("cls.predictions.transform.dense", 24, 24)) +
             list(layer_norm("cls.predictions.transform.LayerNorm", 24)) +
             [("cls.predictions.bias", [50])] + list(linear("cls.seq_relationship", 2, 24)))
    sd = fill(names + heads, 303, torch.float32)
    # The decoder shares the word embeddings' storage, as in BERT's original checkpoints.
    sd["cls.predictions.decoder.weight"] = sd["bert.embeddings.word_embeddings.weight"]
    checkpoint = collections.OrderedDict((legacy_name(n), t) for n, t in sd.items())
    write_bin(repo, checkpoint, legacy=True)
    body = collections.OrderedDict((n, t) for n, t in sd.items() if n.startswith("bert."))
    renamed = [legacy_name(n) for n in body if legacy_name(n) != n]
    unexpected = [legacy_name(n) for n in sd if n.startswith("cls.")]
    cases.append(case(repo, "config", "any", "BertModel", strip("bert", body),
                      unexpected=unexpected, renamed=renamed))
    head = [("classifier.weight", [2, 24]), ("classifier.bias", [2])]
    params = collections.OrderedDict(body)
    params.update(zeros_like_names(head, torch.float32))
    cases.append(case(repo, "seq-cls", "any", "BertForSequenceClassification", params,
                      new=[n for n, _ in head], unexpected=unexpected, renamed=renamed,
                      labels=["LABEL_0", "LABEL_1"]))


DISTILBERT = {"vocab_size": 50, "dim": 24, "n_layers": 2, "n_heads": 4, "hidden_dim": 40,
              "max_position_embeddings": 20}


def distilbert_config(architectures, dtype, **extra):
    c = {"architectures": architectures, "model_type": "distilbert", "activation": "gelu",
         "attention_dropout": 0.1, "dropout": 0.1, "initializer_range": 0.02,
         "pad_token_id": 0, "qa_dropout": 0.1, "seq_classif_dropout": 0.2,
         "sinusoidal_pos_embds": False, "tie_weights_": True,
         "torch_dtype": TORCH_DTYPE_NAMES[dtype], "transformers_version": TRANSFORMERS_VERSION}
    c.update(DISTILBERT)
    c.update(extra)
    return c


def make_distilbert_base(cases):
    repo = "distilbert-base"
    write_config(repo, distilbert_config(["DistilBertModel"], torch.bfloat16))
    sd = fill(distilbert_model(DISTILBERT), 404, torch.bfloat16)
    write_safetensors(repo, sd)
    cases.append(case(repo, "config", "any", "DistilBertModel", sd))


def make_distilbert_sst2(cases):
    repo = "distilbert-sst2"
    id2label, label2id = labels(["NEGATIVE", "POSITIVE"])
    write_config(repo, distilbert_config(["DistilBertForSequenceClassification"], torch.float32,
                                         id2label=id2label, label2id=label2id,
                                         finetuning_task="sst-2"))
    names = (list(prefixed("distilbert", distilbert_model(DISTILBERT))) +
             list(linear("pre_classifier", 24, 24)) + list(linear("classifier", 2, 24)))
    sd = fill(names, 505, torch.float32)
    write_sharded(repo, sd, 2)
    cases.append(case(repo, "config", "any", "DistilBertForSequenceClassification", sd,
                      labels=["NEGATIVE", "POSITIVE"]))


GPT2 = {"vocab_size": 50, "n_embd": 24, "n_layer": 2, "n_head": 4, "n_positions": 20,
        "n_ctx": 20, "n_inner": None}


def make_gpt2(cases):
    repo = "gpt2"
    c = {"architectures": ["GPT2LMHeadModel"], "model_type": "gpt2",
         "activation_function": "gelu_new", "attn_pdrop": 0.1, "bos_token_id": 49,
         "embd_pdrop": 0.1, "eos_token_id": 49, "initializer_range": 0.02,
         "layer_norm_epsilon": 1e-05, "resid_pdrop": 0.1, "summary_activation": None,
         "summary_first_dropout": 0.1, "summary_proj_to_labels": True,
         "summary_type": "cls_index", "summary_use_proj": True,
         "task_specific_params": {"text-generation": {"do_sample": True, "max_length": 20}}}
    c.update(GPT2)
    write_config(repo, c)
    sd = fill(gpt2_model(GPT2), 606, torch.float32)
    causal = torch.tril(torch.ones(20, 20)).view(1, 1, 20, 20)
    # As on the Hub: GPT2Model names, the causal masks as F32 buffers, no lm_head.
    hub = collections.OrderedDict(sd)
    for i in range(2):
        hub["h.%d.attn.bias" % i] = causal
    write_safetensors(repo, hub)
    # As GPT2LMHeadModel.state_dict() is saved by torch.save: prefixed, with the buffers and
    # an lm_head that is the word embeddings themselves.
    lm = add("transformer", sd)
    for i in range(2):
        lm["transformer.h.%d.attn.bias" % i] = causal.to(torch.bool)
        lm["transformer.h.%d.attn.masked_bias" % i] = torch.tensor(-1e4)
    lm["lm_head.weight"] = lm["transformer.wte.weight"]
    write_bin(repo, lm)
    params = add("transformer", sd)
    params["lm_head.weight"] = sd["wte.weight"]
    tied = {"lm_head.weight": "transformer.wte.weight"}
    cases.append(case(repo, "config", "any", "GPT2LMHeadModel", params, tied=tied,
                      buffers=["h.0.attn.bias", "h.1.attn.bias"]))
    cases.append(case(repo, "config", "pytorch", "GPT2LMHeadModel", params, tied=tied,
                      buffers=["transformer.h.%d.attn.%s" % (i, b) for i in range(2)
                               for b in ("bias", "masked_bias")]))
    cases.append(case(repo, "base", "pytorch", "GPT2Model", sd, unexpected=["lm_head.weight"],
                      buffers=["transformer.h.%d.attn.%s" % (i, b) for i in range(2)
                               for b in ("bias", "masked_bias")]))


VIT = {"hidden_size": 24, "num_hidden_layers": 2, "num_attention_heads": 4,
       "intermediate_size": 40, "image_size": 16, "patch_size": 4, "num_channels": 3,
       "qkv_bias": True}


def make_vit(cases):
    repo = "vit"
    id2label, label2id = labels(["cat", "dog", "bird"])
    c = {"architectures": ["ViTForImageClassification"], "model_type": "vit",
         "attention_probs_dropout_prob": 0.0, "encoder_stride": 4, "hidden_act": "gelu",
         "hidden_dropout_prob": 0.0, "id2label": id2label, "label2id": label2id,
         "initializer_range": 0.02, "layer_norm_eps": 1e-12, "torch_dtype": "float16",
         "transformers_version": TRANSFORMERS_VERSION}
    c.update(VIT)
    write_config(repo, c)
    names = list(prefixed("vit", vit_model(VIT, pooler=False))) + list(linear("classifier", 3, 24))
    sd = fill(names, 707, torch.float16)
    write_safetensors(repo, sd)
    cases.append(case(repo, "config", "any", "ViTForImageClassification", sd,
                      labels=["cat", "dog", "bird"]))
    body = strip("vit", collections.OrderedDict((n, t) for n, t in sd.items()
                                                if n.startswith("vit.")))
    pooler = list(linear("pooler.dense", 24, 24))
    params = collections.OrderedDict(body)
    params.update(zeros_like_names(pooler, torch.float16))
    cases.append(case(repo, "base", "any", "ViTModel", params, new=[n for n, _ in pooler],
                      unexpected=["classifier.weight", "classifier.bias"],
                      labels=["cat", "dog", "bird"]))


def make_custom_code(cases):
    repo = "custom-code"
    write_config(repo, {
        "architectures": ["TinyCustomModel"], "model_type": "tiny-custom",
        "auto_map": {"AutoConfig": "configuration_tiny.TinyConfig",
                     "AutoModel": "modeling_tiny.TinyModel"},
        "hidden_size": 8, "vocab_size": 10, "torch_dtype": "float32",
        "transformers_version": TRANSFORMERS_VERSION})
    write(os.path.join(HERE, repo, "modeling_tiny.py"),
          b'# Custom code a repository may bring. hfgit never runs it.\n'
          b'import os\nos.system("echo this must never run")\n')
    sd = fill([("embed.weight", [10, 8])] + list(linear("proj", 8, 8)), 808, torch.float32)
    write_safetensors(repo, sd, aligned=False)
    # Only loadable once a test registers "tiny-custom" through the public API.
    cases.append(case(repo, "config", "any", "TinyCustomModel", sd, copied=list(sd)))


def main():
    for entry in os.listdir(HERE):
        if os.path.isdir(os.path.join(HERE, entry)) and entry != "__pycache__":
            shutil.rmtree(os.path.join(HERE, entry))
    cases = []
    for make in (make_bert_base, make_bert_sst2, make_bert_legacy, make_distilbert_base,
                 make_distilbert_sst2, make_gpt2, make_vit, make_custom_code):
        make(cases)
    write(os.path.join(HERE, "expected.json"),
          (json.dumps({"cases": cases}, indent=1) + "\n").encode())
    total = sum(os.path.getsize(os.path.join(d, f)) for d, _, fs in os.walk(HERE) for f in fs)
    print("make.py: %d load cases, %d bytes under %s" % (len(cases), total, HERE))


if __name__ == "__main__":
    main()
