"""A parallel array copy for the memory-bandwidth measurement (needs numba).

Kept in its own module so that Numba can cache the compiled loop on disk
(``cache=True`` needs a module-level function); :mod:`benchmarks.suite`
imports it only when numba is importable.
"""

from numba import njit, prange


@njit(parallel=True, cache=True)
def parallel_copy(dst, src):  # pragma: no cover - compiled
    """``dst[:] = src[:]`` for flat arrays, split over Numba's threads."""
    for k in prange(src.size):
        dst[k] = src[k]
