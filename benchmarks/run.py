"""Command line of the benchmark suite.

Usage (from the repository root)::

    python -m benchmarks [--quick] [--repeat N] [--threads N] [--json PATH] [--cases A,B]

The thread count is fixed before NumPy, Numba or torch is imported: it is
written to ``OMP_NUM_THREADS``, ``MKL_NUM_THREADS``, ``OPENBLAS_NUM_THREADS``
and ``NUMBA_NUM_THREADS``, and later applied with ``torch.set_num_threads``
and ``numba.set_num_threads``, so every implementation runs on the same
number of threads. This module imports only the standard library at import
time for that reason; the suite itself lives in :mod:`benchmarks.suite`.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

DEFAULT_JSON = Path(__file__).resolve().parent / "results.json"
THREAD_VARIABLES = ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                    "NUMBA_NUM_THREADS")


def all_cores() -> int:
    """Cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - non-Linux
        return max(1, os.cpu_count() or 1)


def positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks",
        description="Time refsnn's numpy and numba backends and Norse 1.1.0 (CPU) side by side; "
                    "print a table and write JSON with the speed-up ratios and targets.",
    )
    parser.add_argument("--quick", action="store_true",
                        help="tiny sizes: a smoke run of the code path (ratios not meaningful)")
    parser.add_argument("--repeat", type=positive_int, default=7,
                        help="timed repeats per implementation; the median is reported (default 7)")
    parser.add_argument("--threads", type=positive_int, default=None,
                        help="threads for torch, numba and BLAS alike (default: all cores, "
                             f"here {all_cores()})")
    parser.add_argument("--json", type=Path, default=DEFAULT_JSON,
                        help=f"where to write the results (default {DEFAULT_JSON})")
    parser.add_argument("--cases", default=None,
                        help="comma-separated case keys to run (default: all); "
                             "keys: lif_ff_large, lif_ff_large_compact, lif_ff_small, "
                             "adex_ff_large, lif_recurrent, poisson")
    return parser.parse_args(argv)


def set_thread_environment(threads: int) -> None:
    """Fix the thread count of every pool that reads the environment at import time."""
    for name in THREAD_VARIABLES:
        os.environ[name] = str(threads)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    threads = args.threads or all_cores()
    set_thread_environment(threads)
    from benchmarks import report, suite  # heavy imports only now

    cases = None if args.cases is None else [c.strip() for c in args.cases.split(",") if c.strip()]
    results = suite.run_suite(quick=args.quick, repeat=args.repeat, threads=threads,
                              cases=cases, argv=["-m", "benchmarks", *(sys.argv[1:] if argv is None else argv)],
                              log=lambda msg: print(msg, file=sys.stderr, flush=True))
    problems = report.validate(results)
    if problems:  # a bug in the suite, not a missed target
        print("internal error: results do not match the schema:\n  " + "\n  ".join(problems),
              file=sys.stderr)
        return 2
    print(report.format_table(results))
    args.json.parent.mkdir(parents=True, exist_ok=True)
    report.write_json(results, args.json)
    print(f"\nJSON written to {args.json}")
    return 0
