"""IAF, box LI/LIF, LIFEx and AdEx reference steps: equations, inputs, dtypes.

The expected values are computed by hand (plain Python floats and
``math.exp``, following the equations in the module docstrings), not by
calling the reference a second time.
"""

import copy
import math

import numpy as np
import pytest

from refsnn.compat.norse import lif_adex as c_adex
from refsnn.compat.norse import lif_ex as c_lif_ex
from refsnn.functional import iaf, li_box, lif_adex, lif_box, lif_ex
from refsnn.functional.reset import reset_subtract, reset_value

F64 = np.float64
DT = 1e-3


def f64(*values):
    return np.array(values, dtype=F64)


# ------------------------------------------------------------------ IAF
def test_iaf_feed_forward_hand_computed():
    p = iaf.IAFParameters(v_th=1.0, v_reset=-0.5)
    z, s = iaf.iaf_feed_forward_step(f64(0.5, 0.75, 0.5), iaf.IAFFeedForwardState(f64(0.25, 0.5, 0.5)), p)
    np.testing.assert_array_equal(z, f64(0, 1, 0))  # 1.0 is not above the threshold
    np.testing.assert_array_equal(s.v, f64(0.75, -0.5, 1.0))


def test_iaf_ignores_dt():
    s = iaf.IAFFeedForwardState(f64(0.25, 0.5))
    a = iaf.iaf_feed_forward_step(f64(0.5, 0.75), s, dt=1e-3)
    b = iaf.iaf_feed_forward_step(f64(0.5, 0.75), s, dt=7.0)
    np.testing.assert_array_equal(a[1].v, b[1].v)


def test_iaf_recurrent_hand_computed():
    w_in = f64([1.0, 0.5], [0.25, 0.0])
    w_rec = f64([0.0, -0.5], [0.75, 0.0])
    s = iaf.IAFState(z=f64(1, 1), v=f64(0.125, 0.0))
    z, s1 = iaf.iaf_step(f64(1.0, 1.0), s, w_in, w_rec, iaf.IAFParameters(v_reset=0.25))
    # v' = v + W_in x + W_rec z = [0.125 + 1.5 - 0.5, 0 + 0.25 + 0.75]
    np.testing.assert_array_equal(z, f64(1, 0))
    np.testing.assert_array_equal(s1.v, f64(0.25, 1.0))
    np.testing.assert_array_equal(s1.z, z)


# ------------------------------------------------------------------ box models
def test_li_box_hand_computed():
    p = li_box.LIBoxParameters(tau_mem_inv=100.0, v_leak=0.25)
    v_out, s = li_box.li_box_feed_forward_step(f64(2.0), li_box.LIBoxState(f64(0.5)), p, DT)
    expected = 0.5 + DT * 100.0 * ((0.25 - 0.5) + 2.0)
    np.testing.assert_allclose(v_out, [expected], rtol=1e-15)
    np.testing.assert_array_equal(s.v, v_out)


def test_li_box_weighted_hand_computed():
    p = li_box.LIBoxParameters(tau_mem_inv=50.0, v_leak=-0.5)
    w = f64([1.0, 2.0], [0.0, -1.0])
    v, _ = li_box.li_box_step(f64(1.0, 1.0), li_box.LIBoxState(f64(0.0, 0.0)), w, p, DT)
    expected = [DT * 50.0 * (-0.5 + 3.0), DT * 50.0 * (-0.5 - 1.0)]
    np.testing.assert_allclose(v, expected, rtol=1e-15)


def test_li_box_has_no_memory_of_input():
    """A box input acts for one step only: zero input afterwards leaves pure decay."""
    p = li_box.LIBoxParameters(tau_mem_inv=100.0, v_leak=0.0)
    v, s = li_box.li_box_feed_forward_step(f64(10.0), li_box.LIBoxState(f64(0.0)), p, DT)
    v2, _ = li_box.li_box_feed_forward_step(f64(0.0), s, p, DT)
    np.testing.assert_allclose(v2, v * (1 - DT * 100.0), rtol=1e-15)


@pytest.mark.parametrize("reset_method", [reset_value, reset_subtract])
def test_lif_box_hand_computed(reset_method):
    p = lif_box.LIFBoxParameters(tau_mem_inv=100.0, v_leak=0.125, v_th=1.0, v_reset=-0.25,
                                 reset_method=reset_method)
    v0, x = f64(0.5, 0.95), f64(1.0, 6.0)
    z, s = lif_box.lif_box_feed_forward_step(x, lif_box.LIFBoxFeedForwardState(v0), p, DT)
    v1 = [0.5 + 0.1 * (1.0 + 0.125 - 0.5), 0.95 + 0.1 * (6.0 + 0.125 - 0.95)]
    assert v1[0] < 1.0 < v1[1]
    np.testing.assert_array_equal(z, f64(0, 1))
    after = -0.25 if reset_method is reset_value else v1[1] - 1.0
    np.testing.assert_allclose(s.v, [v1[0], after], rtol=1e-14)


def test_lif_box_reset_method_must_be_callable():
    p = lif_box.LIFBoxParameters(reset_method="value")
    with pytest.raises(TypeError, match="p.reset_method"):
        lif_box.lif_box_feed_forward_step(f64(1.0), lif_box.LIFBoxFeedForwardState(f64(0.0)), p)


# ------------------------------------------------------------------ LIFEx / AdEx
def ex_voltage(v, i, delta_T, tau_mem_inv, v_leak, v_th, dt, a=0.0):
    return v + dt * tau_mem_inv * (v_leak - v + delta_T * math.exp((v - v_th) / delta_T) + i - a)


def test_lif_ex_hand_computed():
    p = lif_ex.LIFExParameters(delta_T=0.5, tau_syn_inv=200.0, tau_mem_inv=100.0,
                               v_leak=0.125, v_th=1.0, v_reset=-0.25)
    v, i, x = [0.5, 0.9], [1.0, 8.0], [0.5, 2.0]
    z, s = lif_ex.lif_ex_feed_forward_step(
        f64(*x), lif_ex.LIFExFeedForwardState(f64(*v), f64(*i)), p, DT)
    i_jump = [i[k] + x[k] for k in range(2)]
    v1 = [ex_voltage(v[k], i_jump[k], 0.5, 100.0, 0.125, 1.0, DT) for k in range(2)]
    assert v1[0] < 1.0 < v1[1]
    np.testing.assert_array_equal(z, f64(0, 1))
    np.testing.assert_allclose(s.v, [v1[0], -0.25], rtol=1e-14)
    np.testing.assert_allclose(s.i, [ij * (1 - DT * 200.0) for ij in i_jump], rtol=1e-14)


def test_lif_ex_exponential_term_accelerates():
    """Near the threshold a LIFEx neuron rises faster than the same LIF neuron would."""
    p = lif_ex.LIFExParameters(delta_T=0.25)
    s = lif_ex.LIFExFeedForwardState(f64(0.9), f64(0.0))
    _, s1 = lif_ex.lif_ex_feed_forward_step(f64(0.0), s, p, DT)
    lif_only = 0.9 + DT * 100.0 * (0.0 - 0.9)
    assert s1.v[0] > lif_only


def test_lif_ex_recurrent_hand_computed():
    p = lif_ex.LIFExParameters()
    w_in, w_rec = np.array([[2.0]]), np.array([[0.5]])
    s = lif_ex.LIFExState(z=f64(1.0), v=f64(0.25), i=f64(1.0))
    z, s1 = lif_ex.lif_ex_step(f64(1.0), s, w_in, w_rec, p, DT)
    i_jump = 1.0 + 2.0 + 0.5
    np.testing.assert_allclose(s1.v, [ex_voltage(0.25, i_jump, 0.5, 100.0, 0.0, 1.0, DT)], rtol=1e-14)
    np.testing.assert_allclose(s1.i, [i_jump * (1 - DT * 200.0)], rtol=1e-14)
    np.testing.assert_array_equal(z, f64(0.0))
    np.testing.assert_array_equal(s1.z, z)


def test_lif_ex_current_encoder_hand_computed():
    p = lif_ex.LIFExParameters(v_reset=0.1)
    z, v = lif_ex.lif_ex_current_encoder(f64(0.5, 300.0), f64(0.25, 0.25), p, DT)
    np.testing.assert_array_equal(z, f64(0, 1))
    np.testing.assert_allclose(v[0], ex_voltage(0.25, 0.5, 0.5, 100.0, 0.0, 1.0, DT), rtol=1e-14)
    assert v[1] == 0.1  # exactly v_reset


def adex_hand(v, i, a, x, pp, dt):
    """One AdEx step in plain Python, following the module docstring."""
    i1 = i + x
    v1 = ex_voltage(v, i1, pp["delta_T"], pp["tau_mem_inv"], pp["v_leak"], pp["v_th"], dt, a)
    i2 = i1 - dt * pp["tau_syn_inv"] * i1
    a1 = a + dt * pp["tau_ada_inv"] * (pp["adaptation_current"] * (v - pp["v_leak"]) - a)
    z = 1.0 if v1 > pp["v_th"] else 0.0
    v2 = pp["v_reset"] if z else v1
    return z, v2, i2, a1 + z * pp["adaptation_spike"]


ADEX = dict(adaptation_current=2.0, adaptation_spike=0.5, delta_T=0.5, tau_ada_inv=10.0,
            tau_syn_inv=200.0, tau_mem_inv=100.0, v_leak=-0.125, v_th=1.0, v_reset=-0.25)


def test_lif_adex_hand_computed():
    p = lif_adex.LIFAdExParameters(**ADEX)
    v, i, a, x = [0.5, 0.9], [1.0, 9.0], [0.25, -0.5], [0.5, 2.0]
    z, s = lif_adex.lif_adex_feed_forward_step(
        f64(*x), lif_adex.LIFAdExFeedForwardState(f64(*v), f64(*i), f64(*a)), p, DT)
    expected = [adex_hand(v[k], i[k], a[k], x[k], ADEX, DT) for k in range(2)]
    assert [e[0] for e in expected] == [0.0, 1.0]
    np.testing.assert_array_equal(z, [e[0] for e in expected])
    for field, k in (("v", 1), ("i", 2), ("a", 3)):
        np.testing.assert_allclose(getattr(s, field), [e[k] for e in expected], rtol=1e-14)


def test_lif_adex_recurrent_matches_feed_forward_with_weighted_input():
    p = lif_adex.LIFAdExParameters(**ADEX)
    w_in, w_rec = f64([1.0, 0.5], [0.0, 2.0]), f64([0.0, 0.25], [-0.5, 0.0])
    z0, v, i, a = f64(1.0, 1.0), f64(0.5, 0.2), f64(0.5, 1.0), f64(0.0, 0.125)
    z, s = lif_adex.lif_adex_step(f64(1.0, 1.0), lif_adex.LIFAdExState(z0, v, i, a), w_in, w_rec, p, DT)
    x = w_in @ f64(1.0, 1.0) + w_rec @ z0
    expected = [adex_hand(v[k], i[k], a[k], x[k], ADEX, DT) for k in range(2)]
    np.testing.assert_array_equal(z, [e[0] for e in expected])
    np.testing.assert_allclose(s.v, [e[1] for e in expected], rtol=1e-14)
    np.testing.assert_allclose(s.a, [e[3] for e in expected], rtol=1e-14)


def test_lif_adex_adapts():
    """Under constant drive the adaptation grows and the inter-spike interval lengthens."""
    p = lif_adex.LIFAdExParameters(**ADEX)
    s = lif_adex.LIFAdExFeedForwardState(f64(0.0), f64(0.0), f64(0.0))
    times = []
    for t in range(2000):
        z, s = lif_adex.lif_adex_feed_forward_step(f64(6.0), s, p, DT)
        if z[0]:
            times.append(t)
    isi = np.diff(times)
    assert len(isi) > 4 and isi[-1] > isi[0]


def test_lif_adex_current_encoder_hand_computed():
    p = lif_adex.LIFAdExParameters(**ADEX)
    z, v, a = lif_adex.lif_adex_current_encoder(f64(1.0, 300.0), f64(0.5, 0.5), f64(0.25, 0.25), p, DT)
    e0 = adex_hand(0.5, 0.0, 0.25, 1.0, ADEX, DT)
    e1 = adex_hand(0.5, 0.0, 0.25, 300.0, ADEX, DT)
    np.testing.assert_array_equal(z, [e0[0], e1[0]])
    np.testing.assert_allclose(v, [e0[1], e1[1]], rtol=1e-14)
    np.testing.assert_allclose(a, [e0[3], e1[3]], rtol=1e-14)
    assert v[1] == -0.25


def test_compat_encoders_follow_norse_formulas():
    """The Norse-exact encoders: subtractive reset, adaptation = derivative at v''."""
    pe = lif_ex.LIFExParameters(v_reset=0.1)
    z, v = c_lif_ex.lif_ex_current_encoder(f64(300.0), f64(0.25), pe, DT)
    v1 = ex_voltage(0.25, 300.0, 0.5, 100.0, 0.0, 1.0, DT)
    assert z[0] == 1.0 and v[0] == v1 - (v1 - 0.1)
    p = lif_adex.LIFAdExParameters(**ADEX)
    z, v, a = c_adex.lif_adex_current_encoder(f64(1.0), f64(0.5), f64(0.25), p, DT)
    assert z[0] == 0.0
    np.testing.assert_allclose(a, [10.0 * (2.0 * (v[0] + 0.125) - 0.25)], rtol=1e-14)


# ------------------------------------------------------------------ shared behaviour
def _state_for(name, dtype, n=3, batch=()):
    shape = batch + (n,)

    def arr(v):
        return np.full(shape, v, dtype=dtype)

    return {
        "iaf_ff": iaf.IAFFeedForwardState(arr(0.25)),
        "iaf": iaf.IAFState(arr(0.0), arr(0.25)),
        "li_box_ff": li_box.LIBoxState(arr(0.25)),
        "li_box": li_box.LIBoxState(arr(0.25)),
        "lif_box_ff": lif_box.LIFBoxFeedForwardState(arr(0.25)),
        "lif_ex_ff": lif_ex.LIFExFeedForwardState(arr(0.25), arr(0.5)),
        "lif_ex": lif_ex.LIFExState(arr(0.0), arr(0.25), arr(0.5)),
        "lif_adex_ff": lif_adex.LIFAdExFeedForwardState(arr(0.25), arr(0.5), arr(0.125)),
        "lif_adex": lif_adex.LIFAdExState(arr(0.0), arr(0.25), arr(0.5), arr(0.125)),
    }[name]


# name: (function, parameter type, recurrent?, number of weight matrices)
STEPS = {
    "iaf_ff": (iaf.iaf_feed_forward_step, iaf.IAFParameters, 0),
    "iaf": (iaf.iaf_step, iaf.IAFParameters, 2),
    "li_box_ff": (li_box.li_box_feed_forward_step, li_box.LIBoxParameters, 0),
    "li_box": (li_box.li_box_step, li_box.LIBoxParameters, 1),
    "lif_box_ff": (lif_box.lif_box_feed_forward_step, lif_box.LIFBoxParameters, 0),
    "lif_ex_ff": (lif_ex.lif_ex_feed_forward_step, lif_ex.LIFExParameters, 0),
    "lif_ex": (lif_ex.lif_ex_step, lif_ex.LIFExParameters, 2),
    "lif_adex_ff": (lif_adex.lif_adex_feed_forward_step, lif_adex.LIFAdExParameters, 0),
    "lif_adex": (lif_adex.lif_adex_step, lif_adex.LIFAdExParameters, 2),
}


def _call(name, x, state, p, dt=DT, weights=None):
    fn, _, n_weights = STEPS[name]
    n = np.shape(state[-1])[-1]
    if weights is None:
        weights = [np.full((n, np.shape(x)[-1]), 0.5, dtype=np.asarray(x).dtype),
                   np.full((n, n), 0.25, dtype=np.asarray(x).dtype)][:n_weights]
    return fn(x, state, *weights, p, dt)


def _per_neuron_params(name, dtype):
    ptype = STEPS[name][1]
    values = {"v_th": f64(0.5, 1.0, 2.0), "v_reset": f64(-0.25, 0.0, 0.1),
              "v_leak": f64(-0.1, 0.0, 0.2), "tau_mem_inv": f64(50.0, 100.0, 200.0),
              "tau_syn_inv": f64(100.0, 200.0, 300.0), "delta_T": f64(0.25, 0.5, 1.0),
              "adaptation_current": f64(1.0, 2.0, 4.0)}
    return ptype(**{k: v.astype(dtype) for k, v in values.items() if k in ptype._fields})


@pytest.mark.parametrize("name", STEPS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_dtype_follows_state(name, dtype):
    state = _state_for(name, dtype)
    x = np.full(3, 2.0, dtype=np.float64)  # inputs are cast to the state's dtype
    out, new = _call(name, x, state, _per_neuron_params(name, np.float64))
    assert out.dtype == dtype
    assert all(np.asarray(a).dtype == dtype for a in new)


FEED_FORWARD = [name for name in STEPS if name.endswith("_ff")]
RECURRENT = {"iaf": "iaf_ff", "lif_ex": "lif_ex_ff", "lif_adex": "lif_adex_ff"}


@pytest.mark.parametrize("name", FEED_FORWARD + ["li_box"])
def test_per_neuron_parameters_equal_separate_runs(name):
    state = _state_for(name, F64)
    p = _per_neuron_params(name, F64)
    x = f64(30.0, 20.0, 1.5)
    w = np.arange(9.0).reshape(3, 3) / 8
    weights = [w] if name == "li_box" else None
    out, new = _call(name, x, state, p, weights=weights)
    assert len(np.unique(out)) > 1 or name.startswith("li_box")
    for k in range(3):
        pk = type(p)(*(v[k] if isinstance(v, np.ndarray) else v for v in p))
        sk = type(state)(*(a[k:k + 1] for a in state))
        if name == "li_box":
            out_k, new_k = _call(name, x, sk, pk, weights=[w[k:k + 1]])
        else:
            out_k, new_k = _call(name, x[k:k + 1], sk, pk)
        np.testing.assert_array_equal(out_k, out[k:k + 1])
        for a, b in zip(new_k, new):
            np.testing.assert_array_equal(a, b[k:k + 1])


@pytest.mark.parametrize("name", RECURRENT)
def test_recurrent_step_is_feed_forward_step_of_weighted_input(name):
    """With dyadic numbers (exact sums) the recurrent step is the feed-forward one."""
    state = _state_for(name, F64)._replace(z=f64(1.0, 0.0, 1.0))
    p = _per_neuron_params(name, F64)
    x = f64(1.0, 1.0, 0.0, 1.0)
    w_in = np.arange(12.0).reshape(3, 4) / 4
    w_rec = -np.arange(9.0).reshape(3, 3) / 16
    out, new = _call(name, x, state, p, weights=[w_in, w_rec])
    ff_state = type(_state_for(RECURRENT[name], F64))(*state[1:])
    if name == "iaf":  # IAF has no current: the weighted input jumps the voltage
        ff_state = ff_state._replace(v=state.v + w_in @ x)
        out_ff, new_ff = _call("iaf_ff", w_rec @ state.z, ff_state, p)
    else:
        ff_state = ff_state._replace(i=state.i + w_in @ x)
        out_ff, new_ff = _call(RECURRENT[name], w_rec @ state.z, ff_state, p)
    np.testing.assert_array_equal(out, out_ff)
    np.testing.assert_array_equal(new.z, out)
    for a, b in zip(new[1:], new_ff):
        np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("name", STEPS)
def test_batch_dimension_and_broadcast_parameters(name):
    state = _state_for(name, F64, batch=(4,))
    x = np.linspace(0.0, 3.0, 12).reshape(4, 3)
    out, new = _call(name, x, state, _per_neuron_params(name, F64))
    assert out.shape == (4, 3)
    for b in range(4):
        out_b, _ = _call(name, x[b], _state_for(name, F64), _per_neuron_params(name, F64))
        np.testing.assert_array_equal(out[b], out_b)


@pytest.mark.parametrize("name", STEPS)
def test_inputs_are_not_mutated(name):
    state = _state_for(name, np.float32, batch=(2,))
    p = _per_neuron_params(name, np.float32)
    x = np.full((2, 3), 5.0, dtype=np.float32)
    n_weights = STEPS[name][2]
    weights = [np.full((3, 3), 0.5, np.float32), np.full((3, 3), 0.25, np.float32)][:n_weights]
    before = copy.deepcopy((x, state, p, weights))
    _call(name, x, state, p, weights=weights)
    for a, b in zip(_flat(before), _flat((x, state, p, weights))):
        np.testing.assert_array_equal(a, b)


def _flat(tree):
    if isinstance(tree, (tuple, list)):
        for t in tree:
            yield from _flat(t)
    elif isinstance(tree, np.ndarray):
        yield tree


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.parametrize("name", STEPS)
def test_nan_propagates(name):
    state = _state_for(name, F64)._replace(v=f64(np.nan, 0.25, 0.25))
    x = f64(0.5, np.nan, 0.5)
    out, new = _call(name, x, state, _per_neuron_params(name, F64))
    assert np.isnan(new.v[0])
    if name in FEED_FORWARD:
        assert np.isnan(new.v[1]) and np.isfinite(new.v[2])
    else:  # the NaN input reaches every neuron through the weights
        assert np.all(np.isnan(new.v))
    if not name.startswith("li_box"):
        assert out[0] == 0  # NaN never crosses the threshold


@pytest.mark.parametrize("name", STEPS)
def test_bad_arguments(name):
    state = _state_for(name, F64)
    p = _per_neuron_params(name, F64)
    x = f64(1.0, 1.0, 1.0)
    fn, ptype, n_weights = STEPS[name]
    with pytest.raises(TypeError, match="state"):
        _call(name, x, tuple(state), p)
    with pytest.raises(TypeError, match="p must be"):
        _call(name, x, state, dict(p._asdict()))
    with pytest.raises(ValueError, match="dt"):
        _call(name, x, state, p, dt=0.0)
    with pytest.raises(ValueError, match="dt"):
        _call(name, x, state, p, dt=float("nan"))
    with pytest.raises(TypeError, match="input_tensor|input_spikes"):
        _call(name, np.array([1, 2, 3]), state, p)
    with pytest.raises(TypeError, match="state"):
        _call(name, x, type(state)(*(a.astype(np.int64) for a in state)), p)
    bad_p = p._replace(v_th=f64(1.0, 1.0)) if "v_th" in ptype._fields \
        else p._replace(v_leak=f64(1.0, 1.0))
    with pytest.raises(ValueError, match=r"p\.v_(th|leak)"):
        _call(name, x, state, bad_p)
    if n_weights:
        with pytest.raises(ValueError, match="input_weights"):
            _call(name, x, state, p, weights=[np.ones((3, 4)), np.ones((3, 3))][:n_weights])
    if n_weights == 2:
        with pytest.raises(ValueError, match="recurrent_weights"):
            _call(name, x, state, p, weights=[np.ones((3, 3)), np.ones((3, 2))])
    if n_weights == 0:
        with pytest.raises(ValueError, match="shapes do not broadcast"):
            _call(name, f64(1.0, 1.0), state, p)


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.parametrize("encoder", ["lif_ex", "lif_adex", "compat_lif_ex", "compat_lif_adex"])
def test_encoders_bad_input_nan_and_no_mutation(encoder):
    fn = {"lif_ex": lif_ex.lif_ex_current_encoder, "lif_adex": lif_adex.lif_adex_current_encoder,
          "compat_lif_ex": c_lif_ex.lif_ex_current_encoder,
          "compat_lif_adex": c_adex.lif_adex_current_encoder}[encoder]
    p = lif_adex.LIFAdExParameters() if "adex" in encoder else lif_ex.LIFExParameters()
    extra = [f64(0.1, 0.2, 0.3)] if "adex" in encoder else []
    x, v = f64(np.nan, 0.5, 300.0), f64(0.25, np.nan, 0.25)
    before = copy.deepcopy((x, v, extra))
    z, v_new, *rest = fn(x, v, *extra, p, DT)
    np.testing.assert_array_equal(z, f64(0, 0, 1))
    assert np.isnan(v_new[0]) and np.isnan(v_new[1]) and np.isfinite(v_new[2])
    for a, b in zip(_flat(before), _flat((x, v, extra))):
        np.testing.assert_array_equal(a, b)
    assert z.dtype == F64 and v_new.dtype == F64
    z32, v32, *_ = fn(x.astype(np.float32), v.astype(np.float32),
                      *(e.astype(np.float32) for e in extra), p, DT)
    assert v32.dtype == np.float32
    with pytest.raises(TypeError, match="input_current"):
        fn(np.array([1, 2, 3]), v, *extra, p, DT)
    with pytest.raises(ValueError, match="p.v_th"):
        fn(x, v, *extra, p._replace(v_th=f64(1.0, 1.0)), DT)
    with pytest.raises(ValueError, match="dt"):
        fn(x, v, *extra, p, -1.0)


def test_default_parameters_match_norse_values():
    assert iaf.IAFParameters() == (1.0, 0.0)
    assert li_box.LIBoxParameters() == (100.0, 0.0)
    assert lif_box.LIFBoxParameters() == (100.0, 0.0, 1.0, 0.0, reset_value)
    assert lif_ex.LIFExParameters() == (0.5, 200.0, 100.0, 0.0, 1.0, 0.0)
    assert lif_adex.LIFAdExParameters() == (4.0, 0.02, 0.5, 2.0, 200.0, 100.0, 0.0, 1.0, 0.0)
    assert isinstance(lif_adex.LIFAdExParameters().adaptation_current, float)


def test_feed_forward_default_states_run_in_float32():
    z, s = lif_ex.lif_ex_feed_forward_step(np.ones(3, np.float32) * 100)
    assert z.dtype == np.float32 and s.v.shape == (3,)
    z, s = lif_adex.lif_adex_feed_forward_step(np.ones(3, np.float32) * 100)
    assert z.dtype == np.float32 and s.a.shape == (3,)
