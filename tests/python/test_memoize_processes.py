"""memoize across processes (issue 17's cache fixes): a script's function
has one name in the parent and in spawn / forkserver children, so workers
hit what the parent stored; disk reads made in multiprocessing workers are
counted and refresh recency although workers end without atexit; a
pathlib.Path argument is keyed by its file's content. Real processes, a
real LMDB store."""
import os
import pathlib
import random
import subprocess
import sys
import textwrap

import pytest

import pixelcache
from pixelcache import Cache, IoError

PYTHONPATH = os.pathsep.join(p for p in sys.path if p)

SCRIPT = textwrap.dedent('''
    import multiprocessing as mp
    import sys
    import pixelcache

    CACHE = pixelcache.Cache(sys.argv[1], memory_bytes=0, redis_url="")
    LOG = sys.argv[2]

    @pixelcache.memoize(cache=CACHE)
    def square(x):
        with open(LOG, "a") as f:
            f.write(f"{x}\\n")
        return x * x

    def work(x):
        return square(x), square.name

    if __name__ == "__main__":
        print(square.name)
        assert [square(x) for x in range(4)] == [0, 1, 4, 9]
        with mp.get_context(sys.argv[3]).Pool(2) as pool:
            results = pool.map(work, range(4))
        assert [r[0] for r in results] == [0, 1, 4, 9], results
        assert {r[1] for r in results} == {square.name}, results
''')


@pytest.mark.parametrize("method", ["spawn", "forkserver", "fork"])
def test_a_scripts_function_has_one_name_in_every_process(tmp_path, method):
    script = tmp_path / "job.py"
    script.write_text(SCRIPT)
    log = tmp_path / "calls.log"
    p = subprocess.run([sys.executable, script, tmp_path / "store", log, method], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": PYTHONPATH}, timeout=120)
    assert p.returncode == 0, p.stderr
    assert p.stdout.strip() == "__main__.square"
    assert log.read_text().split() == ["0", "1", "2", "3"]  # computed by the parent only: the workers hit


WORKER_READS = textwrap.dedent('''
    import multiprocessing as mp
    import sys
    import pixelcache

    CACHE = None

    def read(i):
        global CACHE
        if CACHE is None:  # one Cache per worker, alive until the worker ends (as in a DataLoader worker)
            CACHE = pixelcache.Cache(sys.argv[1], memory_bytes=0, redis_url="")
        return CACHE.get(("item", i)) == i

    if __name__ == "__main__":
        pool = mp.get_context(sys.argv[2]).Pool(2)
        assert all(pool.map(read, range(50)))
        pool.close()  # the workers end by themselves (the context manager would terminate them: SIGTERM)
        pool.join()
''')


@pytest.mark.parametrize("method", ["fork", "spawn"])
def test_reads_in_pool_workers_are_counted(tmp_path, method):
    store = tmp_path / "store"
    cache = Cache(store, memory_bytes=0, redis_url="")
    for i in range(50):
        cache.put(("item", i), i)
    cache._c.flush()
    before = cache.stats()["disk"]["store"]
    script = tmp_path / "reads.py"
    script.write_text(WORKER_READS)
    p = subprocess.run([sys.executable, script, store, method], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": PYTHONPATH}, timeout=120)
    assert p.returncode == 0, p.stderr
    after = Cache(store, memory_bytes=0, redis_url="", connect_timeout=0.3).stats()["disk"]["store"]
    assert after["hits"] - before["hits"] == 50, (before, after)


def test_reads_in_pool_workers_refresh_recency(tmp_path):
    """Entries the workers read survive eviction; unread ones go first."""
    store = tmp_path / "store"
    cache = Cache(store, max_bytes=4 << 20, memory_bytes=0, redis_url="")
    for i in range(50):
        cache.put(("item", i), random.Random(i).randbytes(60_000))  # noise: stored as it is
    script = tmp_path / "touch.py"
    script.write_text(textwrap.dedent('''
        import multiprocessing as mp, sys, pixelcache
        CACHE = []
        def read(i):
            if not CACHE:
                CACHE.append(pixelcache.Cache(sys.argv[1], memory_bytes=0, redis_url=""))
            return CACHE[0].get(("item", i)) is not None
        if __name__ == "__main__":
            pool = mp.get_context("fork").Pool(2)
            assert all(pool.map(read, range(10)))  # the ten oldest entries
            pool.close()
            pool.join()
    '''))
    p = subprocess.run([sys.executable, script, store], capture_output=True, text=True,
                       env={**os.environ, "PYTHONPATH": PYTHONPATH}, timeout=120)
    assert p.returncode == 0, p.stderr
    again = Cache(store, memory_bytes=0, redis_url="", connect_timeout=0.3)
    again.trim(25 * 61_000)  # about half goes: the least recently used
    assert all(again.contains(again._key(("item", i))) for i in range(10))  # read by the workers: kept
    assert not again.contains(again._key(("item", 10)))


def test_a_path_argument_is_keyed_by_the_files_content(tmp_path):
    cache = Cache(tmp_path / "store", memory_bytes=1 << 20, redis_url="")
    calls = []

    @pixelcache.memoize(cache=cache)
    def size(path):
        calls.append(path)
        return len(pathlib.Path(path).read_bytes())

    a = tmp_path / "a.bin"
    a.write_bytes(b"12345")
    assert size(a) == 5 and size(a) == 5 and len(calls) == 1
    b = tmp_path / "b.bin"
    b.write_bytes(b"12345")
    assert size(b) == 5 and len(calls) == 1  # the same content: a hit
    a.write_bytes(b"123")
    assert size(a) == 3 and len(calls) == 2  # changed: computed again
    assert size(str(a)) == 3 and len(calls) == 3  # a str is a string key, as in the original
    assert size(str(a)) == 3 and len(calls) == 3

    @pixelcache.memoize(cache=cache)
    def total(paths):
        calls.append(paths)
        return sum(len(pathlib.Path(p).read_bytes()) for p in paths)

    assert total((a, b)) == 8 and total([a, b]) == 8 and len(calls) == 4  # paths inside tuples and lists (one key)
    b.write_bytes(b"1")
    assert total((a, b)) == 4 and len(calls) == 5
    with pytest.raises(IoError, match="missing.bin"):
        size(tmp_path / "missing.bin")
