"""refsnn's ``adex`` family (refsnn/functional/adex.py): AdEx with a separate spike cut.

The shared suites (backend agreement, convergence, family docs, CLI, fuzz)
cover it with every other family; here: what sets it apart from
``lif_adex``, its handling of an overflowing upswing, and its validation.
"""

from __future__ import annotations

import numpy as np
import pytest

import refsnn
from refsnn.functional import adex, lif_adex
from refsnn.models import MODELS

RNG_SEED = 12


def _random_case(dtype, rng, n=16):
    """Per-neuron parameters around the defaults and a state that straddles v_th."""
    def around(value):
        return (value * rng.uniform(0.8, 1.2, n)).astype(dtype)

    p = lif_adex.LIFAdExParameters(*(around(v) for v in lif_adex.LIFAdExParameters()))
    p = p._replace(v_leak=rng.uniform(-0.1, 0.1, n).astype(dtype),
                   v_reset=rng.uniform(-0.1, 1.5, n).astype(dtype))
    v = rng.uniform(-0.2, 1.6, n).astype(dtype)
    i = rng.uniform(-1, 2, n).astype(dtype)
    a = rng.uniform(0, 0.5, n).astype(dtype)
    x = rng.uniform(0, 1, (40, n)).astype(dtype)
    return p, v, i, a, x


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_with_the_cut_at_v_th_it_computes_lif_adex(dtype):
    """v_peak = v_th: the same spikes and states as Norse's model, step after step."""
    rng = np.random.default_rng(RNG_SEED)
    p, v, i, a, x = _random_case(dtype, rng)
    q = adex.AdExParameters(**p._asdict(), v_peak=p.v_th)
    s = adex.AdExFeedForwardState(v, i, a)
    r = lif_adex.LIFAdExFeedForwardState(v, i, a)
    fired = 0
    for x_t in x:
        z, s = adex.adex_feed_forward_step(x_t, s, q, 1e-3)
        z_ref, r = lif_adex.lif_adex_feed_forward_step(x_t, r, p, 1e-3)
        np.testing.assert_array_equal(z, z_ref)
        for got, want in zip(s, r):
            np.testing.assert_array_equal(got, want)
        fired += int(z.sum())
    assert fired > 20


def test_the_recurrent_step_with_the_cut_at_v_th_is_lif_adex_step():
    rng = np.random.default_rng(RNG_SEED + 1)
    p, v, i, a, _ = _random_case(np.float64, rng, n=6)
    z0 = (rng.uniform(size=(2, 6)) < 0.5).astype(np.float64)
    w_in, w_rec = rng.normal(size=(6, 3)), rng.normal(size=(6, 6))
    x = (rng.uniform(size=(2, 3)) < 0.5).astype(np.float64)
    z, s = adex.adex_step(x, adex.AdExState(z0, v, i, a), w_in, w_rec,
                          adex.AdExParameters(**p._asdict(), v_peak=p.v_th))
    z_ref, r = lif_adex.lif_adex_step(x, lif_adex.LIFAdExState(z0, v, i, a), w_in, w_rec, p)
    np.testing.assert_array_equal(z, z_ref)
    for got, want in zip(s, r):
        np.testing.assert_array_equal(got, want)


def test_a_spike_needs_the_cut_not_the_threshold():
    """Between v_th and v_peak the voltage integrates on; past v_peak it resets and a jumps."""
    p = adex.AdExParameters()                         # v_th = 1, v_peak = 3.5
    s = adex.AdExFeedForwardState(v=np.array([1.6, 3.4]), i=np.zeros(2), a=np.zeros(2))
    z, new = adex.adex_feed_forward_step(np.zeros(2), s, p)
    v_euler = s.v + 1e-3 * p.tau_mem_inv * ((p.v_leak - s.v)
                                            + p.delta_T * np.exp((s.v - p.v_th) / p.delta_T))
    assert v_euler[0] > s.v[0] and v_euler[1] > p.v_peak
    np.testing.assert_array_equal(z, [0.0, 1.0])
    np.testing.assert_allclose(new.v, [v_euler[0], p.v_reset], rtol=1e-6)
    a_euler = 1e-3 * p.tau_ada_inv * p.adaptation_current * (s.v - p.v_leak)
    np.testing.assert_allclose(new.a, a_euler + [0.0, p.adaptation_spike], rtol=1e-6)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_an_upswing_that_overflows_is_a_spike_not_a_nan(dtype):
    """v' = +inf (a steep exponential) resets to v_reset; a NaN voltage stays NaN.

    lif_adex's blend (1 - z) v' + z v_reset gives 0 * inf = NaN on the same step.
    """
    shared = dict(delta_T=1e-4, v_reset=0.25)         # e^((1.15 - 1) / 1e-4) overflows
    v = np.array([1.15, 0.5, np.nan], dtype)
    zeros = np.zeros(3, dtype)
    with np.errstate(over="ignore", invalid="ignore"), refsnn.options(nonfinite="ignore"):
        z, new = adex.adex_feed_forward_step(
            zeros, adex.AdExFeedForwardState(v, zeros, zeros),
            adex.AdExParameters(**shared, v_peak=1.2))
        z_norse, norse = lif_adex.lif_adex_feed_forward_step(
            zeros, lif_adex.LIFAdExFeedForwardState(v, zeros, zeros),
            lif_adex.LIFAdExParameters(**shared))
    np.testing.assert_array_equal(z, [1.0, 0.0, 0.0])
    assert new.v[0] == dtype(0.25) and np.isfinite(new.v[1]) and np.isnan(new.v[2])
    assert new.v.dtype == dtype
    assert z_norse[0] == 1 and np.isnan(norse.v[0])


def test_the_initial_state_is_rest():
    p = adex.AdExParameters(v_leak=0.2)
    ff = MODELS["adex"].initial_state(p, (2,), np.dtype(np.float32), False)
    rec = MODELS["adex"].initial_state(p, (2,), np.dtype(np.float32), True)
    assert type(ff) is adex.AdExFeedForwardState and type(rec) is adex.AdExState
    np.testing.assert_array_equal(ff.v, np.float32([0.2, 0.2]))
    for zero in (ff.i, ff.a, rec.z, rec.i, rec.a):
        np.testing.assert_array_equal(zero, [0.0, 0.0])


def test_simulate_fires_with_the_default_drive_after_an_upswing_past_v_th():
    x = np.full((300, 2), 0.5, np.float32)
    spikes, states = refsnn.simulate("adex", x, backend="numpy", record_states=("v",))
    assert spikes.sum() >= 4 and np.all(spikes[:, 0] == spikes[:, 1])
    before = np.flatnonzero(spikes[:, 0]) - 1
    assert np.all(states.v[before, 0] > 1.0)          # past v_th before every spike


@pytest.mark.parametrize("call, error, name", [
    (lambda: adex.adex_feed_forward_step(np.zeros(2), lif_adex.LIFAdExFeedForwardState(
        np.zeros(2), np.zeros(2), np.zeros(2))), TypeError, "state"),
    (lambda: adex.adex_feed_forward_step(np.zeros(2), p=lif_adex.LIFAdExParameters()),
     TypeError, "p"),
    (lambda: adex.adex_feed_forward_step(np.zeros(2), p=adex.AdExParameters(delta_T=0.0)),
     ValueError, "p.delta_T"),
    (lambda: adex.adex_feed_forward_step(np.zeros(2), p=adex.AdExParameters(v_peak=np.nan)),
     ValueError, "p.v_peak"),
    (lambda: adex.adex_feed_forward_step(np.zeros(2), p=adex.AdExParameters(
        v_peak=np.zeros(3))), ValueError, "p.v_peak"),
    (lambda: adex.adex_step(np.zeros(3), adex.AdExState(*(np.zeros(2),) * 4), np.zeros((2, 4)),
                            np.zeros((2, 2))), ValueError, "input_weights"),
    (lambda: adex.adex_feed_forward_step(np.zeros(2), dt=0.0), ValueError, "dt"),
])
def test_bad_arguments_are_named(call, error, name):
    with pytest.raises(error, match=name.replace(".", r"\.")):
        call()


def test_inputs_are_not_modified():
    x = np.ones(3)
    s = adex.AdExFeedForwardState(np.full(3, 3.4), np.ones(3), np.zeros(3))
    copies = [np.copy(a) for a in (x, *s)]
    adex.adex_feed_forward_step(x, s, adex.AdExParameters())
    for original, copy in zip((x, *s), copies):
        np.testing.assert_array_equal(original, copy)


def test_norse_parity_covers_every_family_or_says_why_not():
    """Each family's step functions are parity rows, or the family is excluded with a reason."""
    from validation.norse_parity import SPECS, WITHOUT_NORSE

    compared = {spec.function.split("[")[0] for spec in SPECS}
    for name, model in MODELS.items():
        steps = {f.__name__ for f in (model.feed_forward_step, model.recurrent_step) if f}
        if name in WITHOUT_NORSE:
            assert not steps & compared and WITHOUT_NORSE[name], name
        else:
            assert steps <= compared, f"{name}: no parity row for {steps - compared}"
    assert set(WITHOUT_NORSE) == {"adex"}


@pytest.mark.long
@pytest.mark.parametrize("backend", ["numba", "cuda-host",
                                     pytest.param("cuda", marks=pytest.mark.gpu)])
def test_the_overflowing_upswing_is_the_same_on_every_backend(backend):
    if backend not in refsnn.backends.available():
        pytest.skip(f"{backend} is not available")
    p = adex.AdExParameters(delta_T=np.array([1e-3, 0.5, 2.0]), v_peak=1.2, v_reset=1.1)
    x = np.full((50, 3), 0.5)
    for dtype in (np.float32, np.float64):
        with np.errstate(over="ignore"):
            want, want_s = refsnn.simulate("adex", x.astype(dtype), p=p, backend="numpy",
                                           record_states=True)
            got, got_s = refsnn.simulate("adex", x.astype(dtype), p=p, backend=backend,
                                         record_states=True)
        np.testing.assert_array_equal(got, want)
        for g, w in zip(got_s, want_s):
            np.testing.assert_array_equal(g, w)
        assert want.sum() > 10 and np.isfinite(want_s.v).all()
