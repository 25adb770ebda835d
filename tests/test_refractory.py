"""Refractory LIF and AdEx neurons: the silent period, the held voltage, the counter."""

import copy

import numpy as np
import pytest

from refsnn.compat.norse import lif_adex_refrac as c_adex_refrac
from refsnn.functional import lif, lif_adex, lif_adex_refrac, lif_refrac

F64 = np.float64
DT = 1e-3
RHO = np.array([1.0, 2.0, 3.0, 5.0, 8.0])
N = len(RHO)


def lif_ff_state(dtype=F64, n=N):
    z = np.zeros(n, dtype)
    return lif_refrac.LIFRefracFeedForwardState(lif.LIFFeedForwardState(z, z), z)


def lif_rec_state(dtype=F64, n=N):
    z = np.zeros(n, dtype)
    return lif_refrac.LIFRefracState(lif.LIFState(z, z, z), z)


def adex_ff_state(dtype=F64, n=N):
    z = np.zeros(n, dtype)
    return lif_adex_refrac.LIFAdExRefracFeedForwardState(
        lif_adex.LIFAdExFeedForwardState(z, z, z), z)


def adex_rec_state(dtype=F64, n=N):
    z = np.zeros(n, dtype)
    return lif_adex_refrac.LIFAdExRefracState(lif_adex.LIFAdExState(z, z, z, z), z)


LIF_P = lif_refrac.LIFRefracParameters(
    lif.LIFParameters(v_leak=0.1, v_reset=-0.2), rho_reset=RHO)
ADEX_P = lif_adex_refrac.LIFAdExRefracParameters(
    lif_adex.LIFAdExParameters(v_leak=0.1, v_reset=-0.2, adaptation_spike=0.5), rho_reset=RHO)
EYE = np.eye(N)
ZERO = np.zeros((N, N))

# name: (step taking (x, state) -> (z, state), initial state, voltage getter)
MODELS = {
    "lif_refrac_ff": (lambda x, s: lif_refrac.lif_refrac_feed_forward_step(x, s, LIF_P, DT),
                      lif_ff_state, lambda s: s.lif.v),
    "lif_refrac": (lambda x, s: lif_refrac.lif_refrac_step(x, s, EYE, ZERO, LIF_P, DT),
                   lif_rec_state, lambda s: s.lif.v),
    "lif_adex_refrac_ff": (
        lambda x, s: lif_adex_refrac.lif_adex_refrac_feed_forward_step(x, s, ADEX_P, DT),
        adex_ff_state, lambda s: s.lif_adex.v),
    "lif_adex_refrac": (
        lambda x, s: lif_adex_refrac.lif_adex_refrac_step(x, s, EYE, ZERO, ADEX_P, DT),
        adex_rec_state, lambda s: s.lif_adex.v),
}


def run(name, drive, steps=120):
    step, init, voltage = MODELS[name]
    s = init()
    zs, vs, rhos, states = [], [], [], []
    for _ in range(steps):
        z, s = step(np.full(N, drive), s)
        zs.append(z)
        vs.append(voltage(s))
        rhos.append(s.rho)
        states.append(s)
    return np.array(zs), np.array(vs), np.array(rhos), states


@pytest.mark.parametrize("name", MODELS)
def test_silent_for_exactly_rho_reset_steps_after_each_spike(name):
    # the input current is so large that every non-refractory step spikes
    z, _, _, _ = run(name, drive=1e4)
    for k in range(N):
        times = np.flatnonzero(z[:, k])
        assert len(times) >= 10
        gaps = np.diff(times) - 1  # silent steps between consecutive spikes
        np.testing.assert_array_equal(gaps, np.full(len(gaps), RHO[k]))


@pytest.mark.parametrize("name", MODELS)
def test_voltage_held_during_refractory_period(name):
    z, v, rho, _ = run(name, drive=1e4)
    p = LIF_P.lif if "adex" not in name else ADEX_P.lif_adex
    for k in range(N):
        for t in np.flatnonzero(z[:, k]):
            assert v[t, k] == p.v_reset
            held = v[t + 1: t + 1 + int(RHO[k]), k]
            np.testing.assert_array_equal(held, np.full(len(held), p.v_reset))


@pytest.mark.parametrize("name", MODELS)
def test_counter_counts_down_from_rho_reset(name):
    z, _, rho, _ = run(name, drive=1e4)
    k = 4  # rho_reset = 8
    t0 = np.flatnonzero(z[:, k])[0]
    np.testing.assert_array_equal(rho[t0: t0 + 10, k], [8, 7, 6, 5, 4, 3, 2, 1, 0, 8])
    assert np.all(rho[:t0, k] == 0)


def test_current_keeps_integrating_while_refractory():
    z, _, _, states = run("lif_refrac_ff", drive=1e4, steps=20)
    i = np.array([s.lif.i for s in states])
    assert np.all(np.diff(i[:, 4]) > 0)  # current grows throughout, spikes or not


def test_non_integer_rho_reset_acts_as_its_ceiling():
    p = LIF_P._replace(rho_reset=np.full(N, 2.5))
    s = lif_ff_state()
    zs = []
    for _ in range(40):
        z, s = lif_refrac.lif_refrac_feed_forward_step(np.full(N, 1e4), s, p, DT)
        zs.append(z)
    gaps = np.diff(np.flatnonzero(np.array(zs)[:, 0])) - 1
    assert np.all(gaps == 3)


def test_without_refractoriness_it_is_plain_lif():
    p = LIF_P._replace(rho_reset=0.0)
    s, s_lif = lif_ff_state(), lif.LIFFeedForwardState(np.zeros(N), np.zeros(N))
    rng = np.random.default_rng(0)
    for x in rng.uniform(0, 5, (100, N)):
        z, s = lif_refrac.lif_refrac_feed_forward_step(x, s, p, DT)
        z_lif, s_lif = lif.lif_feed_forward_step(x, s_lif, LIF_P.lif, DT)
        np.testing.assert_array_equal(z, z_lif)
        np.testing.assert_array_equal(s.lif.v, s_lif.v)
        np.testing.assert_array_equal(s.lif.i, s_lif.i)


@pytest.mark.parametrize("module", [lif_refrac, lif_adex_refrac])
def test_compute_refractory_update_hand_computed(module):
    if module is lif_refrac:
        state = lif_refrac.LIFRefracFeedForwardState(
            lif.LIFFeedForwardState(np.array([0.5, 0.5, 0.5, 0.5]), np.zeros(4)),
            np.array([0.0, 0.0, 1.0, 3.0]))
        p = lif_refrac.LIFRefracParameters(rho_reset=4.0)
    else:
        state = lif_adex_refrac.LIFAdExRefracFeedForwardState(
            lif_adex.LIFAdExFeedForwardState(np.array([0.5, 0.5, 0.5, 0.5]), np.zeros(4),
                                             np.zeros(4)),
            np.array([0.0, 0.0, 1.0, 3.0]))
        p = lif_adex_refrac.LIFAdExRefracParameters(rho_reset=4.0)
    z_new = np.array([0.0, 1.0, 1.0, 0.0])
    v_new = np.array([0.7, -0.1, -0.1, 0.9])
    v, z, rho = module.compute_refractory_update(state, z_new, v_new, p)
    np.testing.assert_array_equal(v, [0.7, -0.1, 0.5, 0.5])   # held where rho > 0
    np.testing.assert_array_equal(z, [0.0, 1.0, 0.0, 0.0])    # suppressed where rho > 0
    np.testing.assert_array_equal(rho, [0.0, 4.0, 0.0, 2.0])  # reset on spike, else count down
    with pytest.raises(TypeError, match="state"):
        module.compute_refractory_update(tuple(state), z_new, v_new, p)


def test_adex_adaptation_jumps_only_for_emitted_spikes():
    """Under hard drive the held voltage crosses the threshold while refractory.

    The reference raises the adaptation by ``adaptation_spike`` only at emitted
    spikes; Norse's arithmetic (the compat variant) raises it at every crossing.
    """
    p = ADEX_P
    s = s_c = adex_ff_state()
    b = p.lif_adex.adaptation_spike
    for t in range(30):
        x = np.full(N, 1e4)
        z, s_new = lif_adex_refrac.lif_adex_refrac_feed_forward_step(x, s, p, DT)
        z_c, s_c_new = c_adex_refrac.lif_adex_refrac_feed_forward_step(x, s, p, DT)
        np.testing.assert_array_equal(z, z_c)
        np.testing.assert_array_equal(s_new.lif_adex.v, s_c_new.lif_adex.v)
        a0 = s.lif_adex.a
        euler = a0 + DT * p.lif_adex.tau_ada_inv * (
            p.lif_adex.adaptation_current * (s.lif_adex.v - p.lif_adex.v_leak) - a0)
        refractory = s.rho > 0
        np.testing.assert_allclose(s_new.lif_adex.a, euler + z * b, rtol=1e-12)
        # every step here is a crossing, so Norse adds b on every step
        np.testing.assert_allclose(s_c_new.lif_adex.a, euler + b, rtol=1e-12)
        if t > 0:
            assert np.any(refractory)
        s = s_new


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.parametrize("name", MODELS)
def test_nan_propagates(name):
    step, init, voltage = MODELS[name]
    s = init()
    x = np.full(N, 2.0)
    x[1] = np.nan
    z, s = step(x, s)
    assert np.isnan(voltage(s)[1]) and z[1] == 0
    if name.endswith("_ff"):  # through a weight matrix, 0 * NaN reaches every neuron
        assert np.all(np.isfinite(np.delete(voltage(s), 1)))
    rho_nan = s.rho.copy()
    rho_nan[2] = np.nan
    z, s = step(np.full(N, 2.0), s._replace(rho=rho_nan))
    assert np.isnan(s.rho[2])


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_and_no_mutation(name, dtype):
    step, init, _ = MODELS[name]
    s = init(dtype)
    s = s._replace(rho=np.array([0, 1, 2, 0, 3], dtype))
    x = np.full(N, 1e4, dtype)
    before = copy.deepcopy((x, s, LIF_P, ADEX_P, EYE, ZERO))
    z, s_new = step(x, s)
    assert z.dtype == dtype and s_new.rho.dtype == dtype
    flat = lambda t: [a for a in _leaves(t) if isinstance(a, np.ndarray)]  # noqa: E731
    for a, b in zip(flat(before), flat((x, s, LIF_P, ADEX_P, EYE, ZERO))):
        np.testing.assert_array_equal(a, b)


def _leaves(tree):
    if isinstance(tree, tuple):
        for t in tree:
            yield from _leaves(t)
    else:
        yield tree


def test_bad_arguments_name_the_argument():
    s = lif_ff_state()
    with pytest.raises(TypeError, match="state"):
        lif_refrac.lif_refrac_feed_forward_step(np.ones(N), s.lif, LIF_P, DT)
    with pytest.raises(TypeError, match="p must be"):
        lif_refrac.lif_refrac_feed_forward_step(np.ones(N), s, LIF_P.lif, DT)
    with pytest.raises(ValueError, match=r"p\.rho_reset"):
        lif_refrac.lif_refrac_feed_forward_step(np.ones(N), s, LIF_P._replace(rho_reset=np.ones(2)), DT)
    with pytest.raises(ValueError, match=r"p\.lif\.v_th"):
        lif_refrac.lif_refrac_feed_forward_step(
            np.ones(N), s, LIF_P._replace(lif=LIF_P.lif._replace(v_th=np.ones(3))), DT)
    with pytest.raises(ValueError, match="input_weights"):
        lif_refrac.lif_refrac_step(np.ones(N), lif_rec_state(), np.ones((N, 2)), ZERO, LIF_P, DT)
    with pytest.raises(ValueError, match=r"p\.rho_reset"):
        lif_adex_refrac.lif_adex_refrac_step(
            np.ones(N), adex_rec_state(), EYE, ZERO, ADEX_P._replace(rho_reset=np.ones(2)), DT)
    with pytest.raises(ValueError, match=r"p\.lif_adex\.delta_T"):
        lif_adex_refrac.lif_adex_refrac_feed_forward_step(
            np.ones(N), adex_ff_state(),
            ADEX_P._replace(lif_adex=ADEX_P.lif_adex._replace(delta_T=np.ones(2))), DT)
    with pytest.raises(ValueError, match="dt"):
        lif_adex_refrac.lif_adex_refrac_feed_forward_step(np.ones(N), adex_ff_state(), ADEX_P, 0.0)
