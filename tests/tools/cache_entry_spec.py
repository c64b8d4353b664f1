"""Reads the golden cache entries with an independent implementation of the
stored format documented in include/pixelcache/cache.hpp (python3-xxhash,
the standard library's hmac), so the documentation is checked, not just the
C++ code. The golden entries are stored at namespace "test", key
0123456789abcdeffedcba9876543210, and signed with the secret b"secret"
(tests/cpp/test_cache_entry.cpp).

    cache_entry_spec.py CORPUS_DIR
"""
import hashlib
import hmac
import pathlib
import struct
import sys

import xxhash

try:
    import zstandard
except ImportError:  # compressed bodies are then checked by their checksum only
    zstandard = None

KINDS = {1: "image", 2: "value", 3: "bytes", 4: "code"}
NAMESPACE = b"test"
KEY = bytes.fromhex("0123456789abcdeffedcba9876543210")
SECRET = b"secret"


def read_image(body):
    assert body[:4] == b"PXC1", "image body magic"
    mode, stype, channels, reserved = body[4], body[5], body[6], body[7]
    assert chr(mode) in "RL1" and stype in (1, 4) and reserved == 0
    assert channels == (3 if chr(mode) == "R" else 1)
    width, height = struct.unpack_from("<II", body, 8)
    assert len(body) == 16 + width * height * channels * stype, "image body length"
    return ("image", chr(mode), width, height, stype)


def read_value(b, pos, depth=0):
    assert depth <= 128
    tag = chr(b[pos])
    pos += 1
    u64 = lambda p: struct.unpack_from("<Q", b, p)[0]
    if tag == "N":
        return None, pos
    if tag == "B":
        assert b[pos] in (0, 1)
        return bool(b[pos]), pos + 1
    if tag == "I":
        return struct.unpack_from("<q", b, pos)[0], pos + 8
    if tag == "F":
        return struct.unpack_from("<d", b, pos)[0], pos + 8
    if tag == "S":
        n = u64(pos)
        return b[pos + 8:pos + 8 + n].decode("utf-8"), pos + 8 + n
    if tag == "M":
        n = u64(pos)
        return read_image(b[pos + 8:pos + 8 + n]), pos + 8 + n
    if tag == "X":
        coords = struct.unpack_from("<4d", b, pos)
        normalized, has_size = b[pos + 32], b[pos + 33]
        pos += 34
        size = None
        if has_size:
            size = struct.unpack_from("<2q", b, pos)
            pos += 16
        return ("bbox", coords, bool(normalized), size), pos
    if tag == "A":
        n = u64(pos)
        dtype = b[pos + 8:pos + 8 + n].decode()
        pos += 8 + n
        rank = u64(pos)
        shape = struct.unpack_from("<%dq" % rank, b, pos + 8)
        pos += 8 + 8 * rank
        m = u64(pos)
        return ("array", dtype, shape, b[pos + 8:pos + 8 + m]), pos + 8 + m
    if tag == "L":
        count, pos = u64(pos), pos + 8
        items = []
        for _ in range(count):
            v, pos = read_value(b, pos, depth + 1)
            items.append(v)
        return items, pos
    if tag == "D":
        count, pos = u64(pos), pos + 8
        items = {}
        for _ in range(count):
            k, pos = read_value(b, pos, depth + 1)
            v, pos = read_value(b, pos, depth + 1)
            items[k] = v
        return items, pos
    raise AssertionError("unknown value tag %r" % tag)


def read_entry(data):
    assert data[:4] == b"PXCE" and data[4] == 2, "magic / version"
    kind, flags, tlen = data[5], data[6], data[7]
    (nlen,) = struct.unpack_from("<H", data, 8)
    assert data[10:16] == bytes(6), "reserved bytes"
    stored, size = struct.unpack_from("<QQ", data, 16)
    digest, key = data[32:48], data[48:64]
    (checksum,) = struct.unpack_from("<Q", data, 64)
    namespace = data[72:72 + nlen]
    tag = data[72 + nlen:72 + nlen + tlen]
    head = 72 + nlen + tlen
    signed = bool(flags & 2)
    assert signed == (kind == 4), "signed exactly when kind is code"
    body = data[head:len(data) - (32 if signed else 0)]
    assert len(body) == stored, "entry length"
    assert namespace == NAMESPACE and key == KEY, "the address the entry was stored at"
    covered = data[:64] + namespace + tag + (body if flags & 1 else b"")
    assert xxhash.xxh3_64_intdigest(covered) == checksum, "checksum"
    if signed:
        mac = hmac.new(SECRET, data[:-32], hashlib.sha256).digest()
        assert hmac.compare_digest(mac, data[-32:]), "signature"
    if flags & 1:
        assert size <= max(64 << 20, 1024 * stored), "decompression bound"
        if zstandard is None:
            return KINDS[kind], tag.decode(), "compressed (checksum verified)"
        body = zstandard.ZstdDecompressor().decompress(body, max_output_size=size)
    assert len(body) == size, "uncompressed length"
    assert xxhash.xxh3_128_digest(body) == digest, "body digest"
    if kind == 1:
        return "image", tag.decode(), read_image(body)
    if kind in (3, 4):
        return KINDS[kind], tag.decode(), body
    value, end = read_value(body, 0)
    assert end == len(body), "value fills the body"
    return "value", tag.decode(), value


def main():
    corpus = pathlib.Path(sys.argv[1])
    got = {p.name: read_entry(p.read_bytes()) for p in sorted(corpus.glob("*.pxce"))}
    for name, (kind, tag, content) in got.items():
        print("%-18s %-6s %-8s %s" % (name, kind, tag, repr(content)[:70]))
    assert got["image_rgb.pxce"][:2] == ("image", "pil")
    assert got["image_rgb.pxce"][2] == ("image", "R", 6, 4, 1)
    assert got["image_float.pxce"][2] == ("image", "L", 2, 1, 4)
    assert got["bytes.pxce"] == ("bytes", "raw", b"\x80\x05bytes")
    assert got["code.pxce"] == ("code", "pickle", b"\x80\x05K\x01.")
    value = got["value.pxce"][2]
    assert got["value.pxce"][1] == "config"
    assert value["int"] == -42 and value["float"] == 3.25 and value["bool"] is True and value["null"] is None
    assert value["string"] == "caf\u00e9"
    assert value["list"][:3] == [1, 2.5, "x"] and value["list"][3] == []
    assert value["bbox"] == ("bbox", (1.0, 2.0, 5.0, 6.0), False, (10, 10))
    assert value["array"][:3] == ("array", "float32", (2, 2))
    assert value["image"] == ("image", "R", 7, 5, 1) and value["mask"] == ("image", "1", 4, 4, 1)
    assert value["nested"] == {"k": [None, False]}
    print("cache entry spec: %d entries read independently" % len(got))


if __name__ == "__main__":
    main()
