"""Every backend's functional-API functions agree with the NumPy reference.

One parametrised suite over every ``(backend, function)`` pair that
:func:`refsnn.backends.available` and :func:`refsnn.backends.functions`
report (``numpy`` is the reference itself), so a backend joins by
registering. Hypothesis draws shapes (empty ones and an empty time axis
included), float32/float64, seeds and start steps, scalar or per-element
parameters, bool or float spikes. No example database: every run draws
afresh from the seed Hypothesis derives, and never replays a stale failure.

Demanded: **bit identity** of every output (dtype, shape, values, NaN
positions and the sign of zeros), float32 and float64 alike: the backends
compile the reference's own per-element updates, whose ``exp`` and ``pow``
are refsnn's (:mod:`refsnn.numerics`, no libm). The one exception:
``stdp_linear_scan`` sums a batch of more than one row in its own order, so
with ``batch > 1`` its weights are checked to ``LINEAR_RTOL`` (traces stay
bit-identical); with one row the products are single multiplications and
must be exact.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, note, settings
from hypothesis import strategies as st

from refsnn import backends, registry
from refsnn.functional import encode, scan
from refsnn.functional.lif import LIFParameters
from refsnn.functional.lif_adex import LIFAdExParameters
from refsnn.functional.lif_ex import LIFExParameters
from refsnn.functional.stdp import STDP_ALGORITHMS, STDPParameters, STDPState
from refsnn.functional.stdp_sensor import STDPSensorParameters, STDPSensorState
from refsnn.functional.tsodyks_makram import TsodyksMakramParameters, TsodyksMakramState

#: The reference multiplies inf rates by dt * f_max = 0 (NaN, no spike) on purpose.
pytestmark = [pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
              pytest.mark.usefixtures("allow_nonfinite")]

REFERENCE = "numpy"
PAIRS = [(b, f) for b in backends.available() if b != REFERENCE
         for f in sorted(backends.functions(b))]
#: Relative tolerance (of the largest weight) of stdp_linear_scan with a batch > 1.
LINEAR_RTOL = {np.float32: 1e-5, np.float64: 1e-12}

DTYPES = st.sampled_from([np.float32, np.float64])
SHAPES = st.lists(st.integers(0, 4), min_size=0, max_size=3).map(tuple)


def _rng(data):
    return np.random.default_rng(data.draw(st.integers(0, 2**32 - 1), label="numpy seed"))


def _param(data, rng, shape, low, high, label):
    """A Python float, or an array of ``shape`` (or a trailing part of it)."""
    if shape and data.draw(st.booleans(), label=f"{label} per element"):
        cut = data.draw(st.integers(0, len(shape) - 1), label=f"{label} axes cut")
        return rng.uniform(low, high, shape[cut:])
    return float(rng.uniform(low, high))


def _cast_params(ptuple, dtype):
    return type(ptuple)(*(np.asarray(v, dtype) if isinstance(v, np.ndarray) else v
                          for v in ptuple))


def _spikes(data, rng, shape, dtype, p=0.3):
    z = rng.random(shape) < p
    return z if data.draw(st.booleans(), label="bool spikes") else z.astype(dtype)


# --------------------------------------------------------------------------- cases
def _poisson_case(data, signed):
    rng = _rng(data)
    dtype = data.draw(DTYPES, label="dtype")
    shape = data.draw(SHAPES, label="shape")
    x = rng.uniform(-1.5 if signed else 0.0, 1.5, shape).astype(dtype)
    if x.size and data.draw(st.booleans(), label="specials"):
        flat = x.reshape(-1)
        flat[rng.integers(0, x.size)] = 0.0
        flat[rng.integers(0, x.size)] = np.inf * (rng.choice([-1, 1]) if signed else 1)
        if signed:
            flat[rng.integers(0, x.size)] = -0.0
    steps = data.draw(st.integers(0, 40), label="steps")
    start = data.draw(st.one_of(st.just(0), st.integers(0, 2**32 - 1 - steps)), label="start")
    seed = data.draw(st.integers(0, 2**64 - 1), label="seed")
    f_max = data.draw(st.sampled_from([0.0, 10.0, 100.0, 1000.0, 3e3]), label="f_max")
    dt = data.draw(st.sampled_from([1e-4, 1e-3, 0.01]), label="dt")
    return (x, steps, f_max, dt, seed, start), {}


def _lif_case(data):
    rng = _rng(data)
    dtype = data.draw(DTYPES, label="dtype")
    shape = data.draw(SHAPES, label="shape")
    x = rng.uniform(-50, 400, shape).astype(dtype)
    p = LIFParameters(
        tau_mem_inv=_param(data, rng, shape, 50, 200, "tau_mem_inv"),
        v_leak=_param(data, rng, shape, -0.2, 0.2, "v_leak"),
        v_th=_param(data, rng, shape, 0.5, 1.5, "v_th"),
        v_reset=_param(data, rng, shape, -0.3, 0.1, "v_reset"),
    )
    if data.draw(st.booleans(), label="params as arrays of the dtype"):
        p = _cast_params(p, dtype)
    steps = data.draw(st.integers(0, 60), label="steps")
    dt = data.draw(st.sampled_from([5e-4, 1e-3, 2e-3]), label="dt")
    return (x, steps, p, dt), {}


def _encoder_scan_case(data, family):
    """Input currents ``(T, *shape)``; the state full, a trailing part, or a float."""
    rng = _rng(data)
    dtype = data.draw(DTYPES, label="dtype")
    shape = data.draw(SHAPES, label="shape")
    steps = data.draw(st.integers(0, 60), label="steps")
    x = rng.uniform(-50, 400, (steps,) + shape).astype(dtype)
    cut = data.draw(st.integers(0, len(shape) + 1), label="state axes cut")

    def state(low, high):
        if cut > len(shape):
            return float(rng.uniform(low, high))
        return rng.uniform(low, high, shape[cut:]).astype(dtype)

    common = dict(
        tau_mem_inv=_param(data, rng, shape, 50, 200, "tau_mem_inv"),
        v_leak=_param(data, rng, shape, -0.2, 0.2, "v_leak"),
        v_th=_param(data, rng, shape, 0.5, 1.5, "v_th"),
        v_reset=_param(data, rng, shape, -0.3, 0.1, "v_reset"),
    )
    if family == "lif":
        p = LIFParameters(**common)
    elif family == "lif_ex":
        p = LIFExParameters(delta_T=_param(data, rng, shape, 0.1, 1.0, "delta_T"), **common)
    else:
        p = LIFAdExParameters(
            adaptation_current=_param(data, rng, shape, 0, 8, "adaptation_current"),
            adaptation_spike=_param(data, rng, shape, 0, 0.1, "adaptation_spike"),
            delta_T=_param(data, rng, shape, 0.1, 1.0, "delta_T"),
            tau_ada_inv=_param(data, rng, shape, 0.5, 5, "tau_ada_inv"), **common)
    if data.draw(st.booleans(), label="params as arrays of the dtype"):
        p = _cast_params(p, dtype)
    states = (state(-0.3, 1.2),) + ((state(-0.5, 0.5),) if family == "lif_adex" else ())
    dt = data.draw(st.sampled_from([5e-4, 1e-3, 2e-3]), label="dt")
    return (x, *states, p, dt), {}


def _sensor_case(data):
    rng = _rng(data)
    dtype = data.draw(DTYPES, label="dtype")
    steps = data.draw(st.integers(0, 30), label="steps")
    pre, post = data.draw(SHAPES, label="pre shape"), data.draw(SHAPES, label="post shape")
    full = data.draw(st.booleans(), label="full state")
    state = STDPSensorState(
        rng.uniform(0, 2, pre).astype(dtype) if full else np.zeros((), dtype),
        rng.uniform(0, 2, post).astype(dtype) if full else np.zeros((), dtype))
    p = STDPSensorParameters(
        eta_p=_param(data, rng, pre, 0.1, 2, "eta_p"),
        eta_m=_param(data, rng, post, 0.1, 2, "eta_m"),
        tau_ac_inv=_param(data, rng, post, 1, 100, "tau_ac_inv"),
        tau_c_inv=_param(data, rng, pre, 1, 100, "tau_c_inv"),
    )
    dt = data.draw(st.sampled_from([1e-4, 1e-3, 5e-3]), label="dt")
    return (_spikes(data, rng, (steps,) + pre, dtype),
            _spikes(data, rng, (steps,) + post, dtype), state, p, dt), {}


def _stp_case(data):
    rng = _rng(data)
    dtype = data.draw(DTYPES, label="dtype")
    steps = data.draw(st.integers(0, 40), label="steps")
    shape = data.draw(SHAPES, label="shape")
    full = data.draw(st.booleans(), label="full state")
    s = TsodyksMakramState(
        rng.uniform(0, 1, shape).astype(dtype) if full else np.zeros((), dtype),
        rng.uniform(0, 1, shape).astype(dtype) if full else np.ones((), dtype))
    p = TsodyksMakramParameters(
        tau_f_inv=_param(data, rng, shape, 1, 50, "tau_f_inv"),
        tau_s_inv=_param(data, rng, shape, 1, 50, "tau_s_inv"),
        tau_d_inv=_param(data, rng, shape, 0.5, 20, "tau_d_inv"),
        U=_param(data, rng, shape, 0, 1, "U"),
    )
    dt = data.draw(st.sampled_from([1e-4, 1e-3, 5e-3]), label="dt")
    return (_spikes(data, rng, (steps,) + shape, dtype), s, p, dt), {}


def _stdp_linear_case(data):
    rng = _rng(data)
    dtype = data.draw(DTYPES, label="dtype")
    steps = data.draw(st.integers(0, 30), label="steps")
    batch = data.draw(st.sampled_from([(), (1,), (2,), (3,), (0,)]), label="batch")
    n_pre, n_post = data.draw(st.integers(0, 5), label="n_pre"), data.draw(
        st.integers(0, 5), label="n_post")
    pre, post = batch + (n_pre,), batch + (n_post,)
    w = rng.uniform(-0.2, 1.2, (n_post, n_pre)).astype(dtype)
    full = data.draw(st.booleans(), label="full state")
    s = STDPState(rng.uniform(0, 1, pre).astype(dtype) if full else np.zeros((), dtype),
                  rng.uniform(0, 1, post).astype(dtype) if full else np.zeros((), dtype))
    p = STDPParameters(
        a_pre=_param(data, rng, pre, 0.5, 2, "a_pre"),
        a_post=_param(data, rng, post, 0.5, 2, "a_post"),
        tau_pre_inv=_param(data, rng, pre, 5, 100, "tau_pre_inv"),
        tau_post_inv=_param(data, rng, post, 5, 100, "tau_post_inv"),
        w_min=_param(data, rng, (n_post, n_pre), -0.1, 0.1, "w_min"),
        w_max=_param(data, rng, (n_post, n_pre), 0.9, 1.1, "w_max"),
        eta_plus=_param(data, rng, (n_post, n_pre), 0, 0.5, "eta_plus"),
        eta_minus=_param(data, rng, (n_post, n_pre), 0, 0.5, "eta_minus"),
        stdp_algorithm=data.draw(st.sampled_from(STDP_ALGORITHMS), label="rule"),
        mu=_param(data, rng, (n_post, n_pre), 0, 1, "mu"),
        hardbound=data.draw(st.booleans(), label="hardbound"),
    )
    dt = data.draw(st.sampled_from([1e-4, 1e-3, 5e-3]), label="dt")
    return (_spikes(data, rng, (steps,) + pre, dtype, 0.4),
            _spikes(data, rng, (steps,) + post, dtype, 0.4), w, s, p, dt), {}


CASES = {
    "poisson_encode": lambda d: _poisson_case(d, False),
    "signed_poisson_encode": lambda d: _poisson_case(d, True),
    "constant_current_lif_encode": _lif_case,
    "spike_latency_lif_encode": _lif_case,
    "lif_current_encoder_scan": lambda d: _encoder_scan_case(d, "lif"),
    "lif_ex_current_encoder_scan": lambda d: _encoder_scan_case(d, "lif_ex"),
    "lif_adex_current_encoder_scan": lambda d: _encoder_scan_case(d, "lif_adex"),
    "stdp_sensor_scan": _sensor_case,
    "stp_scan": _stp_case,
    "stdp_linear_scan": _stdp_linear_case,
}
REFERENCES = {name: getattr(encode, name, None) or getattr(scan, name) for name in CASES}


def _leaves(x, path="out"):
    if isinstance(x, tuple):
        for k, v in enumerate(x):
            yield from _leaves(v, f"{path}[{getattr(x, '_fields', range(len(x)))[k]}]")
    else:
        yield path, np.asarray(x)


def _assert_identical(got, want):
    got_leaves, want_leaves = list(_leaves(got)), list(_leaves(want))
    assert [p for p, _ in got_leaves] == [p for p, _ in want_leaves]
    for (path, g), (_, w) in zip(got_leaves, want_leaves):
        assert g.dtype == w.dtype, (path, g.dtype, w.dtype)
        assert g.shape == w.shape, (path, g.shape, w.shape)
        np.testing.assert_array_equal(g, w, err_msg=path)  # NaN == NaN here
        np.testing.assert_array_equal(np.signbit(g), np.signbit(w), err_msg=f"{path} sign")


def test_every_function_is_covered():
    for b in backends.registered():
        missing = backends.functions(b) - set(CASES)
        assert not missing, f"backend {b!r} implements {missing} with no agreement case here"


@pytest.mark.skipif(not PAIRS, reason="no backend besides numpy implements functions here")
@pytest.mark.parametrize("backend, name", PAIRS or [("none", "none")])
@settings(database=None)
@given(data=st.data())
def test_function_agrees_with_reference(backend, name, data):
    args, kwargs = CASES[name](data)
    want = REFERENCES[name](*args, **kwargs)
    got = REFERENCES[name](*args, **kwargs, backend=backend)
    if name == "stdp_linear_scan" and np.ndim(args[0]) == 3 and np.shape(args[0])[1] > 1:
        _assert_identical(got[1], want[1])
        w_got, w_want = got[0], want[0]
        assert w_got.dtype == w_want.dtype and w_got.shape == w_want.shape
        scale = max(1.0, float(np.max(np.abs(w_want), initial=0)))
        tol = LINEAR_RTOL[w_want.dtype.type] * scale
        note(f"max |dw| = {np.max(np.abs(w_got - w_want), initial=0)}")
        np.testing.assert_allclose(w_got, w_want, rtol=0, atol=tol)
    else:
        _assert_identical(got, want)


# --------------------------------------------------------------------------- registry
def test_function_lookup_errors():
    with pytest.raises(ValueError, match="unknown backend 'nope'"):
        backends.function("nope", "poisson_encode")
    with pytest.raises(ValueError, match="does not implement 'no_such'; backends that do: none"):
        backends.function("numpy", "no_such")
    with pytest.raises(ValueError, match="unknown backend"):
        encode.poisson_encode(np.ones(3), 2, backend="nope")
    with pytest.raises(TypeError):
        encode.poisson_encode(np.ones(3), 2, backend=3)


def test_function_unavailable_backend(monkeypatch):
    class Missing:
        name = "missing"
        models = frozenset()
        functions = frozenset({"poisson_encode", "only_here"})

        def unavailable_reason(self):
            return "it is a test double; install it with `pip install missing`"

        def run(self, *args):  # pragma: no cover
            raise AssertionError

    monkeypatch.setitem(registry._LOADED, "missing", Missing())
    with pytest.raises(backends.BackendUnavailable, match="pip install missing"):
        encode.poisson_encode(np.ones(3), 2, backend="missing")
    with pytest.raises(ValueError, match="backends that do: missing$"):
        backends.function("numpy", "only_here")  # lists the backends that have it
    assert "missing" not in [n for n in backends.available()]


def test_backend_none_is_the_reference(monkeypatch):
    """``backend=None`` runs the NumPy code even when REFSNN_BACKEND names another."""
    monkeypatch.setenv("REFSNN_BACKEND", "nope")
    x = np.full(4, 0.5, np.float32)
    assert encode.poisson_encode(x, 3).shape == (3, 4)
    assert scan.stp_scan(np.zeros((2, 4)), TsodyksMakramState(np.zeros(4), np.ones(4)))[0].shape \
        == (2, 4)


def test_numpy_backend_name_runs_the_reference():
    x = np.linspace(0, 1, 7, dtype=np.float32)
    np.testing.assert_array_equal(encode.poisson_encode(x, 5, seed=3, backend="numpy"),
                                  encode.poisson_encode(x, 5, seed=3))


@pytest.mark.skipif("numba" not in backends.available(), reason="numba is not installed")
def test_numba_errors_match_the_reference():
    for bad in (dict(input_values=-np.ones(2)), dict(input_values=np.array([np.nan]))):
        with pytest.raises(ValueError) as ref:
            encode.poisson_encode(seq_length=3, **bad)
        with pytest.raises(ValueError) as nb:
            encode.poisson_encode(seq_length=3, backend="numba", **bad)
        assert str(ref.value) == str(nb.value)
    with pytest.raises(ValueError, match="same number of steps"):
        scan.stdp_sensor_scan(np.zeros((2, 3)), np.zeros((3, 3)), STDPSensorState(0.0, 0.0),
                              backend="numba")
