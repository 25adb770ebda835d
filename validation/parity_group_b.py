"""Bit-exact Norse parity for COBA LIF, multi-compartment LIF (+ refractory), LSNN and Izhikevich.

Rows for :mod:`validation.norse_parity` (``cases()``), as trials
(:class:`~validation.norse_parity.Trial`): every function runs side by side
with Norse 1.1.0 for 200 steps, with a batch axis, per-neuron parameters
(non-zero leak and reset potentials), two time steps, in float32 and
float64, and its spike train must be lively. None of these models has a
transcendental, so states and spikes must be ``identical``. Matrix products
are made exact whatever the summation order: weights are dyadic (multiples
of 2**-6), inputs to them are spikes, and the coupling matrices of the
multi-compartment models have one non-zero entry per row. One row also runs
a dense coupling matrix, where the summation order may differ, and bounds
the difference (:data:`DENSE_ULP`) instead.

Where Norse departs from its documented equations the ``compat`` variant
(:mod:`refsnn.compat.norse`) is run, and the reference is compared with a
composition of Norse's own building blocks that implements the documented
model (``[..., Norse's parts]``). ``tests/test_parity_group_b.py`` runs these
rows and demonstrates how (and only how) the reference differs.
"""

from __future__ import annotations

import numpy as np

from validation.norse_parity import Case, Trial, trial_cases
from validation.parity_group_a import (B, N, N_IN, T, dyadic, lif_params, recurrent_drive,
                                       spikes, uniform, zeros)

DTS = (1e-3, 4e-4)
#: dense coupling: BLAS summation order (1 ulp observed over T steps)
DENSE_ULP = 4

PRESETS = ["tonic_spiking", "phasic_spiking", "tonic_bursting", "phasic_bursting",
           "mixed_mode", "spike_frequency_adaptation", "class_1_exc", "class_2_exc",
           "spike_latency", "subthreshold_oscillation", "resonator", "integrator",
           "rebound_spike", "rebound_burst", "threshold_variability", "bistability", "dap",
           "accomodation", "inhibition_induced_spiking", "inhibition_induced_bursting"]


def sparse_coupling(rng, dtype, scale=1.0):
    """One non-zero per row (a scaled permutation): the product ``v G^T`` is exact."""
    g = np.zeros((N, N), dtype)
    g[np.arange(N), rng.permutation(N)] = dyadic(rng, -scale, scale, N, dtype)
    return g


def dense_coupling(rng, dtype, scale=1.0):
    """A dense conductance matrix: rows sum to zero."""
    g = uniform(rng, -scale, scale, (N, N), dtype) / N
    return g - np.diag(g.sum(axis=1))


# ---------------------------------------------------------------- COBA LIF
def coba_params(rng, dtype):
    """Per-neuron COBA LIF parameters."""
    from refsnn.functional.coba_lif import CobaLIFParameters

    return CobaLIFParameters(
        tau_syn_exc_inv=uniform(rng, 150, 350, N, dtype),
        tau_syn_inh_inv=uniform(rng, 100, 300, N, dtype),
        c_m_inv=uniform(rng, 3, 7, N, dtype), g_l=uniform(rng, 0.15, 0.35, N, dtype),
        e_rev_I=uniform(rng, -110, -90, N, dtype), e_rev_E=uniform(rng, 40, 70, N, dtype),
        v_rest=uniform(rng, -25, -15, N, dtype), v_reset=uniform(rng, -75, -65, N, dtype),
        v_thresh=uniform(rng, -12, -8, N, dtype),
    )


def _coba_ff(dtype, dt):
    from refsnn.functional.coba_lif import CobaLIFFeedForwardState

    rng = np.random.default_rng(1)
    p = coba_params(rng, dtype)
    s = CobaLIFFeedForwardState(v=uniform(rng, -70, -20, (B, N), dtype),
                                g_e=zeros(dtype), g_i=zeros(dtype))
    return uniform(rng, -2.0, 6.0, (T, B, N), dtype) * (dt / 1e-3), s, p, ()


def coba_recurrent(dtype, dt):
    """A recurrent COBA layer that sustains its activity: (inputs, state, p, (w_in, w_rec))."""
    from refsnn.functional.coba_lif import CobaLIFState

    rng = np.random.default_rng(2)
    p = coba_params(rng, dtype)
    k = dt / 1e-3
    w_in = dyadic(rng, -2.0 * k, 4.0 * k, (N, N_IN), dtype)
    # Norse's step sees only recurrent input: strong enough to sustain activity
    w_rec = dyadic(rng, -8.0, 12.0, (N, N), dtype)
    s = CobaLIFState(z=spikes(rng, 0.5, (B, N), dtype), v=uniform(rng, -70, -11, (B, N), dtype),
                     g_e=uniform(rng, 0, 2, (B, N), dtype), g_i=zeros(dtype))
    return spikes(rng, 0.3, (T, B, N_IN), dtype), s, p, (w_in, w_rec)


# ---------------------------------------------------------------- LIF MC
def _mc_ff(coupling):
    def make(dtype, dt):
        from refsnn.functional.lif import LIFFeedForwardState

        rng = np.random.default_rng(3)
        p = lif_params(rng, dtype)
        g = coupling(rng, dtype, 20.0)
        s = LIFFeedForwardState(v=zeros(dtype), i=zeros(dtype))
        return uniform(rng, 0.0, 0.8 * dt / 1e-3, (T, B, N), dtype), s, p, (g,)

    return make


def mc_recurrent(dtype, dt):
    """A recurrent multi-compartment layer: (inputs, state, p, (w_in, w_rec, g))."""
    from refsnn.functional.lif import LIFState

    rng = np.random.default_rng(4)
    p = lif_params(rng, dtype)
    g = sparse_coupling(rng, dtype, 20.0)
    xs, weights = recurrent_drive(rng, dtype, (0.0, 2.0 * dt / 1e-3), (-0.5, 0.2), 0.2)
    return xs, LIFState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype)), p, weights + (g,)


def _norse_mc_coupling_first(x, s, w_in, w_rec, g, p, dt):
    """The documented order from Norse's own parts: couple, then ``lif_step``."""
    import torch
    from norse.torch.functional import lif as n_lif

    v_coupled = s.v + dt * torch.nn.functional.linear(s.v, g)
    return n_lif.lif_step(x, n_lif.LIFState(s.z, v_coupled, s.i), w_in, w_rec, p, dt)


# ---------------------------------------------------------------- LIF MC refrac
def refrac_params(rng, dtype):
    """Per-neuron refractory LIF parameters (whole numbers of refractory steps)."""
    from refsnn.functional.lif_refrac import LIFRefracParameters

    return LIFRefracParameters(lif=lif_params(rng, dtype),
                               rho_reset=uniform(rng, 2, 6, N, dtype).round())


def _mc_refrac(seed, recurrent):
    def make(dtype, dt):
        from refsnn.functional.lif import LIFFeedForwardState, LIFState
        from refsnn.functional.lif_refrac import LIFRefracFeedForwardState, LIFRefracState

        rng = np.random.default_rng(seed)
        p = refrac_params(rng, dtype)
        g = sparse_coupling(rng, dtype, 0.02)  # Norse omits dt: keep G v small per step
        w_in = dyadic(rng, 0.0, 2.0 * dt / 1e-3, (N, N_IN), dtype)
        w_rec = dyadic(rng, -0.5, 0.2, (N, N), dtype)
        if recurrent:
            s = LIFRefracState(LIFState(zeros(dtype), zeros(dtype), zeros(dtype)), zeros(dtype))
            return spikes(rng, 0.2, (T, B, N_IN), dtype), s, p, (w_in, w_rec, g)
        s = LIFRefracFeedForwardState(LIFFeedForwardState(zeros(dtype), zeros(dtype)),
                                      zeros(dtype))
        return uniform(rng, 0.0, 0.8 * dt / 1e-3, (T, B, N), dtype), s, p, (g,)

    return make


def _norse_mc_then_refractory_ff(x, s, g, p, dt):
    """The documented model from Norse's parts: ``lif_mc`` step, then the refractory update."""
    from norse.torch.functional import lif as n_lif
    from norse.torch.functional import lif_mc as n_mc
    from norse.torch.functional import lif_refrac as n_refrac

    z, lif_new = n_mc.lif_mc_feed_forward_step(x, s.lif, g, p.lif, dt)
    v, z, rho = n_refrac.compute_refractory_update(s, z, lif_new.v, p)
    return z, n_refrac.LIFRefracFeedForwardState(n_lif.LIFFeedForwardState(v, lif_new.i), rho)


def _norse_mc_then_refractory(x, s, w_in, w_rec, g, p, dt):
    """The documented model from Norse's parts: coupled ``lif_step``, then the refractory update."""
    from norse.torch.functional import lif as n_lif
    from norse.torch.functional import lif_refrac as n_refrac

    z, lif_new = _norse_mc_coupling_first(x, s.lif, w_in, w_rec, g, p.lif, dt)
    v, z, rho = n_refrac.compute_refractory_update(s, z, lif_new.v, p)
    return z, n_refrac.LIFRefracState(n_lif.LIFState(z, v, lif_new.i), rho)


# ---------------------------------------------------------------- LSNN
def lsnn_params(rng, dtype):
    """Per-neuron LSNN parameters."""
    from refsnn.functional.lsnn import LSNNParameters

    return LSNNParameters(
        tau_syn_inv=uniform(rng, 100, 300, N, dtype), tau_mem_inv=uniform(rng, 50, 150, N, dtype),
        tau_adapt_inv=uniform(rng, 5, 20, N, dtype), v_leak=uniform(rng, -0.2, 0.2, N, dtype),
        v_th=uniform(rng, 0.8, 1.2, N, dtype), v_reset=uniform(rng, -0.3, 0.1, N, dtype),
        beta=uniform(rng, 0.05, 0.5, N, dtype),
    )


def _lsnn_ff(dtype, dt):
    from refsnn.functional.lsnn import LSNNFeedForwardState

    rng = np.random.default_rng(9)
    p = lsnn_params(rng, dtype)
    s = LSNNFeedForwardState(v=zeros(dtype), i=zeros(dtype),
                             b=np.broadcast_to(p.v_th, (B, N)).copy())
    return uniform(rng, 0.0, 1.0 * dt / 1e-3, (T, B, N), dtype), s, p, ()


def lsnn_recurrent(seed, b0):
    """A recurrent LSNN layer whose thresholds start at ``v_th`` (``b0 == "v_th"``) or zero."""
    def make(dtype, dt):
        from refsnn.functional.lsnn import LSNNState

        rng = np.random.default_rng(seed)
        p = lsnn_params(rng, dtype)
        xs, weights = recurrent_drive(rng, dtype, (0.0, 2.0 * dt / 1e-3), (-0.5, 0.2), 0.2)
        b = np.broadcast_to(p.v_th, (B, N)).copy() if b0 == "v_th" else zeros(dtype)
        return xs, LSNNState(z=zeros(dtype), v=zeros(dtype), i=zeros(dtype), b=b), p, weights

    return make


# ---------------------------------------------------------------- Izhikevich
def izh_params(rng, dtype):
    """Per-neuron Izhikevich parameters."""
    from refsnn.functional.izhikevich import IzhikevichParameters

    return IzhikevichParameters(
        a=uniform(rng, 0.01, 0.1, N, dtype), b=uniform(rng, 0.15, 0.26, N, dtype),
        c=uniform(rng, -65, -50, N, dtype), d=uniform(rng, 0.5, 8, N, dtype),
        sq=uniform(rng, 0.035, 0.045, N, dtype), mn=uniform(rng, 4.5, 5.5, N, dtype),
        bias=uniform(rng, 130, 150, N, dtype), v_th=uniform(rng, 25, 35, N, dtype),
        tau_inv=uniform(rng, 150, 300, N, dtype),
    )


def _izh_ff(dtype, dt):
    from refsnn.functional.izhikevich import IzhikevichState

    rng = np.random.default_rng(14)
    p = izh_params(rng, dtype)
    s = IzhikevichState(v=uniform(rng, -70, -60, (B, N), dtype),
                        u=uniform(rng, -15, -12, (B, N), dtype))
    return uniform(rng, 0, 20, (T, B, N), dtype), s, p, ()


def _izh_rec(dtype, dt):
    from refsnn.functional.izhikevich import IzhikevichRecurrentState

    rng = np.random.default_rng(15)
    p = izh_params(rng, dtype)
    w_in = dyadic(rng, 0, 40, (N, N_IN), dtype)
    w_rec = dyadic(rng, -20, 10, (N, N), dtype)
    s = IzhikevichRecurrentState(z=zeros(dtype), v=uniform(rng, -70, -60, (B, N), dtype),
                                 u=uniform(rng, -15, -12, (B, N), dtype))
    return spikes(rng, 0.3, (T, B, N_IN), dtype), s, p, (w_in, w_rec)


def _izh_presets(dtype, dt):
    """Every preset at once (one per neuron, parameters as per-neuron arrays), 4 currents."""
    from refsnn.functional import izhikevich

    behaviours = [getattr(izhikevich, name) for name in PRESETS]
    p = izhikevich.IzhikevichParameters(
        *(np.array([b.p[k] for b in behaviours], dtype) for k in range(len(behaviours[0].p))))
    s = izhikevich.IzhikevichState(*(np.tile(np.array([b.s[k] for b in behaviours], dtype),
                                             (4, 1)) for k in range(2)))
    currents = np.array([0.0, 3.0, 10.0, 25.0], dtype)[:, None]
    return np.broadcast_to(currents, (T, 4, len(PRESETS))).copy(), s, p, ()


# ---------------------------------------------------------------- rows
TRIALS = [
    Trial("coba_lif_feed_forward_step[exact]", "coba_lif", _coba_ff, "coba_lif", DTS),
    Trial("coba_lif_step[exact]", "coba_lif", coba_recurrent, "coba_lif", DTS, variant="compat"),
    Trial("lif_mc_feed_forward_step[exact]", "lif_mc", _mc_ff(sparse_coupling), "lif_mc", DTS),
    Trial("lif_mc_feed_forward_step[dense coupling]", "lif_mc", _mc_ff(dense_coupling), "lif_mc",
          DTS[:1], tol32=DENSE_ULP, tol64=DENSE_ULP),
    Trial("lif_mc_step[exact]", "lif_mc", mc_recurrent, "lif_mc", DTS, variant="compat"),
    Trial("lif_mc_step[exact, Norse's parts]", "lif_mc", mc_recurrent, _norse_mc_coupling_first,
          DTS),
    Trial("lif_mc_refrac_feed_forward_step[exact]", "lif_mc_refrac", _mc_refrac(5, False),
          "lif_mc_refrac", DTS, variant="compat"),
    Trial("lif_mc_refrac_step[exact]", "lif_mc_refrac", _mc_refrac(6, True), "lif_mc_refrac", DTS,
          variant="compat"),
    Trial("lif_mc_refrac_feed_forward_step[exact, Norse's parts]", "lif_mc_refrac",
          _mc_refrac(7, False), _norse_mc_then_refractory_ff, DTS),
    Trial("lif_mc_refrac_step[exact, Norse's parts]", "lif_mc_refrac", _mc_refrac(8, True),
          _norse_mc_then_refractory, DTS),
    Trial("lsnn_feed_forward_step[exact]", "lsnn", _lsnn_ff, "lsnn", DTS),
    Trial("lsnn_step[exact]", "lsnn", lsnn_recurrent(10, "v_th"), "lsnn", DTS),
    Trial("ada_lif_step[exact]", "lsnn", lsnn_recurrent(11, "zero"), "lsnn", DTS,
          variant="compat"),
    Trial("izhikevich_feed_forward_step[exact]", "izhikevich", _izh_ff, "izhikevich", DTS),
    Trial("izhikevich_recurrent_step[exact]", "izhikevich", _izh_rec, "izhikevich", DTS),
    Trial("izhikevich_feed_forward_step[all presets]", "izhikevich", _izh_presets, "izhikevich",
          DTS),
]


def cases() -> list[Case]:
    """Every row of this module."""
    return trial_cases(TRIALS)
