"""Hang guard: no input of up to 64 KiB takes more than a second to decode
or refuse — every corpus file and deterministic hostile mutations of the
corpus and of tests/data. A generous bound (typical decodes take
milliseconds), not a benchmark: bench/decode_worst.py reports the slowest."""
import random

from conftest import CORPUS, DATA, MANIFEST

from decode_timing import MAX_INPUT, mutate, timed_decode

BOUND_SECONDS = 1.0
MUTATIONS = 1500


def seeds():
    files = [CORPUS / e["file"] for e in MANIFEST]
    files += sorted(p for p in DATA.iterdir() if p.suffix.lower() != ".md")
    return [(p.name, p.read_bytes()) for p in files]


def test_every_input_decodes_or_is_refused_within_the_bound():
    seed_files = seeds()
    inputs = [(name, data) for name, data in seed_files if len(data) <= MAX_INPUT]
    rng = random.Random(2026)
    for i in range(MUTATIONS):
        name, data = seed_files[rng.randrange(len(seed_files))]
        inputs.append((f"{name} (mutation {i})", mutate(data, rng)))
    timings = sorted(((*timed_decode(data), name) for name, data in inputs), reverse=True)
    slowest = ", ".join(f"{name}: {t * 1000:.0f} ms ({outcome})" for t, outcome, name in timings[:5])
    assert timings[0][0] < BOUND_SECONDS, f"slowest inputs: {slowest}"
    outcomes = {outcome for _, outcome, _ in timings}
    assert "ok" in outcomes and "DecodeError" in outcomes  # the mutations reach both sides
