#!/usr/bin/python3
"""Writes a random model of Qwen2-0.5B's shape (Qwen2ForCausalLM: hidden 896, 24 layers, 14
heads, 2 KV heads, intermediate 4864, vocab 151936, tied embeddings) in BF16 safetensors,
about 1 GB, for tests/bench/llm.sh. Tensors are written one at a time (the header first, from
the shapes), so that the writer never holds the whole model.

    llm_model.py DIR
"""
import json
import math
import os
import struct
import sys

import torch

CONFIG = {
    "architectures": ["Qwen2ForCausalLM"], "model_type": "qwen2", "torch_dtype": "bfloat16",
    "vocab_size": 151936, "hidden_size": 896, "intermediate_size": 4864,
    "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2,
    "max_position_embeddings": 32768, "rms_norm_eps": 1e-6, "rope_theta": 1000000.0,
    "hidden_act": "silu", "tie_word_embeddings": True, "use_sliding_window": False,
    "sliding_window": 32768, "max_window_layers": 21, "bos_token_id": 151643,
    "eos_token_id": 151643,
}


def names(c):
    H, I, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    d = H // c["num_attention_heads"]
    q, kv = c["num_attention_heads"] * d, c["num_key_value_heads"] * d
    out = [("model.embed_tokens.weight", [V, H])]
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i
        out += [(p + "input_layernorm.weight", [H]), (p + "post_attention_layernorm.weight", [H]),
                (p + "self_attn.q_proj.weight", [q, H]), (p + "self_attn.q_proj.bias", [q]),
                (p + "self_attn.k_proj.weight", [kv, H]), (p + "self_attn.k_proj.bias", [kv]),
                (p + "self_attn.v_proj.weight", [kv, H]), (p + "self_attn.v_proj.bias", [kv]),
                (p + "self_attn.o_proj.weight", [H, q]), (p + "mlp.gate_proj.weight", [I, H]),
                (p + "mlp.up_proj.weight", [I, H]), (p + "mlp.down_proj.weight", [H, I])]
    out.append(("model.norm.weight", [H]))
    return sorted(out)


def main():
    d = sys.argv[1]
    os.makedirs(d, exist_ok=True)
    with open(os.path.join(d, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
    table, header, offset = names(CONFIG), {"__metadata__": {"format": "pt"}}, 0
    for name, shape in table:
        n = 2 * math.prod(shape)
        header[name] = {"dtype": "BF16", "shape": shape, "data_offsets": [offset, offset + n]}
        offset += n
    head = json.dumps(header, separators=(",", ":")).encode()
    head += b" " * (-len(head) % 8)
    gen = torch.Generator().manual_seed(7)
    with open(os.path.join(d, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head)
        for name, shape in table:
            if len(shape) == 1:
                t = 1.0 + 0.1 * torch.randn(shape, generator=gen) if name.endswith("norm.weight") \
                    else 0.1 * torch.randn(shape, generator=gen)
            else:
                t = torch.randn(shape, generator=gen) / math.sqrt(shape[1])
            f.write(t.to(torch.bfloat16).view(torch.int16).numpy().tobytes())
    print("wrote %s: %.1f MB of BF16 weights" % (d, offset / 1e6))


if __name__ == "__main__":
    main()
