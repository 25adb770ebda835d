"""The driver: shapes, dtypes, default states, recording, registry and bad input."""

import numpy as np
import pytest

from refsnn import MODELS, backends, registry, simulate
from refsnn.functional import iaf, izhikevich, lif, lsnn
from refsnn.models import get_model

RNG = np.random.default_rng(7)


def _kwargs(name, n, n_in=None, dtype=np.float32):
    """Connectivity a model needs: coupling for compartments, weights if recurrent."""
    model = get_model(name)
    kw = {}
    if model.takes_coupling:
        kw["g_coupling"] = np.zeros((n, n), dtype)
    if n_in is not None:
        kw["input_weights"] = RNG.normal(size=(n, n_in)).astype(dtype)
        if model.takes_recurrent_weights:
            kw["recurrent_weights"] = RNG.normal(size=(n, n)).astype(dtype) * 0.1
    return kw


FF = sorted(n for n, m in MODELS.items() if m.feed_forward_step is not None)
REC = sorted(n for n, m in MODELS.items() if m.recurrent_step is not None)


@pytest.mark.parametrize("name", FF)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_feed_forward_shapes_and_dtype(name, dtype):
    x = RNG.normal(1.0, 1.0, size=(7, 2, 5)).astype(dtype)
    out, state = simulate(name, x, **_kwargs(name, 5, dtype=dtype))
    assert out.shape == x.shape and out.dtype == dtype
    for leaf in _leaves(state):
        assert leaf.shape == (2, 5) and leaf.dtype == dtype


@pytest.mark.parametrize("name", REC)
def test_recurrent_shapes(name):
    x = (RNG.random((6, 3, 4)) < 0.5).astype(np.float32)
    out, state = simulate(name, x, **_kwargs(name, 5, n_in=4))
    assert out.shape == (6, 3, 5)
    assert all(leaf.shape == (3, 5) for leaf in _leaves(state))


def _leaves(tree):
    if isinstance(tree, tuple):
        return [x for t in tree for x in _leaves(t)]
    return [tree]


@pytest.mark.parametrize("name", FF)
def test_record_states_stacks_every_field_and_ends_at_the_final_state(name):
    x = RNG.normal(1.0, 1.0, size=(9, 4)).astype(np.float32)
    kw = _kwargs(name, 4)
    out, final = simulate(name, x, **kw)
    out2, history = simulate(name, x, record_states=True, **kw)
    np.testing.assert_array_equal(out, out2)
    for h, f in zip(_leaves(history), _leaves(final)):
        assert h.shape == (9, 4)
        np.testing.assert_array_equal(h[-1], f)


@pytest.mark.parametrize("steps", [0, 1])
def test_zero_and_one_step(steps):
    x = np.ones((steps, 3), np.float32)
    out, history = simulate("lif", x, record_states=True)
    assert out.shape == (steps, 3) and history.v.shape == (steps, 3)
    out, state = simulate("lif", x)
    assert state.v.shape == (3,)


def test_simulate_equals_the_reference_loop():
    x = RNG.normal(0.3, 1.0, size=(50, 8)).astype(np.float32)
    p = lif.LIFParameters(tau_mem_inv=RNG.uniform(50, 150, 8), v_leak=0.1, v_reset=-0.2)
    out, final = simulate("lif", x, p=p, dt=5e-4)
    state = lif.LIFFeedForwardState(np.full(8, 0.1, np.float32), np.zeros(8, np.float32))
    for t in range(50):
        z, state = lif.lif_feed_forward_step(x[t], state, p, 5e-4)
        np.testing.assert_array_equal(out[t], z)
    np.testing.assert_array_equal(final.v, state.v)


def test_default_states_follow_norse():
    x = np.zeros((1, 3), np.float32)
    _, h = simulate("lif", x, p=lif.LIFParameters(v_leak=-0.5, v_th=10.0), record_states=True)
    np.testing.assert_allclose(h.v[0], -0.5 + 1e-3 * 100 * 0.0, rtol=1e-6)
    _, h = simulate("lsnn", x, p=lsnn.LSNNParameters(v_th=0.7), record_states=True)
    np.testing.assert_allclose(h.b[0], 0.7, rtol=1e-6)  # b starts at v_th, stays there
    _, h = simulate("iaf", x, p=iaf.IAFParameters(v_reset=-0.3), record_states=True)
    np.testing.assert_allclose(h.v[0], -0.3, rtol=1e-6)
    _, h = simulate("izhikevich", x, p=izhikevich.phasic_spiking, record_states=True,
                    dt=1e-12)
    np.testing.assert_allclose(h.v[0], -64.0, rtol=1e-6)
    np.testing.assert_allclose(h.u[0], -16.0, rtol=1e-6)


def test_per_neuron_parameters_act_per_neuron():
    x = np.full((200, 3), 0.5, np.float32)
    p = lif.LIFParameters(v_th=np.array([0.5, 1.0, 100.0]))
    out, _ = simulate("lif", x, p=p)
    counts = out.sum(axis=0)
    assert counts[0] > counts[1] > counts[2] == 0


def test_deterministic_and_inputs_untouched():
    x = RNG.normal(0.5, 1.0, size=(30, 2, 6)).astype(np.float32)
    w_in = RNG.normal(size=(4, 6)).astype(np.float32)
    w_rec = RNG.normal(size=(4, 4)).astype(np.float32)
    p = lif.LIFParameters(v_th=np.full(4, 0.8, np.float32))
    state = lif.LIFState(np.zeros((2, 4), np.float32), np.full((2, 4), 0.3, np.float32),
                         np.zeros((2, 4), np.float32))
    copies = [a.copy() for a in (x, w_in, w_rec, p.v_th, *state)]
    a = simulate("lif", x, p=p, state=state, input_weights=w_in, recurrent_weights=w_rec)
    b = simulate("lif", x, p=p, state=state, input_weights=w_in, recurrent_weights=w_rec)
    np.testing.assert_array_equal(a[0], b[0])
    for orig, now in zip(copies, (x, w_in, w_rec, p.v_th, *state)):
        np.testing.assert_array_equal(orig, now)


@pytest.mark.usefixtures("allow_nonfinite")
def test_nan_input_propagates_without_raising():
    x = np.zeros((5, 3), np.float32)
    x[2, 1] = np.nan
    out, h = simulate("lif", x, record_states=True)
    assert np.isnan(h.v[2:, 1]).all() and not np.isnan(h.v[:, [0, 2]]).any()
    assert out[2:, 1].sum() == 0


def test_state_dtype_governs():
    x = np.ones((3, 2), np.float32)
    state = lif.LIFFeedForwardState(np.zeros(2), np.zeros(2))
    out, final = simulate("lif", x, state=state)
    assert out.dtype == np.float64 and final.v.dtype == np.float64


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"model": "nope"}, ValueError, "unknown model 'nope'"),
        ({"backend": "nope"}, ValueError, "unknown backend 'nope'"),
        ({"dt": 0.0}, ValueError, "dt must be finite and > 0"),
        ({"dt": -1e-3}, ValueError, "dt"),
        ({"dt": float("nan")}, ValueError, "dt"),
        ({"dt": float("inf")}, ValueError, "dt"),
        ({"dt": "0.001"}, TypeError, "dt must be a real number"),
        ({"inputs": np.ones((3, 2), np.int64)}, TypeError, "inputs must hold floating"),
        ({"inputs": np.float32(1.0)}, ValueError, "time axis"),
        ({"p": lif.LIFParameters(v_th=np.ones(3))}, ValueError, r"p\.v_th has shape \(3,\)"),
        ({"p": lsnn.LSNNParameters()}, TypeError, "p must be a LIFParameters"),
        ({"state": lsnn.LSNNFeedForwardState(0.0, 0.0, 0.0)}, TypeError,
         "state must be a LIFFeedForwardState"),
        ({"state": lif.LIFFeedForwardState(np.zeros(3, np.float32), 0.0)}, ValueError,
         r"state\.v has shape \(3,\)"),
        ({"state": lif.LIFFeedForwardState(np.zeros(2, np.int32), 0.0)}, TypeError,
         "float32 or float64"),
        ({"recurrent_weights": np.zeros((2, 2))}, ValueError, "without input_weights"),
        ({"input_weights": np.zeros((4, 2))}, ValueError, "needs recurrent_weights"),
        ({"input_weights": np.zeros((4, 3)), "recurrent_weights": np.zeros((4, 4))},
         ValueError, r"input_weights must have shape \(n, 2\), got \(4, 3\)"),
        ({"input_weights": np.zeros((4, 2)), "recurrent_weights": np.zeros((3, 3))},
         ValueError, r"recurrent_weights must have shape \(4, 4\)"),
        ({"g_coupling": np.zeros((2, 2))}, ValueError, "takes no g_coupling"),
        ({"model": "lif_mc"}, ValueError, "needs g_coupling"),
        ({"model": "lif_mc", "g_coupling": np.zeros((3, 3))}, ValueError,
         r"g_coupling must have shape \(2, 2\)"),
        ({"model": "lif_box", "input_weights": np.zeros((2, 2))}, ValueError,
         "no recurrent variant"),
        ({"model": "ada_lif"}, ValueError, "recurrent only"),
        ({"model": "li", "input_weights": np.zeros((2, 2)),
          "recurrent_weights": np.zeros((2, 2))}, ValueError, "input_weights only"),
        ({"record_states": 1}, TypeError, "record_states must be a bool"),
        ({"model": 3}, TypeError, "model must be a family name"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    args = {"model": "lif", "inputs": np.ones((3, 2), np.float32)}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        simulate(args.pop("model"), args.pop("inputs"), **args)


# ----------------------------------------------------------------------------- registry
def test_registry_lists_numpy_and_honours_the_environment(monkeypatch):
    assert "numpy" in backends.available()
    assert backends.get().name == "numpy"
    monkeypatch.setenv("REFSNN_BACKEND", "missing")
    with pytest.raises(ValueError, match="unknown backend 'missing'"):
        backends.get()
    with pytest.raises(ValueError, match="unknown backend"):
        simulate("lif", np.ones((2, 2), np.float32))


class _Fake:
    name = "fake"
    models = frozenset({"lif"})

    def __init__(self, reason=None):
        self.reason = reason

    def unavailable_reason(self):
        return self.reason

    def run(self, *args):  # pragma: no cover - never reached in these tests
        raise AssertionError


def test_registry_errors(monkeypatch):
    monkeypatch.setattr(registry, "_LOADED", dict(registry._LOADED))
    backends.register(_Fake())
    with pytest.raises(ValueError, match="already registered"):
        backends.register(_Fake())
    with pytest.raises(ValueError, match="does not implement model 'lsnn'; "
                       "backends that do: cuda, cuda-host, (numba, )?numpy"):
        simulate("lsnn", np.ones((2, 2), np.float32), backend="fake")
    backends.register(_Fake("needs the moon: pip install moon"), replace=True)
    assert "fake" not in backends.available() and "fake" in backends.registered()
    with pytest.raises(backends.BackendUnavailable, match="pip install moon"):
        simulate("lif", np.ones((2, 2), np.float32), backend="fake")
    with pytest.raises(TypeError, match="must have a 'name' attribute"):
        backends.register(object())


def test_a_broadcast_initial_state_comes_back_at_full_shape():
    x = np.zeros((3, 2, 4), np.float32)
    state = lsnn.LSNNFeedForwardState(np.float32(0.0), np.zeros(4, np.float32), np.float32(1.0))
    for record in (False, True):
        _, final = simulate("lsnn", x, state=state, record_states=record)
        assert all(leaf.shape[-2:] == (2, 4) for leaf in final)
    _, final = simulate("lsnn", x[:0], state=state)
    assert all(leaf.shape == (2, 4) for leaf in final)


# ----------------------------------------------------------------------------- compact spikes
@pytest.mark.parametrize("backend", backends.available())
@pytest.mark.parametrize("spike_dtype", [np.bool_, np.uint8])
@pytest.mark.parametrize("model, kw", [
    ("lif", {}), ("lif_adex_refrac", {}),
    ("lif", {"input_weights": np.eye(4, dtype=np.float32),
             "recurrent_weights": np.full((4, 4), 0.25, np.float32)}),
])
def test_compact_spikes_equal_the_float_spikes(backend, spike_dtype, model, kw):
    x = np.random.default_rng(3).uniform(0, 2, (60, 2, 4)).astype(np.float32)
    ref, ref_state = simulate(model, x, backend="numpy", **kw)
    out, state = simulate(model, x, backend=backend, spike_dtype=spike_dtype, **kw)
    assert out.dtype == np.dtype(spike_dtype) and out.shape == ref.shape
    assert ref.sum() > 0
    np.testing.assert_array_equal(out.astype(np.float32), ref)
    for a, b in zip(ref_state, state):
        np.testing.assert_array_equal(np.asarray(a), np.asarray(b))


def test_spike_dtype_is_checked():
    x = np.ones((2, 3), np.float32)
    with pytest.raises(ValueError, match="spike_dtype must be np.bool_ or np.uint8.*float32"):
        simulate("lif", x, spike_dtype=np.float32)
    with pytest.raises(TypeError, match="spike_dtype must be a dtype"):
        simulate("lif", x, spike_dtype="not a dtype")
    with pytest.raises(ValueError, match="'li' outputs voltages"):
        simulate("li", x, spike_dtype=np.bool_)
