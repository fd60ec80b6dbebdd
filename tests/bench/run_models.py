#!/usr/bin/python3
"""Writes the small model of tests/bench/run.sh into DIR: a BertForSequenceClassification of
MiniLM-L6's shape (6 layers, hidden 384, 12 heads, intermediate 1536) over bert-base-uncased's
30,522-token vocabulary, random F32 weights, labels NEGATIVE/POSITIVE.

    run_models.py DIR
"""
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "data", "models"))
import make as tiny  # noqa: E402  (parameter names, fills and the safetensors writer)

import torch  # noqa: E402


def main():
    out = sys.argv[1]
    c = {"architectures": ["BertForSequenceClassification"], "model_type": "bert",
         "hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 12,
         "intermediate_size": 1536, "hidden_act": "gelu", "layer_norm_eps": 1e-12,
         "max_position_embeddings": 512, "type_vocab_size": 2, "vocab_size": 30522,
         "pad_token_id": 0, "id2label": {"0": "NEGATIVE", "1": "POSITIVE"},
         "label2id": {"NEGATIVE": 0, "POSITIVE": 1}, "torch_dtype": "float32"}
    names = list(tiny.prefixed("bert", tiny.bert_model(c))) + \
        list(tiny.linear("classifier", 2, c["hidden_size"]))
    sd = tiny.fill(names, 7, torch.float32)
    os.makedirs(out, exist_ok=True)
    with open(os.path.join(out, "config.json"), "w") as f:
        json.dump(c, f, indent=2)
    with open(os.path.join(out, "model.safetensors"), "wb") as f:
        f.write(tiny.safetensors_bytes(sd, {"format": "pt"}))


if __name__ == "__main__":
    main()
