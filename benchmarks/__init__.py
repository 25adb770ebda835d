"""refsnn benchmark suite (not tests): ``python -m benchmarks`` from the repository root.

Runs every case side by side on the ``numpy`` and ``numba`` backends and, when
installed, Norse 1.1.0 on the CPU, prints a table and writes JSON with the
speed-up ratios against the targets. See ``python -m benchmarks --help``.

This package imports nothing heavy at import time, so that the thread count
(``--threads``) can be fixed in the environment before NumPy, Numba and torch
load their thread pools.
"""
