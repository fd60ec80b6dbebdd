#!/usr/bin/python3
"""Writes the tiny tokenizers of the task tests (tokenizers/) and the reference answers of
hfgit run's tasks on the tiny models (reference.json).

Run with Debian's python3 and python3-torch, after tests/data/forward/make.py:

    /usr/bin/python3 tests/data/task/make.py

The tokenizers fit the tiny models' 50-token vocabularies:
  tokenizers/bert: a WordPiece vocab.txt (5 special tokens, 45 words and pieces) with a
    tokenizer_config.json, the legacy files distilbert-base-uncased-finetuned-sst-2-english
    ships, model_max_length 20 as the tiny models' positions;
  tokenizers/gpt2: a byte-level BPE tokenizer.json of 49 single-byte tokens (lower-case
    letters, digits, punctuation, and the bytes of "é" and "😀" so that a character can be
    split across tokens) and <|endoftext|> as id 49, the tiny GPT-2's eos.

The reference encodes the texts itself (BERT's basic tokenizer and greedy longest-match
WordPiece on these simple texts; one byte per token for the byte-level BPE, which has no
merges), runs the forward passes of tests/data/forward/make.py, and applies the pipelines'
post-processing as transformers writes it: TextClassificationPipeline's softmax (numpy,
shifted by the maximum) or sigmoid with labels sorted by score; feature-extraction's
last_hidden_state with [CLS] or mask-weighted mean pooling; TextGenerationPipeline's greedy
generate() (do_sample=False) on left-padded prompts, stopping at eos.
"""
import json
import os
import sys
import unicodedata

import torch
import torch.nn.functional as F

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(DATA, "forward"))
import make as fwd  # noqa: E402  (the forward reference: weights, configs, forward passes)

MAX_LENGTH = 20

BERT_VOCAB = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]",
              "the", "a", "film", "movie", "was", "is", "good", "bad", "great", "terrible",
              "not", "very", "i", "it", "and", "this", "love", "hate", "boring", "fun",
              "plot", "story", "really", "best", "worst", "ever", "so", "but", "too", "my",
              "dog", "cute", "hello", "world", "cafe", ".", ",", "!", "?", "'",
              "##s", "##ly", "##ing", "##ed", "##e"]
assert len(BERT_VOCAB) == 50


def bytes_to_unicode():
    """GPT-2's byte -> printable character table (tokenizers' ByteLevel)."""
    bs = list(range(ord("!"), ord("~") + 1)) + list(range(ord("¡"), ord("¬") + 1)) + \
        list(range(ord("®"), ord("ÿ") + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


BYTE = bytes_to_unicode()
GPT2_BYTES = (b" abcdefghijklmnopqrstuvwxyz0123456789.,!?'\n" + "é".encode() +
              "😀".encode())
GPT2_VOCAB = [BYTE[b] for b in GPT2_BYTES]
assert len(GPT2_VOCAB) == 49 and len(set(GPT2_VOCAB)) == 49
EOS = "<|endoftext|>"


def write(path, text):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8") as f:
        f.write(text)


def write_tokenizers():
    d = os.path.join(HERE, "tokenizers")
    write(os.path.join(d, "bert", "vocab.txt"), "".join(t + "\n" for t in BERT_VOCAB))
    write(os.path.join(d, "bert", "tokenizer_config.json"), json.dumps({
        "do_lower_case": True, "model_max_length": MAX_LENGTH,
        "tokenizer_class": "DistilBertTokenizer"}, indent=2) + "\n")
    byte_level = {"type": "ByteLevel", "add_prefix_space": False, "trim_offsets": True,
                  "use_regex": True}
    tok = {
        "version": "1.0", "truncation": None, "padding": None,
        "added_tokens": [{"id": 49, "content": EOS, "single_word": False, "lstrip": False,
                          "rstrip": False, "normalized": True, "special": True}],
        "normalizer": None, "pre_tokenizer": byte_level, "post_processor": byte_level,
        "decoder": byte_level,
        "model": {"type": "BPE", "dropout": None, "unk_token": None,
                  "continuing_subword_prefix": "", "end_of_word_suffix": "",
                  "fuse_unk": False, "byte_fallback": False,
                  "vocab": {t: i for i, t in enumerate(GPT2_VOCAB)}, "merges": []},
    }
    write(os.path.join(d, "gpt2", "tokenizer.json"), json.dumps(tok, ensure_ascii=False) + "\n")
    write(os.path.join(d, "gpt2", "tokenizer_config.json"), json.dumps({
        "model_max_length": MAX_LENGTH, "bos_token": EOS, "eos_token": EOS,
        "unk_token": EOS, "tokenizer_class": "GPT2Tokenizer"}, indent=2) + "\n")


# ------------------------------------------------------------------------------------------
# Encoding, as BertTokenizer / GPT2Tokenizer do it on these texts


def bert_encode(text):
    """BasicTokenizer (lower case, accents stripped, split on spaces and punctuation) and
    WordPiece, [CLS] ... [SEP], truncated to MAX_LENGTH."""
    text = "".join(c for c in unicodedata.normalize("NFD", text.lower())
                   if unicodedata.category(c) != "Mn")
    words = []
    for chunk in text.split():
        cur = ""
        for ch in chunk:
            if unicodedata.category(ch).startswith("P"):
                if cur:
                    words.append(cur)
                words.append(ch)
                cur = ""
            else:
                cur += ch
        if cur:
            words.append(cur)
    ids = []
    for word in words:
        pieces, start = [], 0
        while start < len(word):
            end = len(word)
            while end > start:
                piece = word[start:end] if start == 0 else "##" + word[start:end]
                if piece in BERT_VOCAB:
                    break
                end -= 1
            if end == start:
                pieces = [BERT_VOCAB.index("[UNK]")]
                break
            pieces.append(BERT_VOCAB.index(piece))
            start = end
        ids.extend(pieces)
    full = len(ids) + 2
    ids = [2] + ids[:MAX_LENGTH - 2] + [3]
    return ids, (full if full > MAX_LENGTH else 0)


def gpt2_encode(text):
    return [GPT2_VOCAB.index(BYTE[b]) for b in text.encode()]


def gpt2_decode(ids):
    inv = {v: k for k, v in BYTE.items()}
    return bytes(inv[c] for i in ids if i != 49 for c in GPT2_VOCAB[i]).decode("utf-8", "replace")


def pad(rows, left=False):
    S = max(len(r) for r in rows)
    ids = torch.zeros((len(rows), S), dtype=torch.long)
    mask = torch.zeros((len(rows), S), dtype=torch.long)
    for i, r in enumerate(rows):
        at = S - len(r) if left else 0
        ids[i, at:at + len(r)] = torch.tensor(r)
        mask[i, at:at + len(r)] = 1
    return ids, mask


# ------------------------------------------------------------------------------------------
# The pipelines' post-processing


def softmax(x):
    """TextClassificationPipeline's softmax (numpy, in float32 as the logits are)."""
    e = torch.exp(x - x.max(dim=-1, keepdim=True).values)
    return e / e.sum(dim=-1, keepdim=True)


def labels_json(scores, id2label):
    order = sorted(range(len(scores)), key=lambda j: -scores[j])  # stable, as list.sort
    return [{"label": id2label[str(j)], "id": j, "score": float(scores[j])} for j in order]


TEXTS = [
    "This film was really good!",
    "a boring, terrible movie",
    "I love my dog",
    "Not the best story ever... but fun",
    "Hello, world",
    "the plot was so bad it was fun, and the story was very very very good, really, really good",  # truncated
]

def classification_cases():
    cases = []
    for repo, label in (("models/distilbert-sst2", "distilbert-sst2"),
                        ("models/bert-sst2", "bert-sst2")):
        c = fwd.read_config(repo)
        sd = fwd.read_weights(repo)
        encoded = [bert_encode(t) for t in TEXTS]
        ids, mask = pad([e[0] for e in encoded])
        if c["model_type"] == "distilbert":
            prefix = "distilbert." if any(n.startswith("distilbert.") for n in sd) else ""
            h, _ = fwd.distilbert(fwd.Weights(sd, prefix), c, ids, mask)
            pooled = F.relu(h[:, 0] @ sd["pre_classifier.weight"].T + sd["pre_classifier.bias"])
        else:
            _, pooled, _ = fwd.bert(fwd.Weights(sd, "bert."), c, ids, mask, None)
        logits = pooled @ sd["classifier.weight"].T + sd["classifier.bias"]
        for fn in ("softmax", "sigmoid"):
            scores = softmax(logits) if fn == "softmax" else torch.sigmoid(logits)
            cases.append({
                "name": "%s %s" % (label, fn), "model": repo, "tokenizer": "tokenizers/bert",
                "task": "text-classification", "function": fn, "texts": TEXTS,
                "results": [{"input_ids": e[0], "truncated_from": e[1],
                             "labels": labels_json(scores[i].tolist(), c["id2label"])}
                            for i, e in enumerate(encoded)]})
    return cases


def feature_cases():
    cases = []
    texts = TEXTS[:4]
    for repo, label in (("models/bert-base", "bert-base"),
                        ("models/distilbert-sst2", "distilbert-sst2 base")):
        c = fwd.read_config(repo)
        sd = fwd.read_weights(repo)
        encoded = [bert_encode(t) for t in texts]
        ids, mask = pad([e[0] for e in encoded])
        if c["model_type"] == "distilbert":
            prefix = "distilbert." if any(n.startswith("distilbert.") for n in sd) else ""
            h, _ = fwd.distilbert(fwd.Weights(sd, prefix), c, ids, mask)
        else:
            prefix = "bert." if any(n.startswith("bert.") for n in sd) else ""
            h, _, _ = fwd.bert(fwd.Weights(sd, prefix), c, ids, mask, None)
        m = mask[:, :, None].float()
        mean = (h * m).sum(1) / torch.clamp(m.sum(1), min=1e-9)
        for pooling in ("cls", "mean"):
            pooled = h[:, 0] if pooling == "cls" else mean
            cases.append({
                "name": "%s %s" % (label, pooling), "model": repo,
                "tokenizer": "tokenizers/bert", "task": "feature-extraction",
                "pooling": pooling, "texts": texts,
                "results": [{"input_ids": e[0], "pooled": pooled[i].tolist(),
                             "embeddings": h[i, :len(e[0])].tolist()}
                            for i, e in enumerate(encoded)]})
    return cases


def generation_cases():
    repo = "models/gpt2"
    c = fwd.read_config(repo)
    w = fwd.Weights(fwd.read_weights(repo), "")
    cases = []
    for texts, new in ((["hello world"], 9), (["the dog", "a café, 😀"], 7)):
        encoded = [gpt2_encode(t) for t in texts]
        ids, mask = pad(encoded, left=True)
        tokens, gap = fwd.greedy(w, c, ids, mask, new)
        assert gap > 1e-3, "near tie in greedy generation (gap %g): pick another prompt" % gap
        cases.append({
            "name": "gpt2 greedy b%d" % len(texts), "model": repo, "tokenizer": "tokenizers/gpt2",
            "task": "text-generation", "max_new_tokens": new, "texts": texts,
            "min_logit_gap": gap,
            "results": [{"input_ids": e, "generated_ids": t,
                         "generated_text": texts[i] + gpt2_decode(e + t)[len(gpt2_decode(e)):]}
                        for i, (e, t) in enumerate(zip(encoded, tokens))]})
    return cases


def image_cases():
    """Images made here (seeded), as PNG and JPEG; ViTImageProcessor's preprocessing with
    Pillow's resize (size 16 from images/preprocessor_config.json), rescale, normalize; the
    tiny ViTForImageClassification; softmax; the labels best first (top_k 5 > 3 labels)."""
    from PIL import Image
    import numpy
    d = os.path.join(HERE, "images")
    os.makedirs(d, exist_ok=True)
    pp = {"do_normalize": True, "do_rescale": True, "do_resize": True,
          "image_mean": [0.5, 0.5, 0.5], "image_std": [0.5, 0.5, 0.5],
          "image_processor_type": "ViTImageProcessor", "resample": 2,
          "rescale_factor": 0.00392156862745098, "size": {"height": 16, "width": 16}}
    write(os.path.join(d, "preprocessor_config.json"), json.dumps(pp, indent=2) + "\n")
    gen = torch.Generator().manual_seed(7)
    files = []
    for name, (w, h) in (("stripes.png", (40, 30)), ("noise.jpg", (23, 23)), ("small.png", (9, 12))):
        a = (torch.rand((h, w, 3), generator=gen) * 120).to(torch.uint8).numpy()
        a[:, ::4] = 250
        a[::3, :, 1] = 10
        path = os.path.join(d, name)
        Image.fromarray(a).save(path, **({"quality": 90} if name.endswith(".jpg") else {}))
        files.append(name)
    repo = "models/vit"
    c = fwd.read_config(repo)
    sd = fwd.read_weights(repo)
    prefix = "vit." if any(n.startswith("vit.") for n in sd) else ""
    rows = []
    for name in files:
        im = Image.open(os.path.join(d, name)).convert("RGB").resize((16, 16), Image.BILINEAR)
        x = (numpy.asarray(im).astype(numpy.float64) * pp["rescale_factor"]).astype(numpy.float32)
        x = (x - numpy.float32(0.5)) / numpy.float32(0.5)
        rows.append(torch.from_numpy(x.transpose(2, 0, 1).copy()))
    seq, _ = fwd.vit(fwd.Weights(sd, prefix), c, torch.stack(rows))
    logits = seq[:, 0] @ sd["classifier.weight"].T + sd["classifier.bias"]
    scores = softmax(logits)
    return [{"name": "vit images", "model": repo, "task": "image-classification",
             "images": ["images/" + f for f in files],
             "results": [{"labels": labels_json(scores[i].tolist(), c["id2label"])}
                         for i in range(len(files))]}]


def main():
    write_tokenizers()
    cases = classification_cases() + feature_cases() + generation_cases() + image_cases()
    with open(os.path.join(HERE, "reference.json"), "w") as f:
        json.dump({"torch": torch.__version__, "cases": cases}, f, separators=(",", ":"),
                  ensure_ascii=False)
        f.write("\n")
    print("task/make.py: %d cases" % len(cases))


if __name__ == "__main__":
    main()
