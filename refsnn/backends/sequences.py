"""The functions a fused backend runs over whole sequences, on any backend's loops.

Encoders (Poisson, constant-current and spike-latency LIF), the current-
encoder scans, ``stdp_sensor_scan``, ``stp_scan`` and ``stdp_linear_scan``
have the reference's signatures (without ``backend``) and validate their
arguments with the reference's own checks (for the scans: one reference
step on the first row, whose result gives the cast dtype and the broadcast
shapes and is then discarded), so errors read the same on every backend.
What remains backend-specific is the time loop over the flat layout,
supplied by a *loops* object (:class:`Loops`); the numba and CUDA backends
each give one, running the reference's own per-element updates.
"""

from __future__ import annotations

import math
from typing import Any, NamedTuple, Protocol

import numpy as np

from refsnn import _checks
from refsnn.backends.layout import readonly as _readonly
from refsnn.functional import _plasticity, encode
from refsnn.functional import stdp as _stdp
from refsnn.functional.lif import LIFParameters
from refsnn.functional.lif_adex import LIFAdExParameters
from refsnn.functional.lif_ex import LIFExParameters
from refsnn.functional.stdp_sensor import STDPSensorParameters, STDPSensorState
from refsnn.functional.tsodyks_makram import TsodyksMakramParameters, TsodyksMakramState

#: The functions of :class:`SequenceFunctions`, by name.
NAMES = ("poisson_encode", "signed_poisson_encode", "constant_current_lif_encode",
         "spike_latency_lif_encode", "lif_current_encoder_scan", "lif_ex_current_encoder_scan",
         "lif_adex_current_encoder_scan", "stdp_sensor_scan", "stp_scan", "stdp_linear_scan")


class Loops(Protocol):
    """A backend's time loops over flat, contiguous NumPy arrays (written in place).

    * ``poisson(x, rate_scale, k0, k1, t0, stream, signed, out)``: ``out``
      ``(T, N)``, the (signed) Poisson spikes of the rates ``x`` ``(N,)`` at
      steps ``t0 ..``; Philox key ``(k0, k1)``, counter ``(step, j, stream)``.
    * ``lif_encode(x, p, shape, dt, first_only, out)``: constant currents
      ``x`` ``(N,)`` into LIF neurons from ``v = 0`` (``p`` cast, broadcastable
      to ``shape``); ``first_only`` keeps each neuron's first spike.
    * ``scan(name, X, S, p, shape, dt, out)``: the scan ``name`` over inputs
      ``X`` ``(T, N)`` from the states ``S`` ``(k, N)`` (overwritten with the
      final ones), outputs ``out`` ``(T, N)``.
    * ``sensor_trace(a, Z, P, dt, out)``: one trace of ``stdp_sensor_step``;
      ``P`` rows ``eta, tau_inv`` of shape ``(2, N)`` or ``(2, 1)``.
    * ``stdp_linear(zpre, zpost, tpre, tpost, w, Ppre, Ppost, Pw, dt, rule,
      hardbound)``: ``stdp_step_linear`` over ``T`` steps, in place on the
      traces and ``w``.
    """

    def poisson(self, x, rate_scale, k0, k1, t0, stream, signed, out) -> None: ...
    def lif_encode(self, x, p, shape, dt, first_only, out) -> None: ...
    def scan(self, name, X, S, p, shape, dt, out) -> None: ...
    def sensor_trace(self, a, Z, P, dt, out) -> None: ...
    def stdp_linear(self, zpre, zpost, tpre, tpost, w, Ppre, Ppost, Pw, dt, rule,
                    hardbound) -> None: ...


def _rows(values, shape: tuple, dtype) -> np.ndarray:
    """``(k, 1)`` when every value is a scalar, else ``(k, prod(shape))`` broadcast copies.

    The parameter layout of :mod:`.function_kernels` (read-only).
    """
    arrays = [np.asarray(v, dtype) for v in values]
    if all(a.size == 1 for a in arrays):
        return _readonly(np.array([a.reshape(-1)[0] for a in arrays], dtype).reshape(-1, 1))
    n = math.prod(shape)
    out = np.empty((len(arrays), n), dtype)
    for row, a in zip(out, arrays):
        row.reshape(shape)[...] = a
    return _readonly(out)


def _flat(a, shape: tuple, dtype) -> np.ndarray:
    """``a`` broadcast to ``shape`` as a flat contiguous private copy of ``dtype``."""
    return np.ascontiguousarray(np.broadcast_to(np.asarray(a, dtype), shape)).reshape(-1).copy()


def _sequence(z: Any, name: str) -> np.ndarray:
    """``z`` as an array with a time axis (the reference's check)."""
    from refsnn.functional import scan

    return scan._sequence(z, name)


def _spikes(z: np.ndarray, dtype, shape: tuple, name: str) -> np.ndarray:
    """``(T, prod(shape))`` contiguous spikes cast to ``dtype`` (read-only; the public
    scan validated them at entry)."""
    z = _checks.as_input(z, dtype, name, finite=False)
    z = np.ascontiguousarray(np.broadcast_to(z, (z.shape[0],) + shape))
    return _readonly(z.reshape(z.shape[0], -1))


def _shrink(a: np.ndarray, shape: tuple) -> np.ndarray:
    """``a`` (of a shape ``shape`` broadcasts to) cut back to ``shape``.

    Used where the reference's result has a smaller shape than the kernel's
    common one; the values along the cut axes are equal by construction.
    """
    a = a[(0,) * (a.ndim - len(shape))]
    index = tuple(slice(0, 1) if d == 1 else slice(None) for d in shape)
    return np.ascontiguousarray(a[index]).reshape(shape)


class SequenceFunctions:
    """The functions of :data:`NAMES` running on ``loops`` (see the module docstring)."""

    def __init__(self, loops: Loops) -> None:
        self.loops = loops

    def table(self) -> dict:
        """``{name: bound function}`` for every name of :data:`NAMES`."""
        return {name: getattr(self, name) for name in NAMES}

    # ----------------------------------------------------------------------- encoders
    def _poisson(self, input_values, seq_length, f_max, dt, seed, start_step, signed,
                 spike_dtype=None):
        x, k = encode._poisson_args(input_values, f_max, dt, seed, signed)
        n, t0 = encode._poisson_steps(seq_length, start_step)
        out = np.empty((n, x.size), encode._check_spikes("a Poisson encoder", n, x, spike_dtype))
        flat = _readonly(np.ascontiguousarray(x).reshape(-1))
        if out.size:
            self.loops.poisson(flat, encode._rate_scale(x, f_max, dt), np.uint64(k[0]),
                               np.uint64(k[1]), np.uint64(t0),
                               np.uint64(encode.POISSON_STREAM), signed, out)
        return out.reshape((n,) + x.shape)

    def poisson_encode(self, input_values, seq_length, f_max=100, dt=0.001, seed=0, start_step=0,
                       spike_dtype=None):
        """:func:`refsnn.functional.encode.poisson_encode` in the backend's loop."""
        return self._poisson(input_values, seq_length, f_max, dt, seed, start_step, False,
                             spike_dtype)

    def signed_poisson_encode(self, input_values, seq_length, f_max=100, dt=0.001, seed=0,
                              start_step=0):
        """:func:`refsnn.functional.encode.signed_poisson_encode` in the backend's loop."""
        return self._poisson(input_values, seq_length, f_max, dt, seed, start_step, True)

    def _lif_encode(self, input_current, seq_length, p, dt, first_only, spike_dtype):
        x = encode._as_float(input_current, "input_current")
        n = encode._count(seq_length, "seq_length", 0)
        pc = encode._check_lif(p, dt, x)
        dtype = x.dtype
        out = np.empty((n, x.size), encode._check_spikes("a LIF encoder", n, x, spike_dtype))
        flat = _readonly(np.ascontiguousarray(x).reshape(-1))
        if out.size:
            self.loops.lif_encode(flat, pc, x.shape, dtype.type(dt), first_only, out)
        return out.reshape((n,) + x.shape)

    def constant_current_lif_encode(self, input_current, seq_length, p=LIFParameters(), dt=0.001,
                                    spike_dtype=None):
        """:func:`refsnn.functional.encode.constant_current_lif_encode` in the backend's loop."""
        return self._lif_encode(input_current, seq_length, p, dt, False, spike_dtype)

    def spike_latency_lif_encode(self, input_current, seq_length, p=LIFParameters(), dt=0.001,
                                 spike_dtype=None):
        """:func:`refsnn.functional.encode.spike_latency_lif_encode` in the backend's loop."""
        return self._lif_encode(input_current, seq_length, p, dt, True, spike_dtype)

    # ----------------------------------------------------------------------- scans
    def _run_scan(self, name: str, x: np.ndarray, states: tuple, p: NamedTuple, dtype,
                  shape: tuple, dt, x_name: str) -> tuple:
        """The backend's loop of the scan ``name`` over the elements of ``shape``.

        ``x`` (T, ...): the per-step inputs, cast and broadcast to ``shape``
        here; ``states``: the initial state values; ``p``: the parameters cast
        to ``dtype``. Returns ``(outputs, final states)``: ``(T, *shape)`` and a
        tuple of ``shape`` arrays.
        """
        steps, n = x.shape[0], math.prod(shape)
        X = _spikes(x, dtype, shape, x_name)
        S = np.stack([_flat(s, shape, dtype) for s in states])
        out = np.empty((steps, n), dtype)
        if n:
            self.loops.scan(name, X, S, p, shape, dtype.type(dt), out)
        return out.reshape((steps,) + shape), tuple(s.reshape(shape) for s in S)

    def _encoder_scan(self, name, input_current, states, p, dt):
        """The reference scan ``name`` with the backend's loop as its time loop.

        ``states``: the initial state arrays. Returns ``(z, *final states)``.
        """
        from refsnn.functional import scan

        x = _sequence(input_current, "input_current")
        steps = x.shape[0]
        if steps == 0:
            return getattr(scan, name)(x, *states, p, dt)
        step = {"lif_current_encoder_scan": scan.lif_current_encoder,
                "lif_ex_current_encoder_scan": scan.lif_ex_current_encoder,
                "lif_adex_current_encoder_scan": scan.lif_adex_current_encoder}[name]
        probe = step(x[0], *states, p, dt)  # validates, gives the dtype and the shape
        dtype, shape = probe[0].dtype, probe[0].shape
        z, finals = self._run_scan(name, x, states, _checks.cast_tree(p, dtype, "p"), dtype,
                                   shape, dt,
                              "input_current")
        return (z,) + finals

    def lif_current_encoder_scan(self, input_current, voltage, p=LIFParameters(), dt=0.001):
        """:func:`refsnn.functional.scan.lif_current_encoder_scan` in the backend's loop."""
        return self._encoder_scan("lif_current_encoder_scan", input_current, (voltage,), p, dt)

    def lif_ex_current_encoder_scan(self, input_current, voltage, p=LIFExParameters(), dt=0.001):
        """:func:`refsnn.functional.scan.lif_ex_current_encoder_scan` in the backend's loop."""
        return self._encoder_scan("lif_ex_current_encoder_scan", input_current, (voltage,), p, dt)

    def lif_adex_current_encoder_scan(self, input_current, voltage, adaptation,
                                      p=LIFAdExParameters(),
                                      dt=0.001):
        """:func:`refsnn.functional.scan.lif_adex_current_encoder_scan` in the backend's loop."""
        return self._encoder_scan("lif_adex_current_encoder_scan", input_current,
                                  (voltage, adaptation),
                             p, dt)

    # ----------------------------------------------------------------------- plasticity
    def stdp_sensor_scan(self, z_pre, z_post, state, p=STDPSensorParameters(), dt=0.001):
        """:func:`refsnn.functional.scan.stdp_sensor_scan` in the backend's loops."""
        from refsnn.functional import scan

        zp, zq = _sequence(z_pre, "z_pre"), _sequence(z_post, "z_post")
        steps = scan._same_length(z_pre=zp, z_post=zq)
        if steps == 0:
            return scan.stdp_sensor_scan(zp, zq, state, p, dt)
        probe = scan.stdp_sensor_step(zp[0], zq[0], state, p, dt)  # validates, gives shapes
        dtype = probe.a_pre.dtype
        s = _checks.cast_tree(state, dtype, "state")
        pc = _checks.cast_tree(p, dtype, "p")
        dtv = dtype.type(dt)
        traces = []
        for a0, z, name, eta, tau, like in ((s.a_pre, zp, "z_pre", pc.eta_p, pc.tau_c_inv,
                                             probe.a_pre),
                                            (s.a_post, zq, "z_post", pc.eta_m, pc.tau_ac_inv,
                                             probe.a_post)):
            shape = like.shape
            zf = _spikes(z, dtype, shape, name)
            a = _readonly(_flat(a0, shape, dtype))
            out = np.empty((steps, a.size), dtype)
            if out.size:
                self.loops.sensor_trace(a, zf, _rows((eta, tau), shape, dtype), dtv, out)
            traces.append(out.reshape((steps,) + shape))
        final = STDPSensorState(traces[0][-1].copy(), traces[1][-1].copy())
        return STDPSensorState(*traces), final

    def stp_scan(self, z, s, p=TsodyksMakramParameters(), dt=0.001):
        """:func:`refsnn.functional.scan.stp_scan` in the backend's loop."""
        from refsnn.functional import scan

        z = _sequence(z, "z")
        steps = z.shape[0]
        if steps == 0:
            return scan.stp_scan(z, s, p, dt)
        r0, s0 = scan.stp_step(z[0], s, p, dt)  # validates, gives the dtype and shapes
        dtype = r0.dtype
        shape = np.broadcast_shapes(r0.shape, s0.u.shape, s0.x.shape)
        sc = _checks.cast_tree(s, dtype, "s")
        release, (u, x) = self._run_scan("stp_scan", z, (sc.u, sc.x),
                                         _checks.cast_tree(p, dtype, "p"),
                                    dtype, shape, dt, "z")
        state = TsodyksMakramState(u=_shrink(u, s0.u.shape), x=_shrink(x, s0.x.shape))
        if steps == 1:  # the reference's stack of one release keeps that release's shape
            return _shrink(release[0], r0.shape)[None], state
        return release, state

    def stdp_linear_scan(self, z_pre, z_post, w, state_stdp, p_stdp=_stdp.STDPParameters(),
                         dt=0.001):
        """:func:`refsnn.functional.scan.stdp_linear_scan` in the backend's loop."""
        from refsnn.functional import scan

        zp, zq = _sequence(z_pre, "z_pre"), _sequence(z_post, "z_post")
        steps = scan._same_length(z_pre=zp, z_post=zq)
        if steps == 0:
            return scan.stdp_linear_scan(zp, zq, w, state_stdp, p_stdp, dt)
        w1, probe = _stdp.stdp_step_linear(zp[0], zq[0], w, state_stdp, p_stdp, dt)  # validates
        dtype = w1.dtype
        n_post, n_pre = w1.shape
        pre_shape, post_shape = probe.t_pre.shape, probe.t_post.shape
        s = _checks.cast_tree(state_stdp, dtype, "state_stdp")
        p = _plasticity.cast_fields(p_stdp, _stdp._NUMERIC_FIELDS, dtype, "p_stdp")
        rows = int(np.prod(pre_shape[:-1]))  # explicit: -1 is ambiguous for empty layers
        zpf = _spikes(zp, dtype, pre_shape, "z_pre").reshape(steps, rows, n_pre)
        zqf = _spikes(zq, dtype, post_shape, "z_post").reshape(steps, rows, n_post)
        tpre = _flat(s.t_pre, pre_shape, dtype).reshape(rows, n_pre)
        tpost = _flat(s.t_post, post_shape, dtype).reshape(rows, n_post)
        wk = np.array(np.asarray(w).astype(dtype), dtype, copy=True, order="C")
        self.loops.stdp_linear(zpf, zqf, tpre, tpost, wk,
                            _rows((p.a_pre, p.tau_pre_inv), pre_shape, dtype),
                            _rows((p.a_post, p.tau_post_inv), post_shape, dtype),
                            _rows((p.w_min, p.w_max, p.eta_plus, p.eta_minus, p.mu), w1.shape,
                                  dtype),
                            dtype.type(dt), _stdp.rule_index(p), bool(p.hardbound))
        return wk, _stdp.STDPState(t_pre=tpre.reshape(pre_shape), t_post=tpost.reshape(post_shape))
