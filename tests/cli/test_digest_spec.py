"""Recomputes, from the canonical forms documented in include/pixelcache/
digest.hpp and value.hpp, the golden digests the C++ tests pin
(tests/cpp/test_value.cpp, test_digest.cpp). If the documentation and the
code drift apart, one of the two suites fails."""
import struct

import xxhash


def h(b: bytes) -> bytes:
    return bytes.fromhex(xxhash.xxh3_128(b).hexdigest())


def v_str(s: str) -> bytes:
    b = s.encode()
    return h(b"PXV1S" + struct.pack("<Q", len(b)) + b)


def v_int(i: int) -> bytes:
    return h(b"PXV1I" + struct.pack("<q", i))


def v_bool(x: bool) -> bytes:
    return h(b"PXV1B" + bytes([int(x)]))


def v_float(x: float) -> bytes:
    return h(b"PXV1F" + struct.pack("<d", x))


def v_null() -> bytes:
    return h(b"PXV1N")


def hlist(items) -> bytes:
    return h(b"PXV1L" + struct.pack("<Q", len(items)) + b"".join(items))


def v_list(items) -> bytes:
    return h(b"PXV1l" + hlist(items))


def hdict(pairs) -> bytes:
    body = b"".join(k + v for k, v in sorted(pairs))
    return h(b"PXV1D" + struct.pack("<Q", len(pairs)) + body)


def test_dict_golden():
    d = hdict([(v_str("name"), v_str("resize")), (v_str("size"), v_list([v_int(256), v_int(256)])),
               (v_str("antialias"), v_bool(True))])
    assert d.hex() == "28952ffc687d672b40873ada381841f3"


def test_list_value_golden():
    assert v_list([v_int(1), v_str("a"), v_float(2.5), v_null()]).hex() == "a77ab74a247b455992b866dbbf79398f"


def test_image_canonical_form_single_pixel():
    # 1x1 L image with value 0: "PXC1" 'L' 1 1 0 width height, then the pixel.
    header = b"PXC1L" + bytes([1, 1, 0]) + struct.pack("<II", 1, 1)
    assert xxhash.xxh3_128(header + b"\x00").hexdigest() == "76b7c00d9885713b94a0b09e0c864433"
