"""Numba loops of the encoders and of the scans: generic machinery around the reference.

There is no model or plasticity arithmetic here. Every per-element
computation is a reference function of :mod:`refsnn.functional`, compiled
for scalars by :func:`~refsnn.backends.numba_.compiling.compile_reference`
(the same source NumPy runs on arrays, so the results are the reference's
bits in float32 and float64):

=============================  ==================================================
loop                           reference update it calls per element and step
=============================  ==================================================
:func:`poisson_loop`           ``encode.poisson_spike`` / ``signed_poisson_spike``
:func:`lif_encode_loop`        ``lif.lif_current_encoder_update`` (and
                               ``encode.spike_latency_update``)
:func:`scan_loop`              the updates of :data:`SCANS` (current encoders, STP)
:func:`sensor_trace_loop`      ``stdp_sensor.sensor_trace_update``
:func:`stdp_linear_loop`       ``stdp.trace_update``, ``stdp.weight_update``
=============================  ==================================================

What stays here: the loops over time and elements, the batch sums of
:func:`stdp_linear_loop` (in batch order; NumPy's matrix product may order
a batch of more than one row differently), the Philox draws
(:mod:`.philox`) and the layout:

* flat contiguous arrays, element ``j`` in column ``j``;
* a loop whose reference update takes a parameter NamedTuple gets
  ``p_like``, the NamedTuple of scalars, and ``P``: shape ``(leaves, 0)``
  when every parameter is a scalar (``p_like`` is used as it is), else
  ``(leaves, N)``, one column per element, gathered into a NamedTuple like
  ``p_like`` (the layout of the neuron loops, :mod:`.kernels`);
* loops whose update takes plain values get rows ``P`` of shape ``(k, 1)``
  when every value is a scalar, else ``(k, N)``: element ``j`` reads column
  ``j`` or column 0 (:func:`_column`);
* an element range ``lo:hi`` and ``nogil``, so that the Python side
  (:mod:`.functions`) can split large problems over threads.

Every loop is compiled with :data:`~.compiling.JIT_OPTIONS` (no
``fastmath``) and ``cache=True`` (keyed on all of refsnn's sources by
:mod:`.compiling`).
"""

from __future__ import annotations

import numpy as np
from numba import literally, njit, types
from numba.extending import overload

from refsnn.backends.numba_.compiling import JIT_OPTIONS, compile_reference
from refsnn.backends.numba_.kernels import _gather, _rows, _source
from refsnn.backends.numba_.philox import uniform_as
from refsnn.functional.encode import poisson_spike, signed_poisson_spike, spike_latency_update
from refsnn.functional.lif import lif_current_encoder_update
from refsnn.functional.lif_adex import lif_adex_current_encoder_update
from refsnn.functional.lif_ex import lif_ex_current_encoder_update
from refsnn.functional.stdp import trace_update, weight_update
from refsnn.functional.stdp_sensor import sensor_trace_update
from refsnn.functional.tsodyks_makram import stp_update

for _update in (poisson_spike, signed_poisson_spike, spike_latency_update,
                lif_current_encoder_update, trace_update, weight_update, sensor_trace_update):
    compile_reference(_update)

#: Scan name -> (reference update, number of state variables). Each update is
#: ``update(*state, x, p, dt) -> (output, *state)``.
SCANS = {
    "lif_current_encoder_scan": (compile_reference(lif_current_encoder_update), 1),
    "lif_ex_current_encoder_scan": (compile_reference(lif_ex_current_encoder_update), 1),
    "lif_adex_current_encoder_scan": (compile_reference(lif_adex_current_encoder_update), 2),
    "stp_scan": (compile_reference(stp_update), 2),
}


@njit(inline="always", **JIT_OPTIONS)
def _column(P, j):
    """The parameter column of element ``j``: ``j``, or 0 when ``P`` holds scalars."""
    return j if P.shape[1] > 1 else 0


@njit(inline="always", **JIT_OPTIONS)
def _parameters(P, p_like, rows, j):
    """Element ``j``'s parameters: ``p_like`` itself when ``P`` is empty (every
    parameter a scalar), else a NamedTuple like it gathered from ``rows``
    (``P``'s rows; the layout of :func:`.runner._parameters`)."""
    return _gather(p_like, rows, j) if P.shape[1] > 0 else p_like


# --------------------------------------------------------------------------- encoders
@njit(cache=True, nogil=True, **JIT_OPTIONS)
def poisson_loop(x, rate_scale, k0, k1, t0, stream, signed, out, lo, hi):
    """``out[t, j]``: the (signed) Poisson spike of ``x[j]`` at step ``t0 + t``.

    ``x``: flat rates (N,); ``out``: (T, N); ``rate_scale``: ``dtype(dt * f_max)``;
    the uniform of step ``s`` and element ``j`` is the Philox draw at counter
    ``(s, j, stream)`` with key ``(k0, k1)``.
    """
    for t in range(out.shape[0]):
        step = t0 + np.uint64(t)
        for j in range(lo, hi):
            u = uniform_as(x[j], k0, k1, step, np.uint64(j), stream)
            if signed:
                out[t, j] = signed_poisson_spike(u, x[j], rate_scale)
            else:
                out[t, j] = poisson_spike(u, x[j], rate_scale)


@njit(cache=True, nogil=True, **JIT_OPTIONS)
def lif_encode_loop(x, P, p_like, dt, first_only, out, lo, hi):
    """Constant-current LIF neurons from ``v = 0``: ``out[t, j]`` = the spike of step ``t``.

    ``x``: flat currents (N,); ``P``/``p_like``: the LIFParameters; ``first_only``:
    keep each neuron's first spike only (spike-latency code).
    """
    zero = x.dtype.type(0)
    rows = _rows(P, p_like, 0, P.shape[1])
    for j in range(lo, hi):
        p = _parameters(P, p_like, rows, j)
        v = zero
        fired = zero
        for t in range(out.shape[0]):
            z, v = lif_current_encoder_update(v, x[j], p, dt)
            if first_only:
                z, fired = spike_latency_update(z, fired)
            out[t, j] = z


# --------------------------------------------------------------------------- scans
def _load(kind, S, j):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_load, inline="always")
def _load_overload(kind, S, j):
    """``(S[0, j], ..., S[k - 1, j])``, ``k`` the state count of the scan ``kind``."""
    if not isinstance(kind, types.StringLiteral):
        return None
    count = SCANS[kind.literal_value][1]
    return _source("kind, S, j", ["return (" + "".join(f"S[{k}, j], " for k in range(count))
                                  + ")"])


def _store(S, j, state):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_store, inline="always")
def _store_overload(S, j, state):
    """``S[k, j] = state[k]`` for every ``k``."""
    return _source("S, j, state", [f"S[{k}, j] = state[{k}]" for k in range(len(state))]
                   + ["return None"])


def _step(kind, state, x, p, dt):  # pragma: no cover - compiled only
    raise NotImplementedError


@overload(_step, inline="always")
def _step_overload(kind, state, x, p, dt):
    """``update(state[0], ..., x, p, dt)`` for the update of the scan ``kind``."""
    if not isinstance(kind, types.StringLiteral):
        return None
    terms = "".join(f"state[{k}], " for k in range(len(state)))
    return _source("kind, state, x, p, dt", [f"return update({terms}x, p, dt)"],
                   {"update": SCANS[kind.literal_value][0]})


@njit(cache=True, nogil=True, **JIT_OPTIONS)
def scan_loop(kind, X, S, P, p_like, dt, out, lo, hi):
    """Every step of the scan ``kind`` (a key of :data:`SCANS`) for elements ``lo:hi``.

    ``X`` (T, N): the per-step inputs; ``S`` (k, N): the initial state,
    overwritten with the final one; ``out`` (T, N): the per-step outputs.
    Per element, the time loop runs ``(out[t, j], *state) = update(*state,
    X[t, j], p, dt)``.
    """
    literally(kind)
    rows = _rows(P, p_like, 0, P.shape[1])
    for j in range(lo, hi):
        p = _parameters(P, p_like, rows, j)
        state = _load(kind, S, j)
        for t in range(X.shape[0]):
            result = _step(kind, state, X[t, j], p, dt)
            out[t, j] = result[0]
            state = result[1:]
        _store(S, j, state)


# --------------------------------------------------------------------------- plasticity
@njit(cache=True, nogil=True, **JIT_OPTIONS)
def sensor_trace_loop(a0, Z, P, dt, out, lo, hi):
    """One trace of ``stdp_sensor_step`` over T steps.

    ``a0`` (N,): the initial trace; ``Z`` (T, N): the spikes of its side;
    ``P`` rows: eta, tau_inv; ``out`` (T, N): the trace after each step.
    """
    for j in range(lo, hi):
        c = _column(P, j)
        a = a0[j]
        for t in range(Z.shape[0]):
            a = sensor_trace_update(a, Z[t, j], P[0, c], P[1, c], dt)
            out[t, j] = a


@njit(cache=True, nogil=True, **JIT_OPTIONS)
def _traces(trace, z, P, dt):
    """``trace[b, i]`` one step later (``stdp.trace_update``); ``P`` rows: a, tau_inv."""
    n = trace.shape[1]
    for b in range(trace.shape[0]):
        for i in range(n):
            c = _column(P, b * n + i)
            trace[b, i] = trace_update(trace[b, i], z[b, i], P[0, c], P[1, c], dt)


@njit(cache=True, nogil=True, **JIT_OPTIONS)
def _batch_dot(A, B, i, j, zero):
    """``sum_b A[b, i] * B[b, j]``, summed in batch order (0 when there is no batch)."""
    if A.shape[0] == 0:
        return zero
    acc = A[0, i] * B[0, j]
    for b in range(1, A.shape[0]):
        acc = acc + A[b, i] * B[b, j]
    return acc


@njit(cache=True, nogil=True, **JIT_OPTIONS)
def stdp_linear_loop(zpre, zpost, tpre, tpost, w, Ppre, Ppost, Pw, dt, rule, hardbound):
    """``stdp_step_linear`` over T steps, in place on ``tpre``, ``tpost``, ``w``.

    ``zpre`` (T, B, n_pre), ``zpost`` (T, B, n_post); traces (B, n_pre) and
    (B, n_post); ``w`` (n_post, n_pre). ``Ppre``/``Ppost`` rows: a, tau_inv;
    ``Pw`` rows: w_min, w_max, eta_plus, eta_minus, mu (one column per weight,
    or one). ``rule``: the index of the weight dependence
    (``stdp.rule_index``). Per step: both traces, then every weight from the
    correlations :math:`C_+ = z_{\\text{post}}^T t_{\\text{pre}}`,
    :math:`C_- = t_{\\text{post}}^T z_{\\text{pre}}` of the updated traces.
    """
    zero = w.dtype.type(0)
    n_post, n_pre = w.shape
    for t in range(zpre.shape[0]):
        _traces(tpre, zpre[t], Ppre, dt)
        _traces(tpost, zpost[t], Ppost, dt)
        for i in range(n_post):
            for j in range(n_pre):
                c = _column(Pw, i * n_pre + j)
                c_plus = _batch_dot(zpost[t], tpre, i, j, zero)
                c_minus = _batch_dot(tpost, zpre[t], i, j, zero)
                w[i, j] = weight_update(w[i, j], c_plus, c_minus, Pw[0, c], Pw[1, c],
                                        Pw[2, c], Pw[3, c], Pw[4, c], rule, hardbound)
