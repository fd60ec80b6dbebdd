#!/usr/bin/python3
"""Writes the safetensors test files that tests/unit/test_safetensors.c reads.

    /usr/bin/python3 tests/data/safetensors/make.py [output-dir]

Standard library only (struct + json), deterministic, every file well under 10 KB. The files
are committed; run this again only to change them. `valid.safetensors` holds one tensor of
each kind the loader must handle, with its expected values in `valid.expected.json`; each
`bad-*.safetensors` breaks one rule of the format (the C test knows which error to expect).
"""
import json
import os
import struct
import sys

LENGTH = struct.Struct("<Q")


def header_bytes(header, pad_to=8):
    """Compact JSON padded with spaces so that the data starts on a multiple of `pad_to`,
    as the reference writer does."""
    text = header if isinstance(header, bytes) else json.dumps(
        header, separators=(",", ":"), ensure_ascii=False).encode("utf-8")
    text += b" " * (-(LENGTH.size + len(text)) % pad_to)
    return text


def safetensors(header, data=b"", length=None):
    text = header_bytes(header)
    return LENGTH.pack(len(text) if length is None else length) + text + data


def f32(values):
    return struct.pack("<%df" % len(values), *values)


def bf16(value):
    """The top half of the float32: exact for the values used here (checked)."""
    raw = struct.pack("<f", value)
    assert raw[:2] == b"\0\0", "%r is not exact in bfloat16" % value
    return raw[2:]


# name -> (dtype, shape, values, packer); listed in data order (the offsets follow it).
VALID = [
    # 3 bytes first, so that every tensor after it starts at an odd address.
    ("bytes.u8", "U8", [3], [0, 127, 255], lambda v: bytes(v)),
    ("weight.f32", "F32", [2, 3], [1.5, -2.25, 0.0, 65504.0, 2.0 ** -149, -1024.5], f32),
    ("empty.f32", "F32", [0, 4], [], f32),
    ("half.f16", "F16", [4], [1.0, -0.5, 65504.0, 2.0 ** -24],
     lambda v: struct.pack("<%de" % len(v), *v)),
    ("brain.bf16", "BF16", [2, 2], [1.0, -3.0, 0.15625, (2 - 2.0 ** -7) * 2.0 ** 127],
     lambda v: b"".join(bf16(x) for x in v)),
    ("ids.i64", "I64", [3], [-2 ** 63, 42, 2 ** 63 - 1], lambda v: struct.pack("<3q", *v)),
    ("mask.bool", "BOOL", [5], [True, False, False, True, True], lambda v: bytes(v)),
    ("scalar.f64", "F64", [], [3.141592653589793], lambda v: struct.pack("<d", *v)),
]
METADATA = {"format": "pt", "note": "h\u00e9llo \u2713"}


def valid():
    entries, expected, data = {}, [], b""
    for name, dtype, shape, values, pack in VALID:
        raw = pack(values)
        offsets = [len(data), len(data) + len(raw)]
        data += raw
        entries[name] = {"dtype": dtype, "shape": shape, "data_offsets": offsets}
        expected.append({"name": name, "dtype": dtype, "shape": shape,
                         "data_offsets": offsets, "values": values})
    # The header lists tensors out of data order: the loader must sort by offsets.
    header = {"__metadata__": METADATA}
    for name in sorted(entries, reverse=True):
        header[name] = entries[name]
    return safetensors(header, data), {"metadata": METADATA, "tensors": expected}


def tensor(dtype, shape, begin, end):
    return {"dtype": dtype, "shape": shape, "data_offsets": [begin, end]}


ONE_F32 = {"a": tensor("F32", [1], 0, 4)}

INVALID = {
    "truncated": b"\x10\0\0\0\0",
    "header-past-eof": LENGTH.pack(1000) + b'{"a":{"dtype":"F32"',
    "header-too-large": LENGTH.pack(100000001) + b"{}      ",
    "offsets-out-of-range": safetensors({"a": tensor("F32", [4], 0, 16)}, bytes(8)),
    "overlap": safetensors({"a": tensor("F32", [2], 0, 8), "b": tensor("F32", [2], 4, 12)},
                           bytes(12)),
    "hole": safetensors({"a": tensor("F32", [1], 0, 4), "b": tensor("F32", [1], 8, 12)},
                        bytes(12)),
    "trailing-bytes": safetensors(ONE_F32, bytes(8)),
    "unknown-dtype": safetensors({"a": tensor("C64", [1], 0, 8)}, bytes(8)),
    "size-mismatch": safetensors({"a": tensor("F32", [2, 3], 0, 20)}, bytes(20)),
    # json.dumps cannot repeat a key: written by hand. A reader that keeps the last "a"
    # would see a hole instead.
    "duplicate-key": safetensors(
        b'{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},'
        b'"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}', bytes(8)),
    "non-object-entry": safetensors({"a": [0, 4]}, bytes(4)),
    "negative-shape": safetensors({"a": tensor("F32", [-1, 4], 0, 16)}, bytes(16)),
    "not-json": safetensors(b"{not json}", bytes(4)),
    "header-trailing-garbage": safetensors(
        json.dumps(ONE_F32, separators=(",", ":")).encode() + b"  x", bytes(4)),
    "metadata-non-string": safetensors(
        {"__metadata__": {"format": "pt", "epochs": 3}, **ONE_F32}, bytes(4)),
}


def write(directory, name, content):
    assert len(content) < 10 * 1024, name
    with open(os.path.join(directory, name), "wb") as f:
        f.write(content)


def main():
    directory = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    content, expected = valid()
    write(directory, "valid.safetensors", content)
    write(directory, "valid.expected.json",
          (json.dumps(expected, indent=1, ensure_ascii=False) + "\n").encode("utf-8"))
    write(directory, "empty.safetensors", safetensors({}))
    for name, content in INVALID.items():
        write(directory, "bad-%s.safetensors" % name, content)


if __name__ == "__main__":
    main()
