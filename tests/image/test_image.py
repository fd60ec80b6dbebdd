"""The ViT image input against Pillow (Debian's python3-pil) and transformers' processing steps.

Images are made here with Pillow (PNG of every colour type, interlaced, 16-bit; JPEG colour
and grey), each with a preprocessor_config.json; libhfgit's decoded pixels must equal
Image.open(...).convert("RGB") byte for byte, and its pixel_values must equal those of
ViTImageProcessor's steps done with Pillow and numpy: Image.resize(size, resample) on the
uint8 image, rescale in float64 then float32, (x - mean) / std in float32, channels first.
Accepted difference: none for the uint8 stages; 1e-6 for the floats (the same float32
operations in the same order give the same bits; the margin only allows for a compiler that
contracts a multiply-add).

usage: /usr/bin/python3 test_image.py IMAGE_DUMP WORKDIR
"""
import json
import os
import subprocess
import sys

import numpy as np
from PIL import Image

dump, work = sys.argv[1], sys.argv[2]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(1234)
failures = 0
checks = 0


def fail(msg):
    global failures
    failures += 1
    print("FAIL:", msg)


def smooth(w, h):
    y, x = np.mgrid[0:h, 0:w]
    base = np.stack([(x * 255 / max(w - 1, 1)), (y * 255 / max(h - 1, 1)),
                     ((x + y) * 127 / max(w + h - 2, 1))], axis=-1)
    return np.clip(base + rng.normal(0, 25, base.shape), 0, 255).astype(np.uint8)


def reference(path, cfg):
    img = Image.open(path).convert("RGB")
    arr = np.array(img)
    size = cfg.get("size", {"height": 224, "width": 224})
    if isinstance(size, int):
        size = {"height": size, "width": size}
    if cfg.get("do_resize", True):
        resample = Image.Resampling(cfg.get("resample", 2))
        arr = np.array(Image.fromarray(arr).resize((size["width"], size["height"]),
                                                   resample=resample, reducing_gap=None))
    x = arr
    if cfg.get("do_rescale", True):
        x = (x.astype(np.float64) * cfg.get("rescale_factor", 1 / 255)).astype(np.float32)
    if cfg.get("do_normalize", True):
        x = x.astype(np.float32)
        mean = np.array(cfg.get("image_mean", [0.5, 0.5, 0.5]), dtype=np.float32)
        std = np.array(cfg.get("image_std", [0.5, 0.5, 0.5]), dtype=np.float32)
        x = (x - mean) / std
    return np.array(Image.open(path).convert("RGB")), x.astype(np.float32).transpose(2, 0, 1)


def case(name, make, cfg):
    global checks
    d = os.path.join(work, name)
    os.makedirs(d, exist_ok=True)
    path = os.path.join(d, make(d))
    if cfg is not None:
        with open(os.path.join(d, "preprocessor_config.json"), "w") as f:
            json.dump(cfg, f)
    decoded_ref, pixels_ref = reference(path, cfg or {})
    out = subprocess.run([dump, path, os.path.join(d, "rgb.u8")], capture_output=True, text=True)
    if out.returncode:
        fail(f"{name}: decode failed: {out.stderr.strip()}")
        return
    w, h = map(int, out.stdout.split())
    got = np.fromfile(os.path.join(d, "rgb.u8"), dtype=np.uint8).reshape(h, w, 3)
    checks += 1
    if got.shape != decoded_ref.shape or not np.array_equal(got, decoded_ref):
        diff = np.abs(got.astype(int) - decoded_ref.astype(int)).max() if got.shape == decoded_ref.shape else "shape"
        fail(f"{name}: decoded pixels differ from Pillow's (max {diff})")
    out = subprocess.run([dump, path, os.path.join(d, "px.f32"), d], capture_output=True, text=True)
    if out.returncode:
        fail(f"{name}: preprocess failed: {out.stderr.strip()}")
        return
    w, h = map(int, out.stdout.split())
    px = np.fromfile(os.path.join(d, "px.f32"), dtype=np.float32).reshape(3, h, w)
    checks += 1
    if px.shape != pixels_ref.shape:
        fail(f"{name}: pixel_values shape {px.shape}, reference {pixels_ref.shape}")
        return
    err = float(np.abs(px - pixels_ref).max())
    if err > 1e-6:
        fail(f"{name}: pixel_values differ by up to {err}")
    print(f"{name}: {w}x{h}, largest difference from the reference {err:g}")


def png(arr, mode=None, **kw):
    def make(d):
        Image.fromarray(arr, mode).save(os.path.join(d, "in.png"), **kw)
        return "in.png"
    return make


def jpeg(arr, mode=None, **kw):
    def make(d):
        Image.fromarray(arr, mode).save(os.path.join(d, "in.jpg"), **kw)
        return "in.jpg"
    return make


def palette(d):
    Image.fromarray(smooth(64, 48)).convert("P", palette=Image.Palette.ADAPTIVE, colors=37).save(
        os.path.join(d, "in.png"), transparency=3)
    return "in.png"


def png16(d):
    arr = (smooth(50, 40).astype(np.uint16) * 257 + rng.integers(0, 256, (40, 50, 3))).astype(">u2")
    # Pillow cannot write 16-bit RGB; the PNG is written by hand (zlib, one filter byte per row).
    import struct
    import zlib
    raw = b"".join(b"\0" + row.tobytes() for row in arr)
    def chunk(t, data):
        return struct.pack(">I", len(data)) + t + data + struct.pack(">I", zlib.crc32(t + data))
    ihdr = struct.pack(">IIBBBBB", 50, 40, 16, 2, 0, 0, 0)
    with open(os.path.join(d, "in.png"), "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw)) +
                chunk(b"IEND", b""))
    return "in.png"


imagenet = {"image_mean": [0.485, 0.456, 0.406], "image_std": [0.229, 0.224, 0.225]}
case("rgb-png-defaults", png(smooth(320, 240)), None)
case("rgb-jpeg-old-size", jpeg(smooth(500, 375), quality=90),
     {"feature_extractor_type": "ViTFeatureExtractor", "size": 224, "resample": 2, **imagenet})
case("jpeg-444-bicubic", jpeg(smooth(257, 131), quality=75, subsampling=0),
     {"size": {"height": 64, "width": 96}, "resample": 3})
case("rgba-png-upscale", png(np.dstack([smooth(100, 80), rng.integers(0, 256, (80, 100), dtype=np.uint8)]), "RGBA"),
     {"size": {"height": 160, "width": 128}, "resample": 3})
case("palette-png", palette, {"size": {"height": 224, "width": 224}})
case("gray-jpeg-lanczos", jpeg(smooth(300, 300)[:, :, 0], "L", quality=85), {"size": 96, "resample": 1})
case("gray-alpha-png-box", png(np.dstack([smooth(90, 70)[:, :, 1], smooth(90, 70)[:, :, 2]]), "LA"),
     {"size": 30, "resample": 4})
case("gray1-png-hamming", png(smooth(77, 55)[:, :, 0] > 128, "1"), {"size": 40, "resample": 5})
case("interlaced-png", png(smooth(131, 97), optimize=False), {"size": 224})
case("png16-rgb", png16, None)
case("same-size", png(smooth(224, 224)), None)
case("no-resize", png(smooth(40, 30)), {"do_resize": False, "do_normalize": False})
case("narrow-wide", png(smooth(1000, 10)), {"size": {"height": 224, "width": 224}})

# Interlaced (Adam7) written by hand is not needed: Pillow writes interlace=1 too.
def interlaced(d):
    Image.fromarray(smooth(61, 45)).save(os.path.join(d, "in.png"), interlace=1)
    return "in.png"
case("adam7-png", interlaced, {"size": 32})

# Bad input: clear errors, nothing written.
bad = os.path.join(work, "bad")
os.makedirs(bad, exist_ok=True)
Image.fromarray(smooth(40, 30)).save(os.path.join(bad, "ok.png"))
data = open(os.path.join(bad, "ok.png"), "rb").read()
open(os.path.join(bad, "truncated.png"), "wb").write(data[: len(data) // 2])
open(os.path.join(bad, "garbage.png"), "wb").write(b"GIF89a not an image at all")
Image.fromarray(smooth(40, 30)).convert("CMYK").save(os.path.join(bad, "cmyk.jpg"))
Image.fromarray(smooth(40, 30)).save(os.path.join(bad, "ok.jpg"))
jdata = open(os.path.join(bad, "ok.jpg"), "rb").read()
open(os.path.join(bad, "truncated.jpg"), "wb").write(jdata[:200])
with open(os.path.join(bad, "preprocessor_config.json"), "w") as f:
    json.dump({"resample": 0}, f)
for name, want in [("truncated.png", "not a readable PNG"), ("garbage.png", "neither PNG nor JPEG"),
                   ("cmyk.jpg", "CMYK JPEG is not supported"), ("truncated.jpg", "not a readable JPEG"),
                   ("ok.png", "resample 0 is not supported")]:
    out = subprocess.run([dump, os.path.join(bad, name), os.path.join(bad, "out"), bad],
                         capture_output=True, text=True)
    checks += 1
    if out.returncode != 1 or want not in out.stderr:
        fail(f"{name}: expected an error with '{want}', got {out.returncode}: {out.stderr.strip()}")

print(f"{checks - failures} passed, {failures} failed")
sys.exit(1 if failures else 0)
