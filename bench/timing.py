"""Timing helper shared by the benchmark scripts."""
import time


def median_ms(fn, repeat):
    """Median of `repeat` timed calls after one warm-up, in milliseconds."""
    fn()
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1e3)
    times.sort()
    return times[len(times) // 2]
