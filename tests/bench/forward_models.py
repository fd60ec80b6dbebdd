#!/usr/bin/python3
"""Writes base-size models with random weights for tests/bench/forward.sh: BERT-base
(bert-base-uncased's config), GPT-2 small (gpt2's) and ViT-base/16 at 224 (google/vit-base-
patch16-224's, as a ViTModel), each a config.json and an F32 model.safetensors, into DIR.

    forward_models.py DIR
"""
import collections
import json
import os
import sys

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "data", "models"))
import make as tiny  # noqa: E402  (parameter names and the safetensors writer)


def weights(names, seed):
    gen = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for name, shape in names:
        t = torch.randn(shape, generator=gen) * 0.02
        if name.endswith(".weight") and len(shape) == 1:
            t += 1.0
        sd[name] = t
    return sd


def write(out, repo, config, sd):
    d = os.path.join(out, repo)
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(config, f, indent=2)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(tiny.safetensors_bytes(sd, {"format": "pt"}))


def main():
    out = sys.argv[1]
    bert = {"vocab_size": 30522, "hidden_size": 768, "num_hidden_layers": 12,
            "num_attention_heads": 12, "intermediate_size": 3072,
            "max_position_embeddings": 512, "type_vocab_size": 2}
    write(out, "bert-base", tiny.bert_config(["BertModel"], **bert),
          weights(tiny.bert_model(bert), 1))
    gpt2 = {"vocab_size": 50257, "n_embd": 768, "n_layer": 12, "n_head": 12, "n_positions": 1024,
            "n_ctx": 1024, "n_inner": None}
    config = dict(gpt2, architectures=["GPT2LMHeadModel"], model_type="gpt2",
                  activation_function="gelu_new", layer_norm_epsilon=1e-5,
                  bos_token_id=50256, eos_token_id=50256)
    write(out, "gpt2", config, weights(tiny.gpt2_model(gpt2), 2))
    vit = {"hidden_size": 768, "num_hidden_layers": 12, "num_attention_heads": 12,
           "intermediate_size": 3072, "image_size": 224, "patch_size": 16, "num_channels": 3,
           "qkv_bias": True}
    config = dict(vit, architectures=["ViTModel"], model_type="vit", hidden_act="gelu",
                  layer_norm_eps=1e-12)
    write(out, "vit-base", config, weights(tiny.vit_model(vit, pooler=True), 3))


if __name__ == "__main__":
    main()
