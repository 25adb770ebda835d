"""Logic gates, sign, regularisation, lift, exponential filter and decoders.

Expected values are written out by hand or derived from Python's own
Boolean operators and plain loops, never by calling the function under test
a second time. Norse comparisons live in tests/test_parity_misc.py.
"""

import itertools
import math
import pickle

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from refsnn.functional import lif
from refsnn.functional.decode import ToSpikeTimes, sum_decode, to_spike_times
from refsnn.functional.filter import exp_filter_step
from refsnn.functional.lift import lift
from refsnn.functional.logical import (
    logical_and,
    logical_or,
    logical_xor,
    muller_c,
    posedge_detector,
)
from refsnn.functional.regularization import (
    regularize_step,
    spike_accumulator,
    voltage_accumulator,
)
from refsnn.functional.threshold import heaviside, sign

F32, F64 = np.float32, np.float64
NAN, INF = math.nan, math.inf
BITS = (0, 1)


def same(a, b):
    """Strict equality: dtype, shape, values (NaN == NaN) and sign of zero."""
    a, b = np.asarray(a), np.asarray(b)
    assert a.dtype == b.dtype, (a.dtype, b.dtype)
    np.testing.assert_array_equal(a, b, strict=True)
    if a.dtype.kind == "f":
        ok = np.isnan(a) | (np.signbit(a) == np.signbit(b))
        assert ok.all(), "signs of zero differ"


# ------------------------------------------------------------------ logic gates
@pytest.mark.parametrize("dtype", [F32, F64, np.int64])
def test_gates_truth_tables(dtype):
    pairs = list(itertools.product(BITS, BITS))
    x = np.array([a for a, _ in pairs], dtype)
    y = np.array([b for _, b in pairs], dtype)
    same(logical_and(x, y), np.array([a and b for a, b in pairs], dtype))
    same(logical_or(x, y), np.array([a or b for a, b in pairs], dtype))
    same(logical_xor(x, y), np.array([a ^ b for a, b in pairs], dtype))
    # posedge(z, z_prev): z_prev = 0 and z = 1
    same(posedge_detector(x, y), np.array([int(a == 1 and b == 0) for a, b in pairs], dtype))


def test_muller_c_truth_table():
    rows = list(itertools.product(BITS, BITS, BITS))  # (y_prev, x_1, x_2)
    y_prev, x_1, x_2 = (np.array(col, F32) for col in zip(*rows))
    # both on -> 1, both off -> 0, otherwise hold the previous output
    expected = [1 if a and b else 0 if not (a or b) else y for y, a, b in rows]
    same(muller_c(y_prev, x_1, x_2), np.array(expected, F32))


def test_muller_c_holds_state_over_time():
    x_1 = [1, 1, 0, 0, 1, 0]
    x_2 = [0, 1, 1, 0, 0, 1]
    y, out = np.zeros(1, F32), []
    for a, b in zip(x_1, x_2):
        y = muller_c(y, np.array([a], F32), np.array([b], F32))
        out.append(int(y[0]))
    assert out == [0, 1, 1, 0, 0, 0]


@given(hnp.arrays(np.int8, st.integers(0, 30), elements=st.sampled_from(BITS)),
       st.data(), st.sampled_from([F32, F64]))
def test_gates_match_python_booleans(x, data, dtype):
    y = data.draw(hnp.arrays(np.int8, x.shape, elements=st.sampled_from(BITS)))
    prev = data.draw(hnp.arrays(np.int8, x.shape, elements=st.sampled_from(BITS)))
    xs, ys, ps = x.astype(dtype), y.astype(dtype), prev.astype(dtype)
    b = list(zip(map(bool, x), map(bool, y), map(bool, prev)))
    same(logical_and(xs, ys), np.array([p and q for p, q, _ in b], dtype))
    same(logical_or(xs, ys), np.array([p or q for p, q, _ in b], dtype))
    same(logical_xor(xs, ys), np.array([p != q for p, q, _ in b], dtype))
    same(posedge_detector(xs, ys), np.array([p and not q for p, q, _ in b], dtype))
    same(muller_c(ps, xs, ys),
         np.array([(p and q) or (r and (p or q)) for p, q, r in b], dtype))


def test_gates_on_non_bits_follow_the_formulas():
    x = np.array([NAN, NAN, 0.5, 2.0, -1.0, -0.0], F32)
    y = np.array([0.0, 1.0, 0.5, 1.0, 1.0, 0.0], F32)
    same(logical_and(x, y), np.array([NAN, NAN, 0.25, 2.0, -1.0, -0.0], F32))
    same(logical_or(x, y), np.array([0, 0, 1, 1, 0, 0], F32))  # H(NaN) = 0, H(0) = 0
    same(logical_xor(x, y), np.array([NAN, NAN, 0.0, 1.0, 2.0, 0.0], F32))
    same(posedge_detector(x, y), np.array([NAN, NAN, 0.25, 0.0, -0.0, -0.0], F32))
    same(muller_c(np.array([1.0], F32), np.array([NAN], F32), np.array([0.0], F32)),
         np.array([0.0], F32))


def test_gates_dtypes_and_broadcasting():
    b = np.array([True, False])
    same(logical_and(b, b), np.array([1, 0], F32))  # bool counts as float32 spikes
    same(logical_xor(b, ~b), np.array([1, 1], F32))
    same(logical_and(np.array([1], F32), np.array([1], F64)), np.array([1], F64))
    same(logical_or([1, 0], [0, 0]), np.array([1, 0]))  # Python ints stay integers
    same(posedge_detector(np.array([1, 1], F32), 0), np.array([1, 1], F32))  # weak Python 0
    same(exp_filter_step(np.array([1.0], F32), 1, 0.5), np.array([1.5], F32))
    out = logical_and(np.ones((3, 1), F32), np.array([1, 0], F32))
    same(out, np.array([[1, 0]] * 3, F32))


def test_gates_bad_input():
    with pytest.raises(ValueError, match=r"x and y shapes do not broadcast.*\(3,\).*\(4,\)"):
        logical_and(np.zeros(3), np.zeros(4))
    with pytest.raises(ValueError, match="y_prev and x_1 and x_2"):
        muller_c(np.zeros(2), np.zeros(3), np.zeros(2))
    with pytest.raises(TypeError, match="z_prev must hold real numbers.*complex"):
        posedge_detector(np.zeros(2), np.zeros(2, complex))
    with pytest.raises(TypeError, match="x must hold real numbers"):
        logical_or(["a", "b"], [0, 1])


# ------------------------------------------------------------------ sign
def test_sign_values():
    x = np.array([0.0, -0.0, 1e-45, -1e-45, 3.0, -3.0, NAN, INF, -INF], F32)
    same(sign(x), np.array([-1, -1, 1, -1, 1, -1, -1, 1, -1], F32))
    same(sign(x.astype(F64)), np.array([-1, -1, 1, -1, 1, -1, -1, 1, -1], F64))
    same(sign(np.array([0, 2, -2], np.int32)), np.array([-1, 1, -1], np.int32))
    same(sign([True, False]), np.array([1, -1], np.int64))
    same(heaviside(x), np.array([0, 0, 1, 0, 1, 0, 0, 1, 0], F32))  # unchanged


def test_sign_bad_input():
    with pytest.raises(TypeError, match="x must hold floats.*uint8"):
        sign(np.array([1], np.uint8))
    with pytest.raises(TypeError, match="x must hold floats"):
        sign(np.array([1j]))


# ------------------------------------------------------------------ regularisation
def test_spike_accumulator_counts():
    z = np.array([[1, 0, 1], [1, 1, 0]], F32)
    r = spike_accumulator(z, None)
    same(r, np.asarray(F32(4)))
    r = spike_accumulator(z, None, r)
    same(r, np.asarray(F32(8)))
    same(spike_accumulator(z.astype(bool), None), np.asarray(np.int64(4)))
    same(spike_accumulator(z, None, 10), np.asarray(F32(14)))  # Python number is weak
    same(spike_accumulator(z, None, np.array([1.0, 2.0])), np.array([5.0, 6.0]))


def test_voltage_accumulator_sums_and_turns_minus_zero_positive():
    s = lif.LIFFeedForwardState(v=np.array([-0.0, 1.5, -2.0], F32), i=np.zeros(3, F32))
    r = voltage_accumulator(None, s)
    same(r, np.array([0.0, 1.5, -2.0], F32))
    r = voltage_accumulator(None, s, r)
    same(r, np.array([0.0, 3.0, -4.0], F32))


def test_regularize_step_defaults_and_custom_accumulator():
    z = np.array([1.0, 0.0, 1.0], F32)
    s = lif.LIFFeedForwardState(v=np.array([0.25, 0.5, 0.0], F32), i=np.zeros(3, F32))
    z_out, r = regularize_step(z, s)
    same(z_out, z)
    same(r, np.asarray(F32(2)))
    z_out, r = regularize_step(z, s, voltage_accumulator, np.ones(3, F32))
    same(r, np.array([1.25, 1.5, 1.0], F32))
    seen = []
    z_out, r = regularize_step(z, s, lambda zz, ss, st_: seen.append(st_) or "new", "old")
    assert r == "new" and seen == ["old"]


def test_regularisation_does_not_mutate():
    z = np.array([1.0, 0.0, 1.0], F32)
    v = np.array([0.5, -0.0, 2.0], F32)
    s = lif.LIFFeedForwardState(v=v, i=np.zeros(3, F32))
    state = np.array([1.0, 1.0, 1.0], F32)
    copies = [a.copy() for a in (z, v, state)]
    r = voltage_accumulator(z, s, state)
    assert r is not state
    r2 = spike_accumulator(z, s, np.asarray(F32(3)))
    z_out, _ = regularize_step(z, s, voltage_accumulator, state)
    z_out[:] = 7.0
    r[:] = 7.0
    r2[()] = 7.0
    for a, b in zip((z, v, state), copies):
        same(a, b)


def test_regularisation_bad_input():
    s = lif.LIFFeedForwardState(v=np.zeros(3, F32), i=np.zeros(3, F32))
    with pytest.raises(ValueError, match=r"state and s.v shapes do not broadcast.*\(4,\).*\(3,\)"):
        voltage_accumulator(None, s, np.zeros(4, F32))
    with pytest.raises(TypeError, match="s must be a neuron state with a voltage field v"):
        voltage_accumulator(None, (1, 2))
    with pytest.raises(TypeError, match="accumulator must be callable"):
        regularize_step(np.zeros(3), s, accumulator=3)
    with pytest.raises(TypeError, match="z must hold real numbers"):
        spike_accumulator(np.array(["a"]), s)
    with pytest.raises(TypeError, match="state must hold real numbers"):
        spike_accumulator(np.zeros(3), s, "zero")


# ------------------------------------------------------------------ lift
def _counter_step(x, state=None, p=1.0):
    """Toy step: the state counts steps; the output is p * x + state."""
    state = 0.0 if state is None else state
    return p * x + state, state + 1.0


def test_lift_runs_the_step_over_axis_0():
    xs = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out, state = lift(_counter_step)(xs)  # no state: the first call omits it
    np.testing.assert_array_equal(out, [[1, 2], [4, 5], [7, 8]])
    assert state == 3.0
    out, state = lift(_counter_step, p=2.0)(xs, state=10.0)
    np.testing.assert_array_equal(out, [[12, 14], [17, 19], [22, 24]])
    assert state == 13.0
    out, _ = lift(_counter_step, p=2.0)(xs, p=-1.0)  # the call's p wins
    np.testing.assert_array_equal(out, [[-1, -2], [-2, -3], [-3, -4]])


@given(st.integers(1, 12), st.integers(1, 4), st.sampled_from([F32, F64]),
       st.integers(0, 2**32 - 1))
def test_lift_equals_a_manual_loop(steps, neurons, dtype, seed):
    rng = np.random.default_rng(seed)
    xs = rng.uniform(0, 3, (steps, 2, neurons)).astype(dtype)
    s0 = lif.LIFFeedForwardState(np.zeros((2, neurons), dtype), np.zeros((2, neurons), dtype))
    p = lif.LIFParameters(v_th=np.asarray(0.5, dtype))
    zs, s = [], s0
    for x in xs:
        z, s = lif.lif_feed_forward_step(x, s, p, 1e-3)
        zs.append(z)
    out, s_lift = lift(lif.lif_feed_forward_step, p)(xs, state=s0, dt=1e-3)
    same(out, np.stack(zs))
    same(s_lift.v, s.v)
    same(s_lift.i, s.i)


def test_lift_does_not_mutate_and_pickles():
    xs = np.ones((4, 2, 3), F32)
    s0 = lif.LIFFeedForwardState(np.zeros((2, 3), F32), np.zeros((2, 3), F32))
    before = (xs.copy(), s0.v.copy(), s0.i.copy())
    lifted = pickle.loads(pickle.dumps(lift(lif.lif_feed_forward_step)))
    out, s = lifted(xs, state=s0)
    assert out.shape == (4, 2, 3) and s.v.shape == (2, 3)
    for a, b in zip((xs, s0.v, s0.i), before):
        same(a, b)


def test_lift_bad_input():
    with pytest.raises(TypeError, match="activation must be a callable"):
        lift(3)
    lifted = lift(_counter_step)
    with pytest.raises(ValueError, match=r"input_tensor must have a time axis.*\(0, 2\)"):
        lifted(np.zeros((0, 2)))
    with pytest.raises(ValueError, match=r"input_tensor must have a time axis.*\(\)"):
        lifted(np.float32(1.0))
    with pytest.raises(TypeError):  # LIF needs a state: as in Norse, the step itself complains
        lift(lif.lif_feed_forward_step)(np.ones((2, 3), F32))


# ------------------------------------------------------------------ exponential filter
def test_exp_filter_hand_computed():
    same(exp_filter_step(np.array([2.0, -1.0], F32), np.array([1.0, 0.5], F32), 0.5),
         np.array([2.0, 0.0], F32))
    # float32 arithmetic: 0.1 is rounded to float32 before the product
    same(exp_filter_step(np.array([1.0], F32), np.array([0.0], F32), 0.1),
         np.array([F32(0.1)], F32))
    same(exp_filter_step(np.array([1]), np.array([0]), 0.1), np.array([F32(0.1)], F32))
    same(exp_filter_step(np.array([-0.0], F64), np.array([-0.0], F64), 0.5), np.array([-0.0], F64))
    same(exp_filter_step(np.array([1.0, 1.0], F64), 0.0, np.array([0.5, 0.25])),
         np.array([0.5, 0.25], F64))


def test_exp_filter_pulse_decays_geometrically():
    alpha = 0.75  # exact in binary: the powers are exact too
    s = exp_filter_step(np.zeros(1, F64), np.ones(1, F64), alpha)
    for n in range(1, 8):
        s = exp_filter_step(s, np.zeros(1, F64), alpha)
        assert s[0] == alpha**n


def test_exp_filter_does_not_mutate():
    old, new, par = np.ones(3, F32), np.full(3, 2.0, F32), np.full(3, 0.5)
    before = [a.copy() for a in (old, new, par)]
    out = exp_filter_step(old, new, par)
    out[:] = 0
    for a, b in zip((old, new, par), before):
        same(a, b)


def test_exp_filter_bad_input():
    with pytest.raises(ValueError, match="old_value and new_value shapes do not broadcast"):
        exp_filter_step(np.zeros(3), np.zeros(2), 0.5)
    with pytest.raises(ValueError, match=r"parameter has shape \(2,\).*\(3,\)"):
        exp_filter_step(np.zeros(3), np.zeros(3), np.array([0.5, 0.5]))
    with pytest.raises(ValueError, match=r"parameter has shape \(2, 3\)"):
        exp_filter_step(np.zeros(3), np.zeros(3), np.full((2, 3), 0.5))  # would grow the output
    with pytest.raises(TypeError, match="parameter must be a real number"):
        exp_filter_step(np.zeros(3), np.zeros(3), True)
    with pytest.raises(TypeError, match="parameter must hold real numbers"):
        exp_filter_step(np.zeros(3), np.zeros(3), "0.5")


# ------------------------------------------------------------------ sum_decode
def test_sum_decode_hand_computed():
    x = np.array([[1, 0, 1], [1, 1, 0], [0, 0, 1], [1, 0, 0]], F32)
    same(sum_decode(x), np.array([3, 1, 2], F32))
    same(sum_decode(x, 1), np.array([2, 2, 1, 1], F32))
    same(sum_decode(x, -1), np.array([2, 2, 1, 1], F32))
    same(sum_decode(x.astype(bool)), np.array([3, 1, 2], np.int64))
    same(sum_decode(x.astype(np.int32)), np.array([3, 1, 2], np.int64))
    same(sum_decode(np.zeros((0, 2), F64)), np.zeros(2, F64))
    same(sum_decode(np.float32(2.5)), np.asarray(F32(2.5)))


def test_sum_decode_bad_input():
    with pytest.raises(ValueError, match=r"dimension 2 is out of range.*\(4, 3\)"):
        sum_decode(np.zeros((4, 3)), 2)
    with pytest.raises(TypeError, match="dimension must be an integer"):
        sum_decode(np.zeros((4, 3)), 0.0)
    with pytest.raises(TypeError, match="tensor must hold real numbers"):
        sum_decode(np.zeros(3, complex))


# ------------------------------------------------------------------ spike times
def test_spike_times_hand_computed():
    z = np.zeros((6, 1, 3), F32)
    z[[1, 4], 0, 0] = 1  # neuron 0 spikes at 1 and 4
    z[[0, 2, 3, 5], 0, 1] = 1  # neuron 1 at 0, 2, 3, 5; neuron 2 never
    same(to_spike_times(z, 1), np.array([[[1, 0, INF]]], F32))
    same(to_spike_times(z, 3), np.array([[[1, 0, INF]], [[4, 2, INF]], [[INF, 3, INF]]], F32))
    assert to_spike_times(z, 100).shape == (6, 1, 3)  # at most T rows
    same(to_spike_times(z.astype(bool), 1), np.array([[[1, 0, INF]]], F32))
    same(to_spike_times(z.astype(F64), 1), np.array([[[1, 0, INF]]], F64))
    same(to_spike_times(np.zeros((0, 2, 3)), 2), np.zeros((0, 2, 3)))
    same(ToSpikeTimes.apply(z, np.asarray(2)), to_spike_times(z, 2))


def test_spike_times_any_number_of_axes():
    same(to_spike_times([0, 1, 1, 0, 1], 2), np.array([1, 2], F32))
    z = np.zeros((3, 1, 1, 2), F64)
    z[2, 0, 0, 1] = 1
    same(to_spike_times(z, 1), np.array([[[[INF, 2]]]], F64))


@given(hnp.arrays(np.int8, hnp.array_shapes(min_dims=1, max_dims=3, min_side=0, max_side=8),
                  elements=st.sampled_from(BITS)),
       st.integers(1, 10))
def test_spike_times_are_the_first_k_spikes(z, k):
    out = to_spike_times(z, k)
    rows = min(k, z.shape[0])
    assert out.shape == (rows,) + z.shape[1:] and out.dtype == F32
    flat_z = z.reshape(z.shape[0], math.prod(z.shape[1:]))
    flat_out = out.reshape(rows, math.prod(z.shape[1:]))
    for j in range(flat_z.shape[1]):
        times = [t for t in range(z.shape[0]) if flat_z[t, j] == 1][:rows]
        expected = times + [INF] * (rows - len(times))
        column = list(flat_out[:, j])
        assert column == expected
        assert column == sorted(column)  # ascending, infinities last


def test_spike_times_does_not_mutate():
    z = np.zeros((4, 2, 2), F32)
    z[1] = 1
    before = z.copy()
    out = to_spike_times(z, 2)
    out[:] = 0
    same(z, before)


def test_spike_times_bad_input():
    z = np.zeros((3, 1, 2), F32)
    with pytest.raises(ValueError, match="spike_count must be >= 1, got 0"):
        to_spike_times(z, 0)
    with pytest.raises(ValueError, match="spike_count must be >= 1, got -2"):
        to_spike_times(z, np.asarray(-2))
    with pytest.raises(TypeError, match="spike_count must be an integer, got float"):
        to_spike_times(z, 1.0)
    with pytest.raises(TypeError, match="spike_count must be an integer, got a bool"):
        to_spike_times(z, True)
    with pytest.raises(TypeError, match=r"spike_count must be an integer.*shape \(2,\)"):
        to_spike_times(z, np.array([1, 2]))
    with pytest.raises(ValueError, match="spike_input must hold only 0 and 1.*0.5"):
        to_spike_times(np.array([[[0.5]]], F32), 1)
    with pytest.raises(ValueError, match="spike_input must hold only 0 and 1.*nan"):
        to_spike_times(np.array([[[NAN]]], F32), 1)
    with pytest.raises(ValueError, match="spike_input must have a time axis"):
        to_spike_times(np.float32(1.0), 1)
    with pytest.raises(TypeError, match="spike_input must hold real numbers"):
        to_spike_times(np.ones((2, 1), complex), 1)
    with pytest.raises(TypeError, match="not instantiated"):
        ToSpikeTimes()
