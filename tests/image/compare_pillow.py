#!/usr/bin/python3
"""hfgit's image decoding and resizing against Pillow (Debian's python3-pil), the library
transformers' image processors resize with (image_transforms.resize -> PIL.Image.resize).

Images are made here, seeded: smooth gradients with noise and sharp edges, as PNG (RGB, gray,
RGBA, palette, 16-bit gray) and JPEG (RGB at two qualities, gray, 4:2:0 and 4:4:4), resized
up, down (antialiased), to non-square sizes and to their own size. Checked:
  - decoding: every byte equal to Pillow's Image.open(...).convert("RGB");
  - BILINEAR resize: the largest difference from Pillow's, in 8-bit levels, at most
    MAX_LEVELS (0: hfgit follows Pillow's fixed-point arithmetic; any difference is reported);
  - preprocessing: ViTImageProcessor's rescale (float64, then float32) and normalize (float32)
    of Pillow's resized image, within 1e-6.

    compare_pillow.py IMAGE_DUMP
"""
import json
import os
import subprocess
import sys
import tempfile

import numpy
from PIL import Image

MAX_LEVELS = 0


def pattern(w, h, seed):
    rng = numpy.random.default_rng(seed)
    y, x = numpy.mgrid[0:h, 0:w]
    base = numpy.stack([x * 255.0 / max(w - 1, 1), y * 255.0 / max(h - 1, 1),
                        ((x + y) % 17) * 15.0], axis=-1)
    base[(x // 5 + y // 3) % 2 == 0] = 255 - base[(x // 5 + y // 3) % 2 == 0]
    noise = rng.integers(-40, 41, size=(h, w, 3))
    return numpy.clip(base + noise, 0, 255).astype(numpy.uint8)


def main():
    dump = sys.argv[1]
    work = tempfile.mkdtemp(prefix="hfgit-image-")
    cases = []
    for i, (w, h) in enumerate([(37, 23), (7, 5), (300, 200), (16, 16), (640, 480), (1, 1)]):
        rgb = Image.fromarray(pattern(w, h, i))
        variants = {
            "rgb.png": lambda p: rgb.save(p),
            "gray.png": lambda p: rgb.convert("L").save(p),
            "rgba.png": lambda p: Image.merge("RGBA", rgb.split() + (rgb.convert("L"),)).save(p),
            "palette.png": lambda p: rgb.convert("P", palette=Image.ADAPTIVE, colors=64).save(p),
            "q90.jpg": lambda p: rgb.save(p, quality=90),
            "q50-444.jpg": lambda p: rgb.save(p, quality=50, subsampling=0),
            "gray.jpg": lambda p: rgb.convert("L").save(p, quality=85),
        }
        for name, save in variants.items():
            path = os.path.join(work, "%dx%d-%s" % (w, h, name))
            save(path)
            for size in [(16, 16), (224, 224), (w, h), (max(w // 3, 1), h + 5)]:
                cases.append((path, size))
    pp_dir = os.path.join(work, "pp")
    os.makedirs(pp_dir)
    with open(os.path.join(pp_dir, "preprocessor_config.json"), "w") as f:
        json.dump({"size": {"height": 24, "width": 20}, "image_mean": [0.485, 0.456, 0.406],
                   "image_std": [0.229, 0.224, 0.225], "resample": 2, "do_rescale": True,
                   "rescale_factor": 1 / 255}, f)
    mean = numpy.array([0.485, 0.456, 0.406], dtype=numpy.float32)
    std = numpy.array([0.229, 0.224, 0.225], dtype=numpy.float32)

    failures, worst_resize, worst_pixels, checked = 0, 0, 0.0, 0
    out = os.path.join(work, "out.bin")
    for path, (tw, th) in cases:
        im = Image.open(path).convert("RGB")
        w, h = im.size
        r = subprocess.run([dump, path, str(tw), str(th), pp_dir, out], capture_output=True,
                           text=True)
        if r.returncode != 0:
            print("FAIL %s: image_dump: %s" % (path, r.stderr.strip()))
            failures += 1
            continue
        blob = open(out, "rb").read()
        n0, n1 = w * h * 3, tw * th * 3
        decoded = numpy.frombuffer(blob[:n0], dtype=numpy.uint8).reshape(h, w, 3)
        resized = numpy.frombuffer(blob[n0:n0 + n1], dtype=numpy.uint8).reshape(th, tw, 3)
        pixels = numpy.frombuffer(blob[n0 + n1:], dtype=numpy.float32).reshape(3, 24, 20)
        if r.stdout.split() != [str(w), str(h)] or not numpy.array_equal(decoded, numpy.asarray(im)):
            diff = int(numpy.abs(decoded.astype(int) - numpy.asarray(im).astype(int)).max()) \
                if decoded.shape == numpy.asarray(im).shape else -1
            print("FAIL %s: decoded pixels differ from Pillow's (max %d)" % (path, diff))
            failures += 1
        want = numpy.asarray(im.resize((tw, th), resample=Image.BILINEAR, reducing_gap=None))
        d = int(numpy.abs(resized.astype(int) - want.astype(int)).max())
        worst_resize = max(worst_resize, d)
        if d > MAX_LEVELS:
            print("FAIL %s -> %dx%d: resize differs from Pillow's by %d levels" % (path, tw, th, d))
            failures += 1
        # ViTImageProcessor: resize (PIL), rescale in float64 -> float32, normalize, CHW.
        ref = numpy.asarray(im.resize((20, 24), resample=Image.BILINEAR, reducing_gap=None))
        ref = (ref.astype(numpy.float64) * (1 / 255)).astype(numpy.float32)
        ref = ((ref - mean) / std).transpose(2, 0, 1)
        dp = float(numpy.abs(pixels - ref).max())
        worst_pixels = max(worst_pixels, dp)
        if dp > 1e-6:
            print("FAIL %s: pixel_values differ from ViTImageProcessor's by %g" % (path, dp))
            failures += 1
        checked += 1
    print("%d image resizes compared with Pillow %s: largest difference %d levels (accepted %d), "
          "pixel_values within %g" % (checked, Image.__version__, worst_resize, MAX_LEVELS,
                                      worst_pixels))
    subprocess.run(["rm", "-rf", work])
    print("%d passed, %d failed" % (checked - failures, failures))
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
