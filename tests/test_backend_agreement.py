"""Every backend agrees with the numpy reference, on every model it implements.

One parametrised suite over every ``(backend, model)`` pair of
:func:`refsnn.backends.available` (``numpy`` itself is the reference), so a
new backend joins by registering, not by copying tests. Hypothesis draws the
neuron shape (scalar where the model allows it, 1-d, batch x neurons, 3-d),
dtype, parameters (scalar or per-neuron), initial state (default or random,
full or broadcast), ``dt``, the number of steps (0 and 1 included) and
``record_states``.

A backend that compiles each family separately (``numba``) runs the
families of :data:`REPRESENTATIVE` by default and every other family with
``--long``, which CI runs too: a cold compile costs seconds per family and
dtype, and the default suite has a three-minute budget.

What is demanded (DESIGN.md, numerical invariants):

* elementwise models (feed-forward, no coupling): outputs and states
  **bit-identical** in float32 and float64 (NaN where the reference has
  NaN) — the exponential models included: ``exp`` is refsnn's own
  (:mod:`refsnn.numerics`), the same operations on every backend.
* models with matrix products (recurrent layers, compartment coupling):
  a backend may sum the products in another order. Two checks:

  - *exact products*: spike inputs, weights that are multiples of 2**-6,
    spikes as recurrent state, couplings with at most two power-of-two
    entries per row. Every sum is then exact in any order, so the results
    must again be bit-identical, in float32 and float64;
  - *general products* (float64, continuous random weights and inputs):
    states within ``MATRIX_RTOL`` (relative, with an absolute floor of
    ``MATRIX_RTOL`` times the largest magnitude), spikes identical. Product
    sums then differ by ~1e-16 relative per step; a spike could flip only if
    a pre-reset voltage fell within that distance of its threshold, which
    for continuous random data has probability ~1e-13 per run.
"""

from __future__ import annotations

import math
import zlib

import numpy as np
import pytest
from _helpers import map_leaves
from hypothesis import currently_in_test_context, given, note
from hypothesis import strategies as st

from refsnn import MODELS, backends, simulate
from refsnn._checks import is_namedtuple
from refsnn.functional import reset

REFERENCE = "numpy"
OTHERS = [name for name in backends.available() if name != REFERENCE]

#: Relative tolerance of float64 runs with general (inexact) matrix products.
MATRIX_RTOL = 1e-9

#: (input mean, input spread, dt range, weight scale (a power of two)) per family,
#: chosen so that the neurons fire; families not listed get ``_DEFAULT_DRIVE``.
_DEFAULT_DRIVE = (0.5, 1.5, (5e-4, 2e-3), 1.0)
DRIVE = {
    "iaf": (0.2, 0.6, (5e-4, 2e-3), 0.5),
    "lif_box": (2.0, 2.0, (5e-4, 2e-3), 2.0),
    "li_box": (2.0, 2.0, (5e-4, 2e-3), 2.0),
    "coba_lif": (0.2, 0.5, (0.02, 0.2), 0.5),
    "izhikevich": (8.0, 8.0, (5e-4, 2e-3), 16.0),
}


#: Families a backend that compiles each model separately (``numba``: seconds
#: per family and dtype with a cold cache) runs in the default suite: each
#: kind of update (plain, reset rules, exponential with adaptation, quadratic,
#: refractory counters, compartment coupling). Every other family runs with
#: ``--long`` (CI runs both).
REPRESENTATIVE = {"lif", "lif_box", "lif_adex", "izhikevich", "lif_adex_refrac", "lif_mc_refrac"}
#: Backends whose cost per family is small (one build for every model).
ONE_BUILD = {"cuda-host", "cuda"}


def _pairs(variant_filter):
    """``(backend, model, recurrent)`` for every non-reference backend and model variant."""
    out = []
    for name in OTHERS:
        for model in sorted(backends.get(name).models):
            descriptor = MODELS[model]
            marks = [] if name in ONE_BUILD or model in REPRESENTATIVE else [pytest.mark.long]
            for recurrent in (False, True):
                if variant_filter(descriptor, recurrent):
                    tag = "rec" if recurrent else "ff"
                    out.append(pytest.param(name, model, recurrent, id=f"{name}-{model}-{tag}",
                                            marks=marks))
    return out


def _exists(m, recurrent):
    return (m.recurrent_step if recurrent else m.feed_forward_step) is not None


ELEMENTWISE = _pairs(lambda m, rec: not rec and not m.takes_coupling and _exists(m, rec))
MATRIX = _pairs(lambda m, rec: (rec or m.takes_coupling) and _exists(m, rec))

# NaN and overflow are part of what is compared: the reference may warn about them.
pytestmark = [pytest.mark.filterwarnings("ignore::RuntimeWarning"),
              pytest.mark.usefixtures("allow_nonfinite")]
if not OTHERS:  # pragma: no cover - numba is a dependency, but keep the suite honest
    pytestmark.append(pytest.mark.skip(reason="no backend other than numpy is available"))


# ----------------------------------------------------------------------------- drawing
def _leaves(tree):
    if is_namedtuple(tree):
        return [leaf for field in tree for leaf in _leaves(field)]
    return [tree]


def _names(tree, prefix=""):
    out = []
    for field, value in zip(tree._fields, tree):
        out += _names(value, f"{field}.") if is_namedtuple(value) else [prefix + field]
    return out


@st.composite
def neuron_shapes(draw, scalar_ok: bool):
    n = draw(st.integers(1, 6))
    batch = draw(st.sampled_from([(), (), (2,), (3,), (2, 2)]))
    if scalar_ok and draw(st.integers(0, 4)) == 0:
        return ()
    return batch + (n,)


def _leaf_shape(draw, shape):
    """Shape of a per-neuron array: the full shape or a broadcastable suffix."""
    options = [tuple(shape)]
    if len(shape) > 1:
        options.append(tuple(shape[-1:]))
    return draw(st.sampled_from(options))


@st.composite
def scenarios(draw, model_name: str, recurrent: bool, exact: bool, dtype=None):
    """Keyword arguments of :func:`refsnn.simulate` for one model variant.

    ``exact``: spike inputs, weights on a 2**-6 grid, spikes as the initial
    recurrent state and power-of-two couplings, so that every matrix product
    is exact whatever the order of summation.
    """
    model = MODELS[model_name]
    mean, spread, (dt_lo, dt_hi), w_scale = DRIVE.get(model_name, _DEFAULT_DRIVE)
    dtype = np.dtype(dtype or draw(st.sampled_from([np.float32, np.float64])))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    shape = draw(neuron_shapes(scalar_ok=not recurrent and not model.takes_coupling))
    steps = draw(st.sampled_from([0, 1, 2, 3, 5, 8, 13]))
    n = shape[-1] if shape else 1
    kwargs = {"dt": float(draw(st.floats(dt_lo, dt_hi))), "record_states": draw(st.booleans())}

    # Parameters: the family's defaults, each scaled per neuron or as a whole.
    p = model.make_parameters()
    base = model.step_parameters(p)

    def perturb(name, value):
        value = np.asarray(value, dtype=np.float64)
        size = _leaf_shape(draw, shape) if draw(st.booleans()) else ()
        factor = rng.uniform(0.5, 2.0, size)
        out = np.where(value != 0, value * factor, rng.uniform(-0.2, 0.2, size))
        return out.astype(dtype) if draw(st.booleans()) else float(out) if out.ndim == 0 else out

    params = map_leaves(base, perturb)
    if model_name == "lif_box":
        params = params._replace(reset_method=draw(
            st.sampled_from([reset.reset_value, reset.reset_subtract])))
    if model.behaviour is not None and isinstance(p, model.behaviour):
        kwargs["p"] = p._replace(p=params) if draw(st.booleans()) else params
    else:
        kwargs["p"] = params

    # Inputs and connectivity.
    if recurrent:
        n_in = draw(st.integers(1, 5))
        x_shape = (steps,) + tuple(shape[:-1]) + (n_in,)
        if exact:
            x = (rng.random(x_shape) < 0.5).astype(dtype)
            kwargs["input_weights"] = (
                rng.integers(-64, 192, (n, n_in)) / 64 * w_scale).astype(dtype)
        else:
            x = rng.normal(mean, spread, x_shape).astype(dtype)
            kwargs["input_weights"] = (
                rng.normal(0.5, 1.0, (n, n_in)) * w_scale).astype(dtype)
        if model.takes_recurrent_weights:
            if exact:
                w = rng.integers(-96, 96, (n, n)) / 64 * w_scale
            else:
                w = rng.normal(0.0, 1.0, (n, n)) * w_scale
            kwargs["recurrent_weights"] = w.astype(dtype)
    else:
        x = rng.normal(mean, spread, (steps,) + tuple(shape)).astype(dtype)
    if model.takes_coupling:
        if exact:
            g = np.zeros((n, n))
            for row in range(n):
                for col in rng.choice(n, size=min(n, 2), replace=False):
                    g[row, col] = rng.choice([-64.0, -4.0, -1.0, 1.0, 4.0, 16.0, 64.0])
        else:
            g = rng.normal(0.0, 20.0, (n, n))
        kwargs["g_coupling"] = g.astype(dtype)
    if steps and not exact and draw(st.integers(0, 5)) == 0:
        x.reshape(-1)[draw(st.integers(0, x.size - 1))] = np.nan
    kwargs["inputs"] = x

    # Initial state: the default, or a random one (full or broadcast leaves).
    if draw(st.booleans()):
        default = model.initial_state(kwargs["p"], tuple(shape), dtype, recurrent)

        def randomise(name, value):
            leaf = name.rsplit(".", 1)[-1]
            full = leaf == "z" or not draw(st.booleans())
            size = tuple(shape) if full else _leaf_shape(draw, shape)
            if leaf == "z":
                return (rng.random(size) < 0.4).astype(dtype)
            if leaf == "rho":
                return rng.integers(0, 4, size).astype(dtype)
            ref = np.broadcast_to(np.asarray(value, np.float64), shape)
            ref = ref.reshape(-1)[0] if ref.size else 0.0
            return (ref + rng.normal(0.0, 0.5 * (abs(ref) + 1.0), size)).astype(dtype)

        kwargs["state"] = map_leaves(default, randomise)
    else:
        kwargs["state"] = None  # the default state, in the inputs' dtype
    return kwargs


# ----------------------------------------------------------------------------- comparing
def _scale(ref):
    finite = np.abs(ref[np.isfinite(ref)])
    return max(1.0, float(finite.max())) if finite.size else 1.0


def _compare(ref, new, rtol, what):
    if rtol is None:
        np.testing.assert_array_equal(new, ref, err_msg=what)
    else:
        np.testing.assert_allclose(new, ref, rtol=rtol, atol=rtol * _scale(ref),
                                   equal_nan=True, err_msg=what)


def assert_agree(model_name, kwargs, backend, rtol):
    """Run the reference and ``backend``; compare outputs and (recorded or final) states."""
    args = dict(kwargs)
    inputs = args.pop("inputs")
    ref_out, ref_state = simulate(model_name, inputs, backend=REFERENCE, **args)
    out, state = simulate(model_name, inputs, backend=backend, **args)
    steps = inputs.shape[0]
    if currently_in_test_context():
        note(f"steps={steps} shape={ref_out.shape} spikes={np.nansum(ref_out)}")

    assert out.shape == ref_out.shape and out.dtype == ref_out.dtype
    spiking = MODELS[model_name].output == "spikes"
    _compare(ref_out, out, None if spiking else rtol, "outputs")
    assert type(state) is type(ref_state)
    assert _names(state) == _names(ref_state)
    for name, ref_leaf, leaf in zip(_names(state), _leaves(ref_state), _leaves(state)):
        if steps == 0 and not args["record_states"]:  # the initial state, untouched
            assert np.shape(leaf) == np.shape(ref_leaf), name
            np.testing.assert_array_equal(leaf, ref_leaf)
            continue
        # After a step every leaf has the full shape (the reference may leave a
        # leaf that never met the input at its broadcastable initial shape).
        want = ref_out.shape if args["record_states"] else ref_out.shape[1:]
        assert leaf.shape == want, name
        assert leaf.dtype == ref_out.dtype, name
        _compare(np.broadcast_to(ref_leaf, want), leaf, rtol, f"state.{name}")


# ----------------------------------------------------------------------------- tests
@pytest.mark.parametrize("backend, model, recurrent", ELEMENTWISE)
@given(data=st.data())
def test_elementwise_models_are_bit_identical(backend, model, recurrent, data):
    kwargs = data.draw(scenarios(model, recurrent=False, exact=False))
    dtype = kwargs["inputs"].dtype
    assert_agree(model, kwargs, backend, None)


@pytest.mark.parametrize("backend, model, recurrent", MATRIX)
@given(data=st.data())
def test_exact_matrix_products_are_bit_identical(backend, model, recurrent, data):
    kwargs = data.draw(scenarios(model, recurrent=recurrent, exact=True))
    dtype = kwargs["inputs"].dtype
    assert_agree(model, kwargs, backend, None)


@pytest.mark.parametrize("backend, model, recurrent", MATRIX)
@given(data=st.data())
def test_general_matrix_products_agree_within_tolerance(backend, model, recurrent, data):
    kwargs = data.draw(scenarios(model, recurrent=recurrent, exact=False, dtype=np.float64))
    assert_agree(model, kwargs, backend, MATRIX_RTOL)


@pytest.mark.parametrize("backend, model, recurrent", ELEMENTWISE + MATRIX)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_a_busy_run_agrees(backend, model, recurrent, dtype):
    """One fixed, longer run per pair in which neurons do fire (no vacuous agreement)."""
    example = _fixed_example(model, recurrent, dtype)
    assert_agree(model, example, backend, None)
    if MODELS[model].output == "spikes":
        out, _ = simulate(model, example["inputs"], backend=REFERENCE,
                          **{k: v for k, v in example.items() if k != "inputs"})
        assert 0 < out.sum() < out.size


def _fixed_example(model_name, recurrent, dtype):
    """A deterministic 40-step run on 2 x 5 neurons (exact products) with default state."""
    model = MODELS[model_name]
    mean, spread, (dt_lo, dt_hi), w_scale = DRIVE.get(model_name, _DEFAULT_DRIVE)
    rng = np.random.default_rng(zlib.crc32(f"{model_name}-{recurrent}".encode()))
    steps, shape = 40, (2, 5)
    kwargs = {"dt": math.sqrt(dt_lo * dt_hi), "record_states": True, "state": None}
    if recurrent:
        kwargs["inputs"] = (rng.random((steps, 2, 4)) < 0.5).astype(dtype)
        kwargs["input_weights"] = (rng.integers(0, 160, (5, 4)) / 64 * w_scale).astype(dtype)
        if model.takes_recurrent_weights:
            kwargs["recurrent_weights"] = (
                rng.integers(-64, 64, (5, 5)) / 64 * w_scale).astype(dtype)
    else:
        kwargs["inputs"] = rng.normal(mean, spread, (steps,) + shape).astype(dtype)
    if model.takes_coupling:
        kwargs["g_coupling"] = (np.eye(5, k=1) * 16.0 - np.eye(5) * 4.0).astype(dtype)
    return kwargs
