"""A fixed pure-Python workload, timed, so figures from different days can be compared.

This machine is a virtual one whose speed changes from day to day: the same code gave 0.66 ms of app CPU
per chat message one day and 1.05 ms the next. Every latency figure depends on that speed, so benches
print this calibration next to their figures; a reader compares runs only at similar calibrations.
"""

from __future__ import annotations

import time

LOOP_ITERATIONS = 1_000_000


def _workload() -> int:
    total = 0
    for number in range(LOOP_ITERATIONS):
        total += number % 7
    return total


def python_loop_ms(repeats: int = 5) -> float:
    """The best of ``repeats`` timings of one million loop iterations, in ms (lower is a faster host)."""
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        _workload()
        best = min(best, time.perf_counter() - started)
    return round(best * 1000, 1)


if __name__ == "__main__":
    print(python_loop_ms())
