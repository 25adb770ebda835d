"""The numba backend: registry behaviour, purity, NaN, compile-once, threading paths.

Agreement with the reference on every model is tested by
``tests/test_backend_agreement.py``; this file covers what is specific to
this backend.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap

import numpy as np
import pytest

from refsnn import backends, registry, simulate
from refsnn.functional import lif, lif_box, lif_refrac, lsnn

pytest.importorskip("numba")

from refsnn.backends.numba_ import NumbaBackend, kernels, runner  # noqa: E402
from refsnn.backends import layout  # noqa: E402

RNG = np.random.default_rng(11)
_NUMBA = backends.get("numba")


def _leaves(tree):
    return [x for f in tree for x in _leaves(f)] if isinstance(tree, tuple) else [tree]


def _assert_same(a, b):
    (out_a, state_a), (out_b, state_b) = a, b
    np.testing.assert_array_equal(out_a, out_b)
    for x, y in zip(_leaves(state_a), _leaves(state_b), strict=True):
        np.testing.assert_array_equal(x, y)


# ----------------------------------------------------------------------------- registry
def test_numba_is_registered_available_and_implements_every_model():
    from refsnn import MODELS

    assert "numba" in backends.registered()
    assert "numba" in backends.available()
    backend = backends.get("numba")
    assert backend.unavailable_reason() is None
    assert backend.models == frozenset(MODELS)


def test_missing_numba_is_reported_with_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "numba", None)  # makes `import numba` fail
    broken = NumbaBackend()
    reason = broken.unavailable_reason()
    assert reason is not None and "pip install numba" in reason
    monkeypatch.setitem(registry._LOADED, "numba", broken)
    assert "numba" not in backends.available()
    with pytest.raises(backends.BackendUnavailable, match="pip install numba"):
        simulate("lif", np.ones((2, 3), np.float32), backend="numba")


def test_refsnn_imports_and_runs_numpy_without_numba():
    code = textwrap.dedent("""
        import sys
        sys.modules["numba"] = None
        import numpy as np, refsnn
        assert "numba" in refsnn.backends.registered()
        assert "numba" not in refsnn.backends.available(), refsnn.backends.available()
        refsnn.simulate("lif", np.ones((2, 3), np.float32))
        try:
            refsnn.simulate("lif", np.ones((2, 3), np.float32), backend="numba")
        except refsnn.backends.BackendUnavailable as e:
            assert "pip install numba" in str(e)
        else:
            raise AssertionError("no error")
    """)
    subprocess.run([sys.executable, "-c", code], check=True)


class _Partial:
    """A backend implementing some models only (wraps numba)."""

    def __init__(self, name, models):
        self.name, self.models = name, frozenset(models)

    def unavailable_reason(self):
        return None

    def run(self, *args):
        return _NUMBA.run(*args)


def test_a_model_a_backend_lacks_names_the_backends_that_have_it(monkeypatch):
    monkeypatch.setitem(registry._LOADED, "numba", _Partial("numba", {"li", "iaf"}))
    monkeypatch.setitem(registry._LOADED, "other", _Partial("other", {"lif"}))
    with pytest.raises(ValueError, match=r"backend 'numba' does not implement model 'lif'; "
                                         r"backends that do: cuda, cuda-host, numpy, other"):
        simulate("lif", np.ones((2, 3), np.float32), backend="numba")
    simulate("iaf", np.ones((2, 3), np.float32), backend="numba")  # the models it has run


def test_environment_variable_selects_numba(monkeypatch):
    monkeypatch.setenv("REFSNN_BACKEND", "numba")
    x = RNG.normal(1.0, 1.0, (20, 4)).astype(np.float32)
    _assert_same(simulate("lif", x), simulate("lif", x, backend="numpy"))


# ----------------------------------------------------------------------------- purity, NaN
@pytest.mark.parametrize("recurrent", [False, True])
def test_inputs_states_parameters_and_weights_are_never_modified(recurrent):
    p = lif_refrac.LIFRefracParameters(
        lif.LIFParameters(v_th=np.linspace(0.5, 1.0, 4).astype(np.float32)), rho_reset=2.0)
    kw = {}
    if recurrent:
        x = (RNG.random((30, 2, 3)) < 0.5).astype(np.float32)
        kw = {"input_weights": RNG.normal(1, 1, (4, 3)).astype(np.float32),
              "recurrent_weights": RNG.normal(0, 1, (4, 4)).astype(np.float32)}
        state = lif_refrac.LIFRefracState(
            lif.LIFState(np.ones((2, 4), np.float32), np.full((2, 4), 0.5, np.float32),
                         np.zeros((2, 4), np.float32)), np.ones((2, 4), np.float32))
    else:
        x = RNG.normal(1, 1, (30, 2, 4)).astype(np.float32)
        state = lif_refrac.LIFRefracFeedForwardState(
            lif.LIFFeedForwardState(np.full((2, 4), 0.5, np.float32),
                                    np.zeros((2, 4), np.float32)), np.ones(4, np.float32))
    arrays = [x, *kw.values(), p.lif.v_th, *_leaves(state)]
    copies = [a.copy() for a in arrays]
    x.flags.writeable = False  # read-only inputs are accepted
    for record in (False, True):
        out, final = simulate("lif_refrac", x, p=p, state=state, backend="numba",
                              record_states=record, **kw)
        assert not any(np.shares_memory(a, leaf) for a in arrays for leaf in _leaves(final))
    for a, c in zip(arrays, copies):
        np.testing.assert_array_equal(a, c)


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_propagates_as_in_the_reference():
    x = RNG.normal(1, 1, (12, 5)).astype(np.float32)
    x[3, 2] = np.nan
    x[7, 4] = np.inf
    for model in ("lif", "li", "lif_ex", "coba_lif", "izhikevich", "lif_refrac"):
        ref = simulate(model, x, backend="numpy", record_states=True)
        new = simulate(model, x, backend="numba", record_states=True)
        _assert_same(ref, new)
    out, h = simulate("lif", x, backend="numba", record_states=True)
    assert np.isnan(h.v[3:, 2]).all() and not np.isnan(h.v[:, [0, 1, 3]]).any()
    assert out[3:, 2].sum() == 0


def test_lif_box_with_an_unknown_reset_method_points_to_numpy():
    p = lif_box.LIFBoxParameters(reset_method=lambda z, v, reset, th: v)
    with pytest.raises(ValueError, match="reset_value or refsnn.functional.reset.reset_subtract.*backend='numpy'"):
        simulate("lif_box", np.ones((2, 3), np.float32), p=p, backend="numba")


def test_zero_steps_zero_neurons_and_scalar_neurons():
    for shape in [(0,), (3, 0), ()]:
        for steps in (0, 1, 4):
            x = np.ones((steps,) + shape, np.float32)
            for record in (False, True):
                ref = simulate("lif", x, backend="numpy", record_states=record)
                new = simulate("lif", x, backend="numba", record_states=record)
                assert new[0].shape == ref[0].shape
                assert [a.shape for a in _leaves(new[1])] == [a.shape for a in _leaves(ref[1])]
                _assert_same(ref, new)


# ----------------------------------------------------------------------------- compilation
def test_each_kernel_compiles_once_and_is_cached_on_disk():
    x = RNG.normal(1, 1, (10, 3)).astype(np.float64)
    simulate("lsnn", x, backend="numba")
    loop = kernels.elementwise_loop
    mine = [sig for sig in loop.signatures if sig[0].literal_value == "lsnn/feed_forward"
            and str(sig[1].dtype) == "float64"]
    assert len(mine) == 1
    before = len(loop.signatures)
    for shape in [(10, 3), (10, 2, 7), (10,), (4, 1, 1, 5)]:  # new shapes, same kernel
        simulate("lsnn", RNG.normal(1, 1, shape), backend="numba", record_states=True)
        simulate("lsnn", RNG.normal(1, 1, shape), backend="numba",
                 p=lsnn.LSNNParameters(v_th=np.linspace(0.5, 1.5, shape[-1])
                                       if len(shape) > 1 else 1.0))
    assert len(loop.signatures) == before
    # The compiled entry point is found without going through the dispatcher.
    p_like = runner._scalars(lsnn.LSNNParameters(), np.dtype(np.float64))
    s_like = runner._scalars(lsnn.LSNNFeedForwardState(0.0, 0.0, 0.0), np.dtype(np.float64))
    args = ("lsnn/feed_forward", layout.readonly(np.zeros((1, 2, 3))), np.zeros((0, 3)),
            np.zeros((3, 3)), s_like, layout.readonly(np.zeros((7, 0))), p_like,
            np.float64(1e-3), np.zeros((2, 3)), np.zeros((0, 0, 0)), False, 0, 3)
    assert runner.compiled(loop, args) is runner.compiled(loop, args)
    # cache=True: the dispatcher writes its compiled code next to the module.
    assert loop._cache.__class__.__name__ == "FunctionCache"
    assert loop.stats.cache_path is not None


# ----------------------------------------------------------------------------- threading
@pytest.fixture
def many_chunks(monkeypatch):
    """Split even tiny problems into three chunks (the parallel path)."""
    monkeypatch.setattr(runner, "_MIN_WORK", 1)
    monkeypatch.setattr(runner, "_threads", lambda: 3)


@pytest.mark.usefixtures("many_chunks")
@pytest.mark.parametrize("model", ["lif", "lif_adex_refrac"])
def test_chunked_elementwise_runs_are_bit_identical(model):
    x = RNG.normal(1, 2, (6, 3 * kernels.BLOCK + 5)).astype(np.float32)
    _assert_same(simulate(model, x, backend="numpy", record_states=True),
                 simulate(model, x, backend="numba", record_states=True))


@pytest.mark.usefixtures("many_chunks")
@pytest.mark.parametrize("rate", [0.05, 0.9])  # spike-driven and BLAS products
@pytest.mark.parametrize("model", ["lif", "coba_lif", "lif_mc_refrac"])
def test_chunked_recurrent_runs_are_bit_identical(model, rate):
    steps, batch, n, n_in = 25, 5, 24, 6
    x = (RNG.random((steps, batch, n_in)) < rate).astype(np.float32)
    kw = {"input_weights": (RNG.integers(0, 96, (n, n_in)) / 64).astype(np.float32),
          "recurrent_weights": (RNG.integers(-64, 64, (n, n)) / 64).astype(np.float32)}
    if model == "lif_mc_refrac":
        kw["g_coupling"] = (np.eye(n, k=1) * 8 - np.eye(n) * 2).astype(np.float32)
    ref = simulate(model, x, backend="numpy", record_states=True, **kw)
    new = simulate(model, x, backend="numba", record_states=True, **kw)
    _assert_same(ref, new)
    assert ref[0].sum() > 0


@pytest.mark.usefixtures("allow_nonfinite")
@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_non_finite_recurrent_weights_use_blas_like_the_reference():
    """0 * inf is NaN: with a non-finite weight the products must not skip silent neurons."""
    x = np.zeros((3, 4), np.float32)
    w_rec = np.zeros((4, 4), np.float32)
    w_rec[1, 2] = np.inf
    kw = {"input_weights": np.eye(4, dtype=np.float32), "recurrent_weights": w_rec}
    _assert_same(simulate("lif", x, backend="numpy", record_states=True, **kw),
                 simulate("lif", x, backend="numba", record_states=True, **kw))
