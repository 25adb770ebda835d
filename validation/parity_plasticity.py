"""Parity of refsnn's plasticity functions with Norse 1.1.0.

Rows for :mod:`validation.norse_parity` (``cases()``): every plasticity
function is run side by side with Norse for 60 steps on random
spike trains and states, with per-neuron (or per-synapse, per-channel)
parameters, two time steps ``dt`` and both float32 and float64, and the
largest differences of every output and state field are judged:

* ``stp_step``, ``stdp_sensor_step``, ``correlation_sensor_step`` and
  ``stdp_step_linear`` with a batch of one are elementwise (a batch of one
  makes the outer products of ``stdp_step_linear`` single multiplications):
  **bit-identical**, except ``multiplicative_pow``, whose ``pow`` refsnn
  evaluates in float64 and rounds (a few eps);
* ``stdp_step_linear`` with a batch, ``stdp_step_conv2d`` (sums over the
  batch and the output positions) and ``lif_correlation_step`` (matrix
  products of ``lif_step``): within a few eps (summation order), spikes
  identical;
* deviations (docs/deviations.rst): ``stdp_sensor_step`` with
  ``tau_ac_inv != tau_c_inv`` (Norse decays the postsynaptic trace with
  ``tau_c_inv``) and the correlation sensors with a batch as large as the
  layer (Norse's broadcasting mixes the samples): the refsnn row must differ,
  the ``compat`` row (:mod:`refsnn.compat.norse`) must match.

Norse receives its parameters as tensors of the run's dtype, as its own
defaults are. (Given Python floats, Norse evaluates ``dt * tau_inv`` in
double precision before it meets a tensor, which can move a float32 result
by an ulp; refsnn casts every parameter to the state's dtype first.)

Run ``python -m validation.parity_plasticity`` for this part of the table.
"""

from __future__ import annotations

import importlib
import sys
from typing import Any, Callable

import numpy as np

from validation.norse_parity import Case, Differences, Result, _norse_leaf, judge

STEPS = 60
DTS = (1e-3, 5e-4)
MATMUL, POW = 8, 4

ALGORITHMS = ("additive", "additive_step", "multiplicative_pow", "multiplicative_relu")


# --------------------------------------------------------------------------- helpers
def _u(rng, low, high, shape, dtype):
    return rng.uniform(low, high, shape).astype(dtype)


def _spikes(rng, rate, shape, dtype):
    return (rng.random(shape) < rate).astype(dtype)


def _fn(variant: str, module: str, name: str):
    package = "refsnn.compat.norse." if variant == "compat" else "refsnn.functional."
    return getattr(importlib.import_module(package + module), name)


def _norse(module: str, name: str):
    return getattr(importlib.import_module(f"norse.torch.functional.{module}"), name)


def _tensor(x):
    import torch

    return torch.from_numpy(np.array(x))


def _leaves(tree) -> list:
    if isinstance(tree, tuple):
        return [x for leaf in tree for x in _leaves(leaf)]
    return [tree]


def _add_tree(d: Differences, ours, theirs, dtype) -> None:
    a, b = _leaves(ours), _leaves(theirs)
    if len(a) != len(b):
        raise AssertionError(f"refsnn returned {len(a)} arrays, Norse {len(b)}")
    for x, y in zip(a, b):
        d.add(x, _norse_leaf(y), dtype)


# --------------------------------------------------------------------------- Tsodyks-Markram
def _stp(variant, dtype, seed, batch=3, n=30):
    from refsnn.compat.norse.convert import to_norse
    from refsnn.functional.tsodyks_makram import TsodyksMakramParameters, TsodyksMakramState

    ours, theirs = _fn(variant, "tsodyks_makram", "stp_step"), _norse("tsodyks_makram", "stp_step")
    d = Differences()
    for k, dt in enumerate(DTS):
        rng = np.random.default_rng([seed, k])
        p = TsodyksMakramParameters(tau_f_inv=_u(rng, 1, 60, n, dtype),
                                    tau_s_inv=_u(rng, 20, 60, n, dtype),
                                    tau_d_inv=_u(rng, 1, 30, n, dtype),
                                    U=_u(rng, 0.05, 0.7, n, dtype))
        s = TsodyksMakramState(u=_u(rng, 0, 0.5, (batch, n), dtype),
                               x=_u(rng, 0.4, 1, (batch, n), dtype))
        z = _spikes(rng, 0.1, (STEPS, batch, n), dtype)
        p_n, s_n = to_norse(p), to_norse(s)
        for zt in z:
            out, s = ours(zt, s, p, dt)
            out_n, s_n = theirs(_tensor(zt), s_n, p_n, dt)
            _add_tree(d, (out, s), (out_n, tuple(s_n)), dtype)
    return d


# --------------------------------------------------------------------------- STDP sensor
def _stdp_sensor(tau_ac_scale):
    def simulate(variant, dtype, seed, batch=3, n_pre=20, n_post=12):
        from refsnn.compat.norse.convert import to_norse
        from refsnn.functional.stdp_sensor import STDPSensorParameters, STDPSensorState

        ours = _fn(variant, "stdp_sensor", "stdp_sensor_step")
        theirs = _norse("stdp_sensor", "stdp_sensor_step")
        d = Differences()
        for k, dt in enumerate(DTS):
            rng = np.random.default_rng([seed, k])
            tau_c = rng.uniform(5, 40)
            p = STDPSensorParameters(eta_p=_u(rng, 0.5, 1.5, n_pre, dtype),
                                     eta_m=_u(rng, 0.5, 1.5, n_post, dtype),
                                     tau_ac_inv=np.asarray(tau_c * tau_ac_scale, dtype),
                                     tau_c_inv=np.asarray(tau_c, dtype))
            s = STDPSensorState(a_pre=_u(rng, 0, 1, (batch, n_pre), dtype),
                                a_post=_u(rng, 0, 1, (batch, n_post), dtype))
            z_pre = _spikes(rng, 0.1, (STEPS, batch, n_pre), dtype)
            z_post = _spikes(rng, 0.1, (STEPS, batch, n_post), dtype)
            p_n, s_n = to_norse(p), to_norse(s)
            for zp, zq in zip(z_pre, z_post):
                s = ours(zp, zq, s, p, dt)
                s_n = theirs(_tensor(zp), _tensor(zq), s_n, p_n, dt)
                _add_tree(d, s, tuple(s_n), dtype)
        return d

    return simulate


# --------------------------------------------------------------------------- correlation sensors
def _sensor_state(rng, dtype, batch, n_pre, n_post):
    from refsnn.functional.correlation_sensor import CorrelationSensorState

    shape = (batch, n_pre, n_post)
    return CorrelationSensorState(post_pre=_spikes(rng, 0.5, shape, dtype),
                                  correlation_trace=_u(rng, 0, 1, shape, dtype),
                                  anti_correlation_trace=_u(rng, 0, 1, shape, dtype))


def _sensor_params(rng, dtype, n_pre, n_post):
    from refsnn.functional.correlation_sensor import CorrelationSensorParameters

    return CorrelationSensorParameters(eta_p=_u(rng, 0.5, 1.5, (n_pre, n_post), dtype),
                                       eta_m=_u(rng, 0.5, 1.5, (n_pre, n_post), dtype),
                                       tau_ac_inv=_u(rng, 5, 40, (n_pre, n_post), dtype),
                                       tau_c_inv=_u(rng, 5, 40, (n_pre, n_post), dtype))


def _correlation(batch, n_pre, n_post):
    def simulate(variant, dtype, seed):
        from refsnn.compat.norse.convert import to_norse

        ours = _fn(variant, "correlation_sensor", "correlation_sensor_step")
        theirs = _norse("correlation_sensor", "correlation_sensor_step")
        d = Differences()
        for k, dt in enumerate(DTS):
            rng = np.random.default_rng([seed, k])
            s = _sensor_state(rng, dtype, batch, n_pre, n_post)
            p = _sensor_params(rng, dtype, n_pre, n_post)
            z_pre = _spikes(rng, 0.15, (STEPS, batch, n_pre), dtype)
            z_post = _spikes(rng, 0.15, (STEPS, batch, n_post), dtype)
            p_n, s_n = to_norse(p), to_norse(s)
            for zp, zq in zip(z_pre, z_post):
                s = ours(zp, zq, s, p, dt)
                s_n = theirs(_tensor(zp), _tensor(zq), s_n, p_n, dt)
                _add_tree(d, s, tuple(s_n), dtype)
        return d

    return simulate


def _lif_correlation(batch, n_in, n_hidden):
    def simulate(variant, dtype, seed):
        from refsnn.compat.norse.convert import to_norse
        from refsnn.functional.lif import LIFParameters, LIFState
        from refsnn.functional.lif_correlation import (LIFCorrelationParameters,
                                                       LIFCorrelationState)

        ours = _fn(variant, "lif_correlation", "lif_correlation_step")
        theirs = _norse("lif_correlation", "lif_correlation_step")
        d = Differences()
        for k, dt in enumerate(DTS):
            rng = np.random.default_rng([seed, k])
            lif_p = LIFParameters(tau_syn_inv=_u(rng, 150, 250, n_hidden, dtype),
                                  tau_mem_inv=_u(rng, 80, 120, n_hidden, dtype),
                                  v_leak=np.asarray(0.05, dtype),
                                  v_th=_u(rng, 0.9, 1.1, n_hidden, dtype),
                                  v_reset=np.asarray(-0.1, dtype))
            p = LIFCorrelationParameters(lif_p, _sensor_params(rng, dtype, n_in, n_hidden),
                                         _sensor_params(rng, dtype, n_hidden, n_hidden))
            v = _u(rng, -0.2, 0.8, (batch, n_hidden), dtype)
            i = _u(rng, -1, 1, (batch, n_hidden), dtype)
            s = LIFCorrelationState(LIFState(np.zeros_like(v), v, i),
                                    _sensor_state(rng, dtype, batch, n_in, n_hidden),
                                    _sensor_state(rng, dtype, batch, n_hidden, n_hidden))
            w_in = (2.0 * rng.standard_normal((n_hidden, n_in))).astype(dtype)
            w_rec = (0.5 * rng.standard_normal((n_hidden, n_hidden))).astype(dtype)
            x = _spikes(rng, 0.2, (STEPS, batch, n_in), dtype)
            p_n, s_n = to_norse(p), to_norse(s)
            w_in_n, w_rec_n = _tensor(w_in), _tensor(w_rec)
            for xt in x:
                z, s = ours(xt, s, w_in, w_rec, p, dt)
                z_n, s_n = theirs(_tensor(xt), s_n, w_in_n, w_rec_n, p_n, dt)
                d.add_spikes(z, z_n)
                _add_tree(d, (z, s), (z_n, s_n), dtype)
        return d

    return simulate


# --------------------------------------------------------------------------- STDP
def norse_stdp_parameters(p, dtype=None):
    """Norse's ``STDPParameters`` with the values of refsnn's (numbers as tensors of ``dtype``).

    ``mu`` is handed over as a Python float when it is a scalar (Norse wraps
    it in ``torch.tensor``); choose exactly representable values.
    """
    import torch

    stdp = importlib.import_module("norse.torch.functional.stdp")
    kwargs = {}
    for field, value in zip(p._fields, p):
        if field == "mu":
            kwargs[field] = float(value) if np.ndim(value) == 0 else _tensor(value)
        elif field in ("stdp_algorithm", "hardbound", "convolutional", "stride", "padding",
                       "dilation"):
            kwargs[field] = value
        else:
            arr = np.asarray(value, dtype) if dtype is not None else np.asarray(value)
            kwargs[field] = torch.from_numpy(np.array(arr))
    return stdp.STDPParameters(**kwargs)


def _stdp_parameters(rng, dtype, algorithm, hardbound, eta, pre_shape, post_shape, w_shape,
                     **geometry):
    from refsnn.functional.stdp import STDPParameters

    return STDPParameters(
        a_pre=_u(rng, 0.5, 1.5, pre_shape, dtype), a_post=_u(rng, 0.5, 1.5, post_shape, dtype),
        tau_pre_inv=_u(rng, 10, 60, pre_shape, dtype),
        tau_post_inv=_u(rng, 10, 60, post_shape, dtype),
        w_min=_u(rng, 0.0, 0.1, w_shape, dtype), w_max=_u(rng, 0.9, 1.0, w_shape, dtype),
        eta_plus=_u(rng, 0.5, 1.5, w_shape, dtype) * dtype.type(eta),
        eta_minus=_u(rng, 0.5, 1.5, w_shape, dtype) * dtype.type(eta),
        stdp_algorithm=algorithm, mu=0.75, hardbound=hardbound,
        convolutional=bool(geometry), **geometry,
    )


def _stdp_linear(algorithm, hardbound, batch, defaults=False):
    def simulate(variant, dtype, seed, n_pre=20, n_post=12):
        import torch

        from refsnn.functional.stdp import STDPParameters, STDPState

        ours = _fn(variant, "stdp", "stdp_step_linear")
        stdp = importlib.import_module("norse.torch.functional.stdp")
        d = Differences()
        for k, dt in enumerate(DTS):
            rng = np.random.default_rng([seed, k])
            if defaults:
                p, p_n = STDPParameters(), stdp.STDPParameters()
            else:
                # multiplicative rules bound themselves unless a step overshoots:
                # large rates make them overshoot, so that the clip is exercised
                eta = (5.0 if algorithm.startswith("mult") else 0.3) if hardbound else 0.02
                p = _stdp_parameters(rng, dtype, algorithm, hardbound, eta, n_pre, n_post,
                                     (n_post, n_pre))
                p_n = norse_stdp_parameters(p, dtype)
            s = STDPState(t_pre=_u(rng, 0, 0.05, (batch, n_pre), dtype),
                          t_post=_u(rng, 0, 0.05, (batch, n_post), dtype))
            w = _u(rng, 0.2, 0.8, (n_post, n_pre), dtype)
            z_pre = _spikes(rng, 0.1, (STEPS, batch, n_pre), dtype)
            z_post = _spikes(rng, 0.1, (STEPS, batch, n_post), dtype)
            s_n = stdp.STDPState(_tensor(s.t_pre), _tensor(s.t_post))
            w_n = _tensor(w)
            with torch.no_grad():
                for zp, zq in zip(z_pre, z_post):
                    w, s = ours(zp, zq, w, s, p, dt)
                    w_n, s_n = stdp.stdp_step_linear(_tensor(zp), _tensor(zq), w_n, s_n, p_n, dt)
                    _add_tree(d, (w, s.t_pre, s.t_post), (w_n, s_n.t_pre, s_n.t_post), dtype)
        return d

    return simulate


def _stdp_conv(algorithm, hardbound, kernel=(3, 3), **geometry):
    def simulate(variant, dtype, seed, batch=2, c_in=3, c_out=4, hw=(9, 8)):
        import torch

        from refsnn.functional.stdp import STDPState

        ours = _fn(variant, "stdp", "stdp_step_conv2d")
        stdp = importlib.import_module("norse.torch.functional.stdp")
        geo = {"stride": 1, "padding": 0, "dilation": 1, **geometry}
        d = Differences()
        for k, dt in enumerate(DTS):
            rng = np.random.default_rng([seed, k])
            eta = (0.5 if algorithm.startswith("mult") else 0.05) if hardbound else 0.003
            p = _stdp_parameters(rng, dtype, algorithm, hardbound, eta, (c_in, 1, 1),
                                 (c_out, 1, 1), (c_out, c_in, 1, 1), **geo)
            p_n = norse_stdp_parameters(p, dtype)
            w = _u(rng, 0.2, 0.8, (c_out, c_in, *kernel), dtype)
            oh, ow = (
                (size + 2 * pad - dil * (k_size - 1) - 1) // step + 1
                for size, k_size, pad, dil, step in zip(
                    hw, kernel, _pair(geo["padding"]), _pair(geo["dilation"]),
                    _pair(geo["stride"]))
            )
            post_shape = (batch, c_out, oh, ow)
            s = STDPState(t_pre=_u(rng, 0, 0.05, (batch, c_in, *hw), dtype),
                          t_post=_u(rng, 0, 0.05, post_shape, dtype))
            z_pre = _spikes(rng, 0.1, (STEPS, batch, c_in, *hw), dtype)
            z_post = _spikes(rng, 0.1, (STEPS, *post_shape), dtype)
            s_n = stdp.STDPState(_tensor(s.t_pre), _tensor(s.t_post))
            w_n = _tensor(w)
            with torch.no_grad():
                for zp, zq in zip(z_pre, z_post):
                    w, s = ours(zp, zq, w, s, p, dt)
                    w_n, s_n = stdp.stdp_step_conv2d(_tensor(zp), _tensor(zq), w_n, s_n, p_n, dt)
                    _add_tree(d, (w, s.t_pre, s.t_post), (w_n, s_n.t_pre, s_n.t_post), dtype)
        return d

    return simulate


def _pair(v):
    return tuple(v) if isinstance(v, (tuple, list)) else (v, v)


# --------------------------------------------------------------------------- table
class _Row:
    """One function under one configuration: how to simulate it and what to expect."""

    def __init__(self, label: str, simulate: Callable, tolerance: float = 0, *,
                 deviates: bool = False, spikes: bool = False, dtypes=("float32", "float64")):
        self.label, self.simulate, self.tolerance = label, simulate, tolerance
        self.deviates, self.spikes, self.dtypes = deviates, spikes, dtypes

    def run(self, variant: str, dtype: Any, seed: int = 0) -> Result:
        import torch

        dtype = np.dtype(dtype)
        # Tiny tensors: torch's thread pool costs far more than it saves
        # (10 ms per im2col on a loaded machine), and the results do not
        # depend on the thread count.
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with np.errstate(over="ignore", invalid="ignore"):
                d = self.simulate(variant, dtype, seed)
        finally:
            torch.set_num_threads(threads)
        compat = self.run("compat", dtype, seed) if self.deviates and variant == "refsnn" else None
        return judge(self.label, variant, dtype, d, self.tolerance, self.spikes, compat)


def rows() -> list[_Row]:
    out = [
        _Row("stp_step", _stp),
        _Row("stdp_sensor_step[tau_ac = tau_c]", _stdp_sensor(1.0)),
        _Row("stdp_sensor_step[tau_ac != tau_c]", _stdp_sensor(2.5), deviates=True),
        _Row("correlation_sensor_step[batch 1]", _correlation(1, 10, 7)),
        _Row("correlation_sensor_step[batch = n]", _correlation(6, 6, 6), deviates=True),
        _Row("lif_correlation_step[batch 1]", _lif_correlation(1, 10, 16), MATMUL, spikes=True),
        _Row("lif_correlation_step[batch = n]", _lif_correlation(8, 8, 8), MATMUL,
             deviates=True, spikes=True),
        _Row("stdp_step_linear[defaults]", _stdp_linear("additive", True, 3, defaults=True),
             MATMUL, dtypes=("float32",)),
    ]
    for algorithm in ALGORITHMS:
        pow_tol = POW if algorithm == "multiplicative_pow" else 0
        out.append(_Row(f"stdp_step_linear[{algorithm}, batch 1]",
                        _stdp_linear(algorithm, True, 1), pow_tol))
        for hardbound in (True, False):
            bound = "hardbound" if hardbound else "no bound"
            out.append(_Row(f"stdp_step_linear[{algorithm}, {bound}]",
                            _stdp_linear(algorithm, hardbound, 3), MATMUL))
            out.append(_Row(f"stdp_step_conv2d[{algorithm}, {bound}]",
                            _stdp_conv(algorithm, hardbound), MATMUL))
    out += [
        _Row("stdp_step_conv2d[stride 2, padding 1, dilation 2, kernel 3x2]",
             _stdp_conv("multiplicative_relu", True, (3, 2), stride=2, padding=1, dilation=2),
             MATMUL),
        _Row("stdp_step_conv2d[stride (1,2), padding (2,0), dilation (2,1)]",
             _stdp_conv("additive_step", True, (2, 3), stride=(1, 2), padding=(2, 0),
                        dilation=(2, 1)),
             MATMUL),
    ]
    return out


def cases() -> list[Case]:
    """Every row of this part of the parity table (refsnn and, for deviations, compat)."""
    out = []
    for row in rows():
        for variant in (("refsnn", "compat") if row.deviates else ("refsnn",)):
            for dtype in row.dtypes:
                out.append(Case(row.label, variant, dtype,
                                lambda row=row, variant=variant, dtype=dtype:
                                row.run(variant, dtype)))
    return out


def main() -> int:
    failures = 0
    all_cases = cases()
    for case in all_cases:
        r = case.run()
        print(f"{r.label:62s} {r.variant:7s} {r.dtype:8s} {r.max_abs:10.3g} {r.max_ulp:>10d} "
              f"{r.max_scaled:8.3g} {str(r.spikes_equal):>6s}  {r.expected:11s} "
              f"{'ok' if r.ok else 'FAIL'}")
        failures += not r.ok
    print(f"\n{len(all_cases) - failures} rows as expected, {failures} not.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
