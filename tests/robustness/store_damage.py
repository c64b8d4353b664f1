"""The corruption suite (issue 16): hundreds of seeded damages of a filled
disk store — truncations, flipped bytes in every page kind, garbage, zeroed
and swapped pages, a damaged lock file — each followed, on its own copy of
the damaged store, by `pixelcache cache verify`, a `pixelcache batch
--cache` and a Python read in a child process. Required: no process dies by
a signal or hangs, and every answer is right (batch outputs byte-equal to a
run without the cache; every Python read the stored value or a miss).

    store_damage.py PIXELCACHE_BINARY [--damages N] [--seed S]

Deterministic: the inputs, the filled store's contents and every damage
come from fixed seeds, so a failure names the damage that reproduces it.
"""
import argparse
import collections
import json
import os
import pathlib
import random
import shutil
import signal
import subprocess
import sys
import tempfile

import numpy as np
from PIL import Image

import pixelcache

PAGE = 4096
STORE = "pixelcache-v2.mdb"
STEPS = ["resize:24x20"]
TIMEOUT = 120  # seconds per process: a hang fails the suite


def make_inputs(root: pathlib.Path, n: int) -> list:
    rng = np.random.default_rng(16)
    paths = []
    for i in range(n):
        h, w = 30 + 7 * (i % 5), 40 + 5 * (i % 7)
        px = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        p = root / f"in{i:03d}.png"
        Image.fromarray(px).save(p)
        paths.append(p)
    return paths


def python_values() -> dict:
    """What the Python side stores (namespace "py"): small values, images large
    enough for LMDB overflow pages, a mask, and a pickled set (a signed entry)."""
    rng = np.random.default_rng(7)
    out = {}
    for i in range(40):
        kind = i % 5
        if kind == 0:
            out[i] = {"i": i, "name": f"value {i}", "list": list(range(i % 9))}
        elif kind == 1:
            out[i] = pixelcache.HashableImage(rng.integers(0, 256, (40 + i, 50, 3), dtype=np.uint8))
        elif kind == 2:
            out[i] = rng.integers(0, 256, (8, 9), dtype=np.uint8)
        elif kind == 3:
            out[i] = {i, i + 1, "set"}  # pickled: a signed code entry
        else:
            out[i] = pixelcache.HashableImage(rng.integers(0, 256, (200, 300), dtype=np.uint8) > 128)
    return out


def same(a, b) -> bool:
    if type(a) is not type(b):
        return False
    if isinstance(a, np.ndarray):
        return a.dtype == b.dtype and a.shape == b.shape and np.array_equal(a, b)
    if isinstance(a, pixelcache.HashableImage):
        return a.digest() == b.digest()
    return a == b


def run(cmd, **kw):
    try:
        return subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=TIMEOUT, **kw)
    except subprocess.TimeoutExpired:
        return None


# ---------------------------------------------------------------- damages

def page_kinds(data: bytes) -> dict:
    """Page numbers by LMDB page kind (the flags word at offset 10 of each page
    header): meta, branch, leaf, overflow (its first page), free (the rest)."""
    kinds = collections.defaultdict(list)
    n = len(data) // PAGE
    skip = 0
    for p in range(n):
        if skip:
            skip -= 1
            kinds["overflow-tail"].append(p)
            continue
        flags = int.from_bytes(data[p * PAGE + 10:p * PAGE + 12], "little")
        if p < 2 or flags & 0x08:
            kinds["meta"].append(p)
        elif flags & 0x04:
            kinds["overflow"].append(p)
            pages = int.from_bytes(data[p * PAGE + 12:p * PAGE + 16], "little")
            skip = max(0, min(pages - 1, n - p - 1))
        elif flags & 0x01:
            kinds["branch"].append(p)
        elif flags & 0x02:
            kinds["leaf"].append(p)
        else:
            kinds["other"].append(p)
    return kinds


def damage(store: pathlib.Path, rng: random.Random, kinds: dict) -> tuple:
    """Applies one damage chosen by `rng` to the store file; returns its
    (category, description)."""
    f = store / STORE
    data = bytearray(f.read_bytes())
    n = len(data) // PAGE
    what = rng.choice(["truncate", "truncate-page", "flip-any", "flip-page", "garbage", "zero", "swap",
                       "flip-header", "lock"])
    if what == "truncate":
        cut = rng.choice([0, 1, 100, PAGE, 2 * PAGE, 8192 + 1, len(data) // 2, rng.randrange(len(data))])
        f.write_bytes(data[:cut])
        return what, f"truncate to {cut}"
    if what == "truncate-page":
        cut = rng.randrange(1, n) * PAGE
        f.write_bytes(data[:cut])
        return what, f"truncate to page {cut // PAGE}"
    if what == "lock":
        lock = store / (STORE + "-lock")
        if lock.exists():
            lb = bytearray(lock.read_bytes())
            for _ in range(rng.randint(1, 16)):
                i = rng.randrange(len(lb))
                lb[i] ^= 1 << rng.randrange(8)
            lock.write_bytes(bytes(lb[: rng.choice([len(lb), len(lb) // 2, 7])]))
        return what, "damaged lock file"
    kind = rng.choice([k for k in ("meta", "branch", "leaf", "overflow", "overflow-tail", "other") if kinds.get(k)])
    page = rng.choice(kinds[kind])
    base = page * PAGE
    if what == "flip-any":
        count = rng.choice([1, 2, 5, 30])
        for _ in range(count):
            i = rng.randrange(len(data))
            data[i] ^= 1 << rng.randrange(8)
        f.write_bytes(data)
        return what, f"{count} flipped bytes anywhere"
    if what == "flip-page":
        count = rng.choice([1, 3, 30])
        for _ in range(count):
            i = base + rng.randrange(PAGE)
            data[i] ^= 1 << rng.randrange(8)
        f.write_bytes(data)
        return what, f"{count} flipped bytes in a {kind} page"
    if what == "flip-header":
        i = base + rng.randrange(16 if kind != "meta" else 136)
        data[i] ^= 1 << rng.randrange(8)
        f.write_bytes(data)
        return what, f"a flipped header byte of a {kind} page"
    if what == "garbage":
        data[base:base + PAGE] = bytes(rng.randrange(256) for _ in range(PAGE))
        f.write_bytes(data)
        return what, f"a garbage {kind} page"
    if what == "zero":
        data[base:base + PAGE] = bytes(PAGE)
        f.write_bytes(data)
        return what, f"a zeroed {kind} page"
    other = rng.randrange(n)
    a, b = bytes(data[base:base + PAGE]), bytes(data[other * PAGE:other * PAGE + PAGE])
    data[base:base + PAGE], data[other * PAGE:other * PAGE + PAGE] = b, a
    f.write_bytes(data)
    return what, f"a {kind} page swapped with page {other}"


# ---------------------------------------------------------------- checks

def python_read(store: pathlib.Path, expected: dict) -> tuple:
    """Reads every Python entry in a forked child. (death by signal, wrong answers, hits)"""
    r, w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: no exceptions escape, the status says it all
        os.close(r)
        try:
            import warnings
            warnings.simplefilter("ignore")
            cache = pixelcache.Cache(store, memory_bytes=0, redis_url="", namespace="py")
            wrong = hits = 0
            for i, v in expected.items():
                got = cache.get(("v", i))
                if got is not None:
                    hits += 1
                    wrong += not same(got, v)
            os.write(w, json.dumps([wrong, hits]).encode())
            os._exit(0)
        except BaseException as e:  # noqa: BLE001 - reported through the pipe
            os.write(w, json.dumps(["error", repr(e)]).encode())
            os._exit(3)
    os.close(w)
    chunks = []
    while True:
        b = os.read(r, 65536)
        if not b:
            break
        chunks.append(b)
    os.close(r)
    _, status = os.waitpid(pid, 0)
    if os.WIFSIGNALED(status):
        return signal.Signals(os.WTERMSIG(status)).name, 0, 0
    reply = json.loads(b"".join(chunks) or b"null")
    if os.waitstatus_to_exitcode(status) != 0 or not isinstance(reply, list) or reply[0] == "error":
        return f"python error {reply}", 0, 0
    return None, reply[0], reply[1]


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("exe")
    ap.add_argument("--damages", type=int, default=400)
    ap.add_argument("--seed", type=int, default=16)
    args = ap.parse_args()
    exe = pathlib.Path(args.exe)
    with tempfile.TemporaryDirectory(prefix="pixelcache-damage-") as tmp:
        tmp = pathlib.Path(tmp)
        (tmp / "inputs").mkdir()
        inputs = make_inputs(tmp / "inputs", 24)
        ref = tmp / "ref"
        p = run([exe, "batch", tmp / "inputs", "-o", ref, "--format", "png", *STEPS])
        assert p and p.returncode == 0, p and p.stderr
        reference = {q.name: q.read_bytes() for q in ref.iterdir()}
        assert len(reference) == len(inputs)
        pristine = tmp / "pristine"
        expected = python_values()
        cache = pixelcache.Cache(pristine, memory_bytes=0, redis_url="", namespace="py")
        for i, v in expected.items():
            cache.put(("v", i), v)
        del cache
        p = run([exe, "batch", tmp / "inputs", "-o", tmp / "fill", "--format", "png", *STEPS, f"--cache={pristine}"])
        assert p and p.returncode == 0, p and p.stderr
        kinds = page_kinds((pristine / STORE).read_bytes())
        print(f"store: {(pristine / STORE).stat().st_size // PAGE} pages: " +
              ", ".join(f"{len(v)} {k}" for k, v in sorted(kinds.items())))

        failures, tally = [], collections.Counter()
        set_aside = hits_after = 0
        for i in range(args.damages):
            rng = random.Random(args.seed * 100003 + i)
            damaged = tmp / "damaged"
            shutil.rmtree(damaged, ignore_errors=True)
            shutil.copytree(pristine, damaged)
            category, what = damage(damaged, rng, kinds)
            tally[category] += 1
            label = f"damage {i} (seed {args.seed}): {what}"

            work = tmp / "verify"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(damaged, work)
            p = run([exe, "cache", "verify", "--json", "--dir", work])
            if p is None:
                failures.append(f"{label}: verify hung")
            elif p.returncode < 0 or p.returncode not in (0, 1):
                failures.append(f"{label}: verify exited {p.returncode}: {p.stderr.strip()[-300:]}")
            elif '"set_aside": true' in p.stdout or any(q.name.startswith(STORE + ".broken-") for q in work.iterdir()):
                set_aside += 1  # by verify, or already when the store was opened

            work = tmp / "batch"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(damaged, work)
            out = tmp / "out"
            shutil.rmtree(out, ignore_errors=True)
            p = run([exe, "batch", tmp / "inputs", "-o", out, "--format", "png", *STEPS, f"--cache={work}"])
            if p is None:
                failures.append(f"{label}: batch hung")
            elif p.returncode != 0:
                failures.append(f"{label}: batch exited {p.returncode}: {p.stderr.strip()[-300:]}")
            else:
                got = {q.name: q.read_bytes() for q in out.iterdir()}
                if got != reference:
                    bad = sorted(k for k in reference if got.get(k) != reference[k])
                    failures.append(f"{label}: batch wrote wrong outputs: {bad[:5]}")

            work = tmp / "python"
            shutil.rmtree(work, ignore_errors=True)
            shutil.copytree(damaged, work)
            death, wrong, hits = python_read(work, expected)
            hits_after += hits
            if death:
                failures.append(f"{label}: Python read: {death}")
            elif wrong:
                failures.append(f"{label}: Python read {wrong} wrong values")

        print("damages: " + ", ".join(f"{n} {k}" for k, n in sorted(tally.items())))
        print(f"{args.damages} damages, 3 processes each: {len(failures)} failures; stores set aside (verify's copy): "
              f"{set_aside}; Python hits on damaged stores: {hits_after} of {args.damages * len(expected)}")
        for f in failures:
            print("FAIL", f)
        if not failures:
            print("store damage: no deaths, no hangs, no wrong answers")
        return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
