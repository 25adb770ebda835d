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
  identical to Norse;
* ``<= N ulp``: (:class:`Trial` rows) every field's difference is at most N
  ulp of ``max(|value|, 1)`` (the ``ulp>=1`` column); spikes identical.

:class:`Trial` rows (``validation/parity_group_*.py``) run a function on data
of their own, chosen so that refsnn can match Norse bit for bit: dyadic
weights and spike inputs make every matrix product exact, and models that
call ``exp`` also run with Norse's own exp (:func:`norse_exp`). Where they
demand it, their spike trains must also be lively (the ``rate`` column, see
:data:`LIVELY`).

Run ``python validation/norse_parity.py [NAME ...]`` for the table (all rows,
or those whose function name contains a NAME); the test suite runs the same
cases (tests/test_norse_parity.py, and the test file named after each row
module that has one).
"""

from __future__ import annotations

import importlib
import sys
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterator, Sequence

import numpy as np

from refsnn.compat.norse.convert import to_norse

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

#: Families of :data:`refsnn.models.MODELS` that Norse 1.1.0 does not have, with the
#: reason; every other family's step functions are rows of :data:`SPECS`
#: (tests/test_adex.py checks that the two together cover every family).
WITHOUT_NORSE: dict[str, str] = {
    "adex": "refsnn's own AdEx with a spike cut v_peak apart from the exponential's centre "
            "v_th (Brette & Gerstner 2005, Naud et al. 2008); Norse's lif_adex cuts at v_th",
}


# --------------------------------------------------------------------------- comparing
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


def scaled_error(a: np.ndarray, b: np.ndarray, steps: bool = False) -> float:
    """Largest |a - b| in units of eps times the field's largest magnitude.

    Elementwise ulp distances explode where a sum cancels to nearly zero; a
    matrix product or an exp-driven trajectory is judged on this scale instead.
    With ``steps`` the leading axis counts time steps, and each step is scaled
    by its own largest magnitude.
    """
    if a.size == 0:
        return 0.0
    rows = len(a) if steps else 1
    a, b = a.reshape(rows, -1), b.reshape(rows, -1)
    finite = np.isfinite(a) & np.isfinite(b)
    with np.errstate(invalid="ignore"):
        scale = np.max(np.where(finite, np.abs(b), 0), axis=1)
        err = np.max(np.where(finite, np.abs(a - b), 0), axis=1)
    eps, tiny = np.finfo(a.dtype).eps, np.finfo(a.dtype).tiny
    return float(np.max(np.where(err == 0, 0, err / (eps * np.maximum(scale, tiny)))))


def floored_ulp_error(a: np.ndarray, b: np.ndarray) -> float:
    """Largest |a - b| in ulp of ``max(|a|, |b|, 1)`` (NaN == NaN; other non-finite: inf).

    Relative above 1, absolute below: a value that passes near zero by
    cancellation does not turn an ulp-sized difference into a huge relative one.
    """
    if a.size == 0:
        return 0.0
    with np.errstate(invalid="ignore", over="ignore"):
        scale = np.maximum(np.maximum(np.abs(a), np.abs(b)), 1).astype(a.dtype)
        err = np.abs(a - b) / np.spacing(scale)
    same = (a == b) | (np.isnan(a) & np.isnan(b))
    return float(np.max(np.where(same, 0, np.nan_to_num(err, nan=np.inf))))


def leaves(tree) -> list:
    """The arrays of a (nested) tuple or list, depth first."""
    if isinstance(tree, (tuple, list)):
        return [x for leaf in tree for x in leaves(leaf)]
    return [tree]


def _norse_leaf(x) -> np.ndarray:
    return x.detach().numpy() if hasattr(x, "detach") else np.asarray(x)


class Differences:
    """Accumulates the worst differences between refsnn's and Norse's arrays."""

    def __init__(self):
        self.max_abs, self.max_ulp, self.max_scaled, self.max_floored_ulp = 0.0, 0, 0.0, 0.0
        self.spikes_equal = True
        self.spike_rates: list[float] = []  # of each run's spike train (compare_steps)

    def add(self, ours, theirs, dtype: Any = None, steps: bool = False) -> None:
        """Compare two arrays (or tensors) value by value.

        With ``dtype`` both are cast to it and broadcast together; without,
        they must already have the same dtype and shape. ``steps``: the
        leading axis counts time steps (see :func:`scaled_error`).
        """
        a, b = np.asarray(ours), _norse_leaf(theirs)
        if dtype is not None:
            a, b = np.broadcast_arrays(a.astype(dtype), b.astype(dtype))
        elif a.dtype != b.dtype or a.shape != b.shape:
            raise TypeError(f"refsnn gives {a.dtype} {a.shape}, Norse {b.dtype} {b.shape}")
        finite = np.isfinite(a) & np.isfinite(b)
        if finite.any():
            self.max_abs = max(self.max_abs, float(np.max(np.abs(a[finite] - b[finite]))))
        self.max_ulp = max(self.max_ulp, ulp_distance(a, b))
        self.max_scaled = max(self.max_scaled, scaled_error(a, b, steps))
        self.max_floored_ulp = max(self.max_floored_ulp, floored_ulp_error(a, b))

    def add_tree(self, ours, theirs, steps: bool = False) -> None:
        """Compare two trees of arrays leaf by leaf (same dtype and shape required)."""
        a, b = leaves(ours), leaves(theirs)
        if len(a) != len(b):
            raise TypeError(f"refsnn gives {len(a)} arrays, Norse {len(b)}")
        for x, y in zip(a, b):
            self.add(x, y, steps=steps)

    def add_spikes(self, ours, theirs) -> None:
        """Compare two spike trains for identity (and their values)."""
        self.spikes_equal &= bool(np.array_equal(np.asarray(ours), _norse_leaf(theirs)))


def compare(ours, theirs) -> Differences:
    """The differences between refsnn's and Norse's trees of arrays (:meth:`Differences.add_tree`)."""
    d = Differences()
    d.add_tree(ours, theirs)
    return d


def compare_steps(d: Differences, ours: Callable, theirs: Callable, inputs, state, p, args,
                  dt: float, unpack_state: bool = False, spikes: bool = True) -> None:
    """Step refsnn's and Norse's function side by side through ``inputs``; add every step to ``d``.

    Parameters
    ----------
    d : Differences
        Where the differences go.
    ours, theirs : callable
        refsnn's function and Norse's, called as ``f(x, state, *args, p, dt)``
        (``f(x, *state, *args, p, dt)`` with ``unpack_state``), returning the
        output and the new state. Norse's receives tensors (:func:`to_norse`).
    inputs : np.ndarray
        One input ``x`` per step along the first axis.
    state, p, args
        refsnn's initial state, parameters and extra arrays (weights).
    dt : float
        The time step.
    unpack_state : bool
        The state is a tuple of positional arrays (the encoders).
    spikes : bool
        The output is a spike train: it must be identical, and its rate is
        recorded in ``d.spike_rates``.

    Notes
    -----
    Every step's output and state are recorded, then compared leaf by leaf
    (same dtype and shape), each step's scaled error on its own scale.
    """
    import torch

    torch.set_num_threads(1)  # small tensors: threads only add contention
    state_n, p_n, args_n = to_norse(state), to_norse(p), [torch.as_tensor(a) for a in args]
    steps_r, steps_n = [], []
    with torch.no_grad():
        for x in inputs:
            if unpack_state:
                out_r, *state = ours(x, *state, *args, p, dt)
                out_n, *state_n = theirs(torch.as_tensor(x), *state_n, *args_n, p_n, dt)
            else:
                out_r, state = ours(x, state, *args, p, dt)
                out_n, state_n = theirs(torch.as_tensor(x), state_n, *args_n, p_n, dt)
            steps_r.append(leaves((out_r, state)))
            steps_n.append(leaves((out_n, state_n)))
        run_r = [np.stack(leaf) for leaf in zip(*steps_r)]
        run_n = [torch.stack(leaf).numpy() for leaf in zip(*steps_n)]
    if spikes:
        d.add_spikes(run_r[0], run_n[0])
        d.spike_rates.append(float(np.mean(run_r[0])))
    d.add_tree(run_r, run_n, steps=True)


@contextmanager
def norse_exp() -> Iterator[None]:
    """Within the block refsnn's exponential models evaluate ``exp`` as Norse does (torch).

    Then every other operation must be Norse's, in Norse's order: the models
    agree bit for bit.
    """
    import torch

    def exp(x):
        return torch.exp(torch.from_numpy(np.array(x))).numpy()

    modules = [importlib.import_module(f"refsnn.functional.{m}") for m in ("lif_ex", "lif_adex")]
    saved = [m.exp for m in modules]
    for m in modules:
        m.exp = exp
    try:
        yield
    finally:
        for m, own in zip(modules, saved):
            m.exp = own


# --------------------------------------------------------------------------- judging
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
    max_floored_ulp: float = 0.0
    spike_rates: tuple[float, float] | None = None  # lowest, highest; where liveliness is judged

    def summary(self) -> str:
        """The row's expectation and what was measured, in one line."""
        rate = "" if self.spike_rates is None else ", spike rates {:.3g} to {:.3g}".format(
            *self.spike_rates)
        return (f"{self.label} [{self.variant}, {self.dtype}]: expected {self.expected}, got "
                f"max ulp {self.max_ulp}, ulp>=1 {self.max_floored_ulp:.3g}, scaled "
                f"{self.max_scaled:.3g}, max |diff| {self.max_abs:.3g}, spikes equal "
                f"{self.spikes_equal}{rate}")


#: Spike rates (spikes per neuron and step) of a lively run: it exercises both
#: the spiking and the silent branch of the model.
LIVELY = (0.01, 0.8)


def judge(label: str, variant: str, dtype: Any, d: Differences, tolerance: float,
          spikes: bool = True, compat: Result | None = None, *, in_ulp: bool = False,
          lively: bool = False) -> Result:
    """Turn accumulated differences into a table row with its verdict.

    ``tolerance`` 0 demands bit identity; otherwise the scaled error (with
    ``in_ulp``: the error in ulp of ``max(|value|, 1)``) must stay within it.
    With ``compat`` (the Norse-exact variant's row on the same inputs) the row
    is a documented deviation: it must differ from Norse by more than the
    compat variant does. ``lively``: the spike rate of every run must also
    lie within :data:`LIVELY`.
    """
    spikes_equal = d.spikes_equal if spikes else None
    if compat is not None:
        expected = "deviates"
        ok = (d.max_ulp, d.max_scaled, not d.spikes_equal) > (
            compat.max_ulp, compat.max_scaled, compat.spikes_equal is False)
    elif tolerance == 0:
        expected, ok = "identical", d.max_ulp == 0 and d.spikes_equal
    elif in_ulp:
        expected, ok = f"<= {tolerance:g} ulp", d.max_floored_ulp <= tolerance and d.spikes_equal
    else:
        expected, ok = f"<= {tolerance:g} eps", d.max_scaled <= tolerance and d.spikes_equal
    rates = (min(d.spike_rates), max(d.spike_rates)) if lively else None
    if lively:
        ok = ok and LIVELY[0] < rates[0] and rates[1] < LIVELY[1]
    return Result(label, variant, np.dtype(dtype).name, d.max_abs, d.max_ulp, d.max_scaled,
                  spikes_equal, expected, ok, d.max_floored_ulp, rates)


@dataclass
class Case:
    """One row of the table, computed on demand by :meth:`run`.

    Rows compare with Norse's semantics, edge cases included (an infinite
    threshold, NaN inputs), so they run with NaN and infinity let through
    (``refsnn.options(nonfinite="ignore")``).
    """

    label: str
    variant: str
    dtype: str
    compute: Callable[[], Result]

    def run(self) -> Result:
        from refsnn.config import options

        with options(nonfinite="ignore"):
            return self.compute()


# --------------------------------------------------------------------------- running
def _function(family: str, name: str, variant: str):
    package = "refsnn.compat.norse." if variant == "compat" else "refsnn.functional."
    return getattr(importlib.import_module(package + family), name.split("[")[0])


def _norse_function(module: str, name: str):
    return getattr(importlib.import_module(f"norse.torch.functional.{module}"), name.split("[")[0])


def run_case(spec: Spec, variant: str, dtype: Any, seed: int = 0) -> Result:
    """Run one function against Norse for every ``dt``; return the worst differences."""
    dtype = np.dtype(dtype)
    ours = _function(spec.family, spec.function, variant)
    theirs = _norse_function(spec.norse_module, spec.function)
    d = Differences()
    for k, dt in enumerate(DTS):
        inputs, state, p, args = spec.make(np.random.default_rng([seed, k]), dtype)
        # Norse's lif_adex_current_encoder diverges by design of its bug
        # (docs/deviations.rst); overflow to inf/NaN is part of what is compared.
        with np.errstate(over="ignore", invalid="ignore"):
            compare_steps(d, ours, theirs, inputs, state, p, args, dt, spec.unpack_state,
                          spec.spikes)
    tolerance = spec.tol32 if dtype == np.float32 else spec.tol64
    compat = run_case(spec, "compat", dtype, seed) if spec.deviates and variant == "refsnn" else None
    return judge(spec.label, variant, dtype, d, tolerance, spec.spikes, compat)


@dataclass
class Trial:
    """One function against Norse on data of its own (rows of ``validation/parity_group_*``).

    Unlike a :class:`Spec`'s, the data come from the trial's own fixed seed
    and may depend on ``dt``; a trial runs one variant, its tolerances count
    ulp of ``max(|value|, 1)`` and it may demand a lively spike train.
    """

    function: str  # the function's name, then "[...]" qualifiers: the row's label
    family: str  # refsnn.functional module (refsnn.compat.norse module for compat)
    make: Callable  # (dtype, dt) -> (inputs[T,...], state, p, extra_args)
    norse: str | Callable  # Norse's module with the same function, or a function of Norse's parts
    dts: tuple[float, ...]
    variant: str = "refsnn"
    dtypes: tuple[str, ...] = ("float32", "float64")
    tol32: float = 0  # largest error in ulp of max(|value|, 1) accepted (0 = bit-identical)
    tol64: float = 0
    norse_exp: bool = False  # run with Norse's exp (see norse_exp)
    lively: bool = True  # every run's spike rate must lie within LIVELY
    unpack_state: bool = False
    spikes: bool = True


def run_trial(trial: Trial, dtype: Any) -> Result:
    """Run one trial for every one of its ``dt`` and judge it."""
    dtype = np.dtype(dtype)
    ours = _function(trial.family, trial.function, trial.variant)
    theirs = (trial.norse if callable(trial.norse)
              else _norse_function(trial.norse, trial.function))
    d = Differences()
    with norse_exp() if trial.norse_exp else nullcontext():
        for dt in trial.dts:
            compare_steps(d, ours, theirs, *trial.make(dtype, dt), dt, trial.unpack_state,
                          trial.spikes)
    tolerance = trial.tol32 if dtype == np.float32 else trial.tol64
    return judge(trial.function, trial.variant, dtype, d, tolerance, trial.spikes,
                 in_ulp=True, lively=trial.lively)


def trial_cases(trials: Sequence[Trial]) -> list[Case]:
    """The rows of ``trials``, one per trial and dtype."""
    return [Case(t.function, t.variant, dtype, lambda t=t, dtype=dtype: run_trial(t, dtype))
            for t in trials for dtype in t.dtypes]


#: Modules that add rows (encoders, plasticity, ...): each defines ``cases() -> list[Case]``.
EXTRA_MODULES: list[str] = [
    "validation.parity_misc", "validation.parity_encoding", "validation.parity_plasticity",
    "validation.parity_group_a", "validation.parity_group_b", "validation.parity_modules",
]


def cases(modules: Sequence[str] | None = None) -> list[Case]:
    """The rows of :data:`SPECS` and of the row ``modules`` (by default :data:`EXTRA_MODULES`)."""
    rows = []
    for spec in SPECS:
        for variant in (("refsnn", "compat") if spec.deviates else ("refsnn",)):
            for dtype in ("float32", "float64"):
                rows.append(Case(spec.label, variant, dtype,
                                 lambda spec=spec, variant=variant, dtype=dtype:
                                 run_case(spec, variant, dtype)))
    for name in EXTRA_MODULES if modules is None else modules:
        rows.extend(importlib.import_module(name).cases())
    return rows


def main(argv: list[str] | None = None) -> int:
    """Print the table; optional arguments keep only rows whose label contains one of them."""
    wanted = sys.argv[1:] if argv is None else argv
    rows = [c for c in cases() if not wanted or any(w in c.label for w in wanted)]
    width = max([len("function")] + [len(c.label) for c in rows])
    header = (f"{'function':{width}s} {'variant':8s} {'dtype':8s} {'max |diff|':>11s} "
              f"{'max ulp':>8s} {'ulp>=1':>8s} {'scaled':>8s} {'spikes':>7s} {'rate':>9s}  "
              "expected     result")
    print(f"refsnn vs Norse 1.1.0: {STEPS} steps, batch {BATCH} x {NEURONS} neurons, dt in {DTS}"
          " (trial rows: data of their own, see validation/parity_group_*.py)")
    print(header)
    print("-" * len(header))
    failures = 0
    for case in rows:
        r = case.run()
        spikes = "n/a" if r.spikes_equal is None else ("same" if r.spikes_equal else "DIFFER")
        rate = "" if r.spike_rates is None else "{:.2f}-{:.2f}".format(*r.spike_rates)
        ulp = "huge" if r.max_ulp > 10**6 else str(r.max_ulp)
        print(f"{r.label:{width}s} {r.variant:8s} {r.dtype:8s} {r.max_abs:11.3g} {ulp:>8s} "
              f"{r.max_floored_ulp:8.3g} {r.max_scaled:8.3g} {spikes:>7s} {rate:>9s}  "
              f"{r.expected:12s} {'ok' if r.ok else 'FAIL'}")
        failures += not r.ok
    print(f"\n{len(rows) - failures} rows as expected, {failures} not.")
    for family, reason in WITHOUT_NORSE.items():
        print(f"not compared: {family} ({reason}).")
    print("'deviates' rows: refsnn follows Norse's documented equations; see docs/deviations.rst.")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # for validation.*
    sys.exit(main())
