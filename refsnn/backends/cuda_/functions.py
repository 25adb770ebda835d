"""The CUDA backends' functions: :mod:`refsnn.backends.sequences` on the CUDA kernels.

:class:`CudaLoops` runs the loops of :class:`refsnn.backends.sequences.Loops`
with an executor (:mod:`.host` or :mod:`.device`): the LIF encoders, the
current-encoder scans, Tsodyks–Markram and the STDP sensor traces through
the generic ``run_neuron`` kernel and their translated steps
(:mod:`.function_steps`), the Poisson encoders through their own kernel
(Philox translated from :mod:`refsnn.random`), linear STDP as two launches
per step (both traces, then every weight). The NumPy arrays the shared
layer hands over are copied to the device and the results copied back.
"""

from __future__ import annotations

import numpy as np

from refsnn.backends.cuda_ import runner, source
from refsnn.backends.sequences import SequenceFunctions

_i32, _i64 = np.int32, np.int64


class CudaLoops:
    """The loops of :class:`refsnn.backends.sequences.Loops` on a CUDA executor."""

    def __init__(self, executor) -> None:
        self.executor = executor

    def _run(self, step: str, X, S, P, per_neuron: int, dt, out, i_t: int) -> None:
        """``run_neuron`` of ``step`` over ``T = out.shape[0]`` steps; ``S`` and ``out`` updated."""
        ex = self.executor
        steps, n = out.shape[0], S.shape[1]
        S_dev, out_dev = ex.to_array(S), ex.to_array(out)
        compact = out.dtype != S.dtype
        ex.launch(source.kernel_name(step, S.dtype, compact),
                  (ex.to_array(X), _i64(steps), _i64(i_t), _i64(0), _i64(steps),
                   ex.xp.zeros((1, 1), S.dtype), _i64(n), S_dev, ex.to_array(P),
                   _i32(per_neuron), S.dtype.type(dt), out_dev, ex.xp.zeros(1, S.dtype),
                   _i32(0)), n)
        S[...] = ex.to_numpy(S_dev)
        out[...] = ex.to_numpy(out_dev).view(out.dtype)

    def poisson(self, x, rate_scale, k0, k1, t0, stream, signed, out) -> None:
        ex = self.executor
        compact = out.dtype != x.dtype
        out_dev = ex.to_array(out.view(np.uint8) if compact else out)
        ex.launch(source.poisson_kernel(signed, x.dtype, compact),
                  (ex.to_array(x), _i64(out.shape[0]), _i64(x.size), x.dtype.type(rate_scale),
                   k0, k1, t0, stream, out_dev), x.size)
        out[...] = ex.to_numpy(out_dev).view(out.dtype)

    def lif_encode(self, x, p, shape, dt, first_only, out) -> None:
        n = x.size
        P, per_neuron = runner._parameters(p, shape, n, x.dtype)
        S = np.zeros((2, n), x.dtype)                    # v = 0, nothing fired yet
        self._run("lif_encode_first" if first_only else "lif_encode", x, S, P, per_neuron, dt,
                  out.view(np.uint8) if out.dtype != x.dtype else out, 0)

    def scan(self, name, X, S, p, shape, dt, out) -> None:
        P, per_neuron = runner._parameters(p, shape, S.shape[1], S.dtype)
        self._run(name, X, S, P, per_neuron, dt, out, S.shape[1])

    def sensor_trace(self, a, Z, P, dt, out) -> None:
        S = a.reshape(1, -1).copy()
        self._run("sensor_trace", Z, S, P, int(P.shape[1] > 1), dt, out, a.size)

    def stdp_linear(self, zpre, zpost, tpre, tpost, w, Ppre, Ppost, Pw, dt, rule,
                    hardbound) -> None:
        ex = self.executor
        dtype = w.dtype
        dt = dtype.type(dt)
        batch, n_pre = tpre.shape
        n_post = tpost.shape[1]
        zpre_d, zpost_d = ex.to_array(zpre), ex.to_array(zpost)
        tpre_d, tpost_d, w_d = ex.to_array(tpre), ex.to_array(tpost), ex.to_array(w)
        Ppre_d, Ppost_d, Pw_d = ex.to_array(Ppre), ex.to_array(Ppost), ex.to_array(Pw)
        trace = source.stdp_kernel("stdp_trace", dtype)
        weight = source.stdp_kernel("stdp_weight", dtype, rule, hardbound)
        for t in range(zpre.shape[0]):
            ex.launch(trace, (tpre_d, zpre_d[t], Ppre_d, _i64(Ppre.shape[1]), dt), tpre.size)
            ex.launch(trace, (tpost_d, zpost_d[t], Ppost_d, _i64(Ppost.shape[1]), dt),
                      tpost.size)
            ex.launch(weight, (w_d, zpost_d[t], tpre_d, tpost_d, zpre_d[t], _i64(batch),
                               _i64(n_post), _i64(n_pre), Pw_d, _i64(Pw.shape[1])), w.size)
        tpre[...], tpost[...], w[...] = (ex.to_numpy(a) for a in (tpre_d, tpost_d, w_d))


def functions(executor) -> dict:
    """Every sequence function on ``executor``, by name."""
    return SequenceFunctions(CudaLoops(executor)).table()
