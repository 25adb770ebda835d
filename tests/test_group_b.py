"""COBA LIF, multi-compartment LIF (with and without refractoriness), LSNN and Izhikevich.

Hand-computed single steps (float64, written out scalar by scalar), the
Norse-exact compat variants, argument checking, no mutation of the caller's
arrays, NaN propagation, dtype handling and per-neuron parameters. Norse
itself is compared in ``test_parity_group_b.py``.
"""

import numpy as np
import pytest

from refsnn.compat.norse import coba_lif as c_coba
from refsnn.compat.norse import lif_mc as c_mc
from refsnn.compat.norse import lif_mc_refrac as c_mc_refrac
from refsnn.compat.norse import lsnn as c_lsnn
from refsnn.functional import coba_lif, izhikevich, lif_mc, lif_mc_refrac, lsnn
from refsnn.functional.lif import LIFFeedForwardState, LIFParameters, LIFState
from refsnn.functional.lif_refrac import (
    LIFRefracFeedForwardState,
    LIFRefracParameters,
    LIFRefracState,
)

F64 = np.float64


def a64(*values):
    return np.array(values, dtype=F64)


def close(actual, expected):
    np.testing.assert_allclose(np.asarray(actual), np.asarray(expected, dtype=F64),
                               rtol=1e-13, atol=1e-13)


# ====================================================================== COBA
COBA_P = coba_lif.CobaLIFParameters(
    tau_syn_exc_inv=1 / 0.3, tau_syn_inh_inv=1 / 0.5, c_m_inv=2.0, g_l=0.25,
    e_rev_I=-80.0, e_rev_E=0.0, v_rest=-65.0, v_reset=-70.0, v_thresh=-50.0,
)


def coba_expected(g_e, g_i, v, p, dt):
    """One COBA step for one neuron, after the conductance jumps."""
    g_e = g_e - dt * p.tau_syn_exc_inv * g_e
    g_i = g_i - dt * p.tau_syn_inh_inv * g_i
    v_new = v + dt * p.c_m_inv * (p.g_l * (p.v_rest - v) + g_e * (p.e_rev_E - v)
                                  + g_i * (p.e_rev_I - v))
    z = 1.0 if v_new > p.v_thresh else 0.0
    return z, (p.v_reset if z else v_new), g_e, g_i


def test_coba_feed_forward_hand_step():
    dt = 0.1
    v, g_e, g_i = a64(-60.0, -51.0, -64.0), a64(0.5, 3.0, 0.0), a64(0.2, 0.0, 0.4)
    x = a64(0.3, 2.0, -0.7)
    z, s = coba_lif.coba_lif_feed_forward_step(
        x, coba_lif.CobaLIFFeedForwardState(v, g_e, g_i), COBA_P, dt)
    for k in range(3):
        jump_e, jump_i = max(x[k], 0.0), max(-x[k], 0.0)
        ez, ev, ege, egi = coba_expected(g_e[k] + jump_e, g_i[k] + jump_i, v[k], COBA_P, dt)
        close(z[k], ez), close(s.v[k], ev), close(s.g_e[k], ege), close(s.g_i[k], egi)
    assert z.tolist() == [0.0, 1.0, 0.0]
    assert s.v[1] == COBA_P.v_reset


def test_coba_recurrent_hand_step_adds_input_and_recurrent_jumps():
    dt = 0.1
    w_in = np.array([[0.5, -0.25, 0.0], [-1.0, 0.75, 2.0]])
    w_rec = np.array([[0.0, 0.125], [-0.5, 0.0]])
    x = a64(1.0, 1.0, 0.0)
    s0 = coba_lif.CobaLIFState(z=a64(0.0, 1.0), v=a64(-60.0, -55.0),
                               g_e=a64(0.1, 0.2), g_i=a64(0.3, 0.0))
    z, s = coba_lif.coba_lif_step(x, s0, w_in, w_rec, COBA_P, dt)
    for k in range(2):
        jump_e = sum(max(w_in[k, j], 0) * x[j] for j in range(3)) + sum(
            max(w_rec[k, j], 0) * s0.z[j] for j in range(2))
        jump_i = sum(max(-w_in[k, j], 0) * x[j] for j in range(3)) + sum(
            max(-w_rec[k, j], 0) * s0.z[j] for j in range(2))
        ez, ev, ege, egi = coba_expected(s0.g_e[k] + jump_e, s0.g_i[k] + jump_i,
                                         s0.v[k], COBA_P, dt)
        close(z[k], ez), close(s.z[k], ez), close(s.v[k], ev)
        close(s.g_e[k], ege), close(s.g_i[k], egi)


def test_coba_compat_ignores_input_spikes():
    rng = np.random.default_rng(0)
    w_in, w_rec = rng.normal(size=(4, 3)), rng.normal(size=(4, 4))
    s0 = coba_lif.CobaLIFState(z=a64(1, 0, 1, 0), v=a64(-60, -58, -62, -61),
                               g_e=a64(0.1, 0.2, 0, 0), g_i=a64(0, 0.1, 0.2, 0))
    silent = np.zeros(3)
    ref_silent = coba_lif.coba_lif_step(silent, s0, w_in, w_rec, COBA_P, 0.1)
    for x in (silent, np.ones(3), a64(5.0, 0.0, 2.0)):
        out = c_coba.coba_lif_step(x, s0, w_in, w_rec, COBA_P, 0.1)
        for a, b in zip(out[1], ref_silent[1]):
            np.testing.assert_array_equal(a, b)
    # the reference does see the input
    ref = coba_lif.coba_lif_step(np.ones(3), s0, w_in, w_rec, COBA_P, 0.1)[1]
    assert not np.array_equal(ref.g_e, ref_silent[1].g_e)


def test_coba_defaults():
    p = coba_lif.CobaLIFParameters()
    assert p == (0.2, 0.2, 5.0, 1 / 20 * 1 / 0.2, -100.0, 60.0, -20.0, -70.0, -10.0)
    assert all(isinstance(v, float) for v in p)
    assert coba_lif.default_bio_state == (0.0, -65.0, 0.0, 0.0)
    bio = coba_lif.default_bio_parameters
    assert (bio.e_rev_E, bio.e_rev_I, bio.v_thresh, bio.v_reset, bio.v_rest) == (
        0.0, -70.0, -50.0, -65.0, -65.0)


# ====================================================================== LIF MC
MC_P = LIFParameters(tau_syn_inv=50.0, tau_mem_inv=20.0, v_leak=0.1, v_th=1.0, v_reset=-0.2)
G = np.array([[-3.0, 3.0, 0.0], [1.0, -2.0, 1.0], [0.0, 4.0, -4.0]])


def lif_expected(v, i_jump, p, dt):
    v_new = v + dt * p.tau_mem_inv * ((p.v_leak - v) + i_jump)
    i_new = i_jump - dt * p.tau_syn_inv * i_jump
    z = 1.0 if v_new > p.v_th else 0.0
    return z, (p.v_reset if z else v_new), i_new


def coupled(v, dt):
    return [v[k] + dt * sum(G[k, j] * v[j] for j in range(3)) for k in range(3)]


def test_lif_mc_feed_forward_hand_step():
    dt = 0.01
    v, i, x = a64(0.5, 0.9, 0.2), a64(0.1, 5.0, -0.3), a64(1.0, 2.0, 0.0)
    z, s = lif_mc.lif_mc_feed_forward_step(x, LIFFeedForwardState(v, i), G, MC_P, dt)
    vc = coupled(v, dt)
    for k in range(3):
        ez, ev, ei = lif_expected(vc[k], i[k] + x[k], MC_P, dt)
        close(z[k], ez), close(s.v[k], ev), close(s.i[k], ei)
    assert z.tolist() == [0.0, 1.0, 0.0] and s.v[1] == MC_P.v_reset


def test_lif_mc_recurrent_applies_coupling_first():
    dt = 0.01
    w_in = np.array([[1.0, 0.5], [0.0, 2.0], [-1.0, 0.0]])
    w_rec = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    x = a64(1.0, 1.0)
    s0 = LIFState(z=a64(0, 1, 0), v=a64(0.5, 0.9, 0.2), i=a64(0.1, 5.0, -0.3))
    z, s = lif_mc.lif_mc_step(x, s0, w_in, w_rec, G, MC_P, dt)
    vc = coupled(s0.v, dt)
    for k in range(3):
        i_jump = s0.i[k] + w_in[k] @ x + w_rec[k] @ s0.z
        ez, ev, ei = lif_expected(vc[k], i_jump, MC_P, dt)
        close(z[k], ez), close(s.v[k], ev), close(s.i[k], ei)
    assert z[1] == 1 and s.v[1] == MC_P.v_reset
    # Norse's order: LIF step first, then coupling on the post-reset voltage
    zc, sc = c_mc.lif_mc_step(x, s0, w_in, w_rec, G, MC_P, dt)
    lif_out = [lif_expected(s0.v[k], s0.i[k] + w_in[k] @ x + w_rec[k] @ s0.z, MC_P, dt)
               for k in range(3)]
    v_lif = [o[1] for o in lif_out]
    close(sc.v, coupled(v_lif, dt))
    close(zc, [o[0] for o in lif_out])
    assert sc.v[1] != MC_P.v_reset  # the spiking compartment misses v_reset


def test_lif_mc_feed_forward_matches_recurrent_with_identity_input():
    rng = np.random.default_rng(1)
    v, i = rng.uniform(0, 1, (2, 3)), rng.uniform(0, 3, (2, 3))
    x = rng.uniform(0, 2, (2, 3))
    z1, s1 = lif_mc.lif_mc_feed_forward_step(x, LIFFeedForwardState(v, i), G, MC_P)
    z2, s2 = lif_mc.lif_mc_step(x, LIFState(np.zeros((2, 3)), v, i), np.eye(3),
                                np.zeros((3, 3)), G, MC_P)
    np.testing.assert_array_equal(z1, z2)
    np.testing.assert_array_equal(s1.v, s2.v)
    np.testing.assert_array_equal(s1.i, s2.i)


# ====================================================================== LIF MC refrac
RP = LIFRefracParameters(lif=MC_P, rho_reset=3.0)


def test_lif_mc_refrac_feed_forward_hand_step():
    dt = 0.01
    v, i, x = a64(0.5, 0.9, 0.99), a64(0.1, 5.0, 50.0), a64(1.0, 2.0, 0.0)
    rho = a64(0.0, 0.0, 2.0)  # neuron 2 is refractory and would cross threshold
    z, s = lif_mc_refrac.lif_mc_refrac_feed_forward_step(
        x, LIFRefracFeedForwardState(LIFFeedForwardState(v, i), rho), G, RP, dt)
    vc = coupled(v, dt)
    expected = [lif_expected(vc[k], i[k] + x[k], MC_P, dt) for k in range(3)]
    assert expected[2][0] == 1.0  # without refractoriness it would spike
    assert z.tolist() == [0.0, 1.0, 0.0]
    close(s.lif.v[:2], [expected[0][1], expected[1][1]])
    assert s.lif.v[2] == v[2]  # held
    close(s.lif.i, [e[2] for e in expected])  # the current integrates throughout
    assert s.rho.tolist() == [0.0, 3.0, 1.0]


def test_lif_mc_refrac_silent_for_rho_reset_steps():
    """Constant strong drive: spikes exactly every rho_reset + 1 steps."""
    p = LIFRefracParameters(lif=MC_P._replace(tau_mem_inv=1000.0), rho_reset=4.0)
    s = LIFRefracFeedForwardState(LIFFeedForwardState(np.zeros(3), np.zeros(3)), np.zeros(3))
    zs = []
    for _ in range(40):
        z, s = lif_mc_refrac.lif_mc_refrac_feed_forward_step(
            np.full(3, 200.0), s, 0.1 * G, p, 0.001)
        zs.append(z)
    zs = np.array(zs)
    for k in range(3):
        times = np.flatnonzero(zs[:, k])
        assert len(times) >= 5 and np.all(np.diff(times) == 5)


def test_lif_mc_refrac_recurrent_hand_step():
    dt = 0.01
    w_in = np.array([[1.0, 0.5], [0.0, 2.0], [-1.0, 0.0]])
    w_rec = np.array([[0.0, 1.0, 0.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    x = a64(1.0, 1.0)
    lif_s = LIFState(z=a64(0, 1, 0), v=a64(0.5, 0.9, 0.99), i=a64(0.1, 5.0, 50.0))
    s0 = LIFRefracState(lif_s, a64(0.0, 0.0, 1.5))
    z, s = lif_mc_refrac.lif_mc_refrac_step(x, s0, w_in, w_rec, G, RP, dt)
    vc = coupled(lif_s.v, dt)
    expected = [lif_expected(vc[k], lif_s.i[k] + w_in[k] @ x + w_rec[k] @ lif_s.z, MC_P, dt)
                for k in range(3)]
    assert expected[2][0] == 1.0
    assert z.tolist() == [expected[0][0], expected[1][0], 0.0]
    np.testing.assert_array_equal(s.lif.z, z)
    close(s.lif.v[:2], [expected[0][1], expected[1][1]])
    assert s.lif.v[2] == lif_s.v[2]
    close(s.lif.i, [e[2] for e in expected])
    close(s.rho, [RP.rho_reset if expected[0][0] else 0.0,
                  RP.rho_reset if expected[1][0] else 0.0, 0.5])


def test_lif_mc_refrac_compat_hand_step():
    """Norse's scheme: coupling without dt, only leak/current masked, no spike suppression."""
    dt = 0.01
    g = 0.5 * G
    v, i, x = a64(1.2, 0.98, 1.1), a64(0.1, 5.0, 0.0), a64(1.0, 2.0, 0.5)
    rho = a64(0.0, 2.0, 0.0)
    z, s = c_mc_refrac.lif_mc_refrac_feed_forward_step(
        x, LIFRefracFeedForwardState(LIFFeedForwardState(v, i), rho), g, RP, dt)
    for k in range(3):
        mask = 1.0 if rho[k] > 0 else 0.0
        dv = (1 - mask) * dt * MC_P.tau_mem_inv * ((MC_P.v_leak - v[k]) + i[k]) + sum(
            g[k, j] * v[j] for j in range(3))
        v_dec = v[k] + dv
        ez = 1.0 if v_dec > MC_P.v_th else 0.0
        close(z[k], ez)
        close(s.lif.v[k], MC_P.v_reset if ez else v_dec)
        close(s.lif.i[k], i[k] - dt * MC_P.tau_syn_inv * i[k] + x[k])
        close(s.rho[k], RP.rho_reset if ez else max(rho[k] - mask, 0.0))
    assert z[1] == 1.0  # a refractory compartment spikes, pushed by the coupling


# ====================================================================== LSNN
LP = lsnn.LSNNParameters(tau_syn_inv=50.0, tau_mem_inv=20.0, tau_adapt_inv=2.0,
                         v_leak=0.1, v_th=1.0, v_reset=-0.2, beta=0.5)


def lsnn_expected(v, i, b, p, dt):
    v_new = v + dt * p.tau_mem_inv * ((p.v_leak - v) + i)
    i_new = i - dt * p.tau_syn_inv * i
    b_new = b + dt * p.tau_adapt_inv * (p.v_th - b)
    z = 1.0 if v_new > b_new else 0.0
    return z, (p.v_reset if z else v_new), i_new, b_new + p.beta * z


def test_lsnn_feed_forward_hand_step():
    dt = 0.01
    v, i, b = a64(0.5, 1.2, 1.2), a64(0.3, 2.0, 2.0), a64(1.0, 1.0, 1.6)
    x = a64(0.7, 0.0, 1.0)
    z, s = lsnn.lsnn_feed_forward_step(x, lsnn.LSNNFeedForwardState(v, i, b), LP, dt)
    for k in range(3):
        ez, ev, ei, eb = lsnn_expected(v[k], i[k], b[k], LP, dt)
        close(z[k], ez), close(s.v[k], ev), close(s.i[k], ei + x[k]), close(s.b[k], eb)
    assert z.tolist() == [0.0, 1.0, 0.0]  # neuron 2 is held back by its raised threshold


def test_lsnn_recurrent_hand_step():
    dt = 0.01
    w_in = np.array([[1.0, 0.5], [0.0, 2.0]])
    w_rec = np.array([[0.0, -1.0], [0.5, 0.0]])
    x = a64(1.0, 1.0)
    s0 = lsnn.LSNNState(z=a64(0, 1), v=a64(0.5, 1.2), i=a64(0.3, 2.0), b=a64(1.0, 1.1))
    z, s = lsnn.lsnn_step(x, s0, w_in, w_rec, LP, dt)
    for k in range(2):
        ez, ev, ei, eb = lsnn_expected(s0.v[k], s0.i[k], s0.b[k], LP, dt)
        close(z[k], ez), close(s.z[k], ez), close(s.v[k], ev), close(s.b[k], eb)
        close(s.i[k], ei + w_in[k] @ x + w_rec[k] @ s0.z)


def ada_expected(v, i, b, p, dt):
    v_new = v + dt * p.tau_mem_inv * ((p.v_leak - v) + i - b)
    i_new = i - dt * p.tau_syn_inv * i
    b_new = b - dt * p.tau_adapt_inv * b
    z = 1.0 if v_new > p.v_th else 0.0
    return z, v_new, i_new, b_new + p.beta * z


def test_ada_lif_hand_step_and_compat_reset():
    dt = 0.01
    w_in = np.array([[1.0, 0.5], [0.0, 2.0], [1.0, 1.0]])
    w_rec = np.array([[0.0, -1.0, 0.0], [0.5, 0.0, 0.0], [0.0, 0.0, 0.0]])
    x = a64(1.0, 1.0)
    s0 = lsnn.LSNNState(z=a64(0, 1, 0), v=a64(0.5, 1.2, 1.1), i=a64(0.3, 8.0, 2.0),
                        b=a64(0.0, 0.4, 3.0))
    z, s = lsnn.ada_lif_step(x, s0, w_in, w_rec, LP, dt)
    zc, sc = c_lsnn.ada_lif_step(x, s0, w_in, w_rec, LP, dt)
    for k in range(3):
        ez, ev, ei, eb = ada_expected(s0.v[k], s0.i[k], s0.b[k], LP, dt)
        jump = w_in[k] @ x + w_rec[k] @ s0.z
        for zz, ss in ((z, s), (zc, sc)):
            close(zz[k], ez), close(ss.i[k], ei + jump), close(ss.b[k], eb)
        close(s.v[k], LP.v_reset if ez else ev)  # documented value reset
        close(sc.v[k], ev - ez * (LP.v_th - LP.v_reset))  # Norse's subtractive reset
    assert z.tolist() == [0.0, 1.0, 0.0]  # neuron 2 is held back by its adaptation current
    assert s.v[1] == LP.v_reset and sc.v[1] > LP.v_reset


def test_lsnn_defaults():
    assert lsnn.LSNNParameters() == (200.0, 100.0, 1 / 800, 0.0, 1.0, 0.0, 1.8)


# ====================================================================== Izhikevich
IP = izhikevich.IzhikevichParameters(a=0.02, b=0.2, c=-65.0, d=8.0)


def izh_expected(v, u, current, p, dt):
    h = p.tau_inv * dt
    v_new = v + h * (p.sq * v * v + p.mn * v + p.bias - u + current)
    u_new = u + h * p.a * (p.b * v - u)
    z = 1.0 if v_new > p.v_th else 0.0
    return z, (p.c if z else v_new), (u_new + p.d if z else u_new)


def test_izhikevich_feed_forward_hand_step():
    v, u, x = a64(-65.0, 25.0, -70.0), a64(-13.0, -10.0, -14.0), a64(10.0, 4.0, 0.0)
    z, s = izhikevich.izhikevich_feed_forward_step(x, izhikevich.IzhikevichState(v, u), IP)
    for k in range(3):
        ez, ev, eu = izh_expected(v[k], u[k], x[k], IP, 0.001)
        close(z[k], ez), close(s.v[k], ev), close(s.u[k], eu)
    assert z.tolist() == [0.0, 1.0, 0.0]


def test_izhikevich_recurrent_hand_step():
    w_in = np.array([[1.0, 0.5], [0.0, 2.0]])
    w_rec = np.array([[0.0, 3.0], [-4.0, 0.0]])
    x = a64(5.0, 1.0)
    s0 = izhikevich.IzhikevichRecurrentState(z=a64(0, 1), v=a64(-60.0, 26.0), u=a64(-12.0, 0.0))
    z, s = izhikevich.izhikevich_recurrent_step(x, s0, w_in, w_rec, IP, 0.0005)
    for k in range(2):
        current = w_in[k] @ x + w_rec[k] @ s0.z
        ez, ev, eu = izh_expected(s0.v[k], s0.u[k], current, IP, 0.0005)
        close(z[k], ez), close(s.z[k], ez), close(s.v[k], ev), close(s.u[k], eu)


def test_izhikevich_create_behaviour_and_presets():
    bhv = izhikevich.create_izhikevich_spiking_behavior(0.02, 0.2, -65, 6, -70.0, -70.0)
    assert bhv.p == izhikevich.IzhikevichParameters(a=0.02, b=0.2, c=-65, d=6)
    assert bhv.s.v.dtype == np.float32 and bhv.s.u == np.float32(-70) * np.float32(0.2)
    assert izhikevich.tonic_spiking.s.u == np.float32(-14.0)
    assert izhikevich.accomodation.s.u == np.float32(-16.0)
    p = izhikevich.IzhikevichParameters(1, 2, 3, 4)
    assert p[4:] == (0.04, 5.0, 140.0, 30.0, 250.0)


def test_izhikevich_preset_state_gives_float32_run():
    b = izhikevich.tonic_spiking
    z, s = izhikevich.izhikevich_feed_forward_step(np.zeros(3, np.float32), b.s, b.p)
    assert z.dtype == s.v.dtype == s.u.dtype == np.float32 and s.v.shape == (3,)


# ====================================================================== generic cases
def _cases():
    """name -> builder(dtype) returning (function, args, kwargs, index of the state in args).

    Every case has a batch of 2 and 3 neurons; its parameters are in ``kwargs['p']``.
    """
    rng = np.random.default_rng(42)

    def u(lo, hi, shape):
        return rng.uniform(lo, hi, shape)

    raw = {
        "x3": u(-1, 3, (2, 3)), "x2": (u(0, 1, (2, 2)) < 0.5) * 1.0,
        "w_in": u(-1, 2, (3, 2)), "w_rec": u(-1, 1, (3, 3)), "g": 0.2 * G,
        "z": (u(0, 1, (2, 3)) < 0.5) * 1.0, "v": u(0, 1.2, (2, 3)), "i": u(0, 3, (2, 3)),
        "b": u(0.8, 1.5, (2, 3)), "rho": np.array([[0, 1, 2], [3, 0, 0.5]], float),
        "cv": u(-70, -45, (2, 3)), "cg": u(0, 1, (2, 3)), "cx": u(-1, 1, (2, 3)),
        "iv": u(-70, 29, (2, 3)), "iu": u(-15, 0, (2, 3)), "ix": u(0, 20, (2, 3)),
        "ix2": u(0, 5, (2, 2)),
    }

    def build(dtype):
        r = {k: v.astype(dtype) for k, v in raw.items()}
        cs = coba_lif.CobaLIFState(r["z"], r["cv"], r["cg"], r["cg"][::-1].copy())
        cff = coba_lif.CobaLIFFeedForwardState(r["cv"], r["cg"], r["cg"][::-1].copy())
        lff = LIFFeedForwardState(r["v"], r["i"])
        ls = LIFState(r["z"], r["v"], r["i"])
        rff = LIFRefracFeedForwardState(lff, r["rho"])
        rs = LIFRefracState(ls, r["rho"])
        sff = lsnn.LSNNFeedForwardState(r["v"], r["i"], r["b"])
        ss = lsnn.LSNNState(r["z"], r["v"], r["i"], r["b"])
        iff = izhikevich.IzhikevichState(r["iv"], r["iu"])
        irs = izhikevich.IzhikevichRecurrentState(r["z"], r["iv"], r["iu"])
        w = (r["w_in"], r["w_rec"])
        return {
            "coba_ff": (coba_lif.coba_lif_feed_forward_step, [r["cx"], cff], COBA_P, 1),
            "coba": (coba_lif.coba_lif_step, [r["x2"], cs, *w], COBA_P, 1),
            "coba_compat": (c_coba.coba_lif_step, [r["x2"], cs, *w], COBA_P, 1),
            "mc_ff": (lif_mc.lif_mc_feed_forward_step, [r["x3"], lff, r["g"]], MC_P, 1),
            "mc": (lif_mc.lif_mc_step, [r["x2"], ls, *w, r["g"]], MC_P, 1),
            "mc_compat": (c_mc.lif_mc_step, [r["x2"], ls, *w, r["g"]], MC_P, 1),
            "mcr_ff": (lif_mc_refrac.lif_mc_refrac_feed_forward_step,
                       [r["x3"], rff, r["g"]], RP, 1),
            "mcr": (lif_mc_refrac.lif_mc_refrac_step, [r["x2"], rs, *w, r["g"]], RP, 1),
            "mcr_ff_compat": (c_mc_refrac.lif_mc_refrac_feed_forward_step,
                              [r["x3"], rff, r["g"]], RP, 1),
            "mcr_compat": (c_mc_refrac.lif_mc_refrac_step, [r["x2"], rs, *w, r["g"]], RP, 1),
            "lsnn_ff": (lsnn.lsnn_feed_forward_step, [r["x3"], sff], LP, 1),
            "lsnn": (lsnn.lsnn_step, [r["x2"], ss, *w], LP, 1),
            "ada_lif": (lsnn.ada_lif_step, [r["x2"], ss._replace(b=r["b"] - 1), *w], LP, 1),
            "ada_lif_compat": (c_lsnn.ada_lif_step, [r["x2"], ss._replace(b=r["b"] - 1), *w],
                               LP, 1),
            "izh_ff": (izhikevich.izhikevich_feed_forward_step, [r["ix"], iff], IP, 1),
            "izh": (izhikevich.izhikevich_recurrent_step, [r["ix2"], irs, *w], IP, 1),
        }

    return build


BUILD = _cases()
CASE_NAMES = list(BUILD(F64))


def call(name, dtype=F64, **override):
    fn, args, p, _ = BUILD(dtype)[name]
    args = list(args)
    p = override.pop("p", p)
    for index, value in override.pop("args", {}).items():
        args[index] = value
    return fn(*args, p=p, dt=override.pop("dt", 0.001))


def leaves(tree):
    if hasattr(tree, "_fields"):
        for value in tree:
            yield from leaves(value)
    elif isinstance(tree, tuple):
        for value in tree:
            yield from leaves(value)
    else:
        yield tree


def state_of(name, dtype=F64):
    fn, args, p, index = BUILD(dtype)[name]
    return args[index]


@pytest.mark.parametrize("name", CASE_NAMES)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_output_dtype_and_shape(name, dtype):
    out = call(name, dtype)
    for leaf in leaves(out):
        assert isinstance(leaf, np.ndarray) and leaf.dtype == dtype and leaf.shape == (2, 3)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_float32_close_to_float64(name):
    out32, out64 = call(name, np.float32), call(name, np.float64)
    for a, b in zip(leaves(out32), leaves(out64)):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_no_mutation_and_fresh_outputs(name):
    fn, args, p, _ = BUILD(F64)[name]
    inputs = [a for a in leaves(tuple(args)) if isinstance(a, np.ndarray)]
    copies = [a.copy() for a in inputs]
    out = fn(*args, p=p, dt=0.001)
    for a, c in zip(inputs, copies):
        np.testing.assert_array_equal(a, c)
    for leaf in leaves(out):
        assert not any(np.shares_memory(leaf, a) for a in inputs)


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.parametrize("name", CASE_NAMES)
def test_nan_propagates(name):
    fn, args, p, index = BUILD(F64)[name]
    state = args[index]
    # a NaN voltage in neuron (0, 1)
    if hasattr(state, "lif"):
        v = state.lif.v.copy()
        v[0, 1] = np.nan
        state = state._replace(lif=state.lif._replace(v=v))
    else:
        v = state.v.copy()
        v[0, 1] = np.nan
        state = state._replace(v=v)
    args = list(args)
    args[index] = state
    z, new = fn(*args, p=p, dt=0.001)
    v_new = new.lif.v if hasattr(new, "lif") else new.v
    assert np.isnan(v_new[0, 1]) and z[0, 1] == 0
    if name in ("mc_ff", "mc", "mc_compat", "mcr_ff", "mcr", "mcr_ff_compat", "mcr_compat"):
        return  # coupling spreads the NaN to coupled compartments, by design
    assert not np.isnan(v_new[1]).any() and not np.isnan(v_new[0, [0, 2]]).any()


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n != "coba_compat"])
def test_nan_input_does_not_raise(name):
    """(Norse's recurrent COBA step discards its input, NaN included.)"""
    fn, args, p, _ = BUILD(F64)[name]
    x = np.full_like(args[0], np.nan)
    z, new = fn(x, *args[1:], p=p, dt=0.001)
    assert np.isnan(np.concatenate([np.ravel(a) for a in leaves(new)])).any()


def _vary(p, n, rng):
    """Per-neuron arrays around each scalar parameter (nested tuples recursed)."""
    values = []
    for value in p:
        if hasattr(value, "_fields"):
            values.append(_vary(value, n, rng))
        else:
            values.append(value * rng.uniform(0.9, 1.1, n) if value != 0
                          else rng.uniform(-0.05, 0.05, n))
    return type(p)(*values)


def _pick(p, k):
    return type(p)(*(_pick(v, k) if hasattr(v, "_fields") else float(v[k]) for v in p))


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n != "mc_compat"])
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_per_neuron_parameters(name, dtype):
    """Neuron k with parameter arrays = the layer run with neuron k's scalars, bit for bit.

    (Not for Norse's ``lif_mc_step``: it couples the *post-step* voltages,
    which depend on the other compartments' parameters.)
    """
    fn, args, p, _ = BUILD(dtype)[name]
    p_arr = _vary(p, 3, np.random.default_rng(7))
    out = fn(*args, p=p_arr, dt=0.001)
    for k in range(3):
        out_k = fn(*args, p=_pick(p_arr, k), dt=0.001)
        for a, b in zip(leaves(out), leaves(out_k)):
            np.testing.assert_array_equal(a[..., k], b[..., k])


def _bad(name, message, exc, **override):
    with pytest.raises(exc, match=message):
        call(name, **override)


@pytest.mark.parametrize("name", CASE_NAMES)
def test_bad_arguments(name):
    fn, args, p, index = BUILD(F64)[name]
    _bad(name, "dt", ValueError, dt=0.0)
    _bad(name, "dt", ValueError, dt=float("nan"))
    _bad(name, "dt", TypeError, dt="0.1")
    _bad(name, "state", TypeError, args={index: tuple(args[index])})
    _bad(name, "^p must be", TypeError, p=tuple(p))
    _bad(name, "input_(tensor|spikes|current)", TypeError,
         args={0: np.ones(args[0].shape, dtype=np.int64)})
    state = args[index]
    mixed = state._replace(**{state._fields[-1]: state[-1].astype(np.float32)})
    _bad(name, "state.*dtype", TypeError, args={index: mixed})
    p_bad = _vary(p, 4, np.random.default_rng(0))
    _bad(name, r"p\.", ValueError, p=p_bad)


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if "ff" not in n])
def test_bad_weight_shapes(name):
    fn, args, p, _ = BUILD(F64)[name]
    w_in_position = 2
    _bad(name, "input_weights", ValueError, args={w_in_position: np.ones((3, 5))})
    _bad(name, "recurrent_weights", ValueError, args={3: np.ones((3, 4))})
    _bad(name, "input_weights", ValueError, args={w_in_position: np.ones(3)})


@pytest.mark.parametrize("name", [n for n in CASE_NAMES if n.startswith("mc")])
def test_bad_coupling(name):
    fn, args, p, _ = BUILD(F64)[name]
    position = len(args) - 1
    _bad(name, "g_coupling", ValueError, args={position: np.ones((3, 4))})
    _bad(name, "g_coupling", ValueError, args={position: np.ones((4, 4))})
    _bad(name, "g_coupling", ValueError, args={position: np.ones(3)})
    _bad(name, "g_coupling", TypeError, args={position: np.ones((3, 3), dtype=bool)})
