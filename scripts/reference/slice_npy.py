#!/usr/bin/env python3
"""Keep the first K entries along axis 0 of a C-order .npy file (stdlib only; no numpy needed).

Used to make small repo fixtures from large reference outputs: in eval mode the models are batch-independent,
so the first K images' outputs are exactly the reference's outputs for those images.
  python3 scripts/reference/slice_npy.py /work/shared/fixtures/official/sota_core_out.npy 2 \
      tests/fixtures/official/sota_core_out_first2.npy
"""
import ast
import struct
import sys


def main(src, k, dst):
    with open(src, "rb") as f:
        data = f.read()
    if data[:6] != b"\x93NUMPY":
        sys.exit(f"{src}: not an .npy file")
    major = data[6]
    if major == 1:
        (hlen,) = struct.unpack("<H", data[8:10])
        start = 10
    else:
        (hlen,) = struct.unpack("<I", data[8:12])
        start = 12
    header = ast.literal_eval(data[start:start + hlen].decode("latin1"))
    if header["fortran_order"]:
        sys.exit(f"{src}: Fortran order is not supported")
    shape = tuple(header["shape"])
    if not 0 < k <= shape[0]:
        sys.exit(f"{src}: K must be in 1..{shape[0]}")
    itemsize = int(header["descr"][2:])
    row = itemsize
    for d in shape[1:]:
        row *= d
    body = data[start + hlen:start + hlen + k * row]
    new = {"descr": header["descr"], "fortran_order": False, "shape": (k,) + shape[1:]}
    text = repr(new).encode("latin1")
    pad = 64 - (10 + len(text) + 1) % 64
    text = text + b" " * pad + b"\n"
    with open(dst, "wb") as f:
        f.write(b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + body)
    print(f"{dst}: {new['shape']} {new['descr']}, {10 + len(text) + len(body)} bytes")


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    main(sys.argv[1], int(sys.argv[2]), sys.argv[3])
