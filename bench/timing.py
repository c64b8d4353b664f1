"""Timing helpers shared by the benchmark scripts."""
import statistics
import time


def spread(values, fmt=".3f", unit=""):
    """'median (min-max)' of `values`, each formatted with `fmt` and followed
    by `unit`: how the benchmark tables report repeated runs."""
    def f(v):
        return format(v, fmt) + unit
    return f"{f(statistics.median(values))} ({format(min(values), fmt)}-{f(max(values))})"


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


def paired_median_ms(fn_a, fn_b, repeat):
    """Medians of `repeat` timed calls of fn_a and fn_b, in milliseconds,
    taken alternately (a, b, a, b, ...) after one warm-up each, so that a
    load that drifts during the run weighs on both alike."""
    fn_a()
    fn_b()
    times = ([], [])
    for _ in range(repeat):
        for fn, out in ((fn_a, times[0]), (fn_b, times[1])):
            t = time.perf_counter()
            fn()
            out.append((time.perf_counter() - t) * 1e3)
    return tuple(sorted(ts)[len(ts) // 2] for ts in times)
