#!/usr/bin/python3
"""Writes the PyTorch checkpoints that tests/unit/test_torch_load.c loads, and expected.json.

Run with Debian's python3 and python3-torch (1.13 on bookworm), from anywhere:

    /usr/bin/python3 tests/data/torch/make.py

The files are committed, so the tests need neither Python nor torch. They are:

- checkpoints saved by torch.save itself, in the zip format and the legacy format
  (_use_new_zipfile_serialization=False), with pickle protocols 2 and 4: tensors of several
  dtypes, a shared storage, non-contiguous views (transposed, strided, expanded), a 0-d scalar,
  an empty tensor, an nn.Parameter, and a real module's state_dict() (with its _metadata);
- checkpoints written here byte by byte where torch 1.13 cannot produce them: a ZIP64 archive,
  _rebuild_tensor_v3 over an UntypedStorage with float8 and uint16 dtypes (torch >= 2.1),
  nested dicts;
- files that must be refused: pickles that call os.system or eval (they never run: the
  loader refuses the global before anything happens), a missing storage record, a truncated
  archive, a storage smaller than its pickle claims, a view past its storage, a compressed
  record, a big-endian archive, SETITEM on a list, a truncated legacy file.

expected.json has, for each loadable file, every tensor's dtype, shape, strides, contiguity,
storage offset, which tensors share a storage and every value (for hand-made files the bytes
in hex); for each refused file, strings its error message must contain.
"""
import collections
import io
import json
import os
import pickle
import struct
import sys
import zipfile
import zlib

import torch

HERE = os.path.dirname(os.path.abspath(__file__))

DTYPE_NAMES = {
    torch.float32: "F32", torch.float16: "F16", torch.bfloat16: "BF16", torch.float64: "F64",
    torch.int64: "I64", torch.int32: "I32", torch.int16: "I16", torch.int8: "I8",
    torch.uint8: "U8", torch.bool: "BOOL",
}


def path(name):
    return os.path.join(HERE, name)


# ------------------------------------------------------------------------------------------
# State dicts


def small_state_dict():
    """Every dtype a state dict has, and every kind of view torch.save keeps as a view."""
    a = torch.arange(6, dtype=torch.float32).reshape(2, 3) * 0.5 - 1.25
    sd = collections.OrderedDict()
    sd["f32"] = a
    sd["f32_t"] = a.t()            # transposed: shares a's storage, strides (1, 3)
    sd["f32_row"] = a[1]           # shares a's storage at offset 3
    sd["f32_col"] = a[:, 1]        # strided with an offset
    sd["f16"] = torch.tensor([1.5, -2.0, 65504.0, 6.103515625e-05, 5.960464477539063e-08],
                             dtype=torch.float16)
    sd["bf16"] = torch.tensor([[1.0, -3.5], [1e30, 2.0 ** -20]], dtype=torch.bfloat16)
    sd["f64"] = torch.tensor([3.141592653589793, -0.0, 1e-300], dtype=torch.float64)
    sd["i64"] = torch.tensor([0, -1, 2 ** 40, -(2 ** 62), 2 ** 63 - 1], dtype=torch.int64)
    sd["i32"] = torch.tensor([-(2 ** 31), 2 ** 31 - 1, 7], dtype=torch.int32)
    sd["i16"] = torch.tensor([-32768, 32767], dtype=torch.int16)
    sd["i8"] = torch.tensor([-128, 127, 0], dtype=torch.int8)
    sd["u8"] = torch.tensor([0, 255, 128], dtype=torch.uint8)
    sd["bool"] = torch.tensor([True, False, True])
    sd["scalar"] = torch.tensor(2.25)                             # 0-d
    sd["empty"] = torch.zeros(0, 3)
    sd["param"] = torch.nn.Parameter(torch.tensor([0.25, 0.75]))  # _rebuild_parameter
    sd["expanded"] = torch.tensor([7.0, 8.0]).expand(3, 2)        # stride 0
    return sd


class Tiny(torch.nn.Module):
    """A module whose state_dict() is what a pytorch_model.bin holds, _metadata included."""

    def __init__(self):
        super().__init__()
        self.embed = torch.nn.Embedding(5, 4)
        self.norm = torch.nn.LayerNorm(4)
        self.head = torch.nn.Linear(4, 3)
        self.register_buffer("position_ids", torch.arange(5).expand((1, -1)))


def module_state_dict():
    torch.manual_seed(1234)
    model = Tiny().to(torch.float16)
    with torch.no_grad():
        model.norm.bias.copy_(torch.tensor([0.5, -0.5, 1.0, -1.0]))
    return model.state_dict()


# ------------------------------------------------------------------------------------------
# expected.json


def storage_ident(t):
    return t.storage().data_ptr(), t.storage().size()


def describe_tensors(sd):
    """name -> what the loader must report; shares names the first tensor of a storage."""
    out, first_of_storage = {}, {}
    for name, t in sd.items():
        t = t.detach()
        ident = storage_ident(t)
        first_of_storage.setdefault(ident, name)
        out[name] = {
            "dtype": DTYPE_NAMES[t.dtype],
            "shape": list(t.shape),
            "strides": list(t.stride()),
            "contiguous": t.is_contiguous(),
            "storage_offset": t.storage_offset(),
            "storage": first_of_storage[ident],
            "values": t.flatten().tolist(),
        }
    return out


# ------------------------------------------------------------------------------------------
# Writing archives and pickles by hand


def write_zip(records, prefix="archive", zip64=False, deflate=()):
    """An archive laid out as PyTorch lays it out (data 64-byte aligned through a padding
    extra field), optionally with every size and offset in ZIP64 fields, as PyTorch writes
    archives beyond 4 GiB."""
    out, central = bytearray(), []
    for name, data in records:
        full = (prefix + "/" + name).encode()
        method = 8 if name in deflate else 0
        if method:
            packer = zlib.compressobj(9, zlib.DEFLATED, -15)
            payload = packer.compress(data) + packer.flush()
        else:
            payload = data
        crc, offset = zlib.crc32(data), len(out)
        zip64_local = struct.pack("<HHQQ", 1, 16, len(data), len(payload)) if zip64 else b""
        fixed = 30 + len(full) + len(zip64_local) + 4
        pad = (-(offset + fixed)) % 64
        extra = zip64_local + struct.pack("<HH", 0x4246, pad) + b"Z" * pad
        sizes = (0xFFFFFFFF, 0xFFFFFFFF) if zip64 else (len(payload), len(data))
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 45 if zip64 else 20, 0, method, 0, 0x21,
                           crc, sizes[0], sizes[1], len(full), len(extra))
        out += full + extra + payload
        central.append((full, method, crc, len(payload), len(data), offset))
    cd_offset = len(out)
    for full, method, crc, csize, usize, offset in central:
        if zip64:
            extra = struct.pack("<HHQQQ", 1, 24, usize, csize, offset)
            csize = usize = offset = 0xFFFFFFFF
        else:
            extra = b""
        out += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 45, 45 if zip64 else 20, 0, method,
                           0, 0x21, crc, csize, usize, len(full), len(extra), 0, 0, 0, 0, offset)
        out += full + extra
    cd_size, count = len(out) - cd_offset, len(central)
    if zip64:
        record = len(out)
        out += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, count, count, cd_size,
                           cd_offset)
        out += struct.pack("<IIQI", 0x07064B50, 0, record, 1)
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    else:
        out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, cd_size, cd_offset, 0)
    return bytes(out)


def zip_records(filename):
    """(name below the top folder, bytes) of every record of a torch-written archive."""
    with zipfile.ZipFile(filename) as z:
        return [(i.filename.split("/", 1)[1], z.read(i)) for i in z.infolist()]


class Pickle:
    """A pickle written opcode by opcode, for what torch 1.13's pickler cannot write."""

    def __init__(self, protocol=2):
        self.out = bytearray(b"\x80" + bytes([protocol]))

    def op(self, *parts):
        for p in parts:
            self.out += p if isinstance(p, (bytes, bytearray)) else bytes([p])
        return self

    def global_(self, module, name):
        return self.op(b"c" + module.encode() + b"\n" + name.encode() + b"\n")

    def stack_global(self, module, name):
        return self.str(module).str(name).op(0x93)

    def str(self, s):
        b = s.encode()
        if len(b) < 256:
            return self.op(0x8C, len(b), b)
        return self.op(b"X", struct.pack("<I", len(b)), b)

    def int(self, i):
        if 0 <= i < 256:
            return self.op(b"K", i)
        return self.op(b"J", struct.pack("<i", i))

    def ints(self, values):
        self.op(b"(")
        for v in values:
            self.int(v)
        return self.op(b"t")

    def storage(self, cls, key, numel, legacy=False, view=None):
        """A persistent id ('storage', cls, key, 'cpu', numel); the legacy format adds view
        metadata, (view key, offset, numel) or None."""
        self.op(b"(").str("storage").global_("torch", cls).str(key).str("cpu").int(numel)
        if view:
            self.str(view[0]).int(view[1]).int(view[2]).op(0x87)
        elif legacy:
            self.op(b"N")
        return self.op(b"t", b"Q")

    def ordered_dict(self):
        return self.global_("collections", "OrderedDict").op(b")", b"R")

    def tensor_v2(self, cls, key, numel, offset, shape, strides, legacy=False, view=None):
        self.global_("torch._utils", "_rebuild_tensor_v2").op(b"(")
        self.storage(cls, key, numel, legacy, view).int(offset).ints(shape).ints(strides).op(0x89)
        return self.ordered_dict().op(b"t", b"R")

    def tensor_v3(self, key, nbytes, offset, shape, strides, dtype):
        self.stack_global("torch._utils", "_rebuild_tensor_v3").op(0x94, b"(")
        self.storage("UntypedStorage", key, nbytes).int(offset).ints(shape).ints(strides)
        self.op(0x89).ordered_dict().stack_global("torch", dtype)
        return self.op(b"t", b"R")

    def stop(self):
        return bytes(self.out + b".")


def handmade_v3():
    """What torch >= 2.1 writes for dtypes without a typed storage: _rebuild_tensor_v3 over
    an UntypedStorage, under protocol 4 opcodes; also nested dicts, non-tensor values and an
    OrderedDict with BUILD state (model.state_dict()'s _metadata)."""
    f8 = bytes([0x00, 0x38, 0x40, 0xB8, 0x7E, 0x01])  # 0, 1, 2, -1, 448, 2^-9 as E4M3
    u16 = struct.pack("<3H", 1, 65535, 4660)
    f32 = struct.pack("<4f", 0.5, -8.0, 3.0, 1.0)
    p = Pickle(protocol=4).op(0x95, struct.pack("<Q", 0))  # a FRAME, as protocol 4 has
    p.op(b"}", 0x94, b"(")
    p.str("model").op(b"}", 0x94, b"(")
    p.str("f8").tensor_v3("0", len(f8), 0, [2, 3], [3, 1], "float8_e4m3fn")
    p.str("u16").tensor_v3("1", len(u16), 1, [2], [1], "uint16")
    p.str("nested").ordered_dict().op(0x94, b"(")
    p.str("x").tensor_v2("FloatStorage", "2", 4, 0, [2, 2], [1, 2])
    p.op(b"u").op(b"}", b"(").str("_metadata").op(b"}", b"u", b"b")  # BUILD with state
    p.op(b"u")
    p.str("epoch").int(3).str("note").str("not a tensor").str("losses").op(b"]", b"(")
    p.op(b"G", struct.pack(">d", 0.5)).op(b"e")
    p.op(b"u")
    records = [("data.pkl", p.stop()), ("data/0", f8), ("data/1", u16), ("data/2", f32),
               ("version", b"3\n"), ("byteorder", b"little")]
    expected = {
        "model.f8": {"dtype": "F8_E4M3", "shape": [2, 3], "strides": [3, 1], "contiguous": True,
                     "storage_offset": 0, "storage": "model.f8", "hex": f8.hex()},
        "model.u16": {"dtype": "U16", "shape": [2], "strides": [1], "contiguous": True,
                      "storage_offset": 1, "storage": "model.u16", "hex": u16[2:].hex()},
        "model.nested.x": {"dtype": "F32", "shape": [2, 2], "strides": [1, 2],
                           "contiguous": False, "storage_offset": 0, "storage": "model.nested.x",
                           "values": [0.5, 3.0, -8.0, 1.0]},
    }
    return write_zip(records), expected


def handmade_legacy_view():
    """The legacy format's storage views (torch < 0.4 wrote them; torch still reads them):
    'view' is elements 2..4 of storage 'root', seen through the view's own key."""
    root = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]
    p = Pickle().ordered_dict().op(b"(")
    p.str("view").tensor_v2("FloatStorage", "root", 6, 1, [2], [1], view=("v", 2, 3))
    p.str("whole").tensor_v2("FloatStorage", "root", 6, 0, [2, 3], [3, 1], legacy=True)
    p.op(b"u")
    data = legacy_bytes(p.stop(), struct.pack("<Q6f", 6, *root), keys=["root"])
    expected = {
        "view": {"dtype": "F32", "shape": [2], "strides": [1], "contiguous": True,
                 "storage_offset": 3, "storage": "view", "values": [4.0, 5.0]},
        "whole": {"dtype": "F32", "shape": [2, 3], "strides": [3, 1], "contiguous": True,
                  "storage_offset": 0, "storage": "view", "values": root},
    }
    return data, expected


# ------------------------------------------------------------------------------------------
# Files that must be refused


class CallsSystem:
    def __reduce__(self):
        return (os.system, ("echo pwned; touch /tmp/hfgit-pwned",))


class CallsEval:
    def __reduce__(self):
        return (eval, ("__import__('os').system('echo pwned')",))


def legacy_bytes(obj_pickle, storages=b"", keys=()):
    """The legacy layout around an already written state-dict pickle."""
    out = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2)
    out += pickle.dumps(1001, protocol=2)
    out += pickle.dumps({"protocol_version": 1001, "little_endian": True,
                         "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    out += obj_pickle + pickle.dumps(list(keys), protocol=2) + storages
    return out


def refused_files(small_zip):
    records = zip_records(path(small_zip))
    by_name = dict(records)
    files = {}

    files["evil_posix_system.pt"] = (
        write_zip([("data.pkl", pickle.dumps({"w": CallsSystem()}, protocol=2)),
                   ("version", b"3\n")]),
        ["posix.system", "never needs", "refusing to load"])
    files["evil_eval_legacy.pt"] = (
        legacy_bytes(pickle.dumps({"w": CallsEval()}, protocol=2)),
        ["__builtin__.eval", "refusing to load"])

    # A storage record is removed (the third).
    missing = [n for n, _ in records if n.startswith("data/")][2]
    files["missing_record.pt"] = (
        write_zip([(n, d) for n, d in records if n != missing]),
        ["storage '%s'" % missing[5:], "no record " + missing])

    whole = open(path(small_zip), "rb").read()
    files["truncated.pt"] = (whole[: len(whole) * 2 // 3], ["truncated"])

    too_small = Pickle().op(b"}", b"(").str("x")
    too_small.tensor_v2("FloatStorage", "0", 1000, 0, [1000], [1]).op(b"u")
    files["storage_too_small.pt"] = (
        write_zip([("data.pkl", too_small.stop()), ("data/0", struct.pack("<4f", 1, 2, 3, 4))]),
        ["storage '0'", "1000 elements", "only 16 bytes"])

    past_end = Pickle().op(b"}", b"(").str("x")
    past_end.tensor_v2("FloatStorage", "0", 4, 2, [3], [1]).op(b"u")
    files["view_out_of_bounds.pt"] = (
        write_zip([("data.pkl", past_end.stop()), ("data/0", struct.pack("<4f", 1, 2, 3, 4))]),
        ["reaches past the 16 bytes of storage '0'"])

    first_storage = [n for n, _ in records if n.startswith("data/")][0]
    files["compressed.pt"] = (write_zip(records, deflate=(first_storage,)),
                              ["compressed", first_storage])

    files["big_endian.pt"] = (
        write_zip([(n, d) for n, d in records if n != "byteorder"] + [("byteorder", b"big")]),
        ["big-endian"])

    # SETITEM on a list: how pickles reach into objects that are not dicts.
    setitem = Pickle().op(b"}", b"(").str("x").op(b"]").str("k").str("v").op(b"s", b"u")
    files["setitem_on_list.pt"] = (write_zip([("data.pkl", setitem.stop())]),
                                   ["SETITEM on a list"])

    legacy = open(path("small_legacy.pt"), "rb").read()
    files["legacy_truncated.pt"] = (legacy[:-10], ["truncated"])
    assert by_name["data.pkl"]
    return files


# ------------------------------------------------------------------------------------------


def expected_json(files, refused):
    """JSON with one line per tensor and per refused file: small, and readable in a diff."""
    def obj(d, indent, leaf):
        pad = " " * indent
        items = ['%s %s: %s' % (pad, json.dumps(k), leaf(v)) for k, v in sorted(d.items())]
        return "{\n" + ",\n".join(items) + "\n" + pad + "}"
    compact = lambda v: json.dumps(v, sort_keys=True, separators=(",", ":"))
    return ('{\n "files": ' + obj(files, 1, lambda ts: obj(ts, 2, compact)) +
            ',\n "refused": ' + obj(refused, 1, compact) + "\n}\n")


def check_torch_reads(filename, sd):
    """The files torch can read must read back as what was saved."""
    loaded = torch.load(path(filename))
    assert list(loaded.keys()) == list(sd.keys()), filename
    for name, t in sd.items():
        assert torch.equal(loaded[name], t.detach()), (filename, name)


def main():
    if not torch.__version__.startswith("1.13"):
        print("warning: made with torch %s; the committed files come from 1.13" % torch.__version__)
    files, refused = {}, {}

    small = small_state_dict()
    torch.save(small, path("small_zip.pt"))
    torch.save(small, path("small_legacy.pt"), _use_new_zipfile_serialization=False)
    files["small_zip.pt"] = files["small_legacy.pt"] = describe_tensors(small)

    module = module_state_dict()
    buf = io.BytesIO()  # saved through a stream, the top folder is "archive"
    torch.save(module, buf, pickle_protocol=4)
    open(path("module_zip_p4.pt"), "wb").write(buf.getvalue())
    torch.save(module, path("module_legacy.pt"), _use_new_zipfile_serialization=False)
    files["module_zip_p4.pt"] = files["module_legacy.pt"] = describe_tensors(module)

    open(path("small_zip64.pt"), "wb").write(
        write_zip(zip_records(path("small_zip.pt")), prefix="small_zip64", zip64=True))
    files["small_zip64.pt"] = describe_tensors(small)

    v3, v3_expected = handmade_v3()
    open(path("v3_float8_nested.pt"), "wb").write(v3)
    files["v3_float8_nested.pt"] = v3_expected

    view, view_expected = handmade_legacy_view()
    open(path("legacy_view.pt"), "wb").write(view)
    files["legacy_view.pt"] = view_expected
    loaded = torch.load(path("legacy_view.pt"))
    assert loaded["view"].tolist() == [4.0, 5.0] and loaded["whole"].storage_offset() == 0

    for name in ("small_zip.pt", "small_legacy.pt", "small_zip64.pt"):
        check_torch_reads(name, small)
    for name in ("module_zip_p4.pt", "module_legacy.pt"):
        check_torch_reads(name, module)

    for name, (data, words) in refused_files("small_zip.pt").items():
        open(path(name), "wb").write(data)
        refused[name] = words

    with open(path("expected.json"), "w") as f:
        f.write(expected_json(files, refused))
    for name in sorted(os.listdir(HERE)):
        size = os.path.getsize(path(name))
        assert size < 20000, (name, size)
    print("wrote %d loadable and %d refused files to %s" % (len(files), len(refused), HERE))


if __name__ == "__main__":
    sys.exit(main())
