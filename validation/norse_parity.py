"""Parity of refsnn's reference with Norse 1.1.0, function by function.

Every step function that refsnn and Norse share is run side by side for a few
hundred steps on random inputs and states with per-neuron parameters
(non-zero ``v_leak``/``v_reset`` where the model has them), a batch axis, two
time steps ``dt`` and both float32 and float64. Reported per row: the
largest absolute difference and the largest distance in ulp over every output
and state field at every step, and whether the spike trains are identical.

Expectations (checked, not just printed):

* ``identical``: bit-identical (0 ulp) — elementwise arithmetic in the same
  operation order as Norse;
* ``<= N eps``: where Norse evaluates ``exp`` (SLEEF) or a matrix product
  (a different BLAS summation order): every field's largest difference,
  in units of machine epsilon times that field's largest magnitude
  (the ``scaled`` column), is at most N; spikes must still be identical;
* ``deviates``: refsnn implements Norse's documented model where Norse's
  code departs from it (docs/deviations.rst); the row must show a
  difference, and the ``compat`` row (``refsnn.compat.norse``) must be
  identical to Norse.

Run ``python validation/norse_parity.py [NAME ...]`` for the table (all rows,
or those whose function name contains a NAME); the test suite runs the same
cases (tests/test_norse_parity.py).
"""

from __future__ import annotations

import importlib
import sys
from dataclasses import dataclass
from typing import Any, Callable

from pathlib import Path

import numpy as np

from refsnn.compat.norse.convert import to_norse
from refsnn._checks import is_namedtuple

STEPS = 300
BATCH, NEURONS, N_IN = 3, 40, 24
DTS = (1e-3, 5e-4)


# --------------------------------------------------------------------------- cases
@dataclass
class Spec:
    """One shared function and how to drive it."""

    function: str
    family: str  # refsnn.functional module (and refsnn.compat.norse module for compat)
    norse_module: str
    make: Callable  # (rng, dtype) -> (inputs[T,...], state, p, extra_args)
    tol32: float = 0  # largest scaled error accepted in float32 (0 = bit-identical)
    tol64: float = 0
    deviates: bool = False  # refsnn's default differs by design; compat must match
    unpack_state: bool = False  # state is a tuple of positional arrays (encoders)
    spikes: bool = True  # first output is a spike train

    @property
    def label(self) -> str:
        return self.function


def _arr(rng, low, high, dtype, shape=(NEURONS,)):
    return rng.uniform(low, high, shape).astype(dtype)


def _c(value, dtype):
    return np.asarray(value, dtype=dtype)


def _current(rng, dtype, scale, mean=0.0, shape=(STEPS, BATCH, NEURONS)):
    return (mean + scale * rng.standard_normal(shape)).astype(dtype)


def _spikes_in(rng, dtype, rate=0.2):
    return (rng.random((STEPS, BATCH, N_IN)) < rate).astype(dtype)


def _weights(rng, dtype, n_out, n_in, scale):
    return (scale * rng.standard_normal((n_out, n_in))).astype(dtype)


def _lif_p(rng, dtype):
    from refsnn.functional.lif import LIFParameters

    return LIFParameters(
        tau_syn_inv=_arr(rng, 150, 250, dtype), tau_mem_inv=_arr(rng, 80, 120, dtype),
        v_leak=_c(0.05, dtype), v_th=_arr(rng, 0.9, 1.1, dtype), v_reset=_c(-0.1, dtype),
    )


def _vi(rng, dtype, shape=(BATCH, NEURONS)):
    return _arr(rng, -0.2, 0.8, dtype, shape), _arr(rng, -1, 1, dtype, shape)


def _lif_ff(rng, dtype):
    from refsnn.functional.lif import LIFFeedForwardState

    return _current(rng, dtype, 2.0, 0.3), LIFFeedForwardState(*_vi(rng, dtype)), _lif_p(rng, dtype), ()


def _rec_args(rng, dtype, w_in=1.0, w_rec=0.3):
    return (_weights(rng, dtype, NEURONS, N_IN, w_in), _weights(rng, dtype, NEURONS, NEURONS, w_rec))


def _lif_rec(rng, dtype):
    from refsnn.functional.lif import LIFState

    v, i = _vi(rng, dtype)
    state = LIFState(np.zeros_like(v), v, i)
    return _spikes_in(rng, dtype), state, _lif_p(rng, dtype), _rec_args(rng, dtype)


def _lif_encoder(rng, dtype):
    v, _ = _vi(rng, dtype)
    return _current(rng, dtype, 40.0, 60.0), v, _lif_p(rng, dtype), ()


def _li_p(rng, dtype):
    from refsnn.functional.li import LIParameters

    return LIParameters(_arr(rng, 150, 250, dtype), _arr(rng, 80, 120, dtype), _c(0.05, dtype))


def _li_ff(rng, dtype):
    from refsnn.functional.li import LIState

    return _current(rng, dtype, 2.0), LIState(*_vi(rng, dtype)), _li_p(rng, dtype), ()


def _li_rec(rng, dtype):
    from refsnn.functional.li import LIState

    return (_spikes_in(rng, dtype), LIState(*_vi(rng, dtype)), _li_p(rng, dtype),
            (_weights(rng, dtype, NEURONS, N_IN, 1.0),))


def _li_box_p(rng, dtype):
    from refsnn.functional.li_box import LIBoxParameters

    return LIBoxParameters(_arr(rng, 80, 120, dtype), _c(0.05, dtype))


def _li_box_ff(rng, dtype):
    from refsnn.functional.li_box import LIBoxState

    return _current(rng, dtype, 2.0), LIBoxState(_vi(rng, dtype)[0]), _li_box_p(rng, dtype), ()


def _li_box_rec(rng, dtype):
    from refsnn.functional.li_box import LIBoxState

    return (_spikes_in(rng, dtype), LIBoxState(_vi(rng, dtype)[0]), _li_box_p(rng, dtype),
            (_weights(rng, dtype, NEURONS, N_IN, 1.0),))


def _iaf_p(rng, dtype):
    from refsnn.functional.iaf import IAFParameters

    return IAFParameters(v_th=_arr(rng, 0.9, 1.1, dtype), v_reset=_c(-0.1, dtype))


def _iaf_ff(rng, dtype):
    from refsnn.functional.iaf import IAFFeedForwardState

    return (_current(rng, dtype, 0.2, 0.05), IAFFeedForwardState(_vi(rng, dtype)[0]),
            _iaf_p(rng, dtype), ())


def _iaf_rec(rng, dtype):
    from refsnn.functional.iaf import IAFState

    v = _vi(rng, dtype)[0]
    return (_spikes_in(rng, dtype), IAFState(np.zeros_like(v), v), _iaf_p(rng, dtype),
            _rec_args(rng, dtype, 0.2, 0.05))


def _lif_box(reset_name):
    def make(rng, dtype):
        from refsnn.functional import reset
        from refsnn.functional.lif_box import LIFBoxFeedForwardState, LIFBoxParameters

        p = LIFBoxParameters(_arr(rng, 80, 120, dtype), _c(0.05, dtype),
                             _arr(rng, 0.9, 1.1, dtype), _c(-0.1, dtype),
                             getattr(reset, reset_name))
        return _current(rng, dtype, 10.0, 2.0), LIFBoxFeedForwardState(_vi(rng, dtype)[0]), p, ()

    return make


def _lif_ex_p(rng, dtype):
    from refsnn.functional.lif_ex import LIFExParameters

    return LIFExParameters(
        delta_T=_arr(rng, 0.4, 0.6, dtype), tau_syn_inv=_arr(rng, 150, 250, dtype),
        tau_mem_inv=_arr(rng, 80, 120, dtype), v_leak=_c(0.05, dtype),
        v_th=_arr(rng, 0.9, 1.1, dtype), v_reset=_c(-0.1, dtype),
    )


def _lif_ex_ff(rng, dtype):
    from refsnn.functional.lif_ex import LIFExFeedForwardState

    return (_current(rng, dtype, 2.0, 0.3), LIFExFeedForwardState(*_vi(rng, dtype)),
            _lif_ex_p(rng, dtype), ())


def _lif_ex_rec(rng, dtype):
    from refsnn.functional.lif_ex import LIFExState

    v, i = _vi(rng, dtype)
    return (_spikes_in(rng, dtype), LIFExState(np.zeros_like(v), v, i), _lif_ex_p(rng, dtype),
            _rec_args(rng, dtype))


def _lif_ex_encoder(rng, dtype):
    return _current(rng, dtype, 40.0, 60.0), _vi(rng, dtype)[0], _lif_ex_p(rng, dtype), ()


def _adex_p(rng, dtype):
    from refsnn.functional.lif_adex import LIFAdExParameters

    return LIFAdExParameters(
        adaptation_current=_arr(rng, 3, 5, dtype), adaptation_spike=_arr(rng, 0.01, 0.03, dtype),
        delta_T=_arr(rng, 0.4, 0.6, dtype), tau_ada_inv=_arr(rng, 1.5, 2.5, dtype),
        tau_syn_inv=_arr(rng, 150, 250, dtype), tau_mem_inv=_arr(rng, 80, 120, dtype),
        v_leak=_c(0.05, dtype), v_th=_arr(rng, 0.9, 1.1, dtype), v_reset=_c(-0.1, dtype),
    )


def _adex_ff(rng, dtype):
    from refsnn.functional.lif_adex import LIFAdExFeedForwardState

    v, i = _vi(rng, dtype)
    return (_current(rng, dtype, 2.0, 0.3), LIFAdExFeedForwardState(v, i, np.zeros_like(v)),
            _adex_p(rng, dtype), ())


def _adex_rec(rng, dtype):
    from refsnn.functional.lif_adex import LIFAdExState

    v, i = _vi(rng, dtype)
    return (_spikes_in(rng, dtype), LIFAdExState(np.zeros_like(v), v, i, np.zeros_like(v)),
            _adex_p(rng, dtype), _rec_args(rng, dtype))


def _adex_encoder(rng, dtype):
    v = _vi(rng, dtype)[0]
    return _current(rng, dtype, 40.0, 60.0), (v, np.zeros_like(v)), _adex_p(rng, dtype), ()


def _refrac_p(rng, dtype):
    from refsnn.functional.lif_refrac import LIFRefracParameters

    return LIFRefracParameters(_lif_p(rng, dtype), _c(3.0, dtype))


def _refrac_ff(rng, dtype):
    from refsnn.functional.lif import LIFFeedForwardState
    from refsnn.functional.lif_refrac import LIFRefracFeedForwardState

    v, i = _vi(rng, dtype)
    state = LIFRefracFeedForwardState(LIFFeedForwardState(v, i), np.zeros_like(v))
    return _current(rng, dtype, 2.0, 0.3), state, _refrac_p(rng, dtype), ()


def _refrac_rec(rng, dtype):
    from refsnn.functional.lif import LIFState
    from refsnn.functional.lif_refrac import LIFRefracState

    v, i = _vi(rng, dtype)
    state = LIFRefracState(LIFState(np.zeros_like(v), v, i), np.zeros_like(v))
    return _spikes_in(rng, dtype), state, _refrac_p(rng, dtype), _rec_args(rng, dtype)


def _adex_refrac_ff(rng, dtype):
    from refsnn.functional.lif_adex import LIFAdExFeedForwardState
    from refsnn.functional.lif_adex_refrac import (
        LIFAdExRefracFeedForwardState, LIFAdExRefracParameters)

    v, i = _vi(rng, dtype)
    state = LIFAdExRefracFeedForwardState(LIFAdExFeedForwardState(v, i, np.zeros_like(v)),
                                          np.zeros_like(v))
    p = LIFAdExRefracParameters(_adex_p(rng, dtype), _c(3.0, dtype))
    return _current(rng, dtype, 2.0, 0.3), state, p, ()


def _adex_refrac_rec(rng, dtype):
    from refsnn.functional.lif_adex import LIFAdExState
    from refsnn.functional.lif_adex_refrac import LIFAdExRefracParameters, LIFAdExRefracState

    v, i = _vi(rng, dtype)
    z = np.zeros_like(v)
    state = LIFAdExRefracState(LIFAdExState(z, v, i, z), z)
    p = LIFAdExRefracParameters(_adex_p(rng, dtype), _c(3.0, dtype))
    return _spikes_in(rng, dtype), state, p, _rec_args(rng, dtype)


def _coba_p(rng, dtype):
    from refsnn.functional.coba_lif import CobaLIFParameters

    return CobaLIFParameters(
        tau_syn_exc_inv=_arr(rng, 0.15, 0.25, dtype), tau_syn_inh_inv=_arr(rng, 0.15, 0.25, dtype),
        c_m_inv=_arr(rng, 4, 6, dtype), g_l=_arr(rng, 0.2, 0.3, dtype), e_rev_I=_c(-100, dtype),
        e_rev_E=_c(60, dtype), v_rest=_c(-20, dtype), v_reset=_c(-70, dtype),
        v_thresh=_arr(rng, -12, -8, dtype),
    )


def _coba_v(rng, dtype, shape=(BATCH, NEURONS)):
    return _arr(rng, -70, -10, dtype, shape)


def _coba_ff(rng, dtype):
    from refsnn.functional.coba_lif import CobaLIFFeedForwardState

    v = _coba_v(rng, dtype)
    z = np.zeros_like(v)
    return _current(rng, dtype, 30.0, 5.0), CobaLIFFeedForwardState(v, z, z), _coba_p(rng, dtype), ()


def _coba_rec(rng, dtype):
    from refsnn.functional.coba_lif import CobaLIFState

    v = _coba_v(rng, dtype)
    z = np.zeros_like(v)
    return (_spikes_in(rng, dtype), CobaLIFState(z, v, z, z), _coba_p(rng, dtype),
            _rec_args(rng, dtype, 30.0, 10.0))


def _coupling(rng, dtype):
    g = _weights(rng, dtype, NEURONS, NEURONS, 2.0)
    return g - np.diag(g.sum(axis=1)).astype(dtype)


def _mc_ff(rng, dtype):
    x, state, p, _ = _lif_ff(rng, dtype)
    return x, state, p, (_coupling(rng, dtype),)


def _mc_rec(rng, dtype):
    x, state, p, args = _lif_rec(rng, dtype)
    return x, state, p, args + (_coupling(rng, dtype),)


def _mc_refrac_ff(rng, dtype):
    x, state, p, _ = _refrac_ff(rng, dtype)
    return x, state, p, (_coupling(rng, dtype) * dtype.type(1e-3),)


def _mc_refrac_rec(rng, dtype):
    x, state, p, args = _refrac_rec(rng, dtype)
    return x, state, p, args + (_coupling(rng, dtype) * dtype.type(1e-3),)


def _lsnn_p(rng, dtype):
    from refsnn.functional.lsnn import LSNNParameters

    return LSNNParameters(
        tau_syn_inv=_arr(rng, 150, 250, dtype), tau_mem_inv=_arr(rng, 80, 120, dtype),
        tau_adapt_inv=_arr(rng, 1, 3, dtype), v_leak=_c(0.05, dtype),
        v_th=_arr(rng, 0.9, 1.1, dtype), v_reset=_c(-0.1, dtype), beta=_arr(rng, 0.1, 0.3, dtype),
    )


def _lsnn_ff(rng, dtype):
    from refsnn.functional.lsnn import LSNNFeedForwardState

    v, i = _vi(rng, dtype)
    return (_current(rng, dtype, 2.0, 0.3), LSNNFeedForwardState(v, i, np.ones_like(v)),
            _lsnn_p(rng, dtype), ())


def _lsnn_rec(rng, dtype):
    from refsnn.functional.lsnn import LSNNState

    v, i = _vi(rng, dtype)
    state = LSNNState(np.zeros_like(v), v, i, np.ones_like(v))
    return _spikes_in(rng, dtype), state, _lsnn_p(rng, dtype), _rec_args(rng, dtype, 3.0, 1.0)


def _ada_lif_rec(rng, dtype):
    x, state, p, args = _lsnn_rec(rng, dtype)
    return x, state._replace(b=np.zeros_like(state.v)), p, args


def _izh_p(rng, dtype):
    from refsnn.functional.izhikevich import IzhikevichParameters

    return IzhikevichParameters(
        a=_arr(rng, 0.01, 0.03, dtype), b=_arr(rng, 0.15, 0.25, dtype), c=_c(-65, dtype),
        d=_arr(rng, 4, 8, dtype), sq=_c(0.04, dtype), mn=_c(5, dtype), bias=_c(140, dtype),
        v_th=_c(30, dtype), tau_inv=_c(250, dtype),
    )


def _izh_ff(rng, dtype):
    from refsnn.functional.izhikevich import IzhikevichState

    v = _arr(rng, -70, -60, dtype, (BATCH, NEURONS))
    return _current(rng, dtype, 5.0, 10.0), IzhikevichState(v, v * dtype.type(0.2)), _izh_p(rng, dtype), ()


def _izh_rec(rng, dtype):
    from refsnn.functional.izhikevich import IzhikevichRecurrentState

    v = _arr(rng, -70, -60, dtype, (BATCH, NEURONS))
    state = IzhikevichRecurrentState(np.zeros_like(v), v, v * dtype.type(0.2))
    return _spikes_in(rng, dtype), state, _izh_p(rng, dtype), _rec_args(rng, dtype, 20.0, 5.0)


# Matrix products and exp are where refsnn and Norse may differ by a few ulp.
MATMUL, EXP = 8, 4
# Conductance-based input multiplies a conductance error by (E_rev - v) ~ 100.
COBA = 256
# Izhikevich's quadratic upstroke (dv'/dv = 1 + tau_inv dt (2 sq v + mn), ~3 per
# step near threshold) amplifies a one-ulp difference in the recurrent current
# over the few steps of a spike; the spike trains stay identical.
IZHIKEVICH = 4096

SPECS: list[Spec] = [
    Spec("lif_feed_forward_step", "lif", "lif", _lif_ff),
    Spec("lif_step", "lif", "lif", _lif_rec, MATMUL, MATMUL),
    Spec("lif_current_encoder", "lif", "lif", _lif_encoder, deviates=True),
    Spec("li_feed_forward_step", "li", "leaky_integrator", _li_ff, spikes=False),
    Spec("li_step", "li", "leaky_integrator", _li_rec, MATMUL, MATMUL, spikes=False),
    Spec("li_box_feed_forward_step", "li_box", "leaky_integrator_box", _li_box_ff, spikes=False),
    Spec("li_box_step", "li_box", "leaky_integrator_box", _li_box_rec, MATMUL, MATMUL, spikes=False),
    Spec("iaf_feed_forward_step", "iaf", "iaf", _iaf_ff),
    Spec("iaf_step", "iaf", "iaf", _iaf_rec, MATMUL, MATMUL),
    Spec("lif_box_feed_forward_step", "lif_box", "lif_box", _lif_box("reset_value")),
    Spec("lif_box_feed_forward_step[subtract]", "lif_box", "lif_box", _lif_box("reset_subtract")),
    Spec("lif_ex_feed_forward_step", "lif_ex", "lif_ex", _lif_ex_ff, EXP, EXP),
    Spec("lif_ex_step", "lif_ex", "lif_ex", _lif_ex_rec, MATMUL, MATMUL),
    Spec("lif_ex_current_encoder", "lif_ex", "lif_ex", _lif_ex_encoder, EXP, EXP, deviates=True),
    Spec("lif_adex_feed_forward_step", "lif_adex", "lif_adex", _adex_ff, EXP, EXP),
    Spec("lif_adex_step", "lif_adex", "lif_adex", _adex_rec, MATMUL, MATMUL),
    Spec("lif_adex_current_encoder", "lif_adex", "lif_adex", _adex_encoder, EXP, EXP,
         deviates=True, unpack_state=True),
    Spec("lif_refrac_feed_forward_step", "lif_refrac", "lif_refrac", _refrac_ff),
    Spec("lif_refrac_step", "lif_refrac", "lif_refrac", _refrac_rec, MATMUL, MATMUL),
    Spec("lif_adex_refrac_feed_forward_step", "lif_adex_refrac", "lif_adex_refrac",
         _adex_refrac_ff, EXP, EXP, deviates=True),
    Spec("lif_adex_refrac_step", "lif_adex_refrac", "lif_adex_refrac", _adex_refrac_rec,
         MATMUL, MATMUL, deviates=True),
    Spec("coba_lif_feed_forward_step", "coba_lif", "coba_lif", _coba_ff),
    Spec("coba_lif_step", "coba_lif", "coba_lif", _coba_rec, COBA, COBA, deviates=True),
    Spec("lif_mc_feed_forward_step", "lif_mc", "lif_mc", _mc_ff, MATMUL, MATMUL),
    Spec("lif_mc_step", "lif_mc", "lif_mc", _mc_rec, MATMUL, MATMUL, deviates=True),
    Spec("lif_mc_refrac_feed_forward_step", "lif_mc_refrac", "lif_mc_refrac", _mc_refrac_ff,
         MATMUL, MATMUL, deviates=True),
    Spec("lif_mc_refrac_step", "lif_mc_refrac", "lif_mc_refrac", _mc_refrac_rec,
         MATMUL, MATMUL, deviates=True),
    Spec("lsnn_feed_forward_step", "lsnn", "lsnn", _lsnn_ff),
    Spec("lsnn_step", "lsnn", "lsnn", _lsnn_rec, MATMUL, MATMUL),
    Spec("ada_lif_step", "lsnn", "lsnn", _ada_lif_rec, MATMUL, MATMUL, deviates=True),
    Spec("izhikevich_feed_forward_step", "izhikevich", "izhikevich", _izh_ff),
    Spec("izhikevich_recurrent_step", "izhikevich", "izhikevich", _izh_rec,
         IZHIKEVICH, IZHIKEVICH),
]


# --------------------------------------------------------------------------- running
def ulp_distance(a: np.ndarray, b: np.ndarray) -> int:
    """Largest distance in units in the last place between two arrays (NaN == NaN)."""
    a, b = np.asarray(a), np.asarray(b)
    if a.size == 0:
        return 0
    itype = np.int32 if a.dtype == np.float32 else np.int64
    both_nan = np.isnan(a) & np.isnan(b)
    if np.any(np.isnan(a) != np.isnan(b)):
        return np.iinfo(itype).max

    def ordered(x):
        i = x.view(itype).astype(np.int64)
        return np.where(i < 0, np.iinfo(itype).min - i, i)

    d = np.abs(ordered(a) - ordered(b))
    return int(np.max(np.where(both_nan, 0, d)))


def scaled_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| in units of eps times the field's largest magnitude.

    Elementwise ulp distances explode where a sum cancels to nearly zero; a
    matrix product or an exp-driven trajectory is judged on this scale instead.
    """
    finite = np.isfinite(a) & np.isfinite(b)
    if not finite.any():
        return 0.0
    scale = float(np.max(np.abs(b[finite])))
    err = float(np.max(np.abs(a[finite] - b[finite])))
    return 0.0 if err == 0.0 else err / (np.finfo(a.dtype).eps * max(scale, np.finfo(a.dtype).tiny))


def _leaves(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [x for leaf in tree for x in _leaves(leaf)]
    return [tree]


def _norse_leaf(x) -> np.ndarray:
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


class Differences:
    """Accumulates the worst differences between refsnn's and Norse's arrays."""

    def __init__(self):
        self.max_abs, self.max_ulp, self.max_scaled, self.spikes_equal = 0.0, 0, 0.0, True

    def add(self, ours, theirs, dtype) -> None:
        """Compare two arrays (or tensors) value by value."""
        a, b = np.broadcast_arrays(np.asarray(ours, dtype), np.asarray(_norse_leaf(theirs), dtype))
        finite = np.isfinite(a) & np.isfinite(b)
        if finite.any():
            self.max_abs = max(self.max_abs, float(np.max(np.abs(a[finite] - b[finite]))))
        self.max_ulp = max(self.max_ulp, ulp_distance(a, b))
        self.max_scaled = max(self.max_scaled, scaled_error(a, b))

    def add_spikes(self, ours, theirs) -> None:
        """Compare two spike trains for identity (and their values)."""
        self.spikes_equal &= bool(np.array_equal(np.asarray(ours), _norse_leaf(theirs)))


@dataclass
class Result:
    label: str
    variant: str  # "refsnn" or "compat"
    dtype: str
    max_abs: float
    max_ulp: int
    max_scaled: float
    spikes_equal: bool | None
    expected: str
    ok: bool


def judge(label: str, variant: str, dtype: Any, d: Differences, tolerance: float,
          spikes: bool = True, compat: Result | None = None) -> Result:
    """Turn accumulated differences into a table row with its verdict.

    ``tolerance`` 0 demands bit identity; otherwise the scaled error must stay
    within it. With ``compat`` (the Norse-exact variant's row on the same
    inputs) the row is a documented deviation: it must differ from Norse by
    more than the compat variant does.
    """
    spikes_equal = d.spikes_equal if spikes else None
    if compat is not None:
        expected = "deviates"
        ok = (d.max_ulp, d.max_scaled, not d.spikes_equal) > (
            compat.max_ulp, compat.max_scaled, compat.spikes_equal is False)
    elif tolerance == 0:
        expected, ok = "identical", d.max_ulp == 0 and d.spikes_equal
    else:
        expected, ok = f"<= {tolerance:g} eps", d.max_scaled <= tolerance and d.spikes_equal
    return Result(label, variant, np.dtype(dtype).name, d.max_abs, d.max_ulp, d.max_scaled,
                  spikes_equal, expected, ok)


@dataclass
class Case:
    """One row of the table, computed on demand."""

    label: str
    variant: str
    dtype: str
    run: Callable[[], Result]


def _function(spec: Spec, variant: str):
    name = spec.function.split("[")[0]
    module = ("refsnn.compat.norse." if variant == "compat" else "refsnn.functional.") + spec.family
    return getattr(importlib.import_module(module), name)


def run_case(spec: Spec, variant: str, dtype: Any, seed: int = 0) -> Result:
    """Run one function against Norse for every ``dt``; return the worst differences."""
    import torch

    torch.set_num_threads(1)  # small products: threads only add contention
    dtype = np.dtype(dtype)
    ours = _function(spec, variant)
    theirs = getattr(importlib.import_module(f"norse.torch.functional.{spec.norse_module}"),
                     spec.function.split("[")[0])
    d = Differences()
    for k, dt in enumerate(DTS):
        rng = np.random.default_rng([seed, k])
        inputs, state, p, args = spec.make(rng, dtype)
        p_n, args_n = to_norse(p), [torch.as_tensor(a) for a in args]
        s_r, s_n = state, to_norse(state)
        # Norse's lif_adex_current_encoder diverges by design of its bug
        # (docs/deviations.rst); overflow to inf/NaN is part of what is compared.
        with torch.no_grad(), np.errstate(over="ignore", invalid="ignore"):
            for x in inputs:
                if spec.unpack_state:
                    out_r, *s_r = ours(x, *s_r, *args, p, dt)
                    out_n, *s_n = theirs(torch.as_tensor(x), *s_n, *args_n, p_n, dt)
                else:
                    out_r, s_r = ours(x, s_r, *args, p, dt)
                    out_n, s_n = theirs(torch.as_tensor(x), s_n, *args_n, p_n, dt)
                if spec.spikes:
                    d.add_spikes(out_r, out_n)
                for a, b in zip([out_r] + _leaves(s_r), [out_n] + _leaves(s_n)):
                    d.add(a, b, dtype)
    tolerance = spec.tol32 if dtype == np.float32 else spec.tol64
    compat = run_case(spec, "compat", dtype, seed) if spec.deviates and variant == "refsnn" else None
    return judge(spec.label, variant, dtype, d, tolerance, spec.spikes, compat)


#: Modules that add rows (encoders, plasticity, ...): each defines ``cases() -> list[Case]``.
EXTRA_MODULES: list[str] = [
    "validation.parity_misc", "validation.parity_encoding", "validation.parity_plasticity",
]


def cases() -> list[Case]:
    """Every row of the table."""
    rows = []
    for spec in SPECS:
        for variant in (("refsnn", "compat") if spec.deviates else ("refsnn",)):
            for dtype in ("float32", "float64"):
                rows.append(Case(spec.label, variant, dtype,
                                 lambda spec=spec, variant=variant, dtype=dtype:
                                 run_case(spec, variant, dtype)))
    for name in EXTRA_MODULES:
        rows.extend(importlib.import_module(name).cases())
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the table; optional arguments keep only rows whose label contains one of them."""
    wanted = sys.argv[1:] if argv is None else argv
    header = f"{'function':40s} {'variant':8s} {'dtype':8s} {'max |diff|':>11s} {'max ulp':>8s} {'scaled':>8s} {'spikes':>7s}  expected     result"
    print(f"refsnn vs Norse 1.1.0: {STEPS} steps, batch {BATCH} x {NEURONS} neurons, dt in {DTS}")
    print(header)
    print("-" * len(header))
    failures = 0
    rows = [c for c in cases() if not wanted or any(w in c.label for w in wanted)]
    for case in rows:
        r = case.run()
        spikes = "n/a" if r.spikes_equal is None else ("same" if r.spikes_equal else "DIFFER")
        ulp = "huge" if r.max_ulp > 10**6 else str(r.max_ulp)
        print(f"{r.label:40s} {r.variant:8s} {r.dtype:8s} {r.max_abs:11.3g} {ulp:>8s} "
              f"{r.max_scaled:8.3g} {spikes:>7s}  "
              f"{r.expected:12s} {'ok' if r.ok else 'FAIL'}")
        failures += not r.ok
    print(f"\n{len(rows) - failures} rows as expected, {failures} not.")
    print("'deviates' rows: refsnn follows Norse's documented equations; see docs/deviations.rst.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for validation.*
    sys.exit(main())
