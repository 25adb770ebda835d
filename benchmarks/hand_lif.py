"""Diagnostic: refsnn's numba LIF kernel next to two hand-written Numba loops.

``python -m benchmarks.hand_lif [--neurons N] [--steps T] [--threads K]``

Both hand loops do the reference's float32 operations in the reference's
order (no fastmath) over blocks of 2,048 neurons with the time loop inside,
and check that their spikes equal the numpy reference bit for bit. They
differ only in how they index:

* ``2d-index``: ``x[t, j]``, ``out[t, j]``, ``v[j]`` in the inner loop;
* ``row-slices``: ``xr = x[t, lo:hi]`` etc. taken outside the inner loop and
  indexed ``xr[j]``, which lets LLVM vectorise the inner loop (the script
  counts packed compares ``vcmp..ps`` in the assembly to show it).

What is left between the refsnn kernel and the faster hand loop is what the
kernel could still gain. Not a test and not part of the table; a tool for
whoever tunes ``refsnn/backends/numba_``.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import time


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.hand_lif")
    parser.add_argument("--neurons", type=int, default=100_000)
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--threads", type=int, default=None)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args(argv)
    if args.threads:
        os.environ["NUMBA_NUM_THREADS"] = str(args.threads)

    import numba
    import numpy as np
    from numba import njit, prange

    import refsnn

    f32 = np.float32
    block = 2048

    def two_d(x, out, v, i, dt, tsi, tmi, vl, vth, vr):  # pragma: no cover - compiled
        steps, n = x.shape
        one, zero = f32(1), f32(0)
        for b in prange((n + block - 1) // block):
            lo, hi = b * block, min(b * block + block, n)
            for t in range(steps):
                for j in range(lo, hi):
                    i_new = i[j] + x[t, j]
                    vv = v[j]
                    v_dec = vv + dt * tmi * ((vl - vv) + i_new)
                    i[j] = i_new + (-dt * tsi) * i_new
                    z = one if v_dec - vth > zero else zero
                    v[j] = (one - z) * v_dec + z * vr
                    out[t, j] = z

    def rows(x, out, v, i, dt, tsi, tmi, vl, vth, vr):  # pragma: no cover - compiled
        steps, n = x.shape
        one, zero = f32(1), f32(0)
        for b in prange((n + block - 1) // block):
            lo, hi = b * block, min(b * block + block, n)
            vb, ib = v[lo:hi], i[lo:hi]
            for t in range(steps):
                xr, orow = x[t, lo:hi], out[t, lo:hi]
                for j in range(hi - lo):
                    i_new = ib[j] + xr[j]
                    vv = vb[j]
                    v_dec = vv + dt * tmi * ((vl - vv) + i_new)
                    ib[j] = i_new + (-dt * tsi) * i_new
                    z = one if v_dec - vth > zero else zero
                    vb[j] = (one - z) * v_dec + z * vr
                    orow[j] = z

    x = np.random.default_rng(1).uniform(0.0, 0.5, (args.steps, args.neurons)).astype(f32)
    reference = refsnn.simulate("lif", x, backend="numpy")[0]

    def timed(fn):
        fn()
        ts = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            fn()
            ts.append(time.perf_counter() - t0)
        return statistics.median(ts)

    print(f"LIF feed-forward {args.neurons:,} x {args.steps:,} float32, "
          f"numba threads {numba.get_num_threads()}, median of {args.repeat}")
    for label, backend in (("refsnn numpy", "numpy"), ("refsnn numba", "numba")):
        if backend in refsnn.backends.available():
            t = timed(lambda b=backend: refsnn.simulate("lif", x, backend=b))
            print(f"  {label:<22} {t * 1e3:9.1f} ms")
    for label, py in (("hand 2d-index", two_d), ("hand row-slices", rows)):
        kernel = njit(parallel=True)(py)

        def call(kernel=kernel):
            out = np.empty_like(x)
            kernel(x, out, np.zeros(args.neurons, f32), np.zeros(args.neurons, f32),
                   f32(1e-3), f32(200.0), f32(100.0), f32(0.0), f32(1.0), f32(0.0))
            return out

        same = np.array_equal(call(), reference)
        t = timed(call)
        asm = "".join(kernel.inspect_asm().values())
        packed = len(re.findall(r"vcmp\w*ps", asm)) + len(re.findall(r"cmp\w*ps\s", asm))
        print(f"  {label:<22} {t * 1e3:9.1f} ms   identical to numpy: {same}, "
              f"vectorised: {'yes' if packed else 'no'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
