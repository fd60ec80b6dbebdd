#!/usr/bin/python3
"""Writes tiny random Llama, Mistral and Qwen2 models (models/), malformed configs (bad/) and
the reference outputs of hfgit's forward passes and generation on them (reference.json).

Run with Debian's python3 and python3-torch, from anywhere:

    /usr/bin/python3 tests/data/llm/make.py

transformers cannot be installed here, so the forward pass below is written with torch from
transformers' modeling_llama, modeling_mistral and modeling_qwen2 and modeling_rope_utils:
LlamaRMSNorm (variance in float32, weight multiplied after the cast back), the rotary
inverse frequencies of the default, linear, dynamic and llama3 rope types, q * cos +
rotate_half(q) * sin, repeat_kv for grouped-query attention, eager attention (scores *
head_dim**-0.5 plus an additive finfo.min causal/padding mask, softmax in float32), the SwiGLU
MLP down(silu(gate(x)) * up(x)), the final norm and lm_head. Weights are read back from the
committed files and upcast to float32, so that BF16/F16 models are compared with exactly the
weights hfgit reads: only the order of the sums differs.

Generation is generate(do_sample=False, use_cache=False) (the whole sequence again at every
step), with position ids from the mask as prepare_inputs_for_generation derives them, stopping
on any eos id, and with RepetitionPenaltyLogitsProcessor where a case asks for it.

llama-f32 and qwen2-f32 also get the tokenizer and chat template of their families (Llama 3
Instruct's, Qwen2 Instruct's) fitted to 64 ids: byte-level BPE tokenizer.json of single ASCII
bytes and no merges, the special tokens at fixed ids, Llama 3's TemplateProcessing BOS. chat.json
holds conversations answered as transformers' pipeline answers a list of messages: the prompt
rendered by jinja2 as apply_chat_template renders it (ImmutableSandboxedEnvironment,
trim_blocks, lstrip_blocks, add_generation_prompt=True, the special tokens of
tokenizer_config.json), encoded without adding special tokens (the added tokens split out, then
one token per byte), greedy generation as above, the reply decoded with special tokens skipped;
a multi-turn case feeds each reply back as the assistant's message.
"""
import collections
import importlib.util
import json
import math
import os
import sys

import jinja2
import jinja2.ext
import jinja2.sandbox
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)


def load_script(name, path):
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


# The tiny models' safetensors writer, and the forward reference's readers and case format.
tiny = load_script("models_make", os.path.join(DATA, "models", "make.py"))
fwd = load_script("forward_make", os.path.join(DATA, "forward", "make.py"))

MIN = torch.finfo(torch.float32).min
TORCH_DTYPES = {"float32": torch.float32, "bfloat16": torch.bfloat16, "float16": torch.float16}


# ------------------------------------------------------------------------------------------
# Models


def param_names(c, family):
    H, I, V = c["hidden_size"], c["intermediate_size"], c["vocab_size"]
    heads, kv = c["num_attention_heads"], c.get("num_key_value_heads", c["num_attention_heads"])
    d = c.get("head_dim") or H // heads
    qkv_bias = family == "qwen2" or c.get("attention_bias", False)
    o_bias = family == "llama" and c.get("attention_bias", False)
    mlp_bias = family == "llama" and c.get("mlp_bias", False)
    names = [("model.embed_tokens.weight", [V, H])]
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i
        names.append((p + "input_layernorm.weight", [H]))
        for proj, rows in (("q", heads * d), ("k", kv * d), ("v", kv * d)):
            names.append((p + "self_attn.%s_proj.weight" % proj, [rows, H]))
            if qkv_bias:
                names.append((p + "self_attn.%s_proj.bias" % proj, [rows]))
        names.append((p + "self_attn.o_proj.weight", [H, heads * d]))
        if o_bias:
            names.append((p + "self_attn.o_proj.bias", [H]))
        names.append((p + "post_attention_layernorm.weight", [H]))
        for proj, shape in (("gate", [I, H]), ("up", [I, H]), ("down", [H, I])):
            names.append((p + "mlp.%s_proj.weight" % proj, shape))
            if mlp_bias:
                names.append((p + "mlp.%s_proj.bias" % proj, [shape[0]]))
    names.append(("model.norm.weight", [H]))
    if not c.get("tie_word_embeddings", False):
        names.append(("lm_head.weight", [V, H]))
    return names


def fill(names, seed, dtype):
    """Random weights large enough that attention is far from uniform and the logits far
    from ties (std 0.05 leaves a tiny model nearly constant)."""
    gen = torch.Generator().manual_seed(seed)
    sd = collections.OrderedDict()
    for name, shape in names:
        if name.endswith("layernorm.weight") or name.endswith("norm.weight"):
            t = 1.0 + 0.2 * torch.randn(shape, generator=gen)
        elif name.endswith(".bias"):
            t = 0.2 * torch.randn(shape, generator=gen)
        elif "embed_tokens" in name:
            t = torch.randn(shape, generator=gen)
        else:
            t = torch.randn(shape, generator=gen) * (1.5 / math.sqrt(shape[1]))
        sd[name] = t.to(dtype)
    return sd


def write_model(name, config, sd, shards=1, generation=None):
    d = os.path.join(HERE, "models", name)
    os.makedirs(d, exist_ok=True)
    for f in os.listdir(d):
        os.remove(os.path.join(d, f))
    with open(os.path.join(d, "config.json"), "w") as f:
        f.write(json.dumps(config, indent=2, sort_keys=True) + "\n")
    if generation is not None:
        with open(os.path.join(d, "generation_config.json"), "w") as f:
            f.write(json.dumps(generation, indent=2, sort_keys=True) + "\n")
    names = list(sd)
    if shards == 1:
        with open(os.path.join(d, "model.safetensors"), "wb") as f:
            f.write(tiny.safetensors_bytes(sd, {"format": "pt"}))
    else:
        weight_map, total = {}, 0
        for s in range(shards):
            part = collections.OrderedDict((n, sd[n]) for n in names[s::shards])
            fname = "model-%05d-of-%05d.safetensors" % (s + 1, shards)
            with open(os.path.join(d, fname), "wb") as f:
                f.write(tiny.safetensors_bytes(part, {"format": "pt"}))
            for n, t in part.items():
                weight_map[n] = fname
                total += t.numel() * t.element_size()
        with open(os.path.join(d, "model.safetensors.index.json"), "w") as f:
            json.dump({"metadata": {"total_size": total}, "weight_map": weight_map}, f,
                      indent=2, sort_keys=True)
            f.write("\n")
    return "llm/models/" + name


def base_config(family, arch, dtype, **kw):
    c = {"architectures": [arch], "model_type": family, "torch_dtype": dtype,
         "transformers_version": "4.45.0", "vocab_size": 64, "hidden_size": 32,
         "intermediate_size": 48, "num_hidden_layers": 2, "num_attention_heads": 4,
         "num_key_value_heads": 2, "max_position_embeddings": 64, "rms_norm_eps": 1e-5,
         "rope_theta": 10000.0, "hidden_act": "silu", "tie_word_embeddings": False,
         "bos_token_id": 1, "eos_token_id": 2}
    c.update(kw)
    return c


# ------------------------------------------------------------------------------------------
# The reference forward (modeling_llama, modeling_rope_utils)


def inv_freq_of(c, seq_len):
    d = c.get("head_dim") or c["hidden_size"] // c["num_attention_heads"]
    base = c["rope_theta"]
    rs = c.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))

    def plain(b):
        return 1.0 / (b ** (torch.arange(0, d, 2, dtype=torch.int64).float() / d))

    if kind == "default":
        return plain(base)
    if kind == "linear":
        return plain(base) / rs["factor"]
    if kind == "dynamic":
        # _compute_dynamic_ntk_parameters with seq_len = max(position_ids) + 1
        mp, factor = c["max_position_embeddings"], rs["factor"]
        seq_len = max(seq_len, mp)
        b = base * ((factor * seq_len / mp) - (factor - 1)) ** (d / (d - 2))
        return plain(b)
    if kind == "llama3":
        inv = plain(base)
        factor, lo, hi = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"]
        old = rs["original_max_position_embeddings"]
        low_wavelen, high_wavelen = old / lo, old / hi
        wavelen = 2 * math.pi / inv
        inv_l = torch.where(wavelen > low_wavelen, inv / factor, inv)
        smooth = (old / wavelen - lo) / (hi - lo)
        smoothed = (1 - smooth) * inv_l / factor + smooth * inv_l
        medium = ~(wavelen < high_wavelen) * ~(wavelen > low_wavelen)
        return torch.where(medium, smoothed, inv_l)
    raise ValueError(kind)


def rms(x, w, eps):
    dtype = x.dtype
    x = x.float()
    var = x.pow(2).mean(-1, keepdim=True)
    x = x * torch.rsqrt(var + eps)
    return w * x.to(dtype)


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


def gemm_inputs(x, rounding):
    """What a product multiplies: x itself, or with rounding="bf16" x rounded to
    bfloat16 (as torch's bf16 matmul reads it; hfgit's BF16 kernels do the same), the
    product then in float32."""
    return x.to(torch.bfloat16).to(x.dtype) if rounding == "bf16" else x


def llama(sd, c, family, ids, mask, positions, rounding=None):
    """LlamaModel.forward (eager attention); returns the normed output and the hidden
    states (output_hidden_states=True). `rounding`: see gemm_inputs."""
    B, S = ids.shape
    H, heads = c["hidden_size"], c["num_attention_heads"]
    kvh = c.get("num_key_value_heads", heads)
    d = c.get("head_dim") or H // heads
    eps = c["rms_norm_eps"]

    def lin(x, name):
        y = gemm_inputs(x, rounding) @ sd[name + ".weight"].T
        return y + sd[name + ".bias"] if name + ".bias" in sd else y

    h = sd["model.embed_tokens.weight"][ids]
    inv = inv_freq_of(c, int(positions.max()) + 1)
    freqs = (inv[None, :, None] @ positions[:, None, :].float()).transpose(1, 2)
    emb = torch.cat((freqs, freqs), dim=-1)
    # LlamaRotaryEmbedding returns cos and sin in the dtype of the activations.
    cos, sin = emb.cos()[:, None].to(h.dtype), emb.sin()[:, None].to(h.dtype)
    allowed = torch.tril(torch.ones(S, S, dtype=torch.bool))[None, None] & \
        mask.bool()[:, None, None, :]
    add = torch.zeros(B, 1, S, S, dtype=h.dtype).masked_fill(~allowed, torch.finfo(h.dtype).min)
    hidden = []
    for i in range(c["num_hidden_layers"]):
        p = "model.layers.%d." % i
        hidden.append(h)
        x = rms(h, sd[p + "input_layernorm.weight"], eps)
        q = lin(x, p + "self_attn.q_proj").view(B, S, heads, d).transpose(1, 2)
        k = lin(x, p + "self_attn.k_proj").view(B, S, kvh, d).transpose(1, 2)
        v = lin(x, p + "self_attn.v_proj").view(B, S, kvh, d).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        # Attention's products round their inputs as the linear layers' do: the query, the
        # keys and values (which hfgit's cache then holds in BF16) and the probabilities.
        k = gemm_inputs(k, rounding).repeat_interleave(heads // kvh, dim=1)  # repeat_kv
        v = gemm_inputs(v, rounding).repeat_interleave(heads // kvh, dim=1)
        w = torch.matmul(gemm_inputs(q, rounding), k.transpose(2, 3)) * d ** -0.5 + add
        w = torch.softmax(w, dim=-1, dtype=torch.float32).to(q.dtype)
        ctx = torch.matmul(gemm_inputs(w, rounding), v).transpose(1, 2).reshape(B, S, heads * d)
        h = h + lin(ctx, p + "self_attn.o_proj")
        x = rms(h, sd[p + "post_attention_layernorm.weight"], eps)
        g = lin(x, p + "mlp.gate_proj")
        h = h + lin(torch.nn.functional.silu(g) * lin(x, p + "mlp.up_proj"), p + "mlp.down_proj")
    h = rms(h, sd["model.norm.weight"], eps)
    hidden.append(h)
    return h, hidden


def lm_head(sd, c, h, rounding=None):
    w = sd["model.embed_tokens.weight"] if c.get("tie_word_embeddings") else sd["lm_head.weight"]
    return gemm_inputs(h, rounding) @ w.T


def greedy(sd, c, family, ids, mask, steps, eos, penalty=1.0, rounding=None):
    out = [[] for _ in range(ids.shape[0])]
    done = [False] * ids.shape[0]
    gap = float("inf")
    for _ in range(steps):
        positions = (mask.cumsum(-1) - 1).masked_fill(mask == 0, 1)
        h, _ = llama(sd, c, family, ids, mask, positions, rounding)
        logits = lm_head(sd, c, h[:, -1], rounding)
        if penalty != 1.0:  # RepetitionPenaltyLogitsProcessor
            score = torch.gather(logits, 1, ids)
            score = torch.where(score < 0, score * penalty, score / penalty)
            logits = logits.scatter(1, ids, score)
        top = torch.topk(logits, 2, dim=-1).values
        nxt = torch.argmax(logits, dim=-1)
        for b in range(ids.shape[0]):
            if not done[b]:
                gap = min(gap, (top[b, 0] - top[b, 1]).item())
                out[b].append(nxt[b].item())
                done[b] = nxt[b].item() in eos
            else:
                nxt[b] = eos[0]
        ids = torch.cat([ids, nxt[:, None]], dim=1)
        mask = torch.cat([mask, torch.ones_like(mask[:, :1])], dim=1)
        if all(done):
            break
    return out, gap


# ------------------------------------------------------------------------------------------
# Cases


def inputs(vocab, lengths, S, seed):
    gen = torch.Generator().manual_seed(seed)
    ids = torch.zeros((len(lengths), S), dtype=torch.long)
    mask = torch.zeros((len(lengths), S), dtype=torch.long)
    for b, n in enumerate(lengths):
        ids[b, :n] = torch.randint(3, vocab, (n,), generator=gen)
        mask[b, :n] = 1
    return ids, mask


def model_cases(cases, label, repo, family, cls, base_cls, gen_eos=None, penalty=None,
                prompts=True, steps=10):
    """The cases of one model. A BF16 model gets them twice: with F32 products of the
    upcast weights ("gemm": "f32", hfgit's portable kernels) and with the activations
    rounded to bfloat16 at each product ("gemm": "bf16", its AVX-512 BF16 kernels)."""
    c = fwd.read_config(repo)
    if c.get("torch_dtype") != "bfloat16":
        variants = ((None, "", {}),)
    else:
        variants = ((None, "", {"gemm": "f32"}), ("bf16", " bf16-gemm", {"gemm": "bf16"}))
    for rounding, suffix, extra in variants:
        variant_cases(cases, label + suffix, repo, family, cls, base_cls, gen_eos, penalty,
                      prompts, steps, rounding, extra)


def variant_cases(cases, label, repo, family, cls, base_cls, gen_eos, penalty, prompts, steps,
                  rounding, extra):
    c = fwd.read_config(repo)
    # Dynamic rope scaling takes the longest position of the batch: a sequence alone differs.
    dependent = (c.get("rope_scaling") or {}).get("type") == "dynamic"
    sd = fwd.read_weights(repo)
    for batch, lengths in ((1, [12]), (3, [12, 5, 9])):
        ids, mask = inputs(c["vocab_size"], lengths, 12, 500 + batch)
        positions = torch.arange(12)[None].expand_as(ids)
        h, hidden = llama(sd, c, family, ids, mask, positions, rounding)
        keep = hidden if batch == 1 else None
        cases.append(fwd.case("%s b%d" % (label, batch), repo, "config", ["any"], cls,
                              fwd.inputs_json(ids, mask), {"logits": lm_head(sd, c, h, rounding)},
                              keep, length_dependent=dependent, **extra))
        cases.append(fwd.case("%s base b%d" % (label, batch), repo, "base", ["any"], base_cls,
                              fwd.inputs_json(ids, mask), {"last_hidden_state": h}, keep,
                              length_dependent=dependent, **extra))
    if not prompts:
        return
    eos = gen_eos if gen_eos is not None else [c["eos_token_id"]]
    for ids, mask in ((torch.tensor([[5, 17, 33, 8]]), torch.tensor([[1, 1, 1, 1]])),
                      (torch.tensor([[0, 0, 5, 17], [9, 3, 12, 40]]),
                       torch.tensor([[0, 0, 1, 1], [1, 1, 1, 1]]))):
        for p in ([1.0] + ([penalty] if penalty else [])):
            tokens, gap = greedy(sd, c, family, ids, mask, steps, eos, p, rounding)
            assert gap > 1e-3, "near tie in greedy generation of %s (gap %g)" % (label, gap)
            cases.append(fwd.case("%s generate b%d%s" % (label, ids.shape[0],
                                                        " penalty %g" % p if p != 1 else ""),
                                  repo, "config", ["any"], cls, fwd.inputs_json(ids, mask), {},
                                  generate={"max_new_tokens": steps, "tokens": tokens,
                                            "repetition_penalty": p, "min_logit_gap": gap},
                                  **extra))


# ------------------------------------------------------------------------------------------
# Chat: tokenizers with chat templates, and conversations answered


CHAT_BYTES = b" abcdefghijklmnopqrstuvwxyz0123456789.,!?'\n:HIWY"
LLAMA3_TEMPLATE = (
    "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = "
    "'<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] "
    "| trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}"
    "{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>"
    "assistant<|end_header_id|>\\n\\n' }}{% endif %}")
QWEN2_TEMPLATE = (
    "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}"
    "{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}"
    "{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}"
    "{% endif %}")
CHAT_FAMILIES = {
    "llama": {"specials": {1: "<|begin_of_text|>", 2: "<|end_of_text|>",
                           3: "<|start_header_id|>", 4: "<|end_header_id|>", 60: "<|eot_id|>"},
              "bos": "<|begin_of_text|>", "template": LLAMA3_TEMPLATE,
              "config": {"bos_token": "<|begin_of_text|>", "eos_token": "<|eot_id|>"}},
    "qwen2": {"specials": {2: "<|endoftext|>", 62: "<|im_start|>", 63: "<|im_end|>"},
              "bos": None, "template": QWEN2_TEMPLATE,
              "config": {"bos_token": None, "eos_token": "<|im_end|>",
                         "pad_token": "<|endoftext|>"}},
}


class ChatTokenizer:
    def __init__(self, family):
        f = CHAT_FAMILIES[family]
        self.specials = f["specials"]
        free = [i for i in range(64) if i not in self.specials]
        # Every id a token: the ids left after CHAT_BYTES get more printable ASCII.
        more = bytes(b for b in range(0x21, 0x7f) if b not in CHAT_BYTES)
        chars = (CHAT_BYTES + more)[:len(free)]
        self.byte_id = {b: free[k] for k, b in enumerate(chars)}
        self.id_byte = {i: b for b, i in self.byte_id.items()}
        self.family = f

    def write(self, repo):
        d = os.path.join(DATA, repo)
        byte = tiny_task_bytes()
        byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                      "use_regex": True}
        post = byte_level
        bos = self.family["bos"]
        if bos:
            bos_id = [i for i, s in self.specials.items() if s == bos][0]
            post = {"type": "Sequence", "processors": [byte_level, {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": bos, "type_id": 0}},
                           {"Sequence": {"id": "A", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": bos, "type_id": 0}},
                         {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": bos, "type_id": 1}},
                         {"Sequence": {"id": "B", "type_id": 1}}],
                "special_tokens": {bos: {"id": bos, "ids": [bos_id], "tokens": [bos]}}}]}
        tok = {
            "version": "1.0", "truncation": None, "padding": None,
            "added_tokens": [{"id": i, "content": s, "single_word": False, "lstrip": False,
                              "rstrip": False, "normalized": False, "special": True}
                             for i, s in sorted(self.specials.items())],
            "normalizer": None, "pre_tokenizer": byte_level, "post_processor": post,
            "decoder": byte_level,
            "model": {"type": "BPE", "dropout": None, "unk_token": None,
                      "continuing_subword_prefix": "", "end_of_word_suffix": "",
                      "fuse_unk": False, "byte_fallback": False,
                      "vocab": {byte[b]: i for b, i in sorted(self.byte_id.items(),
                                                              key=lambda x: x[1])},
                      "merges": []},
        }
        with open(os.path.join(d, "tokenizer.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(tok, ensure_ascii=False) + "\n")
        config = dict(self.family["config"], model_max_length=256,
                      tokenizer_class="PreTrainedTokenizerFast",
                      chat_template=self.family["template"],
                      added_tokens_decoder={str(i): {"content": s, "lstrip": False,
                                                     "normalized": False, "rstrip": False,
                                                     "single_word": False, "special": True}
                                            for i, s in sorted(self.specials.items())})
        with open(os.path.join(d, "tokenizer_config.json"), "w", encoding="utf-8") as f:
            f.write(json.dumps(config, indent=2, ensure_ascii=False) + "\n")

    def render(self, messages):
        """PreTrainedTokenizerBase.apply_chat_template(tokenize=False, add_generation_prompt=True)."""
        env = jinja2.sandbox.ImmutableSandboxedEnvironment(
            trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
        ctx = dict((k, v) for k, v in self.family["config"].items())
        return env.from_string(self.family["template"]).render(
            messages=messages, add_generation_prompt=True, tools=None, documents=None, **ctx)

    def encode(self, text):
        """add_special_tokens=False: the added tokens split out, then a token per byte."""
        ids, rest = [], text
        while rest:
            hits = [(rest.find(s), s, i) for i, s in self.specials.items() if s in rest]
            at, s, i = min(hits) if hits else (len(rest), None, None)
            ids += [self.byte_id[b] for b in rest[:at].encode()]
            if s is None:
                break
            ids.append(i)
            rest = rest[at + len(s):]
        return ids

    def decode(self, ids):
        return bytes(self.id_byte[i] for i in ids if i not in self.specials).decode()


def tiny_task_bytes():
    """GPT-2's byte -> printable character table (tokenizers' ByteLevel)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("\u00a1"), ord("\u00ac") + 1)) + \
        list(range(ord("\u00ae"), ord("\u00ff") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return {b: chr(c) for b, c in zip(bs, cs)}


def chat_answer(tk, sd, c, family, messages, steps, eos):
    prompt = tk.render(messages)
    ids = tk.encode(prompt)
    tokens, gap = greedy(sd, c, family, torch.tensor([ids]), torch.ones((1, len(ids)),
                         dtype=torch.long), steps, eos)
    assert gap > 1e-3, "near tie in the chat generation of %s (gap %g)" % (family, gap)
    return {"prompt": prompt, "input_ids": ids, "tokens": tokens[0],
            "text": tk.decode(tokens[0]), "min_logit_gap": gap}


def chat_cases(chats, label, repo, family, c, eos, conversations, turns=None, steps=12):
    tk = ChatTokenizer(family)
    tk.write(repo)
    sd = fwd.read_weights(repo)
    for name, messages in conversations:
        case = {"name": "%s %s" % (label, name), "dir": repo, "messages": messages,
                "max_new_tokens": steps, "eos": eos}
        case.update(chat_answer(tk, sd, c, family, messages, steps, eos))
        chats.append(case)
    if turns:  # one conversation, a user line at a time, each reply fed back
        history, answers = [], []
        for line in turns:
            history.append({"role": "user", "content": line})
            a = chat_answer(tk, sd, c, family, list(history), steps, eos)
            answers.append(dict(a, user=line))
            history.append({"role": "assistant", "content": a["text"]})
        chats.append({"name": "%s turns" % label, "dir": repo, "max_new_tokens": steps,
                      "eos": eos, "turns": answers})


def rounded(sd, dtype):
    return collections.OrderedDict((n, t.to(dtype)) for n, t in sd.items())


def main():
    cases = []
    # Llama, F32, untied, 2 of 4 heads per KV head, default rope; generation_config.json
    # with a list of eos ids (the second is one the model generates).
    # 256 positions: a chat prompt is a token per byte here.
    chats = []
    c = base_config("llama", "LlamaForCausalLM", "float32", max_position_embeddings=256)
    sd = fill(param_names(c, "llama"), 301, torch.float32)
    repo = write_model("llama-f32", c, sd)
    first, _ = greedy(fwd.read_weights(repo), c, "llama", torch.tensor([[5, 17, 33, 8]]),
                      torch.tensor([[1, 1, 1, 1]]), 10, [-1])
    eos = [60, first[0][4] if first[0][4] not in first[0][:4] else first[0][5]]
    write_model("llama-f32", c, sd, generation={"bos_token_id": 1, "eos_token_id": eos,
                                                "do_sample": True, "temperature": 0.7,
                                                "top_p": 0.8, "top_k": 20,
                                                "repetition_penalty": 1.3})
    model_cases(cases, "llama-f32", repo, "llama", "LlamaForCausalLM", "LlamaModel",
                gen_eos=eos, penalty=1.3)
    chat_cases(chats, "llama-f32", repo, "llama", c, eos, [
        ("system and turns", [{"role": "system", "content": "be brief."},
                              {"role": "user", "content": "hello"},
                              {"role": "assistant", "content": "Hi, how can I help?"},
                              {"role": "user", "content": "  tell me a joke.\n"}])],
        turns=["hi", "what is 2+2?"])
    # A prompt longer than hfgit's prefill chunk (128 tokens), two sequences of a padded
    # batch: the chunks against the cache must be the whole computation.
    ids, mask = inputs(c["vocab_size"], [300, 170], 300, 777)
    h, _ = llama(fwd.read_weights(repo), c, "llama", ids, mask, torch.arange(300)[None].expand_as(ids))
    cases.append(fwd.case("llama-f32 base long b2", repo, "base", ["any"], "LlamaModel",
                          fwd.inputs_json(ids, mask), {"last_hidden_state": h}))

    # Llama, BF16 in two shards, tied, one KV head, head_dim 16 (4 x 16 != hidden 32),
    # attention and MLP biases, llama3 rope scaling.
    c = base_config("llama", "LlamaForCausalLM", "bfloat16", num_key_value_heads=1, head_dim=16,
                    tie_word_embeddings=True, attention_bias=True, mlp_bias=True,
                    rope_theta=500000.0,
                    rope_scaling={"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
                                  "high_freq_factor": 4.0,
                                  "original_max_position_embeddings": 16})
    repo = write_model("llama-bf16-sharded", c,
                       fill(param_names(c, "llama"), 302, torch.bfloat16), shards=2)
    model_cases(cases, "llama-bf16-sharded", repo, "llama", "LlamaForCausalLM", "LlamaModel")
    # A long prompt in BF16: the prefill's chunks through the BF16 products of many rows.
    # Rounded to BF16, an activation that lies near the midpoint of two BF16 values goes to
    # either, depending on the last bits of the F32 sums before it: a flip moves it by one
    # BF16 step (2^-7 relative), and the change spreads to every later position through
    # attention. Over 300 tokens some flips are bound to happen, so the bound of the rounded
    # arithmetic is measured: three times the largest difference between two evaluations of
    # it that differ only in their sums (F32 here, F64 there).
    c, sd = fwd.read_config(repo), fwd.read_weights(repo)
    sd64 = collections.OrderedDict((n, t.double()) for n, t in sd.items())
    ids, mask = inputs(c["vocab_size"], [300, 170], 300, 778)
    positions = torch.arange(300)[None].expand_as(ids)
    for rounding, suffix in ((None, ""), ("bf16", " bf16-gemm")):
        h, _ = llama(sd, c, "llama", ids, mask, positions, rounding)
        extra = {"gemm": rounding or "f32"}
        if rounding:
            h64, _ = llama(sd64, c, "llama", ids, mask, positions, rounding)
            extra["tolerance"] = max(1e-4, 3 * (h.double() - h64).abs().max().item())
        cases.append(fwd.case("llama-bf16-sharded%s base long b2" % suffix, repo, "base",
                              ["any"], "LlamaModel", fwd.inputs_json(ids, mask),
                              {"last_hidden_state": h}, **extra))

    # Mistral, F16, untied, a KV head per head, linear rope scaling, a sliding window longer
    # than every sequence here (longer ones are refused: see test_llm).
    c = base_config("mistral", "MistralForCausalLM", "float16", num_key_value_heads=4,
                    sliding_window=16, rope_scaling={"type": "linear", "factor": 2.0})
    repo = write_model("mistral-f16", c, fill(param_names(c, "mistral"), 303, torch.float16))
    model_cases(cases, "mistral-f16", repo, "mistral", "MistralForCausalLM", "MistralModel")

    # Qwen2, BF16, tied, q/k/v biases, dynamic rope: max_position_embeddings 8, so that the
    # 12-token forward passes use the grown base (generation stays within 8: with a cache,
    # transformers keeps the keys of shorter lengths, without it recomputes them).
    c = base_config("qwen2", "Qwen2ForCausalLM", "bfloat16", tie_word_embeddings=True,
                    max_position_embeddings=8, rope_theta=1000000.0,
                    rope_scaling={"type": "dynamic", "factor": 2.0},
                    use_sliding_window=False, sliding_window=4096, max_window_layers=2)
    repo = write_model("qwen2-bf16", c, fill(param_names(c, "qwen2"), 304, torch.bfloat16))
    model_cases(cases, "qwen2-bf16", repo, "qwen2", "Qwen2ForCausalLM", "Qwen2Model", steps=4)

    # Qwen2 in F32 with default rope: the biases at the F32 bound. Qwen2 Instruct's
    # generation_config.json ends at <|im_end|> or <|endoftext|>; a third eos id, one the model
    # generates in its first chat answer, makes a chat stop before max_new_tokens.
    c = base_config("qwen2", "Qwen2ForCausalLM", "float32", num_key_value_heads=4,
                    max_position_embeddings=256)
    sd = fill(param_names(c, "qwen2"), 305, torch.float32)
    repo = write_model("qwen2-f32", c, sd)
    qwen_chat = [("default system prompt", [{"role": "user", "content": "hi! what is a llama?"}])]
    tk = ChatTokenizer("qwen2")
    first = chat_answer(tk, sd, c, "qwen2", qwen_chat[0][1], 12, [63, 2])["tokens"]
    eos = [63, 2, next(t for k, t in enumerate(first) if k >= 4 and t not in first[:k])]
    write_model("qwen2-f32", c, sd, generation={"bos_token_id": 2, "eos_token_id": eos})
    model_cases(cases, "qwen2-f32", repo, "qwen2", "Qwen2ForCausalLM", "Qwen2Model",
                gen_eos=eos)
    chat_cases(chats, "qwen2-f32", repo, "qwen2", c, eos, qwen_chat + [
        ("system", [{"role": "system", "content": "you are terse."},
                    {"role": "user", "content": "Why?"}])])

    # Malformed configs: no weights needed, hfgit must refuse them at load.
    bad = os.path.join(HERE, "bad")
    for name, kw in (("heads", {"num_key_value_heads": 3}),
                     ("rope-type", {"rope_scaling": {"rope_type": "yarn", "factor": 4.0}}),
                     ("partial-rotary", {"partial_rotary_factor": 0.5})):
        os.makedirs(os.path.join(bad, name), exist_ok=True)
        with open(os.path.join(bad, name, "config.json"), "w") as f:
            f.write(json.dumps(base_config("llama", "LlamaForCausalLM", "float32", **kw),
                               indent=2, sort_keys=True) + "\n")
    # head_dim that the weights do not have: a load-report error naming the projection.
    c = base_config("llama", "LlamaForCausalLM", "float32")
    sd = fill(param_names(c, "llama"), 306, torch.float32)
    d = write_model("../bad/head-dim", dict(c, head_dim=16), sd)

    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"))
        f.write("\n")
    with open(os.path.join(HERE, "chat.json"), "w") as f:
        json.dump({"torch": torch.__version__, "jinja2": jinja2.__version__, "chats": chats},
                  f, indent=1, ensure_ascii=False)
        f.write("\n")
    print("llm/make.py: %d cases, reference.json %d bytes; %d chats"
          % (len(cases), os.path.getsize(os.path.join(HERE, "reference.json")), len(chats)))


if __name__ == "__main__":
    main()
