"""The numba backend's functions: :mod:`refsnn.backends.sequences` on compiled loops.

The Python side (validation, layout) is shared with every fused backend
(:mod:`refsnn.backends.sequences`); :class:`NumbaLoops` runs its loops with
the kernels of :mod:`.function_kernels`, which compile the reference's own
per-element updates, so the results are the reference's bits
(``stdp_linear_scan`` with a batch of more than one row: up to the order of
the batch sums). Large problems are split over threads.
"""

from __future__ import annotations

from refsnn.backends.numba_ import function_kernels as fk
from refsnn.backends.numba_.runner import _parameters, _run_chunks, compiled
from refsnn.backends.sequences import SequenceFunctions

#: Elements per chunk unit when a problem is split over threads.
_UNIT = 1024


class NumbaLoops:
    """The loops of :class:`refsnn.backends.sequences.Loops` as Numba kernels."""

    def poisson(self, x, rate_scale, k0, k1, t0, stream, signed, out) -> None:
        args = (x, rate_scale, k0, k1, t0, stream, signed, out)
        _run_chunks(fk.poisson_loop, args, x.size, _UNIT, out.size)

    def lif_encode(self, x, p, shape, dt, first_only, out) -> None:
        P, p_like = _parameters(p, shape, x.size, x.dtype)
        _run_chunks(fk.lif_encode_loop, (x, P, p_like, dt, first_only, out), x.size, _UNIT,
                    out.size)

    def scan(self, name, X, S, p, shape, dt, out) -> None:
        n = S.shape[1]
        P, p_like = _parameters(p, shape, n, S.dtype)
        args = (name, X, S, P, p_like, dt, out)
        _run_chunks(compiled(fk.scan_loop, args + (0, n)), args, n, _UNIT, out.size)

    def sensor_trace(self, a, Z, P, dt, out) -> None:
        _run_chunks(fk.sensor_trace_loop, (a, Z, P, dt, out), a.size, _UNIT, out.size)

    def stdp_linear(self, zpre, zpost, tpre, tpost, w, Ppre, Ppost, Pw, dt, rule,
                    hardbound) -> None:
        fk.stdp_linear_loop(zpre, zpost, tpre, tpost, w, Ppre, Ppost, Pw, dt, rule, hardbound)


#: Every function this backend implements, by name.
FUNCTIONS = SequenceFunctions(NumbaLoops()).table()
