"""refsnn.compare: errors, divergence patterns, spike-train distances, inputs, the CLI.

Distances are checked against direct, non-recursive computations of their
definitions (the van Rossum kernel summed spike by spike, the Victor–Purpura
recursion by memoised search), and divergence patterns against runs whose
error history is known: a LIF with the wrong update order, an ulp in a
chaotic map, a trace that drifts slowly.
"""

from __future__ import annotations

import argparse
import functools
import json
import math
import sys
import types
from typing import NamedTuple

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import refsnn
from refsnn.compare import (Report, add_compare_arguments, compare, main_compare,
                            run_compare)
from refsnn.functional.lif import LIFFeedForwardState, LIFParameters, lif_feed_forward_step
from refsnn.functional.lif_refrac import LIFRefracFeedForwardState


def up(x, steps=1):
    """``x`` moved ``steps`` representable values towards +inf."""
    for _ in range(steps):
        x = np.nextafter(x, np.asarray(np.inf, dtype=np.asarray(x).dtype))
    return x


def strict_json(report):
    return json.loads(json.dumps(report.to_dict(), allow_nan=False))


# --------------------------------------------------------------------------- identical, 1 ulp
def test_identical_traces_are_exact():
    rng = np.random.default_rng(0)
    traces = {"v": rng.normal(size=(30, 4)).astype(np.float32), "z": rng.random((30, 4)) < 0.2}
    report = compare(traces, {k: v.copy() for k, v in traces.items()})
    assert report.ok and report.first_divergence is None
    assert not report.missing and not report.extra
    for v in report.variables.values():
        assert (v.pattern, v.max_abs, v.max_rel, v.divergent) == ("exact", 0.0, 0.0, 0)
        assert v.first_divergence is None and v.onset is None
    assert report["v"].max_ulp == 0 and report["z"].max_ulp is None       # bool: no ulp
    assert report["z"].spikes.identical and report["z"].spikes.van_rossum == 0
    assert str(report).startswith("refsnn compare: within tolerance (rtol=0, atol=0)")


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_one_ulp_is_one_ulp_and_fails_bit_identity_only(dtype):
    rng = np.random.default_rng(1)
    ref = rng.normal(size=(20, 5)).astype(dtype)
    cand = ref.copy()
    cand[6, 3] = up(cand[6, 3])
    report = compare({"v": ref}, {"v": cand})
    v = report["v"]
    assert v.max_ulp == 1 and v.divergent == 1 and not report.ok
    assert v.first_divergence == (6, (3,)) and report.first_divergence == ("v", 6, (3,))
    assert v.max_abs == abs(float(cand[6, 3]) - float(ref[6, 3])) > 0
    assert v.pattern == "rounding" and v.onset is None
    assert compare({"v": ref}, {"v": cand}, rtol=1e-6).ok
    assert compare({"v": ref}, {"v": cand}, atol=1e-6).ok


@given(x=st.floats(allow_nan=False, allow_infinity=False, width=32),
       k=st.integers(0, 40), dtype=st.sampled_from([np.float32, np.float64]))
def test_ulp_error_counts_representable_values(x, k, dtype):
    a = np.array([x], dtype=dtype)
    b = up(a, k)
    report = compare(a, b)
    if np.isinf(b[0]):
        assert report["array"].max_ulp == math.inf
    else:
        assert report["array"].max_ulp == k
        assert compare(b, a)["array"].max_ulp == k              # symmetric


def test_ulp_across_zero_and_signed_zeros():
    tiny = np.array([5e-324])
    assert compare(tiny, -tiny)["array"].max_ulp == 2          # -tiny, 0, +tiny
    report = compare(np.array([0.0]), np.array([-0.0]))
    assert report.ok and report["array"].pattern == "exact" and report["array"].max_ulp == 0
    big = np.array([np.finfo(np.float64).max])
    assert compare(-big, big)["array"].max_ulp == 2 * 0x7FEFFFFFFFFFFFFF   # no overflow


def test_ulp_is_in_the_reference_dtype_and_rounding_in_the_coarser_one():
    t = np.linspace(0, 3, 200)
    ref = np.sin(t)
    cand = ref.astype(np.float32)
    report = compare({"v": ref}, {"v": cand})
    v = report["v"]
    assert not report.ok and v.max_ulp > 10**6            # float64 ulp
    assert v.pattern == "rounding"                        # a few float32 ulp per step
    assert v.reference_dtype == "float64" and v.candidate_dtype == "float32"
    assert compare({"v": ref}, {"v": cand}, rtol=1e-6, atol=1e-7).ok


# --------------------------------------------------------------------------- patterns
def reference_lif(x, p, dt):
    """refsnn's LIF (current jump, then the voltage update), recorded every step."""
    state = LIFFeedForwardState(v=np.zeros(x.shape[1], x.dtype), i=np.zeros(x.shape[1], x.dtype))
    out = {"v": [], "i": [], "z": []}
    for xt in x:
        z, state = lif_feed_forward_step(xt, state, p, dt)
        out["v"].append(state.v)
        out["i"].append(state.i)
        out["z"].append(z)
    return {k: np.stack(v) for k, v in out.items()}


def wrong_lif(x, p, dt):
    """The bug: the input is added to the current *after* the voltage update."""
    v = np.zeros(x.shape[1], x.dtype)
    i = np.zeros(x.shape[1], x.dtype)
    out = {"v": [], "i": [], "z": []}
    for xt in x:
        v = v + dt * p.tau_mem_inv * ((p.v_leak - v) + i)          # the old current
        i = i + xt
        i = i - dt * p.tau_syn_inv * i
        z = (v > p.v_th).astype(x.dtype)
        v = (1 - z) * v + z * p.v_reset
        out["v"].append(v)
        out["i"].append(i)
        out["z"].append(z)
    return {k: np.stack(v) for k, v in out.items()}


def test_a_wrong_update_order_is_immediate_at_step_0_of_v():
    x = np.tile(np.array([0.1, 0.3, 0.6, 1.0], np.float32), (60, 1))
    p, dt = LIFParameters(), 1e-3
    ref, bad = reference_lif(x, p, dt), wrong_lif(x, p, dt)
    assert ref["z"].sum() > 0                                       # the drive makes spikes
    report = compare(ref, bad, dt=dt)
    assert not report.ok
    v = report["v"]
    assert v.first_divergence[0] in (0, 1) and v.pattern == "immediate" and v.onset in (0, 1)
    assert report.first_divergence[:2] == ("v", 0)
    assert report["i"].pattern == "exact"          # the current's update order is the same
    assert report["z"].spikes is not None and not report["z"].spikes.identical
    assert "immediate (onset 0)" in str(report)


def logistic(x0, steps=100):
    x = np.empty(steps)
    x[0] = x0
    for k in range(steps - 1):
        x[k + 1] = 4.0 * x[k] * (1.0 - x[k])
    return x


def test_an_ulp_in_a_chaotic_map_is_a_divergence_after_the_start():
    ref, cand = logistic(0.3), logistic(up(0.3))
    report = compare({"x": ref}, {"x": cand}, rtol=1e-6)
    x = report["x"]
    assert x.pattern == "divergence" and not report.ok
    step = x.first_divergence[0]
    assert 10 < step < 60 and x.onset >= 2
    assert x.step_errors[0] > 0 and x.step_errors[:5].max() < 1e-14   # rounding-sized start
    assert x.step_errors.max() > 0.1                                    # then a blow-up
    bit_exact = compare({"x": ref}, {"x": cand})["x"]       # the ulp itself is at step 0
    assert bit_exact.first_divergence == (0, ()) and bit_exact.pattern == "divergence"
    assert bit_exact.onset >= 2


def test_a_spike_flip_after_rounding_noise_is_a_divergence():
    rng = np.random.default_rng(2)
    v = 0.5 + 0.4 * np.sin(np.arange(80) / 5.0)[:, None] * np.ones((1, 3))
    cand = np.where(rng.random(v.shape) < 0.3, up(v), v)       # ulp noise
    cand[50:, 1] = 0.0                                          # a reset the reference lacks
    report = compare({"v": v}, {"v": cand}, rtol=1e-9)
    assert report["v"].pattern == "divergence" and report["v"].onset == 50
    assert report["v"].first_divergence == (50, (1,))
    assert compare({"v": v}, {"v": np.where(rng.random(v.shape) < 0.3, up(v), v)})[
        "v"].pattern == "rounding"


def test_slow_growth_is_rounding_and_fast_growth_is_not():
    t = np.arange(400)
    ones = np.ones(400)
    slow = 1.0 + np.floor(2 * np.sqrt(t + 1)) * np.finfo(np.float64).eps   # random-walk size
    report = compare(ones, slow)
    assert report["array"].pattern == "rounding" and not report.ok
    fast = 1.0 + np.finfo(np.float64).eps * 2.0 ** np.minimum(t, 60)       # doubling each step
    assert compare(ones, fast)["array"].pattern == "divergence"


def test_izhikevich_ulp_perturbation_stays_rounding():
    rng = np.random.default_rng(0)
    x = 10 + 5 * rng.standard_normal((200, 50))
    z1, h1 = refsnn.simulate("izhikevich", x, record_states=True)
    z2, h2 = refsnn.simulate("izhikevich", up(x), record_states=True)
    report = compare({"z": z1, **h1._asdict()}, {"z": z2, **h2._asdict()})
    assert report["v"].pattern == "rounding" and report["v"].max_abs > 0
    assert report["z"].pattern == "exact" and report["z"].spikes.identical


def test_integer_and_boolean_errors_are_never_rounding():
    ref = np.zeros((10, 2), np.int64)
    cand = ref.copy()
    cand[5, 1] = 1
    v = compare({"count": ref}, {"count": cand}, spikes=())["count"]
    assert v.pattern == "divergence" and v.onset == 5 and v.max_ulp is None
    cand[0, 0] = 1
    assert compare({"count": ref}, {"count": cand}, spikes=())["count"].pattern == "immediate"


# --------------------------------------------------------------------------- NaN, infinity
def test_nan_equals_nan_and_nan_against_a_number_diverges():
    ref = np.array([1.0, np.nan, 3.0])
    same = compare(ref, ref.copy())
    assert same.ok and same["array"].pattern == "exact" and same["array"].max_ulp == 0
    for a, b in ((ref, np.array([1.0, 2.0, 3.0])), (np.array([1.0, 2.0, 3.0]), ref)):
        report = compare(a, b, rtol=1.0, atol=1e300)
        v = report["array"]
        assert not report.ok and v.first_divergence == (1, ()) and v.divergent == 1
        assert v.max_abs == v.max_rel == v.max_ulp == math.inf
        d = strict_json(report)["variables"]["array"]
        assert d["max_abs"] == d["max_ulp"] == "inf" and d["step_errors"][1] == "inf"


def test_infinities():
    inf, big = np.inf, np.finfo(np.float64).max
    assert compare(np.array([inf, -inf]), np.array([inf, -inf])).ok
    report = compare(np.array([inf]), np.array([big]), rtol=1.0)
    assert not report.ok and report["array"].max_ulp == math.inf
    assert not compare(np.array([inf]), np.array([-inf]), rtol=10.0).ok
    assert compare(np.array([0.0]), np.array([1.0]))["array"].max_rel == math.inf


# --------------------------------------------------------------------------- spike trains
def train(steps, neurons, times):
    """A (steps, neurons) float32 spike array from ``{neuron: [steps]}``."""
    z = np.zeros((steps, neurons), np.float32)
    for n, ts in times.items():
        z[ts, n] = 1
    return z


def van_rossum_direct(t_ref, t_cand, steps, tau):
    """The definition, kernel by kernel: D^2 = (1 - d^2)/2 sum_t (f_t - g_t)^2."""
    t = np.arange(steps)[:, None]

    def trace(times):
        times = np.asarray(times, dtype=float)[None, :]
        return np.where(t >= times, np.exp(-(t - times) / tau), 0.0).sum(axis=1)

    d2 = math.exp(-2 / tau)
    return math.sqrt((1 - d2) / 2 * float(np.sum((trace(t_ref) - trace(t_cand)) ** 2)))


def victor_purpura_direct(a, b, q):
    """The Victor–Purpura recursion by memoised search."""
    @functools.lru_cache(maxsize=None)
    def g(i, j):
        if i == 0 or j == 0:
            return float(i + j)
        return min(g(i - 1, j) + 1, g(i, j - 1) + 1, g(i - 1, j - 1) + q * abs(a[i - 1] - b[j - 1]))
    return g(len(a), len(b))


def test_a_one_step_delay_shifts_by_one_even_in_a_burst():
    times = {0: [3, 4, 20], 1: [10]}
    ref = train(40, 2, times)
    cand = train(40, 2, {n: [t + 1 for t in ts] for n, ts in times.items()})
    report = compare({"z": ref}, {"z": cand}, dt=0.5)
    s = report["z"].spikes
    assert (s.reference_count, s.candidate_count, s.matched) == (4, 4, 4)
    assert s.mean_shift == s.mean_abs_shift == 1.0 and s.max_abs_shift == 1
    assert s.unmatched_reference == s.unmatched_candidate == 0
    assert s.first_mismatch == (3, (0,)) and s.differing_neurons == 2
    assert list(s.max_abs_shift_per_neuron) == [1, 1] and list(s.mean_shift_per_neuron) == [1, 1]
    for n in (0, 1):
        expected = van_rossum_direct(times[n], [t + 1 for t in times[n]], 40, 10.0)
        assert s.van_rossum_per_neuron[n] == pytest.approx(expected, rel=1e-12)
    assert s.van_rossum == pytest.approx(math.hypot(*s.van_rossum_per_neuron), rel=1e-12)
    assert s.victor_purpura == pytest.approx(0.4)                 # 4 shifts of 1 step, q = 0.1
    d = strict_json(report)["variables"]["z"]["spikes"]
    assert d["mean_shift"] == 1.0 and d["mean_shift_time"] == 0.5 and d["max_abs_shift_time"] == 0.5
    assert d["first_mismatch"] == {"step": 3, "index": [0], "time": 1.5}


def test_van_rossum_closed_forms():
    tau, steps = 10.0, 3000
    extra = compare(train(steps, 1, {0: [5]}), np.zeros((steps, 1)), spikes="array")
    assert extra["array"].spikes.van_rossum == pytest.approx(1 / math.sqrt(2), rel=1e-12)
    short = compare(train(30, 1, {0: [5]}), np.zeros((30, 1)), spikes="array", tau=tau)
    assert short["array"].spikes.van_rossum == pytest.approx(
        math.sqrt((1 - math.exp(-2 * 25 / tau)) / 2), rel=1e-12)       # cut off by the end
    shifted = compare(train(steps, 1, {0: [100]}), train(steps, 1, {0: [101]}), tau=tau)
    assert shifted["array"].spikes.van_rossum == pytest.approx(
        math.sqrt(1 - math.exp(-1 / tau)), rel=1e-12)


@given(a=st.lists(st.integers(0, 29), max_size=6, unique=True),
       b=st.lists(st.integers(0, 29), max_size=6, unique=True),
       tau=st.sampled_from([0.5, 3.0, 10.0]), q=st.sampled_from([0.0, 0.1, 0.7, 3.0]))
def test_distances_match_their_definitions(a, b, tau, q):
    a, b = sorted(a), sorted(b)
    report = compare({"z": train(30, 1, {0: a})}, {"z": train(30, 1, {0: b})}, tau=tau, q=q)
    s = report["z"].spikes
    assert s.van_rossum == pytest.approx(van_rossum_direct(a, b, 30, tau), rel=1e-9, abs=1e-12)
    assert s.victor_purpura == pytest.approx(victor_purpura_direct(tuple(a), tuple(b), q))
    assert s.matched + s.unmatched_reference == len(a)
    assert s.matched + s.unmatched_candidate == len(b)
    assert s.identical == (a == b) == (s.van_rossum == 0)


def test_victor_purpura_by_hand():
    def vp(a, b, q):
        return compare({"z": train(10, 1, {0: a})}, {"z": train(10, 1, {0: b})},
                       q=q)["z"].spikes.victor_purpura
    assert vp([1, 5], [2], 1.0) == 2.0            # shift 1 -> 2 (1), delete 5 (1)
    assert vp([1, 5], [2], 0.0) == 1.0            # q = 0: the count difference
    assert vp([3, 4, 8], [4, 5, 9], 3.0) == 4.0   # keep 4, delete and insert the others
    assert vp([3, 4, 8], [4, 5, 9], 0.5) == 1.5
    assert vp([], [2, 7], 1.0) == 2.0


def test_shifts_beyond_the_window_are_unpaired():
    ref, cand = train(50, 1, {0: [5, 30]}), train(50, 1, {0: [8, 45]})
    s = compare({"z": ref}, {"z": cand}, window=4)["z"].spikes
    assert s.matched == 1 and s.mean_shift == 3 and s.max_abs_shift == 3
    assert s.unmatched_reference == s.unmatched_candidate == 1
    s = compare({"z": ref}, {"z": cand}, window=0)["z"].spikes
    assert s.matched == 0 and s.mean_shift is None and s.max_abs_shift is None


def test_spike_variables_are_detected_or_named():
    binary = np.array([[0.0], [1.0], [0.0]])
    report = compare({"lif.z": np.array([0.0, 2.0, 0.0]), "v": binary, "w": np.ones(3) / 2},
                     {"lif.z": np.array([0.0, 2.0, 0.0]), "v": binary, "w": np.ones(3) / 2})
    assert report["lif.z"].spikes is not None and report["lif.z"].spikes.reference_count == 1
    assert report["v"].spikes is not None and report["w"].spikes is None
    named = compare({"v": binary, "w": np.ones(3)}, {"v": binary, "w": np.ones(3)}, spikes=["w"])
    assert named["v"].spikes is None and named["w"].spikes.reference_count == 3
    assert compare({"z": binary}, {"z": binary}, spikes=())["z"].spikes is None


def test_a_spike_difference_passes_only_a_tolerance_that_allows_it():
    ref, cand = train(10, 2, {0: [3]}), train(10, 2, {0: [4]})
    assert not compare({"z": ref}, {"z": cand}).ok
    assert compare({"z": ref}, {"z": cand}, atol=1).ok


# --------------------------------------------------------------------------- inputs
class Inner(NamedTuple):
    v: np.ndarray
    i: np.ndarray


class Outer(NamedTuple):
    lif: Inner
    rho: np.ndarray
    unused: object = None


def test_nested_namedtuples_dicts_and_per_step_lists_give_the_same_names():
    rng = np.random.default_rng(3)
    v, i, rho = (rng.normal(size=(8, 3)) for _ in range(3))
    stacked = Outer(Inner(v, i), rho)
    as_dict = {"lif": {"v": v, "i": i}, "rho": rho}
    per_step = [Outer(Inner(v[t], i[t]), rho[t]) for t in range(8)]
    refrac = LIFRefracFeedForwardState(LIFFeedForwardState(v, i), rho)     # refsnn's own
    for candidate in (as_dict, per_step, refrac, {"lif.v": v, "lif.i": i, "rho": rho}):
        report = compare(stacked, candidate)
        assert report.ok and list(report.variables) == ["lif.v", "lif.i", "rho"]


def test_simulate_histories_compare_directly():
    x = np.full((50, 4), 0.5, np.float32)
    spikes, history = refsnn.simulate("lif", x, record_states=True)
    report = compare(history, refsnn.simulate("lif", x, record_states=True)[1])
    assert report.ok and set(report.variables) == {"v", "i"}


def test_torch_like_tensors_are_detached_without_importing_torch():
    class FakeTensor:
        def __init__(self, array):
            self.array, self.calls = array, []

        def detach(self):
            self.calls.append("detach")
            return self

        def cpu(self):
            self.calls.append("cpu")
            return self

        def numpy(self):
            self.calls.append("numpy")
            return self.array

    v = np.arange(6.0).reshape(3, 2)
    tensor = FakeTensor(v.copy())
    assert compare({"v": v}, {"v": tensor}).ok and tensor.calls == ["detach", "cpu", "numpy"]


def test_npz_and_npy_files(tmp_path):
    v = np.linspace(0, 1, 12).reshape(6, 2)
    z = np.zeros((6, 2), bool)
    np.savez(tmp_path / "ref.npz", v=v, z=z, dt=0.001, model="lif")
    np.savez(tmp_path / "cand.npz", v=v, z=z, backend="numba")
    report = compare(tmp_path / "ref.npz", str(tmp_path / "cand.npz"))
    assert report.ok and list(report.variables) == ["v", "z"]
    assert report.ignored == {"reference": ["dt", "model"], "candidate": ["backend"]}
    assert "ignored in reference (not arrays with a time axis): dt, model" in str(report)
    np.save(tmp_path / "v.npy", v)
    assert compare(tmp_path / "v.npy", v).ok


def test_empty_runs_and_big_endian_files(tmp_path):
    for shape in ((0, 3), (0,), (4, 0)):
        report = compare({"z": np.zeros(shape)}, {"z": np.zeros(shape)})
        assert report.ok and report["z"].pattern == "exact"
        assert report["z"].spikes.reference_count == 0
    v = np.array([1.0, 2.0])
    np.savez(tmp_path / "big.npz", v=v.astype(">f8"))
    report = compare(tmp_path / "big.npz", {"v": np.array([1.0, up(2.0)])})
    assert report["v"].max_ulp == 1 and report["v"].reference_dtype == "float64"


def test_missing_and_extra_variables_make_the_report_fail():
    v = np.zeros((4, 2))
    report = compare({"v": v, "i": v}, {"v": v, "w": v})
    assert not report.ok and report.missing == ["i"] and report.extra == ["w"]
    assert report["v"].ok and list(report.variables) == ["v"]
    text = str(report)
    assert "missing in candidate: i" in text and "extra in candidate: w" in text


# --------------------------------------------------------------------------- bad inputs
@pytest.mark.parametrize("kwargs, error, words", [
    ({"rtol": -1}, ValueError, "rtol must be >= 0"),
    ({"rtol": "0"}, TypeError, "rtol must be a real number"),
    ({"atol": float("nan")}, ValueError, "atol must be a finite number"),
    ({"atol": True}, TypeError, "atol"),
    ({"dt": 0}, ValueError, "dt must be > 0"),
    ({"tau": 0.0}, ValueError, "tau must be > 0"),
    ({"q": -0.5}, ValueError, "q must be >= 0"),
    ({"window": 1.5}, TypeError, "window must be an integer"),
    ({"window": -1}, ValueError, "window must be >= 0"),
    ({"spikes": ("nope",)}, ValueError, "spikes: no variable named 'nope'"),
    ({"spikes": (1,)}, TypeError, "spikes must contain variable names"),
    ({"spikes": 3}, TypeError, "spikes must be a name or an iterable"),
])
def test_bad_options_name_the_argument(kwargs, error, words):
    v = {"v": np.zeros(3)}
    with pytest.raises(error, match=words):
        compare(v, v, **kwargs)


@pytest.mark.parametrize("reference, candidate, error, words", [
    ({"v": np.zeros((5, 2))}, {"v": np.zeros((5, 3))}, ValueError,
     r"variable 'v' has shape \(5, 2\) in reference but \(5, 3\) in candidate"),
    ({"v": np.zeros(3)}, {"v": np.array([None, 1, 2])}, TypeError,
     "candidate: variable 'v' has dtype object"),
    ({"v": np.zeros(3)}, {"v": np.array(["a", "b", "c"])}, TypeError,
     "candidate: variable 'v' has dtype <U1"),
    ({"v": 1.0}, {"v": 1.0}, ValueError, "reference: variable 'v' is a scalar"),
    ({1: np.zeros(3)}, {"v": np.zeros(3)}, TypeError, "reference: variable names must be strings"),
    ({}, {"v": np.zeros(3)}, ValueError, "reference has no variables"),
    ({"v": np.zeros(3)}, [[1, 2], [3]], TypeError, "candidate: variable 'array' is not an array"),
    ({"v": np.zeros(3)}, {"v": np.zeros(3, complex)}, TypeError, "dtype complex128"),
])
def test_bad_inputs_name_the_argument(reference, candidate, error, words):
    with pytest.raises(error, match=words):
        compare(reference, candidate)


def test_bad_files_name_the_argument(tmp_path):
    with pytest.raises(FileNotFoundError, match="reference: no such file"):
        compare(tmp_path / "nope.npz", np.zeros(3))
    (tmp_path / "bad.npz").write_text("not a zip file")
    with pytest.raises(ValueError, match="candidate: .*bad.npz' is not a readable .npz file"):
        compare(np.zeros(3), tmp_path / "bad.npz")
    np.savez(tmp_path / "meta.npz", dt=0.001)
    with pytest.raises(ValueError, match=r"reference has no variables to compare \(ignored: dt\)"):
        compare(tmp_path / "meta.npz", np.zeros(3))


# --------------------------------------------------------------------------- report output
def test_str_is_a_table_with_times_when_dt_is_given():
    ref = np.zeros((10, 3))
    cand = ref.copy()
    cand[4, 2] = 1e-3
    text = str(compare({"v": ref, "z": ref}, {"v": cand, "z": ref}, dt=0.25))
    lines = text.splitlines()
    assert lines[0] == "refsnn compare: NOT within tolerance (rtol=0, atol=0, dt=0.25)"
    assert lines[1].split() == ["variable", "shape", "max", "abs", "max", "rel", "max", "ulp",
                                "first", "divergence", "pattern"]
    assert lines[2].split()[:5] == ["v", "(10,", "3)", "0.001", "inf"]
    assert "step 4 (t=1) at [2]" in lines[2] and "divergence (onset 4)" in lines[2]
    assert lines[3].split()[:3] == ["z", "(10,", "3)"] and lines[3].endswith("exact")
    assert any(line.startswith("spike trains") for line in lines)


def test_to_dict_is_strict_json():
    rng = np.random.default_rng(4)
    ref = {"v": rng.normal(size=(12, 2)), "z": rng.random((12, 2)) < 0.3,
           "n": np.array([np.nan, 0.0, 1.0])}
    cand = {"v": ref["v"] + 1e-3, "z": ~ref["z"], "n": np.array([1.0, 0.0, np.inf]),
            "x": np.zeros(3)}
    report = compare(ref, cand, dt=1e-3)
    d = strict_json(report)
    assert d["ok"] is False and d["extra"] == ["x"] and d["dt"] == 1e-3
    assert d["first_divergence"] == {"variable": "v", "step": 0, "index": [0], "time": 0.0}
    assert d["variables"]["v"]["shape"] == [12, 2] and len(d["variables"]["v"]["step_errors"]) == 12
    assert d["variables"]["n"]["max_rel"] == "inf" and d["variables"]["z"]["max_ulp"] is None
    assert d["variables"]["z"]["spikes"]["reference_count"] == int(ref["z"].sum())


def test_plot_without_matplotlib_says_how_to_install_it(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match="pip install matplotlib"):
        compare(np.zeros(3), np.ones(3)).plot()


def test_plot_draws_log_errors_and_marks_the_first_divergence(monkeypatch):
    """With a stand-in pyplot recording the calls (matplotlib is optional)."""
    calls = []

    class Axes:
        def __getattr__(self, name):
            def record(*args, **kwargs):
                calls.append((name, args, kwargs))
                return [types.SimpleNamespace(get_color=lambda: "C0")] if name == "plot" else None
            return record

    ax = Axes()
    pyplot = types.SimpleNamespace(subplots=lambda: (None, ax))
    matplotlib = types.ModuleType("matplotlib")
    matplotlib.pyplot = pyplot
    monkeypatch.setitem(sys.modules, "matplotlib", matplotlib)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", pyplot)
    ref = np.zeros(10)
    cand = ref.copy()
    cand[6:] = 1.0
    assert compare(ref, cand, dt=0.5).plot() is ax
    names = [name for name, _, _ in calls]
    assert ("set_yscale", ("log",), {}) in calls and "legend" in names
    assert [args for name, args, _ in calls if name == "axvline"] == [(3.0,)]   # step 6 x 0.5
    x, y = next(args for name, args, _ in calls if name == "plot")
    assert list(x) == [0.5 * k for k in range(10)] and np.isnan(y[:6]).all() and (y[6:] == 1).all()


def test_plot_with_matplotlib():
    pytest.importorskip("matplotlib")
    import matplotlib
    matplotlib.use("Agg")
    report = compare(logistic(0.3, 60), logistic(up(0.3), 60))
    ax = report.plot()
    assert ax.get_yscale() == "log"
    import matplotlib.pyplot as plt
    plt.close(ax.figure)


# --------------------------------------------------------------------------- command line
def run_main(argv, capsys):
    status = main_compare(argv)
    out, err = capsys.readouterr()
    return status, out, err


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(5)
    v = rng.normal(size=(20, 3)).astype(np.float32)
    z = rng.random((20, 3)) < 0.2
    off = v.copy()
    off[7, 1] = up(off[7, 1])
    paths = {}
    for name, arrays in {"ref": {"v": v, "z": z}, "same": {"v": v, "z": z},
                         "off": {"v": off, "z": z}, "wide": {"v": np.zeros((20, 4)), "z": z},
                         "fewer": {"v": v}}.items():
        paths[name] = str(tmp_path / f"{name}.npz")
        np.savez(paths[name], **arrays, dt=0.001)
    paths["missing"] = str(tmp_path / "missing.npz")
    paths["text"] = str(tmp_path / "text.npz")
    (tmp_path / "text.npz").write_text("hello")
    return paths


def test_cli_exit_status_0_within_tolerance(files, capsys):
    status, out, err = run_main([files["ref"], files["same"]], capsys)
    assert status == 0 and err == "" and out.startswith("refsnn compare: within tolerance")
    status, out, _ = run_main([files["ref"], files["off"], "--rtol", "1e-6"], capsys)
    assert status == 0 and "rtol=1e-06" in out


def test_cli_exit_status_1_outside_tolerance(files, capsys):
    status, out, err = run_main([files["ref"], files["off"], "--dt", "0.001"], capsys)
    assert status == 1 and err == ""
    assert "NOT within tolerance" in out and "step 7 (t=0.007) at [1]" in out



def test_cli_a_variable_in_one_file_only_is_bad_input_unless_allowed(files, capsys):
    status, out, err = run_main([files["ref"], files["fewer"]], capsys)
    assert status == 2 and "missing in candidate: z" in out
    assert err.startswith("refsnn: error: variables in one file only: z (reference only)")
    status, out, err = run_main([files["fewer"], files["ref"]], capsys)
    assert status == 2 and "z (candidate only)" in err
    status, out, err = run_main([files["ref"], files["fewer"], "--allow-missing"], capsys)
    assert status == 0 and err == "" and "missing in candidate: z" in out


def test_cli_json(files, capsys):
    status, out, _ = run_main([files["ref"], files["off"], "--json", "--atol", "1"], capsys)
    d = json.loads(out)
    assert status == 0 and d["ok"] is True and d["atol"] == 1.0
    assert d["variables"]["v"]["max_ulp"] == 1 and d["ignored"]["reference"] == ["dt"]


@pytest.mark.parametrize("case, words", [
    (("missing", "ref"), "reference: no such file"),
    (("ref", "text"), "candidate: '"),
    (("ref", "wide"), "variable 'v' has shape (20, 3) in reference but (20, 4) in candidate"),
])
def test_cli_exit_status_2_on_bad_input(files, case, words, capsys):
    status, out, err = run_main([files[case[0]], files[case[1]]], capsys)
    assert status == 2 and out == ""
    assert err.startswith("refsnn: error: ") and words in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("argv, words", [
    (["--rtol", "-1"], "argument --rtol: must be a finite number >= 0"),
    (["--atol", "x"], "argument --atol: expected a number"),
    (["--dt", "0"], "argument --dt: must be > 0"),
    (["--spikes", "z,"], "argument --spikes: expected comma-separated names"),
    (["--bogus"], "unrecognized arguments"),
])
def test_cli_bad_options(files, argv, words, capsys):
    status, out, err = run_main([files["ref"], files["same"], *argv], capsys)
    assert status == 2 and out == "" and err.startswith("refsnn: error: ") and words in err


def test_cli_help_exits_0(capsys):
    status, out, _ = run_main(["--help"], capsys)
    assert status == 0 and "REF.npz" in out and "exit status" in out


def test_the_arguments_plug_into_a_subcommand(files, capsys):
    parser = argparse.ArgumentParser(prog="refsnn")
    sub = parser.add_subparsers(dest="command", required=True)
    add_compare_arguments(sub.add_parser("compare"))
    args = parser.parse_args(["compare", files["ref"], files["off"], "--spikes", "z"])
    assert args.spikes == ("z",)
    assert run_compare(args) == 1
    assert "NOT within tolerance" in capsys.readouterr().out


def test_report_type():
    report = compare(np.zeros(2), np.zeros(2))
    assert isinstance(report, Report) and repr(report).startswith("<Report ok=True")
