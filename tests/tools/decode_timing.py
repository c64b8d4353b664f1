"""Shared by the decode-time guard (tests/conformance/test_decode_time.py)
and the worst-case benchmark (bench/decode_worst.py): deterministic hostile
mutations of seed files, and one timed decode through pixelcache."""
import random
import time

MAX_INPUT = 64 * 1024  # the bound is stated for inputs of up to 64 KiB


def mutate(seed: bytes, rng: random.Random) -> bytes:
    """One to four edits, mostly in the first 256 bytes where the header
    fields are: bit flips, random bytes, 0x00 / 0xFF, 32-bit extremes (huge
    sizes and counts), truncation, a duplicated span. At most MAX_INPUT bytes."""
    v = bytearray(seed[:MAX_INPUT])
    for _ in range(rng.randint(1, 4)):
        if not v:
            break
        span = min(len(v), 256 if rng.random() < 0.7 else len(v))
        pos = rng.randrange(span)
        kind = rng.randrange(6)
        if kind == 0:
            v[pos] ^= 1 << rng.randrange(8)
        elif kind == 1:
            v[pos] = rng.randrange(256)
        elif kind == 2:
            del v[pos + 1:]
        elif kind == 3:
            v[pos] = rng.choice((0x00, 0xFF))
        elif kind == 4:
            v[pos:pos + 4] = rng.choice((b"\xff\xff\xff\xff", b"\x7f\xff\xff\xff", b"\x00\x00\xff\xff",
                                         b"\xff\xff\x00\x00"))
        else:
            n = rng.randint(1, 64)
            chunk = v[pos:pos + n]
            at = rng.randrange(len(v))
            v[at:at] = chunk
    return bytes(v[:MAX_INPUT])


def timed_decode(data: bytes, **options):
    """(seconds, outcome) of one decode: outcome is "ok" or the exception's
    class name. Any exception that is not a pixelcache error propagates."""
    import pixelcache
    from pixelcache import _pixelcache

    start = time.perf_counter()
    try:
        _pixelcache.Image.from_bytes(data, **options)
        outcome = "ok"
    except pixelcache.Error as e:
        outcome = type(e).__name__
    return time.perf_counter() - start, outcome
