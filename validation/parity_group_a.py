"""Bit-exact Norse parity for IAF, box LI/LIF, LIFEx, AdEx and the refractory models.

Rows for :mod:`validation.norse_parity` (``cases()``), as trials
(:class:`~validation.norse_parity.Trial`): every function runs side by side
with Norse 1.1.0 for 200 steps, with a batch axis, per-neuron parameters
(non-zero ``v_leak`` and ``v_reset``), two time steps, in float32 and
float64, and its spike train must be lively. Recurrent models use dyadic
weights and spike inputs, so that every matrix product is exact whatever
the summation order. Expectations:

* ``identical`` for every model without an exponential;
* models with an exponential: ``identical`` with Norse's own exp
  (``[Norse's exp]``, float32 and one time step suffice: the operation order
  does not depend on them), which shows that every other operation is
  Norse's, in Norse's order; with refsnn's exp (float32 ``exp`` evaluated in
  float64 and rounded) within :data:`EXP_ULP` ulp;
* the encoders' subtractive reset ``v - (v - v_reset)`` turns an ulp of a
  large ``v`` into many ulp of the small ``v_reset``: with refsnn's exp they
  agree within :data:`ENCODER_ULP` (relative 1e-5 in float32, 1e-12 in
  float64).

Where Norse departs from its documented equations the ``compat`` variant
(:mod:`refsnn.compat.norse`) is run; ``tests/test_parity_group_a.py`` runs
these rows and demonstrates how the reference differs.
"""

from __future__ import annotations

import numpy as np

from validation.norse_parity import Case, Trial, trial_cases

B, N, N_IN, T = 2, 16, 10, 200
DTS = (1e-3, 3e-4)
#: exp evaluated differently (float64-then-round vs torch's float32 exp; libms)
EXP_ULP = 4
#: (float32, float64): at most 1e-5 and 1e-12 of max(|v|, 1)
ENCODER_ULP = (83, 4503)


# ---------------------------------------------------------------- data
def uniform(rng, lo, hi, shape, dtype):
    """Uniform random values in ``dtype``."""
    return rng.uniform(lo, hi, shape).astype(dtype)


def dyadic(rng, lo, hi, shape, dtype, bits=6):
    """Random multiples of 2**-bits: sums of a few of them are exact in float32."""
    return (np.round(rng.uniform(lo, hi, shape) * 2**bits) / 2**bits).astype(dtype)


def spikes(rng, prob, shape, dtype):
    """Random spikes, each with probability ``prob``."""
    return (rng.random(shape) < prob).astype(dtype)


def zeros(dtype, n=N):
    """A batch of ``n`` zeros."""
    return np.zeros((B, n), dtype)


# ---------------------------------------------------------------- parameters
def iaf_params(rng, dtype):
    """Per-neuron IAF parameters."""
    from refsnn.functional.iaf import IAFParameters

    return IAFParameters(v_th=uniform(rng, 0.8, 1.2, N, dtype),
                         v_reset=uniform(rng, -0.3, 0.1, N, dtype))


def li_box_params(rng, dtype):
    """Per-neuron box LI parameters."""
    from refsnn.functional.li_box import LIBoxParameters

    return LIBoxParameters(tau_mem_inv=uniform(rng, 50, 150, N, dtype),
                           v_leak=uniform(rng, -0.3, 0.3, N, dtype))


def lif_box_params(rng, dtype, reset_method):
    """Per-neuron box LIF parameters."""
    from refsnn.functional.lif_box import LIFBoxParameters

    return LIFBoxParameters(
        tau_mem_inv=uniform(rng, 50, 150, N, dtype), v_leak=uniform(rng, -0.2, 0.2, N, dtype),
        v_th=uniform(rng, 0.8, 1.2, N, dtype), v_reset=uniform(rng, -0.3, 0.1, N, dtype),
        reset_method=reset_method,
    )


def lif_ex_params(rng, dtype):
    """Per-neuron LIFEx parameters."""
    from refsnn.functional.lif_ex import LIFExParameters

    return LIFExParameters(
        delta_T=uniform(rng, 0.2, 1.0, N, dtype), tau_syn_inv=uniform(rng, 100, 300, N, dtype),
        tau_mem_inv=uniform(rng, 50, 150, N, dtype), v_leak=uniform(rng, -0.2, 0.2, N, dtype),
        v_th=uniform(rng, 0.8, 1.2, N, dtype), v_reset=uniform(rng, -0.3, 0.1, N, dtype),
    )


def adex_params(rng, dtype):
    """Per-neuron AdEx parameters."""
    from refsnn.functional.lif_adex import LIFAdExParameters

    return LIFAdExParameters(
        adaptation_current=uniform(rng, 0.5, 3.0, N, dtype),
        adaptation_spike=uniform(rng, 0.05, 0.5, N, dtype),
        delta_T=uniform(rng, 0.2, 1.0, N, dtype), tau_ada_inv=uniform(rng, 1.0, 20.0, N, dtype),
        tau_syn_inv=uniform(rng, 100, 300, N, dtype), tau_mem_inv=uniform(rng, 50, 150, N, dtype),
        v_leak=uniform(rng, -0.2, 0.2, N, dtype), v_th=uniform(rng, 0.8, 1.2, N, dtype),
        v_reset=uniform(rng, -0.3, 0.1, N, dtype),
    )


def lif_params(rng, dtype):
    """Per-neuron LIF parameters."""
    from refsnn.functional.lif import LIFParameters

    return LIFParameters(
        tau_syn_inv=uniform(rng, 100, 300, N, dtype), tau_mem_inv=uniform(rng, 50, 150, N, dtype),
        v_leak=uniform(rng, -0.2, 0.2, N, dtype), v_th=uniform(rng, 0.8, 1.2, N, dtype),
        v_reset=uniform(rng, -0.3, 0.1, N, dtype),
    )


def refrac_params(rng, dtype):
    """Per-neuron refractory LIF parameters (whole numbers of refractory steps)."""
    from refsnn.functional.lif_refrac import LIFRefracParameters

    return LIFRefracParameters(lif=lif_params(rng, dtype),
                               rho_reset=dyadic(rng, 1, 8, N, dtype, bits=0))


def adex_refrac_params(rng, dtype):
    """Per-neuron refractory AdEx parameters (whole numbers of refractory steps)."""
    from refsnn.functional.lif_adex_refrac import LIFAdExRefracParameters

    return LIFAdExRefracParameters(lif_adex=adex_params(rng, dtype),
                                   rho_reset=dyadic(rng, 1, 8, N, dtype, bits=0))


# ---------------------------------------------------------------- runs: (inputs, state, p, args)
def recurrent_drive(rng, dtype, w_in_range, w_rec_range, rate):
    """Dyadic input and recurrent weights on the given ranges, then spike inputs.

    Returns ``(spikes (T, B, N_IN), (w_in, w_rec))``; drawn in that order
    (weights first) from ``rng``.
    """
    weights = (dyadic(rng, *w_in_range, (N, N_IN), dtype),
               dyadic(rng, *w_rec_range, (N, N), dtype))
    return spikes(rng, rate, (T, B, N_IN), dtype), weights


def _iaf_ff(dtype, dt):
    from refsnn.functional.iaf import IAFFeedForwardState

    rng = np.random.default_rng(1)
    p = iaf_params(rng, dtype)
    return uniform(rng, -0.1, 0.4, (T, B, N), dtype), IAFFeedForwardState(v=zeros(dtype)), p, ()


def _iaf_rec(dtype, dt):
    from refsnn.functional.iaf import IAFState

    rng = np.random.default_rng(2)
    p = iaf_params(rng, dtype)
    xs, weights = recurrent_drive(rng, dtype, (-0.2, 0.5), (-0.3, 0.1), 0.2)
    return xs, IAFState(z=zeros(dtype), v=zeros(dtype)), p, weights


def _li_box_ff(dtype, dt):
    from refsnn.functional.li_box import LIBoxState

    rng = np.random.default_rng(3)
    p = li_box_params(rng, dtype)
    s = LIBoxState(v=uniform(rng, -1, 1, (B, N), dtype))
    return uniform(rng, -2, 2, (T, B, N), dtype), s, p, ()


def _li_box_weighted(dtype, dt):
    from refsnn.functional.li_box import LIBoxState

    rng = np.random.default_rng(4)
    p = li_box_params(rng, dtype)
    w_in = dyadic(rng, -1, 1, (N, N_IN), dtype)
    return spikes(rng, 0.3, (T, B, N_IN), dtype), LIBoxState(v=zeros(dtype)), p, (w_in,)


def _lif_box_ff(reset_name):
    def make(dtype, dt):
        from refsnn.functional import reset
        from refsnn.functional.lif_box import LIFBoxFeedForwardState

        rng = np.random.default_rng(5)
        p = lif_box_params(rng, dtype, getattr(reset, reset_name))
        xs = uniform(rng, 0.0, 1.2 / (100 * dt), (T, B, N), dtype)
        return xs, LIFBoxFeedForwardState(v=zeros(dtype)), p, ()

    return make


def _lif_ex_ff(dtype, dt):
    from refsnn.functional.lif_ex import LIFExFeedForwardState

    rng = np.random.default_rng(6)
    p = lif_ex_params(rng, dtype)
    s = LIFExFeedForwardState(v=zeros(dtype), i=zeros(dtype))
    return uniform(rng, 0.0, 0.6 * dt / 1e-3, (T, B, N), dtype), s, p, ()


def _lif_ex_rec(dtype, dt):
    from refsnn.functional.lif_ex import LIFExState

    rng = np.random.default_rng(7)
    p = lif_ex_params(rng, dtype)
    xs, weights = recurrent_drive(rng, dtype, (0.0, 2.0 * dt / 1e-3), (-0.5, 0.2), 0.2)
    return xs, LIFExState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype)), p, weights


def _lif_ex_encoder(dtype, dt):
    rng = np.random.default_rng(8)
    p = lif_ex_params(rng, dtype)
    return uniform(rng, 0.0, 3.0 * 1e-3 / dt, (T, B, N), dtype), zeros(dtype), p, ()


def _adex_ff(dtype, dt):
    from refsnn.functional.lif_adex import LIFAdExFeedForwardState

    rng = np.random.default_rng(10)
    p = adex_params(rng, dtype)
    s = LIFAdExFeedForwardState(v=zeros(dtype), i=zeros(dtype), a=zeros(dtype))
    return uniform(rng, 0.0, 1.2 * dt / 1e-3, (T, B, N), dtype), s, p, ()


def _adex_rec(dtype, dt):
    from refsnn.functional.lif_adex import LIFAdExState

    rng = np.random.default_rng(11)
    p = adex_params(rng, dtype)
    xs, weights = recurrent_drive(rng, dtype, (0.0, 4.0 * dt / 1e-3), (-0.5, 0.2), 0.2)
    s = LIFAdExState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype), a=zeros(dtype))
    return xs, s, p, weights


def _adex_encoder(dtype, dt):
    # tau_ada_inv < 1 keeps Norse's encoder bounded (docs/deviations.rst)
    rng = np.random.default_rng(12)
    p = adex_params(rng, dtype)._replace(tau_ada_inv=uniform(rng, 0.05, 0.2, N, dtype))
    xs = uniform(rng, 0.0, 3.0 * 1e-3 / dt, (T, B, N), dtype)
    return xs, (zeros(dtype), zeros(dtype)), p, ()


def _refrac_ff(dtype, dt):
    from refsnn.functional.lif import LIFFeedForwardState
    from refsnn.functional.lif_refrac import LIFRefracFeedForwardState

    rng = np.random.default_rng(14)
    p = refrac_params(rng, dtype)
    s = LIFRefracFeedForwardState(LIFFeedForwardState(v=zeros(dtype), i=zeros(dtype)),
                                  rho=zeros(dtype))
    return uniform(rng, 0.0, 3.0 * dt / 1e-3, (T, B, N), dtype), s, p, ()


def _refrac_rec(dtype, dt):
    from refsnn.functional.lif import LIFState
    from refsnn.functional.lif_refrac import LIFRefracState

    rng = np.random.default_rng(15)
    p = refrac_params(rng, dtype)
    xs, weights = recurrent_drive(rng, dtype, (0.0, 8.0 * dt / 1e-3), (-1.0, 0.5), 0.3)
    s = LIFRefracState(LIFState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype)),
                       rho=zeros(dtype))
    return xs, s, p, weights


def adex_refrac_state(dtype, recurrent):
    """A refractory AdEx layer at rest."""
    from refsnn.functional.lif_adex import LIFAdExFeedForwardState, LIFAdExState
    from refsnn.functional.lif_adex_refrac import (
        LIFAdExRefracFeedForwardState, LIFAdExRefracState)

    if recurrent:
        lif_adex = LIFAdExState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype), a=zeros(dtype))
        return LIFAdExRefracState(lif_adex, rho=zeros(dtype))
    lif_adex = LIFAdExFeedForwardState(v=zeros(dtype), i=zeros(dtype), a=zeros(dtype))
    return LIFAdExRefracFeedForwardState(lif_adex, rho=zeros(dtype))


# Moderate drive: refractory periods occur, but the held voltage never crosses
# the threshold within one step, so the reference agrees with Norse.
def _adex_refrac_ff(dtype, dt):
    rng = np.random.default_rng(17)
    p = adex_refrac_params(rng, dtype)
    xs = uniform(rng, 0.0, 1.0 * dt / 1e-3, (T, B, N), dtype)
    return xs, adex_refrac_state(dtype, False), p, ()


def _adex_refrac_rec(dtype, dt):
    rng = np.random.default_rng(18)
    p = adex_refrac_params(rng, dtype)
    xs, weights = recurrent_drive(rng, dtype, (0.0, 0.5 * dt / 1e-3), (-0.5, 0.1), 0.3)
    return xs, adex_refrac_state(dtype, True), p, weights


def strong_drive(recurrent):
    """A refractory AdEx run driven so hard that held voltages cross the threshold."""
    def make(dtype, dt):
        rng = np.random.default_rng(19)
        p = adex_refrac_params(rng, dtype)
        s = adex_refrac_state(dtype, recurrent)
        if not recurrent:
            return uniform(rng, 0.0, 200.0, (T, B, N), dtype), s, p, ()
        w_in = dyadic(rng, 0.0, 200.0, (N, N_IN), dtype)
        w_rec = dyadic(rng, -1.0, 0.5, (N, N), dtype)
        return spikes(rng, 0.3, (T, B, N_IN), dtype), s, p, (w_in, w_rec)

    return make


# ---------------------------------------------------------------- rows
def _exp_trials(function, family, make, norse, tolerances=(EXP_ULP, EXP_ULP), **kwargs):
    """An exponential model's two rows: with Norse's exp, and with refsnn's.

    With Norse's exp (float32, one ``dt``: the operation order depends on
    neither) the model must be bit-identical; with refsnn's, within
    ``tolerances`` (float32, float64) ulp of ``max(|value|, 1)``.
    """
    tol32, tol64 = tolerances
    return [Trial(f"{function}[exact, Norse's exp]", family, make, norse, DTS[:1],
                  dtypes=("float32",), norse_exp=True, **kwargs),
            Trial(f"{function}[exact]", family, make, norse, DTS, tol32=tol32, tol64=tol64,
                  **kwargs)]


TRIALS = [
    Trial("iaf_feed_forward_step[exact]", "iaf", _iaf_ff, "iaf", DTS),
    Trial("iaf_step[exact]", "iaf", _iaf_rec, "iaf", DTS),
    Trial("li_box_feed_forward_step[exact]", "li_box", _li_box_ff, "leaky_integrator_box", DTS,
          lively=False, spikes=False),
    Trial("li_box_step[exact]", "li_box", _li_box_weighted, "leaky_integrator_box", DTS,
          lively=False, spikes=False),
    Trial("lif_box_feed_forward_step[exact]", "lif_box", _lif_box_ff("reset_value"), "lif_box",
          DTS),
    Trial("lif_box_feed_forward_step[exact, subtract]", "lif_box",
          _lif_box_ff("reset_subtract"), "lif_box", DTS[:1]),
    *_exp_trials("lif_ex_feed_forward_step", "lif_ex", _lif_ex_ff, "lif_ex"),
    *_exp_trials("lif_ex_step", "lif_ex", _lif_ex_rec, "lif_ex"),
    *_exp_trials("lif_ex_current_encoder", "lif_ex", _lif_ex_encoder, "lif_ex",
                 variant="compat", tolerances=ENCODER_ULP),
    *_exp_trials("lif_adex_feed_forward_step", "lif_adex", _adex_ff, "lif_adex"),
    *_exp_trials("lif_adex_step", "lif_adex", _adex_rec, "lif_adex"),
    *_exp_trials("lif_adex_current_encoder", "lif_adex", _adex_encoder, "lif_adex",
                 variant="compat", tolerances=ENCODER_ULP, unpack_state=True),
    Trial("lif_refrac_feed_forward_step[exact]", "lif_refrac", _refrac_ff, "lif_refrac", DTS),
    Trial("lif_refrac_step[exact]", "lif_refrac", _refrac_rec, "lif_refrac", DTS),
    *_exp_trials("lif_adex_refrac_feed_forward_step", "lif_adex_refrac", _adex_refrac_ff,
                 "lif_adex_refrac"),
    *_exp_trials("lif_adex_refrac_step", "lif_adex_refrac", _adex_refrac_rec, "lif_adex_refrac"),
    Trial("lif_adex_refrac_feed_forward_step[exact, strong drive, Norse's exp]",
          "lif_adex_refrac", strong_drive(False), "lif_adex_refrac", DTS[:1], variant="compat",
          norse_exp=True),
    Trial("lif_adex_refrac_step[exact, strong drive, Norse's exp]", "lif_adex_refrac",
          strong_drive(True), "lif_adex_refrac", DTS[:1], variant="compat", norse_exp=True),
]


def cases() -> list[Case]:
    """Every row of this module."""
    return trial_cases(TRIALS)
